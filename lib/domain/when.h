/* when.h: what a caller means by "tomorrow at 2 pm", "next week", "between 10 and 11", "asap" */
#ifndef SB_WHEN_H
#define SB_WHEN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* A moment or a window the caller named, in absolute time. */
struct when {
	time_t start;     /* the moment, or the window's start */
	time_t end;       /* the window's end; equal to start for an exact time */
	bool has_date;    /* a day or days were named ("tomorrow", "Friday", "next week") */
	bool has_time;    /* a time of day, a part of the day or a range of hours was named */
	bool exact;       /* a time of day to the minute ("2 pm", "10:30", "in 2 hours") */
	bool asap;        /* "as soon as possible", "first available", "whenever": start is now,
			     end two weeks on, no date and no time */
};

/*
 * Find a date and/or time in text (any case, with or without punctuation), read in the IANA
 * timezone (the business's, e.g. "America/New_York") relative to now. Safe from any thread:
 * the zone is read through ICU, never through the process's TZ.
 *
 * Days: "today", "tomorrow", "day after tomorrow", "in 3 days", "in a week" (that day);
 * "in a few days" (days 2 to 4); weekdays: "Wednesday" and "this Wednesday" are the coming one
 * ("Wednesday" said on a Wednesday is a week on, "this Wednesday" today); "next Wednesday" and
 * "Wednesday next week" are the Wednesday of next week, Monday to Sunday, so "next Wednesday"
 * said on a Tuesday is 8 days on and said on a Friday 5 days on ("next Monday" said on a Sunday
 * is 8 days on); dates: "the 14th", "March 3rd", "3/14" (day first, "14/3", in zones of
 * Europe, Africa, Asia and Australia), the next such date that has not passed. A small ordinal
 * alone ("the first", "the second one") is a caller picking an option, not a date; "on the
 * 3rd" and "the 3rd of the month" are dates.
 * Several days (has_date, the window spans whole days): "this weekend" (Saturday and Sunday),
 * "next week" (next Monday to Sunday), "early next week" (Monday, Tuesday), "late next week"
 * (Thursday, Friday), "the end of the week", "this week", "next month", "in March".
 * Times: "2 pm", "2:30", "14:00", "noon", "half past two", "twenty after three", "ten to four",
 * "three forty-five", "at 3", "3 o'clock", "3ish". A lone number is an hour only beside a time
 * word ("at", "around", "by") or a day ("tomorrow 3", "Tuesday at 10"), never as a count, a
 * house number or part of a phone number. A time after "the" with no day ("the 3 o'clock",
 * "the 2:30 one") points at a time already offered and is not read as a new one. Without am
 * or pm, the part of the day said decides, else business hours: 1-6 is pm, 7-11 am, 12 noon.
 * Windows (has_time, not exact): "between 10 and 11", "3 to 4 pm", "from 2 to 4", "before 11"
 * (from 8 am), "after 3" (to 5 pm, or two hours on when later), "morning" 8-12, "afternoon"
 * 12-17, "after lunch" 13-17, "evening" and "tonight" 17-20, "after work" 17-20, "late
 * tonight" 20-23, "first thing" 8-9, "end of the day" 16-17, "within the hour".
 * A time alone is today's, or tomorrow's when it has passed; a day alone is that whole day.
 * "In 2 hours" and "a couple of hours from now" are an exact moment from now.
 * When a day or time is named with "as soon as possible", the day or time counts; asap is set
 * only when nothing else was named.
 * Returns 0 and fills *out, or -1 when the text names no time at all.
 */
int when_parse(const char *text, const char *timezone, time_t now, struct when *out);

/* The calendar time of t in timezone (fields as localtime_r() gives them there); any thread. */
void when_local(time_t t, const char *timezone, struct tm *out);

/* Speak a moment in timezone as a receptionist would: "Tuesday, March 3 at 2:30 PM". */
void when_say(time_t t, const char *timezone, char *out, size_t outlen);

#endif
