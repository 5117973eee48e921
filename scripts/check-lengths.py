#!/usr/bin/env python3
"""No file in src/ over 1,200 lines and no function over 150 lines.

  scripts/check-lengths.py [--root DIR]
      check every .c and .h under DIR/src (default: this repository);
      print each file or function over its limit; exit 1 if any is not a
      named exception

A function is what runs from a line that starts with `{` to the next line
that starts with `}` (the project's style puts a function's braces, and
only a function's, in the first column); its lines are counted from the
`{` to the `}`.  Table-like data (a top-level initializer) is not a
function and is not counted.

The named exceptions are the rows of the table under the heading
"Exceptions to the length limits" in DIR/docs/ARCHITECTURE.md, one a row:
`| src/path.c | function or (file) | reason |`.  An exception that no
longer exceeds its limit is reported too, so the list stays true.

Standard library only; make check runs it (tests/cli/lengths.sh), together
with a planted long function and long file, to prove it fires.
"""
import os
import re
import sys

MAX_FILE = 1200
MAX_FUNC = 150
HEADING = "Exceptions to the length limits"
NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def exceptions(root):
    """{(path, name)}: name is a function's name or '(file)'."""
    path = os.path.join(root, "docs/ARCHITECTURE.md")
    out = set()
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        sys.exit("check-lengths: %s: %s" % (path, e.strerror))
    inside = False
    for line in lines:
        if line.startswith("#"):
            inside = HEADING in line
            continue
        if not inside or not line.startswith("|"):
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("src/"):
            continue
        out.add((cells[0], cells[1]))
    return out


def func_name(lines, brace):
    """The name before the '(' of the signature above line `brace`."""
    sig = ""
    i = brace - 1
    while i >= 0 and lines[i].strip() and not lines[i].rstrip().endswith((";", "}", "*/")):
        sig = lines[i] + " " + sig
        if re.match(r"[A-Za-z_]", lines[i]) and "(" in lines[i]:
            break
        i -= 1
    m = NAME.search(re.sub(r"__attribute__\s*\(\(.*?\)\)", " ", sig))
    return m.group(1) if m else "?"


def measure(root):
    """[(path, name, lines, limit)] of everything over its limit."""
    over = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "src")):
        dirnames.sort()
        for fn in sorted(filenames):
            if not fn.endswith((".c", ".h")):
                continue
            p = os.path.join(dirpath, fn)
            rel = os.path.relpath(p, root)
            with open(p, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            if len(lines) > MAX_FILE:
                over.append((rel, "(file)", len(lines), MAX_FILE))
            start = None
            for i, line in enumerate(lines):
                if line.startswith("{") and start is None:
                    start = i
                elif line.startswith("}") and start is not None:
                    n = i - start + 1
                    if n > MAX_FUNC:
                        over.append((rel, func_name(lines, start), n, MAX_FUNC))
                    start = None
    return over


def main(argv):
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    if len(argv) == 2 and argv[0] == "--root":
        root = os.path.abspath(argv[1])
    elif argv:
        sys.exit("usage: check-lengths.py [--root DIR]")
    allowed = exceptions(root)
    bad = 0
    seen = set()
    for rel, name, n, limit in measure(root):
        seen.add((rel, name))
        if (rel, name) in allowed:
            print("excepted: %s %s: %d lines (limit %d)" % (rel, name, n, limit))
        else:
            print("too long: %s %s: %d lines (limit %d)" % (rel, name, n, limit))
            bad = 1
    for rel, name in sorted(allowed - seen):
        print("stale exception: %s %s is within its limit: drop it from docs/ARCHITECTURE.md" % (rel, name))
        bad = 1
    if not bad:
        print("ok: no file over %d lines, no function over %d lines" % (MAX_FILE, MAX_FUNC))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
