/* fuzz_when.c: when_parse, the reader of the dates and times callers say */
/*
 * Input: one byte choosing the business's timezone and the moment "now", then the caller's
 * words. Zones and moments are picked where the calendar is awkward: a DST change in New York
 * and London, Lord Howe's half-hour DST, Kiritimati at +14, a leap day, a year's last minute,
 * and an unknown zone name. Proves no out-of-bounds access or undefined behaviour (overflow in
 * the day and minute arithmetic included), and the contract: -1, or 0 with start <= end, and
 * start == end for an exact time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/when.h"

static const char *const zones[] = {
	"America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Kiritimati",
	"UTC", "", "Not/A_Zone", "America/Los_Angeles",
};

static const time_t nows[] = {
	1772953140,  /* 2026-03-08 06:59 UTC: a minute before New York springs forward */
	1793512800,  /* 2026-11-01 06:00 UTC: New York's fall-back hour */
	1774746000,  /* 2026-03-29 01:00 UTC: London springs forward */
	1709208000,  /* 2024-02-29 12:00 UTC: a leap day */
	1798761540,  /* 2026-12-31 23:59 UTC: the year's last minute */
	1765103400,  /* 2025-12-07 10:30 UTC: an ordinary morning */
	0,           /* the epoch */
	4102444800,  /* 2100-01-01: past 2038, not a leap year */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct when w;

	if (size < 1)
		return 0;
	const char *zone = zones[data[0] % 8];
	time_t now = nows[(data[0] >> 3) % 8];
	char *text = strndup((const char *)data + 1, size - 1);
	int rc = when_parse(text, zone, now, &w);

	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0 && (w.start > w.end || (w.exact && w.start != w.end)))
		abort();
	free(text);
	return 0;
}
