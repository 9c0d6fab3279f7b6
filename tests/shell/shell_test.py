#!/usr/bin/env python3
"""shell_test.py - a person at the serial console, played by a script: boot Quire in QEMU
with `init=sh` (the command line of `make run`), its COM1 on a pty, type into the shell
with a person's pace, and check what the screen shows (tests/shell/screen.py renders it).

usage: shell_test.py --build DIR --results FILE [--cmdline "init=sh ..."] [--timeout S]

Steps: line editing (backspace, left/right, Ctrl-A/E, Ctrl-U, history up/down) checked on
the screen line itself; argument lists; errors by name (no such program, bad numbers); a
background swapper seen by `ps` while it swaps, `jobs`, `kill PID`; Ctrl-C of a foreground
busy loop; `mem` and `swap`; the kernel monitor by Ctrl-] and back; programs from the
file-system disk (`ls`, a mapping committed twice by `vmap`, `bin/hello;1`, a text file
written into three versions by `write`, each read back by `cat`, compared by `diff` and purged
to the newest by `purge`); `exit`, after which the
kernel must report every frame and swap block back. Results: "ok shell/NAME" lines in FILE.
"""
import argparse
import glob
import os
import pty
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from screen import Screen  # noqa: E402

PROMPT = "\rsh> \x1b[K"
UP, DOWN, RIGHT, LEFT = "\x1b[A", "\x1b[B", "\x1b[C", "\x1b[D"
CTRL_A, CTRL_C, CTRL_E, CTRL_U, BS, MONITOR_KEY = "\x01", "\x03", "\x05", "\x15", "\x7f", "\x1d"


class Console:
    """QEMU with its serial console on a pty; everything received, raw and rendered."""

    def __init__(self, cmd, log):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.raw = ""
        self.screen = Screen()
        self.log = log

    def pump(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536).decode("utf-8", "replace")
            except OSError:
                return
            self.raw += data
            self.screen.feed(data)
            self.log.write(data)

    def wait_for(self, rx, timeout, since=0):
        """The first match of @rx in the text received after offset @since, or None."""
        end = time.time() + timeout
        while True:
            m = re.search(rx, self.raw[since:], re.M)
            if m or time.time() > end or self.proc.poll() is not None:
                return m
            self.pump(0.1)

    def type(self, keys):
        """Keys one by one, 15 ms apart (escape sequences whole, as a terminal sends them)."""
        for k in re.findall(r"\x1b\[[0-9]*[A-Za-z~]|.", keys, re.S):
            os.write(self.master, k.encode())
            self.pump(0.015)

    def command(self, keys, timeout=30):
        """Type @keys (without Enter), note the screen line, press Enter, wait for the next
        prompt. Returns (the screen line before Enter, the output up to the prompt)."""
        self.type(keys)
        self.pump(0.3)
        line = self.screen.cursor_line()
        mark = len(self.raw)
        self.type("\r")
        m = self.wait_for(re.escape(PROMPT), timeout, mark)
        out = self.raw[mark:mark + m.start()] if m else self.raw[mark:]
        return line, out.replace("\r", "")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


class Checks:
    def __init__(self):
        self.results = []

    def check(self, name, ok, detail=""):
        self.results.append((name, bool(ok)))
        print(f"shell/{name}: {'ok' if ok else 'FAILED ' + detail}")
        return ok


def procs_of(out):
    """`ps` output as {name: [row fields]} (the last row of each name)."""
    rows = {}
    for ln in out.split("\n"):
        f = ln.split()
        if len(f) == 8 and f[0].isdigit():
            rows[f[2]] = f
    return rows


def edits(con, ck):
    line, out = con.command("hellp" + BS + "o")
    ck.check("backspace", line == "sh> hello" and "hello, world" in out, f"screen {line!r}")
    line, out = con.command("cho one two" + CTRL_A + "e" + CTRL_E + " three")
    ck.check("ctrl-a-ctrl-e", line == "sh> echo one two three" and "\none two three\n" in out, f"screen {line!r}")
    line, out = con.command("echo abd" + LEFT + "c" + RIGHT + "e")
    ck.check("left-right", line == "sh> echo abcde" and "\nabcde\n" in out, f"screen {line!r}, out {out!r}")
    line, out = con.command("echo abXc" + LEFT + BS)
    ck.check("backspace-in-middle", line == "sh> echo abc" and "\nabc\n" in out, f"screen {line!r}")
    line, out = con.command("echo garbage" + CTRL_U + "echo fine")
    ck.check("ctrl-u", line == "sh> echo fine" and "\nfine\n" in out, f"screen {line!r}")
    line, out = con.command(UP + UP + UP + DOWN)
    ck.check("history-up-down", line == "sh> echo abc" and "\nabc\n" in out, f"screen {line!r}")
    line, out = con.command("  hello   a  'b c'  ")
    ck.check("argv", 'argv[1] = "a"' in out and 'argv[2] = "\'b"' in out and 'argv[3] = "c\'"' in out,
             f"out {out!r}")


def errors(con, ck):
    _, out = con.command("nosuch 1 2")
    ck.check("error-no-such-program", "sh: nosuch: QE_NOENT" in out, out)
    _, out = con.command("swapper 99999999999")
    ck.check("error-swapper-bad-mode", "swapper: bad argument 99999999999" in out and "exited with status 2" in out, out)
    _, out = con.command("worker 12x")
    ck.check("error-bad-number", "worker: bad number '12x'" in out, out)
    _, out = con.command("kill 99999999999999999999")
    ck.check("error-kill-overflow", "sh: kill: bad number '99999999999999999999'" in out, out)
    _, out = con.command("kill 999999")
    ck.check("error-kill-no-such", "sh: kill: 999999: QE_SRCH" in out, out)


def background(con, ck):
    _, out = con.command("swapper 3064 &")
    m = re.search(r"\[(\d+)\] (\d+)", out)
    ck.check("background-start", m, out)
    pid = m.group(2) if m else "?"
    swapped = None
    for _ in range(60):  # ps while it runs, until some of its pages are in swap
        _, out = con.command("ps")
        row = procs_of(out).get("swapper")
        if row and row[0] == pid and int(row[5]) > 0:
            swapped = row
            break
        con.pump(0.5)
    ck.check("ps-while-swapping", swapped and swapped[7] == "running" and int(swapped[4]) > 0,
             f"swapper row {swapped}")
    _, out = con.command("jobs")
    ck.check("jobs-running", re.search(rf"\[1\] {pid} running swapper 3064", out), out)
    return pid


def ctrl_c(con, ck):
    mark = len(con.raw)
    con.type("loop\r")
    m = con.wait_for(r"loop: pid (\d+) runs", 20, mark)
    con.pump(1.0)  # it spins: only preemption lets the shell see the key
    con.type(CTRL_C)
    p = con.wait_for(re.escape(PROMPT), 20, mark + (m.end() if m else 0))
    out = con.raw[mark:].replace("\r", "")
    ok = m and p and "^C" in out and re.search(rf"process {m.group(1)} \(loop\) killed: killed by process", out)
    ck.check("ctrl-c-foreground-loop", ok and "exited with status -1" in out, out[-300:])
    _, out = con.command("ps")
    ck.check("ctrl-c-loop-gone", "sh" in procs_of(out) and "loop" not in procs_of(out), out)


def kill_job(con, ck, pid):
    _, out_kill = con.command(f"kill {pid}")
    ck.check("kill-pid", re.search(rf"process {pid} \(swapper\) killed: killed by process", con.raw), out_kill)
    con.pump(1.0)
    _, out = con.command("jobs")
    # the shell reports an ended job before its next prompt: after `kill` when the swapper
    # was already gone by then, else at `jobs`
    ck.check("jobs-done", re.search(r"\[1\] done +swapper 3064 \(status -1\)", out_kill + out), out_kill + out)


def figures(con, ck):
    _, out = con.command("mem")
    ck.check("mem", re.search(r"^frames: \d+ usable .* free", out, re.M) and "kernel heap:" in out, out)
    _, out = con.command("swap")
    ck.check("swap", re.search(r"^swap: \d+ of \d+ blocks free; policy \w+", out, re.M) and
             re.search(r"swap-outs [1-9]\d*", out), out)


def monitor(con, ck):
    mark = len(con.raw)
    con.type(MONITOR_KEY)
    ok = con.wait_for(r"Quire monitor \(the programs keep running", 10, mark)
    con.type("ps\r")
    ok = ok and con.wait_for(r"processes alive", 10, mark)
    con.type("continue\r")
    ok = ok and con.wait_for(r"monitor: back to the programs", 10, mark)
    _, out = con.command("echo back")
    ck.check("monitor-and-back", ok and "\nback\n" in out, con.raw[mark:][-300:])


def files(con, ck):
    """Programs from the file-system disk, a file mapping committed twice, old versions."""
    _, out = con.command("ls bin")
    ck.check("ls-bin", re.search(r"^  bin/hello;1 +\d+ bytes", out, re.M), out[-300:])
    _, out1 = con.command("vmap", timeout=60)
    _, out2 = con.command("vmap", timeout=60)
    ck.check("vmap-commits", "committed version 1" in out1 and "committed version 2" in out2 and
             re.search(r'page 0 says "version 1 was written', out2) and
             re.search(r'demo/notes;1 .*\n *page 0: "version 1.*\n *demo/notes;2 .*\n *page 0: "version 1.*\n'
                       r' *page 1: "version 2', out2), out2[-500:])
    _, out = con.command("ls demo")
    ck.check("ls-versions", re.search(r"demo/notes;1 +16384 bytes", out) and re.search(r"demo/notes;2 +16384 bytes", out),
             out)
    _, out = con.command("vmap 6 &")
    con.wait_for(r"vmap: holding demo/held", 10)
    mark = len(con.raw)  # the console's file commands, in the kernel monitor
    con.type(MONITOR_KEY)
    ok = con.wait_for(r"Quire monitor \(the programs keep running", 10, mark)
    con.type("ps\r")
    held = con.wait_for(r"map [0-9a-f]+-[0-9a-f]+ demo/held;0 read/write copy \(process space\) offset 0: "
                        r"1 resident \(1 dirty\), 2 not read", 10, mark)
    ck.check("monitor-ps-mapping", held, con.raw[mark:][-600:])
    con.type("diff demo/notes;1 demo/notes;2\r")
    d = con.wait_for(r"\+\+\+ demo/notes;2\s+bytes 4096\.\.4\d+ differ", 10, mark)
    con.type("ls demo\r")
    ls = con.wait_for(r"notes", 10, mark + (d.end() if d else 0))
    con.type("continue\r")
    back = con.wait_for(r"monitor: back to the programs", 10, mark)
    ck.check("monitor-diff-ls", ok and d and ls and back,
             f"monitor {bool(ok)} diff {bool(d)} ls {bool(ls)} back {bool(back)}: {con.raw[mark:][-400:]!r}")
    _, out = con.command("bin/hello;1")
    ck.check("run-a-version", "hello, world" in out, out)
    _, out = con.command("cat demo/nosuch")
    ck.check("cat-error", "cat: demo/nosuch: QE_NOENT" in out, out)
    # a text file edited into three versions from the shell; each version read back
    _, o1 = con.command("write demo/todo buy paper")
    _, o2 = con.command("write -a demo/todo   fix the printer")
    _, o3 = con.command("write demo/todo start over")
    ck.check("write-versions", "write: demo/todo;1 committed (10 bytes)" in o1 and
             "write: demo/todo;2 committed (26 bytes)" in o2 and "write: demo/todo;3 committed (11 bytes)" in o3,
             o1 + o2 + o3)
    _, out = con.command("cat demo/todo;2 demo/todo;1 demo/todo")
    ck.check("cat-versions", "buy paper\nfix the printer\nbuy paper\nstart over\n" in out, repr(out))
    _, out = con.command("diff demo/todo;1 demo/todo;2")
    ck.check("diff-versions", re.search(r"--- demo/todo;1\n\+\+\+ demo/todo;2\n@@ .*@@\n\+fix the printer\n", out) and
             "-buy paper" not in out, repr(out))
    _, out = con.command("diff demo/todo;1 demo/todo;9")
    ck.check("diff-error", "diff: demo/todo;9: QE_NOENT" in out, out)
    _, out = con.command("purge demo/todo 1")
    _, ls = con.command("ls demo/todo")
    ck.check("purge", "purge: demo/todo: 1 version left" in out and re.search(r"demo/todo;3 ", ls) and
             "todo;1" not in ls and "todo;2" not in ls, out + ls)
    _, out = con.command("purge demo/todo 0")
    ck.check("purge-usage", "usage: purge PATH KEEP" in out, out)
    _, out = con.command("write demo")
    ck.check("write-usage", "usage: write [-a] PATH TEXT..." in out, out)
    _, out = con.command("write bin hello")
    ck.check("write-error", "write: bin: QE_ISDIR" in out, out)


def finish(con, ck):
    mark = len(con.raw)
    con.type("exit\r")
    m = con.wait_for(r"free frames (\d+) before, (\d+) after", 30, mark)
    s = con.wait_for(r"free swap blocks (\d+) before, (\d+) after", 10, mark)
    ck.check("exit", m and "init exited with status 0" in con.raw[mark:], con.raw[mark:][-300:])
    ck.check("frames-returned", m and m.group(1) == m.group(2), m.group(0) if m else "no line")
    ck.check("swap-blocks-returned", s and s.group(1) == s.group(2), s.group(0) if s else "no line")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--cmdline", default="init=sh loglevel=1 swap=hdb")
    ap.add_argument("--mem", default="32")
    a = ap.parse_args()
    iso = os.path.join(a.build, "iso", "shell-test.iso")
    mods = [f"{p}={os.path.basename(p)[:-4]}" for p in sorted(glob.glob(os.path.join(a.build, "apps", "*.elf")))]
    ck = Checks()
    if subprocess.run(["bash", "tests/lib/mkiso.sh", iso, os.path.join(a.build, "kernel.elf"), a.cmdline] + mods).returncode:
        ck.check("iso", False, "mkiso failed")
    else:
        disk = os.path.join(a.build, "shell-test-swap.img")
        with open(disk, "wb") as f:
            f.truncate(128 << 20)
        root = os.path.join(a.build, "shell-test-root.img")  # programs in bin/, as make run's disk
        elfs = sorted(glob.glob(os.path.join(a.build, "apps", "*.elf")))
        subprocess.run(["bash", "tests/lib/mkdisk.sh", os.path.join(a.build, "tools", "qfs"), root, "64M"] + elfs,
                       check=True)
        os.makedirs(os.path.join(a.build, "logs"), exist_ok=True)
        log = open(os.path.join(a.build, "logs", "shell-test.log"), "w")
        con = Console(["qemu-system-x86_64", "-M", "pc", "-cpu", "max", "-m", a.mem, "-nic", "none", "-display", "none",
                       "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-cdrom", iso, "-boot", "d",
                       "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con", "-monitor", "none", "-drive", f"file={disk},format=raw,if=ide,index=1",
                       "-drive", f"file={root},format=raw,if=ide,index=3"], log)
        try:
            if ck.check("boot-to-prompt", con.wait_for(re.escape(PROMPT), 60), con.raw[-300:]):
                edits(con, ck)
                errors(con, ck)
                kill_job(con, ck, background(con, ck))
                ctrl_c(con, ck)
                figures(con, ck)
                monitor(con, ck)
                files(con, ck)
                finish(con, ck)
        finally:
            con.close()
            log.close()
            os.remove(disk)
            os.remove(root)
    with open(a.results, "a") as f:
        f.write("".join(f"{'ok' if ok else 'not ok'} shell/{n}\n" for n, ok in ck.results))
    failed = [n for n, ok in ck.results if not ok]
    print(f"shell: {len(ck.results) - len(failed)} passed, {len(failed)} failed (log {a.build}/logs/shell-test.log)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
