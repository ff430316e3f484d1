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

"$(dirname "$0")/apt-install.sh" ${packages[@]+"${packages[@]}"}
