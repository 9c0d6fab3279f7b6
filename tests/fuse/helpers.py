#!/usr/bin/env python3
"""helpers.py - programs the qfs-fuse tests run through a mount (tests/fuse/run-tests.sh).

  kill-write MNT LOG N P K  commit N versions round-robin over files Pf0 Pf1 Pf2
                         (contents from pattern()), logging "FILE VERSION" after each close
                         returned; commit number K (-1: none) pauses half-written after
                         logging "mid FILE VERSION"
  kill-check MNT LOG     every logged version is listed, every listed version reads back
                         exactly its pattern (run after a SIGKILL and a remount)
  two-writers FILE       two processes open FILE read/write, both write, close in turn
  atomic-edit FILE TEXT  write TEXT to a temp file beside FILE and os.replace() it
  inplace-edit FILE TEXT open FILE 'r+', overwrite it with TEXT, truncate, close
  enospc MNT             write until ENOSPC; the errno must be ENOSPC, close clean
Each prints what went wrong and exits 1 on a failure.
"""
import errno
import hashlib
import os
import re
import sys
import time


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def pattern(fname, version):
    """Deterministic content of version `version` of file `fname`: 1 byte .. ~700 KiB."""
    seed = hashlib.sha256(f"{fname};{version}".encode()).digest()
    size = [1, 4096, 4097, 65536][version % 4] if version < 8 else \
        int.from_bytes(seed[:4], "little") % 700000 + 1
    out = bytearray()
    block = seed
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block * 128
    return bytes(out[:size])


def kill_write(mnt, log, n, prefix, pause_at):
    """Commit n versions; commit number pause_at stops half-written ("mid" logged)."""
    with open(log, "a") as lg:
        for i in range(n):
            f = f"{prefix}f{i % 3}"
            v = i // 3 + 1
            data = pattern(f, v)
            with open(os.path.join(mnt, f), "wb", buffering=0) as fh:
                if i == pause_at:
                    fh.write(data[:len(data) // 2])
                    lg.write(f"mid {f} {v} {len(data) // 2} of {len(data)} bytes\n")
                    lg.flush()
                    os.fsync(lg.fileno())
                    time.sleep(3600)  # killed here, mid-write
                for off in range(0, len(data), 65536):
                    fh.write(data[off:off + 65536])
            lg.write(f"{f} {v}\n")
            lg.flush()
            os.fsync(lg.fileno())
    time.sleep(3600)  # wait for the kill


def kill_check(mnt, log):
    lines = [l.split() for l in open(log).read().splitlines() if l.strip()]
    listed = {}
    for name in os.listdir(mnt):
        m = re.fullmatch(r"(r\d+f\d);(\d+)", name)
        if m:
            listed.setdefault(m.group(1), set()).add(int(m.group(2)))
    logged = [l for l in lines if l[0] != "mid"]
    for f, v in logged:
        if int(v) not in listed.get(f, set()):
            fail(f"committed {f};{v} (close returned) is missing after the kill")
    for _, f, v, *_ in [l for l in lines if l[0] == "mid"]:
        if int(v) in listed.get(f, set()):
            fail(f"{f};{v} was killed half-written but is listed as a version")
    nver = 0
    for f, vs in listed.items():
        for v in sorted(vs):
            with open(os.path.join(mnt, f"{f};{v}"), "rb") as fh:
                if fh.read() != pattern(f, v):
                    fail(f"{f};{v} does not read back as written")
            nver += 1
    print(f"{len(logged)} committed versions logged, {nver} listed, all read back exactly")


def two_writers(path):
    base = open(path, "rb").read()
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    pid = os.fork()
    if pid == 0:  # writer B: opens first, closes last
        fd = os.open(path, os.O_RDWR)
        os.write(w1, b"o")
        os.read(r2, 1)
        os.pwrite(fd, b"BBBB", 4)
        os.close(fd)
        os._exit(0)
    os.read(r1, 1)
    fd = os.open(path, os.O_RDWR)  # writer A
    os.pwrite(fd, b"AAAA", 0)
    os.close(fd)
    os.write(w2, b"c")
    _, st = os.waitpid(pid, 0)
    if st != 0:
        fail("writer B failed")
    want_a = b"AAAA" + base[4:]
    want_b = base[:4] + b"BBBB" + base[8:]  # B's copy was of the version before A's
    return want_a, want_b


def enospc(mnt):
    path = os.path.join(mnt, "big")
    fh = open(path, "wb", buffering=0)
    chunk = os.urandom(65536)
    written = 0
    try:
        while written < 1 << 30:
            written += fh.write(chunk)
        fail("no error after 1 GiB on a small image")
    except OSError as e:
        if e.errno != errno.ENOSPC:
            fail(f"write failed with {errno.errorcode.get(e.errno)} ({e}), not ENOSPC")
    try:
        fh.close()
        print(f"ENOSPC after {written} bytes; close committed the bytes written")
    except OSError as e:
        if e.errno != errno.ENOSPC:
            fail(f"close failed with {errno.errorcode.get(e.errno)}, not ENOSPC")
        print(f"ENOSPC after {written} bytes; close reported ENOSPC too (nothing kept)")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "kill-write":
        kill_write(args[0], args[1], int(args[2]), args[3], int(args[4]))
    elif cmd == "kill-check":
        kill_check(args[0], args[1])
    elif cmd == "two-writers":
        a, b = two_writers(args[0])
        open(args[1], "wb").write(a)
        open(args[2], "wb").write(b)
    elif cmd == "atomic-edit":
        tmp = os.path.join(os.path.dirname(args[0]), ".edit.tmp")
        with open(tmp, "w") as fh:
            fh.write(args[1])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, args[0])
    elif cmd == "inplace-edit":
        with open(args[0], "r+") as fh:
            fh.write(args[1])
            fh.truncate()
    elif cmd == "enospc":
        enospc(args[0])
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
