/*
 * test_msgq.c - the port table and message queues (kernel/proc/msgq.c): ids are unique and
 * never 0, a closed id reads as closed (QE_PIPE) and one never handed out as bad (QE_BADF),
 * names are unique, the per-owner and table limits hold, queues are FIFO with a limit and
 * put-back at the head, unlinking from anywhere keeps the tail and count right, taken calls
 * are found only by their owner and token; and a long random run of every operation against
 * a simple model keeps the invariants.
 */
#include "hosttest.h"

#include <stdbool.h>

#include "lib/qerror.h"
#include "proc/msgq.h"

static struct msgq_table t;
static struct msgq_port ports[MSGQ_PORTS + 8];

static int setup(void **state)
{
	(void)state;
	msgq_table_init(&t);
	memset(ports, 0, sizeof ports);
	return 0;
}

/* check_port - count equals the queue's length, tail is its last, every `where` is right. */
static void check_port(const struct msgq_port *p)
{
	unsigned n = 0;
	const struct msgq_msg *last = NULL;
	for (const struct msgq_msg *m = p->head; m; m = m->next, n++) {
		assert_int_equal(m->where, MSGQ_QUEUED);
		assert_int_equal(m->port, p->id);
		last = m;
	}
	assert_int_equal(n, p->count);
	assert_ptr_equal(last, p->tail);
	for (const struct msgq_msg *m = p->taken; m; m = m->next)
		assert_int_equal(m->where, MSGQ_TAKEN);
}

static void test_ids_and_names(void **state)
{
	(void)state;
	int err = 0;
	int64_t a = msgq_port_add(&t, &ports[0], 10, "kv"), b = msgq_port_add(&t, &ports[1], 10, "");
	int64_t c = msgq_port_add(&t, &ports[2], 11, "");
	assert_true(a > 0 && b > 0 && c > 0 && a != b && b != c && a != c);
	assert_int_equal(msgq_port_add(&t, &ports[3], 12, "kv"), -QE_EXIST);
	assert_int_equal(msgq_port_add(&t, &ports[3], 12, "0123456789012345678901234567890x"), -QE_INVAL);
	assert_ptr_equal(msgq_port_find(&t, "kv"), &ports[0]);
	assert_null(msgq_port_find(&t, ""));  /* anonymous ports have no name to find */
	assert_null(msgq_port_find(&t, "k"));
	assert_ptr_equal(msgq_port_get(&t, (uint64_t)b, &err), &ports[1]);
	assert_null(msgq_port_get(&t, 0, &err));
	assert_int_equal(err, -QE_BADF);
	assert_null(msgq_port_get(&t, (uint64_t)c + 1000, &err));
	assert_int_equal(err, -QE_BADF);
	assert_null(msgq_port_get(&t, (uint64_t)c + ((uint64_t)1 << 32), &err));
	assert_int_equal(err, -QE_BADF);
	msgq_port_remove(&t, &ports[0]);
	assert_null(msgq_port_get(&t, (uint64_t)a, &err));
	assert_int_equal(err, -QE_PIPE); /* closed, not unknown */
	assert_null(msgq_port_find(&t, "kv"));
	assert_true(msgq_port_add(&t, &ports[3], 12, "kv") > c); /* the name is free again; ids grow */
	assert_ptr_equal(msgq_port_owned(&t, 11), &ports[2]);
	assert_null(msgq_port_owned(&t, 99));
}

static void test_limits(void **state)
{
	(void)state;
	int i = 0, err = 0;
	for (; i < MSGQ_PORTS_PER_OWNER; i++)
		assert_true(msgq_port_add(&t, &ports[i], 7, "") > 0);
	assert_int_equal(msgq_port_add(&t, &ports[i], 7, ""), -QE_AGAIN); /* this owner's share */
	for (; i < MSGQ_PORTS; i++)
		assert_true(msgq_port_add(&t, &ports[i], 100 + (uint32_t)i, "") > 0);
	assert_int_equal(msgq_port_add(&t, &ports[i], 1000, ""), -QE_AGAIN); /* the table */
	uint32_t old = ports[5].id;
	msgq_port_remove(&t, &ports[5]);
	int64_t id = msgq_port_add(&t, &ports[MSGQ_PORTS], 1000, "");
	assert_true(id > 0 && (uint32_t)id != old && id % MSGQ_PORTS == old % MSGQ_PORTS); /* the free slot */
	assert_null(msgq_port_get(&t, old, &err));
	assert_int_equal(err, -QE_PIPE);
	for (int k = 0; k < MSGQ_PORTS; k++) /* every live port at its slot */
		if (t.slot[k])
			assert_int_equal(t.slot[k]->id % MSGQ_PORTS, (uint32_t)k);
}

static void test_queue(void **state)
{
	(void)state;
	struct msgq_port *p = &ports[0];
	struct msgq_msg m[MSGQ_QUEUE_MAX + 2];
	memset(m, 0, sizeof m);
	assert_true(msgq_port_add(&t, p, 1, "q") > 0);
	assert_null(msgq_pop(p));
	for (int i = 0; i < MSGQ_QUEUE_MAX; i++)
		assert_int_equal(msgq_push(p, &m[i]), 0);
	assert_int_equal(msgq_push(p, &m[MSGQ_QUEUE_MAX]), -QE_AGAIN);
	assert_int_equal(m[MSGQ_QUEUE_MAX].where, MSGQ_OUT);
	check_port(p);
	assert_ptr_equal(msgq_pop(p), &m[0]); /* FIFO */
	assert_int_equal(m[0].where, MSGQ_OUT);
	msgq_push_front(p, &m[0]);            /* a failed receive puts it back first */
	msgq_push_front(p, &m[MSGQ_QUEUE_MAX]); /* even over the limit */
	assert_ptr_equal(p->head, &m[MSGQ_QUEUE_MAX]);
	check_port(p);
	assert_true(msgq_unlink(p, &m[MSGQ_QUEUE_MAX - 1])); /* the tail */
	assert_ptr_equal(p->tail, &m[MSGQ_QUEUE_MAX - 2]);
	assert_true(msgq_unlink(p, &m[10]));                 /* the middle */
	assert_false(msgq_unlink(p, &m[10]));                /* not there any more */
	check_port(p);
	unsigned n = p->count;
	while (msgq_pop(p))
		n--;
	assert_int_equal(n, 0);
	assert_null(p->tail);
	check_port(p);
}

static void test_taken(void **state)
{
	(void)state;
	struct msgq_port *p = &ports[0], *q = &ports[1];
	struct msgq_msg a, b, c;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	assert_true(msgq_port_add(&t, p, 1, "") > 0 && msgq_port_add(&t, q, 2, "") > 0);
	uint64_t ta = msgq_take(&t, p, &a), tb = msgq_take(&t, p, &b), tc = msgq_take(&t, q, &c);
	assert_true(ta && tb && tc && ta != tb && tb != tc && ta != tc);
	assert_ptr_equal(msgq_taken_find(&t, 1, tb), &b);
	assert_null(msgq_taken_find(&t, 2, tb)); /* another owner's port: not its call */
	assert_null(msgq_taken_find(&t, 1, 0));
	assert_null(msgq_taken_find(&t, 1, tc));
	assert_false(msgq_unlink(q, &a));        /* not on that port */
	assert_true(msgq_unlink(p, &a));
	assert_null(msgq_taken_find(&t, 1, ta));
	assert_int_equal(a.where, MSGQ_OUT);
	check_port(p);
	check_port(q);
}

/* A model of one port: which messages are queued (in order) and which are taken. */
#define RM 40

static void test_random(void **state)
{
	(void)state;
	struct msgq_port *p = &ports[0];
	struct msgq_msg m[RM];
	int order[RM], nq = 0; /* the queue, oldest first */
	bool taken[RM];
	memset(m, 0, sizeof m);
	memset(taken, 0, sizeof taken);
	assert_true(msgq_port_add(&t, p, 3, "r") > 0);
	srand(12345);
	for (int step = 0; step < 200000; step++) {
		int i = rand() % RM, op = rand() % 5;
		bool queued = false;
		for (int k = 0; k < nq; k++)
			queued |= order[k] == i;
		if (op == 0 && !queued && !taken[i]) {
			bool room = nq < MSGQ_QUEUE_MAX;
			assert_int_equal(msgq_push(p, &m[i]), room ? 0 : -QE_AGAIN);
			if (room)
				order[nq++] = i;
		} else if (op == 1 && nq) {
			assert_ptr_equal(msgq_pop(p), &m[order[0]]);
			int j = order[0];
			memmove(order, order + 1, (size_t)--nq * sizeof order[0]);
			if (rand() % 2) {
				msgq_take(&t, p, &m[j]);
				taken[j] = true;
			}
		} else if (op == 2 && !queued && !taken[i]) {
			msgq_push_front(p, &m[i]);
			memmove(order + 1, order, (size_t)nq++ * sizeof order[0]);
			order[0] = i;
		} else if (op == 3) {
			assert_int_equal(msgq_unlink(p, &m[i]), queued || taken[i]);
			for (int k = 0; queued && k < nq; k++)
				if (order[k] == i)
					memmove(order + k, order + k + 1, (size_t)(--nq - k) * sizeof order[0]);
			taken[i] = false;
		} else if (op == 4 && taken[i]) {
			assert_ptr_equal(msgq_taken_find(&t, 3, m[i].token), &m[i]);
		}
		assert_int_equal(p->count, (unsigned)nq);
		if (step % 97 == 0)
			check_port(p);
	}
	check_port(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ids_and_names, setup),
		cmocka_unit_test_setup(test_limits, setup),
		cmocka_unit_test_setup(test_queue, setup),
		cmocka_unit_test_setup(test_taken, setup),
		cmocka_unit_test_setup(test_random, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
