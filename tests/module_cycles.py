#!/usr/bin/env python3
"""module_cycles.py OBJDIR FOLDER...: the module graph of the given source
folders (src/FOLDER/*.c, one module per file) from the symbols their objects
define and use (nm), and every circle in it. An edge a -> b means a.c calls
(or reads) something b.c defines; an inline function in a header counts for
the file it is inlined into, which is how a header hides a circle.
Exits 1 naming each circle and the symbols on its edges; 0 when there is none.
Edges to other folders are the contracts (core/backend.h, core/host.h) and
are not followed."""
import glob
import os
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TDBRCVW':
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == 'U':
            used.add(parts[1])
    return defined, used


def circles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    objdir, folders = sys.argv[1], sys.argv[2:]
    bad = 0
    for folder in folders:
        objs = sorted(glob.glob(os.path.join(objdir, folder, '*.o')))
        if not objs:
            print(f'module graph: no objects in {objdir}/{folder}', file=sys.stderr)
            return 1
        owner, uses = {}, {}
        for obj in objs:
            name = f'{folder}/{os.path.basename(obj)[:-2]}.c'
            defined, used = symbols(obj)
            uses[name] = used
            for sym in defined:
                owner[sym] = name
        graph = {m: {owner[s] for s in u if s in owner and owner[s] != m} for m, u in uses.items()}
        for comp in circles(graph):
            bad += 1
            print(f'module graph: circle in src/{folder}: {" ".join(comp)}')
            for a in comp:
                for b in comp:
                    if b in graph[a]:
                        syms = sorted(s for s in uses[a] if owner.get(s) == b)
                        print(f'    {a} -> {b}: {", ".join(syms)}')
    if bad:
        return 1
    print(f'module graph: no circle in src/{{{",".join(folders)}}}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
