#!/usr/bin/env bash
# Debian packages the benchmarks need: wrk, the load generator of the
# tracking-ingest benchmark. Installs only what is missing.
set -euo pipefail

packages=()
command -v wrk >/dev/null || packages+=(wrk)

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
