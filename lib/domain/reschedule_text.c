/* reschedule_text.c: moving an appointment by text: offers of free times and the digit that
 * takes one */
#include "domain/reschedule_text.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"
#include "domain/availability.h"
#include "domain/booking.h"
#include "domain/when.h"

/* The appointment as an offer needs it: still open and to come. */
static const char SQL_APPOINTMENT[] =
	"SELECT a.service_id, extract(epoch FROM a.starts_at)::bigint, "
	"       greatest(1, (extract(epoch FROM a.ends_at - a.starts_at) / 60)::int), "
	"       coalesce(nullif(s.name, ''), 'appointment'), o.timezone "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = $1 AND a.id = $2::uuid AND a.status IN ('scheduled', 'confirmed') "
	"  AND a.starts_at > now()";
static const char SQL_OFFER[] =
	"INSERT INTO reschedule_offers (org_id, appointment_id, phone, offered_times) "
	"SELECT $1, $2::uuid, $3, array_agg(to_timestamp(e) ORDER BY i) "
	"FROM unnest($4::bigint[]) WITH ORDINALITY AS u (e, i)";
/* The latest offer to the number, whatever became of it: a digit answers that one only. */
static const char SQL_LATEST_OFFER[] =
	"SELECT f.id, f.appointment_id, cardinality(f.offered_times), "
	"       extract(epoch FROM f.offered_times[$3::int])::bigint, f.taken_at IS NULL, "
	"       coalesce(nullif(s.name, ''), 'appointment'), o.timezone "
	"FROM reschedule_offers f JOIN organizations o ON o.id = f.org_id "
	"JOIN appointments a ON a.org_id = f.org_id AND a.id = f.appointment_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE f.org_id = $1 AND f.phone = $2 "
	"  AND f.created_at > now() - make_interval(mins => $4::int) "
	"ORDER BY f.created_at DESC, f.id DESC LIMIT 1";
/* A digit claims the offer before it moves anything: of two digits racing, one moves. */
static const char SQL_CLAIM[] =
	"UPDATE reschedule_offers SET taken_at = now() "
	"WHERE org_id = $1 AND id = $2 AND taken_at IS NULL";
static const char SQL_UNCLAIM[] =
	"UPDATE reschedule_offers SET taken_at = NULL WHERE org_id = $1 AND id = $2";

/* The appointment's row of SQL_APPOINTMENT, or NULL (no row: *missing). */
static struct db_result *appointment_of(struct db *db, struct arena *a, const char *org_id,
					const char *id, bool *missing)
{
	struct db_result *res = db_q(db, a, SQL_APPOINTMENT, org_id, id);

	*missing = res && db_rows(res) != 1;
	return res && db_rows(res) == 1 ? res : NULL;
}

/* "1) Tuesday, March 3 at 2 PM; 2) ..." for the n starts, where the business is. */
static const char *choices_text(struct arena *a, const char *zone, const time_t *starts, int n)
{
	const char *text = "";
	char when[96];

	for (int i = 0; i < n; i++) {
		when_say(starts[i], zone, when, sizeof(when));
		text = arena_printf(a, "%s%s%d) %s", text, i ? "; " : "", i + 1, when);
	}
	return text;
}

/* "Reply 1", "Reply 1 or 2", "Reply 1, 2 or 3". */
static const char *reply_words(struct arena *a, int n)
{
	return n == 1 ? "Reply 1" : n == 2 ? "Reply 1 or 2" : "Reply 1, 2 or 3";
}

/* Store the offer of the n starts to phone (in the open transaction). Returns 0 or -1. */
static int store_offer(struct db *db, struct arena *a, const char *org_id, const char *id,
		       const char *phone, const time_t *starts, int n)
{
	const char *list = "{";
	for (int i = 0; i < n; i++)
		list = arena_printf(a, "%s%s%lld", list, i ? "," : "", (long long)starts[i]);
	list = arena_printf(a, "%s}", list);
	return db_exec(db, a, SQL_OFFER, org_id, id, phone, list) == 1 ? 0 : -1;
}

/* Up to RESCHEDULE_TEXT_CHOICES of slots' starts that are not skip (the appointment's own). */
static int keep_starts(const struct availability_slot *slots, int n, time_t skip, time_t *out)
{
	int kept = 0;

	for (int i = 0; i < n && kept < RESCHEDULE_TEXT_CHOICES; i++)
		if (slots[i].starts_at != skip)
			out[kept++] = slots[i].starts_at;
	return kept;
}

int reschedule_text_offer(struct db *db, struct arena *a, const char *org_id,
			  const char *appointment_id, const char *phone,
			  const char *business_number, const char **reply)
{
	bool missing;
	struct db_result *appt = appointment_of(db, a, org_id, appointment_id, &missing);
	struct availability_slot slots[RESCHEDULE_TEXT_CHOICES + 1];
	time_t starts[RESCHEDULE_TEXT_CHOICES];
	char when[96];

	if (!appt && !missing)
		return -1;
	if (!appt) {
		*reply = arena_printf(a, "To move your appointment, call us at %s.",
				      business_number);
		return 0;
	}
	time_t current = (time_t)strtoll(db_value(appt, 0, 1), NULL, 10);
	const char *service = db_value(appt, 0, 3), *zone = db_value(appt, 0, 4);
	/* Its own time is free to itself: one more is asked for, and that one left out. */
	struct availability_query q = {
		.service_id = db_value(appt, 0, 0),
		.minutes = atoi(db_value(appt, 0, 2)),
		.around = current,
		.ignore_appointment_id = appointment_id,
	};
	int found = availability_nearest(db, a, &q, slots, RESCHEDULE_TEXT_CHOICES + 1);
	if (found < 0)
		return -1;
	int n = keep_starts(slots, found, current, starts);
	when_say(current, zone, when, sizeof(when));
	if (n == 0) {
		*reply = arena_printf(a, "To move your %s on %s, call us at %s: no other time is "
				      "free soon.", service, when, business_number);
		return 0;
	}
	if (store_offer(db, a, org_id, appointment_id, phone, starts, n) < 0)
		return -1;
	*reply = arena_printf(a, "To move your %s on %s, pick a time: %s. %s, or call us at %s.",
			      service, when, choices_text(a, zone, starts, n), reply_words(a, n),
			      business_number);
	return 0;
}

/*
 * The chosen time was taken meanwhile: offer the nearest free ones to it (outcome's, found by
 * booking_move) in a transaction of its own. Returns 0 with *reply set, or -1.
 */
static int offer_again(struct db *db, struct arena *a, const char *org_id, const char *id,
		       const char *phone, const char *business_number,
		       const struct booking_outcome *outcome, struct reschedule_text_choice *out)
{
	time_t starts[RESCHEDULE_TEXT_CHOICES];
	bool missing;

	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	struct db_result *appt = appointment_of(db, a, org_id, id, &missing);
	if (!appt) {
		db_rollback(db);
		return missing ? 0 : -1;
	}
	time_t current = (time_t)strtoll(db_value(appt, 0, 1), NULL, 10);
	const char *service = db_value(appt, 0, 3), *zone = db_value(appt, 0, 4);
	int n = keep_starts(outcome->slots, outcome->nalternatives, current, starts);
	if (n == 0) {
		db_rollback(db);
		out->reply = arena_printf(a, "Sorry, that time was just taken and no other is free "
					  "soon. Call us at %s to move your %s.", business_number,
					  service);
		return 0;
	}
	if (store_offer(db, a, org_id, id, phone, starts, n) < 0 || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return -1;
	}
	out->reply = arena_printf(a, "Sorry, that time was just taken. %s to move your %s: %s.",
				  reply_words(a, n), service, choices_text(a, zone, starts, n));
	return 0;
}

/*
 * The latest offer to phone and the time choice names in it, claimed when it is still open:
 * 1 claimed, 0 none to claim (none, spent, or a digit past its length: *count tells), -1 error.
 */
static int claim_offer(struct db *db, struct arena *a, const char *org_id, const char *phone,
		       int choice, const char **offer, const char **id, int *count,
		       time_t *chosen, const char **service, const char **zone)
{
	*count = 0;
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	struct db_result *res = db_q(db, a, SQL_LATEST_OFFER, org_id, phone,
				     arena_printf(a, "%d", choice),
				     arena_printf(a, "%d", RESCHEDULE_TEXT_MINUTES));
	if (!res)
		goto fail;
	if (db_rows(res) != 1 || strcmp(db_value(res, 0, 4), "t")) {
		db_rollback(db);
		return 0;
	}
	*offer = db_value(res, 0, 0);
	*id = db_value(res, 0, 1);
	*count = atoi(db_value(res, 0, 2));
	*service = db_value(res, 0, 5);
	*zone = db_value(res, 0, 6);
	/* A digit past the offer's length reads an element that is not there: NULL. */
	const char *at = db_value(res, 0, 3);
	if (!at) {
		db_rollback(db);
		return 0;
	}
	*chosen = (time_t)strtoll(at, NULL, 10);
	long claimed = db_exec(db, a, SQL_CLAIM, org_id, *offer);
	if (claimed < 0 || db_commit(db) < 0)
		goto fail;
	return claimed == 1;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	return -1;
}

/* Give a claimed offer back after a failure that moved nothing, so a retry can take it. */
static void unclaim(struct db *db, struct arena *a, const char *org_id, const char *offer)
{
	if (db_begin_org(db, a, org_id) < 0)
		return;
	if (db_exec(db, a, SQL_UNCLAIM, org_id, offer) < 0 || db_commit(db) < 0)
		db_rollback(db);
}

int reschedule_text_choose(struct db *db, struct arena *a, const char *org_id,
			   const char *phone, int choice, const char *business_number,
			   const char *audit_detail, struct reschedule_text_choice *out)
{
	const char *offer = NULL, *id = NULL, *service = NULL, *zone = NULL;
	int count;
	time_t chosen = 0;
	char when[96];

	memset(out, 0, sizeof(*out));
	if (choice < 1 || choice > RESCHEDULE_TEXT_CHOICES)
		return 0;
	int claimed = claim_offer(db, a, org_id, phone, choice, &offer, &id, &count, &chosen,
				  &service, &zone);
	if (claimed < 0)
		return -1;
	if (claimed == 0 && id && count > 0 && choice > count) {
		out->appointment_id = id;
		out->reply = arena_printf(a, "%s to pick one of the times we offered, or call "
					  "us at %s.", reply_words(a, count), business_number);
		return 1;
	}
	if (claimed == 0)
		return 0;
	out->appointment_id = id;
	struct booking_outcome moved;
	booking_move_noted(db, a, org_id, id, chosen, NULL, NULL, audit_detail, &moved);
	if (moved.result == BOOKING_TAKEN) {
		if (offer_again(db, a, org_id, id, phone, business_number, &moved, out) < 0)
			return -1;
		return 1;
	}
	if (moved.result != BOOKING_BOOKED) {
		if (!moved.reason || strcmp(moved.reason, "no such appointment")) {
			unclaim(db, a, org_id, offer);
			return -1;
		}
		out->reply = arena_printf(a, "That appointment can no longer be moved by text. "
					  "Call us at %s.", business_number);
		return 1;
	}
	out->moved = true;
	when_say(chosen, zone, when, sizeof(when));
	out->reply = arena_printf(a, "Done: your %s is moved to %s. Reply C to cancel.", service,
				  when);
	log_info("appointment moved by text appointment=%s", id);
	return 1;
}
