/*
 * elf_fuzz.c - libFuzzer target for kernel/proc/elf.c (tests/fuzz.mk builds and runs it
 * under ASan and UBSan). Any read outside the input is caught by ASan; an accepted image
 * must also satisfy every promise struct exec_image makes, or the target aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proc/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EXPECT(cond) do { if (!(cond)) abort(); } while (0)

/* check_segment - segment @s of an accepted image lies in its area, its bytes in the input. */
static void check_segment(const struct exec_image *x, const struct exec_segment *s, size_t size)
{
	uint64_t end = s->va + s->memsz;
	EXPECT(s->memsz > 0 && s->filesz <= s->memsz && end > s->va);
	EXPECT(s->offset <= size && s->filesz <= size - s->offset);
	EXPECT((s->va & PAGE_MASK) == (s->offset & PAGE_MASK));
	EXPECT(s->prot == PTE_PROT_R || s->prot == PTE_PROT_RW || s->prot == PTE_PROT_RX);
	if (s->prot == PTE_PROT_RW) {
		EXPECT(s->va >= x->data_start && end <= x->heap_end);
		EXPECT(s->filesz == 0 || s->va + s->filesz <= x->data_end);
	} else {
		EXPECT(s->va >= x->code_start && end <= x->code_end);
	}
	EXPECT(end <= x->segs_end);
}

static void check_image(const struct exec_image *x, size_t size)
{
	EXPECT(x->nsegs >= 1 && x->nsegs <= ELF_MAX_SEGMENTS);
	EXPECT(x->boundary % ELF_PML4_SPAN == 0 && x->boundary >= ELF_PML4_SPAN &&
	       x->boundary < ELF_USER_TOP);
	EXPECT(x->code_start == ELF_USER_MIN && x->code_start <= x->code_end);
	EXPECT(x->data_start == x->code_end && x->data_start <= x->data_end);
	EXPECT(x->bss_start == x->data_end && x->bss_start <= x->segs_end);
	EXPECT(x->segs_end <= x->heap_end && x->heap_end <= x->boundary);
	EXPECT(((x->code_end | x->data_end | x->heap_end | x->segs_end) & PAGE_MASK) == 0);
	EXPECT(x->stack_size % PAGE_SIZE == 0 && x->stack_size >= EXEC_STACK_MIN &&
	       x->stack_size <= EXEC_STACK_MAX);
	EXPECT((x->flags & ~EXEC_FLAGS_ALL) == 0);
	EXPECT(x->process_demand == ((x->flags & EXEC_DEMAND_PROCESS) != 0));
	EXPECT(x->thread_demand == ((x->flags & EXEC_DEMAND_THREAD) != 0));
	int entry_ok = 0;
	for (unsigned i = 0; i < x->nsegs; i++) {
		const struct exec_segment *s = &x->seg[i];
		check_segment(x, s, size);
		for (unsigned j = 0; j < i; j++) /* no page shared by two segments */
			EXPECT(PAGE_ALIGN_DOWN(s->va) >= PAGE_ALIGN_UP(x->seg[j].va + x->seg[j].memsz) ||
			       PAGE_ALIGN_DOWN(x->seg[j].va) >= PAGE_ALIGN_UP(s->va + s->memsz));
		if (s->prot == PTE_PROT_RX && x->entry >= s->va && x->entry < s->va + s->memsz)
			entry_ok = 1;
	}
	EXPECT(entry_ok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exec_image x;
	const char *why = NULL;
	int r = elf_parse(data, size, &x, &why);
	if (r == 0)
		check_image(&x, size);
	else
		EXPECT(r == -QE_NOEXEC && why != NULL && why[0] != '\0');
	return 0;
}
