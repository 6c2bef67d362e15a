#!/usr/bin/env bash
# Makes sure Debian's Chromium is there for the browser tests. Playwright drives it through
# executable_path; its own browser download (`playwright install`) is never used.
set -euo pipefail
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] && exit 0
fi
echo "Chromium is missing at $chromium. Install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
echo "or point CHROMIUM_PATH at a Chromium or Chrome binary." >&2
exit 1
