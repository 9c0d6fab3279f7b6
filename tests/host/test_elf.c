/*
 * test_elf.c - kernel/proc/elf on executables built in memory: the good shapes (with and
 * without the Quire note, eight segments, foreign notes, both note paddings) and one
 * broken image per check, each refused with its own message. Every parse reads from a
 * heap copy of exactly the image's length, so ASan fails any read past the end.
 */
#include "hosttest.h"

#include "proc/elf.h"

#include "../../apps/include/quire_note.h"

/* ---- a small ELF builder ---- */

#define IMG_MAX 0x4000
#define PH_AT(k) (64 + 56 * (k))
enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_GNU_STACK = 0x6474e551 };
enum { PF_X = 1, PF_W = 2, PF_R = 4 };
enum { PH_FLAGS = 4, PH_OFFSET = 8, PH_VADDR = 16, PH_FILESZ = 32, PH_MEMSZ = 40, PH_ALIGN = 48 };

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
	unsigned phnum;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* ph64 - set a 64-bit field of program header @k. */
static void ph64(struct img *m, unsigned k, unsigned field, uint64_t v)
{
	put64(m->b + PH_AT(k) + field, v);
}

static unsigned add_ph(struct img *m, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
		       uint64_t filesz, uint64_t memsz, uint64_t align)
{
	unsigned k = m->phnum++;
	uint8_t *p = m->b + PH_AT(k);
	assert_true(PH_AT(k + 1) <= 0x1000);
	put32(p, type);
	put32(p + PH_FLAGS, flags);
	put64(p + PH_OFFSET, off);
	put64(p + PH_VADDR, va);
	put64(p + 24, va);
	put64(p + PH_FILESZ, filesz);
	put64(p + PH_MEMSZ, memsz);
	put64(p + PH_ALIGN, align);
	put16(m->b + 56, (uint16_t)m->phnum);
	return k;
}

QUIRE_EXEC_NOTE(QUIRE_NOTE_GIB(1024), 0x3000, 0x1000, QUIRE_NOTE_KIB(64), QUIRE_NOTE_KIB(128),
		QUIRE_NOTE_DEMAND_THREAD);

#define NOTE_OFF 0x3100
#define NOTE_LEN sizeof(struct quire_note_exec)

/*
 * build - the base image: seg 0 RX code, seg 1 R rodata, seg 2 RW data + bss tail, a
 * PT_GNU_STACK, and with @note a PT_NOTE holding the note QUIRE_EXEC_NOTE made above.
 *   file 0x1000 -> 0x401000 RX 0x100 | 0x2000 -> 0x402000 R 0x80
 *   file 0x3000 -> 0x403000 RW 0x40 of 0x3000 | note at file 0x3100
 */
static void header(struct img *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "\x7f" "ELF\x02\x01\x01", 7);
	put16(m->b + 16, 2);  /* ET_EXEC */
	put16(m->b + 18, 62); /* EM_X86_64 */
	put32(m->b + 20, 1);
	put64(m->b + 24, 0x401000);
	put64(m->b + 32, 64);
	put16(m->b + 52, 64);
	put16(m->b + 54, 56);
}

static void build(struct img *m, bool note)
{
	header(m);
	add_ph(m, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100, 0x1000);
	add_ph(m, PT_LOAD, PF_R, 0x2000, 0x402000, 0x80, 0x80, 0x1000);
	add_ph(m, PT_LOAD, PF_R | PF_W, 0x3000, 0x403000, 0x40, 0x3000, 0x1000);
	add_ph(m, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	memset(m->b + 0x1000, 0xcc, 0x100);
	m->len = 0x3100;
	if (note) {
		add_ph(m, PT_NOTE, PF_R, NOTE_OFF, 0, NOTE_LEN, 0, 4);
		memcpy(m->b + NOTE_OFF, &quire_exec_note, NOTE_LEN);
		m->len = NOTE_OFF + NOTE_LEN;
	}
}

static struct img the_img; /* one image at a time: tests run one after another */

/* note - the note in the image, to change a field before parsing. */
static struct quire_note_exec *note(struct img *m)
{
	return (struct quire_note_exec *)(m->b + NOTE_OFF);
}

/* parse - elf_parse on a heap copy of exactly m->len bytes. */
static int parse(const struct img *m, struct exec_image *out, const char **why)
{
	uint8_t *copy = malloc(m->len ? m->len : 1);
	assert_non_null(copy);
	memcpy(copy, m->b, m->len);
	int r = elf_parse(copy, m->len, out, why);
	free(copy);
	return r;
}

/* ---- good images ---- */

static void test_good_without_note(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	const char *why = NULL;
	build(m, false);
	assert_int_equal(parse(m, &x, &why), 0);
	assert_null(why);
	assert_false(x.has_note);
	assert_int_equal(x.entry, 0x401000);
	assert_int_equal(x.boundary, EXEC_DEFAULT_BOUNDARY);
	assert_int_equal(x.boundary, 512ull << 30);
	assert_int_equal(x.stack_size, 64 << 10);
	assert_true(x.process_demand && x.thread_demand);
	assert_int_equal(x.flags, EXEC_FLAGS_ALL);
	assert_int_equal(x.code_start, 0x400000);
	assert_int_equal(x.code_end, 0x403000);
	assert_int_equal(x.data_start, 0x403000);
	assert_int_equal(x.data_end, 0x404000);
	assert_int_equal(x.bss_start, 0x404000);
	assert_int_equal(x.segs_end, 0x406000);
	assert_int_equal(x.heap_end, 0x406000 + (64 << 20));
	assert_int_equal(x.nsegs, 3);
	assert_int_equal(x.seg[0].prot, PTE_PROT_RX);
	assert_int_equal(x.seg[1].prot, PTE_PROT_R);
	assert_int_equal(x.seg[2].prot, PTE_PROT_RW);
	assert_int_equal(x.seg[2].va, 0x403000);
	assert_int_equal(x.seg[2].offset, 0x3000);
	assert_int_equal(x.seg[2].filesz, 0x40);
	assert_int_equal(x.seg[2].memsz, 0x3000);
}

static void test_good_with_note(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, true);
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_true(x.has_note);
	assert_int_equal(x.boundary, 1ull << 40);
	assert_int_equal(x.stack_size, 128 << 10);
	assert_false(x.process_demand);
	assert_true(x.thread_demand);
	assert_int_equal(x.flags, EXEC_DEMAND_THREAD);
	assert_int_equal(x.code_start, 0x400000);
	assert_int_equal(x.code_end, 0x403000);
	assert_int_equal(x.data_start, 0x403000);
	assert_int_equal(x.data_end, 0x404000);
	assert_int_equal(x.bss_start, 0x404000);
	assert_int_equal(x.segs_end, 0x406000);
	assert_int_equal(x.heap_end, 0x414000);
	assert_int_equal(x.nsegs, 3);
}

/*
 * What GNU ld makes of a program using quire_note.h (-z separate-code, 4 KiB pages): a first
 * R segment at file offset 0 holding the headers and the notes, then text, rodata, data.
 */
static void test_ld_layout(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	header(m);
	add_ph(m, PT_LOAD, PF_R, 0, 0x400000, 0x1f8, 0x1f8, 0x1000);
	add_ph(m, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x28, 0x28, 0x1000);
	add_ph(m, PT_LOAD, PF_R, 0x2000, 0x402000, 0x3c, 0x3c, 0x1000);
	add_ph(m, PT_LOAD, PF_R | PF_W, 0x3000, 0x403000, 0x4, 0x186c0, 0x1000);
	add_ph(m, PT_NOTE, PF_R, 0x190, 0x400190, NOTE_LEN, NOTE_LEN, 4);
	add_ph(m, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	struct quire_note_exec n = quire_exec_note;
	n.code_size = 2 << 20;
	n.bss_size = 16 << 20;
	memcpy(m->b + 0x190, &n, NOTE_LEN);
	m->len = 0x3004;
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_true(x.has_note);
	assert_int_equal(x.nsegs, 4);
	assert_int_equal(x.code_end, 0x403000);
	assert_int_equal(x.data_end, 0x404000);
	assert_int_equal(x.segs_end, 0x41c000);
	assert_int_equal(x.heap_end, 0x404000 + (16 << 20));
	assert_int_equal(x.seg[0].prot, PTE_PROT_R);
	assert_int_equal(x.seg[3].memsz, 0x186c0);
}

/* The note's code_size and data_size are budgets: larger ones leave the areas as placed. */
static void test_note_sizes_are_budgets(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, true);
	note(m)->code_size = 2 << 20;
	note(m)->data_size = 1 << 20;
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_int_equal(x.code_end, 0x403000);
	assert_int_equal(x.data_start, 0x403000);
	assert_int_equal(x.data_end, 0x404000);
	assert_int_equal(x.heap_end, 0x404000 + (64 << 10));
	note(m)->bss_size = 0x2000; /* exactly the RW zero tail, no heap */
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_int_equal(x.heap_end, 0x406000);
	assert_int_equal(x.segs_end, 0x406000);
}

/* The user header and the kernel agree on every number and on the layout. */
static void test_user_header_matches_kernel(void **state)
{
	(void)state;
	assert_int_equal(QUIRE_NOTE_NAMESZ, ELF_NOTE_NAMESZ);
	assert_int_equal(QUIRE_NOTE_EXEC, ELF_NOTE_EXEC);
	assert_int_equal(QUIRE_NOTE_VERSION, ELF_NOTE_VERSION);
	assert_int_equal(QUIRE_NOTE_DESCSZ, ELF_NOTE_DESCSZ);
	assert_int_equal(QUIRE_NOTE_DEMAND_PROCESS, EXEC_DEMAND_PROCESS);
	assert_int_equal(QUIRE_NOTE_DEMAND_THREAD, EXEC_DEMAND_THREAD);
	assert_int_equal(QUIRE_NOTE_BOUNDARY_UNIT, ELF_PML4_SPAN);
	assert_int_equal(QUIRE_NOTE_STACK_MIN, EXEC_STACK_MIN);
	assert_int_equal(QUIRE_NOTE_STACK_MAX, EXEC_STACK_MAX);
	assert_int_equal(QUIRE_NOTE_CODE_START, ELF_USER_MIN);
	const uint8_t *n = (const uint8_t *)&quire_exec_note;
	assert_memory_equal(n, "\x06\0\0\0\x30\0\0\0\x01\0\0\0Quire\0\0\0\x01\0\0\0\x02\0\0\0", 28);
	assert_memory_equal(n + 28, "\0\0\0\0\0\x01\0\0", 8); /* B = 1 TiB, little-endian */
}

static void test_eight_segments(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, false);
	for (unsigned k = 0; k < 5; k++) /* bss-only RW segments after the data */
		add_ph(m, PT_LOAD, PF_R | PF_W, 0x3000, 0x406000 + k * 0x1000, 0, 0x1000, 0x1000);
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_int_equal(x.nsegs, 8);
	assert_int_equal(x.data_end, 0x404000);
	assert_int_equal(x.segs_end, 0x40b000);
	assert_int_equal(x.heap_end, 0x40b000 + (64 << 20));
}

/* A GNU build-id note before the Quire note: padding by 4 (p_align 4) or by 8 (p_align 8). */
static void note_after_build_id(struct img *m, uint64_t align)
{
	unsigned pad = align == 8 ? 8 : 4;
	uint8_t *p = m->b + NOTE_OFF;
	size_t gnu = 12 + pad + ((20 + pad - 1) & ~(size_t)(pad - 1)); /* name "GNU\0" */
	put32(p, 4);
	put32(p + 4, 20);
	put32(p + 8, 3);
	memcpy(p + 12, "GNU", 4);
	memset(p + 16, 0x5a, 20);
	memcpy(p + gnu, &quire_exec_note, NOTE_LEN);
	ph64(m, 4, PH_FILESZ, gnu + NOTE_LEN);
	ph64(m, 4, PH_ALIGN, align);
	m->len = NOTE_OFF + gnu + NOTE_LEN;
}

static void test_note_padding_4_and_8(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	const char *why = NULL;
	build(m, true);
	note_after_build_id(m, 4);
	assert_int_equal(parse(m, &x, &why), 0);
	assert_true(x.has_note);
	assert_int_equal(x.boundary, 1ull << 40);
	build(m, true);
	note_after_build_id(m, 8);
	assert_int_equal(parse(m, &x, &why), 0);
	assert_true(x.has_note);
	build(m, true);
	note_after_build_id(m, 8);
	ph64(m, 4, PH_ALIGN, 4); /* padded by 8, read by 4: the walk goes astray */
	assert_int_equal(parse(m, &x, &why), -QE_NOEXEC);
	assert_string_equal(why, "note: an entry runs past its segment");
}

static void test_foreign_note_only_gives_defaults(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, true);
	memcpy(note(m)->name, "Quirk", 6);
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_false(x.has_note);
	assert_int_equal(x.boundary, EXEC_DEFAULT_BOUNDARY);
}

static void test_default_heap_cut_at_boundary(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, false);
	ph64(m, 2, PH_VADDR, (512ull << 30) - 0x3000); /* RW segment ends exactly at B */
	assert_int_equal(parse(m, &x, NULL), 0);
	assert_int_equal(x.heap_end, 512ull << 30);
	assert_int_equal(x.segs_end, 512ull << 30);
}

static void test_entry_at_last_code_byte(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	build(m, false);
	put64(m->b + 24, 0x4010ff);
	assert_int_equal(parse(m, &x, NULL), 0);
	put64(m->b + 24, 0x401100);
	assert_int_equal(parse(m, &x, NULL), -QE_NOEXEC);
}

static void test_failure_leaves_out_alone(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x, before;
	memset(&x, 0xab, sizeof(x));
	before = x;
	build(m, false);
	ph64(m, 1, PH_VADDR, 0x401000); /* overlap */
	assert_int_equal(parse(m, &x, NULL), -QE_NOEXEC);
	assert_memory_equal(&x, &before, sizeof(x));
	const char *why = NULL;
	assert_int_equal(elf_parse(NULL, 64, &x, &why), -QE_NOEXEC);
	assert_non_null(why);
}

/* Every prefix of a good image, and every byte set to 0xff: never a read outside it. */
static void test_truncations_and_byte_flips(void **state)
{
	(void)state;
	struct img *m = &the_img;
	struct exec_image x;
	const char *why;
	build(m, true);
	size_t full = m->len;
	for (size_t n = 0; n < full; n += (n < 0x400 || n > NOTE_OFF) ? 1 : 61) {
		m->len = n;
		why = NULL;
		assert_int_equal(parse(m, &x, &why), -QE_NOEXEC);
		assert_non_null(why);
	}
	m->len = full;
	for (size_t i = 0; i < full; i += (i < 0x400 || i >= NOTE_OFF) ? 1 : 97) {
		uint8_t old = m->b[i];
		m->b[i] = 0xff;
		why = NULL;
		int r = parse(m, &x, &why);
		assert_true(r == 0 || (r == -QE_NOEXEC && why != NULL));
		m->b[i] = old;
	}
}

/* ---- one broken image per check ---- */

struct bad {
	const char *name;
	bool note;                /* start from the image with the note */
	void (*mutate)(struct img *m);
	const char *why;          /* the exact message expected */
};

#define MUT(name) static void mut_##name(struct img *m)
MUT(not_elf) { m->b[1] = 'X'; }
MUT(short_header) { m->len = 40; }
MUT(elf32) { m->b[4] = 1; }
MUT(big_endian) { m->b[5] = 2; }
MUT(elf_version) { put32(m->b + 20, 2); }
MUT(not_x86_64) { put16(m->b + 18, 183); }
MUT(pie) { put16(m->b + 16, 3); }
MUT(ehsize) { put16(m->b + 52, 52); }
MUT(phentsize) { put16(m->b + 54, 32); }
MUT(no_phdrs) { put16(m->b + 56, 0); }
MUT(phdrs_past_end) { put64(m->b + 32, m->len - 100); }
MUT(phoff_wraps) { put64(m->b + 32, ~0ull - 8); }
MUT(filesz_gt_memsz) { ph64(m, 2, PH_FILESZ, 0x3001); }
MUT(file_past_end)
{
	ph64(m, 1, PH_OFFSET, 0x3000);
	ph64(m, 1, PH_FILESZ, 0x101);
	ph64(m, 1, PH_MEMSZ, 0x101);
}
MUT(offset_wraps)
{
	ph64(m, 0, PH_OFFSET, ~0ull - 0xefff);
	ph64(m, 0, PH_FILESZ, 0x10000);
	ph64(m, 0, PH_MEMSZ, 0x10000);
}
MUT(vaddr_wraps) { ph64(m, 2, PH_VADDR, ~0ull - 0xfff); }
MUT(unaligned) { ph64(m, 0, PH_OFFSET, 0x1010); }
MUT(null_page) { ph64(m, 0, PH_VADDR, 0); put64(m->b + 24, 0); }
MUT(below_4mib) { ph64(m, 0, PH_VADDR, 0x3ff000); put64(m->b + 24, 0x3ff000); }
MUT(kernel_space) { ph64(m, 2, PH_VADDR, 0xffff800000000000ull); }
MUT(non_canonical) { ph64(m, 2, PH_VADDR, 0x0000800000000000ull); }
MUT(straddles_top) { ph64(m, 2, PH_VADDR, 0x00007fffffffe000ull); }
MUT(beyond_b) { ph64(m, 2, PH_VADDR, 512ull << 30); }
MUT(beyond_note_b) { ph64(m, 2, PH_VADDR, 1ull << 40); }
MUT(wx) { put32(m->b + PH_AT(2) + PH_FLAGS, PF_R | PF_W | PF_X); }
MUT(empty) { ph64(m, 1, PH_FILESZ, 0); ph64(m, 1, PH_MEMSZ, 0); }
MUT(nine_loads)
{
	for (unsigned k = 0; k < 6; k++)
		add_ph(m, PT_LOAD, PF_R | PF_W, 0x3000, 0x406000 + k * 0x1000, 0, 0x1000, 0x1000);
}
MUT(overlap) { ph64(m, 1, PH_VADDR, 0x401000); ph64(m, 1, PH_OFFSET, 0x1000); }
MUT(share_page) { ph64(m, 1, PH_VADDR, 0x401800); ph64(m, 1, PH_OFFSET, 0x2800); }
MUT(overlap_later)
{
	ph64(m, 2, PH_MEMSZ, 0x100000);
	add_ph(m, PT_LOAD, PF_R | PF_W, 0x3000, 0x4ff000, 0, 0x1000, 0x1000);
}
MUT(entry_in_rodata) { put64(m->b + 24, 0x402000); }
MUT(entry_in_data) { put64(m->b + 24, 0x403000); }
MUT(entry_zero) { put64(m->b + 24, 0); }
MUT(interp) { add_ph(m, PT_INTERP, PF_R, 0x2000, 0x402000, 0x10, 0x10, 1); }
MUT(dynamic) { add_ph(m, PT_DYNAMIC, PF_R | PF_W, 0x3000, 0x403000, 0x10, 0x10, 8); }
MUT(no_loads)
{
	for (unsigned k = 0; k < 3; k++)
		put32(m->b + PH_AT(k), 6 /* PT_PHDR */);
}
MUT(rw_in_code) { ph64(m, 1, PH_VADDR, 0x405000); }
MUT(rw_below_code) { ph64(m, 2, PH_VADDR, 0x400000); }
MUT(note_code_small) { note(m)->code_size = 0x2000; }
MUT(note_data_small) { note(m)->data_size = 0; }
MUT(note_bss_small) { note(m)->bss_size = 0x1000; }
MUT(note_version) { note(m)->version = 2; }
MUT(note_flags) { note(m)->flags = 4; }
MUT(note_b_unaligned) { note(m)->boundary = (512ull << 30) + 0x1000; }
MUT(note_b_zero) { note(m)->boundary = 0; }
MUT(note_b_128tib) { note(m)->boundary = 128ull << 40; }
MUT(note_b_huge) { note(m)->boundary = ~0ull << 39; }
MUT(note_size_unaligned) { note(m)->data_size = 0x1001; }
MUT(note_areas_past_b) { note(m)->bss_size = 1ull << 40; }
MUT(note_size_wraps) { note(m)->bss_size = ~0ull - 0xfff; }
MUT(note_stack_unaligned) { note(m)->stack_size = 0x10001; }
MUT(note_stack_small) { note(m)->stack_size = 0x3000; }
MUT(note_stack_big) { note(m)->stack_size = (1ull << 30) + 0x1000; }
MUT(note_type) { note(m)->type = 2; }
MUT(note_descsz) { note(m)->descsz = 44; }
MUT(note_twice)
{
	memcpy(m->b + NOTE_OFF + NOTE_LEN, &quire_exec_note, NOTE_LEN);
	ph64(m, 4, PH_FILESZ, 2 * NOTE_LEN);
	m->len += NOTE_LEN;
}
MUT(note_cut) { ph64(m, 4, PH_FILESZ, NOTE_LEN - 4); }
MUT(note_namesz_huge) { note(m)->namesz = 0xffffffff; }
MUT(note_descsz_huge) { note(m)->descsz = 0xfffffff0; }
MUT(note_past_end) { ph64(m, 4, PH_OFFSET, m->len - 8); }

static const struct bad bad_images[] = {
	{ "not_elf", false, mut_not_elf, "not an ELF file" },
	{ "short_header", false, mut_short_header, "truncated: shorter than the ELF header" },
	{ "elf32", false, mut_elf32, "not ELF64" },
	{ "big_endian", false, mut_big_endian, "not little-endian" },
	{ "elf_version", false, mut_elf_version, "not ELF version 1" },
	{ "not_x86_64", false, mut_not_x86_64, "not x86_64" },
	{ "pie", false, mut_pie, "not ET_EXEC (a static, position-dependent executable)" },
	{ "ehsize", false, mut_ehsize, "ELF header size is not 64" },
	{ "phentsize", false, mut_phentsize, "program header size is not 56" },
	{ "no_phdrs", false, mut_no_phdrs, "no program headers" },
	{ "phdrs_past_end", false, mut_phdrs_past_end, "program header table outside the file" },
	{ "phoff_wraps", false, mut_phoff_wraps, "program header table outside the file" },
	{ "filesz_gt_memsz", false, mut_filesz_gt_memsz, "segment 2 has filesz larger than memsz" },
	{ "file_past_end", false, mut_file_past_end, "segment 1 file range outside the image" },
	{ "offset_wraps", false, mut_offset_wraps, "segment 0 address or offset arithmetic wraps" },
	{ "vaddr_wraps", false, mut_vaddr_wraps, "segment 2 address or offset arithmetic wraps" },
	{ "unaligned", false, mut_unaligned, "segment 0 unaligned: vaddr and offset differ modulo 4096" },
	{ "null_page", false, mut_null_page, "segment 0 below 4 MiB (0x400000)" },
	{ "below_4mib", false, mut_below_4mib, "segment 0 below 4 MiB (0x400000)" },
	{ "kernel_space", false, mut_kernel_space, "segment 2 in kernel space or non-canonical" },
	{ "non_canonical", false, mut_non_canonical, "segment 2 in kernel space or non-canonical" },
	{ "straddles_top", false, mut_straddles_top, "segment 2 in kernel space or non-canonical" },
	{ "beyond_b", false, mut_beyond_b, "segment 2 ends beyond the boundary B" },
	{ "beyond_note_b", true, mut_beyond_note_b, "segment 2 ends beyond the boundary B" },
	{ "wx", false, mut_wx, "segment 2 writable and executable (W^X)" },
	{ "empty", false, mut_empty, "segment 1 is empty (memsz 0)" },
	{ "nine_loads", false, mut_nine_loads, "more than 8 loadable segments" },
	{ "overlap", false, mut_overlap, "segment 1 overlaps segment 0" },
	{ "share_page", false, mut_share_page, "segment 1 overlaps segment 0" },
	{ "overlap_later", false, mut_overlap_later, "segment 3 overlaps segment 2" },
	{ "entry_in_rodata", false, mut_entry_in_rodata, "entry point not in an executable segment" },
	{ "entry_in_data", false, mut_entry_in_data, "entry point not in an executable segment" },
	{ "entry_zero", false, mut_entry_zero, "entry point not in an executable segment" },
	{ "interp", false, mut_interp, "PT_INTERP: dynamic linking is not supported" },
	{ "dynamic", false, mut_dynamic, "PT_DYNAMIC: dynamic linking is not supported" },
	{ "no_loads", false, mut_no_loads, "no loadable segment" },
	{ "rw_in_code", false, mut_rw_in_code, "segment 2 is writable but starts in the code area" },
	{ "rw_below_code", false, mut_rw_below_code, "segment 2 is writable but starts in the code area" },
	{ "note_code_small", true, mut_note_code_small,
	  "segment 1 does not fit in the code area (code_size too small)" },
	{ "note_data_small", true, mut_note_data_small,
	  "segment 2 file data does not fit in the data area (data_size too small)" },
	{ "note_bss_small", true, mut_note_bss_small,
	  "segment 2 ends beyond the uninitialised-data area (bss_size too small)" },
	{ "note_version", true, mut_note_version, "note: unknown version" },
	{ "note_flags", true, mut_note_flags, "note: unknown flag bits set" },
	{ "note_b_unaligned", true, mut_note_b_unaligned, "note: boundary not a multiple of 512 GiB" },
	{ "note_b_zero", true, mut_note_b_zero, "note: boundary below 512 GiB" },
	{ "note_b_128tib", true, mut_note_b_128tib, "note: boundary not below 128 TiB" },
	{ "note_b_huge", true, mut_note_b_huge, "note: boundary not below 128 TiB" },
	{ "note_size_unaligned", true, mut_note_size_unaligned,
	  "note: an area size is not a multiple of 4 KiB" },
	{ "note_areas_past_b", true, mut_note_areas_past_b, "note: areas end beyond the boundary B" },
	{ "note_size_wraps", true, mut_note_size_wraps, "note: areas end beyond the boundary B" },
	{ "note_stack_unaligned", true, mut_note_stack_unaligned,
	  "note: stack_size not a multiple of 4 KiB" },
	{ "note_stack_small", true, mut_note_stack_small, "note: stack_size outside 16 KiB .. 1 GiB" },
	{ "note_stack_big", true, mut_note_stack_big, "note: stack_size outside 16 KiB .. 1 GiB" },
	{ "note_type", true, mut_note_type, "note: unknown Quire note type" },
	{ "note_descsz", true, mut_note_descsz, "note: desc size is not 48" },
	{ "note_twice", true, mut_note_twice, "note: more than one Quire note" },
	{ "note_cut", true, mut_note_cut, "note: an entry runs past its segment" },
	{ "note_namesz_huge", true, mut_note_namesz_huge, "note: an entry runs past its segment" },
	{ "note_descsz_huge", true, mut_note_descsz_huge, "note: an entry runs past its segment" },
	{ "note_past_end", true, mut_note_past_end, "note segment outside the file" },
};

static void test_bad_image(void **state)
{
	const struct bad *c = *state;
	struct img *m = &the_img;
	struct exec_image x;
	const char *why = NULL;
	build(m, c->note);
	assert_int_equal(parse(m, &x, &why), 0); /* the base image is good... */
	c->mutate(m);
	why = NULL;
	assert_int_equal(parse(m, &x, &why), -QE_NOEXEC); /* ...and this one change breaks it */
	assert_non_null(why);
	if (strcmp(why, c->why) != 0)
		fail_msg("%s: got \"%s\", expected \"%s\"", c->name, why, c->why);
}

int main(void)
{
	static const struct CMUnitTest good[] = {
		cmocka_unit_test(test_good_without_note),
		cmocka_unit_test(test_good_with_note),
		cmocka_unit_test(test_ld_layout),
		cmocka_unit_test(test_note_sizes_are_budgets),
		cmocka_unit_test(test_user_header_matches_kernel),
		cmocka_unit_test(test_eight_segments),
		cmocka_unit_test(test_note_padding_4_and_8),
		cmocka_unit_test(test_foreign_note_only_gives_defaults),
		cmocka_unit_test(test_default_heap_cut_at_boundary),
		cmocka_unit_test(test_entry_at_last_code_byte),
		cmocka_unit_test(test_failure_leaves_out_alone),
		cmocka_unit_test(test_truncations_and_byte_flips),
	};
	size_t ngood = sizeof(good) / sizeof(good[0]);
	size_t nbad = sizeof(bad_images) / sizeof(bad_images[0]);
	struct CMUnitTest *t = calloc(ngood + nbad, sizeof(*t));
	char (*names)[64] = calloc(nbad, 64);
	memcpy(t, good, sizeof(good));
	for (size_t i = 0; i < nbad; i++) {
		snprintf(names[i], 64, "refuses_%s", bad_images[i].name);
		t[ngood + i] = (struct CMUnitTest){ names[i], test_bad_image, NULL, NULL,
						    (void *)&bad_images[i] };
	}
	int r = _cmocka_run_group_tests("elf", t, ngood + nbad, NULL, NULL);
	free(names);
	free(t);
	return r;
}
