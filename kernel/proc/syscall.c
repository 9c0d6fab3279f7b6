/*
 * syscall.c - system-call dispatch (ABI in abi.h, specs/syscalls.md). Each call checks its
 * arguments first (every user pointer through uaccess) and only then acts.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/pte.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "console.h"
#include "mm/frame.h"
#include "proc/abi.h"
#include "proc/process.h"
#include "proc/syscall.h"
#include "vm/swap.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

void syscall_entry(void);
void syscall_dispatch(struct trap_frame *tf);

int64_t syscall_dispatch_regs(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t nr);
void syscall_exit_work(void);

#define WRITE_CHUNK 256

_Static_assert((int)QA_DEMAND == (int)VM_AREA_DEMAND && (int)QA_LOCK == (int)VM_AREA_LOCK &&
		       (int)QA_FREE == (int)VM_AREA_FREE && (int)QA_PROTECT == (int)VM_AREA_PROTECT,
	       "SYS_AREA's operations are vm's");
_Static_assert((int)QP_R == (int)PTE_PROT_R && (int)QP_RW == (int)PTE_PROT_RW && (int)QP_RX == (int)PTE_PROT_RX,
	       "QP_* are PTE_PROT_*");

__attribute__((noinline)) static int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t len)
{
	char chunk[WRITE_CHUNK];
	if (fd != 1 && fd != 2)
		return -QE_INVAL;
	if (uaccess_check(buf, len) < 0)
		return -QE_FAULT;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < WRITE_CHUNK ? len - done : WRITE_CHUNK;
		if (copy_from_user(chunk, buf + done, n) < 0)
			return -QE_FAULT;
		console_write(chunk, n);
		done += n;
	}
	return (int64_t)len;
}

/* probe_out - check that an output pointer can take @n bytes now, before blocking or reaping. */
static int probe_out(uint64_t uptr, size_t n)
{
	static const uint8_t zero[16];
	return copy_to_user(uptr, zero, n);
}

__attribute__((noinline)) static int64_t sys_join(uint64_t tid, uint64_t uvalue)
{
	int64_t v;
	if (probe_out(uvalue, sizeof v) < 0)
		return -QE_FAULT;
	int err = proc_thread_join(tid, &v);
	if (err)
		return err;
	return copy_to_user(uvalue, &v, sizeof v);
}

__attribute__((noinline)) static int64_t sys_spawn(uint64_t uname, uint64_t len, uint64_t arg)
{
	char name[32];
	if (len == 0 || len >= sizeof name)
		return -QE_INVAL;
	if (copy_from_user(name, uname, len) < 0)
		return -QE_FAULT;
	name[len] = '\0';
	return proc_spawn(name, arg, 0, proc_current());
}

__attribute__((noinline)) static int64_t sys_wait(uint64_t pid, uint64_t ustatus)
{
	int64_t st;
	if (probe_out(ustatus, sizeof st) < 0)
		return -QE_FAULT;
	int err = proc_wait(proc_current(), (uint32_t)pid, &st);
	if (err)
		return err;
	return copy_to_user(ustatus, &st, sizeof st);
}

__attribute__((noinline)) static int64_t sys_meminfo(uint64_t uinfo)
{
	struct process *p = proc_current();
	struct frame_stats fs;
	frame_stats(&fs);
	struct vm_counters c = p->vm->cnt;
	struct quire_meminfo mi = {
		.free_frames = vm_free_frames(),
		.total_frames = fs.nframes - fs.by_state[FRAME_ABSENT] - fs.by_state[FRAME_RESERVED],
		.process_frames = c.frames,
		.page_faults = c.page_faults,
		.demand_zero = c.demand_zero,
	};
	return copy_to_user(uinfo, &mi, sizeof mi);
}

__attribute__((noinline)) static int64_t sys_swapinfo(uint64_t uinfo)
{
	struct process *p = proc_current();
	struct swap_counters g;
	swap_counters_get(&g);
	struct vm_counters c = p->vm->cnt;
	struct quire_swapinfo si = {
		.process = { c.page_faults, c.swap_ins, c.swap_outs, c.clean_drops, c.write_backs },
		.global = { g.page_faults, g.swap_ins, g.swap_outs, g.clean_drops, g.write_backs },
		.swap_blocks = swap_total_blocks(),
		.swap_free_blocks = swap_free_blocks(),
		.free_frames = vm_free_frames(),
	};
	return copy_to_user(uinfo, &si, sizeof si);
}

__attribute__((noinline)) static int64_t sys_perfinfo(uint64_t uinfo)
{
	struct quire_perfinfo pi = { .tsc = cpu_rdtsc(), .idle_tsc = sched_idle_tsc() };
	vm_prezero_stats(&pi.zeroed_frames, &pi.prezeroed_faults);
	return copy_to_user(uinfo, &pi, sizeof pi);
}

static inline __attribute__((always_inline)) int64_t dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct thread *t = sched_current();
	switch (nr) {
	case SYS_EXIT: proc_exit((int64_t)a0);
	case SYS_WRITE: return sys_write(a0, a1, a2);
	case SYS_GETPID: return t->proc->pid;
	case SYS_GETTID: return t->tid;
	case SYS_YIELD: sched_yield(); return 0;
	case SYS_THREAD_CREATE: return proc_thread_create(a0, a1);
	case SYS_THREAD_EXIT: proc_thread_exit((int64_t)a0);
	case SYS_THREAD_JOIN: return sys_join(a0, a1);
	case SYS_SLEEP: sched_sleep_ticks((a0 + 9) / 10); return 0;
	case SYS_AREA: return vm_area(t->vm, a0, a1, a2, a3);
	case SYS_SPAWN: return sys_spawn(a0, a1, a2);
	case SYS_WAIT: return sys_wait(a0, a1);
	case SYS_MEMINFO: return sys_meminfo(a0);
	case SYS_TICKS: return (int64_t)timer_ticks();
	case SYS_SWAPINFO: return sys_swapinfo(a0);
	case SYS_PERFINFO: return sys_perfinfo(a0);
	default: return -QE_NOSYS;
	}
}

/* syscall_dispatch - the full path (a trap frame; syscall_entry.asm says when). */
void syscall_dispatch(struct trap_frame *tf)
{
	tf->rax = (uint64_t)dispatch(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10);
	proc_return_to_user();
}

/* syscall_dispatch_regs - the fast path (syscall_entry.asm): the arguments as they came in
 * registers, the number last; the call's result. The checks on the way out run only when
 * this_cpu()->ret_work asks for them (syscall_exit_work). */
int64_t syscall_dispatch_regs(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t nr)
{
	(void)a4;
	return dispatch(nr, a0, a1, a2, a3);
}

/* syscall_exit_work - the fast path's slow exit: preemption, a dying process. */
void syscall_exit_work(void)
{
	proc_return_to_user();
}

void syscall_init(void)
{
	cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_SCE);
	cpu_wrmsr(MSR_STAR, ((uint64_t)0x10 << 48) | ((uint64_t)SEL_KCODE << 32));
	cpu_wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	cpu_wrmsr(MSR_SFMASK, 0x40700); /* clear AC, DF, IF and TF on entry */
}
