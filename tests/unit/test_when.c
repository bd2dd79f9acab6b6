/* test_when.c: what callers say about dates and times, read against fixed moments in four zones */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/when.h"

#define NY "America/New_York"
#define LONDON "Europe/London"
#define LA "America/Los_Angeles"
#define SYDNEY "Australia/Sydney"

/* Friday, March 6 2026, 10:15 AM in New York (EST; DST starts Sunday, March 8). */
#define FRIDAY_MORNING "2026-03-06 15:15"
/* Saturday, October 31 2026, noon in New York (EDT; DST ends Sunday, November 1). */
#define SATURDAY_BEFORE_FALLBACK "2026-10-31 16:00"
/* Friday, March 6 2026, 3:30 AM in London: still Thursday evening in New York. */
#define LONDON_EARLY "2026-03-06 03:30"
/* Friday, March 27 2026, 4 PM in London (GMT; BST starts Sunday, March 29). */
#define LONDON_BEFORE_BST "2026-03-27 16:00"
/* Tuesday, March 3 2026, 9 AM in New York (EST; DST starts Sunday, March 8). */
#define NY_TUESDAY "2026-03-03 14:00"
/* Friday, October 30 2026, 10 AM in Los Angeles (PDT; DST ends Sunday, November 1). */
#define LA_FRIDAY "2026-10-30 17:00"
/* Saturday, April 4 2026, 10 AM in Sydney (AEDT; DST ends Sunday, April 5 at 3 AM). */
#define SYDNEY_SATURDAY "2026-04-03 23:00"

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
	/* a lone number is a count until a time word or a day stands beside it */
	{ FRIDAY_MORNING, NY, "2 works", NULL, NULL, false, false, false },
	{ FRIDAY_MORNING, NY, "2 pm works", "2026-03-06 19:00", "2026-03-06 19:00",
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
	{ FRIDAY_MORNING, NY, "may I book", NULL, NULL, false, false, false },
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
	/* The weekend of the spring-forward Sunday in London lasts 47 hours. */
	{ LONDON_BEFORE_BST, LONDON, "this weekend", "2026-03-28 00:00", "2026-03-29 23:00",
	  true, false, false },
	/* 1:30 AM does not happen that Sunday in London: the clock shows 2:30 BST. */
	{ LONDON_BEFORE_BST, LONDON, "Sunday at 1:30 am", "2026-03-29 01:30", "2026-03-29 01:30",
	  true, true, true },
	/* The fall-back weekend in Los Angeles lasts 49 hours. */
	{ LA_FRIDAY, LA, "this weekend", "2026-10-31 07:00", "2026-11-02 08:00",
	  true, false, false },
	/* 1:30 AM happens twice that Sunday: the first, still daylight time, is meant. */
	{ LA_FRIDAY, LA, "Sunday at 1:30 am", "2026-11-01 08:30", "2026-11-01 08:30",
	  true, true, true },
	{ LA_FRIDAY, LA, "Sunday morning", "2026-11-01 16:00", "2026-11-01 20:00",
	  true, true, false },
	{ LA_FRIDAY, LA, "Monday at 10", "2026-11-02 18:00", "2026-11-02 18:00",
	  true, true, true },
	/* Sydney leaves daylight time on Sunday, April 5: that weekend lasts 49 hours. */
	{ SYDNEY_SATURDAY, SYDNEY, "this weekend", "2026-04-03 13:00", "2026-04-05 14:00",
	  true, false, false },
	{ SYDNEY_SATURDAY, SYDNEY, "tomorrow at 2:30 am", "2026-04-04 15:30",
	  "2026-04-04 15:30", true, true, true },
	{ SYDNEY_SATURDAY, SYDNEY, "Monday at 9", "2026-04-05 23:00", "2026-04-05 23:00",
	  true, true, true },
	/* NY: next week starts the day after the clocks go forward */
	{ NY_TUESDAY, NY, "next week", "2026-03-09 04:00", "2026-03-16 04:00",
	  true, false, false },
	{ NY_TUESDAY, NY, "as soon as possible", "2026-03-03 14:00", "2026-03-17 14:00",
	  false, false, false },
	/* a zone ICU does not know reads as UTC, as before */
	{ FRIDAY_MORNING, "Mars/Olympus", "tomorrow at 2 pm", "2026-03-07 14:00",
	  "2026-03-07 14:00", true, true, true },
	{ FRIDAY_MORNING, NULL, "tomorrow at 2 pm", "2026-03-07 14:00", "2026-03-07 14:00",
	  true, true, true },
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
			fail_msg("\"%s\" in %s: got %s .. %s, want %s .. %s", p->text, p->zone,
				 start, end, p->start, p->end);
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


/*
 * How callers ask for a time, against what a receptionist understands, in the business's local
 * wall-clock time. flags: D has_date, T has_time, X exact, A asap.
 */
struct said {
	const char *now;       /* UTC */
	const char *zone;
	const char *text;
	const char *start;     /* local "YYYY-MM-DD HH:MM", or NULL when it is not a time */
	const char *end;
	const char *flags;
};

#define NYT NY_TUESDAY, NY
#define LAF LA_FRIDAY, LA
#define LDN LONDON_BEFORE_BST, LONDON
#define SYD SYDNEY_SATURDAY, SYDNEY
#define NONE NULL, NULL, ""

static const struct said said[] = {
	/* minutes past and to the hour; it is 9 AM on Tuesday, March 3 in New York */
	{ NYT, "twenty after three", "2026-03-03 15:20", "2026-03-03 15:20", "TX" },
	{ NYT, "quarter past ten", "2026-03-03 10:15", "2026-03-03 10:15", "TX" },
	{ NYT, "ten to four", "2026-03-03 15:50", "2026-03-03 15:50", "TX" },
	{ NYT, "half past two", "2026-03-03 14:30", "2026-03-03 14:30", "TX" },
	{ NYT, "3:45", "2026-03-03 15:45", "2026-03-03 15:45", "TX" },
	{ NYT, "three forty-five", "2026-03-03 15:45", "2026-03-03 15:45", "TX" },
	{ NYT, "a quarter to 9", "2026-03-04 08:45", "2026-03-04 08:45", "TX" },
	{ NYT, "five past eleven", "2026-03-03 11:05", "2026-03-03 11:05", "TX" },
	{ NYT, "twenty five past 2", "2026-03-03 14:25", "2026-03-03 14:25", "TX" },
	{ NYT, "10 minutes to 4", "2026-03-03 15:50", "2026-03-03 15:50", "TX" },
	{ NYT, "quarter till 5", "2026-03-03 16:45", "2026-03-03 16:45", "TX" },
	{ NYT, "five of six", "2026-03-03 17:55", "2026-03-03 17:55", "TX" },
	{ NYT, "ten thirty", "2026-03-03 10:30", "2026-03-03 10:30", "TX" },
	{ NYT, "two oh five", "2026-03-03 14:05", "2026-03-03 14:05", "TX" },
	{ NYT, "at 3", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "3 o'clock", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "3 pm", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "around 3", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "3ish", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "threeish", "2026-03-03 15:00", "2026-03-03 15:00", "TX" },
	{ NYT, "at 11", "2026-03-03 11:00", "2026-03-03 11:00", "TX" },
	{ NYT, "at 8", "2026-03-04 08:00", "2026-03-04 08:00", "TX" },
	{ NYT, "at 12", "2026-03-03 12:00", "2026-03-03 12:00", "TX" },
	{ NYT, "noon", "2026-03-03 12:00", "2026-03-03 12:00", "TX" },
	{ NYT, "at 7 in the evening", "2026-03-03 19:00", "2026-03-03 19:00", "TX" },
	{ NYT, "8 tonight", "2026-03-03 20:00", "2026-03-03 20:00", "DTX" },
	{ NYT, "tomorrow 3", "2026-03-04 15:00", "2026-03-04 15:00", "DTX" },
	{ NYT, "3 tomorrow", "2026-03-04 15:00", "2026-03-04 15:00", "DTX" },
	{ NYT, "Tuesday at 10", "2026-03-10 10:00", "2026-03-10 10:00", "DTX" },
	{ NYT, "9:30 am tomorrow", "2026-03-04 09:30", "2026-03-04 09:30", "DTX" },
	{ NYT, "tomorrow at 2:15 p.m.", "2026-03-04 14:15", "2026-03-04 14:15", "DTX" },
	{ NYT, "7 am", "2026-03-04 07:00", "2026-03-04 07:00", "TX" },
	{ NYT, "14:30", "2026-03-03 14:30", "2026-03-03 14:30", "TX" },
	{ NYT, "how about 4", "2026-03-03 16:00", "2026-03-03 16:00", "TX" },
	{ NYT, "can you do Thursday at 1", "2026-03-05 13:00", "2026-03-05 13:00", "DTX" },
	{ NYT, "Friday at 9 in the morning", "2026-03-06 09:00", "2026-03-06 09:00", "DTX" },
	{ NYT, "let's say 2:30 on Monday", "2026-03-09 14:30", "2026-03-09 14:30", "DTX" },
	{ NYT, "at 930", "2026-03-03 09:30", "2026-03-03 09:30", "TX" },
	{ NYT, "1030 tomorrow", "2026-03-04 10:30", "2026-03-04 10:30", "DTX" },
	{ NYT, "Could I come in on Thursday around 2?", "2026-03-05 14:00", "2026-03-05 14:00",
	  "DTX" },
	{ NYT, "Can we do 10:30 tomorrow morning", "2026-03-04 10:30", "2026-03-04 10:30",
	  "DTX" },
	{ NYT, "this evening around 6", "2026-03-03 18:00", "2026-03-03 18:00", "TX" },
	{ NYT, "quarter after 9 on Friday", "2026-03-06 09:15", "2026-03-06 09:15", "DTX" },
	{ NYT, "midnight", "2026-03-04 00:00", "2026-03-04 00:00", "TX" },
	{ NYT, "between 1 and 3 tomorrow", "2026-03-04 13:00", "2026-03-04 15:00", "DT" },
	{ NYT, "sometime between noon and 2", "2026-03-03 12:00", "2026-03-03 14:00", "T" },
	{ NYT, "I'm available from 9 onwards", "2026-03-03 09:00", "2026-03-03 17:00", "T" },
	{ NYT, "tonight after 7", "2026-03-03 19:00", "2026-03-03 21:00", "DT" },
	{ NYT, "tomorrow night", "2026-03-04 17:00", "2026-03-04 20:00", "DT" },
	{ NYT, "Sat at 11", "2026-03-07 11:00", "2026-03-07 11:00", "DTX" },
	{ NYT, "weds at 2", "2026-03-04 14:00", "2026-03-04 14:00", "DTX" },
	{ NYT, "thurs morning", "2026-03-05 08:00", "2026-03-05 12:00", "DT" },
	{ NYT, "I sat down yesterday", NONE },
	{ NYT, "20 to 5", "2026-03-03 16:40", "2026-03-03 16:40", "TX" },
	{ NYT, "twenty to five", "2026-03-03 16:40", "2026-03-03 16:40", "TX" },
	{ NYT, "between five and six", "2026-03-03 17:00", "2026-03-03 18:00", "T" },
	{ NYT, "from ten to four", "2026-03-03 10:00", "2026-03-03 16:00", "T" },
	{ NYT, "from quarter past two to three", "2026-03-03 14:15", "2026-03-03 15:00", "T" },
	{ NYT, "after 4:30", "2026-03-03 16:30", "2026-03-03 18:30", "T" },
	{ NYT, "8.30", "2026-03-04 08:30", "2026-03-04 08:30", "TX" },
	{ NYT, "quarter to eight in the morning", "2026-03-04 07:45", "2026-03-04 07:45", "TX" },
	{ NYT, "about 4 in the afternoon", "2026-03-03 16:00", "2026-03-03 16:00", "TX" },
	{ NYT, "the afternoon of the 12th", "2026-03-12 12:00", "2026-03-12 17:00", "DT" },
	{ NYT, "the morning of March 20th", "2026-03-20 08:00", "2026-03-20 12:00", "DT" },
	{ NYT, "Dec 12", "2026-12-12 00:00", "2026-12-13 00:00", "D" },
	{ NYT, "the twelfth of december", "2026-12-12 00:00", "2026-12-13 00:00", "D" },
	{ NYT, "three weeks from Monday", "2026-03-30 00:00", "2026-03-31 00:00", "D" },
	{ NYT, "in 10 days time", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "in a fortnight", "2026-03-17 00:00", "2026-03-18 00:00", "D" },
	{ NYT, "10ish tomorrow", "2026-03-04 10:00", "2026-03-04 10:00", "DTX" },
	/* relative */
	{ NYT, "in two hours", "2026-03-03 11:00", "2026-03-03 11:00", "TX" },
	{ NYT, "a couple of hours from now", "2026-03-03 11:00", "2026-03-03 11:00", "TX" },
	{ NYT, "in 30 minutes", "2026-03-03 09:30", "2026-03-03 09:30", "TX" },
	{ NYT, "in half an hour", "2026-03-03 09:30", "2026-03-03 09:30", "TX" },
	{ NYT, "in an hour and a half", "2026-03-03 10:30", "2026-03-03 10:30", "TX" },
	{ NYT, "an hour from now", "2026-03-03 10:00", "2026-03-03 10:00", "TX" },
	{ NYT, "in 45 minutes", "2026-03-03 09:45", "2026-03-03 09:45", "TX" },
	{ NYT, "within the hour", "2026-03-03 09:00", "2026-03-03 10:00", "T" },
	{ NYT, "in a few hours", "2026-03-03 11:00", "2026-03-03 13:00", "T" },
	{ NYT, "in a few days", "2026-03-05 00:00", "2026-03-08 00:00", "D" },
	{ NYT, "in a week", "2026-03-10 00:00", "2026-03-11 00:00", "D" },
	{ NYT, "in 3 days", "2026-03-06 00:00", "2026-03-07 00:00", "D" },
	{ NYT, "in a couple of days", "2026-03-05 00:00", "2026-03-06 00:00", "D" },
	{ NYT, "two weeks from today", "2026-03-17 00:00", "2026-03-18 00:00", "D" },
	{ NYT, "a week from Friday", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "a week from tomorrow", "2026-03-11 00:00", "2026-03-12 00:00", "D" },
	{ NYT, "in a couple of weeks", "2026-03-17 00:00", "2026-03-18 00:00", "D" },
	{ NYT, "in the next few days", "2026-03-03 00:00", "2026-03-07 00:00", "D" },
	{ NYT, "in a month", "2026-04-03 00:00", "2026-04-04 00:00", "D" },
	/* days and weeks */
	{ NYT, "this weekend", "2026-03-07 00:00", "2026-03-09 00:00", "D" },
	{ NYT, "over the weekend", "2026-03-07 00:00", "2026-03-09 00:00", "D" },
	{ NYT, "next weekend", "2026-03-14 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "next week", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "next week sometime", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "sometime next week", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "Wednesday next week", "2026-03-11 00:00", "2026-03-12 00:00", "D" },
	{ NYT, "next week on Thursday", "2026-03-12 00:00", "2026-03-13 00:00", "D" },
	{ NYT, "Thursday of next week", "2026-03-12 00:00", "2026-03-13 00:00", "D" },
	{ NYT, "next Wednesday", "2026-03-11 00:00", "2026-03-12 00:00", "D" },
	{ NYT, "this Wednesday", "2026-03-04 00:00", "2026-03-05 00:00", "D" },
	{ NYT, "Wednesday", "2026-03-04 00:00", "2026-03-05 00:00", "D" },
	{ NYT, "this coming Friday", "2026-03-06 00:00", "2026-03-07 00:00", "D" },
	{ NYT, "next Friday", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "next Monday", "2026-03-09 00:00", "2026-03-10 00:00", "D" },
	{ NYT, "this Tuesday", "2026-03-03 00:00", "2026-03-04 00:00", "D" },
	{ NYT, "any time Tuesday", "2026-03-10 00:00", "2026-03-11 00:00", "D" },
	{ NYT, "Friday week", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "the week after next", "2026-03-16 00:00", "2026-03-23 00:00", "D" },
	{ NYT, "early next week", "2026-03-09 00:00", "2026-03-11 00:00", "D" },
	{ NYT, "late next week", "2026-03-12 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "the end of the week", "2026-03-05 00:00", "2026-03-07 00:00", "D" },
	{ NYT, "later this week", "2026-03-04 00:00", "2026-03-09 00:00", "D" },
	{ NYT, "sometime this week", "2026-03-03 00:00", "2026-03-09 00:00", "D" },
	{ NYT, "tomorrow", "2026-03-04 00:00", "2026-03-05 00:00", "D" },
	{ NYT, "day after tomorrow", "2026-03-05 00:00", "2026-03-06 00:00", "D" },
	{ NYT, "Saturday", "2026-03-07 00:00", "2026-03-08 00:00", "D" },
	{ NYT, "Sunday", "2026-03-08 00:00", "2026-03-09 00:00", "D" },
	{ NYT, "the 14th at 10", "2026-03-14 10:00", "2026-03-14 10:00", "DTX" },
	{ NYT, "March 3rd", "2026-03-03 00:00", "2026-03-04 00:00", "D" },
	{ NYT, "March 13th", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "3/14", "2026-03-14 00:00", "2026-03-15 00:00", "D" },
	{ NYT, "4/1", "2026-04-01 00:00", "2026-04-02 00:00", "D" },
	{ NYT, "on the 20th", "2026-03-20 00:00", "2026-03-21 00:00", "D" },
	{ NYT, "the twentieth", "2026-03-20 00:00", "2026-03-21 00:00", "D" },
	{ NYT, "the 3rd of April", "2026-04-03 00:00", "2026-04-04 00:00", "D" },
	{ NYT, "April 3rd at 10:30", "2026-04-03 10:30", "2026-04-03 10:30", "DTX" },
	{ NYT, "on the first", "2026-04-01 00:00", "2026-04-02 00:00", "D" },
	{ NYT, "the first of April", "2026-04-01 00:00", "2026-04-02 00:00", "D" },
	{ NYT, "Tuesday the 10th", "2026-03-10 00:00", "2026-03-11 00:00", "D" },
	{ NYT, "Tuesday the 10th or Wednesday the 11th", "2026-03-10 00:00", "2026-03-11 00:00",
	  "D" },
	{ NYT, "the first or the second", NONE },
	{ NYT, "I live on 23rd street", NONE },
	{ NYT, "next month", "2026-04-01 00:00", "2026-05-01 00:00", "D" },
	{ NYT, "sometime in April", "2026-04-01 00:00", "2026-05-01 00:00", "D" },
	{ NYT, "early April", "2026-04-01 00:00", "2026-04-11 00:00", "D" },
	{ NYT, "the end of the month", "2026-03-21 00:00", "2026-04-01 00:00", "D" },
	{ NYT, "the 3rd of next month", "2026-04-03 00:00", "2026-04-04 00:00", "D" },
	{ NYT, "the week of the 16th", "2026-03-16 00:00", "2026-03-23 00:00", "D" },
	{ NYT, "any day next week except Monday", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "I need it done by Friday", "2026-03-03 00:00", "2026-03-07 00:00", "D" },
	{ NYT, "before Friday", "2026-03-03 00:00", "2026-03-06 00:00", "D" },
	{ NYT, "Monday or Tuesday", "2026-03-09 00:00", "2026-03-10 00:00", "D" },
	{ NYT, "How about the 15th?", "2026-03-15 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "Friday the 13th", "2026-03-13 00:00", "2026-03-14 00:00", "D" },
	{ NYT, "14 March", "2026-03-14 00:00", "2026-03-15 00:00", "D" },
	{ NYT, "I can't do mornings", NONE },
	{ NYT, "not Monday, but Tuesday is good", "2026-03-10 00:00", "2026-03-11 00:00", "D" },
	{ NYT, "I can't do Monday, how about Wednesday afternoon", "2026-03-04 12:00",
	  "2026-03-04 17:00", "DT" },
	{ NYT, "not until next week", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	/* windows */
	{ NYT, "between 10 and 11", "2026-03-03 10:00", "2026-03-03 11:00", "T" },
	{ NYT, "3 to 4 pm", "2026-03-03 15:00", "2026-03-03 16:00", "T" },
	{ NYT, "from 2 to 4", "2026-03-03 14:00", "2026-03-03 16:00", "T" },
	{ NYT, "before 11", "2026-03-03 08:00", "2026-03-03 11:00", "T" },
	{ NYT, "after 3", "2026-03-03 15:00", "2026-03-03 17:00", "T" },
	{ NYT, "after 5", "2026-03-03 17:00", "2026-03-03 19:00", "T" },
	{ NYT, "after lunch", "2026-03-03 13:00", "2026-03-03 17:00", "T" },
	{ NYT, "after work", "2026-03-03 17:00", "2026-03-03 20:00", "T" },
	{ NYT, "late tonight", "2026-03-03 20:00", "2026-03-03 23:00", "DT" },
	{ NYT, "first thing", "2026-03-04 08:00", "2026-03-04 09:00", "T" },
	{ NYT, "first thing tomorrow", "2026-03-04 08:00", "2026-03-04 09:00", "DT" },
	{ NYT, "first thing Monday", "2026-03-09 08:00", "2026-03-09 09:00", "DT" },
	{ NYT, "end of the day", "2026-03-03 16:00", "2026-03-03 17:00", "T" },
	{ NYT, "end of day Friday", "2026-03-06 16:00", "2026-03-06 17:00", "DT" },
	{ NYT, "tomorrow morning", "2026-03-04 08:00", "2026-03-04 12:00", "DT" },
	{ NYT, "morning", "2026-03-03 08:00", "2026-03-03 12:00", "T" },
	{ NYT, "evening", "2026-03-03 17:00", "2026-03-03 20:00", "T" },
	{ NYT, "in the afternoon", "2026-03-03 12:00", "2026-03-03 17:00", "T" },
	{ NYT, "early afternoon", "2026-03-03 12:00", "2026-03-03 14:00", "T" },
	{ NYT, "late afternoon", "2026-03-03 15:00", "2026-03-03 17:00", "T" },
	{ NYT, "mid morning", "2026-03-03 09:00", "2026-03-03 11:00", "T" },
	{ NYT, "lunchtime", "2026-03-03 12:00", "2026-03-03 13:00", "T" },
	{ NYT, "around lunch", "2026-03-03 12:00", "2026-03-03 13:00", "T" },
	{ NYT, "after school", "2026-03-03 15:00", "2026-03-03 17:00", "T" },
	{ NYT, "tonight", "2026-03-03 17:00", "2026-03-03 20:00", "DT" },
	{ NYT, "at night", "2026-03-03 17:00", "2026-03-03 20:00", "T" },
	{ NYT, "between 11 and 1", "2026-03-03 11:00", "2026-03-03 13:00", "T" },
	{ NYT, "between 9 and 5", "2026-03-03 09:00", "2026-03-03 17:00", "T" },
	{ NYT, "from 9 to 5", "2026-03-03 09:00", "2026-03-03 17:00", "T" },
	{ NYT, "10am-12pm", "2026-03-03 10:00", "2026-03-03 12:00", "T" },
	{ NYT, "3-5pm", "2026-03-03 15:00", "2026-03-03 17:00", "T" },
	{ NYT, "11 to 1 pm", "2026-03-03 11:00", "2026-03-03 13:00", "T" },
	{ NYT, "tomorrow 10 to 12", "2026-03-04 10:00", "2026-03-04 12:00", "DT" },
	{ NYT, "anytime after 2", "2026-03-03 14:00", "2026-03-03 17:00", "T" },
	{ NYT, "any time before noon", "2026-03-03 08:00", "2026-03-03 12:00", "T" },
	{ NYT, "before noon tomorrow", "2026-03-04 08:00", "2026-03-04 12:00", "DT" },
	{ NYT, "Friday after 3", "2026-03-06 15:00", "2026-03-06 17:00", "DT" },
	{ NYT, "by 4", "2026-03-03 08:00", "2026-03-03 16:00", "T" },
	{ NYT, "no later than 2 pm", "2026-03-03 08:00", "2026-03-03 14:00", "T" },
	{ NYT, "2 pm or later", "2026-03-03 14:00", "2026-03-03 17:00", "T" },
	{ NYT, "tomorrow between 2 and 4", "2026-03-04 14:00", "2026-03-04 16:00", "DT" },
	{ NYT, "Monday afternoon", "2026-03-09 12:00", "2026-03-09 17:00", "DT" },
	{ NYT, "next Tuesday morning", "2026-03-10 08:00", "2026-03-10 12:00", "DT" },
	{ NYT, "between 10 and 11 in the morning", "2026-03-03 10:00", "2026-03-03 11:00", "T" },
	{ NYT, "between 8 and 10 in the evening", "2026-03-03 20:00", "2026-03-03 22:00", "T" },
	{ NYT, "this afternoon", "2026-03-03 12:00", "2026-03-03 17:00", "T" },
	{ NYT, "Thursday sometime in the morning", "2026-03-05 08:00", "2026-03-05 12:00",
	  "DT" },
	/* the first free time; 14 days later is an hour later on the clock after the DST jump */
	{ NYT, "as soon as possible", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "asap", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "ASAP please", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "a.s.a.p.", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "the earliest you have", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "soonest", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "whatever is soonest", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "first available", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "may I book the first available", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "your next available appointment", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "whenever", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "as soon as you can get here", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "I'm flexible, whenever works", "2026-03-03 09:00", "2026-03-17 10:00", "A" },
	{ NYT, "the earliest you have next week", "2026-03-09 00:00", "2026-03-16 00:00", "D" },
	{ NYT, "first available tomorrow", "2026-03-04 00:00", "2026-03-05 00:00", "D" },
	/* not times: option picks, counts, names, addresses, phone numbers */
	{ NYT, "this one", NONE },
	{ NYT, "the first one", NONE },
	{ NYT, "the second one", NONE },
	{ NYT, "the third one", NONE },
	{ NYT, "the later one", NONE },
	{ NYT, "the next one", NONE },
	{ NYT, "that one sounds good", NONE },
	{ NYT, "one more thing", NONE },
	{ NYT, "I have two dogs", NONE },
	{ NYT, "yes that's right", NONE },
	{ NYT, "my name is Rose", NONE },
	{ NYT, "two of us", NONE },
	{ NYT, "the 2 of us", NONE },
	{ NYT, "a couple of things", NONE },
	{ NYT, "a few things", NONE },
	{ NYT, "number 5 Elm street", NONE },
	{ NYT, "I'm at 5 Elm Street", NONE },
	{ NYT, "I need 2 fillings", NONE },
	{ NYT, "I have 3 kids", NONE },
	{ NYT, "first", NONE },
	{ NYT, "the first", NONE },
	{ NYT, "second", NONE },
	{ NYT, "the 3", NONE },
	{ NYT, "the 3 o'clock", NONE },
	{ NYT, "the 2:30 one", NONE },
	{ NYT, "the 3 o'clock on Friday", "2026-03-06 15:00", "2026-03-06 15:00", "DTX" },
	{ NYT, "42 Oak Street", NONE },
	{ NYT, "555 0100", NONE },
	{ NYT, "call me at 555 222 3333", NONE },
	{ NYT, "my zip is 10001", NONE },
	{ NYT, "unit 4", NONE },
	{ NYT, "it's been leaking for 3 days", NONE },
	{ NYT, "about 2 years ago", NONE },
	{ NYT, "I'll be there in a minute", NONE },
	{ NYT, "later", NONE },
	{ NYT, "may I ask a question", NONE },
	{ NYT, "2 works", NONE },
	{ NYT, "I'd like 2 to 3 quotes", NONE },
	{ NYT, "I finished the English one", NONE },
	{ NYT, "good morning", NONE },
	{ NYT, "hi, good afternoon, I'd like to book a cleaning", NONE },
	{ NYT, "can you do an hour later", NONE },
	{ NYT, "my number is 617 555 0199", NONE },
	{ NYT, "I live at 12 Maple Avenue apartment 3", NONE },
	{ NYT, "there are 3 of us", NONE },
	{ NYT, "the water heater is 10 years old", NONE },
	{ NYT, "it started 2 days ago", NONE },
	/* Los Angeles, Friday, October 30 at 10 AM; the clocks go back on Sunday */
	{ LAF, "twenty after three", "2026-10-30 15:20", "2026-10-30 15:20", "TX" },
	{ LAF, "in two hours", "2026-10-30 12:00", "2026-10-30 12:00", "TX" },
	{ LAF, "a quarter to 9", "2026-10-31 08:45", "2026-10-31 08:45", "TX" },
	{ LAF, "next week", "2026-11-02 00:00", "2026-11-09 00:00", "D" },
	{ LAF, "next Wednesday", "2026-11-04 00:00", "2026-11-05 00:00", "D" },
	{ LAF, "this Friday", "2026-10-30 00:00", "2026-10-31 00:00", "D" },
	{ LAF, "Friday", "2026-11-06 00:00", "2026-11-07 00:00", "D" },
	{ LAF, "next weekend", "2026-11-07 00:00", "2026-11-09 00:00", "D" },
	{ LAF, "tomorrow morning", "2026-10-31 08:00", "2026-10-31 12:00", "DT" },
	{ LAF, "before 11", "2026-10-30 08:00", "2026-10-30 11:00", "T" },
	{ LAF, "after work", "2026-10-30 17:00", "2026-10-30 20:00", "T" },
	{ LAF, "late tonight", "2026-10-30 20:00", "2026-10-30 23:00", "DT" },
	{ LAF, "first thing tomorrow", "2026-10-31 08:00", "2026-10-31 09:00", "DT" },
	{ LAF, "end of the day", "2026-10-30 16:00", "2026-10-30 17:00", "T" },
	{ LAF, "in a few days", "2026-11-01 00:00", "2026-11-04 00:00", "D" },
	{ LAF, "the 14th at 10", "2026-11-14 10:00", "2026-11-14 10:00", "DTX" },
	{ LAF, "11/3", "2026-11-03 00:00", "2026-11-04 00:00", "D" },
	{ LAF, "asap", "2026-10-30 10:00", "2026-11-13 09:00", "A" },
	{ LAF, "Sunday evening", "2026-11-01 17:00", "2026-11-01 20:00", "DT" },
	{ LAF, "I need 2 fillings", NONE },
	{ LAF, "the first one", NONE },
	/* London, Friday, March 27 at 4 PM; the clocks go forward on Sunday */
	{ LDN, "3/4", "2026-04-03 00:00", "2026-04-04 00:00", "D" },
	{ LDN, "14/3", "2027-03-14 00:00", "2027-03-15 00:00", "D" },
	{ LDN, "half three", "2026-03-28 15:30", "2026-03-28 15:30", "TX" },
	{ LDN, "ten to four", "2026-03-28 15:50", "2026-03-28 15:50", "TX" },
	{ LDN, "quarter past ten tomorrow", "2026-03-28 10:15", "2026-03-28 10:15", "DTX" },
	{ LDN, "Sunday at 9", "2026-03-29 09:00", "2026-03-29 09:00", "DTX" },
	{ LDN, "next Wednesday", "2026-04-01 00:00", "2026-04-02 00:00", "D" },
	{ LDN, "Wednesday next week", "2026-04-01 00:00", "2026-04-02 00:00", "D" },
	{ LDN, "after 5", "2026-03-27 17:00", "2026-03-27 19:00", "T" },
	{ LDN, "in 30 minutes", "2026-03-27 16:30", "2026-03-27 16:30", "TX" },
	{ LDN, "tomorrow between 10 and 11", "2026-03-28 10:00", "2026-03-28 11:00", "DT" },
	{ LDN, "Monday evening", "2026-03-30 17:00", "2026-03-30 20:00", "DT" },
	{ LDN, "the 31st", "2026-03-31 00:00", "2026-04-01 00:00", "D" },
	{ LDN, "early next week", "2026-03-30 00:00", "2026-04-01 00:00", "D" },
	{ LDN, "this weekend", "2026-03-28 00:00", "2026-03-30 00:00", "D" },
	{ LDN, "morning", "2026-03-28 08:00", "2026-03-28 12:00", "T" },
	{ LDN, "first available", "2026-03-27 16:00", "2026-04-10 17:00", "A" },
	{ LDN, "two of us", NONE },
	/* Sydney, Saturday, April 4 at 10 AM; the clocks go back tomorrow */
	{ SYD, "this weekend", "2026-04-04 00:00", "2026-04-06 00:00", "D" },
	{ SYD, "next week", "2026-04-06 00:00", "2026-04-13 00:00", "D" },
	{ SYD, "Monday", "2026-04-06 00:00", "2026-04-07 00:00", "D" },
	{ SYD, "4/5", "2026-05-04 00:00", "2026-05-05 00:00", "D" },
	{ SYD, "20 past 3", "2026-04-04 15:20", "2026-04-04 15:20", "TX" },
	{ SYD, "in a week", "2026-04-11 00:00", "2026-04-12 00:00", "D" },
	{ SYD, "this arvo", "2026-04-04 12:00", "2026-04-04 17:00", "T" },
	{ SYD, "after 3", "2026-04-04 15:00", "2026-04-04 17:00", "T" },
	{ SYD, "asap", "2026-04-04 10:00", "2026-04-18 09:00", "A" },
	{ SYD, "the 14th at 10", "2026-04-14 10:00", "2026-04-14 10:00", "DTX" },
	{ SYD, "first thing Monday", "2026-04-06 08:00", "2026-04-06 09:00", "DT" },
	{ SYD, "tomorrow at 3", "2026-04-05 15:00", "2026-04-05 15:00", "DTX" },
	{ SYD, "in two hours", "2026-04-04 12:00", "2026-04-04 12:00", "TX" },
	{ SYD, "yes that's right", NONE },
};

static const char *say_local(time_t t, const char *zone, char *out, size_t outlen)
{
	struct tm tm;

	when_local(t, zone, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M", &tm);
	return out;
}

static bool flags_match(const struct when *w, const char *flags)
{
	return w->has_date == (strchr(flags, 'D') != NULL) &&
	       w->has_time == (strchr(flags, 'T') != NULL) &&
	       w->exact == (strchr(flags, 'X') != NULL) && w->asap == (strchr(flags, 'A') != NULL);
}

/* Every phrase is checked and every miss printed, so one run shows all that is wrong. */
static void test_callers_say(void **state)
{
	int failed = 0;

	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
		const struct said *s = &said[i];
		struct when w;
		char start[32], end[32];
		int rc = when_parse(s->text, s->zone, utc(s->now), &w);

		if (!s->start) {
			if (rc != -1) {
				print_error("\"%s\" in %s should name no time, got %s .. %s\n",
					    s->text, s->zone,
					    say_local(w.start, s->zone, start, sizeof(start)),
					    say_local(w.end, s->zone, end, sizeof(end)));
				failed++;
			}
			continue;
		}
		if (rc != 0) {
			print_error("\"%s\" in %s should be read\n", s->text, s->zone);
			failed++;
			continue;
		}
		say_local(w.start, s->zone, start, sizeof(start));
		say_local(w.end, s->zone, end, sizeof(end));
		if (strcmp(start, s->start) || strcmp(end, s->end) || !flags_match(&w, s->flags)) {
			print_error("\"%s\" in %s: got %s .. %s date=%d time=%d exact=%d asap=%d, "
				    "want %s .. %s %s\n", s->text, s->zone, start, end, w.has_date,
				    w.has_time, w.exact, w.asap, s->start, s->end, s->flags);
			failed++;
		}
	}
	if (failed)
		fail_msg("%d of %zu phrases read wrong", failed, sizeof(said) / sizeof(said[0]));
}

/* One zone, one phrase and the answer known beforehand, for a thread of its own. */
struct zone_job {
	const char *zone;
	const char *text;
	const char *want_utc;
	const char *want_said;
	int wrong;
};

static void *parse_in_a_loop(void *arg)
{
	struct zone_job *job = arg;
	time_t now = utc(FRIDAY_MORNING), want = utc(job->want_utc);

	for (int i = 0; i < 2000; i++) {
		struct when w;
		char said_text[64];
		struct tm tm;

		if (when_parse(job->text, job->zone, now, &w) != 0 || w.start != want)
			job->wrong++;
		when_say(want, job->zone, said_text, sizeof(said_text));
		if (strcmp(said_text, job->want_said))
			job->wrong++;
		when_local(want, job->zone, &tm);
		if (tm.tm_hour != 14 || tm.tm_min != 0)
			job->wrong++;
	}
	return NULL;
}

/* Eight threads in eight zones at once: each reads its own zone, and TZ is never touched. */
static void test_threads_in_different_zones(void **state)
{
	/* Friday, March 6 2026, 15:15 UTC: already Saturday in Sydney and Tokyo */
	struct zone_job jobs[] = {
		{ NY, "tomorrow at 2 pm", "2026-03-07 19:00", "Saturday, March 7 at 2 PM", 0 },
		{ LA, "tomorrow at 2 pm", "2026-03-07 22:00", "Saturday, March 7 at 2 PM", 0 },
		{ LONDON, "tomorrow at 2 pm", "2026-03-07 14:00", "Saturday, March 7 at 2 PM", 0 },
		{ SYDNEY, "tomorrow at 2 pm", "2026-03-08 03:00", "Sunday, March 8 at 2 PM", 0 },
		{ "Asia/Tokyo", "tomorrow at 2 pm", "2026-03-08 05:00", "Sunday, March 8 at 2 PM",
		  0 },
		{ "Asia/Kolkata", "tomorrow at 2 pm", "2026-03-07 08:30",
		  "Saturday, March 7 at 2 PM", 0 },
		{ "America/Chicago", "next Tuesday at 2", "2026-03-10 19:00",
		  "Tuesday, March 10 at 2 PM", 0 },
		{ "UTC", "tomorrow at 2 pm", "2026-03-07 14:00", "Saturday, March 7 at 2 PM", 0 },
	};
	pthread_t threads[sizeof(jobs) / sizeof(jobs[0])];

	unsetenv("TZ");
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
		assert_int_equal(pthread_create(&threads[i], NULL, parse_in_a_loop, &jobs[i]), 0);
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		pthread_join(threads[i], NULL);
		if (jobs[i].wrong)
			fail_msg("%s: %d wrong answers", jobs[i].zone, jobs[i].wrong);
	}
	assert_null(getenv("TZ"));
}

/* A rules-brain turn has 1 ms of CPU: a parse must take a small part of it. */
static void test_speed(void **state)
{
	static const char *const texts[] = {
		"tomorrow at 2 pm", "next Wednesday morning", "between 10 and 11",
		"as soon as possible", "I need 2 fillings", "the 14th at 10",
		"a couple of hours from now", "my name is Rose and I live at 42 Oak Street",
	};
	struct timespec from, to;
	struct when w;
	int n = 10000;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &from);
	for (int i = 0; i < n; i++)
		when_parse(texts[i % 8], NY, utc(FRIDAY_MORNING) + i, &w);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &to);
	double us = ((double)(to.tv_sec - from.tv_sec) * 1e6 +
		     (double)(to.tv_nsec - from.tv_nsec) / 1e3) / n;
	print_message("when_parse: %.1f us of CPU per parse (%d parses)\n", us, n);
	assert_true(us < 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_null_text_names_no_time),
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_said_then_read_back),
		cmocka_unit_test(test_process_timezone_is_restored),
		cmocka_unit_test(test_callers_say),
		cmocka_unit_test(test_threads_in_different_zones),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
