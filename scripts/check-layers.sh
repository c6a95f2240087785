#!/usr/bin/env bash
# Holds the plugin to the structure docs/architecture.md draws:
#
#   layers/  ->  core/  ->  formats/  ->  wireshark/      (lower floors never use higher ones)
#
#   1. an #include or a call (an undefined symbol of one object defined by
#      another, read with nm) from a lower floor to a higher one fails;
#   2. modules (a .c and its .h) that use each other in a circle fail, within a
#      floor too: the registration root calls down, nothing calls back up;
#   3. layers/, core/ and formats/ include no epan header: the decoding core
#      builds and is tested without Wireshark's dissection engine.
#
#   scripts/check-layers.sh [--build DIR]
#
# Includes are always read.  Calls are read from the objects of a build
# (DIR, else build-test/ or build/ when present); without one, the check says
# so and holds the includes only.  Exit status 1 on any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
build=""
if [ "${1:-}" = "--build" ]; then
  build=$2
elif [ -d build-test/plugin ]; then
  build=build-test
elif [ -d build/plugin ]; then
  build=build
fi
exec python3 - "$build" <<'PY'
import collections
import os
import re
import subprocess
import sys

FLOORS = ["layers", "core", "formats", "wireshark"]
build = sys.argv[1]
root = "plugin"
problems = []

def module_of(path):
    """plugin/core/xmt_pii.c -> ('core', 'xmt_pii')"""
    floor = path.split(os.sep)[1]
    return floor, os.path.splitext(os.path.basename(path))[0]

sources = sorted(os.path.join(root, f, n) for f in FLOORS for n in os.listdir(os.path.join(root, f))
                 if n.endswith((".c", ".h")))
modules = {module_of(p) for p in sources}
edges = collections.defaultdict(set)   # module -> {module}
why = {}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
for path in sources:
    src = module_of(path)
    text = open(path, encoding="utf-8").read()
    if src[0] != "wireshark":
        for epan in re.findall(r'^\s*#\s*include\s+<(epan/[^>]+)>', text, re.M):
            problems.append(f"{path}: includes <{epan}>: {src[0]}/ builds without epan")
    for inc in INCLUDE.findall(text):
        parts = inc.split("/")
        if len(parts) != 2 or parts[0] not in FLOORS:
            continue  # a header of its own folder's tests, or xmt_format_list.h's X-macro rows
        dst = (parts[0], os.path.splitext(parts[1])[0])
        if dst != src and dst in modules:
            edges[src].add(dst)
            why.setdefault((src, dst), f"{path} includes {inc}")

def symbols(obj):
    out = subprocess.run(["nm", "--defined-only", obj], capture_output=True, text=True).stdout
    defined = {l.split()[-1] for l in out.splitlines() if len(l.split()) == 3 and l.split()[1] in "TDRBtdrb"}
    out = subprocess.run(["nm", "--undefined-only", obj], capture_output=True, text=True).stdout
    undefined = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, undefined

calls_read = False
if build:
    objects = {}
    for dirpath, _, files in os.walk(os.path.join(build, "plugin")):
        for name in files:
            if name.endswith(".c.o"):
                # .../xmtrack_core.dir/core/xmt_pii.c.o  or  .../xmtrack.dir/xmt_tree.c.o
                rel = dirpath.split(".dir", 1)[-1].strip(os.sep)
                floor = rel.split(os.sep)[0] if rel else "wireshark"
                module = (floor if floor in FLOORS else "wireshark", name[:-len(".c.o")])
                if module in modules:  # an object left by a source since removed is not read
                    objects[module] = os.path.join(dirpath, name)
    if objects:
        calls_read = True
        owner = {}
        table = {m: symbols(o) for m, o in objects.items()}
        for m, (defined, _) in table.items():
            for s in defined:
                owner[s] = m
        for m, (_, undefined) in table.items():
            for s in undefined:
                dst = owner.get(s)
                if dst and dst != m:
                    edges[m].add(dst)
                    why.setdefault((m, dst), f"{objects[m]} calls {s}")

# 1. no floor uses a higher one
for src, dsts in sorted(edges.items()):
    for dst in sorted(dsts):
        if FLOORS.index(dst[0]) > FLOORS.index(src[0]):
            problems.append(f"{src[0]}/{src[1]} uses the higher floor {dst[0]}/{dst[1]}: {why[(src, dst)]}")

# 2. no circles (Tarjan's strongly connected components)
index, low, stack, on_stack, sccs = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on_stack.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on_stack:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        scc = []
        while True:
            w = stack.pop(); on_stack.discard(w); scc.append(w)
            if w == v:
                break
        if len(scc) > 1:
            sccs.append(sorted(scc))
sys.setrecursionlimit(10000)
for v in sorted(modules | set(edges)):
    if v not in index:
        visit(v)
for scc in sccs:
    names = ", ".join(f"{f}/{m}" for f, m in scc)
    links = [why[(a, b)] for a in scc for b in scc if (a, b) in why]
    problems.append(f"a circle of {len(scc)} modules: {names} ({'; '.join(links[:4])})")

counts = collections.Counter(m[0] for m in modules)
print("check-layers: %s; %d modules (%s); %d uses; calls %s" % (
    " -> ".join(FLOORS), len(modules), ", ".join(f"{f} {counts[f]}" for f in FLOORS),
    sum(len(d) for d in edges.values()),
    f"read from {build}" if calls_read else "not read (no build: includes only)"))
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
