#!/usr/bin/env bash
# Installs, reinstalls, removes and purges a kvsedge .deb in a throw-away Debian bookworm chroot (debootstrap, as root)
# and checks what the maintainer scripts did: the user and its groups, the conffile's owner and mode, the units enabled,
# a reinstall through the IoT update hand-off (staged as kvsedge, applied by `kvsedge update apply` as root),
# `kvsedge door lock` as the service user, one face found by `kvsedge vision detect` with the packaged ONNX Runtime and
# model (default model path), masked on remove, state and config gone on purge, the user kept. With it, the face
# embedder data package (kvsedge-face-embedder, Architecture: all): its model at FaceEmbedderModel.PackagedPath, found
# by `kvsedge faces add --local-only` without a path, which enrols the test photo into the local gallery.
# CI runs it on an amd64 build of the package (.ci/run).
#
# usage: sudo packaging/test-install.sh artifacts/kvsedge_<version>_amd64.deb [kvsedge-face-embedder_<version>_all.deb]
#   (build both: ./build-arm64.sh --rid linux-x64; the embedder package defaults to the one beside the first)
set -euo pipefail
deb=$(realpath "${1:?usage: test-install.sh PATH.deb [EMBEDDER.deb] (an amd64 build: ./build-arm64.sh --rid linux-x64)}")
if [ $# -ge 2 ]; then
  embedder_deb=$(realpath "$2")
else
  embedder_deb=$(realpath "$(dirname "$deb")/kvsedge-face-embedder_$(dpkg-deb -f "$deb" Version)_all.deb")
fi
[ -f "$embedder_deb" ] || { echo "test-install.sh: no face embedder package $embedder_deb (build-arm64.sh builds it beside kvsedge)" >&2; exit 2; }
[ "$(dpkg-deb -f "$embedder_deb" Package)" = kvsedge-face-embedder ] || { echo "test-install.sh: $embedder_deb is not kvsedge-face-embedder" >&2; exit 2; }
[ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || { echo "test-install.sh: $deb is not for this machine's architecture" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "test-install.sh: run as root (chroot, debootstrap)" >&2; exit 2; }
# The vision check's photo (NASA's astronaut portrait, public domain), fetched from Debian's python3-skimage.
photo="${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
[ -f "$photo" ] || { echo "test-install.sh: no test photo $photo: run scripts/fetch-test-photos.sh" >&2; exit 2; }
command -v debootstrap >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null

root=$(mktemp -d)
chmod 0755 "$root" # the service user must be able to reach the chroot's /lib
cleanup() { umount "$root/proc" 2>/dev/null || true; rm -rf "$root"; }
trap cleanup EXIT
fail() { echo "test-install.sh: FAILED: $*" >&2; exit 1; }
in_root() { chroot "$root" "$@"; }

echo "== debootstrap bookworm (minbase) into $root"
# OpenSSL for `update apply` (.NET's SHA-256). GStreamer for `vision detect`, which decodes its photo with it:
# plugins-base (decodebin, videoconvert) and libpng here;
# the png decoder (and videoflip, for `faces add`) is unpacked below from gstreamer1.0-plugins-good, whose desktop dependencies (dconf) do not configure
# in a chroot.
debootstrap --variant=minbase --include=adduser,init-system-helpers,gstreamer1.0-plugins-base,libpng16-16,libssl3 bookworm "$root" "$(bash "$(dirname "$0")/../scripts/apt-mirror.sh")" >/dev/null
mount -t proc proc "$root/proc"
(cd "$root/tmp" && apt-get download -qq gstreamer1.0-plugins-good >/dev/null) || fail "apt-get download gstreamer1.0-plugins-good"
dpkg-deb --fsys-tarfile "$root"/tmp/gstreamer1.0-plugins-good_*.deb \
  | tar -x -C "$root" --wildcards './usr/lib/*/gstreamer-1.0/libgstpng.so' './usr/lib/*/gstreamer-1.0/libgstvideofilter.so' \
  || fail "unpacking the png decoder and videoflip (enrolment turns photos upright)"
cp "$deb" "$root/tmp/kvsedge.deb"
cp "$embedder_deb" "$root/tmp/kvsedge-face-embedder.deb"
cp "$photo" "$root/tmp/astronaut.png"

echo "== install"
# The GStreamer and libgpiod run-time libraries are not needed for these checks.
in_root dpkg -i --force-depends /tmp/kvsedge.deb >/dev/null 2>&1 || fail "dpkg -i"
[ "$(in_root id -nG kvsedge | tr ' ' '\n' | sort | tr '\n' ' ')" = "gpio kvsedge video " ] || fail "kvsedge's groups: $(in_root id kvsedge)"
[ "$(in_root getent passwd kvsedge | cut -d: -f6,7)" = "/var/lib/kvsedge:/usr/sbin/nologin" ] || fail "kvsedge's home/shell"
[ "$(in_root stat -c '%U:%G %a' /etc/kvsedge/appsettings.json)" = "root:kvsedge 640" ] || fail "conffile owner/mode"
[ "$(readlink "$root/etc/systemd/system/multi-user.target.wants/kvsedge.service")" = /lib/systemd/system/kvsedge.service ] \
  || fail "the unit is not enabled"
[ "$(readlink "$root/etc/systemd/system/paths.target.wants/kvsedge-update.path")" = /lib/systemd/system/kvsedge-update.path ] \
  || fail "the update path unit is not enabled"
in_root setpriv --reuid=kvsedge --regid=kvsedge --init-groups env KVSEDGE_Door__Driver=simulated /usr/bin/kvsedge door lock \
  | grep -q "relay pin 17 driven low" || fail "kvsedge door lock as the service user"
echo "  user, groups, conffile, enabled, door lock as kvsedge: ok"
# ONNX Runtime from /usr/lib/kvsedge (beside the binary), the model from /usr/share/kvsedge/models (no --model).
detected=$(in_root setpriv --reuid=kvsedge --regid=kvsedge --init-groups env GST_REGISTRY=/tmp/gst-registry.bin \
  /usr/bin/kvsedge vision detect /tmp/astronaut.png --json 2>&1) || fail "kvsedge vision detect as kvsedge: $detected"
faces=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read().strip().splitlines()[-1])["faces"]))' <<<"$detected") \
  || fail "kvsedge vision detect printed no JSON: $detected"
[ "$faces" = 1 ] || fail "kvsedge vision detect found $faces faces in astronaut.png, expected 1: $detected"
echo "  vision detect with the packaged model and ONNX Runtime, as kvsedge: 1 face: ok"

echo "== the face embedder package"
in_root dpkg -i /tmp/kvsedge-face-embedder.deb >/dev/null 2>&1 || fail "dpkg -i kvsedge-face-embedder"
model=/usr/share/kvsedge/models/dlib-face-resnet-v1/dlib_face_recognition_resnet_model_v1.onnx # FaceEmbedderModel.PackagedPath
[ "$(in_root stat -c '%U:%G %a' "$model")" = "root:root 644" ] || fail "$model is missing or not root 644"
[ "$(sha256sum "$root$model" | cut -d' ' -f1)" = "$(dpkg-deb --fsys-tarfile "$embedder_deb" | tar -xO ".$model" | sha256sum | cut -d' ' -f1)" ] \
  || fail "the installed $model differs from the package's"
# The packaged models found by default (no Recognition:Local:ModelPath, no cache in the chroot): a local-only
# enrolment of the astronaut portrait (one usable face) writes one person into the gallery.
# (a folder of photos, the person named by the file name)
in_root install -d -m 0755 /tmp/enrol
in_root cp /tmp/astronaut.png /tmp/enrol/astronaut.png
enrolled=$(in_root env GST_REGISTRY=/tmp/gst-registry.bin /usr/bin/kvsedge faces add --local-only /tmp/enrol 2>&1) \
  || fail "kvsedge faces add --local-only with the packaged embedder: $enrolled"
listed=$(in_root /usr/bin/kvsedge faces list --local-only 2>&1) || fail "kvsedge faces list --local-only: $listed"
grep -q astronaut <<<"$listed" || fail "the local gallery does not list astronaut: $listed"
in_root dpkg -r kvsedge-face-embedder >/dev/null 2>&1 || fail "dpkg -r kvsedge-face-embedder"
[ ! -e "$root$model" ] || fail "$model is still there after removing kvsedge-face-embedder"
echo "  model at its packaged path (root 644), enrolled from by default, removed with its package: ok"

echo "== reinstall (upgrade path) through the update hand-off keeps the state"
# As the IoT update job does it: the service user stages the package and a request under its state directory
# (systemd's StateDirectory= makes it kvsedge's), then the root installer that kvsedge-update.path starts applies it.
# dpkg gets --force-depends through a wrapper, as the first install did.
in_root install -d -o kvsedge -g kvsedge -m 0750 /var/lib/kvsedge
in_root sh -c 'echo grant > /var/lib/kvsedge/granted.log'
printf '#!/bin/sh\nexec dpkg --force-depends "$@"\n' >"$root/tmp/dpkg-force-depends"
chmod 0755 "$root/tmp/dpkg-force-depends"
stage_update() { # sha256
  in_root setpriv --reuid=kvsedge --regid=kvsedge --init-groups sh -c "umask 077; mkdir -p /var/lib/kvsedge/update \
    && cp /tmp/kvsedge.deb /var/lib/kvsedge/update/kvsedge.deb \
    && printf '{\"jobId\":\"chroot-1\",\"package\":\"kvsedge.deb\",\"sha256\":\"%s\"}' '$1' >/var/lib/kvsedge/update/request.json" \
    || fail "staging the update as kvsedge"
}
stage_update 0000000000000000000000000000000000000000000000000000000000000000
if refused=$(in_root /usr/bin/kvsedge update apply --dpkg /tmp/dpkg-force-depends 2>&1); then fail "a package with the wrong hash was applied: $refused"; fi
grep -q '"status":"failed","message":"refused: sha256 mismatch' "$root/var/lib/kvsedge/update/result.json" \
  || fail "the refused update's result: $refused; $(cat "$root/var/lib/kvsedge/update/result.json")"
stage_update "$(sha256sum "$deb" | cut -d' ' -f1)"
applied=$(in_root /usr/bin/kvsedge update apply --dpkg /tmp/dpkg-force-depends 2>&1) || fail "kvsedge update apply: $applied"
grep -q '"jobId":"chroot-1","status":"succeeded"' "$root/var/lib/kvsedge/update/result.json" \
  || fail "the update's result: $(cat "$root/var/lib/kvsedge/update/result.json")"
if [ -e "$root/var/lib/kvsedge/update/request.json" ] || [ -e "$root/var/lib/kvsedge/update/kvsedge.deb" ]; then
  fail "the request or the staged package is still there"
fi
[ "$(in_root stat -c '%U %a' /var/lib/kvsedge/update/result.json)" = "root 644" ] || fail "result.json's owner/mode"
[ -f "$root/var/lib/kvsedge/granted.log" ] || fail "the grant ledger was lost on upgrade"
echo "  wrong hash refused, installed by the root installer, result written, state kept: ok"

echo "== remove"
in_root dpkg -r kvsedge >/dev/null 2>&1 || fail "dpkg -r"
[ ! -e "$root/usr/bin/kvsedge" ] || fail "the binary is still there"
[ "$(readlink "$root/etc/systemd/system/kvsedge.service")" = /dev/null ] || fail "the unit is not masked after remove"
[ "$(readlink "$root/etc/systemd/system/kvsedge-update.path")" = /dev/null ] || fail "the update path unit is not masked after remove"
if [ ! -f "$root/etc/kvsedge/appsettings.json" ] || [ ! -f "$root/var/lib/kvsedge/granted.log" ]; then
  fail "remove took the config or the state"
fi
echo "  binary gone, unit masked, config and state kept: ok"

echo "== purge"
in_root dpkg -P kvsedge >/dev/null 2>&1 || fail "dpkg -P"
if [ -e "$root/etc/kvsedge" ] || [ -e "$root/var/lib/kvsedge" ]; then
  fail "purge left /etc/kvsedge or /var/lib/kvsedge"
fi
[ ! -e "$root/etc/systemd/system/kvsedge.service" ] || fail "the unit is still masked after purge"
[ ! -e "$root/etc/systemd/system/kvsedge-update.path" ] || fail "the update path unit is still masked after purge"
in_root getent passwd kvsedge >/dev/null || fail "purge removed the system user"
echo "  config and state gone, unit unmasked, user kept: ok"
echo "test-install.sh: ok"
