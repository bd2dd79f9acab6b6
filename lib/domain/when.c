/* when.c: reading the dates, times and windows callers say, in the business's own timezone */
#include "domain/when.h"

#include <stdio.h>
#include <string.h>

#include "domain/when_read.h"
#include "domain/when_zone.h"

static bool is(const struct tokens *t, int i, const char *word)
{
	return when_is(t, i, word);
}

static void take_part(struct parser *p, int from, int to)
{
	if (!p->r.has_part) {
		p->r.has_part = true;
		p->r.part_from = from;
		p->r.part_to = to;
	}
}

/* "as soon as possible", "the earliest you have", "whenever": the first free time. */
static int read_asap(struct parser *p, int i)
{
	static const char *const phrases[] = {
		"asap", "as soon as", "soon as possible", "as early as possible", "soonest",
		"earliest", "sooner the better", "first available", "next available",
		"first opening", "next opening", "first open", "next open", "first slot",
		"next slot", "first appointment", "first time you have", "whenever", "anytime",
		"any time", "any day", "right away", "straight away", "immediately",
		"whatever is available", "whatevers available", "whatever you have",
		"whatever works", "whatevers open", "whatever is open", "flexible", NULL
	};
	int used = when_match_any(p->t, i, phrases, NULL);

	if (used)
		p->r.asap = true;
	return used;
}

/* Parts of the day, with the hours a receptionist would offer for each. */
static int read_part(struct parser *p, int i)
{
	static const struct {
		const char *phrase;
		int from, to;          /* minutes after midnight */
		bool today;            /* names the day too: "tonight" */
		bool needs_word;       /* only after "at", "around", "over": "at lunch" */
	} parts[] = {
		{ "first thing", 480, 540, false, false },
		{ "end of the day", 960, 1020, false, false },
		{ "end of day", 960, 1020, false, false },
		{ "close of business", 960, 1020, false, false },
		{ "end of business", 960, 1020, false, false },
		{ "late tonight", 1200, 1380, true, false },
		{ "later tonight", 1200, 1380, true, false },
		{ "tonight", 1020, 1200, true, false },
		{ "late at night", 1200, 1380, false, false },
		{ "after work", 1020, 1200, false, false },
		{ "before work", 420, 540, false, false },
		{ "after school", 900, 1020, false, false },
		{ "after lunch", 780, 1020, false, false },
		{ "before lunch", 480, 720, false, false },
		{ "lunchtime", 720, 780, false, false },
		{ "lunch time", 720, 780, false, false },
		{ "lunch", 720, 780, false, true },
		{ "early morning", 420, 540, false, false },
		{ "mid morning", 540, 660, false, false },
		{ "midmorning", 540, 660, false, false },
		{ "late morning", 600, 720, false, false },
		{ "morning", 480, 720, false, false },
		{ "mornings", 480, 720, false, false },
		{ "am", 480, 720, false, true },
		{ "early afternoon", 720, 840, false, false },
		{ "mid afternoon", 840, 960, false, false },
		{ "midafternoon", 840, 960, false, false },
		{ "late afternoon", 900, 1020, false, false },
		{ "afternoon", 720, 1020, false, false },
		{ "afternoons", 720, 1020, false, false },
		{ "arvo", 720, 1020, false, false },
		{ "pm", 720, 1020, false, true },
		{ "early evening", 1020, 1140, false, false },
		{ "late evening", 1140, 1260, false, false },
		{ "evening", 1020, 1200, false, false },
		{ "evenings", 1020, 1200, false, false },
		{ "night", 1020, 1200, false, false },
		{ "nights", 1020, 1200, false, false },
	};
	static const char *const lead[] = {
		"in the", "during the", "at", "around", "over", "by the", "by", "the", "this", "in",
		"during", "any time in the", "anytime in the", NULL
	};
	const struct tokens *t = p->t;
	int j = i + when_match_any(t, i, lead, NULL);

	/* "good morning", "good night" greet or take leave */
	if (is(t, i - 1, "good"))
		return 0;

	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		int used = when_match(t, j, parts[k].phrase);
		if (!used || (parts[k].needs_word && j == i))
			continue;
		/* "at 2 pm": "pm" is a part only as "in the pm" */
		if (strlen(parts[k].phrase) == 2 && !is(t, j - 1, "the"))
			continue;
		take_part(p, parts[k].from, parts[k].to);
		if (parts[k].today)
			when_take_day(p, p->today, false);
		when_named(p, i, j + used - i);
		return j + used - i;
	}
	return 0;
}

static int read_meridiem(const struct tokens *t, int i, struct clock *c)
{
	if (is(t, i, "am") || is(t, i, "pm")) {
		c->meridiem = t->word[i][0];
		return 1;
	}
	if (is(t, i, "oclock"))
		return 1;
	if (is(t, i, "o") && is(t, i + 1, "clock"))
		return 2;
	return 0;
}

/* Minutes said as a number before past/to ("twenty", "5"), with or without "minutes". */
static int read_minutes(const struct tokens *t, int i, int *minutes, bool *said_minutes)
{
	int used = when_read_number(t, i, minutes);

	if (!used || *minutes < 1 || *minutes > 30)
		return 0;
	*said_minutes = is(t, i + used, "minutes") || is(t, i + used, "minute") ||
			is(t, i + used, "mins") || is(t, i + used, "min");
	return used + *said_minutes;
}

/*
 * Times of day: "noon", "half past two", "twenty after three", "ten to four", "2:30 pm",
 * "ten thirty", "two oh five", "3 o'clock", and a lone "2", which sets *bare (see read_all).
 */
static int read_clock(const struct tokens *t, int i, struct clock *c, bool *bare)
{
	int h, m = 0, used, j = i;
	bool said_minutes = false;

	*bare = false;
	c->minute = 0;
	c->meridiem = 0;
	if (is(t, i, "noon") || is(t, i, "midday") || is(t, i, "midnight")) {
		c->hour = is(t, i, "midnight") ? 0 : 12;
		c->meridiem = 'x';
		return 1;
	}
	j += is(t, j, "a") && is(t, j + 1, "quarter");
	if (is(t, j, "half") || is(t, j, "quarter")) {
		m = is(t, j, "half") ? 30 : 15;
		used = 1;
	} else {
		used = read_minutes(t, j, &m, &said_minutes);
	}
	if (used && (is(t, j + used, "past") || is(t, j + used, "after") ||
		     is(t, j + used, "to") || is(t, j + used, "of") || is(t, j + used, "till") ||
		     is(t, j + used, "til") || is(t, j + used, "before"))) {
		bool past = is(t, j + used, "past") || is(t, j + used, "after");
		bool word = is(t, j, "half") || is(t, j, "quarter");
		int hused = when_read_number(t, j + used + 1, &h);
		/*
		 * "ten to four", "20 to 5" and "10 minutes to 4" are minutes to the hour, but
		 * "2 to 4", "10 to 4" and "five to six" are ranges, and "half to" is nothing.
		 */
		bool minutes_past = word || said_minutes || m % 5 == 0;
		bool minutes_to = (word && m == 15) || said_minutes ||
				  (when_is_spelled(t, j) && (m == 10 || m == 20 || m == 25 ||
							     (m == 5 && !is(t, j + used, "to")))) ||
				  m == 20 || m == 25;
		/* "from ten to four" is a range */
		if (is(t, i - 1, "from") || is(t, i - 1, "between"))
			minutes_to = false;
		if (hused && h >= 1 && h <= 12 && (past ? minutes_past : minutes_to)) {
			c->hour = past ? h : h == 1 ? 12 : h - 1;
			c->minute = past ? m : 60 - m;
			j += used + 1 + hused;
			return j - i + read_meridiem(t, j, c);
		}
	}
	/* British "half three" is 3:30 */
	if (is(t, i, "half") && when_read_number(t, i + 1, &h) == 1 && h >= 1 && h <= 12 &&
	    !is(t, i + 2, "hour") && !is(t, i + 2, "hours")) {
		c->hour = h;
		c->minute = 30;
		return 2 + read_meridiem(t, i + 2, c);
	}
	if (i < t->n && strchr(t->word[i], ':')) {
		char tail[WHEN_TOKEN_CHARS] = "";
		if (sscanf(t->word[i], "%2d:%2d%1s", &h, &m, tail) != 2 || tail[0] ||
		    h > 23 || m > 59 || strlen(strchr(t->word[i], ':')) != 3)
			return 0;
		c->hour = h;
		c->minute = m;
		return 1 + read_meridiem(t, i + 1, c);
	}
	used = when_read_number(t, i, &h);
	/* "930", "1030": the colon speech recognition left out */
	if (used && !when_is_spelled(t, i) && strlen(t->word[i]) >= 3 && h % 100 < 60 &&
	    h / 100 >= 1 && h / 100 <= 23) {
		c->hour = h / 100;
		c->minute = h % 100;
		used = read_meridiem(t, i + 1, c);
		*bare = !used;
		return 1 + used;
	}
	if (!used || h > 23)
		return 0;
	c->hour = h;
	int more = read_meridiem(t, i + used, c);
	if (more)
		return used + more;
	/* "ten thirty", "two oh five", "10 45" */
	int mused = 0;
	if (h >= 1 && h <= 12) {
		if ((is(t, i + used, "oh") || is(t, i + used, "o")) &&
		    when_read_number(t, i + used + 1, &m) == 1 && m >= 1 && m <= 9 &&
		    when_is_spelled(t, i + used + 1))
			mused = 2;
		else if (when_read_number(t, i + used, &m) && m >= 10 && m <= 59 &&
			 (when_is_spelled(t, i) || !when_is_spelled(t, i + used)))
			mused = when_read_number(t, i + used, &m);
	}
	if (mused) {
		c->minute = m;
		more = read_meridiem(t, i + used + mused, c);
		/* digits "10 45" could be any two numbers; words "ten forty-five" are a time */
		*bare = !more && !when_is_spelled(t, i);
		return used + mused + more;
	}
	*bare = true;
	return used;
}

/* Words after a number that make it a count, an address or a length, never a time. */
static const char *const NOT_A_TIME_AFTER[] = {
	"street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "dr", "court", "ct",
	"way", "boulevard", "blvd", "place", "pl", "circle", "terrace", "parkway", "highway",
	"minute", "minutes", "hour", "hours", "day", "days", "week", "weeks", "month", "months",
	"year", "years", "people", "of", "more", "dollars", "bucks", "percent", NULL
};
/* Words before a lone number that make it a time of day: "at 2", "around 10". */
static const char *const TIME_WORDS[] = {
	"at", "around", "about", "by", "after", "before", "until", "till", "til", "from", "say",
	"approximately", "roughly", "near", "towards", "toward", NULL
};
static const char *const NOT_A_TIME_BEFORE[] = {
	"number", "no", "apartment", "apt", "unit", "suite", "room", "house", "box", "route",
	"floor", "door", "lot", "building", NULL
};

static bool is_digits(const struct tokens *t, int i)
{
	return i >= 0 && i < t->n && !when_is_spelled(t, i);
}

/* Is the lone number (or "2 to 4") from at to end a time of day? */
static bool bare_is_time(const struct parser *p, const struct bare *b)
{
	const struct tokens *t = p->t;

	if (b->clock.hour < 1 || when_is_any(t, b->at - 1, NOT_A_TIME_BEFORE) ||
	    is_digits(t, b->at - 1) || is_digits(t, b->end))
		return false;
	for (int k = 0; k < 3; k++)
		if (when_is_any(t, b->end + k, NOT_A_TIME_AFTER))
			return false;
	return when_is_any(t, b->at - 1, TIME_WORDS) || is(t, b->end, "ish") ||
	       p->named_after[b->at] || p->named_before[b->end];
}

static void take_bare(struct parser *p, int at, int end, const struct clock *from,
		      const struct clock *to)
{
	if (p->nbare < MAX_BARE)
		p->bare[p->nbare++] = (struct bare){ at, end, *from, to ? *to : *from, to != NULL };
}

static void take_range(struct parser *p, int kind, const struct clock *from,
		       const struct clock *to)
{
	if (!p->r.range) {
		p->r.range = kind;
		p->r.range_from = *from;
		p->r.range_to = *to;
	}
}

/* "between 10 and 11", "from 2 to 4", "3 to 4 pm", "before 11", "after 3", "3 or later". */
static int read_window(struct parser *p, int i)
{
	static const char *const before[] = {
		"no later than", "not later than", "any time before", "anytime before", "before",
		"by", "until", "till", "til", "up to", "up until", NULL
	};
	static const char *const after[] = {
		"no earlier than", "not before", "any time after", "anytime after", "any time from",
		"anytime from", "after", "from", "starting at", "starting from", "beginning at",
		NULL
	};
	static const char *const to_words[] = { "to", "till", "until", "til", "through", "and",
						NULL };
	const struct tokens *t = p->t;
	struct clock a, b;
	bool bare;
	int lead = is(t, i, "between") || is(t, i, "from") ? 1 : 0;
	int used = read_clock(t, i + lead, &a, &bare), j = i + lead + used;

	if (used && when_is_any(t, j, to_words) && (!is(t, j, "and") || is(t, i, "between"))) {
		int bused = read_clock(t, j + 1, &b, &bare);
		if (bused) {
			j += 1 + bused;
			/* "2 to 3" alone may be a count: as a lone number, it needs a time word */
			if (!lead && !a.meridiem && !b.meridiem && a.hour <= 12)
				take_bare(p, i, j, &a, &b);
			else
				take_range(p, 'r', &a, &b);
			return j - i;
		}
	}
	if (used && !lead && (when_match(t, j, "or later") || is(t, j, "onwards") ||
			      is(t, j, "onward") || when_match(t, j, "or after"))) {
		take_range(p, 'a', &a, &a);
		return j - i + (is(t, j, "or") ? 2 : 1);
	}
	if (used && !lead && (when_match(t, j, "or earlier") || when_match(t, j, "or before"))) {
		take_range(p, 'b', &a, &a);
		return j - i + 2;
	}
	int kind = 'b', k = when_match_any(t, i, before, NULL);
	if (!k) {
		kind = 'a';
		k = when_match_any(t, i, after, NULL);
	}
	if (!k || !(used = read_clock(t, i + k, &a, &bare)) || a.hour > 23)
		return 0;
	if (bare && (when_is_any(t, i + k + used, NOT_A_TIME_AFTER) || a.hour < 1))
		return 0;
	take_range(p, kind, &a, &a);
	return k + used;
}

/*
 * Read every date, part of the day and time of day in the text; the first of each kind counts,
 * except that a calendar date outweighs a weekday or a relative day said with it.
 */
static int read_phrase(struct parser *p, int i)
{
	int used = read_asap(p, i);

	if (used || (used = when_read_relative(p, i)) || (used = when_read_span(p, i)) ||
	    (used = when_read_date(p, i)) || (used = read_part(p, i)))
		return used;
	return read_window(p, i);
}

/* "before Friday", "by the 14th": the days from today until then. Tokens used, or 0. */
static int read_days_until(struct parser *p, int i)
{
	const struct tokens *t = p->t;
	struct parser day = *p;
	bool by = is(t, i, "by");

	if (p->r.has_day || (!by && !is(t, i, "before")))
		return 0;
	day.r.has_day = false;
	int used = when_read_date(&day, i + 1);
	if (!used || !day.r.has_day || day.r.day <= p->today)
		return 0;
	when_take_span(p, p->today, day.r.day + by);
	when_named(p, i, 1 + used);
	return 1 + used;
}

static void read_all(struct parser *p)
{
	static const char *const except[] = {
		"except", "excluding", "besides", "other than", "but not", "not on", "cant do",
		"cannot do", "cant make", "cant come", "cant", "not", NULL
	};
	static const char *const still_a_time[] = { "until", "till", "before", "after", "later",
						    "earlier", NULL };
	const struct tokens *t = p->t;

	for (int i = 0; i < t->n;) {
		/* "any day next week except Monday": what follows is what the caller cannot do */
		int used = when_match_any(t, i, except, NULL);
		if (used && !when_is_any(t, i + used, still_a_time)) {
			struct parser ignored = *p;
			i += used + read_phrase(&ignored, i + used);
			continue;
		}
		if ((used = read_days_until(p, i)) || (used = read_phrase(p, i))) {
			i += used;
			continue;
		}
		struct clock c;
		bool bare;
		used = read_clock(t, i, &c, &bare);
		if (used && !bare && !p->r.has_clock) {
			p->r.has_clock = true;
			p->r.clock = c;
			/* "the 3 o'clock", "the 2:30 one": pointing at a time offered */
			p->r.picks_offered = is(t, i - 1, "the");
		} else if (used && bare) {
			take_bare(p, i, i + used, &c, NULL);
		}
		i += used ? used : 1;
	}
	for (int k = 0; k < p->nbare && !p->r.has_clock; k++) {
		if (!bare_is_time(p, &p->bare[k]))
			continue;
		if (p->bare[k].range) {
			take_range(p, 'r', &p->bare[k].clock, &p->bare[k].to);
		} else {
			p->r.has_clock = true;
			p->r.clock = p->bare[k].clock;
		}
	}
}

/*
 * Minutes after midnight of what was said. Without am or pm the part of the day decides, or
 * else business hours: 1-6 is afternoon, 7-11 morning, 12 noon.
 */
static int clock_minutes(const struct reading *r, const struct clock *c)
{
	int h = c->hour;

	if (c->meridiem == 'x' || h > 12)
		return MINUTES(h) + c->minute;
	if (c->meridiem == 'a')
		h = h == 12 ? 0 : h;
	else if (c->meridiem == 'p')
		h = h == 12 ? 12 : h + 12;
	else if (r->has_part)
		h = r->part_from >= MINUTES(12) && h < 12 ? h + 12 : h;
	else
		h = h >= 1 && h <= 6 ? h + 12 : h;
	return MINUTES(h) + c->minute;
}

/* The window [*from, *to) in minutes after midnight that a range or a part of the day names. */
static void window_minutes(const struct reading *r, int *from, int *to)
{
	struct clock a = r->range_from, b = r->range_to;

	if (!r->range) {
		*from = r->part_from;
		*to = r->part_to;
		return;
	}
	if (r->range == 'b') {
		/* "before 11": from opening, taken as 8 in the morning */
		*to = clock_minutes(r, &b);
		*from = *to > MINUTES(9) ? MINUTES(8) : *to - 60;
		return;
	}
	if (r->range == 'a') {
		/* "after 3": until the end of the working day, or two hours on when later */
		*from = clock_minutes(r, &a);
		*to = *from + 120 > MINUTES(17) ? *from + 120 : MINUTES(17);
		if (*to > MINUTES(24))
			*to = MINUTES(24);
		return;
	}
	/* "3 to 4 pm": the pm said last counts for both; "11 to 1 pm" starts in the morning */
	if (!a.meridiem && (b.meridiem == 'a' || b.meridiem == 'p'))
		a.meridiem = b.meridiem;
	*from = clock_minutes(r, &a);
	if (b.meridiem) {
		*to = clock_minutes(r, &b);
		if (*from >= *to && *from >= MINUTES(12) && !r->range_from.meridiem)
			*from -= MINUTES(12);
	} else {
		/* the end is the first reading of its hour after the start: "10 to 2" is 10-14 */
		*to = MINUTES(b.hour % 24) + b.minute;
		if (*to <= *from && b.hour <= 12)
			*to += MINUTES(12);
	}
	if (*to <= *from)
		*to = *from + 60;
}

static time_t local_moment(struct when_zone *zone, long day, int minutes)
{
	int y, m, d;

	when_civil_from_days(day, &y, &m, &d);
	return when_zone_moment(zone, y, m, d, minutes);
}

/* Place what was read on the calendar; 0, or -1 when it names no time. */
static int place(const struct parser *p, struct when_zone *zone, struct when *out)
{
	const struct reading *r = &p->r;
	bool timed = r->has_clock || r->range || r->has_part;

	memset(out, 0, sizeof(*out));
	if (r->has_moment && !r->has_day && !r->has_span && !r->has_clock && !r->range) {
		out->start = r->moment;
		out->end = r->moment_end;
		out->has_time = true;
		out->exact = r->moment == r->moment_end;
		return 0;
	}
	if (r->picks_offered && !r->has_day && !r->has_span)
		return -1;
	if (!r->has_day && !r->has_span && !timed) {
		if (!r->asap)
			return -1;
		out->asap = true;
		out->start = p->now;
		out->end = p->now + 14 * 86400;
		return 0;
	}
	long first = r->has_day ? r->day : r->has_span ? r->span_from : p->today;
	long last = r->has_day ? r->day : r->has_span ? r->span_to - 1 : p->today;
	out->has_date = r->has_day || r->has_span;
	out->has_time = timed;
	if (r->has_clock) {
		int minutes = clock_minutes(r, &r->clock);
		out->start = local_moment(zone, first, minutes);
		/* a time alone is today's, or tomorrow's once it has passed */
		if (out->start <= p->now && (!out->has_date || (r->has_span && first < last)))
			out->start = local_moment(zone, first + 1, minutes);
		out->end = out->start;
		out->exact = true;
	} else if (timed) {
		int from, to;
		window_minutes(r, &from, &to);
		out->end = local_moment(zone, last, to);
		if (!out->has_date && out->end <= p->now)
			first++, out->end = local_moment(zone, ++last, to);
		out->start = local_moment(zone, first, from);
	} else {
		out->start = local_moment(zone, first, 0);
		out->end = local_moment(zone, last + 1, 0);
	}
	return 0;
}

/* Zones whose callers write the day first: "3/4" is the 3rd of April in London and Sydney. */
static bool zone_writes_day_first(const char *timezone)
{
	static const char *const prefixes[] = { "Europe/", "Australia/", "Africa/", "Asia/",
						"Pacific/Auckland", "Atlantic/", NULL };

	for (int k = 0; timezone && prefixes[k]; k++)
		if (!strncmp(timezone, prefixes[k], strlen(prefixes[k])))
			return true;
	return false;
}

int when_parse(const char *text, const char *timezone, time_t now, struct when *out)
{
	struct tokens t;
	struct parser p = { .t = &t, .now = now };
	struct tm tm;

	if (!text)
		return -1;
	struct when_zone *zone = when_zone_open(timezone);
	if (!zone)
		return -1;
	when_tokenize(text, &t);
	when_zone_fields(zone, now, &tm);
	p.today = when_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	p.day_first = zone_writes_day_first(timezone);
	read_all(&p);
	int rc = place(&p, zone, out);
	when_zone_close(zone);
	return rc;
}

/* The caller-facing clock: one zone opened for one answer (see when_zone.c). */
void when_local(time_t t, const char *timezone, struct tm *out)
{
	struct when_zone *zone = when_zone_open(timezone);

	if (!zone) {
		gmtime_r(&t, out);
		return;
	}
	when_zone_fields(zone, t, out);
	when_zone_close(zone);
}

void when_say(time_t t, const char *timezone, char *out, size_t outlen)
{
	static const char *const months[] = {
		"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"
	};
	static const char *const days[] = {
		"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
	};
	struct tm tm;

	/* English words by hand: ICU's patterns put a narrow no-break space before "PM". */
	when_local(t, timezone, &tm);
	int hour12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	const char *meridiem = tm.tm_hour < 12 ? "AM" : "PM";
	if (tm.tm_min)
		snprintf(out, outlen, "%s, %s %d at %d:%02d %s", days[tm.tm_wday],
			 months[tm.tm_mon], tm.tm_mday, hour12, tm.tm_min, meridiem);
	else
		snprintf(out, outlen, "%s, %s %d at %d %s", days[tm.tm_wday], months[tm.tm_mon],
			 tm.tm_mday, hour12, meridiem);
}
