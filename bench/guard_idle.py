#!/usr/bin/env python3
"""Purser closed to the tray with the budget guard on: idle CPU and memory over 10 minutes.

usage: bench/guard_idle.py [PURSER_BIN] [MINUTES]   (PURSER_BIN "" or absent: the release build)

Starts Purser under its own Xvfb with fresh folders, a budget and a guard policy on, waits
for the window, closes it as a window manager does (WM_DELETE_WINDOW), checks that Purser
stayed running (hidden to the tray), then samples the whole process tree (Purser and its
WebKit processes): CPU time used over the period as a share of one core, and PSS at the
start and the end. Prints figures; asserts nothing. Needs python-xlib, installed on first run
into ~/.cache/purser-bench-venv (from PyPI)."""
import json
import os
import subprocess
import sys
import tempfile
import time

VENV = os.path.expanduser("~/.cache/purser-bench-venv")


def in_venv():
    try:
        import Xlib  # noqa: F401
        return True
    except ImportError:
        return False


if not in_venv():
    if not os.path.exists(f"{VENV}/bin/python"):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([f"{VENV}/bin/pip", "install", "--quiet", "python-xlib"], check=True)
    os.execv(f"{VENV}/bin/python", [f"{VENV}/bin/python", *sys.argv])

from Xlib import X, display, protocol  # noqa: E402

from proc_tree import cpu_seconds, pss_mb, tree  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/purser-target"))
BINARY = (sys.argv[1] if len(sys.argv) > 1 else "") or f"{TARGET}/release/purser"
MINUTES = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
APP_ID = "dev.purser.desktop"


def prepare(home):
    config = f"{home}/.config/{APP_ID}"
    data = f"{home}/.local/share/{APP_ID}"
    os.makedirs(config)
    os.makedirs(data)
    with open(f"{config}/settings.json", "w") as f:
        json.dump({"version": 2, "budgetAmount": 800.0}, f)
    key = json.dumps(["purser-sandbox", "default", "assistant"])
    with open(f"{data}/guard.json", "w") as f:
        json.dump({"version": 1, "apps": {key: {"policy": {"mode": "notify"}}}}, f)


def close_window(d, title="Purser"):
    """Sends WM_DELETE_WINDOW to the window titled `title`, as a window manager does."""
    wm_protocols = d.intern_atom("WM_PROTOCOLS")
    wm_delete = d.intern_atom("WM_DELETE_WINDOW")
    found = []

    def walk(window):
        try:
            if window.get_wm_name() == title:
                found.append(window)
            for child in window.query_tree().children:
                walk(child)
        except Exception:
            pass

    walk(d.screen().root)
    for window in found:
        event = protocol.event.ClientMessage(
            window=window, client_type=wm_protocols, data=(32, [wm_delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(event, event_mask=X.NoEventMask)
    d.flush()
    return len(found)


def main():
    home = tempfile.mkdtemp(prefix="purser-idle-")
    prepare(home)
    xvfb = subprocess.Popen(["Xvfb", ":97", "-screen", "0", "1280x800x24"], stderr=subprocess.DEVNULL)
    time.sleep(1)
    env = dict(os.environ, HOME=home, DISPLAY=":97", XDG_CONFIG_HOME=f"{home}/.config",
               XDG_DATA_HOME=f"{home}/.local/share", XDG_CACHE_HOME=f"{home}/.cache")
    env.pop("WAYLAND_DISPLAY", None)
    app = subprocess.Popen([BINARY], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        deadline = time.time() + 60
        for line in app.stdout:
            if "ui-ready" in line or time.time() > deadline:
                break
        # Drain the log so Purser never blocks on a full pipe.
        subprocess.Popen(["cat"], stdin=app.stdout, stdout=subprocess.DEVNULL)
        time.sleep(5)
        closed = close_window(display.Display(":97"))
        time.sleep(3)
        if app.poll() is not None:
            print(f"Purser quit when its window was closed ({closed} window(s) asked): nothing to measure")
            return
        # Past the first guard check (30 s after start) and settled.
        time.sleep(40)
        pids = tree(app.pid)
        cpu0, pss0, t0 = cpu_seconds(pids), pss_mb(pids), time.time()
        time.sleep(MINUTES * 60)
        pids = tree(app.pid)
        cpu1, pss1, t1 = cpu_seconds(pids), pss_mb(pids), time.time()
        share = (cpu1 - cpu0) / (t1 - t0) * 100
        growth = (pss1 - pss0) / pss0 * 100 if pss0 else float("nan")
        print(f"closed to the tray with the guard on, {MINUTES:g} min, {len(pids)} processes: "
              f"CPU {share:.2f} % of one core (goal < 1 %); PSS {pss0:.1f} MB → {pss1:.1f} MB "
              f"({growth:+.1f} %, goal ≤ 5 %)")
    finally:
        os.killpg(app.pid, 15)
        xvfb.terminate()


main()
