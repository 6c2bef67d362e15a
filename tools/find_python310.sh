#!/usr/bin/env bash
# Prints the path of a working Python 3.10: Rasa 3.6 runs on 3.8-3.10 only, and
# this project is pinned and tested on 3.10. A pyenv shim can exist yet fail,
# so every candidate is actually run.
set -u
try() {
  local found
  found=$("$1" -c 'import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)' 2>/dev/null) \
    && { echo "$found"; exit 0; }
}
[ -n "${PYTHON:-}" ] && try "$PYTHON"
try python3.10
pyenv_root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for candidate in "$pyenv_root"/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -x "$candidate" ] && try "$candidate"
done
try python3
cat >&2 <<'MSG'
Python 3.10 was not found. Rasa 3.6 needs Python 3.10; 3.11 and newer will not work.
Fix, then run the same make command again:
  - with pyenv:  pyenv install 3.10.13
  - on Debian/Ubuntu with the deadsnakes PPA:  apt-get install python3.10 python3.10-venv
  - or point to one you have:  make run PYTHON=/path/to/python3.10
MSG
exit 1
