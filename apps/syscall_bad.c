/*
 * syscall_bad - every system call that takes a pointer, with every class of bad pointer:
 * NULL, kernel, non-canonical (both sides), an unmapped page, a buffer running from a
 * mapped page into an unmapped one, a buffer straddling the top of user space, a length
 * that wraps; output pointers also into read-only and code pages. Each must return
 * -QE_FAULT (specs/syscalls.md, "Pointer checks"; a few named cases -QE_INVAL), change
 * nothing, and the process must live on. Unknown numbers must return -QE_NOSYS. The message
 * calls (ports, descriptors, the bytes and grant ranges they name) and the console and
 * process-control calls are tried too; a receive into a bad buffer must keep its message.
 * Exit status 0 and "PASS syscall_bad" when every check holds.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define KERNEL_VA 0xFFFF800000000000UL
#define NONCANON_LO 0x0000800000000000UL
#define NONCANON_HI 0x8000000000000000UL
#define TOP_PAGE 0x00007FFFFFFFF000UL

struct bad {
	const char *name;
	uint64_t va, len;
};

static uint64_t unmapped_va;  /* a page never mapped */
static uint64_t edge_va;      /* a mapped RW page; the page after it is unmapped */
static uint64_t readonly_va;  /* a mapped read-only page */
static char good_buf[64] = "syscall_bad: this text must never be printed\n";

/* quick - a thread that ends at once with its argument (also: an address in code). */
static int64_t quick(void *arg)
{
	return (int64_t)(uint64_t)arg;
}

/* buffers: (pointer, length) pairs, for calls that read @len bytes. */
static int buffers(struct bad *b)
{
	uint64_t g = (uint64_t)good_buf;
	int n = 0;
	b[n++] = (struct bad){ "null", 0, 16 };
	b[n++] = (struct bad){ "kernel", KERNEL_VA, 16 };
	b[n++] = (struct bad){ "noncanonical_low", NONCANON_LO, 16 };
	b[n++] = (struct bad){ "noncanonical_high", NONCANON_HI, 16 };
	b[n++] = (struct bad){ "unmapped", unmapped_va, 16 };
	b[n++] = (struct bad){ "into_unmapped", edge_va + PAGE_SIZE - 8, 16 };
	b[n++] = (struct bad){ "straddle_top", TOP_PAGE, 0x2000 };
	b[n++] = (struct bad){ "len_wraps", g, 0 - g + 16 };
	b[n++] = (struct bad){ "len_max", g, ~0UL };
	return n;
}

/* objects: pointers to a fixed-size object (8 to 40 bytes) the kernel writes. */
static int objects(struct bad *b)
{
	int n = 0;
	b[n++] = (struct bad){ "null", 0, 0 };
	b[n++] = (struct bad){ "kernel", KERNEL_VA, 0 };
	b[n++] = (struct bad){ "noncanonical_low", NONCANON_LO, 0 };
	b[n++] = (struct bad){ "noncanonical_high", NONCANON_HI, 0 };
	b[n++] = (struct bad){ "unmapped", unmapped_va, 0 };
	b[n++] = (struct bad){ "into_unmapped", edge_va + PAGE_SIZE - 4, 0 };
	b[n++] = (struct bad){ "straddle_top", USER_TOP - 4, 0 };
	b[n++] = (struct bad){ "wraps", ~0UL - 3, 0 };
	b[n++] = (struct bad){ "readonly", readonly_va, 0 };
	b[n++] = (struct bad){ "code", (uint64_t)quick, 0 };
	return n;
}

/* check - one result; @alt is a second accepted value (0 when none). */
static void check(const char *call, const char *cls, int64_t got, int64_t want, int64_t alt)
{
	char name[64];
	snprintf(name, sizeof(name), "%s/%s", call, cls);
	test_check(got == want || (alt && got == alt), name, "returned %ld, want %ld", got, want);
}

static void test_write(void)
{
	struct bad b[16];
	int n = buffers(b);
	for (int i = 0; i < n; i++)
		check("write", b[i].name, sys_write(1, (void *)b[i].va, b[i].len), -QE_FAULT, 0);
	check("write", "bad_fd", sys_write(7, good_buf, 4), -QE_INVAL, 0);
}

static void test_spawn(void)
{
	struct bad b[16];
	int n = buffers(b);
	/* A length over the name limit may be refused as -QE_INVAL first: both are right. */
	for (int i = 0; i < n; i++)
		check("spawn", b[i].name, sys_spawn((const char *)b[i].va, b[i].len, 0), -QE_FAULT,
		      b[i].len > 31 ? -QE_INVAL : 0);
	check("spawn", "no_such_program", spawn("no_such_program", 0), -QE_NOENT, 0);
	check("spawn", "empty_name", sys_spawn(good_buf, 0, 0), -QE_INVAL, 0);
}

static void test_meminfo(void)
{
	struct bad b[16];
	int n = objects(b);
	for (int i = 0; i < n; i++)
		check("meminfo", b[i].name, sys_meminfo((struct quire_meminfo *)b[i].va), -QE_FAULT, 0);
	/* The kernel must fill a page that is allocate-on-demand and not yet touched. */
	void *fresh = va_reserve(PAGE_SIZE, PAGE_SIZE);
	area_demand(fresh, PAGE_SIZE, QP_RW);
	int64_t r = sys_meminfo(fresh);
	check("meminfo", "untouched_demand_page", r, 0, 0);
	if (r == 0)
		test_check(((struct quire_meminfo *)fresh)->total_frames > 0, "meminfo/filled",
			   "total_frames is 0");
}

/* test_perfinfo - the performance figures' output pointer, every class. */
static void test_perfinfo(void)
{
	struct bad b[16];
	int n = objects(b);
	for (int i = 0; i < n; i++)
		check("perfinfo", b[i].name, sys_perfinfo((struct quire_perfinfo *)b[i].va), -QE_FAULT, 0);
	struct quire_perfinfo pi = { .tsc = 0, .idle_tsc = ~0ull };
	check("perfinfo", "good", sys_perfinfo(&pi), 0, 0);
	test_check(pi.tsc > 0 && pi.idle_tsc < pi.tsc, "perfinfo/filled", "tsc %lu idle %lu", pi.tsc, pi.idle_tsc);
}

/* test_join - per class a fresh thread: the bad join fails, a good one still works. */
static void test_join(void)
{
	struct bad b[16];
	int n = objects(b);
	for (int i = 0; i < n; i++) {
		int64_t tid = thread_create(quick, (void *)(uint64_t)(100 + i)), v = 0;
		check("thread_join", b[i].name, sys_thread_join(tid, (int64_t *)b[i].va), -QE_FAULT, 0);
		int64_t r = sys_thread_join(tid, &v);
		test_check(r == 0 && v == 100 + i, "thread_join/after_bad",
			   "%s: then join %ld value %ld", b[i].name, r, v);
	}
	check("thread_join", "no_such_thread", thread_join(999999, NULL), -QE_SRCH, 0);
}

/* test_wait - per class a fresh `nop` child: the bad wait fails, a good one still works. */
static void test_wait(void)
{
	struct bad b[16];
	int n = objects(b);
	for (int i = 0; i < n; i++) {
		int64_t pid = spawn("nop", 0), status = -1;
		check("wait", b[i].name, sys_wait(pid, (int64_t *)b[i].va), -QE_FAULT, 0);
		int64_t r = sys_wait(pid, &status);
		test_check(r == 0 && status == 0, "wait/after_bad", "%s: spawn %ld, then wait %ld status %ld",
			   b[i].name, pid, r, status);
	}
	int64_t st;
	check("wait", "no_such_child", wait(999999, &st), -QE_SRCH, 0);
}

static void test_thread_create(void)
{
	static const struct bad b[] = {
		{ "null", 0, 0 },
		{ "kernel", KERNEL_VA, 0 },
		{ "noncanonical_low", NONCANON_LO, 0 },
		{ "noncanonical_high", NONCANON_HI, 0 },
	};
	for (unsigned i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		check("thread_create", b[i].name,
		      quire_syscall6(SYS_THREAD_CREATE, b[i].va, 0, 0, 0, 0, 0), -QE_FAULT, 0);
}

/* test_area - ranges outside user space, for every operation. */
static void test_area(void)
{
	const struct bad b[] = {
		{ "null_page", 0, PAGE_SIZE },
		{ "kernel", KERNEL_VA, PAGE_SIZE },
		{ "noncanonical_low", NONCANON_LO, PAGE_SIZE },
		{ "noncanonical_high", NONCANON_HI, PAGE_SIZE },
		{ "straddle_top", TOP_PAGE, 0x2000 },
		{ "len_wraps", unmapped_va, 0 - unmapped_va + PAGE_SIZE },
		{ "len_max", unmapped_va, ~0UL & ~(PAGE_SIZE - 1) },
	};
	static const char *const ops[] = { "", "area_demand", "area_lock", "area_free", "area_protect" };
	for (int op = QA_DEMAND; op <= QA_PROTECT; op++) {
		for (unsigned i = 0; i < sizeof(b) / sizeof(b[0]); i++)
			check(ops[op], b[i].name, sys_area(op, b[i].va, b[i].len, QP_RW), -QE_FAULT, 0);
	}
	uint64_t bnd = startinfo()->thread_space_start;
	check("area_demand", "straddle_boundary", sys_area(QA_DEMAND, bnd - PAGE_SIZE, 2 * PAGE_SIZE, QP_RW),
	      -QE_INVAL, 0);
}

/* is_readable - a class whose memory the kernel could read (only writing it is refused). */
static int is_readable(const struct bad *b)
{
	return !strcmp(b->name, "readonly") || !strcmp(b->name, "code");
}

/* test_ports - names of ports (read), and descriptors the kernel reads. */
static void test_ports(int64_t port)
{
	struct bad b[16];
	int n = buffers(b);
	for (int i = 0; i < n; i++) {
		int64_t alt = b[i].len > 31 ? -QE_INVAL : 0;
		check("port_create", b[i].name, sys_port_create((const char *)b[i].va, b[i].len), -QE_FAULT, alt);
		check("port_open", b[i].name, sys_port_open((const char *)b[i].va, b[i].len), -QE_FAULT, alt);
	}
	n = objects(b);
	for (int i = 0; i < n; i++) {
		if (is_readable(&b[i]))
			continue;
		const struct quire_msg *d = (const struct quire_msg *)b[i].va;
		check("msg_send", b[i].name, sys_msg_send(port, d), -QE_FAULT, 0);
		check("msg_reply", b[i].name, sys_msg_reply(1, d), -QE_FAULT, 0);
	}
	check("port_open", "no_such_name", port_open("syscall_bad.none"), -QE_NOENT, 0);
	check("port_create", "nul_in_name", sys_port_create("a\0b", 3), -QE_INVAL, 0);
}

/* test_msg_buffers - the bytes and the grant range a descriptor names; a receive into a bad
 * buffer keeps the message (it is received again after). */
static void test_msg_buffers(int64_t port)
{
	struct bad b[16];
	int n = buffers(b);
	for (int i = 0; i < n; i++) {
		struct quire_msg d = { .data = b[i].va, .len = b[i].len };
		check("msg_send_data", b[i].name, sys_msg_send(port, &d), -QE_FAULT, b[i].len > QUIRE_MSG_MAX ? -QE_FBIG : 0);
	}
	const struct bad ranges[] = { /* page-aligned ranges to grant */
		{ "null", 0, PAGE_SIZE },
		{ "kernel", KERNEL_VA, PAGE_SIZE },
		{ "noncanonical_low", NONCANON_LO, PAGE_SIZE },
		{ "noncanonical_high", NONCANON_HI, PAGE_SIZE },
		{ "unmapped", unmapped_va, PAGE_SIZE },
		{ "into_unmapped", edge_va, 2 * PAGE_SIZE },
		{ "straddle_top", TOP_PAGE, 2 * PAGE_SIZE },
		{ "len_wraps", unmapped_va, 0 - unmapped_va + PAGE_SIZE },
	};
	for (unsigned i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		struct quire_msg g = { .data = (uint64_t)good_buf, .len = 1, .grant_va = ranges[i].va,
				       .grant_len = ranges[i].len };
		check("msg_send_grant", ranges[i].name, sys_msg_send(port, &g), -QE_FAULT,
		      ranges[i].len > QUIRE_GRANT_MAX ? -QE_FBIG : 0);
	}
	test_check(*(volatile uint64_t *)edge_va == 1, "msg_send_grant/nothing-taken", "the edge page changed");
	n = objects(b);
	for (int i = 0; i < n; i++) {
		char got[8] = { 0 };
		struct quire_msg d = { .data = b[i].va, .len = 8 };
		msg_send(port, "kept!!!!", 8); /* the receive writes its 8 bytes at d.data */
		check("msg_receive_data", b[i].name, sys_msg_receive(port, &d, 0), -QE_FAULT, 0);
		test_check(msg_receive(port, got, sizeof got, 0, NULL) == 8 && !memcmp(got, "kept!!!!", 8),
			   "msg_receive/message-kept", "%s: the message was lost", b[i].name);
		check("msg_receive_desc", b[i].name, sys_msg_receive(port, (struct quire_msg *)b[i].va, 0), -QE_FAULT, 0);
		struct quire_msg s = { .data = (uint64_t)good_buf, .len = 1 };
		check("msg_call_reply_desc", b[i].name, sys_msg_call(port, &s, (struct quire_msg *)b[i].va), -QE_FAULT, 0);
	}
	check("msg_receive", "empty_after", msg_receive(port, good_buf, 8, 0, NULL), -QE_AGAIN, 0);
}

/* test_ctl - console input, the process list, system figures, spawn with arguments. */
static void test_ctl(void)
{
	struct bad b[16];
	int n = buffers(b);
	for (int i = 0; i < n; i++) {
		check("console_read", b[i].name, sys_console_read((void *)b[i].va, b[i].len, 0), -QE_FAULT, 0);
		check("spawn_args_name", b[i].name, sys_spawn_args((const char *)b[i].va, b[i].len, "nop", 4), -QE_FAULT,
		      b[i].len > 31 ? -QE_INVAL : 0);
		check("spawn_args_args", b[i].name, sys_spawn_args("nop", 3, (const char *)b[i].va, b[i].len), -QE_FAULT,
		      b[i].len > QUIRE_ARGS_MAX ? -QE_INVAL : 0);
	}
	n = objects(b);
	for (int i = 0; i < n; i++) {
		check("console_read_out", b[i].name, sys_console_read((void *)b[i].va, 16, 0), -QE_FAULT, 0);
		check("proclist", b[i].name, sys_proclist((struct quire_procinfo *)b[i].va, 1), -QE_FAULT, 0);
		check("sysinfo", b[i].name, sys_sysinfo((struct quire_sysinfo *)b[i].va), -QE_FAULT, 0);
	}
	check("spawn_args", "unterminated", sys_spawn_args("nop", 3, "nop", 3), -QE_INVAL, 0);
	static char many[2 * (QUIRE_ARGC_MAX + 1)];
	check("spawn_args", "too_many", sys_spawn_args("nop", 3, many, sizeof many), -QE_INVAL, 0);
	check("console_read", "empty_buffer", sys_console_read(good_buf, 0, 0), -QE_INVAL, 0);
	check("kill", "no_such_process", sys_kill(999999), -QE_SRCH, 0);
	check("kill", "not_a_descendant", sys_kill(1), -QE_PERM, -QE_SRCH);
	int64_t pid = spawn("nop", 0), st = -1;
	test_check(pid > 0 && wait(pid, &st) == 0 && st == 0, "spawn_args/after_bad", "spawn %ld status %ld", pid, st);
}

static void test_nosys(void)
{
	static const uint64_t nr[] = {
		SYS_COUNT, SYS_COUNT + 1, 255, 1000, 0xFFFFFFFFUL, ~0UL,
		(1UL << 32) | SYS_GETPID, (1UL << 63) | SYS_GETPID,
	};
	for (unsigned i = 0; i < sizeof(nr) / sizeof(nr[0]); i++) {
		char cls[32];
		snprintf(cls, sizeof(cls), "%#lx", nr[i]);
		check("nosys", cls, quire_syscall6(nr[i], 1, 2, 3, 4, 5, 6), -QE_NOSYS, 0);
	}
}

/* setup - the unmapped page, the edge page and the read-only page. */
static int setup(void)
{
	unmapped_va = (uint64_t)va_reserve(PAGE_SIZE, PAGE_SIZE);
	edge_va = (uint64_t)va_reserve(PAGE_SIZE, PAGE_SIZE);
	readonly_va = (uint64_t)va_reserve(PAGE_SIZE, PAGE_SIZE);
	if (!unmapped_va || !edge_va || !readonly_va)
		return -1;
	if (area_demand((void *)edge_va, PAGE_SIZE, QP_RW) < 0 ||
	    area_demand((void *)readonly_va, PAGE_SIZE, QP_RW) < 0)
		return -1;
	*(volatile uint64_t *)edge_va = 1;     /* present */
	*(volatile uint64_t *)readonly_va = 1; /* present, then read-only */
	return area_protect((void *)readonly_va, PAGE_SIZE, QP_R) < 0 ? -1 : 0;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("syscall_bad: pid %lu\n", info->pid);
	int ok = setup() == 0;
	test_check(ok, "setup", "could not make the test pages");
	if (!ok)
		return test_finish("syscall_bad");
	test_write();
	test_spawn();
	test_meminfo();
	test_perfinfo();
	test_join();
	test_wait();
	test_thread_create();
	test_area();
	int64_t port = port_create(NULL);
	test_check(port > 0, "port", "port_create %ld", port);
	test_ports(port);
	test_msg_buffers(port);
	test_ctl();
	test_nosys();
	test_check(sys_getpid() == (int64_t)info->pid, "alive", "getpid changed");
	return test_finish("syscall_bad");
}
