#!/usr/bin/env python3
"""test_plot.py - make test's part `plot`: memtrace.py, memplot.sh and policyplot.sh on the
made-up inputs beside this file (sample-memtrace.txt, sample-pum.txt) and on bad inputs.
Writes RESULTS with `ok plot/NAME` / `not ok plot/NAME` lines (specs/testing.md).
usage: test_plot.py --results FILE --work DIR
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import memtrace  # noqa: E402

SAMPLE = os.path.join(HERE, "sample-memtrace.txt")
GOOD = "MEMTRACE t=0 free=10 swapin=0 swapout=0 procs=1:init:5:0:6"


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def rejects(lines, needle):
    """memtrace.parse must raise a TraceError whose message contains needle."""
    try:
        memtrace.parse(lines)
    except memtrace.TraceError as e:
        check(needle in str(e), f"error '{e}' does not mention '{needle}'")
        return
    raise AssertionError(f"accepted {lines!r}")


def test_sample_parses():
    with open(SAMPLE) as f:
        s = memtrace.parse(f)
    check(len(s) == 10, f"{len(s)} samples, want 10")
    check(s[0][4] == {}, "the first sample has processes")
    check(s[3][4][2] == ("swapper", 2300, 200, 2510), f"swapper 2 at 300 ms: {s[3][4].get(2)}")


def test_rates():
    with open(SAMPLE) as f:
        rows = memtrace.global_rows(memtrace.parse(f))
    check(rows[0] == (0.0, 7349, 0.0, 0.0), f"first row {rows[0]}")
    # 300 ms: 500 swap-outs in 100 ms; 500 ms: 300 swap-ins and 1000 swap-outs in 100 ms
    check(rows[3] == (0.3, 120, 0.0, 5000.0), f"row at 300 ms {rows[3]}")
    check(rows[5] == (0.5, 101, 3000.0, 10000.0), f"row at 500 ms {rows[5]}")


def test_series():
    with open(SAMPLE) as f:
        series = memtrace.proc_series(memtrace.parse(f))
    check(list(series) == [1, 2, 3, 4, 5], f"processes {list(series)}")
    title, rows = series[5]
    check(title == "locker 5" and [r[0] for r in rows] == [0.2, 0.3, 0.4, 0.5], f"locker {series[5]}")
    check(series[2][1][-1] == (0.6, 2500, 1100, 4200), f"swapper 2 last {series[2][1][-1]}")


def test_crlf_and_noise():
    s = memtrace.parse(["booting\r\n", GOOD + "\r\n", "MEMTRACE t=100 free=9 swapin=1 swapout=2 procs=\r\n"])
    check(len(s) == 2 and s[1][4] == {}, f"parsed {s}")


def test_bad_lines():
    rejects(["hello"], "no MEMTRACE lines")
    rejects([GOOD.replace("free=", "fre=")], "line 1: not a MEMTRACE line")
    rejects([GOOD, GOOD], "line 2: time goes from 0 ms to 0 ms")
    rejects([GOOD.replace("swapin=0", "swapin=5"), GOOD.replace("t=0", "t=100")], "swap counters go back")
    rejects([GOOD.replace("1:init:5:0:6", "1:init:5:0")], "bad process entry '1:init:5:0'")
    rejects([GOOD.replace("1:init:5:0:6", "1:init:5:0:6,1:init:5:0:6")], "process 1 listed twice")


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_memory_png(work):
    out = os.path.join(work, "memory")
    p = run(["bash", os.path.join(HERE, "memplot.sh"), "--log", SAMPLE, out])
    png = os.path.join(out, "memory.png")
    check(p.returncode == 0, f"memplot.sh exited {p.returncode}: {p.stdout}")
    check("warning" not in p.stdout.lower(), f"gnuplot warned: {p.stdout}")
    check(os.path.getsize(png) > 10000, f"{png} is {os.path.getsize(png)} bytes")


def test_memplot_refuses_empty_log(work):
    log = os.path.join(work, "empty.log")
    with open(log, "w") as f:
        f.write("quire: init exited with status 0\n")
    p = run(["bash", os.path.join(HERE, "memplot.sh"), "--log", log, os.path.join(work, "empty")])
    check(p.returncode == 1 and "memtrace=100" in p.stdout, f"exit {p.returncode}: {p.stdout}")


def test_policies_png(work):
    png = os.path.join(work, "policies.png")
    p = run(["bash", os.path.join(HERE, "policyplot.sh"), os.path.join(HERE, "sample-pum.txt"), png])
    check(p.returncode == 0 and "(6 policies)" in p.stdout, f"exit {p.returncode}: {p.stdout}")
    check(os.path.getsize(png) > 5000, f"{png} is {os.path.getsize(png)} bytes")


def test_policies_refuses(work):
    bad = os.path.join(work, "pum-bad.txt")
    for text, needle in (("loop 1000 500\n", "no \"policy NAME"),
                         ("policy LRU geomean_all 2.2 geomean_real x worst 3\n", "line 1 is not")):
        with open(bad, "w") as f:
            f.write(text)
        p = run(["bash", os.path.join(HERE, "policyplot.sh"), bad, os.path.join(work, "bad.png")])
        check(p.returncode == 1 and needle in p.stdout, f"exit {p.returncode}: {p.stdout}")


TESTS = [test_sample_parses, test_rates, test_series, test_crlf_and_noise, test_bad_lines,
         test_memory_png, test_memplot_refuses_empty_log, test_policies_png, test_policies_refuses]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    lines = []
    for t in TESTS:
        name = t.__name__[len("test_"):]
        try:
            t(a.work) if t.__code__.co_argcount else t()
            lines.append(f"ok plot/{name}")
        except Exception as e:  # a test that crashes has failed, with its reason shown
            lines.append(f"not ok plot/{name}")
            print(f"plot/{name}: FAILED: {e}")
    with open(a.results, "w") as f:
        f.write("".join(x + "\n" for x in lines))
    bad = sum(x.startswith("not ok") for x in lines)
    print(f"plot: {len(lines) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
