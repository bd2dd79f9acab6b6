/* availability_load.c: read a business's hours, resources and held time for availability */
#include "domain/availability_load.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/when_words.h"
#include "domain/when_zone.h"

/*
 * sql/021's availability_schedule(): in one round trip, rows (kind, id, name, text, n1, n2, n3)
 * in this order: 'o' the business (time zone in text; notice, horizon and the service's buffer
 * in n1..n3), 'r' each able resource in the business's order (id, name, hours), then what holds
 * time in the window (kind 'a', 'b' or 'c'; resource in id, a closure's reason in name, start
 * and end in n1, n2).
 */
static const char SQL_SCHEDULE[] =
	"SELECT row_kind, row_id, row_name, row_text, n1, n2, n3 "
	"FROM availability_schedule($1::uuid, $2::uuid, $3::bigint, $4::bigint, $5::uuid)";

/* The holds alone, in the same columns. */
static const char SQL_HOLDS[] =
	"SELECT h_kind, h_resource, h_reason, NULL, h_starts, h_ends "
	"FROM availability_holds($1::bigint, $2::bigint, $3::uuid)";

static void zone_release(void *zone)
{
	when_zone_close(zone);
}

/* "HH:MM" (or "24:00") as minutes after midnight, -1 when it is not one. */
static int clock_minutes(const char *text)
{
	if (!text || strlen(text) != 5 || text[2] != ':')
		return -1;
	int h = atoi(text), m = atoi(text + 3);
	if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
		return -1;
	return h * 60 + m;
}

/* The week of hours JSON ({"mon":[["09:00","12:00"],...],...}); a bad span is left out. */
static void parse_week(const char *text, struct weekday_hours week[7])
{
	static const char *const keys[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	json_t *hours = text ? json_loads(text, 0, NULL) : NULL;

	memset(week, 0, 7 * sizeof(*week));
	for (int d = 0; hours && d < 7; d++) {
		json_t *spans = json_object_get(hours, keys[d]);
		size_t i;
		json_t *span;

		json_array_foreach(spans, i, span) {
			int open = clock_minutes(json_string_value(json_array_get(span, 0)));
			int close = clock_minutes(json_string_value(json_array_get(span, 1)));
			struct weekday_hours *w = &week[d];
			if (open < 0 || close <= open || w->nspans == AVAILABILITY_MAX_SPANS)
				continue;
			/* Kept in order of opening, so a break is the gap between neighbours. */
			int at = w->nspans;
			while (at > 0 && w->span[at - 1][0] > open) {
				w->span[at][0] = w->span[at - 1][0];
				w->span[at][1] = w->span[at - 1][1];
				at--;
			}
			w->span[at][0] = open;
			w->span[at][1] = close;
			w->nspans++;
		}
	}
	json_decref(hours);
}

/* An id given by a caller of this module that is not a uuid matches nothing. */
static const char *uuid_or_null(const char *id, bool *bad)
{
	if (id && !text_is_uuid(id)) {
		*bad = true;
		return NULL;
	}
	return id;
}

static int by_start(const void *x, const void *y)
{
	const struct hold *p = x, *q = y;
	return (p->start > q->start) - (p->start < q->start);
}

/* Hand hold rows [first, rows) of res (kind, resource, reason, -, start, end) to every
 * resource they hold, sorted by start. */
static void take_holds(struct arena *a, struct schedule *s, struct db_result *res, int first)
{
	int rows = db_rows(res) - first;

	for (int r = 0; r < s->nresources; r++) {
		s->resources[r].holds = arena_alloc(a, (size_t)(rows > 0 ? rows : 1) *
						       sizeof(struct hold));
		s->resources[r].nholds = 0;
	}
	for (int i = first; i < db_rows(res); i++) {
		const char *kind = db_value(res, i, 0), *owner = db_value(res, i, 1);
		struct hold h = {
			.start = (time_t)strtoll(db_value(res, i, 4), NULL, 10),
			.end = (time_t)strtoll(db_value(res, i, 5), NULL, 10),
			.kind = kind[0] == 'a' ? HOLD_APPOINTMENT :
				kind[0] == 'b' ? HOLD_BUSY : HOLD_CLOSURE,
			.reason = db_value(res, i, 2),
		};
		for (int r = 0; r < s->nresources; r++) {
			struct resource_schedule *rs = &s->resources[r];
			if (!owner || !strcmp(owner, rs->id))
				rs->holds[rs->nholds++] = h;
		}
	}
	for (int r = 0; r < s->nresources; r++)
		qsort(s->resources[r].holds, (size_t)s->resources[r].nholds, sizeof(struct hold),
		      by_start);
}

static const char *epoch_text(struct arena *a, time_t t)
{
	return arena_printf(a, "%lld", (long long)t);
}

int schedule_load(struct db *db, struct arena *a, const struct availability_query *q,
		  struct schedule *s, time_t from, time_t to)
{
	bool bad = false;
	const char *service = uuid_or_null(q->service_id, &bad);
	const char *resource = uuid_or_null(q->resource_id, &bad);
	const char *ignore = uuid_or_null(q->ignore_appointment_id, &bad);

	memset(s, 0, sizeof(*s));
	struct db_result *res = db_q(db, a, SQL_SCHEDULE, service, resource, epoch_text(a, from),
				     epoch_text(a, to), ignore);
	if (!res)
		return -1;
	if (db_rows(res) < 1 || strcmp(db_value(res, 0, 0), "o")) {
		log_error("could not read availability: no business in this transaction");
		return -1;
	}
	s->timezone = db_value(res, 0, 3);
	s->notice_minutes = atoi(db_value(res, 0, 4));
	s->horizon_days = atoi(db_value(res, 0, 5));
	s->buffer_minutes = atoi(db_value(res, 0, 6));
	s->now = q->now ? q->now : time(NULL);
	s->earliest = s->now + (time_t)s->notice_minutes * 60;
	if (s->earliest <= s->now)
		s->earliest = s->now + 1;
	s->latest = s->now + (time_t)s->horizon_days * 86400;
	s->zone = when_zone_open(s->timezone);
	if (!s->zone) {
		log_error("could not read availability: no calendar for zone %s", s->timezone);
		return -1;
	}
	arena_defer(a, zone_release, s->zone);
	int row = 1;
	s->resources = arena_calloc(a, (size_t)db_rows(res), sizeof(*s->resources));
	for (; row < db_rows(res) && !strcmp(db_value(res, row, 0), "r"); row++) {
		if (bad)
			continue;
		struct resource_schedule *r = &s->resources[s->nresources++];
		r->id = db_value(res, row, 1);
		r->name = db_value(res, row, 2);
		parse_week(db_value(res, row, 3), r->week);
	}
	take_holds(a, s, res, row);
	return 0;
}

int schedule_load_holds(struct db *db, struct arena *a, const struct availability_query *q,
			struct schedule *s, time_t from, time_t to)
{
	bool bad = false;
	const char *ignore = uuid_or_null(q->ignore_appointment_id, &bad);
	struct db_result *res = db_q(db, a, SQL_HOLDS, epoch_text(a, from), epoch_text(a, to),
				     ignore);

	if (!res)
		return -1;
	take_holds(a, s, res, 0);
	return 0;
}

long schedule_local_day(const struct schedule *s, time_t t, int *weekday)
{
	struct tm tm;

	when_zone_fields(s->zone, t, &tm);
	long day = when_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (weekday)
		*weekday = (int)(((day + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
	return day;
}

time_t schedule_moment(struct schedule *s, long day, int minutes)
{
	int y, m, d;

	for (int i = 0; i < s->nmemo; i++)
		if (s->memo[i].day == day && s->memo[i].minutes == minutes)
			return s->memo[i].at;
	when_civil_from_days(day, &y, &m, &d);
	time_t at = when_zone_moment(s->zone, y, m, d, minutes);
	/* Round robin once full: a long search walks forward through the days. */
	s->memo[s->next_memo] = (struct moment_memo){ day, minutes, at };
	s->next_memo = (s->next_memo + 1) % SCHEDULE_MEMO;
	if (s->nmemo < SCHEDULE_MEMO)
		s->nmemo++;
	return at;
}
