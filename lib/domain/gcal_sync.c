/* gcal_sync.c: the Google Calendar jobs: an appointment's event made, moved or deleted; a
 * calendar's changes read back (busy time, the owner's moves of our events); watch channels */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/booking.h"
#include "domain/gcal.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"

/* A watch channel asks for a week (Google's usual most); it is renewed a day before its end. */
#define CHANNEL_SECONDS (7 * 86400)
/* Most pages one sync reads before it stops and lets the next run carry on. */
#define SYNC_MAX_PAGES 200
#define AUDIT_DETAIL "{\"source\": \"Google Calendar\"}"

static const char SQL_APPOINTMENT[] =
	"SELECT a.status, extract(epoch FROM a.starts_at)::bigint AS starts, "
	"       extract(epoch FROM a.ends_at)::bigint AS ends, a.customer_name, "
	"       coalesce(a.customer_phone, '') AS phone, "
	"       coalesce(s.name, 'Appointment') AS service, "
	"       coalesce(r.google_calendar_id, 'primary') AS calendar_id, "
	"       coalesce(r.name, '') AS resource, "
	"       o.timezone, g.calendar_id AS event_calendar, g.deleted "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"LEFT JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id "
	"LEFT JOIN google_events g ON g.org_id = a.org_id AND g.appointment_id = a.id "
	"WHERE a.org_id = $1 AND a.id = $2";
static const char SQL_EVENT_SAVE[] =
	"INSERT INTO google_events (org_id, appointment_id, calendar_id, event_id, deleted, "
	"       pushed_start, pushed_end) "
	"VALUES ($1, $2, $3, $4, $5::boolean, to_timestamp($6::bigint), to_timestamp($7::bigint)) "
	"ON CONFLICT (org_id, appointment_id) DO UPDATE SET calendar_id = EXCLUDED.calendar_id, "
	"  event_id = EXCLUDED.event_id, deleted = EXCLUDED.deleted, "
	"  pushed_start = EXCLUDED.pushed_start, pushed_end = EXCLUDED.pushed_end, "
	"  updated_at = now()";

static const char SQL_CALENDAR[] =
	"SELECT sync_token, channel_id, channel_resource_id, "
	"       channel_expires_at > now() + interval '1 day' AS channel_fresh "
	"FROM google_calendars WHERE org_id = $1 AND calendar_id = $2";
static const char SQL_SYNC_TOKEN_SAVE[] =
	"UPDATE google_calendars SET sync_token = $3, synced_at = now() "
	"WHERE org_id = $1 AND calendar_id = $2";
/* After a full sync: what the calendar no longer holds is no longer busy. */
static const char SQL_BUSY_SWEEP[] =
	"DELETE FROM busy_blocks WHERE org_id = $1 AND source = 'google' AND source_calendar = $2 "
	"AND NOT (external_id = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb))))";
/* One resource mapped to the calendar: its busy time is that resource's; several or none:
 * every resource's. */
static const char SQL_CALENDAR_RESOURCE[] =
	"SELECT CASE WHEN count(*) = 1 THEN min(id::text) END FROM resources "
	"WHERE org_id = $1 AND active AND google_calendar_id = $2";
static const char SQL_BUSY_UPSERT[] =
	"INSERT INTO busy_blocks (org_id, resource_id, source, source_calendar, external_id, "
	"       starts_at, ends_at, updated_at) "
	"SELECT $1, $3::uuid, 'google', $2, e.id, "
	"       coalesce(to_timestamp(e.s), e.sd::timestamp AT TIME ZONE o.timezone), "
	"       coalesce(to_timestamp(e.e), e.ed::timestamp AT TIME ZONE o.timezone), now() "
	"FROM jsonb_to_recordset($4::jsonb) AS e(id text, s bigint, e bigint, sd date, ed date) "
	"JOIN organizations o ON o.id = $1 "
	"WHERE coalesce(to_timestamp(e.e), e.ed::timestamp AT TIME ZONE o.timezone) > "
	"      coalesce(to_timestamp(e.s), e.sd::timestamp AT TIME ZONE o.timezone) "
	"ON CONFLICT (org_id, source, source_calendar, external_id) DO UPDATE SET "
	"  resource_id = EXCLUDED.resource_id, starts_at = EXCLUDED.starts_at, "
	"  ends_at = EXCLUDED.ends_at, updated_at = now()";
static const char SQL_BUSY_REMOVE[] =
	"DELETE FROM busy_blocks WHERE org_id = $1 AND source = 'google' AND source_calendar = $2 "
	"AND external_id = ANY (ARRAY(SELECT jsonb_array_elements_text($3::jsonb)))";
static const char SQL_OWN_EVENT[] =
	"SELECT a.status, extract(epoch FROM a.starts_at)::bigint AS starts, "
	"       extract(epoch FROM g.pushed_start)::bigint AS pushed, g.deleted "
	"FROM appointments a "
	"JOIN google_events g ON g.org_id = a.org_id AND g.appointment_id = a.id "
	"WHERE a.org_id = $1 AND a.id = $2 AND g.calendar_id = $3";
static const char SQL_MOVE_AUDIT[] =
	"INSERT INTO audit_log (org_id, action, target, detail) "
	"VALUES ($1, $2, $3, '" AUDIT_DETAIL "'::jsonb || jsonb_build_object('reason', $4::text))";

static const char SQL_PUSH_AGAIN[] =
	"SELECT jobs_enqueue('google.push', jsonb_build_object('appointment_id', $1::text), NULL, "
	"       NULL)";

static const char SQL_CHANNEL_SAVE[] =
	"UPDATE google_calendars SET channel_id = $3, channel_token = $4, "
	"       channel_resource_id = $5, "
	"       channel_expires_at = to_timestamp($6::bigint / 1000.0) "
	"WHERE org_id = $1 AND calendar_id = $2";

/* What a failed request means for its job. */
static enum job_outcome outcome_of(enum google_result r, const char *doing, const char *why,
				   char *error, size_t errlen)
{
	snprintf(error, errlen, "%s: %s", doing, why);
	if (r == GOOGLE_RETRY || r == GOOGLE_UNAUTHORIZED)
		return JOB_RETRY;
	return JOB_FAILED;
}

/* RFC 3339 in UTC for an epoch second (arena). */
static const char *rfc3339(struct arena *a, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	char out[32];

	gmtime_r(&tt, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, out);
}

/* The event Switchboard keeps for an appointment, marked as its own in private properties. */
static json_t *event_body(struct arena *a, const struct db_result *ap, const char *appointment_id)
{
	const char *service = db_field(ap, 0, "service");
	const char *resource = db_field(ap, 0, "resource");
	const char *phone = db_field(ap, 0, "phone");
	const char *summary = arena_printf(a, "%s: %s", service, db_field(ap, 0, "customer_name"));
	const char *description = arena_printf(a, "Booked through Switchboard.%s%s%s%s",
					       *phone ? "\nPhone: " : "", phone,
					       *resource ? "\nWith: " : "", resource);
	json_t *ev = json_pack("{s:s?, s:s?, s:s, s:{s:s, s:s?}, s:{s:s, s:s?}, s:{s:{s:s, s:s}}}",
			       "summary", summary, "description", description, "status",
			       "confirmed", "start", "dateTime",
			       rfc3339(a, strtoll(db_field(ap, 0, "starts"), NULL, 10)), "timeZone",
			       db_field(ap, 0, "timezone"), "end", "dateTime",
			       rfc3339(a, strtoll(db_field(ap, 0, "ends"), NULL, 10)), "timeZone",
			       db_field(ap, 0, "timezone"), "extendedProperties", "private", "sb",
			       "1", "sb_appointment", appointment_id);
	return json_to_arena(a, ev);
}

/* Calls the Google request in expr with the access token in token, once more with a token
 * refreshed when Google says the first is no good (a token revoked early, a clock ahead). */
#define WITH_TOKEN(r, expr) \
	do { \
		(r) = (expr); \
		if ((r) == GOOGLE_UNAUTHORIZED) { \
			(r) = gcal_access_token(db, a, job->org_id, true, &token, why, \
						sizeof(why)); \
			if ((r) == GOOGLE_OK) \
				(r) = (expr); \
		} \
	} while (0)

static int event_save(struct db *db, struct arena *a, const char *org_id, const char *appt,
		      const char *calendar, const char *event_id, bool deleted, const char *starts,
		      const char *ends)
{
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (db_exec(db, a, SQL_EVENT_SAVE, org_id, appt, calendar, event_id,
		    deleted ? "true" : "false", starts, ends) != 1) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

enum job_outcome gcal_push_job(struct db *db, struct arena *a, const struct job *job, char *error,
			       size_t errlen)
{
	const char *appt = json_str(job->payload, "appointment_id");
	const char *event_id = gcal_event_id(a, appt);
	const char *token;
	char why[256];
	enum google_result r;

	if (!event_id) {
		snprintf(error, errlen, "the job names no appointment");
		return JOB_FAILED;
	}
	r = gcal_access_token(db, a, job->org_id, false, &token, why, sizeof(why));
	if (r == GOOGLE_REFUSED)
		return JOB_DONE; /* disconnected since: nothing to keep in step */
	if (r != GOOGLE_OK)
		return outcome_of(r, "no Google access", why, error, errlen);
	if (db_begin_org(db, a, job->org_id) < 0)
		return outcome_of(GOOGLE_RETRY, "database", "not available", error, errlen);
	struct db_result *ap = db_q(db, a, SQL_APPOINTMENT, job->org_id, appt);
	db_commit(db);
	if (!ap)
		return outcome_of(GOOGLE_RETRY, "database", "could not read the appointment", error,
				  errlen);
	bool gone = db_rows(ap) == 0 || !strcmp(db_field(ap, 0, "status"), "cancelled");
	const char *old_calendar = db_rows(ap) ? db_field(ap, 0, "event_calendar") : NULL;
	bool live = old_calendar && strcmp(db_field(ap, 0, "deleted"), "t");
	const char *calendar = gone ? old_calendar : db_field(ap, 0, "calendar_id");

	/* Cancelled, or moved to a resource on another calendar: the old event goes. */
	if (live && (gone || strcmp(old_calendar, calendar))) {
		WITH_TOKEN(r,
			   google_event_delete(a, token, old_calendar, event_id, why, sizeof(why)));
		if (r != GOOGLE_OK && r != GOOGLE_GONE && r != GOOGLE_NOT_FOUND)
			return outcome_of(r, "could not delete the event", why, error, errlen);
		if (db_rows(ap) && event_save(db, a, job->org_id, appt, old_calendar, event_id,
					      true, NULL, NULL) < 0)
			return outcome_of(GOOGLE_RETRY, "database", "could not record the event",
					  error, errlen);
	}
	if (gone)
		return JOB_DONE;
	json_t *body = event_body(a, ap, appt);
	json_t *answer;
	json_object_set_new(body, "id", json_string(event_id));
	WITH_TOKEN(r, google_event_insert(a, token, calendar, body, &answer, why, sizeof(why)));
	/* The id is the appointment's, so a rerun (or an event made before) finds it taken: it
	 * is then changed in place, never made twice. A deleted event comes back the same way. */
	if (r == GOOGLE_CONFLICT) {
		json_object_del(body, "id");
		WITH_TOKEN(r, google_event_patch(a, token, calendar, event_id, body, &answer, why,
						 sizeof(why)));
	}
	if (r != GOOGLE_OK)
		return outcome_of(r, "could not write the event", why, error, errlen);
	if (event_save(db, a, job->org_id, appt, calendar, event_id, false,
		       db_field(ap, 0, "starts"), db_field(ap, 0, "ends")) < 0)
		return outcome_of(GOOGLE_RETRY, "database", "could not record the event", error,
				  errlen);
	return JOB_DONE;
}

/*
 * An RFC 3339 date-time ("2026-12-08T10:00:00Z", "…T10:00:00.5-05:00") as epoch seconds in
 * *out; -1 when it is not one.
 */
static int time_read(const char *s, long long *out)
{
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	struct tm tm = { 0 };

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    y < 1970 || y > 9999)
		return -1;
	const char *p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' && !p[1]) {
		oh = om = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
		   sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && oh < 24 && om < 60) {
		if (*p == '-')
			oh = -oh, om = -om;
	} else {
		return -1;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (long long)timegm(&tm) - oh * 3600 - om * 60;
	return 0;
}

/* An all-day date "YYYY-MM-DD", checked. */
static bool date_ok(const char *s)
{
	int y, mo, d, n = 0;
	return s && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 && !s[10] &&
	       y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

/* Add {"id", "s", "e"} or {"id", "sd", "ed"} for a busy event to busy; false when its times
 * cannot be read. */
static bool busy_add(json_t *busy, const char *id, json_t *start, json_t *end)
{
	long long s, e;
	const char *sd = json_is_object(start) ? json_str(start, "date") : NULL;
	const char *ed = json_is_object(end) ? json_str(end, "date") : NULL;

	if (json_is_object(start) && json_is_object(end) &&
	    time_read(json_str(start, "dateTime"), &s) == 0 &&
	    time_read(json_str(end, "dateTime"), &e) == 0)
		return json_array_append_new(busy, json_pack("{s:s, s:I, s:I}", "id", id, "s",
							     (json_int_t)s, "e", (json_int_t)e)) ==
		       0;
	if (date_ok(sd) && date_ok(ed))
		return json_array_append_new(busy, json_pack("{s:s, s:s, s:s}", "id", id, "sd", sd,
							     "ed", ed)) == 0;
	return false;
}

/* The owner moved or deleted one of Switchboard's events in Google: carry it to the
 * appointment, unless it is only the echo of what Switchboard itself wrote. */
static void own_event(struct db *db, struct arena *a, const char *org_id, const char *calendar,
		      const char *appt, bool cancelled, json_t *start)
{
	long long at;
	struct booking_outcome out;

	if (db_begin_org(db, a, org_id) < 0)
		return;
	struct db_result *res = db_q(db, a, SQL_OWN_EVENT, org_id, appt, calendar);
	if (!res || db_rows(res) != 1 || !strcmp(db_field(res, 0, "deleted"), "t") ||
	    !strcmp(db_field(res, 0, "status"), "cancelled")) {
		db_rollback(db);
		return;
	}
	if (cancelled) {
		if (booking_cancel(db, a, org_id, appt, NULL, AUDIT_DETAIL) < 0) {
			db_rollback(db);
			return;
		}
		db_commit(db);
		log_info("appointment cancelled from Google Calendar org=%s id=%s", org_id, appt);
		return;
	}
	const char *pushed = db_field(res, 0, "pushed");
	if (!json_is_object(start) || time_read(json_str(start, "dateTime"), &at) < 0 ||
	    (pushed && strtoll(pushed, NULL, 10) == at) ||
	    strtoll(db_field(res, 0, "starts"), NULL, 10) == at) {
		db_rollback(db);
		return;
	}
	db_commit(db);
	booking_move_noted(db, a, org_id, appt, (time_t)at, NULL, NULL, AUDIT_DETAIL, &out);
	if (out.result == BOOKING_BOOKED) {
		log_info("appointment moved from Google Calendar org=%s id=%s", org_id, appt);
		return;
	}
	/* The rules of the business win: the event goes back to the appointment's time, and the
	 * audit log says why. */
	if (db_begin_org(db, a, org_id) < 0)
		return;
	if (db_exec(db, a, SQL_MOVE_AUDIT, org_id, "calendar.move_refused", appt,
		    out.reason ? out.reason : "the database failed") < 0 ||
	    !db_q(db, a, SQL_PUSH_AGAIN, appt)) {
		db_rollback(db);
		return;
	}
	db_commit(db);
}

int gcal_apply_events(struct db *db, struct arena *a, const char *org_id, const char *calendar_id,
		      json_t *items, json_t *seen)
{
	json_t *busy = json_to_arena(a, json_array());
	json_t *removed = json_to_arena(a, json_array());
	json_t *own = json_to_arena(a, json_array());
	size_t i;
	json_t *ev;

	json_array_foreach(items, i, ev) {
		const char *id = json_is_object(ev) ? json_str(ev, "id") : NULL;
		if (!id || !*id || strlen(id) > 1024)
			continue;
		const char *status = json_str(ev, "status");
		bool cancelled = status && !strcmp(status, "cancelled");
		json_t *props = json_object_get(json_object_get(ev, "extendedProperties"),
						"private");
		const char *appt = json_is_object(props) ? json_str(props, "sb_appointment") : NULL;
		const char *ours = appt ? gcal_event_id(a, appt) : NULL;
		if (seen && !cancelled)
			json_array_append_new(seen, json_string(id));
		/* Our own event (its id is the one Switchboard gives that appointment) is never
		 * busy time: it is the appointment itself. */
		if (ours && !strcmp(ours, id)) {
			json_array_append_new(own, json_pack("{s:s, s:b, s:O?}", "appt", appt,
							     "cancelled", cancelled, "start",
							     json_object_get(ev, "start")));
			json_array_append_new(removed, json_string(id));
			continue;
		}
		const char *transparency = json_str(ev, "transparency");
		if (cancelled || (transparency && !strcmp(transparency, "transparent")) ||
		    !busy_add(busy, id, json_object_get(ev, "start"), json_object_get(ev, "end")))
			json_array_append_new(removed, json_string(id));
	}
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	const char *resource = db_text(db, a, SQL_CALENDAR_RESOURCE, org_id, calendar_id);
	if ((json_array_size(busy) && db_exec(db, a, SQL_BUSY_UPSERT, org_id, calendar_id, resource,
					      json_text(a, busy)) < 0) ||
	    (json_array_size(removed) &&
	     db_exec(db, a, SQL_BUSY_REMOVE, org_id, calendar_id, json_text(a, removed)) < 0) ||
	    db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return -1;
	}
	json_array_foreach(own, i, ev)
		own_event(db, a, org_id, calendar_id, json_str(ev, "appt"),
			  json_bool(ev, "cancelled", false), json_object_get(ev, "start"));
	return 0;
}

/*
 * Starts a job on one synced calendar: the org's Google access token in *token and the
 * calendar's row (SQL_CALENDAR, arena) in *cal. False when the job has nothing more to do or
 * cannot go on; its outcome is then in *outcome (JOB_DONE when Google was disconnected or the
 * calendar is no longer synced, since neither is a failure).
 */
static bool calendar_job_start(struct db *db, struct arena *a, const struct job *job,
			       const char *calendar, const char **token, struct db_result **cal,
			       enum job_outcome *outcome, char *error, size_t errlen)
{
	char why[256];
	enum google_result r;

	if (!calendar) {
		snprintf(error, errlen, "the job names no calendar");
		*outcome = JOB_FAILED;
		return false;
	}
	r = gcal_access_token(db, a, job->org_id, false, token, why, sizeof(why));
	if (r == GOOGLE_REFUSED) {
		*outcome = JOB_DONE; /* disconnected since: nothing to keep in step */
		return false;
	}
	if (r != GOOGLE_OK) {
		*outcome = outcome_of(r, "no Google access", why, error, errlen);
		return false;
	}
	if (db_begin_org(db, a, job->org_id) < 0) {
		*outcome = outcome_of(GOOGLE_RETRY, "database", "not available", error, errlen);
		return false;
	}
	*cal = db_q(db, a, SQL_CALENDAR, job->org_id, calendar);
	db_commit(db);
	if (!*cal) {
		*outcome = outcome_of(GOOGLE_RETRY, "database", "could not read the calendar",
				      error, errlen);
		return false;
	}
	*outcome = JOB_DONE;
	return db_rows(*cal) > 0;
}

enum job_outcome gcal_sync_job(struct db *db, struct arena *a, const struct job *job, char *error,
			       size_t errlen)
{
	const char *calendar = json_str(job->payload, "calendar_id");
	const char *token, *page_token = NULL, *next_page, *next_sync;
	char why[256];
	json_t *page, *seen = NULL;
	enum google_result r;
	struct db_result *cal;
	enum job_outcome outcome;

	if (!calendar_job_start(db, a, job, calendar, &token, &cal, &outcome, error, errlen))
		return outcome;
	const char *sync_token = db_field(cal, 0, "sync_token");
	if (!sync_token)
		seen = json_to_arena(a, json_array());
	for (int pages = 0; pages < SYNC_MAX_PAGES; pages++) {
		WITH_TOKEN(r, google_events_page(a, token, calendar, sync_token, page_token, &page,
						 &next_page, &next_sync, why, sizeof(why)));
		if (r == GOOGLE_GONE && sync_token) {
			/* The sync token expired: read the whole calendar again, and what it no
			 * longer holds goes at the end. */
			log_info("Google sync token expired; full sync org=%s", job->org_id);
			sync_token = page_token = NULL;
			seen = json_to_arena(a, json_array());
			pages = -1;
			continue;
		}
		if (r != GOOGLE_OK)
			return outcome_of(r, "could not list events", why, error, errlen);
		if (gcal_apply_events(db, a, job->org_id, calendar, json_object_get(page, "items"),
				      seen) < 0)
			return outcome_of(GOOGLE_RETRY, "database", "could not store busy time",
					  error, errlen);
		if (next_sync) {
			if (db_begin_org(db, a, job->org_id) < 0 ||
			    (seen && db_exec(db, a, SQL_BUSY_SWEEP, job->org_id, calendar,
					     json_text(a, seen)) < 0) ||
			    db_exec(db, a, SQL_SYNC_TOKEN_SAVE, job->org_id, calendar, next_sync) <
				    0 ||
			    db_commit(db) < 0) {
				if (db_in_transaction(db))
					db_rollback(db);
				return outcome_of(GOOGLE_RETRY, "database",
						  "could not save the sync token", error, errlen);
			}
			return JOB_DONE;
		}
		page_token = next_page;
	}
	snprintf(error, errlen, "more than %d pages of changes", SYNC_MAX_PAGES);
	return JOB_RETRY;
}

enum job_outcome gcal_renew_job(struct db *db, struct arena *a, const struct job *job, char *error,
				size_t errlen)
{
	const char *calendar = json_str(job->payload, "calendar_id");
	const char *token;
	char why[256];
	struct google_channel ch;
	enum google_result r;
	struct db_result *cal;
	enum job_outcome outcome;

	if (!calendar_job_start(db, a, job, calendar, &token, &cal, &outcome, error, errlen))
		return outcome;
	const char *fresh = db_field(cal, 0, "channel_fresh");
	if (fresh && !strcmp(fresh, "t") && !json_bool(job->payload, "force", false))
		return JOB_DONE; /* renewed by another run already */
	const char *old_id = db_field(cal, 0, "channel_id");
	const char *old_resource = db_field(cal, 0, "channel_resource_id");
	const char *id = crypto_token_hex(a, 16);
	const char *secret = crypto_token_hex(a, 32);
	long long expiration = ((long long)time(NULL) + CHANNEL_SECONDS) * 1000;
	const char *address = arena_printf(a, "%s%s", conf_str("PUBLIC_BASE_URL"), GCAL_HOOK_PATH);
	WITH_TOKEN(r, google_watch(a, token, calendar, id, address, secret, expiration, &ch, why,
				   sizeof(why)));
	if (r != GOOGLE_OK)
		return outcome_of(r, "could not watch the calendar", why, error, errlen);
	if (ch.expiration_ms <= 0)
		ch.expiration_ms = expiration;
	if (db_begin_org(db, a, job->org_id) < 0 ||
	    db_exec(db, a, SQL_CHANNEL_SAVE, job->org_id, calendar, id, secret, ch.resource_id,
		    arena_printf(a, "%lld", ch.expiration_ms)) < 0 ||
	    db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return outcome_of(GOOGLE_RETRY, "database", "could not save the channel", error,
				  errlen);
	}
	/* The old channel is stopped once the new one is saved (both may fire meanwhile; the
	 * hook knows only the new one). */
	if (old_id && old_resource) {
		WITH_TOKEN(r,
			   google_channel_stop(a, token, old_id, old_resource, why, sizeof(why)));
		if (r != GOOGLE_OK)
			log_warn("could not stop an old Google channel org=%s: %s", job->org_id,
				 why);
	}
	return JOB_DONE;
}
