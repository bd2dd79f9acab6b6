/* when.c: reading the dates and times callers say, in the business's own timezone */
#include "domain/when.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/xalloc.h"

#define MAX_TOKENS 96
#define TOKEN_CHARS 24

struct tokens {
	char word[MAX_TOKENS][TOKEN_CHARS];
	int n;
};

/* What the words named, before it is placed on the calendar. */
struct reading {
	bool has_day;
	long day;              /* days since 1970-01-01 in the local calendar */
	bool day_is_date;      /* named by its date ("March 17"), not relative ("Tuesday") */
	bool has_clock;        /* a time of day to the minute */
	int hour, minute;
	int meridiem;          /* 0 unsaid, 'a' or 'p' */
	bool bare_hour;        /* only a number: "at 2" */
	bool has_part;         /* a part of the day */
	int part_from, part_to;   /* minutes after midnight */
	bool has_moment;       /* "in 2 hours": an absolute moment */
	time_t moment;
};

/* mktime() and localtime_r() read the process-wide TZ: switch it under a lock, then restore. */
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static char *tz_enter(const char *timezone)
{
	pthread_mutex_lock(&tz_lock);
	const char *old = getenv("TZ");
	char *saved = old ? xstrdup(old) : NULL;
	setenv("TZ", timezone && timezone[0] ? timezone : "UTC", 1);
	tzset();
	return saved;
}

static void tz_leave(char *saved)
{
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	pthread_mutex_unlock(&tz_lock);
}

void when_local(time_t t, const char *timezone, struct tm *out)
{
	char *saved = tz_enter(timezone);
	localtime_r(&t, out);
	tz_leave(saved);
}

/* Civil-calendar arithmetic (proleptic Gregorian), so day steps never depend on DST. */
static long days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 = Sunday, as in struct tm. */
static int weekday_of(long day)
{
	return (int)(((day % 7) + 11) % 7);
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/*
 * The moment a local wall-clock time happens. A time skipped by a DST jump reads as the clock
 * shows it after the jump (2:30 becomes 3:30), as PostgreSQL does.
 */
static time_t local_moment(long day, int minutes, const char *timezone)
{
	struct tm tm = { 0 };
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_isdst = -1;
	char *saved = tz_enter(timezone);
	time_t t = mktime(&tm);
	tz_leave(saved);
	return t;
}

static long local_day(time_t t, const char *timezone)
{
	struct tm tm;

	when_local(t, timezone, &tm);
	return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/*
 * Lower-case words and numbers: "p.m." becomes "pm", "o'clock" "oclock", "2.30" "2:30", and
 * digits and letters split ("2pm", "14th"), so each form reads the same way.
 */
static void tokenize(const char *text, struct tokens *t)
{
	size_t len = 0;
	int kind = 0;           /* of the token being built: 'd' digits, 'a' letters */

	t->n = 0;
	for (const char *p = text; *p && t->n < MAX_TOKENS; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);
		int k = isdigit(c) ? 'd' : isalpha(c) ? 'a' : 0;

		if ((c == ':' || c == '/' || c == '.') && kind == 'd' && isdigit((unsigned char)p[1]))
			k = 'd', c = c == '.' ? ':' : c;
		else if ((c == '\'' && kind == 'a') || (c == '.' && kind == 'a' && len <= 2))
			continue;
		if (len && (k != kind)) {
			t->word[t->n][len] = '\0';
			t->n++;
			len = 0;
		}
		kind = k;
		if (!k || t->n >= MAX_TOKENS)
			continue;
		if (len < TOKEN_CHARS - 1)
			t->word[t->n][len++] = (char)c;
	}
	if (len && t->n < MAX_TOKENS) {
		t->word[t->n][len] = '\0';
		t->n++;
	}
}

static bool is(const struct tokens *t, int i, const char *word)
{
	return i >= 0 && i < t->n && !strcmp(t->word[i], word);
}

static int find_word(const char *const *list, const char *word)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], word))
			return i;
	return -1;
}

static const char *const UNITS[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
	"nineteen", NULL
};
static const char *const TENS[] = { "twenty", "thirty", "forty", "fifty", NULL };
static const char *const ORDINAL_UNITS[] = {
	"zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
	"ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
	"sixteenth", "seventeenth", "eighteenth", "nineteenth", NULL
};
static const char *const ORDINAL_TENS[] = { "twentieth", "thirtieth", NULL };
static const char *const WEEKDAYS[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", NULL
};
static const char *const MONTHS[] = {
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", NULL
};
static const char *const MONTH_ABBREVIATIONS[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};
/* Words before a lone number that make it a time of day: "at 2", "around 10". */
static const char *const TIME_PREPOSITIONS[] = {
	"at", "around", "about", "by", "after", "before", "until", "till", "til", "from", "say",
	NULL
};
/* "the first available", "the second time": ordinal words that are not dates. */
static const char *const NOT_A_DATE_AFTER_ORDINAL[] = {
	"available", "thing", "time", "one", "opening", "slot", "appointment", "week", "person",
	"option", "choice", NULL
};

/* A number in digits or words ("14", "fourteen", "twenty one") at i; returns tokens used. */
static int read_number(const struct tokens *t, int i, int *value)
{
	if (i >= t->n)
		return 0;
	const char *w = t->word[i];
	if (isdigit((unsigned char)w[0])) {
		if (strlen(w) > 4 || strspn(w, "0123456789") != strlen(w))
			return 0;
		*value = atoi(w);
		return 1;
	}
	int u = find_word(UNITS, w);
	if (u >= 0) {
		*value = u;
		return 1;
	}
	int tens = find_word(TENS, w);
	if (tens < 0)
		return 0;
	*value = 20 + 10 * tens;
	if (i + 1 < t->n) {
		u = find_word(UNITS, t->word[i + 1]);
		if (u >= 1 && u <= 9) {
			*value += u;
			return 2;
		}
	}
	return 1;
}

/* A day of the month as an ordinal: "14th", "fourteenth", "twenty first". */
static int read_ordinal(const struct tokens *t, int i, int *value)
{
	int used = read_number(t, i, value);

	if (used && isdigit((unsigned char)t->word[i][0]) &&
	    (is(t, i + 1, "st") || is(t, i + 1, "nd") || is(t, i + 1, "rd") || is(t, i + 1, "th")))
		return *value >= 1 && *value <= 31 ? 2 : 0;
	if (i >= t->n)
		return 0;
	int u = find_word(ORDINAL_UNITS, t->word[i]);
	if (u >= 1) {
		*value = u;
		return 1;
	}
	int tens = find_word(ORDINAL_TENS, t->word[i]);
	if (tens >= 0) {
		*value = 20 + 10 * tens;
		return 1;
	}
	tens = find_word(TENS, t->word[i]);
	if (tens >= 0 && tens <= 1 && i + 1 < t->n) {
		u = find_word(ORDINAL_UNITS, t->word[i + 1]);
		if (u >= 1 && u <= 9 && 20 + 10 * tens + u <= 31) {
			*value = 20 + 10 * tens + u;
			return 2;
		}
	}
	return 0;
}

static int read_month(const struct tokens *t, int i)
{
	if (i < 0 || i >= t->n)
		return 0;
	int m = find_word(MONTHS, t->word[i]);
	if (m < 0)
		m = find_word(MONTH_ABBREVIATIONS, t->word[i]);
	if (m < 0 && is(t, i, "sept"))
		m = 8;
	return m + 1;
}

static int read_weekday(const struct tokens *t, int i)
{
	char w[TOKEN_CHARS];

	if (i >= t->n)
		return -1;
	snprintf(w, sizeof(w), "%s", t->word[i]);
	size_t len = strlen(w);
	if (len > 6 && w[len - 1] == 's')     /* "on tuesdays" */
		w[len - 1] = '\0';
	return find_word(WEEKDAYS, w);
}

/* The next day on or after today that is the dayth of a month that has one. */
static long next_day_of_month(long today, int day)
{
	int y, m, d;

	civil_from_days(today, &y, &m, &d);
	if (day < d) {
		m++;
	}
	for (int tries = 0; tries < 13; tries++, m++) {
		if (m > 12) {
			m = 1;
			y++;
		}
		if (day <= days_in_month(y, m))
			return days_from_civil(y, m, day);
	}
	return -1;
}

/* month/day in year, or when year is 0 the next such date on or after today; -1 if none. */
static long month_day(long today, int year, int month, int day)
{
	int y, m, d;

	if (month < 1 || month > 12 || day < 1 || day > 31)
		return -1;
	civil_from_days(today, &y, &m, &d);
	if (year)
		return day <= days_in_month(year, month) ? days_from_civil(year, month, day) : -1;
	for (int tries = 0; tries < 9; tries++, y++) {
		if (day > days_in_month(y, month))
			continue;
		long candidate = days_from_civil(y, month, day);
		if (candidate >= today)
			return candidate;
	}
	return -1;
}

static int read_year(const struct tokens *t, int i, int *year)
{
	int value;

	if (i < t->n && strlen(t->word[i]) == 4 && read_number(t, i, &value) == 1 &&
	    value >= 2000 && value <= 2100) {
		*year = value;
		return 1;
	}
	return 0;
}

/* "3/14" or "3/14/2026". */
static int read_slash_date(const struct tokens *t, int i, long today, long *day)
{
	int month, dom, year = 0, used;
	char tail[TOKEN_CHARS];

	if (i >= t->n || !strchr(t->word[i], '/'))
		return 0;
	tail[0] = '\0';
	used = sscanf(t->word[i], "%2d/%2d/%4d%1s", &month, &dom, &year, tail);
	if (used < 2 || used > 3 || tail[0])
		return 0;
	if (used == 3 && year < 100)
		year += 2000;
	*day = month_day(today, used == 3 ? year : 0, month, dom);
	return *day >= 0;
}

/* Days, weekdays and dates; returns the tokens used. */
static int read_date(const struct tokens *t, int i, long today, time_t now, struct reading *r)
{
	int n, month, used, year = 0;

	if (is(t, i, "day") && is(t, i + 1, "after") &&
	    (is(t, i + 2, "tomorrow") || is(t, i + 2, "tomorrows"))) {
		r->day = today + 2;
		return 3;
	}
	if (is(t, i, "today")) {
		r->day = today;
		return 1;
	}
	if (is(t, i, "tonight")) {
		r->day = today;
		r->has_part = true;
		r->part_from = 17 * 60;
		r->part_to = 20 * 60;
		return 1;
	}
	if (is(t, i, "tomorrow") || is(t, i, "tomorrows") || is(t, i, "tmrw")) {
		r->day = today + 1;
		return 1;
	}
	if (is(t, i, "in")) {
		n = 1;
		used = is(t, i + 1, "a") || is(t, i + 1, "an") ? 1 : read_number(t, i + 1, &n);
		if (used) {
			const char *unit = i + 1 + used < t->n ? t->word[i + 1 + used] : "";
			if ((!strcmp(unit, "day") || !strcmp(unit, "days")) && n <= 366) {
				r->day = today + n;
				return 2 + used;
			}
			if ((!strcmp(unit, "week") || !strcmp(unit, "weeks")) && n <= 52) {
				r->day = today + 7L * n;
				return 2 + used;
			}
			if ((!strcmp(unit, "hour") || !strcmp(unit, "hours")) && n <= 72) {
				r->has_moment = true;
				r->moment = now + 3600L * n;
				return 2 + used;
			}
			if ((!strcmp(unit, "minute") || !strcmp(unit, "minutes")) && n <= 600) {
				r->has_moment = true;
				r->moment = now + 60L * n;
				return 2 + used;
			}
		}
		if (is(t, i + 1, "half") && is(t, i + 2, "an") && is(t, i + 3, "hour")) {
			r->has_moment = true;
			r->moment = now + 1800;
			return 4;
		}
		return 0;
	}
	int wd = read_weekday(t, i);
	if (wd >= 0) {
		int ahead = (wd - weekday_of(today) + 7) % 7;
		r->day = today + (ahead ? ahead : 7);
		return 1;
	}
	r->day_is_date = true;
	if (read_slash_date(t, i, today, &r->day))
		return 1;
	month = read_month(t, i);
	/* "may" is a month only when a day follows: "May 3", not "may I book". */
	if (month) {
		int j = i + 1 + is(t, i + 1, "the");
		used = read_ordinal(t, j, &n);
		if (!used) {
			n = 0;
			used = read_number(t, j, &n);
			if (n < 1 || n > 31)
				used = 0;
		}
		if (used) {
			used += read_year(t, j + used, &year);
			r->day = month_day(today, year, month, n);
			return r->day >= 0 ? j - i + used : 0;
		}
		return 0;
	}
	bool ordinal = true;
	used = read_ordinal(t, i, &n);
	if (!used) {
		ordinal = false;
		used = read_number(t, i, &n);
	}
	if (!used || n < 1 || n > 31)
		return 0;
	int j = i + used + is(t, i + used, "of");
	month = read_month(t, j);
	if (month && (ordinal || !is(t, j, "may"))) {
		int more = read_year(t, j + 1, &year);
		r->day = month_day(today, year, month, n);
		return r->day >= 0 ? j + 1 + more - i : 0;
	}
	/* "the 14": a plain number after "the" is a day of the month, but not "the 2 of us". */
	if (!ordinal && (!is(t, i - 1, "the") || is(t, i + used, "of")))
		return 0;
	/* A spelled-out ordinal is a date only as "the fourteenth", not "the first available". */
	if (ordinal && !isdigit((unsigned char)t->word[i][0]) &&
	    (!is(t, i - 1, "the") ||
	     (i + used < t->n && find_word(NOT_A_DATE_AFTER_ORDINAL, t->word[i + used]) >= 0)))
		return 0;
	r->day = next_day_of_month(today, n);
	return r->day >= 0 ? used : 0;
}

/* Parts of the day. */
static int read_part(const struct tokens *t, int i, struct reading *r)
{
	static const struct {
		const char *first, *second;
		int from, to;
	} parts[] = {
		{ "after", "lunch", 13, 17 },
		{ "before", "lunch", 8, 12 },
		{ "morning", NULL, 8, 12 },
		{ "mornings", NULL, 8, 12 },
		{ "afternoon", NULL, 12, 17 },
		{ "afternoons", NULL, 12, 17 },
		{ "evening", NULL, 17, 20 },
		{ "evenings", NULL, 17, 20 },
		{ "night", NULL, 17, 20 },
	};

	for (size_t k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
		if (!is(t, i, parts[k].first) || (parts[k].second && !is(t, i + 1, parts[k].second)))
			continue;
		r->has_part = true;
		r->part_from = parts[k].from * 60;
		r->part_to = parts[k].to * 60;
		return parts[k].second ? 2 : 1;
	}
	return 0;
}

static int read_meridiem(const struct tokens *t, int i, struct reading *r)
{
	if (is(t, i, "am") || is(t, i, "pm")) {
		r->meridiem = t->word[i][0];
		return 1;
	}
	if (is(t, i, "oclock"))
		return 1;
	if (is(t, i, "o") && is(t, i + 1, "clock"))
		return 2;
	return 0;
}

/* Times of day: "noon", "half past two", "2:30 pm", "ten thirty", "2" (see read_all). */
static int read_clock(const struct tokens *t, int i, struct reading *r)
{
	int h, m, used;

	if (is(t, i, "noon") || is(t, i, "midday") || is(t, i, "midnight")) {
		r->hour = is(t, i, "midnight") ? 0 : 12;
		r->minute = 0;
		r->meridiem = 'x';      /* already unambiguous */
		return 1;
	}
	if ((is(t, i, "half") || is(t, i, "quarter")) &&
	    (is(t, i + 1, "past") || is(t, i + 1, "after") || is(t, i + 1, "to") ||
	     is(t, i + 1, "of") || is(t, i + 1, "till"))) {
		used = read_number(t, i + 2, &h);
		if (!used || h < 1 || h > 12)
			return 0;
		bool before = !is(t, i + 1, "past") && !is(t, i + 1, "after");
		if (is(t, i, "half") && before)
			return 0;
		r->hour = before ? h - 1 : h;
		r->minute = is(t, i, "half") ? 30 : before ? 45 : 15;
		if (r->hour == 0)
			r->hour = 12;
		return 2 + used + read_meridiem(t, i + 2 + used, r);
	}
	if (i < t->n && strchr(t->word[i], ':')) {
		char tail[TOKEN_CHARS];
		tail[0] = '\0';
		if (sscanf(t->word[i], "%2d:%2d%1s", &h, &m, tail) != 2 || tail[0] ||
		    h > 23 || m > 59 || strlen(strchr(t->word[i], ':')) != 3)
			return 0;
		r->hour = h;
		r->minute = m;
		return 1 + read_meridiem(t, i + 1, r);
	}
	used = read_number(t, i, &h);
	if (!used || h > 23)
		return 0;
	r->hour = h;
	r->minute = 0;
	int more = read_meridiem(t, i + used, r);
	if (more)
		return used + more;
	/* "ten thirty", "two oh five", "10 45" */
	int mm = 0, mused = 0;
	if (h >= 1 && h <= 12) {
		if ((is(t, i + used, "oh") || is(t, i + used, "o")) &&
		    read_number(t, i + used + 1, &mm) == 1 && mm >= 1 && mm <= 9 &&
		    !isdigit((unsigned char)t->word[i + used + 1][0]))
			mused = 2;
		else {
			mused = read_number(t, i + used, &mm);
			if (mm < 10 || mm > 59)
				mused = 0;
		}
	}
	if (mused) {
		r->minute = mm;
		return used + mused + read_meridiem(t, i + used + mused, r);
	}
	r->bare_hour = true;
	return used;
}

/* The 24-hour clock of what was said, using the part of the day or the 1-7-means-pm rule. */
static int clock_hour(const struct reading *r)
{
	int h = r->hour;

	if (r->meridiem == 'x' || h > 12)
		return h;
	if (r->meridiem == 'a')
		return h == 12 ? 0 : h;
	if (r->meridiem == 'p')
		return h == 12 ? 12 : h + 12;
	if (r->has_part)
		return r->part_from >= 12 * 60 && h < 12 ? h + 12 : h;
	return h >= 1 && h <= 7 ? h + 12 : h;
}

/*
 * Read every date, part of the day and time of day in the text; the first of each kind counts,
 * except that a calendar date outweighs a weekday or a relative day said with it.
 * A lone number ("2") is an hour only next to a time word ("at 2", "2ish"), next to a day or
 * a part of the day ("tomorrow 2"), or as nearly the whole answer ("2 works").
 */
static void read_all(const struct tokens *t, long today, time_t now, struct reading *r)
{
	bool named_before[MAX_TOKENS + 1] = { false }, named_after[MAX_TOKENS + 1] = { false };
	int bare_at = -1, bare_end = 0, bare_hour = 0;

	for (int i = 0; i < t->n;) {
		struct reading try = *r;
		int used = read_date(t, i, today, now, &try);

		if (used) {
			/* "Tuesday, March 17": the date says more than the weekday. */
			if ((!r->has_day || (try.day_is_date && !r->day_is_date)) && !r->has_moment) {
				try.has_day = !try.has_moment;
				*r = try;
			}
			named_after[i + used] = named_before[i] = true;
			i += used;
			continue;
		}
		try = *r;
		used = read_part(t, i, &try);
		if (used) {
			if (!r->has_part)
				*r = try;
			named_after[i + used] = named_before[i] = true;
			i += used;
			continue;
		}
		try = *r;
		used = read_clock(t, i, &try);
		if (used) {
			if (!try.bare_hour && !r->has_clock) {
				try.has_clock = true;
				*r = try;
			} else if (try.bare_hour && bare_at < 0) {
				bare_at = i;
				bare_end = i + used;
				bare_hour = try.hour;
			}
			i += used;
			continue;
		}
		i++;
	}
	if (r->has_clock || bare_at < 0 || bare_hour < 1)
		return;
	if (t->n <= 3 || named_after[bare_at] || named_before[bare_end] || is(t, bare_end, "ish") ||
	    (bare_at > 0 && find_word(TIME_PREPOSITIONS, t->word[bare_at - 1]) >= 0)) {
		r->has_clock = true;
		r->hour = bare_hour;
		r->minute = 0;
		r->meridiem = 0;
	}
}

int when_parse(const char *text, const char *timezone, time_t now, struct when *out)
{
	struct tokens t;
	struct reading r = { 0 };

	if (!text)
		return -1;
	tokenize(text, &t);
	long today = local_day(now, timezone);
	read_all(&t, today, now, &r);
	memset(out, 0, sizeof(*out));
	if (r.has_moment) {
		out->start = out->end = r.moment;
		out->has_time = out->exact = true;
		return 0;
	}
	if (!r.has_day && !r.has_clock && !r.has_part)
		return -1;
	long day = r.has_day ? r.day : today;
	out->has_date = r.has_day;
	if (r.has_clock) {
		int minutes = clock_hour(&r) * 60 + r.minute;
		out->start = local_moment(day, minutes, timezone);
		if (!r.has_day && out->start <= now)
			out->start = local_moment(day + 1, minutes, timezone);
		out->end = out->start;
		out->has_time = out->exact = true;
	} else if (r.has_part) {
		out->end = local_moment(day, r.part_to, timezone);
		if (!r.has_day && out->end <= now)
			day++, out->end = local_moment(day, r.part_to, timezone);
		out->start = local_moment(day, r.part_from, timezone);
		out->has_time = true;
	} else {
		out->start = local_moment(day, 0, timezone);
		out->end = local_moment(day + 1, 0, timezone);
	}
	return 0;
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
