#!/usr/bin/env bash
# Checks the hardware docs: wiring.svg is well-formed XML and names the parts the README prescribes, every
# BCM/header-pin pair in README.md and pinmap.md matches the Raspberry Pi 40-pin header, and the relay pin
# matches the app's default. Fast and offline; needs xmllint (libxml2-utils) and python3.
set -euo pipefail
cd "$(dirname "$0")"

command -v xmllint >/dev/null || { echo "hardware/check: xmllint is missing (apt-get install libxml2-utils)" >&2; exit 2; }
xmllint --noout wiring.svg
echo "ok: wiring.svg is well-formed XML"

python3 - <<'EOF'
import json, re, sys

# The 40-pin header, the same on Pi 4, Pi 5 and Zero 2 W: physical pin -> BCM number (None: power/ground).
HEADER = {3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24, 19: 10, 21: 9,
          22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5, 31: 6, 32: 12, 33: 13, 35: 19, 36: 16, 37: 26,
          38: 20, 40: 21}
POWER = {1: "3V3", 17: "3V3", 2: "5V", 4: "5V", 6: "GND", 9: "GND", 14: "GND", 20: "GND", 25: "GND",
         30: "GND", 34: "GND", 39: "GND"}
failures = []

def cells(line):
    return [c.strip().strip("*").strip() for c in line.strip().strip("|").split("|")]

# README.md: | function | BCM | header pin | ...
readme = open("README.md", encoding="utf-8").read()
rows = [cells(l) for l in readme.splitlines() if re.match(r"^\|[^|]+\|\s*\**\d+\**\s*\|\s*\d+\s*\|", l)]
if len(rows) < 8:
    failures.append(f"README.md: expected the 8-row pin table, found {len(rows)} rows")
for row in rows:
    bcm, pin = int(row[1]), int(row[2])
    if HEADER.get(pin) != bcm:
        failures.append(f"README.md: '{row[0]}' says BCM {bcm} on pin {pin}, but pin {pin} is BCM {HEADER.get(pin)}")
relay = [r for r in rows if r[0].startswith("strike driver")]
defaults = json.load(open("../src/KvsEdge/appsettings.json", encoding="utf-8"))
if not relay or int(relay[0][1]) != defaults["Door"]["Relay"]["Pin"]:
    failures.append("README.md: the strike driver pin differs from Door:Relay:Pin in src/KvsEdge/appsettings.json")
if defaults["Door"]["Relay"]["ActiveLow"] is not False:
    failures.append("src/KvsEdge/appsettings.json: Door:Relay:ActiveLow is not false, the wiring assumes an active-high driver")

# pinmap.md: | function | BCM | pin | pin | BCM | function |
pinmap = open("pinmap.md", encoding="utf-8").read()
header_rows = [cells(l) for l in pinmap.splitlines() if re.match(r"^\|[^|]*\|[^|]*\|\s*\**\d+\**\s*\|\s*\**\d+\**\s*\|", l)]
seen = set()
for row in header_rows:
    for fn, bcm, pin in ((row[0], row[1], row[2]), (row[5], row[4], row[3])):
        pin = int(pin)
        seen.add(pin)
        if bcm:
            if HEADER.get(pin) != int(bcm):
                failures.append(f"pinmap.md: pin {pin} is listed as BCM {bcm}, the header has BCM {HEADER.get(pin)}")
        elif pin not in POWER or POWER[pin] not in fn:
            failures.append(f"pinmap.md: pin {pin} is listed as '{fn}', the header has {POWER.get(pin, 'a GPIO')}")
if seen != set(range(1, 41)):
    failures.append(f"pinmap.md: header table misses pins {sorted(set(range(1, 41)) - seen)}")

# wiring.svg names what the README prescribes.
svg = open("wiring.svg", encoding="utf-8").read()
for needed in ("BCM17 · pin 11", "1N4007", "R2 10 kΩ", "100 Ω", "330 Ω", "12 V", "fail-secure", "BCM5 · pin 29",
               "BCM6 · pin 31", "BCM13 · pin 33", "BCM16 · pin 36", "BCM22 · pin 15", "BCM23 · pin 16", "BCM24 · pin 18"):
    if needed not in svg:
        failures.append(f"wiring.svg: does not show '{needed}'")

# Links between the docs resolve.
import os
for doc in ("README.md", "pinmap.md", "parts.md", "acceptance.md"):
    for target in re.findall(r"\]\(([^)#:]+)\)", open(doc, encoding="utf-8").read()):
        if not os.path.exists(target):
            failures.append(f"{doc}: link to missing file '{target}'")

for f in failures:
    print("FAIL: " + f, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"ok: {len(rows)} README pins and {len(seen)} header pins match the 40-pin header; relay pin = app default")
EOF
