/* when_zone.h: one business's wall clock through ICU, for the date and time reader */
#ifndef SB_WHEN_ZONE_H
#define SB_WHEN_ZONE_H

#include <time.h>

/* A calendar in one IANA zone. Not shared between threads: open one per use. */
struct when_zone;

/*
 * Open the calendar of timezone ("America/New_York"); NULL, empty or unknown reads as UTC.
 * Returns the calendar (caller frees with when_zone_close), NULL only when ICU fails.
 */
struct when_zone *when_zone_open(const char *timezone);

void when_zone_close(struct when_zone *zone);

/* The calendar fields of t on the zone's wall clock, as localtime_r() fills them. */
void when_zone_fields(struct when_zone *zone, time_t t, struct tm *out);

/*
 * The instant the zone's wall clock shows year-month-day (month 1-12) plus minutes after
 * midnight; minutes may reach 24 * 60 (the next midnight). A time skipped by a DST jump reads
 * as the clock shows it after the jump (2:30 becomes 3:30), as PostgreSQL does; a time said
 * twice when the clocks go back is the first of the two.
 */
time_t when_zone_moment(struct when_zone *zone, int year, int month, int day, int minutes);

#endif
