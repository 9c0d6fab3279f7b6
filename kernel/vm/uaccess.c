/*
 * uaccess.c - checked copies between kernel and user memory (see uaccess.h). The "a copy is
 * running" flag and the catch point live in the calling thread's pcb: a copy that sleeps in
 * the middle (a page coming back from swap) keeps its own state while other threads copy.
 */
#include "vm/uaccess.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "lib/kstring.h"
#include "lib/qerror.h"
#include "sched/sched.h"

#define USER_LOW 0x1000ull /* the NULL page is never a valid user address */

struct copy {
	void *dst;
	const void *src;
	size_t len;
};

static void do_copy(void *arg)
{
	struct copy *c = arg;
	memcpy(c->dst, c->src, c->len);
}

int uaccess_check(uint64_t uaddr, size_t len)
{
	if (uaddr < USER_LOW || uaddr >= USER_SPACE_END)
		return -QE_FAULT;
	if (len > USER_SPACE_END - uaddr) /* also catches uaddr + len wrapping */
		return -QE_FAULT;
	return 0;
}

static int checked_copy(void *dst, const void *src, size_t len)
{
	struct copy c = { dst, src, len };
	struct ktrap_catch k;
	struct pcb *pcb = pcb_current();
	might_sleep("a checked user copy"); /* a page may have to come back from swap */
	pcb->uaccess = true;
	cpu_stac();
	int r = ktrap_call_catching(do_copy, &c, &k);
	cpu_clac();
	pcb->uaccess = false;
	return r ? -QE_FAULT : 0;
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
	if (len == 0)
		return 0;
	if (uaccess_check(src, len) < 0)
		return -QE_FAULT;
	return checked_copy(dst, (const void *)src, len);
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
	if (len == 0)
		return 0;
	if (uaccess_check(dst, len) < 0)
		return -QE_FAULT;
	return checked_copy((void *)dst, src, len);
}
