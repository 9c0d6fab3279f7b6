#!/usr/bin/env python3
"""memtrace.py - turn the kernel's MEMTRACE console lines into gnuplot data files.

The line (one per 100 ms of guest time with the kernel option memtrace=100; format in
tests/plot/README.md):
  MEMTRACE t=<ms> free=<frames> swapin=<total> swapout=<total> procs=<pid>:<name>:<resident>:<swap>:<faults>[,...]
Writes OUT/global.dat (seconds, free frames, swap-ins/s, swap-outs/s since the line before)
and OUT/procs.dat (one gnuplot index block per process: a "name pid" title line, then
seconds, resident pages, swapped pages, faults). Other console lines are ignored; a
MEMTRACE line that does not parse, or time or a global counter that goes backwards, stops
it with the line number and exit status 1. usage: memtrace.py LOG OUT_DIR
"""
import os
import re
import sys

LINE = re.compile(r"^MEMTRACE t=(\d+) free=(\d+) swapin=(\d+) swapout=(\d+) procs=(\S*)$")
PROC = re.compile(r"^(\d+):([A-Za-z0-9_.-]+):(\d+):(\d+):(\d+)$")


class TraceError(Exception):
    """A MEMTRACE line that is malformed or inconsistent with the one before."""


def parse_procs(text, lineno):
    """'1:init:20:0:25,2:...' -> {pid: (name, resident, swapped, faults)}."""
    procs = {}
    for item in text.split(",") if text else []:
        m = PROC.match(item)
        if not m:
            raise TraceError(f"line {lineno}: bad process entry '{item}' "
                             "(want pid:name:resident:swap:faults)")
        pid = int(m.group(1))
        if pid in procs:
            raise TraceError(f"line {lineno}: process {pid} listed twice")
        procs[pid] = (m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)))
    return procs


def parse(lines):
    """Return [(ms, free, swapin, swapout, procs)] from console lines, checked."""
    samples = []
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.startswith("MEMTRACE"):
            continue
        m = LINE.match(line)
        if not m:
            raise TraceError(f"line {lineno}: not a MEMTRACE line of the documented format: '{line}'")
        ms, free, sin, sout = (int(m.group(i)) for i in range(1, 5))
        if samples:
            pms, _, psin, psout, _ = samples[-1]
            if ms <= pms:
                raise TraceError(f"line {lineno}: time goes from {pms} ms to {ms} ms")
            if sin < psin or sout < psout:
                raise TraceError(f"line {lineno}: swap counters go back "
                                 f"(in {psin} -> {sin}, out {psout} -> {sout})")
        samples.append((ms, free, sin, sout, parse_procs(m.group(5), lineno)))
    if not samples:
        raise TraceError("no MEMTRACE lines (was the kernel booted with memtrace=100?)")
    return samples


def global_rows(samples):
    """[(s, free, swap-ins/s, swap-outs/s)]; the first sample's rates are 0."""
    rows = []
    prev = None
    for ms, free, sin, sout, _ in samples:
        if prev is None:
            rin = rout = 0.0
        else:
            dt = (ms - prev[0]) / 1000.0
            rin, rout = (sin - prev[1]) / dt, (sout - prev[2]) / dt
        rows.append((ms / 1000.0, free, rin, rout))
        prev = (ms, sin, sout)
    return rows


def proc_series(samples):
    """{pid: (title, [(s, resident, swapped, faults)])} in order of first appearance."""
    series = {}
    for ms, _, _, _, procs in samples:
        for pid, (name, res, swp, flt) in procs.items():
            series.setdefault(pid, (f"{name} {pid}", []))[1].append((ms / 1000.0, res, swp, flt))
    return series


def write(samples, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "global.dat"), "w") as f:
        f.write("# seconds free_frames swapins_per_s swapouts_per_s\n")
        for s, free, rin, rout in global_rows(samples):
            f.write(f"{s:.3f} {free} {rin:.1f} {rout:.1f}\n")
    series = proc_series(samples)
    with open(os.path.join(out, "procs.dat"), "w") as f:
        for title, rows in series.values():
            f.write(f'"{title}"\n')
            for s, res, swp, flt in rows:
                f.write(f"{s:.3f} {res} {swp} {flt}\n")
            f.write("\n\n")
    return len(series)


def main(argv):
    if len(argv) != 3:
        print("usage: memtrace.py LOG OUT_DIR", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8", errors="replace") as f:
            samples = parse(f)
    except (OSError, TraceError) as e:
        print(f"memtrace: {argv[1]}: {e}", file=sys.stderr)
        return 1
    nprocs = write(samples, argv[2])
    peak = max(max(r[2], r[3]) for r in global_rows(samples))
    print(f"memtrace: {len(samples)} samples over {samples[-1][0] / 1000.0:.1f} s of guest time, "
          f"{nprocs} processes, peak swap rate {peak:.0f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
