#!/usr/bin/env python3
"""What each release-profile choice does to Purser's size, start-up and speed: one full release
build per choice, each measured the same way, in one table.

usage: bench/size_profiles.py [NAME ...] [--no-benches] [--keep]

For every choice (all of them, or the NAMEs given) the script, from a cold target folder of its
own under ~/.cache/purser-size/:
  - builds the .deb as the installed-app test does (`tauri build --bundles deb`), the choice
    passed to cargo as `--config` overrides of Cargo.toml's [profile.release];
  - prints the .deb's bytes and the binary's bytes;
  - measures start-up against the empty Tauri window (`../shared/floor-app/`, built once with
    its own stripped release profile) with `../shared/floor-app/startup_ratio.py`, same run,
    median of 10 alternating launches;
  - runs the chart and guard criterion benchmarks (`cargo bench -p purser-core --bench cost
    --bench guard`, same overrides) and prints each benchmark's median.
Rows are appended to ~/.cache/purser-size/results.jsonl as they finish, so a run cut short keeps
what it measured; the table printed at the end is every row in that file. Each build takes the
lock ~/.cache/purser-build.lock, so another cargo build that takes it (flock) waits its turn.
The target folder is removed after its row (--keep leaves it). Figures, not a test.
"""
import argparse
import fcntl
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

from display import start_xvfb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOOR = os.path.normpath(os.path.join(ROOT, "..", "shared", "floor-app"))
CACHE = os.path.expanduser("~/.cache/purser-size")
RESULTS = os.path.join(CACHE, "results.jsonl")
LOCK = os.path.expanduser("~/.cache/purser-build.lock")
TAURI_CLI = "@tauri-apps/cli@2.12.6"

# Crates Purser calls a few times a session at most (a Cost Explorer read, a Kubernetes object
# decoded, a keychain call, a PDF or PNG export), where smaller code costs nothing a user feels.
COLD = [
    "aws-config", "aws-credential-types", "aws-runtime", "aws-sdk-costexplorer", "aws-sdk-sso",
    "aws-sdk-ssooidc", "aws-sdk-sts", "aws-sigv4", "aws-smithy-http", "aws-smithy-json",
    "aws-smithy-query", "aws-smithy-runtime", "aws-smithy-runtime-api", "aws-smithy-types",
    "aws-smithy-xml", "aws-types", "k8s-openapi", "zbus", "zvariant", "secret-service", "resvg",
    "usvg", "tiny-skia", "krilla", "krilla-svg", "subsetter", "skrifa", "read-fonts",
    "rustybuzz", "ttf-parser", "fontdb", "async-openai", "notify-rust", "zip", "tar",
]

# Cargo.toml's profile before fat LTO was kept: every choice but the fat-LTO ones is measured on
# top of it, so each row still differs from the baseline by its own choice only.
THIN = ['profile.release.lto="thin"', "profile.release.codegen-units=4"]

CHOICES = [
    # The baseline every row's benchmarks are divided by: Cargo.toml's profile before fat LTO
    # was kept (its name stays "today" so rows measured before stay comparable).
    ("today", "thin LTO, 4 codegen units, opt-level 3, symbols stripped (Cargo.toml until fat LTO was kept)",
     THIN),
    ("cold-s", 'opt-level = "s" for the cold crates only (AWS SDK, k8s-openapi, zbus, resvg, '
               'PDF, fonts, OpenAI client, updater archives), hot code at 3',
     THIN + [f'profile.release.package."{c}".opt-level="s"' for c in COLD]),
    ("fat-lto", "fat LTO + one codegen unit", ['profile.release.lto="fat"', "profile.release.codegen-units=1"]),
    ("opt-s", 'opt-level = "s" for the whole binary', THIN + ['profile.release.opt-level="s"']),
    ("panic-abort", 'panic = "abort"', THIN + ['profile.release.panic="abort"']),
    ("opt-z", 'opt-level = "z" for the whole binary', THIN + ['profile.release.opt-level="z"']),
    ("cold-z", 'opt-level = "z" for the cold crates only',
     THIN + [f'profile.release.package."{c}".opt-level="z"' for c in COLD]),
    # The two smallest choices within the speed bound that change no behaviour, together; panic = "abort" left out on
    # purpose: a panic in one task (a guard round, a rollout watch) would close the whole app.
    ("fat-lto-cold-s", 'fat LTO + one codegen unit + opt-level = "s" for the cold crates',
     ['profile.release.lto="fat"', "profile.release.codegen-units=1"]
     + [f'profile.release.package."{c}".opt-level="s"' for c in COLD]),
]


class BuildLock:
    """One heavy cargo build at a time on this machine (2 cores)."""

    def __enter__(self):
        os.makedirs(os.path.dirname(LOCK), exist_ok=True)
        self.file = open(LOCK, "w")
        fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()


def config_args(overrides):
    return [arg for o in overrides for arg in ("--config", o)]


def run(cmd, env, cwd=ROOT, capture=False):
    started = time.monotonic()
    result = subprocess.run(cmd, cwd=cwd, env=env, check=True, text=True,
                            stdout=subprocess.PIPE if capture else None)
    return time.monotonic() - started, (result.stdout if capture else "")


def build_floor():
    """The empty Tauri window, built once (its own profile: release, stripped)."""
    target = os.path.join(CACHE, "floor-target")
    binary = os.path.join(target, "release", "tauri-trial")
    if not os.path.exists(binary):
        with BuildLock():
            run(["cargo", "build", "--release", "--features", "prod"], dict(os.environ, CARGO_TARGET_DIR=target),
                cwd=FLOOR)
    return binary


def startup_ratio(binary, floor):
    display, xvfb = start_xvfb(200)
    try:
        env = dict(os.environ, DISPLAY=display)
        out = subprocess.run([sys.executable, os.path.join(FLOOR, "startup_ratio.py"), binary, floor, "10"],
                             env=env, text=True, capture_output=True, check=True).stdout
    finally:
        xvfb.kill()
    match = re.search(r"purser ([\d.]+) s, empty Tauri ([\d.]+) s; ratio ([\d.]+)", out)
    if not match:
        raise RuntimeError(f"startup_ratio.py said: {out!r}")
    return {"purser_s": float(match[1]), "floor_s": float(match[2]), "ratio": float(match[3])}


UNITS = {"ps": 1e-6, "ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def benches(env, overrides):
    """Median of every chart and guard benchmark, in µs."""
    took, out = run(["cargo", "bench", "--locked", "-p", "purser-core", "--bench", "cost", "--bench", "guard",
                     *config_args(overrides), "--", "--noplot"], env, capture=True)
    figures = {}
    name = None
    for line in out.splitlines():
        match = re.match(r"^(\S.*?)\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if match:
            figures[match[1].strip()] = float(match[2]) * UNITS[match[3]]
            continue
        if line and not line.startswith(" ") and "time:" not in line:
            name = line.strip()
        match = re.match(r"^\s+time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]", line)
        if match and name:
            figures[name] = float(match[1]) * UNITS[match[2]]
    return took, figures


def measure(name, what, overrides, floor, with_benches, keep):
    target = os.path.join(CACHE, f"target-{name}")
    shutil.rmtree(target, ignore_errors=True)
    env = dict(os.environ, CARGO_TARGET_DIR=target)
    print(f"\n== {name}: {what}", flush=True)
    with BuildLock():
        took, _ = run(["npx", "--yes", TAURI_CLI, "build", "--bundles", "deb", "--ci", "--",
                       *config_args(overrides)], env)
    debs = glob.glob(os.path.join(target, "release", "bundle", "deb", "*.deb"))
    binary = os.path.join(target, "release", "purser")
    row = {"name": name, "what": what, "overrides": overrides, "build_s": round(took),
           "deb_bytes": os.path.getsize(debs[0]), "binary_bytes": os.path.getsize(binary),
           "measured": time.strftime("%Y-%m-%d %H:%M")}
    row["startup"] = startup_ratio(binary, floor)
    if with_benches:
        with BuildLock():
            row["bench_s"], row["benches"] = benches(env, overrides)
            row["bench_s"] = round(row["bench_s"])
    with open(RESULTS, "a") as f:
        f.write(json.dumps(row) + "\n")
    print_row(row)
    if not keep:
        shutil.rmtree(target, ignore_errors=True)


def print_row(row):
    s = row["startup"]
    print(f"  .deb {row['deb_bytes']:,} bytes ({row['deb_bytes'] / 2**20:.1f} MiB), binary {row['binary_bytes']:,} "
          f"bytes; start-up {s['purser_s']:.3f} s ÷ {s['floor_s']:.3f} s = {s['ratio']:.2f}; build {row['build_s']} s")
    for bench, us in sorted(row.get("benches", {}).items()):
        print(f"    {bench}: {us:,.1f} µs")
    sys.stdout.flush()


def table():
    if not os.path.exists(RESULTS):
        return
    rows = [json.loads(line) for line in open(RESULTS) if line.strip()]
    today = next((r for r in reversed(rows) if r["name"] == "today"), None)
    print("\n| choice | .deb bytes | binary bytes | start-up ÷ empty window | benchmarks vs today |")
    print("|---|---|---|---|---|")
    for r in rows:
        slower = ""
        if today and r.get("benches") and today.get("benches"):
            ratios = [r["benches"][b] / today["benches"][b] for b in r["benches"] if b in today["benches"]]
            if ratios:
                slower = f"worst {max(ratios):.2f}×, best {min(ratios):.2f}×"
        print(f"| {r['what']} | {r['deb_bytes']:,} ({r['deb_bytes'] / 2**20:.1f} MiB) | {r['binary_bytes']:,} | "
              f"{r['startup']['ratio']:.2f} | {slower or 'not run'} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="choices to measure (default: all)")
    parser.add_argument("--no-benches", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep each choice's target folder")
    parser.add_argument("--table", action="store_true", help="only print the table of rows measured so far")
    args = parser.parse_args()
    if not args.table:
        os.makedirs(CACHE, exist_ok=True)
        floor = build_floor()
        known = {name for name, _, _ in CHOICES}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            sys.exit(f"unknown choice(s) {unknown}; known: {sorted(known)}")
        for name, what, overrides in CHOICES:
            if not args.names or name in args.names:
                measure(name, what, overrides, floor, not args.no_benches, args.keep)
    table()


if __name__ == "__main__":
    main()
