/* test_when.c: what callers say about dates and times, read against fixed moments in two zones */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/when.h"

#define NY "America/New_York"
#define LONDON "Europe/London"

/* Friday, March 6 2026, 10:15 AM in New York (EST; DST starts Sunday, March 8). */
#define FRIDAY_MORNING "2026-03-06 15:15"
/* Saturday, October 31 2026, noon in New York (EDT; DST ends Sunday, November 1). */
#define SATURDAY_BEFORE_FALLBACK "2026-10-31 16:00"
/* Friday, March 6 2026, 3:30 AM in London: still Thursday evening in New York. */
#define LONDON_EARLY "2026-03-06 03:30"
/* Friday, March 27 2026, 4 PM in London (GMT; BST starts Sunday, March 29). */
#define LONDON_BEFORE_BST "2026-03-27 16:00"

struct phrase {
	const char *now;       /* UTC "YYYY-MM-DD HH:MM" */
	const char *zone;
	const char *text;
	const char *start;     /* UTC, or NULL when the text names no time */
	const char *end;
	bool has_date, has_time, exact;
};

static const struct phrase phrases[] = {
	{ FRIDAY_MORNING, NY, "tomorrow at 2 pm", "2026-03-07 19:00", "2026-03-07 19:00",
	  true, true, true },
	{ FRIDAY_MORNING, NY, "Can you come tomorrow at 2pm?", "2026-03-07 19:00",
	  "2026-03-07 19:00", true, true, true },
	{ FRIDAY_MORNING, NY, "at 2 tomorrow", "2026-03-07 19:00", "2026-03-07 19:00",
	  true, true, true },
	/* Tuesday is after the spring-forward Sunday: 8 AM is 12:00 UTC, not 13:00. */
	{ FRIDAY_MORNING, NY, "next Tuesday morning", "2026-03-10 12:00", "2026-03-10 16:00",
	  true, true, false },
	{ FRIDAY_MORNING, NY, "the 14th after lunch", "2026-03-14 17:00", "2026-03-14 21:00",
	  true, true, false },
	{ FRIDAY_MORNING, NY, "half past ten", "2026-03-06 15:30", "2026-03-06 15:30",
	  false, true, true },
	{ FRIDAY_MORNING, NY, "Noon on Friday.", "2026-03-13 16:00", "2026-03-13 16:00",
	  true, true, true },
	{ FRIDAY_MORNING, NY, "in 3 days", "2026-03-09 04:00", "2026-03-10 04:00",
	  true, false, false },
	/* 9 AM has passed: a time alone is tomorrow's. */
	{ FRIDAY_MORNING, NY, "at 9", "2026-03-07 14:00", "2026-03-07 14:00", false, true, true },
	{ FRIDAY_MORNING, NY, "2 works", "2026-03-06 19:00", "2026-03-06 19:00",
	  false, true, true },
	{ FRIDAY_MORNING, NY, "2:30 p.m.", "2026-03-06 19:30", "2026-03-06 19:30",
	  false, true, true },
	{ FRIDAY_MORNING, NY, "14:00", "2026-03-06 19:00", "2026-03-06 19:00", false, true, true },
	{ FRIDAY_MORNING, NY, "quarter to three", "2026-03-06 19:45", "2026-03-06 19:45",
	  false, true, true },
	{ FRIDAY_MORNING, NY, "tonight at 8", "2026-03-07 01:00", "2026-03-07 01:00",
	  true, true, true },
	{ FRIDAY_MORNING, NY, "this afternoon", "2026-03-06 17:00", "2026-03-06 22:00",
	  false, true, false },
	{ FRIDAY_MORNING, NY, "in 2 hours", "2026-03-06 17:15", "2026-03-06 17:15",
	  false, true, true },
	{ FRIDAY_MORNING, NY, "MONDAY", "2026-03-09 04:00", "2026-03-10 04:00",
	  true, false, false },
	/* The spring-forward day has 23 hours; 2:30 AM does not exist and reads as 3:30 EDT. */
	{ FRIDAY_MORNING, NY, "Sunday", "2026-03-08 05:00", "2026-03-09 04:00",
	  true, false, false },
	{ FRIDAY_MORNING, NY, "day after tomorrow", "2026-03-08 05:00", "2026-03-09 04:00",
	  true, false, false },
	{ FRIDAY_MORNING, NY, "Sunday at 2:30 am", "2026-03-08 07:30", "2026-03-08 07:30",
	  true, true, true },
	{ FRIDAY_MORNING, NY, "the third of April at 10:30", "2026-04-03 14:30",
	  "2026-04-03 14:30", true, true, true },
	/* March 3 has passed this year: the next one. */
	{ FRIDAY_MORNING, NY, "March 3", "2027-03-03 05:00", "2027-03-04 05:00",
	  true, false, false },
	{ FRIDAY_MORNING, NY, "3/14", "2026-03-14 04:00", "2026-03-15 04:00", true, false, false },
	{ FRIDAY_MORNING, NY, "", NULL, NULL, false, false, false },
	{ FRIDAY_MORNING, NY, "asdf qwerty!!", NULL, NULL, false, false, false },
	{ FRIDAY_MORNING, NY, "?!,.", NULL, NULL, false, false, false },
	{ FRIDAY_MORNING, NY, "I have 2 kids and a dog", NULL, NULL, false, false, false },
	{ FRIDAY_MORNING, NY, "may I book the first available", NULL, NULL, false, false, false },
	/* The fall-back day has 25 hours. */
	{ SATURDAY_BEFORE_FALLBACK, NY, "tomorrow", "2026-11-01 04:00", "2026-11-02 05:00",
	  true, false, false },
	{ SATURDAY_BEFORE_FALLBACK, NY, "tomorrow at 2 pm", "2026-11-01 19:00",
	  "2026-11-01 19:00", true, true, true },
	{ SATURDAY_BEFORE_FALLBACK, NY, "this evening", "2026-10-31 21:00", "2026-11-01 00:00",
	  false, true, false },
	/* "Tomorrow" is a different day in London and New York at the same moment. */
	{ LONDON_EARLY, LONDON, "tomorrow", "2026-03-07 00:00", "2026-03-08 00:00",
	  true, false, false },
	{ LONDON_EARLY, NY, "tomorrow", "2026-03-06 05:00", "2026-03-07 05:00",
	  true, false, false },
	{ LONDON_EARLY, LONDON, "Sunday at 9", "2026-03-08 09:00", "2026-03-08 09:00",
	  true, true, true },
	{ LONDON_BEFORE_BST, LONDON, "Sunday at 9", "2026-03-29 08:00", "2026-03-29 08:00",
	  true, true, true },
	{ LONDON_BEFORE_BST, LONDON, "Sunday", "2026-03-29 00:00", "2026-03-29 23:00",
	  true, false, false },
	{ LONDON_BEFORE_BST, LONDON, "half past ten", "2026-03-28 10:30", "2026-03-28 10:30",
	  false, true, true },
	{ LONDON_BEFORE_BST, LONDON, "the 14th after lunch", "2026-04-14 12:00",
	  "2026-04-14 16:00", true, true, false },
};

static time_t utc(const char *text)
{
	struct tm tm = { 0 };

	if (!strptime(text, "%Y-%m-%d %H:%M", &tm))
		fail_msg("bad test time %s", text);
	return timegm(&tm);
}

static const char *say_utc(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
	return out;
}

static void test_phrases(void **state)
{
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		const struct phrase *p = &phrases[i];
		struct when w;
		char start[32], end[32];
		int rc = when_parse(p->text, p->zone, utc(p->now), &w);

		if (!p->start) {
			if (rc != -1)
				fail_msg("\"%s\" should name no time, got %s", p->text,
					 say_utc(w.start, start, sizeof(start)));
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" in %s should be read", p->text, p->zone);
		say_utc(w.start, start, sizeof(start));
		say_utc(w.end, end, sizeof(end));
		if (strcmp(start, p->start) || strcmp(end, p->end))
			fail_msg("\"%s\" in %s: got %s .. %s, want %s .. %s", p->text, p->zone, start,
				 end, p->start, p->end);
		if (w.has_date != p->has_date || w.has_time != p->has_time || w.exact != p->exact)
			fail_msg("\"%s\": flags date=%d time=%d exact=%d", p->text, w.has_date,
				 w.has_time, w.exact);
	}
}

static void test_null_text_names_no_time(void **state)
{
	struct when w;

	assert_int_equal(when_parse(NULL, NY, utc(FRIDAY_MORNING), &w), -1);
}

static void test_say(void **state)
{
	char out[64];

	when_say(utc("2026-03-03 19:30"), NY, out, sizeof(out));
	assert_string_equal(out, "Tuesday, March 3 at 2:30 PM");
	when_say(utc("2026-03-10 13:00"), NY, out, sizeof(out));
	assert_string_equal(out, "Tuesday, March 10 at 9 AM");
	when_say(utc("2026-03-13 16:00"), NY, out, sizeof(out));
	assert_string_equal(out, "Friday, March 13 at 12 PM");
	when_say(utc("2026-03-29 08:00"), LONDON, out, sizeof(out));
	assert_string_equal(out, "Sunday, March 29 at 9 AM");
	when_say(utc("2026-03-29 08:00"), NY, out, sizeof(out));
	assert_string_equal(out, "Sunday, March 29 at 4 AM");
}

/* The moment read back is the moment said, whatever the zone. */
static void test_said_then_read_back(void **state)
{
	time_t now = utc(FRIDAY_MORNING);
	time_t moment = utc("2026-03-17 18:45");
	const char *zones[] = { NY, LONDON, "Asia/Tokyo", "Australia/Sydney" };
	char said[64];
	struct when w;

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		when_say(moment, zones[i], said, sizeof(said));
		assert_int_equal(when_parse(said, zones[i], now, &w), 0);
		if (w.start != moment)
			fail_msg("\"%s\" in %s read back wrong", said, zones[i]);
	}
}

/* Reading in a business's zone leaves the process's own TZ as it was. */
static void test_process_timezone_is_restored(void **state)
{
	struct when w;
	char out[64];

	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(when_parse("tomorrow at 2 pm", NY, utc(FRIDAY_MORNING), &w), 0);
	when_say(w.start, LONDON, out, sizeof(out));
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	unsetenv("TZ");
	assert_int_equal(when_parse("tomorrow", NY, utc(FRIDAY_MORNING), &w), 0);
	assert_null(getenv("TZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_null_text_names_no_time),
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_said_then_read_back),
		cmocka_unit_test(test_process_timezone_is_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
