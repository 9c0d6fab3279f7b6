#!/usr/bin/env python3
"""tap2res.py - run a host test program that prints TAP (cmocka with
CMOCKA_MESSAGE_OUTPUT=TAP) and append its results to a result file.

usage: tap2res.py --prefix NAME --results FILE -- PROGRAM [ARGS...]
Each "ok N - test" / "not ok N - test" becomes "ok NAME/test" / "not ok NAME/test".
The program itself fails (NAME/complete) when it crashes, exits non-zero without a
failing test line, prints no plan, or prints fewer results than its plan.
"""
import argparse
import os
import re
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                           timeout=a.timeout)
        text, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        text, rc = (e.stdout or b"").decode("utf-8", "replace"), "timeout"
    plan, out, bad = None, [], 0
    for ln in text.splitlines():
        m = re.match(r"^1\.\.(\d+)", ln)
        if m:
            plan = (plan or 0) + int(m.group(1))
        m = re.match(r"^(not ok|ok) \d+ - (\S+)", ln)
        if m:
            ok = m.group(1) == "ok"
            out.append(("ok " if ok else "not ok ") + f"{a.prefix}/{m.group(2)}")
            bad += not ok
    complete = plan is not None and len(out) == plan and (rc == 0 or bad > 0)
    out.append(("ok " if complete else "not ok ") + f"{a.prefix}/complete")
    if not complete or bad:
        sys.stdout.write(text)
        print(f"{a.prefix}: exit status {rc}, plan {plan}, {len(out) - 1} results")
    with open(a.results, "a") as f:
        f.write("".join(l + "\n" for l in out))
    return 0 if complete and not bad else 1


if __name__ == "__main__":
    sys.exit(main())
