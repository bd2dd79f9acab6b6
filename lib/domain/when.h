/* when.h: what a caller means by "tomorrow at 2 pm", "next Tuesday morning", "the 14th after lunch" */
#ifndef SB_WHEN_H
#define SB_WHEN_H

#include <stdbool.h>
#include <time.h>

/* A moment or a window the caller named, in absolute time. */
struct when {
	time_t start;     /* the moment, or the window's start */
	time_t end;       /* the window's end; equal to start for an exact time */
	bool has_date;    /* a day was named ("tomorrow", "Friday", "the 14th") */
	bool has_time;    /* a time of day or a part of the day was named */
	bool exact;       /* a time of day to the minute ("2 pm", "10:30") */
};

/*
 * Find a date and/or time in text (any case, with or without punctuation), read in the IANA
 * timezone (the business's, e.g. "America/New_York") relative to now. Relative days ("today",
 * "tomorrow", "day after tomorrow", "in 3 days"), weekdays ("Friday", "next Tuesday", "this
 * Saturday": always the coming one), dates ("the 14th", "March 3", "3/14"), times ("2", "2 pm",
 * "2:30", "14:00", "noon", "half past two"), and parts of the day ("morning" 8-12, "after lunch"
 * 13-17, "afternoon" 12-17, "evening" 17-20). A bare hour 1-7 means pm. A day alone is that
 * whole day; a time alone is today, or tomorrow when that time has passed.
 * Returns 0 and fills *out, or -1 when the text names no time at all.
 */
int when_parse(const char *text, const char *timezone, time_t now, struct when *out);

/*
 * The calendar time of t in timezone (fields as localtime_r() gives them there). Safe to call
 * from several threads: the process-wide TZ is switched under a lock and restored.
 */
void when_local(time_t t, const char *timezone, struct tm *out);

/* Speak a moment in timezone as a receptionist would: "Tuesday, March 3 at 2:30 PM". */
void when_say(time_t t, const char *timezone, char *out, size_t outlen);

#endif
