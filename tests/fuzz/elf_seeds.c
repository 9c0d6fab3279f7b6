/*
 * elf_seeds.c - write the seed corpus of elf_fuzz into the directory argv[1]: small
 * executables (under 1 KiB) of the shapes kernel/proc/elf.c accepts, plus a few it refuses
 * late, so the fuzzer starts deep inside the parser. Host C, run by tests/fuzz.mk.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../apps/include/quire_note.h"

enum { PT_LOAD = 1, PT_INTERP = 3, PT_NOTE = 4, PF_X = 1, PF_W = 2, PF_R = 4 };

struct seed {
	uint8_t b[1024];
	size_t len;
	unsigned phnum;
};

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void ph(struct seed *s, uint32_t type, uint32_t flags, uint64_t off, uint64_t va,
	       uint64_t filesz, uint64_t memsz, uint64_t align)
{
	uint8_t *p = s->b + 64 + 56 * s->phnum++;
	put(p, type, 4);
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, va, 8);
	put(p + 24, va, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, align, 8);
	put(s->b + 56, s->phnum, 2);
}

/* base - header and three loads: RX code at 0x401200, R at 0x402260, RW at 0x403280. */
static void base(struct seed *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->b, "\x7f" "ELF\x02\x01\x01", 7);
	put(s->b + 16, 2, 2);
	put(s->b + 18, 62, 2);
	put(s->b + 20, 1, 4);
	put(s->b + 24, 0x401200, 8);
	put(s->b + 32, 64, 8);
	put(s->b + 52, 64, 2);
	put(s->b + 54, 56, 2);
	ph(s, PT_LOAD, PF_R | PF_X, 0x200, 0x401200, 0x60, 0x60, 0x1000);
	ph(s, PT_LOAD, PF_R, 0x260, 0x402260, 0x20, 0x20, 0x1000);
	ph(s, PT_LOAD, PF_R | PF_W, 0x280, 0x403280, 0x20, 0x2000, 0x1000);
	memset(s->b + 0x200, 0x90, 0x60);
	s->len = 0x2a0;
}

static const struct quire_note_exec note = {
	QUIRE_NOTE_NAMESZ, QUIRE_NOTE_DESCSZ, QUIRE_NOTE_EXEC, QUIRE_NOTE_NAME, QUIRE_NOTE_VERSION,
	QUIRE_NOTE_DEMAND_PROCESS, QUIRE_NOTE_GIB(1024), 0x3000, 0x1000, QUIRE_NOTE_MIB(1),
	QUIRE_NOTE_KIB(64),
};

/* add_notes - a PT_NOTE at the end: a GNU build-id note when @gnu, then the Quire note. */
static void add_notes(struct seed *s, int gnu, unsigned align)
{
	size_t off = s->len, at = off;
	if (gnu) {
		put(s->b + at, 4, 4);
		put(s->b + at + 4, 20, 4);
		put(s->b + at + 8, 3, 4);
		memcpy(s->b + at + 12, "GNU", 4);
		at += 12 + (align == 8 ? 8 : 4) + (align == 8 ? 24 : 20);
	}
	memcpy(s->b + at, &note, sizeof(note));
	at += sizeof(note);
	ph(s, PT_NOTE, PF_R, off, 0, at - off, 0, align);
	s->len = at;
}

static int write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(s->b, 1, s->len, f) != s->len || fclose(f) != 0) {
		perror(path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct seed s;
	int err = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: elf_seeds DIR\n");
		return 2;
	}
	base(&s);
	err |= write_seed(argv[1], "plain", &s);
	base(&s);
	add_notes(&s, 0, 4);
	err |= write_seed(argv[1], "note", &s);
	base(&s);
	add_notes(&s, 1, 8);
	err |= write_seed(argv[1], "build-id-note-align8", &s);
	base(&s);
	for (unsigned k = 0; k < 5; k++)
		ph(&s, PT_LOAD, PF_R | PF_W, 0, 0x406000 + 0x1000 * k, 0, 0x1000, 0x1000);
	err |= write_seed(argv[1], "eight-loads", &s);
	base(&s);
	ph(&s, PT_INTERP, PF_R, 0x260, 0x402260, 0x10, 0x10, 1);
	err |= write_seed(argv[1], "interp", &s);
	return err;
}
