/* page-lead.c: one lead's page (details, calls, appointments, messages, notes, queued actions)
 * and what can be done from it: status, notes, a call-back, a text message */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "domain/callback.h"
#include "domain/notify.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

#define NOTE_MAX_CHARS 2000
#define MESSAGE_MAX_CHARS 480

/* Each column is named as lead.tpl's variable, in lower case. */
static const char SQL_LEAD[] =
	"SELECT l.id, coalesce(l.name, '') AS name, l.phone, coalesce(l.email, '') AS email, "
	"       coalesce(l.address, '') AS address, coalesce(s.name, '') AS service, l.status, "
	"       coalesce(l.temperature, '') AS temperature, "
	"       coalesce(l.score::text, '') AS score, l.value_cents, "
	"       coalesce(l.summary, '') AS summary, coalesce(l.notes, '') AS analysis_notes, "
	"       coalesce(" UI_SQL_DATE_TIME("l.last_contacted_at") ", '') AS last_contacted, "
	"       coalesce(" UI_SQL_DATE_TIME("l.callback_at") ", '') AS callback_at, "
	"       " UI_SQL_DATE_TIME("l.created_at") " AS created, "
	"       " UI_SQL_DATE_TIME("l.updated_at") " AS updated, "
	/* Appointments the customer did not come to, as the owner marked them. */
	"       (SELECT CASE count(*) WHEN 0 THEN '' WHEN 1 THEN '1 no-show' "
	"                ELSE count(*) || ' no-shows' END "
	"        FROM appointments a WHERE a.org_id = l.org_id AND a.lead_id = l.id "
	"          AND a.status = 'no_show') AS no_shows "
	"FROM leads l JOIN organizations o ON o.id = l.org_id "
	"LEFT JOIN services s ON s.org_id = l.org_id AND s.id = l.service_id "
	"WHERE l.id = $1";
static const char SQL_LEAD_PHONE[] = "SELECT phone FROM leads WHERE id = $1";
static const char SQL_LEAD_CALLS[] =
	"SELECT c.id, c.direction, c.status, "
	"       " UI_SQL_DATE_TIME("c.started_at") ", "
	"       coalesce(c.duration_seconds / 60 || ' min ' || c.duration_seconds % 60 || ' s', "
	"                ''), "
	"       coalesce(c.summary, ''), c.booked "
	"FROM calls c JOIN organizations o ON o.id = c.org_id "
	"WHERE c.org_id = $1 AND c.lead_id = $2 ORDER BY c.started_at DESC LIMIT 50";
static const char SQL_LEAD_APPOINTMENTS[] =
	"SELECT a.id, " UI_SQL_DATE_TIME("a.starts_at") ", "
	"       " UI_SQL_TIME("a.ends_at") ", a.status, "
	"       coalesce(s.name, ''), a.customer_name "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = $1 AND a.lead_id = $2 ORDER BY a.starts_at DESC LIMIT 50";
static const char SQL_LEAD_MESSAGES[] =
	"SELECT n.channel, coalesce(n.purpose, ''), n.to_address, n.body, n.status, "
	"       coalesce(n.error, ''), "
	"       " UI_SQL_DATE_TIME("n.created_at") " "
	"FROM notifications n JOIN organizations o ON o.id = n.org_id "
	"WHERE n.org_id = $1 AND n.lead_id = $2 ORDER BY n.created_at DESC LIMIT 50";
/* The texts the lead's number sent that a person reads (as on the Messages page), newest first. */
static const char SQL_LEAD_TEXTS[] =
	"SELECT m.body, " UI_SQL_DATE_TIME("m.created_at") ", "
	"       CASE m.kind WHEN 'reschedule_request' THEN 'asked to reschedule' "
	"                   WHEN 'cancel_request' THEN 'cancelled by text' ELSE '' END "
	"FROM inbound_messages m JOIN organizations o ON o.id = m.org_id "
	"WHERE m.org_id = $1 AND m.from_number = $2 "
	"  AND m.kind IN ('message', 'cancel_request', 'reschedule_request') "
	"ORDER BY m.created_at DESC LIMIT 50";
static const char SQL_LEAD_NOTES[] =
	"SELECT n.body, coalesce(u.email::text, 'a former team member'), "
	"       " UI_SQL_DATE_TIME("n.created_at") " "
	"FROM lead_notes n JOIN organizations o ON o.id = n.org_id "
	"LEFT JOIN users u ON u.org_id = n.org_id AND u.id = n.user_id "
	"WHERE n.org_id = $1 AND n.lead_id = $2 ORDER BY n.created_at DESC LIMIT 100";
static const char SQL_LEAD_JOBS[] =
	"SELECT j.kind, j.status, j.attempts, j.max_attempts, coalesce(j.last_error, ''), "
	"       coalesce(j.payload ->> 'body', ''), "
	"       " UI_SQL_DATE_TIME("j.created_at") ", "
	"       " UI_SQL_DATE_TIME("j.run_at") ", "
	"       coalesce(" UI_SQL_DATE_TIME("j.finished_at") ", ''), "
	"       j.run_at > now(), c.id, c.status, coalesce(c.ended_reason, ''), "
	"       m.status, coalesce(m.error, '') "
	"FROM jobs j JOIN organizations o ON o.id = j.org_id "
	/* What a text's job did: sent, or only logged or skipped and why (notify.c). */
	"LEFT JOIN LATERAL (SELECT n.status, n.error FROM notifications n "
	"                   WHERE n.org_id = j.org_id AND n.job_id = j.id "
	"                   ORDER BY n.created_at DESC LIMIT 1) m ON j.kind = 'sms.send' "
	/* A call-back's call row, named by its payload (only ever a uuid, but checked first). */
	"LEFT JOIN calls c ON c.org_id = j.org_id AND j.kind = 'lead.callback' "
	"  AND c.id = CASE WHEN j.payload ->> 'call_id' ~ "
	"                       '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "
	"                  THEN (j.payload ->> 'call_id')::uuid END "
	"WHERE j.org_id = $1 AND j.payload ? 'lead_id' AND j.payload ->> 'lead_id' = $2 "
	"  AND j.kind IN ('lead.callback', 'sms.send') "
	"ORDER BY j.created_at DESC LIMIT 50";

static const char SQL_SET_STATUS[] = "UPDATE leads SET status = $2 WHERE id = $1";
static const char SQL_ADD_NOTE[] =
	"INSERT INTO lead_notes (org_id, lead_id, user_id, body) VALUES ($1, $2, $3, $4)";
static const char SQL_OPTED_OUT[] =
	"SELECT 1 FROM opt_outs "
	"WHERE phone = $1 "
	"   OR regexp_replace(phone, '[^0-9]', '', 'g') = regexp_replace($1, '[^0-9]', '', 'g') "
	"LIMIT 1";

/* Where a call-back's call has got to: pending, initiated, then what the provider reported. */
static void job_call_fill(struct req *r, struct tpl_dict *call, const struct db_result *res,
			  int i)
{
	struct ui_status s = ui_status(r->arena, UI_CALL, db_value(res, i, 11));

	tpl_set(call, "CALL_ID", db_value(res, i, 10));
	tpl_set(call, "CALL_STATUS", s.value);
	tpl_set(call, "CALL_STATUS_LABEL", s.label);
	tpl_set(call, "CALL_BADGE", s.badge);
	if (*db_value(res, i, 12))
		tpl_set(tpl_section(call, "CALL_ENDED_REASON"), "ENDED_REASON",
			db_value(res, i, 12));
}

/* A queued action's state told as it is: nothing is called done before the runner did it. */
static void job_fill(struct req *r, struct tpl_dict *row, const struct db_result *res, int i)
{
	const char *kind = db_value(res, i, 0), *status = db_value(res, i, 1);
	const char *attempts = db_value(res, i, 2), *max_attempts = db_value(res, i, 3);
	const char *error = db_value(res, i, 4), *body = db_value(res, i, 5);
	const char *sent = db_value(res, i, 13), *why = db_value(res, i, 14);
	const char *state, *badge, *detail;

	tpl_set(row, "KIND_LABEL", !strcmp(kind, "sms.send") ? "Text message" : "Call back");
	tpl_set(row, "BODY", body);
	tpl_set(row, "CREATED", db_value(res, i, 6));
	if (!strcmp(status, "queued") && strcmp(attempts, "0")) {
		state = "Retrying";
		badge = "badge-warm";
		detail = arena_printf(r->arena, "Attempt %s of %s failed; next try %s", attempts,
				      max_attempts, db_value(res, i, 7));
	} else if (!strcmp(status, "queued")) {
		state = "Queued";
		badge = "badge-pending";
		detail = !strcmp(db_value(res, i, 9), "t")
			 ? arena_printf(r->arena, "Waits until %s", db_value(res, i, 7))
			 : "Waiting to be picked up; not carried out yet";
	} else if (!strcmp(status, "running")) {
		state = "Running";
		badge = "badge-in-progress";
		detail = "Being carried out now";
	} else if (!strcmp(status, "done") && sent && !strcmp(sent, "logged")) {
		/* The runner finished, but nothing reached the customer: never "Done". */
		state = "Logged, not sent";
		badge = "badge-warm";
		detail = *why ? arena_printf(r->arena, "Not sent: %s", why) : "Only logged; not sent";
	} else if (!strcmp(status, "done") && sent && !strcmp(sent, "skipped")) {
		state = "Skipped, not sent";
		badge = "badge-warm";
		detail = arena_printf(r->arena, "Not sent: %s", *why ? why : "skipped");
	} else if (!strcmp(status, "done")) {
		state = !strcmp(kind, "sms.send") && sent && !strcmp(sent, "sent") ? "Sent" : "Done";
		badge = "badge-ok";
		detail = arena_printf(r->arena, "Finished %s", db_value(res, i, 8));
	} else if (!strcmp(status, "failed")) {
		state = "Failed";
		badge = "badge-failed";
		detail = "Failed for good; it will not be tried again";
	} else {
		state = "Dead";
		badge = "badge-error";
		detail = arena_printf(r->arena, "Gave up after %s attempts", attempts);
	}
	tpl_set(row, "STATE_LABEL", state);
	tpl_set(row, "STATE_BADGE", badge);
	tpl_set(row, "DETAIL", detail);
	if (*error) {
		struct tpl_dict *e = tpl_section(row, "JOB_ERROR");
		tpl_set(e, "LAST_ERROR", error);
	}
	if (db_value(res, i, 10))
		job_call_fill(r, tpl_section(row, "JOB_CALL"), res, i);
}

/* The lead's related lists; -1 when one could not be read. */
static int lead_related_fill(struct req *r, struct tpl_dict *d, const char *phone)
{
	static const struct ui_status message_statuses[] = {
		{ "sent", NULL, "badge-ok" }, { "queued", NULL, "badge-pending" },
		{ "failed", NULL, "badge-failed" }, { "pending", NULL, "badge-pending" },
	};
	struct db_result *calls = db_q(r->db, r->arena, SQL_LEAD_CALLS, r->org_id, r->path_id);
	struct db_result *appts = db_q(r->db, r->arena, SQL_LEAD_APPOINTMENTS, r->org_id,
				       r->path_id);
	struct db_result *msgs = db_q(r->db, r->arena, SQL_LEAD_MESSAGES, r->org_id, r->path_id);
	struct db_result *notes = db_q(r->db, r->arena, SQL_LEAD_NOTES, r->org_id, r->path_id);
	struct db_result *jobs = db_q(r->db, r->arena, SQL_LEAD_JOBS, r->org_id, r->path_id);
	struct db_result *opted = db_q(r->db, r->arena, SQL_OPTED_OUT, phone);

	if (!calls || !appts || !msgs || !notes || !jobs || !opted)
		return -1;
	for (int i = 0; i < db_rows(calls); i++) {
		struct tpl_dict *row = tpl_section(d, "CALL");
		tpl_set(row, "ID", db_value(calls, i, 0));
		tpl_set(row, "DIRECTION", ui_label(r->arena, db_value(calls, i, 1)));
		ui_status_set(r->arena, row, "STATUS", UI_CALL, db_value(calls, i, 2));
		tpl_set(row, "STARTED", db_value(calls, i, 3));
		tpl_set(row, "DURATION", db_value(calls, i, 4));
		tpl_set(row, "SUMMARY", db_value(calls, i, 5));
		if (!strcmp(db_value(calls, i, 6), "t"))
			tpl_show(row, "BOOKED");
	}
	tpl_show(d, db_rows(calls) ? "HAS_CALLS" : "NO_CALLS");
	for (int i = 0; i < db_rows(appts); i++) {
		struct tpl_dict *row = tpl_section(d, "APPOINTMENT");
		tpl_set(row, "ID", db_value(appts, i, 0));
		tpl_set(row, "STARTS", db_value(appts, i, 1));
		tpl_set(row, "ENDS", db_value(appts, i, 2));
		ui_status_set(r->arena, row, "STATUS", UI_APPOINTMENT, db_value(appts, i, 3));
		tpl_set(row, "SERVICE", db_value(appts, i, 4));
		tpl_set(row, "CUSTOMER", db_value(appts, i, 5));
	}
	tpl_show(d, db_rows(appts) ? "HAS_APPOINTMENTS" : "NO_APPOINTMENTS");
	for (int i = 0; i < db_rows(msgs); i++) {
		struct tpl_dict *row = tpl_section(d, "NOTIFICATION");
		const char *status = db_value(msgs, i, 4), *badge = "badge-info";
		for (size_t k = 0; k < sizeof(message_statuses) / sizeof(message_statuses[0]); k++)
			if (!strcmp(status, message_statuses[k].value))
				badge = message_statuses[k].badge;
		tpl_set(row, "CHANNEL", !strcmp(db_value(msgs, i, 0), "sms") ? "SMS" : "Email");
		tpl_set(row, "PURPOSE", ui_label(r->arena, db_value(msgs, i, 1)));
		tpl_set(row, "TO", db_value(msgs, i, 2));
		tpl_set(row, "BODY", db_value(msgs, i, 3));
		tpl_set(row, "STATUS_LABEL", ui_label(r->arena, status));
		tpl_set(row, "STATUS_BADGE", badge);
		if (*db_value(msgs, i, 5)) {
			struct tpl_dict *e = tpl_section(row, "MESSAGE_ERROR");
			tpl_set(e, "ERROR", db_value(msgs, i, 5));
		}
		tpl_set(row, "CREATED", db_value(msgs, i, 6));
	}
	tpl_show(d, db_rows(msgs) ? "HAS_MESSAGES" : "NO_MESSAGES");
	for (int i = 0; i < db_rows(notes); i++) {
		struct tpl_dict *row = tpl_section(d, "NOTE");
		tpl_set(row, "BODY", db_value(notes, i, 0));
		tpl_set(row, "AUTHOR", db_value(notes, i, 1));
		tpl_set(row, "CREATED", db_value(notes, i, 2));
	}
	tpl_show(d, db_rows(notes) ? "HAS_NOTES" : "NO_NOTES");
	for (int i = 0; i < db_rows(jobs); i++)
		job_fill(r, tpl_section(d, "JOB"), jobs, i);
	tpl_show(d, db_rows(jobs) ? "HAS_JOBS" : "NO_JOBS");
	if (db_rows(opted))
		tpl_show(d, "OPTED_OUT");
	return 0;
}

/*
 * Why the business cannot place a call-back now, next to the button, with a link to the
 * settings that fix it. Returns 0 (also when calls can be placed), or -1 on a database error.
 */
static int callback_problem_fill(struct req *r, struct tpl_dict *d)
{
	struct callback_setup setup;

	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) < 0)
		return -1;
	if (setup.problem) {
		struct tpl_dict *p = tpl_section(d, "CALLBACK_PROBLEM");
		tpl_set(p, "PROBLEM", setup.problem);
		tpl_set(p, "FIX_URL", setup.fix_url);
		tpl_set(p, "FIX_LABEL", setup.fix_label);
	}
	return 0;
}

/*
 * Render the page of lead r->path_id into d with status: 404 when the organization has no
 * such lead. Form values and errors already in d are shown with their forms.
 */
static void lead_show(struct req *r, struct tpl_dict *d, int status)
{
	/* SQL_LEAD's columns and their variables; an optional one shows only when the lead has
	 * it. */
	static const struct { const char *column, *var; bool optional; } fields[] = {
		{ "id", "ID", false }, { "name", "NAME", false }, { "phone", "PHONE", false },
		{ "email", "EMAIL", true }, { "address", "ADDRESS", true },
		{ "service", "SERVICE", true }, { "status", "STATUS", false },
		{ "temperature", "TEMPERATURE", false }, { "score", "SCORE", true },
		{ "summary", "SUMMARY", true }, { "analysis_notes", "ANALYSIS_NOTES", true },
		{ "last_contacted", "LAST_CONTACTED", true }, { "callback_at", "CALLBACK_AT", true },
		{ "created", "CREATED", false }, { "updated", "UPDATED", false },
		{ "no_shows", "NO_SHOWS", true },
	};
	struct db_result *lead = ui_one(r, "lead", "loaded", SQL_LEAD, r->path_id);

	if (!lead)
		return;
	for (size_t c = 0; c < sizeof(fields) / sizeof(fields[0]); c++) {
		const char *value = db_field(lead, 0, fields[c].column);
		tpl_set(d, fields[c].var, value);
		if (fields[c].optional && *value)
			tpl_show(d, arena_printf(r->arena, "HAS_%s", fields[c].var));
	}
	const char *value = ui_money_text(r->arena, db_field(lead, 0, "value_cents"));
	tpl_set(d, "VALUE", value);
	if (*value)
		tpl_show(d, "HAS_VALUE");
	const char *name = db_field(lead, 0, "name"), *phone = db_field(lead, 0, "phone");
	const char *lead_status = db_field(lead, 0, "status");
	const char *temperature = db_field(lead, 0, "temperature");
	tpl_set(d, "TITLE_NAME", *name ? name : phone);
	ui_status_set(r->arena, d, "STATUS", UI_LEAD, lead_status);
	if (*temperature)
		ui_status_set(r->arena, tpl_section(d, "HAS_TEMPERATURE"), "TEMPERATURE",
			      UI_TEMPERATURE, temperature);
	ui_status_options(d, "STATUS_OPTION", UI_LEAD, lead_status);
	tpl_set(d, "CSRF", r->csrf);
	if (callback_problem_fill(r, d) < 0 || lead_related_fill(r, d, phone) < 0) {
		http_fail(r, 503, "the lead could not be loaded; please try again");
		return;
	}
	/* The texts the lead sent (cgi/page-messages.c lists every business text). */
	struct db_result *texts = db_q(r->db, r->arena, SQL_LEAD_TEXTS, r->org_id, phone);
	if (!texts) {
		http_fail(r, 503, "the lead could not be loaded; please try again");
		return;
	}
	tpl_show(d, db_rows(texts) ? "HAS_TEXTS" : "NO_TEXTS");
	for (int i = 0; i < db_rows(texts); i++) {
		struct tpl_dict *row = tpl_section(d, "TEXT");
		tpl_set(row, "TEXT_BODY", db_value(texts, i, 0));
		tpl_set(row, "TEXT_RECEIVED", db_value(texts, i, 1));
		if (*db_value(texts, i, 2))
			tpl_set(tpl_section(row, "TEXT_KIND"), "KIND_LABEL", db_value(texts, i, 2));
	}
	page_render(r, status, *name ? name : phone, NAV_LEADS, "lead.tpl", d);
}

void page_lead_show(struct req *r)
{
	lead_show(r, page_dict(r), 200);
}

/*
 * Begins the form of an action on this lead: sets *d to the page's dictionary and f to its form.
 * Returns the lead's phone (arena), or NULL after answering 404 (or 503).
 */
static const char *lead_form_begin(struct req *r, struct form *f, struct tpl_dict **d)
{
	*d = page_dict(r);
	struct db_result *res = ui_one(r, "lead", "loaded", SQL_LEAD_PHONE, r->path_id);

	if (!res)
		return NULL;
	form_begin(f, r, *d);
	return db_value(res, 0, 0);
}

/* True after showing the lead again with the form's errors (422) when the form has any. */
static bool lead_form_refused(struct req *r, struct form *f, struct tpl_dict *d)
{
	if (form_ok(f))
		return false;
	lead_show(r, d, 422);
	return true;
}

static void lead_redirect(struct req *r, const char *flash)
{
	page_flash(r, "ok", flash);
	http_redirect(r, arena_printf(r->arena, "/leads/%s", r->path_id));
}

void page_lead_status(struct req *r)
{
	struct tpl_dict *d;
	struct form f;

	if (!lead_form_begin(r, &f, &d))
		return;
	const char *status = form_text(&f, "status");
	if (!ui_status_known(UI_LEAD, status)) {
		form_error(&f, "status", "choose one of the statuses in the list");
		lead_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SET_STATUS, r->path_id, status) != 1 ||
	    ui_audit(r, "lead.status", r->path_id, json_pack("{s:s}", "status", status)) < 0) {
		http_fail(r, 503, "the status could not be saved; please try again");
		return;
	}
	lead_redirect(r, arena_printf(r->arena, "Status changed to %s.",
				      ui_status(r->arena, UI_LEAD, status).label));
}

void page_lead_note(struct req *r)
{
	struct tpl_dict *d;
	struct form f;

	if (!lead_form_begin(r, &f, &d))
		return;
	const char *body = form_text(&f, "note_body");
	if (form_required(&f, "note_body", body, "A note"))
		form_max_length(&f, "note_body", body, NOTE_MAX_CHARS);
	if (lead_form_refused(r, &f, d))
		return;
	if (db_exec(r->db, r->arena, SQL_ADD_NOTE, r->org_id, r->path_id, r->user_id, body) != 1) {
		http_fail(r, 503, "the note could not be saved; please try again");
		return;
	}
	lead_redirect(r, "Note added.");
}

/* Queue a text to this lead with the message body; the job runner carries it out. */
static int lead_enqueue(struct req *r, const char *phone, const char *body)
{
	struct notify_links links = { .lead_id = r->path_id };

	if (!notify_sms_enqueue(r->db, r->arena, phone, body, NULL, &links, NULL)) {
		http_fail(r, 503, "the action could not be queued; please try again");
		return -1;
	}
	log_info("lead action queued kind=sms.send lead=%s", r->path_id);
	return 0;
}

void page_lead_callback(struct req *r)
{
	struct tpl_dict *d;
	struct form f;
	const char *phone = lead_form_begin(r, &f, &d);

	if (!phone)
		return;
	const char *body = form_text(&f, "callback_body");
	if (form_max_length(&f, "callback_body", body, MESSAGE_MAX_CHARS) &&
	    !ui_phone_reachable(phone))
		form_error(&f, "callback_body", "this lead's number cannot be called back");
	if (lead_form_refused(r, &f, d))
		return;
	struct callback_setup setup;
	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) < 0) {
		http_fail(r, 503, "the call-back could not be checked; please try again");
		return;
	}
	/* A call that can never be placed is not queued: the page says what to set up first. */
	if (setup.problem) {
		lead_show(r, d, 422);
		return;
	}
	if (!callback_request(r->db, r->arena, r->org_id, &setup, r->path_id, phone, body)) {
		http_fail(r, 503, "the call-back could not be queued; please try again");
		return;
	}
	lead_redirect(r, "Call-back queued. Its progress shows under Actions.");
}

void page_lead_sms(struct req *r)
{
	struct tpl_dict *d;
	struct form f;
	const char *phone = lead_form_begin(r, &f, &d);

	if (!phone)
		return;
	const char *body = form_text(&f, "sms_body");
	if (form_required(&f, "sms_body", body, "A message") &&
	    form_max_length(&f, "sms_body", body, MESSAGE_MAX_CHARS) && !ui_phone_reachable(phone))
		form_error(&f, "sms_body", "this lead's number cannot receive text messages");
	if (form_ok(&f)) {
		struct db_result *opted = db_q(r->db, r->arena, SQL_OPTED_OUT, phone);
		if (!opted) {
			http_fail(r, 503, "the message could not be checked; please try again");
			return;
		}
		if (db_rows(opted))
			form_error(&f, "sms_body", "this number has opted out of text messages "
				   "(it replied STOP), so nothing was sent");
	}
	if (lead_form_refused(r, &f, d))
		return;
	if (lead_enqueue(r, phone, body) < 0)
		return;
	lead_redirect(r, "Text message queued. Its progress shows under Actions.");
}

