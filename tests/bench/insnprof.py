#!/usr/bin/env python3
"""insnprof.py - where the instructions of apps/bench.c's timed loops go, exactly.

QEMU runs the user benchmarks in profile mode (`init=bench:2`) with one instruction per
translation block and every block execution logged (`-singlestep -d exec,nochain`, kernel
and user addresses only), so the log has one line per executed instruction, a `rep`
iteration counting as one, as under -icount. This script reads that log (a file or a FIFO),
counts the instructions between each call of the bench's prof_begin and prof_end, and
attributes each one to a part of the operation by the function it is in (symbols from
kernel.elf). It prints `profile.OP_PART N insns/op` lines, N being per operation of the loop
named by the `# profile OP OPS` line on the console (whose log is the second argument).

  syscall  user (the loop and the wrapper), entry (syscall_entry up to the call), dispatch
           (syscall_dispatch_regs up to its jump table), work (the rest of it and what it
           calls), exit (syscall_entry after the call)
  fault    user, entry (the exception stubs and isr_common up to trap_dispatch), dispatch
           (trap_dispatch, user_fault, vm_fault, the space's mutex, region lookup), work
           (finding the entry, the frame, mapping it), zeroing (memset), exit (the checks on
           the way out, isr_return)
  thread, spawn  by kind of work (the function an instruction is in): page-tables, stacks,
           zeroing, copying, regions, heap, frames, locks, scheduling, syscall-entry-exit,
           elf, page-faults, address-spaces, process-records, user, other

usage: insnprof.py EXEC_LOG CONSOLE_LOG KERNEL_ELF BENCH_ELF
"""
import bisect
import os
import re
import subprocess
import sys

TRACE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/")
PROFILE = re.compile(r"^# profile (\w+) (\d+)")
USER_TOP = 0x0000800000000000
DEBUG = os.environ.get("INSNPROF_DEBUG") == "1" # which functions land in "other"
others = {}

# kind of work of a function (thread and spawn), first match wins
KINDS = [
    ("zeroing", r"^memset$"),
    ("copying", r"^memcpy$|^copy_(to|from)_user$|^ktrap_call_catching$|^kjmp_"),
    ("page-tables", r"^pmap_|^set_range$|^release_|^reset_table$|^leaf_slot|^for_slots$|^range_start$|"
                    r"^add_pdpt$|^first_table$|^entries_in$|^span_at$|^peek_slot$|^table_(alloc|free)$"),
    ("stacks", r"^kstack_|^kwalk$|^unmap_pages$|^slot_|^ready_take$"),
    ("regions", r"^region_|^get_spares|^merge_|^vm_map|^vm_region|^begin$|^reserve_tables$"),
    ("heap", r"^kmalloc|^kfree|^kzalloc|^kheap_|^glue_|^slab_"),
    ("frames", r"^frame_|^list_(push|unlink)$"),
    ("locks", r"^spin_|^mutex_|^lock_slow$|^unlock_slow$|^might_sleep$|^check_order$"),
    ("scheduling", r"^sched_|^schedule$|^switch_to$|^switch_context$|^thread_trampoline$|^runq_|"
                   r"^reap|^queue_remove$|^sleep_remove$|^check_may_switch$"),
    ("syscall-entry-exit", r"^syscall_|^isr_|^trap_dispatch$|^proc_return_to_user$|^enter_user$"),
    ("elf", r"^elf_|^load_|^find_module$|^vm_load_page$|^strcmp$"),
    ("page-faults", r"^vm_fault|^vm_page_in$|^page_in_|^vm_page_map$|^kernel_pf$|^vm_frame_alloc$|"
                    r"^user_fault|^lookup$|^is_demand$"),
    ("address-spaces", r"^vm_tspace_|^vm_space_|^reg_|^vm_owner_|^vm_page_release$|^set_exiting$|"
                       r"^release_tspace$|^take_spare$|^layout_intact$|^unlink_tspace$|^pageusage_"),
    ("process-records", r"^proc_|^thread_(alloc|free)$|^user_thread_start$|^sys_|^free_zombies$|^kstr|"
                        r"^strlen$|^find_thread$|^begin_dying$|^setup_thread_space$|^drop_thread_space$"),
]
KIND_RES = [(k, re.compile(r)) for k, r in KINDS]


def symbols(elf):
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2]))
    return syms


def disassembly(elf, funcs):
    """{function: [(address, text)]} for the few functions whose instructions matter."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True, text=True,
                         check=True).stdout
    res, cur = {f: [] for f in funcs}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:", line)
        if m:
            cur = m.group(1) if m.group(1) in funcs else None
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s*(.*)", line)
        if cur and m:
            res[cur].append((int(m.group(1), 16), m.group(2)))
    return res


class Namer:
    def __init__(self, syms):
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def __call__(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"


def kind_of(name):
    for k, rx in KIND_RES:
        if rx.search(name):
            return k
    return "other"


class Phases:
    """Sequence-based parts of a system call or a fault, per instruction."""

    def __init__(self, dis):
        se = dis["syscall_entry"]
        self.sys_call_at = next(a for a, t in se if "syscall_dispatch_regs" in t)
        self.dispatch_jmp = [a for a, t in dis["syscall_dispatch_regs"] if t.startswith("jmp") and "*" in t]
        self.state = "user"

    def syscall(self, pc, name):
        if pc < USER_TOP:
            self.state = "user"
        elif name == "syscall_entry":
            self.state = "entry" if pc <= self.sys_call_at and self.state in ("user", "entry") else "exit"
        elif name == "syscall_dispatch_regs" and self.state == "entry":
            self.state = "dispatch"
        part = self.state
        if part == "dispatch" and pc in self.dispatch_jmp:
            self.state = "work" # the jump table's jump: dispatch ends with it
        return part

    def fault(self, pc, name):
        if pc < USER_TOP:
            self.state = "user"
            return "user"
        if name.startswith("isr_") and name != "isr_return" and self.state in ("user", "entry"):
            self.state = "entry"
        elif name in ("trap_dispatch", "user_fault", "vm_fault", "mutex_lock", "mutex_unlock", "region_find") \
                and self.state != "exit":
            self.state = "dispatch"
        elif name in ("proc_return_to_user", "isr_return", "user_fault_kill") or name.startswith("isr_return"):
            self.state = "exit"
        elif self.state in ("entry", "dispatch", "work", "zeroing"):
            self.state = "zeroing" if name == "memset" else "work"
        return self.state


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    log, console, kelf, belf = sys.argv[1:]
    bsyms = dict((n, a) for a, n in symbols(belf))
    begin, end = bsyms["prof_begin"], bsyms["prof_end"]
    # a marker counts only when called from the bench's own calls: a child program (`nop`,
    # linked at the same address) may pass through the same addresses
    bfuncs = {n for n in bsyms}
    calls = {a for f in disassembly(belf, bfuncs).values() for a, t in f
             if t.startswith("call") and ("<prof_begin>" in t or "<prof_end>" in t)}
    name = Namer(symbols(kelf))
    phases = Phases(disassembly(kelf, {"syscall_entry", "syscall_dispatch_regs"}))
    windows, counts, inside, op = [], None, False, "?"
    last = 0
    with open(log, errors="replace") as f:
        for line in f:
            m = TRACE.match(line)
            if not m:
                continue
            pc, prev, last = int(m.group(1), 16), last, int(m.group(1), 16)
            marker = (pc == begin or pc == end) and prev in calls
            if marker and pc == begin: # the loops come in the bench's order
                inside, counts = True, {}
                op = ("syscall", "fault", "thread", "spawn", "?")[min(len(windows), 4)]
                phases.state = "user"
                continue
            if marker and pc == end and inside:
                inside = False
                windows.append(counts)
                continue
            if not inside:
                continue
            fn = "user" if pc < USER_TOP else name(pc)
            if op == "syscall":
                part = phases.syscall(pc, fn)
            elif op == "fault":
                part = phases.fault(pc, fn)
            else:
                part = "user" if pc < USER_TOP else kind_of(fn)
            counts[part] = counts.get(part, 0) + 1
            if DEBUG and part == "other":
                others[(op, fn)] = others.get((op, fn), 0) + 1
    # the console log is complete once the trace is (the machine has stopped)
    ops = [(m.group(1), int(m.group(2))) for m in (PROFILE.match(l) for l in open(console, errors="replace")) if m]
    if len(windows) != len(ops) or [o for o, _ in ops] != ["syscall", "fault", "thread", "spawn"][:len(ops)]:
        print(f"insnprof: {len(ops)} profiled loops on the console, {len(windows)} windows in the trace",
              file=sys.stderr)
        return 1
    for (op, fn), c in sorted(others.items(), key=lambda kv: -kv[1])[:40] if DEBUG else []:
        print(f"# other {op} {fn} {c}", file=sys.stderr)
    for (op, n), counts in zip(ops, windows):
        for part, c in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"profile.{op}_{part.replace('-', '_')} {c / n:.2f} insns/op")
        print(f"profile.{op}_total {sum(counts.values()) / n:.2f} insns/op")
    return 0


if __name__ == "__main__":
    sys.exit(main())
