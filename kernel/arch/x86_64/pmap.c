/*
 * pmap.c - the kernel's half of the page tables: built once at boot (direct map with 1 GiB
 * or 2 MiB pages, the image W^X per section, global pages), single kernel pages after that
 * (kernel stacks and their guards), CR3 loads with PCID tags, and the TLB invalidation every
 * other pmap file goes through. The kernel half of every PML4 points at PDPTs made here at
 * boot, so a new root copies slots 256..511 once. The contract: pmap.h.
 */
#include "pmap.h"

#include "console.h"
#include "cpu.h"
#include "layout.h"
#include "lib/kstring.h"
#include "panic.h"
#include "percpu.h"
#include "pmap_internal.h"
#include "pte.h"
#include "trap.h"

#define CR3_NOFLUSH (1ull << 63)

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __data_end[], __ksyms_start[], __ksyms_end[];

static paddr_t kernel_root;
static struct pmap_table_ops table_ops;
static bool have_smep, have_smap, have_1g, have_pcid;
static uint64_t direct_bytes;
/* The kernel's tables. Lock legend: changed only under klock after boot. */
static struct spinlock klock = SPINLOCK_INIT("pmap-kernel", RANK_PMAP);
static struct spinlock pcid_lock = SPINLOCK_INIT("pcid", RANK_PCID);
static uint8_t pcid_used[PMAP_NPCID / 8]; /* (pcid_lock) PCID 0 is the kernel's and the fallback */

uint64_t *pmap_table_va(paddr_t pa)
{
	return phys_to_virt(pa);
}

paddr_t pmap_new_table(void)
{
	paddr_t pa = table_ops.alloc ? table_ops.alloc() : 0;
	if (pa)
		memset(pmap_table_va(pa), 0, PAGE_SIZE);
	return pa;
}

paddr_t pmap_new_table_raw(void)
{
	return table_ops.alloc ? table_ops.alloc() : 0;
}

void pmap_free_table(paddr_t pa)
{
	table_ops.free(pa);
}

paddr_t pmap_kernel_pml4(void)
{
	return kernel_root;
}

/* kwalk - the kernel entry for @va at @stop level, making tables when @create. klock held. */
static uint64_t *kwalk(vaddr_t va, unsigned stop, bool create, int *err)
{
	uint64_t *t = pmap_table_va(kernel_root);
	for (unsigned level = PTE_LEVEL_PML4; level > stop; level--) {
		uint64_t *e = &t[IDX(va, level)];
		if (pte_is_present(*e) && pte_is_huge(*e)) {
			*err = -QE_INVAL;
			return 0;
		}
		if (!pte_is_present(*e)) {
			paddr_t pa = create ? pmap_new_table() : 0;
			if (!pa) {
				*err = create ? -QE_NOMEM : 0;
				return 0;
			}
			if (pte_make_table(pa, false, e) < 0)
				panic("pmap: table pa %lx out of range", pa);
		}
		t = pmap_table_va(pte_pa(*e));
	}
	return &t[IDX(va, stop)];
}

int pmap_kenter(vaddr_t va, paddr_t pa, unsigned prot, unsigned type)
{
	uint64_t flags, e;
	int err = 0;
	if ((va & PAGE_MASK) || va < DIRECT_MAP_BASE || pte_prot_flags(prot, false, &flags) < 0 ||
	    pte_make_present(pa, flags | PTE_G, type, &e) < 0)
		return -QE_INVAL;
	spin_lock(&klock);
	uint64_t *slot = kwalk(va, PTE_LEVEL_PT, true, &err);
	if (slot) {
		*slot = e;
		cpu_invlpg(va);
	}
	spin_unlock(&klock);
	return slot ? 0 : err;
}

int pmap_kset_np(vaddr_t va, uint64_t np)
{
	int err = 0;
	if ((va & PAGE_MASK) || va < DIRECT_MAP_BASE || pte_check(np, PTE_LEVEL_PT) < 0 || pte_is_present(np))
		return -QE_INVAL;
	spin_lock(&klock);
	uint64_t *slot = kwalk(va, PTE_LEVEL_PT, true, &err);
	if (slot) {
		*slot = np;
		cpu_invlpg(va);
	}
	spin_unlock(&klock);
	return slot ? 0 : err;
}

uint64_t pmap_kremove(vaddr_t va)
{
	int err = 0;
	uint64_t old = 0;
	spin_lock(&klock);
	uint64_t *slot = kwalk(va, PTE_LEVEL_PT, false, &err);
	if (slot) {
		old = *slot;
		*slot = 0;
		cpu_invlpg(va);
	}
	spin_unlock(&klock);
	return old;
}

#define PMAP_TABLE_ENTRIES 512

int pmap_kfree_table(vaddr_t va)
{
	int err = 0;
	paddr_t pa = 0;
	spin_lock(&klock);
	uint64_t *pde = kwalk(va, PTE_LEVEL_PD, false, &err);
	if (pde && pte_is_present(*pde) && !pte_is_huge(*pde)) {
		const uint64_t *t = pmap_table_va(pte_pa(*pde));
		unsigned i = 0;
		while (i < PMAP_TABLE_ENTRIES && t[i] == 0)
			i++;
		if (i == PMAP_TABLE_ENTRIES) {
			pa = pte_pa(*pde);
			*pde = 0;
			/* toggling PGE drops every TLB entry and paging-structure cache entry, global
			 * ones and those of every PCID: no CPU walks into the table once it is free */
			uint64_t cr4 = cpu_read_cr4();
			cpu_write_cr4(cr4 & ~CR4_PGE);
			cpu_write_cr4(cr4);
		}
	}
	spin_unlock(&klock);
	if (pa)
		pmap_free_table(pa);
	return pa != 0;
}

uint64_t pmap_klookup(vaddr_t va, unsigned *level)
{
	uint64_t *t = pmap_table_va(kernel_root);
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

/* ---- boot ---- */

/* map_direct - the direct map of [0, top): 1 GiB pages when the CPU has them, else 2 MiB. */
static void map_direct(paddr_t top)
{
	uint64_t step = have_1g ? (1ull << 30) : (2ull << 20);
	unsigned level = have_1g ? PTE_LEVEL_PDPT : PTE_LEVEL_PD;
	top = (top + step - 1) & ~(step - 1);
	for (paddr_t pa = 0; pa < top; pa += step) {
		int err = 0;
		uint64_t *slot = kwalk(DIRECT_MAP_BASE + pa, level, true, &err);
		if (!slot || pte_make_huge(pa, PTE_RW | PTE_NX | PTE_G, PTE_TYPE_NORMAL, level, slot) < 0)
			panic("pmap: cannot map pa %lx in the direct map (err %d)", pa, err);
	}
	direct_bytes = top;
}

static void map_image_range(const char *start, const char *end, unsigned prot)
{
	for (vaddr_t va = (vaddr_t)start; va < (vaddr_t)end; va += PAGE_SIZE) {
		int err = pmap_kenter(va, kimage_to_phys((const void *)va), prot, PTE_TYPE_NORMAL);
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
		if (!kwalk(bases[i], PTE_LEVEL_PDPT, true, &err))
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

void pmap_init_kernel(paddr_t ram_top, bool allow_pcid, const struct pmap_table_ops *ops)
{
	table_ops = *ops;
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
	trap_set_smap(have_smap);
	kprintf("pmap: kernel PML4 at %lx, direct map %lu MiB with %s pages, NX on, SMEP %s, SMAP %s, PCID %s\n",
		kernel_root, direct_bytes >> 20, have_1g ? "1 GiB" : "2 MiB", have_smep ? "on" : "absent",
		have_smap ? "on" : "absent", have_pcid ? "on" : "off");
}

/* ---- tags, loading, invalidation ---- */

uint16_t pmap_pcid_alloc(void)
{
	uint16_t got = 0;
	spin_lock(&pcid_lock);
	for (unsigned i = 1; have_pcid && !got && i < PMAP_NPCID; i++) {
		if (!(pcid_used[i / 8] & (1u << (i % 8)))) {
			pcid_used[i / 8] |= (uint8_t)(1u << (i % 8));
			got = (uint16_t)i;
		}
	}
	spin_unlock(&pcid_lock);
	return got;
}

void pmap_pcid_free(uint16_t pcid)
{
	spin_lock(&pcid_lock);
	if (pcid)
		pcid_used[pcid / 8] &= (uint8_t) ~(1u << (pcid % 8));
	spin_unlock(&pcid_lock);
}

void pmap_activate(struct pmap_root *r)
{
	struct cpu *c = this_cpu();
	paddr_t root = r ? r->pml4 : kernel_root;
	uint16_t pcid = r ? r->pcid : 0;
	bool flush = r && r->tlb_stale;
	if (r)
		r->tlb_stale = false;
	c->active_root = r;
	if (!have_pcid) {
		if (cpu_read_cr3() != root || flush)
			cpu_write_cr3(root);
		return;
	}
	/* PCID 0 is shared (kernel threads, and user threads when tags ran out): always flush it */
	uint64_t cr3 = cpu_read_cr3();
	if (flush || pcid == 0 || (cr3 & ~0xFFFull) != root || (cr3 & 0xFFF) != pcid)
		cpu_write_cr3(root | pcid | (flush || pcid == 0 ? 0 : CR3_NOFLUSH));
}

/* mark_stale - every root that may cache @va's translation, except the one loaded here. */
static void mark_stale(struct pmap *pm, struct pmap_root *r, vaddr_t va, struct pmap_root *loaded)
{
	if (va < pm->boundary) {
		for (struct pmap_root *q = pm->roots; q; q = q->next)
			if (q != loaded)
				q->tlb_stale = true;
	} else if (r && r != loaded) {
		r->tlb_stale = true;
	}
}

void pmap_flush_local(vaddr_t va)
{
	cpu_invlpg(va);
}

void pmap_invalidate(struct pmap *pm, struct pmap_root *r, vaddr_t va)
{
	struct pmap_root *loaded = this_cpu()->active_root;
	mark_stale(pm, r, va, loaded);
	cpu_invlpg(va); /* this CPU, the loaded tag (user entries are never global) */
}

void pmap_invalidate_range(struct pmap *pm, struct pmap_root *r, vaddr_t start)
{
	struct pmap_root *loaded = this_cpu()->active_root;
	mark_stale(pm, r, start, loaded);
	if (loaded && loaded->pmap == pm && (start < pm->boundary || loaded == r))
		cpu_write_cr3(cpu_read_cr3() & ~CR3_NOFLUSH); /* drops the loaded tag's user entries */
}

bool pmap_has_pcid(void)
{
	return have_pcid;
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
