#!/usr/bin/env bash
# Debian packages the benchmarks need: wrk, the load generator of the
# tracking-ingest benchmark. Installs only what is missing.
set -euo pipefail

packages=()
command -v wrk >/dev/null || packages+=(wrk)

"$(dirname "$0")/apt-install.sh" ${packages[@]+"${packages[@]}"}
