#!/usr/bin/env bash
# Resident memory of the Native AOT `kvsedge run` with on-device vision off and on (docs/performance.md, Vision).
# The same config both times: the file camera playing NASA's astronaut photo at 1280x720, 10 fps (a face always in
# view, so with vision on the detector runs at Vision:Rate on a real face), the simulated door, MQTT off, the image-API
# source pointed at a closed local port (a search fails fast; no cloud), the motion trigger on (a still: no motion). Reads VmRSS and VmHWM from /proc/PID/status
# after --settle seconds and whether libonnxruntime is mapped (/proc/PID/maps).
#
# usage: scripts/measure-vision-rss.sh BINARY [--settle SECONDS] [--runs N]
#   BINARY  a published kvsedge with libonnxruntime.so beside it (./build-arm64.sh --rid linux-x64 --output artifacts/x64
#           gives artifacts/x64/publish/linux-x64-aot/kvsedge)
set -euo pipefail
binary=$(realpath "${1:?usage: measure-vision-rss.sh BINARY [--settle SECONDS] [--runs N]}")
shift
settle=30
runs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --settle) settle=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    *) echo "measure-vision-rss.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
photo="${KVSEDGE_TEST_DATA:-$HOME/.cache/kvsedge/test-data}/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
model="${KVSEDGE_MODEL_CACHE:-$HOME/.cache/kvsedge/models}/blazeface-1.2.0/face_detection_back_256x256.onnx"
[ -f "$photo" ] || { echo "measure-vision-rss.sh: no $photo: run scripts/fetch-test-photos.sh" >&2; exit 2; }
[ -f "$model" ] || { echo "measure-vision-rss.sh: no $model: run scripts/fetch-models.sh" >&2; exit 2; }

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

config() { # vision: true|false
  cat <<EOF
{
  "Device": { "Id": "rss", "StateDirectory": "$work/state" },
  "Aws": { "Region": "us-east-1", "Endpoints": { "Rekognition": "http://127.0.0.1:9/" } },
  "Recognition": { "Source": "image-api", "ImageApi": { "CollectionId": "front-door" } },
  "Door": { "Driver": "simulated", "Relay": { "Pin": 17 }, "Simulated": { "TransitionLog": "$work/relay.jsonl" } },
  "Mqtt": { "Enabled": false },
  "Camera": { "Source": "file", "File": "$photo", "Sinks": [ "none" ], "Width": 1280, "Height": 720, "Framerate": 10 },
  "Triggers": { "Motion": { "Enabled": true } },
  "Vision": { "Enabled": $1, "ModelPath": "$model" }
}
EOF
}

status_kib() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "| vision | run | VmRSS after ${settle} s | VmHWM | libonnxruntime mapped |"
echo "|---|---|---|---|---|"
for vision in false true; do
  for run in $(seq 1 "$runs"); do
    config "$vision" >"$work/appsettings.json"
    AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y "$binary" run --config "$work/appsettings.json" >"$work/log-$vision-$run" 2>&1 &
    pid=$!
    sleep "$settle" # a measurement window, not synchronisation
    kill -0 "$pid" 2>/dev/null || { echo "kvsedge run (vision $vision) exited early:" >&2; cat "$work/log-$vision-$run" >&2; exit 1; }
    rss=$(status_kib "$pid" VmRSS)
    hwm=$(status_kib "$pid" VmHWM)
    mapped=no
    grep -q libonnxruntime "/proc/$pid/maps" && mapped=yes
    kill -TERM "$pid"
    wait "$pid" || true
    pid=""
    echo "| $vision | $run | $(mib "$rss") MiB | $(mib "$hwm") MiB | $mapped |"
  done
done
