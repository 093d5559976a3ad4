#!/usr/bin/env python3
"""The house's rules, read from the code: arrows one way at every level, file and function sizes.

Usage: python3 .ci/arrows.py [SRC_DIR]   (default: src). Exit 1 when a rule is broken.

- Every module path a file names (`use crate::…`, `use super::…`, `crate::a::b` in code) is an
  arrow from the file's module to the deepest module that path reaches.
- No arrow may point at a module that contains the file (an "up" arrow: `link/driver.rs` using
  an item of `link/mod.rs` or of `queue/mod.rs`). Re-exports are arrows too.
- Among the children of every module (collapsed with their descendants) the arrows form no
  cycle, and at the top level the layers listed in LAYERS only point down.
- A file over MAX_LINES lines says why in its header (a line starting `//! Size:`); a function
  over MAX_FN lines is listed.
`#[cfg(test)]` modules and `tests.rs` files are exempt from the arrow rules (a unit test may
reach its module's privates through `super`).
"""
import os
import re
import sys
from collections import defaultdict

MAX_LINES = 600
MAX_FN = 100
# The top level, highest first: a module may use only modules on its right. Every top-level
# module is listed (a new one must be placed), but for the test-only `props`.
LAYERS = ["main", "cmd", "broker", "cli", "error", "output", "capture", "queue", "config", "template", "envelope"]


def modules(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = [] if rel == ["lib"] else ["main"]
            mods[tuple(rel)] = path
    return mods


STRIP = re.compile(r'//[^\n]*|/\*.*?\*/|r#*"(?:.|\n)*?"#*|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])\'', re.S)


def code_of(text):
    return STRIP.sub(lambda m: "\n" * m.group(0).count("\n") if m.group(0) else "", text)


def expand(tree):
    """`a::{b, c::{d, e}}` → [a::b, a::c::d, a::c::e]."""
    tree = tree.replace(" ", "").replace("\n", "")
    if "{" not in tree:
        return [tree]
    head, rest = tree.split("{", 1)
    body = rest[: rest.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        for e in expand(p):
            out.append(head + e if e != "self" else head.rstrip(":"))
    return out


def arrows(mods, mod, path):
    """(line, target module) for every path the file names, outside #[cfg(test)] modules."""
    text = code_of(open(path).read())
    # Drop #[cfg(test)] items (brace-matched).
    out_text, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out_text.append(text[i : m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += text[j] == "{"
            depth -= text[j] == "}"
            j += 1
        out_text.append("\n" * text[m.start() : j].count("\n"))
        i = j
    out_text.append(text[i:])
    text = "".join(out_text)
    found = []
    # Inline (non-test) modules: `super` inside them is the file's module.
    inline = [(m.start(), m.end()) for m in re.finditer(r"\bmod\s+\w+\s*\{", text)]
    spans = []
    for s, e in inline:
        depth, j = 1, e
        while depth and j < len(text):
            depth += text[j] == "{"
            depth -= text[j] == "}"
            j += 1
        spans.append((s, j))

    def base_for(pos, kind):
        if kind == "crate":
            return []
        depth = sum(1 for s, e in spans if s < pos < e)
        own = list(mod)
        if depth:
            return own if depth == 1 else own  # super of an inline module: the file's module
        return own[:-1]

    for m in re.finditer(r"\b(?:pub(?:\([^)]*\))?\s+)?use\s+((?:crate|super)::[^;]*);", text):
        kind = m.group(1).split("::", 1)[0]
        for p in expand(m.group(1)):
            found.append((text.count("\n", 0, m.start()) + 1, kind, p, m.start()))
    uses = [(m.start(), m.end()) for m in re.finditer(r"\buse\s+[^;]*;", text)]
    for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", text):
        if any(s <= m.start() < e for s, e in uses):
            continue
        found.append((text.count("\n", 0, m.start()) + 1, m.group(1).split("::", 1)[0], m.group(1), m.start()))
    result = []
    for line, kind, p, pos in found:
        segs = [s for s in p.split("::") if s]
        base = base_for(pos, kind)
        segs = segs[1:]
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
        target = list(base)
        for s in segs:
            if tuple(target + [s]) in mods:
                target.append(s)
            else:
                break
        result.append((line, tuple(target), p))
    return result


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    mods = modules(src)
    bad = []
    edges = defaultdict(set)  # (parent, child_a, child_b) -> example
    example = {}
    for mod, path in sorted(mods.items()):
        if mod and mod[-1] in ("tests", "props"):
            continue
        for line, target, p in arrows(mods, mod, path):
            if target == mod:
                continue
            if mod[: len(target)] == target:
                bad.append(f"{path}:{line}: up: `{p}` reaches {'::'.join(target) or 'crate'}, which contains this file")
                continue
            # The level where the two diverge.
            k = 0
            while k < min(len(mod), len(target)) and mod[k] == target[k]:
                k += 1
            parent = mod[:k]
            a, b = mod[k] if k < len(mod) else None, target[k] if k < len(target) else None
            if a and b:
                edges[parent].add((a, b))
                example.setdefault((parent, a, b), f"{path}:{line} `{p}`")
    # Cycles among siblings.
    for parent, es in sorted(edges.items()):
        graph = defaultdict(set)
        for a, b in es:
            graph[a].add(b)
        for a, b in es:
            # b reaches a?
            seen, stack = set(), [b]
            while stack:
                n = stack.pop()
                if n == a:
                    where = "::".join(parent) or "crate"
                    bad.append(f"cycle in {where}: {a} -> {b} ({example[(parent, a, b)]}) and {b} reaches {a}")
                    break
                if n in seen:
                    continue
                seen.add(n)
                stack.extend(graph[n])
    for mod in mods:
        if len(mod) == 1 and mod[0] not in LAYERS and mod[0] != "props":
            bad.append(f"layer: {mod[0]} is not in LAYERS (.ci/arrows.py): place it")
    for a, b in sorted(edges.get((), ())):
        if a in LAYERS and b in LAYERS and LAYERS.index(b) < LAYERS.index(a):
            bad.append(f"layer: {a} uses {b}, which is above it ({example[((), a, b)]})")
    # Sizes.
    for mod, path in sorted(mods.items()):
        lines = open(path).read().split("\n")
        n = len(lines)
        if n > MAX_LINES and not any(l.startswith("//! Size:") for l in lines[:40]):
            bad.append(f"{path}: {n} lines (over {MAX_LINES}) and no `//! Size:` line in its header saying why")
        start = None
        for i, l in enumerate(lines):
            m = re.match(r"^(\s*)(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?fn\s+(\w+)", l)
            if m and (l.rstrip().endswith("{") or not l.rstrip().endswith(";")):
                start = (i, m.group(1), m.group(2))
                continue
            if start and l.startswith(start[1] + "}") and len(l.rstrip()) == len(start[1]) + 1:
                length = i - start[0] + 1
                if length > MAX_FN and "tests" not in path and not re.search(r"/tests?\.rs$", path):
                    bad.append(f"{path}:{start[0] + 1}: fn {start[2]} is {length} lines (over {MAX_FN})")
                start = None
    print("top-level arrows:", ", ".join(f"{a}->{b}" for a, b in sorted(edges.get((), ()))))
    for b in bad:
        print(b)
    print(f"{len(bad)} problem(s)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
