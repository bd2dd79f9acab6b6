/* availability.c: free times and verdicts over a business's resources, hours, closures and holds */
#include "domain/availability.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/log.h"
#include "domain/availability_load.h"
#include "domain/availability_words.h"

/* Starts sit on this grid from each opening time. */
#define GRID_SECONDS (15 * 60)

/*
 * The search looks this far either side of the moment asked about, wider each round until it
 * has enough starts or covers the whole bookable range: most answers come from the first
 * hours, read with a few dozen rows.
 */
static const long SEARCH_SECONDS[] = { 8 * 3600, 3 * 86400, 14 * 86400, 0 /* the horizon */ };

/*
 * The first read is made before the service's buffer is known: it reads this far past an
 * appointment's end, enough for most buffers; a longer one is read again once known. (Under
 * row-level security an index bound cannot come from a subquery.)
 */
#define FIRST_BUFFER_GUESS (2 * 3600)

/* Make sure s holds what touches [from, until), given what [*loaded_from, *loaded_to) has. */
static int holds_cover(struct db *db, struct arena *a, const struct availability_query *q,
		       struct schedule *s, time_t from, time_t until, time_t *loaded_from,
		       time_t *loaded_to)
{
	if (from >= *loaded_from && until <= *loaded_to)
		return 0;
	if (schedule_load_holds(db, a, q, s, from, until) < 0)
		return -1;
	*loaded_from = from;
	*loaded_to = until;
	return 0;
}

/* A start found on one resource. */
struct found {
	time_t at;
	time_t distance;   /* from the moment asked about */
	int resource;
};

/* True when [start, end) meets a hold of one of the kinds in mask. */
static bool held(const struct resource_schedule *r, time_t start, time_t end, unsigned mask,
		 const struct hold **which)
{
	for (int i = 0; i < r->nholds && r->holds[i].start < end; i++) {
		const struct hold *h = &r->holds[i];
		if (h->end > start && (mask & (1u << h->kind))) {
			if (which)
				*which = h;
			return true;
		}
	}
	return false;
}

/*
 * Whether resource r can take [at, at + minutes) plus buffer, given that at is already known to
 * lie inside one of its spans: the first hold that forbids it decides the verdict.
 */
static enum availability_verdict resource_free(const struct schedule *s,
					       const struct resource_schedule *r, time_t at,
					       int minutes, const struct hold **which)
{
	time_t end = at + (time_t)minutes * 60;
	time_t blocked = end + (time_t)s->buffer_minutes * 60;

	if (held(r, at, end, 1u << HOLD_CLOSURE, which))
		return AVAILABILITY_HOLIDAY;
	if (held(r, at, end, 1u << HOLD_BUSY, which))
		return AVAILABILITY_CALENDAR_BUSY;
	if (held(r, at, blocked, 1u << HOLD_APPOINTMENT, which))
		return AVAILABILITY_TAKEN;
	return AVAILABILITY_AVAILABLE;
}

/*
 * A hold list sorted by start can hide a long hold behind later short ones, so a scan must
 * start at the first hold that has not ended. Starts are looked at in rising order per
 * resource, so *cursor remembers where that is; should a start go back (overlapping spans),
 * it starts over.
 */
static bool free_from(const struct schedule *s, const struct resource_schedule *r, int *cursor,
		      time_t *last, time_t at, int minutes)
{
	time_t end = at + (time_t)minutes * 60;
	time_t blocked = end + (time_t)s->buffer_minutes * 60;

	if (at < *last)
		*cursor = 0;
	*last = at;
	while (*cursor < r->nholds && r->holds[*cursor].end <= at)
		(*cursor)++;
	for (int i = *cursor; i < r->nholds && r->holds[i].start < blocked; i++) {
		const struct hold *h = &r->holds[i];
		time_t until = h->kind == HOLD_APPOINTMENT ? blocked : end;
		if (h->end > at && h->start < until)
			return false;
	}
	return true;
}

static int by_nearness(const void *x, const void *y)
{
	const struct found *p = x, *q = y;

	if (p->distance != q->distance)
		return (p->distance > q->distance) - (p->distance < q->distance);
	if (p->at != q->at)
		return (p->at > q->at) - (p->at < q->at);
	return p->resource - q->resource;
}

/* Every free start in [from, to] on every resource; returns how many went to *out (arena). */
static int starts_in(struct arena *a, struct schedule *s, int minutes, time_t around,
		     time_t from, time_t to, struct found **out)
{
	int cap = 256, n = 0;
	struct found *list = arena_alloc(a, (size_t)cap * sizeof(*list));
	/* A span ends by midnight, so the day before from has no start at or after from. */
	long first = schedule_local_day(s, from, NULL);
	long final_day = schedule_local_day(s, to, NULL);

	for (int r = 0; r < s->nresources; r++) {
		const struct resource_schedule *rs = &s->resources[r];
		int cursor = 0;
		time_t last = 0;
		for (long day = first; day <= final_day; day++) {
			int weekday = (int)(((day + 3) % 7 + 7) % 7);
			const struct weekday_hours *w = &rs->week[weekday];
			for (int i = 0; i < w->nspans; i++) {
				time_t opens = schedule_moment(s, day, w->span[i][0]);
				time_t closes = schedule_moment(s, day, w->span[i][1]);
				for (time_t at = opens; at + (time_t)minutes * 60 <= closes;
				     at += GRID_SECONDS) {
					if (at < from || at > to ||
					    !free_from(s, rs, &cursor, &last, at, minutes))
						continue;
					if (n == cap) {
						struct found *more = arena_alloc(
							a, (size_t)cap * 2 * sizeof(*more));
						memcpy(more, list, (size_t)n * sizeof(*list));
						list = more;
						cap *= 2;
					}
					list[n++] = (struct found){
						at, at > around ? at - around : around - at, r };
				}
			}
		}
	}
	*out = list;
	return n;
}

int availability_nearest(struct db *db, struct arena *a, const struct availability_query *q,
			 struct availability_slot *out, int count)
{
	struct schedule s;

	if (count <= 0)
		return 0;
	if (q->minutes <= 0 || q->minutes > 1440) {
		log_error("could not find free times: an appointment of %d minutes", q->minutes);
		return -1;
	}
	/* The first round's holds come with the settings, in one round trip. */
	time_t around = q->around;
	time_t length = (time_t)q->minutes * 60;
	time_t loaded_from = around - SEARCH_SECONDS[0];
	time_t loaded_to = around + SEARCH_SECONDS[0] + length + FIRST_BUFFER_GUESS;
	if (schedule_load(db, a, q, &s, loaded_from, loaded_to) < 0)
		return -1;
	if (s.nresources == 0 || s.earliest > s.latest)
		return 0;
	for (size_t round = 0; round < sizeof(SEARCH_SECONDS) / sizeof(SEARCH_SECONDS[0]); round++) {
		time_t reach = SEARCH_SECONDS[round];
		time_t from = around - reach, to = around + reach;
		bool whole = reach == 0 || (from <= s.earliest && to >= s.latest);
		if (whole || from < s.earliest)
			from = s.earliest;
		if (whole || to > s.latest)
			to = s.latest;
		if (from > to)
			continue;
		/* Holds that could touch a start in [from, to]: its length and buffer after. */
		time_t until = to + length + (time_t)s.buffer_minutes * 60;
		if (holds_cover(db, a, q, &s, from, until, &loaded_from, &loaded_to) < 0)
			return -1;
		struct found *list;
		int n = starts_in(a, &s, q->minutes, around, from, to, &list);
		qsort(list, (size_t)n, sizeof(*list), by_nearness);
		/* One slot per start, on the first resource in order: equal starts sort together. */
		int k = 0;
		for (int i = 0; i < n && k < count; i++) {
			if (k > 0 && out[k - 1].starts_at == list[i].at)
				continue;
			out[k].starts_at = list[i].at;
			out[k].resource_id = s.resources[list[i].resource].id;
			out[k].resource_name = s.resources[list[i].resource].name;
			k++;
		}
		/* Every start nearer than the window's edge was seen: these are the nearest. */
		if (k == count || whole)
			return k;
	}
	return 0;
}

/* How far each verdict got: the resource that got furthest explains the answer. */
static int progress(enum availability_verdict v)
{
	switch (v) {
	case AVAILABILITY_AVAILABLE: return 6;
	case AVAILABILITY_TAKEN: return 5;
	case AVAILABILITY_CALENDAR_BUSY: return 4;
	case AVAILABILITY_HOLIDAY: return 3;
	case AVAILABILITY_OUTSIDE_HOURS: return 2;
	case AVAILABILITY_CLOSED_DAY: return 1;
	default: return 0;
	}
}

/* One resource at one time: its hours that day, then what holds it. */
static enum availability_verdict resource_verdict(struct schedule *s,
						  const struct resource_schedule *r, time_t at,
						  int minutes, const struct hold **which)
{
	int weekday;
	long day = schedule_local_day(s, at, &weekday);
	const struct weekday_hours *w = &r->week[weekday];
	bool inside = false;

	if (w->nspans == 0)
		return AVAILABILITY_CLOSED_DAY;
	for (int i = 0; i < w->nspans && !inside; i++)
		inside = schedule_moment(s, day, w->span[i][0]) <= at &&
			 at + (time_t)minutes * 60 <= schedule_moment(s, day, w->span[i][1]);
	if (!inside)
		return AVAILABILITY_OUTSIDE_HOURS;
	return resource_free(s, r, at, minutes, which);
}

enum availability_verdict availability_explain(struct db *db, struct arena *a,
					       const struct availability_query *q, time_t at,
					       struct availability_answer *out)
{
	struct schedule s;
	const struct hold *which = NULL;
	const struct resource_schedule *closest = NULL;
	int best = -1;
	enum availability_verdict verdict = AVAILABILITY_NO_RESOURCE;

	memset(out, 0, sizeof(*out));
	out->verdict = AVAILABILITY_ERROR;
	out->reason = availability_reason(AVAILABILITY_ERROR);
	if (q->minutes <= 0 || q->minutes > 1440) {
		log_error("could not check a time: an appointment of %d minutes", q->minutes);
		return AVAILABILITY_ERROR;
	}
	/* Holds as far as this appointment and its buffer reach, with the settings in one trip. */
	time_t loaded_from = at, loaded_to = at + (time_t)q->minutes * 60 + FIRST_BUFFER_GUESS;
	if (schedule_load(db, a, q, &s, loaded_from, loaded_to) < 0 ||
	    holds_cover(db, a, q, &s, at, at + (time_t)(q->minutes + s.buffer_minutes) * 60,
			&loaded_from, &loaded_to) < 0)
		return AVAILABILITY_ERROR;
	if (at <= s.now)
		verdict = AVAILABILITY_PAST;
	else if (at < s.earliest)
		verdict = AVAILABILITY_TOO_SOON;
	else if (at > s.latest)
		verdict = AVAILABILITY_TOO_FAR;
	else if (s.nresources > 0) {
		for (int r = 0; r < s.nresources; r++) {
			const struct hold *h = NULL;
			enum availability_verdict v = resource_verdict(&s, &s.resources[r], at,
								       q->minutes, &h);
			if (progress(v) > best) {
				best = progress(v);
				verdict = v;
				which = h;
				closest = &s.resources[r];
				if (v == AVAILABILITY_AVAILABLE) {
					out->resource_id = s.resources[r].id;
					out->resource_name = s.resources[r].name;
					break;
				}
			}
		}
	}
	out->verdict = verdict;
	out->reason = availability_words(a, &s, closest, q, at, verdict, which);
	return verdict;
}

enum availability_verdict availability_check(struct db *db, struct arena *a,
					     const struct availability_query *q, time_t at,
					     const char **resource_id_out)
{
	struct availability_answer answer;
	enum availability_verdict v = availability_explain(db, a, q, at, &answer);

	if (resource_id_out)
		*resource_id_out = answer.resource_id;
	return v;
}
