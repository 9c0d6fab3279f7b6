/*
 * msg.c - ports and messages between sealed processes: system calls 50-56
 * (specs/messages.md). Small messages are copied through a kernel buffer; a grant moves
 * pages from the sender's process space to the receiver's (vm/grant.c) through a
 * kernel-held struct vm_grant, so no two address-space mutexes are ever held at once.
 * The port table and queues are msgq.c's; this file blocks, copies and grants.
 * Lock legend: msg_lock (mutex, rank MRANK_PORT) guards the port table, every port's
 * queues, every message and every call record reachable from them. It is never held across
 * a user copy or a grant's take or install (specs/concurrency.md, rule 2).
 */
#include "proc/msg.h"

#include "arch/x86_64/timer.h"
#include "console.h"
#include "lib/kstring.h"
#include "lib/moncmd.h"
#include "mm/kheap.h"
#include "proc/msgq.h"
#include "proc/process.h"
#include "sched/mutex.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#define MSG_INLINE 256 /* message bytes kept in the record itself */

struct port {
	struct msgq_port q;       /* first: a msgq_port * from the table is a struct port * */
	struct waitq recv_wait;   /* receivers waiting for a message */
};

/* struct call - a caller waiting for its reply; lives on the caller's kernel stack. */
struct call {
	struct waitq wait;        /* the caller sleeps here */
	bool done;                /* (msg_lock) answered, or failed */
	int64_t result;           /* reply bytes, or -QE_* */
	struct msgq_msg *reply;   /* the answer, for the caller to copy and install */
	struct vm_grant *returned;/* a failed call's own grant, for the caller to take back */
	uint64_t reply_room, grant_room; /* what the caller accepts */
};

static struct mutex msg_lock = { 0, { 0 }, "msg", MRANK_PORT };
static struct msgq_table ports = { .next_id = 1, .next_token = 1 };

/*
 * msg_wait - sleep on @q (at most @ticks; 0: until woken) with msg_lock released, then
 * take it again. On one CPU, with the kernel not preempted, nothing runs between the
 * unlock and the block, so a wake-up sent after the caller checked its condition under
 * the lock is never lost (specs/concurrency.md, "What leans on one CPU").
 */
static void msg_wait(struct waitq *q, uint64_t ticks)
{
	mutex_unlock(&msg_lock);
	if (ticks)
		sched_block_timeout(q, ticks);
	else
		sched_block(q);
	mutex_lock(&msg_lock);
}

static struct port *port_get(uint64_t id, int *err)
{
	return (struct port *)msgq_port_get(&ports, id, err);
}

/* msg_alloc - kernel memory for a message or port: the heap cannot evict pages itself, so
 * frames are made free first (specs/concurrency.md). NULL when memory is full. May sleep. */
static void *msg_alloc(size_t nbytes)
{
	struct process *p = proc_current();
	return vm_reserve_frames(p ? p->vm : 0, (unsigned)(nbytes / PAGE_SIZE) + 2) < 0 ? 0 : kzalloc(nbytes);
}

/* msg_free - a message and whatever it still carries. Never sleeps. */
static void msg_free(struct msgq_msg *m)
{
	if (m->grant)
		vm_grant_release(m->grant);
	if (m->data != (uint8_t *)(m + 1))
		vm_kpage_free(m->data);
	kfree(m);
}

/* finish - @m (OUT) will not be answered: a waiting caller gets @err (and its grant back,
 * if the pages never arrived anywhere); the message goes. msg_lock held. */
static void finish(struct msgq_msg *m, int err)
{
	struct call *c = m->call;
	if (c) {
		c->result = err;
		c->returned = m->grant;
		m->grant = 0;
		c->done = true;
		sched_wake_all(&c->wait);
	}
	msg_free(m);
}

/* port_close - @p leaves the table; every message queued or taken fails with -QE_PIPE and
 * waiting receivers wake (they look the id up again and find it closed). msg_lock held. */
static void port_close(struct port *p)
{
	struct msgq_msg *m;
	msgq_port_remove(&ports, &p->q);
	while ((m = msgq_pop(&p->q)))
		finish(m, -QE_PIPE);
	while ((m = p->q.taken)) {
		msgq_unlink(&p->q, m);
		finish(m, -QE_PIPE);
	}
	sched_wake_all(&p->recv_wait);
	kfree(p);
}

void msg_proc_end(uint32_t pid)
{
	struct msgq_port *q;
	mutex_lock(&msg_lock);
	while ((q = msgq_port_owned(&ports, pid)))
		port_close((struct port *)q);
	mutex_unlock(&msg_lock);
}

/* give_back - a grant the current process made returns to where it came from (the message
 * carrying it failed); if another thread mapped something there meanwhile, it is released. */
static void give_back(struct vm_grant *g, uint64_t va)
{
	if (g && vm_grant_install(sched_current()->vm, va, g) < 0)
		vm_grant_release(g);
}

/* msg_build - a message from the current process: the bytes of @d copied in, the range it
 * grants taken out. NULL and *@err (-QE_FBIG, -QE_NOMEM, -QE_FAULT, a grant's error). */
static struct msgq_msg *msg_build(const struct quire_msg *d, int *err)
{
	if (d->len > QUIRE_MSG_MAX || d->grant_len > QUIRE_GRANT_MAX) {
		*err = -QE_FBIG;
		return 0;
	}
	/* short bytes sit after the record (a small slab object); longer ones get a frame */
	bool inl = d->len <= MSG_INLINE;
	struct msgq_msg *m = msg_alloc(sizeof *m + (inl ? d->len : 0));
	if (m)
		m->data = inl ? (uint8_t *)(m + 1) : vm_kpage_alloc();
	if (!m || !m->data) {
		kfree(m);
		*err = -QE_NOMEM;
		return 0;
	}
	m->len = (uint32_t)d->len;
	m->sender = proc_current()->pid;
	*err = copy_from_user(m->data, d->data, d->len);
	if (!*err && d->grant_len) {
		*err = vm_grant_take(sched_current()->vm, d->grant_va, d->grant_len, (struct vm_grant **)&m->grant);
		m->grant_bytes = *err ? 0 : d->grant_len;
		m->grant_va = d->grant_va;
	}
	if (*err) {
		msg_free(m);
		return 0;
	}
	return m;
}

/* port_room - port @id is live and has room (checked before the message is built). */
static int port_room(uint64_t id)
{
	int err = 0;
	mutex_lock(&msg_lock);
	struct port *p = port_get(id, &err);
	if (p && p->q.count >= MSGQ_QUEUE_MAX)
		err = -QE_AGAIN;
	mutex_unlock(&msg_lock);
	return err;
}

/* post - queue a message built from @d on port @id; @c: a caller's record, NULL for a
 * one-way message. 0 and *@out, or -QE_*: on failure nothing changed (a grant taken goes
 * back where it came from). */
static int post(uint64_t id, const struct quire_msg *d, struct call *c, struct msgq_msg **out)
{
	int err = port_room(id);
	struct msgq_msg *m = err ? 0 : msg_build(d, &err);
	if (!m)
		return err;
	m->call = c;
	mutex_lock(&msg_lock);
	struct port *p = port_get(id, &err);
	if (p && (err = msgq_push(&p->q, m)) == 0)
		sched_wake_all(&p->recv_wait);
	mutex_unlock(&msg_lock);
	if (err) {
		give_back(m->grant, m->grant_va);
		m->grant = 0;
		msg_free(m);
		return err;
	}
	*out = m;
	return 0;
}

static int64_t sys_send(uint64_t id, uint64_t udesc)
{
	struct quire_msg d;
	struct msgq_msg *m;
	if (copy_from_user(&d, udesc, sizeof d) < 0)
		return -QE_FAULT;
	return post(id, &d, 0, &m);
}

/* withdraw - the caller is being ended while its call @m is pending: take it back from
 * wherever it is (a receiver holding it finds it one-way from now on). msg_lock held. */
static void withdraw(struct call *c, struct msgq_msg *m)
{
	int err = 0;
	struct port *p = m->where == MSGQ_OUT ? 0 : port_get(m->port, &err);
	if (p && msgq_unlink(&p->q, m))
		msg_free(m);
	else
		m->call = 0; /* a receiver has it now and frees it */
	c->result = -QE_SRCH;
	c->done = true;
}

/* await - sleep until @c is answered, or withdraw @m when the caller's process is ending. */
static void await(struct call *c, struct msgq_msg *m)
{
	struct process *me = proc_current();
	mutex_lock(&msg_lock);
	while (!c->done) {
		if (me->dying) {
			withdraw(c, m);
			break;
		}
		msg_wait(&c->wait, 0);
	}
	mutex_unlock(&msg_lock);
}

/* collect - the answer of @c into the caller's reply descriptor @r (at @ureply): its bytes
 * copied out, its grant installed at r->grant_va. The reply's length, or -QE_*. */
static int64_t collect(struct call *c, struct quire_msg *r, uint64_t ureply)
{
	struct msgq_msg *rep = c->reply;
	int64_t n = rep->len;
	int err = copy_to_user(r->data, rep->data, rep->len);
	if (!err && rep->grant && (err = vm_grant_install(sched_current()->vm, r->grant_va, rep->grant)) == 0)
		rep->grant = 0;
	r->len = rep->len;
	r->grant_len = rep->grant_bytes;
	r->token = 0;
	r->sender = rep->sender;
	if (!err)
		err = copy_to_user(ureply, r, sizeof *r);
	msg_free(rep);
	return err ? err : n;
}

static int64_t sys_call(uint64_t id, uint64_t usend, uint64_t ureply)
{
	struct quire_msg s, r;
	if (copy_from_user(&s, usend, sizeof s) < 0 || copy_from_user(&r, ureply, sizeof r) < 0 ||
	    copy_to_user(ureply, &r, sizeof r) < 0 || (r.len && uaccess_check(r.data, r.len) < 0))
		return -QE_FAULT;
	struct call c = { .reply_room = r.len, .grant_room = r.grant_len };
	struct msgq_msg *m;
	int err = post(id, &s, &c, &m);
	if (err)
		return err;
	await(&c, m);
	if (c.result < 0) {
		give_back(c.returned, s.grant_va);
		if (c.reply)
			msg_free(c.reply);
		return c.result;
	}
	return collect(&c, &r, ureply);
}

/* dequeue - the oldest message on port @id (owned by the caller) that fits @d, waiting up
 * to @timeout_ms for one. 0 and *@out (OUT, private to the caller), or -QE_*. */
static int dequeue(uint64_t id, const struct quire_msg *d, uint64_t timeout_ms, struct msgq_msg **out)
{
	struct process *me = proc_current();
	uint64_t ticks = timeout_ms / 10 + (timeout_ms % 10 != 0), now = timer_ticks();
	uint64_t end = timeout_ms == QUIRE_WAIT_FOREVER || ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
	int err = 0;
	mutex_lock(&msg_lock);
	for (;;) {
		struct port *p = port_get(id, &err);
		struct msgq_msg *m = p ? p->q.head : 0;
		if (!p)
			break;
		if (p->q.owner != me->pid) {
			err = -QE_PERM;
		} else if (m && (m->len > d->len || m->grant_bytes > d->grant_len)) {
			err = -QE_FBIG; /* it stays at the head */
		} else if (m) {
			*out = msgq_pop(&p->q);
		} else if (me->dying) {
			err = -QE_SRCH;
		} else if (timeout_ms == 0 || (now = timer_ticks()) >= end) {
			err = timeout_ms == 0 ? -QE_AGAIN : -QE_TIMEDOUT;
		} else {
			msg_wait(&p->recv_wait, end == UINT64_MAX ? 0 : end - now);
			continue;
		}
		break;
	}
	mutex_unlock(&msg_lock);
	return err;
}

/* requeue - a receive failed after taking @m: it goes back to the head of its port (or, the
 * port having closed meanwhile, its caller learns it). */
static void requeue(struct msgq_msg *m)
{
	int err = 0;
	mutex_lock(&msg_lock);
	struct port *p = port_get(m->port, &err);
	if (p) {
		msgq_push_front(&p->q, m);
		sched_wake_all(&p->recv_wait);
	} else {
		finish(m, -QE_PIPE);
	}
	mutex_unlock(&msg_lock);
}

/* settle - @m was delivered: a call goes on its port's taken list (its token returned), or
 * fails if the port closed meanwhile; a one-way message goes. */
static uint64_t settle(struct msgq_msg *m)
{
	int err = 0;
	uint64_t token = 0;
	mutex_lock(&msg_lock);
	struct port *p = m->call ? port_get(m->port, &err) : 0;
	if (p)
		token = msgq_take(&ports, &p->q, m);
	else
		finish(m, -QE_PIPE); /* no caller (one-way, or withdrawn): just freed */
	mutex_unlock(&msg_lock);
	return token;
}

static int64_t sys_receive(uint64_t id, uint64_t udesc, uint64_t timeout_ms)
{
	struct quire_msg d;
	struct msgq_msg *m = 0;
	if (copy_from_user(&d, udesc, sizeof d) < 0 || copy_to_user(udesc, &d, sizeof d) < 0 ||
	    (d.len && uaccess_check(d.data, d.len) < 0))
		return -QE_FAULT;
	int err = dequeue(id, &d, timeout_ms, &m);
	if (err)
		return err;
	err = copy_to_user(d.data, m->data, m->len);
	if (!err && m->grant && (err = vm_grant_install(sched_current()->vm, d.grant_va, m->grant)) == 0)
		m->grant = 0;
	if (err) {
		requeue(m);
		return err;
	}
	int64_t n = m->len;
	d.len = m->len;
	d.grant_len = m->grant_bytes;
	d.sender = m->sender;
	d.token = settle(m);
	return copy_to_user(udesc, &d, sizeof d) < 0 ? -QE_FAULT : n;
}

/* answer - @r answers the call with @token (on a port of the caller's), waking its caller;
 * -QE_SRCH when it is not there (any more), -QE_FBIG when @r does not fit what the caller
 * accepts (@r NULL: only check). msg_lock held. */
static int answer(uint64_t token, const struct quire_msg *d, struct msgq_msg *r)
{
	int err = 0;
	struct msgq_msg *m = msgq_taken_find(&ports, proc_current()->pid, token);
	struct call *c = m ? m->call : 0;
	if (!c)
		return -QE_SRCH;
	if (d->len > c->reply_room || d->grant_len > c->grant_room)
		return -QE_FBIG;
	if (!r)
		return 0;
	msgq_unlink(&port_get(m->port, &err)->q, m);
	msg_free(m);
	c->reply = r;
	c->result = r->len;
	c->done = true;
	sched_wake_all(&c->wait);
	return 0;
}

static int64_t sys_reply(uint64_t token, uint64_t udesc)
{
	struct quire_msg d;
	int err;
	if (copy_from_user(&d, udesc, sizeof d) < 0)
		return -QE_FAULT;
	if (d.len > QUIRE_MSG_MAX || d.grant_len > QUIRE_GRANT_MAX)
		return -QE_FBIG;
	mutex_lock(&msg_lock);
	err = answer(token, &d, 0);
	mutex_unlock(&msg_lock);
	struct msgq_msg *r = err ? 0 : msg_build(&d, &err);
	if (!r)
		return err;
	mutex_lock(&msg_lock);
	err = answer(token, &d, r); /* again: the caller may have ended while this one copied */
	mutex_unlock(&msg_lock);
	if (err) {
		give_back(r->grant, r->grant_va);
		r->grant = 0;
		msg_free(r);
	}
	return err;
}

/* copy_name - a port name from user memory: @len bytes (at most MSGQ_NAME_MAX, no NUL). */
static int copy_name(uint64_t uname, uint64_t len, char *name)
{
	if (len > MSGQ_NAME_MAX)
		return -QE_INVAL;
	if (copy_from_user(name, uname, len) < 0)
		return -QE_FAULT;
	name[len] = '\0';
	return strlen(name) == len ? 0 : -QE_INVAL;
}

static int64_t sys_port_create(uint64_t uname, uint64_t len)
{
	char name[MSGQ_NAME_MAX + 1];
	int64_t err = copy_name(uname, len, name);
	struct port *p = err ? 0 : msg_alloc(sizeof *p);
	if (!p)
		return err ? err : -QE_NOMEM;
	mutex_lock(&msg_lock);
	int64_t id = msgq_port_add(&ports, &p->q, proc_current()->pid, name);
	mutex_unlock(&msg_lock);
	if (id < 0)
		kfree(p);
	return id;
}

static int64_t sys_port_open(uint64_t uname, uint64_t len)
{
	char name[MSGQ_NAME_MAX + 1];
	int64_t err = len ? copy_name(uname, len, name) : -QE_INVAL;
	if (err)
		return err;
	mutex_lock(&msg_lock);
	struct msgq_port *q = msgq_port_find(&ports, name);
	int64_t id = q ? (int64_t)q->id : -QE_NOENT;
	mutex_unlock(&msg_lock);
	return id;
}

static int64_t sys_port_close(uint64_t id)
{
	int err = 0;
	mutex_lock(&msg_lock);
	struct port *p = port_get(id, &err);
	if (p && p->q.owner != proc_current()->pid)
		err = -QE_PERM;
	else if (p)
		port_close(p);
	mutex_unlock(&msg_lock);
	return err;
}

int64_t msg_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	switch (nr) {
	case SYS_PORT_CREATE: return sys_port_create(a0, a1);
	case SYS_PORT_OPEN: return sys_port_open(a0, a1);
	case SYS_PORT_CLOSE: return sys_port_close(a0);
	case SYS_MSG_SEND: return sys_send(a0, a1);
	case SYS_MSG_CALL: return sys_call(a0, a1, a2);
	case SYS_MSG_RECEIVE: return sys_receive(a0, a1, a2);
	case SYS_MSG_REPLY: return sys_reply(a0, a1);
	default: return -QE_NOSYS;
	}
}

static void cmd_ports(const char *args)
{
	(void)args;
	mutex_lock(&msg_lock);
	kprintf("  %6s %6s %-16s %7s %6s\n", "port", "owner", "name", "queued", "taken");
	for (unsigned i = 0; i < MSGQ_PORTS; i++) {
		struct msgq_port *q = ports.slot[i];
		unsigned taken = 0;
		if (!q)
			continue;
		for (struct msgq_msg *m = q->taken; m; m = m->next)
			taken++;
		kprintf("  %6u %6u %-16s %7u %6u\n", q->id, q->owner, q->name[0] ? q->name : "-", q->count, taken);
	}
	mutex_unlock(&msg_lock);
}
MONITOR_CMD(ports, "message ports: owner, name, messages queued and calls awaiting a reply", cmd_ports);
