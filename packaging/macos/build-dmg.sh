#!/usr/bin/env bash
# macOS: .app bundle -> selftest -> codesign (hardened runtime) -> DMG -> notarise -> staple.
#
#   bash packaging/macos/build-dmg.sh                # build with PyInstaller first
#   bash packaging/macos/build-dmg.sh --skip-build   # reuse dist/Skins Console.app
#
# Signing and notarising are optional and each is skipped with a message when its inputs are
# absent, so the same script makes an unsigned DMG on a laptop and a release in CI:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: Name (TEAMID)" (or its SHA-1); the
#                         certificate must be in the default keychain search list
#   notary credentials, one of:
#     NOTARY_KEYCHAIN_PROFILE                          (xcrun notarytool store-credentials)
#     APPLE_API_KEY_PATH + APPLE_API_KEY_ID + APPLE_API_ISSUER   (App Store Connect API key)
#     APPLE_ID + APPLE_TEAM_ID + APPLE_APP_PASSWORD    (app-specific password)
# Other knobs: PYTHON (interpreter with the `packaging` extra, default python3),
# SKIP_SELFTEST=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"

meta() { "$py" -c "import json,sys; print(json.load(open('resources/metadata.json'))[sys.argv[1]])" "$1"; }
version="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' skins_console/__init__.py)"
name="$(meta name)"
bundle_id="$(meta bundle_id)"
min_macos="$(meta macos_minimum_version)"
arch="$(uname -m)"
app="dist/${name}.app"
exe="$app/Contents/MacOS/$(meta executable)"
dmg="dist/skins-console-${version}-macos-${arch}.dmg"
entitlements="packaging/macos/entitlements.plist"
t0=$(date +%s)

if [ "${1:-}" != "--skip-build" ]; then
  rm -rf "$app" dist/skins-console build/pyinstaller
  "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/skins-console.spec
fi
[ -x "$exe" ] || { echo "no app bundle at $app (build it first)" >&2; exit 1; }

# --- Info.plist: what Finder, Gatekeeper and the notary service read -------------------------
plist="$app/Contents/Info.plist"
check_key() {
  local got; got="$(/usr/libexec/PlistBuddy -c "Print :$1" "$plist" 2>/dev/null || true)"
  if [ "$got" != "$2" ]; then echo "Info.plist $1 is '$got', expected '$2'" >&2; exit 1; fi
}
check_key CFBundleIdentifier "$bundle_id"
check_key CFBundleShortVersionString "$version"
check_key LSMinimumSystemVersion "$min_macos"
check_key NSHighResolutionCapable true
echo "Info.plist: $bundle_id $version, macOS >= $min_macos, high-DPI"

if [ -z "${SKIP_SELFTEST:-}" ]; then
  QT_QPA_PLATFORM=offscreen "$exe" --selftest
fi

# --- codesign --------------------------------------------------------------------------------
identity="${MACOS_SIGN_IDENTITY:-}"
if [ -n "$identity" ]; then
  sign() { codesign --force --timestamp --options runtime --sign "$identity" "$@"; }
  # Inside out: every Mach-O file, then each framework bundle, then the app itself. A
  # signature over a folder covers the signatures inside it, so the order matters.
  while IFS= read -r -d '' f; do
    if file -b "$f" | grep -q "Mach-O"; then sign "$f"; fi
  done < <(find "$app/Contents" -type f ! -path "$exe" -print0)
  while IFS= read -r -d '' fw; do sign "$fw"; done \
    < <(find "$app/Contents" -type d -name "*.framework" -print0 | sort -rz)
  sign --entitlements "$entitlements" "$exe"
  sign --entitlements "$entitlements" "$app"
  codesign --verify --deep --strict --verbose=2 "$app"
  echo "signed with hardened runtime: $identity"
else
  echo "skipping codesign: MACOS_SIGN_IDENTITY is not set (the app keeps PyInstaller's ad-hoc signature; other Macs will refuse to open it)"
fi

# --- DMG -------------------------------------------------------------------------------------
staging="$(mktemp -d)"; trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -quiet -volname "$name $version" -srcfolder "$staging" -ov -format UDZO \
  -fs HFS+ "$dmg"
if [ -n "$identity" ]; then
  codesign --force --timestamp --sign "$identity" "$dmg"
fi

# --- notarise + staple -----------------------------------------------------------------------
notary=()
if [ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]; then
  notary=(--keychain-profile "$NOTARY_KEYCHAIN_PROFILE")
elif [ -n "${APPLE_API_KEY_PATH:-}" ] && [ -n "${APPLE_API_KEY_ID:-}" ] && [ -n "${APPLE_API_ISSUER:-}" ]; then
  notary=(--key "$APPLE_API_KEY_PATH" --key-id "$APPLE_API_KEY_ID" --issuer "$APPLE_API_ISSUER")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  notary=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
fi
if [ -z "$identity" ]; then
  echo "skipping notarisation: the app is not signed"
elif ((${#notary[@]} == 0)); then
  echo "skipping notarisation: no notary credentials (NOTARY_KEYCHAIN_PROFILE, APPLE_API_KEY_*, or APPLE_ID/APPLE_TEAM_ID/APPLE_APP_PASSWORD)"
else
  result="$(xcrun notarytool submit "$dmg" "${notary[@]}" --wait --output-format json)"
  status="$(printf '%s' "$result" | "$py" -c 'import json,sys; print(json.load(sys.stdin).get("status",""))')"
  if [ "$status" != "Accepted" ]; then
    id="$(printf '%s' "$result" | "$py" -c 'import json,sys; print(json.load(sys.stdin).get("id",""))')"
    echo "notarisation $status (submission $id); the notary log:" >&2
    [ -n "$id" ] && xcrun notarytool log "$id" "${notary[@]}" >&2 || true
    exit 1
  fi
  xcrun stapler staple "$dmg"
  xcrun stapler validate "$dmg"
  spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
  echo "notarised and stapled"
fi

echo
echo "skins-console $version macOS-$arch"
echo "  app: $(du -sm "$app" | cut -f1) MB   dmg: $(du -sm "$dmg" | cut -f1) MB ($dmg)"
echo "  total: $(( $(date +%s) - t0 )) s"
