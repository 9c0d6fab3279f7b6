/*
 * init - the first process. Its argument is a pointer to the value of the kernel
 * command-line option `init=` (e.g. "hello,worker:3,bad_null"), a NUL-terminated string
 * the kernel copied into init's memory. Each comma-separated entry names a boot module,
 * optionally followed by ":N", a decimal argument for it (default 0). init spawns them
 * all, so they run at once, then waits for each and prints its exit status.
 * Exit status: 0 when every program was started and exited 0, else 1.
 * init does not trust its argument: anyone may spawn it with any number. Only a pointer into
 * its own stack with a NUL before the stack's top (where the kernel puts the list) is read;
 * 0 is an empty list; anything else is refused with exit status 1.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define INIT_MAX 32
#define NAME_MAX 32

struct child {
	char name[NAME_MAX];
	uint64_t arg;
	int64_t pid; /* or a negative QE_* code from spawn */
};

static struct child children[INIT_MAX];

/* parse_entry - fill @c from "name[:N]" of @len bytes; 0, or -1 when malformed. */
static int parse_entry(const char *s, size_t len, struct child *c)
{
	size_t n = 0;
	while (n < len && s[n] != ':')
		n++;
	if (n == 0 || n >= NAME_MAX)
		return -1;
	memcpy(c->name, s, n);
	c->name[n] = '\0';
	c->arg = 0;
	for (size_t i = n + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		c->arg = c->arg * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* parse_list - split @list at commas into children[]; returns how many, or -1. */
static int parse_list(const char *list)
{
	int n = 0;
	while (*list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);
		if (len > 0) {
			if (n == INIT_MAX || parse_entry(list, len, &children[n]) < 0)
				return -1;
			n++;
		}
		list += len;
		if (*list == ',')
			list++;
	}
	return n;
}

/* list_arg - @arg as the list, if it points into this thread's stack and the string ends
 * there; else NULL. */
static const char *list_arg(uint64_t arg, const struct quire_startinfo *info)
{
	uint64_t lo = info->stack_top - info->stack_size, hi = info->stack_top;
	if (arg < lo || arg >= hi)
		return NULL;
	for (const char *p = (const char *)arg; (uint64_t)p < hi; p++)
		if (*p == '\0')
			return (const char *)arg;
	return NULL;
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	const char *list = list_arg(arg, info);
	if (arg && !list) {
		printf("init: my argument %#lx is not a list the kernel gave me; nothing to run\n", arg);
		return 1;
	}
	printf("init: pid %lu, programs \"%s\"\n", info->pid, list ? list : "");
	int n = list ? parse_list(list) : 0;
	if (n < 0) {
		printf("init: malformed list (want name[:N],... with at most %d names)\n", INIT_MAX);
		return 1;
	}
	int failed = 0;
	for (int i = 0; i < n; i++) {
		children[i].pid = spawn(children[i].name, children[i].arg);
		if (children[i].pid < 0) {
			printf("init: spawn %s failed: error %ld\n", children[i].name, -children[i].pid);
			failed++;
		}
	}
	for (int i = 0; i < n; i++) {
		if (children[i].pid < 0)
			continue;
		int64_t status = -1;
		int64_t r = wait(children[i].pid, &status);
		if (r < 0) {
			printf("init: wait %s (pid %ld) failed: error %ld\n", children[i].name,
			       children[i].pid, -r);
			failed++;
			continue;
		}
		printf("init: %s (pid %ld) exited with status %ld\n", children[i].name,
		       children[i].pid, status);
		if (status != 0)
			failed++;
	}
	printf("init: %d of %d programs failed\n", failed, n);
	return failed ? 1 : 0;
}
