#!/usr/bin/env bash
# The Debian packages the tests need, installed only when missing (a fresh machine has none).
set -euo pipefail
packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
# Headless Chromium for the dashboard's browser tests (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${packages[*]} (run as root, or: sudo apt-get install ${packages[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
