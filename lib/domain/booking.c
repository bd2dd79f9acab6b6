/* booking.c: free times and bookings, with the exclusion constraint as the only referee */
#include "domain/booking.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/booking_turn.h"
#include "domain/notify.h"
#include "domain/when.h"

/* blocked_until (the end plus the service's buffer) is filled in by appointments_fill (021). */
static const char SQL_INSERT[] =
	"INSERT INTO appointments (org_id, service_id, lead_id, call_id, customer_name, "
	"                          customer_phone, address, notes, starts_at, ends_at, resource_id) "
	"VALUES (app_org_id(), $1, $2, $3, $4, $5, $6, $7, to_timestamp($8::bigint), "
	"        to_timestamp($8::bigint) + make_interval(mins => $9::int), $10) "
	"RETURNING id";

static const char SQL_CONFIRMATION_FACTS[] =
	"SELECT o.name, o.timezone, (SELECT s.name FROM services s WHERE s.id = $1::uuid) "
	"FROM organizations o WHERE o.id = app_org_id()";

/* The confirmation text, queued in the booking's transaction so both commit or neither. */
static int queue_confirmation(struct db *db, struct arena *a, const struct booking_request *req,
			      const char *appointment_id)
{
	struct db_result *facts = db_q(db, a, SQL_CONFIRMATION_FACTS, req->service_id);
	char when[96];

	if (!facts || db_rows(facts) != 1)
		return -1;
	const char *business = db_value(facts, 0, 0);
	const char *service = db_value(facts, 0, 2);
	when_say(req->starts_at, db_value(facts, 0, 1), when, sizeof(when));
	const char *body = service ?
		arena_printf(a, "Your %s appointment with %s is booked for %s. Reply STOP to opt out.",
			     service, business, when) :
		arena_printf(a, "Your appointment with %s is booked for %s. Reply STOP to opt out.",
			     business, when);
	struct notify_links links = { .appointment_id = appointment_id };
	const char *key = arena_printf(a, "confirmation:%s", appointment_id);

	return notify_sms_enqueue(db, a, req->customer_phone, body, "confirmation", &links, key)
		       ? 0 : -1;
}

/* Refused before anything was written: the verdict and its sentence. */
static void refuse(struct booking_outcome *out, const struct availability_answer *answer)
{
	out->verdict = answer->verdict;
	out->reason = answer->reason;
}

/*
 * One try. Bookings of one business take turns (a lock held to the end of the transaction):
 * inserts racing for one time would otherwise wait on each other's uncommitted rows while the
 * exclusion constraint checks them, until PostgreSQL's deadlock detector (a second later)
 * aborts one. The constraint still decides; should a deadlock happen anyway, it sets *again:
 * that try changed nothing and is simply run again.
 */
static void book_once(struct db *db, struct arena *a, const char *org_id,
		      const struct booking_request *req, struct booking_outcome *out, bool *again)
{
	bool taken = false;
	struct availability_query q = {
		.service_id = req->service_id, .minutes = req->minutes,
		.resource_id = req->resource_id, .around = req->starts_at,
	};
	struct availability_answer answer;

	*again = false;
	if (db_begin_org(db, a, org_id) < 0)
		return;
	if (booking_take_turn(db, a, org_id) < 0)
		goto rollback;
	/* Read inside this transaction, so busy time committed before it counts. */
	enum availability_verdict verdict = availability_explain(db, a, &q, req->starts_at, &answer);
	if (verdict != AVAILABILITY_AVAILABLE) {
		taken = verdict != AVAILABILITY_ERROR;
		refuse(out, &answer);
		goto rollback;
	}
	const char *starts = arena_printf(a, "%lld", (long long)req->starts_at);
	struct db_result *res = db_q(db, a, SQL_INSERT, req->service_id, req->lead_id, req->call_id,
				     req->customer_name, req->customer_phone, req->address,
				     req->notes, starts, arena_printf(a, "%d", req->minutes),
				     answer.resource_id);
	if (!res) {
		/* Another booking got there first: it committed while this one waited on it. */
		taken = booking_lost_race(db, out, again);
		goto rollback;
	}
	const char *id = db_value(res, 0, 0);
	if (req->customer_phone && req->customer_phone[0] &&
	    queue_confirmation(db, a, req, id) < 0)
		goto rollback;
	if (db_commit(db) < 0)
		return;
	booking_won(out, id, answer.resource_id);
	log_info("appointment booked id=%s", id);
	return;
rollback:
	booking_try_abandon(db, a, org_id, &q, out, taken);
}

void booking_book(struct db *db, struct arena *a, const char *org_id,
		  const struct booking_request *req, struct booking_outcome *out)
{
	bool again = true;

	booking_outcome_start(out);
	if (req->minutes <= 0 || req->minutes > 1440) {
		log_error("could not book: an appointment of %d minutes", req->minutes);
		return;
	}
	for (int attempt = 1; again && attempt <= BOOKING_TRIES; attempt++)
		book_once(db, a, org_id, req, out, &again);
}

