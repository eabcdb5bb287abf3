#!/usr/bin/env bash
# Build times of two revisions measured in one run: an incremental rebuild of the app after
# touching one core file, and the build of the core's tests alone after the same touch.
#
#   bench/build_times.sh BEFORE_REV [AFTER_REV]      (AFTER_REV defaults to HEAD)
#
# Each revision gets its own worktree under a temporary folder; both share one target folder
# for the dependencies (the project's own crates are built per worktree, as their paths differ).
# Prints the median of three runs for each figure. Not a test: figures, for the closing note.
set -euo pipefail
cd "$(dirname "$0")/.."
before=${1:?usage: bench/build_times.sh BEFORE_REV [AFTER_REV]}
after=${2:-HEAD}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/purser-target}"
work=$(mktemp -d "${TMPDIR:-/tmp}/purser-build-times.XXXXXX")
trap 'git worktree remove --force "$work/before" 2>/dev/null; git worktree remove --force "$work/after" 2>/dev/null; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

seconds() { # runs "$@" quietly, prints its wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

measure() { # name rev
  local name=$1 rev=$2 dir="$work/$1" core_file core_tests
  git worktree add --quiet --detach "$dir" "$rev"
  if [ -f "$dir/src-tauri/core/Cargo.toml" ]; then
    core_file="$dir/src-tauri/core/src/cost/budget.rs"
    # The same target as before the split (the core's unit tests), now in a crate of its own.
    core_tests=(cargo test --manifest-path "$dir/Cargo.toml" -p purser-core --lib --no-run)
  else
    core_file="$dir/src-tauri/src/cost/budget.rs"
    core_tests=(cargo test --manifest-path "$dir/Cargo.toml" --lib --no-run)
  fi
  # Warm up: everything built once, so each timed run is incremental.
  cargo build --manifest-path "$dir/Cargo.toml" >/dev/null 2>&1
  "${core_tests[@]}" >/dev/null 2>&1
  local app=() tests=()
  for _ in 1 2 3; do
    touch "$core_file"
    app+=("$(seconds cargo build --manifest-path "$dir/Cargo.toml")")
    touch "$core_file"
    tests+=("$(seconds "${core_tests[@]}")")
  done
  printf '%-7s %-12s app rebuild after touching %s: %6.1f s   core tests build: %6.1f s\n' \
    "$name" "$(git rev-parse --short "$rev")" "${core_file#"$dir"/}" \
    "$(printf '%s\n' "${app[@]}" | median)" "$(printf '%s\n' "${tests[@]}" | median)"
}

measure before "$before"
measure after "$after"
