#!/usr/bin/env python3
"""scenarios.py - boot Quire with user programs and check what the console shows.

usage: scenarios.py --build DIR --results FILE [--emulator qemu|bochs] [--only NAME,...]

Each scenario boots the kernel with every program in DIR/apps as a boot module and the
command line `init=LIST`; init spawns the list at once and waits for each. The scenario
passes when every expected line appears, no forbidden line does (a kernel panic), the
kernel stops with an allowed exit code, and the free-frame count the kernel prints after
init ends equals the count before it started (nothing leaked: frames, page tables,
kernel stacks, heap slabs). Results go to FILE as "ok scenario/NAME/CHECK" lines.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

BAD = ["bad_null", "bad_read_kernel", "bad_write_kernel", "bad_exec_data", "bad_ud", "bad_gp",
       "bad_div", "bad_stack", "bad_write_code", "bad_port", "bad_noncanonical",
       "bad_write_readonly"]

# name: (init list, expected regexes, allowed kernel exit codes, extra command line[, MiB of RAM, MiB of swap disk])
SCENARIOS = {
    "basic": ("hello,threads,worker",
              [r"^hello, world", r"^PASS threads", r"^PASS worker",
               r"quire: process \d+ \(hello\) ended with status 0"], {16}, ""),
    "demand": ("demand", [r"^PASS demand"], {16}, ""),
    "syscall_bad": ("syscall_bad,worker", [r"^PASS syscall_bad", r"^PASS worker"], {16}, ""),
    "memhog": ("memhog,worker:1", [r"^PASS memhog", r"^PASS worker"], {16}, ""),
    # one of each bad access beside well-behaved programs: each bad one dies alone
    "isolation": ("worker," + ",".join(BAD) + ",threads,worker:2",
                  [rf"quire: process \d+ \({b}\) killed: " for b in BAD] +
                  [r"^PASS worker", r"^PASS threads"] +
                  [rf"init: {b} \(pid \d+\) exited with status -1" for b in BAD], {16, 17}, ""),
    # three processes touching 4x RAM (32 MiB) through swap, every page verified twice;
    # the read-only passes re-evict swapped-in pages without writing them (clean drops)
    "swap": ("swapper:43,swapper:43,swapper:43,locker:2,swapper:1030",
             [r"^PASS swapper \d+: 11008 pages verified three times",
              r"^PASS swapper \d+: exiting under pressure", r"^PASS locker",
              r"# verify-2 .*clean-drops [1-9]\d*", r"swap: hdb, \d+ blocks",
              r"# reads after the first pass: [1-9]\d* clean drops, ([0-9]|1[0-5]) write-backs"], {16}, "swap=hdb", 32, 192),
    # one process, twice the RAM: once its pages have been swapped in, reading them causes
    # evictions that write nothing (clean drops) and no write-back at all
    "swap_reread": ("swapper:64",
                    [r"# reads after the first pass: [1-9]\d* clean drops, 0 write-backs",
                     r"^PASS swapper \d+: 16384 pages verified three times"], {16}, "swap=hdb", 32, 128),
    # a disk error in the 200th swap-in: the process that needed the page dies, not the kernel
    # the small swap scenario for Bochs: two processes touching twice the RAM of 16 MiB
    "swap_small": ("swapper:12,swapper:12,locker:1",
                   [r"^PASS swapper \d+: 3072 pages verified three times", r"^PASS locker",
                    r"# verify-2 .*clean-drops [1-9]\d*"], {16}, "swap=hdb", 16, 64),
    "swap_ioerr": ("swapper:20,swapper:20,worker",
                   [r"swap: injecting a disk error into swap-in number 200",
                    r"\(swapper\) killed: .*disk error while reading the page from swap",
                    r"^PASS swapper \d+: 5120 pages verified three times", r"^PASS worker"],
                   {16, 17}, "swap=hdb swap.fail_read=200", 32, 64),
    # RAM and swap both run out: the largest process is killed, the others finish
    "swap_full": ("swapper:40,worker,swapper:40",
                  [r"\(swapper\) killed: .*out of memory and swap: the largest process", r"^PASS worker",
                   r"^PASS swapper \d+: 10240 pages verified three times"], {16, 17}, "swap=hdb", 32, 24),
    # threads racing on the kernel's memory paths under swap pressure (vmrace.c): checked
    # copies that sleep on the disk midway, faults splitting one upper-level mark at once,
    # QA_LOCK over pages that hold data (some of them in swap)
    "vmrace_copy": ("vmrace:1,vmrace:1,swapper:40",
                    [r"^PASS vmrace 1", r"^PASS swapper \d+: 10240 pages verified three times"],
                    {16}, "swap=hdb", 32, 192),
    "vmrace_fault": ("vmrace:2,swapper:40",
                     [r"^PASS vmrace 2", r"^PASS swapper \d+: 10240 pages verified three times"],
                     {16}, "swap=hdb", 32, 192),
    "vmrace_lock": ("vmrace:3,swapper:40",
                    [r"^PASS vmrace 3", r"^PASS swapper \d+: 10240 pages verified three times"],
                    {16}, "swap=hdb", 32, 192),
}
# `make scale` (not in make test): the swap scenario at 512 MiB (every size x16) and at 4 GiB
# (bounded: five 999 MiB swappers, 1.5x RAM in all), and 2 GiB of demand pages touched
SCALE = {
    "scale_swap_512m": ("swapper:688,swapper:688,swapper:688,locker:32,swapper:1480",
                        [r"^PASS swapper \d+: 176128 pages verified three times",
                         r"^PASS swapper \d+: exiting under pressure", r"^PASS locker",
                         r"# verify-2 .*clean-drops [1-9]\d*", r"swap: hdb, \d+ blocks",
                         r"# reads after the first pass: [1-9]\d* clean drops"], {16}, "swap=hdb", 512, 3072),
    "scale_swap_4g": ("swapper:999,swapper:999,swapper:999,swapper:999,swapper:999,locker:256,swapper:1999",
                      [r"^PASS swapper \d+: 255744 pages verified three times",
                       r"^PASS swapper \d+: exiting under pressure", r"^PASS locker",
                       r"# verify-2 .*clean-drops [1-9]\d*", r"swap: hdb, \d+ blocks",
                       r"# reads after the first pass: [1-9]\d* clean drops"], {16}, "swap=hdb", 4096, 6144),
    "scale_demand_2g": ("demand:2048", [r"^PASS demand", r"^# touched 2048 MiB: 524288 pages"], {16}, "", 3072),
}
SWAP_BLOCKS = re.compile(r"quire: free swap blocks (\d+) before, (\d+) after")
# The runner checks itself: a kernel told to leak one frame must fail the leak check, and
# a swap that forgets to write pages (programs then read zeros, or crash on lost code
# pages) must fail the data checks.
SELFCHECKS = [
    ("detects-leak", "basic", "debug.leak_frame", {"frames-returned", "exit-code"}, "leaking frame"),
    ("detects-lost-pages", "swap_reread", "debug.swap_skip_write",
     {"expect:# reads after the first pass: [1-9]\\d* clean drops, 0 write-backs",
      "expect:^PASS swapper \\d+: 16384 pages verified three times", "exit-code"}, "swap_skip_write"),
]
FORBIDDEN = [r"PANIC", r"survived"]
FRAMES = re.compile(r"quire: init exited with status (-?\d+); free frames (\d+) before, (\d+) after")


def run(emulator, iso, work, timeout, mem=128, disk_mib=0):
    os.makedirs(work, exist_ok=True)
    img = os.path.join(work, "swap.img")
    if disk_mib:
        with open(img, "wb") as f:
            f.truncate(disk_mib << 20)
    if emulator == "bochs":
        env = dict(os.environ, BOCHS_MEGS=str(mem))
        subprocess.run(["bash", "tests/bochs/run-bochs.sh", iso, work, "-", str(timeout)] +
                       ([img] if disk_mib else []), env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout + 30)
        path = os.path.join(work, "serial.log")
        return open(path, "rb").read().decode("utf-8", "replace") if os.path.exists(path) else ""
    disk = ["-drive", f"file={img},format=raw,if=ide,index=1"] if disk_mib else []
    cmd = ["qemu-system-x86_64", "-M", "pc", "-cpu", "max", "-m", str(mem), "-nic", "none",
           "-display", "none", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-cdrom", iso, "-boot", "d", "-serial", "stdio", "-monitor", "none"] + disk
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        return p.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode("utf-8", "replace") + "\nTIMEOUT\n"


def check(name, log, expect, exits):
    """Return [(check name, ok, detail)]."""
    out = []
    log = log.replace("\r", "")
    lines = log.split("\n")
    for rx in expect:
        ok = any(re.search(rx, ln) for ln in lines)
        out.append((f"expect:{rx}", ok, "missing"))
    for rx in FORBIDDEN:
        bad = [ln for ln in lines if re.search(rx, ln)]
        out.append((f"no:{rx}", not bad, bad[0] if bad else ""))
    m = [FRAMES.search(ln) for ln in lines]
    m = [x for x in m if x]
    out.append(("init-ended", bool(m), "no 'init exited' line (hang or crash?)"))
    if m:
        out.append(("frames-returned", m[0].group(2) == m[0].group(3),
                    f"free frames {m[0].group(2)} before, {m[0].group(3)} after"))
    sb = [x for x in (SWAP_BLOCKS.search(ln) for ln in lines) if x]
    out.append(("swap-blocks-returned", bool(sb) and sb[0].group(1) == sb[0].group(2),
                f"swap blocks {sb[0].groups() if sb else 'not reported'}"))
    codes = [int(x) for x in re.findall(r"^exit code (\d+)$", log, re.M)]
    out.append(("exit-code", bool(codes) and codes[-1] in exits, f"exit codes {codes}"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--emulator", default="qemu")
    ap.add_argument("--only")
    ap.add_argument("--prefix", default="scenario")
    ap.add_argument("--timeout", type=int, default=400)
    ap.add_argument("--selfcheck", action="store_true", help="also prove the leak check fails on a leak")
    a = ap.parse_args()
    apps = sorted(glob.glob(os.path.join(a.build, "apps", "*.elf")))
    mods = [f"{p}={os.path.basename(p)[:-4]}" for p in apps]
    names = a.only.split(",") if a.only else list(SCENARIOS)
    every = {**SCENARIOS, **SCALE}
    bad = 0
    res = []
    for name in names:
        init, expect, exits, extra, *hw = every[name]
        mem, disk_mib = (hw + [128, 0])[:2] if hw else (128, 0)
        iso = os.path.join(a.build, "iso", f"scenario-{name}.iso")
        mk = subprocess.run(["bash", "tests/lib/mkiso.sh", iso, os.path.join(a.build, "kernel.elf"),
                             f"init={init} loglevel=2 {extra}".strip()] + mods)
        if mk.returncode != 0:
            print(f"{a.prefix}/{name}: FAILED: could not make {iso}")
            res.append(f"not ok {a.prefix}/{name}")
            bad += 1
            continue
        log = run(a.emulator, iso, os.path.join(a.build, f"{a.prefix}-{name}"), a.timeout, mem, disk_mib)
        logpath = os.path.join(a.build, "logs", f"{a.prefix}-{name}.log")
        os.makedirs(os.path.dirname(logpath), exist_ok=True)
        open(logpath, "w").write(log)
        checks = check(name, log, expect, exits)
        failed = [c for c in checks if not c[1]]
        res.append(("ok " if not failed else "not ok ") + f"{a.prefix}/{name}")
        for c in failed:
            print(f"{a.prefix}/{name}: FAILED {c[0]}: {c[2]} (log {logpath})")
        bad += bool(failed)
        print(f"{a.prefix}/{name}: {'ok' if not failed else 'FAILED'} ({len(checks)} checks)")
    for label, name, extra, must_fail, needle in (SELFCHECKS if a.selfcheck else []):
        init, expect, exits, base_extra, *hw = SCENARIOS[name]
        mem, disk_mib = (hw + [128, 0])[:2] if hw else (128, 0)
        iso = os.path.join(a.build, "iso", f"scenario-selfcheck-{label}.iso")
        subprocess.run(["bash", "tests/lib/mkiso.sh", iso, os.path.join(a.build, "kernel.elf"),
                        f"init={init} loglevel=2 {base_extra} {extra}"] + mods)
        log = run(a.emulator, iso, os.path.join(a.build, f"{a.prefix}-selfcheck-{label}"), a.timeout,
                  mem, disk_mib)
        open(os.path.join(a.build, "logs", f"{a.prefix}-selfcheck-{label}.log"), "w").write(log)
        failed = [c[0] for c in check(name, log, expect, exits) if not c[1]]
        ok = must_fail <= set(failed) and needle in log
        res.append(("ok " if ok else "not ok ") + f"{a.prefix}/selfcheck/{label}")
        print(f"{a.prefix}/selfcheck/{label}: {'ok' if ok else 'FAILED'} (failed checks: {failed})")
        bad += not ok
    with open(a.results, "a") as f:
        f.write("".join(r + "\n" for r in res))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
