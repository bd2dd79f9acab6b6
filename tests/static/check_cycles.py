#!/usr/bin/env python3
"""check_cycles.py: fail when two source files use each other (a call, a function named as a
value, or an include of the other's header, either way round). One file of a pair must be the
lower one; a pair that needs each other is one module or wants a third file.

A module split into parts over one private header (worker/voice_call.c with voice_call_*.c, all
sharing voice_call_parts.h) is one unit: its parts may call each other, as the functions of one
file may."""
import itertools
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIRS = ["cgi", "worker", "lib/infra", "lib/audio", "lib/provider", "lib/domain"]

files = []
for d in DIRS:
    for f in sorted(os.listdir(os.path.join(ROOT, d))):
        if f.endswith(".c") or f.endswith(".cc"):
            files.append(os.path.join(d, f))

src, raw = {}, {}
for f in files:
    t = open(os.path.join(ROOT, f), encoding="utf-8").read()
    raw[f] = t
    t = re.sub(r"/\*.*?\*/", " ", t, flags=re.S)
    t = re.sub(r'"(\\.|[^"\\])*"', '""', t)
    src[f] = re.sub(r"//[^\n]*", " ", t)

# Functions defined with external linkage: a name and its parameters, then "{" in column 0.
defined_in = {}
for f, t in src.items():
    for m in re.finditer(r"^(?!static\b)[A-Za-z_][\w \*]*?\b([A-Za-z_]\w*)\s*\([^;{]*\)\s*\n\{",
                         t, re.M):
        defined_in.setdefault(m.group(1), f)

uses = {f: set() for f in files}
for f, t in src.items():
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\b", t)):
        g = defined_in.get(name)
        if g and g != f:
            uses[f].add(g)
    for inc in re.findall(r'#include "([^"]+)\.h"', raw[f]):
        for g in files:
            stem = os.path.splitext(g)[0]
            if g != f and (stem.endswith("/" + inc) or stem == os.path.join(os.path.dirname(f), inc)):
                uses[f].add(g)



def unit(f):
    """The module a file belongs to: X.c and X_*.c are one unit when X_parts.h exists."""
    d, name = os.path.split(os.path.splitext(f)[0])
    for stem in [name] + [name[:i] for i in range(len(name)) if name[i] == "_"]:
        if os.path.exists(os.path.join(ROOT, d, stem + "_parts.h")):
            return os.path.join(d, stem)
    return f


cycles = [(a, b) for a, b in itertools.combinations(files, 2) if b in uses[a] and a in uses[b] and unit(a) != unit(b)]
for a, b in cycles:
    print(f"cycle: {a} and {b} use each other")
print(f"cycles: {len(files)} files, {len(cycles)} pairs that use each other")
sys.exit(1 if cycles else 0)
