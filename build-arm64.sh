#!/usr/bin/env bash
# Builds the appliance: a self-contained Native AOT kvsedge for linux-arm64, stamped with the git version, packed as
# a tarball and a .deb (dpkg-deb), then checked: the .deb's contents and control fields, the systemd unit
# (systemd-analyze verify), and the arm64 binary itself under qemu-aarch64-static (--version, `door lock`, a bad
# config, one real face detection with ONNX Runtime and the packaged model). Prints sizes. Installs what it needs with
# apt when missing; the model comes from scripts/fetch-models.sh, the test photo from scripts/fetch-test-photos.sh.
# Also builds and checks kvsedge-face-embedder_<version>_all.deb, the offline face embedder model as a data package
# (from the cache scripts/build-face-embedder.sh fills). See docs/appliance.md.
#
# usage: ./build-arm64.sh [--rid linux-arm64|linux-x64] [--mode aot|trimmed] [--output DIR]
#   --rid     linux-arm64 (default, the appliance) or linux-x64 (the same build for this machine: the RSS bench)
#   --mode    aot (default): Native AOT; trimmed: self-contained, trimmed and ReadyToRun (the measured alternative)
#   --output  where the artifacts go (default: artifacts/)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rid=linux-arm64
mode=aot
output=artifacts
while [ $# -gt 0 ]; do
  case "$1" in
    --rid) rid=${2:?--rid needs a value}; shift 2 ;;
    --mode) mode=${2:?--mode needs a value}; shift 2 ;;
    --output) output=${2:?--output needs a value}; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "build-arm64.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$rid" in
  linux-arm64) deb_arch=arm64 ;;
  linux-x64) deb_arch=amd64 ;;
  *) echo "build-arm64.sh: --rid must be linux-arm64 or linux-x64, not '$rid'" >&2; exit 2 ;;
esac
case "$mode" in
  aot) publish_mode=(-p:PublishAot=true) ;;
  trimmed) publish_mode=(--self-contained -p:PublishTrimmed=true -p:PublishReadyToRun=true) ;;
  *) echo "build-arm64.sh: --mode must be aot or trimmed, not '$mode'" >&2; exit 2 ;;
esac

fail() { echo "build-arm64.sh: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

# ---- prerequisites (only what is missing) --------------------------------------------------------------------------
command -v dotnet >/dev/null 2>&1 || fail "the .NET 10 SDK is required (dotnet not found)"
packages=(binutils systemd lintian python3)
[ "$mode" = aot ] && packages+=(clang lld)
if [ "$rid" = linux-arm64 ]; then
  # The emulator and Debian's arm64 cross runtime libraries, to run the arm64 binary here (binfmt_misc is not assumed).
  packages+=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
  # Native AOT links with clang against the arm64 C runtime; objcopy/strip for the target come with binutils.
  [ "$mode" = aot ] && packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
fi
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing with apt: ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- version from git ----------------------------------------------------------------------------------------------
# A tag vX.Y.Z on HEAD gives X.Y.Z. Otherwise the base version (the latest vX.Y.Z tag, else <Version> in the project)
# plus +git<commits>.<hash>, which sorts upwards for dpkg as commits are added; .dirty marks uncommitted changes.
base=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/KvsEdge/KvsEdge.csproj | head -1)
[ -n "$base" ] || fail "no <Version> in src/KvsEdge/KvsEdge.csproj"
if git rev-parse --git-dir >/dev/null 2>&1; then
  if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
    base=${tag#v}
    count=$(git rev-list --count "$tag..HEAD")
  else
    count=$(git rev-list --count HEAD)
  fi
  dirty=""
  git diff --quiet HEAD -- 2>/dev/null || dirty=".dirty"
  if [ -n "${tag:-}" ] && [ "$count" -eq 0 ] && [ -z "$dirty" ]; then
    version=$base
  else
    version="$base+git$count.$(git rev-parse --short=10 HEAD)$dirty"
  fi
else
  version="$base+unknown"
fi
[[ "$base" =~ ^[0-9]+(\.[0-9]+){1,3}$ ]] || fail "base version '$base' is not N.N[.N[.N]]"
step "kvsedge $version for $rid ($mode)"

# ---- publish -------------------------------------------------------------------------------------------------------
mkdir -p "$output"
output=$(cd "$output" && pwd)
publish="$output/publish/$rid-$mode"
rm -rf "$publish"
started=$(date +%s)
step "dotnet publish"
# Trim/AOT analysis: every warning is listed one by one (no per-assembly summary) and compared with
# packaging/known-trim-warnings.txt, a reviewed list of third-party false positives (each with its reason). Any other
# warning fails the build. Our own code is held to zero by the analysers at compile time (IsAotCompatible, warnings
# are errors), so only the whole-program pass lets warnings through here, and only to check them against the list.
publish_log="$output/publish-$rid-$mode.log"
dotnet publish src/KvsEdge/KvsEdge.csproj -c Release -r "$rid" "${publish_mode[@]}" \
  "-p:Version=$base" "-p:InformationalVersion=$version" -p:IncludeSourceRevisionInInformationalVersion=false \
  -p:TrimmerSingleWarn=false -p:IlcTreatWarningsAsErrors=false -p:ILLinkTreatWarningsAsErrors=false \
  -o "$publish" -nologo -clp:NoSummary -v:minimal 2>&1 | tee "$publish_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "dotnet publish failed (log: $publish_log)"
echo "published in $(($(date +%s) - started)) s"
# "… warning IL2091: System.Device.Gpio.UnmanagedArray`1.ReadToManagedArray(): …" -> "IL2091 System.Device.Gpio.UnmanagedArray`1.ReadToManagedArray()"
found=$(grep -oE '(warning|error) IL[23][0-9]{3}: [^ :]+(\([^)]*\))?' "$publish_log" | sed -E 's/^(warning|error) //; s/: / /' | sort -u || true)
known=$(grep -vE '^\s*(#|$)' packaging/known-trim-warnings.txt | sort -u)
unknown=$(comm -23 <(printf '%s\n' "$found" | sed '/^$/d') <(printf '%s\n' "$known"))
[ -z "$unknown" ] || fail "trim/AOT analysis warnings that are not reviewed in packaging/known-trim-warnings.txt:
$unknown"
echo "trim/AOT analysis: $(printf '%s\n' "$found" | sed '/^$/d' | wc -l) warning(s), all reviewed in packaging/known-trim-warnings.txt"
[ -x "$publish/kvsedge" ] || fail "publish produced no $publish/kvsedge"
# ONNX Runtime (vision): its linux library beside the binary, where the binary looks for it; none of the Windows DLLs
# its package adds to every x64/arm64 output (src/KvsEdge.Vision/KvsEdge.Vision.csproj drops them).
[ -f "$publish/libonnxruntime.so" ] || fail "publish produced no $publish/libonnxruntime.so"
windows_dlls=$(find "$publish" -iname 'onnxruntime*.dll' -printf '%P ')
[ -z "$windows_dlls" ] || fail "the publish carries ONNX Runtime's Windows DLLs: $windows_dlls"

# ---- the face detector model -------------------------------------------------------------------------------------
# Pinned by version and SHA-256, fetched into a cache (never committed); the script returns at once when it is there.
model_dir="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/blazeface-1.2.0"
bash scripts/fetch-models.sh >/dev/null || fail "scripts/fetch-models.sh could not fetch the face detector model"
for f in face_detection_back_256x256.onnx LICENSE ORIGIN; do
  [ -f "$model_dir/$f" ] || fail "scripts/fetch-models.sh left no $model_dir/$f"
done
ort_version=$(sed -n 's:.*Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*:\1:p' Directory.Packages.props)
ort_package="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.onnxruntime/$ort_version"
if [ ! -f "$ort_package/LICENSE" ] || [ ! -f "$ort_package/ThirdPartyNotices.txt" ]; then
  fail "no ONNX Runtime $ort_version licence files in $ort_package (restored by dotnet publish)"
fi

# ---- stage the package tree ----------------------------------------------------------------------------------------
name="kvsedge_${version}_${deb_arch}"
stage="$output/stage/$name"
rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/usr/lib/kvsedge" "$stage/usr/bin" "$stage/etc/kvsedge" \
  "$stage/lib/systemd/system" "$stage/lib/udev/rules.d" "$stage/usr/share/doc/kvsedge"
# The app directory: the binary and what it reads beside itself (default appsettings.json, the demo records,
# libonnxruntime.so); symbols (.pdb, .dbg) stay out of the device, and so does libonnxruntime_providers_shared.so,
# which ONNX Runtime loads only for the GPU execution providers (KvsEdge uses the CPU one).
(cd "$publish" && find . -type f ! -name '*.pdb' ! -name '*.dbg' ! -name 'libonnxruntime_providers_shared.so' -print0) \
  | while IFS= read -r -d '' f; do install -D -m 0644 "$publish/$f" "$stage/usr/lib/kvsedge/$f"; done
chmod 0755 "$stage/usr/lib/kvsedge/kvsedge"
[ "$mode" = trimmed ] && find "$stage/usr/lib/kvsedge" -name '*.so' -exec chmod 0755 {} +
ln -s ../lib/kvsedge/kvsedge "$stage/usr/bin/kvsedge"
install -m 0644 packaging/appsettings.json "$stage/etc/kvsedge/appsettings.json"
install -m 0644 systemd/kvsedge.service "$stage/lib/systemd/system/kvsedge.service"
# The IoT update job's root hand-off: the path unit watches the service's staging directory, the oneshot installs.
install -m 0644 systemd/kvsedge-update.path systemd/kvsedge-update.service "$stage/lib/systemd/system/"
install -m 0644 packaging/60-kvsedge-gpio.rules "$stage/lib/udev/rules.d/60-kvsedge-gpio.rules"
install -m 0644 README.md "$stage/usr/share/doc/kvsedge/README.md"
# The face detector model, its licence and where it came from (packaging/README.blazeface.md).
install -D -m 0644 -t "$stage/usr/share/kvsedge/models/blazeface-1.2.0" \
  "$model_dir/face_detection_back_256x256.onnx" "$model_dir/LICENSE" "$model_dir/ORIGIN"
# ONNX Runtime's licence and the notices of what its library bundles, as its package ships them (packaging/copyright).
install -D -m 0644 "$ort_package/LICENSE" "$stage/usr/share/doc/kvsedge/onnxruntime/LICENSE"
install -D -m 0644 "$ort_package/ThirdPartyNotices.txt" "$stage/usr/share/doc/kvsedge/onnxruntime/ThirdPartyNotices.txt"
install -D -m 0644 -t "$stage/usr/share/doc/kvsedge/docs" docs/*.md
# Debian policy: a machine-readable copyright file naming every bundled component, a changelog, and the reviewed
# lintian overrides (packaging/lintian-overrides says why each one stands).
install -m 0644 packaging/copyright "$stage/usr/share/doc/kvsedge/copyright"
maintainer="KvsEdge maintainers <kvsedge-maintainers@users.noreply.github.com>"
# A native package's changelog: one entry for this build, dated from its commit so the .deb is reproducible.
changelog_date=$(git log -1 --format=%cD 2>/dev/null || date -R)
printf 'kvsedge (%s) stable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
  "$version" "$(git rev-parse --short=10 HEAD 2>/dev/null || echo 'an unversioned tree')" "$maintainer" "$changelog_date" \
  | gzip -9n >"$stage/usr/share/doc/kvsedge/changelog.gz"
install -D -m 0644 packaging/lintian-overrides "$stage/usr/share/lintian/overrides/kvsedge"
install -m 0755 packaging/postinst packaging/prerm packaging/postrm "$stage/DEBIAN/"
install -m 0644 packaging/conffiles "$stage/DEBIAN/conffiles"

# libc from the symbol versions the binary (and, trimmed, the runtime's .so files) need; the rest is loaded at run time (dlopen), so it is named here.
glibc=$(find "$publish" -type f \( -name kvsedge -o -name '*.so' \) -exec readelf --dyn-syms --wide {} + \
  | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$glibc" ] || fail "could not read the glibc version kvsedge needs"
depends="libc6 (>= $glibc), libstdc++6, libgcc-s1, libgstreamer1.0-0, libgstreamer-plugins-base1.0-0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, libgpiod2 | libgpiod3, libssl3 | libssl3t64, adduser, init-system-helpers (>= 1.54~)"
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: kvsedge
Version: $version
Architecture: $deb_arch
Maintainer: $maintainer
Section: misc
Priority: optional
Installed-Size: $installed_size
Depends: $depends
Recommends: gstreamer1.0-plugins-ugly, gstreamer1.0-libcamera
Suggests: gstreamer1.0-plugins-bad, mosquitto-clients, kvsedge-face-embedder
Homepage: https://github.com/kvsedge/kvsedge
Description: face-match door access and camera streaming appliance
 KvsEdge streams a camera through GStreamer to Kinesis Video Streams, reads
 Rekognition face-match records, decides with an access policy and pulses a
 fail-secure GPIO door-strike relay. It publishes its state to MQTT. An
 on-device face detector (ONNX Runtime, MediaPipe BlazeFace) can gate the
 cloud calls (needs a 64-bit OS).
 .
 Runs as the systemd service kvsedge (user kvsedge, groups gpio and video).
 Edit /etc/kvsedge/appsettings.json, then: systemctl start kvsedge.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)

# ---- build the .deb and the tarball --------------------------------------------------------------------------------
deb="$output/$name.deb"
tarball="$output/kvsedge-$version-$rid.tar.gz"
step "dpkg-deb --build"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
# The tarball: the same files as the .deb, laid out as on the device, for systems without dpkg.
tar --owner=0 --group=0 --numeric-owner -C "$stage" --exclude=./DEBIAN -czf "$tarball" .
[ -f "$publish/kvsedge.dbg" ] && cp "$publish/kvsedge.dbg" "$output/kvsedge-$version-$rid.dbg"

# ---- check the .deb ------------------------------------------------------------------------------------------------
step "lintian"
# Debian's own checker: errors fail the build; warnings and overrides are printed for review.
lintian_status=0
lintian_out=$(lintian --tag-display-limit 0 --fail-on error "$deb" 2>&1) || lintian_status=$?
lintian_out=$(grep -v '^running with root privileges' <<<"$lintian_out" || true)
[ -z "$lintian_out" ] || while IFS= read -r line; do echo "  $line"; done <<<"$lintian_out"
[ "$lintian_status" -eq 0 ] || fail "lintian reported errors on $deb (exit $lintian_status)"
echo "  no lintian errors"

step "dpkg-deb -c / -I"
contents=$(dpkg-deb -c "$deb")
expect_entry() { # mode-prefix path: one line of `dpkg-deb -c` must start with the mode and end with the path
  grep -qE "^$1 root/root .* $2\$" <<<"$contents" || fail "the .deb lacks '$2' (mode $1, owner root); it has:
$contents"
}
expect_entry '-rwxr-xr-x' '\./usr/lib/kvsedge/kvsedge'
expect_entry '-rw-r--r--' '\./usr/lib/kvsedge/appsettings\.json'
expect_entry '-rw-r--r--' '\./usr/lib/kvsedge/Demo/demo-records\.json'
expect_entry 'lrwxrwxrwx' '\./usr/bin/kvsedge -> \.\./lib/kvsedge/kvsedge'
expect_entry '-rw-r--r--' '\./etc/kvsedge/appsettings\.json'
expect_entry '-rw-r--r--' '\./lib/systemd/system/kvsedge\.service'
expect_entry '-rw-r--r--' '\./lib/systemd/system/kvsedge-update\.path'
expect_entry '-rw-r--r--' '\./lib/systemd/system/kvsedge-update\.service'
expect_entry '-rw-r--r--' '\./lib/udev/rules\.d/60-kvsedge-gpio\.rules'
expect_entry '-rw-r--r--' '\./usr/share/doc/kvsedge/docs/configuration\.md'
expect_entry '-rw-r--r--' '\./usr/lib/kvsedge/libonnxruntime\.so'
expect_entry '-rw-r--r--' '\./usr/share/kvsedge/models/blazeface-1\.2\.0/face_detection_back_256x256\.onnx'
expect_entry '-rw-r--r--' '\./usr/share/kvsedge/models/blazeface-1\.2\.0/LICENSE'
expect_entry '-rw-r--r--' '\./usr/share/kvsedge/models/blazeface-1\.2\.0/ORIGIN'
expect_entry '-rw-r--r--' '\./usr/share/doc/kvsedge/onnxruntime/ThirdPartyNotices\.txt'
grep -qE '\.(pdb|dbg)$' <<<"$contents" && fail "the .deb carries debug symbols"
grep -qiE '\.dll$' <<<"$contents" && [ "$mode" = aot ] && fail "the .deb carries .dll files: $(grep -iE '\.dll$' <<<"$contents")"
for f in 'usr/share/kvsedge/models/blazeface-1.2.0/\*' 'usr/lib/kvsedge/libonnxruntime.so'; do
  grep -q "^Files: $f\$" "$stage/usr/share/doc/kvsedge/copyright" || fail "packaging/copyright has no 'Files: $f' stanza"
done
info=$(dpkg-deb -I "$deb")
expect_field() { # field value
  [ "$(dpkg-deb -f "$deb" "$1")" = "$2" ] || fail "control field $1 is '$(dpkg-deb -f "$deb" "$1")', expected '$2'"
}
expect_field Package kvsedge
expect_field Version "$version"
expect_field Architecture "$deb_arch"
for dep in libgstreamer1.0-0 gstreamer1.0-plugins-good 'libgpiod2 | libgpiod3' adduser; do
  grep -qF "$dep" <<<"$(dpkg-deb -f "$deb" Depends)" || fail "Depends lacks $dep"
done
grep -qF kvsedge-face-embedder <<<"$(dpkg-deb -f "$deb" Suggests)" || fail "Suggests lacks kvsedge-face-embedder"
for script in postinst prerm postrm conffiles md5sums; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$script" <<<"$info" || fail "the .deb has no $script:
$info"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/kvsedge/appsettings.json ] \
  || fail "conffiles does not name /etc/kvsedge/appsettings.json"
echo "$contents" | awk '{print "  " $1, $6, $7, $8}'
dpkg-deb -f "$deb" Package Version Architecture Installed-Size Depends | sed 's/^/  /'

# ---- check what was packed: the unit and the binary, from the unpacked .deb -----------------------------------------
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
dpkg-deb -x "$deb" "$tree"

step "systemd-analyze verify"
# verify needs ExecStart's binary to exist: check a copy of the unit whose /usr/bin/kvsedge points into the unpacked
# .deb (the packaged binary, found through the packaged symlink); every other line is the shipped unit's.
# The update path unit and its oneshot are checked together (verify resolves the path unit's Unit=).
for unit in kvsedge.service kvsedge-update.service kvsedge-update.path; do
  sed "s#/usr/bin/kvsedge#$tree/usr/bin/kvsedge#g" "$tree/lib/systemd/system/$unit" >"$tree/$unit"
done
verify_out=$(cd "$tree" && systemd-analyze verify kvsedge.service kvsedge-update.path kvsedge-update.service 2>&1) \
  || fail "systemd-analyze verify: $verify_out"
# It also returns 0 on warnings it only prints about the units themselves; none are accepted.
if grep -E "kvsedge(-update)?\.(service|path)" <<<"$verify_out"; then fail "systemd-analyze verify warned about a unit"; fi
echo "  ok"
systemd-analyze security --offline=true "$tree/lib/systemd/system/kvsedge.service" 2>/dev/null | tail -1 | sed 's/^/  /'

step "run the packaged binary ($rid)"
run_kvsedge() { # runs the packaged binary through its /usr/bin symlink, under qemu on x64 for arm64
  if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
    qemu-aarch64-static -L /usr/aarch64-linux-gnu "$tree/usr/bin/kvsedge" "$@"
  else
    "$tree/usr/bin/kvsedge" "$@"
  fi
}
printed=$(run_kvsedge --version) || fail "kvsedge --version exited with $?"
[ "$printed" = "$version" ] || fail "kvsedge --version printed '$printed', expected '$version'"
echo "  kvsedge --version: $printed"
# ExecStopPost's command, with the packaged default config and the simulated GPIO driver: the relay's line is driven
# to its inactive level. This also exercises configuration binding in the trimmed/AOT build.
relay_log="$tree/relay.jsonl"
lock_out=$(KVSEDGE_Door__Driver=simulated KVSEDGE_Door__Simulated__TransitionLog="$relay_log" \
  run_kvsedge door lock --config "$tree/etc/kvsedge/appsettings.json" 2>&1) || fail "kvsedge door lock failed: $lock_out"
# The packaged relay is pin 17, active high: every level written must be low, and there must be one.
if ! grep -q '^{"pin":17,"value":"low"' "$relay_log" 2>/dev/null || grep -qv '^{"pin":17,"value":"low"' "$relay_log"; then
  fail "kvsedge door lock did not drive pin 17 low and only low: $lock_out / $(cat "$relay_log" 2>/dev/null)"
fi
echo "  kvsedge door lock: $lock_out"
# A bad value is a configuration error (exit 78) naming its key, before any GPIO line is opened.
set +e
bad_out=$(KVSEDGE_Door__PulseDuration=00:05:00 KVSEDGE_Door__Driver=simulated AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y \
  AWS_DEFAULT_REGION=us-east-1 run_kvsedge run --config "$tree/etc/kvsedge/appsettings.json" 2>&1)
bad_status=$?
set -e
[ "$bad_status" -eq 78 ] || fail "kvsedge run with a bad config exited with $bad_status, expected 78: $bad_out"
grep -q "Door:PulseDuration" <<<"$bad_out" || fail "the configuration error does not name Door:PulseDuration: $bad_out"
grep -q "Recognition:Kinesis:StreamName" <<<"$bad_out" || fail "the packaged config's missing StreamName is not reported: $bad_out"
echo "  kvsedge run (bad config): exit 78, names Door:PulseDuration and Recognition:Kinesis:StreamName"

# One real inference: ONNX Runtime loaded from beside the packaged binary, the packaged model, a photo GStreamer
# decodes. Exactly one face must be found in NASA's astronaut portrait.
photo="${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
[ -f "$photo" ] || fail "no test photo $photo: run scripts/fetch-test-photos.sh (scripts/install-prerequisites.sh runs it)"
packaged_model="$tree/usr/share/kvsedge/models/blazeface-1.2.0/face_detection_back_256x256.onnx"
if [ "$rid" = linux-arm64 ] && [ "$(uname -m)" != aarch64 ]; then
  # The arm64 binary decodes the photo with arm64 GStreamer: an arm64 Debian root (debootstrap --foreign only downloads
  # and unpacks, nothing runs; cached) gives qemu its libraries. Only the plugins the decode needs are registered
  # (scanned in-process: qemu cannot exec gst-plugin-scanner without binfmt_misc).
  suite=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
  suite=${suite:-bookworm}
  sysroot="${KVSEDGE_ARM64_SYSROOT:-$HOME/.cache/kvsedge/arm64-root-$suite}"
  if [ ! -f "$sysroot/.kvsedge-complete" ]; then
    step "arm64 GStreamer root for qemu ($suite, $sysroot)"
    command -v debootstrap >/dev/null 2>&1 || $sudo_cmd apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    rm -rf "$sysroot"
    mkdir -p "$(dirname "$sysroot")"
    $sudo_cmd debootstrap --foreign --arch=arm64 --variant=minbase \
      --include=libstdc++6,libgstreamer1.0-0,gstreamer1.0-plugins-base,gstreamer1.0-plugins-good \
      "$suite" "$sysroot" "$(bash scripts/apt-mirror.sh)" >"$output/debootstrap-arm64.log" 2>&1 \
      || fail "debootstrap --foreign --arch=arm64 failed (log: $output/debootstrap-arm64.log)"
    for d in "$sysroot"/var/cache/apt/archives/*.deb; do $sudo_cmd dpkg-deb -x "$d" "$sysroot"; done
    $sudo_cmd touch "$sysroot/.kvsedge-complete"
  fi
  plugins="$tree/gst-plugins"
  mkdir -p "$plugins"
  for p in coreelements typefindfunctions playback png videoconvertscale app; do
    ln -s "$sysroot/usr/lib/aarch64-linux-gnu/gstreamer-1.0/libgst$p.so" "$plugins/"
  done
  # qemu-user shows the emulated process the host's x86 /proc/cpuinfo, on which ONNX Runtime's CPU detection crashes
  # (SIGSEGV at load): a Raspberry Pi 4's, bind-mounted in a private mount namespace, leaves the machine untouched.
  detect_status=0
  # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
  detect_out=$($sudo_cmd unshare -m env GST_REGISTRY_FORK=no GST_REGISTRY="$tree/gst-registry.bin" \
    GST_PLUGIN_SYSTEM_PATH_1_0="$plugins" GST_PLUGIN_PATH_1_0= \
    sh -c 'mount --bind "$1" /proc/cpuinfo && shift && exec "$@"' sh "$PWD/scripts/qemu/cpuinfo-raspberry-pi-4" \
    qemu-aarch64-static -L "$sysroot" "$tree/usr/lib/kvsedge/kvsedge" vision detect "$photo" --json --model "$packaged_model" 2>&1) \
    || detect_status=$?
else
  detect_status=0
  detect_out=$(run_kvsedge vision detect "$photo" --json --model "$packaged_model" 2>&1) || detect_status=$?
fi
[ "$detect_status" -eq 0 ] || fail "kvsedge vision detect exited with $detect_status: $detect_out"
faces=$(python3 -c 'import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); f=d["faces"]
print(len(f), " ".join("score %.3f box x=%.0f y=%.0f w=%.0f h=%.0f" % (x["score"], x["box"]["x"], x["box"]["y"], x["box"]["width"], x["box"]["height"]) for x in f))' \
  <<<"$detect_out") || fail "kvsedge vision detect printed no JSON: $detect_out"
[ "${faces%% *}" = 1 ] || fail "kvsedge vision detect found ${faces%% *} faces in astronaut.png, expected 1: $detect_out"
echo "  kvsedge vision detect astronaut.png: 1 face, ${faces#* }"

# ---- the face embedder data package ---------------------------------------------------------------------------------
# Offline recognition's model (dlib's ResNet as ONNX, 22 MB) would take the main package over its 20 MB target, so it
# ships alone: Architecture: all, only the model, its LICENSE and ORIGIN at FaceEmbedderModel.PackagedPath's directory,
# and the copyright file (packaging/face-embedder.copyright). kvsedge Suggests it: offline unlocking is off by default.
step "kvsedge-face-embedder (Architecture: all)"
embedder_dir="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/dlib-face-resnet-v1"
embedder_model=dlib_face_recognition_resnet_model_v1.onnx
# The script returns at once when the cache holds the pinned source and was converted by the current converter.
bash scripts/build-face-embedder.sh >/dev/null || fail "scripts/build-face-embedder.sh could not build the face embedder model"
for f in "$embedder_model" LICENSE ORIGIN dlib_face_recognition_resnet_model_v1.dat; do
  [ -f "$embedder_dir/$f" ] || fail "scripts/build-face-embedder.sh left no $embedder_dir/$f"
done
# The chain from the pin to the packaged file: the source's SHA-256 is the script's pin, the ORIGIN note names that
# source and the current converter, and records nothing else as converted.
resnet_pin=$(sed -n 's/^RESNET_SHA256=\([0-9a-f]\{64\}\)$/\1/p' scripts/build-face-embedder.sh)
[ -n "$resnet_pin" ] || fail "no RESNET_SHA256 pin in scripts/build-face-embedder.sh"
[ "$(sha256sum "$embedder_dir/dlib_face_recognition_resnet_model_v1.dat" | cut -d' ' -f1)" = "$resnet_pin" ] \
  || fail "the cached dlib_face_recognition_resnet_model_v1.dat does not match the pin $resnet_pin"
grep -qx "SHA-256 of dlib_face_recognition_resnet_model_v1.dat: $resnet_pin" "$embedder_dir/ORIGIN" \
  || fail "$embedder_dir/ORIGIN does not name the pinned source"
grep -qx "SHA-256 of the converter: $(sha256sum scripts/face-embedder/dlib_to_onnx.py | cut -d' ' -f1)" "$embedder_dir/ORIGIN" \
  || fail "$embedder_dir/$embedder_model was not converted by the current scripts/face-embedder/dlib_to_onnx.py"
embedder_name="kvsedge-face-embedder_${version}_all"
embedder_stage="$output/stage/$embedder_name"
rm -rf "$embedder_stage"
install -d "$embedder_stage/DEBIAN" "$embedder_stage/usr/share/doc/kvsedge-face-embedder"
install -D -m 0644 -t "$embedder_stage/usr/share/kvsedge/models/dlib-face-resnet-v1" \
  "$embedder_dir/$embedder_model" "$embedder_dir/LICENSE" "$embedder_dir/ORIGIN"
install -m 0644 packaging/face-embedder.copyright "$embedder_stage/usr/share/doc/kvsedge-face-embedder/copyright"
printf 'kvsedge-face-embedder (%s) stable; urgency=medium\n\n  * Built from %s.\n\n -- %s  %s\n' \
  "$version" "$(git rev-parse --short=10 HEAD 2>/dev/null || echo 'an unversioned tree')" "$maintainer" "$changelog_date" \
  | gzip -9n >"$embedder_stage/usr/share/doc/kvsedge-face-embedder/changelog.gz"
cat >"$embedder_stage/DEBIAN/control" <<EOF
Package: kvsedge-face-embedder
Version: $version
Architecture: all
Multi-Arch: foreign
Maintainer: $maintainer
Section: misc
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$embedder_stage" | cut -f1)
Enhances: kvsedge
Homepage: https://github.com/kvsedge/kvsedge
Description: local face embedder model for KvsEdge offline recognition
 dlib's face recognition ResNet v1 (public domain, Davis E. King), converted
 to ONNX: it turns an aligned 150x150 face chip into a 128-D descriptor.
 KvsEdge uses it for local enrolment (kvsedge faces add) and for offline
 recognition (Recognition:Local), which is off by default.
EOF
(cd "$embedder_stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
embedder_deb="$output/$embedder_name.deb"
dpkg-deb --root-owner-group -Zxz --build "$embedder_stage" "$embedder_deb" >/dev/null
lintian_status=0
lintian_out=$(lintian --tag-display-limit 0 --fail-on error "$embedder_deb" 2>&1) || lintian_status=$?
lintian_out=$(grep -v '^running with root privileges' <<<"$lintian_out" || true)
[ -z "$lintian_out" ] || while IFS= read -r line; do echo "  $line"; done <<<"$lintian_out"
[ "$lintian_status" -eq 0 ] || fail "lintian reported errors on $embedder_deb (exit $lintian_status)"
echo "  no lintian errors"
# Exactly these files, root-owned, mode 644; every directory root-owned, mode 755.
embedder_contents=$(dpkg-deb -c "$embedder_deb")
embedder_files=$(awk '$1 !~ /^d/ {print $1, $2, $6}' <<<"$embedder_contents" | sort)
expected_files=$(printf -- '-rw-r--r-- root/root ./usr/share/%s\n' \
  "kvsedge/models/dlib-face-resnet-v1/$embedder_model" kvsedge/models/dlib-face-resnet-v1/LICENSE \
  kvsedge/models/dlib-face-resnet-v1/ORIGIN doc/kvsedge-face-embedder/copyright doc/kvsedge-face-embedder/changelog.gz | sort)
[ "$embedder_files" = "$expected_files" ] || fail "$embedder_deb holds other files than expected:
$embedder_files
expected:
$expected_files"
if awk '$1 ~ /^d/ && ($1 != "drwxr-xr-x" || $2 != "root/root")' <<<"$embedder_contents" | grep -q .; then
  fail "$embedder_deb has a directory that is not root-owned 755: $embedder_contents"
fi
packed_model_sha=$(dpkg-deb --fsys-tarfile "$embedder_deb" \
  | tar -xO "./usr/share/kvsedge/models/dlib-face-resnet-v1/$embedder_model" | sha256sum | cut -d' ' -f1)
[ "$packed_model_sha" = "$(sha256sum "$embedder_dir/$embedder_model" | cut -d' ' -f1)" ] \
  || fail "the packed $embedder_model differs from the cache's"
for field in Package:kvsedge-face-embedder "Version:$version" Architecture:all; do
  [ "$(dpkg-deb -f "$embedder_deb" "${field%%:*}")" = "${field#*:}" ] || fail "$embedder_deb: control field ${field%%:*} is not '${field#*:}'"
done
echo "$embedder_contents" | awk '{print "  " $1, $2, $6}'
echo "  model SHA-256 $packed_model_sha (source pinned by $resnet_pin)"

# ---- sizes ---------------------------------------------------------------------------------------------------------
step "sizes"
size() { du -h --apparent-size "$1" | cut -f1; }
echo "  binary      $(size "$publish/kvsedge")  (usr/lib/kvsedge/kvsedge)"
echo "  installed   $(du -sh --apparent-size --exclude=DEBIAN "$stage" | cut -f1)"
echo "  libonnxruntime.so  $(size "$publish/libonnxruntime.so")"
echo "  model       $(size "$model_dir/face_detection_back_256x256.onnx")  (usr/share/kvsedge/models/blazeface-1.2.0)"
echo "  .deb        $(size "$deb")  $deb  ($(stat -c %s "$deb") bytes; target <= 20 MB)"
echo "  embedder    $(size "$embedder_deb")  $embedder_deb  (Architecture: all, kvsedge Suggests it)"
[ "$(stat -c %s "$deb")" -le 20000000 ] || fail "the .deb is $(stat -c %s "$deb") bytes, over the 20 MB target"
echo "  tarball     $(size "$tarball")  $tarball"
[ -f "$output/kvsedge-$version-$rid.dbg" ] && echo "  symbols     $(size "$output/kvsedge-$version-$rid.dbg")  (not packaged)"
echo "build-arm64.sh: ok ($(($(date +%s) - started)) s)"
