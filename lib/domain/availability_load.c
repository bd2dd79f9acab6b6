/* availability_load.c: read a business's hours, resources and held time for availability */
#include "domain/availability_load.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/when_zone.h"

/*
 * The business's settings, the service's buffer and the resources able to do the service, in
 * the business's order (one row with NULL resource columns when none is). A service with no
 * service_resources rows can be done by every active resource.
 */
static const char SQL_SETTINGS[] =
	"SELECT o.timezone, o.min_notice_minutes, o.horizon_days, "
	"       coalesce((SELECT s.buffer_minutes FROM services s WHERE s.id = $1::uuid), 0), "
	"       r.id, r.name, coalesce(r.hours, o.business_hours)::text "
	"FROM organizations o "
	"LEFT JOIN LATERAL ("
	"  SELECT r.id, r.name, r.hours, r.position, r.created_at FROM resources r "
	"  WHERE r.org_id = o.id AND r.active "
	"    AND ($2::uuid IS NULL OR r.id = $2::uuid) "
	"    AND ($1::uuid IS NULL "
	"         OR NOT EXISTS (SELECT 1 FROM service_resources sr "
	"                        WHERE sr.org_id = o.id AND sr.service_id = $1::uuid) "
	"         OR EXISTS (SELECT 1 FROM service_resources sr "
	"                    WHERE sr.org_id = o.id AND sr.service_id = $1::uuid "
	"                      AND sr.resource_id = r.id))"
	") r ON true "
	"WHERE o.id = app_org_id() "
	"ORDER BY r.position, r.created_at, r.id";

/*
 * What holds time in [$1, $2): live appointments with their buffers (but the one being moved),
 * outside busy blocks and closures; a NULL resource holds every resource. The ranges are the
 * ones the gist indexes of 021 cover.
 */
static const char SQL_HOLDS[] =
	"SELECT 'a', a.resource_id, extract(epoch FROM a.starts_at)::bigint, "
	"       extract(epoch FROM a.blocked_until)::bigint, NULL "
	"FROM appointments a "
	"WHERE a.org_id = app_org_id() AND a.status NOT IN ('cancelled') "
	"  AND tstzrange(a.starts_at, a.blocked_until) "
	"      && tstzrange(to_timestamp($1::bigint), to_timestamp($2::bigint)) "
	"  AND a.id IS DISTINCT FROM $3::uuid "
	"UNION ALL "
	"SELECT 'b', b.resource_id, extract(epoch FROM b.starts_at)::bigint, "
	"       extract(epoch FROM b.ends_at)::bigint, NULL "
	"FROM busy_blocks b "
	"WHERE b.org_id = app_org_id() "
	"  AND tstzrange(b.starts_at, b.ends_at) "
	"      && tstzrange(to_timestamp($1::bigint), to_timestamp($2::bigint)) "
	"UNION ALL "
	"SELECT 'c', c.resource_id, extract(epoch FROM c.starts_at)::bigint, "
	"       extract(epoch FROM c.ends_at)::bigint, c.reason "
	"FROM closures c "
	"WHERE c.org_id = app_org_id() "
	"  AND tstzrange(c.starts_at, c.ends_at) "
	"      && tstzrange(to_timestamp($1::bigint), to_timestamp($2::bigint))";

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

int schedule_load(struct db *db, struct arena *a, const struct availability_query *q,
		  struct schedule *s)
{
	bool bad = false;
	const char *service = uuid_or_null(q->service_id, &bad);
	const char *resource = uuid_or_null(q->resource_id, &bad);

	memset(s, 0, sizeof(*s));
	struct db_result *res = db_q(db, a, SQL_SETTINGS, service, resource);
	if (!res)
		return -1;
	if (db_rows(res) < 1) {
		log_error("could not read availability: no business in this transaction");
		return -1;
	}
	s->timezone = db_value(res, 0, 0);
	s->notice_minutes = atoi(db_value(res, 0, 1));
	s->horizon_days = atoi(db_value(res, 0, 2));
	s->buffer_minutes = atoi(db_value(res, 0, 3));
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
	s->resources = arena_calloc(a, (size_t)db_rows(res), sizeof(*s->resources));
	for (int i = 0; !bad && i < db_rows(res); i++) {
		if (!db_value(res, i, 4))
			continue;
		struct resource_schedule *r = &s->resources[s->nresources++];
		r->id = db_value(res, i, 4);
		r->name = db_value(res, i, 5);
		parse_week(db_value(res, i, 6), r->week);
	}
	return 0;
}

static int by_start(const void *x, const void *y)
{
	const struct hold *p = x, *q = y;
	return (p->start > q->start) - (p->start < q->start);
}

int schedule_load_holds(struct db *db, struct arena *a, const struct availability_query *q,
			struct schedule *s, time_t from, time_t to)
{
	bool bad = false;
	const char *ignore = uuid_or_null(q->ignore_appointment_id, &bad);
	struct db_result *res = db_q(db, a, SQL_HOLDS, arena_printf(a, "%lld", (long long)from),
				     arena_printf(a, "%lld", (long long)to), ignore);

	if (!res)
		return -1;
	int rows = db_rows(res);
	for (int r = 0; r < s->nresources; r++) {
		s->resources[r].holds = arena_alloc(a, (size_t)(rows ? rows : 1) *
						       sizeof(struct hold));
		s->resources[r].nholds = 0;
	}
	for (int i = 0; i < rows; i++) {
		const char *kind = db_value(res, i, 0), *owner = db_value(res, i, 1);
		struct hold h = {
			.start = (time_t)strtoll(db_value(res, i, 2), NULL, 10),
			.end = (time_t)strtoll(db_value(res, i, 3), NULL, 10),
			.kind = kind[0] == 'a' ? HOLD_APPOINTMENT :
				kind[0] == 'b' ? HOLD_BUSY : HOLD_CLOSURE,
			.reason = db_value(res, i, 4),
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
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12), after Howard Hinnant. */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *year, int *month, int *day)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

long schedule_local_day(const struct schedule *s, time_t t, int *weekday)
{
	struct tm tm;

	when_zone_fields(s->zone, t, &tm);
	long day = days_from_civil(tm.tm_year + 1900L, tm.tm_mon + 1, tm.tm_mday);
	if (weekday)
		*weekday = (int)(((day + 3) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
	return day;
}

time_t schedule_moment(const struct schedule *s, long day, int minutes)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	return when_zone_moment(s->zone, y, m, d, minutes);
}
