/*
 * maps.c - the file-mapping calls (SYS_MAP, SYS_UNMAP, SYS_MAPINFO; specs/mappings.md).
 * Arguments are checked and copied into the kernel first; vm/filemap.c does the work. A
 * mapping belongs to its address space, not to a thread: any thread of the process may
 * unmap a process-space mapping; a thread-space one is seen only by its thread.
 */
#include "proc/maps.h"

#include "fs/fs.h"
#include "lib/kstring.h"
#include "proc/abi.h"
#include "proc/process.h"
#include "sched/sched.h"
#include "vm/filemap.h"
#include "vm/uaccess.h"

_Static_assert(VM_MAP_RDWR == QM_RDWR && VM_MAP_CREAT == QM_CREAT && VM_MAP_THREAD == QM_THREAD, "QM_* are VM_MAP_*");
_Static_assert(FS_PATH_MAX == QUIRE_PATH_MAX, "one path limit");

static int64_t sys_map(uint64_t upath, uint64_t len, uint64_t flags, uint64_t addr, uint64_t offset, uint64_t size)
{
	char path[QUIRE_PATH_MAX];
	if (len == 0)
		return -QE_INVAL;
	if (len >= QUIRE_PATH_MAX)
		return -QE_NAMETOOLONG;
	if (copy_from_user(path, upath, len) < 0)
		return -QE_FAULT;
	path[len] = '\0';
	if (strlen(path) != len)
		return -QE_INVAL; /* a NUL inside */
	if (flags > VM_MAP_FLAGS)
		return -QE_INVAL;
	return vm_file_map(sched_current()->vm, path, (unsigned)flags, addr, offset, size);
}

static int64_t sys_mapinfo(uint64_t addr, uint64_t uinfo)
{
	struct thread *t = sched_current();
	struct vm_mapinfo mi;
	if (uaccess_check(uinfo, sizeof(struct quire_mapinfo)) < 0)
		return -QE_FAULT;
	int err = vm_file_info(t->vm, addr, &mi);
	if (err)
		return err;
	struct quire_mapinfo out = {
		.start = mi.start, .end = mi.end, .offset = mi.offset, .size = mi.size, .version = mi.version,
		.flags = (mi.rw ? QM_RDWR : 0) | (mi.start >= t->proc->boundary ? QM_THREAD : 0),
		.resident = mi.resident, .dirty = mi.dirty, .not_read = mi.not_read, .reads = mi.reads,
		.clean_drops = mi.clean_drops, .writebacks = mi.writebacks,
	};
	kstrlcpy(out.path, mi.path, sizeof out.path);
	return copy_to_user(uinfo, &out, sizeof out) < 0 ? -QE_FAULT : 0;
}

int64_t sys_maps(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	switch (nr) {
	case SYS_MAP: return sys_map(a0, a1, a2, a3, a4, a5);
	case SYS_UNMAP:
		if (a1 & ~(uint64_t)QU_DISCARD)
			return -QE_INVAL;
		return vm_file_unmap(sched_current()->vm, a0, a1 & QU_DISCARD);
	case SYS_MAPINFO: return sys_mapinfo(a0, a1);
	default: return -QE_NOSYS;
	}
}
