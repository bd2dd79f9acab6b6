/* when_read.h: the reader's working state, shared by the day readers and the time readers */
#ifndef SB_WHEN_READ_H
#define SB_WHEN_READ_H

#include <stdbool.h>
#include <time.h>

#include "domain/when_words.h"

#define MINUTES(h) ((h) * 60)
#define MAX_BARE 4

/* A time of day as said, before morning or afternoon is settled. */
struct clock {
	int hour, minute;
	int meridiem;          /* 0 unsaid, 'a', 'p', or 'x' when already unambiguous */
};

/* What the words named, before it is placed on the calendar. */
struct reading {
	bool has_day;
	long day;              /* days since 1970-01-01 in the local calendar */
	bool day_is_date;      /* named by its date ("March 17"), not relative ("Tuesday") */
	bool has_span;         /* several days: "next week", "this weekend" */
	long span_from, span_to;
	bool has_clock;
	struct clock clock;
	bool has_part;         /* a part of the day, minutes after midnight */
	int part_from, part_to;
	int range;             /* 0, 'r' "2 to 4", 'b' "before 11", 'a' "after 3" */
	struct clock range_from, range_to;
	bool has_moment;       /* "in 2 hours": an absolute moment, or up to moment_end */
	time_t moment, moment_end;
	bool asap;
	bool picks_offered;    /* "the 3 o'clock": one of the times offered, not a new one */
};

/* A lone number ("2") or range ("2 to 4"): a time only with a time word or a day beside it. */
struct bare {
	int at, end;
	struct clock clock, to;
	bool range;
};

struct parser {
	const struct tokens *t;
	long today;
	time_t now;
	bool day_first;        /* "3/4" is the 3rd of April */
	struct reading r;
	struct bare bare[MAX_BARE];
	int nbare;
	bool named_before[WHEN_MAX_TOKENS + 1], named_after[WHEN_MAX_TOKENS + 1];
};

/* The words of phrase ("as soon as") at i: tokens used, or 0. */
int when_match(const struct tokens *t, int i, const char *phrase);

/* The first of a NULL-terminated list of phrases at i: tokens used, or 0; *which its index. */
int when_match_any(const struct tokens *t, int i, const char *const *phrases, int *which);

/* Tokens i to i + used named a day or a part of the day: a lone number beside them is an hour. */
void when_named(struct parser *p, int i, int used);

/* Keep the day or the days [from, to) named, unless one was named before. */
void when_take_day(struct parser *p, long day, bool is_date);
void when_take_span(struct parser *p, long from, long to);

/* Readers of days at token i; each returns the tokens it used, or 0. */
int when_read_relative(struct parser *p, int i);    /* "in 2 hours", "in a few days" */
int when_read_span(struct parser *p, int i);        /* "next week", "this weekend", "in March" */
int when_read_date(struct parser *p, int i);        /* "tomorrow", "next Wednesday", "the 14th" */

#endif
