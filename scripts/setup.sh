#!/usr/bin/env bash
# Installs the Debian packages CloudCafe needs that are not yet installed.
# Does nothing (and needs no root) when everything is already there.
#
# The install path is testable without root: these variables point it
# elsewhere (tests/scripts/setup_test.sh uses them).
#   CAFE_SETUP_PACKAGES  the package list (default scripts/debian-packages.txt)
#   CAFE_SETUP_POLICY    the policy-rc.d path (default /usr/sbin/policy-rc.d)
#   CAFE_SETUP_APT_GET   the apt-get to run, without sudo (default: apt-get,
#                        through sudo when not root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packages=${CAFE_SETUP_PACKAGES:-$here/debian-packages.txt}
policy=${CAFE_SETUP_POLICY:-/usr/sbin/policy-rc.d}
apt_get=${CAFE_SETUP_APT_GET:-}

mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$packages" | grep -v '^$')
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"

sudo=""
if [ -z "$apt_get" ] && [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

# Package servers for PostgreSQL, Redis, NATS and nginx must not start on
# their default ports inside a build: policy-rc.d tells invoke-rc.d to leave
# them. An existing policy (container images ship one) is left as it was.
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  created_policy=1
fi
remove_created_policy() {
  if [ "$created_policy" -eq 1 ]; then
    $sudo rm -f "$policy"
  fi
}
trap remove_created_policy EXIT

apt_get=${apt_get:-apt-get}
$sudo "$apt_get" update -qq
$sudo "$apt_get" install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
