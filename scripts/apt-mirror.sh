#!/usr/bin/env bash
# Prints the Debian mirror this machine's apt already uses (deb822 .sources or a one-line sources.list), for
# debootstrap: the chroot tests fetch from the same place apt does instead of naming a mirror of their own.
set -euo pipefail
uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{ print $2 }' | grep -v security | head -n 1 || true)
[ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
  | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' | grep -v security | head -n 1 || true)
[ -n "$uri" ] || { echo "apt-mirror: no Debian mirror found in /etc/apt/sources.list(.d)" >&2; exit 1; }
echo "$uri"
