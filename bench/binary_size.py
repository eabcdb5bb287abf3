#!/usr/bin/env python3
"""What Purser's release binary is made of, crate by crate, and what the .deb weighs.

usage: bench/binary_size.py [TOP] [--no-build]

Builds the release binary once more with its symbols kept (`cargo rustc ... -C strip=none`:
only the final crate is rebuilt, the dependencies are the release build's), sums the sizes of
its code and data symbols by the crate they belong to (the first path segment of the
demangled name; `<T as Trait>` counts for T's crate, and std's generic code made for another
crate's types counts for that crate), prints the TOP crates (default 30) and a summary by what
they are for. --no-build analyses the unstripped copy the last run kept.
Then prints the stripped binary's and the last built .deb's sizes. cargo-bloat does the same
attribution but can only build the binary itself, with the profile's `strip` turned off for
every crate, which means a full release rebuild; this reuses the build. Figures, not a test.
"""
import collections
import glob
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/purser-target"))
TOP = next((int(a) for a in sys.argv[1:] if a.isdigit()), 30)

# C and assembly linked in by crates, named by their symbol prefixes.
C_PREFIXES = {"ring_core_": "ring", "GFp_": "ring", "sqlite3": "libsqlite3-sys", "ZSTD_": "zstd-sys"}
CRATE = re.compile(r"^(?:[<&*\s]|dyn |impl |const |mut )*([A-Za-z_][A-Za-z0-9_]*)::")


STD = {"core", "alloc", "std"}
IDENT = re.compile(r"(?:^|[<\s(&,\[*])([A-Za-z_][A-Za-z0-9_]*)::")
# Crates that come together, for a summary by what they are for.
FAMILIES = [
    ("AWS SDK", ("aws_", "aws-")),
    ("Kubernetes (kube, k8s-openapi, json-patch, yaml)", ("kube", "k8s_openapi", "json_patch", "serde_saphyr", "serde_yaml", "jsonpath")),
    ("Tauri, WebKitGTK bindings, menus, tray", ("tauri", "wry", "tao", "gtk", "gdk", "glib", "gio", "webkit2gtk", "javascriptcore", "soup", "muda", "tray_icon", "cairo", "pango", "atk", "libappindicator")),
    ("D-Bus (keychain, notifications, single instance)", ("zbus", "zvariant", "keyring", "secret_service", "dbus", "notify_rust", "async_io", "async_executor")),
    ("Chart PNG export (resvg, fonts)", ("resvg", "usvg", "tiny_skia", "skrifa", "read_fonts", "harfrust", "fontdb", "ttf_parser", "rustybuzz", "png", "fdeflate", "plotters", "kurbo", "image")),
    ("HTTP and TLS (hyper, h2, rustls, ring, reqwest)", ("hyper", "h2", "http", "rustls", "ring", "reqwest", "tokio_rustls", "webpki", "tower")),
    ("OpenAI client", ("async_openai",)),
    ("tokio", ("tokio",)),
    ("serde, serde_json", ("serde",)),
    ("Rust standard library", ("core", "alloc", "std")),
    ("Purser's own crates", ("purser",)),
]


def crate_of(name):
    for prefix, crate in C_PREFIXES.items():
        if name.startswith(prefix):
            return crate
    match = CRATE.match(name)
    if not match:
        return "[no crate: C, linker or anonymous]"
    crate = match.group(1)
    if crate in STD and "<" in name:
        # Generic std code made for another crate's types (drop_in_place<kube::…>): theirs.
        for inner in IDENT.findall(name[name.index("<"):]):
            if inner not in STD:
                return inner
    return crate


def family_of(crate):
    for family, prefixes in FAMILIES:
        if crate.startswith(prefixes):
            return family
    return "other"


def mib(n):
    return f"{n / 1048576:7.2f} MiB"


def main():
    if "--no-build" in sys.argv:
        return analyse()
    subprocess.run(
        ["cargo", "rustc", "--release", "--features", "prod", "--bin", "purser", "--", "-C", "strip=none"],
        cwd=ROOT, check=True, env=dict(os.environ, CARGO_TARGET_DIR=TARGET),
    )
    shutil.copy(f"{TARGET}/release/purser", f"{TARGET}/release/purser-unstripped")
    analyse()
    # Put the release binary back as the profile builds it (stripped).
    subprocess.run(["cargo", "build", "--release", "--features", "prod"], cwd=ROOT, check=True,
                   env=dict(os.environ, CARGO_TARGET_DIR=TARGET))
    print(f"release binary, stripped: {mib(os.path.getsize(f'{TARGET}/release/purser'))}")
    for deb in glob.glob(f"{TARGET}/release/bundle/deb/*.deb"):
        print(f"{os.path.basename(deb)}: {mib(os.path.getsize(deb))}")


def analyse():
    unstripped = f"{TARGET}/release/purser-unstripped"
    nm = subprocess.run(["nm", "--print-size", "--size-sort", "--demangle=rust", unstripped],
                        capture_output=True, text=True, check=True).stdout
    sizes = collections.Counter()
    for line in nm.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4 or parts[2] not in "tTrRdDbB":
            continue
        if parts[2] in "bB":
            continue  # zero-initialised: takes no room in the file
        sizes[crate_of(parts[3])] += int(parts[1], 16)
    sections = subprocess.run(["size", "-A", unstripped], capture_output=True, text=True, check=True).stdout
    text = sum(int(line.split()[1]) for line in sections.splitlines()[2:]
               if line.split() and line.split()[0] in (".text", ".rodata", ".data", ".data.rel.ro"))
    attributed = sum(sizes.values())
    print(f"code and data (.text .rodata .data .data.rel.ro): {mib(text)}; in named symbols: {mib(attributed)}")
    print(f"{'crate':40} {'size':>11}  share")
    for crate, size in sizes.most_common(TOP):
        print(f"{crate:40} {mib(size)}  {100 * size / attributed:5.1f} %")
    rest = attributed - sum(size for _, size in sizes.most_common(TOP))
    print(f"{'(the other ' + str(max(0, len(sizes) - TOP)) + ' crates)':40} {mib(rest)}  {100 * rest / attributed:5.1f} %")
    families = collections.Counter()
    for crate, size in sizes.items():
        families[family_of(crate)] += size
    others = sorted(((size, crate) for crate, size in sizes.items() if family_of(crate) == "other"), reverse=True)
    print("\nlargest of 'other': " + ", ".join(f"{crate} {size / 1048576:.2f}" for size, crate in others[:12]))
    print("\nby what they are for:")
    for family, size in families.most_common():
        print(f"{family:52} {mib(size)}  {100 * size / attributed:5.1f} %")


if __name__ == "__main__":
    main()
