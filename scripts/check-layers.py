#!/usr/bin/env python3
"""libkolm's dependency graph has no circles and runs one way.

  scripts/check-layers.py [--root DIR] [--build BUILD]
      check the tree at DIR (default: this repository) and, with --build,
      the objects BUILD/obj/src/lib/*/*.o made from it; print the graph's
      summary; exit 1 on a violation

It reads src/lib/LAYERS (the folders of libkolm, lowest first, and the
public headers in include/kolm/ each one owns), every `#include "..."` in
src/lib, src/cli and include/kolm, and (with --build) which object defines
each function another object calls (nm).  A module is one .c file with the
headers named after it (X.c, include/kolm/X.h, src/lib/<folder>/X_internal.h).
It fails when

  - modules depend on each other round a circle, an edge A -> B meaning that
    A includes a header of B's or calls a function B defines: so
    speed.c -> forecast_internal.h with forecast.c calling speed.c is a
    circle although no header includes itself;
  - a folder depends on a folder listed after it in LAYERS (the direction is
    core <- model <- quant <- ...; src/cli sits under every folder), or two
    folders depend on each other;
  - an include names a file that does not exist, or a public header that no
    LAYERS line owns.

Standard library only; make check runs it (tests/cli/layers.sh), together
with planted circles, to prove it fires.
"""
import os
import re
import sys

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_layers(root):
    """[(folder, [public headers])] lowest first."""
    layers = []
    path = os.path.join(root, "src/lib/LAYERS")
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            folder, _, heads = line.partition(":")
            folder = folder.strip()
            if not os.path.isdir(os.path.join(root, "src/lib", folder)):
                sys.exit("check-layers: src/lib/LAYERS:%d: no folder src/lib/%s" % (n, folder))
            layers.append((folder, heads.split()))
    return layers


def sources(root):
    out = []
    for top in ("src/lib", "src/cli", "include/kolm"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def folder_of(path, owner):
    parts = path.split("/")
    if parts[0] == "src" and parts[1] == "lib" and len(parts) > 3:
        return parts[2]
    if parts[0] == "src" and parts[1] == "cli":
        return "cli"
    if parts[0] == "include":
        return owner.get(os.path.basename(path))
    return None


def module_of(path):
    """a.c, a.h, a_internal.h, include/kolm/a.h -> (folder-independent) module name a"""
    b = os.path.basename(path)[:-2]
    for suffix in ("_internal",):
        if b.endswith(suffix):
            b = b[: -len(suffix)]
    return b


def resolve(root, src, name):
    for cand in (os.path.join(os.path.dirname(src), name), os.path.join("include", name), os.path.join("src/lib", name)):
        if os.path.isfile(os.path.join(root, cand)):
            return os.path.normpath(cand)
    return None


def cycles(graph):
    """every elementary circle's representative (one per strongly connected component of size > 1)"""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def path_in(graph, comp):
    """one concrete circle inside a strongly connected component, for the message"""
    start = comp[0]
    prev = {start: None}
    todo = [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                p = [v]
                while prev[p[-1]] is not None:
                    p.append(prev[p[-1]])
                return list(reversed(p)) + [start]
            if w in comp and w not in prev:
                prev[w] = v
                todo.append(w)
    return comp


def symbol_edges(root, build):
    """(caller module, callee module) for every function or object an object
    file uses that another one defines: [((folder, stem), (folder, stem))].
    Objects whose source is gone (a file moved or removed since that build)
    are left out: they are not part of the library any more."""
    import glob
    import subprocess

    objs = sorted(o for o in glob.glob(os.path.join(build, "obj/src/lib/*/*.o"))
                  if os.path.isfile(os.path.join(root, "src/lib", *o.split(os.sep)[-2:])[:-2] + ".c"))
    if not objs:
        sys.exit("check-layers: no objects under %s/obj/src/lib (build first)" % build)
    defs, uses = {}, {}
    for o in objs:
        folder, stem = o.split(os.sep)[-2], os.path.basename(o)[:-2]
        mod = (folder, stem)
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDRBC":
                defs[p[2]] = mod
            elif len(p) == 2 and p[0] == "U":
                uses.setdefault(mod, set()).add(p[1])
    return [(a, defs[u]) for a, us in sorted(uses.items()) for u in sorted(us) if u in defs and defs[u] != a], len(objs)


def main():
    args = sys.argv[1:]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    build = None
    while args:
        if args[0] == "--root" and len(args) > 1:
            root, args = args[1], args[2:]
        elif args[0] == "--build" and len(args) > 1:
            build, args = args[1], args[2:]
        else:
            sys.exit("usage: check-layers.py [--root DIR] [--build BUILD]")
    layers = read_layers(root)
    rank = {f: i for i, (f, _) in enumerate(layers)}
    rank["cli"] = len(layers)
    owner = {}
    for f, heads in layers:
        for h in heads:
            owner[h] = f
    bad = []
    files = sources(root)
    modgraph, foldgraph, modfolder = {}, {}, {}
    edges = 0
    for src in files:
        fsrc = folder_of(src, owner)
        if src.startswith("include/") and fsrc is None:
            bad.append("%s: no line of src/lib/LAYERS owns this public header" % src)
            continue
        msrc = (fsrc, module_of(src))
        modfolder[msrc] = fsrc
        modgraph.setdefault(msrc, set())
        with open(os.path.join(root, src), errors="replace") as f:
            text = f.read()
        for name in INC.findall(text):
            dst = resolve(root, src, name)
            if dst is None:
                bad.append('%s: #include "%s" names no file' % (src, name))
                continue
            fdst = folder_of(dst, owner)
            if fdst is None:
                if dst.startswith("src/") and "gen" not in dst:
                    bad.append('%s: #include "%s" is outside every folder' % (src, name))
                continue
            edges += 1
            mdst = (fdst, module_of(dst))
            if mdst != msrc:
                modgraph[msrc].add(mdst)
            if fdst != fsrc:
                foldgraph.setdefault(fsrc, set()).add(fdst)
                if rank.get(fdst, -1) > rank.get(fsrc, -1):
                    bad.append('%s (%s) includes "%s" (%s): against the direction in src/lib/LAYERS' % (src, fsrc, name, fdst))
    calls = 0
    if build:
        sedges, nobj = symbol_edges(root, build)
        for a, b in sedges:
            calls += 1
            modgraph.setdefault(a, set()).add(b)
            modgraph.setdefault(b, set())
            if a[0] != b[0]:
                foldgraph.setdefault(a[0], set()).add(b[0])
                msg = "%s/%s calls into %s/%s: against the direction in src/lib/LAYERS" % (a + b)
                if rank.get(b[0], -1) > rank.get(a[0], -1) and msg not in bad:
                    bad.append(msg)
    for comp in cycles(modgraph):
        circle = path_in(modgraph, comp)
        bad.append("module circle: " + " -> ".join("%s/%s" % m for m in circle))
    for comp in cycles(foldgraph):
        bad.append("folder circle: " + " -> ".join(path_in(foldgraph, comp)))
    order = " <- ".join(f for f, _ in layers) + " <- cli"
    print("check-layers: %d files, %d modules, %d includes%s; layers %s"
          % (len(files), len(modgraph), edges, ", %d calls between objects" % calls if build else "", order))
    for b in bad:
        print("check-layers: " + b)
    if bad:
        print("check-layers: %d violation(s)" % len(bad))
        return 1
    print("check-layers: ok: no circles, every dependency runs down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
