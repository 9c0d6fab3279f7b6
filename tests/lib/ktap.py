#!/usr/bin/env python3
"""ktap.py - run an emulator, read the kernel's serial log and turn its KTAP into results.

usage: ktap.py --prefix NAME --results FILE --log LOG [--timeout S] [--serial-file F]
               [--qemu-status N] -- COMMAND...

The command's stdout is the serial console unless --serial-file names the file the
emulator writes it to (Bochs). Results are appended to FILE as "ok NAME/test" or
"not ok NAME/test" lines. Besides every test's own line, the run itself fails (as
NAME/<check> lines) on: no KTAP header or plan, fewer results than planned, a kernel
panic or unexpected exception, a timeout, or an exit status other than success.
Exit status: 0 when everything passed, 1 otherwise.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time

SUCCESS_CODE = 0x10  # kernel/arch/x86_64/power.h EXIT_SUCCESS_CODE


def run(cmd, log_path, timeout, serial_file):
    """Run cmd; return (serial text, timed_out, returncode)."""
    with open(log_path + ".emu" if serial_file else log_path, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    src = serial_file if serial_file else log_path
    try:
        with open(src, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    except FileNotFoundError:
        text = ""
    if serial_file:
        with open(log_path, "w") as f:
            f.write(text)
    return text, timed_out, p.returncode


def parse(text):
    """Return (plan or None, [(ok, n, name, diag_lines)], panic_lines, exit_code or None)."""
    lines = text.split("\n")
    plan, results, diags, panics, exit_code, started = None, [], [], [], None, False
    for ln in lines:
        if ln.strip() == "KTAP version 1":
            started = True
            continue
        m = re.match(r"^exit code (\d+)$", ln.strip())
        if m:
            exit_code = int(m.group(1))
        if "PANIC:" in ln:
            panics.append(ln.strip())
        if not started:
            continue
        m = re.match(r"^1\.\.(\d+)$", ln.strip())
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = re.match(r"^(not ok|ok) (\d+) (\S+)", ln.strip())
        if m:
            results.append((m.group(1) == "ok", int(m.group(2)), m.group(3), diags))
            diags = []
        elif ln.startswith("#"):
            diags.append(ln)
    return plan, results, panics, exit_code


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--serial-file")
    ap.add_argument("--qemu-status", type=int, help="expected emulator exit status")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    t0 = time.time()
    text, timed_out, rc = run(cmd, a.log, a.timeout, a.serial_file)
    plan, results, panics, exit_code = parse(text)
    out, bad = [], 0

    def rec(ok, name, why=""):
        nonlocal bad
        out.append(("ok " if ok else "not ok ") + a.prefix + "/" + name)
        if not ok:
            bad += 1
            print(f"{a.prefix}: FAILED {name}{': ' + why if why else ''}")

    for ok, n, name, diags in results:
        if not ok:
            for d in diags:
                print(f"{a.prefix}:   {d}")
        rec(ok, name)
    if plan is None:
        rec(False, "ktap-plan", "no KTAP header or plan in the serial log")
    elif len(results) != plan:
        rec(False, "ktap-complete", f"plan was 1..{plan}, got {len(results)} results")
    if panics:
        rec(False, "no-panic", panics[0])
    if timed_out:
        rec(False, "no-timeout", f"killed after {a.timeout:.0f} s")
    if exit_code != SUCCESS_CODE:
        rec(False, "exit-status", f"kernel exit code {exit_code}")
    if a.qemu_status is not None and not timed_out and rc != a.qemu_status:
        rec(False, "emulator-status", f"emulator exited {rc}, expected {a.qemu_status}")
    with open(a.results, "a") as f:
        f.write("".join(l + "\n" for l in out))
    print(f"{a.prefix}: {len(out) - bad} passed, {bad} failed "
          f"({time.time() - t0:.1f} s, log {a.log})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
