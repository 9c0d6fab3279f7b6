#!/usr/bin/env python3
"""crashtest.py - kill QEMU while a program commits file versions, then check the disk.

usage: crashtest.py --build DIR --results FILE [--kills N] [--seed S] [--mode files|vmap]

`files:2` (apps/files.c) commits versions of t/crash in a loop and prints
"COMMITTED t/crash;V SIZE CRC" after each close returned; with --mode vmap, `vmap:4`
(apps/vmap.c) does the same through read/write mappings of t/mcrash, each version
committed by an unmap ("COMMITTED t/mcrash;V SIZE"). The test boots it N times on one
disk image (root=hdd) and kills QEMU (SIGKILL) at a random moment of each run (a fixed
seed: the same moments every time). After every kill the host checks the image with the
project's qfs tool:
  - `qfs fsck` passes;
  - every version on the disk is whole: its bytes are exactly what the program writes for
    that version number (no half-written version, whether or not its commit was printed);
  - every version the program reported committed is still there, except those older than
    the newest 64 (the file's version limit, set by the program, purges them).
Results go to FILE as "ok scenario/crash/..." lines.
"""
import argparse
import glob
import os
import random
import re
import subprocess
import sys
import threading
import time
import zlib

import diskcheck

LIMIT = 64


def expected(v, mode="files"):
    """The bytes version v holds: fill(v % 20 + 1) in apps/files.c, or crash_fill in
    apps/vmap.c (always 20497 bytes: a mapping never shrinks its file)."""
    k = v % 20 + 1
    n = 3000 * k + 17 if mode == "files" else 20497
    return bytes(((i * 7 + k * 31 + (i >> 8)) & 0xFF) for i in range(n))


MODES = {  # init program, file, results name
    "files": ("files:2", "t/crash", "crash"),
    "vmap": ("vmap:4", "t/mcrash", "mcrash"),
}


def boot_and_kill(build, iso, img, delay, log):
    """Boot, kill `delay` seconds after the first commit is printed (or after 60 s)."""
    cmd = ["qemu-system-x86_64", "-M", "pc", "-cpu", "max", "-m", "128", "-nic", "none", "-display", "none",
           "-no-reboot", "-cdrom", iso, "-boot", "d", "-serial", "stdio", "-monitor", "none",
           "-drive", f"file={img},format=raw,if=ide,index=3"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines, first = [], threading.Event()

    def reader():
        for raw in p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if line.startswith("COMMITTED"):
                first.set()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    first.wait(60)
    time.sleep(delay)
    p.kill()
    p.wait()
    t.join(5)
    with open(log, "a") as f:
        f.write("\n".join(lines) + "\n----- killed -----\n")
    return [l for l in lines if l.startswith("COMMITTED")], first.is_set()


def on_disk(build, img, path):
    """{version: bytes} of path on the image."""
    out = {}
    for v in diskcheck.listed_versions(build, img, path):
        out[v] = subprocess.run([diskcheck.qfs_tool(build), "get", img, f"{path};{v}"],
                                capture_output=True).stdout
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mode", choices=sorted(MODES), default="files")
    a = ap.parse_args()
    prog, path, name = MODES[a.mode]
    rnd = random.Random(a.seed)
    work = os.path.join(a.build, f"scenario-{name}")
    os.makedirs(work, exist_ok=True)
    img, iso, log = os.path.join(work, "root.img"), os.path.join(a.build, "iso", f"scenario-{name}.iso"), \
        os.path.join(a.build, "logs", f"scenario-{name}.log")
    open(log, "w").close()
    apps = sorted(glob.glob(os.path.join(a.build, "apps", "*.elf")))
    res, bad = [], 0
    ok = diskcheck.make_disk(a.build, img, apps) and subprocess.run(
        ["bash", "tests/lib/mkiso.sh", iso, os.path.join(a.build, "kernel.elf"),
         f"init={prog} root=hdd loglevel=1"]).returncode == 0
    reported = {}
    for k in range(a.kills if ok else 0):
        committed, started = boot_and_kill(a.build, iso, img, rnd.uniform(0.0, 1.5), log)
        for line in committed:
            m = re.match(rf"COMMITTED {path};(\d+) (\d+)", line)
            if m:
                reported[int(m.group(1))] = int(m.group(2))
        fsck = subprocess.run([diskcheck.qfs_tool(a.build), "fsck", img], capture_output=True, text=True)
        disk = on_disk(a.build, img, path)
        whole = all(data == expected(v, a.mode) for v, data in disk.items())
        newest = max(list(reported) + list(disk) + [0])
        missing = [v for v in reported if v > newest - LIMIT and v not in disk]
        good = started and fsck.returncode == 0 and whole and not missing
        detail = (f"run {k}: started {started}, fsck {fsck.returncode}, {len(disk)} versions on disk, "
                  f"whole {whole}, reported but missing {missing[:5]}")
        res.append(("ok " if good else "not ok ") + f"scenario/{name}/kill-{k}")
        if not good:
            print(f"scenario/{name}/kill-{k}: FAILED: {detail} (log {log})")
            bad += 1
    res.append(("ok " if ok and len(reported) > 0 else "not ok ") + f"scenario/{name}/commits-seen")
    bad += not (ok and reported)
    print(f"scenario/{name}: {a.kills} kills, {len(reported)} commits reported, "
          f"{'ok' if not bad else 'FAILED'}")
    with open(a.results, "a") as f:
        f.write("".join(r + "\n" for r in res))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
