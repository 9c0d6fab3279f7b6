/*
 * elf.c - check a Quire executable and compute its areas (specs/executable.md).
 * Keeps: no byte outside [image, image + len) is read; every offset is compared with
 * what is left of the image before use, so no sum can wrap. The first failed check wins,
 * in this order: ELF header, each program header in turn, the Quire note, the layout.
 */
#include "elf.h"

#include "lib/kstring.h"

/* ELF64 header and program header fields used here (System V gABI, ELF-64 Object Format). */
enum {
	EH_CLASS = 4, EH_DATA = 5, EH_IDVERSION = 6, EH_TYPE = 16, EH_MACHINE = 18,
	EH_VERSION = 20, EH_ENTRY = 24, EH_PHOFF = 32, EH_EHSIZE = 52, EH_PHENTSIZE = 54,
	EH_PHNUM = 56, EH_SIZE = 64,
	PH_TYPE = 0, PH_FLAGS = 4, PH_OFFSET = 8, PH_VADDR = 16, PH_FILESZ = 32, PH_MEMSZ = 40,
	PH_ALIGN = 48, PH_SIZE = 56,
	NOTE_HDR = 12,
};
enum { ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1, ET_EXEC = 2, EM_X86_64 = 62 };
enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4 };
enum { PF_X = 1, PF_W = 2, PF_R = 4 };

/* The per-segment messages: "segment N ..." for N = 0..7 (N counts PT_LOAD entries). */
enum seg_err {
	SE_EMPTY, SE_FILESZ, SE_WRAP, SE_FILE, SE_ALIGN, SE_LOW, SE_KERNEL, SE_WX,
	SE_BEYOND_B, SE_CODE, SE_DATA_START, SE_DATA_FILE, SE_BSS, SE_COUNT
};
#define SEG_ROW(text)                                                                      \
	{ "segment 0 " text, "segment 1 " text, "segment 2 " text, "segment 3 " text,      \
	  "segment 4 " text, "segment 5 " text, "segment 6 " text, "segment 7 " text }
_Static_assert(ELF_MAX_SEGMENTS == 8, "SEG_ROW and OVL_ROW spell out 8 segments");

static const char *const seg_why[SE_COUNT][ELF_MAX_SEGMENTS] = {
	[SE_EMPTY] = SEG_ROW("is empty (memsz 0)"),
	[SE_FILESZ] = SEG_ROW("has filesz larger than memsz"),
	[SE_WRAP] = SEG_ROW("address or offset arithmetic wraps"),
	[SE_FILE] = SEG_ROW("file range outside the image"),
	[SE_ALIGN] = SEG_ROW("unaligned: vaddr and offset differ modulo 4096"),
	[SE_LOW] = SEG_ROW("below 4 MiB (0x400000)"),
	[SE_KERNEL] = SEG_ROW("in kernel space or non-canonical"),
	[SE_WX] = SEG_ROW("writable and executable (W^X)"),
	[SE_BEYOND_B] = SEG_ROW("ends beyond the boundary B"),
	[SE_CODE] = SEG_ROW("does not fit in the code area (code_size too small)"),
	[SE_DATA_START] = SEG_ROW("is writable but starts in the code area"),
	[SE_DATA_FILE] = SEG_ROW("file data does not fit in the data area (data_size too small)"),
	[SE_BSS] = SEG_ROW("ends beyond the uninitialised-data area (bss_size too small)"),
};

#define OVL(i, j) "segment " #i " overlaps segment " #j
#define OVL_ROW(i) \
	{ OVL(i, 0), OVL(i, 1), OVL(i, 2), OVL(i, 3), OVL(i, 4), OVL(i, 5), OVL(i, 6), OVL(i, 7) }
static const char *const ovl_why[ELF_MAX_SEGMENTS][ELF_MAX_SEGMENTS] = {
	OVL_ROW(0), OVL_ROW(1), OVL_ROW(2), OVL_ROW(3),
	OVL_ROW(4), OVL_ROW(5), OVL_ROW(6), OVL_ROW(7),
};

struct parse {
	const unsigned char *b;
	uint64_t len;
	const char **why;
	uint64_t code_size, data_size, bss_size; /* the note's; no note: what the segments need */
	struct exec_image img;
};

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int fail(struct parse *p, const char *msg)
{
	if (p->why)
		*p->why = msg;
	return -QE_NOEXEC;
}

/* in_image - true when [off, off + n) lies inside the image; cannot wrap. */
static bool in_image(const struct parse *p, uint64_t off, uint64_t n)
{
	return off <= p->len && n <= p->len - off;
}

static uint64_t page_up(uint64_t x) { return PAGE_ALIGN_UP(x); }
static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* check_header - the ELF header; sets *phoff and *phnum to a table inside the image. */
static int check_header(struct parse *p, uint64_t *phoff, uint64_t *phnum)
{
	const unsigned char *b = p->b;
	if (p->len < 4 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return fail(p, "not an ELF file");
	if (p->len < EH_SIZE)
		return fail(p, "truncated: shorter than the ELF header");
	if (b[EH_CLASS] != ELFCLASS64)
		return fail(p, "not ELF64");
	if (b[EH_DATA] != ELFDATA2LSB)
		return fail(p, "not little-endian");
	if (b[EH_IDVERSION] != EV_CURRENT || rd32(b + EH_VERSION) != EV_CURRENT)
		return fail(p, "not ELF version 1");
	if (rd16(b + EH_MACHINE) != EM_X86_64)
		return fail(p, "not x86_64");
	if (rd16(b + EH_TYPE) != ET_EXEC)
		return fail(p, "not ET_EXEC (a static, position-dependent executable)");
	if (rd16(b + EH_EHSIZE) != EH_SIZE)
		return fail(p, "ELF header size is not 64");
	if (rd16(b + EH_PHENTSIZE) != PH_SIZE)
		return fail(p, "program header size is not 56");
	*phoff = rd64(b + EH_PHOFF);
	*phnum = rd16(b + EH_PHNUM);
	if (*phnum == 0)
		return fail(p, "no program headers");
	if (!in_image(p, *phoff, *phnum * PH_SIZE))
		return fail(p, "program header table outside the file");
	p->img.entry = rd64(b + EH_ENTRY);
	return 0;
}

/* check_load - one PT_LOAD at @ph, the @i-th; the checks that need no layout. */
static int check_load(struct parse *p, const unsigned char *ph, unsigned i)
{
	if (i >= ELF_MAX_SEGMENTS)
		return fail(p, "more than 8 loadable segments");
	struct exec_segment *s = &p->img.seg[i];
	uint32_t flags = rd32(ph + PH_FLAGS);
	s->offset = rd64(ph + PH_OFFSET);
	s->va = rd64(ph + PH_VADDR);
	s->filesz = rd64(ph + PH_FILESZ);
	s->memsz = rd64(ph + PH_MEMSZ);
	if (s->memsz == 0)
		return fail(p, seg_why[SE_EMPTY][i]);
	if (s->filesz > s->memsz)
		return fail(p, seg_why[SE_FILESZ][i]);
	if (s->va + s->memsz < s->va || s->offset + s->filesz < s->offset)
		return fail(p, seg_why[SE_WRAP][i]);
	if (!in_image(p, s->offset, s->filesz))
		return fail(p, seg_why[SE_FILE][i]);
	if ((s->va & PAGE_MASK) != (s->offset & PAGE_MASK))
		return fail(p, seg_why[SE_ALIGN][i]);
	if (s->va < ELF_USER_MIN)
		return fail(p, seg_why[SE_LOW][i]);
	if (s->va + s->memsz > ELF_USER_TOP)
		return fail(p, seg_why[SE_KERNEL][i]);
	if ((flags & PF_W) && (flags & PF_X))
		return fail(p, seg_why[SE_WX][i]);
	s->prot = (flags & PF_W) ? PTE_PROT_RW : (flags & PF_X) ? PTE_PROT_RX : PTE_PROT_R;
	p->img.nsegs = i + 1;
	return 0;
}

/* check_note_desc - the 48-byte desc of the Quire note at file offset @off. */
static int check_note_desc(struct parse *p, uint64_t off)
{
	const unsigned char *d = p->b + off;
	struct exec_image *img = &p->img;
	uint64_t code = rd64(d + 16), data = rd64(d + 24), bss = rd64(d + 32);
	if (rd32(d) != ELF_NOTE_VERSION)
		return fail(p, "note: unknown version");
	img->flags = rd32(d + 4);
	if (img->flags & ~EXEC_FLAGS_ALL)
		return fail(p, "note: unknown flag bits set");
	img->boundary = rd64(d + 8);
	if (img->boundary % ELF_PML4_SPAN)
		return fail(p, "note: boundary not a multiple of 512 GiB");
	if (img->boundary < ELF_PML4_SPAN)
		return fail(p, "note: boundary below 512 GiB");
	if (img->boundary >= ELF_USER_TOP)
		return fail(p, "note: boundary not below 128 TiB");
	if ((code | data | bss) & PAGE_MASK)
		return fail(p, "note: an area size is not a multiple of 4 KiB");
	if (code >= ELF_USER_TOP || data >= ELF_USER_TOP || bss >= ELF_USER_TOP ||
	    ELF_USER_MIN + code + data + bss > img->boundary)
		return fail(p, "note: areas end beyond the boundary B");
	img->stack_size = rd64(d + 40);
	if (img->stack_size & PAGE_MASK)
		return fail(p, "note: stack_size not a multiple of 4 KiB");
	if (img->stack_size < EXEC_STACK_MIN || img->stack_size > EXEC_STACK_MAX)
		return fail(p, "note: stack_size outside 16 KiB .. 1 GiB");
	p->code_size = code;
	p->data_size = data;
	p->bss_size = bss;
	img->has_note = true;
	return 0;
}

/* check_note - a note named "Quire\0" whose @descsz-byte desc at @desc_off is in the image. */
static int check_note(struct parse *p, uint32_t type, uint64_t descsz, uint64_t desc_off)
{
	if (p->img.has_note)
		return fail(p, "note: more than one Quire note");
	if (type != ELF_NOTE_EXEC)
		return fail(p, "note: unknown Quire note type");
	if (descsz != ELF_NOTE_DESCSZ)
		return fail(p, "note: desc size is not 48");
	return check_note_desc(p, desc_off);
}

/* check_notes - walk the notes of a PT_NOTE at @ph; entries padded to 8 when p_align is 8. */
static int check_notes(struct parse *p, const unsigned char *ph)
{
	uint64_t off = rd64(ph + PH_OFFSET), size = rd64(ph + PH_FILESZ);
	uint64_t pad = rd64(ph + PH_ALIGN) == 8 ? 7 : 3;
	if (!in_image(p, off, size))
		return fail(p, "note segment outside the file");
	while (size >= NOTE_HDR) {
		const unsigned char *n = p->b + off;
		uint64_t namesz = rd32(n), descsz = rd32(n + 4), rest = size - NOTE_HDR;
		uint64_t name_len = (namesz + pad) & ~pad, desc_len = (descsz + pad) & ~pad;
		if (name_len > rest || descsz > rest - name_len)
			return fail(p, "note: an entry runs past its segment");
		if (namesz == ELF_NOTE_NAMESZ && memcmp(n + NOTE_HDR, "Quire", ELF_NOTE_NAMESZ) == 0) {
			int err = check_note(p, rd32(n + 8), descsz, off + NOTE_HDR + name_len);
			if (err)
				return err;
		}
		rest -= name_len; /* the last entry's desc padding may be cut off */
		uint64_t step = NOTE_HDR + name_len + (desc_len < rest ? desc_len : rest);
		off += step;
		size -= step;
	}
	return 0;
}

/* check_phdrs - every program header in order: loads, notes, refusals. */
static int check_phdrs(struct parse *p, uint64_t phoff, uint64_t phnum)
{
	unsigned nload = 0;
	for (uint64_t k = 0; k < phnum; k++) {
		const unsigned char *ph = p->b + phoff + k * PH_SIZE;
		int err = 0;
		switch (rd32(ph + PH_TYPE)) {
		case PT_LOAD: err = check_load(p, ph, nload++); break;
		case PT_NOTE: err = check_notes(p, ph); break;
		case PT_INTERP: return fail(p, "PT_INTERP: dynamic linking is not supported");
		case PT_DYNAMIC: return fail(p, "PT_DYNAMIC: dynamic linking is not supported");
		default: break; /* PT_GNU_STACK, PT_TLS, PT_PHDR, ...: nothing to load */
		}
		if (err)
			return err;
	}
	if (nload == 0)
		return fail(p, "no loadable segment");
	return 0;
}

/*
 * layout - the areas. The segments place them: code ends at the last page of the R/RX
 * segments, data at the last page holding RW file bytes, and the uninitialised area is
 * bss_size bytes from there. Without a note, bss_size covers the RW zero tails plus
 * EXEC_DEFAULT_HEAP (cut at B), and code_size/data_size are what the segments need.
 */
static void layout(struct parse *p)
{
	struct exec_image *img = &p->img;
	uint64_t code_end = ELF_USER_MIN, data_end = 0, segs_end = 0;
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct exec_segment *s = &img->seg[i];
		segs_end = max64(segs_end, page_up(s->va + s->memsz));
		if (s->prot != PTE_PROT_RW)
			code_end = max64(code_end, page_up(s->va + s->memsz));
		else if (s->filesz)
			data_end = max64(data_end, page_up(s->va + s->filesz));
	}
	img->code_start = ELF_USER_MIN;
	img->code_end = img->data_start = code_end;
	img->data_end = img->bss_start = max64(code_end, data_end);
	img->segs_end = max64(img->bss_start, segs_end);
	if (img->has_note) {
		img->heap_end = img->bss_start + p->bss_size;
	} else {
		img->flags = EXEC_DEFAULT_FLAGS;
		img->boundary = EXEC_DEFAULT_BOUNDARY;
		img->stack_size = EXEC_DEFAULT_STACK;
		p->code_size = img->code_end - img->code_start;
		p->data_size = img->data_end - img->data_start;
		img->heap_end = img->segs_end + EXEC_DEFAULT_HEAP;
		if (img->heap_end > img->boundary)
			img->heap_end = img->boundary;
	}
	img->process_demand = (img->flags & EXEC_DEMAND_PROCESS) != 0;
	img->thread_demand = (img->flags & EXEC_DEMAND_THREAD) != 0;
}

/*
 * check_placement - every segment inside its area and the note's sizes, no two segments
 * sharing a page, the entry in an RX segment.
 */
static int check_placement(struct parse *p)
{
	const struct exec_image *img = &p->img;
	bool entry_ok = false;
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct exec_segment *s = &img->seg[i];
		uint64_t end = s->va + s->memsz;
		if (end > img->boundary)
			return fail(p, seg_why[SE_BEYOND_B][i]);
		if (s->prot != PTE_PROT_RW && end > img->code_start + p->code_size)
			return fail(p, seg_why[SE_CODE][i]);
		if (s->prot == PTE_PROT_RW && s->va < img->data_start)
			return fail(p, seg_why[SE_DATA_START][i]);
		if (s->prot == PTE_PROT_RW && s->filesz &&
		    s->va + s->filesz > img->data_start + p->data_size)
			return fail(p, seg_why[SE_DATA_FILE][i]);
		if (s->prot == PTE_PROT_RW && end > img->heap_end)
			return fail(p, seg_why[SE_BSS][i]);
		for (unsigned j = 0; j < i; j++) {
			const struct exec_segment *t = &img->seg[j];
			if (PAGE_ALIGN_DOWN(s->va) < page_up(t->va + t->memsz) &&
			    PAGE_ALIGN_DOWN(t->va) < page_up(end))
				return fail(p, ovl_why[i][j]);
		}
		if (s->prot == PTE_PROT_RX && img->entry >= s->va && img->entry < end)
			entry_ok = true;
	}
	if (!entry_ok)
		return fail(p, "entry point not in an executable segment");
	return 0;
}

int elf_parse(const void *image, size_t len, struct exec_image *out, const char **why)
{
	struct parse p = { .b = image, .len = len, .why = why };
	uint64_t phoff, phnum;
	int err;
	if (!image)
		return fail(&p, "no image");
	err = check_header(&p, &phoff, &phnum);
	if (!err)
		err = check_phdrs(&p, phoff, phnum);
	if (err)
		return err;
	layout(&p);
	err = check_placement(&p);
	if (err)
		return err;
	*out = p.img;
	return 0;
}
