#!/usr/bin/env bash
# Unpacks the photos of Debian's darknet package (dog, horses, eagle, giraffe, kite, person…)
# into test/artifacts/darknet for the tag tests, without installing the package or its
# dependencies. Idempotent; needs apt's package lists (apt-get update) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=test/artifacts/darknet
[ -f "$dest/usr/share/darknet/data/dog.jpg" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && { apt-get download darknet >/dev/null 2>&1 || { apt-get update -qq && apt-get download darknet >/dev/null 2>&1; }; })
mkdir -p "$dest"
dpkg -x "$tmp"/darknet_*.deb "$dest"
