#!/usr/bin/env bash
# Tests image/provision.sh in a Debian bookworm chroot (debootstrap --variant=minbase, host architecture):
# packages installed, config rendered with the given values, secrets root-only, unit enabled, the service
# user in gpio/video, camera_auto_detect set, and a second run that changes nothing. Also bad arguments,
# --dry-run, the kept hand-edited config, and a kvssink that does not load.
#
#   sudo image/test-recipe.sh [--deb FILE] [--keep]
#
# --deb takes a real kvsedge .deb for the host architecture; without it the test builds a fixture package
# of the same layout (image/test/fixture-deb). The debootstrap tree and the downloaded .debs are cached in
# .tools/image-test/ so that later runs download nothing. Needs root (chroot, mount) and debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

deb="" keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=$(realpath "$2"); shift ;;
    --keep) keep=true ;;
    *) echo "usage: $0 [--deb FILE] [--keep]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "test-recipe: needs root (chroot and mount)" >&2; exit 2; }
for tool in debootstrap dpkg-deb python3; do
  command -v "$tool" >/dev/null || { echo "test-recipe: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done

started=$(date +%s)
cache=$repo/.tools/image-test
arch=$(dpkg --print-architecture)
base=$cache/bookworm-$arch-minbase.tar
mkdir -p "$cache/apt-archives" "$cache/apt-lists"

if [ ! -f "$base" ]; then
  echo "== debootstrap bookworm $arch (cached in $base)"
  mirror=$(bash "$repo/scripts/apt-mirror.sh")
  rm -rf "$cache/base.tmp"
  debootstrap --variant=minbase --arch="$arch" bookworm "$cache/base.tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  tar -C "$cache/base.tmp" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf "$cache/base.tmp"
fi

work=$(mktemp -d /tmp/kvsedge-image-test.XXXXXX)
root=$work/root
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  if [ -d "$root/var/cache/apt/archives" ]; then
    # Keep what apt downloaded for the next run.
    cp -n "$root"/var/cache/apt/archives/*.deb "$cache/apt-archives/" 2>/dev/null || true
    cp -rn "$root"/var/lib/apt/lists/. "$cache/apt-lists/" 2>/dev/null || true
  fi
  if [ "$keep" = true ]; then echo "kept: $root"; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$root"
tar -C "$root" -xf "$base"
cp -n "$cache"/apt-archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
cp -rn "$cache"/apt-lists/. "$root/var/lib/apt/lists/" 2>/dev/null || true
rm -f "$root/var/lib/apt/lists/lock"
# Maintainer scripts (systemd, adduser) want /proc; nothing else of the host is shared.
mount -t proc proc "$root/proc"
# No services may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod 755 "$root/usr/sbin/policy-rc.d"

if [ -z "$deb" ]; then
  deb=$work/kvsedge_fixture_all.deb
  fixture=$work/fixture
  cp -a image/test/fixture-deb "$fixture"
  # The real unit and the real packaged config (a conffile), so the recipe meets what the .deb ships.
  install -D -m 0644 systemd/kvsedge.service "$fixture/lib/systemd/system/kvsedge.service"
  install -D -m 0644 packaging/appsettings.json "$fixture/etc/kvsedge/appsettings.json"
  install -m 0644 packaging/conffiles "$fixture/DEBIAN/conffiles"
  dpkg-deb --root-owner-group --build "$fixture" "$deb" >/dev/null
  echo "== fixture package $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) (no --deb given)"
else
  echo "== package under test: $deb"
fi

# A Raspberry Pi OS-like config.txt without camera_auto_detect, ending in a conditional section.
mkdir -p "$root/boot/firmware"
printf 'dtparam=audio=on\nauto_initramfs=1\narm_64bit=1\n\n[cm4]\notg_mode=1\n' > "$root/boot/firmware/config.txt"
secrets=$work/secrets.env
printf '# test credentials\nAWS_ACCESS_KEY_ID=AKIDEXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\nKVSEDGE_Mqtt__Password=s3cret\n' > "$secrets"

failures=0
check() { # description command...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "  pass: $what"; else echo "  FAIL: $what"; failures=$((failures + 1)); fi
}
base_args=(--root "$root" --deb "$deb" --device-id front-door --aws-region eu-central-1
  --data-stream front-door-faces --video-stream front-door-video --relay-pin 27 --mqtt-host broker.lan
  --mqtt-username kvsedge --time-zone Europe/Berlin --secrets-file "$secrets")
args=("${base_args[@]}" --skip-kvssink)
# Everything outside the volatile files that the recipe may touch: path, mode, owner, size, mtime, link.
manifest() {
  (cd "$root" && find etc boot usr/lib/systemd lib/systemd var/lib/dpkg/status opt -xdev \
    -printf '%p %m %u %g %s %T@ %l\n' 2>/dev/null | sort | sha256sum)
}
json_value() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); 
for k in sys.argv[2].split(":"): d=d[k]
print(json.dumps(d))' "$root/etc/kvsedge/appsettings.json" "$1"; }
json_is() { [ "$(json_value "$1")" = "$2" ]; }
owner_mode() { # path -> "user:group mode" with names from the chroot's own account files
  local uid gid mode
  read -r uid gid mode < <(stat -c '%u %g %a' "$1")
  echo "$(awk -F: -v id="$uid" '$3 == id { print $1 }' "$root/etc/passwd"):$(awk -F: -v id="$gid" '$3 == id { print $1 }' "$root/etc/group") $mode"
}
# Runs the recipe with its output in LOG; the exit code is returned, never fatal, so every check still reports.
provision() { # log args...
  local log=$1; shift
  set +e
  bash image/provision.sh "$@" > "$log" 2>&1
  local status=$?
  set -e
  return "$status"
}
in_group() { chroot "$root" id -nG kvsedge | tr ' ' '\n' | grep -qx "$1"; }

echo "== bad arguments are named, nothing changes"
before=$(manifest)
status=0
provision "$work/bad.log" --root "$root" --deb "$deb" --skip-kvssink --device-id 'front door' --aws-region eu-central-1 \
  --data-stream 'faces!' --relay-pin 40 --mqtt-port 0 || status=$?
bad=$(cat "$work/bad.log")
check "exit code 2" test "$status" -eq 2
check "names --device-id" grep -q -- "--device-id must be" <<<"$bad"
check "names --data-stream" grep -q -- "--data-stream must be" <<<"$bad"
check "names --relay-pin" grep -q -- "--relay-pin must be a header GPIO, BCM 2-27 (was '40')" <<<"$bad"
check "names --mqtt-port" grep -q -- "--mqtt-port must be 1-65535" <<<"$bad"
check "nothing changed" test "$before" = "$(manifest)"
status=0
provision "$work/bad-source.log" --root "$root" --deb "$deb" --skip-kvssink --device-id front-door --aws-region eu-central-1 \
  --source image-api --data-stream front-door-faces --camera none || status=$?
bad=$(cat "$work/bad-source.log")
check "--source image-api: exit code 2" test "$status" -eq 2
check "--source image-api: refuses --data-stream" grep -q -- "--data-stream is for --source kinesis" <<<"$bad"
check "--source image-api: refuses --camera none" grep -q -- "--camera none leaves it nothing to search" <<<"$bad"
check "nothing changed" test "$before" = "$(manifest)"

echo "== dry run on the fresh system"
check "dry run succeeds" provision "$work/dry.log" "${args[@]}" --dry-run
dry=$(cat "$work/dry.log")
check "dry run lists the package install" grep -q "would: runtime packages: apt-get install" <<<"$dry"
check "dry run lists the .deb" grep -q "would: install kvsedge" <<<"$dry"
check "dry run changed nothing" test "$before" = "$(manifest)"

echo "== first run"
first_started=$(date +%s)
status=0
provision "$work/first.log" "${args[@]}" || status=$?
sed 's/^/  | /' "$work/first.log"
echo "  (first run: $(( $(date +%s) - first_started )) s)"
check "first run succeeds" test "$status" -eq 0
check "runtime packages installed" chroot "$root" dpkg-query -W gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-libcamera libgpiod2 gpiod systemd
check "GStreamer encodes in the image (videotestsrc ! x264enc)" chroot "$root" gst-launch-1.0 -q videotestsrc num-buffers=15 ! x264enc ! h264parse ! fakesink
check "kvsedge package installed" test -x "$root/usr/bin/kvsedge"
check "config rendered: Device:Id" json_is Device:Id '"front-door"'
check "config rendered: Aws:Region" json_is Aws:Region '"eu-central-1"'
check "config rendered: Recognition:Kinesis:StreamName" json_is Recognition:Kinesis:StreamName '"front-door-faces"'
check "config rendered: Recognition:Source kinesis (a data stream was given)" json_is Recognition:Source '"kinesis"'
check "config rendered: Camera:Kvs:StreamName" json_is Camera:Kvs:StreamName '"front-door-video"'
check "config rendered: Camera:Source" json_is Camera:Source '"libcamera"'
check "config rendered: Door:Relay:Pin" json_is Door:Relay:Pin 27
check "config rendered: Door:Relay:ActiveLow" json_is Door:Relay:ActiveLow false
check "config rendered: Door:Chip" json_is Door:Chip 0
check "config rendered: Mqtt:Host" json_is Mqtt:Host '"broker.lan"'
check "config rendered: Mqtt:Username" json_is Mqtt:Username '"kvsedge"'
check "config rendered: Access:TimeZone" json_is Access:TimeZone '"Europe/Berlin"'
check "config holds no secret" bash -c "! grep -rqE 's3cret|wJalrXUtnFEMI' '$root/etc/kvsedge/appsettings.json'"
check "config is root:kvsedge 640" test "$(owner_mode "$root/etc/kvsedge/appsettings.json")" = "root:kvsedge 640"
check "secrets are root-only (root:root 600)" test "$(owner_mode "$root/etc/kvsedge/secrets.env")" = "root:root 600"
check "secrets copied verbatim" cmp "$secrets" "$root/etc/kvsedge/secrets.env"
check "secrets not printed" bash -c "! grep -qE 's3cret|wJalrXUtnFEMI|AKIDEXAMPLE' '$work/first.log'"
check "EnvironmentFile drop-in" grep -qx "EnvironmentFile=/etc/kvsedge/secrets.env" "$root/etc/systemd/system/kvsedge.service.d/10-secrets.conf"
check "unit enabled (multi-user.target.wants symlink)" test -L "$root/etc/systemd/system/multi-user.target.wants/kvsedge.service"
check "user kvsedge in gpio" in_group gpio
check "user kvsedge in video" in_group video
check "gpio udev rule (plain Debian has none)" grep -q 'KERNEL=="gpiochip\*", GROUP="gpio", MODE="0660"' "$root/etc/udev/rules.d/60-kvsedge-gpio.rules"
check "camera_auto_detect=1 under [all]" bash -c "tail -2 '$root/boot/firmware/config.txt' | tr '\n' ' ' | grep -qx '\[all\] camera_auto_detect=1 '"
check "first run reported changes" grep -qE "^provision: [1-9][0-9]* changes$" "$work/first.log"

echo "== second run changes nothing"
before=$(manifest)
check "second run succeeds" provision "$work/second.log" "${args[@]}"
check "second run reports 0 changes" grep -qx "provision: 0 changes" "$work/second.log"
check "second run left every file as it was" test "$before" = "$(manifest)"

echo "== a hand-edited config is kept; --overwrite-config replaces it"
python3 - "$root/etc/kvsedge/appsettings.json" <<'EOF'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["Access"]["People"] = {"alice": {"MinSimilarity": 92}}
json.dump(config, open(path, "w"), indent=2)
EOF
edited=$(sha256sum < "$root/etc/kvsedge/appsettings.json")
check "third run succeeds" provision "$work/third.log" "${args[@]}"
check "edited config kept" test "$edited" = "$(sha256sum < "$root/etc/kvsedge/appsettings.json")"
check "rendered config offered as appsettings.json.new" test -f "$root/etc/kvsedge/appsettings.json.new"
check "the user is told" grep -q "differs from the rendered template and was kept" "$work/third.log"
check "run with --overwrite-config succeeds" provision "$work/fourth.log" "${args[@]}" --relay-pin 22 --overwrite-config
check "--overwrite-config: new value" json_is Door:Relay:Pin 22
check "--overwrite-config: old file kept as .bak" grep -q alice "$root/etc/kvsedge/appsettings.json.bak"

echo "== a kvssink that cannot load fails the run"
fake=$work/kvssink-fake
mkdir -p "$fake/lib"
echo "not an ELF file" > "$fake/lib/libgstkvssink.so"
tar -C "$fake" -czf "$work/kvssink-fake.tar.gz" lib
status=0
provision "$work/fifth.log" "${base_args[@]}" --kvssink-tarball "$work/kvssink-fake.tar.gz" || status=$?
check "exit code 1" test "$status" -eq 1
check "plugin linked into the GStreamer path" test -n "$(find "$root/usr/lib" -path '*/gstreamer-1.0/libgstkvssink.so' -type l)"
check "the failed gst-inspect-1.0 check is reported" grep -q "gst-inspect-1.0 kvssink cannot load it" "$work/fifth.log"

echo
echo "test-recipe: $failures failed checks, $(( $(date +%s) - started )) s"
[ "$failures" -eq 0 ]
