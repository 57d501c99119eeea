#!/usr/bin/env bash
# Fast static checks (seconds, no root): shellcheck on every shell script of the project (image recipe, hardware
# checks, packaging, build, CI and test scripts), then hardware/check.sh (SVG well-formed, pin tables match the header), then
# scripts/check-docs.sh (links, anchors, tables and paths in the docs).
# The chroot test of the recipe itself is image/test-recipe.sh (root, minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null || { echo "check-image-hw: shellcheck is missing (apt-get install shellcheck)" >&2; exit 2; }
shellcheck image/*.sh hardware/*.sh scripts/*.sh image/test/fixture-deb/DEBIAN/postinst image/test/fixture-deb/usr/bin/kvsedge \
  build-arm64.sh packaging/*.sh packaging/postinst packaging/prerm packaging/postrm tests/run.sh tests/faults/run.sh .ci/run
echo "ok: shellcheck reports nothing"
bash hardware/check.sh
bash scripts/check-docs.sh
