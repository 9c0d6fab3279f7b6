/*
 * trace.c - page-reference trace files (QPT2, little-endian; tests/pum/README.md):
 *
 *   offset        size        field
 *   0             4           "QPT2"
 *   4             4  u32      npages: dense page numbers 0..npages-1
 *   8             8  u64      nrefs
 *   16            8  u64      events: memory events the records stand for (time base)
 *   24            8*npages    u64 key[page]: owner << 35 | virtual page number
 *   24+8*npages   4*nrefs     u32 record: bit 31 write, bits 30..0 dense page number
 *
 * Files ending in .gz go through gzip(1).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define TRACE_MAX_REFS (1ull << 32)

static FILE *trace_open(const char *path, bool write, bool *piped)
{
	size_t len = strlen(path);
	char cmd[4200];

	*piped = len > 3 && strcmp(path + len - 3, ".gz") == 0;
	if (!*piped)
		return fopen(path, write ? "wb" : "rb");
	if (strchr(path, '\'') != NULL || len > 4000)
		return NULL;
	snprintf(cmd, sizeof cmd, write ? "gzip -c > '%s'" : "gzip -dc < '%s' 2>/dev/null", path);
	return popen(cmd, write ? "w" : "r");
}

static int trace_close(FILE *f, bool piped)
{
	return piped ? (pclose(f) == 0 ? 0 : -1) : (fclose(f) == 0 ? 0 : -1);
}

static void trace_set_name(struct trace *t, const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(t->name, sizeof t->name, "%s", b);
	char *dot = strchr(t->name, '.');
	if (dot)
		*dot = '\0';
}

/* trace_read_body - keys and records after the header; checks every page number. */
static int trace_read_body(FILE *f, struct trace *t, uint64_t n)
{
	t->key = malloc((t->npages ? t->npages : 1) * sizeof *t->key);
	t->ref = malloc((n ? n : 1) * sizeof *t->ref);
	if (t->key == NULL || t->ref == NULL || fread(t->key, 8, t->npages, f) != t->npages ||
	    fread(t->ref, 4, n, f) != n)
		return -1;
	t->n = n;
	for (size_t i = 0; i < n; i++)
		if (TRACE_PAGE(t->ref[i]) >= t->npages)
			return -1;
	return fgetc(f) == EOF ? 0 : -1;
}

int trace_load(const char *path, struct trace *t)
{
	bool piped;
	FILE *f = trace_open(path, false, &piped);
	char magic[4];
	uint64_t n;

	memset(t, 0, sizeof *t);
	if (f == NULL)
		return -1;
	if (fread(magic, 1, 4, f) != 4 || memcmp(magic, TRACE_MAGIC, 4) != 0 ||
	    fread(&t->npages, 4, 1, f) != 1 || fread(&n, 8, 1, f) != 1 || n > TRACE_MAX_REFS ||
	    fread(&t->events, 8, 1, f) != 1 || trace_read_body(f, t, n) != 0) {
		trace_close(f, piped);
		trace_free(t);
		return -1;
	}
	trace_set_name(t, path);
	if (trace_close(f, piped) == 0)
		return 0;
	trace_free(t);
	return -1;
}

int trace_save(const char *path, const struct trace *t)
{
	bool piped;
	uint64_t n = t->n;

	if (t->key == NULL && t->npages > 0)
		return -1;
	FILE *f = trace_open(path, true, &piped);
	if (f == NULL)
		return -1;
	int bad = fwrite(TRACE_MAGIC, 1, 4, f) != 4 || fwrite(&t->npages, 4, 1, f) != 1 ||
		  fwrite(&n, 8, 1, f) != 1 || fwrite(&t->events, 8, 1, f) != 1 ||
		  fwrite(t->key, 8, t->npages, f) != t->npages || fwrite(t->ref, 4, t->n, f) != t->n;
	return trace_close(f, piped) != 0 || bad ? -1 : 0;
}

void trace_free(struct trace *t)
{
	free(t->ref);
	free(t->key);
	t->ref = NULL;
	t->key = NULL;
	t->n = 0;
}

int trace_push(struct trace *t, size_t *cap, uint32_t page, bool write)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4096;
		uint32_t *r = realloc(t->ref, ncap * sizeof *r);
		if (r == NULL)
			return -1;
		t->ref = r;
		*cap = ncap;
	}
	t->ref[t->n++] = page | (write ? TRACE_WRITE : 0);
	if (page >= t->npages)
		t->npages = page + 1;
	return 0;
}

int trace_default_keys(struct trace *t)
{
	free(t->key);
	t->key = malloc((t->npages ? t->npages : 1) * sizeof *t->key);
	if (t->key == NULL)
		return -1;
	for (uint32_t p = 0; p < t->npages; p++)
		t->key[p] = TRACE_KEY(1, 0x400u + p);
	return 0;
}
