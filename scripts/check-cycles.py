#!/usr/bin/env python3
"""Fails when two of purser-core's modules import each other, directly or round a longer loop.

A module is a top-level file or folder of `src-tauri/core/src` (`cost`, `guard`, `amount`...);
an import is any `crate::<module>` path in its non-test code. Lower floors (locale, amount,
month) exist so that no loop is needed; this keeps it so.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src-tauri" / "core" / "src"
TEST_BLOCK = re.compile(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{.*", re.S)
# Modules only tests and benches build on, and the facade that sits on top of all.
IGNORED = {"testing", "lib"}


def module_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".rs")


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.rs"):
        if path.name.endswith("_tests.rs") or path.name == "tests.rs" or path.name == "fakes.rs":
            continue
        module = module_of(path)
        if module in IGNORED:
            continue
        text = TEST_BLOCK.sub("", path.read_text())
        text = re.sub(r"#\[cfg\(any\(test, feature = \"testing\"\)\)\][^\n]*\n(?:[^\n]*\n)*?\}\n", "", text)
        used = set(re.findall(r"crate::([a-z_]+)", text)) - {module} - IGNORED
        graph.setdefault(module, set()).update(used)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def main() -> int:
    graph = imports()
    cycle = find_cycle(graph)
    if cycle:
        print("purser-core modules import each other: " + " -> ".join(cycle))
        for a, b in zip(cycle, cycle[1:]):
            print(f"  {a} uses crate::{b}")
        return 1
    print(f"no import loops among purser-core's {len(graph)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
