#!/usr/bin/env bash
# Fast static checks of the image recipe and the hardware docs (seconds, no root): shellcheck on every script
# under image/ and hardware/, then hardware/check.sh (SVG well-formed, pin tables match the header).
# The chroot test of the recipe itself is image/test-recipe.sh (root, minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "check-image-hw: shellcheck is missing (apt-get install shellcheck)" >&2; exit 2; }
shellcheck image/*.sh hardware/*.sh scripts/check-image-hw.sh image/test/fixture-deb/DEBIAN/postinst image/test/fixture-deb/usr/bin/kvsedge
echo "ok: shellcheck reports nothing"
bash hardware/check.sh
