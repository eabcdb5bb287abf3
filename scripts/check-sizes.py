#!/usr/bin/env python3
"""Holds the source to its size rules: no Rust or JavaScript file over 600 lines, no Rust
function over 80 lines unless the comment above it says why (a line containing "Long:").
Prints each breach and exits 1 if there is one."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_FILE, MAX_FN = 600, 80
EXEMPT_FILES: set[str] = set()

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")


def functions(lines):
    """(name, first line, length) of each fn with a body, found by brace depth."""
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, start, opened = 0, i, False
        j = i
        while j < len(lines):
            code = re.sub(r'"(\\.|[^"\\])*"|//.*', "", lines[j])
            if not opened and ";" in code and "{" not in code:
                break  # a declaration without a body
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                yield m.group(6), start, j - start + 1
                break
            j += 1
        i += 1


def main():
    breaches = []
    files = [p for p in ROOT.glob("src-tauri/**/*.rs")] + list(ROOT.glob("tests/**/*.rs"))
    files += list(ROOT.glob("ui/*.js"))
    for path in sorted(files):
        rel = path.relative_to(ROOT).as_posix()
        if "/target/" in rel or rel in EXEMPT_FILES:
            continue
        lines = path.read_text().splitlines()
        if len(lines) > MAX_FILE:
            breaches.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE})")
        if path.suffix != ".rs":
            continue
        for name, start, length in functions(lines):
            if length <= MAX_FN:
                continue
            above = "\n".join(lines[max(0, start - 6):start])
            if "Long:" not in above:
                breaches.append(f"{rel}:{start + 1}: fn {name} is {length} lines (at most {MAX_FN}, or say why in a 'Long:' comment)")
    for breach in breaches:
        print(breach)
    sys.exit(1 if breaches else 0)


main()
