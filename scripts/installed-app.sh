#!/usr/bin/env bash
# The installed app, as a Debian or Ubuntu user gets it: builds the .deb with the Tauri bundler
# (reusing the release build when nothing changed), installs it with apt, checks that the
# desktop entry starts the installed binary, drives the installed window through WebDriver
# (tests/installed_app.rs: sections, the sandbox, a setting and the window size across a
# restart, the About box), removes the package and checks that nothing of it is left but the
# user's own data. Run by scripts/test.sh on Debian/Ubuntu; apt needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
fail() { say "installed app: $*"; exit 1; }

# The bundler's own needs: node for its CLI (from npm), the tray library's development files.
command -v npx >/dev/null 2>&1 || ensure_apt_packages nodejs npm
ensure_apt_packages libayatana-appindicator3-dev

bundle="$CARGO_TARGET_DIR/release/bundle/deb"
rm -f "$bundle"/*.deb
say "Building the .deb"
npx --yes @tauri-apps/cli@2.12.6 build --bundles deb --ci
deb=$(find "$bundle" -name '*.deb' | head -n 1)
[ -n "$deb" ] || fail "the bundler made no .deb under $bundle"
say "$(basename "$deb"): $(du -h "$deb" | cut -f1)"
package=$(dpkg-deb -f "$deb" Package)

say "Installing $(basename "$deb") with apt"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >/dev/null
remove() { as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$package" >/dev/null; }
trap 'remove 2>/dev/null || true' EXIT
files=$(dpkg -L "$package")

entry=$(grep -E '^/usr/share/applications/.*\.desktop$' <<<"$files" | head -n 1)
[ -n "$entry" ] || fail "the package has no desktop entry"
exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$entry")
binary=$(command -v "$exec_name" || true)
[ "$binary" = /usr/bin/purser ] || fail "$entry starts '$exec_name', which is not the installed /usr/bin/purser"
grep -qx "$binary" <<<"$files" || fail "$binary is not the package's"
grep -q '^Name=Purser$' "$entry" || fail "$entry does not name Purser"
say "Desktop entry $entry starts $binary"

say "Driving the installed window"
PURSER_APP="$binary" scripts/with-keyring.sh cargo test --locked --test installed_app

# The user's own data: what the installed app writes when it starts (settings, log).
user_home=$(mktemp -d)
trap 'remove 2>/dev/null || true; rm -rf "$user_home"' EXIT
XDG_CONFIG_HOME="$user_home/config" XDG_DATA_HOME="$user_home/data" XDG_CACHE_HOME="$user_home/cache" \
  KUBECONFIG="$user_home/kubeconfig" timeout 60 xvfb-run -a "$binary" >/dev/null 2>&1 &
runner=$!
for _ in $(seq 1 300); do
  [ -n "$(find "$user_home/data" -name '*.log' 2>/dev/null)" ] && break
  sleep 0.1
done
pkill -f "^$binary" || true
wait "$runner" 2>/dev/null || true
user_files=$(find "$user_home" -type f | sort)
[ -n "$user_files" ] || fail "the installed app wrote nothing to the user's folders"

say "Removing the package"
remove
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
  fail "$package is still installed"
fi
left=""
while IFS= read -r path; do
  [ -f "$path" ] || [ -L "$path" ] && left+="$path "
done <<<"$files"
[ -z "$left" ] || fail "left behind by the removal: $left"
[ "$(find "$user_home" -type f | sort)" = "$user_files" ] || fail "the removal touched the user's own data"
say "Installed, driven, removed: nothing of the package is left; the user's data is kept"
