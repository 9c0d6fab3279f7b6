/*
 * msgq.c - the port table and the message queues (msgq.h). Portable and lock-free by
 * design: the caller (proc/msg.c) holds the message lock. Invariants, checked by
 * tests/host/test_msgq.c: a live port sits at slot[id % MSGQ_PORTS]; names of live ports
 * are unique; a message is on at most one list and its `where` says which; count is the
 * queue's length.
 */
#include "proc/msgq.h"

#include <stddef.h>

#include "lib/qerror.h"

static bool name_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void msgq_table_init(struct msgq_table *t)
{
	for (unsigned i = 0; i < MSGQ_PORTS; i++)
		t->slot[i] = NULL;
	t->next_id = 1;
	t->next_token = 1;
}

/* owned_count - live ports of @owner. */
static unsigned owned_count(const struct msgq_table *t, uint32_t owner)
{
	unsigned n = 0;
	for (unsigned i = 0; i < MSGQ_PORTS; i++)
		n += t->slot[i] && t->slot[i]->owner == owner;
	return n;
}

int64_t msgq_port_add(struct msgq_table *t, struct msgq_port *p, uint32_t owner, const char *name)
{
	size_t n = 0;
	while (name[n] && n <= MSGQ_NAME_MAX)
		n++;
	if (n > MSGQ_NAME_MAX)
		return -QE_INVAL;
	if (n && msgq_port_find(t, name))
		return -QE_EXIST;
	if (owned_count(t, owner) >= MSGQ_PORTS_PER_OWNER)
		return -QE_AGAIN;
	for (unsigned tries = 0; tries < MSGQ_PORTS; tries++) {
		uint32_t id = t->next_id++;
		if (id == 0 || t->slot[id % MSGQ_PORTS])
			continue; /* 0 is never an id; the slot is taken by an older live port */
		for (size_t i = 0; i <= n; i++)
			p->name[i] = name[i];
		p->id = id;
		p->owner = owner;
		p->head = p->tail = p->taken = NULL;
		p->count = 0;
		t->slot[id % MSGQ_PORTS] = p;
		return id;
	}
	return -QE_AGAIN;
}

struct msgq_port *msgq_port_get(struct msgq_table *t, uint64_t id, int *err)
{
	struct msgq_port *p = id && id < t->next_id ? t->slot[id % MSGQ_PORTS] : NULL;
	if (p && p->id == id)
		return p;
	*err = id && id < t->next_id ? -QE_PIPE : -QE_BADF;
	return NULL;
}

struct msgq_port *msgq_port_find(struct msgq_table *t, const char *name)
{
	if (!name[0])
		return NULL;
	for (unsigned i = 0; i < MSGQ_PORTS; i++)
		if (t->slot[i] && name_eq(t->slot[i]->name, name))
			return t->slot[i];
	return NULL;
}

struct msgq_port *msgq_port_owned(struct msgq_table *t, uint32_t owner)
{
	for (unsigned i = 0; i < MSGQ_PORTS; i++)
		if (t->slot[i] && t->slot[i]->owner == owner)
			return t->slot[i];
	return NULL;
}

void msgq_port_remove(struct msgq_table *t, struct msgq_port *p)
{
	if (t->slot[p->id % MSGQ_PORTS] == p)
		t->slot[p->id % MSGQ_PORTS] = NULL;
}

int msgq_push(struct msgq_port *p, struct msgq_msg *m)
{
	if (p->count >= MSGQ_QUEUE_MAX)
		return -QE_AGAIN;
	m->next = NULL;
	m->port = p->id;
	m->where = MSGQ_QUEUED;
	if (p->tail)
		p->tail->next = m;
	else
		p->head = m;
	p->tail = m;
	p->count++;
	return 0;
}

void msgq_push_front(struct msgq_port *p, struct msgq_msg *m)
{
	m->next = p->head;
	m->port = p->id;
	m->where = MSGQ_QUEUED;
	p->head = m;
	if (!p->tail)
		p->tail = m;
	p->count++;
}

struct msgq_msg *msgq_pop(struct msgq_port *p)
{
	struct msgq_msg *m = p->head;
	if (!m)
		return NULL;
	p->head = m->next;
	if (!p->head)
		p->tail = NULL;
	p->count--;
	m->next = NULL;
	m->where = MSGQ_OUT;
	return m;
}

uint64_t msgq_take(struct msgq_table *t, struct msgq_port *p, struct msgq_msg *m)
{
	m->token = t->next_token++;
	m->port = p->id;
	m->where = MSGQ_TAKEN;
	m->next = p->taken;
	p->taken = m;
	return m->token;
}

struct msgq_msg *msgq_taken_find(struct msgq_table *t, uint32_t owner, uint64_t token)
{
	if (!token)
		return NULL;
	for (unsigned i = 0; i < MSGQ_PORTS; i++) {
		struct msgq_port *p = t->slot[i];
		if (!p || p->owner != owner)
			continue;
		for (struct msgq_msg *m = p->taken; m; m = m->next)
			if (m->token == token)
				return m;
	}
	return NULL;
}

/* unlink_from - take @m off the list at *@head; its predecessor (or NULL) in *@prev. */
static bool unlink_from(struct msgq_msg **head, struct msgq_msg *m, struct msgq_msg **prev)
{
	*prev = NULL;
	for (struct msgq_msg **pp = head; *pp; *prev = *pp, pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			m->next = NULL;
			return true;
		}
	}
	return false;
}

bool msgq_unlink(struct msgq_port *p, struct msgq_msg *m)
{
	struct msgq_msg *prev;
	if (m->where == MSGQ_QUEUED && m->port == p->id && unlink_from(&p->head, m, &prev)) {
		if (p->tail == m)
			p->tail = prev;
		p->count--;
	} else if (!(m->where == MSGQ_TAKEN && m->port == p->id && unlink_from(&p->taken, m, &prev))) {
		return false;
	}
	m->where = MSGQ_OUT;
	return true;
}
