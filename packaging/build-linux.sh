#!/usr/bin/env bash
# Builds the Linux one-folder bundle, proves it works, and packs it:
#
#   bash packaging/build-linux.sh            # build, check, selftest, tar.gz
#   SKIP_SELFTEST=1 bash packaging/build-linux.sh
#
# 1. PyInstaller with packaging/skins-console.spec inside the project venv (packaging/devenv.sh
#    creates it once; it has the `packaging` extra). A clean `--clean` build every time: a
#    stale build/ cache is how a removed dependency lingers in a release.
# 2. Checks the frozen archive really holds what the spec promises: every OS's keyring
#    backend module, and none of the excluded Qt modules.
# 3. Runs the *frozen* `skins-console --selftest` offscreen, inside a private D-Bus session
#    with an unlocked gnome-keyring when those are installed (as the test suite does), so the
#    keyring step uses the real Secret Service. The window screenshot stays in
#    build/selftest/.
# 4. dist/skins-console-<version>-linux-<arch>.tar.gz, then prints sizes and timings.
# Exit status: non-zero if any step fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1

version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' skins_console/__init__.py)"
arch="$(uname -m)"
bundle=dist/skins-console
tarball="dist/skins-console-${version}-linux-${arch}.tar.gz"
venv() { bash packaging/devenv.sh "$@"; }

t0=$(date +%s.%N)
rm -rf "$bundle" "$tarball" build/pyinstaller
venv pyinstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/skins-console.spec
t_built=$(date +%s.%N)

# --- what is inside --------------------------------------------------------------------------
listing="build/pyinstaller/archive-listing.txt"
venv pyi-archive_viewer --recursive --brief "$bundle/skins-console" >"$listing"
missing=0
for module in keyring.backends.Windows keyring.backends.macOS keyring.backends.SecretService \
              keyring.backends.chainer secretstorage jeepney certifi qasync httpx aiohttp.web; do
  if ! grep -qxE "[[:space:]]*${module//./\\.}" "$listing"; then
    echo "MISSING from the frozen archive: $module" >&2; missing=1
  fi
done
if ! compgen -G "$bundle/_internal/keyring-*.dist-info/entry_points.txt" >/dev/null; then
  echo "MISSING: keyring's entry points (dist-info); the frozen app would only find the fail backend" >&2
  missing=1
fi
[ -s "$bundle/_internal/certifi/cacert.pem" ] || { echo "MISSING: certifi/cacert.pem" >&2; missing=1; }
for qt in QtWebEngineCore QtQml QtQuick Qt3DCore QtMultimedia; do
  if compgen -G "$bundle/_internal/PySide6/$qt.*" >/dev/null; then
    echo "UNWANTED Qt module in the bundle: $qt" >&2; missing=1
  fi
done
if compgen -G "$bundle/_internal/keyrings*" >/dev/null || grep -q "^\s*keyrings\.alt" "$listing"; then
  echo "UNWANTED: keyrings.alt (plaintext backend) is in the bundle" >&2; missing=1
fi
# Dropping plugins/libraries in the spec must not leave a kept plugin pointing at a Qt
# library that is no longer there (it would only fail at runtime, on the user's machine).
internal="$bundle/_internal"
unresolved="$(LD_LIBRARY_PATH="$internal:$internal/PySide6/Qt/lib" \
  find "$internal/PySide6" -name '*.so*' -type f -exec ldd {} + 2>/dev/null \
  | grep -E 'libQt6[^ ]* => not found' | sort -u || true)"
if [ -n "$unresolved" ]; then
  echo "Qt libraries missing for collected plugins/modules:" >&2; echo "$unresolved" >&2; missing=1
fi
((missing == 0)) || exit 1
echo "bundle contents: keyring backends (Windows, macOS, SecretService), entry points, certifi, no excluded Qt modules, Qt dependencies resolve"

# --- frozen selftest -------------------------------------------------------------------------
selftest_dir="$root/build/selftest"
rm -rf "$selftest_dir"
t_selftest=$(date +%s.%N)
if [ -z "${SKIP_SELFTEST:-}" ]; then
  export SKINS_CONSOLE_SELFTEST_DIR="$selftest_dir"
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null \
     && [ -z "${PYTHON_KEYRING_BACKEND:-}" ]; then
    kr="$(mktemp -d)"; trap 'rm -rf "$kr"' EXIT
    mkdir -p "$kr/run" "$kr/data"; chmod 700 "$kr/run"
    XDG_RUNTIME_DIR="$kr/run" XDG_DATA_HOME="$kr/data" dbus-run-session -- sh -c '
      printf build-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
      exec "$0" --selftest' "$bundle/skins-console" 2> >(grep -v "Failed to set fd limit" >&2)
  else
    "$bundle/skins-console" --selftest
  fi
fi
t_done_selftest=$(date +%s.%N)

# --- pack ------------------------------------------------------------------------------------
tar -C dist -czf "$tarball" skins-console
t_end=$(date +%s.%N)

secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
bundle_mb=$(du -sm "$bundle" | cut -f1)
tar_mb=$(python3 -c "import os; print(f'{os.path.getsize(\"$tarball\") / 2**20:.1f}')")
files=$(find "$bundle" -type f | wc -l)
echo
echo "skins-console $version linux-$arch"
echo "  build (pyinstaller --clean):  $(secs "$t0" "$t_built") s"
echo "  frozen selftest:              $(secs "$t_selftest" "$t_done_selftest") s"
echo "  tar.gz:                       $(secs "$t_done_selftest" "$t_end") s"
echo "  total:                        $(secs "$t0" "$t_end") s"
echo "  bundle: ${bundle_mb} MB on disk, ${files} files  ($bundle)"
echo "  tar.gz: ${tar_mb} MiB  ($tarball)"
