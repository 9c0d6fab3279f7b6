/*
 * msg.c - message and argument helpers over the raw calls: ports by name, small messages
 * without a descriptor to fill, spawning with an argument list, and the strict number
 * parsing programs use for their arguments (specs/messages.md, specs/syscalls.md).
 */
#include "crt.h"
#include "lib/cmdline.h"

int64_t port_create(const char *name)
{
	return sys_port_create(name ? name : "", name ? strlen(name) : 0);
}

int64_t port_open(const char *name)
{
	return sys_port_open(name, strlen(name));
}

int64_t port_wait_open(const char *name, uint64_t ms)
{
	int64_t id = port_open(name);
	for (uint64_t waited = 0; id == -QE_NOENT && waited < ms; waited += 10) {
		sleep_ms(10);
		id = port_open(name);
	}
	return id;
}

int64_t msg_send(int64_t port, const void *data, size_t len)
{
	struct quire_msg m = { .data = (uint64_t)data, .len = len };
	return sys_msg_send(port, &m);
}

int64_t msg_call(int64_t port, const void *data, size_t len, void *reply, size_t reply_len)
{
	struct quire_msg s = { .data = (uint64_t)data, .len = len };
	struct quire_msg r = { .data = (uint64_t)reply, .len = reply_len };
	return sys_msg_call(port, &s, &r);
}

int64_t msg_receive(int64_t port, void *buf, size_t len, uint64_t timeout_ms, struct quire_msg *info)
{
	struct quire_msg m = { .data = (uint64_t)buf, .len = len };
	int64_t n = sys_msg_receive(port, &m, timeout_ms);
	if (info)
		*info = m;
	return n;
}

int64_t msg_reply(uint64_t token, const void *data, size_t len)
{
	struct quire_msg m = { .data = (uint64_t)data, .len = len };
	return sys_msg_reply(token, &m);
}

int64_t spawn_argv(int argc, char *const argv[])
{
	char blk[QUIRE_ARGS_MAX];
	size_t n = 0;
	if (argc < 1 || argc > QUIRE_ARGC_MAX)
		return -QE_INVAL;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]) + 1;
		if (n + k > sizeof blk)
			return -QE_FBIG;
		memcpy(blk + n, argv[i], k);
		n += k;
	}
	return sys_spawn_args(argv[0], strlen(argv[0]), blk, n);
}

int parse_u64(const char *s, uint64_t *out)
{
	return cmdline_parse_u64(s, out) < 0 ? -QE_INVAL : 0;
}

int arg_number(uint64_t arg, const struct quire_startinfo *info, uint64_t *n)
{
	char **argv = (char **)info->argv;
	*n = info->argc ? 0 : arg;
	if (info->argc > 2) {
		printf("%s: too many arguments (one number at most)\n", argv[0]);
		return -QE_INVAL;
	}
	if (info->argc == 2 && parse_u64(argv[1], n) < 0) {
		printf("%s: bad number '%s' (decimal or 0x hex, at most 2^64 - 1)\n", argv[0], argv[1]);
		return -QE_INVAL;
	}
	return 0;
}
