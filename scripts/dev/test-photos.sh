#!/usr/bin/env bash
# Unpacks real photographs with known subjects for the tests, without installing the packages or
# their dependencies: Debian darknet's (dog, horses, eagle, giraffe, kite, person…) into
# test/artifacts/darknet, and scikit-image's data folder (chelsea the cat, coffee, astronaut,
# rocket, motorcycle) into test/artifacts/skimage. Idempotent; needs apt's package lists
# (apt-get update) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# unpack <package> <dest> <a file it holds, relative to dest>
unpack() {
  [ -f "$2/$3" ] && return 0
  local dl="$tmp/$1"
  mkdir -p "$dl" "$2"
  (cd "$dl" && { apt-get download "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$1" >/dev/null 2>&1; }; })
  dpkg -x "$dl"/"$1"_*.deb "$2"
}

unpack darknet test/artifacts/darknet usr/share/darknet/data/dog.jpg
unpack python3-skimage test/artifacts/skimage usr/lib/python3/dist-packages/skimage/data/chelsea.png
