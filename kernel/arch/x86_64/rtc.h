/*
 * rtc.h - the CMOS real-time clock (MC146818, ports 0x70/0x71): read once at boot to give
 * the kernel wall-clock time (seconds since 1970, UTC) for file versions' commit times.
 */
#ifndef QUIRE_ARCH_RTC_H
#define QUIRE_ARCH_RTC_H

#include <stdint.h>

/* rtc_init - read the clock (waiting out an update in progress); boot time in seconds since the epoch. */
void rtc_init(void);

/* rtc_now - seconds since the epoch: the boot reading plus the timer ticks since. */
uint64_t rtc_now(void);

/* rtc_days_from_civil - days since 1970-01-01 of year @y, month @m (1-12), day @d (portable). */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
