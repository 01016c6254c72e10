#!/usr/bin/env python3
"""Summarises `perf script` output per phase of e2e_bench.

  perf record -F 999 --call-graph dwarf,16384 -o e2e.perf \
      build-bench/bench/e2e_bench --rows 100000 --runs 1
  perf script -i e2e.perf -F comm,tid,time,ip,sym,dso > e2e.script
  bench/perf_phases.py e2e.script

A sample belongs to a phase when a frame of its stack matches the phase's
root symbol (outermost match wins: ApplyObject also calls FlushLocked).
For each phase it prints the share of samples by leaf function (self) and
by function anywhere on the stack below the root (inclusive).
"""
import collections
import re
import sys

PHASES = [
    ("pull+apply on B", "SyncEngine::ApplyObject"),
    ("flush on A", "SyncEngine::FlushLocked"),
    ("push on A", "SyncEngine::Push"),
    ("host inserts", "Inserter::Insert"),
]


def samples(path):
    stack = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if stack:
                    yield stack
                stack = []
                continue
            if not line.startswith(("\t", " ")):
                continue  # header line
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
            if m:
                sym, dso = m.group(1), m.group(2).split("/")[-1]
                sym = re.sub(r"\(.*", "", sym) if not sym.startswith("[") else sym
                if sym == "[unknown]":
                    sym = "[" + dso + "]"
                stack.append(sym)
    if stack:
        yield stack


def main():
    per_phase = {name: [] for name, _ in PHASES}
    for st in samples(sys.argv[1]):
        # st[0] is the leaf; the outermost (last) matching root decides.
        chosen = None
        for name, root in PHASES:
            idx = [i for i, s in enumerate(st) if root in s]
            if idx:
                pos = max(idx)
                if chosen is None or pos > chosen[1]:
                    chosen = (name, pos)
        if chosen:
            per_phase[chosen[0]].append(st[: chosen[1]])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    for name, root in PHASES:
        st_list = per_phase[name]
        n = len(st_list)
        print(f"== {name} ({root}): {n} samples")
        if not n:
            continue
        leaf = collections.Counter(s[0] if s else root for s in st_list)
        incl = collections.Counter()
        for s in st_list:
            for sym in set(s):
                incl[sym] += 1
        print("  self:")
        for sym, c in leaf.most_common(top):
            print(f"    {100.0 * c / n:5.1f}%  {sym}")
        print("  inclusive:")
        for sym, c in incl.most_common(top):
            print(f"    {100.0 * c / n:5.1f}%  {sym}")


if __name__ == "__main__":
    main()
