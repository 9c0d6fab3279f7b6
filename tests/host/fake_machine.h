/*
 * fake_machine.h - the stand-ins host tests of vm and pmap run on (fake_machine.c): RAM as
 * an array, a memory disk, a scheduler that never really sleeps. What the tests read back.
 */
#ifndef QUIRE_TESTS_FAKE_MACHINE_H
#define QUIRE_TESTS_FAKE_MACHINE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console.h"
#include "panic.h"

struct fake_machine {
	uint8_t *disk;            /* the swap disk's bytes */
	size_t disk_bytes;
	uint64_t disk_reads, disk_writes; /* requests that reached the disk */
	bool fail_next_read;      /* ata_inject_error */
	uint8_t *fsdisk;          /* the file-system disk's bytes (hdd; fake_machine_add_fsdisk) */
	size_t fsdisk_bytes;
	uint64_t fs_reads, fs_writes; /* requests that reached it */
	int table_allocs_left;    /* -1: unlimited; n: page-table pages pmap may still get */
	uint64_t flushes;         /* TLB invalidations pmap asked for */
	uint64_t sleeps_allowed;  /* might_sleep calls */
	bool (*idle_work)(void);  /* what vm asked the idle loop to do (sched_set_idle_work) */
	bool panic_armed;
	jmp_buf panic_jmp;
	char panic_msg[256];
};

extern struct fake_machine fm;

/* fake_machine_init - @ram_mib of "physical memory" under a fresh frame database, and a
 * swap disk of @disk_mib (0: none) named hdb. */
void fake_machine_init(unsigned ram_mib, unsigned disk_mib);

/* fake_machine_add_fsdisk - a second memory disk of @mib, named hdd (for root=hdd). */
void fake_machine_add_fsdisk(unsigned mib);

struct thread;

/* fake_set_current - the thread sched_current() returns from now on (NULL: the default one). */
void fake_set_current(struct thread *t);

/* fake_mkfs - make an empty qfs file system (the core's mkfs, default options) on @bytes of
 * memory at @mem, such as fm.disk or fm.fsdisk. 0 or the core's negative error. */
int fake_mkfs(uint8_t *mem, size_t bytes);

/* fake_machine_free - give it all back. */
void fake_machine_free(void);

#endif
