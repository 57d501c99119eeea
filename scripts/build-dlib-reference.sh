#!/usr/bin/env bash
# The independent check of the face embedder: builds tests/tools/dlib-reference/face_reference.cpp against Debian's
# libdlib (libdlib-dev + libdlib19.1 unpacked with apt-get download + dpkg-deb -x, not installed: the -dev package
# would pull OpenCV, X11 and pybind11 headers) and runs it on the vision test photos. dlib finds the faces, aligns
# them with its 5-point predictor and computes descriptors; the C# tests feed the same chips to our ONNX model.
# Needs: g++, libblas3, liblapack3, libjpeg62-turbo, libpng16-16 (runtime libraries only),
# scripts/build-face-embedder.sh and scripts/fetch-test-photos.sh (run first). Idempotent.
#
# Output: ${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}/dlib-reference/
#   chips/<stem>.<i>.rgb|.txt (see face_reference.cpp), labels.tsv ("<stem>.<i><TAB>person" for faces whose person
#   is known from the photo's tags or hand-drawn face boxes), DONE (the inputs' hashes)
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}"
MODELS="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/dlib-face-resnet-v1"
DEST="$DATA/dlib-reference"
SOURCE=tests/tools/dlib-reference/face_reference.cpp
DEMO="$DATA/usr/share/kphotoalbum/demo"
GRACE="$DATA/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
ASTRONAUT="$DATA/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
RESNET_DAT_SHA256=55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30

for f in "$MODELS/shape_predictor_5_face_landmarks.dat" "$MODELS/dlib_face_recognition_resnet_model_v1.dat" "$DEMO/index.xml" "$GRACE" "$ASTRONAUT"; do
  [ -f "$f" ] || { echo "build-dlib-reference.sh: $f is missing (run build-face-embedder.sh and fetch-test-photos.sh)" >&2; exit 1; }
done

stamp="source $(sha256sum "$SOURCE" | cut -d' ' -f1) script $(sha256sum "$0" | cut -d' ' -f1)"
if [ -f "$DEST/DONE" ] && [ "$(cat "$DEST/DONE")" = "$stamp" ]; then
  echo "dlib reference chips already in $DEST"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
echo "Unpacking libdlib-dev and libdlib19.1 (not installed)"
(cd "$work" && apt-get download -qq libdlib-dev libdlib19.1 >/dev/null 2>&1) || {
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  (cd "$work" && apt-get download -qq libdlib-dev libdlib19.1 >/dev/null)
}
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
lib="$work/root/usr/lib/$(uname -m)-linux-gnu"
arch_lib="/usr/lib/$(uname -m)-linux-gnu"

echo "Compiling the dlib reference program (a minute or two)"
g++ -O2 -std=c++17 -I"$work/root/usr/include" "$SOURCE" -o "$work/face_reference" \
  -L"$lib" -Wl,-rpath,"$lib" -ldlib "$arch_lib/libblas.so.3" "$arch_lib/liblapack.so.3" -lpthread

dat="$MODELS/dlib_face_recognition_resnet_model_v1.dat"
[ "$(sha256sum "$dat" | cut -d' ' -f1)" = "$RESNET_DAT_SHA256" ] \
  || { echo "build-dlib-reference.sh: SHA-256 mismatch for $dat" >&2; exit 1; }

# Jobs: kphotoalbum photos with hand-drawn face boxes use those boxes (one labelled face each); the other photos use
# dlib's detector, labelled when the photo is tagged with exactly one person. Plus two public-domain portraits.
python3 - "$DEMO" "$GRACE" "$ASTRONAUT" > "$work/jobs.tsv" 3> "$work/labels.tsv" <<'PY'
import os, sys, xml.etree.ElementTree as ET
demo, grace, astronaut = sys.argv[1:]
labels = os.fdopen(3, "w")
for image in ET.parse(os.path.join(demo, "index.xml")).getroot().iter("image"):
    name = image.get("file")
    if not name.endswith(".jpg"):
        continue
    stem = os.path.splitext(name)[0]
    people, areas = [], []
    for option in image.iter("option"):
        if option.get("name") in ("People", "Persons"):
            for value in option.iter("value"):
                people.append(value.get("value"))
                if value.get("area"):
                    areas.append((value.get("value"), value.get("area")))
    path = os.path.join(demo, name)
    if areas:
        for i, (person, area) in enumerate(areas):
            print(f"{path}\t{stem}-box{i}\t{area}")
            print(f"{stem}-box{i}.0\t{person}", file=labels)
    else:
        print(f"{path}\t{stem}")
        if len(people) == 1:
            print(f"{stem}.0\t{people[0]}\tif-single", file=labels)
print(f"{grace}\tgrace_hopper")
print(f"grace_hopper.0\tGrace Hopper\tif-single", file=labels)
print(f"{astronaut}\tastronaut")
print(f"astronaut.0\tEileen Collins\tif-single", file=labels)
PY

staging="$(mktemp -d "$DATA/.dlib-reference.XXXXXX")"
mkdir "$staging/chips"
"$work/face_reference" "$MODELS/shape_predictor_5_face_landmarks.dat" \
  "$dat" "$staging/chips" < "$work/jobs.tsv"
# "if-single": the label holds only when dlib found exactly one face in that photo.
while IFS=$'\t' read -r chip person cond; do
  stem="${chip%.0}"
  if [ "$cond" = "if-single" ] && { [ ! -f "$staging/chips/$stem.0.txt" ] || [ -f "$staging/chips/$stem.1.txt" ]; }; then
    continue
  fi
  [ -f "$staging/chips/$chip.txt" ] && printf '%s\t%s\n' "$chip" "$person"
done < "$work/labels.tsv" > "$staging/labels.tsv"
echo "$stamp" > "$staging/DONE"
rm -rf "$DEST"
mv "$staging" "$DEST"
faces=("$DEST"/chips/*.txt)
echo "dlib reference: ${#faces[@]} faces, $(wc -l < "$DEST/labels.tsv") labelled, in $DEST"
