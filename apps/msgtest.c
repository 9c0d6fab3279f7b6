/*
 * msgtest - messages between processes (specs/messages.md). ARG = MODE (+ 100 * the pid
 * of the parent, for the helpers it spawns, whose port names carry that pid):
 *   1  echo: a server (11) and this client: 50 one-way messages, then 10,000 calls of 1 to
 *      300 bytes, every reply checked; timeouts, polls and the error codes; then quit.
 *   2  pipeline: a producer grants 64 MiB in 1 MiB chunks through three stages (21, 22, 23),
 *      each checksums what it receives and grants it on; every eighth chunk is locked,
 *      odd chunks leave their last page untouched (it must arrive as zeros).
 *   3  the producer (31) touches a page it granted: it is killed; the stages go on (this
 *      process sends two more chunks through them).
 *   4  a server (41) killed mid-stream: its two clients (42) get QE_PIPE, not a hang; a call
 *      queued on a port whose owner (43) never receives gets QE_PIPE and its grant back.
 *   5  grant_swap: 16 MiB partly in swap granted in 4 MiB chunks to a receiver (51), which
 *      checks every page and grants it back in its reply; checked again.
 * Prints "PASS msgtest N" (stages: "PASS msgtest stage K") and exits 0 when every check held.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64));

#define MIB (1UL << 20)
#define ECHO_CALLS 10000
#define ONEWAY 50
#define CHUNK MIB
#define CHUNKS 64
#define FOREVER QUIRE_WAIT_FOREVER

static uint64_t self_pid;

static uint64_t pattern(uint64_t chunk, uint64_t word)
{
	return (chunk * 0x9E3779B97F4A7C15ull) ^ (word * 0x100000001B3ull) ^ 0x6D7367ull;
}

static uint64_t checksum(const volatile uint64_t *p, uint64_t words)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < words; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

/* expected_sum - checksum of chunk @c whose first @words words hold the pattern, the rest zero. */
static uint64_t expected_sum(uint64_t c, uint64_t words)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < CHUNK / 8; i++)
		h = (h ^ (i < words ? pattern(c, i) : 0)) * 0x100000001B3ull;
	return h;
}

/* receive_retry - sys_msg_receive, trying again while memory is short (the message stays
 * queued when a receive fails). */
static int64_t receive_retry(int64_t port, struct quire_msg *m)
{
	struct quire_msg want = *m;
	int64_t n;
	while ((n = sys_msg_receive(port, m, FOREVER)) == -QE_NOMEM) {
		*m = want;
		sleep_ms(10);
	}
	return n;
}

static void port_name(char *out, const char *what, uint64_t owner_pid)
{
	snprintf(out, 32, "%s.%lu", what, owner_pid);
}

/* ---- mode 1: echo ---- */

static int echo_server(uint64_t ppid)
{
	char name[32], buf[512];
	port_name(name, "echo", ppid);
	int64_t port = port_create(name);
	uint64_t calls = 0, oneway = 0, oneway_bad = 0;
	if (port < 0)
		return 1;
	for (;;) {
		struct quire_msg m;
		int64_t n = msg_receive(port, buf, sizeof buf, FOREVER, &m);
		if (n < 0)
			return 1;
		if (!m.token) { /* one-way: sequence numbers in order */
			oneway_bad += n != 8 || *(uint64_t *)buf != oneway;
			oneway++;
		} else if (n == 4 && !memcmp(buf, "quit", 4)) {
			msg_reply(m.token, "bye", 3);
			return 0;
		} else if (n == 5 && !memcmp(buf, "count", 5)) {
			uint64_t r[2] = { oneway, oneway_bad };
			msg_reply(m.token, r, sizeof r);
		} else {
			for (int64_t i = 0; i < n; i++)
				buf[i] ^= 0x5A;
			memcpy(buf + n, &calls, 8);
			calls++;
			msg_reply(m.token, buf, (size_t)n + 8);
		}
	}
}

/* echo_calls - ECHO_CALLS calls of 1..300 bytes; the number of bad replies. */
static uint64_t echo_calls(int64_t port)
{
	uint8_t req[300], rep[512];
	uint64_t bad = 0;
	for (uint64_t i = 0; i < ECHO_CALLS; i++) {
		size_t len = 1 + (i * 37) % 300;
		for (size_t k = 0; k < len; k++)
			req[k] = (uint8_t)(i + k * 7);
		int64_t n = msg_call(port, req, len, rep, sizeof rep);
		int ok = n == (int64_t)len + 8 && !memcmp(rep + len, &i, 8);
		for (size_t k = 0; ok && k < len; k++)
			ok = rep[k] == (req[k] ^ 0x5A);
		if (!ok && bad++ < 3)
			printf("# echo call %lu: %ld bytes back (%s)\n", i, n, n < 0 ? qerror_name(n) : "wrong bytes");
	}
	return bad;
}

/* echo_errors - the error codes of misuse, and receive's poll and timeout. */
static void echo_errors(int64_t port, const char *name)
{
	static char big[QUIRE_MSG_MAX + 1];
	struct quire_msg m;
	char buf[8];
	int64_t mine = port_create(NULL), t0;
	test_check(mine > 0, "echo/anonymous-port", "port_create: %ld", mine);
	test_check(msg_receive(mine, buf, 8, 0, &m) == -QE_AGAIN, "echo/poll-empty", "not QE_AGAIN");
	t0 = sys_ticks();
	int64_t r = msg_receive(mine, buf, 8, 50, &m);
	test_check(r == -QE_TIMEDOUT && sys_ticks() - t0 >= 4, "echo/timeout", "%s after %ld ticks", qerror_name(r),
		   sys_ticks() - t0);
	test_check(msg_receive(port, buf, 8, 0, &m) == -QE_PERM, "echo/receive-not-owner", "not QE_PERM");
	test_check(port_create(name) == -QE_EXIST, "echo/name-taken", "not QE_EXIST");
	test_check(port_open("no.such.port") == -QE_NOENT, "echo/no-such-name", "not QE_NOENT");
	test_check(msg_send(0, buf, 1) == -QE_BADF && msg_send(1UL << 40, buf, 1) == -QE_BADF, "echo/bad-port",
		   "not QE_BADF");
	test_check(msg_call(port, big, sizeof big, buf, 8) == -QE_FBIG, "echo/too-big", "not QE_FBIG");
	test_check(msg_reply(12345678, buf, 1) == -QE_SRCH, "echo/bad-token", "not QE_SRCH");
	test_check(sys_port_close(port) == -QE_PERM, "echo/close-not-owner", "not QE_PERM");
	test_check(msg_send(mine, "x", 1) == 0 && msg_receive(mine, buf, 0, 0, &m) == -QE_FBIG &&
			   msg_receive(mine, buf, 8, 0, &m) == 1 && m.token == 0 && m.sender == self_pid,
		   "echo/too-small-buffer-keeps-message", "the message was not kept, or came back wrong");
	test_check(sys_port_close(mine) == 0 && msg_send(mine, "x", 1) == -QE_PIPE, "echo/closed-port",
		   "not QE_PIPE after close");
}

static int mode_echo(void)
{
	char name[32], buf[16];
	port_name(name, "echo", self_pid);
	int64_t spid = spawn("msgtest", 11 + 100 * self_pid), st = -1;
	int64_t port = port_wait_open(name, 5000);
	test_check(spid > 0 && port > 0, "echo/start", "spawn %ld, port %ld", spid, port);
	if (port < 0)
		return test_finish("msgtest 1");
	uint64_t sent = 0;
	for (uint64_t i = 0; i < ONEWAY; i++)
		sent += msg_send(port, &i, 8) == 0;
	uint64_t bad = echo_calls(port), counts[2] = { 0, 0 };
	test_check(bad == 0, "echo/10000-calls", "%lu of %d replies wrong", bad, ECHO_CALLS);
	int64_t n = msg_call(port, "count", 5, counts, sizeof counts);
	test_check(sent == ONEWAY && n == 16 && counts[0] == ONEWAY && counts[1] == 0, "echo/one-way-in-order",
		   "sent %lu, server got %lu (%lu out of order)", sent, counts[0], counts[1]);
	echo_errors(port, name);
	n = msg_call(port, "quit", 4, buf, sizeof buf);
	test_check(n == 3 && wait(spid, &st) == 0 && st == 0, "echo/quit", "reply %ld, server status %ld", n, st);
	test_check(msg_send(port, "x", 1) == -QE_PIPE, "echo/server-gone", "not QE_PIPE");
	return test_finish("msgtest 1");
}

/* ---- modes 2 and 3: a pipeline of three stages ---- */

struct chunk_req {
	uint64_t seq, sum, quit;
};

struct chunk_rep {
	uint64_t ok, stages; /* all the stages downstream agreed; how many checked it */
};

static int stage(uint64_t k, uint64_t ppid)
{
	char name[32], next_name[32];
	port_name(name, k == 1 ? "stage1" : k == 2 ? "stage2" : "stage3", ppid);
	port_name(next_name, k == 1 ? "stage2" : "stage3", ppid);
	int64_t port = port_create(name), next = k < 3 ? port_wait_open(next_name, 5000) : 0;
	volatile uint64_t *win = va_reserve(CHUNK, 2 * MIB);
	uint64_t chunks = 0, bad = 0;
	if (port < 0 || next < 0 || !win)
		return 1;
	for (;;) {
		struct chunk_req req;
		struct chunk_rep rep = { 1, 0 };
		struct quire_msg m = { .data = (uint64_t)&req, .len = sizeof req, .grant_va = (uint64_t)win,
				       .grant_len = CHUNK };
		if (receive_retry(port, &m) != sizeof req)
			return 1;
		if (!req.quit) {
			rep.ok = m.grant_len == CHUNK && checksum(win, CHUNK / 8) == req.sum;
			bad += !rep.ok;
			chunks++;
		}
		struct quire_msg fw = { .data = (uint64_t)&req, .len = sizeof req, .grant_va = (uint64_t)win,
					.grant_len = req.quit ? 0 : CHUNK };
		struct chunk_rep down = { 1, 0 };
		struct quire_msg back = { .data = (uint64_t)&down, .len = sizeof down };
		if (k < 3 && sys_msg_call(next, &fw, &back) != sizeof down)
			down.ok = 0;
		else if (k == 3 && !req.quit)
			area_free((void *)win, CHUNK);
		rep.ok = rep.ok && down.ok;
		rep.stages = down.stages + 1;
		sys_msg_reply(m.token, &(struct quire_msg){ .data = (uint64_t)&rep, .len = sizeof rep });
		if (req.quit)
			break;
	}
	printf("%s msgtest stage %lu: %lu chunks, %lu MiB checksummed, %lu bad\n", bad ? "FAIL" : "PASS", k,
	       chunks, chunks * CHUNK / MIB, bad);
	return bad ? 1 : 0;
}

/* produce - @n chunks from @first through the pipeline at @port; the number that came back
 * checked by all three stages. The window is made again for each chunk (granting empties it). */
static uint64_t produce(int64_t port, uint64_t first, uint64_t n, volatile uint64_t *win, int touch_after)
{
	uint64_t good = 0;
	for (uint64_t c = first; c < first + n; c++) {
		int locked = c % 8 == 7;
		if ((locked ? area_lock((void *)win, CHUNK) : area_demand((void *)win, CHUNK, QP_RW)) < 0)
			return good;
		uint64_t words = CHUNK / 8 - (c % 2 ? PAGE_SIZE / 8 : 0); /* odd: the last page untouched */
		for (uint64_t w = 0; w < words; w++)
			win[w] = pattern(c, w);
		struct chunk_req req = { c, expected_sum(c, words), 0 }; /* not read: the page stays untouched */
		struct chunk_rep rep = { 0, 0 };
		struct quire_msg s = { .data = (uint64_t)&req, .len = sizeof req, .grant_va = (uint64_t)win, .grant_len = CHUNK };
		struct quire_msg r = { .data = (uint64_t)&rep, .len = sizeof rep };
		int64_t got = sys_msg_call(port, &s, &r);
		good += got == sizeof rep && rep.ok && rep.stages == 3;
		if (got != sizeof rep)
			printf("# chunk %lu: call %s\n", c, qerror_name(got));
		if (touch_after) {
			printf("msgtest: producer touches a page it granted away\n");
			win[0] = 1; /* must kill it */
			printf("FAIL msgtest: survived a touch of a granted page\n");
		}
	}
	return good;
}

static int64_t pipeline_start(int64_t spid[3], uint64_t ppid)
{
	char name[32];
	for (uint64_t k = 1; k <= 3; k++)
		spid[k - 1] = spawn("msgtest", 20 + k + 100 * ppid);
	port_name(name, "stage1", ppid);
	return port_wait_open(name, 5000);
}

/* pipeline_end - quit down the chain, then each stage must end with status 0. */
static int pipeline_end(int64_t port, int64_t spid[3])
{
	struct chunk_req req = { 0, 0, 1 };
	struct chunk_rep rep;
	int ok = msg_call(port, &req, sizeof req, &rep, sizeof rep) == sizeof rep && rep.stages == 3;
	for (int k = 0; k < 3; k++) {
		int64_t st = -1;
		ok = ok && wait(spid[k], &st) == 0 && st == 0;
	}
	return ok;
}

static int mode_pipeline(void)
{
	int64_t spid[3], port = pipeline_start(spid, self_pid);
	volatile uint64_t *win = va_reserve(CHUNK, 2 * MIB);
	test_check(port > 0 && win, "pipeline/start", "port %ld", port);
	if (port < 0 || !win)
		return test_finish("msgtest 2");
	uint64_t good = produce(port, 0, CHUNKS, win, 0);
	test_check(good == CHUNKS, "pipeline/64-chunks", "%lu of %d chunks checked by all three stages", good, CHUNKS);
	test_check(pipeline_end(port, spid), "pipeline/stages-pass", "a stage failed or did not end");
	return test_finish("msgtest 2");
}

static int touch_producer(uint64_t ppid)
{
	char name[32];
	port_name(name, "stage1", ppid);
	int64_t port = port_wait_open(name, 5000);
	volatile uint64_t *win = va_reserve(CHUNK, 2 * MIB);
	if (port < 0 || !win)
		return 1;
	produce(port, 0, 1, win, 1);
	return 1;
}

static int mode_touch(void)
{
	int64_t spid[3], port = pipeline_start(spid, self_pid), st = 0;
	int64_t prod = spawn("msgtest", 31 + 100 * self_pid);
	volatile uint64_t *win = va_reserve(CHUNK, 2 * MIB);
	test_check(port > 0 && prod > 0 && win, "touch/start", "port %ld, producer %ld", port, prod);
	if (port < 0 || prod < 0 || !win)
		return test_finish("msgtest 3");
	test_check(wait(prod, &st) == 0 && st == -1, "touch/producer-killed", "producer status %ld", st);
	test_check(produce(port, 1, 2, win, 0) == 2, "touch/stages-go-on", "the next chunks were not checked");
	test_check(pipeline_end(port, spid), "touch/stages-pass", "a stage failed or did not end");
	return test_finish("msgtest 3");
}

/* ---- mode 4: a server killed mid-stream ---- */

static int victim_server(uint64_t ppid)
{
	char name[32], buf[64];
	port_name(name, "victim", ppid);
	int64_t port = port_create(name);
	for (;;) {
		struct quire_msg m;
		int64_t n = msg_receive(port, buf, sizeof buf, FOREVER, &m);
		if (n < 0)
			return 1;
		msg_reply(m.token, buf, (size_t)n);
	}
}

static int victim_client(uint64_t ppid)
{
	char name[32];
	port_name(name, "victim", ppid);
	int64_t port = port_wait_open(name, 5000), n;
	uint64_t replies = 0, x = 0;
	while ((n = msg_call(port, &replies, 8, &x, 8)) == 8 && x == replies)
		replies++;
	printf("msgtest client %lu: %lu replies, then %s\n", self_pid, replies, n < 0 ? qerror_name(n) : "a wrong reply");
	return n == -QE_PIPE && replies > 0 ? 0 : 1;
}

static int mute_server(uint64_t ppid)
{
	char name[32];
	port_name(name, "mute", ppid);
	if (port_create(name) < 0)
		return 1;
	for (;;)
		sleep_ms(1000); /* never receives */
}

static volatile uint64_t *mute_buf;
static volatile int64_t mute_result = 1;

/* mute_caller - a call with a 64 KiB grant that stays queued until the port's owner dies. */
static int64_t mute_caller(void *arg)
{
	int64_t port = (int64_t)arg;
	for (uint64_t w = 0; w < 8192; w++)
		mute_buf[w] = pattern(99, w);
	struct quire_msg s = { .data = (uint64_t)"x", .len = 1, .grant_va = (uint64_t)mute_buf, .grant_len = 65536 };
	struct quire_msg r = { 0 };
	mute_result = sys_msg_call(port, &s, &r);
	return 0;
}

static void mute_test(void)
{
	char name[32];
	port_name(name, "mute", self_pid);
	int64_t mpid = spawn("msgtest", 43 + 100 * self_pid), st;
	int64_t port = port_wait_open(name, 5000);
	mute_buf = va_reserve(65536, 65536);
	area_demand((void *)mute_buf, 65536, QP_RW);
	int64_t tid = thread_create(mute_caller, (void *)port);
	sleep_ms(100); /* the call is queued by now */
	sys_kill(mpid);
	thread_join(tid, NULL);
	wait(mpid, &st);
	uint64_t bad = 0;
	for (uint64_t w = 0; mute_result == -QE_PIPE && w < 8192; w++)
		bad += mute_buf[w] != pattern(99, w);
	test_check(mute_result == -QE_PIPE && bad == 0, "killed/queued-grant-comes-back", "call %s, %lu words wrong",
		   qerror_name(mute_result), bad);
}

static int mode_killed(void)
{
	int64_t server = spawn("msgtest", 41 + 100 * self_pid), st;
	int64_t c1 = spawn("msgtest", 42 + 100 * self_pid), c2 = spawn("msgtest", 42 + 100 * self_pid);
	test_check(server > 0 && c1 > 0 && c2 > 0, "killed/start", "spawn %ld %ld %ld", server, c1, c2);
	sleep_ms(300); /* the clients are in full stream */
	test_check(sys_kill(server) == 0, "killed/kill", "kill failed");
	test_check(wait(server, &st) == 0 && st == -1, "killed/server-ended", "status %ld", st);
	int64_t s1 = -1, s2 = -1;
	wait(c1, &s1);
	wait(c2, &s2);
	test_check(s1 == 0 && s2 == 0, "killed/clients-got-QE_PIPE", "client statuses %ld %ld", s1, s2);
	mute_test();
	return test_finish("msgtest 4");
}

/* ---- mode 5: grants of pages partly in swap ---- */

#define GS_BYTES (16 * MIB)
#define GS_CHUNK (4 * MIB)

static int gs_receiver(uint64_t ppid)
{
	char name[32];
	port_name(name, "gs", ppid);
	int64_t port = port_create(name);
	volatile uint64_t *win = va_reserve(GS_CHUNK, 2 * MIB);
	for (;;) {
		uint64_t c;
		struct quire_msg m = { .data = (uint64_t)&c, .len = 8, .grant_va = (uint64_t)win, .grant_len = GS_CHUNK };
		if (port < 0 || !win || receive_retry(port, &m) != 8)
			return 1;
		if (c == ~0ull)
			return msg_reply(m.token, 0, 0) < 0;
		uint64_t bad = 0, base = c * (GS_CHUNK / 8);
		for (uint64_t w = 0; w < GS_CHUNK / 8; w += 64) /* 8 words of every page */
			bad += win[w] != pattern(7, base + w);
		struct quire_msg r = { .data = (uint64_t)&bad, .len = 8, .grant_va = (uint64_t)win, .grant_len = GS_CHUNK };
		if (sys_msg_reply(m.token, &r) < 0)
			return 1;
	}
}

static int mode_grant_swap(void)
{
	char name[32];
	port_name(name, "gs", self_pid);
	int64_t rpid = spawn("msgtest", 51 + 100 * self_pid), st = -1;
	int64_t port = port_wait_open(name, 5000);
	volatile uint64_t *area = va_reserve(GS_BYTES, 2 * MIB);
	if (port < 0 || !area || area_demand((void *)area, GS_BYTES, QP_RW) < 0)
		return test_finish("msgtest 5");
	for (uint64_t w = 0; w < GS_BYTES / 8; w++)
		area[w] = pattern(7, w);
	sleep_ms(500); /* the others push much of it to swap */
	uint64_t swapped = 0, resident = 0, bad = 0;
	for (uint64_t c = 0; c < GS_BYTES / GS_CHUNK; c++) {
		volatile uint64_t *p = area + c * (GS_CHUNK / 8);
		struct quire_sysinfo s0, s1;
		uint64_t rbad = ~0ull;
		for (uint64_t w = 0; w < GS_CHUNK / 8; w += 1024) /* every other page back in RAM: a mix */
			bad += p[w] != pattern(7, c * (GS_CHUNK / 8) + w);
		sys_sysinfo(&s0);
		struct quire_msg s = { .data = (uint64_t)&c, .len = 8, .grant_va = (uint64_t)p, .grant_len = GS_CHUNK };
		struct quire_msg r = { .data = (uint64_t)&rbad, .len = 8, .grant_va = (uint64_t)p, .grant_len = GS_CHUNK };
		int64_t n = sys_msg_call(port, &s, &r);
		sys_sysinfo(&s1);
		/* the only grants now are this call's and its reply's (the kernel counts their pages) */
		uint64_t pages = GS_CHUNK / PAGE_SIZE, in_swap = s1.grant_swapped - s0.grant_swapped;
		uint64_t in_ram = s1.grant_resident - s0.grant_resident;
		printf("# grant_swap: chunk %lu: %lu pages there and back: %lu in RAM, %lu in swap when granted (call %ld, receiver %lu bad)\n",
		       c, pages, in_ram, in_swap, n, rbad);
		swapped += in_swap;
		resident += in_ram;
		bad += n != 8 || rbad != 0 || r.grant_len != GS_CHUNK;
		for (uint64_t w = 0; n == 8 && w < GS_CHUNK / 8; w += 64)
			bad += p[w] != pattern(7, c * (GS_CHUNK / 8) + w);
	}
	uint64_t quit = ~0ull;
	msg_call(port, &quit, 8, 0, 0);
	test_check(bad == 0 && wait(rpid, &st) == 0 && st == 0, "grant_swap/every-page", "%lu bad, receiver %ld", bad, st);
	printf("# grant_swap: %lu pages granted there and back: %lu in RAM, %lu in swap when granted\n",
	       GS_BYTES / PAGE_SIZE, resident, swapped);
	return test_finish("msgtest 5");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	if (arg_number(arg, info, &arg) < 0)
		return 2;
	self_pid = info->pid;
	uint64_t mode = arg % 100, ppid = arg / 100;
	switch (mode) {
	case 1: return mode_echo();
	case 11: return echo_server(ppid);
	case 2: return mode_pipeline();
	case 21: case 22: case 23: return stage(mode - 20, ppid);
	case 3: return mode_touch();
	case 31: return touch_producer(ppid);
	case 4: return mode_killed();
	case 41: return victim_server(ppid);
	case 42: return victim_client(ppid);
	case 43: return mute_server(ppid);
	case 5: return mode_grant_swap();
	case 51: return gs_receiver(ppid);
	default: printf("msgtest: unknown mode %lu\n", mode); return 2;
	}
}
