/*
 * fpu.h - the x87/SSE/AVX registers as per-thread state: turned on at boot, saved and
 * loaded eagerly on every switch between threads that have an area (user threads), and a
 * clean state for every new one. Why eager and not lazy, and what is enabled:
 * specs/isolation.md ("Registers"). The kernel itself never uses these registers (it is
 * built with -mgeneral-regs-only), so nothing else saves them.
 */
#ifndef QUIRE_ARCH_FPU_H
#define QUIRE_ARCH_FPU_H

#include <stddef.h>

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

/* fpu_switch - save the registers into @prev's area and load @next's. A pcb without an area
 * (a kernel thread) is skipped: the registers keep the last user thread's values while a
 * kernel thread runs, and are loaded before any other user thread runs.
 * Context: the scheduler's switch, interrupts off; never sleeps. */
void fpu_switch(struct pcb *prev, struct pcb *next);

#endif
