#!/usr/bin/env bash
# Runs every test: unit tests and integration tests on real parts (Mosquitto, kinesalite, GStreamer).
# Installs missing prerequisites first, then prints one closing line: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash scripts/install-prerequisites.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test KvsEdge.sln -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# With normal verbosity dotnet test prints one "  Passed|Failed|Skipped <test name> [time]" line per test.
passed=$(grep -cE '^\s+Passed ' "$log" || true)
failed=$(grep -cE '^\s+Failed ' "$log" || true)
skipped=$(grep -cE '^\s+Skipped ' "$log" || true)
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status" >&2
fi
exit "$status"
