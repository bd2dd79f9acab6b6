/* test_availability.c: breaks, closures, notice, horizon, buffers, resources and a DST day */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "domain/availability.h"
#include "infra/db.h"
#include "schedule_fixture.h"

#define ZONE "America/New_York"

/* Weekdays 9 to 12 and 1 to 5 (a lunch hour), Saturday and Sunday closed. */
#define LUNCH_HOURS \
	"{\"mon\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]]," \
	"\"tue\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]]," \
	"\"wed\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]]," \
	"\"thu\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]]," \
	"\"fri\":[[\"09:00\",\"12:00\"],[\"13:00\",\"17:00\"]],\"sat\":[],\"sun\":[]}"

static const char SQL_FIRST_RESOURCE[] =
	"SELECT id FROM resources WHERE org_id = $1 ORDER BY position, created_at, id LIMIT 1";
static const char SQL_RESOURCE[] =
	"INSERT INTO resources (org_id, name, hours, position, active) "
	"VALUES ($1, $2, $3::jsonb, $4::int, $5::boolean) RETURNING id";
static const char SQL_APPOINTMENT[] =
	"INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, service_id, "
	"                          resource_id) "
	"VALUES ($1, 'Existing customer', to_timestamp($2::bigint), "
	"        to_timestamp($2::bigint) + make_interval(mins => $3::int), $4, $5)";
static const char SQL_CLOSURE[] =
	"INSERT INTO closures (org_id, resource_id, starts_at, ends_at, reason) "
	"VALUES ($1, $2, ($3::date)::timestamp AT TIME ZONE $4, "
	"        ($3::date + 1)::timestamp AT TIME ZONE $4, $5)";
static const char SQL_BUSY[] =
	"INSERT INTO busy_blocks (org_id, resource_id, source_calendar, external_id, starts_at, "
	"                         ends_at) "
	"VALUES ($1, NULL, 'primary', 'event-1', to_timestamp($2::bigint), "
	"        to_timestamp($3::bigint))";
static const char SQL_SETTINGS[] =
	"UPDATE organizations SET min_notice_minutes = $2::int, horizon_days = $3::int "
	"WHERE id = $1";
static const char SQL_BUFFER[] = "UPDATE services SET buffer_minutes = $2::int WHERE id = $1";
static const char SQL_ABLE[] =
	"INSERT INTO service_resources (org_id, service_id, resource_id) VALUES ($1, $2, $3)";
static const char SQL_DATE_WORDS[] = "SELECT to_char($1::date, 'FMMonth FMDD')";

struct fixture {
	struct arena *a;
	struct db *owner;
	struct db *app;
	const char *org, *drain, *main_resource;
	const char *wednesday, *saturday;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->org = fixture_org_open(&f->a, &f->owner, &f->app, ZONE, LUNCH_HOURS, &f->drain);
	f->wednesday = fixture_day_ahead(f->owner, f->a, "3");
	f->saturday = fixture_day_ahead(f->owner, f->a, "6");
	f->main_resource = db_text(f->owner, f->a, SQL_FIRST_RESOURCE, f->org);
	assert_non_null(f->main_resource);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fixture_org_close(f->a, f->owner, f->app, f->org);
	free(f);
	return 0;
}

static time_t at(struct fixture *f, const char *day, const char *clock)
{
	return fixture_local_time(f->owner, f->a, day, clock, ZONE);
}

static const char *text(struct fixture *f, long long n)
{
	return arena_printf(f->a, "%lld", n);
}

static void book(struct fixture *f, time_t starts, int minutes, const char *service,
		 const char *resource)
{
	assert_int_equal(db_exec(f->owner, f->a, SQL_APPOINTMENT, f->org, text(f, starts),
				 text(f, minutes), service, resource), 1);
}

static const char *add_resource(struct fixture *f, const char *name, const char *hours,
				int position, const char *active)
{
	const char *id = db_text(f->owner, f->a, SQL_RESOURCE, f->org, name, hours,
				 text(f, position), active);
	assert_non_null(id);
	return id;
}

/* The verdict and sentence for q at at, in a transaction of the business's own. */
static enum availability_verdict explain(struct fixture *f, struct availability_query *q,
					 time_t t, struct availability_answer *answer)
{
	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	enum availability_verdict v = availability_explain(f->app, f->a, q, t, answer);
	db_rollback(f->app);
	return v;
}

static int nearest(struct fixture *f, struct availability_query *q, struct availability_slot *out,
		   int count)
{
	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	int n = availability_nearest(f->app, f->a, q, out, count);
	db_rollback(f->app);
	return n;
}

static void test_lunch_break_is_refused_and_skipped(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 60 };
	struct availability_answer answer;
	struct availability_slot slots[3];

	assert_int_equal(explain(f, &q, at(f, f->wednesday, "12:15"), &answer),
			 AVAILABILITY_OUTSIDE_HOURS);
	assert_string_equal(answer.reason, "That's our lunch break; we're open again at 1 PM.");
	/* An hour that would run into the break is refused the same way. */
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "11:30"), &answer),
			 AVAILABILITY_OUTSIDE_HOURS);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "11:00"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_string_equal(answer.reason, "");
	assert_string_equal(answer.resource_id, f->main_resource);
	/* Before opening: the hours of the day. */
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "07:00"), &answer),
			 AVAILABILITY_OUTSIDE_HOURS);
	assert_string_equal(answer.reason,
			    "We're open 9 AM to 12 PM and 1 PM to 5 PM on Wednesdays.");
	q.around = at(f, f->wednesday, "12:30");
	assert_int_equal(nearest(f, &q, slots, 3), 3);
	assert_true(slots[0].starts_at == at(f, f->wednesday, "13:00"));
	assert_true(slots[1].starts_at == at(f, f->wednesday, "13:15"));
	assert_true(slots[2].starts_at == at(f, f->wednesday, "13:30"));
	assert_string_equal(slots[0].resource_id, f->main_resource);
}

static void test_closed_day_and_holiday(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 30 };
	struct availability_answer answer;
	struct availability_slot slots[1];

	assert_int_equal(explain(f, &q, at(f, f->saturday, "10:00"), &answer),
			 AVAILABILITY_CLOSED_DAY);
	assert_string_equal(answer.reason, "We're closed on Saturdays.");
	assert_int_equal(db_exec(f->owner, f->a, SQL_CLOSURE, f->org, NULL, f->wednesday, ZONE,
				 "the holiday"), 1);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:00"), &answer),
			 AVAILABILITY_HOLIDAY);
	const char *date = db_text(f->owner, f->a, SQL_DATE_WORDS, f->wednesday);
	assert_string_equal(answer.reason,
			    arena_printf(f->a, "We're closed on %s for the holiday.", date));
	/* The nearest free time skips the closed day: Thursday's first, not Wednesday's. */
	q.around = at(f, f->wednesday, "10:00");
	assert_int_equal(nearest(f, &q, slots, 1), 1);
	assert_true(slots[0].starts_at == at(f, f->wednesday, "09:00") + 86400 ||
		    slots[0].starts_at == at(f, f->wednesday, "16:30") - 86400);
	assert_true(slots[0].starts_at < at(f, f->wednesday, "00:00") ||
		    slots[0].starts_at >= at(f, f->wednesday, "00:00") + 86400);
}

static void test_notice_and_horizon(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 30 };
	struct availability_answer answer;
	struct availability_slot slots[1];

	assert_int_equal(db_exec(f->owner, f->a, SQL_SETTINGS, f->org, "120", "60"), 1);
	/* "Now" is 8 AM on the Wednesday: 9 AM is an hour away, 10 AM two. */
	q.now = at(f, f->wednesday, "08:00");
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "09:00"), &answer),
			 AVAILABILITY_TOO_SOON);
	assert_string_equal(answer.reason, "We need at least 2 hours' notice.");
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:00"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "07:00"), &answer),
			 AVAILABILITY_PAST);
	q.around = q.now;
	assert_int_equal(nearest(f, &q, slots, 1), 1);
	assert_true(slots[0].starts_at == at(f, f->wednesday, "10:00"));
	/* 61 days on is past the horizon, and nothing is offered there. */
	time_t far = at(f, f->wednesday, "10:00") + 61 * 86400;
	assert_int_equal(explain(f, &q, far, &answer), AVAILABILITY_TOO_FAR);
	assert_string_equal(answer.reason, "We book up to 60 days ahead.");
	q.around = far;
	assert_int_equal(nearest(f, &q, slots, 1), 1);
	assert_true(slots[0].starts_at <= q.now + 60 * 86400);
}

static void test_buffer_after_appointments(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 30, .service_id = f->drain };
	struct availability_answer answer;

	assert_int_equal(db_exec(f->owner, f->a, SQL_BUFFER, f->drain, "30"), 1);
	/* 9 to 10 plus its half hour of clean-up: taken until 10:30. */
	book(f, at(f, f->wednesday, "09:00"), 60, f->drain, NULL);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:00"), &answer),
			 AVAILABILITY_TAKEN);
	assert_string_equal(answer.reason, "That time is already taken.");
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:30"), &answer),
			 AVAILABILITY_AVAILABLE);
	/* This appointment's own buffer must clear the next one: 11:00 leaves 10:30 too tight. */
	book(f, at(f, f->wednesday, "11:15"), 30, NULL, NULL);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:30"), &answer),
			 AVAILABILITY_TAKEN);
	/* A service without a buffer fits 10:30 to 11:00 still. */
	q.service_id = NULL;
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:30"), &answer),
			 AVAILABILITY_AVAILABLE);
}

static void test_union_over_resources(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 60 };
	struct availability_answer answer;
	struct availability_slot slots[2];
	/* A second chair that works Saturday mornings too. */
	const char *chair = add_resource(f, "Chair 2",
		"{\"mon\":[[\"09:00\",\"17:00\"]],\"tue\":[[\"09:00\",\"17:00\"]],"
		"\"wed\":[[\"09:00\",\"17:00\"]],\"thu\":[[\"09:00\",\"17:00\"]],"
		"\"fri\":[[\"09:00\",\"17:00\"]],\"sat\":[[\"09:00\",\"12:00\"]]}", 1, "true");

	/* Saturday: only the chair works; the lunch hour: only the chair. */
	assert_int_equal(explain(f, &q, at(f, f->saturday, "10:00"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_string_equal(answer.resource_id, chair);
	assert_string_equal(answer.resource_name, "Chair 2");
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "12:00"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_string_equal(answer.resource_id, chair);
	/* One booked at 10: the other takes it; both booked: taken. */
	book(f, at(f, f->wednesday, "10:00"), 60, NULL, f->main_resource);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:00"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_string_equal(answer.resource_id, chair);
	book(f, at(f, f->wednesday, "10:00"), 60, NULL, chair);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "10:00"), &answer),
			 AVAILABILITY_TAKEN);
	/* Asking for the first resource alone: its own hours and bookings. */
	q.resource_id = f->main_resource;
	assert_int_equal(explain(f, &q, at(f, f->saturday, "10:00"), &answer),
			 AVAILABILITY_CLOSED_DAY);
	/* A service only the chair does: 9 and 11 are as near as each other; the earlier first. */
	q.resource_id = NULL;
	q.service_id = f->drain;
	assert_int_equal(db_exec(f->owner, f->a, SQL_ABLE, f->org, f->drain, chair), 1);
	q.around = at(f, f->wednesday, "10:00");
	assert_int_equal(nearest(f, &q, slots, 2), 2);
	assert_true(slots[0].starts_at == at(f, f->wednesday, "09:00"));
	assert_true(slots[1].starts_at == at(f, f->wednesday, "11:00"));
	assert_string_equal(slots[0].resource_id, chair);
	/* A resource that does not exist, or is no id at all, can do nothing. */
	q.resource_id = "not-a-uuid";
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "14:00"), &answer),
			 AVAILABILITY_NO_RESOURCE);
	q.resource_id = "00000000-0000-4000-8000-000000000000";
	assert_int_equal(nearest(f, &q, slots, 2), 0);
	/* An inactive resource takes nothing. */
	const char *off = add_resource(f, "Chair 3", NULL, 2, "false");
	q.resource_id = off;
	q.service_id = NULL;
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "14:00"), &answer),
			 AVAILABILITY_NO_RESOURCE);
}

static void test_calendar_busy_time(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 60 };
	struct availability_answer answer;

	assert_int_equal(db_exec(f->owner, f->a, SQL_BUSY, f->org,
				 text(f, at(f, f->wednesday, "14:00")),
				 text(f, at(f, f->wednesday, "15:00"))), 1);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "14:30"), &answer),
			 AVAILABILITY_CALENDAR_BUSY);
	assert_int_equal(explain(f, &q, at(f, f->wednesday, "15:00"), &answer),
			 AVAILABILITY_AVAILABLE);
}

/*
 * On the day clocks spring forward (America/New_York, 2027-03-14) a 1 AM to 5 AM span is three
 * real hours: 60-minute starts run 1:00 to 1:45, then 3:00 to 4:00 (2 AM never happens).
 */
static void test_daylight_saving_day(void **state)
{
	struct fixture *f = *state;
	struct availability_query q = { .minutes = 60 };
	struct availability_slot slots[16];
	struct availability_answer answer;

	add_resource(f, "Night shift", "{\"sun\":[[\"01:00\",\"05:00\"]]}", 1, "true");
	q.now = at(f, "2027-03-01", "12:00");
	q.around = at(f, "2027-03-14", "03:00");
	int n = nearest(f, &q, slots, 16);
	int on_the_day = 0;
	for (int i = 0; i < n; i++)
		on_the_day += slots[i].starts_at >= at(f, "2027-03-14", "00:00") &&
			      slots[i].starts_at < at(f, "2027-03-15", "00:00");
	assert_int_equal(on_the_day, 9);
	assert_true(slots[0].starts_at == at(f, "2027-03-14", "03:00"));
	assert_int_equal(explain(f, &q, at(f, "2027-03-14", "01:45"), &answer),
			 AVAILABILITY_AVAILABLE);
	assert_int_equal(explain(f, &q, at(f, "2027-03-14", "04:15"), &answer),
			 AVAILABILITY_OUTSIDE_HOURS);
	assert_string_equal(answer.reason, "We're open 1 AM to 5 AM on Sundays.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lunch_break_is_refused_and_skipped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_closed_day_and_holiday, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notice_and_horizon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffer_after_appointments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_union_over_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calendar_busy_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daylight_saving_day, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
