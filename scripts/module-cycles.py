#!/usr/bin/env python3
"""Fails when module files of a crate import each other in a cycle (through
`crate::` paths); prints each cycle. Usage: module-cycles.py crates/undersign/src"""
import os, re, sys
root = sys.argv[1]
mods = {}
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith('.rs'): continue
        p = os.path.join(dp, f); rel = os.path.relpath(p, root)[:-3]
        parts = rel.split(os.sep)
        if parts[-1] in ('lib', 'main', 'mod'): parts = parts[:-1]
        mods['::'.join(parts)] = p
edges = {m: set() for m in mods}
for m, p in mods.items():
    src = open(p).read()
    src = re.sub(r'#\[cfg\(test\)\]\s*mod tests\s*\{.*', '', src, flags=re.S)
    for ref in re.findall(r'crate::([a-z_][a-z0-9_]*(?:::[a-z_][a-z0-9_]*)*)', src):
        parts = ref.split('::')
        for i in range(len(parts), 0, -1):
            t = '::'.join(parts[:i])
            if t in mods:
                if t != m and not m.startswith(t + '::') : edges[m].add(t)
                break
        # use crate::x::{a, b} groups
    for grp in re.findall(r'crate::([a-z_:]+)::\{([^}]*)\}', src):
        base = grp[0]
        for item in re.findall(r'([a-z_][a-z0-9_]*)', grp[1]):
            t = base + '::' + item
            if t in mods and t != m: edges[m].add(t)
# Tarjan
idx = {}; low = {}; st = []; on = set(); sccs = []; c = [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = st.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for v in mods:
    if v not in idx: sc(v)
for s in sccs:
    print(len(s), 'modules in a cycle:', ' '.join(s))
    for m in s:
        print('   ', m, '->', ' '.join(sorted(e for e in edges[m] if e in s)))
sys.exit(1 if sccs else 0)
