/* mail.c: queueing a business's email, and the job that sends it over SMTP */
#include "domain/mail.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <time.h>

#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/mime.h"
#include "infra/smtp.h"
#include "infra/text.h"

/*
 * The message is filed under org_id: a transaction already showing that organization keeps
 * it, one showing none (a signed-out page, such as a password reset) takes it for the queueing
 * and gives it back, and one showing another organization is refused. With no transaction
 * open, the message is queued and committed on its own.
 */
static const char SQL_ORG_NOW[] = "SELECT coalesce(current_setting('app.org_id', true), '')";
static const char SQL_ORG_SET[] = "SELECT set_config('app.org_id', $1, true)";

/* A key of the job's payload, when value is set. */
static void payload_set(json_t *payload, const char *key, const char *value)
{
	if (value)
		json_object_set_new(payload, key, json_string(value));
}

/*
 * A message carrying a one-time secret (a reset or verification link) is sealed as the provider
 * secrets are, bound to the business and the recipient, so the link is never readable in the
 * jobs table or a backup of it; its notifications row keeps this instead of the text.
 */
static const char SEAL_PROVIDER[] = "mail";
static const char SECRET_NOT_KEPT[] = "(contains a one-time link; not kept)";

/* Put m's text and HTML into payload: sealed as "sealed" for a secret_link message. 0 or -1. */
static int payload_body(json_t *payload, struct arena *a, const char *org_id,
			const struct mail_message *m)
{
	if (!m->secret_link) {
		payload_set(payload, "text", m->text);
		payload_set(payload, "html", m->html);
		return 0;
	}
	json_t *body = json_to_arena(a, json_pack("{s:s}", "text", m->text));
	if (!body)
		return -1;
	payload_set(body, "html", m->html);
	const char *sealed = credential_seal(a, org_id, SEAL_PROVIDER, m->to, json_text(a, body));
	if (!sealed) {
		log_error("could not queue an email that carries a one-time link: it could not be "
			  "sealed (ENCRYPTION_KEY must be 64 hex digits)");
		return -1;
	}
	payload_set(payload, "sealed", sealed);
	return 0;
}

const char *mail_enqueue(struct db *db, struct arena *a, const char *org_id,
			 const struct mail_message *m, const char *dedupe_key)
{
	return mail_enqueue_later(db, a, org_id, m, 0, dedupe_key);
}

const char *mail_enqueue_later(struct db *db, struct arena *a, const char *org_id,
			       const struct mail_message *m, long delay_seconds,
			       const char *dedupe_key)
{
	if (!org_id || !text_is_uuid(org_id) || !m || !m->to || !*m->to || !m->subject ||
	    !m->text) {
		log_error("could not queue an email: it needs an organization, a recipient, a "
			  "subject and a text");
		return NULL;
	}
	json_t *payload = json_to_arena(a, json_pack("{s:s, s:s, s:b}", "to", m->to,
						     "subject", m->subject,
						     "unsubscribable", m->unsubscribable));
	if (!payload || payload_body(payload, a, org_id, m) < 0)
		return NULL;
	payload_set(payload, "purpose", m->purpose);
	payload_set(payload, "call_id", m->call_id);
	payload_set(payload, "lead_id", m->lead_id);
	payload_set(payload, "appointment_id", m->appointment_id);

	/* No transaction open: the message is queued in one of its own, committed at once. */
	if (!db_in_transaction(db)) {
		if (db_begin_org(db, a, org_id) < 0)
			return NULL;
		const char *id = jobs_enqueue(db, a, "mail.send", payload, delay_seconds,
					      dedupe_key);
		if (!id || db_commit(db) < 0) {
			if (db_in_transaction(db))
				db_rollback(db);
			return NULL;
		}
		return id;
	}
	const char *before = db_text(db, a, SQL_ORG_NOW);
	if (!before)
		return NULL;
	if (*before && strcmp(before, org_id)) {
		log_error("could not queue an email: the transaction belongs to another business");
		return NULL;
	}
	if (!*before && !db_text(db, a, SQL_ORG_SET, org_id))
		return NULL;
	const char *id = jobs_enqueue(db, a, "mail.send", payload, delay_seconds, dedupe_key);
	if (!*before && !db_text(db, a, SQL_ORG_SET, ""))
		return NULL;
	return id;
}

/*
 * What the sending needs, in one statement of the organization's transaction: how the
 * business signs its mail, whether the recipient asked for no more of it, and an attempt of the
 * same job that already settled the message or is sending it.
 */
static const char SQL_FACTS[] =
	"SELECT coalesce(o.mail_sender_name, o.name), o.mail_reply_to, "
	"       EXISTS (SELECT 1 FROM mail_unsubscribes u "
	"               WHERE u.org_id = o.id AND u.address = lower($2)), "
	"       earlier.id, earlier.status, coalesce(earlier.error, ''), o.name "
	"FROM organizations o "
	"LEFT JOIN LATERAL (SELECT id, status, error FROM notifications m "
	"                   WHERE m.org_id = o.id AND m.job_id = $3::uuid AND m.status <> 'failed' "
	"                   LIMIT 1) earlier ON true "
	"WHERE o.id = $1";
static const char SQL_RECORD[] =
	"INSERT INTO notifications (org_id, channel, purpose, to_address, subject, body, status, "
	"                           error, call_id, appointment_id, lead_id, job_id) "
	"VALUES ($1, 'email', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
static const char SQL_SETTLE[] =
	"UPDATE notifications SET status = $2, error = $3, provider_message_id = $4, "
	"       sent_at = CASE WHEN $2 = 'sent' THEN now() END "
	"WHERE id = $1";
static const char SQL_LINK[] =
	"INSERT INTO mail_unsubscribe_links (token_hash, org_id, address) VALUES ($1, $2, lower($3))";

static const char UNSUBSCRIBED[] = "the address asked for no more email from this business";
static const char NO_RELAY[] = "no mail relay is set up (SMTP_URL); nothing was sent";
static const char INTERRUPTED[] =
	"an earlier attempt stopped while sending; not sent again, so it cannot arrive twice";

/* One message as the job's payload describes it. */
struct outgoing {
	struct mail_message m;
	const char *row;              /* its notifications row, once recorded */
	const char *unsubscribe_url;  /* set when the message may be unsubscribed from */
	const char *sender, *reply_to, *business;
};

/* An optional link of the payload: absent, or a uuid (*ok turns false when it is neither). */
static const char *payload_link(const json_t *payload, const char *key, bool *ok)
{
	const json_t *v = json_object_get(payload, key);
	const char *s = json_string_value(v);

	if (!v || json_is_null(v))
		return NULL;
	if (!text_is_uuid(s))
		*ok = false;
	return s;
}

static const char *record(struct db *db, struct arena *a, const char *org_id,
			  const struct outgoing *o, const char *job_id, const char *status,
			  const char *reason)
{
	const char *body = o->m.secret_link ? SECRET_NOT_KEPT : o->m.text;

	return db_text(db, a, SQL_RECORD, org_id, o->m.purpose, o->m.to, o->m.subject, body,
		       status, reason, o->m.call_id, o->m.appointment_id, o->m.lead_id, job_id);
}

/* The outcome an earlier attempt of the same job left stands; nothing is resent. */
static enum job_outcome earlier_attempt(struct db *db, struct arena *a, const char *id,
					const char *status, char *error, size_t errlen)
{
	log_info("email already handled by an earlier attempt notification=%s status=%s", id,
		 status);
	if (strcmp(status, "queued")) {
		*error = '\0';
		return JOB_DONE;
	}
	/* Still "queued": that attempt died between talking to the relay and hearing back. */
	if (db_exec(db, a, SQL_SETTLE, id, "failed", INTERRUPTED, NULL) != 1)
		return JOB_RETRY;
	snprintf(error, errlen, "%s", INTERRUPTED);
	return JOB_FAILED;
}

/*
 * Decide, in the organization's transaction, whether the message goes out: JOB_RETRY with
 * o->row set means "send it now"; any other outcome is final (recorded, or an earlier attempt's).
 */
static enum job_outcome decide(struct db *db, struct arena *a, const struct job *job,
			       struct outgoing *o, char *error, size_t errlen)
{
	struct db_result *facts = db_q(db, a, SQL_FACTS, job->org_id, o->m.to, job->id);
	const char *status = NULL, *reason = NULL;

	if (!facts || db_rows(facts) != 1)
		return JOB_RETRY;
	if (db_value(facts, 0, 3))
		return earlier_attempt(db, a, db_value(facts, 0, 3), db_value(facts, 0, 4), error,
				       errlen);
	o->sender = db_value(facts, 0, 0);
	o->reply_to = db_value(facts, 0, 1);
	o->business = db_value(facts, 0, 6);
	const char *relay = conf_str("SMTP_URL");
	if (o->m.unsubscribable && !strcmp(db_value(facts, 0, 2), "t"))
		status = "skipped", reason = UNSUBSCRIBED;
	else if (!relay || !*relay)
		status = "logged", reason = NO_RELAY;
	if (status) {
		if (!record(db, a, job->org_id, o, job->id, status, reason))
			return JOB_RETRY;
		log_info("email not sent: %s", reason);
		*error = '\0';
		return JOB_DONE;
	}
	/* Recorded as sending before the relay is asked: a crash after this is never resent. */
	o->row = record(db, a, job->org_id, o, job->id, "queued", NULL);
	if (!o->row)
		return JOB_RETRY;
	if (o->m.unsubscribable) {
		const char *token = crypto_token_hex(a, 32);
		if (db_exec(db, a, SQL_LINK, crypto_sha256_hex(a, token), job->org_id,
			    o->m.to) != 1)
			return JOB_RETRY;
		o->unsubscribe_url = arena_printf(a, "%s/u/%s", conf_str("PUBLIC_BASE_URL"), token);
	}
	return JOB_RETRY;
}

/* The text and HTML with the unsubscribe line at their end, when there is one. */
static void add_footer(struct arena *a, struct outgoing *o, const char **text, const char **html)
{
	*text = o->m.text;
	*html = o->m.html;
	if (!o->unsubscribe_url)
		return;
	*text = arena_printf(a, "%s\n\n-- \nYou get this email from %s. To get no more: %s\n",
			     o->m.text, o->business, o->unsubscribe_url);
	if (!o->m.html)
		return;
	struct buf b = BUF_INIT;
	const char *end = strstr(o->m.html, "</body>");
	size_t before = end ? (size_t)(end - o->m.html) : strlen(o->m.html);
	buf_add(&b, o->m.html, before);
	buf_puts(&b, "<p style=\"color:#666;font-size:12px\">You get this email from ");
	buf_add_html(&b, o->business);
	buf_puts(&b, ". <a href=\"");
	buf_add_html(&b, o->unsubscribe_url);
	buf_puts(&b, "\">Unsubscribe</a></p>");
	buf_puts(&b, o->m.html + before);
	*html = arena_strdup(a, buf_str(&b));
	buf_release(&b);
}

/* Hand the message to the relay; the outcome for the job, with the relay's reason in error. */
static enum job_outcome deliver(struct arena *a, struct outgoing *o, const char *message_id,
				char *error, size_t errlen)
{
	const char *text, *html;
	add_footer(a, o, &text, &html);
	struct mime_message mm = {
		.from_name = o->sender,
		.from_address = conf_str("SMTP_FROM"),
		.reply_to = o->reply_to,
		.to = o->m.to,
		.subject = o->m.subject,
		.text = text,
		.html = html,
		.message_id = message_id,
		.date = time(NULL),
		.unsubscribe_url = o->unsubscribe_url,
		.boundary_seed = crypto_token_hex(a, 12),
	};
	const char *message = mime_build(a, &mm);
	if (!message) {
		snprintf(error, errlen, "the message could not be built: an address is not valid "
			 "(SMTP_FROM, the reply-to or the recipient)");
		return JOB_FAILED;
	}
	struct smtp_request req = {
		.url = conf_str("SMTP_URL"),
		.user = conf_str("SMTP_USER"),
		.password = conf_str("SMTP_PASSWORD"),
		.ca_file = conf_str("SMTP_CA_FILE"),
		.envelope_from = conf_str("SMTP_FROM"),
		.rcpt = o->m.to,
		.message = message,
		.connect_timeout_ms = conf_int("SMTP_CONNECT_TIMEOUT_MS"),
		.timeout_ms = conf_int("SMTP_TIMEOUT_MS"),
		.response_timeout_ms = conf_int("SMTP_RESPONSE_TIMEOUT_MS"),
	};
	struct smtp_result res;
	if (smtp_send(&req, &res) == 0) {
		*error = '\0';
		return JOB_DONE;
	}
	snprintf(error, errlen, "%s", res.message);
	return res.retryable ? JOB_RETRY : JOB_FAILED;
}

/*
 * The text and HTML of a secret_link message, opened from the payload's "sealed" into *m.
 * Returns 0, or -1 when it does not open: sealed with a key no longer configured, changed, or
 * not this business's message to this recipient.
 */
static int open_sealed(struct arena *a, const struct job *job, struct mail_message *m)
{
	const char *sealed = json_str(job->payload, "sealed");
	char reason[160];

	if (!sealed)
		return -1;
	const char *plain = credential_open(a, job->org_id, SEAL_PROVIDER, m->to, sealed, NULL);
	const json_t *body = plain ? json_parse(a, plain, strlen(plain), reason, sizeof(reason)) :
			     NULL;
	if (!body)
		return -1;
	m->text = json_str(body, "text");
	m->html = json_str(body, "html");
	return 0;
}

enum job_outcome mail_send_job(struct db *db, struct arena *a, const struct job *job,
			       char *error, size_t errlen)
{
	bool ok = true;
	struct outgoing o = {
		.m = {
			.to = json_str(job->payload, "to"),
			.subject = json_str(job->payload, "subject"),
			.text = json_str(job->payload, "text"),
			.html = json_str(job->payload, "html"),
			.purpose = json_str(job->payload, "purpose"),
			.unsubscribable = json_bool(job->payload, "unsubscribable", false),
			.call_id = payload_link(job->payload, "call_id", &ok),
			.lead_id = payload_link(job->payload, "lead_id", &ok),
			.appointment_id = payload_link(job->payload, "appointment_id", &ok),
			.secret_link = json_object_get(job->payload, "sealed") != NULL,
		},
	};

	if (o.m.secret_link && mime_address_ok(o.m.to) && open_sealed(a, job, &o.m) < 0) {
		snprintf(error, errlen, "the sealed text of the message does not open: it was sealed "
			 "with a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_OLD, or "
			 "changed; nothing was sent");
		return JOB_FAILED;
	}
	if (!mime_address_ok(o.m.to) || !o.m.subject || !o.m.text || !ok) {
		snprintf(error, errlen, "the job needs one valid address (to), a subject, a text and "
			 "links that are ids");
		return JOB_FAILED;
	}
	snprintf(error, errlen, "could not record the email: the database is unavailable");
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	enum job_outcome outcome = decide(db, a, job, &o, error, errlen);
	if ((outcome == JOB_RETRY && !o.row) || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return JOB_RETRY;
	}
	if (!o.row)
		return outcome;

	const char *message_id = arena_printf(a, "%s@%s", o.row, conf_str("MAIL_DOMAIN"));
	outcome = deliver(a, &o, message_id, error, errlen);
	if (db_begin_org(db, a, job->org_id) < 0 ||
	    db_exec(db, a, SQL_SETTLE, o.row, outcome == JOB_DONE ? "sent" : "failed",
		    outcome == JOB_DONE ? NULL : error,
		    outcome == JOB_DONE ? message_id : NULL) != 1 || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		/* Left "queued", the row stops any later attempt from sending it again. */
		log_error("could not record an email's outcome notification=%s", o.row);
		return outcome == JOB_DONE ? JOB_DONE : JOB_FAILED;
	}
	log_info("email %s notification=%s%s%s", outcome == JOB_DONE ? "sent" :
		 outcome == JOB_RETRY ? "not sent yet" : "failed", o.row,
		 outcome == JOB_DONE ? "" : " reason=", outcome == JOB_DONE ? "" : error);
	return outcome;
}
