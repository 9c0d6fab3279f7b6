/*
 * fpu.h - the x87/SSE/AVX registers as per-thread state: turned on at boot, saved and
 * loaded eagerly on every switch between threads that have an area (user threads), and a
 * clean state for every new one. Why eager and not lazy, and what is enabled:
 * specs/isolation.md ("Registers"). The kernel itself never uses these registers (it is
 * built with -mgeneral-regs-only), so nothing else saves them.
 */
#ifndef QUIRE_ARCH_FPU_H
#define QUIRE_ARCH_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "percpu.h"

/* fpu_init - CR0/CR4 (and XCR0 with XSAVE) set for x87, SSE and, where CPUID offers it,
 * AVX; choose XSAVE or FXSAVE; build the clean image; log one line. Context: boot, once,
 * before the first user thread. */
void fpu_init(void);

/* fpu_alloc_bytes - how many bytes to allocate for one thread's area: the image size plus
 * the slack to align it to 64 (kmalloc gives 16). */
size_t fpu_alloc_bytes(void);

/* fpu_area_prepare - the area inside @mem (fpu_alloc_bytes() bytes), aligned and holding
 * the clean state: x87 as after FNINIT, MXCSR 0x1F80, every data register zero. */
struct fpu_area *fpu_area_prepare(void *mem);

/* What fpu_init chose (read-only after boot). */
struct fpu_config {
	bool xsave;      /* XSAVE/XRSTOR, else FXSAVE/FXRSTOR */
	bool clear_fip;  /* AMD: FXSAVE/XSAVE keep FIP/FDP/FOP only with an exception pending */
	uint32_t xcr0_lo, xcr0_hi;
};
extern struct fpu_config fpu_config;
extern uint32_t fpu_dummy;

static inline void fpu_save(struct fpu_area *a)
{
	if (fpu_config.xsave)
		__asm__ volatile("xsave64 (%0)" : : "r"(a), "a"(fpu_config.xcr0_lo), "d"(fpu_config.xcr0_hi)
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(a) : "memory");
}

/* fpu_load - @a into the registers. On AMD the x87 last-instruction and last-operand
 * pointers are first made the kernel's (fnclex, emms, fild: Linux's X86_BUG_FXSAVE_LEAK),
 * or the previous thread's would show through. */
static inline void fpu_load(const struct fpu_area *a)
{
	if (fpu_config.clear_fip)
		__asm__ volatile("fnclex\n\temms\n\tfildl %0" : : "m"(fpu_dummy));
	if (fpu_config.xsave)
		__asm__ volatile("xrstor64 (%0)" : : "r"(a), "a"(fpu_config.xcr0_lo), "d"(fpu_config.xcr0_hi)
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(a) : "memory");
}

/* fpu_switch - save the registers into @prev's area and load @next's. A pcb without an area
 * (a kernel thread) is skipped: the registers keep the last user thread's values while a
 * kernel thread runs, and are loaded before any other user thread runs.
 * Context: the scheduler's switch, interrupts off; never sleeps. */
static inline void fpu_switch(struct pcb *prev, struct pcb *next)
{
	if (prev->fpu)
		fpu_save(prev->fpu);
	if (next->fpu)
		fpu_load(next->fpu);
}

#endif
