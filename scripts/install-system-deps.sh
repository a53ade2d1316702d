#!/usr/bin/env bash
# The Debian packages the tests need, installed only when missing (a fresh machine has none).
# - graphviz: `dot`, for the diagrams.
# - postgresql: `initdb` and `pg_ctl` under /usr/lib/postgresql/*/bin, with which the PostgreSQL
#   store tests start a throwaway cluster of their own in a temp dir. The distro's own cluster
#   (postgresql-common may create and start one) is not used and need not be running. Without
#   root, a missing postgresql only makes those tests skip, except in CI (CI set), where it fails.
# - chromium: the dashboard's browser tests (same rule: skipped without it, required in CI).
set -euo pipefail
required=()
optional=()
command -v dot >/dev/null 2>&1 || required+=(graphviz)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || optional+=(postgresql)
# Headless Chromium for the dashboard's browser tests (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || optional+=(chromium)
packages=("${required[@]}" "${optional[@]}")
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    ci=yes
    case "${CI:-}" in '' | false | 0) ci=no ;; esac
    if [ ${#required[@]} -gt 0 ] || [ "$ci" = yes ]; then
      echo "missing system packages: ${packages[*]} (run as root, or: sudo apt-get install ${packages[*]})" >&2
      exit 1
    fi
    echo "warning: ${optional[*]} not installed; the tests that need it will be skipped" \
      "(sudo apt-get install ${optional[*]})" >&2
    exit 0
  fi
  echo "installing Debian packages: ${packages[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
