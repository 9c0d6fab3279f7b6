/*
 * kstring.h - the memory and string functions the freestanding kernel provides itself
 * (the compiler may also emit calls to memcpy/memset/memmove/memcmp).
 */
#ifndef QUIRE_LIB_KSTRING_H
#define QUIRE_LIB_KSTRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* kstrlcpy - copy @src into @dst of @size bytes, always terminated; returns strlen(src). */
size_t kstrlcpy(char *dst, const char *src, size_t size);

#endif
