#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with its own unlocked GNOME Keyring — a real
# Secret Service that tests can write to without touching the user's own keychain.
set -euo pipefail
dir=$(mktemp -d "${TMPDIR:-/tmp}/purser-keyring.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -m 700 "$dir/run"
mkdir "$dir/data"
export XDG_RUNTIME_DIR="$dir/run" XDG_DATA_HOME="$dir/data"
exec dbus-run-session -- sh -c \
  'printf purser-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
  sh "$@"
