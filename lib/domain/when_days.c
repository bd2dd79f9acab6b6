/* when_days.c: the days callers name, from "tomorrow" and "next Wednesday" to "early next week" */
#include "domain/when_read.h"

#include <stdio.h>
#include <string.h>

static bool is(const struct tokens *t, int i, const char *word)
{
	return when_is(t, i, word);
}

/* The words of phrase ("as soon as") at i: tokens used, or 0. */
int when_match(const struct tokens *t, int i, const char *phrase)
{
	int used = 0;

	while (*phrase) {
		size_t len = strcspn(phrase, " ");
		if (i + used >= t->n || strlen(t->word[i + used]) != len ||
		    strncmp(t->word[i + used], phrase, len))
			return 0;
		used++;
		phrase += len + (phrase[len] == ' ');
	}
	return used;
}

/* The first of a NULL-terminated list of phrases said at i: tokens used, or 0. */
int when_match_any(const struct tokens *t, int i, const char *const *phrases, int *which)
{
	for (int k = 0; phrases[k]; k++) {
		int used = when_match(t, i, phrases[k]);
		if (used) {
			if (which)
				*which = k;
			return used;
		}
	}
	return 0;
}

void when_named(struct parser *p, int i, int used)
{
	p->named_before[i] = p->named_after[i + used] = true;
}

void when_take_day(struct parser *p, long day, bool is_date)
{
	struct reading *r = &p->r;

	/* "Tuesday, March 17": the date says more than the weekday. */
	if (!r->has_day || (is_date && !r->day_is_date)) {
		r->has_day = true;
		r->day = day;
		r->day_is_date = is_date;
	}
}

void when_take_span(struct parser *p, long from, long to)
{
	if (!p->r.has_span) {
		p->r.has_span = true;
		p->r.span_from = from;
		p->r.span_to = to > from ? to : from + 1;
	}
}

/* The Monday that starts next week (Monday to Sunday); a week from today on a Monday. */
static long next_monday(long today)
{
	return today + 7 - (when_weekday_of(today) + 6) % 7;
}
/* "in 2 hours", "a couple of hours from now", "in a few days", "a week from Friday". */
static int read_quantity(const struct tokens *t, int i, int *n, bool *vague)
{
	static const char *const couple[] = { "a couple of", "a couple", "couple of", "couple",
					      "a pair of", NULL };
	static const char *const few[] = { "a few", "few", "several", NULL };
	int used = when_match_any(t, i, couple, NULL);

	*vague = false;
	if (used) {
		*n = 2;
		return used;
	}
	used = when_match_any(t, i, few, NULL);
	if (used) {
		*n = is(t, i, "several") ? 4 : 3;
		*vague = true;
		return used;
	}
	if (is(t, i, "a") || is(t, i, "an")) {
		*n = 1;
		return 1;
	}
	used = when_read_number(t, i, n);
	return used && *n >= 1 && *n <= 120 ? used : 0;
}

static int read_unit(const struct tokens *t, int i, long *seconds, int *days, int *months)
{
	static const char *const units[] = {
		"minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "day", "days",
		"week", "weeks", "month", "months", "fortnight", NULL
	};
	static const int kinds[] = { 'm', 'm', 'm', 'm', 'h', 'h', 'h', 'h', 'd', 'd', 'w', 'w',
				     'M', 'M', 'f' };
	int k = i < t->n ? when_find_word(units, t->word[i]) : -1;

	*seconds = 0;
	*days = *months = 0;
	if (k < 0)
		return 0;
	switch (kinds[k]) {
	case 'm': *seconds = 60; break;
	case 'h': *seconds = 3600; break;
	case 'd': *days = 1; break;
	case 'w': *days = 7; break;
	case 'f': *days = 14; break;
	default: *months = 1; break;
	}
	return 1;
}

/* The day named after "from" in "a week from Friday": today when none is. */
static int read_base_day(struct parser *p, int i, long *day)
{
	int wd = when_read_weekday(p->t, i);

	*day = p->today;
	if (is(p->t, i, "today") || is(p->t, i, "now"))
		return 1;
	if (is(p->t, i, "tomorrow")) {
		*day = p->today + 1;
		return 1;
	}
	if (wd >= 0) {
		int ahead = (wd - when_weekday_of(p->today) + 7) % 7;
		*day = p->today + (ahead ? ahead : 7);
		return 1;
	}
	return 0;
}

int when_read_relative(struct parser *p, int i)
{
	static const char *const within[] = { "within the next", "in the next", "over the next",
					      "within the", "the next", "next", NULL };
	const struct tokens *t = p->t;
	int n = 1, days, months, j = i, kind = 0;
	long seconds, base = p->today;
	bool vague = false, half = false;

	/* "within 2 hours", "the next few days"; "next week" alone is a calendar week. */
	if (when_match_any(t, i, within, NULL)) {
		kind = 'w';
		j += when_match_any(t, i, within, NULL);
	} else if (is(t, i, "in") || is(t, i, "within")) {
		kind = is(t, i, "in") ? 'i' : 'w';
		j++;
	}
	if ((is(t, j, "half") && (is(t, j + 1, "an") || is(t, j + 1, "a"))) ||
	    (is(t, j, "a") && is(t, j + 1, "half"))) {
		half = true;
		j += 2;
		n = 0;
	} else {
		int used = read_quantity(t, j, &n, &vague);
		/* "within the hour" has no number */
		if (!used && !(kind == 'w' && is(t, j - 1, "the")))
			return 0;
		j += used;
	}
	if (!read_unit(t, j, &seconds, &days, &months))
		return 0;
	j++;
	if (when_match(t, j, "and a half") && seconds) {
		half = true;
		j += 3;
	}
	if (when_match(t, j, "from now") || when_match(t, j, "from today")) {
		j += 2;
	} else if (is(t, j, "from") && read_base_day(p, j + 1, &base)) {
		j += 2;
	} else if (is(t, j, "out") || is(t, j, "time") ||
		   (is(t, j, "s") && is(t, j + 1, "time"))) {
		j += is(t, j, "s") ? 2 : 1;
	} else if (!kind) {
		return 0;
	}
	long span = seconds * n + (half ? seconds / 2 : 0);
	struct reading *r = &p->r;
	if (seconds) {
		/* "in a minute" is a manner of speaking, not a time */
		if (r->has_moment || span < 5 * 60 || span > 72 * 3600L)
			return j - i;
		r->has_moment = true;
		r->moment = kind == 'w' ? p->now : p->now + span;
		r->moment_end = p->now + span;
		if (vague) {
			r->moment = p->now + span - seconds;
			r->moment_end = p->now + span + seconds;
		}
	} else if (months) {
		int y, m, d;
		when_civil_from_days(base, &y, &m, &d);
		m += n;
		y += (m - 1) / 12;
		m = (m - 1) % 12 + 1;
		if (d > when_days_in_month(y, m))
			d = when_days_in_month(y, m);
		long day = when_days_from_civil(y, m, d);
		if (kind == 'w')
			when_take_span(p, base, day);
		else
			when_take_day(p, day, false);
	} else if (kind == 'w') {
		when_take_span(p, base, base + (long)days * n + 1);
	} else if (vague) {
		when_take_span(p, base + (long)days * (n - 1), base + (long)days * (n + 1) + 1);
	} else {
		when_take_day(p, base + (long)days * n, false);
	}
	when_named(p, i, j - i);
	return j - i;
}

/* The first day of the month after the one day falls in. */
static long next_month_start(long day, int months)
{
	int y, m, d;

	when_civil_from_days(day, &y, &m, &d);
	m += months;
	y += (m - 1) / 12;
	m = (m - 1) % 12 + 1;
	return when_days_from_civil(y, m, 1);
}

/* Days [from, to) of the part of a month: 'e' early (1-10), 'm' mid (11-20), 'l' late. */
static void month_part(long first, int part, long *from, long *to)
{
	long end = next_month_start(first, 1);

	*from = first;
	*to = end;
	if (part == 'e')
		*to = first + 10;
	else if (part == 'm')
		*from = first + 10, *to = first + 20;
	else if (part == 'l')
		*from = end - 10 > first + 20 ? first + 20 : end - 10;
}

/*
 * Named months ("in March", "early April", "the end of the month"): the next such month that
 * has not ended, from today when it is this month.
 */
static int read_month_span(struct parser *p, int i)
{
	static const char *const parts[] = {
		"sometime in", "some time in", "during", "in", "early", "the beginning of",
		"beginning of", "the start of", "start of", "the first half of", "mid",
		"the middle of", "middle of", "late", "the end of", "end of", "the second half of",
		NULL
	};
	static const char part_kind[] = { 0, 0, 0, 0, 'e', 'e', 'e', 'e', 'e', 'e', 'm', 'm', 'm',
					   'l', 'l', 'l', 'l' };
	const struct tokens *t = p->t;
	int k = 0, used = when_match_any(t, i, parts, &k), y, m, d;
	long first, from, to;

	if (!used)
		return 0;
	int j = i + used;
	when_civil_from_days(p->today, &y, &m, &d);
	long this_month = p->today - d + 1;
	if (when_match(t, j, "the month") || when_match(t, j, "this month")) {
		first = this_month;
		j += 2;
	} else if (when_match(t, j, "next month")) {
		first = next_month_start(p->today, 1);
		j += 2;
	} else {
		int month = when_read_month(t, j);
		/* "in May" is a month; "may" after other words is usually "may I" */
		if (!month || (is(t, j, "may") && !strcmp(parts[k], "in") && is(t, j + 1, "i")))
			return 0;
		if (when_read_number(t, j + 1, &d) || when_read_ordinal(t, j + 1, &d))
			return 0;       /* "in March 3rd": a date */
		first = when_days_from_civil(y, month, 1);
		if (month < m)
			first = when_days_from_civil(y + 1, month, 1);
		j++;
	}
	month_part(first, part_kind[k], &from, &to);
	if (to <= p->today) {
		first = next_month_start(first, 12);
		month_part(first, part_kind[k], &from, &to);
	}
	when_take_span(p, from > p->today ? from : p->today, to);
	when_named(p, i, j - i);
	return j - i;
}

/* Weeks and weekends: "this weekend", "next week", "early next week", "next week Wednesday". */
int when_read_span(struct parser *p, int i)
{
	static const char *const spans[] = {
		"next weekend", "this weekend", "the weekend", "weekend", "week after next",
		"the week after next", "early next week", "the beginning of next week",
		"beginning of next week", "the start of next week", "start of next week",
		"the middle of next week", "middle of next week", "mid next week", "late next week",
		"later next week", "the end of next week", "end of next week", "next week",
		"later this week", "later in the week", "the end of the week", "end of the week",
		"the end of this week", "end of this week", "this week", "next month",
		"this month", NULL
	};
	/* each span as the days [from, to) after next Monday, or 'w' for a weekend */
	static const struct { int kind, from, to; } days[] = {
		{ 'n', 5, 7 }, { 'w', 0, 0 }, { 'w', 0, 0 }, { 'w', 0, 0 }, { 'n', 7, 14 },
		{ 'n', 7, 14 }, { 'n', 0, 2 }, { 'n', 0, 2 }, { 'n', 0, 2 }, { 'n', 0, 2 },
		{ 'n', 0, 2 }, { 'n', 1, 4 }, { 'n', 1, 4 }, { 'n', 1, 4 }, { 'n', 3, 5 },
		{ 'n', 3, 5 }, { 'n', 3, 5 }, { 'n', 3, 5 }, { 'n', 0, 7 }, { 't', 1, 0 },
		{ 't', 1, 0 }, { 'n', -4, -2 }, { 'n', -4, -2 }, { 'n', -4, -2 }, { 'n', -4, -2 },
		{ 't', 0, 0 }, { 'M', 1, 0 }, { 'M', 0, 0 },
	};
	const struct tokens *t = p->t;
	int k = 0, used = when_match_any(t, i, spans, &k);
	long monday = next_monday(p->today), from, to;

	/* "the week of the 16th": Monday to Sunday around that day */
	int of = when_match(t, i, "the week of") ? 3 : when_match(t, i, "week of") ? 2 : 0;
	if (of) {
		struct parser day = *p;
		day.r.has_day = false;
		int j = i + of + is(t, i + of, "the");
		int dused = when_read_date(&day, j);
		if (!dused || !day.r.has_day)
			return 0;
		from = day.r.day - (when_weekday_of(day.r.day) + 6) % 7;
		when_take_span(p, from > p->today ? from : p->today, from + 7);
		when_named(p, i, j + dused - i);
		return j + dused - i;
	}
	if (!used)
		return read_month_span(p, i);
	switch (days[k].kind) {
	case 'w':
		/* on a Sunday "this weekend" is today; on a Saturday from today */
		from = when_weekday_of(p->today) == 0 ? p->today : monday - 2;
		to = monday;
		break;
	case 't':
		from = p->today + days[k].from;
		to = monday;
		break;
	case 'M':
		from = days[k].from ? next_month_start(p->today, 1) : p->today;
		to = next_month_start(p->today, days[k].from + 1);
		break;
	default:
		from = monday + days[k].from;
		to = monday + days[k].to;
		/* "the end of the week" once Friday has passed is next week's */
		if (to <= p->today)
			from += 7, to += 7;
		break;
	}
	int j = i + used;
	/* "next week on Wednesday", "next week Wednesday": that day of the span */
	int wd = when_read_weekday(t, j + is(t, j, "on"));
	if (wd >= 0 && days[k].kind == 'n' && to - from == 7) {
		when_take_day(p, from + (wd + 6) % 7, false);
		j += 1 + is(t, j, "on");
	} else {
		when_take_span(p, from > p->today ? from : p->today, to);
	}
	when_named(p, i, j - i);
	return j - i;
}

/* month/day in year, or when year is 0 the next such date on or after today; -1 if none. */
static long month_day(long today, int year, int month, int day)
{
	int y, m, d;

	if (month < 1 || month > 12 || day < 1 || day > 31)
		return -1;
	if (year)
		return day <= when_days_in_month(year, month) ?
			       when_days_from_civil(year, month, day) : -1;
	when_civil_from_days(today, &y, &m, &d);
	for (int tries = 0; tries < 9; tries++, y++) {
		if (day > when_days_in_month(y, month))
			continue;
		long candidate = when_days_from_civil(y, month, day);
		if (candidate >= today)
			return candidate;
	}
	return -1;
}

/* The next day on or after today that is the dayth of a month that has one. */
static long next_day_of_month(long today, int day)
{
	int y, m, d;

	when_civil_from_days(today, &y, &m, &d);
	if (day < d)
		m++;
	for (int tries = 0; tries < 13; tries++, m++) {
		if (m > 12)
			m = 1, y++;
		if (day <= when_days_in_month(y, m))
			return when_days_from_civil(y, m, day);
	}
	return -1;
}

static int read_year(const struct tokens *t, int i, int *year)
{
	int value;

	if (i < t->n && strlen(t->word[i]) == 4 && when_read_number(t, i, &value) == 1 &&
	    value >= 2000 && value <= 2100) {
		*year = value;
		return 1;
	}
	return 0;
}

/* "3/14", "14/3" in a day-first zone, "3/14/2026". */
static int read_slash_date(struct parser *p, int i)
{
	int a, b, year = 0, used;
	char tail[WHEN_TOKEN_CHARS] = "";

	if (i >= p->t->n || !strchr(p->t->word[i], '/'))
		return 0;
	used = sscanf(p->t->word[i], "%2d/%2d/%4d%1s", &a, &b, &year, tail);
	if (used < 2 || used > 3 || tail[0])
		return 0;
	if (used == 3 && year < 100)
		year += 2000;
	bool day_first = (p->day_first && a <= 31 && b <= 12) || (a > 12 && b <= 12);
	long day = month_day(p->today, year, day_first ? b : a, day_first ? a : b);
	if (day < 0)
		return 0;
	when_take_day(p, day, true);
	return 1;
}

/*
 * A day of the month said alone ("the 14th", "on the third"). Callers choosing among offered
 * times say "the first", "the second one", so a small ordinal is a date only with a date word
 * beside it ("on the 3rd", "the 3rd of the month", "Tuesday the 3rd", "the 3rd at 10").
 */
static int read_day_of_month(struct parser *p, int i)
{
	static const char *const not_after[] = {
		"available", "thing", "time", "one", "ones", "opening", "slot", "appointment",
		"week", "person", "option", "choice", "visit", "floor", "call", "guy", "place",
		"name", "grade", "year", "street", "avenue", "st", "ave", NULL
	};
	/* "the first or the second", "the second of the three": picks among a few */
	static const char *const not_after_small[] = { "of", "two", "three", "and", "or", "off",
						       "open", NULL };
	const struct tokens *t = p->t;
	int n = 0, used = when_read_ordinal(t, i, &n);
	bool the = is(t, i - 1, "the");

	if (!used) {
		/* "the 14": a plain number after "the" that no option list reaches */
		used = when_read_number(t, i, &n);
		if (!used || !the || when_is_spelled(t, i) || n < 13 || n > 31)
			return 0;
	}
	bool context = (the && (is(t, i - 2, "on") || is(t, i - 2, "for") ||
				is(t, i - 2, "by") || is(t, i - 2, "until") ||
				when_read_weekday(t, i - 2) >= 0)) ||
		       when_match(t, i + used, "of the month") ||
		       when_match(t, i + used, "of this month") ||
		       is(t, i + used, "at");
	if (when_match(t, i + used, "of next month")) {
		int y, m, d;
		when_civil_from_days(p->today, &y, &m, &d);
		y += m == 12;
		m = m % 12 + 1;
		if (n > when_days_in_month(y, m))
			return 0;
		when_take_day(p, when_days_from_civil(y, m, n), true);
		return used + 3;
	}
	if ((when_is_any(t, i + used, not_after) ||
	     (n <= 5 && when_is_any(t, i + used, not_after_small))) &&
	    !when_match(t, i + used, "of the month") &&
	    !when_match(t, i + used, "of this month"))
		return 0;
	if ((n <= 5 && !context) || (when_is_spelled(t, i) && !the && !context))
		return 0;
	long day = next_day_of_month(p->today, n);
	if (day < 0)
		return 0;
	when_take_day(p, day, true);
	if (when_match(t, i + used, "of the month") || when_match(t, i + used, "of this month"))
		used += 3;
	return used;
}

/* "March 3rd", "March the 3rd, 2027", "the 3rd of March", "3 March". */
static int read_month_date(struct parser *p, int i)
{
	const struct tokens *t = p->t;
	int n = 0, used, year = 0;
	int month = when_read_month(t, i);

	if (month) {
		int j = i + 1 + is(t, i + 1, "the");
		used = when_read_ordinal(t, j, &n);
		if (!used) {
			used = when_read_number(t, j, &n);
			if (n < 1 || n > 31)
				used = 0;
		}
		/* "may" is a month only when a day follows: "May 3", not "may I book". */
		if (!used)
			return 0;
		used += read_year(t, j + used, &year);
		long day = month_day(p->today, year, month, n);
		if (day < 0)
			return 0;
		when_take_day(p, day, true);
		return j - i + used;
	}
	bool ordinal = true;
	used = when_read_ordinal(t, i, &n);
	if (!used) {
		ordinal = false;
		used = when_read_number(t, i, &n);
	}
	if (!used || n < 1 || n > 31)
		return 0;
	int j = i + used + is(t, i + used, "of");
	month = when_read_month(t, j);
	if (!month || (!ordinal && is(t, j, "may")))
		return 0;
	int more = read_year(t, j + 1, &year);
	long day = month_day(p->today, year, month, n);
	if (day < 0)
		return 0;
	when_take_day(p, day, true);
	return j + 1 + more - i;
}

/*
 * Weekdays. "Wednesday" and "this Wednesday" are the coming one ("this Wednesday" said on a
 * Wednesday is today, "Wednesday" a week on); "next Wednesday" and "Wednesday next week" are
 * the Wednesday of next week (Monday to Sunday).
 */
static int read_weekday(struct parser *p, int i)
{
	const struct tokens *t = p->t;
	int j = i, next = 0, this_one = 0;

	if (is(t, j, "next") || when_match(t, j, "a week")) {
		next = is(t, j, "next") ? 'n' : 0;
		j += next ? 1 : 2;
		if (!next && !is(t, j, "on"))
			return 0;
		next = next ? next : '+';
		j += is(t, j, "on");
	} else if (when_match(t, j, "this coming") || is(t, j, "this") || is(t, j, "coming")) {
		this_one = 1;
		j += when_match(t, j, "this coming") ? 2 : 1;
	}
	int wd = when_read_weekday(t, j);
	if (wd < 0)
		return 0;
	j++;
	int ahead = (wd - when_weekday_of(p->today) + 7) % 7;
	long day = p->today + (ahead || this_one ? ahead : 7);
	if (!next && (when_match(t, j, "next week") || when_match(t, j, "of next week"))) {
		next = 'n';
		j += is(t, j, "of") ? 3 : 2;
	} else if (!next && (when_match(t, j, "after next") || is(t, j, "week"))) {
		next = '+';
		j += is(t, j, "week") ? 1 : 2;
	}
	if (next == 'n') {
		day = next_monday(p->today) + (wd + 6) % 7;
		/* On a Sunday next week starts tomorrow, but tomorrow is not "next Monday". */
		if (day == p->today + 1)
			day += 7;
	} else if (next == '+') {
		day += 7;
	}
	when_take_day(p, day, false);
	when_named(p, i, j - i);
	return j - i;
}

/* Days: "today", "tomorrow", "day after tomorrow", weekdays and dates. */
int when_read_date(struct parser *p, int i)
{
	const struct tokens *t = p->t;
	int used = when_match(t, i, "the day after tomorrow");

	if (used || (used = when_match(t, i, "day after tomorrow")))
		when_take_day(p, p->today + 2, false);
	else if (is(t, i, "today") || is(t, i, "todays"))
		when_take_day(p, p->today, false), used = 1;
	else if (is(t, i, "tomorrow") || is(t, i, "tomorrows") || is(t, i, "tmrw"))
		when_take_day(p, p->today + 1, false), used = 1;
	else if (!(used = read_weekday(p, i)) && !(used = read_slash_date(p, i)) &&
		 !(used = read_month_date(p, i)))
		used = read_day_of_month(p, i);
	if (used)
		when_named(p, i, used);
	return used;
}

