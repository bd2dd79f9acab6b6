/* org_fixture.h: a throwaway organization with services and facts, for tests against PostgreSQL */
#ifndef SB_TEST_ORG_FIXTURE_H
#define SB_TEST_ORG_FIXTURE_H

#include <stdlib.h>

#include "infra/arena.h"
#include "infra/db.h"

/* Hours like the demo business's: weekdays 8 to 6, Saturday morning, closed Sunday. */
#define FIXTURE_HOURS \
	"{\"mon\":[[\"08:00\",\"18:00\"]],\"tue\":[[\"08:00\",\"18:00\"]]," \
	"\"wed\":[[\"08:00\",\"18:00\"]],\"thu\":[[\"08:00\",\"18:00\"]]," \
	"\"fri\":[[\"08:00\",\"18:00\"]],\"sat\":[[\"09:00\",\"13:00\"]],\"sun\":[]}"

static const char SQL_FIXTURE_ORG[] =
	"INSERT INTO organizations (name, timezone, business_hours, sms_enabled, transfer_phone) "
	"VALUES ('Fixture Plumbing ' || gen_random_uuid(), $1, $2::jsonb, true, '+15555550199') "
	"RETURNING id";

static const char SQL_FIXTURE_SERVICE[] =
	"INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords, active) "
	"VALUES ($1, $2, $3::bigint, $4::int, $5::text[], $6::boolean) RETURNING id";

static const char SQL_FIXTURE_FACT[] =
	"INSERT INTO knowledge_entries (org_id, question, answer) VALUES ($1, $2, $3)";

static const char SQL_FIXTURE_DROP[] = "DELETE FROM organizations WHERE id = $1";

static const char *fixture_dsn(const char *name)
{
	const char *d = getenv(name);
	if (!d)
		fail_msg("%s is not set: run through scripts/test", name);
	return d;
}

/*
 * Create an organization in timezone with hours (JSON), the demo business's services and
 * knowledge entries, through the owner role (which bypasses row-level security). Returns its
 * id (arena-owned); the id of the "Drain cleaning" service goes to *drain_id when not NULL.
 */
static const char *fixture_org_create(struct arena *a, const char *timezone, const char *hours,
				      const char **drain_id)
{
	struct db *owner = db_open(fixture_dsn("SB_DSN_OWNER"));
	const char *org = db_text(owner, a, SQL_FIXTURE_ORG, timezone, hours);
	static const struct {
		const char *name, *price, *minutes, *keywords, *active;
	} services[] = {
		{ "Drain cleaning", "14900", "60", "{drain,clog,clogged,sink,slow}", "true" },
		{ "Water heater repair", "28900", "90",
		  "{water heater,hot water,no hot water,heater,tank}", "true" },
		{ "Emergency leak repair", "34900", "60", "{leak,leaking,flood,flooding,burst,pipe}",
		  "true" },
		{ "Furnace tune-up", "12900", "60", "{furnace,heat,heating,no heat,tune-up}", "true" },
		{ "Fixture installation", "19900", "120", "{faucet,toilet,fixture,install}", "true" },
		{ "Septic pumping", "39900", "120", "{septic,tank,pump}", "false" },
	};
	static const struct {
		const char *question, *answer;
	} facts[] = {
		{ "What area do you serve?",
		  "We serve Springfield and every town within about 25 miles." },
		{ "How can I pay?",
		  "We take cash, checks and all major credit and debit cards." },
		{ "Do you guarantee your work? What is the warranty?",
		  "All of our labor is guaranteed for one full year." },
		{ "Do you handle emergencies after hours?",
		  "Yes, we take emergency calls around the clock, seven days a week." },
	};

	assert_non_null(org);
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const char *id = db_text(owner, a, SQL_FIXTURE_SERVICE, org, services[i].name,
					 services[i].price, services[i].minutes,
					 services[i].keywords, services[i].active);
		assert_non_null(id);
		if (drain_id && i == 0)
			*drain_id = id;
	}
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		assert_int_equal(db_exec(owner, a, SQL_FIXTURE_FACT, org, facts[i].question,
					 facts[i].answer), 1);
	db_close(owner);
	return org;
}

static void fixture_org_drop(const char *org)
{
	struct arena *a = arena_new();
	struct db *owner = db_open(fixture_dsn("SB_DSN_OWNER"));

	db_exec(owner, a, SQL_FIXTURE_DROP, org);
	db_close(owner);
	arena_free(a);
}

#endif
