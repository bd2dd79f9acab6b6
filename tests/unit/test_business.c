/* test_business.c: services, facts, hours and prices as the receptionist reads them (PostgreSQL) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "domain/business.h"
#include "infra/db.h"
#include "org_fixture.h"

struct fixture {
	struct arena *a;
	struct db *db;           /* the app role, inside db_begin_org for the fixture's org */
	const char *org;
};

static time_t utc(const char *text)
{
	struct tm tm = { 0 };

	if (!strptime(text, "%Y-%m-%d %H:%M", &tm))
		fail_msg("bad test time %s", text);
	return timegm(&tm);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->a = arena_new();
	f->org = fixture_org_create(f->a, "America/New_York", FIXTURE_HOURS, NULL);
	f->db = db_open(fixture_dsn("SB_DSN_APP"));
	assert_int_equal(db_begin_org(f->db, f->a, f->org), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	db_rollback(f->db);
	db_close(f->db);
	fixture_org_drop(f->org);
	arena_free(f->a);
	free(f);
	return 0;
}

static void test_load(void **state)
{
	struct fixture *f = *state;
	struct business b;

	assert_int_equal(business_load(f->db, f->a, f->org, &b), 0);
	assert_string_equal(b.org_id, f->org);
	assert_int_equal(strncmp(b.name, "Fixture Plumbing ", 17), 0);
	assert_string_equal(b.timezone, "America/New_York");
	assert_string_equal(b.call_mode, "gather");
	assert_string_equal(b.transfer_phone, "+15555550199");
	assert_true(b.sms_enabled);
	assert_non_null(strstr(b.business_hours, "\"sat\""));
	/* Row-level security: another organization cannot be loaded from this transaction. */
	assert_int_equal(business_load(f->db, f->a, "ac3e0000-0000-4000-8000-000000000001", &b),
			 -1);
}

static const char *matched(struct fixture *f, const char *said)
{
	struct service s;
	int rc = business_match_service(f->db, f->a, said, &s);

	assert_true(rc >= 0);
	return rc ? s.name : NULL;
}

static void test_match_service(void **state)
{
	struct fixture *f = *state;
	struct service s;

	assert_string_equal(matched(f, "my sink is clogged"), "Drain cleaning");
	assert_string_equal(matched(f, "The kitchen drain is SLOW."), "Drain cleaning");
	assert_string_equal(matched(f, "there's a pipe leaking under the house"),
			    "Emergency leak repair");
	/* "leaking" is an emergency keyword, but the caller named the water heater. */
	assert_string_equal(matched(f, "my water heater is leaking"), "Water heater repair");
	assert_string_equal(matched(f, "we have no hot water"), "Water heater repair");
	assert_string_equal(matched(f, "I'd like a furnace tune-up"), "Furnace tune-up");
	assert_string_equal(matched(f, "can you install a new faucet"), "Fixture installation");
	/* An inactive service is never offered. */
	assert_null(matched(f, "the septic needs pumping"));
	assert_null(matched(f, "what's the weather like"));
	assert_null(matched(f, ""));
	assert_int_equal(business_match_service(f->db, f->a, "a clogged drain", &s), 1);
	assert_int_equal(s.price_cents, 14900);
	assert_int_equal(s.duration_minutes, 60);
	assert_non_null(s.id);
}

static void test_services_cheapest_first(void **state)
{
	struct fixture *f = *state;
	struct service *list;

	assert_int_equal(business_services(f->db, f->a, &list), 5);
	assert_string_equal(list[0].name, "Furnace tune-up");
	assert_string_equal(list[1].name, "Drain cleaning");
	assert_string_equal(list[4].name, "Emergency leak repair");
	for (int i = 1; i < 5; i++)
		assert_true(list[i - 1].price_cents <= list[i].price_cents);
}

static void test_answer(void **state)
{
	struct fixture *f = *state;
	const char *answer;

	answer = business_answer(f->db, f->a, "Do you guys take credit cards?");
	assert_non_null(answer);
	assert_non_null(strstr(answer, "credit and debit cards"));
	answer = business_answer(f->db, f->a, "what areas do you serve");
	assert_non_null(answer);
	assert_non_null(strstr(answer, "Springfield"));
	answer = business_answer(f->db, f->a, "is there a warranty on your work?");
	assert_non_null(answer);
	assert_non_null(strstr(answer, "one full year"));
	assert_null(business_answer(f->db, f->a, "purple elephants dancing"));
	assert_null(business_answer(f->db, f->a, "the and of"));
	assert_null(business_answer(f->db, f->a, ""));
}

static void test_hours_sentence(void **state)
{
	struct fixture *f = *state;
	struct business b;

	assert_int_equal(business_load(f->db, f->a, f->org, &b), 0);
	assert_string_equal(business_hours_sentence(f->a, &b),
			    "We're open Monday to Friday, 8 AM to 6 PM, and Saturday, 9 AM to 1 PM. "
			    "We're closed on Sunday.");
	b.business_hours = "{\"mon\":[[\"08:00\",\"12:00\"],[\"13:00\",\"17:30\"]],"
			   "\"tue\":[],\"wed\":[[\"08:00\",\"12:00\"],[\"13:00\",\"17:30\"]],"
			   "\"thu\":[],\"fri\":[[\"08:00\",\"12:00\"],[\"13:00\",\"17:30\"]],"
			   "\"sat\":[[\"10:00\",\"14:00\"]],\"sun\":[[\"00:00\",\"24:00\"]]}";
	assert_string_equal(business_hours_sentence(f->a, &b),
			    "We're open Monday, Wednesday and Friday, 8 AM to noon and 1 PM to "
			    "5:30 PM; Saturday, 10 AM to 2 PM; and Sunday, 24 hours. "
			    "We're closed on Tuesday and Thursday.");
	b.business_hours = "{\"mon\":[[\"00:00\",\"24:00\"]],\"tue\":[[\"00:00\",\"24:00\"]],"
			   "\"wed\":[[\"00:00\",\"24:00\"]],\"thu\":[[\"00:00\",\"24:00\"]],"
			   "\"fri\":[[\"00:00\",\"24:00\"]],\"sat\":[[\"00:00\",\"24:00\"]],"
			   "\"sun\":[[\"00:00\",\"24:00\"]]}";
	assert_string_equal(business_hours_sentence(f->a, &b),
			    "We're open Monday to Sunday, 24 hours.");
	b.business_hours = "{\"mon\":[],\"tue\":[],\"wed\":[],\"thu\":[],\"fri\":[],\"sat\":[],"
			   "\"sun\":[]}";
	assert_string_equal(business_hours_sentence(f->a, &b),
			    "We don't have regular opening hours.");
}

/* A day's hours are said one way wherever they are said: a whole day is "24 hours". */
static void test_day_hours(void **state)
{
	struct fixture *f = *state;
	struct business b;

	assert_int_equal(business_load(f->db, f->a, f->org, &b), 0);
	assert_string_equal(business_day_hours(f->a, &b, "mon"), "8 AM to 6 PM");
	assert_string_equal(business_day_hours(f->a, &b, "sat"), "9 AM to 1 PM");
	assert_null(business_day_hours(f->a, &b, "sun"));
	b.business_hours = "{\"mon\":[[\"00:00\",\"24:00\"]],"
			   "\"tue\":[[\"08:00\",\"12:00\"],[\"13:00\",\"17:30\"]],"
			   "\"wed\":[[\"00:00\",\"12:00\"]],\"thu\":[]}";
	assert_string_equal(business_day_hours(f->a, &b, "mon"), "24 hours");
	assert_string_equal(business_day_hours(f->a, &b, "tue"),
			    "8 AM to noon and 1 PM to 5:30 PM");
	assert_string_equal(business_day_hours(f->a, &b, "wed"), "midnight to noon");
	assert_null(business_day_hours(f->a, &b, "thu"));
	assert_null(business_day_hours(f->a, &b, "fri"));
	b.business_hours = NULL;
	assert_null(business_day_hours(f->a, &b, "mon"));
}

static void test_is_open(void **state)
{
	struct fixture *f = *state;
	struct business b;

	assert_int_equal(business_load(f->db, f->a, f->org, &b), 0);
	/* Monday March 9 2026 is after the switch to EDT (UTC-4). */
	assert_false(business_is_open(&b, utc("2026-03-09 11:59")));
	assert_true(business_is_open(&b, utc("2026-03-09 12:00")));
	assert_true(business_is_open(&b, utc("2026-03-09 21:59")));
	assert_false(business_is_open(&b, utc("2026-03-09 22:00")));
	/* Friday March 6 is still EST (UTC-5): 8 AM is 13:00 UTC. */
	assert_false(business_is_open(&b, utc("2026-03-06 12:30")));
	assert_true(business_is_open(&b, utc("2026-03-06 13:00")));
	/* Saturday until 1 PM; Sunday closed. */
	assert_true(business_is_open(&b, utc("2026-03-07 17:59")));
	assert_false(business_is_open(&b, utc("2026-03-07 18:00")));
	assert_false(business_is_open(&b, utc("2026-03-08 16:00")));
	b.timezone = "Europe/London";
	assert_true(business_is_open(&b, utc("2026-03-09 08:00")));
	assert_false(business_is_open(&b, utc("2026-03-09 19:00")));
}

static void test_price_text(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(business_price_text(f->a, 14900), "$149");
	assert_string_equal(business_price_text(f->a, 14950), "$149.50");
	assert_string_equal(business_price_text(f->a, 150000), "$1,500");
	assert_string_equal(business_price_text(f->a, 123456789), "$1,234,567.89");
	assert_string_equal(business_price_text(f->a, 5), "$0.05");
	assert_string_equal(business_price_text(f->a, 0), "$0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_match_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services_cheapest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hours_sentence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_day_hours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_is_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_price_text, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
