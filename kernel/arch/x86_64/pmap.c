/*
 * pmap.c - page tables for x86_64 4-level paging. Builds the kernel's address space at
 * boot (direct map with 1 GiB or 2 MiB pages, the image W^X per section with 4 KiB pages,
 * global pages) and maps and unmaps single pages for the rest of the kernel.
 * The kernel half of every PML4 points at the same PDPTs: they are all made here, at
 * boot, so that later address spaces can copy slots 256..511 once.
 */
#include "pmap.h"

#include "console.h"
#include "cpu.h"
#include "lib/kstring.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "panic.h"
#include "pmap_internal.h"

#define CR3_NOFLUSH (1ull << 63)
#include "pte.h"


extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __data_end[], __ksyms_start[], __ksyms_end[];

static paddr_t kernel_root;
static bool have_smep, have_smap, have_1g, have_pcid;
static uint8_t pcid_used[PMAP_NPCID / 8]; /* PCID 0 is the kernel's and the fallback */
static uint64_t direct_bytes;

uint64_t *pmap_table_va(paddr_t pa)
{
	return phys_to_virt(pa);
}

static int (*reclaim_hook)(void);

void pmap_set_reclaim_hook(int (*fn)(void))
{
	reclaim_hook = fn;
}

paddr_t pmap_new_table(void)
{
	pfn_t pfn = frame_alloc(FRAME_PAGETABLE);
	for (int i = 0; pfn == FRAME_NONE && reclaim_hook && i < 16 && reclaim_hook() == 0; i++)
		pfn = frame_alloc(FRAME_PAGETABLE);
	if (pfn == FRAME_NONE)
		return 0;
	memset(phys_to_virt(PFN_TO_PA(pfn)), 0, PAGE_SIZE);
	return PFN_TO_PA(pfn);
}

/* walk - the entry for @va at @stop level, making tables on the way when @create. */
static uint64_t *walk(paddr_t root, vaddr_t va, unsigned stop, bool create, bool user, int *err)
{
	uint64_t *t = pmap_table_va(root);
	for (unsigned level = PTE_LEVEL_PML4; level > stop; level--) {
		uint64_t *e = &t[IDX(va, level)];
		if (pte_is_present(*e) && pte_is_huge(*e)) {
			*err = -EINVAL;
			return 0;
		}
		if (!pte_is_present(*e)) {
			paddr_t pa;
			if (!create || !(pa = pmap_new_table())) {
				*err = create ? -ENOMEM : 0;
				return 0;
			}
			KASSERT(pte_make_table(pa, user, e) == 0, "table pa %lx", pa);
		} else if (user && !pte_is_user(*e)) {
			/* upper levels let the leaf decide: open this table to user leaves */
			KASSERT(pte_make_table(pte_pa(*e), true, e) == 0, "entry %lx", *e);
		}
		t = pmap_table_va(pte_pa(*e));
	}
	return &t[IDX(va, stop)];
}

int pmap_enter(paddr_t root_pa, vaddr_t va, paddr_t pa, unsigned prot, bool user, unsigned type)
{
	uint64_t flags, e;
	int err = 0;
	if ((va & PAGE_MASK) || pte_prot_flags(prot, user, &flags) < 0)
		return -EINVAL;
	if (!user)
		flags |= PTE_G;
	if (pte_make_present(pa, flags, type, &e) < 0)
		return -EINVAL;
	uint64_t *slot = walk(root_pa, va, PTE_LEVEL_PT, true, user, &err);
	if (!slot)
		return err;
	*slot = e;
	cpu_invlpg(va);
	return 0;
}

int pmap_set_np(paddr_t root_pa, vaddr_t va, uint64_t entry)
{
	int err = 0;
	if (pte_is_present(entry))
		return -EINVAL;
	uint64_t *slot = walk(root_pa, va, PTE_LEVEL_PT, true, va < USER_TOP, &err);
	if (!slot)
		return err;
	*slot = entry;
	cpu_invlpg(va);
	return 0;
}

uint64_t pmap_remove(paddr_t root_pa, vaddr_t va)
{
	int err = 0;
	uint64_t *slot = walk(root_pa, va, PTE_LEVEL_PT, false, false, &err);
	if (!slot)
		return 0;
	uint64_t old = *slot;
	*slot = 0;
	cpu_invlpg(va);
	return old;
}

uint64_t pmap_lookup(paddr_t root_pa, vaddr_t va, unsigned *level)
{
	uint64_t *t = pmap_table_va(root_pa);
	for (unsigned l = PTE_LEVEL_PML4; l >= PTE_LEVEL_PT; l--) {
		uint64_t e = t[IDX(va, l)];
		if (l == PTE_LEVEL_PT || !pte_is_present(e) || pte_is_huge(e)) {
			if (level)
				*level = l;
			return e;
		}
		t = pmap_table_va(pte_pa(e));
	}
	return 0;
}

static void free_table(paddr_t pa, unsigned level)
{
	uint64_t *t = pmap_table_va(pa);
	for (unsigned i = 0; i < 512; i++) {
		if (!pte_is_present(t[i]))
			continue;
		if (level == PTE_LEVEL_PT || pte_is_huge(t[i]))
			panic("pmap_free_user_tables: page %lx still mapped (entry %lx)", pte_pa(t[i]), t[i]);
		free_table(pte_pa(t[i]), level - 1);
	}
	frame_free(PA_TO_PFN(pa));
}

void pmap_free_user_tables(paddr_t root_pa)
{
	uint64_t *root = pmap_table_va(root_pa);
	for (unsigned i = 0; i < 256; i++) {
		if (pte_is_present(root[i]))
			free_table(pte_pa(root[i]), PTE_LEVEL_PDPT);
		root[i] = 0;
	}
	cpu_write_cr3(cpu_read_cr3()); /* user entries are not global: this flushes them */
}

/* map_direct - the direct map of [0, top): 1 GiB pages when the CPU has them, else 2 MiB. */
static void map_direct(paddr_t top)
{
	uint64_t step = have_1g ? (1ull << 30) : (2ull << 20);
	unsigned level = have_1g ? PTE_LEVEL_PDPT : PTE_LEVEL_PD;
	top = (top + step - 1) & ~(step - 1);
	for (paddr_t pa = 0; pa < top; pa += step) {
		int err = 0;
		uint64_t *slot = walk(kernel_root, DIRECT_MAP_BASE + pa, level, true, false, &err);
		if (!slot)
			panic("pmap: no frame for the direct map at pa %lx (err %d)", pa, err);
		KASSERT(pte_make_huge(pa, PTE_RW | PTE_NX | PTE_G, PTE_TYPE_NORMAL, level, slot) == 0,
			"pa %lx", pa);
	}
	direct_bytes = top;
}

static void map_image_range(const char *start, const char *end, unsigned prot)
{
	for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE) {
		int err = pmap_enter(kernel_root, va, kimage_to_phys((const void *)va), prot, false, PTE_TYPE_NORMAL);
		if (err)
			panic("pmap: mapping the kernel image at %lx failed (%d)", va, err);
	}
}

/* make_kernel_slots - every kernel-half PML4 slot the kernel uses gets its PDPT now. */
static void make_kernel_slots(void)
{
	static const vaddr_t bases[] = { DIRECT_MAP_BASE, KSTACK_AREA_BASE, KERNEL_VMA };
	for (unsigned i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		int err = 0;
		if (!walk(kernel_root, bases[i], PTE_LEVEL_PDPT, true, false, &err))
			panic("pmap: no frame for kernel slot %lu", IDX(bases[i], PTE_LEVEL_PML4));
	}
}

static void cpu_features(void)
{
	struct cpuid_regs ext = cpu_cpuid(0x80000001, 0), l7 = cpu_cpuid(7, 0);
	if (!(ext.edx & (1u << 20)))
		panic("pmap: this CPU has no NX bit; Quire keeps kernel and user memory W^X with it");
	have_1g = (ext.edx >> 26) & 1;
	have_smep = (l7.ebx >> 7) & 1;
	have_smap = (l7.ebx >> 20) & 1;
	have_pcid = (cpu_cpuid(1, 0).ecx >> 17) & 1;
}

void pmap_init_kernel(paddr_t ram_top, bool allow_pcid)
{
	cpu_features();
	have_pcid = have_pcid && allow_pcid;
	kernel_root = pmap_new_table();
	if (!kernel_root)
		panic("pmap: no frame for the kernel PML4");
	make_kernel_slots();
	map_direct(ram_top);
	map_image_range(__text_start, __text_end, PTE_PROT_RX);
	map_image_range(__rodata_start, __rodata_end, PTE_PROT_R);
	map_image_range(__data_start, __data_end, PTE_PROT_RW);
	map_image_range(__ksyms_start, __ksyms_end, PTE_PROT_R);
	uint64_t cr4 = cpu_read_cr4() | CR4_PGE;
	cr4 |= (have_smep ? CR4_SMEP : 0) | (have_smap ? CR4_SMAP : 0);
	cpu_write_cr3(kernel_root);
	cpu_write_cr4(cpu_read_cr4() & ~CR4_PGE); /* flush global entries of the boot tables */
	cpu_write_cr4(cr4);
	if (have_pcid) /* CR3 holds PCID 0 now, as PCIDE requires */
		cpu_write_cr4(cr4 | CR4_PCIDE);
	kprintf("pmap: kernel PML4 at %lx, direct map %lu MiB with %s pages, NX on, SMEP %s, SMAP %s, PCID %s\n",
		kernel_root, direct_bytes >> 20, have_1g ? "1 GiB" : "2 MiB", have_smep ? "on" : "absent",
		have_smap ? "on" : "absent", have_pcid ? "on" : "off");
}

uint16_t pmap_pcid_alloc(void)
{
	for (unsigned i = 1; have_pcid && i < PMAP_NPCID; i++) {
		if (!(pcid_used[i / 8] & (1u << (i % 8)))) {
			pcid_used[i / 8] |= (uint8_t)(1u << (i % 8));
			return (uint16_t)i;
		}
	}
	return 0;
}

void pmap_pcid_free(uint16_t pcid)
{
	if (pcid)
		pcid_used[pcid / 8] &= (uint8_t) ~(1u << (pcid % 8));
}

void pmap_switch(paddr_t root, uint16_t pcid, bool flush)
{
	if (!have_pcid) {
		if (cpu_read_cr3() != root)
			cpu_write_cr3(root);
		return;
	}
	/* PCID 0 is shared (kernel threads, and user threads when the tags ran out): always flush it */
	if (flush || pcid == 0 || (cpu_read_cr3() & ~0xFFFull) != root || (cpu_read_cr3() & 0xFFF) != pcid)
		cpu_write_cr3(root | pcid | (flush || pcid == 0 ? 0 : CR3_NOFLUSH));
}

bool pmap_has_pcid(void)
{
	return have_pcid;
}

paddr_t pmap_kernel_root(void)
{
	return kernel_root;
}

bool pmap_has_smep(void)
{
	return have_smep;
}

bool pmap_has_smap(void)
{
	return have_smap;
}

uint64_t pmap_direct_map_bytes(void)
{
	return direct_bytes;
}
