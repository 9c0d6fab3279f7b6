/*
 * quire_note.h - the Quire executable note, user side. Include it in exactly one .c file
 * of a program and write, at file scope, for example:
 *
 *   QUIRE_EXEC_NOTE(QUIRE_NOTE_GIB(512), QUIRE_NOTE_MIB(1), QUIRE_NOTE_MIB(1),
 *                   QUIRE_NOTE_MIB(64), QUIRE_NOTE_KIB(64), QUIRE_NOTE_DEMAND_ALL);
 *
 * The note goes into section .note.quire, which the apps' linker script keeps in a PT_NOTE
 * segment. specs/executable.md defines it and the checks the kernel makes
 * (kernel/proc/elf.h mirrors these values). A program without the note gets the defaults.
 */
#ifndef QUIRE_NOTE_H
#define QUIRE_NOTE_H

#include <stdint.h>

#define QUIRE_NOTE_SECTION ".note.quire"
#define QUIRE_NOTE_NAME "Quire"      /* namesz 6: the terminating NUL counts */
#define QUIRE_NOTE_NAMESZ 6
#define QUIRE_NOTE_EXEC 1            /* note type: the executable note */
#define QUIRE_NOTE_VERSION 1
#define QUIRE_NOTE_DESCSZ 48

/* flags: which regions are allocate-on-demand by default; other bits must be 0. */
#define QUIRE_NOTE_DEMAND_PROCESS (1u << 0) /* process space [0, B) */
#define QUIRE_NOTE_DEMAND_THREAD (1u << 1)  /* each thread's space [B, 128 TiB) */
#define QUIRE_NOTE_DEMAND_ALL (QUIRE_NOTE_DEMAND_PROCESS | QUIRE_NOTE_DEMAND_THREAD)

/* Sizes: areas and stacks are whole 4 KiB pages; B is k * 512 GiB, below 128 TiB. */
#define QUIRE_NOTE_KIB(n) ((uint64_t)(n) << 10)
#define QUIRE_NOTE_MIB(n) ((uint64_t)(n) << 20)
#define QUIRE_NOTE_GIB(n) ((uint64_t)(n) << 30)
#define QUIRE_NOTE_BOUNDARY_UNIT QUIRE_NOTE_GIB(512)
#define QUIRE_NOTE_STACK_MIN QUIRE_NOTE_KIB(16)
#define QUIRE_NOTE_STACK_MAX QUIRE_NOTE_GIB(1)
#define QUIRE_NOTE_CODE_START 0x400000ull /* where the code area begins */

/*
 * The whole note as it lies in the section: ELF note header, name padded to 4 bytes,
 * desc. Packed, 4-byte aligned (the usual note padding); x86_64 is little-endian.
 */
struct quire_note_exec {
	uint32_t namesz;     /* QUIRE_NOTE_NAMESZ */
	uint32_t descsz;     /* QUIRE_NOTE_DESCSZ */
	uint32_t type;       /* QUIRE_NOTE_EXEC */
	char name[8];        /* "Quire\0" + 2 bytes of padding */
	uint32_t version;    /* desc +0: QUIRE_NOTE_VERSION */
	uint32_t flags;      /* desc +4: QUIRE_NOTE_DEMAND_* */
	uint64_t boundary;   /* desc +8: B */
	uint64_t code_size;  /* desc +16: most the code area (R/X, from 0x400000) may hold */
	uint64_t data_size;  /* desc +24: most the data area (R/W, after the code) may hold */
	uint64_t bss_size;   /* desc +32: the uninitialised area after the data: bss + heap */
	uint64_t stack_size; /* desc +40: each thread's initial stack */
} __attribute__((packed, aligned(4)));

_Static_assert(sizeof(struct quire_note_exec) == 12 + 8 + QUIRE_NOTE_DESCSZ,
	       "header, padded name, desc");
_Static_assert(__builtin_offsetof(struct quire_note_exec, version) == 20 &&
		       __builtin_offsetof(struct quire_note_exec, stack_size) == 20 + 40,
	       "desc layout of specs/executable.md");

/* QUIRE_EXEC_NOTE - emit the note (once per program, at file scope). */
#define QUIRE_EXEC_NOTE(boundary_, code_size_, data_size_, bss_size_, stack_size_, flags_) \
	__attribute__((section(QUIRE_NOTE_SECTION), used, aligned(4)))                    \
	static const struct quire_note_exec quire_exec_note = {                           \
		QUIRE_NOTE_NAMESZ, QUIRE_NOTE_DESCSZ, QUIRE_NOTE_EXEC, QUIRE_NOTE_NAME,   \
		QUIRE_NOTE_VERSION, (flags_), (boundary_), (code_size_), (data_size_),    \
		(bss_size_), (stack_size_)                                                 \
	}

#endif
