/* when_words.c: tokens, spoken numbers, month and weekday names, and civil-calendar days */
#include "domain/when_words.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static const char *const WEEKDAY_SHORT[] = {
	"sun", "mon", "tues", "wed", "thurs", "fri", "sat", NULL
};
static const char *const MONTHS[] = {
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", NULL
};
static const char *const MONTH_SHORT[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL
};

static void end_token(struct tokens *t, size_t *len)
{
	if (!*len)
		return;
	t->word[t->n][*len] = '\0';
	t->n++;
	*len = 0;
}

static void add_token(struct tokens *t, const char *word)
{
	if (t->n < WHEN_MAX_TOKENS)
		snprintf(t->word[t->n++], WHEN_TOKEN_CHARS, "%s", word);
}

/* "threeish", "noonish": the hour and the "ish" that makes a number a time. */
static void split_ish(struct tokens *t)
{
	char *w = t->word[t->n - 1];
	size_t len = strlen(w);

	if (len <= 3 || strcmp(w + len - 3, "ish") || t->n >= WHEN_MAX_TOKENS)
		return;
	w[len - 3] = '\0';
	/* Only after an hour: "finish" and "english" stay whole. */
	if (when_find_word(UNITS, w) >= 0 || when_find_word(TENS, w) >= 0 || !strcmp(w, "noon"))
		add_token(t, "ish");
	else
		w[len - 3] = 'i';
}

void when_tokenize(const char *text, struct tokens *t)
{
	size_t len = 0;
	int kind = 0;           /* of the token being built: 'd' digits, 'a' letters */

	t->n = 0;
	for (const char *p = text; *p && t->n < WHEN_MAX_TOKENS; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);
		int k = isdigit(c) ? 'd' : isalpha(c) ? 'a' : 0;

		if ((c == ':' || c == '/' || c == '.') && kind == 'd' &&
		    isdigit((unsigned char)p[1]))
			k = 'd', c = c == '.' ? ':' : c;
		else if ((c == '\'' && kind == 'a') ||
			 (c == '.' && kind == 'a' &&
			  (len <= 2 || (len <= 3 && isalpha((unsigned char)p[1])))))
			continue;
		/* "3-4", "10am-12pm": a dash between hours is a range. */
		bool after_hour = kind == 'd' || (kind == 'a' && len == 2 &&
						  t->word[t->n][1] == 'm');
		if (c == '-' && after_hour && len &&
		    isdigit((unsigned char)p[1 + strspn(p + 1, " ")])) {
			end_token(t, &len);
			add_token(t, "to");
			kind = 0;
			continue;
		}
		if (len && k != kind) {
			end_token(t, &len);
			if (kind == 'a')
				split_ish(t);
		}
		kind = k;
		if (!k || t->n >= WHEN_MAX_TOKENS)
			continue;
		if (len < WHEN_TOKEN_CHARS - 1)
			t->word[t->n][len++] = (char)c;
	}
	if (len && t->n < WHEN_MAX_TOKENS) {
		end_token(t, &len);
		if (kind == 'a')
			split_ish(t);
	}
}

bool when_is(const struct tokens *t, int i, const char *word)
{
	return i >= 0 && i < t->n && !strcmp(t->word[i], word);
}

int when_find_word(const char *const *list, const char *word)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i], word))
			return i;
	return -1;
}

bool when_is_any(const struct tokens *t, int i, const char *const *list)
{
	return i >= 0 && i < t->n && when_find_word(list, t->word[i]) >= 0;
}

bool when_is_spelled(const struct tokens *t, int i)
{
	return i >= 0 && i < t->n && !isdigit((unsigned char)t->word[i][0]);
}

int when_read_number(const struct tokens *t, int i, int *value)
{
	if (i < 0 || i >= t->n)
		return 0;
	const char *w = t->word[i];
	if (isdigit((unsigned char)w[0])) {
		if (strlen(w) > 4 || strspn(w, "0123456789") != strlen(w))
			return 0;
		*value = atoi(w);
		return 1;
	}
	int u = when_find_word(UNITS, w);
	if (u >= 0) {
		*value = u;
		return 1;
	}
	int tens = when_find_word(TENS, w);
	if (tens < 0)
		return 0;
	*value = 20 + 10 * tens;
	if (i + 1 < t->n) {
		u = when_find_word(UNITS, t->word[i + 1]);
		if (u >= 1 && u <= 9) {
			*value += u;
			return 2;
		}
	}
	return 1;
}

int when_read_ordinal(const struct tokens *t, int i, int *value)
{
	int used = when_read_number(t, i, value);

	if (used && !when_is_spelled(t, i) &&
	    (when_is(t, i + 1, "st") || when_is(t, i + 1, "nd") || when_is(t, i + 1, "rd") ||
	     when_is(t, i + 1, "th")))
		return *value >= 1 && *value <= 31 ? 2 : 0;
	if (i < 0 || i >= t->n)
		return 0;
	int u = when_find_word(ORDINAL_UNITS, t->word[i]);
	if (u >= 1) {
		*value = u;
		return 1;
	}
	int tens = when_find_word(ORDINAL_TENS, t->word[i]);
	if (tens >= 0) {
		*value = 20 + 10 * tens;
		return 1;
	}
	tens = when_find_word(TENS, t->word[i]);
	if (tens >= 0 && tens <= 1 && i + 1 < t->n) {
		u = when_find_word(ORDINAL_UNITS, t->word[i + 1]);
		if (u >= 1 && u <= 9 && 20 + 10 * tens + u <= 31) {
			*value = 20 + 10 * tens + u;
			return 2;
		}
	}
	return 0;
}

int when_read_month(const struct tokens *t, int i)
{
	if (i < 0 || i >= t->n)
		return 0;
	int m = when_find_word(MONTHS, t->word[i]);
	if (m < 0)
		m = when_find_word(MONTH_SHORT, t->word[i]);
	if (m < 0 && when_is(t, i, "sept"))
		m = 8;
	return m + 1;
}

int when_read_weekday(const struct tokens *t, int i)
{
	char w[WHEN_TOKEN_CHARS];

	if (i < 0 || i >= t->n)
		return -1;
	snprintf(w, sizeof(w), "%s", t->word[i]);
	size_t len = strlen(w);
	if (len > 6 && w[len - 1] == 's')     /* "on tuesdays" */
		w[len - 1] = '\0';
	int day = when_find_word(WEEKDAYS, w);
	if (day >= 0)
		return day;
	if (!strcmp(w, "weds"))
		return 3;
	if (!strcmp(w, "tue") || !strcmp(w, "thu") || !strcmp(w, "thur"))
		return w[1] == 'u' ? 2 : 4;
	day = when_find_word(WEEKDAY_SHORT, w);
	/* "sat", "sun" and "wed" are words too: a day only beside a time or "on", "this" */
	if (day >= 0 && (!strcmp(w, "sun") || !strcmp(w, "sat") || !strcmp(w, "wed")) &&
	    !when_is(t, i - 1, "on") && !when_is(t, i - 1, "this") && !when_is(t, i - 1, "next") &&
	    !when_is(t, i + 1, "at") && !when_is(t, i + 1, "morning") &&
	    !when_is(t, i + 1, "afternoon") && !when_is(t, i + 1, "evening") &&
	    (i + 1 >= t->n || when_is_spelled(t, i + 1)))
		return -1;
	return day;
}

long when_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void when_civil_from_days(long z, int *y, int *m, int *d)
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

int when_weekday_of(long day)
{
	return (int)(((day % 7) + 11) % 7);
}

int when_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}
