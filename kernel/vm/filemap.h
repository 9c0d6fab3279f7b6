/*
 * filemap.h - versioned file mappings (DESIGN §4, §6): mapping a file is opening it,
 * unmapping it is closing it. A read-only mapping pins its version for as long as it
 * exists; a read/write mapping is a private copy (the file system's read/write handle) that
 * becomes the file's next version, atomically, when it is unmapped. Each page of a mapping
 * is the mapping's own frame (one mapping per frame: bytes are copied from the block cache,
 * never shared). Present file pages have page type FILE; pages not read yet hold the
 * not-present "file page" value. A clean page is dropped without a write and read again
 * from the file; a dirty page of a read/write mapping is written into the mapping's private
 * copy (never to swap). specs/mappings.md; the locks: specs/concurrency.md.
 */
#ifndef QUIRE_VM_FILEMAP_H
#define QUIRE_VM_FILEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/types.h"
#include "fs/fs.h"
#include "vm/vmspace.h"

/* Map flags (the ABI's QM_* have the same values: proc/maps.c checks). */
#define VM_MAP_RDWR 0x1   /* a private copy that becomes the next version at unmap */
#define VM_MAP_CREAT 0x2  /* with RDWR: create the file if the name does not exist */
#define VM_MAP_THREAD 0x4 /* with addr 0: place it in the caller's thread space */
#define VM_MAP_FLAGS (VM_MAP_RDWR | VM_MAP_CREAT | VM_MAP_THREAD)

#define VM_MAP_HOLE 0x200000ull /* a kernel-placed mapping keeps 2 MiB unmapped on both sides */

/* What SYS_MAPINFO and the console report about one mapping. */
struct vm_mapinfo {
	vaddr_t start, end;
	uint64_t offset, size;   /* file offset of start; the file's size as the mapping sees it */
	uint32_t version;        /* the version it maps (read/write: the copy's base, 0 for a new file) */
	bool rw;
	uint64_t resident, dirty, not_read; /* pages now */
	uint64_t reads, clean_drops, writebacks; /* since it was mapped (see struct vm_filemap) */
	char path[FS_PATH_MAX];
};

/* Counters of every mapping since boot (the console's `swap` command shows them). */
struct vm_file_counters {
	uint64_t maps, commits;
	uint64_t reads;        /* pages read from a file by faults */
	uint64_t clean_drops;  /* clean file pages evicted without a write */
	uint64_t writebacks;   /* dirty pages eviction wrote into a read/write mapping's copy */
	uint64_t commit_pages; /* dirty pages an unmap wrote into the copy before committing */
	uint64_t read_errors, write_errors;
};

/* vm_file_counters_get - a snapshot of the counters. */
void vm_file_counters_get(struct vm_file_counters *out);

/* vm_file_map - map @path (a kernel string) with VM_MAP_* @flags at @addr (0: the kernel
 * picks, process space unless VM_MAP_THREAD) for @len bytes (0: to the end of the file)
 * from file offset @offset, for the thread owning @ts. The address, or -QE_*: INVAL
 * (unaligned addr or offset, unknown flags, nothing to map, a range over B), EXIST (a
 * region is there), RANGE (a read-only mapping past the end of the file), NOMEM (no free
 * range, no memory for tables), FAULT (outside user space), and the open's errors (NOENT,
 * ISDIR, NODEV, ...). A read/write mapping past the end makes the file's copy that long
 * (zeros). May sleep. */
int64_t vm_file_map(struct vm_tspace *ts, const char *path, unsigned flags, vaddr_t addr, uint64_t offset,
		    uint64_t len);

/* vm_file_unmap - unmap the mapping that starts at @addr: a read/write one commits its copy
 * (dirty pages written into it first) and returns the new version's number; @discard drops
 * the copy instead (0). A read-only one returns 0. -QE_INVAL when no mapping starts there;
 * a failed commit (NOSPC, IO, ...) returns its error with the mapping left as it was (its
 * dirty pages now in the copy): free space and unmap again, or discard. May sleep. */
int64_t vm_file_unmap(struct vm_tspace *ts, vaddr_t addr, bool discard);

/* vm_file_info - describe the mapping holding @addr; 0 or -QE_INVAL. May sleep. */
int vm_file_info(struct vm_tspace *ts, vaddr_t addr, struct vm_mapinfo *out);

/* vm_space_unmap_files, vm_tspace_unmap_files - a process (thread) ending normally: every
 * mapping of process space (of @ts's thread space) is unmapped, read/write ones committed.
 * A commit that fails is reported on the console and its copy dropped. A process killed by
 * a fault does not call these: its copies are dropped with its regions, never committed.
 * May sleep. */
void vm_space_unmap_files(struct vm_space *vs, const char *who);
void vm_tspace_unmap_files(struct vm_tspace *ts, const char *who);

/* vm_print_mappings - one console line per mapping of @vs (process space and every thread
 * space): for the console's process view. Never sleeps (it reads without the space's
 * mutex: one of the one-CPU places listed in specs/concurrency.md). */
void vm_print_mappings(struct vm_space *vs);

#endif
