/*
 * fstest.h - helpers shared by the qfs host tests (module prefix fst_): a deterministic
 * environment that counts allocations, whole-file put/get, a canonical hash of the
 * whole file-system state, and an fsck wrapper.
 */
#ifndef FSTEST_H
#define FSTEST_H

#include <stddef.h>
#include <stdint.h>

#include "qfs.h"
#include "qfs_host.h"

/* Outstanding allocations of the fst_env environment (a leak shows as non-zero). */
extern long fst_live_allocs;

/* fst_env - deterministic environment: malloc with a live counter, a ticking clock. */
void fst_env(struct qfs_env *env);

/* fst_put - write data as the next version of path; returns the version or an error. */
int fst_put(struct qfs *fs, const char *path, const void *data, size_t len);

/* fst_get - read a version into a malloc'd buffer (*len bytes); 0 or an error. */
int fst_get(struct qfs *fs, const char *path, uint8_t **data, size_t *len);

/* fst_state_hash - FNV-1a over every name, version number, size and byte; 0 or error. */
int fst_state_hash(struct qfs *fs, uint64_t *hash);

/* fst_fsck - run fsck; returns its error count (mount refusal counts), prints findings
 * to stderr prefixed by tag when verbose. */
uint64_t fst_fsck(const struct qfs_dev *dev, const char *tag, int verbose);

/* fst_rand - xorshift64* step; *s must be non-zero. */
uint64_t fst_rand(uint64_t *s);

#endif /* FSTEST_H */
