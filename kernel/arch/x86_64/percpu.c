/*
 * percpu.c - the boot CPU's struct cpu and the GS setup behind this_cpu().
 */
#include "percpu.h"

#include "cpu.h"

static struct pcb boot_pcb; /* the boot code's, until the scheduler makes it thread 0 */

void percpu_init(struct cpu *c)
{
	c->self = c;
	c->pcb = &boot_pcb;
	cpu_wrmsr(MSR_GS_BASE, (uint64_t)c);
	cpu_wrmsr(MSR_KERNEL_GS_BASE, 0); /* what user mode gets after swapgs */
}
