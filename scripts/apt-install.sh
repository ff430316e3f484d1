#!/usr/bin/env bash
# Install the given Debian packages (apt-get update first), as root or through sudo.
# Called by system-deps.sh and bench-deps.sh with whatever they found missing.
set -euo pipefail

[ $# -eq 0 ] && exit 0
echo "Installing Debian packages: $*"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "Need root (or sudo) to install: $*" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
