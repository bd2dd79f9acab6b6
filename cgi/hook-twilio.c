/* hook-twilio.c: Twilio's voice webhooks: a call answered with TwiML, its gather-mode turns, and
 * its status callbacks */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "hook-event.h"
#include "infra/jobs.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/media_token.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/*
 * Twilio ends a call after four hours unless told otherwise. A token stays good that long, so
 * the answer replayed to a repeated request of the same call still opens its stream.
 */
#define MEDIA_TOKEN_SECONDS (4 * 3600 + 600)

static const char TWIML_TYPE[] = "text/xml; charset=utf-8";
static const char TWIML_HEAD[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

static const char SQL_ORG_FOR_NUMBER[] =
	"SELECT org_id, phone_number_id FROM org_for_number($1)";
/* A forwarding number's check call coming back verifies it (sql/014_phone_lines.sql). */
static const char SQL_CHECK_ARRIVED[] =
	"SELECT phone_line_check_arrived($1, $2, $3)";
static const char SQL_CALL_BY_SID[] =
	"SELECT org_id, call_id FROM call_by_provider_id('twilio', $1)";
static const char SQL_CALL_TURNS[] =
	"SELECT count(*) FROM call_turns WHERE call_id = $1";
static const char SQL_LAST_TURN[] =
	"SELECT max(seq) FROM call_turns WHERE call_id = $1";
/* What the caller hears outside the brain is in the transcript too. */
static const char SQL_SAY_TURN[] =
	"INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
	"SELECT $1::uuid, $2::uuid, coalesce(max(seq) + 1, 0), 'assistant', $3 "
	"FROM call_turns WHERE call_id = $2::uuid RETURNING seq";
/* A transferred call stays one when its status callbacks come (see SQL_CALL_PROGRESS). */
static const char SQL_CALL_TRANSFER[] =
	"UPDATE calls SET transfer_to = $2, transferred_at = coalesce(transferred_at, now()), "
	"  status = CASE WHEN status = 'in-progress' THEN 'transferred' ELSE status END "
	"WHERE id = $1";

/* What a call handed over from the voice worker hears before Twilio listens to it. */
static const char CARRY_ON_TEXT[] = "Sorry, let's continue.";

/*
 * The call row and how its business answers, in one round trip. A repeated CallSid (the stream
 * dropped and Twilio came back) answers the same call row; fresh says the row is new (a row
 * that was only updated has a transaction id in xmax).
 */
static const char SQL_CALL_ANSWER[] =
	"WITH c AS ("
	"  INSERT INTO calls (org_id, phone_number_id, provider, provider_call_id, direction, "
	"                     from_number, to_number, status, answered_at) "
	"  VALUES ($1, $2, 'twilio', $3, $4, $5, $6, 'in-progress', now()) "
	"  ON CONFLICT (provider, provider_call_id) DO UPDATE SET "
	"    status = CASE WHEN calls.status IN ('pending', 'initiated', 'queued', 'ringing') "
	"                  THEN 'in-progress' "
	"                  ELSE calls.status END, "
	"    answered_at = coalesce(calls.answered_at, now()) "
	"  RETURNING id, xmax = 0 AS fresh) "
	"SELECT c.id, c.fresh, o.call_mode, o.greeting, o.name "
	"FROM c JOIN organizations o ON o.id = $1";

/* A status callback may be the first word of a call (a caller who hung up while ringing). */
static const char SQL_CALL_SEEN[] =
	"INSERT INTO calls (org_id, phone_number_id, provider, provider_call_id, direction, "
	"                   from_number, to_number, status, started_at) "
	"VALUES ($1, $2, 'twilio', $3, $4, $5, $6, 'queued', now() - make_interval(secs => $7::int)) "
	"ON CONFLICT (provider, provider_call_id) DO NOTHING";

/*
 * Callbacks arrive in any order, so a status only moves forward: a finished call stays
 * finished, and a transfer stays a transfer when the bridged call completes. An unanswered
 * call that ends any other way is a missed call.
 */
static const char SQL_CALL_PROGRESS[] =
	"UPDATE calls SET "
	"  status = CASE "
	"    WHEN status IN ('completed', 'missed', 'failed', 'busy', 'no-answer', 'canceled') "
	"      THEN status "
	"    WHEN $2::text = 'initiated' AND status = 'pending' THEN 'initiated' "
	"    WHEN $2::text = 'ringing' AND status IN ('pending', 'initiated', 'queued') "
	"      THEN 'ringing' "
	"    WHEN $2::text = 'in-progress' "
	"         AND status IN ('pending', 'initiated', 'queued', 'ringing') THEN 'in-progress' "
	"    WHEN $2::text = 'completed' AND status <> 'transferred' THEN 'completed' "
	"    WHEN $2::text IN ('busy', 'no-answer', 'failed', 'canceled') AND answered_at IS NULL "
	"      THEN 'missed' "
	"    WHEN $2::text IN ('busy', 'no-answer', 'failed', 'canceled') AND status = 'in-progress' "
	"      THEN $2::text "
	"    ELSE status END, "
	"  answered_at = CASE WHEN $2::text = 'in-progress' THEN coalesce(answered_at, now()) "
	"                     ELSE answered_at END, "
	"  ended_at = CASE WHEN $2::text IN ('completed', 'busy', 'no-answer', 'failed', 'canceled') "
	"                  THEN coalesce(ended_at, greatest(now(), started_at)) ELSE ended_at END, "
	"  duration_seconds = CASE WHEN $2::text = 'completed' "
	"                          THEN coalesce($3::int, duration_seconds) "
	"                          ELSE duration_seconds END "
	"WHERE provider = 'twilio' AND provider_call_id = $1 "
	"RETURNING id, status IN ('completed', 'transferred', 'missed', 'failed', 'busy', "
	"                         'no-answer', 'canceled')";

/* What a webhook request says about its call, checked. */
struct twilio_call {
	const char *sid;
	const char *from;
	const char *to;
	const char *direction;    /* calls.direction: inbound or outbound */
	const char *our_number;   /* the business's side: To when inbound, From when outbound */
};

/* s made safe for XML text and attribute values, arena-owned. */
static const char *xml(struct arena *a, const char *s)
{
	return hook_xml(a, s);
}

static bool is_phone_field(const char *s)
{
	return s && *s && strlen(s) <= 64;
}

/* The customer's number for the brain, or NULL when caller ID is withheld (Twilio then sends
 * "anonymous" or some other word instead of a number). */
static const char *customer_number(const struct twilio_call *c)
{
	const char *n = strcmp(c->direction, "outbound") ? c->from : c->to;

	return n[0] == '+' && n[1] && strspn(n + 1, "0123456789") == strlen(n + 1) ? n : NULL;
}

/*
 * The business that has the call's number and the number's row, into org_id and
 * phone_number_id (both NULL when no business has it): what the signature check found, else
 * looked up. Returns 0, or -1 after answering 503.
 */
static int call_owner(struct req *r, const struct twilio_call *c, const char **org_id,
		      const char **phone_number_id)
{
	if (r->twilio_line_known) {
		*org_id = r->twilio_org_id;
		*phone_number_id = r->twilio_number_id;
		return 0;
	}
	struct db_result *owner = db_q(r->db, r->arena, SQL_ORG_FOR_NUMBER, c->our_number);
	if (!owner) {
		http_fail(r, 503, "the database is not available; please retry");
		return -1;
	}
	*org_id = db_rows(owner) ? db_value(owner, 0, 0) : NULL;
	*phone_number_id = db_rows(owner) ? db_value(owner, 0, 1) : NULL;
	return 0;
}

/* Read and check the parameters every call request carries; 400 when one is missing. */
static int call_params(struct req *r, struct twilio_call *c)
{
	const char *direction = req_form(r, "Direction");

	c->sid = req_form(r, "CallSid");
	c->from = req_form(r, "From");
	c->to = req_form(r, "To");
	if (!text_is_sid(c->sid, "CA")) {
		http_fail(r, 400, "CallSid is missing or is not a Twilio call id");
		return -1;
	}
	if (!is_phone_field(c->from) || !is_phone_field(c->to)) {
		http_fail(r, 400, "From and To are required (at most 64 characters each)");
		return -1;
	}
	bool outbound = direction && !strncmp(direction, "outbound", 8);
	c->direction = outbound ? "outbound" : "inbound";
	c->our_number = outbound ? c->from : c->to;
	return 0;
}

/*
 * Stream mode: connect the call to the voice worker. When the stream ends (the worker stopped
 * or lost the connection), Twilio comes back here and the call picks up where it was.
 */
static const char *twiml_stream(struct arena *a, const char *call_id, const char *token)
{
	const char *base = conf_str("PUBLIC_BASE_URL");

	return arena_printf(a,
		"%s<Response><Connect><Stream url=\"%s\">"
		"<Parameter name=\"token\" value=\"%s\"/>"
		"<Parameter name=\"call_id\" value=\"%s\"/>"
		"</Stream></Connect>"
		"<Redirect method=\"POST\">%s/hooks/twilio/voice</Redirect></Response>",
		TWIML_HEAD, xml(a, media_stream_url(a, base)), xml(a, token), xml(a, call_id),
		xml(a, base));
}

/*
 * Gather mode: Twilio says text and listens; what the caller says, or their silence, comes back
 * to the turn hook. turn is the seq of the reply listened after (NULL for the greeting): each
 * listen gets an address of its own, so two silences in a row are two turns, not one delivery
 * retried.
 */
static const char *twiml_listen(struct arena *a, const char *text, const char *turn)
{
	const char *base = conf_str("PUBLIC_BASE_URL");
	const char *action = turn ? arena_printf(a, "%s/hooks/twilio/turn?turn=%s", base, turn) :
				    arena_printf(a, "%s/hooks/twilio/turn", base);

	return arena_printf(a,
		"%s<Response><Gather input=\"speech\" action=\"%s\" "
		"method=\"POST\" speechTimeout=\"auto\" actionOnEmptyResult=\"true\">"
		"<Say>%s</Say></Gather></Response>",
		TWIML_HEAD, xml(a, action), xml(a, text));
}

/* The brain's reply on the phone: said, then listened after, handed over or hung up. */
static const char *twiml_reply(struct arena *a, const struct brain_reply *reply, const char *turn)
{
	if (reply->action == BRAIN_TRANSFER && reply->transfer_to)
		return arena_printf(a, "%s<Response><Say>%s</Say><Dial><Number>%s</Number></Dial>"
				    "</Response>", TWIML_HEAD, xml(a, reply->text),
				    xml(a, reply->transfer_to));
	if (reply->action == BRAIN_HANG_UP)
		return arena_printf(a, "%s<Response><Say>%s</Say><Hangup/></Response>", TWIML_HEAD,
				    xml(a, reply->text));
	return twiml_listen(a, reply->text, turn);
}

/*
 * Gather mode: the brain greets the caller, and the greeting is the call's first turn. The
 * brain keeps its own transactions; here they are savepoints of the call's, so the call, its
 * greeting and the answer kept for retries are committed together, once, before Twilio hears
 * the TwiML (one WAL flush per call). NULL after answering with an error.
 */
static const char *greet(struct req *r, const struct twilio_call *c, const char *org_id,
			 const char *call_id, const char *fallback)
{
	if (db_nest_begin(r->db) < 0) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return NULL;
	}
	struct brain_session *s = brain_session_open(r->db, r->arena, org_id, call_id,
						     customer_number(c));
	const char *greeting = s ? brain_greeting(r->db, r->arena, s) : fallback;
	db_nest_end(r->db);
	return twiml_listen(r->arena, greeting, NULL);
}

/* How the business answers a call (SQL_CALL_ANSWER's row). */
struct call_answer {
	const char *call_id;
	bool fresh;             /* the call's first request: nothing stored of it yet */
	const char *mode;       /* organizations.call_mode */
	const char *greeting;   /* the business's own greeting, may be empty */
	const char *name;       /* the business's name */
};

/*
 * The greeting of a call in gather mode. A new call's greeting is stored with nothing read
 * first (brain_greet_new_call), by the statement it leaves in *save for the answer's round
 * trip (*nsave 1); a call seen before resumes its session. NULL after an error answer.
 */
static const char *greet_call(struct req *r, const struct twilio_call *c, const char *org_id,
			      const struct call_answer *ans, struct db_stmt *save, int *nsave)
{
	if (!ans->fresh)
		return greet(r, c, org_id, ans->call_id, ans->greeting);
	const char *greeting = brain_greet_new_call(r->arena, org_id, ans->call_id,
						    customer_number(c), ans->greeting, ans->name,
						    save);
	*nsave = 1;
	return twiml_listen(r->arena, greeting, NULL);
}

/*
 * A call handed over by the voice worker (its recognition failed) goes on in gather mode,
 * whatever the business's call mode: the caller hears that the conversation carries on, then
 * Twilio listens. A call with nothing said yet is greeted instead. NULL after an error answer.
 */
static const char *carry_on(struct req *r, const struct twilio_call *c, const char *org_id,
			    const struct call_answer *ans, struct db_stmt *save, int *nsave)
{
	long turns = 0;

	if (!ans->fresh && db_long(r->db, r->arena, &turns, SQL_CALL_TURNS, ans->call_id) < 0) {
		http_fail(r, 503, "the call could not be read; please retry");
		return NULL;
	}
	if (turns == 0)
		return greet_call(r, c, org_id, ans, save, nsave);
	const char *seq = db_text(r->db, r->arena, SQL_SAY_TURN, org_id, ans->call_id,
				  CARRY_ON_TEXT);
	if (!seq) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return NULL;
	}
	return twiml_listen(r->arena, CARRY_ON_TEXT, seq);
}

/*
 * The TwiML that answers a call whose row is stored (or found again: row is SQL_CALL_ANSWER's
 * answer), in the business's call mode or, when gather is set, in gather mode. A statement
 * still to run with the answer may be left in *save (*nsave 1). NULL after an error answer.
 */
static const char *answer_call(struct req *r, const struct twilio_call *c, const char *org_id,
			       struct db_result *row, bool gather, struct db_stmt *save,
			       int *nsave)
{
	if (db_rows(row) != 1) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return NULL;
	}
	struct call_answer ans = {
		.call_id = db_value(row, 0, 0), .fresh = !strcmp(db_value(row, 0, 1), "t"),
		.mode = db_value(row, 0, 2), .greeting = db_value(row, 0, 3),
		.name = db_value(row, 0, 4),
	};
	if (gather)
		return carry_on(r, c, org_id, &ans, save, nsave);
	if (!strcmp(ans.mode, "stream")) {
		const char *token = media_token_make(r->arena, MEDIA_TOKEN_STREAM, ans.call_id,
						     org_id, time(NULL) + MEDIA_TOKEN_SECONDS);
		if (token)
			return twiml_stream(r->arena, ans.call_id, token);
		/* A call answered the simpler way beats a call dropped. */
		log_warn("answering a stream-mode call in gather mode: call=%s", ans.call_id);
	}
	return greet_call(r, c, org_id, &ans, save, nsave);
}

/* A call to a number no business has: a forwarding check coming back, or out of service. */
static void answer_stranger(struct req *r, const struct twilio_call *c,
			    const struct hook_event *event)
{
	const char *twiml;
	const char *forwarded_from = req_form(r, "ForwardedFrom");
	const char *checked = strcmp(c->direction, "inbound") ? NULL :
		db_text(r->db, r->arena, SQL_CHECK_ARRIVED, c->to, c->from, forwarded_from);

	if (*db_sqlstate(r->db)) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	if (checked) {
		log_info("forwarding verified by its check call: number=%s org=%s", c->to, checked);
		twiml = arena_printf(r->arena, "%s<Response><Say>Call forwarding to Switchboard "
				     "works. Your receptionist answers your calls from now on. "
				     "Goodbye.</Say><Hangup/></Response>", TWIML_HEAD);
	} else {
		log_info("call to a number no business has: number=%s call=%s", c->our_number,
			 c->sid);
		twiml = arena_printf(r->arena, "%s<Response><Say>Sorry, the number you have called is "
				     "not in service. Goodbye.</Say><Hangup/></Response>", TWIML_HEAD);
	}
	hook_event_answer(r, event, 200, TWIML_TYPE, twiml);
}

void hook_twilio_voice(struct req *r)
{
	struct twilio_call c;
	const char *mode = req_query(r, "mode");
	/* The voice worker sends a live call here when its speech recognition fails. */
	bool gather = mode && !strcmp(mode, "gather");

	const char *org_id, *phone_number_id;

	if (call_params(r, &c) < 0 || call_owner(r, &c, &org_id, &phone_number_id) < 0)
		return;
	/* A retry carries the same form; a later request of the same call (a reconnect) does not. */
	struct hook_event event = {
		"twilio", arena_printf(r->arena, "%s:%s:%s", gather ? "gather" : "voice", c.sid,
				       crypto_sha256_hex(r->arena, r->body)), org_id,
	};
	if (!org_id) {
		if (hook_event_begin(r, &event) > 0)
			answer_stranger(r, &c, &event);
		return;
	}
	/*
	 * After the signature's look-up a new call takes two round trips: one opens the
	 * transaction, looks the event up and writes the call's row; the other stores the greeting
	 * with the answer kept for retries, and commits. A call seen before (a reconnect) reads its
	 * session in between; a repeat's transaction is rolled back and its answer given again.
	 */
	struct db_stmt call_row = DB_STMT(SQL_CALL_ANSWER, org_id, phone_number_id, c.sid,
					  c.direction, c.from, c.to);
	struct db_result *row;
	if (hook_event_begin_with(r, &event, &call_row, 1, &row) <= 0)
		return;
	struct db_stmt save;
	int nsave = 0;
	const char *twiml = answer_call(r, &c, org_id, row, gather, &save, &nsave);
	if (twiml)
		hook_event_answer_with(r, &event, &save, nsave, 200, TWIML_TYPE, twiml);
}

/* The turns of one call are taken one at a time: the lock ends with the transaction. */
static const char SQL_TURN_LOCK[] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

/* The call's row says it was handed to a person. A failure is logged; the caller is still
 * connected. */
static void record_transfer(struct req *r, const char *org_id, const char *call_id,
			    const char *phone)
{
	if (db_begin_org(r->db, r->arena, org_id) < 0)
		return;
	if (db_exec(r->db, r->arena, SQL_CALL_TRANSFER, call_id, phone) < 0) {
		db_rollback(r->db);
		return;
	}
	db_commit(r->db);
}

/* One turn of a gather-mode call, recorded under key; the answer is stored for its retries. */
static void take_turn(struct req *r, const struct twilio_call *c, const char *key)
{
	struct db_result *found = db_q(r->db, r->arena, SQL_CALL_BY_SID, c->sid);
	struct brain_reply reply;

	if (!found) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	const char *org_id = db_rows(found) ? db_value(found, 0, 0) : NULL;
	const char *call_id = db_rows(found) ? db_value(found, 0, 1) : NULL;
	struct hook_event event = { "twilio", key, org_id };
	const char *lock_name = arena_printf(r->arena, "twilio-call:%s", c->sid);
	/* A retry of this turn waits on the event for the first delivery, then replays its answer;
	 * another turn of the call waits on the call's lock. The transaction, the event and the
	 * lock take one round trip. */
	struct db_stmt lock = DB_STMT(SQL_TURN_LOCK, lock_name);
	struct db_result *locked;
	if (org_id && hook_event_begin_with(r, &event, &lock, 1, &locked) <= 0)
		return;
	if (!org_id && hook_event_begin(r, &event) <= 0)
		return;
	if (!call_id) {
		log_info("a turn of a call no business answered: call=%s", c->sid);
		hook_event_answer(r, &event, 200, TWIML_TYPE, arena_printf(r->arena,
			     "%s<Response><Say>Sorry, I can't carry on this call. Please call again. "
			     "Goodbye.</Say><Hangup/></Response>", TWIML_HEAD));
		return;
	}
	/*
	 * The brain keeps its own transactions; here they are savepoints of the turn's, so what
	 * the caller said, the reply, the session and the answer kept for retries are committed
	 * together, once, before Twilio hears the reply.
	 */
	if (db_nest_begin(r->db) < 0) {
		http_fail(r, 503, "the turn could not be recorded; please retry");
		return;
	}
	struct brain_session *s = brain_session_open(r->db, r->arena, org_id, call_id,
						     customer_number(c));
	if (!s) {
		db_nest_end(r->db);
		http_fail(r, 503, "the call could not be read; please retry");
		return;
	}
	/* Silence comes without SpeechResult; the brain asks again, then says goodbye. */
	const char *speech = req_form(r, "SpeechResult");
	brain_turn(r->db, r->arena, s, speech ? speech : "", NULL, NULL, &reply);
	if (reply.action == BRAIN_TRANSFER && reply.transfer_to)
		record_transfer(r, org_id, call_id, reply.transfer_to);
	db_nest_end(r->db);
	/* The reply is the call's last turn; when it could not be stored, the last that was. */
	const char *turn = reply.seq >= 0 ? arena_printf(r->arena, "%ld", reply.seq) :
			   db_text(r->db, r->arena, SQL_LAST_TURN, call_id);
	hook_event_answer(r, &event, 200, TWIML_TYPE, twiml_reply(r->arena, &reply, turn));
}

void hook_twilio_turn(struct req *r)
{
	struct twilio_call c;
	const char *turn = req_query(r, "turn");

	if (call_params(r, &c) < 0)
		return;
	if (turn && (!*turn || strlen(turn) > 9 || strspn(turn, "0123456789") != strlen(turn))) {
		http_fail(r, 400, "turn must be a whole number");
		return;
	}
	/* Retries repeat the address and the form; the next turn has an address of its own. */
	const char *key = arena_printf(r->arena, "turn:%s:%s:%s", c.sid, turn ? turn : "",
				       crypto_sha256_hex(r->arena, r->body));
	take_turn(r, &c, key);
}

static bool is_call_status(const char *s)
{
	static const char *const known[] = {
		"queued", "initiated", "ringing", "in-progress", "completed",
		"busy", "failed", "no-answer", "canceled",
	};

	for (size_t i = 0; s && i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(s, known[i]))
			return true;
	return false;
}

/* The statuses after which nothing more happens on a call. */
static bool is_final_status(const char *s)
{
	return !strcmp(s, "completed") || !strcmp(s, "busy") || !strcmp(s, "no-answer") ||
	       !strcmp(s, "failed") || !strcmp(s, "canceled");
}

/* Queue the post-call analysis of a finished call, once per call. Returns 0 or -1. */
static int queue_analysis(struct req *r, const char *call_id)
{
	json_t *payload = json_to_arena(r->arena, json_pack("{s:s}", "call_id", call_id));
	return payload && jobs_enqueue(r->db, r->arena, "call.analyze", payload, 0,
				       arena_printf(r->arena, "analyze:%s", call_id)) ? 0 : -1;
}

void hook_twilio_status(struct req *r)
{
	struct twilio_call c;
	const char *status = req_form(r, "CallStatus");
	const char *duration = req_form(r, "CallDuration");

	if (call_params(r, &c) < 0)
		return;
	if (!is_call_status(status)) {
		http_fail(r, 400, "CallStatus is missing or unknown");
		return;
	}
	if (duration && (!*duration || strlen(duration) > 7 ||
			 strspn(duration, "0123456789") != strlen(duration))) {
		http_fail(r, 400, "CallDuration must be a whole number of seconds");
		return;
	}
	const char *org_id, *phone_number_id;
	if (call_owner(r, &c, &org_id, &phone_number_id) < 0)
		return;
	/* A call from a business number to itself is only ever a forwarding check: no call. */
	if (!strcmp(c.from, c.to))
		org_id = NULL;
	struct hook_event event = {
		"twilio", arena_printf(r->arena, "status:%s:%s", c.sid, status), org_id,
	};
	if (!org_id) {
		if (hook_event_begin(r, &event) <= 0)
			return;
		log_info("status of a call to a number no business has: number=%s call=%s status=%s",
			 c.our_number, c.sid, status);
		hook_event_answer(r, &event, 204, NULL, NULL);
		return;
	}
	/* The call is known as a rule: its row is made first only when the update finds none
	 * (one statement instead of two; a row made meanwhile is found by the second try). The
	 * update goes with the event's look-up: a status only moves forward, so a repeat may run
	 * it again. */
	struct db_stmt update = DB_STMT(SQL_CALL_PROGRESS, c.sid, status, duration);
	struct db_result *progress;
	if (hook_event_begin_with(r, &event, &update, 1, &progress) <= 0)
		return;
	if (db_rows(progress) == 0)
		progress = db_exec(r->db, r->arena, SQL_CALL_SEEN, org_id, phone_number_id, c.sid,
				   c.direction, c.from, c.to, duration ? duration : "0") < 0 ? NULL :
			   db_q(r->db, r->arena, SQL_CALL_PROGRESS, c.sid, status, duration);
	if (!progress) {
		http_fail(r, 503, "the call could not be updated; please retry");
		return;
	}
	/* A call that has just finished, answered or missed, gets its post-call analysis. */
	bool finished = db_rows(progress) == 1 && !strcmp(db_value(progress, 0, 1), "t");
	if (is_final_status(status) && finished &&
	    queue_analysis(r, db_value(progress, 0, 0)) < 0) {
		http_fail(r, 503, "the call's analysis could not be queued; please retry");
		return;
	}
	hook_event_answer(r, &event, 204, NULL, NULL);
}
