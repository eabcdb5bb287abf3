#!/usr/bin/env python3
"""Purser on a big, busy namespace: memory, CPU, bytes from the API server and scale latency,
for this revision and a baseline revision, in one run.

usage: bench/busy_cluster.py [--minutes 10] [--baseline REV|none] [--only NAME]
                             [--scale-every 30] [--page-script JS]

The load (src-tauri/kubesim/examples/busy_cluster.rs, the simulated API server in its own
process): 200 other apps with 10 pods each (2,000 pods), 50 Events per second about their pods,
and Purser's app "assistant" with 10 copies. Purser's release build runs under its own Xvfb
through tauri-driver; the bench connects it to the namespace, opens the app's status and leaves
it showing for MINUTES, scaling the app 10 -> 20 -> 10 every 30 s (--scale-every; 0 never scales,
to tell what the cluster's traffic costs from what the user's clicks cost). --page-script runs a
piece of JavaScript in the page once the status shows (to switch a suspect off while hunting
what grows). Purser reaches the server
through a counting proxy, so the bytes are those Purser received.

Printed per run (the same load with no other apps gives the bytes' reference):
  - PSS of Purser's whole process tree (Purser and its WebKit processes) after the status first
    shows, and at the end;
  - CPU of that tree over the period, as a share of one core;
  - bytes received from the API server over the period;
  - scale latency: from the click on Apply to the status showing the new count of copies
    (and to "Ready: N of N"), median, p95 and worst.
The baseline (default 0cb70c3, the rollout watch before it was narrowed to the app's objects:
it watched every Event in the namespace) is built once in a temporary worktree and cached under
~/.cache/purser-bench/. Not a test: figures for the closing note and the README.
"""
import argparse
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from display import start_xvfb
from proc_tree import cpu_seconds, pss_mb, tree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/purser-target"))
CACHE = os.path.expanduser("~/.cache/purser-bench")
APP = "assistant"


# ---------------------------------------------------------------- builds

def cargo(*args, cwd=ROOT, env=None):
    subprocess.run(["cargo", *args], cwd=cwd, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET, **(env or {})))


def build_current():
    cargo("build", "--release", "--features", "prod")
    cargo("build", "--release", "-p", "purser-kubesim", "--example", "busy_cluster")
    return f"{TARGET}/release/purser", f"{TARGET}/release/examples/busy_cluster"


def build_baseline(rev):
    """The release binary of `rev`, built once in a temporary worktree and cached."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    cached = f"{CACHE}/purser-{sha}"
    if os.path.exists(cached):
        return cached, sha
    os.makedirs(CACHE, exist_ok=True)
    work = tempfile.mkdtemp(prefix="purser-baseline-")
    tree = f"{work}/tree"
    subprocess.run(["git", "worktree", "add", "--quiet", "--detach", tree, sha], cwd=ROOT, check=True)
    try:
        # The same release profile as today's, so the dependencies' builds are shared.
        cargo("build", "--release", "--features", "prod", cwd=tree, env={"CARGO_PROFILE_RELEASE_STRIP": "symbols"})
        shutil.copy(f"{TARGET}/release/purser", cached)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", tree], cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)
    return cached, sha


# ---------------------------------------------------------------- processes

def pss_by_process(pids):
    """PSS (MB) per process name, e.g. {'purser': 80.1, 'WebKitWebProces': 190.2, ...}."""
    split = collections.Counter()
    for p in pids:
        try:
            with open(f"/proc/{p}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        split[name] += pss_mb([p])
    return split


# What the page holds, read in the page: its element count, and the IPC callbacks Tauri keeps
# for it (a Channel's or an invoke's, as `window._<id>` properties or the internals' map).
PAGE_COUNTS = """
const internals = window.__TAURI_INTERNALS__ || {};
const held = internals.callbacks instanceof Map ? internals.callbacks.size
  : Object.keys(window).filter((k) => /^_\\d+$/.test(k)).length;
return [document.getElementsByTagName('*').length, held];
"""


def sample(session, pids):
    """One minute's figures: PSS of the whole tree and of the web process, the page's counts."""
    split = pss_by_process(pids)
    web = sum(mb for name, mb in split.items() if name.startswith("WebKitWebProces"))
    nodes, callbacks = session.run(PAGE_COUNTS)
    return {"pss": round(sum(split.values()), 1), "web": round(web, 1), "nodes": nodes, "callbacks": callbacks}


def find_process(binary):
    real = os.path.realpath(binary)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.path.realpath(f"/proc/{entry}/exe") == real:
                    return int(entry)
            except OSError:
                pass
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that counts the bytes the server sends to Purser."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.received = 0
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server = socket.create_connection(("127.0.0.1", self.upstream))
            server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self.pipe, args=(server, client, True), daemon=True).start()

    def pipe(self, source, sink, count):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if count:
                    with self.lock:
                        self.received += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def bytes(self):
        with self.lock:
            return self.received


# ---------------------------------------------------------------- WebDriver

class Session:
    """A W3C WebDriver session through tauri-driver (the minimum this bench needs)."""

    def __init__(self, driver_port, binary):
        self.base = f"http://127.0.0.1:{driver_port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": binary}}}}
        deadline = time.time() + 60
        while True:
            try:
                self.id = self.call("POST", "/session", caps)["sessionId"]
                break
            except (urllib.error.URLError, ConnectionError, KeyError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.call("POST", f"/session/{self.id}/timeouts", {"script": 120_000})

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=180) as response:
            return json.loads(response.read())["value"]

    def run(self, script, *args):
        return self.call("POST", f"/session/{self.id}/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script, *args):
        return self.call("POST", f"/session/{self.id}/execute/async", {"script": script, "args": list(args)})

    def wait(self, what, script, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.run(script):
                return
            time.sleep(0.2)
        raise RuntimeError(f"timed out waiting for {what}")

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.id}")
        except Exception:
            pass


OPEN_APP = """
const [context] = arguments;
[...document.querySelectorAll('nav button')].find((b) => b.dataset.section === 'deployment'
  || b.textContent.trim() === 'Deployment').click();
const select = document.getElementById('kube-context');
select.value = context;
select.dispatchEvent(new Event('change'));
setTimeout(() => document.getElementById('kube-connect').click(), 500);
"""

PICK_APP = """
const select = document.getElementById('app-existing');
if (![...select.options].some((o) => o.value === arguments[0])) return false;
select.value = arguments[0];
select.dispatchEvent(new Event('change'));
return true;
"""

# Clicks Apply with N copies and answers [ms until the count shows, ms until all are ready].
SCALE = """
const [n, done] = arguments;
const desired = document.getElementById('count-desired');
const summary = document.getElementById('rollout-summary');
const input = document.getElementById('scale-number');
input.value = String(n);
input.dispatchEvent(new Event('input'));
let shown = null;
let observer;
const finish = (ready) => { observer.disconnect(); done([shown, ready]); };
const t0 = performance.now();
const look = () => {
  if (shown === null && desired.textContent === String(n)) shown = performance.now() - t0;
  if (shown !== null && summary.dataset.phase === 'complete') finish(performance.now() - t0);
};
observer = new MutationObserver(look);
observer.observe(document.getElementById('rollout-card'),
  { subtree: true, childList: true, characterData: true, attributes: true });
setTimeout(() => finish(null), 60000);
document.getElementById('scale-apply').click();
"""


# ---------------------------------------------------------------- one run

def stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, 15)
        except ProcessLookupError:
            pass
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(share * len(ordered) + 0.5)) - 1))]


def one_run(name, binary, server_bin, other_apps, minutes, scale_every=30, page_script=None):
    home = tempfile.mkdtemp(prefix="purser-busy-")
    kubeconfig = f"{home}/server-kubeconfig"
    print(f"[{name}] starting the server ({other_apps} other apps)...", flush=True)
    server = subprocess.Popen([server_bin, kubeconfig, str(other_apps), "10", "50" if other_apps else "0", "10"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
    line = server.stdout.readline()
    if not line.startswith("ready"):
        raise RuntimeError(f"the server did not start: {line!r}")
    upstream = int(open(kubeconfig).read().split("https://127.0.0.1:")[1].split()[0].strip("/\"'"))
    proxy = CountingProxy(upstream)
    with open(kubeconfig) as f:
        text = f.read().replace(f"127.0.0.1:{upstream}", f"127.0.0.1:{proxy.port}")
    with open(f"{home}/kubeconfig", "w") as f:
        f.write(text)
    display, xvfb = start_xvfb(120)
    env = dict(os.environ, DISPLAY=display, LANG="C.UTF-8", KUBECONFIG=f"{home}/kubeconfig",
               XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
               XDG_CACHE_HOME=f"{home}/cache", XDG_STATE_HOME=f"{home}/state")
    for var in ("WAYLAND_DISPLAY", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        env.pop(var, None)
    port, native = free_port(), free_port()
    driver_bin = shutil.which("tauri-driver") or os.path.expanduser("~/.cargo/bin/tauri-driver")
    driver = subprocess.Popen([driver_bin, "--port", str(port), "--native-port", str(native)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    session = None
    try:
        wait_port(port, "tauri-driver")
        session = Session(port, binary)
        session.wait("the window", "return document.body.dataset.ready === 'true'")
        session.run(OPEN_APP, "busy")
        session.wait("the app list", f"return [...document.getElementById('app-existing').options].some((o) => o.value === '{APP}')")
        session.run(PICK_APP, APP)
        session.wait("the app's status", "return document.getElementById('rollout-summary').dataset.phase === 'complete'"
                     " && document.getElementById('count-ready').textContent === '10'")
        if page_script:
            session.run(page_script)
        pid = find_process(binary)
        time.sleep(10)
        pids = tree(pid)
        start = {"pss": pss_mb(pids), "cpu": cpu_seconds(pids), "bytes": proxy.bytes(), "at": time.time(),
                 "server_cpu": cpu_seconds([server.pid]), "split": pss_by_process(pids)}
        samples = []
        next_sample = start["at"] + 60
        shown, ready = [], []
        copies = 10
        end_at = start["at"] + minutes * 60
        next_scale = start["at"] + (scale_every or float("inf"))
        while True:
            now = time.time()
            if now >= end_at:
                break
            if now >= next_sample:
                samples.append(sample(session, tree(pid)))
                next_sample += 60
            if now >= next_scale and end_at - now > 25:
                copies = 20 if copies == 10 else 10
                shown_ms, ready_ms = session.run_async(SCALE, copies)
                if shown_ms is not None:
                    shown.append(shown_ms)
                if ready_ms is not None:
                    ready.append(ready_ms)
                next_scale += scale_every
            time.sleep(min(1.0, max(0.0, end_at - time.time())))
        pids = tree(pid)
        seconds = time.time() - start["at"]
        result = {
            "run": name,
            "pss_start": start["pss"], "pss_end": pss_mb(pids), "samples": samples,
            "split_start": start["split"], "split_end": pss_by_process(pids),
            "cpu_percent": 100 * (cpu_seconds(pids) - start["cpu"]) / seconds,
            "bytes": proxy.bytes() - start["bytes"],
            "server_cpu_percent": 100 * (cpu_seconds([server.pid]) - start["server_cpu"]) / seconds,
            "scales": len(shown), "shown": shown, "ready": ready, "minutes": seconds / 60,
        }
    finally:
        if session:
            session.close()
        stop(driver)
        stop(xvfb)
        try:
            server.stdin.close()
            result_line = server.stdout.readline().strip()
        except (OSError, ValueError):
            result_line = ""
        stop(server)
        shutil.rmtree(home, ignore_errors=True)
    result["events"] = result_line
    return result


def report(r):
    def ms(values):
        if not values:
            return "none"
        return f"median {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms, worst {max(values):.0f} ms"
    print(f"\n== {r['run']} ({r['minutes']:.1f} min; {r['events']})")
    print(f"  PSS of Purser's process tree: {r['pss_start']:.1f} -> {r['pss_end']:.1f} MB "
          f"(growth {r['pss_end'] - r['pss_start']:+.1f} MB)")
    print("  each minute: PSS of the tree / of the web process (MB), the page's elements and IPC callbacks:")
    for i, m in enumerate(r['samples'], 1):
        print(f"    {i:2d}: {m['pss']:.1f} / {m['web']:.1f} MB, {m['nodes']} elements, {m['callbacks']} callbacks")
    split = ", ".join(f"{name} {r['split_start'][name]:.1f} -> {r['split_end'].get(name, 0):.1f}"
                      for name in sorted(r['split_start']))
    print(f"  by process: {split}")
    print(f"  CPU: {r['cpu_percent']:.2f} % of one core on average (the server: {r['server_cpu_percent']:.1f} %)")
    print(f"  bytes from the API server: {r['bytes'] / 1e6:.2f} MB")
    print(f"  scale -> new count shown ({r['scales']} scales): {ms(r['shown'])}")
    print(f"  scale -> all copies ready: {ms(r['ready'])}")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--baseline", default="0cb70c3", help="a revision to compare with, or 'none'")
    parser.add_argument("--only", help="run only the runs whose name contains this")
    parser.add_argument("--scale-every", type=float, default=30.0, help="seconds between scales; 0: never")
    parser.add_argument("--page-script", help="JavaScript run in the page once the status shows")
    args = parser.parse_args()
    current, server_bin = build_current()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
    runs = [
        (f"this revision ({head}), busy namespace", current, 200),
        (f"this revision ({head}), only the app", current, 0),
    ]
    sha = "none"
    if args.baseline != "none":
        baseline, sha = build_baseline(args.baseline)
        runs += [
            (f"baseline ({sha}), busy namespace", baseline, 200),
            (f"baseline ({sha}), only the app", baseline, 0),
        ]
    results = {}
    for name, binary, others in runs:
        if args.only and args.only not in name:
            continue
        results[name] = one_run(name, binary, server_bin, others, args.minutes, args.scale_every, args.page_script)
        report(results[name])
    print("\n== bytes, busy ÷ only the app")
    for label in (f"this revision ({head})", f"baseline ({sha})"):
        busy = results.get(f"{label}, busy namespace")
        quiet = results.get(f"{label}, only the app")
        if busy and quiet and quiet["bytes"]:
            print(f"  {label}: {busy['bytes'] / quiet['bytes']:.2f}×")


if __name__ == "__main__":
    main()
