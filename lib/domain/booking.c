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
#include "domain/notify.h"
#include "domain/when.h"

/* Tries of one booking that keeps losing deadlocks to concurrent ones before giving up. */
#define BOOKING_TRIES 5
#define DB_DEADLOCK_DETECTED "40P01"

/* sql/007's function; nearest first, as it orders them. */
static const char SQL_FREE_STARTS[] =
	"SELECT extract(epoch FROM s)::bigint "
	"FROM appointment_free_starts(to_timestamp($1::bigint), make_interval(mins => $2::int), "
	"                             NULL, $3::int) AS s "
	"ORDER BY abs(extract(epoch FROM s) - $1::bigint), s";

/*
 * In the future, inside one span of the business hours of its local day (the same reading of
 * business_hours as appointment_free_starts), and overlapping no live appointment.
 */
static const char SQL_IS_FREE[] =
	"WITH slot AS ("
	"  SELECT to_timestamp($1::bigint) AS starts, "
	"         to_timestamp($1::bigint) + make_interval(mins => $2::int) AS ends"
	"), local AS ("
	"  SELECT o.id AS org_id, o.timezone AS tz, o.business_hours AS hours, "
	"         (slot.starts AT TIME ZONE o.timezone)::date AS day, slot.starts, slot.ends "
	"  FROM organizations o, slot WHERE o.id = app_org_id()"
	") "
	"SELECT local.starts > now() "
	"   AND EXISTS (SELECT 1 FROM jsonb_array_elements(local.hours -> "
	"         (ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])"
	"         [extract(isodow FROM local.day)::int]) AS span "
	"       WHERE (local.day + (span ->> 0)::time) AT TIME ZONE local.tz <= local.starts "
	"         AND (local.day + (span ->> 1)::time) AT TIME ZONE local.tz >= local.ends) "
	"   AND NOT EXISTS (SELECT 1 FROM appointments a "
	"       WHERE a.org_id = local.org_id AND a.status <> 'cancelled' "
	"         AND tstzrange(a.starts_at, a.ends_at) && tstzrange(local.starts, local.ends)) "
	"FROM local";

/* Waits for the business's other bookings in progress to commit or roll back. */
static const char SQL_BOOKING_TURN[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1, 0))";
static const char SQL_INSERT[] =
	"INSERT INTO appointments (org_id, service_id, lead_id, call_id, customer_name, "
	"                          customer_phone, address, notes, starts_at, ends_at) "
	"VALUES (app_org_id(), $1, $2, $3, $4, $5, $6, $7, to_timestamp($8::bigint), "
	"        to_timestamp($8::bigint) + make_interval(mins => $9::int)) "
	"RETURNING id";

static const char SQL_CONFIRMATION_FACTS[] =
	"SELECT o.name, o.timezone, (SELECT s.name FROM services s WHERE s.id = $1::uuid) "
	"FROM organizations o WHERE o.id = app_org_id()";

int booking_free_starts(struct db *db, struct arena *a, time_t around, int minutes, time_t *out,
			int count)
{
	const char *at = arena_printf(a, "%lld", (long long)around);
	struct db_result *res = db_q(db, a, SQL_FREE_STARTS, at, arena_printf(a, "%d", minutes),
				     arena_printf(a, "%d", count));

	if (!res)
		return -1;
	int n = db_rows(res) < count ? db_rows(res) : count;
	for (int i = 0; i < n; i++)
		out[i] = (time_t)strtoll(db_value(res, i, 0), NULL, 10);
	return n;
}

int booking_is_free(struct db *db, struct arena *a, time_t at, int minutes)
{
	const char *answer = db_text(db, a, SQL_IS_FREE, arena_printf(a, "%lld", (long long)at),
				   arena_printf(a, "%d", minutes));

	if (!answer)
		return db_sqlstate(db)[0] ? -1 : 0;
	return !strcmp(answer, "t");
}

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

/* A taken time: the nearest free starts, in a transaction of their own. */
static void offer_alternatives(struct db *db, struct arena *a, const char *org_id,
			       const struct booking_request *req, struct booking_outcome *out)
{
	out->result = BOOKING_TAKEN;
	out->nalternatives = 0;
	if (db_begin_org(db, a, org_id) < 0)
		return;
	int n = booking_free_starts(db, a, req->starts_at, req->minutes, out->alternatives,
				    BOOKING_ALTERNATIVES);
	out->nalternatives = n > 0 ? n : 0;
	db_rollback(db);
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

	*again = false;
	if (db_begin_org(db, a, org_id) < 0)
		return;
	if (!db_q(db, a, SQL_BOOKING_TURN, org_id))
		goto rollback;
	int is_free = booking_is_free(db, a, req->starts_at, req->minutes);
	if (is_free <= 0) {
		taken = is_free == 0;
		goto rollback;
	}
	const char *starts = arena_printf(a, "%lld", (long long)req->starts_at);
	struct db_result *res = db_q(db, a, SQL_INSERT, req->service_id, req->lead_id, req->call_id,
				     req->customer_name, req->customer_phone, req->address,
				     req->notes, starts, arena_printf(a, "%d", req->minutes));
	if (!res) {
		/* Another booking got there first: it committed while this one waited on it. */
		taken = !strcmp(db_sqlstate(db), DB_EXCLUSION_VIOLATION);
		*again = !strcmp(db_sqlstate(db), DB_DEADLOCK_DETECTED);
		goto rollback;
	}
	const char *id = db_value(res, 0, 0);
	if (req->customer_phone && req->customer_phone[0] &&
	    queue_confirmation(db, a, req, id) < 0)
		goto rollback;
	if (db_commit(db) < 0)
		return;
	out->result = BOOKING_BOOKED;
	out->appointment_id = id;
	log_info("appointment booked id=%s", id);
	return;
rollback:
	db_rollback(db);
	if (taken)
		offer_alternatives(db, a, org_id, req, out);
}

void booking_book(struct db *db, struct arena *a, const char *org_id,
		  const struct booking_request *req, struct booking_outcome *out)
{
	bool again = true;

	memset(out, 0, sizeof(*out));
	out->result = BOOKING_ERROR;
	if (req->minutes <= 0 || req->minutes > 1440) {
		log_error("could not book: an appointment of %d minutes", req->minutes);
		return;
	}
	for (int attempt = 1; again && attempt <= BOOKING_TRIES; attempt++)
		book_once(db, a, org_id, req, out, &again);
}

static const char SQL_CANCEL[] =
	"UPDATE appointments SET status = 'cancelled' "
	"WHERE org_id = $1 AND id = $2 AND status IN ('scheduled', 'confirmed')";
static const char SQL_CANCEL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, 'appointment.cancel', $3, coalesce($4::jsonb, '{}'))";

int booking_cancel(struct db *db, struct arena *a, const char *org_id, const char *id,
		   const char *user_id, const char *detail)
{
	int n = db_exec(db, a, SQL_CANCEL, org_id, id);
	if (n <= 0)
		return n < 0 ? -1 : 0;
	return db_exec(db, a, SQL_CANCEL_AUDIT, org_id, user_id, id, detail) == 1 ? 1 : -1;
}
