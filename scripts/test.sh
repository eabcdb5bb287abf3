#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: formatting and lint checks, unit tests,
# command-layer tests on Tauri's mock runtime, integration tests against real local peers (a
# private Secret Service, moto for AWS, local HTTP servers for OpenAI) and end-to-end tests in
# the real window (Linux).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_deps test

say "Checking formatting and lints"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings

say "Running the tests"
if [ "$(uname -s)" = Linux ]; then
  # The end-to-end tests start their own Xvfb; never pop windows onto the user's screen.
  unset DISPLAY WAYLAND_DISPLAY
  # A private, unlocked Secret Service for the keychain tests (never the user's own).
  scripts/with-keyring.sh cargo test --locked --no-fail-fast -- "$@"
else
  # WebKitWebDriver (the end-to-end driver) exists only on Linux.
  say "End-to-end tests need Linux; running the unit and command-layer tests only"
  cargo test --locked --lib --test ipc -- "$@"
fi
