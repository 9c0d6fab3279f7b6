/*
 * backtrace.c - frame-pointer backtraces with names. Every frame address is checked before
 * it is read (a corrupt chain must not fault inside a panic).
 */
#include "backtrace.h"

#include <stdbool.h>

#include "console.h"
#include "lib/ksyms.h"

extern const char __ksyms_start[], __ksyms_end[];
extern const char __kernel_start[], __kernel_end[];

#define BACKTRACE_MAX 24

static int (*extra_stack_ok)(uint64_t addr);

void backtrace_set_stack_check(int (*ok)(uint64_t addr))
{
	extra_stack_ok = ok;
}

static int frame_ok(uint64_t rbp)
{
	if (rbp & 7)
		return 0;
	if (rbp >= (uint64_t)__kernel_start && rbp + 16 <= (uint64_t)__kernel_end)
		return 1;
	return extra_stack_ok && extra_stack_ok(rbp) && extra_stack_ok(rbp + 15);
}

const char *ksym_name(uint64_t addr, uint64_t *off)
{
	return ksyms_lookup(__ksyms_start, (size_t)(__ksyms_end - __ksyms_start), addr, off);
}

uint64_t ksym_addr(const char *name)
{
	return ksyms_find(__ksyms_start, (size_t)(__ksyms_end - __ksyms_start), name);
}

static void print_frame(int n, uint64_t addr)
{
	uint64_t off = 0;
	const char *name = ksym_name(addr, &off);
	if (name)
		kprintf("  #%d %016lx %s+0x%lx\n", n, addr, name, off);
	else
		kprintf("  #%d %016lx ?\n", n, addr);
}

static void walk(int n, uint64_t rbp)
{
	for (; n < BACKTRACE_MAX && rbp && frame_ok(rbp); n++) {
		const uint64_t *f = (const uint64_t *)rbp;
		uint64_t ret = f[1];
		if (ret < (uint64_t)__kernel_start)
			break;
		print_frame(n, ret - 1); /* inside the call instruction */
		if (f[0] <= rbp)
			break; /* stacks grow down: the chain must go up */
		rbp = f[0];
	}
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	kprintf("Backtrace:\n");
	print_frame(0, rip);
	walk(1, rbp);
}

/*
 * leaf_return - GCC 12 gives leaf functions no frame even with -mno-omit-leaf-frame-pointer,
 * so a fault inside one would hide its caller. If the function holding @rip has not (yet)
 * pushed rbp, its return address is at the top of the stack: return it, or 0.
 */
static uint64_t leaf_return(uint64_t rip, uint64_t rsp)
{
	uint64_t off;
	if (!ksym_name(rip, &off) || rsp & 7 || !frame_ok(rsp))
		return 0;
	const uint8_t *fn = (const uint8_t *)(rip - off);
	bool has_frame = fn[0] == 0x55 && fn[1] == 0x48 && fn[2] == 0x89 && fn[3] == 0xE5;
	uint64_t ret;
	if (!has_frame || off == 0)
		ret = ((const uint64_t *)rsp)[0];
	else if (off == 1)
		ret = ((const uint64_t *)rsp)[1];
	else
		return 0;
	return ksym_name(ret, &off) ? ret : 0;
}

void backtrace_print_trap(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
	uint64_t ret = leaf_return(rip, rsp);
	if (!ret) {
		backtrace_print(rip, rbp);
		return;
	}
	kprintf("Backtrace:\n");
	print_frame(0, rip);
	print_frame(1, ret - 1);
	walk(2, rbp);
}

void backtrace_here(void)
{
	uint64_t rbp;
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace_print((uint64_t)__builtin_return_address(0), ((const uint64_t *)rbp)[0]);
}
