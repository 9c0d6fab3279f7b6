/*
 * qerror.h - the one error convention of the kernel and its ABI: a function that can fail
 * returns >= 0 (or a pointer, or a value) on success and a negative QE_* code on failure.
 * The numbers are POSIX's, so the file-system core's QFS_E* (translated once, in the glue)
 * and the block devices' codes line up. User programs see the same codes (proc/abi.h).
 * Plain C, no kernel headers: built for the kernel, the user runtime and host tests.
 */
#ifndef QUIRE_LIB_QERROR_H
#define QUIRE_LIB_QERROR_H

/* Error codes (returned negated). specs/syscalls.md says which call gives which. */
enum quire_error {
	QE_PERM = 1,       /* not allowed */
	QE_NOENT = 2,      /* no such program, file or name */
	QE_SRCH = 3,       /* no such process or thread */
	QE_IO = 5,         /* the device reported an error */
	QE_NOEXEC = 8,     /* malformed executable */
	QE_BADF = 9,       /* not an open handle (of this thread) */
	QE_AGAIN = 11,     /* a table is full or the thing is not ready: try again */
	QE_NOMEM = 12,     /* out of memory */
	QE_FAULT = 14,     /* a bad user pointer */
	QE_BUSY = 16,      /* in use */
	QE_EXIST = 17,     /* already exists */
	QE_NODEV = 19,     /* no such device */
	QE_NOTDIR = 20,    /* a path component is not a directory */
	QE_ISDIR = 21,     /* a directory where a file is needed */
	QE_INVAL = 22,     /* a bad argument value */
	QE_FBIG = 27,      /* too big */
	QE_NOSPC = 28,     /* no space left on the device */
	QE_ROFS = 30,      /* read-only (handle or file system) */
	QE_PIPE = 32,      /* the other end is gone: a closed port, its owner ended */
	QE_RANGE = 34,     /* a value outside its range */
	QE_NAMETOOLONG = 36, /* a name or path too long */
	QE_NOSYS = 38,     /* no such system call */
	QE_NOTEMPTY = 39,  /* directory not empty */
	QE_TIMEDOUT = 110, /* the device or the wait timed out */
	QE_CORRUPT = 117,  /* damaged on-disk structure */
};

/* qerror_name - "QE_NOMEM" for 12 (either sign); "QE_?" for an unknown code. */
const char *qerror_name(long err);

/* qerror_text - a few words saying what the code means ("no such process"); "unknown error". */
const char *qerror_text(long err);

#endif
