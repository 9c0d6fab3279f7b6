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
#include "lib/kfmt.h"
#include "mm/frame.h"
#include "proc/abi.h"
#include "proc/files.h"
#include "proc/maps.h"
#include "proc/msg.h"
#include "proc/proc_ctl.h"
#include "proc/process.h"
#include "proc/syscall.h"
#include "vm/swap.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

void syscall_entry(void);
void syscall_dispatch(struct trap_frame *tf);

int64_t syscall_dispatch_regs(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t nr,
			      uint64_t a5);
void syscall_exit_work(void);

#define WRITE_CHUNK 256

_Static_assert((int)QA_DEMAND == (int)VM_AREA_DEMAND && (int)QA_LOCK == (int)VM_AREA_LOCK &&
		       (int)QA_FREE == (int)VM_AREA_FREE && (int)QA_PROTECT == (int)VM_AREA_PROTECT,
	       "SYS_AREA's operations are vm's");
_Static_assert((int)QP_R == (int)PTE_PROT_R && (int)QP_RW == (int)PTE_PROT_RW && (int)QP_RX == (int)PTE_PROT_RX,
	       "QP_* are PTE_PROT_*");

/* probe_in - every page of [@buf, @buf + @len) (@len > 0) can be read now: one byte of
 * each is copied, so a demand page comes in as a user touch would bring it. 0 or -QE_FAULT. */
static int probe_in(uint64_t buf, uint64_t len)
{
	uint8_t byte;
	if (uaccess_check(buf, len) < 0)
		return -QE_FAULT;
	for (uint64_t va = buf; va - buf < len; va = (va & ~(uint64_t)(PAGE_SIZE - 1)) + PAGE_SIZE)
		if (copy_from_user(&byte, va, 1) < 0)
			return -QE_FAULT;
	return 0;
}

/* sys_write - the whole buffer is checked before a byte is written (a failed call prints
 * nothing), pointer checks before the fd check; length 0 does not look at the buffer. */
__attribute__((noinline)) static int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t len)
{
	char chunk[WRITE_CHUNK];
	if (len && probe_in(buf, len) < 0)
		return -QE_FAULT;
	if (fd != 1 && fd != 2)
		return -QE_INVAL;
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
	char name[QUIRE_PATH_MAX];
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
	if (pid > UINT32_MAX)
		return -QE_SRCH; /* ids are 32 bits: a larger one names nobody (not pid mod 2^32) */
	int err = proc_wait(proc_current(), (uint32_t)pid, &st);
	if (err)
		return err;
	return copy_to_user(ustatus, &st, sizeof st);
}

/* sys_sleep - at least @ms, in whole ticks (10 ms); 0 only yields. No overflow: a huge
 * value sleeps (practically) for ever rather than wrapping round to a short sleep. */
__attribute__((noinline)) static int64_t sys_sleep(uint64_t ms)
{
	if (ms == 0)
		sched_yield();
	else
		sched_sleep_ticks(ms / 10 + (ms % 10 != 0));
	return 0;
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

static inline __attribute__((always_inline)) int64_t dispatch(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct thread *t = sched_current();
	switch (nr) {
	case SYS_OPEN ... SYS_STATFS: return sys_files(nr, a0, a1, a2, a3, a4);
	case SYS_MAP ... SYS_MAPINFO: return sys_maps(nr, a0, a1, a2, a3, a4, a5);
	case SYS_EXIT: proc_exit((int64_t)a0);
	case SYS_WRITE: return sys_write(a0, a1, a2);
	case SYS_GETPID: return t->proc->pid;
	case SYS_GETTID: return t->tid;
	case SYS_YIELD: sched_yield(); return 0;
	case SYS_THREAD_CREATE: return proc_thread_create(a0, a1);
	case SYS_THREAD_EXIT: proc_thread_exit((int64_t)a0);
	case SYS_THREAD_JOIN: return sys_join(a0, a1);
	case SYS_SLEEP: return sys_sleep(a0);
	case SYS_AREA: return vm_area(t->vm, a0, a1, a2, a3);
	case SYS_SPAWN: return sys_spawn(a0, a1, a2);
	case SYS_WAIT: return sys_wait(a0, a1);
	case SYS_MEMINFO: return sys_meminfo(a0);
	case SYS_TICKS: return (int64_t)timer_ticks();
	case SYS_SWAPINFO: return sys_swapinfo(a0);
	case SYS_PORT_CREATE ... SYS_MSG_LAST: return msg_syscall(nr, a0, a1, a2);
	case SYS_CONSOLE_READ ... SYS_CTL_LAST: return proc_ctl_syscall(nr, a0, a1, a2, a3);
	case SYS_PERFINFO: return sys_perfinfo(a0);
	default: return -QE_NOSYS;
	}
}

/* syscall_dispatch - the full path (a trap frame; syscall_entry.asm says when). */
void syscall_dispatch(struct trap_frame *tf)
{
	tf->rax = (uint64_t)dispatch(tf->rax, tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	if (!trap_user_rip_ok(tf)) { /* `syscall` in the last bytes of user space */
		char msg[96];
		kfmt_snprintf(msg, sizeof msg, "system call returns to a non-canonical address %016lx", tf->rip);
		proc_kill(proc_current(), msg);
	}
	proc_return_to_user();
}

/* syscall_dispatch_regs - the fast path (syscall_entry.asm): the arguments as they came in
 * registers, the number in the sixth register and the sixth argument (the user's r9, which
 * the entry pushed last) as the seventh, on the stack; the call's result. The checks on the way out run only when
 * this_cpu()->ret_work asks for them (syscall_exit_work). */
int64_t syscall_dispatch_regs(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t nr,
			      uint64_t a5)
{
	return dispatch(nr, a0, a1, a2, a3, a4, a5);
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
	cpu_wrmsr(MSR_SFMASK, RFLAGS_SYSCALL_MASK); /* NT, IOPL, AC, DF, IF, TF... cleared on entry */
}
