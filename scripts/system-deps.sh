#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for the browser tests and
# WeasyPrint's libraries for PDFs. Installs only what is missing.
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
ldconfig -p | grep -q 'libpango-1.0.so' || packages+=(libpango-1.0-0)
ldconfig -p | grep -q 'libpangoft2-1.0.so' || packages+=(libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset.so' || packages+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -qi dejavu || packages+=(fonts-dejavu-core)

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${packages[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${packages[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
