/*
 * msgq.h - the portable core of message passing (specs/messages.md): the port table (ids,
 * names, owners), each port's queue of messages and its list of calls received and not yet
 * replied to. No locks, no sleeping, no user memory: proc/msg.c holds the message lock
 * around every call here and does the blocking, the copies and the grants. Host-tested
 * (tests/host/test_msgq.c). Errors: negative QE_* codes.
 */
#ifndef QUIRE_PROC_MSGQ_H
#define QUIRE_PROC_MSGQ_H

#include <stdbool.h>
#include <stdint.h>

#define MSGQ_PORTS 128           /* live ports, system-wide */
#define MSGQ_PORTS_PER_OWNER 16  /* live ports of one process */
#define MSGQ_QUEUE_MAX 64        /* messages queued on one port (a failed receive may put one back over it) */
#define MSGQ_NAME_MAX 31         /* bytes of a port name */

/* Where a message is: on a port's queue, on its taken list (a call received, awaiting its
 * reply), or held by a thread (being sent, or being received). */
enum msgq_where { MSGQ_OUT = 0, MSGQ_QUEUED = 1, MSGQ_TAKEN = 2 };

/*
 * struct msgq_msg - one message. For a call, @call names the caller's waiting record (msg.c)
 * until the call is answered or withdrawn; a call whose caller ended while a receiver held
 * it has @call NULL and is then treated as one-way.
 */
struct msgq_msg {
	struct msgq_msg *next;  /* queue or taken-list link */
	uint64_t token;         /* taken calls: the reply token (unique, never 0) */
	uint32_t port;          /* the port id it was sent to */
	uint32_t sender;        /* the sender's pid */
	uint8_t where;          /* enum msgq_where */
	uint32_t len;           /* bytes in data[] */
	void *grant;            /* the pages it carries (struct vm_grant), or NULL */
	uint64_t grant_bytes;   /* their size (kept after they were installed, for the receiver) */
	uint64_t grant_va;      /* where in the sender they came from (to give them back) */
	void *call;             /* a call: the caller's record; NULL: one-way */
	uint8_t *data;          /* the bytes (msg.c: inline after the record, or a frame of their own) */
};

/* struct msgq_port - a port: an id, an owner process, an optional name, its queues. */
struct msgq_port {
	uint32_t id;
	uint32_t owner;                  /* pid */
	char name[MSGQ_NAME_MAX + 1];    /* "" for an anonymous port */
	struct msgq_msg *head, *tail;    /* queued, oldest first */
	unsigned count;
	struct msgq_msg *taken;          /* calls received, awaiting their reply */
};

/* struct msgq_table - every live port; ids below next_id were handed out (a missing one
 * was closed). */
struct msgq_table {
	struct msgq_port *slot[MSGQ_PORTS]; /* a port sits at slot[id % MSGQ_PORTS] */
	uint32_t next_id;
	uint64_t next_token;
};

/* msgq_table_init - an empty table; ids and tokens start at 1. */
void msgq_table_init(struct msgq_table *t);

/* msgq_port_add - give @p (zeroed by the caller) an id, @owner and @name ("" or up to
 * MSGQ_NAME_MAX bytes) and enter it. The id, or -QE_EXIST (a live port has that name),
 * -QE_AGAIN (the table, or @owner's share of it, is full), -QE_INVAL (name too long). */
int64_t msgq_port_add(struct msgq_table *t, struct msgq_port *p, uint32_t owner, const char *name);

/* msgq_port_get - the live port @id; NULL with *@err -QE_BADF (never handed out) or -QE_PIPE
 * (closed). */
struct msgq_port *msgq_port_get(struct msgq_table *t, uint64_t id, int *err);

/* msgq_port_find - the live port named @name (not ""), or NULL. */
struct msgq_port *msgq_port_find(struct msgq_table *t, const char *name);

/* msgq_port_owned - a live port of @owner, or NULL when it has none. */
struct msgq_port *msgq_port_owned(struct msgq_table *t, uint32_t owner);

/* msgq_port_remove - take @p out of the table (its id now reads as closed). Its queues are
 * the caller's to empty. */
void msgq_port_remove(struct msgq_table *t, struct msgq_port *p);

/* msgq_push - queue @m (where OUT) at the tail; 0 or -QE_AGAIN (MSGQ_QUEUE_MAX queued). */
int msgq_push(struct msgq_port *p, struct msgq_msg *m);

/* msgq_push_front - put @m back at the head (a receive that failed after taking it). */
void msgq_push_front(struct msgq_port *p, struct msgq_msg *m);

/* msgq_pop - the oldest queued message, now OUT; NULL when the queue is empty. */
struct msgq_msg *msgq_pop(struct msgq_port *p);

/* msgq_take - @m (OUT, a call) is awaiting its reply: it gets a fresh token and goes on
 * @p's taken list. Returns the token. */
uint64_t msgq_take(struct msgq_table *t, struct msgq_port *p, struct msgq_msg *m);

/* msgq_taken_find - the call with @token on a taken list of a port of @owner, or NULL. */
struct msgq_msg *msgq_taken_find(struct msgq_table *t, uint32_t owner, uint64_t token);

/* msgq_unlink - take @m off @p's queue or taken list (whichever holds it); it is OUT after.
 * false when @m was on neither. */
bool msgq_unlink(struct msgq_port *p, struct msgq_msg *m);

#endif
