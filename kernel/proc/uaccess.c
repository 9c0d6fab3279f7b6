/*
 * uaccess.c - checked copies between kernel and user memory (see uaccess.h).
 */
#include "proc/uaccess.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/kstring.h"
#include "proc/abi.h"

#define USER_LOW 0x1000ull             /* the NULL page is never a valid user address */
#define USER_END 0x0000800000000000ull /* end of the canonical lower half */

static bool active;

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
	if (uaddr < USER_LOW || uaddr >= USER_END)
		return -QE_FAULT;
	if (len > USER_END - uaddr) /* also catches uaddr + len wrapping */
		return -QE_FAULT;
	return 0;
}

bool uaccess_active(void)
{
	return active;
}

static int checked_copy(void *dst, const void *src, size_t len)
{
	struct copy c = { dst, src, len };
	struct ktrap_catch k;
	active = true;
	cpu_stac();
	int r = ktrap_call_catching(do_copy, &c, &k);
	cpu_clac();
	active = false;
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
