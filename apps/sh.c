/*
 * sh - the shell on the serial console (init starts it: `make run`). It reads the keyboard
 * raw (SYS_CONSOLE_READ) and edits the line itself (ledit.h: arrows, Ctrl-A/E/U, history);
 * `PROG [ARGS]` or `run PROG [ARGS]` runs a program in the foreground (Ctrl-C ends it), a
 * trailing `&` in the background; builtins: help, jobs, kill, ps, mem, swap, exit. Programs
 * are bin/NAME on the file-system disk, else the boot modules (start_program). Errors
 * print their name (QE_NOENT), never a bare number. Exit status: exit's argument.
 */
#include "ledit.h"
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(8), QUIRE_NOTE_KIB(64));

#define PROMPT "sh> "
#define MAXARGS 32
#define JOBS_MAX 16
#define CTRL_C 0x03

struct job {
	int64_t pid; /* 0: a free slot */
	char cmd[64];
};

/* Everything shared with the foreground waiter thread is here, in process space. */
static struct job jobs[JOBS_MAX];
static struct ledit ed;
static struct quire_procinfo procs[64];
static char ring[512];             /* bytes typed and not yet edited (typed-ahead included) */
static unsigned ring_head, ring_tail;
static volatile int64_t fg_pid, fg_status;
static volatile int fg_done;

static void ring_push(char c)
{
	if (ring_tail - ring_head < sizeof ring)
		ring[ring_tail++ % sizeof ring] = c;
}

/* next_byte - the next byte typed (sleeps for it). */
static int next_byte(void)
{
	while (ring_head == ring_tail) {
		char buf[64];
		int64_t n = sys_console_read(buf, sizeof buf, QUIRE_WAIT_FOREVER);
		if (n < 0 && n != -QE_TIMEDOUT && n != -QE_AGAIN) {
			printf("sh: cannot read the console: %s\n", qerror_name(n));
			sys_exit(1);
		}
		for (int64_t i = 0; i < n; i++)
			ring_push(buf[i]);
	}
	return (unsigned char)ring[ring_head++ % sizeof ring];
}

/* read_line - edit a line; an enum ledit_result (the text in ed.line). Once the bytes typed
 * so far are eaten, the screen line is brought up to date: text added at the end is just
 * written, anything else redraws the line (ledit_render). */
static int read_line(void)
{
	char out[LEDIT_MAX + 64], shown[LEDIT_MAX];
	size_t shown_len = 0;
	ledit_start(&ed);
	ledit_render(&ed, PROMPT, out, sizeof out);
	printf("%s", out);
	shown[0] = '\0';
	for (;;) {
		int r = ledit_key(&ed, (unsigned char)next_byte());
		if (r == LEDIT_MORE && ring_head != ring_tail)
			continue; /* more typed already: draw once it is all in */
		if (ed.cur == ed.len && ed.len >= shown_len && !memcmp(ed.line, shown, shown_len))
			printf("%s", ed.line + shown_len); /* only appended: the cursor was at the end */
		else if (ledit_render(&ed, PROMPT, out, sizeof out))
			printf("%s", out);
		memcpy(shown, ed.line, ed.len + 1);
		shown_len = ed.cur == ed.len ? ed.len : (size_t)-1; /* -1: the cursor is not at the end */
		if (r != LEDIT_MORE)
			return r;
	}
}

static void print_error(const char *what, const char *arg, int64_t err)
{
	printf("sh: %s%s%s: %s (%s)\n", what, arg ? ": " : "", arg ? arg : "", qerror_name(err), qerror_text(err));
}

/* start_program - the one place that turns a command's words into a process, named by
 * argv[0]: the kernel looks for bin/NAME on the file-system disk first (a name with / or
 * ; is a path there: bin/hello;1 runs version 1), then among the boot modules. Its pid or
 * error. */
static int64_t start_program(int argc, char **argv)
{
	return spawn_argv(argc, argv);
}

static int64_t fg_waiter(void *arg)
{
	(void)arg;
	int64_t st = -1, r = wait(fg_pid, &st);
	fg_status = r < 0 ? r : st;
	__atomic_store_n(&fg_done, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* foreground - wait for @pid while watching the keyboard: Ctrl-C ends it, other keys wait
 * for the next prompt. A thread waits for the process; this one reads the keys. */
static void foreground(int64_t pid, const char *name)
{
	fg_pid = pid;
	fg_done = 0;
	int64_t tid = thread_create(fg_waiter, NULL);
	if (tid < 0) {
		print_error("no thread to watch for Ctrl-C", NULL, tid);
		fg_waiter(NULL);
	}
	while (!__atomic_load_n(&fg_done, __ATOMIC_SEQ_CST)) {
		char buf[64];
		int64_t n = sys_console_read(buf, sizeof buf, 50);
		for (int64_t i = 0; i < n; i++) {
			if (buf[i] != CTRL_C) {
				ring_push(buf[i]);
			} else {
				printf("^C\n");
				sys_kill(pid);
			}
		}
	}
	if (tid >= 0)
		thread_join(tid, NULL);
	if (fg_status != 0)
		printf("sh: %s (pid %ld) exited with status %ld\n", name, pid, fg_status);
}

static int free_job(void)
{
	for (int i = 0; i < JOBS_MAX; i++)
		if (!jobs[i].pid)
			return i;
	return -1;
}

/* join_words - @argv as one line into @out (for jobs). */
static void join_words(int argc, char **argv, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < argc && n + 1 < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", argv[i]);
}

static void run_program(int argc, char **argv, int background)
{
	int slot = background ? free_job() : 0;
	if (slot < 0) {
		printf("sh: %d background jobs already: wait for one to end\n", JOBS_MAX);
		return;
	}
	int64_t pid = start_program(argc, argv);
	if (pid < 0) {
		print_error(argv[0], NULL, pid);
		return;
	}
	if (!background) {
		foreground(pid, argv[0]);
		return;
	}
	jobs[slot].pid = pid;
	join_words(argc, argv, jobs[slot].cmd, sizeof jobs[slot].cmd);
	printf("[%d] %ld\n", slot + 1, pid);
}

/* load_procs - the process table; how many entries (0 on error, printed). */
static int load_procs(void)
{
	int64_t n = sys_proclist(procs, sizeof procs / sizeof procs[0]);
	if (n < 0) {
		print_error("proclist", NULL, n);
		return 0;
	}
	return n > 64 ? 64 : (int)n;
}

/* reap_jobs - background jobs that ended are waited for and reported. */
static void reap_jobs(void)
{
	int n = load_procs();
	for (int j = 0; j < JOBS_MAX; j++) {
		if (!jobs[j].pid)
			continue;
		int alive = 0;
		for (int i = 0; i < n; i++)
			alive |= procs[i].pid == jobs[j].pid && procs[i].state != QPS_ENDED;
		int64_t st = 0;
		if (alive || wait(jobs[j].pid, &st) < 0)
			continue;
		printf("[%d] done    %s (status %ld)\n", j + 1, jobs[j].cmd, st);
		jobs[j].pid = 0;
	}
}

static int cmd_jobs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	reap_jobs();
	for (int j = 0; j < JOBS_MAX; j++)
		if (jobs[j].pid)
			printf("[%d] %ld running %s\n", j + 1, jobs[j].pid, jobs[j].cmd);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	uint64_t pid;
	if (argc != 2) {
		printf("usage: kill PID\n");
		return 1;
	}
	if (parse_u64(argv[1], &pid) < 0 || pid > INT64_MAX) {
		printf("sh: kill: bad number '%s'\n", argv[1]);
		return 1;
	}
	int64_t r = sys_kill((int64_t)pid);
	if (r < 0)
		print_error("kill", argv[1], r);
	return r < 0;
}

static const char *state_name(uint32_t s)
{
	return s == QPS_RUNNING ? "running" : s == QPS_DYING ? "dying" : "ended";
}

static int cmd_ps(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int n = load_procs();
	printf("%5s %5s %-16s %7s %8s %8s %8s %s\n", "PID", "PPID", "NAME", "THREADS", "RESIDENT", "SWAPPED",
	       "FAULTS", "STATE");
	for (int i = 0; i < n; i++)
		printf("%5u %5u %-16s %7u %8lu %8lu %8lu %s\n", procs[i].pid, procs[i].parent, procs[i].name,
		       procs[i].threads, procs[i].resident, procs[i].swapped, procs[i].faults,
		       state_name(procs[i].state));
	printf("(resident and swapped in 4 KiB pages)\n");
	return 0;
}

static int cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct quire_sysinfo si;
	int64_t r = sys_sysinfo(&si);
	if (r < 0) {
		print_error("mem", NULL, r);
		return 1;
	}
	printf("frames: %lu usable (%lu MiB), %lu free (%lu MiB)\n", si.total_frames, si.total_frames >> 8,
	       si.free_frames, si.free_frames >> 8);
	printf("  user %lu, kernel %lu, page tables %lu, reserved %lu\n", si.user_frames, si.kernel_frames,
	       si.table_frames, si.reserved_frames);
	printf("kernel heap: %lu pages held, %lu small objects\n", si.heap_pages, si.heap_objects);
	printf("processes %lu, threads %lu, up %lu.%02lu s\n", si.processes, si.threads, si.ticks / 100,
	       si.ticks % 100);
	printf("message grants: %lu, %lu pages moved (%lu in RAM, %lu in swap, %lu locked)\n", si.grants,
	       si.grant_pages, si.grant_resident, si.grant_swapped, si.grant_locked);
	return 0;
}

static int cmd_swap(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct quire_swapinfo sw;
	struct quire_sysinfo si;
	int64_t r = sys_swapinfo(&sw);
	if (r == 0)
		r = sys_sysinfo(&si);
	if (r < 0) {
		print_error("swap", NULL, r);
		return 1;
	}
	if (!sw.swap_blocks)
		printf("no swap (boot with swap=hdb and a disk)\n");
	else
		printf("swap: %lu of %lu blocks free; policy %s, %lu frames tracked, %lu free frames\n",
		       sw.swap_free_blocks, sw.swap_blocks, si.policy, si.tracked_frames, sw.free_frames);
	printf("  page faults %lu, swap-ins %lu, swap-outs %lu (clean drops %lu, write-backs %lu, zero pages %lu), I/O errors %lu, copies dropped %lu\n",
	       sw.global.page_faults, sw.global.swap_ins, sw.global.swap_outs, sw.global.clean_drops,
	       sw.global.write_backs, si.zero_drops, si.io_errors, si.copies_dropped);
	return 0;
}

static int exit_status = -1; /* set by exit */

static int cmd_exit(int argc, char **argv)
{
	uint64_t st = 0;
	if (argc > 2 || (argc == 2 && (parse_u64(argv[1], &st) < 0 || st > 255))) {
		printf("usage: exit [STATUS 0-255]\n");
		return 1;
	}
	for (int j = 0; j < JOBS_MAX; j++) { /* nothing is left behind */
		int64_t s;
		if (jobs[j].pid && sys_kill(jobs[j].pid) == 0)
			printf("[%d] killed  %s\n", j + 1, jobs[j].cmd);
		if (jobs[j].pid)
			wait(jobs[j].pid, &s);
		jobs[j].pid = 0;
	}
	exit_status = (int)st;
	return 0;
}

static int cmd_help(int argc, char **argv);

static const struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} builtins[] = {
	{ "help", cmd_help, "this list" },
	{ "jobs", cmd_jobs, "background jobs: running, or done (then forgotten)" },
	{ "kill", cmd_kill, "kill PID: end a process this shell started (or one of theirs)" },
	{ "ps", cmd_ps, "processes: threads, resident and swapped pages, page faults" },
	{ "mem", cmd_mem, "frames by use, the kernel heap, processes" },
	{ "swap", cmd_swap, "swap space, page-usage policy and paging counters" },
	{ "exit", cmd_exit, "exit [STATUS]: end the shell (background jobs are killed)" },
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("PROG [ARGS] [&]      run a program (bin/PROG on the disk, or a boot module): in the foreground (Ctrl-C ends it), or with & in the background\n");
	printf("run PROG [ARGS] [&]  the same\n");
	for (unsigned i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
		printf("%-20s %s\n", builtins[i].name, builtins[i].help);
	printf("keys: Left/Right, Ctrl-A/E, Backspace, Ctrl-U/K, Up/Down (history), Ctrl-C; Ctrl-] the kernel monitor\n");
	return 0;
}

/* split - cut @line into words (spaces and tabs); a last word "&" (or a trailing '&') asks
 * for the background. The number of words, or -1 when there are too many. */
static int split(char *line, char **argv, int *background)
{
	int n = 0;
	*background = 0;
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAXARGS)
			return -1;
		argv[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n && argv[n - 1][strlen(argv[n - 1]) - 1] == '&') {
		*background = 1;
		argv[n - 1][strlen(argv[n - 1]) - 1] = '\0';
		if (!argv[n - 1][0])
			n--;
	}
	argv[n] = NULL;
	return n;
}

static void run_line(char *line)
{
	char *argv[MAXARGS + 1];
	int bg, argc = split(line, argv, &bg);
	if (argc < 0) {
		printf("sh: more than %d words\n", MAXARGS);
		return;
	}
	char **av = argv;
	if (argc && !strcmp(av[0], "run")) {
		av++;
		argc--;
		if (!argc) {
			printf("usage: run PROG [ARGS] [&]\n");
			return;
		}
	} else {
		for (unsigned i = 0; argc && i < sizeof builtins / sizeof builtins[0]; i++) {
			if (!strcmp(av[0], builtins[i].name)) {
				builtins[i].fn(argc, av);
				return;
			}
		}
	}
	if (argc)
		run_program(argc, av, bg);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	(void)info;
	ledit_init(&ed);
	printf("sh: the Quire shell. 'help' lists the commands; Ctrl-] reaches the kernel monitor.\n");
	while (exit_status < 0) {
		reap_jobs();
		int r = read_line();
		printf("\n");
		if (r == LEDIT_DONE) {
			ledit_history_add(&ed, ed.line);
			run_line(ed.line);
		} else if (r == LEDIT_CANCEL) {
			printf("^C\n");
		} else if (r == LEDIT_EOF) {
			printf("(type 'exit' to end the shell: the machine stops with it)\n");
		}
	}
	return exit_status;
}
