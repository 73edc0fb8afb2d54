#!/usr/bin/env bash
# Creates (or refreshes) the two virtual environments from the pinned lock files:
#   .venvs/rasa  the Rasa server (Rasa 3.6 pins old libraries)
#   .venvs/app   our code: actions, gateway, records, console, tests
# Both need Python 3.10 (Rasa 3.6 and rasa-sdk 3.6 support nothing newer).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  local c
  for c in "${PUENTE_PYTHON:-}" python3.10 \
           "$(command -v pyenv >/dev/null 2>&1 && ls -d "$(pyenv root)"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1)" \
           "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/bin/python3.10 /usr/local/bin/python3.10; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

if ! PY=$(find_python310); then
  cat >&2 <<'MSG'
Puente needs Python 3.10 (Rasa 3.6 supports nothing newer) and none was found.
Install one, then run the command again:
  - with pyenv:  pyenv install 3.10
  - on Debian/Ubuntu:  apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - or point to one:  PUENTE_PYTHON=/path/to/python3.10 make run
MSG
  exit 1
fi

make_env() {  # name lockfile
  local dir=".venvs/$1" lock="requirements/$2" stamp
  stamp=$(cat "$lock" | sha256sum | cut -c1-16)
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then return 0; fi
  echo "==> setting up $dir from $lock with $PY (first time takes a few minutes)"
  rm -rf "$dir"
  "$PY" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock"
  "$dir/bin/python" -m pip check
  echo "$stamp" > "$dir/.stamp"
}

make_env rasa rasa.lock
make_env app app.lock

# The staff console's browser tests drive Debian's chromium (Playwright cannot download a browser here).
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium (browser tests of the staff console)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } \
    || echo "could not install chromium: the console's browser tests skip (and fail under CI=true)" >&2
fi
