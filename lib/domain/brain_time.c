/* brain_time.c: the time a caller asks for, as the receptionist hears it, before and around when.c */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/brain_engines.h"
#include "domain/when.h"

#define DAY (24 * 3600)
#define ASAP_DAYS 14

/*
 * when_parse reads dates and clock times. What it does not read is said here: "as soon as
 * possible", "next week sometime", "after work", "first thing", "before 11", and what must
 * never become a time at all: a confirmation ("yes that's right") or a choice among offered
 * times ("the first one", "the later one"), which when_parse would read as 1 o'clock.
 */

static bool has(const char *lower, const char *phrase)
{
	size_t n = strlen(phrase);
	for (const char *p = strstr(lower, phrase); p; p = strstr(p + 1, phrase)) {
		bool left = p == lower || !isalnum((unsigned char)p[-1]);
		bool right = !isalnum((unsigned char)p[n]);
		if (left && right)
			return true;
	}
	return false;
}

/* Local midnight of the day holding t in timezone. */
static time_t midnight(time_t t, const char *timezone)
{
	struct tm tm;
	when_local(t, timezone, &tm);
	return t - tm.tm_hour * 3600 - tm.tm_min * 60 - tm.tm_sec;
}

/* "before 11", "before noon", "after 3": the hour named (24-hour), or -1. */
static int hour_after(const char *lower, const char *word)
{
	char key[16];
	snprintf(key, sizeof(key), "%s ", word);
	const char *p = strstr(lower, key);
	if (!p)
		return -1;
	p += strlen(key);
	if (!strncmp(p, "noon", 4) || !strncmp(p, "lunch", 5))
		return 12;
	if (!isdigit((unsigned char)*p))
		return -1;
	int h = atoi(p);
	while (isdigit((unsigned char)*p) || *p == ':')
		p++;
	while (*p == ' ')
		p++;
	bool pm = !strncmp(p, "pm", 2) || !strncmp(p, "p.m", 3);
	bool am = !strncmp(p, "am", 2) || !strncmp(p, "a.m", 3);
	if (h < 1 || h > 12)
		return -1;
	if (pm && h < 12)
		h += 12;
	else if (!am && h <= 6)
		h += 12;
	return h;
}

time_t brain_on_day_of(time_t clock, time_t day, const char *timezone)
{
	time_t on = midnight(day, timezone) + (clock - midnight(clock, timezone));
	/* Across a change of daylight saving time the same clock reading is an hour off. */
	struct tm want, got;
	when_local(clock, timezone, &want);
	when_local(on, timezone, &got);
	return on + (want.tm_hour - got.tm_hour) * 3600;
}

int brain_when(const char *text, const char *timezone, time_t now, struct when *out)
{
	char lower[512];
	size_t n = 0;
	struct when w;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -1;
	for (; text[n] && n < sizeof(lower) - 1; n++)
		lower[n] = (char)tolower((unsigned char)text[n]);
	lower[n] = '\0';
	if (brain_names_choice(text) && !brain_says_asap(text))
		return -1;
	/* "Tuesday, no sorry, Wednesday afternoon": the last word on it counts. */
	static const char *const fixes[] = { "no sorry", "no wait", "sorry", "actually",
					     "i mean", "make that", "scratch that", "or rather",
					     NULL };
	const char *last = NULL;
	for (const char *const *f = fixes; *f; f++)
		for (const char *p = strstr(lower, *f); p; p = strstr(p + 1, *f))
			if (p > lower && (!last || p > last) && !isalnum((unsigned char)p[-1]))
				last = p + strlen(*f);
	if (last && brain_when(text + (last - lower), timezone, now, out) == 0)
		return 0;
	if (brain_is_confirmation(text))
		return -1;
	if (brain_says_asap(text) && !has(lower, "tomorrow") && !has(lower, "next week")) {
		out->start = now;
		out->end = now + ASAP_DAYS * DAY;
		out->has_date = true;
		return 0;
	}
	if (has(lower, "next week") || has(lower, "following week")) {
		struct tm tm;
		when_local(now, timezone, &tm);
		int ahead = tm.tm_wday == 0 ? 1 : 8 - tm.tm_wday;
		out->start = midnight(now, timezone) + ahead * DAY + 3600;  /* past a DST switch */
		out->start = midnight(out->start, timezone);
		out->end = midnight(out->start + 7 * DAY + 3600, timezone);
		out->has_date = true;
		/* "Tuesday next week": that day, when when.c names one inside the week. */
		if (when_parse(text, timezone, now, &w) == 0 && w.has_date && w.start >= out->start &&
		    w.start < out->end)
			*out = w;
		return 0;
	}
	bool parsed = when_parse(text, timezone, now, &w) == 0;
	bool after_work = has(lower, "after work") || has(lower, "after i get off");
	bool first_thing = has(lower, "first thing");
	int before = hour_after(lower, "before");
	int after = after_work ? 16 : hour_after(lower, "after");
	if (!after_work && !first_thing && before < 0 && after < 0)
		return parsed ? (*out = w, 0) : -1;
	/* The day: the one named, else today while there is time left in it, else tomorrow. */
	time_t day;
	if (parsed && w.has_date) {
		day = midnight(w.start, timezone);
	} else {
		day = midnight(now, timezone);
		int until = first_thing ? 10 : before >= 0 ? before : 20;
		if (now >= day + until * 3600 || (first_thing && !has(lower, "today")))
			day = midnight(day + DAY + 3600, timezone);
		if (has(lower, "tomorrow"))
			day = midnight(midnight(now, timezone) + DAY + 3600, timezone);
	}
	out->has_date = true;
	out->has_time = true;
	if (first_thing) {
		out->start = day;
		out->end = day + 11 * 3600;
	} else if (before >= 0) {
		out->start = day;
		out->end = day + before * 3600;
	} else {
		out->start = day + after * 3600;
		out->end = day + 22 * 3600;
	}
	return 0;
}
