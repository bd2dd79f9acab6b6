/* booking_turn.c: what booking and moving an appointment share */
#include "domain/booking_turn.h"

#include <string.h>

#include "infra/db.h"

#define DB_DEADLOCK_DETECTED "40P01"

/* Inserts or moves racing for one time would otherwise wait on each other's uncommitted rows
 * while the exclusion constraint checks them, until PostgreSQL's deadlock detector (a second
 * later) aborts one. */
static const char SQL_BOOKING_TURN[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1, 0))";

void booking_outcome_start(struct booking_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->result = BOOKING_ERROR;
	out->verdict = AVAILABILITY_ERROR;
	out->reason = availability_reason(AVAILABILITY_ERROR);
}

int booking_take_turn(struct db *db, struct arena *a, const char *org_id)
{
	return db_q(db, a, SQL_BOOKING_TURN, org_id) ? 0 : -1;
}

bool booking_lost_race(struct db *db, struct booking_outcome *out, bool *again)
{
	*again = !strcmp(db_sqlstate(db), DB_DEADLOCK_DETECTED);
	out->verdict = AVAILABILITY_TAKEN;
	out->reason = availability_reason(AVAILABILITY_TAKEN);
	return !strcmp(db_sqlstate(db), DB_EXCLUSION_VIOLATION);
}

void booking_won(struct booking_outcome *out, const char *appointment_id,
		 const char *resource_id)
{
	out->result = BOOKING_BOOKED;
	out->appointment_id = appointment_id;
	out->resource_id = resource_id;
	out->verdict = AVAILABILITY_AVAILABLE;
	out->reason = "";
}

void booking_try_abandon(struct db *db, struct arena *a, const char *org_id,
			 const struct availability_query *q, struct booking_outcome *out,
			 bool taken)
{
	db_rollback(db);
	if (taken)
		booking_offer_nearest(db, a, org_id, q, out);
}

void booking_offer_nearest(struct db *db, struct arena *a, const char *org_id,
			   const struct availability_query *q, struct booking_outcome *out)
{
	out->result = BOOKING_TAKEN;
	out->nalternatives = 0;
	if (db_begin_org(db, a, org_id) < 0)
		return;
	int n = availability_nearest(db, a, q, out->slots, BOOKING_ALTERNATIVES);
	for (int i = 0; i < n; i++)
		out->alternatives[i] = out->slots[i].starts_at;
	out->nalternatives = n > 0 ? n : 0;
	db_rollback(db);
}
