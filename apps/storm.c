/*
 * storm - a random system-call storm (issue 16, "Deliver" 4). ARG = K * 1000 + SEED
 * (SEED < 1000): K thousand calls in all (100 when K is 0), from STORM_THREADS threads,
 * each with its own xorshift sequence derived from SEED, so the calls made are the same in
 * every run with that seed (results may differ with timing).
 * Each call is a valid, unknown or huge number with arguments drawn from classes: NULL, the
 * low 4 MiB, kernel and non-canonical addresses, buffers straddling the top of user space
 * or wrapping around, the program's own code and read-only data as output buffers, valid
 * buffers, areas in a sandbox of process space and of the thread's own thread space, odd
 * ids (above 32 bits, negative, the caller's own), odd fds, ops and protections.
 * The file and mapping calls run with no disk mounted: their checks of paths, pointers,
 * handles and addresses come before the file system's QE_NODEV (call_files).
 * Every result must be >= 0 or a defined error, and where the arguments decide it (a bad
 * pointer, an unknown number, a bad fd, an id above 32 bits...) exactly that error
 * (specs/syscalls.md). The kernel must not panic or hang; the scenario runner checks that
 * no frame is lost. Left out or tamed, because they would end or stall the storm itself:
 * SYS_EXIT and SYS_THREAD_EXIT (only the storm's own short-lived threads call it), sleeps
 * over 1 ms, thread entries other than the storm's own, areas outside the sandboxes,
 * console writes of valid bytes. Children and threads it makes are waited for and joined.
 * Prints "storm: seed S, N calls in T ticks (R calls per second of guest time)" and
 * "PASS storm" (exit 0) when no result was out of place.
 */
#include <stdbool.h>

#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));

#define STORM_THREADS 4
#define SANDBOX_PAGES 512 /* 2 MiB of process space per thread, and as much thread space */
#define MAX_TIDS 8        /* threads a storm thread has made and not joined yet */
#define MAX_PIDS 2        /* children not waited for yet */
#define ANY INT64_MIN     /* no exact result expected */
#define ID_HIGH (1ull << 32)

#define KERNEL_VA 0xFFFF800000000000ull
#define KERNEL_IMAGE 0xFFFFFFFF80100000ull
#define NONCANON_LO 0x0000800000000000ull
#define NONCANON_HI 0x8000000000000000ull

struct worker {
	uint64_t rng;
	uint32_t idx;
	int64_t pid, tid;
	uint64_t calls, mismatches, threads_made, spawned;
	const char *what; /* the classes of the call being checked, for the report */
	int64_t tids[MAX_TIDS];
	int ntids;
	int64_t pids[MAX_PIDS];
	int npids;
	uint64_t sandbox, tsandbox; /* process space and the thread's own thread space */
	uint64_t boundary;          /* B */
	uint8_t scratch[256] __attribute__((aligned(64)));
};

static struct worker workers[STORM_THREADS];
static uint64_t calls_each;
static const char rodata_text[64] = "~read-only bytes that name no program, never written";

/* ---- choices ---- */
static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t pick(struct worker *w, uint64_t n)
{
	return rnd(w) % n;
}

/* A pointer argument and what it is: bad for the kernel to read (r) or to write (w) over
 * a length up to `max`, or "maybe" (a sandbox page: its state depends on earlier calls). */
struct ptr {
	uint64_t va, max;
	bool bad_r, bad_w, maybe;
	const char *name;
};

static struct ptr pick_ptr(struct worker *w, uint8_t *stackbuf)
{
	uint64_t page = pick(w, SANDBOX_PAGES) * PAGE_SIZE + pick(w, 8) * 512;
	switch (pick(w, 16)) {
	case 0: return (struct ptr){ 0, ~0ull, true, true, false, "null" };
	case 1: return (struct ptr){ 0x1000 + pick(w, 0x3FF) * 0x1000, ~0ull, true, true, false, "low" };
	case 2: return (struct ptr){ KERNEL_VA + pick(w, 1ull << 30), ~0ull, true, true, false, "kernel" };
	case 3: return (struct ptr){ KERNEL_IMAGE, ~0ull, true, true, false, "kernel-image" };
	case 4: return (struct ptr){ NONCANON_LO + pick(w, 1ull << 40), ~0ull, true, true, false, "noncanonical" };
	case 5: return (struct ptr){ NONCANON_HI | rnd(w), ~0ull, true, true, false, "noncanonical-high" };
	case 6: return (struct ptr){ USER_TOP - 4, ~0ull, true, true, false, "straddle-top" };
	case 7: return (struct ptr){ ~0ull - 3, ~0ull, true, true, false, "wraps" };
	case 8: return (struct ptr){ (uint64_t)&rnd, 64, false, true, false, "code" };
	case 9: return (struct ptr){ (uint64_t)rodata_text, 64, false, true, false, "rodata" };
	case 10: case 11: return (struct ptr){ (uint64_t)w->scratch, 256, false, false, false, "scratch" };
	case 12: return (struct ptr){ (uint64_t)stackbuf, 128, false, false, false, "stack" };
	case 13: case 14: return (struct ptr){ w->sandbox + page, 4096, false, false, true, "sandbox" };
	default: return (struct ptr){ w->tsandbox + page, 4096, false, false, true, "thread-sandbox" };
	}
}

/* pick_len - a length for @p: 0, one that fits its class, or one that is bad whatever
 * the pointer (past the top of user space, wrapping, all ones). *bad is set for those. */
static uint64_t pick_len(struct worker *w, const struct ptr *p, bool *bad)
{
	*bad = false;
	switch (pick(w, 8)) {
	case 0: return 0;
	case 1: *bad = true; return ~0ull;
	case 2: *bad = true; return 0 - p->va + 16; /* p + len wraps to 16 */
	case 3: *bad = p->va < USER_TOP; return p->va < USER_TOP ? USER_TOP - p->va + PAGE_SIZE : 1;
	default: return 1 + pick(w, p->max < 4096 ? p->max : 4096);
	}
}

/* ---- checking ---- */
static void check(struct worker *w, uint64_t nr, int64_t r, int64_t want, int64_t alt)
{
	static const int64_t known[] = { -QE_SRCH, -QE_NOENT, -QE_NOEXEC, -QE_AGAIN, -QE_NOMEM,
					 -QE_FAULT, -QE_INVAL, -QE_NOSYS, -QE_NAMETOOLONG, -QE_NODEV,
					 -QE_BADF, -QE_RANGE };
	bool ok = r >= 0;
	for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
		ok = ok || r == known[i];
	if (want != ANY)
		ok = ok && (r == want || (alt != ANY && r == alt));
	w->calls++;
	if (ok || w->mismatches++ >= 8)
		return;
	char also[32] = "";
	if (alt != ANY)
		snprintf(also, sizeof also, " or %ld", alt);
	printf("# storm thread %u call %lu: nr %#lx (%s) returned %ld, want %ld%s\n", w->idx, w->calls, nr,
	       w->what, r, want, also);
}

static int64_t sc(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, struct worker *w)
{
	return quire_syscall6(nr, a0, a1, a2, a3, rnd(w), rnd(w)); /* unused arguments: noise */
}

/* ---- the calls ---- */
static void call_write(struct worker *w, uint8_t *stackbuf)
{
	static const uint64_t fds[] = { 1, 2, 0, 3, 7, ~0ull, ID_HIGH | 1, ID_HIGH | 2 };
	uint64_t fd = fds[pick(w, 8)];
	bool fd_ok = fd == 1 || fd == 2, len_bad;
	struct ptr p = pick_ptr(w, stackbuf);
	uint64_t len = pick_len(w, &p, &len_bad);
	if (fd_ok && !p.bad_r && !len_bad)
		len = 0; /* valid bytes would go to the console */
	w->what = p.name;
	int64_t r = sc(SYS_WRITE, fd, p.va, len, 0, w);
	if (len == 0)
		check(w, SYS_WRITE, r, fd_ok ? 0 : -QE_INVAL, ANY);
	else if (p.bad_r || len_bad)
		check(w, SYS_WRITE, r, -QE_FAULT, ANY);
	else
		check(w, SYS_WRITE, r, -QE_INVAL, p.maybe ? -QE_FAULT : ANY);
}

/* call_info - SYS_MEMINFO or SYS_SWAPINFO into a pointer of any class. */
static void call_info(struct worker *w, uint8_t *stackbuf)
{
	uint64_t nr = pick(w, 2) ? SYS_MEMINFO : SYS_SWAPINFO;
	struct ptr p = pick_ptr(w, stackbuf);
	w->what = p.name;
	int64_t r = sc(nr, p.va, rnd(w), rnd(w), rnd(w), w);
	check(w, nr, r, p.bad_w ? -QE_FAULT : 0, p.maybe ? -QE_FAULT : ANY);
}

static void call_ids(struct worker *w)
{
	w->what = "ids";
	switch (pick(w, 4)) {
	case 0: check(w, SYS_GETPID, sc(SYS_GETPID, rnd(w), rnd(w), 0, 0, w), w->pid, ANY); break;
	case 1: check(w, SYS_GETTID, sc(SYS_GETTID, rnd(w), rnd(w), 0, 0, w), w->tid, ANY); break;
	case 2: check(w, SYS_YIELD, sc(SYS_YIELD, rnd(w), 0, 0, 0, w), 0, ANY); break;
	default: check(w, SYS_TICKS, sc(SYS_TICKS, rnd(w), 0, 0, 0, w) >= 0 ? 0 : -1, 0, ANY); break;
	}
}

/* quick - the entry of the storm's own threads: end at once with the argument. */
static void quick(uint64_t arg, struct quire_startinfo *info)
{
	(void)info;
	sys_thread_exit((int64_t)arg);
}

static void call_thread_create(struct worker *w)
{
	static const uint64_t bad[] = { 0, 0xFFF, KERNEL_VA, KERNEL_IMAGE, NONCANON_LO, NONCANON_HI, ~0ull };
	if (pick(w, 2) || w->ntids == MAX_TIDS) {
		w->what = "bad entry";
		check(w, SYS_THREAD_CREATE, sc(SYS_THREAD_CREATE, bad[pick(w, 7)], rnd(w), 0, 0, w), -QE_FAULT, ANY);
		return;
	}
	w->what = "entry";
	int64_t r = sc(SYS_THREAD_CREATE, (uint64_t)quick, rnd(w) & 0xFFFF, 0, 0, w);
	check(w, SYS_THREAD_CREATE, r < 0 ? r : 0, 0, r == -QE_AGAIN || r == -QE_NOMEM ? r : ANY);
	if (r >= 0) {
		w->tids[w->ntids++] = r;
		w->threads_made++;
	}
}

/* forget - drop entry @i of a list of @n ids. */
static void forget(int64_t *ids, int *n, int i)
{
	ids[i] = ids[--*n];
}

/* odd_id - an id that names nothing of this process: above 32 bits, negative, huge. */
static uint64_t odd_id(struct worker *w, int64_t base)
{
	switch (pick(w, 5)) {
	case 0: return (uint64_t)base + ID_HIGH;
	case 1: return (uint64_t)base - ID_HIGH;
	case 2: return ~0ull;
	case 3: return 0x80000000ull + pick(w, 0x7FFFFFFF); /* 32 bits, far above any id made */
	default: return ID_HIGH << pick(w, 31);
	}
}

static void call_join(struct worker *w, uint8_t *stackbuf)
{
	struct ptr p = pick_ptr(w, stackbuf);
	w->what = p.name;
	int which = (int)pick(w, 4);
	if (which == 0 && w->ntids) { /* a thread of ours */
		int i = (int)pick(w, (uint64_t)w->ntids);
		int64_t r = sc(SYS_THREAD_JOIN, (uint64_t)w->tids[i], p.va, 0, 0, w);
		check(w, SYS_THREAD_JOIN, r, p.bad_w ? -QE_FAULT : 0, p.maybe ? -QE_FAULT : ANY);
		if (r == 0)
			forget(w->tids, &w->ntids, i);
	} else if (which == 1) { /* the caller itself */
		int64_t r = sc(SYS_THREAD_JOIN, (uint64_t)w->tid, p.va, 0, 0, w);
		check(w, SYS_THREAD_JOIN, r, p.bad_w ? -QE_FAULT : -QE_INVAL, p.maybe ? -QE_FAULT : ANY);
	} else {
		uint64_t id = odd_id(w, w->ntids ? w->tids[0] : w->tid);
		int64_t r = sc(SYS_THREAD_JOIN, id, p.va, 0, 0, w);
		check(w, SYS_THREAD_JOIN, r, p.bad_w ? -QE_FAULT : -QE_SRCH, p.maybe ? -QE_FAULT : ANY);
	}
}

static void call_spawn(struct worker *w, uint8_t *stackbuf)
{
	static const char nop[] = "nop", none[] = "no_such_program", init[] = "init";
	uint64_t kind = pick(w, 8);
	if (kind == 0 && w->npids < MAX_PIDS) { /* a real child: nop, or init given a number */
		bool is_init = pick(w, 4) == 0;
		w->what = is_init ? "init with a number" : "nop";
		int64_t r = sc(SYS_SPAWN, (uint64_t)(is_init ? init : nop), is_init ? 4 : 3, rnd(w), 0, w);
		check(w, SYS_SPAWN, r < 0 ? r : 0, 0, r == -QE_AGAIN || r == -QE_NOMEM ? r : ANY);
		if (r >= 0) {
			w->pids[w->npids++] = r;
			w->spawned++;
		}
		return;
	}
	if (kind == 1) {
		w->what = "no such program";
		check(w, SYS_SPAWN, sc(SYS_SPAWN, (uint64_t)none, sizeof none - 1, rnd(w), 0, w), -QE_NOENT, ANY);
		return;
	}
	struct ptr p = pick_ptr(w, stackbuf);
	bool len_bad;
	uint64_t len = pick_len(w, &p, &len_bad);
	w->what = p.name;
	/* The stack and scratch buffers may hold a program's name that an earlier call wrote
	 * there (the process list writes "nop"): they are this thread's own and writable, so
	 * a first byte no name has makes them name nothing (seed 13 of make soak spawned "nop"
	 * from the stack buffer and counted it a mismatch). */
	if (!p.bad_w && !p.maybe && len > 0)
		*(char *)p.va = '#';
	int64_t r = sc(SYS_SPAWN, p.va, len, rnd(w), 0, w);
	if (len == 0 || len > 255) /* a length over the limit (a path: 255) may be refused before the pointer */
		check(w, SYS_SPAWN, r, -QE_INVAL, len > 255 && (p.bad_r || len_bad) ? -QE_FAULT : ANY);
	else if (p.bad_r)
		check(w, SYS_SPAWN, r, -QE_FAULT, ANY);
	else if (p.maybe && r >= 0 && w->npids < MAX_PIDS) /* sandbox bytes an earlier call left naming a program */
		w->pids[w->npids++] = r, w->spawned++;
	else /* bytes that name no program (a sandbox page may also be unmapped) */
		check(w, SYS_SPAWN, r, -QE_NOENT, p.maybe ? -QE_FAULT : ANY);
}

static void call_wait(struct worker *w, uint8_t *stackbuf)
{
	struct ptr p = pick_ptr(w, stackbuf);
	w->what = p.name;
	if (w->npids && pick(w, 2)) {
		int i = (int)pick(w, (uint64_t)w->npids);
		int64_t r = sc(SYS_WAIT, (uint64_t)w->pids[i], p.va, 0, 0, w);
		check(w, SYS_WAIT, r, p.bad_w ? -QE_FAULT : 0, p.maybe ? -QE_FAULT : ANY);
		if (r == 0)
			forget(w->pids, &w->npids, i);
		return;
	}
	uint64_t id = pick(w, 3) ? odd_id(w, w->npids ? w->pids[0] : w->pid) : (uint64_t)w->pid;
	int64_t r = sc(SYS_WAIT, id, p.va, 0, 0, w);
	check(w, SYS_WAIT, r, p.bad_w ? -QE_FAULT : -QE_SRCH, p.maybe ? -QE_FAULT : ANY);
}

static void call_sleep(struct worker *w)
{
	w->what = "sleep";
	check(w, SYS_SLEEP, sc(SYS_SLEEP, pick(w, 4) ? 0 : 1, rnd(w), 0, 0, w), 0, ANY);
}

/* A SYS_AREA range: inside a sandbox (maybe aligned), or one of the refused classes. */
struct range {
	uint64_t va, len;
	bool fault;    /* not user space */
	bool bad_value; /* unaligned or empty: refused before the range is looked at */
	bool across;   /* crosses B: refused after */
	const char *name;
};

static struct range pick_range(struct worker *w)
{
	uint64_t base = pick(w, 2) ? w->sandbox : w->tsandbox;
	uint64_t first = pick(w, SANDBOX_PAGES), n = 1 + pick(w, SANDBOX_PAGES - first);
	uint64_t at = base + first * PAGE_SIZE;
	switch (pick(w, 12)) {
	case 0: return (struct range){ 0, PAGE_SIZE, true, false, false, "null page" };
	case 1: return (struct range){ KERNEL_VA, PAGE_SIZE, true, false, false, "kernel" };
	case 2: return (struct range){ NONCANON_LO, PAGE_SIZE, true, false, false, "noncanonical" };
	case 3: return (struct range){ USER_TOP - PAGE_SIZE, 2 * PAGE_SIZE, true, false, false, "straddle-top" };
	case 4: return (struct range){ base, 0 - base + PAGE_SIZE, true, false, false, "wraps" };
	case 5: return (struct range){ w->boundary - PAGE_SIZE, 2 * PAGE_SIZE, false, false, true, "across B" };
	case 6: return (struct range){ at + 1 + pick(w, 4095), PAGE_SIZE, false, true, false, "unaligned" };
	case 7: return (struct range){ at, 0, false, true, false, "empty" };
	default: return (struct range){ at, n * PAGE_SIZE, false, false, false, "sandbox" };
	}
}

/* call_area - SYS_AREA checks values first (alignment, length 0, op, prot: -QE_INVAL),
 * then the range (-QE_FAULT), then B (-QE_INVAL): specs/syscalls.md, "Areas". */
static void call_area(struct worker *w)
{
	static const uint64_t ops[] = { QA_DEMAND, QA_LOCK, QA_FREE, QA_PROTECT, QA_DEMAND, QA_FREE, 0, 5,
					ID_HIGH | QA_FREE, ~0ull };
	static const uint64_t prots[] = { QP_R, QP_RW, QP_RX, QP_RW, QP_RW, 3, ~0ull, ID_HIGH | QP_RW };
	uint64_t op = ops[pick(w, 10)], prot = prots[pick(w, 8)];
	struct range g = pick_range(w);
	bool bad_value = g.bad_value || op < QA_DEMAND || op > QA_PROTECT || prot > QP_RX;
	w->what = g.name;
	int64_t r = sc(SYS_AREA, op, g.va, g.len, prot, w);
	if (bad_value)
		check(w, SYS_AREA, r, -QE_INVAL, ANY);
	else if (g.fault)
		check(w, SYS_AREA, r, -QE_FAULT, ANY);
	else if (g.across)
		check(w, SYS_AREA, r, -QE_INVAL, ANY);
	else /* lock may run out of memory, any op out of region slots */
		check(w, SYS_AREA, r == -QE_NOMEM || r == -QE_AGAIN ? 0 : r, 0, ANY);
}

static void call_unknown(struct worker *w)
{
	static const uint64_t valid[] = { SYS_GETPID, SYS_WRITE, SYS_EXIT, SYS_THREAD_EXIT, SYS_AREA };
	uint64_t nr;
	switch (pick(w, 5)) {
	case 0: nr = 70 + pick(w, 10); break;   /* the isolation range: none defined yet */
	case 1: nr = 80 + pick(w, 176); break;  /* unassigned */
	case 2: nr = ID_HIGH | valid[pick(w, 5)]; break; /* all 64 bits count: not call 0..14 */
	case 3: nr = NONCANON_HI | valid[pick(w, 5)]; break;
	default: nr = rnd(w) | (1ull << (32 + pick(w, 32))); break;
	}
	w->what = "unknown number";
	check(w, nr, sc(nr, rnd(w), rnd(w), rnd(w), rnd(w), w), -QE_NOSYS, ANY);
}

/* check_in - @r must be >= 0 or one of @n codes (the spec allows several, in an order the
 * arguments do not fix). */
static void check_in(struct worker *w, uint64_t nr, int64_t r, const int64_t *codes, unsigned n)
{
	bool ok = r >= 0;
	for (unsigned i = 0; i < n; i++)
		ok = ok || r == codes[i];
	check(w, nr, ok ? 0 : r, 0, ANY);
}

/* call_files - the file and mapping calls (20-35, 40-42) with no file system mounted (the
 * storm boots without a disk): paths are checked (length first, then the bytes) before the
 * missing file system answers QE_NODEV; no handle and no mapping exists, so those calls
 * name nothing. specs/files.md, specs/mappings.md. */
static void call_files(struct worker *w, uint8_t *stackbuf)
{
	static const uint64_t path_calls[] = { SYS_OPEN, SYS_STAT, SYS_VERSIONS, SYS_READDIR, SYS_MKDIR, SYS_RMDIR,
					       SYS_DELETE, SYS_PURGE, SYS_SETLIMIT, SYS_MAP };
	static const int64_t path_errs[] = { -QE_NODEV, -QE_INVAL, -QE_FAULT, -QE_NAMETOOLONG, -QE_RANGE };
	static const int64_t handle_errs[] = { -QE_BADF, -QE_FAULT, -QE_INVAL };
	struct ptr p = pick_ptr(w, stackbuf);
	bool len_bad;
	uint64_t len = pick_len(w, &p, &len_bad);
	w->what = p.name;
	switch (pick(w, 5)) {
	case 0: case 1: { /* a path call: the out pointers are good, the path is not always */
		uint64_t nr = path_calls[pick(w, sizeof path_calls / sizeof path_calls[0])];
		uint64_t flags = pick(w, 4) ? pick(w, 8) : rnd(w);
		int64_t r = sc(nr, p.va, len, nr == SYS_MAP ? flags : (uint64_t)w->scratch, pick(w, 4), w);
		if (len == 0)
			check(w, nr, r, -QE_INVAL, ANY);
		else if (len > 255)
			check(w, nr, r, -QE_NAMETOOLONG, ANY);
		else if (p.bad_r || len_bad)
			check(w, nr, r, -QE_FAULT, ANY);
		else
			check_in(w, nr, r, path_errs, sizeof path_errs / sizeof path_errs[0]);
		break;
	}
	case 2: { /* a handle call: no handle is open */
		uint64_t nr = SYS_READ + pick(w, SYS_TRUNCATE - SYS_READ + 1);
		uint64_t h = pick(w, 2) ? pick(w, 40) : rnd(w);
		check_in(w, nr, sc(nr, h, pick(w, 4096), p.va, len, w), handle_errs, 3);
		break;
	}
	case 3: /* statfs: a pointer outside user space, else no file system (before the copy) */
		check(w, SYS_STATFS, sc(SYS_STATFS, p.va, 0, 0, 0, w), p.bad_r ? -QE_FAULT : -QE_NODEV,
		      p.bad_r ? -QE_NODEV : -QE_FAULT);
		break;
	default: /* unmap and mapinfo: there is no mapping anywhere */
		if (pick(w, 2))
			check(w, SYS_UNMAP, sc(SYS_UNMAP, rnd(w) & (pick(w, 2) ? ~0xFFFull : ~0ull), pick(w, 3), 0, 0, w),
			      -QE_INVAL, ANY);
		else
			check(w, SYS_MAPINFO, sc(SYS_MAPINFO, rnd(w), p.va, 0, 0, w), -QE_INVAL,
			      p.bad_w || p.maybe ? -QE_FAULT : ANY);
		break;
	}
}

/* ---- the storm ---- */
static void storm_one(struct worker *w)
{
	uint8_t stackbuf[128] __attribute__((aligned(16)));
	uint64_t k = pick(w, 64);
	if (k < 10)
		call_write(w, stackbuf);
	else if (k < 18)
		call_info(w, stackbuf);
	else if (k < 26)
		call_ids(w);
	else if (k < 37)
		call_area(w);
	else if (k < 43)
		call_join(w, stackbuf);
	else if (k < 48)
		call_thread_create(w);
	else if (k < 51)
		call_spawn(w, stackbuf);
	else if (k < 54)
		call_wait(w, stackbuf);
	else if (k < 55)
		call_sleep(w);
	else if (k < 60)
		call_files(w, stackbuf);
	else
		call_unknown(w);
}

/* cleanup - join, wait for and free whatever the storm thread still holds. */
static void cleanup(struct worker *w)
{
	int64_t v;
	while (w->ntids) {
		w->what = "final join";
		check(w, SYS_THREAD_JOIN, sys_thread_join(w->tids[w->ntids - 1], &v), 0, ANY);
		w->ntids--;
	}
	while (w->npids) {
		w->what = "final wait";
		check(w, SYS_WAIT, sys_wait(w->pids[w->npids - 1], &v), 0, ANY);
		w->npids--;
	}
	area_free((void *)w->sandbox, SANDBOX_PAGES * PAGE_SIZE);
	area_free((void *)w->tsandbox, SANDBOX_PAGES * PAGE_SIZE);
}

static int64_t worker_run(void *arg)
{
	struct worker *w = arg;
	w->tid = sys_gettid();
	while (w->calls < calls_each)
		storm_one(w);
	cleanup(w);
	return 0;
}

static int setup(uint64_t seed, const struct quire_startinfo *info)
{
	for (uint32_t i = 0; i < STORM_THREADS; i++) {
		struct worker *w = &workers[i];
		memset(w, 0, sizeof *w);
		w->idx = i;
		w->rng = (seed + 1) * 0x9E3779B97F4A7C15ull + (i + 1) * 0xD1B54A32D192ED03ull;
		w->sandbox = (uint64_t)va_reserve(SANDBOX_PAGES * PAGE_SIZE, PAGE_SIZE);
		w->boundary = info->thread_space_start;
		w->tsandbox = w->boundary + (1ull << 30) * (i + 1); /* far below every stack */
		w->pid = (int64_t)info->pid;
		if (!w->sandbox)
			return -1;
	}
	return 0;
}

static uint64_t free_frames(void)
{
	struct quire_meminfo mi;
	return sys_meminfo(&mi) == 0 ? mi.free_frames : 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	uint64_t seed = arg % 1000, kcalls = arg / 1000 ? arg / 1000 : 100;
	calls_each = kcalls * 1000 / STORM_THREADS;
	if (setup(seed, info) < 0) {
		printf("FAIL storm: no sandbox\n");
		return 1;
	}
	uint64_t f0 = free_frames(), calls = 0, mism = 0, made = 0, spawned = 0;
	int64_t t0 = sys_ticks(), tids[STORM_THREADS];
	for (uint32_t i = 1; i < STORM_THREADS; i++)
		tids[i] = thread_create(worker_run, &workers[i]);
	worker_run(&workers[0]);
	for (uint32_t i = 1; i < STORM_THREADS; i++)
		mism += tids[i] < 0 || thread_join(tids[i], NULL) < 0;
	int64_t ticks = sys_ticks() - t0;
	for (uint32_t i = 0; i < STORM_THREADS; i++) {
		calls += workers[i].calls;
		mism += workers[i].mismatches;
		made += workers[i].threads_made;
		spawned += workers[i].spawned;
	}
	printf("storm: seed %lu, %lu calls in %ld ticks (%lu calls per second of guest time), %u threads\n", seed,
	       calls, ticks, ticks > 0 ? calls * 100 / (uint64_t)ticks : 0, STORM_THREADS);
	struct quire_swapinfo si = { 0 };
	sys_swapinfo(&si);
	printf("# storm: %lu threads made and joined, %lu children spawned and waited for; free frames %lu before, %lu after; swap-outs %lu\n",
	       made, spawned, f0, free_frames(), si.global.swap_outs);
	test_check(calls >= kcalls * 1000, "calls", "%lu calls, want %lu", calls, kcalls * 1000);
	test_check(mism == 0, "results", "%lu results outside what the spec allows", mism);
	return test_finish("storm");
}
