/* hook-twilio-sms.c: texts customers send to a business's number (PROTOCOLS.md §4.5): STOP and
 * START recorded per business and number, HELP answered, C and R to a confirmation or reminder
 * acted on (R offers free times, and 1, 2 or 3 takes one), and everything else kept for the
 * owner */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "domain/booking.h"
#include "domain/reschedule_text.h"
#include "hook-event.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "page.h"
#include "pages.h"
#include "req.h"

static const char TWIML_TYPE[] = "text/xml; charset=utf-8";
static const char TWIML_HEAD[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

static const char SQL_ORG_FOR_NUMBER[] =
	"SELECT org_id, phone_number_id FROM org_for_number($1)";
static const char SQL_OPT_OUT[] =
	"INSERT INTO opt_outs (org_id, phone, reason) VALUES ($1, $2, $3) "
	"ON CONFLICT (org_id, phone) DO NOTHING";
/* Texts refuse a number whose digits match an opt-out (lib/domain/notify.c): so does START. */
static const char SQL_OPT_IN[] =
	"DELETE FROM opt_outs WHERE org_id = $1 AND (phone = $2 "
	"  OR (regexp_replace($2, '[^0-9]', '', 'g') <> '' AND "
	"      regexp_replace(phone, '[^0-9]', '', 'g') = regexp_replace($2, '[^0-9]', '', 'g')))";
static const char SQL_ORG_NAME[] =
	"SELECT name FROM organizations WHERE id = $1";
/* "C" or "R" answers the latest confirmation or reminder texted to that number, if any. */
static const char SQL_ANSWERED_TEXT[] =
	"SELECT coalesce(appointment_id::text, '') FROM notifications "
	"WHERE org_id = $1 AND channel = 'sms' AND to_address = $2 "
	"  AND purpose IN ('confirmation', 'reminder') AND status IN ('sent', 'logged') "
	"  AND created_at > now() - interval '30 days' "
	"ORDER BY created_at DESC LIMIT 1";
/* The appointment a "C" or "R" is about, in the customer's words, when it is still to come:
 * its service, its local day and time, and whether it is still open. */
static const char SQL_ANSWERED_APPOINTMENT[] =
	"SELECT coalesce(nullif(s.name, ''), 'appointment'), "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'Dy, Mon FMDD \"at\" FMHH12:MI AM'), "
	"       a.status IN ('scheduled', 'confirmed') "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = $1 AND a.id = $2::uuid AND a.starts_at > now() "
	"  AND a.status IN ('scheduled', 'confirmed', 'cancelled')";
static const char SQL_KEEP[] =
	"INSERT INTO inbound_messages (org_id, phone_number_id, provider, provider_message_id, "
	"                              from_number, to_number, body, num_media, kind, "
	"                              appointment_id) "
	"VALUES ($1, $2, 'twilio', $3, $4, $5, $6, $7::int, $8, nullif($9, '')::uuid) "
	"ON CONFLICT (provider, provider_message_id) DO NOTHING";

/* The longest body kept: a concatenated text is at most 1600 characters. */
#define BODY_MAX_CHARS 1600

/* Twilio's built-in keywords (single-word bodies only), and what each means. */
static const struct {
	const char *word;
	const char *kind;
} keywords[] = {
	{ "STOP", "opt_out" }, { "STOPALL", "opt_out" }, { "UNSUBSCRIBE", "opt_out" },
	{ "CANCEL", "opt_out" }, { "END", "opt_out" }, { "QUIT", "opt_out" },
	{ "REVOKE", "opt_out" }, { "OPTOUT", "opt_out" },
	{ "START", "opt_in" }, { "YES", "opt_in" }, { "UNSTOP", "opt_in" },
	{ "HELP", "help" }, { "INFO", "help" },
};

/* body without the spaces around it, arena-owned. */
static const char *trimmed(struct arena *a, const char *body)
{
	while (isspace((unsigned char)*body))
		body++;
	size_t len = strlen(body);
	while (len && isspace((unsigned char)body[len - 1]))
		len--;
	return arena_strndup(a, body, len);
}

/* What the text is: a keyword's kind, a one-letter answer, or a message. OptOutType, which
 * Twilio adds for a Messaging Service with Advanced Opt-Out, wins. */
static const char *text_kind(const char *word, const char *opt_out_type)
{
	if (opt_out_type && !strcasecmp(opt_out_type, "STOP"))
		return "opt_out";
	if (opt_out_type && !strcasecmp(opt_out_type, "START"))
		return "opt_in";
	if (opt_out_type && !strcasecmp(opt_out_type, "HELP"))
		return "help";
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcasecmp(word, keywords[i].word))
			return keywords[i].kind;
	if (!strcasecmp(word, "C"))
		return "cancel_request";
	if (!strcasecmp(word, "R"))
		return "reschedule_request";
	if (!strcmp(word, "1") || !strcmp(word, "2") || !strcmp(word, "3"))
		return "reschedule_choice";
	return "message";
}

/* The number of pictures, 0 to 10 (Twilio's limit); 0 when NumMedia is missing or odd. */
static const char *media_count(const char *n)
{
	return n && *n && strlen(n) <= 2 && strspn(n, "0123456789") == strlen(n) && atoi(n) <= 10
		? n : "0";
}

static const char *twiml_message(struct arena *a, const char *text)
{
	return arena_printf(a, "%s<Response><Message>%s</Message></Response>", TWIML_HEAD,
			    hook_xml(a, text));
}

/* The audit detail of a change the customer made by text: who, and which text. */
static const char *by_text(struct req *r, const char *sid)
{
	json_t *detail = json_pack("{s:s, s:s}", "by", "customer text", "message_sid", sid);
	return json_text(r->arena, json_to_arena(r->arena, detail));
}

/*
 * Act on a "C" (cancel_request) or "R" (reschedule_request) answering the confirmation or
 * reminder of appointment (what: its SQL_ANSWERED_APPOINTMENT row) and set *reply. C cancels it as
 * the dashboard's Cancel does (an appointment cancelled already gets the same answer, so a text
 * sent twice reads alike); R offers the nearest free times, which a "1", "2" or "3" takes, and
 * the owner sees the request on the Messages page. Returns 0, or -1 on a database error.
 */
static int answer_letter(struct req *r, const char *org_id, const char *sid, const char *kind,
			 const char *appointment, struct db_result *what, const char *from,
			 const char *to, const char **reply)
{
	const char *service = db_value(what, 0, 0), *when = db_value(what, 0, 1);
	bool open = !strcmp(db_value(what, 0, 2), "t");

	if (!strcmp(kind, "reschedule_request")) {
		if (open)
			return reschedule_text_offer(r->db, r->arena, org_id, appointment, from, to,
						     reply);
		*reply = arena_printf(r->arena, "Your %s on %s is cancelled. Call us at %s to book "
				      "again.", service, when, to);
		return 0;
	}
	if (open && booking_cancel(r->db, r->arena, org_id, appointment, NULL,
				   by_text(r, sid)) < 0)
		return -1;
	*reply = arena_printf(r->arena, "Your %s on %s is cancelled. Call us at %s to book again.",
			      service, when, to);
	return 0;
}

/*
 * Record the text for org_id and say what to answer (a TwiML document). NULL after an error
 * answer. Opt-outs and opt-ins get no reply of ours: Twilio's own confirmation already goes out
 * on long codes and toll-free numbers.
 */
static const char *take_text(struct req *r, const char *org_id, const char *number_id,
			     const char *sid, const char *from, const char *to)
{
	const char *raw = req_form(r, "Body");
	const char *body = raw ? raw : "";
	size_t cut = text_utf8_prefix_chars(body, BODY_MAX_CHARS);
	body = arena_strndup(r->arena, body, cut);
	const char *word = trimmed(r->arena, body);
	const char *kind = text_kind(word, req_form(r, "OptOutType"));
	const char *appointment = "";
	const char *reply = NULL;

	if (!strcmp(kind, "cancel_request") || !strcmp(kind, "reschedule_request")) {
		appointment = db_text(r->db, r->arena, SQL_ANSWERED_TEXT, org_id, from);
		if (!appointment && *db_sqlstate(r->db))
			goto fail;
		bool named = appointment && *appointment;
		struct db_result *what = named ? db_q(r->db, r->arena, SQL_ANSWERED_APPOINTMENT,
						      org_id, appointment) : NULL;
		if (named && !what)
			goto fail;
		/* A lone letter that answers nothing of ours, or an appointment that is over or
		 * gone, is just a message. */
		if (!what || !db_rows(what)) {
			kind = "message";
			appointment = "";
		} else if (answer_letter(r, org_id, sid, kind, appointment, what, from, to,
					 &reply) < 0) {
			goto fail;
		}
	}
	if (!strcmp(kind, "reschedule_choice")) {
		struct reschedule_text_choice choice;
		/* The move commits in a transaction of its own; the event stays recorded (and
		 * this text's lock held) meanwhile. */
		if (db_commit(r->db) < 0)
			goto fail;
		int taken = reschedule_text_choose(r->db, r->arena, org_id, from, atoi(word), to,
						   by_text(r, sid), &choice);
		if (taken < 0)
			goto fail;
		if (hook_event_transaction(r, org_id) < 0)
			return NULL;
		if (taken == 0) {
			kind = "message";
		} else {
			/* A digit that moved nothing (a time taken meanwhile) is still a
			 * request. */
			kind = choice.moved ? "reschedule_choice" : "reschedule_request";
			appointment = choice.appointment_id;
			reply = choice.reply;
		}
	}
	if (!strcmp(kind, "opt_out") &&
	    db_exec(r->db, r->arena, SQL_OPT_OUT, org_id, from, "replied STOP by text") < 0)
		goto fail;
	if (!strcmp(kind, "opt_in") && db_exec(r->db, r->arena, SQL_OPT_IN, org_id, from) < 0)
		goto fail;
	if (!strcmp(kind, "help")) {
		const char *name = db_text(r->db, r->arena, SQL_ORG_NAME, org_id);
		if (!name)
			goto fail;
		reply = arena_printf(r->arena, "%s: call us at %s. Reply STOP to opt out.", name,
				     to);
	}
	if (db_exec(r->db, r->arena, SQL_KEEP, org_id, number_id, sid, from, to, body,
		    media_count(req_form(r, "NumMedia")), kind, appointment) < 0)
		goto fail;
	log_info("text received kind=%s org=%s message=%s", kind, org_id, sid);
	return reply ? twiml_message(r->arena, reply)
		     : arena_printf(r->arena, "%s<Response/>", TWIML_HEAD);
fail:
	http_fail(r, 503, "the text could not be stored; please retry");
	return NULL;
}

/* Take the text event (the called number's owner row: owner) once, and answer it. */
static void take_event(struct req *r, const struct hook_event *event, struct db_result *owner,
		       const char *sid, const char *from, const char *to)
{
	const char *org_id = event->org_id;

	/* Twilio retries a text it could not deliver here: each one is taken once. */
	if (hook_event_begin(r, event) <= 0)
		return;
	const char *twiml;
	if (!org_id) {
		log_info("text to a number no business has: number=%s message=%s", to, sid);
		twiml = arena_printf(r->arena, "%s<Response/>", TWIML_HEAD);
	} else {
		twiml = take_text(r, org_id, db_value(owner, 0, 1), sid, from, to);
		if (!twiml)
			return;
	}
	hook_event_answer(r, event, 200, TWIML_TYPE, twiml);
}

void hook_twilio_sms(struct req *r)
{
	const char *sid = req_form(r, "MessageSid");
	const char *from = req_form(r, "From"), *to = req_form(r, "To");

	if (!text_is_sid(sid, "SM") && !text_is_sid(sid, "MM")) {
		http_fail(r, 400, "MessageSid is missing or is not a Twilio message id");
		return;
	}
	if (!from || !*from || strlen(from) > 64 || !to || !*to || strlen(to) > 64) {
		http_fail(r, 400, "From and To are required (at most 64 characters each)");
		return;
	}
	struct db_result *owner = db_q(r->db, r->arena, SQL_ORG_FOR_NUMBER, to);
	if (!owner) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	const char *org_id = db_rows(owner) ? db_value(owner, 0, 0) : NULL;
	struct hook_event event = { "twilio", arena_printf(r->arena, "sms:%s", sid), org_id };
	/* A retry while the first delivery is still being answered waits for its answer. */
	const char *lock = arena_printf(r->arena, "twilio-sms:%s", sid);
	if (hook_event_lock(r, lock) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	take_event(r, &event, owner, sid, from, to);
	hook_event_unlock(r, lock);
}
