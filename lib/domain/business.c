/* business.c: the business as the receptionist speaks of it: settings, services, hours, facts */
#include "domain/business.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/business_kind.h"
#include "domain/when.h"

static const char SQL_BUSINESS[] =
	"SELECT id, name, timezone, greeting, voice_personality, call_mode, transfer_phone, "
	"       sms_enabled, business_hours::text, business_kind "
	"FROM organizations WHERE id = $1";

/* Keywords as one text per service: a keyword may hold several words ("no hot water"). */
static const char SQL_SERVICES[] =
	"SELECT id, name, price_cents, duration_minutes, array_to_string(keywords, '|') "
	"FROM services WHERE active "
	"ORDER BY price_cents, lower(name)";

/*
 * The question's words as stemmed lexemes, any of which may match; entries are ranked by how
 * many of the question's lexemes they hold, then by ts_rank. Only entries holding at least
 * half of them (and one at least) are good enough to read out to a caller.
 */
static const char SQL_ANSWER[] =
	"WITH q AS ("
	"  SELECT array_agg(lexeme) AS lexemes "
	"  FROM unnest(tsvector_to_array(to_tsvector('english', $1))) AS lexeme"
	"), scored AS ("
	"  SELECT k.answer, k.search, cardinality(q.lexemes) AS wanted, "
	"         (SELECT count(*) FROM unnest(tsvector_to_array(k.search)) AS held "
	"          WHERE held = ANY (q.lexemes)) AS found, "
	"         to_tsquery('simple', array_to_string(ARRAY("
	"           SELECT quote_literal(l) FROM unnest(q.lexemes) AS l), ' | ')) AS query "
	"  FROM knowledge_entries k, q "
	"  WHERE q.lexemes IS NOT NULL"
	") "
	"SELECT answer FROM scored "
	"WHERE search @@ query AND found * 2 >= wanted "
	"ORDER BY found DESC, ts_rank(search, query) DESC, answer "
	"LIMIT 1";

static const char *const DAY_KEYS[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char *const DAY_NAMES[] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
};

int business_load(struct db *db, struct arena *a, const char *org_id, struct business *out)
{
	struct db_result *res = db_q(db, a, SQL_BUSINESS, org_id);

	if (!res)
		return -1;
	if (db_rows(res) != 1) {
		log_error("could not load the business: no organization %s", org_id);
		return -1;
	}
	out->org_id = db_value(res, 0, 0);
	out->name = db_value(res, 0, 1);
	out->timezone = db_value(res, 0, 2);
	out->greeting = db_value(res, 0, 3);
	out->voice_personality = db_value(res, 0, 4);
	out->call_mode = db_value(res, 0, 5);
	out->transfer_phone = db_value(res, 0, 6);
	out->sms_enabled = !strcmp(db_value(res, 0, 7), "t");
	out->business_hours = db_value(res, 0, 8);
	out->kind = business_kind_find(db_value(res, 0, 9));
	return 0;
}

static void service_from_row(const struct db_result *res, int row, struct service *out)
{
	out->id = db_value(res, row, 0);
	out->name = db_value(res, row, 1);
	out->price_cents = atol(db_value(res, row, 2));
	out->duration_minutes = atoi(db_value(res, row, 3));
}

int business_services(struct db *db, struct arena *a, struct service **out)
{
	struct db_result *res = db_q(db, a, SQL_SERVICES);

	if (!res)
		return -1;
	int n = db_rows(res);
	*out = arena_calloc(a, n ? n : 1, sizeof(**out));
	for (int i = 0; i < n; i++)
		service_from_row(res, i, &(*out)[i]);
	return n;
}

/* Words that say nothing about which service is meant. */
static const char *const FILLER_WORDS[] = {
	"a", "an", "and", "the", "of", "for", "to", "in", "on", "my", "our", "your", "with", "is",
	"it", "i", "we", "me", "need", "want", "get", "can", "you", "please", "some", "or", NULL
};

#define MAX_WORDS 128
#define WORD_CHARS 32

struct words {
	char word[MAX_WORDS][WORD_CHARS];
	int n;
};

/*
 * Light stemming so "clogged" finds "clog" and "leaking" "leak": drop a plural or -ed/-ing
 * ending and a doubled final consonant it leaves behind.
 */
static void stem(char *w)
{
	size_t len = strlen(w);
	static const char *const endings[] = { "ing", "ed", "es", "s" };

	for (size_t k = 0; k < sizeof(endings) / sizeof(endings[0]); k++) {
		size_t e = strlen(endings[k]);
		if (len >= e + 3 && !strcmp(w + len - e, endings[k]) && w[len - e - 1] != 's') {
			len -= e;
			w[len] = '\0';
			if (w[len - 1] == w[len - 2] && !strchr("aeiou", w[len - 1]))
				w[--len] = '\0';
			return;
		}
	}
}

static void split_words(const char *text, struct words *out)
{
	size_t len = 0;

	out->n = 0;
	for (const char *p = text;; p++) {
		if (*p && isalnum((unsigned char)*p)) {
			if (len < WORD_CHARS - 1 && out->n < MAX_WORDS)
				out->word[out->n][len++] = (char)tolower((unsigned char)*p);
			continue;
		}
		if (*p == '\'' && len)     /* "don't", "o'clock": one word */
			continue;
		if (len && out->n < MAX_WORDS) {
			out->word[out->n][len] = '\0';
			stem(out->word[out->n]);
			out->n++;
		}
		len = 0;
		if (!*p)
			break;
	}
}

static bool is_filler(const char *w)
{
	for (int i = 0; FILLER_WORDS[i]; i++)
		if (!strcmp(FILLER_WORDS[i], w))
			return true;
	return false;
}

/* How many of the name's words the caller said (each counted once). */
static int name_words_said(const struct words *said, const char *name)
{
	struct words want;
	int count = 0;

	split_words(name, &want);
	for (int i = 0; i < want.n; i++) {
		if (is_filler(want.word[i]))
			continue;
		bool repeated = false;
		for (int k = 0; k < i; k++)
			repeated = repeated || !strcmp(want.word[k], want.word[i]);
		for (int j = 0; j < said->n && !repeated; j++)
			if (!strcmp(said->word[j], want.word[i])) {
				count++;
				break;
			}
	}
	return count;
}

/* How many of the caller's words are covered by one of the keywords ("|"-separated phrases). */
static int keyword_words_said(const struct words *said, const char *keywords)
{
	bool covered[MAX_WORDS] = { false };
	char phrase_text[256];
	struct words phrase;
	int count = 0;

	for (const char *p = keywords; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		snprintf(phrase_text, sizeof(phrase_text), "%.*s", (int)len, p);
		p = bar ? bar + 1 : NULL;
		split_words(phrase_text, &phrase);
		if (!phrase.n)
			continue;
		for (int j = 0; j + phrase.n <= said->n; j++) {
			int k = 0;
			while (k < phrase.n && !strcmp(said->word[j + k], phrase.word[k]))
				k++;
			if (k < phrase.n)
				continue;
			for (k = 0; k < phrase.n; k++)
				covered[j + k] = true;
		}
	}
	for (int j = 0; j < said->n; j++)
		count += covered[j] && !is_filler(said->word[j]);
	return count;
}

int business_match_service(struct db *db, struct arena *a, const char *text, struct service *out)
{
	struct db_result *res = db_q(db, a, SQL_SERVICES);
	struct words *said = arena_alloc(a, sizeof(*said));
	int best = -1, best_name = 0, best_keywords = 0;

	if (!res)
		return -1;
	split_words(text ? text : "", said);
	for (int i = 0; i < db_rows(res); i++) {
		int name = name_words_said(said, db_value(res, i, 1));
		int keywords = keyword_words_said(said, db_value(res, i, 4));
		/* A name the caller said beats keywords; then more words beat fewer. */
		if (name > best_name || (name == best_name && keywords > best_keywords)) {
			best = i;
			best_name = name;
			best_keywords = keywords;
		}
	}
	if (best < 0)
		return 0;
	service_from_row(res, best, out);
	return 1;
}

const char *business_answer(struct db *db, struct arena *a, const char *question)
{
	if (!question)
		return NULL;
	return db_text(db, a, SQL_ANSWER, question);
}

/* "8 AM", "6:30 PM", "noon", "midnight" from "HH:MM". */
static const char *clock_text(struct arena *a, const char *hhmm)
{
	int h = 0, m = 0;

	if (sscanf(hhmm, "%d:%d", &h, &m) != 2)
		return arena_strdup(a, hhmm);
	if ((h == 0 || h == 24) && m == 0)
		return "midnight";
	if (h == 12 && m == 0)
		return "noon";
	int h12 = h % 12 ? h % 12 : 12;
	const char *meridiem = h < 12 || h == 24 ? "AM" : "PM";
	if (m)
		return arena_printf(a, "%d:%02d %s", h12, m, meridiem);
	return arena_printf(a, "%d %s", h12, meridiem);
}

/* "8 AM to 6 PM and 7 PM to 9 PM", or "24 hours"; NULL when closed that day. */
static const char *spans_text(struct arena *a, const json_t *spans)
{
	const char *text = NULL;
	size_t i;
	json_t *span;

	json_array_foreach(spans, i, span) {
		const char *from = json_string_value(json_array_get(span, 0));
		const char *to = json_string_value(json_array_get(span, 1));
		if (!from || !to)
			continue;
		const char *said = !strcmp(from, "00:00") && !strcmp(to, "24:00") ? "24 hours" :
			arena_printf(a, "%s to %s", clock_text(a, from), clock_text(a, to));
		text = text ? arena_printf(a, "%s and %s", text, said) : said;
	}
	return text;
}

const char *business_day_hours(struct arena *a, const struct business *b, const char *day_key)
{
	const char *text = b->business_hours ? b->business_hours : "{}";
	char error[160];
	json_t *hours = json_parse(a, text, strlen(text), error, sizeof(error));

	if (!hours) {
		log_warn("could not read the business hours: %s", error);
		return NULL;
	}
	return spans_text(a, json_object_get(hours, day_key));
}

/* "Monday to Friday", "Monday, Wednesday and Friday", "Tuesday to Thursday and Saturday". */
static const char *days_text(struct arena *a, const bool day_in[7])
{
	const char *runs[7];
	int nruns = 0;

	for (int d = 0; d < 7; d++) {
		if (!day_in[d])
			continue;
		int last = d;
		while (last + 1 < 7 && day_in[last + 1])
			last++;
		if (last - d >= 2)
			runs[nruns++] = arena_printf(a, "%s to %s", DAY_NAMES[d], DAY_NAMES[last]);
		else
			for (int k = d; k <= last; k++)
				runs[nruns++] = DAY_NAMES[k];
		d = last;
	}
	const char *text = "";
	for (int i = 0; i < nruns; i++)
		text = arena_printf(a, "%s%s%s", text, i == 0 ? "" : i == nruns - 1 ? " and " : ", ",
				    runs[i]);
	return text;
}

const char *business_hours_sentence(struct arena *a, const struct business *b)
{
	const char *text = b->business_hours ? b->business_hours : "";
	char error[160];
	json_t *hours = json_parse(a, text, strlen(text), error, sizeof(error));
	const char *day_spans[7];
	bool done[7] = { false }, closed[7] = { false };
	const char *groups[7];
	int ngroups = 0, nclosed = 0;

	if (!hours)
		log_warn("could not read the business hours: %s", error);
	for (int d = 0; d < 7; d++) {
		day_spans[d] = spans_text(a, hours ? json_object_get(hours, DAY_KEYS[d]) : NULL);
		if (!day_spans[d]) {
			closed[d] = true;
			nclosed++;
		}
	}
	if (nclosed == 7)
		return "We don't have regular opening hours.";
	/* Days with the same hours are said together, in the order of their first day. */
	for (int d = 0; d < 7; d++) {
		bool same[7] = { false };
		if (closed[d] || done[d])
			continue;
		for (int k = d; k < 7; k++)
			if (!closed[k] && !done[k] && !strcmp(day_spans[k], day_spans[d]))
				same[k] = done[k] = true;
		groups[ngroups++] = arena_printf(a, "%s, %s", days_text(a, same), day_spans[d]);
	}
	const char *sentence = "We're open ";
	const char *between = ngroups > 2 ? "; " : ", ";
	for (int i = 0; i < ngroups; i++)
		sentence = arena_printf(a, "%s%s%s", sentence,
					i == 0 ? "" : i == ngroups - 1 ? (ngroups > 2 ? "; and " : ", and ")
								 : between,
					groups[i]);
	if (nclosed)
		return arena_printf(a, "%s. We're closed on %s.", sentence, days_text(a, closed));
	return arena_printf(a, "%s.", sentence);
}

bool business_is_open(const struct business *b, time_t t)
{
	json_error_t error;
	json_t *hours = json_loads(b->business_hours ? b->business_hours : "", 0, &error);
	struct tm tm;
	bool open = false;
	size_t i;
	json_t *span;

	if (!hours)
		return false;
	when_local(t, b->timezone, &tm);
	char now[6];
	snprintf(now, sizeof(now), "%02d:%02d", tm.tm_hour, tm.tm_min);
	/* "HH:MM" text compares in time order; spans are half-open. */
	json_array_foreach(json_object_get(hours, DAY_KEYS[(tm.tm_wday + 6) % 7]), i, span) {
		const char *from = json_string_value(json_array_get(span, 0));
		const char *to = json_string_value(json_array_get(span, 1));
		if (from && to && strcmp(from, now) <= 0 && strcmp(now, to) < 0)
			open = true;
	}
	json_decref(hours);
	return open;
}

const char *business_price_text(struct arena *a, long cents)
{
	long dollars = cents / 100, rest = cents % 100;
	char digits[32], grouped[48];
	size_t n, g = 0;

	if (cents < 0)
		return arena_printf(a, "-%s", business_price_text(a, -cents));
	n = (size_t)snprintf(digits, sizeof(digits), "%ld", dollars);
	for (size_t i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	if (rest)
		return arena_printf(a, "$%s.%02ld", grouped, rest);
	return arena_printf(a, "$%s", grouped);
}
