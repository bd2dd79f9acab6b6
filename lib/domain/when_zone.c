/* when_zone.c: wall-clock fields and instants in a business's zone through ICU's calendar */
#include "domain/when_zone.h"

#include <string.h>
#include <unicode/ucal.h>
#include <unicode/ustring.h>

/*
 * ICU's calendar carries its zone inside the object, so nothing process-wide (TZ, tzset) is
 * read or changed and every thread can hold calendars of its own. struct when_zone is only a
 * name for ICU's UCalendar, which keeps ICU's headers out of the parser.
 */
static UCalendar *calendar_of(struct when_zone *zone)
{
	return (UCalendar *)zone;
}

struct when_zone *when_zone_open(const char *timezone)
{
	UChar id[64];
	UErrorCode status = U_ZERO_ERROR;

	/* IANA names are short ASCII; anything else is not one, and reads as UTC. */
	if (!timezone || !timezone[0] || strlen(timezone) >= sizeof(id) / sizeof(id[0]))
		timezone = "UTC";
	u_uastrcpy(id, timezone);
	UCalendar *calendar = ucal_open(id, -1, "en_US_POSIX", UCAL_GREGORIAN, &status);
	if (U_FAILURE(status)) {
		if (calendar)
			ucal_close(calendar);
		return NULL;
	}
	ucal_setAttribute(calendar, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	ucal_setAttribute(calendar, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
	return (struct when_zone *)calendar;
}

void when_zone_close(struct when_zone *zone)
{
	if (zone)
		ucal_close(calendar_of(zone));
}

void when_zone_fields(struct when_zone *zone, time_t t, struct tm *out)
{
	UCalendar *calendar = calendar_of(zone);
	UErrorCode status = U_ZERO_ERROR;

	ucal_setMillis(calendar, (UDate)t * 1000.0, &status);
	memset(out, 0, sizeof(*out));
	out->tm_year = ucal_get(calendar, UCAL_EXTENDED_YEAR, &status) - 1900;
	out->tm_mon = ucal_get(calendar, UCAL_MONTH, &status);
	out->tm_mday = ucal_get(calendar, UCAL_DATE, &status);
	out->tm_hour = ucal_get(calendar, UCAL_HOUR_OF_DAY, &status);
	out->tm_min = ucal_get(calendar, UCAL_MINUTE, &status);
	out->tm_sec = ucal_get(calendar, UCAL_SECOND, &status);
	out->tm_wday = ucal_get(calendar, UCAL_DAY_OF_WEEK, &status) - UCAL_SUNDAY;
	out->tm_yday = ucal_get(calendar, UCAL_DAY_OF_YEAR, &status) - 1;
	int dst = ucal_get(calendar, UCAL_DST_OFFSET, &status);
	out->tm_isdst = dst != 0;
	out->tm_gmtoff = (ucal_get(calendar, UCAL_ZONE_OFFSET, &status) + dst) / 1000;
	if (U_FAILURE(status))
		gmtime_r(&t, out);
}

time_t when_zone_moment(struct when_zone *zone, int year, int month, int day, int minutes)
{
	UCalendar *calendar = calendar_of(zone);
	UErrorCode status = U_ZERO_ERROR;

	ucal_clear(calendar);
	/* The calendar is lenient: minute 24 * 60 rolls over into the next day's midnight. */
	ucal_setDateTime(calendar, year, month - 1, day, minutes / 60, minutes % 60, 0, &status);
	UDate millis = ucal_getMillis(calendar, &status);
	return U_FAILURE(status) ? (time_t)-1 : (time_t)(millis / 1000.0);
}
