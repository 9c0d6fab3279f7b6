/*
 * files.c - the user side of the file system calls (kernel/proc/abi.h SYS_OPEN ..
 * SYS_STATFS; specs/files.md): thin wrappers that take C strings. Handles belong to the
 * thread that opened them.
 */
#include "quire.h"

static int64_t call_path(uint64_t nr, const char *path, uint64_t a2, uint64_t a3, uint64_t a4)
{
	return quire_syscall6(nr, (uint64_t)path, path ? strlen(path) : 0, a2, a3, a4, 0);
}

int64_t file_open(const char *path, int flags)
{
	return call_path(SYS_OPEN, path, (uint64_t)flags, 0, 0);
}

int64_t file_read(int64_t h, uint64_t off, void *buf, size_t nbytes)
{
	return quire_syscall6(SYS_READ, (uint64_t)h, off, (uint64_t)buf, nbytes, 0, 0);
}

int64_t file_write(int64_t h, uint64_t off, const void *buf, size_t nbytes)
{
	return quire_syscall6(SYS_PWRITE, (uint64_t)h, off, (uint64_t)buf, nbytes, 0, 0);
}

int64_t file_close(int64_t h)
{
	return quire_syscall6(SYS_CLOSE, (uint64_t)h, 0, 0, 0, 0, 0);
}

int64_t file_abort(int64_t h)
{
	return quire_syscall6(SYS_ABORT, (uint64_t)h, 0, 0, 0, 0, 0);
}

int64_t file_size(int64_t h)
{
	return quire_syscall6(SYS_FSIZE, (uint64_t)h, 0, 0, 0, 0, 0);
}

int64_t file_truncate(int64_t h, uint64_t size)
{
	return quire_syscall6(SYS_TRUNCATE, (uint64_t)h, size, 0, 0, 0, 0);
}

int64_t file_stat(const char *path, struct quire_stat *st)
{
	return call_path(SYS_STAT, path, (uint64_t)st, 0, 0);
}

int64_t file_versions(const char *path, struct quire_version *v, size_t max)
{
	return call_path(SYS_VERSIONS, path, (uint64_t)v, max, 0);
}

int64_t dir_list(const char *path, struct quire_dirent *d, size_t max, size_t skip)
{
	return call_path(SYS_READDIR, path, (uint64_t)d, max, skip);
}

int64_t dir_make(const char *path)
{
	return call_path(SYS_MKDIR, path, 0, 0, 0);
}

int64_t dir_remove(const char *path)
{
	return call_path(SYS_RMDIR, path, 0, 0, 0);
}

int64_t file_delete(const char *path)
{
	return call_path(SYS_DELETE, path, 0, 0, 0);
}

int64_t file_purge(const char *path, uint32_t keep)
{
	return call_path(SYS_PURGE, path, keep, 0, 0);
}

int64_t file_set_limit(const char *path, uint32_t limit)
{
	return call_path(SYS_SETLIMIT, path, limit, 0, 0);
}

int64_t fs_info(struct quire_statfs *st)
{
	return quire_syscall6(SYS_STATFS, (uint64_t)st, 0, 0, 0, 0, 0);
}

/* ---- file mappings (SYS_MAP .. SYS_MAPINFO; specs/mappings.md) ---- */

void *map_file(const char *path, int flags, void *addr, uint64_t offset, uint64_t nbytes)
{
	int64_t r = quire_syscall6(SYS_MAP, (uint64_t)path, path ? strlen(path) : 0, (uint64_t)flags, (uint64_t)addr,
				   offset, nbytes);
	return (void *)r;
}

int64_t map_file_err(const void *mapped)
{
	int64_t r = (int64_t)mapped;
	return r < 0 && r > -4096 ? r : 0;
}

int64_t unmap_file(void *addr, int flags)
{
	return quire_syscall6(SYS_UNMAP, (uint64_t)addr, (uint64_t)flags, 0, 0, 0, 0);
}

int64_t map_info(const void *addr, struct quire_mapinfo *info)
{
	return quire_syscall6(SYS_MAPINFO, (uint64_t)addr, (uint64_t)info, 0, 0, 0, 0);
}
