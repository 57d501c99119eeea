#!/usr/bin/env bash
# The fault suite (issue 10): builds the bench project, then runs the real `kvsedge run` against Mosquitto (its own
# port, started here) and kinesalite, injects each fault R1-R12 and prints one table. Exits non-zero when a row fails.
#   bash tests/faults/run.sh [--daemon PATH] [--soak-seconds N] [--only R1,R5] [--keep true]
#   --daemon PATH: a published kvsedge (e.g. build-arm64.sh --rid linux-x64 output) instead of the JIT build.
# Prerequisites (mosquitto, kinesalite, GStreamer): bash scripts/install-prerequisites.sh. R12 mounts tmpfs: run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet build tests/KvsEdge.Benchmarks -c Release -nologo -v quiet
exec dotnet tests/KvsEdge.Benchmarks/bin/Release/net10.0/KvsEdge.Benchmarks.dll faults "$@"
