/*
 * maps.h - the file-mapping system calls (SYS_MAP .. SYS_MAPINFO, specs/mappings.md).
 */
#ifndef QUIRE_PROC_MAPS_H
#define QUIRE_PROC_MAPS_H

#include <stdint.h>

/* sys_maps - one file-mapping call for the current thread; >= 0 or -QE_*. May sleep. */
int64_t sys_maps(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);

#endif
