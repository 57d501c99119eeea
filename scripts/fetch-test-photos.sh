#!/usr/bin/env bash
# Fetches the vision tests' photos from Debian packages without installing them: `apt-get download` the .debs and
# unpack them with `dpkg-deb -x` into a cache (never into the repository). Idempotent: done when the files exist.
#   python3-skimage        astronaut.png (NASA, public domain), coffee.png, rocket.jpg, hubble_deep_field.jpg, chelsea.png
#   python-matplotlib-data grace_hopper.jpg (US Navy, public domain)
#   kphotoalbum            demo/*.jpg and index.xml (KDE, CC-BY-SA-4.0)
# Output: ${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}/usr/... (see tests/TestData/README.md)
set -euo pipefail

DEST="${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}"
PACKAGES=(python3-skimage python-matplotlib-data kphotoalbum)

# The files the tests read; the package versions are not pinned (Debian's), only these paths are checked.
expected_files() {
  for f in astronaut.png coffee.png rocket.jpg hubble_deep_field.jpg chelsea.png; do
    echo "$DEST/usr/lib/python3/dist-packages/skimage/data/$f"
  done
  echo "$DEST/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"
  echo "$DEST/usr/share/kphotoalbum/demo/index.xml"
}

missing() {
  local n=0
  while read -r f; do [ -f "$f" ] || { echo "missing: $f" >&2; n=$((n + 1)); }; done < <(expected_files)
  return "$n"
}

if missing 2>/dev/null; then
  echo "Test photos already in $DEST"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work" # apt's download sandbox user must be able to write there
echo "Downloading ${PACKAGES[*]} (apt-get download, not installed)"
if ! (cd "$work" && apt-get download -qq "${PACKAGES[@]}" >/dev/null); then
  echo "apt-get download failed; refreshing the package lists and retrying" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  (cd "$work" && apt-get download -qq "${PACKAGES[@]}" >/dev/null)
fi
mkdir -p "$DEST"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$DEST"
done
if ! missing; then
  echo "fetch-test-photos.sh: the packages did not contain every expected file (see above)" >&2
  exit 1
fi
echo "Test photos written to $DEST"
