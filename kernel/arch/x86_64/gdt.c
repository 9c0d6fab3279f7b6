/*
 * gdt.c - the GDT (flat 64-bit segments, kernel and user) and the TSS, whose IST entries
 * give double fault, NMI, machine check and debug (#DB) their own known-good stacks.
 */
#include "gdt.h"

#include "lib/kstring.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

#define IST_STACK_SIZE 8192
static uint8_t ist_stacks[4][IST_STACK_SIZE] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(16)));

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void tss_descriptor(uint64_t *slot, uint64_t base, uint32_t limit)
{
	slot[0] = (limit & 0xFFFFull) | ((base & 0xFFFFFFull) << 16) | (0x89ull << 40) |
		  ((uint64_t)(limit >> 16 & 0xF) << 48) | ((base >> 24 & 0xFF) << 56);
	slot[1] = base >> 32;
}

static void gdt_load(void)
{
	struct gdt_ptr p = { sizeof gdt - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorw %%ax, %%ax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 :
			 : "m"(p), "i"(SEL_KCODE), "i"(SEL_KDATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFull; /* kernel code, 64-bit */
	gdt[2] = 0x00CF92000000FFFFull; /* kernel data */
	gdt[3] = 0x00CFF2000000FFFFull; /* user data, DPL 3 */
	gdt[4] = 0x00AFFA000000FFFFull; /* user code, 64-bit, DPL 3 */
	memset(&tss, 0, sizeof tss);
	tss.iomap_base = sizeof tss; /* no I/O bitmap: user port I/O faults */
	for (int i = 0; i < 4; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_STACK_SIZE];
	tss_descriptor(&gdt[5], (uint64_t)&tss, sizeof tss - 1);
	gdt_load();
}

void gdt_set_kernel_stack(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
}

void gdt_set_ist(int ist, uint64_t top)
{
	if (ist >= 1 && ist <= 7)
		tss.ist[ist - 1] = top;
}
