/*
 * rtc.c - the CMOS clock. Registers: 0 seconds, 2 minutes, 4 hours, 7 day, 8 month, 9 year,
 * 0x32 century (when present); status A bit 7 = update in progress; status B bit 2 = binary
 * (else BCD), bit 1 = 24-hour (else 12-hour with bit 7 of the hour for PM).
 */
#include "rtc.h"

#include <stdbool.h>

#include "console.h"
#include "cpu.h"
#include "timer.h"

static uint64_t boot_epoch, boot_ticks;

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned from_bcd(uint8_t v, bool binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 15);
}

int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil: proleptic Gregorian calendar */
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void rtc_init(void)
{
	for (int i = 0; i < 100000 && (cmos(0x0A) & 0x80); i++)
		; /* an update is in progress: its values would be torn */
	uint8_t sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8), year = cmos(9);
	uint8_t b = cmos(0x0B), cent = cmos(0x32);
	bool binary = b & 4;
	unsigned h;
	if (b & 2) { /* 24-hour */
		h = from_bcd(hour, binary);
	} else {     /* 12-hour: bit 7 is PM, 12 means 0 */
		h = from_bcd(hour & 0x7F, binary) % 12;
		if (hour & 0x80)
			h += 12;
	}
	unsigned c = cent ? from_bcd(cent, binary) : 20;
	int64_t y = (int64_t)c * 100 + from_bcd(year, binary);
	if (y < 1970)
		y += 100;
	int64_t days = rtc_days_from_civil(y, from_bcd(mon, binary), from_bcd(day, binary));
	boot_epoch = (uint64_t)(days * 86400 + h * 3600 + from_bcd(min, binary) * 60 + from_bcd(sec, binary));
	boot_ticks = timer_ticks();
	klog(LOG_INFO, "rtc: %ld-%02u-%02u %02u:%02u:%02u UTC\n", y, from_bcd(mon, binary), from_bcd(day, binary), h,
	     from_bcd(min, binary), from_bcd(sec, binary));
}

uint64_t rtc_now(void)
{
	return boot_epoch + (timer_ticks() - boot_ticks) / TIMER_HZ;
}
