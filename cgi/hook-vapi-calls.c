/* hook-vapi-calls.c: a Vapi call's row and the messages about it as it goes and when it ends:
 * its status, what was said, the end-of-call report, and the post-call pipeline of every call */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "hook-vapi-calls.h"
#include "infra/jobs.h"
#include "infra/json.h"
#include "infra/log.h"
#include "page.h"
#include "req.h"
#include "provider/vapi.h"

/* Vapi's ended reasons are short names; a summary is a paragraph. */
#define REASON_MAX 200
#define SUMMARY_MAX 4000
#define URL_MAX 2048
/* A week: longer than any call. */
#define DURATION_MAX (7 * 86400)

/*
 * The call's row: found by Vapi's call id (an outbound call our job placed has one already),
 * else made. Under row-level security another organization's row is invisible, and the insert
 * then meets it and does nothing.
 */
static const char SQL_CALL_ROW[] =
	"WITH found AS (SELECT id FROM calls WHERE provider = 'vapi' AND provider_call_id = $2), "
	"made AS ("
	"  INSERT INTO calls (org_id, phone_number_id, provider, provider_call_id, direction, "
	"                     from_number, to_number, status) "
	"  SELECT $1, (SELECT id FROM phone_numbers WHERE e164 = $6), 'vapi', $2, $3, $4, $5, $7 "
	"  WHERE NOT EXISTS (SELECT 1 FROM found) "
	"  ON CONFLICT (provider, provider_call_id) DO NOTHING RETURNING id) "
	"SELECT id FROM found UNION ALL SELECT id FROM made";
static const char SQL_CALL_ID[] =
	"SELECT id FROM calls WHERE provider = 'vapi' AND provider_call_id = $1";

/* The turns of one call are written one message at a time, so each seq is taken once. */
static const char SQL_CALL_LOCK[] =
	"SELECT pg_advisory_xact_lock(hashtextextended('vapi-call:' || $1, 0))";
static const char SQL_TURNS_STORED[] =
	"SELECT coalesce(json_agg(json_build_object('speaker', speaker, 'text', text) "
	"                         ORDER BY seq), '[]')::text "
	"FROM call_turns WHERE call_id = $1";
/* $3: [{"speaker", "text", "at"}], appended after the call's last turn in their order. */
static const char SQL_TURNS_ADD[] =
	"INSERT INTO call_turns (org_id, call_id, seq, speaker, text, started_at) "
	"SELECT $1::uuid, $2::uuid, last.next + t.n - 1, t.v->>'speaker', t.v->>'text', "
	"       coalesce(to_timestamp((t.v->>'at')::float8), now()) "
	"FROM (SELECT coalesce(max(seq) + 1, 0) AS next "
	"      FROM call_turns WHERE call_id = $2::uuid) last, "
	"     jsonb_array_elements($3::jsonb) WITH ORDINALITY AS t(v, n)";

/*
 * Messages arrive in any order and more than once, so a status only moves forward: pending,
 * initiated, queued, ringing, in-progress, then one of the ends (a transfer among them), which
 * stays.
 */
#define STATUS_RANK(s) \
	"coalesce(array_position(ARRAY['pending', 'initiated', 'queued', 'ringing', " \
	"'in-progress'], " s "), 9)"
static const char SQL_CALL_PROGRESS[] =
	"UPDATE calls SET "
	"  status = CASE WHEN " STATUS_RANK("$2::text") " > " STATUS_RANK("status")
	"                THEN $2::text ELSE status END, "
	"  answered_at = CASE WHEN $2::text IN ('in-progress', 'transferred') "
	"                     THEN coalesce(answered_at, now()) ELSE answered_at END, "
	"  ended_at = CASE WHEN " STATUS_RANK("$2::text") " = 9 AND $2::text <> 'transferred' "
	"                  THEN coalesce(ended_at, greatest(now(), started_at)) ELSE ended_at END, "
	"  ended_reason = coalesce($3, ended_reason) "
	"WHERE id = $1";

/*
 * The end-of-call report has the last word on how the call ended (a transfer stays one), when it
 * started and ended, and what it cost. A recording is fetched and checked by its own job.
 */
static const char SQL_CALL_REPORT[] =
	"UPDATE calls SET "
	"  status = CASE WHEN $2::text = 'completed' AND status = 'transferred' THEN status "
	"                ELSE $2::text END, "
	"  ended_reason = coalesce($3, ended_reason), "
	"  summary = coalesce($4, summary), "
	"  cost_cents = coalesce($5::bigint, cost_cents), "
	"  started_at = coalesce(to_timestamp($6::float8), started_at), "
	"  answered_at = CASE WHEN $2::text IN ('completed', 'transferred') "
	"                     THEN coalesce(answered_at, to_timestamp($6::float8), started_at) "
	"                     ELSE answered_at END, "
	"  ended_at = greatest(coalesce(to_timestamp($7::float8), ended_at, now()), "
	"                      coalesce(to_timestamp($6::float8), started_at)), "
	"  duration_seconds = coalesce($8::int, duration_seconds), "
	"  recording_url = coalesce($9, recording_url), "
	"  recording_status = CASE WHEN $9::text IS NOT NULL "
	"                           AND recording_status IN ('none', 'pending') "
	"                          THEN 'processing' ELSE recording_status END "
	"WHERE id = $1";
/* Every ended call goes through the post-call pipeline: a missed caller is a lead too. */
static const char SQL_CALL_FINISHED[] =
	"SELECT id FROM calls WHERE id = $1 "
	"  AND status NOT IN ('pending', 'initiated', 'queued', 'ringing', 'in-progress')";
/* A forwarded call says where it went. */
static const char SQL_CALL_FORWARDED[] =
	"UPDATE calls SET transfer_to = coalesce($2, transfer_to), "
	"  transferred_at = coalesce(transferred_at, now()) "
	"WHERE id = $1";

static const char HANG_NOTE[] = "The receptionist did not answer in time (Vapi reported a hang).";

const char *hook_vapi_call_row(struct req *r, const struct vapi_msg *m, const char *status)
{
	bool outbound = !strcmp(m->direction, "outbound");
	const char *ours = m->our_number ? m->our_number : "";
	const char *theirs = m->customer ? m->customer : "";

	if (!m->call_id)
		return NULL;
	const char *id = db_text(r->db, r->arena, SQL_CALL_ROW, m->event.org_id, m->call_id,
				 m->direction, outbound ? ours : theirs, outbound ? theirs : ours,
				 m->our_number, status);
	/* Made by a concurrent first message of the call: visible to the next statement. */
	if (!id && !db_sqlstate(r->db)[0])
		id = db_text(r->db, r->arena, SQL_CALL_ID, m->call_id);
	if (!id && !db_sqlstate(r->db)[0])
		log_warn("a Vapi message names another business's call: org=%s call=%s",
			 m->event.org_id, m->call_id);
	return id;
}

bool hook_vapi_is_call_event(const char *type)
{
	static const char *const types[] = {
		"status-update", "transcript", "transcript[transcriptType=\"final\"]",
		"conversation-update", "hang", "speech-update", "end-of-call-report",
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

/* A string member cut to max bytes on one line, or NULL when missing or empty. */
static const char *line_field(struct arena *a, const json_t *obj, const char *key, size_t max)
{
	const char *s = json_str(obj, key);

	return s && s[strspn(s, " \t\r\n")] ? vapi_one_line(a, s, max) : NULL;
}

/* A number member, or NAN when missing or not a number. */
static double number_field(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The turns (a JSON array) the call does not have yet, appended in order. 0 or -1. */
static int turns_merge(struct req *r, const struct vapi_msg *m, const char *call_id,
		       const json_t *turns, bool check_stored)
{
	char error[128];
	const json_t *missing = turns;

	if (!json_array_size(turns))
		return 0;
	if (check_stored) {
		const char *text = db_text(r->db, r->arena, SQL_TURNS_STORED, call_id);
		json_t *stored = text ? json_parse(r->arena, text, strlen(text), error,
						   sizeof(error)) : NULL;
		if (!stored)
			return -1;
		missing = vapi_turns_missing(r->arena, stored, turns);
		if (!json_array_size(missing))
			return 0;
	}
	return db_exec(r->db, r->arena, SQL_TURNS_ADD, m->event.org_id, call_id,
		       json_text(r->arena, missing)) < 0 ? -1 : 0;
}

static int progress(struct req *r, const char *call_id, const char *status, const char *reason)
{
	return db_exec(r->db, r->arena, SQL_CALL_PROGRESS, call_id, status, reason) < 0 ? -1 : 0;
}

static int status_update(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	const char *reason = line_field(r->arena, m->m, "endedReason", REASON_MAX);
	const char *status = vapi_call_status(json_str(m->m, "status"), reason);

	if (!status)
		return 0;
	if (!strcmp(status, "transferred")) {
		const char *to = line_field(r->arena, json_object_get(m->m, "destination"), "number",
					    64);
		if (db_exec(r->db, r->arena, SQL_CALL_FORWARDED, call_id, to) < 0)
			return -1;
	}
	return progress(r, call_id, status, reason);
}

/* A final transcript is one turn, stored as it is said. */
static int transcript(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	const char *role = json_str(m->m, "role");
	const char *text = line_field(r->arena, m->m, "transcript", 4000);

	if (!role || !text || (strcmp(role, "user") && strcmp(role, "assistant")))
		return 0;
	json_t *turn = json_to_arena(r->arena, json_pack("[{s:s, s:s}]", "speaker",
							 strcmp(role, "user") ? "assistant" : "caller",
							 "text", text));
	return turns_merge(r, m, call_id, turn, false);
}

/* The messages of a conversation: Vapi's form first, else the OpenAI form. */
static const json_t *messages_of(const json_t *obj)
{
	json_t *messages = json_object_get(obj, "messages");

	return json_array_size(messages) ? messages :
					   json_object_get(obj, "messagesOpenAIFormatted");
}

static int conversation_update(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	return turns_merge(r, m, call_id, vapi_turns(r->arena, messages_of(m->m), NULL), true);
}

static int hang(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	log_warn("Vapi reported that the assistant did not answer in time: call=%s", m->call_id);
	json_t *note = json_to_arena(r->arena, json_pack("[{s:s, s:s}]", "speaker", "system",
							 "text", HANG_NOTE));
	return turns_merge(r, m, call_id, note, false);
}

/* Someone speaking means the call is connected. */
static int speech_update(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	const char *status = json_str(m->m, "status");

	return status && !strcmp(status, "started") ? progress(r, call_id, "in-progress", NULL) : 0;
}

/* An address a recording can be fetched from, or NULL. */
static const char *recording_url(const json_t *message, const json_t *artifact)
{
	const char *candidates[] = {
		json_str(artifact, "recordingUrl"),
		json_str(json_object_get(json_object_get(artifact, "recording"), "mono"),
			 "combinedUrl"),
		json_str(message, "recordingUrl"),
		json_str(artifact, "stereoRecordingUrl"),
		json_str(message, "stereoRecordingUrl"),
	};

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		const char *url = candidates[i] ? candidates[i] : "";
		size_t len = strlen(url);
		bool plain = true;
		for (size_t k = 0; k < len && plain; k++)
			plain = (unsigned char)url[k] > 0x20 && url[k] != 0x7f;
		if (plain && len <= URL_MAX &&
		    (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7)))
			return url;
	}
	return NULL;
}

/* "%.3f" of an ISO time member, or NULL. */
static const char *time_field(struct arena *a, const json_t *obj, const char *key, double *out)
{
	*out = NAN;
	if (vapi_time(json_str(obj, key), out) < 0)
		return NULL;
	return arena_printf(a, "%.3f", *out);
}

/* How long the call lasted in whole seconds, from the report's duration or its two times. */
static const char *duration_of(struct arena *a, const json_t *message, double started,
			       double ended)
{
	double seconds = number_field(message, "durationSeconds");

	if (isnan(seconds))
		seconds = number_field(message, "durationMs") / 1000;
	if (isnan(seconds) && !isnan(started) && !isnan(ended))
		seconds = ended - started;
	if (isnan(seconds) || seconds < 0 || seconds > DURATION_MAX)
		return NULL;
	return arena_printf(a, "%ld", lround(seconds));
}

/* Queue a job of kind for the call, once per call (dedupe prefix). 0 or -1. */
static int queue_job(struct req *r, const char *kind, const char *prefix, const char *call_id)
{
	json_t *payload = json_to_arena(r->arena, json_pack("{s:s}", "call_id", call_id));

	return payload && jobs_enqueue(r->db, r->arena, kind, payload, 0,
				       arena_printf(r->arena, "%s:%s", prefix, call_id)) ? 0 : -1;
}

/*
 * end-of-call-report: artifact and analysis first, the legacy top-level fields after; each
 * field stored when it makes sense and left out when not. Then the post-call analysis of a call
 * that had a conversation, exactly as for a Twilio call.
 */
static int end_of_call_report(struct req *r, const struct vapi_msg *m, const char *call_id)
{
	const json_t *artifact = json_object_get(m->m, "artifact");
	const json_t *analysis = json_object_get(m->m, "analysis");
	const json_t *messages = messages_of(artifact);
	const char *transcript_text = json_str(artifact, "transcript");
	double started, ended, cost = number_field(m->m, "cost");

	if (!json_array_size(messages))
		messages = messages_of(m->m);
	if (!transcript_text)
		transcript_text = json_str(m->m, "transcript");
	if (turns_merge(r, m, call_id, vapi_turns(r->arena, messages, transcript_text), true) < 0)
		return -1;

	const char *reason = line_field(r->arena, m->m, "endedReason", REASON_MAX);
	if (!reason)
		reason = line_field(r->arena, json_object_get(m->m, "call"), "endedReason",
				    REASON_MAX);
	const char *summary = line_field(r->arena, analysis, "summary", SUMMARY_MAX);
	if (!summary)
		summary = line_field(r->arena, m->m, "summary", SUMMARY_MAX);
	const char *cents = isfinite(cost) && cost >= 0 && cost < 1e9 ?
			    arena_printf(r->arena, "%lld", llround(cost * 100)) : NULL;
	const char *start = time_field(r->arena, m->m, "startedAt", &started);
	const char *end = time_field(r->arena, m->m, "endedAt", &ended);
	const char *url = recording_url(m->m, artifact);

	if (db_exec(r->db, r->arena, SQL_CALL_REPORT, call_id, vapi_ended_status(reason), reason,
		    summary, cents, start, end, duration_of(r->arena, m->m, started, ended),
		    url) < 0)
		return -1;
	if (url && queue_job(r, "recording.check", "recording", call_id) < 0)
		return -1;
	const char *finished = db_text(r->db, r->arena, SQL_CALL_FINISHED, call_id);
	if (!finished && db_sqlstate(r->db)[0])
		return -1;
	return finished ? queue_job(r, "call.analyze", "analyze", call_id) : 0;
}

void hook_vapi_call_event(struct req *r, const struct vapi_msg *m)
{
	static const struct {
		const char *type;
		int (*handle)(struct req *r, const struct vapi_msg *m, const char *call_id);
		bool writes_turns;
	} handlers[] = {
		{ "status-update", status_update, false },
		{ "transcript", transcript, true },
		{ "transcript[transcriptType=\"final\"]", transcript, true },
		{ "conversation-update", conversation_update, true },
		{ "hang", hang, true },
		{ "speech-update", speech_update, false },
		{ "end-of-call-report", end_of_call_report, true },
	};
	const char *kind = json_str(m->m, "transcriptType");
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (!strcmp(m->type, handlers[i].type))
			break;
	/* Partial transcripts are what the final one will say; a message without a call has
	 * nothing to keep. Neither is recorded. */
	if (i == sizeof(handlers) / sizeof(handlers[0]) || !m->call_id ||
	    (!strcmp(m->type, "transcript") && (!kind || strcmp(kind, "final")))) {
		http_send(r, 200, "application/json", "{}", 2);
		return;
	}
	if (hook_event_first(r, &m->event) <= 0)
		return;
	/* A call first heard of through its status or its report starts queued; one first heard
	 * of through what is said on it is in progress. */
	bool progress_only = !strcmp(m->type, "status-update") ||
			     !strcmp(m->type, "end-of-call-report");
	const char *call_id = hook_vapi_call_row(r, m, progress_only ? "queued" : "in-progress");
	if (!call_id && db_sqlstate(r->db)[0]) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return;
	}
	if (call_id &&
	    ((handlers[i].writes_turns && !db_q(r->db, r->arena, SQL_CALL_LOCK, call_id)) ||
	     handlers[i].handle(r, m, call_id) < 0)) {
		http_fail(r, 503, "the call could not be updated; please retry");
		return;
	}
	hook_event_answer_json(r, &m->event, "{}");
}
