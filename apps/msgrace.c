/*
 * msgrace - two (or more) threads racing on every message and process-control path, best
 * run beside a swapper on a small machine so that copies and grants sleep in the middle:
 *   receivers  two threads receive on one port while two threads call it: every call is
 *              answered once, with its own bytes
 *   reply      two threads reply to the same call at once: one gets 0, the other QE_SRCH
 *   grant      one thread grants 1 MiB ranges (made, filled, granted, again) while another
 *              faults, writes, frees and remaps the other half of the same 2 MiB page
 *              table; a third receives every grant into one window and checks it
 *   names      two threads create a port of the same name at once: exactly one gets it
 *   close      a port closed while one thread sends and another receives: both see
 *              QE_PIPE, nobody hangs
 *   kill       two threads kill the same child while a third lists processes
 *   spawn      two threads spawn children with argument lists and wait for them
 * Prints "PASS msgrace" and exits 0 when every check held.
 */
#include "quire.h"

APP_NOTE(QUIRE_NOTE_MIB(16), QUIRE_NOTE_KIB(64));

#define MIB (1UL << 20)
#define CALLS 1500

static int64_t port;
static volatile int go;
static volatile uint64_t errors;

static void bad(const char *what, int64_t v)
{
	if (__atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST) <= 5)
		printf("# msgrace: %s (%ld: %s)\n", what, v, v < 0 ? qerror_name(v) : "-");
}

static void wait_go(void)
{
	while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
		sys_yield();
}

/* ---- receivers ---- */

static volatile uint64_t served[2];

static int64_t receiver(void *arg)
{
	uint64_t me = (uint64_t)arg, buf[2];
	for (;;) {
		struct quire_msg m;
		int64_t n = msg_receive(port, buf, sizeof buf, QUIRE_WAIT_FOREVER, &m);
		if (n < 0)
			return n == -QE_PIPE ? 0 : (bad("receive", n), 1);
		buf[1] = ~buf[0];
		if (msg_reply(m.token, buf, sizeof buf) < 0)
			bad("reply", 0);
		served[me]++;
	}
}

static int64_t caller(void *arg)
{
	uint64_t me = (uint64_t)arg;
	wait_go();
	for (uint64_t i = 0; i < CALLS; i++) {
		uint64_t req = me << 32 | i, rep[2] = { 0, 0 };
		int64_t n = msg_call(port, &req, 8, rep, sizeof rep);
		if (n != 16 || rep[0] != req || rep[1] != ~req)
			bad("a call got another's answer", n);
	}
	return 0;
}

static void race_receivers(void)
{
	int64_t t[4];
	port = port_create(NULL);
	go = 0;
	for (uint64_t i = 0; i < 2; i++) {
		t[i] = thread_create(receiver, (void *)i);
		t[2 + i] = thread_create(caller, (void *)i);
	}
	go = 1;
	thread_join(t[2], NULL);
	thread_join(t[3], NULL);
	sys_port_close(port); /* the receivers see QE_PIPE and end */
	thread_join(t[0], NULL);
	thread_join(t[1], NULL);
	test_check(served[0] + served[1] == 2 * CALLS, "receivers", "%lu + %lu calls served", served[0], served[1]);
}

/* ---- two replies to one call ---- */

static volatile uint64_t token;
static volatile int64_t replied[2];

static int64_t replier(void *arg)
{
	uint64_t me = (uint64_t)arg;
	wait_go();
	replied[me] = msg_reply(token, &me, 8);
	return 0;
}

static int64_t one_call(void *arg)
{
	(void)arg;
	uint64_t who = 99;
	return msg_call(port, "?", 1, &who, 8) == 8 && who < 2 ? (int64_t)who : -1;
}

static void race_reply(void)
{
	port = port_create(NULL);
	uint64_t ok = 0;
	for (int round = 0; round < 100; round++) {
		char b[4];
		struct quire_msg m;
		go = 0;
		int64_t c = thread_create(one_call, NULL), who = -1;
		if (msg_receive(port, b, sizeof b, QUIRE_WAIT_FOREVER, &m) != 1)
			break;
		token = m.token;
		int64_t a = thread_create(replier, (void *)0), d = thread_create(replier, (void *)1);
		go = 1;
		thread_join(a, NULL);
		thread_join(d, NULL);
		thread_join(c, &who);
		int one = (replied[0] == 0) + (replied[1] == 0), srch = (replied[0] == -QE_SRCH) + (replied[1] == -QE_SRCH);
		ok += one == 1 && srch == 1 && who >= 0 && replied[who] == 0;
	}
	sys_port_close(port);
	test_check(ok == 100, "reply", "%lu of 100 rounds had exactly one reply arrive", ok);
}

/* ---- grants against faults and area changes in the same page table ---- */

#define GRANTS 48
static volatile uint64_t *area; /* 2 MiB: [0, 1 MiB) granted again and again, [1, 2) churned */
static volatile int granting;
static volatile uint64_t grants_in; /* received so far: the granter keeps at most two in flight */

static int64_t granter(void *arg)
{
	(void)arg;
	for (uint64_t g = 0; g < GRANTS; g++) {
		while (g >= __atomic_load_n(&grants_in, __ATOMIC_SEQ_CST) + 2)
			sys_yield(); /* queued grants hold their frames: do not pile them up */
		if (area_demand((void *)area, MIB, QP_RW) < 0) {
			bad("area_demand", 0);
			continue;
		}
		for (uint64_t w = 0; w < MIB / 8; w += 64)
			area[w] = g << 32 | w;
		struct quire_msg s = { .data = (uint64_t)&g, .len = 8, .grant_va = (uint64_t)area, .grant_len = MIB };
		int64_t r;
		while ((r = sys_msg_send(port, &s)) == -QE_AGAIN || r == -QE_NOMEM)
			sleep_ms(5);
		if (r < 0)
			bad("grant", r);
	}
	__atomic_store_n(&granting, 0, __ATOMIC_SEQ_CST);
	return 0;
}

static int64_t churner(void *arg)
{
	(void)arg;
	volatile uint64_t *half = area + MIB / 8;
	for (uint64_t round = 0; __atomic_load_n(&granting, __ATOMIC_SEQ_CST); round++) {
		if (area_demand((void *)half, MIB, QP_RW) < 0)
			continue;
		for (uint64_t w = 0; w < MIB / 8; w += 512)
			half[w] = round ^ w;
		for (uint64_t w = 0; w < MIB / 8; w += 512)
			if (half[w] != (round ^ w))
				bad("the other half lost a write", (int64_t)w);
		area_free((void *)half, MIB);
	}
	return 0;
}

static int64_t grant_receiver(void *arg)
{
	volatile uint64_t *win = arg;
	uint64_t got = 0;
	while (got < GRANTS) {
		uint64_t g = ~0ull;
		struct quire_msg m = { .data = (uint64_t)&g, .len = 8, .grant_va = (uint64_t)win, .grant_len = MIB };
		int64_t n = sys_msg_receive(port, &m, QUIRE_WAIT_FOREVER);
		if (n == -QE_NOMEM) {
			sleep_ms(5);
			continue;
		}
		if (n != 8 || m.grant_len != MIB) {
			bad("grant receive", n);
			return 1;
		}
		for (uint64_t w = 0; w < MIB / 8; w += 64)
			if (win[w] != (g << 32 | w)) {
				bad("granted bytes", (int64_t)g);
				break;
			}
		area_free((void *)win, MIB);
		got++;
		__atomic_add_fetch(&grants_in, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

static void race_grant(void)
{
	port = port_create(NULL);
	area = va_reserve(2 * MIB, 2 * MIB);
	void *win = va_reserve(MIB, 2 * MIB);
	granting = 1;
	int64_t r = thread_create(grant_receiver, win), g = thread_create(granter, NULL), c = thread_create(churner, NULL);
	int64_t rv = -1;
	thread_join(g, NULL);
	thread_join(c, NULL);
	thread_join(r, &rv);
	sys_port_close(port);
	test_check(rv == 0, "grant", "the receiver ended with %ld", rv);
}

/* ---- names, close, kill ---- */

static volatile int64_t created[2];

static int64_t creator(void *arg)
{
	uint64_t me = (uint64_t)arg;
	wait_go();
	created[me] = port_create("msgrace.name");
	return 0;
}

static void race_names(void)
{
	uint64_t ok = 0;
	for (int round = 0; round < 100; round++) {
		go = 0;
		int64_t a = thread_create(creator, (void *)0), b = thread_create(creator, (void *)1);
		go = 1;
		thread_join(a, NULL);
		thread_join(b, NULL);
		int won = (created[0] > 0) + (created[1] > 0);
		int lost = (created[0] == -QE_EXIST) + (created[1] == -QE_EXIST);
		ok += won == 1 && lost == 1;
		sys_port_close(created[0] > 0 ? created[0] : created[1]);
	}
	test_check(ok == 100, "names", "%lu of 100 rounds gave the name to exactly one", ok);
}

static volatile int64_t sender_end, receiver_end;

static int64_t close_sender(void *arg)
{
	(void)arg;
	int64_t r;
	while ((r = msg_send(port, "s", 1)) == 0 || r == -QE_AGAIN)
		sys_yield();
	sender_end = r;
	return 0;
}

static int64_t close_receiver(void *arg)
{
	(void)arg;
	char b[4];
	int64_t r;
	while ((r = msg_receive(port, b, sizeof b, 1000, NULL)) == 1)
		;
	receiver_end = r;
	return 0;
}

static void race_close(void)
{
	uint64_t ok = 0;
	for (int round = 0; round < 20; round++) {
		port = port_create(NULL);
		int64_t s = thread_create(close_sender, NULL), r = thread_create(close_receiver, NULL);
		sleep_ms(10 + round);
		sys_port_close(port);
		thread_join(s, NULL);
		thread_join(r, NULL);
		ok += sender_end == -QE_PIPE && receiver_end == -QE_PIPE;
	}
	test_check(ok == 20, "close", "%lu of 20 rounds ended both sides with QE_PIPE", ok);
}

static volatile int64_t victim, killed[2];

static int64_t killer(void *arg)
{
	uint64_t me = (uint64_t)arg;
	wait_go();
	killed[me] = sys_kill(victim);
	return 0;
}

static int64_t lister(void *arg)
{
	(void)arg;
	static struct quire_procinfo tab[64];
	wait_go();
	for (int i = 0; i < 20; i++)
		if (sys_proclist(tab, 64) < 1)
			bad("proclist", 0);
	return 0;
}

static void race_kill(void)
{
	uint64_t ok = 0;
	for (int round = 0; round < 10; round++) {
		char *argv[] = { "loop", NULL };
		int64_t st = 0;
		go = 0;
		victim = spawn_argv(1, argv);
		int64_t a = thread_create(killer, (void *)0), b = thread_create(killer, (void *)1);
		int64_t l = thread_create(lister, NULL);
		go = 1;
		thread_join(a, NULL);
		thread_join(b, NULL);
		thread_join(l, NULL);
		int k = (killed[0] == 0) + (killed[1] == 0) + (killed[0] == -QE_SRCH) + (killed[1] == -QE_SRCH);
		ok += victim > 0 && k == 2 && (killed[0] == 0 || killed[1] == 0) && wait(victim, &st) == 0 && st == -1;
	}
	test_check(ok == 10, "kill", "%lu of 10 rounds killed the child once and cleanly", ok);
}

/* spawner - ten children with argument lists, each waited for: all must end with 0. */
static int64_t spawner(void *arg)
{
	char *argv[] = { "echo", "msgrace:", "spawned", "with", "argv", NULL };
	int64_t fails = 0;
	(void)arg;
	wait_go();
	for (int i = 0; i < 10; i++) {
		int64_t st = -1, pid = spawn_argv(5, argv);
		fails += pid < 0 || wait(pid, &st) < 0 || st != 0;
	}
	return fails;
}

static void race_spawn(void)
{
	int64_t f0 = -1, f1 = -1;
	go = 0;
	int64_t a = thread_create(spawner, NULL), b = thread_create(spawner, NULL);
	go = 1;
	thread_join(a, &f0);
	thread_join(b, &f1);
	test_check(f0 == 0 && f1 == 0, "spawn", "%ld and %ld children failed", f0, f1);
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	(void)arg;
	printf("msgrace: pid %lu\n", info->pid);
	race_receivers();
	race_reply();
	race_grant();
	race_names();
	race_close();
	race_kill();
	race_spawn();
	test_check(errors == 0, "no-errors", "%lu errors (first ones above)", errors);
	return test_finish("msgrace");
}
