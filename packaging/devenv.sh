#!/usr/bin/env bash
# Creates (once) the project's virtual environment in .venv with everything the app and the
# tests need, then runs what it was given inside it:
#   bash packaging/devenv.sh skins-console --sandbox     run the app on the local sandbox
#   bash packaging/devenv.sh test [pytest args]          run the test suite
# uv is used when it can be installed (about 4x faster than pip); pip otherwise.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PYTHON_DOWNLOADS=never QT_API=pyside6
py="${PYTHON:-python3}"
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$py" -m venv .venv
  if .venv/bin/python -m pip install -q uv >/dev/null 2>&1; then
    VIRTUAL_ENV="$root/.venv" .venv/bin/uv pip install -q -e ".[test,lint,packaging]"
  else
    .venv/bin/python -m pip install -q -e ".[test,lint,packaging]"
  fi
  rm -f .venv/.installed-*; touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
cmd="${1:-test}"; shift || true
if [ "$cmd" = lint ]; then
  # Every gate runs, and any finding fails: lint, format, types, layers, workflows.
  status=0
  ruff check --quiet . || status=1
  ruff format --check --quiet . || status=1
  mypy || status=1
  lint-imports --no-cache || status=1
  zizmor --offline --quiet --min-severity medium .github/workflows || status=1
  exit "$status"
fi
if [ "$cmd" != test ]; then exec "$cmd" "$@"; fi

# Tests: offscreen Qt; the real Secret Service in a private D-Bus session when available
# (gnome-keyring), so the keyring layer is tested against the real thing.
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  kr="$(mktemp -d)"; trap 'rm -rf "$kr"' EXIT
  mkdir -p "$kr/run" "$kr/data"; chmod 700 "$kr/run"
  export XDG_RUNTIME_DIR="$kr/run" XDG_DATA_HOME="$kr/data"
  exec dbus-run-session -- sh -c '
    printf test-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    exec python -m pytest "$@"' sh "$@" 2> >(grep -v "Failed to set fd limit" >&2)
fi
exec python -m pytest "$@"
