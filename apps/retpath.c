/*
 * retpath - user-controlled machine state on the way into and out of the kernel
 * (specs/isolation.md, "Registers"). ARG = MODE:
 *   1  flags: NT, AC, DF, TF-free arithmetic flags and an attempt at IOPL 3 set before
 *      `syscall`; the kernel must run and return normally, the call must work, IOPL stays 0,
 *      a non-canonical user rsp across a call and timer interrupts; a null and a user GS
 *      selector loaded before system calls and timer interrupts. "PASS retpath 1", exit 0.
 *   2  `syscall` in the last two bytes of user space: its return address is non-canonical.
 *      The process must be killed (not the kernel panicked on the way back).
 *   3  TF set before `syscall`: the single-step trap must come in user mode after the
 *      return and kill the process, never in the kernel.
 *   4  `wrgsbase` (FSGSBASE is off): #UD kills the process; GS stays the kernel's business.
 * Modes 2-4 print "FAIL survived" and exit 1 if they live on.
 */
#include "quire.h"

APP_NOTE_DEFAULT;

#define RF_TF (1UL << 8)
#define RF_DF (1UL << 10)
#define RF_IOPL (3UL << 12)
#define RF_NT (1UL << 14)
#define RF_AC (1UL << 18)

/* syscall_with_flags - SYS_GETPID with RFLAGS |= @set around the `syscall`; returns the
 * result and the flags seen right after the call (before they are cleared again). */
static int64_t syscall_with_flags(uint64_t set, uint64_t *after)
{
	int64_t r;
	uint64_t f;
	__asm__ volatile("pushfq\n\t"
			 "orq %[set], (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\t"
			 "popq %[f]\n\t"
			 "pushq %[f]\n\t"
			 "andq %[clr], (%%rsp)\n\t"
			 "popfq\n\t"
			 : "=a"(r), [f] "=&r"(f)
			 : "a"((uint64_t)SYS_GETPID), [set] "r"(set), [clr] "r"(~(RF_NT | RF_AC | RF_DF))
			 : "rcx", "r11", "memory", "cc");
	*after = f;
	return r;
}

/* write_with_df - SYS_WRITE of @s with DF set: the kernel's copies must still run forward. */
static int64_t write_with_df(const char *s, size_t n)
{
	int64_t r;
	__asm__ volatile("std\n\t"
			 "syscall\n\t"
			 "cld\n\t"
			 : "=a"(r)
			 : "a"((uint64_t)SYS_WRITE), "D"(1UL), "S"(s), "d"(n)
			 : "rcx", "r11", "memory", "cc");
	return r;
}

static void check_flag(const char *name, uint64_t set, int64_t pid)
{
	uint64_t after = 0;
	char kept[48];
	int64_t r = syscall_with_flags(set, &after);
	test_check(r == pid, name, "getpid with the flag set returned %ld, want %ld", r, pid);
	snprintf(kept, sizeof kept, "%s_kept", name); /* user flags come back as they were */
	test_check((after & set) == set, kept, "flags after the call %#lx lost %#lx", after, set);
}

/* check_gs - load GS with @sel, then system calls and a stretch of timer interrupts. */
static void check_gs(const char *name, uint16_t sel, int64_t pid)
{
	__asm__ volatile("movw %0, %%gs" : : "r"(sel));
	int64_t r = sys_getpid();
	uint64_t t0 = (uint64_t)sys_ticks();
	while ((uint64_t)sys_ticks() < t0 + 3) /* interrupts from user mode with this GS */
		for (volatile int i = 0; i < 10000; i++)
			;
	uint16_t now;
	__asm__ volatile("movw %%gs, %0" : "=r"(now));
	test_check(r == pid && now == sel, name, "getpid %ld, gs %#x after (want %#x)", r, now, sel);
}

/* noncanonical_rsp - SYS_GETPID and a stretch of timer interrupts with a non-canonical
 * user rsp (the stack is not touched meanwhile): the returns must not fault in the kernel. */
static int64_t noncanonical_rsp(void)
{
	int64_t r;
	__asm__ volatile("movq %%rsp, %%r12\n\t"
			 "movabsq $0x0000800000000000, %%rsp\n\t"
			 "syscall\n\t"
			 "movl $200000, %%ecx\n"
			 "1:\n\t"
			 "decl %%ecx\n\t"
			 "jnz 1b\n\t"
			 "movq %%r12, %%rsp\n\t"
			 : "=a"(r)
			 : "a"((uint64_t)SYS_GETPID)
			 : "rcx", "r11", "r12", "memory", "cc");
	return r;
}

static int mode_flags(int64_t pid)
{
	check_flag("nt_syscall", RF_NT, pid);
	check_flag("ac_syscall", RF_AC, pid);
	check_flag("nt_ac_df_syscall", RF_NT | RF_AC | RF_DF, pid);
	static const char msg[] = "retpath: written with DF set\n";
	int64_t w = write_with_df(msg, sizeof msg - 1);
	test_check(w == (int64_t)sizeof msg - 1, "df_write", "write returned %ld", w);
	uint64_t after = 0;
	syscall_with_flags(RF_IOPL, &after); /* popf at CPL 3 must not change IOPL */
	test_check((after & RF_IOPL) == 0, "iopl_stays_0", "IOPL became %lu", (after >> 12) & 3);
	int64_t r = noncanonical_rsp();
	test_check(r == pid, "noncanonical_rsp", "getpid with rsp 0x800000000000 returned %ld", r);
	check_gs("gs_null", 0, pid);
	check_gs("gs_user_data", 0x1B, pid);
	return test_finish("retpath 1");
}

/* mode_top - a `syscall` as the last two bytes of user space, reached by a jump. */
static void mode_top(void)
{
	uint8_t *top = (uint8_t *)(USER_TOP - PAGE_SIZE);
	if (area_demand(top, PAGE_SIZE, QP_RW) < 0) {
		printf("FAIL retpath 2: cannot map the top page\n");
		return;
	}
	top[PAGE_SIZE - 2] = 0x0F; /* syscall */
	top[PAGE_SIZE - 1] = 0x05;
	if (area_protect(top, PAGE_SIZE, QP_RX) < 0) {
		printf("FAIL retpath 2: cannot make the top page executable\n");
		return;
	}
	printf("retpath: about to run syscall at %p (returns to 0x800000000000)\n", top + PAGE_SIZE - 2);
	__asm__ volatile("jmp *%1" : : "a"((uint64_t)SYS_GETPID), "r"(top + PAGE_SIZE - 2) : "memory");
}

int main(uint64_t arg, const struct quire_startinfo *info)
{
	int64_t pid = (int64_t)info->pid;
	uint64_t after;
	switch (arg) {
	case 1:
		return mode_flags(pid);
	case 2:
		mode_top();
		break;
	case 3:
		printf("retpath: about to make a system call with TF set\n");
		syscall_with_flags(RF_TF, &after);
		break;
	case 4:
		printf("retpath: about to run wrgsbase\n");
		__asm__ volatile("wrgsbase %0" : : "r"(0x1234UL));
		break;
	default:
		printf("FAIL retpath: unknown mode %lu\n", arg);
		return 1;
	}
	printf("FAIL survived\n");
	return 1;
}
