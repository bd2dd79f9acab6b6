/* booking_change.c: moving and cancelling appointments, audited, with the customer told by text */
#include "domain/booking.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/booking_turn.h"
#include "domain/notify.h"
#include "domain/when.h"

static const char SQL_OPEN_APPOINTMENT[] =
	"SELECT a.service_id, extract(epoch FROM a.starts_at)::bigint, "
	"       (extract(epoch FROM a.ends_at - a.starts_at) / 60)::int, a.resource_id, "
	"       a.customer_phone "
	"FROM appointments a "
	"WHERE a.org_id = $1 AND a.id = $2 AND a.status IN ('scheduled', 'confirmed') "
	"FOR UPDATE";

/* blocked_until follows the new end through appointments_fill (021). */
static const char SQL_MOVE[] =
	"UPDATE appointments SET starts_at = to_timestamp($3::bigint), "
	"       ends_at = to_timestamp($3::bigint) + (ends_at - starts_at), resource_id = $4 "
	"WHERE org_id = $1 AND id = $2";

static const char SQL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, $3, $4, jsonb_strip_nulls(jsonb_build_object("
	"        'from', to_timestamp($6::bigint), 'to', to_timestamp($7::bigint), "
	"        'resource_id', $8::uuid)) || coalesce($5::jsonb, '{}'))";

static const char SQL_BUSINESS[] =
	"SELECT o.name, o.timezone FROM organizations o WHERE o.id = app_org_id()";

static const char SQL_CANCEL[] =
	"UPDATE appointments SET status = 'cancelled' "
	"WHERE org_id = $1 AND id = $2 AND status IN ('scheduled', 'confirmed') "
	"RETURNING customer_phone, extract(epoch FROM starts_at)::bigint";

/*
 * Queue the text telling the customer of a change the business made; purpose names it and
 * key makes it once only. Returns 0 (also when there is no number to text), -1 on failure.
 */
static int tell_customer(struct db *db, struct arena *a, const char *phone, const char *id,
			 time_t at, const char *purpose, const char *key)
{
	char when[96];

	if (!phone || !phone[0])
		return 0;
	struct db_result *business = db_q(db, a, SQL_BUSINESS);
	if (!business || db_rows(business) != 1)
		return -1;
	when_say(at, db_value(business, 0, 1), when, sizeof(when));
	const char *body = !strcmp(purpose, "appointment_moved") ?
		arena_printf(a, "Your appointment with %s has been moved to %s. Reply STOP to "
			     "opt out.", db_value(business, 0, 0), when) :
		arena_printf(a, "Your appointment with %s on %s has been cancelled. Reply STOP to "
			     "opt out.", db_value(business, 0, 0), when);
	struct notify_links links = { .appointment_id = id };
	return notify_sms_enqueue(db, a, phone, body, purpose, &links, key) ? 0 : -1;
}

/* One try of a move; *again when it lost a deadlock and changed nothing. */
static void move_once(struct db *db, struct arena *a, const char *org_id, const char *id,
		      time_t new_start, const char *resource_id, const char *user_id,
		      const char *detail, struct booking_outcome *out, bool *again)
{
	struct availability_query q = { .around = new_start, .ignore_appointment_id = id };
	struct availability_answer answer;
	bool taken = false;

	*again = false;
	if (db_begin_org(db, a, org_id) < 0)
		return;
	/* The same turn booking_book takes: a business's bookings and moves run one after
	 * another. */
	if (booking_take_turn(db, a, org_id) < 0)
		goto rollback;
	struct db_result *appt = db_q(db, a, SQL_OPEN_APPOINTMENT, org_id, id);
	if (!appt)
		goto rollback;
	if (db_rows(appt) != 1) {
		out->reason = "no such appointment";
		goto rollback;
	}
	q.service_id = db_value(appt, 0, 0);
	time_t old_start = (time_t)strtoll(db_value(appt, 0, 1), NULL, 10);
	q.minutes = atoi(db_value(appt, 0, 2));
	const char *own = db_value(appt, 0, 3), *phone = db_value(appt, 0, 4);
	/* Its own resource first, so a move keeps the person or chair when it can. */
	q.resource_id = resource_id ? resource_id : own;
	enum availability_verdict v = availability_explain(db, a, &q, new_start, &answer);
	if (!resource_id && v != AVAILABILITY_AVAILABLE && v != AVAILABILITY_ERROR) {
		q.resource_id = NULL;
		v = availability_explain(db, a, &q, new_start, &answer);
	}
	out->verdict = v;
	out->reason = answer.reason;
	if (v != AVAILABILITY_AVAILABLE) {
		taken = v != AVAILABILITY_ERROR;
		goto rollback;
	}
	const char *at = arena_printf(a, "%lld", (long long)new_start);
	if (db_exec(db, a, SQL_MOVE, org_id, id, at, answer.resource_id) != 1) {
		taken = booking_lost_race(db, out, again);
		goto rollback;
	}
	if (db_exec(db, a, SQL_AUDIT, org_id, user_id, "appointment.reschedule", id, detail,
		    arena_printf(a, "%lld", (long long)old_start), at, answer.resource_id) != 1)
		goto rollback;
	if (user_id && tell_customer(db, a, phone, id, new_start, "appointment_moved",
				     arena_printf(a, "moved:%s:%s", id, at)) < 0)
		goto rollback;
	if (db_commit(db) < 0)
		return;
	/* v was AVAILABILITY_AVAILABLE to get here, so the verdict booking_won sets is v. */
	booking_won(out, id, answer.resource_id);
	log_info("appointment moved id=%s", id);
	return;
rollback:
	booking_try_abandon(db, a, org_id, &q, out, taken);
}

void booking_move_noted(struct db *db, struct arena *a, const char *org_id, const char *id,
			time_t new_start, const char *resource_id, const char *user_id,
			const char *detail, struct booking_outcome *out)
{
	bool again = true;

	booking_outcome_start(out);
	if (!id || !text_is_uuid(id) || (resource_id && !text_is_uuid(resource_id))) {
		out->reason = "no such appointment";
		return;
	}
	for (int attempt = 1; again && attempt <= BOOKING_TRIES; attempt++)
		move_once(db, a, org_id, id, new_start, resource_id, user_id, detail, out, &again);
}

void booking_move(struct db *db, struct arena *a, const char *org_id, const char *id,
		  time_t new_start, const char *resource_id, const char *user_id,
		  struct booking_outcome *out)
{
	booking_move_noted(db, a, org_id, id, new_start, resource_id, user_id, NULL, out);
}

int booking_cancel(struct db *db, struct arena *a, const char *org_id, const char *id,
		   const char *user_id, const char *detail)
{
	struct db_result *res = db_q(db, a, SQL_CANCEL, org_id, id);

	if (!res)
		return -1;
	if (db_rows(res) == 0)
		return 0;
	if (db_exec(db, a, SQL_AUDIT, org_id, user_id, "appointment.cancel", id, detail, NULL,
		    NULL, NULL) != 1)
		return -1;
	if (user_id && tell_customer(db, a, db_value(res, 0, 0), id,
				     (time_t)strtoll(db_value(res, 0, 1), NULL, 10),
				     "appointment_cancelled",
				     arena_printf(a, "cancelled:%s", id)) < 0)
		return -1;
	return 1;
}
