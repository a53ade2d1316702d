#!/usr/bin/env bash
# The Debian packages the tests need, installed only when missing (a fresh machine has none).
# - graphviz: `dot`, for the diagrams.
# - postgresql: `initdb` and `pg_ctl` under /usr/lib/postgresql/*/bin, with which the PostgreSQL
#   store tests start a throwaway cluster of their own in a temp dir. The distro's own cluster
#   (postgresql-common may create and start one) is not used and need not be running.
set -euo pipefail
packages=()
command -v dot >/dev/null 2>&1 || packages+=(graphviz)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || packages+=(postgresql)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${packages[*]} (run as root, or: sudo apt-get install ${packages[*]})" >&2
    exit 1
  fi
  echo "installing Debian packages: ${packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
