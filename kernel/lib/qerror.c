/*
 * qerror.c - names of the QE_* error codes (lib/qerror.h), for messages people read.
 */
#include "lib/qerror.h"

struct qerror_entry {
	int code;
	const char *name;
};

static const struct qerror_entry qerror_names[] = {
	{ QE_PERM, "QE_PERM" }, { QE_NOENT, "QE_NOENT" }, { QE_SRCH, "QE_SRCH" },
	{ QE_IO, "QE_IO" }, { QE_NOEXEC, "QE_NOEXEC" }, { QE_BADF, "QE_BADF" },
	{ QE_AGAIN, "QE_AGAIN" }, { QE_NOMEM, "QE_NOMEM" }, { QE_FAULT, "QE_FAULT" },
	{ QE_BUSY, "QE_BUSY" }, { QE_EXIST, "QE_EXIST" }, { QE_NODEV, "QE_NODEV" },
	{ QE_NOTDIR, "QE_NOTDIR" }, { QE_ISDIR, "QE_ISDIR" }, { QE_INVAL, "QE_INVAL" },
	{ QE_FBIG, "QE_FBIG" }, { QE_NOSPC, "QE_NOSPC" }, { QE_ROFS, "QE_ROFS" }, { QE_PIPE, "QE_PIPE" },
	{ QE_RANGE, "QE_RANGE" }, { QE_NAMETOOLONG, "QE_NAMETOOLONG" }, { QE_NOSYS, "QE_NOSYS" },
	{ QE_NOTEMPTY, "QE_NOTEMPTY" }, { QE_TIMEDOUT, "QE_TIMEDOUT" }, { QE_CORRUPT, "QE_CORRUPT" },
};

const char *qerror_name(long err)
{
	long code = err < 0 ? -err : err;
	for (unsigned i = 0; i < sizeof qerror_names / sizeof qerror_names[0]; i++)
		if (qerror_names[i].code == code)
			return qerror_names[i].name;
	return "QE_?";
}

static const struct qerror_entry qerror_texts[] = {
	{ QE_PERM, "not allowed" }, { QE_NOENT, "no such program, file or name" },
	{ QE_SRCH, "no such process or thread" }, { QE_IO, "device error" },
	{ QE_NOEXEC, "malformed executable" }, { QE_BADF, "not an open handle or port" },
	{ QE_AGAIN, "full or not ready, try again" }, { QE_NOMEM, "out of memory" },
	{ QE_FAULT, "bad address" }, { QE_BUSY, "in use" }, { QE_EXIST, "already exists" },
	{ QE_NODEV, "no such device" }, { QE_NOTDIR, "not a directory" }, { QE_ISDIR, "a directory" },
	{ QE_INVAL, "bad argument" }, { QE_FBIG, "too big" }, { QE_NOSPC, "no space left" },
	{ QE_ROFS, "read-only" }, { QE_PIPE, "the other end is gone" }, { QE_RANGE, "out of range" },
	{ QE_NAMETOOLONG, "name too long" }, { QE_NOSYS, "no such system call" },
	{ QE_NOTEMPTY, "not empty" }, { QE_TIMEDOUT, "timed out" }, { QE_CORRUPT, "damaged on disk" },
};

const char *qerror_text(long err)
{
	long code = err < 0 ? -err : err;
	for (unsigned i = 0; i < sizeof qerror_texts / sizeof qerror_texts[0]; i++)
		if (qerror_texts[i].code == code)
			return qerror_texts[i].name;
	return "unknown error";
}
