/* leads.c: a finished call turned into a lead: its summary, sentiment, value, score and alerts */
#include "domain/leads.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "domain/alerts.h"
#include "domain/brain_words.h"
#include "domain/business.h"
#include "domain/notify.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"

/* Points of the lead score, and the line between hot, warm and cold. */
#define SCORE_BOOKED 40
#define SCORE_EMERGENCY 25
#define SCORE_SERVICE 15
#define SCORE_CONTACT 10
#define SCORE_POSITIVE 10
#define SCORE_HANG_UP (-20)
#define SCORE_HOT 70
#define SCORE_WARM 40
/* A call this short that ended with nothing done is a hang-up, not a conversation. */
#define HANG_UP_SECONDS 30
/* How much of the caller's first words the summary quotes, and the call's purpose. */
#define REQUEST_MAX 200
#define PURPOSE_MAX 100

/*
 * The call with the customer's number (the caller's, or the one called back), what the brain
 * kept of it, the booked time in the business's own zone, and whether the customer was on an
 * earlier call (a returning customer).
 */
static const char SQL_CALL[] =
	"SELECT k.customer, c.status, coalesce(c.duration_seconds, 0), "
	"       coalesce(s.state, '{}'::jsonb)::text, o.alert_phone, c.transfer_to, "
	"       CASE WHEN jsonb_typeof(s.state->'starts_at') = 'number' THEN "
	"         trim(to_char(to_timestamp((s.state->>'starts_at')::double precision) "
	"                      AT TIME ZONE o.timezone, 'Dy Mon FMDD \"at\" FMHH12:MI AM')) END, "
	"       c.direction, o.name, o.sms_enabled, "
	"       EXISTS (SELECT 1 FROM calls e WHERE e.org_id = c.org_id "
	"               AND (e.from_number = k.customer OR e.to_number = k.customer) "
	"               AND e.id <> c.id AND e.started_at < c.started_at), "
	"       c.provider "
	"FROM calls c JOIN organizations o ON o.id = c.org_id "
	"CROSS JOIN LATERAL (SELECT CASE WHEN c.direction = 'outbound' THEN c.to_number "
	"                           ELSE c.from_number END AS customer) k "
	"LEFT JOIN call_sessions s ON s.org_id = c.org_id AND s.call_id = c.id "
	"WHERE c.id = $1";
static const char SQL_TURNS[] =
	"SELECT speaker, text FROM call_turns WHERE call_id = $1 ORDER BY seq";
/*
 * One lead per caller's number. A booking moves it to booked (a converted customer stays
 * converted); otherwise a status the owner set stands. Known details are never erased.
 */
static const char SQL_LEAD_UPSERT[] =
	"INSERT INTO leads (org_id, phone, name, address, service_id, status, score, temperature, "
	"                   value_cents, summary, last_call_id, last_contacted_at) "
	"VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::bool THEN 'booked' "
	"                                 WHEN $12::bool THEN 'lost' ELSE 'new' END, $7, $8, $9, "
	"        $10, $11, now()) "
	"ON CONFLICT (org_id, phone) DO UPDATE SET "
	"  status = CASE WHEN $6::bool AND leads.status <> 'converted' THEN 'booked' "
	"                WHEN $12::bool AND leads.status = 'new' THEN 'lost' "
	"                ELSE leads.status END, "
	"  name = coalesce(EXCLUDED.name, leads.name), "
	"  address = coalesce(EXCLUDED.address, leads.address), "
	"  service_id = coalesce(EXCLUDED.service_id, leads.service_id), "
	"  score = EXCLUDED.score, temperature = EXCLUDED.temperature, "
	"  value_cents = coalesce(EXCLUDED.value_cents, leads.value_cents), "
	"  summary = EXCLUDED.summary, "
	"  last_call_id = EXCLUDED.last_call_id, "
	"  last_contacted_at = coalesce(leads.last_contacted_at, EXCLUDED.last_contacted_at) "
	"RETURNING id";
static const char SQL_CALL_UPDATE[] =
	"UPDATE calls SET summary = $2, sentiment_score = $3::real, sentiment_label = $4, "
	"       urgency = $5, value_cents = $6, booked = $7::bool, lead_id = $8, "
	"       call_type = $9, customer_type = $10, call_purpose = $11 "
	"WHERE id = $1";
/* What the call booked belongs to the caller's lead, so the lead page lists it. */
static const char SQL_APPOINTMENTS_TO_LEAD[] =
	"UPDATE appointments SET lead_id = $2 "
	"WHERE lead_id IS NULL AND (call_id = $1 OR id = $3::uuid)";

/* Statuses of a call nobody answered. */
static const char *const UNANSWERED[] = { "missed", "no-answer", "busy", "canceled", NULL };

/* What a caller says who does not want the business's service, when nothing was arranged. */
static const char *const DECLINED[] = {
	"not interested", "too expensive", "no thanks", "no thank you", "never mind", "nevermind",
	"found someone", "found somebody", "someone else", "don't need", "do not need",
	"changed my mind", "go elsewhere", NULL,
};

/* Words that tell how the caller felt; the trouble a caller calls about is not among them. */
static const char *const POSITIVE[] = {
	"thanks", "thank", "great", "perfect", "awesome", "wonderful", "excellent", "appreciate",
	"appreciated", "fantastic", "lovely", "helpful", "happy", "glad", "amazing", "nice",
	"brilliant", "good", NULL,
};
static const char *const NEGATIVE[] = {
	"angry", "terrible", "awful", "horrible", "upset", "frustrated", "frustrating", "worst",
	"annoyed", "ridiculous", "unhappy", "disappointed", "hate", "useless", "rude", "unacceptable",
	"furious", "bad", NULL,
};

/* What the analysis found, before it is written. */
struct analysis {
	const char *phone, *name, *address, *service_id, *service_name;
	const char *appointment_id;  /* booked on the call, from the session */
	const char *booked_for;      /* its time in the business's zone, as the owner reads it */
	const char *summary, *urgency, *sentiment_label, *temperature;
	double sentiment;
	const char *call_type;      /* missed, emergency, booking, message, transfer, question,
				     * hang_up or inquiry */
	const char *customer_type;  /* new or returning */
	const char *call_purpose;   /* the service, else what the caller first asked, in brief */
	long value_cents;           /* -1: no service matched, so no value */
	int score;
	bool booked;
	bool lost;                  /* the caller declined and nothing was arranged */
	bool missed;                /* nobody answered */
	bool text_back;             /* a missed inbound caller to text back */
	bool own_test;              /* the owner's test call from the browser: no lead, no alert */
	const char *business_name;
};

static bool in_list(const char *const *list, const char *word)
{
	for (; *list; list++)
		if (!strcmp(*list, word))
			return true;
	return false;
}

/* Sentiment of text from the lexicon: (positive - negative) / (their count + 1), so -1..1. */
static double sentiment_of(const char *text)
{
	int pos = 0, neg = 0;
	char word[32];

	for (const char *p = text; *p;) {
		size_t n = 0;
		while (*p && !isalpha((unsigned char)*p))
			p++;
		while (isalpha((unsigned char)*p) || *p == '\'') {
			if (n + 1 < sizeof word && *p != '\'')
				word[n++] = (char)tolower((unsigned char)*p);
			p++;
		}
		word[n] = '\0';
		if (n && in_list(POSITIVE, word))
			pos++;
		else if (n && in_list(NEGATIVE, word))
			neg++;
	}
	return (double)(pos - neg) / (double)(pos + neg + 1);
}

/* True when text says one of phrases, in any case. */
static bool says_any(const char *text, const char *const *phrases)
{
	for (; *phrases; phrases++)
		if (strcasestr(text, *phrases))
			return true;
	return false;
}

static const char *slot(const json_t *state, const char *key)
{
	const char *s = json_str(state, key);
	return s && *s ? s : NULL;
}

/* The value of the call: the matched service's price; none (-1) when no service was matched, so
 * a silent or off-topic caller adds nothing to the pipeline. */
static int value_of(struct db *db, struct arena *a, const char *caller_text, const json_t *state,
		    struct analysis *an)
{
	struct service svc;
	int found = business_match_service(db, a, caller_text, &svc);

	if (found == 0 && slot(state, "service_name"))
		found = business_match_service(db, a, slot(state, "service_name"), &svc);
	if (found < 0)
		return -1;
	if (found) {
		an->service_id = svc.id;
		an->service_name = svc.name;
		an->value_cents = svc.price_cents;
		return 0;
	}
	an->value_cents = -1;
	return 0;
}

/* The summary: what the caller first asked for, then what came of the call. */
static const char *summary_of(struct arena *a, const char *request, const json_t *state,
			      const char *booked_at, const char *transfer_to, bool hung_up,
			      bool missed)
{
	struct buf b = BUF_INIT;
	const char *out;

	if (json_bool(state, "urgent", false))
		buf_puts(&b, "Emergency. ");
	if (missed && !request) {
		buf_puts(&b, "Missed call: nobody answered.");
		goto done;
	}
	if (request)
		buf_printf(&b, "Caller: \"%.*s%s\". ", REQUEST_MAX, request,
			   strlen(request) > REQUEST_MAX ? "..." : "");
	if (slot(state, "appointment_id"))
		buf_printf(&b, "Booked%s%s%s.", slot(state, "service_name") ? " " : "",
			   slot(state, "service_name") ? slot(state, "service_name") : "",
			   booked_at ? arena_printf(a, " for %s", booked_at) : "");
	else if (slot(state, "message"))
		buf_printf(&b, "Message taken: %s", slot(state, "message"));
	else if (transfer_to || slot(state, "transfer_to"))
		buf_puts(&b, "Transferred to a person.");
	else if (hung_up)
		buf_puts(&b, "Hung up before anything was arranged.");
	else
		buf_puts(&b, "Ended without a booking or a message.");
done:
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

static int score_of(const struct analysis *an, bool urgent, bool short_hang_up)
{
	int score = 0;

	score += an->booked ? SCORE_BOOKED : 0;
	score += urgent ? SCORE_EMERGENCY : 0;
	score += an->service_id ? SCORE_SERVICE : 0;
	score += an->name && an->phone ? SCORE_CONTACT : 0;
	score += !strcmp(an->sentiment_label, "positive") ? SCORE_POSITIVE : 0;
	score += short_hang_up ? SCORE_HANG_UP : 0;
	/* Someone with an emergency needs the business now, whatever else the call held. */
	if (urgent && score < SCORE_HOT)
		score = SCORE_HOT;
	return score < 0 ? 0 : score > 100 ? 100 : score;
}

/*
 * Everything the analysis computes from the call's row, turns and state. Returns 0, 1 when there
 * is no such call or no number to file a lead under, or -1 on a database error.
 */
static int analyze(struct db *db, struct arena *a, const char *call_id, struct analysis *an,
		   const char **alert_phone)
{
	struct db_result *call = db_q(db, a, SQL_CALL, call_id);
	struct db_result *turns = call && db_rows(call) == 1 ? db_q(db, a, SQL_TURNS, call_id) : NULL;
	const char *request = NULL;
	struct buf said = BUF_INIT;
	int caller_turns = 0, rc = -1;
	char error[128];

	if (!turns)
		return call && db_rows(call) == 0 ? 1 : -1;
	const char *state_text = db_value(call, 0, 3);
	json_t *state = json_parse(a, state_text, strlen(state_text), error, sizeof error);
	if (!state || !json_is_object(state))
		state = json_to_arena(a, json_object());
	for (int i = 0; i < db_rows(turns); i++) {
		const char *text = db_value(turns, i, 1);
		if (strcmp(db_value(turns, i, 0), "caller") || !text[strspn(text, " \t\r\n")])
			continue;
		caller_turns++;
		request = request ? request : text;
		buf_printf(&said, "%s ", text);
	}
	const char *caller_text = arena_strdup(a, buf_str(&said));
	buf_release(&said);

	bool urgent = json_bool(state, "urgent", false);
	an->missed = in_list(UNANSWERED, db_value(call, 0, 1));
	const char *transfer_to = db_value(call, 0, 5);
	an->appointment_id = slot(state, "appointment_id");
	an->booked = an->appointment_id != NULL;
	bool hung_up = !an->booked && !slot(state, "message") && !transfer_to &&
		       !slot(state, "transfer_to") && caller_turns < 2;
	bool short_hang_up = hung_up && atol(db_value(call, 0, 2)) < HANG_UP_SECONDS;

	an->name = slot(state, "name");
	an->address = slot(state, "address");
	an->phone = slot(state, "phone") ? slot(state, "phone") : db_value(call, 0, 0);
	if (!an->phone[0]) {
		rc = 1;
		goto done;
	}
	if (value_of(db, a, caller_text, state, an) < 0)
		goto done;
	an->sentiment = sentiment_of(caller_text);
	an->sentiment_label = an->sentiment > 0.2 ? "positive"
			      : an->sentiment < -0.2 ? "negative" : "neutral";
	an->urgency = urgent ? "emergency" : "normal";
	an->summary = summary_of(a, request, state, db_value(call, 0, 6), transfer_to, hung_up,
				 an->missed);
	bool transferred = transfer_to || slot(state, "transfer_to");
	an->lost = !an->booked && !slot(state, "message") && !transferred && !urgent &&
		   says_any(caller_text, DECLINED);
	an->call_type = an->missed && !caller_turns ? "missed"
			: urgent ? "emergency"
			: an->booked ? "booking"
			: slot(state, "message") ? "message"
			: transferred ? "transfer"
			: hung_up ? "hang_up"
			: brain_is_question(caller_text) ? "question" : "inquiry";
	an->customer_type = !strcmp(db_value(call, 0, 10), "t") ? "returning" : "new";
	an->call_purpose = an->service_name ? an->service_name
			   : request ? arena_printf(a, "%.*s%s", PURPOSE_MAX, request,
						    strlen(request) > PURPOSE_MAX ? "..." : "")
			   : NULL;
	an->business_name = db_value(call, 0, 8);
	an->booked_for = db_value(call, 0, 6);
	an->text_back = an->missed && !caller_turns && !strcmp(db_value(call, 0, 7), "inbound") &&
			!strcmp(db_value(call, 0, 9), "t") && an->phone[0] == '+';
	an->own_test = !strcmp(db_value(call, 0, 11), "browser");
	an->score = score_of(an, urgent, short_hang_up);
	an->temperature = an->score >= SCORE_HOT ? "hot" : an->score >= SCORE_WARM ? "warm" : "cold";
	*alert_phone = db_value(call, 0, 4);
	rc = 0;
done:
	return rc;
}

/*
 * The owner's alerts about the call, on each channel the settings ask for: a booking, an
 * emergency, a hot lead, a missed call. Returns 0 or -1.
 */
static int owner_alerts(struct db *db, struct arena *a, const char *call_id, const char *lead_id,
			const struct analysis *an)
{
	unsigned kinds = (an->booked ? ALERT_BOOKING : 0) |
			 (!strcmp(an->urgency, "emergency") ? ALERT_URGENT : 0) |
			 (an->score >= SCORE_HOT ? ALERT_HOT_LEAD : 0) |
			 (an->missed ? ALERT_MISSED_CALL : 0);
	struct alert_call c = {
		.call_id = call_id, .lead_id = lead_id, .appointment_id = an->appointment_id,
		.caller_name = an->name, .caller_phone = an->phone, .summary = an->summary,
		.service = an->service_name, .booked_for = an->booked ? an->booked_for : NULL,
		.score = an->score,
	};
	return alerts_for_call(db, a, kinds, &c) < 0 ? -1 : 0;
}

/*
 * A missed caller gets a text back, once per call: the job sends it only when the business
 * texts at all and the number has not opted out. Returns 0 or -1.
 */
static int text_back(struct db *db, struct arena *a, const char *call_id, const char *lead_id,
		     const struct analysis *an)
{
	const char *body = arena_printf(a, "Sorry we missed your call to %s. Reply to this text "
					"and we'll get back to you, or call us again any time.",
					an->business_name);
	struct notify_links links = { .call_id = call_id, .lead_id = lead_id };

	return notify_sms_enqueue(db, a, an->phone, body, "missed_call", &links,
				  arena_printf(a, "textback:%s", call_id)) ? 0 : -1;
}

enum job_outcome leads_analyze_job(struct db *db, struct arena *a, const struct job *job,
				   char *error, size_t errlen)
{
	const char *call_id = json_str(job->payload, "call_id");
	struct analysis an = { 0 };
	const char *alert_phone = NULL, *lead_id = NULL;
	int found;

	if (!call_id || strlen(call_id) != 36 || strspn(call_id, "0123456789abcdefABCDEF-") != 36) {
		snprintf(error, errlen, "the job needs the id of a call (call_id)");
		return JOB_FAILED;
	}
	snprintf(error, errlen, "the call could not be analyzed: the database is unavailable");
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	found = analyze(db, a, call_id, &an, &alert_phone);
	if (found == 1) {
		db_rollback(db);
		snprintf(error, errlen, "the call does not exist or has no caller number");
		return JOB_FAILED;
	}
	if (found < 0)
		goto fail;
	const char *value = an.value_cents >= 0 ? arena_printf(a, "%ld", an.value_cents) : NULL;
	/* The owner's own test call is analyzed for its page but is nobody's lead: it adds
	 * nothing to the leads, the pipeline or the owner's alerts. */
	if (!an.own_test) {
		lead_id = db_text(db, a, SQL_LEAD_UPSERT, job->org_id, an.phone, an.name,
				  an.address, an.service_id, an.booked ? "true" : "false",
				  arena_printf(a, "%d", an.score), an.temperature, value, an.summary,
				  call_id, an.lost ? "true" : "false");
		if (!lead_id ||
		    db_exec(db, a, SQL_APPOINTMENTS_TO_LEAD, call_id, lead_id,
			    an.appointment_id) < 0)
			goto fail;
	}
	if (db_exec(db, a, SQL_CALL_UPDATE, call_id, an.summary,
		    arena_printf(a, "%.3f", an.sentiment), an.sentiment_label, an.urgency,
		    value, an.booked ? "true" : "false",
		    lead_id, an.call_type, an.customer_type, an.call_purpose) != 1)
		goto fail;
	if (an.text_back && text_back(db, a, call_id, lead_id, &an) < 0)
		goto fail;
	if (!an.own_test && owner_alerts(db, a, call_id, lead_id, &an) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto fail;
	log_info("call analyzed call=%s lead=%s score=%d temperature=%s", call_id,
		 lead_id ? lead_id : "none",
		 an.score, an.temperature);
	return JOB_DONE;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	log_error("could not analyze a call call=%s", call_id);
	return JOB_RETRY;
}
