#!/usr/bin/env python3
"""The crates built into Purser's executable, with their licences, per desktop target, for the
About box: writes src-tauri/core/licences.json from `cargo metadata` (from Cargo.lock; the
crates of the other targets are fetched from crates.io first if the cache lacks them).

usage: scripts/licences.py [--check]

--check: exit 1 (and say what to run) when the committed file is not what Cargo.lock gives
today, so the About box never lists crates Purser no longer ships. The test script runs it.
(A licence tool such as cargo-about would have to be built first; this needs only cargo.)"""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src-tauri", "core", "licences.json")
# The targets the release workflow builds (the universal macOS build is both Apple ones).
TARGETS = {
    "linux": "x86_64-unknown-linux-gnu",
    "macos": "aarch64-apple-darwin",
    "windows": "x86_64-pc-windows-msvc",
}


def fetch():
    """Downloads the crates of every target that are not in Cargo's cache yet: a machine that
    has only built for Linux has never fetched the macOS or Windows ones (`cargo metadata
    --offline` then fails). Only crates.io is asked, at the versions Cargo.lock pins."""
    done = subprocess.run(
        ["cargo", "fetch", "--locked"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if done.returncode != 0:
        sys.exit(f"could not download the other systems' crates from crates.io:\n{done.stderr}")


def shipped(target):
    """(name, version, licence) of every crate the `purser` executable links on `target`."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--offline", "--locked", "--filter-platform", target],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    meta = json.loads(out)
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    root = next(p["id"] for p in meta["packages"] if p["name"] == "purser" and p["source"] is None)
    seen, todo = set(), [root]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for dep in nodes[node]["deps"]:
            # Normal dependencies only: build scripts' and tests' crates are not shipped.
            if any(kind["kind"] is None for kind in dep["dep_kinds"]):
                todo.append(dep["pkg"])
    crates = []
    for node in seen:
        package = packages[node]
        if package["source"] is None:
            continue  # Purser's own crates
        licence = package.get("license") or f"see {package.get('license_file') or 'the crate'}"
        crates.append([package["name"], package["version"], licence])
    return sorted(crates)


def main():
    # One crate per line, so a dependency change shows as a readable diff.
    fetch()
    parts = []
    for os_name, target in TARGETS.items():
        rows = ",\n".join(json.dumps(crate) for crate in shipped(target))
        parts.append(f"{json.dumps(os_name)}: [\n{rows}\n]")
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    if "--check" in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                print("src-tauri/core/licences.json is out of date with Cargo.lock: run scripts/licences.py")
                sys.exit(1)
        return
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
