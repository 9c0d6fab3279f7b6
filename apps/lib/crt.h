/*
 * crt.h - runtime-internal declarations shared by the files of apps/lib/ (not for
 * programs: they include quire.h).
 */
#ifndef QUIRE_APPS_CRT_H
#define QUIRE_APPS_CRT_H

#include "quire.h"

/* Every program defines main; its return value is the process's exit status. */
int main(uint64_t arg, const struct quire_startinfo *info);

/* crt0.asm entry points and the C functions they call. */
void crt_thread_entry(uint64_t arg, struct quire_startinfo *info);
__attribute__((noreturn)) void crt_main(uint64_t arg, struct quire_startinfo *info);
__attribute__((noreturn)) void crt_thread(uint64_t arg, struct quire_startinfo *info);

/* malloc_init - set the heap to [start, end); called once before main. */
void malloc_init(uint64_t start, uint64_t end);

/* Symbols from apps/lib/user.ld. */
extern char __text_start[], __text_end[], __data_start[], _end[];

#endif
