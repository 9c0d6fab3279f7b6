/*
 * cmdline.h - reading the kernel command line: words separated by spaces, each `key` or
 * `key=value`. Portable; tested on the host. The options are listed in specs/cmdline.md.
 */
#ifndef QUIRE_LIB_CMDLINE_H
#define QUIRE_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* cmdline_get - copy the value of `key=value` into @out (terminated); returns its length or -1 if absent or too long. */
int cmdline_get(const char *cmdline, const char *key, char *out, size_t outsz);

/* cmdline_has - true if the word `key` or `key=...` is present. */
bool cmdline_has(const char *cmdline, const char *key);

/* cmdline_get_u64 - parse the value of @key (decimal, 0x hex, optional K/M/G suffix) into @out; 0 or -1. */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

/* cmdline_parse_u64 - parse @s (decimal, 0x hex, optional K/M/G suffix); 0 on success, -1 on junk or overflow. */
int cmdline_parse_u64(const char *s, uint64_t *out);

#endif
