/* reminders.c: each reminder, queued by sql/022's reminders_schedule(), texted at most once */
#include "domain/reminders.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/notify.h"
#include "domain/when.h"

/* The appointment as its reminder names it, read in its business's transaction. */
static const char SQL_APPOINTMENT[] =
	"SELECT a.status IN ('scheduled', 'confirmed') AND a.starts_at > now(), "
	"       extract(epoch FROM a.starts_at)::bigint, coalesce(a.customer_phone, ''), "
	"       o.name, o.timezone, coalesce(s.name, ''), o.reminders_enabled "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = app_org_id() AND a.id = $1::uuid";
/* A reminder for a time the appointment no longer has gives its key and its mark back: should
 * the appointment be moved back to that time, its reminder is queued again. */
static const char SQL_FREE_KEY[] = "UPDATE jobs SET dedupe_key = NULL WHERE id = $1::uuid";
static const char SQL_FREE_MARK[] =
	"DELETE FROM reminder_marks WHERE org_id = app_org_id() AND appointment_id = $1::uuid "
	"  AND reminder = $2 AND starts_at = to_timestamp($3::bigint)";


/* What the job's payload names: the appointment and the start time it was queued for. */
static int read_payload(const struct job *job, const char **appointment, long long *starts)
{
	const char *reminder = json_str(job->payload, "reminder");
	json_t *at = json_object_get(job->payload, "starts_at");

	*appointment = json_str(job->payload, "appointment_id");
	if (!*appointment || !text_is_uuid(*appointment) || !json_is_integer(at) || !reminder ||
	    (strcmp(reminder, "first") && strcmp(reminder, "second")))
		return -1;
	*starts = json_integer_value(at);
	return 0;
}

/* The reminder, naming the business, the service, and the day and time where the business is. */
static const char *reminder_text(struct arena *a, struct db_result *row, time_t starts)
{
	char when[96];
	const char *business = db_value(row, 0, 3), *service = db_value(row, 0, 5);

	when_say(starts, db_value(row, 0, 4), when, sizeof(when));
	if (*service)
		return arena_printf(a, "Reminder: your %s with %s is on %s. Reply C to cancel or R "
				    "to reschedule.", service, business, when);
	return arena_printf(a, "Reminder: your appointment with %s is on %s. Reply C to cancel or "
			    "R to reschedule.", business, when);
}

/*
 * Whether the reminder still stands: 1 with *body and *to set, 0 when it no longer does (the
 * appointment is cancelled, over, moved, or the business stopped reminders), -1 on a database
 * error. Commits its own transaction.
 */
static int still_wanted(struct db *db, struct arena *a, const struct job *job,
			const char *appointment, long long starts, const char **to,
			const char **body)
{
	if (db_begin_org(db, a, job->org_id) < 0)
		return -1;
	struct db_result *row = db_q(db, a, SQL_APPOINTMENT, appointment);
	if (!row)
		goto fail;
	int wanted = db_rows(row) == 1 && !strcmp(db_value(row, 0, 0), "t") &&
		     !strcmp(db_value(row, 0, 6), "t") && *db_value(row, 0, 2);
	bool moved = db_rows(row) == 1 && strtoll(db_value(row, 0, 1), NULL, 10) != starts;
	if (moved) {
		wanted = 0;
		if (db_exec(db, a, SQL_FREE_KEY, job->id) < 0 ||
		    db_exec(db, a, SQL_FREE_MARK, appointment, json_str(job->payload, "reminder"),
			    arena_printf(a, "%lld", starts)) < 0)
			goto fail;
	}
	if (wanted) {
		*to = db_value(row, 0, 2);
		*body = reminder_text(a, row, (time_t)starts);
	}
	if (db_commit(db) < 0)
		return -1;
	if (!wanted)
		log_info("reminder not sent: the appointment is %s appointment=%s",
			 moved ? "at another time now" : "no longer open or reminders are off",
			 appointment);
	return wanted;
fail:
	db_rollback(db);
	return -1;
}

enum job_outcome reminders_send_job(struct db *db, struct arena *a, const struct job *job,
				    char *error, size_t errlen)
{
	const char *appointment, *to = NULL, *body = NULL;
	long long starts;

	if (read_payload(job, &appointment, &starts) < 0) {
		snprintf(error, errlen, "the job needs an appointment id, a reminder (first or "
			 "second) and a start time");
		return JOB_FAILED;
	}
	int wanted = still_wanted(db, a, job, appointment, starts, &to, &body);
	if (wanted < 0) {
		snprintf(error, errlen, "could not read the appointment: the database is "
			 "unavailable");
		return JOB_RETRY;
	}
	if (!wanted)
		return JOB_DONE;
	struct notify_links links = { .appointment_id = appointment, .job_id = job->id };
	return notify_sms_for_job(db, a, job, to, body, &links, "reminder", error, errlen);
}
