/* schedule_fixture.h: days and local times ahead in a business's zone, for the availability and
 * booking tests */
#ifndef SB_TEST_SCHEDULE_FIXTURE_H
#define SB_TEST_SCHEDULE_FIXTURE_H

#include <time.h>

#include "org_fixture.h"

/* A week or two ahead, so notice and horizon settings never decide a test by the clock. */
static const char SQL_FIXTURE_DAY_AHEAD[] =
	"SELECT d::date::text FROM generate_series(current_date + 7, current_date + 13, "
	"                                          interval '1 day') AS d "
	"WHERE extract(isodow FROM d) = $1::int";
static const char SQL_FIXTURE_LOCAL[] =
	"SELECT extract(epoch FROM ($1::date + $2::time) AT TIME ZONE $3)::bigint";

/*
 * Start a test: a new arena in *a, its two connections (*owner bypasses row-level security, to
 * arrange and check; *app is the web program's role, as the code under test runs) and an
 * organization made by fixture_org_create. Returns the organization's id (arena).
 */
static const char *fixture_org_open(struct arena **a, struct db **owner, struct db **app,
				    const char *zone, const char *hours, const char **drain_id)
{
	*a = arena_new();
	const char *org = fixture_org_create(*a, zone, hours, drain_id);
	*owner = db_open(fixture_dsn("SB_DSN_OWNER"));
	*app = db_open(fixture_dsn("SB_DSN_APP"));
	return org;
}

/* A local date one to two weeks ahead with ISO weekday isodow ("1" = Monday) (arena). */
static const char *fixture_day_ahead(struct db *owner, struct arena *a, const char *isodow)
{
	const char *day = db_text(owner, a, SQL_FIXTURE_DAY_AHEAD, isodow);

	assert_non_null(day);
	return day;
}

/* The moment of the wall-clock time clock ("14:00") on day in zone. */
static time_t fixture_local_time(struct db *owner, struct arena *a, const char *day,
				 const char *clock, const char *zone)
{
	long t;

	assert_int_equal(db_long(owner, a, &t, SQL_FIXTURE_LOCAL, day, clock, zone), 0);
	return (time_t)t;
}

/* After a test, the reverse of fixture_org_open: close its two connections, drop its
 * organization and free its arena. */
static void fixture_org_close(struct arena *a, struct db *owner, struct db *app, const char *org)
{
	db_close(app);
	db_close(owner);
	fixture_org_drop(org);
	arena_free(a);
}

#endif
