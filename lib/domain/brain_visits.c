/* brain_visits.c: a caller's appointment already made: found by caller ID or name, moved, cancelled */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "domain/booking.h"
#include "domain/brain_engines.h"
#include "infra/db.h"
#include "infra/log.h"

/* The caller's next live appointment: by the number (caller ID or the one given), else by
 * the name they gave. */
static const char SQL_FIND[] =
	"SELECT a.id, extract(epoch FROM a.starts_at)::bigint, coalesce(s.name, 'appointment'), "
	"       (extract(epoch FROM a.ends_at - a.starts_at) / 60)::int, a.customer_name, "
	"       coalesce(a.service_id::text, ''), coalesce(a.customer_phone, ''), "
	"       coalesce(a.address, '') "
	"FROM appointments a LEFT JOIN services s ON s.id = a.service_id "
	"WHERE a.status IN ('scheduled', 'confirmed') AND a.starts_at > now() "
	"  AND ((a.customer_phone = $1 AND $1 <> '') "
	"       OR ($2 <> '' AND lower(a.customer_name) = lower($2))) "
	"ORDER BY (a.customer_phone = $1) DESC, a.starts_at LIMIT 1";
static const char SQL_CANCEL[] =
	"UPDATE appointments SET status = 'cancelled', "
	"       notes = concat_ws(' ', notes, 'Cancelled by the caller on the phone.') "
	"WHERE id = $1 AND status IN ('scheduled', 'confirmed')";
static const char SQL_BOOKING_TURN[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1, 0))";

int brain_visit_find(struct db *db, struct arena *a, const char *phone, const char *name,
		     struct brain_visit *out)
{
	struct db_result *res = db_q(db, a, SQL_FIND, phone ? phone : "", name ? name : "");

	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	out->id = db_value(res, 0, 0);
	out->starts_at = (time_t)atoll(db_value(res, 0, 1));
	out->service_name = db_value(res, 0, 2);
	out->minutes = atoi(db_value(res, 0, 3));
	out->name = db_value(res, 0, 4);
	out->service_id = db_value(res, 0, 5)[0] ? db_value(res, 0, 5) : NULL;
	out->phone = db_value(res, 0, 6)[0] ? db_value(res, 0, 6) : NULL;
	out->address = db_value(res, 0, 7)[0] ? db_value(res, 0, 7) : NULL;
	return 1;
}

/* Run one change to an appointment in a transaction of its own, committed before return.
 * 1 changed, 0 nothing changed (gone, or the new time collides), -1 error. */
static int change(struct db *db, struct arena *a, const char *org_id, const char *sql,
		  const char *id, const char *at)
{
	if (db_in_transaction(db) && db_commit(db) < 0)
		return -1;
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (!db_q(db, a, SQL_BOOKING_TURN, org_id))
		goto fail;
	long n = at ? db_exec(db, a, sql, id, at) : db_exec(db, a, sql, id);
	if (n < 0) {
		bool taken = !strcmp(db_sqlstate(db), DB_EXCLUSION_VIOLATION);
		db_rollback(db);
		return taken ? 0 : -1;
	}
	if (db_commit(db) < 0)
		return -1;
	return n == 1;
fail:
	db_rollback(db);
	return -1;
}

int brain_visit_cancel(struct db *db, struct arena *a, const char *org_id, const char *id)
{
	int rc = change(db, a, org_id, SQL_CANCEL, id, NULL);
	if (rc > 0)
		log_info("appointment cancelled by the caller id=%s", id);
	return rc;
}

/* Under the rules of any booking (hours, closures, busy time, its own resource first). */
int brain_visit_move(struct db *db, struct arena *a, const char *org_id, const char *id,
		     time_t starts_at)
{
	struct booking_outcome out;

	if (db_in_transaction(db) && db_commit(db) < 0)
		return -1;
	booking_move_noted(db, a, org_id, id, starts_at, NULL, NULL, "{\"by\": \"caller\"}", &out);
	if (out.result == BOOKING_ERROR && strcmp(out.reason, "no such appointment"))
		return -1;
	return out.result == BOOKING_BOOKED;
}
