/*
 * proc_ctl.c - console input and process control for user programs (a shell): system
 * calls 60-64 (specs/syscalls.md): read the keyboard, kill a descendant, list processes,
 * spawn with an argument list, read the system-wide counters. Each call checks its
 * arguments (every user pointer through uaccess) before it acts; nothing here holds a lock
 * across a user copy.
 */
#include "proc/proc_ctl.h"

#include "arch/x86_64/timer.h"
#include "dev/conin.h"
#include "lib/kfmt.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "proc/process.h"
#include "vm/swap.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#define READ_CHUNK 256

/* deadline - the tick a wait of @ms milliseconds ends at (UINT64_MAX: never). */
static uint64_t deadline(uint64_t ms)
{
	uint64_t ticks = ms / 10 + (ms % 10 != 0), now = timer_ticks();
	return ms == QUIRE_WAIT_FOREVER || ticks > UINT64_MAX - now - 1 ? UINT64_MAX : now + ticks;
}

static int64_t sys_console_read(uint64_t ubuf, uint64_t len, uint64_t timeout_ms)
{
	char chunk[READ_CHUNK] = { 0 };
	if (len == 0)
		return -QE_INVAL;
	if (uaccess_check(ubuf, len) < 0)
		return -QE_FAULT;
	if (len > READ_CHUNK)
		len = READ_CHUNK; /* at most this much comes back from one call */
	if (copy_to_user(ubuf, chunk, len) < 0) /* checked before any byte is taken */
		return -QE_FAULT;
	uint64_t end = timeout_ms ? deadline(timeout_ms) : 0;
	int r;
	while ((r = conin_read(chunk, len, end)) == -QE_AGAIN && end) {
		if (proc_current()->dying)
			return -QE_SRCH; /* it is being ended: the thread leaves on its way out */
	}
	if (r < 0)
		return r;
	return copy_to_user(ubuf, chunk, (size_t)r) < 0 ? -QE_FAULT : r;
}

static struct process *find(uint64_t pid)
{
	for (int i = 0; i < PROC_MAX; i++) {
		struct process *p = proc_slot(i);
		if (p && p->pid == pid && !p->ended)
			return p;
	}
	return 0;
}

static int64_t sys_kill(uint64_t pid)
{
	struct process *me = proc_current(), *p = find(pid), *q = p;
	if (!p)
		return -QE_SRCH;
	while (q && q != me)
		q = q->parent;
	if (!q)
		return -QE_PERM; /* only the caller itself and its descendants */
	char why[64];
	kfmt_snprintf(why, sizeof why, "killed by process %u (%s)", me->pid, me->name);
	proc_kill(p, why);
	return 0;
}

static void fill_info(struct quire_procinfo *pi, const struct process *p)
{
	memset(pi, 0, sizeof *pi);
	pi->pid = p->pid;
	pi->parent = p->parent ? p->parent->pid : 0;
	pi->threads = p->nlive;
	pi->state = p->ended ? QPS_ENDED : p->dying ? QPS_DYING : QPS_RUNNING;
	pi->status = p->ended ? p->status : 0;
	if (p->vm) {
		pi->resident = p->vm->cnt.frames;
		pi->swapped = p->vm->cnt.swap_blocks;
		pi->faults = p->vm->cnt.page_faults;
		pi->tables = pmap_table_pages(&p->vm->pmap);
	}
	kstrlcpy(pi->name, p->name, sizeof pi->name);
}

#define INFO_PER_PAGE (PAGE_SIZE / sizeof(struct quire_procinfo))

static int64_t sys_proclist(uint64_t ubuf, uint64_t max)
{
	if (max > PROC_MAX)
		max = PROC_MAX;
	if (max && uaccess_check(ubuf, max * sizeof(struct quire_procinfo)) < 0)
		return -QE_FAULT;
	struct quire_procinfo *tab[2] = { vm_kpage_alloc(), vm_kpage_alloc() }; /* no contiguous run needed */
	int err = tab[0] && tab[1] ? 0 : -QE_NOMEM;
	uint64_t n = 0;
	for (int i = 0; !err && i < PROC_MAX; i++) { /* no sleep in between: one snapshot */
		if (proc_slot(i)) {
			fill_info(&tab[n / INFO_PER_PAGE][n % INFO_PER_PAGE], proc_slot(i));
			n++;
		}
	}
	uint64_t k = n < max ? n : max, k0 = k < INFO_PER_PAGE ? k : INFO_PER_PAGE;
	if (!err)
		err = copy_to_user(ubuf, tab[0], k0 * sizeof **tab);
	if (!err && k > k0)
		err = copy_to_user(ubuf + k0 * sizeof **tab, tab[1], (k - k0) * sizeof **tab);
	vm_kpage_free(tab[0]);
	vm_kpage_free(tab[1]);
	return err < 0 ? err : (int64_t)n;
}

_Static_assert(2 * INFO_PER_PAGE >= PROC_MAX, "two frames hold the table");

/* count_args - the strings in @blk (@len bytes, each NUL-terminated): their count, or
 * -QE_INVAL (the last one unterminated, or more than QUIRE_ARGC_MAX). */
static int count_args(const char *blk, uint64_t len)
{
	int n = 0;
	if (len && blk[len - 1] != '\0')
		return -QE_INVAL;
	for (uint64_t i = 0; i < len; i++)
		n += blk[i] == '\0';
	return n > QUIRE_ARGC_MAX ? -QE_INVAL : n;
}

static int64_t sys_spawn_args(uint64_t uname, uint64_t name_len, uint64_t uargs, uint64_t args_len)
{
	char name[32], blk[QUIRE_ARGS_MAX];
	if (name_len == 0 || name_len >= sizeof name || args_len > QUIRE_ARGS_MAX)
		return -QE_INVAL;
	if (copy_from_user(name, uname, name_len) < 0 || copy_from_user(blk, uargs, args_len) < 0)
		return -QE_FAULT;
	name[name_len] = '\0';
	int argc = count_args(blk, args_len);
	if (argc < 0 || strlen(name) != name_len)
		return -QE_INVAL;
	struct proc_args a = { blk, (uint32_t)args_len, (uint32_t)argc };
	return proc_spawn_args(name, &a, proc_current());
}

static int64_t sys_sysinfo(uint64_t uinfo)
{
	struct quire_sysinfo si;
	struct frame_stats fs;
	struct kheap_stats ks;
	struct swap_counters sc;
	const char *policy;
	memset(&si, 0, sizeof si);
	frame_stats(&fs);
	kheap_stats(&ks);
	swap_counters_get(&sc);
	si.total_frames = fs.nframes - fs.by_state[FRAME_ABSENT] - fs.by_state[FRAME_RESERVED];
	si.free_frames = frame_free_count();
	si.kernel_frames = fs.by_state[FRAME_KERNEL];
	si.table_frames = fs.by_state[FRAME_PAGETABLE];
	si.user_frames = fs.by_state[FRAME_USER];
	si.reserved_frames = fs.by_state[FRAME_RESERVED];
	si.heap_pages = ks.pages_held;
	si.heap_objects = ks.objs_inuse;
	vm_pageusage_info(&si.tracked_frames, &policy);
	kstrlcpy(si.policy, policy, sizeof si.policy);
	si.zero_drops = sc.zero_drops;
	si.io_errors = sc.io_errors;
	si.copies_dropped = sc.copies_dropped;
	si.processes = proc_count();
	si.threads = sched_thread_count();
	si.ticks = timer_ticks();
	struct vm_grant_counters gc;
	vm_grant_counters_get(&gc);
	si.grants = gc.grants;
	si.grant_pages = gc.pages;
	si.grant_resident = gc.resident;
	si.grant_swapped = gc.swapped;
	si.grant_locked = gc.locked;
	return copy_to_user(uinfo, &si, sizeof si);
}

int64_t proc_ctl_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	switch (nr) {
	case SYS_CONSOLE_READ: return sys_console_read(a0, a1, a2);
	case SYS_KILL: return sys_kill(a0);
	case SYS_PROCLIST: return sys_proclist(a0, a1);
	case SYS_SPAWN_ARGS: return sys_spawn_args(a0, a1, a2, a3);
	case SYS_SYSINFO: return sys_sysinfo(a0);
	default: return -QE_NOSYS;
	}
}
