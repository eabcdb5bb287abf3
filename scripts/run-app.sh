#!/usr/bin/env bash
# Installs what is missing, builds Purser (release) and opens it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_deps
say "Building Purser (the first build takes several minutes)"
cargo run --release --features prod
