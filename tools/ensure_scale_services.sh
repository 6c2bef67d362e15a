#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis are installed for `make test-scale` (Debian's packages,
# installed with apt-get when missing and allowed). The test starts and stops its own
# private instances on free ports, so nothing here is left running.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} for the scale-out test..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # Debian starts the packaged services; the test runs its own instances instead.
  if command -v service >/dev/null; then
    service postgresql stop >/dev/null 2>&1 || true
    service redis-server stop >/dev/null 2>&1 || true
  fi
  exit 0
fi
echo "Missing for the scale-out test: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]})." >&2
exit 1
