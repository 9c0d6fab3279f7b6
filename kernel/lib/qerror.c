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
	{ QE_FBIG, "QE_FBIG" }, { QE_NOSPC, "QE_NOSPC" }, { QE_ROFS, "QE_ROFS" },
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
