/* test_booking.c: free times, refusals with alternatives, and one winner of fifty at one time */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "domain/availability.h"
#include "domain/booking.h"
#include "infra/db.h"
#include "schedule_fixture.h"

#define ZONE "America/Chicago"
#define RACERS 50

static const char SQL_DAY_BEFORE[] = "SELECT ($1::date - 1)::text";
static const char SQL_APPOINTMENT[] =
	"INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, status) "
	"VALUES ($1, 'Existing customer', to_timestamp($2::bigint), "
	"        to_timestamp($2::bigint) + make_interval(mins => $3::int), $4)";
static const char SQL_COUNT_AT[] =
	"SELECT count(*) FROM appointments WHERE org_id = $1 AND starts_at = to_timestamp($2::bigint) "
	"  AND status <> 'cancelled'";
static const char SQL_BOOKED[] =
	"SELECT extract(epoch FROM starts_at)::bigint, extract(epoch FROM ends_at)::bigint, "
	"       customer_name, customer_phone, service_id, status, created_at::text "
	"FROM appointments WHERE id = $1";
static const char SQL_CONFIRMATIONS[] =
	"SELECT payload ->> 'appointment_id', payload ->> 'to', payload ->> 'body', created_at::text "
	"FROM jobs WHERE org_id = $1 AND kind = 'sms.send' ORDER BY created_at";

struct fixture {
	struct arena *a;
	struct db *owner;
	struct db *app;
	const char *org;
	const char *drain;
	const char *wednesday, *thursday, *saturday, *sunday;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->org = fixture_org_open(&f->a, &f->owner, &f->app, ZONE, FIXTURE_HOURS, &f->drain);
	f->wednesday = fixture_day_ahead(f->owner, f->a, "3");
	f->thursday = fixture_day_ahead(f->owner, f->a, "4");
	f->sunday = fixture_day_ahead(f->owner, f->a, "7");
	f->saturday = db_text(f->owner, f->a, SQL_DAY_BEFORE, f->sunday);
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

/* The moment of a local wall-clock time in the business's zone. */
static time_t at(struct fixture *f, const char *day, const char *clock)
{
	return fixture_local_time(f->owner, f->a, day, clock, ZONE);
}

static const char *epoch(struct fixture *f, time_t t)
{
	return arena_printf(f->a, "%lld", (long long)t);
}

static void existing(struct fixture *f, time_t starts, int minutes, const char *status)
{
	assert_int_equal(db_exec(f->owner, f->a, SQL_APPOINTMENT, f->org, epoch(f, starts),
				 arena_printf(f->a, "%d", minutes), status), 1);
}

/* availability_nearest's starts alone, as the receptionist reads them. */
static int nearest(struct fixture *f, time_t around, int minutes, time_t *got, int count)
{
	struct availability_slot slots[8];
	struct availability_query q = { .minutes = minutes, .around = around };
	int n = availability_nearest(f->app, f->a, &q, slots, count);

	for (int i = 0; i < n; i++)
		got[i] = slots[i].starts_at;
	return n;
}

static int is_free(struct fixture *f, time_t at, int minutes)
{
	struct availability_query q = { .minutes = minutes };
	return availability_check(f->app, f->a, &q, at, NULL) == AVAILABILITY_AVAILABLE;
}

static void assert_starts(struct fixture *f, const time_t *got, int n, const char *day,
			  const char *const want[3])
{
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++)
		if (got[i] != at(f, day, want[i]))
			fail_msg("start %d: want %s %s", i, day, want[i]);
}

static void test_free_starts_respect_hours(void **state)
{
	struct fixture *f = *state;
	time_t got[3];

	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	/* Before opening: the first starts of the day. */
	int n = nearest(f, at(f, f->wednesday, "07:00"), 60, got, 3);
	assert_starts(f, got, n, f->wednesday, (const char *const[]){ "08:00", "08:15", "08:30" });
	/* Closed Sunday, just after midnight: Saturday's last starts are nearer than Monday's. */
	n = nearest(f, at(f, f->sunday, "00:00"), 60, got, 3);
	assert_starts(f, got, n, f->saturday, (const char *const[]){ "12:00", "11:45", "11:30" });
	/* Nothing overruns the closing time. */
	n = nearest(f, at(f, f->wednesday, "18:00"), 120, got, 3);
	assert_starts(f, got, n, f->wednesday, (const char *const[]){ "16:00", "15:45", "15:30" });
	db_rollback(f->app);
}

static void test_free_starts_skip_appointments(void **state)
{
	struct fixture *f = *state;
	time_t got[3];

	existing(f, at(f, f->wednesday, "09:00"), 60, "scheduled");
	/* A cancelled appointment frees its time. */
	existing(f, at(f, f->wednesday, "10:00"), 60, "cancelled");
	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	int n = nearest(f, at(f, f->wednesday, "09:00"), 60, got, 3);
	assert_starts(f, got, n, f->wednesday, (const char *const[]){ "08:00", "10:00", "10:15" });
	db_rollback(f->app);
}

static void test_is_free(void **state)
{
	struct fixture *f = *state;

	existing(f, at(f, f->wednesday, "09:00"), 60, "scheduled");
	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	assert_int_equal(is_free(f, at(f, f->wednesday, "09:30"), 30), 0);
	assert_int_equal(is_free(f, at(f, f->wednesday, "08:30"), 60), 0);
	/* Back to back is fine: ranges are half-open. */
	assert_int_equal(is_free(f, at(f, f->wednesday, "10:00"), 60), 1);
	assert_int_equal(is_free(f, at(f, f->wednesday, "08:00"), 60), 1);
	/* Off the quarter-hour grid but inside the hours. */
	assert_int_equal(is_free(f, at(f, f->wednesday, "13:10"), 45), 1);
	assert_int_equal(is_free(f, at(f, f->wednesday, "17:30"), 60), 0);
	assert_int_equal(is_free(f, at(f, f->wednesday, "07:30"), 60), 0);
	assert_int_equal(is_free(f, at(f, f->sunday, "10:00"), 60), 0);
	assert_int_equal(is_free(f, at(f, f->saturday, "12:30"), 60), 0);
	assert_int_equal(is_free(f, time(NULL) - 86400, 60), 0);
	db_rollback(f->app);
}

static void test_taken_time_offers_the_nearest(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = {
		.service_id = f->drain, .customer_name = "Pat Caller",
		.customer_phone = "+15555550123", .minutes = 30,
	};
	struct booking_outcome out;
	long count;

	existing(f, at(f, f->wednesday, "09:00"), 60, "scheduled");
	req.starts_at = at(f, f->wednesday, "09:30");
	booking_book(f->app, f->a, f->org, &req, &out);
	assert_int_equal(out.result, BOOKING_TAKEN);
	assert_null(out.appointment_id);
	assert_starts(f, out.alternatives, out.nalternatives, f->wednesday,
		      (const char *const[]){ "10:00", "10:15", "08:30" });
	assert_false(db_in_transaction(f->app));
	/* Outside the hours is refused the same way. */
	req.minutes = 60;
	req.starts_at = at(f, f->wednesday, "17:30");
	booking_book(f->app, f->a, f->org, &req, &out);
	assert_int_equal(out.result, BOOKING_TAKEN);
	assert_starts(f, out.alternatives, out.nalternatives, f->wednesday,
		      (const char *const[]){ "17:00", "16:45", "16:30" });
	assert_int_equal(db_long(f->owner, f->a, &count, SQL_COUNT_AT, f->org,
				 epoch(f, at(f, f->wednesday, "17:30"))), 0);
	assert_int_equal(count, 0);
	struct db_result *jobs = db_q(f->owner, f->a, SQL_CONFIRMATIONS, f->org);
	assert_non_null(jobs);
	assert_int_equal(db_rows(jobs), 0);
}

static void test_booked_with_its_confirmation(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = {
		.service_id = f->drain, .customer_name = "Pat Caller",
		.customer_phone = "+15555550123", .address = "12 Elm Street",
		.notes = "Kitchen sink", .minutes = 60,
	};
	struct booking_outcome out;

	req.starts_at = at(f, f->wednesday, "11:00");
	booking_book(f->app, f->a, f->org, &req, &out);
	assert_int_equal(out.result, BOOKING_BOOKED);
	assert_non_null(out.appointment_id);
	assert_false(db_in_transaction(f->app));

	struct db_result *row = db_q(f->owner, f->a, SQL_BOOKED, out.appointment_id);
	assert_non_null(row);
	assert_int_equal(db_rows(row), 1);
	assert_string_equal(db_value(row, 0, 0), epoch(f, req.starts_at));
	assert_string_equal(db_value(row, 0, 1), epoch(f, req.starts_at + 3600));
	assert_string_equal(db_value(row, 0, 2), "Pat Caller");
	assert_string_equal(db_value(row, 0, 3), "+15555550123");
	assert_string_equal(db_value(row, 0, 4), f->drain);
	assert_string_equal(db_value(row, 0, 5), "scheduled");

	struct db_result *jobs = db_q(f->owner, f->a, SQL_CONFIRMATIONS, f->org);
	assert_non_null(jobs);
	assert_int_equal(db_rows(jobs), 1);
	assert_string_equal(db_value(jobs, 0, 0), out.appointment_id);
	assert_string_equal(db_value(jobs, 0, 1), "+15555550123");
	const char *body = db_value(jobs, 0, 2);
	assert_non_null(strstr(body, "Drain cleaning"));
	assert_non_null(strstr(body, "Fixture Plumbing"));
	assert_non_null(strstr(body, " at 11 AM"));
	/* One transaction wrote both rows (its timestamp, not xmin: the job runner rewrites jobs). */
	assert_string_equal(db_value(jobs, 0, 3), db_value(row, 0, 6));

	/* The same time again is taken now. */
	struct booking_outcome again;
	booking_book(f->app, f->a, f->org, &req, &again);
	assert_int_equal(again.result, BOOKING_TAKEN);
	assert_int_equal(again.nalternatives, 3);
}

struct racer {
	const char *org;
	const struct booking_request *req;
	pthread_barrier_t *start;
	enum booking_result result;
	int nalternatives;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct arena *a = arena_new();
	struct db *db = db_open(getenv("SB_DSN_APP"));
	struct booking_outcome out;

	db_ready(db);
	pthread_barrier_wait(r->start);
	booking_book(db, a, r->org, r->req, &out);
	r->result = out.result;
	r->nalternatives = out.nalternatives;
	db_close(db);
	arena_free(a);
	return NULL;
}

/* RACERS callers of org, each on its own connection, book req at the same moment. */
static void race_all(const char *org, const struct booking_request *req, struct racer *racers)
{
	pthread_t threads[RACERS];
	pthread_barrier_t start;

	pthread_barrier_init(&start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++) {
		racers[i] = (struct racer){ .org = org, .req = req, .start = &start };
		assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
	}
	for (int i = 0; i < RACERS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
}

static void test_fifty_callers_one_time(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = {
		.service_id = f->drain, .customer_name = "Racing caller",
		.customer_phone = "+15555550124", .minutes = 60,
	};
	struct racer racers[RACERS];
	int booked = 0, taken = 0;
	long count;

	req.starts_at = at(f, f->thursday, "14:00");
	race_all(f->org, &req, racers);
	for (int i = 0; i < RACERS; i++) {
		booked += racers[i].result == BOOKING_BOOKED;
		taken += racers[i].result == BOOKING_TAKEN;
		if (racers[i].result == BOOKING_TAKEN)
			assert_int_equal(racers[i].nalternatives, 3);
	}
	assert_int_equal(booked, 1);
	assert_int_equal(taken, RACERS - 1);
	assert_int_equal(db_long(f->owner, f->a, &count, SQL_COUNT_AT, f->org,
				 epoch(f, req.starts_at)), 0);
	assert_int_equal(count, 1);
	struct db_result *jobs = db_q(f->owner, f->a, SQL_CONFIRMATIONS, f->org);
	assert_non_null(jobs);
	assert_int_equal(db_rows(jobs), 1);
}

static const char SQL_RESOURCE[] =
	"INSERT INTO resources (org_id, name, kind, position) VALUES ($1, $2, 'room', $3::int) "
	"RETURNING id";
static const char SQL_PER_RESOURCE[] =
	"SELECT count(DISTINCT resource_id) FROM appointments "
	"WHERE org_id = $1 AND starts_at = to_timestamp($2::bigint) AND status <> 'cancelled'";

/* Three chairs: of fifty callers at one time exactly three are booked, one on each. */
static void test_fifty_callers_three_resources(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = {
		.service_id = f->drain, .customer_name = "Racing caller", .minutes = 60,
	};
	struct racer racers[RACERS];
	int booked = 0;
	long count;

	assert_non_null(db_text(f->owner, f->a, SQL_RESOURCE, f->org, "Chair 2", "1"));
	assert_non_null(db_text(f->owner, f->a, SQL_RESOURCE, f->org, "Chair 3", "2"));
	req.starts_at = at(f, f->thursday, "15:00");
	race_all(f->org, &req, racers);
	for (int i = 0; i < RACERS; i++) {
		booked += racers[i].result == BOOKING_BOOKED;
		if (racers[i].result != BOOKING_BOOKED)
			assert_int_equal(racers[i].result, BOOKING_TAKEN);
	}
	assert_int_equal(booked, 3);
	assert_int_equal(db_long(f->owner, f->a, &count, SQL_COUNT_AT, f->org,
				 epoch(f, req.starts_at)), 0);
	assert_int_equal(count, 3);
	assert_int_equal(db_long(f->owner, f->a, &count, SQL_PER_RESOURCE, f->org,
				 epoch(f, req.starts_at)), 0);
	assert_int_equal(count, 3);
}

static const char SQL_AUDITED[] =
	"SELECT action, user_id IS NOT NULL FROM audit_log WHERE org_id = $1 AND target = $2 "
	"ORDER BY created_at";
static const char SQL_OWNER_USER[] =
	"INSERT INTO users (org_id, email, password_hash, role, name) "
	"VALUES ($1, gen_random_uuid() || '@owner.test', 'x', 'owner', 'Owner') RETURNING id";
static const char SQL_TEXTS[] =
	"SELECT payload ->> 'purpose', payload ->> 'body' FROM jobs "
	"WHERE org_id = $1 AND kind = 'sms.send' AND payload ->> 'appointment_id' = $2 "
	"ORDER BY created_at";

/* The owner moves a booking: a closed Saturday is refused with its reason; a free time moves
 * it, audited, and the customer is texted. */
static void test_owner_moves_and_cancels(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = {
		.service_id = f->drain, .customer_name = "Pat Caller",
		.customer_phone = "+15555550123", .minutes = 60,
	};
	struct booking_outcome out, moved;
	const char *owner = db_text(f->owner, f->a, SQL_OWNER_USER, f->org);

	assert_non_null(owner);
	req.starts_at = at(f, f->wednesday, "11:00");
	booking_book(f->app, f->a, f->org, &req, &out);
	assert_int_equal(out.result, BOOKING_BOOKED);
	assert_non_null(out.resource_id);
	/* Saturday afternoon: the fixture's Saturday closes at 1 PM. */
	booking_move(f->app, f->a, f->org, out.appointment_id, at(f, f->saturday, "15:00"), NULL,
		     owner, &moved);
	assert_int_equal(moved.result, BOOKING_TAKEN);
	assert_int_equal(moved.verdict, AVAILABILITY_OUTSIDE_HOURS);
	assert_string_equal(moved.reason, "We're open 9 AM to 1 PM on Saturdays.");
	assert_int_equal(moved.nalternatives, 3);
	/* Sunday: closed all day. */
	booking_move(f->app, f->a, f->org, out.appointment_id, at(f, f->sunday, "10:00"), NULL,
		     owner, &moved);
	assert_int_equal(moved.result, BOOKING_TAKEN);
	assert_string_equal(moved.reason, "We're closed on Sundays.");
	assert_false(db_in_transaction(f->app));
	/* Its own hour and the next overlap: the move ignores the appointment itself. */
	booking_move(f->app, f->a, f->org, out.appointment_id, at(f, f->wednesday, "11:30"), NULL,
		     owner, &moved);
	assert_int_equal(moved.result, BOOKING_BOOKED);
	assert_string_equal(moved.resource_id, out.resource_id);
	struct db_result *row = db_q(f->owner, f->a, SQL_BOOKED, out.appointment_id);
	assert_string_equal(db_value(row, 0, 0), epoch(f, at(f, f->wednesday, "11:30")));
	assert_string_equal(db_value(row, 0, 1), epoch(f, at(f, f->wednesday, "12:30")));
	/* The owner cancels it: audited, and the customer is told; a second cancel does nothing. */
	assert_int_equal(db_begin_org(f->app, f->a, f->org), 0);
	assert_int_equal(booking_cancel(f->app, f->a, f->org, out.appointment_id, owner, NULL), 1);
	assert_int_equal(booking_cancel(f->app, f->a, f->org, out.appointment_id, owner, NULL), 0);
	assert_int_equal(db_commit(f->app), 0);
	struct db_result *audit = db_q(f->owner, f->a, SQL_AUDITED, f->org, out.appointment_id);
	assert_int_equal(db_rows(audit), 2);
	assert_string_equal(db_value(audit, 0, 0), "appointment.reschedule");
	assert_string_equal(db_value(audit, 1, 0), "appointment.cancel");
	assert_string_equal(db_value(audit, 1, 1), "t");
	struct db_result *texts = db_q(f->owner, f->a, SQL_TEXTS, f->org, out.appointment_id);
	assert_int_equal(db_rows(texts), 3);
	assert_string_equal(db_value(texts, 0, 0), "confirmation");
	assert_string_equal(db_value(texts, 1, 0), "appointment_moved");
	assert_non_null(strstr(db_value(texts, 1, 1), "has been moved to"));
	assert_non_null(strstr(db_value(texts, 1, 1), "11:30 AM"));
	assert_string_equal(db_value(texts, 2, 0), "appointment_cancelled");
	/* Cancelled: it can no longer be moved; nor can an id that is no id. */
	booking_move(f->app, f->a, f->org, out.appointment_id, at(f, f->wednesday, "14:00"), NULL,
		     owner, &moved);
	assert_int_equal(moved.result, BOOKING_ERROR);
	assert_string_equal(moved.reason, "no such appointment");
	booking_move(f->app, f->a, f->org, "'; DROP TABLE appointments; --",
		     at(f, f->wednesday, "14:00"), NULL, owner, &moved);
	assert_int_equal(moved.result, BOOKING_ERROR);
	assert_false(db_in_transaction(f->app));
}

static void test_bad_length_books_nothing(void **state)
{
	struct fixture *f = *state;
	struct booking_request req = { .customer_name = "Pat Caller", .minutes = 0 };
	struct booking_outcome out;

	req.starts_at = at(f, f->wednesday, "11:00");
	booking_book(f->app, f->a, f->org, &req, &out);
	assert_int_equal(out.result, BOOKING_ERROR);
	assert_false(db_in_transaction(f->app));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_free_starts_respect_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_starts_skip_appointments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_is_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_taken_time_offers_the_nearest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_booked_with_its_confirmation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifty_callers_one_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifty_callers_three_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_moves_and_cancels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_length_books_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
