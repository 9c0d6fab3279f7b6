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
import diskcheck
import os
import re
import subprocess
import sys

BAD = ["bad_null", "bad_read_kernel", "bad_write_kernel", "bad_exec_data", "bad_ud", "bad_gp",
       "bad_div", "bad_stack", "bad_write_code", "bad_port", "bad_noncanonical",
       "bad_write_readonly"]

# name: (init list, expected regexes, allowed kernel exit codes, extra command line[, MiB of RAM, MiB of swap disk[,
#        seconds the run may take in QEMU (five times that in Bochs), default --timeout]])
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
    # the small swap scenario for Bochs: two processes touching twice the RAM of 16 MiB
    "swap_small": ("swapper:12,swapper:12,locker:1",
                   [r"^PASS swapper \d+: 3072 pages verified three times", r"^PASS locker",
                    r"# verify-2 .*clean-drops [1-9]\d*"], {16}, "swap=hdb", 16, 64),
    # a disk error in the 200th swap-in: the process that needed the page dies, not the kernel
    # (which one needs the 200th page depends on timing: a swapper or the worker; exactly
    # one program fails, the others finish with every byte checked)
    "swap_ioerr": ("swapper:20,swapper:20,worker",
                   [r"swap: injecting a disk error into swap-in number 200",
                    r"\((swapper|worker)\) killed: .*disk error while reading the page from swap",
                    r"^PASS swapper \d+: 5120 pages verified three times", r"^init: 1 of 3 programs failed"],
                   {17}, "swap=hdb swap.fail_read=200", 32, 64),
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
    # messages (specs/messages.md): 10,000 calls with every reply checked; 64 MiB granted in
    # 1 MiB chunks through three stages that each checksum it; a server killed mid-stream
    # gives its clients QE_PIPE, and a call queued on a port whose owner dies gets its grant back
    "messages": ("msgtest:1,msgtest:2,msgtest:4",
                 [r"^PASS msgtest 1 ", r"^PASS msgtest 2 ", r"^PASS msgtest 4 ",
                  r"^PASS msgtest stage 1: 64 chunks, 64 MiB checksummed, 0 bad",
                  r"^PASS msgtest stage 3: 64 chunks, 64 MiB checksummed, 0 bad",
                  r"^msgtest client \d+: [1-9]\d* replies, then QE_PIPE",
                  r"^ok - killed/queued-grant-comes-back"], {16}, ""),
    # the producer touches a page it granted away: it dies alone, the stages go on
    "messages_touch": ("msgtest:3",
                       [r"\(msgtest\) killed: page fault at .* \(no memory is mapped there\)",
                        r"^PASS msgtest 3 ", r"^PASS msgtest stage 3: 3 chunks, 3 MiB checksummed, 0 bad"],
                       {16}, ""),
    # grants of pages partly in swap, under memory pressure (32 MiB, a swapper beside)
    "grant_swap": ("msgtest:5,swapper:24",
                   [r"^PASS msgtest 5 ", r"# grant_swap: 4096 pages granted there and back: [1-9]\d* in RAM, [1-9]\d* in swap",
                    r"^PASS swapper \d+: 6144 pages verified three times"], {16}, "swap=hdb", 32, 192),
    # threads racing on every message and process-control path, under swap pressure
    "msgrace": ("msgrace,swapper:40",
                [r"^PASS msgrace ", r"^PASS swapper \d+: 10240 pages verified three times"],
                {16}, "swap=hdb", 32, 192),
    # user-controlled state on the return path (retpath.c): NT/AC/DF/IOPL and GS survive a
    # system call; a syscall whose return address is non-canonical, a single-step trap
    # after a syscall and wrgsbase each kill only their process
    "retpath": ("retpath:1,retpath:2,retpath:3,retpath:4,worker",
                [r"^PASS retpath 1", r"^PASS worker",
                 r"quire: process \d+ \(retpath\) killed: system call returns to a non-canonical address 0000800000000000",
                 r"quire: process \d+ \(retpath\) killed: #DB debug, rip",
                 r"quire: process \d+ \(retpath\) killed: #UD invalid opcode, rip"], {16, 17}, ""),
    # x87/SSE/AVX registers are each thread's own (fpu.c): three marker processes, one
    # x87-only, each with a thread and fresh children; every one must exit 0 (init 0 -> 16)
    "fpu": ("fpu:1,fpu:1,fpu:1,fpu:3,worker",
            [r"^fpu: xsave, x87 sse avx, 832-byte area per thread, eager switch",
             r"^# fpu: xsave, x87 sse avx, image 832 bytes", r"^PASS fpu 1", r"^PASS fpu 3",
             r"^PASS worker", r"^init: 0 of 5 programs failed"], {16}, ""),
    # the page-table hog (pthog.c): one byte per GiB of thread space fills RAM with page
    # tables; with swap on it must be killed, in bounded time, while the worker finishes
    "pthog": ("pthog,worker:3",
              [r"quire: process \d+ \(pthog\) killed: .*out of memory", r"^PASS worker",
               r"init: pthog \(pid \d+\) exited with status -1"], {17}, "swap=hdb", 32, 64, 60),
    # stack frames larger than the guard page (bad_stack_big.c): stack probes
    # (-fstack-clash-protection) must make each one a stack overflow, not silent growth
    "stack": ("bad_stack_big:1,worker",
              [r"quire: process \d+ \(bad_stack_big\) killed: page fault at [0-9a-f]+ \(stack overflow \(guard page\)\)",
               r"^PASS worker"], {17}, "", 128, 0, 60),
    "stack_2m": ("bad_stack_big:2,worker",
                 [r"quire: process \d+ \(bad_stack_big\) killed: page fault at [0-9a-f]+ \(stack overflow \(guard page\)\)",
                  r"^PASS worker"], {17}, "", 128, 0, 60),
    # regressions of issues 16 and 17 (robust.c): two joiners or waiters, ids above 32
    # bits, SYS_WRITE's checks, the thread and process limits, init given a number
    "robust": ("robust:1", [r"^PASS robust", r"^# thread limit: 6\d threads made, then -11",
                            r"^# process limit: \d+ processes made, then -11"], {16}, ""),
    # failure paths give every frame back (leaks.c; the runner's frame check is the test):
    # spawns and threads refused for lack of memory at every step of their creation, and
    # a fork bomb against the process limit
    "leaks_spawn": ("leaks:1", [r"^PASS leaks 1", r"^# spawns: [1-9]\d* started, [1-9]\d* refused with -QE_NOMEM, 0 otherwise"],
                    {16}, "", 32, 0, 120),
    "leaks_threads": ("leaks:2", [r"^PASS leaks 2", r"^# threads: [1-9]\d* made; refusals: [1-9]\d* -QE_NOMEM"],
                      {16}, "", 32, 0, 120),
    "forkbomb": ("leaks:3", [r"^PASS leaks 3"], {16}, "", 128, 0, 120),
    # the system-call storm (storm.c): 100,000 random calls with seed 1, four threads
    "storm": ("storm:100001", [r"^PASS storm", r"^storm: seed 1, \d+ calls in \d+ ticks"], {16}, "", 128, 0, 300),
    # nothing of a process outlives it (residue.c): writers fill RAM and swap with markers
    # and exit; a reader then gets only zeros in 24 MiB of demand memory on a 16 MiB machine
    "residue": ("residue:1", [r"^PASS residue", r"^# residue: reader saw 0 pages not zero, 0 of its own pages wrong"],
                {16}, "swap=hdb", 16, 96, 120),
    # make soak: the storm with 1,000,000 calls per seed, one run beside swappers on a small
    # machine (paging while the storm runs), one seed in Bochs
    "soak_storm_11": ("storm:1000011", [r"^PASS storm", r"^storm: seed 11, \d+ calls"], {16}, "", 128, 0, 600),
    "soak_storm_12": ("storm:1000012", [r"^PASS storm", r"^storm: seed 12, \d+ calls"], {16}, "", 128, 0, 600),
    "soak_storm_13": ("storm:1000013", [r"^PASS storm", r"^storm: seed 13, \d+ calls"], {16}, "", 128, 0, 600),
    "soak_storm_swap": ("storm:1000014,swapper:40,swapper:40",
                        [r"^PASS storm", r"^storm: seed 14, \d+ calls", r"swap-outs [1-9]\d*",
                         r"^PASS swapper \d+: 10240 pages verified three times"], {16}, "swap=hdb", 32, 192, 900),
    "soak_storm_bochs": ("storm:1000021", [r"^PASS storm", r"^storm: seed 21, \d+ calls"], {16}, "", 128, 0, 600),
}
SCENARIOS.update({
    # the versioned file system from a program (apps/files.c), on a disk the host then
    # checks with qfs: fsck clean, the versions and bytes the program reported
    "files": ("files", [r"^PASS files", r"fs: hdd mounted"], {16}, "", 128, 0, {"root": True}),
    # versioned file mappings (apps/vmap.c mode 1): private copies of two processes, six
    # mappings and six versions, bad input, exit and kill rules, threads racing
    "vmap": ("vmap:1", [r"^PASS vmap", r"fs: hdd mounted"], {16}, "", 128, 0, {"root": True}),
    # the same checks in Bochs (and in QEMU with 32 MiB)
    "vmap_small": ("vmap:1", [r"^PASS vmap", r"fs: hdd mounted"], {16}, "", 32, 0, {"root": True}),
    # a disk whose newest root record is damaged: the kernel says so, mounts the generation
    # before read-only, refuses every change, and the host finds the image byte for byte as
    # it was
    "rollback": ("vmap:5", [r"^PASS vmap", r"fs: hdd: generation \d+ cannot be used .* READ-ONLY",
                            r"fs: hdd mounted read-only"], {16}, "", 64, 0, {"root": True, "prepare": "rollback"}),
    # a read/write mapping of a file 3x RAM (32 MiB) beside anonymous swappers: every page
    # written and verified twice, then read once more without a write; the host checks both
    # versions block for block
    "vmap_big": ("vmap:3,swapper:40",
                 [r"^PASS vmap", r"^PASS swapper \d+: 10240 pages verified three times",
                  r"# read-only pass: [1-9]\d* pages dropped clean"],
                 {16}, "swap=hdb", 32, 192, {"root": True, "root_mib": 320}),
})
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
FORBIDDEN = [r"PANIC", r"survived", r"must never be printed"]
FRAMES = re.compile(r"quire: init exited with status (-?\d+); free frames (\d+) before, (\d+) after")


def run(emulator, iso, work, timeout, mem=128, disk_mib=0, root=None):
    os.makedirs(work, exist_ok=True)
    img = os.path.join(work, "swap.img")
    if disk_mib:
        with open(img, "wb") as f:
            f.truncate(disk_mib << 20)
    if emulator == "bochs":
        env = dict(os.environ, BOCHS_MEGS=str(mem))
        if root:
            env["ROOT_DISK"] = root
        subprocess.run(["bash", "tests/bochs/run-bochs.sh", iso, work, "-", str(timeout)] +
                       ([img] if disk_mib else []), env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout + 30)
        path = os.path.join(work, "serial.log")
        return open(path, "rb").read().decode("utf-8", "replace") if os.path.exists(path) else ""
    disk = ["-drive", f"file={img},format=raw,if=ide,index=1"] if disk_mib else []
    if root:  # the file-system disk: hdd (QEMU's secondary slave; the CD is its master)
        disk += ["-drive", f"file={root},format=raw,if=ide,index=3"]
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
        nums = [x for x in hw if not isinstance(x, dict)]
        opts = next((x for x in hw if isinstance(x, dict)), {})
        mem, disk_mib, timeout = (nums + [128, 0, a.timeout][len(nums):])[:3]
        if len(nums) > 2 and a.emulator == "bochs":
            timeout *= 5  # a scenario's own limit is in QEMU seconds; Bochs is slower
        root = None
        if opts.get("root"):  # a file-system disk with the programs in bin/, as root=hdd
            root = os.path.join(a.build, f"{a.prefix}-{name}", "root.img")
            os.makedirs(os.path.dirname(root), exist_ok=True)
            if not diskcheck.make_disk(a.build, root, apps, f"{opts.get('root_mib', 64)}M"):
                print(f"{a.prefix}/{name}: FAILED: could not make {root}")
                res.append(f"not ok {a.prefix}/{name}")
                bad += 1
                continue
            if opts.get("prepare") and not diskcheck.prepare(a.build, root, opts["prepare"]):
                print(f"{a.prefix}/{name}: FAILED: could not prepare {root}")
                res.append(f"not ok {a.prefix}/{name}")
                bad += 1
                continue
            extra = f"{extra} root=hdd".strip()
        iso = os.path.join(a.build, "iso", f"scenario-{name}.iso")
        mk = subprocess.run(["bash", "tests/lib/mkiso.sh", iso, os.path.join(a.build, "kernel.elf"),
                             f"init={init} loglevel=2 {extra}".strip()] + mods)
        if mk.returncode != 0:
            print(f"{a.prefix}/{name}: FAILED: could not make {iso}")
            res.append(f"not ok {a.prefix}/{name}")
            bad += 1
            continue
        log = run(a.emulator, iso, os.path.join(a.build, f"{a.prefix}-{name}"), timeout, mem, disk_mib,
                  root)
        logpath = os.path.join(a.build, "logs", f"{a.prefix}-{name}.log")
        os.makedirs(os.path.dirname(logpath), exist_ok=True)
        open(logpath, "w").write(log)
        checks = check(name, log, expect, exits)
        if root and opts.get("prepare"):
            checks += diskcheck.check_prepared(a.build, root, opts["prepare"])
        elif root:
            checks += diskcheck.check(a.build, root, log.replace("\r", ""))
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
