#!/usr/bin/env bash
# Turns a fresh Raspberry Pi OS Lite (bookworm, arm64) into the KvsEdge appliance: GStreamer packages, the
# kvsedge .deb, kvssink, /etc/kvsedge/appsettings.json from the template, secrets in a root-only
# EnvironmentFile, camera and GPIO group set-up, and the enabled service.
#
# Idempotent: every step compares before it changes, and a second run with the same arguments reports
# "0 changes". --root DIR works on a mounted image or a chroot (same architecture as the host: apt and
# the .deb's maintainer scripts run inside it); the service is then enabled offline.
# See image/README.md.
set -euo pipefail

# The producer SDK release kvssink is built from; bump together with image/README.md.
KVSSINK_TAG=v3.5.0
KVSSINK_REPO=https://github.com/awslabs/amazon-kinesis-video-streams-producer-sdk-cpp.git
KVSSINK_PREFIX=/opt/kvssink

here=$(cd "$(dirname "$0")" && pwd)
template="$here/appsettings.template.json"

usage() {
  cat <<'EOF'
Usage: provision.sh --deb FILE --device-id ID --aws-region REGION [--source image-api] [options]
       provision.sh --deb FILE --device-id ID --aws-region REGION --source kinesis --data-stream NAME [options]

Required:
  --deb FILE               the kvsedge .deb (from build-arm64.sh)
  --device-id ID           Device:Id (letters, digits, - and _)
  --aws-region REGION      Aws:Region, e.g. eu-west-1

Recognition:
  --source KIND            image-api (SearchFacesByImage on a trigger; any account) or kinesis (a
                           stream processor's data stream; accounts created before 2026-04-30).
                           Default: kinesis when --data-stream is given, else image-api
  --collection ID          Cloud:CollectionId, the face collection (default kvsedge-faces)
  --trigger KIND           image-api: motion (camera motion, default) or gpio (a doorbell button)
  --trigger-pin N          --trigger gpio: Triggers:Gpio:0:Pin, BCM number (default 27)
  --data-stream NAME       kinesis: Recognition:Kinesis:StreamName (the stream processor's output)

Options:
  --video-stream NAME      Camera:Kvs:StreamName (Kinesis Video stream; kvssink branch on)
  --camera KIND            libcamera (CSI, default), v4l2 (USB) or none
  --relay-pin N            Door:Relay:Pin, BCM number (default 17)
  --relay-active-low       Door:Relay:ActiveLow=true (see hardware/README.md first)
  --gpio-chip N            Door:Chip (default 0; Pi 5 on kernels before 6.6.47: 4)
  --mqtt-host HOST         Mqtt:Host (default localhost)
  --mqtt-port N            Mqtt:Port (default 1883)
  --mqtt-username NAME     Mqtt:Username (the password goes in --secrets-file)
  --time-zone ZONE         Access:TimeZone, IANA name (default UTC)
  --secrets-file FILE      KEY=VALUE lines (AWS_*, KVSEDGE_Mqtt__Password); installed root-only
                           as the unit's EnvironmentFile. Never printed.
  --kvssink-tarball FILE   install a prebuilt kvssink (see image/README.md) instead of building it
  --skip-kvssink           neither build nor install kvssink
  --overwrite-config       replace a differing /etc/kvsedge/appsettings.json (old one kept as .bak)
  --root DIR               provision the system mounted at DIR (default /)
  --dry-run                print what would change, change nothing
  --print-config           print the rendered appsettings.json and exit (no --deb, no root needed)
  -h, --help               this text
EOF
}

fail() { echo "provision: $*" >&2; exit 2; }

root=/ deb="" device_id="" aws_region="" data_stream="" video_stream="" camera=libcamera
source="" collection=kvsedge-faces trigger=motion trigger_pin=27
relay_pin=17 relay_active_low=false gpio_chip=0 mqtt_host=localhost mqtt_port=1883 mqtt_username=""
time_zone=UTC secrets_file="" kvssink_tarball="" skip_kvssink=false overwrite_config=false dry_run=false
print_config=false

need_value() { if [ $# -lt 2 ] || [ -z "$2" ]; then fail "$1 needs a value"; fi; }
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) need_value "$@"; deb=$2; shift ;;
    --device-id) need_value "$@"; device_id=$2; shift ;;
    --aws-region) need_value "$@"; aws_region=$2; shift ;;
    --data-stream) need_value "$@"; data_stream=$2; shift ;;
    --source) need_value "$@"; source=$2; shift ;;
    --collection) need_value "$@"; collection=$2; shift ;;
    --trigger) need_value "$@"; trigger=$2; shift ;;
    --trigger-pin) need_value "$@"; trigger_pin=$2; shift ;;
    --video-stream) need_value "$@"; video_stream=$2; shift ;;
    --camera) need_value "$@"; camera=$2; shift ;;
    --relay-pin) need_value "$@"; relay_pin=$2; shift ;;
    --relay-active-low) relay_active_low=true ;;
    --gpio-chip) need_value "$@"; gpio_chip=$2; shift ;;
    --mqtt-host) need_value "$@"; mqtt_host=$2; shift ;;
    --mqtt-port) need_value "$@"; mqtt_port=$2; shift ;;
    --mqtt-username) need_value "$@"; mqtt_username=$2; shift ;;
    --time-zone) need_value "$@"; time_zone=$2; shift ;;
    --secrets-file) need_value "$@"; secrets_file=$2; shift ;;
    --kvssink-tarball) need_value "$@"; kvssink_tarball=$2; shift ;;
    --skip-kvssink) skip_kvssink=true ;;
    --overwrite-config) overwrite_config=true ;;
    --root) need_value "$@"; root=$2; shift ;;
    --dry-run) dry_run=true ;;
    --print-config) print_config=true ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument '$1'" ;;
  esac
  shift
done

# --- validation: every bad value is named before anything changes ------------------------------------
errors=()
matches() { [[ $1 =~ $2 ]]; }
[ -n "$deb" ] || [ "$print_config" = true ] || errors+=("--deb is required")
[ -z "$deb" ] || [ -f "$deb" ] || errors+=("--deb: no such file '$deb'")
[ -z "$deb" ] || [[ $deb == *.deb ]] || errors+=("--deb: '$deb' is not a .deb file")
matches "$device_id" '^[A-Za-z0-9_-]{1,64}$' || errors+=("--device-id must be 1-64 letters, digits, - or _ (was '$device_id')")
matches "$aws_region" '^[a-z]{2}(-[a-z]+)+-[0-9]$' || errors+=("--aws-region is not an AWS region name like eu-west-1 (was '$aws_region')")
# Without --source: a data stream means the stream-processor path, else the image API (what new accounts can use).
if [ -z "$source" ]; then if [ -n "$data_stream" ]; then source=kinesis; else source=image-api; fi; fi
case "$source" in
  kinesis)
    # Kinesis and Kinesis Video stream names: 1-128 of [a-zA-Z0-9_.-].
    matches "$data_stream" '^[A-Za-z0-9_.-]{1,128}$' || errors+=("--data-stream must be 1-128 of letters, digits, _ . - (was '$data_stream'); --source kinesis reads the stream processor's data stream") ;;
  image-api)
    [ -z "$data_stream" ] || errors+=("--data-stream is for --source kinesis; --source image-api needs no data stream")
    [ "$camera" != none ] || errors+=("--source image-api looks at the camera: --camera none leaves it nothing to search")
    case "$trigger" in
      motion) ;;
      gpio)
        if matches "$trigger_pin" '^[0-9]+$' && [ "$trigger_pin" -ge 2 ] && [ "$trigger_pin" -le 27 ]; then
          if matches "$relay_pin" '^[0-9]+$' && [ "$((10#$trigger_pin))" -eq "$((10#$relay_pin))" ]; then
            errors+=("--trigger-pin $trigger_pin is the relay pin; the doorbell needs its own GPIO")
          fi
        else
          errors+=("--trigger-pin must be a header GPIO, BCM 2-27 (was '$trigger_pin')")
        fi ;;
      *) errors+=("--trigger must be motion or gpio (was '$trigger')") ;;
    esac ;;
  *) errors+=("--source must be image-api or kinesis (was '$source')") ;;
esac
matches "$collection" '^[A-Za-z0-9_.-]{1,255}$' || errors+=("--collection must be 1-255 of letters, digits, _ . - (was '$collection')")
[ -z "$video_stream" ] || matches "$video_stream" '^[A-Za-z0-9_.-]{1,256}$' || errors+=("--video-stream must be 1-256 of letters, digits, _ . - (was '$video_stream')")
case "$camera" in libcamera|v4l2|none) ;; *) errors+=("--camera must be libcamera, v4l2 or none (was '$camera')") ;; esac
# BCM 2-27 are the header GPIOs; 0 and 1 are reserved for the HAT ID EEPROM.
if matches "$relay_pin" '^[0-9]+$' && [ "$relay_pin" -ge 2 ] && [ "$relay_pin" -le 27 ]; then :; else
  errors+=("--relay-pin must be a header GPIO, BCM 2-27 (was '$relay_pin')")
fi
matches "$gpio_chip" '^[0-9]{1,2}$' || errors+=("--gpio-chip must be a chip number 0-99 (was '$gpio_chip')")
matches "$mqtt_host" '^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$' || errors+=("--mqtt-host must be a host name or IPv4 address (was '$mqtt_host')")
if matches "$mqtt_port" '^[0-9]{1,5}$' && [ "$mqtt_port" -ge 1 ] && [ "$mqtt_port" -le 65535 ]; then :; else
  errors+=("--mqtt-port must be 1-65535 (was '$mqtt_port')")
fi
[ -z "$mqtt_username" ] || matches "$mqtt_username" '^[A-Za-z0-9_.@-]{1,128}$' || errors+=("--mqtt-username must be letters, digits, _ . @ - (was '$mqtt_username')")
matches "$time_zone" '^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$' || errors+=("--time-zone must be an IANA zone like Europe/Berlin (was '$time_zone')")
if [ -n "$secrets_file" ]; then
  if [ ! -f "$secrets_file" ]; then
    errors+=("--secrets-file: no such file '$secrets_file'")
  else
    # Only known keys, so a typo cannot silently leave the service without credentials. Values are never echoed.
    line_no=0
    while IFS= read -r line || [ -n "$line" ]; do
      line_no=$((line_no + 1))
      matches "$line" '^[[:space:]]*(#.*)?$' && continue
      if ! matches "$line" '^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_DEFAULT_REGION|AWS_REGION|KVSEDGE_[A-Za-z0-9_]+)=[^[:space:]]+$'; then
        errors+=("--secrets-file line $line_no: expected KEY=VALUE with KEY one of AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_DEFAULT_REGION, AWS_REGION, KVSEDGE_*")
      fi
    done < "$secrets_file"
  fi
fi
if [ "$skip_kvssink" = true ] && [ -n "$kvssink_tarball" ]; then errors+=("--skip-kvssink and --kvssink-tarball exclude each other"); fi
[ -z "$kvssink_tarball" ] || [ -f "$kvssink_tarball" ] || errors+=("--kvssink-tarball: no such file '$kvssink_tarball'")
[ -d "$root" ] || errors+=("--root: no such directory '$root'")
[ -f "$template" ] || errors+=("template missing: $template")
if [ "$dry_run" = false ] && [ "$print_config" = false ] && [ "$(id -u)" -ne 0 ]; then errors+=("must run as root (or use --dry-run)"); fi
if [ ${#errors[@]} -gt 0 ]; then
  printf 'provision: %s\n' "${errors[@]}" >&2
  exit 2
fi

# --- the configuration, rendered from the template (written in step 5) -----------------------------------
json_string_or_null() { if [ -n "$1" ]; then printf '"%s"' "$1"; else printf 'null'; fi; }
camera_enabled=true camera_source=$camera
if [ "$camera" = none ]; then camera_enabled=false camera_source=v4l2; fi
# One line of JSON each, so the template stays a flat list of placeholders.
if [ "$source" = kinesis ]; then
  recognition_json="{ \"Source\": \"kinesis\", \"Kinesis\": { \"StreamName\": \"$data_stream\" } }"
  triggers_json="{}"
else
  recognition_json="{ \"Source\": \"image-api\" }"
  if [ "$trigger" = gpio ]; then
    triggers_json="{ \"Gpio\": [ { \"Name\": \"doorbell\", \"Pin\": $((10#$trigger_pin)) } ] }"
  else
    triggers_json="{ \"Motion\": { \"Enabled\": true } }"
  fi
fi
# Every value was validated above against a pattern without quotes or backslashes, so plain
# substitution yields valid JSON. '|' cannot occur in any of them.
rendered=$(sed \
  -e "s|@DEVICE_ID@|$device_id|g" \
  -e "s|@AWS_REGION@|$aws_region|g" \
  -e "s|@RECOGNITION_JSON@|$recognition_json|g" \
  -e "s|@TRIGGERS_JSON@|$triggers_json|g" \
  -e "s|@COLLECTION_ID@|$collection|g" \
  -e "s|@TIME_ZONE@|$time_zone|g" \
  -e "s|@GPIO_CHIP@|$((10#$gpio_chip))|g" \
  -e "s|@RELAY_PIN@|$((10#$relay_pin))|g" \
  -e "s|@RELAY_ACTIVE_LOW@|$relay_active_low|g" \
  -e "s|@CAMERA_ENABLED@|$camera_enabled|g" \
  -e "s|@CAMERA_SOURCE@|$camera_source|g" \
  -e "s|@VIDEO_STREAM_JSON@|$(json_string_or_null "$video_stream")|g" \
  -e "s|@MQTT_HOST@|$mqtt_host|g" \
  -e "s|@MQTT_PORT@|$((10#$mqtt_port))|g" \
  -e "s|@MQTT_USERNAME_JSON@|$(json_string_or_null "$mqtt_username")|g" \
  "$template")
if grep -q '@[A-Z_]*@' <<<"$rendered"; then
  fail "template placeholder left unrendered: $(grep -o '@[A-Z_]*@' <<<"$rendered" | head -1)"
fi
if [ "$print_config" = true ]; then printf '%s\n' "$rendered"; exit 0; fi

root=$(cd "$root" && pwd)
live=false
[ "$root" = / ] && live=true
# The service is started only on a live system booted with systemd (not in a container or a chroot).
systemd_running=false
if [ "$live" = true ] && [ -d /run/systemd/system ]; then systemd_running=true; fi
r() { if [ "$root" = / ]; then printf '%s' "$1"; else printf '%s%s' "$root" "$1"; fi; }

changes=0
changed() { changes=$((changes + 1)); if [ "$dry_run" = true ]; then echo "would: $*"; else echo "changed: $*"; fi; }
unchanged() { echo "ok: $*"; }

# Runs a command inside the target system: directly on a live system, through chroot otherwise.
in_root() {
  if [ "$live" = true ]; then "$@"; else chroot "$root" "$@"; fi
}

# Numeric ids from the target's own account files: the host may not know the kvsedge user.
id_in_root() { awk -F: -v name="$2" '$1 == name { print $3 }' "$(r "/etc/$1")"; }

# Writes stdin to a path in the root when its content, mode or owner (user:group) differ.
put_file() { # path mode owner description
  local path=$1 mode=$2 owner=$3 what=$4 dest tmp ids
  dest=$(r "$path")
  ids="$(id_in_root passwd "${owner%%:*}"):$(id_in_root group "${owner##*:}")"
  tmp=$(mktemp)
  cat > "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest" \
    && [ "$(stat -c %a "$dest")" = "$mode" ] && [ "$(stat -c %u:%g "$dest")" = "$ids" ]; then
    unchanged "$what ($path)"
  else
    changed "$what ($path)"
    if [ "$dry_run" = false ]; then
      mkdir -p "$(dirname "$dest")"
      install -m "$mode" -o "${ids%%:*}" -g "${ids##*:}" "$tmp" "$dest"
    fi
  fi
  rm -f "$tmp"
}

package_installed() { [ "$(in_root dpkg-query -W -f="\${Status}" "$1" 2>/dev/null)" = "install ok installed" ]; }

apt_updated=false
apt_update_once() { if [ "$apt_updated" = false ]; then in_root apt-get update -qq; apt_updated=true; fi; }
ensure_packages() { # description packages...
  local what=$1 missing=() p
  shift
  for p in "$@"; do package_installed "$p" || missing+=("$p"); done
  if [ ${#missing[@]} -eq 0 ]; then unchanged "$what"; return; fi
  changed "$what: apt-get install ${missing[*]}"
  [ "$dry_run" = false ] || return 0
  apt_update_once
  DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [ "$dry_run" = true ]; then echo "provision: root $root, dry run"; else echo "provision: root $root"; fi

# --- 1. packages: GStreamer, libgpiod, systemd ---------------------------------------------------------
# plugins-good has v4l2h264enc (Pi 4 hardware encoder) and splitmuxsink; plugins-ugly has x264enc, the
# only H.264 encoder on a Pi 5 (no hardware encoder). libgpiod2 is libgpiod v1.6, what bookworm ships.
packages=(ca-certificates systemd gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly libgpiod2 gpiod)
[ "$camera" = libcamera ] && packages+=(gstreamer1.0-libcamera)
ensure_packages "runtime packages" "${packages[@]}"

# --- 2. the gpio group and its udev rule (Raspberry Pi OS has both; plain Debian has neither) -----------
# The group must exist before the .deb's postinst creates the kvsedge user with it.
if grep -q '^gpio:' "$(r /etc/group)"; then
  unchanged "group gpio"
else
  changed "group gpio (groupadd --system gpio)"
  [ "$dry_run" = true ] || in_root groupadd --system gpio
fi
gpio_rule=/etc/udev/rules.d/60-kvsedge-gpio.rules
other_rules=$(grep -ls 'SUBSYSTEM=="gpio".*GROUP="gpio"' "$(r /etc/udev/rules.d)"/*.rules "$(r /usr/lib/udev/rules.d)"/*.rules \
  "$(r /lib/udev/rules.d)"/*.rules 2>/dev/null | grep -v "60-kvsedge-gpio.rules" || true)
if [ -n "$other_rules" ]; then
  unchanged "udev gives /dev/gpiochip* to group gpio ($(basename "$(echo "$other_rules" | head -1)"))"
else
  before=$changes
  put_file "$gpio_rule" 644 root:root "udev rule: /dev/gpiochip* to group gpio" <<'EOF'
# Written by KvsEdge image/provision.sh: lets members of group gpio open the GPIO character devices.
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
EOF
  # A running system applies it now; an image at its first boot.
  if [ "$changes" -gt "$before" ] && [ "$dry_run" = false ] && [ "$systemd_running" = true ]; then
    udevadm control --reload && udevadm trigger --subsystem-match=gpio
  fi
fi

# --- 3. the kvsedge .deb (its postinst creates the kvsedge system user) --------------------------------
deb_package=$(dpkg-deb -f "$deb" Package)
deb_version=$(dpkg-deb -f "$deb" Version)
installed_version=$(in_root dpkg-query -W -f="\${Status} \${Version}" "$deb_package" 2>/dev/null | sed -n 's/^install ok installed //p' || true)
if [ "$installed_version" = "$deb_version" ]; then
  unchanged "$deb_package $deb_version installed"
else
  changed "install $deb_package $deb_version (was ${installed_version:-not installed}) from $(basename "$deb")"
  if [ "$dry_run" = false ]; then
    staged=/var/cache/kvsedge-provision/$(basename "$deb")
    mkdir -p "$(r /var/cache/kvsedge-provision)"
    cp "$deb" "$(r "$staged")"
    apt_update_once
    # apt (not dpkg -i) so that the package's dependencies are resolved too.
    DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends "$staged"
    rm -f "$(r "$staged")"
  fi
fi

# --- 4. the service user in gpio and video ------------------------------------------------------------
# video: /dev/video*, /dev/media* and (Raspberry Pi OS) /dev/dma_heap for libcamera.
if [ "$dry_run" = true ] && ! grep -q '^kvsedge:' "$(r /etc/passwd)"; then
  changed "add user kvsedge (created by the .deb) to groups gpio,video"
elif ! grep -q '^kvsedge:' "$(r /etc/passwd)"; then
  echo "provision: the .deb did not create the system user 'kvsedge'; is '$deb' the KvsEdge package?" >&2
  exit 1
else
  for g in gpio video; do
    if [[ " $(in_root id -nG kvsedge) " == *" $g "* ]]; then
      unchanged "user kvsedge in group $g"
    else
      changed "add user kvsedge to group $g"
      [ "$dry_run" = true ] || in_root usermod -aG "$g" kvsedge
    fi
  done
fi

# --- 5. /etc/kvsedge/appsettings.json from the template (rendered above) ---------------------------------
config=/etc/kvsedge/appsettings.json
config_path=$(r "$config")
# Readable by the service (group kvsedge), not by everyone: it names streams and the broker.
config_owner=root:kvsedge
grep -q '^kvsedge:' "$(r /etc/group)" || config_owner=root:root
# The .deb ships a commented default as a conffile. While the file is still exactly that (dpkg's recorded md5), it
# holds no hand edits and is replaced; dpkg then treats it as locally modified and asks before an upgrade overwrites it.
packaged_default=false
if [ -f "$config_path" ]; then
  shipped_md5=$(in_root dpkg-query -W -f="\${Conffiles}\n" "$deb_package" 2>/dev/null | awk -v f="$config" '$1 == f { print $2 }' || true)
  [ -n "$shipped_md5" ] && [ "$(md5sum < "$config_path" | cut -d' ' -f1)" = "$shipped_md5" ] && packaged_default=true
fi
if [ -f "$config_path" ] && ! cmp -s <(printf '%s\n' "$rendered") "$config_path" && [ "$overwrite_config" = false ] && [ "$packaged_default" = false ]; then
  # The installed file may hold hand edits (Access:People): keep it, offer the new one beside it.
  printf '%s\n' "$rendered" | put_file "$config.new" 640 "$config_owner" "rendered config kept beside the edited one"
  echo "provision: $config differs from the rendered template and was kept; see $config.new, or pass --overwrite-config" >&2
else
  if [ -f "$config_path" ] && [ "$overwrite_config" = true ] && ! cmp -s <(printf '%s\n' "$rendered") "$config_path"; then
    changed "back up $config to $config.bak"
    [ "$dry_run" = true ] || cp -p "$config_path" "$config_path.bak"
  fi
  printf '%s\n' "$rendered" | put_file "$config" 640 "$config_owner" "config"
fi

# --- 6. secrets: a root-only EnvironmentFile drop-in ---------------------------------------------------
# systemd reads EnvironmentFile as root before it drops to the kvsedge user, so 0600 root is enough; the
# values reach the process (and kvssink) as environment, never a file the service user could leak.
dropin=/etc/systemd/system/kvsedge.service.d/10-secrets.conf
if [ -n "$secrets_file" ]; then
  secret_keys=$(grep -cE '^[A-Z]' "$secrets_file" || true)
  put_file /etc/kvsedge/secrets.env 600 root:root "secrets ($secret_keys keys)" < "$secrets_file"
  put_file "$dropin" 644 root:root "unit drop-in: EnvironmentFile=/etc/kvsedge/secrets.env" <<'EOF'
# Written by KvsEdge image/provision.sh.
[Service]
EnvironmentFile=/etc/kvsedge/secrets.env
EOF
fi

# --- 7. camera: libcamera detection of CSI cameras -----------------------------------------------------
if [ "$camera" = libcamera ]; then
  boot_config=$(r /boot/firmware/config.txt)
  if [ ! -f "$boot_config" ]; then
    echo "provision: no /boot/firmware/config.txt (not a Raspberry Pi OS bookworm image); camera_auto_detect not set" >&2
  elif grep -qx 'camera_auto_detect=1' "$boot_config"; then
    unchanged "camera_auto_detect=1 in /boot/firmware/config.txt"
  else
    changed "camera_auto_detect=1 in /boot/firmware/config.txt (takes effect at the next boot)"
    if [ "$dry_run" = false ]; then
      if grep -q '^camera_auto_detect=' "$boot_config"; then
        sed -i 's/^camera_auto_detect=.*/camera_auto_detect=1/' "$boot_config"
      else
        # Under [all], so that a conditional section ([pi4], [cm4]...) at the end does not swallow it.
        printf '\n[all]\ncamera_auto_detect=1\n' >> "$boot_config"
      fi
    fi
  fi
fi

# --- 8. kvssink -------------------------------------------------------------------------------------------
arch=$(in_root dpkg --print-architecture)
case "$arch" in
  arm64) triplet=aarch64-linux-gnu ;;
  armhf) triplet=arm-linux-gnueabihf ;;
  amd64) triplet=x86_64-linux-gnu ;;
  *) fail "unsupported architecture '$arch'" ;;
esac
plugin_link=/usr/lib/$triplet/gstreamer-1.0/libgstkvssink.so

link_kvssink() { # installs the plugin symlink and the library path for $KVSSINK_PREFIX/lib
  if [ "$(readlink "$(r "$plugin_link")" 2>/dev/null)" = "$KVSSINK_PREFIX/lib/libgstkvssink.so" ]; then
    unchanged "kvssink in the GStreamer plugin path ($plugin_link)"
  else
    changed "link $plugin_link -> $KVSSINK_PREFIX/lib/libgstkvssink.so"
    [ "$dry_run" = true ] || ln -sfn "$KVSSINK_PREFIX/lib/libgstkvssink.so" "$(r "$plugin_link")"
  fi
  printf '%s\n' "$KVSSINK_PREFIX/lib" | put_file /etc/ld.so.conf.d/kvssink.conf 644 root:root "library path for kvssink's libcproducer"
  # Only after a change: ldconfig rewrites /etc/ld.so.cache every time it runs.
  if [ "$changes" -gt "$kvssink_changes_before" ] && [ "$dry_run" = false ]; then in_root ldconfig; fi
}
kvssink_changes_before=$changes

if [ "$skip_kvssink" = true ]; then
  echo "skipped: kvssink (--skip-kvssink)"
elif [ -n "$kvssink_tarball" ]; then
  # A tarball of `cmake --install` output: lib/libgstkvssink.so, lib/libKinesisVideoProducer.so*, lib/libcproducer.so*.
  # Listed into a variable first: grep -q would close the pipe early and fail tar under pipefail.
  tarball_files=$(tar -tzf "$kvssink_tarball")
  grep -qE '^(\./)?lib/libgstkvssink\.so$' <<<"$tarball_files" \
    || fail "--kvssink-tarball: '$kvssink_tarball' has no lib/libgstkvssink.so at its top level"
  stamp="tarball $(sha256sum "$kvssink_tarball" | cut -d' ' -f1)"
  if [ "$(cat "$(r "$KVSSINK_PREFIX/SOURCE")" 2>/dev/null)" = "$stamp" ]; then
    unchanged "kvssink from $(basename "$kvssink_tarball")"
  else
    changed "unpack kvssink from $(basename "$kvssink_tarball") into $KVSSINK_PREFIX"
    if [ "$dry_run" = false ]; then
      mkdir -p "$(r "$KVSSINK_PREFIX")"
      tar -xzf "$kvssink_tarball" -C "$(r "$KVSSINK_PREFIX")" --no-same-owner
      echo "$stamp" > "$(r "$KVSSINK_PREFIX/SOURCE")"
    fi
  fi
  link_kvssink
else
  # Build dependencies, as the producer SDK documents them for Raspberry Pi; log4cplus from Debian
  # (BUILD_DEPENDENCIES=OFF), libcproducer is fetched by the SDK's cmake at the version it pins.
  ensure_packages "kvssink build dependencies" git cmake build-essential pkg-config m4 libssl-dev \
    libcurl4-openssl-dev liblog4cplus-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  stamp="source $KVSSINK_TAG"
  if [ "$(cat "$(r "$KVSSINK_PREFIX/SOURCE")" 2>/dev/null)" = "$stamp" ] && [ -f "$(r "$KVSSINK_PREFIX/lib/libgstkvssink.so")" ]; then
    unchanged "kvssink $KVSSINK_TAG built"
  else
    changed "build kvssink $KVSSINK_TAG into $KVSSINK_PREFIX (20-60 min on a Pi)"
    if [ "$dry_run" = false ]; then
      # The source stays: the SDK compiles the path of its certs/cert.pem into the library.
      src=$KVSSINK_PREFIX/src/$KVSSINK_TAG
      rm -rf "$(r "$src")"
      in_root git clone --quiet --depth 1 --branch "$KVSSINK_TAG" "$KVSSINK_REPO" "$src"
      # Pi Zero 2 W has 512 MB: one compiler at a time there.
      jobs=$(in_root nproc)
      [ "$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)" -ge 1500 ] || jobs=1
      in_root cmake -S "$src" -B "$src/build" -DBUILD_GSTREAMER_PLUGIN=ON -DBUILD_DEPENDENCIES=OFF \
        -DBUILD_SAMPLES=OFF -DALIGNED_MEMORY_MODEL=ON -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$KVSSINK_PREFIX" \
        -DCMAKE_INSTALL_LIBDIR=lib
      in_root cmake --build "$src/build" --parallel "$jobs"
      in_root cmake --install "$src/build"
      echo "$stamp" > "$(r "$KVSSINK_PREFIX/SOURCE")"
    fi
  fi
  link_kvssink
fi
if [ "$skip_kvssink" = false ] && [ "$dry_run" = false ]; then
  # The check a Pi owner runs too: the element must load with its dependencies.
  if in_root env GST_REGISTRY_UPDATE=yes gst-inspect-1.0 kvssink >/dev/null 2>&1; then
    echo "ok: gst-inspect-1.0 kvssink loads the plugin"
  else
    echo "provision: kvssink is installed but gst-inspect-1.0 kvssink cannot load it; run it by hand to see why" >&2
    exit 1
  fi
fi

# --- 9. the service --------------------------------------------------------------------------------------
unit=kvsedge.service
if [ "$systemd_running" = true ]; then
  [ "$dry_run" = true ] || systemctl daemon-reload
  if systemctl is-enabled --quiet "$unit" 2>/dev/null; then unchanged "$unit enabled"; else
    changed "enable $unit"
    [ "$dry_run" = true ] || systemctl enable "$unit"
  fi
  if [ "$changes" -gt 0 ] || ! systemctl is-active --quiet "$unit"; then
    changed "restart $unit"
    [ "$dry_run" = true ] || systemctl restart "$unit"
  fi
else
  # Offline: systemctl --root creates the [Install] symlinks without a running systemd (the host's
  # systemctl if there is one, else the target's, which the packages above installed).
  offline_systemctl() {
    if command -v systemctl >/dev/null 2>&1; then systemctl --root="$root" "$@"; else chroot "$root" systemctl "$@"; fi
  }
  if [ "$(offline_systemctl is-enabled "$unit" 2>/dev/null || true)" = enabled ]; then
    unchanged "$unit enabled"
  else
    changed "enable $unit (offline)"
    [ "$dry_run" = true ] || offline_systemctl enable "$unit"
  fi
fi

echo "provision: $changes changes$( [ "$dry_run" = true ] && echo ' (dry run: none made)')"
