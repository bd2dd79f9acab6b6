#!/usr/bin/env python3
"""check_cycles.py: fail when two source files use each other (a call, a function named as a
value, or an include of the other's header, either way round). One file of a pair must be the
lower one; a pair that needs each other is one module or wants a third file.

A module split into parts over one private header (worker/voice_call.c with voice_call_*.c over
voice_call_parts.h; lib/domain/brain_rules*.c over brain_rules.h, which nothing else includes)
is one unit: its parts may call each other, as the functions of one file may."""
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



def private_header_of(d, stem):
    """True when d/stem.h (or d/stem_parts.h) exists and only stem.c and stem_*.c include it."""
    for header in (stem + "_parts.h", stem + ".h"):
        path = os.path.join(d, header)
        if not os.path.exists(os.path.join(ROOT, path)):
            continue
        users = [f for f in files if re.search(r'#include "(domain/)?' + re.escape(header) + '"',
                                               raw[f])]
        ours = [f for f in users
                if os.path.basename(f).startswith(stem + ".") or
                os.path.basename(f).startswith(stem + "_")]
        if users and users == ours and len(ours) > 1:
            return True
    return False


def unit(f):
    """The module a file belongs to: X.c and X_*.c are one unit when a header only they include
    (X_parts.h or X.h) ties them together."""
    d, name = os.path.split(os.path.splitext(f)[0])
    for stem in [name] + [name[:i] for i in range(len(name)) if name[i] == "_"]:
        if private_header_of(d, stem):
            return os.path.join(d, stem)
    return f


cycles = [(a, b) for a, b in itertools.combinations(files, 2) if b in uses[a] and a in uses[b] and unit(a) != unit(b)]
for a, b in cycles:
    print(f"cycle: {a} and {b} use each other")
print(f"cycles: {len(files)} files, {len(cycles)} pairs that use each other")
sys.exit(1 if cycles else 0)
