/* notify.c: texting customers through Twilio, every message recorded with what became of it */
#include "domain/notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/phone_lines.h"
#include "provider/twilio_rest.h"

/*
 * What the decision needs, in one statement of the organization's transaction: the switch, the
 * number to send from, whether the recipient opted out (matched on digits too, as the lead page
 * does), and an attempt of the same job that already settled the message or is sending it.
 */
static const char SQL_FACTS[] =
	"SELECT o.sms_enabled, n.e164, "
	"       EXISTS (SELECT 1 FROM opt_outs x WHERE x.org_id = o.id AND (x.phone = $2 "
	"               OR (regexp_replace($2, '[^0-9]', '', 'g') <> '' AND "
	"                   regexp_replace(x.phone, '[^0-9]', '', 'g') = "
	"                   regexp_replace($2, '[^0-9]', '', 'g')))), "
	"       earlier.id, earlier.status, coalesce(earlier.error, ''), n.twilio_account_sid "
	"FROM organizations o "
	"LEFT JOIN LATERAL (SELECT e164, twilio_account_sid FROM phone_numbers p "
	"                   WHERE p.org_id = o.id AND p.active AND p.verified_at IS NOT NULL "
	"                   ORDER BY p.created_at, p.id LIMIT 1) n ON true "
	"LEFT JOIN LATERAL (SELECT id, status, error FROM notifications m "
	"                   WHERE m.org_id = o.id AND m.job_id = $3::uuid AND m.status <> 'failed' "
	"                   LIMIT 1) earlier ON true "
	"WHERE o.id = $1";
static const char SQL_RECORD[] =
	"INSERT INTO notifications (org_id, channel, purpose, to_address, body, status, error, "
	"                           call_id, appointment_id, lead_id, job_id) "
	"VALUES ($1, 'sms', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
/* Counts the text against the business's day, or says why it may not go (018). */
static const char SQL_USAGE_TAKE[] = "SELECT refusal, reason FROM usage_take('sms', $1, $2::int)";
static const char SQL_SETTLE[] =
	"UPDATE notifications SET status = $2, error = $3, provider_message_id = $4, "
	"       sent_at = CASE WHEN $2 = 'sent' THEN now() END "
	"WHERE id = $1";

static const char OPTED_OUT[] = "the number opted out of text messages (it replied STOP)";
static const char SMS_OFF[] = "text messages are off for this business; nothing was sent";
static const char NO_PROVIDER[] = "no SMS provider is set up; nothing was sent";
static const char NO_NUMBER[] = "the business has no active phone number to send from";
static const char INTERRUPTED[] =
	"an earlier attempt stopped while sending; not sent again, so it cannot arrive twice";

/* The row for one attempt; returns its id (arena-owned) or NULL. */
static const char *record(struct db *db, struct arena *a, const char *org_id, const char *to,
			  const char *body, const struct notify_links *l, const char *purpose,
			  const char *status, const char *reason)
{
	return db_text(db, a, SQL_RECORD, org_id, purpose, to, body, status, reason, l->call_id,
		       l->appointment_id, l->lead_id, l->job_id);
}

/* What an earlier attempt of the same job left: its outcome stands, and nothing is resent. */
static enum notify_status earlier_attempt(struct db *db, struct arena *a, const char *id,
					  const char *status, const char *reason, char *error,
					  size_t errlen)
{
	log_info("message already handled by an earlier attempt notification=%s status=%s", id,
		 status);
	snprintf(error, errlen, "%s", reason);
	if (!strcmp(status, "sent"))
		return NOTIFY_SENT;
	if (!strcmp(status, "logged"))
		return NOTIFY_LOGGED;
	if (!strcmp(status, "skipped"))
		return NOTIFY_SKIPPED;
	/* Still "queued": that attempt died between asking Twilio and hearing back. */
	if (db_exec(db, a, SQL_SETTLE, id, "failed", INTERRUPTED, NULL) != 1)
		return NOTIFY_RETRY;
	snprintf(error, errlen, "%s", INTERRUPTED);
	return NOTIFY_FAILED;
}

/* Decide without Twilio when the message cannot or must not go out; NOTIFY_SENT means "send". */
static enum notify_status decide(struct db *db, struct arena *a, const char *org_id,
				 const char *to, const char *body, const struct notify_links *l,
				 const char *purpose, const char **from, const char **row,
				 struct twilio_account *acct, char *error, size_t errlen)
{
	struct db_result *facts = db_q(db, a, SQL_FACTS, org_id, to, l->job_id);
	const char *status = NULL, *reason = NULL;
	enum notify_status outcome;

	if (!facts || db_rows(facts) != 1)
		return NOTIFY_RETRY;
	if (db_value(facts, 0, 3))
		return earlier_attempt(db, a, db_value(facts, 0, 3), db_value(facts, 0, 4),
				       db_value(facts, 0, 5), error, errlen);
	*from = db_value(facts, 0, 1);
	/* The account that holds the number texts from it: the business's own or the server's. */
	if (phone_line_account(db, a, org_id, db_value(facts, 0, 6), acct) < 0)
		return NOTIFY_RETRY;
	if (!strcmp(db_value(facts, 0, 2), "t")) {
		status = "skipped", reason = OPTED_OUT, outcome = NOTIFY_SKIPPED;
	} else if (strcmp(db_value(facts, 0, 0), "t")) {
		status = "logged", reason = SMS_OFF, outcome = NOTIFY_LOGGED;
	} else if (!twilio_account_usable(acct)) {
		status = "logged", reason = NO_PROVIDER, outcome = NOTIFY_LOGGED;
	} else if (!*from) {
		status = "failed", reason = NO_NUMBER, outcome = NOTIFY_FAILED;
	} else {
		/* The day's allowance and the allowed countries, last: only a text that would go
		 * out is counted, and in this transaction, so a rollback gives it back. */
		struct db_result *use = db_q(db, a, SQL_USAGE_TAKE, to,
					     arena_printf(a, "%ld", conf_int("SMS_DAILY_CEILING")));
		if (!use || db_rows(use) != 1)
			return NOTIFY_RETRY;
		if (!db_value(use, 0, 0)) {
			/* Recorded as sending before Twilio is asked: a crash after this is never
			 * resent. */
			*row = record(db, a, org_id, to, body, l, purpose, "queued", NULL);
			return *row ? NOTIFY_SENT : NOTIFY_RETRY;
		}
		status = strcmp(db_value(use, 0, 0), "limit") ? "skipped" : "limited";
		reason = db_value(use, 0, 1), outcome = NOTIFY_FAILED;
	}
	if (!record(db, a, org_id, to, body, l, purpose, status, reason))
		return NOTIFY_RETRY;
	snprintf(error, errlen, "%s", reason);
	return outcome;
}

enum notify_status notify_sms(struct db *db, struct arena *a, const char *org_id, const char *to,
			      const char *body, const struct notify_links *links,
			      const char *purpose, char *error, size_t errlen)
{
	static const struct notify_links no_links;
	const struct notify_links *l = links ? links : &no_links;
	const char *from = NULL, *row = NULL;
	struct twilio_result tw;
	struct twilio_account acct;

	snprintf(error, errlen, "could not record the message: the database is unavailable");
	if (db_begin_org(db, a, org_id) < 0)
		return NOTIFY_RETRY;
	enum notify_status outcome = decide(db, a, org_id, to, body, l, purpose, &from, &row, &acct,
					    error, errlen);
	if (outcome == NOTIFY_RETRY || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return NOTIFY_RETRY;
	}
	if (!row) {
		if (outcome != NOTIFY_SENT)
			log_info("text message not sent: %s", error);
		return outcome;
	}

	int rc = twilio_send_sms_as(a, &acct, from, to, body, &tw);
	const char *reason = NULL;
	if (rc == 0) {
		outcome = NOTIFY_SENT;
		*error = '\0';
	} else {
		outcome = tw.retryable ? NOTIFY_RETRY : NOTIFY_FAILED;
		reason = tw.code ? arena_printf(a, "%s (Twilio error %ld)", tw.message, tw.code)
				 : tw.http_status ? tw.message
				 : arena_printf(a, "could not reach Twilio: %s", tw.message);
		snprintf(error, errlen, "%s", reason);
	}
	if (db_begin_org(db, a, org_id) < 0 ||
	    db_exec(db, a, SQL_SETTLE, row, rc == 0 ? "sent" : "failed", reason,
		    rc == 0 ? tw.sid : NULL) != 1 || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		/* Left "queued", the row stops any later attempt from sending it again. */
		log_error("could not record a text message's outcome notification=%s sid=%s", row,
			  rc == 0 ? tw.sid : "-");
		return rc == 0 ? NOTIFY_SENT : NOTIFY_FAILED;
	}
	log_info("text message %s notification=%s sid=%s", rc == 0 ? "sent" : "failed", row,
		 rc == 0 ? tw.sid : "-");
	return outcome;
}

/* A key of the job's payload, when value is set. */
static void payload_set(json_t *payload, const char *key, const char *value)
{
	if (value)
		json_object_set_new(payload, key, json_string(value));
}

const char *notify_sms_enqueue(struct db *db, struct arena *a, const char *to, const char *body,
			       const char *purpose, const struct notify_links *links,
			       const char *dedupe_key)
{
	if (!to || !body)
		return NULL;
	json_t *payload = json_to_arena(a, json_pack("{s:s, s:s}", "to", to, "body", body));
	if (!payload)
		return NULL;
	payload_set(payload, "purpose", purpose);
	if (links) {
		payload_set(payload, "call_id", links->call_id);
		payload_set(payload, "appointment_id", links->appointment_id);
		payload_set(payload, "lead_id", links->lead_id);
	}
	return jobs_enqueue(db, a, "sms.send", payload, 0, dedupe_key);
}

/* An optional link of a job's payload: absent, or a uuid (*ok turns false when it is neither). */
static const char *payload_link(const json_t *payload, const char *key, bool *ok)
{
	const json_t *v = json_object_get(payload, key);
	const char *s = json_string_value(v);

	if (!v || json_is_null(v))
		return NULL;
	if (!s || strlen(s) != 36 || strspn(s, "0123456789abcdefABCDEF-") != 36)
		*ok = false;
	return s;
}

enum job_outcome notify_sms_for_job(struct db *db, struct arena *a, const struct job *job,
				    const char *to, const char *body,
				    const struct notify_links *links, const char *purpose,
				    char *error, size_t errlen)
{
	switch (notify_sms(db, a, job->org_id, to, body, links, purpose, error, errlen)) {
	case NOTIFY_SENT:
	case NOTIFY_LOGGED:
	case NOTIFY_SKIPPED:
		/* Done: the notifications row tells why a message was only logged or skipped. */
		*error = '\0';
		return JOB_DONE;
	case NOTIFY_FAILED:
		return JOB_FAILED;
	case NOTIFY_RETRY:
		break;
	}
	return JOB_RETRY;
}

enum job_outcome notify_sms_job(struct db *db, struct arena *a, const struct job *job,
				char *error, size_t errlen)
{
	const char *to = json_str(job->payload, "to"), *body = json_str(job->payload, "body");
	bool ok = true;
	struct notify_links links = {
		.call_id = payload_link(job->payload, "call_id", &ok),
		.appointment_id = payload_link(job->payload, "appointment_id", &ok),
		.lead_id = payload_link(job->payload, "lead_id", &ok),
		.job_id = job->id,
	};

	if (!to || !*to || !body || !*body || !ok) {
		snprintf(error, errlen, "the job needs a number (to), a message (body) and links that "
			 "are ids");
		return JOB_FAILED;
	}
	return notify_sms_for_job(db, a, job, to, body, &links, json_str(job->payload, "purpose"),
				  error, errlen);
}
