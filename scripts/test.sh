#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: formatting and lint checks, the rule
# that the core knows nothing of Tauri, unit tests, the core's integration tests against real
# local peers (a private Secret Service, moto for AWS, local HTTP servers for OpenAI, the
# Kubernetes API test server checked with kubectl), command-layer tests on Tauri's mock runtime,
# end-to-end tests in the real window, and the installed .deb driven the same way (Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_deps test

say "Checking formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

if [ -x "$HOME/.cache/purser-venv/bin/check-jsonschema" ]; then
  say "Checking the release workflow against GitHub's workflow schema"
  "$HOME/.cache/purser-venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows \
    .github/workflows/release.yml
fi

say "Checking the dependency tree: licences, banned crates, sources (deny.toml)"
# Advisories need the RustSec database from GitHub, which these machines cannot reach.
cargo deny --locked check bans licenses sources

say "Checking that the About box lists the crates Cargo.lock ships"
python3 scripts/licences.py --check

say "Checking file and function sizes"
python3 scripts/check-sizes.py

say "Unit tests of the window's logic (node --test)"
node --test ui/tests/*.test.mjs

say "Checking that no two of purser-core's modules import each other"
python3 scripts/check-cycles.py

say "Checking that purser-core and purser-guard depend on no Tauri crate"
for crate in purser-core purser-guard; do
  tauri_in=$(cargo tree --locked -p "$crate" -e normal,build,dev --prefix none --format '{p}' |
    grep -E '^(tauri|wry|tao|webkit2gtk|gtk|javascriptcore)' | sort -u || true)
  if [ -n "$tauri_in" ]; then
    say "$crate must not depend on Tauri or WebKit, but its tree has: $tauri_in"
    exit 1
  fi
done

say "Running the tests"
if [ "$(uname -s)" = Linux ]; then
  # The end-to-end tests start their own Xvfb; never pop windows onto the user's screen.
  unset DISPLAY WAYLAND_DISPLAY
  # A private, unlocked Secret Service for the keychain tests (never the user's own).
  scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast -- "$@"
  if command -v apt-get >/dev/null 2>&1; then
    say "Building, installing, driving and removing the .deb"
    scripts/installed-app.sh
  fi
else
  # WebKitWebDriver (the end-to-end driver) exists only on Linux.
  say "End-to-end tests need Linux; running the core's tests and the command-layer tests only"
  cargo test --locked -p purser-core -p purser-kubesim --lib -- "$@"
  cargo test --locked --test ipc --test ipc_guard -- "$@"
fi
