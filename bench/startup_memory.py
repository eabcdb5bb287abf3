#!/usr/bin/env python3
"""Start-up time and idle memory of the release build, under Xvfb. Prints figures; asserts nothing.

  cold start -> UI ready: from spawning `purser` until the page has rendered and the first
                          command (app_status) has been answered, which Purser logs as `ui-ready`;
                          median over N launches, each with fresh, empty app folders.
  memory:                 PSS (proportional set size) of the whole process tree — the app plus
                          WebKit's web and network processes — after 60 s idle and after 10 min.

Usage: bench/startup_memory.py [--launches 10] [--short 60] [--long 600] [--no-build]
Goals (issue #2): start <= 0.6 s, PSS <= 300 MB, growth over the idle period <= 5 %.
"""

import argparse
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from display import start_xvfb

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/purser-target"))
BINARY = TARGET / "release" / "purser"


def build():
    subprocess.run(["cargo", "build", "--release", "--features", "prod"], cwd=ROOT, check=True)


def launch(display, home):
    env = dict(os.environ, DISPLAY=display, PURSER_LOG="info", NO_COLOR="1",
               XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
               XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state")
    env.pop("WAYLAND_DISPLAY", None)
    started = time.perf_counter()
    proc = subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    return proc, started


def wait_ready(proc, started, timeout=60):
    """Seconds from spawn until the `ui-ready` log line appears on stderr."""
    buffered = b""
    deadline = started + timeout
    while time.perf_counter() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.05)
        if ready:
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                break
            buffered += chunk
            if b"ui-ready" in buffered:
                return time.perf_counter() - started
    raise RuntimeError("Purser did not report ui-ready; stderr:\n" + buffered.decode(errors="replace"))


def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # WebKit helpers may linger for a moment after the app; make sure the group is gone.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def group_pss_kib(pgid):
    """Sum of PSS over every process in the group, and their names."""
    total, names = 0, []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
            names.append((entry / "comm").read_text().strip())
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total, sorted(names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=10)
    parser.add_argument("--short", type=int, default=60, help="first memory reading, seconds idle")
    parser.add_argument("--long", type=int, default=600, help="second memory reading, seconds idle")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    if not args.no_build:
        build()
    display, xvfb = start_xvfb(150)
    try:
        times = []
        for _ in range(args.launches):
            home = tempfile.mkdtemp(prefix="purser-bench-")
            proc, started = launch(display, home)
            try:
                times.append(wait_ready(proc, started))
            finally:
                stop(proc)
                shutil.rmtree(home, ignore_errors=True)
        print(f"cold start -> UI ready, {len(times)} launches: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f})")

        home = tempfile.mkdtemp(prefix="purser-bench-")
        proc, started = launch(display, home)
        try:
            wait_ready(proc, started)
            time.sleep(max(0.0, args.short - (time.perf_counter() - started)))
            first, names = group_pss_kib(proc.pid)
            print(f"PSS after {args.short} s idle: {first / 1024:.1f} MB  ({', '.join(names)})")
            time.sleep(max(0.0, args.long - (time.perf_counter() - started)))
            second, _ = group_pss_kib(proc.pid)
            growth = (second - first) / first * 100 if first else float("nan")
            print(f"PSS after {args.long} s idle: {second / 1024:.1f} MB  (growth {growth:+.1f} %)")
        finally:
            stop(proc)
            shutil.rmtree(home, ignore_errors=True)
    finally:
        os.killpg(xvfb.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
