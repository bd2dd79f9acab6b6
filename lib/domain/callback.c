/* callback.c: outbound call-backs to leads: the setup check, the pending call row and its job */
#include "domain/callback.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "domain/credentials.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/phone_lines.h"
#include "provider/twilio_rest.h"
#include "provider/vapi_rest.h"

/* The call mode, the Vapi ids, and the first active business number (what texts come from). */
static const char SQL_SETUP[] =
	"SELECT o.call_mode, v.outbound_assistant_id, v.phone_number_id, n.id, n.e164, "
	"       n.twilio_account_sid "
	"FROM organizations o "
	"LEFT JOIN vapi_settings v ON v.org_id = o.id "
	"LEFT JOIN LATERAL (SELECT p.id, p.e164, p.twilio_account_sid FROM phone_numbers p "
	"                   WHERE p.org_id = o.id AND p.active AND p.verified_at IS NOT NULL "
	"                   ORDER BY p.created_at, p.id LIMIT 1) n ON true "
	"WHERE o.id = $1";

static const char SQL_PENDING_CALL[] =
	"INSERT INTO calls (org_id, phone_number_id, provider, direction, from_number, to_number, "
	"                   status, lead_id) "
	"VALUES ($1, $2, $3, 'outbound', $4, $5, 'pending', $6) RETURNING id";

static const char SQL_CALL[] =
	"SELECT c.provider, c.provider_call_id, c.status, c.from_number, c.to_number, c.lead_id, "
	"       coalesce(l.name, ''), coalesce(c.ended_reason, '') "
	"FROM calls c LEFT JOIN leads l ON l.org_id = c.org_id AND l.id = c.lead_id "
	"WHERE c.id = $1 AND c.direction = 'outbound'";

/* Only a call no attempt has placed yet takes the provider's id. */
static const char SQL_INITIATED[] =
	"UPDATE calls SET provider_call_id = $2, "
	"  status = CASE WHEN status = 'pending' THEN 'initiated' ELSE status END "
	"WHERE id = $1 AND provider_call_id IS NULL";

/*
 * The provider's first callback can come before its answer to us: the webhook then made a row
 * of its own for the call. That row carries on as the call-back (it may already hold turns),
 * and the pending row, which nothing else refers to yet, goes.
 */
static const char SQL_ADOPT[] =
	"UPDATE calls SET lead_id = coalesce(lead_id, $3::uuid), direction = 'outbound' "
	"WHERE provider = $1 AND provider_call_id = $2 RETURNING id";
static const char SQL_DROP_PENDING[] =
	"DELETE FROM calls WHERE id = $1 AND provider_call_id IS NULL";

static const char SQL_CONTACTED[] =
	"UPDATE leads SET last_contacted_at = now(), last_call_id = $2, "
	"  status = CASE WHEN status = 'new' THEN 'contacted' ELSE status END "
	"WHERE id = $1";

static const char SQL_CALL_FAILED[] =
	"UPDATE calls SET status = 'failed', ended_reason = left($2, 500), "
	"  ended_at = greatest(now(), started_at) "
	"WHERE id = $1 AND provider_call_id IS NULL AND status = 'pending'";

/* Counts a call-back against the business's day, or says why it may not go (018). */
static const char SQL_USAGE_TAKE[] = "SELECT refusal, reason FROM usage_take('call', $1, $2::int)";

/* Set out->problem (and where it is fixed) from what its provider needs that is missing. */
static void setup_check(struct callback_setup *out)
{
	out->problem = out->fix_url = out->fix_label = NULL;
	if (!strcmp(out->provider, "vapi")) {
		if (!out->vapi_api_key) {
			out->problem = "Calls cannot be placed through Vapi: no Vapi API key is "
				       "saved.";
			out->fix_url = "/settings/credentials";
			out->fix_label = "Save the Vapi API key";
		} else if (!out->vapi_assistant_id) {
			out->problem = "Calls cannot be placed through Vapi: no outbound assistant "
				       "is chosen.";
			out->fix_url = "/settings/vapi";
			out->fix_label = "Set the outbound assistant id";
		} else if (!out->vapi_phone_number_id) {
			out->problem = "Calls cannot be placed through Vapi: no Vapi phone number to "
				       "call from is set.";
			out->fix_url = "/settings/vapi";
			out->fix_label = "Set the Vapi phone number id";
		}
		return;
	}
	if (!twilio_account_usable(&out->twilio)) {
		out->problem = "Calls cannot be placed: this Switchboard server has no Twilio "
			       "account (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN). Ask whoever runs "
			       "it to set one up, or let Vapi place the calls.";
		out->fix_url = "/settings/receptionist";
		out->fix_label = "Choose the call mode";
	} else if (!out->phone_number_id) {
		out->problem = "Calls cannot be placed: the business has no active, verified phone "
			       "number to call from.";
		out->fix_url = "/line";
		out->fix_label = "Connect a phone line";
	}
}

/*
 * What placing a call through provider needs (NULL: the provider of the call mode), read into
 * out; setup_check() then says what is missing. Returns 0 or -1.
 */
static int setup_read(struct db *db, struct arena *a, const char *org_id, const char *provider,
		      struct callback_setup *out)
{
	struct db_result *res = db_q(db, a, SQL_SETUP, org_id);

	*out = (struct callback_setup){ 0 };
	if (!res || db_rows(res) != 1) {
		log_error("could not read how the business places calls: org=%s", org_id);
		return -1;
	}
	bool vapi = provider ? !strcmp(provider, "vapi") : !strcmp(db_value(res, 0, 0), "vapi");
	out->provider = vapi ? "vapi" : "twilio";
	out->vapi_assistant_id = db_value(res, 0, 1);
	out->vapi_phone_number_id = db_value(res, 0, 2);
	out->phone_number_id = db_value(res, 0, 3);
	out->from = vapi ? "vapi" : db_value(res, 0, 4);
	if (!vapi)
		return phone_line_account(db, a, org_id, db_value(res, 0, 5), &out->twilio);
	out->vapi_api_key = credential_get(db, a, org_id, "vapi", "api_key");
	return !out->vapi_api_key && *db_sqlstate(db) ? -1 : 0;
}

int callback_setup_load(struct db *db, struct arena *a, const char *org_id,
			struct callback_setup *out)
{
	if (setup_read(db, a, org_id, NULL, out) < 0)
		return -1;
	setup_check(out);
	return 0;
}

const char *callback_request(struct db *db, struct arena *a, const char *org_id,
			     const struct callback_setup *setup, const char *lead_id,
			     const char *to, const char *reason)
{
	const char *call_id = db_text(db, a, SQL_PENDING_CALL, org_id, setup->phone_number_id,
				      setup->provider, setup->from, to, lead_id);

	if (!call_id)
		return NULL;
	json_t *payload = json_to_arena(a, json_pack("{s:s, s:s, s:s, s:s}", "call_id", call_id,
						     "lead_id", lead_id, "to", to, "body", reason));
	if (!payload || !jobs_enqueue(db, a, "lead.callback", payload, 0, NULL))
		return NULL;
	log_info("call-back requested call=%s lead=%s provider=%s", call_id, lead_id,
		 setup->provider);
	return call_id;
}

/* The pending call as the job reads it. */
struct pending_call {
	const char *id;
	const char *provider;
	const char *provider_call_id;   /* NULL until a provider accepted it */
	const char *status;
	const char *from, *to;
	const char *lead_id;            /* NULL when the lead is gone */
	const char *lead_name;          /* "" when the lead has none */
	const char *ended_reason;
};

/* What the provider said to the request for a call. */
struct placement {
	const char *provider_call_id;   /* set when it accepted the call */
	const char *message;            /* why not, otherwise */
	bool retryable;
};

static void place_vapi(struct arena *a, const struct callback_setup *s,
		       const struct pending_call *c, const char *reason, struct placement *out)
{
	struct vapi_call_request req = {
		.api_key = s->vapi_api_key,
		.assistant_id = s->vapi_assistant_id,
		.phone_number_id = s->vapi_phone_number_id,
		.customer_number = c->to,
		.customer_name = c->lead_name,
		.reason = reason,
	};
	struct vapi_result v;

	if (vapi_create_call(a, &req, &v) == 0) {
		out->provider_call_id = v.id;
		return;
	}
	out->retryable = v.retryable;
	out->message = v.http_status ? v.message
				     : arena_printf(a, "could not reach Vapi: %s", v.message);
}

/* PUBLIC_BASE_URL, then path; arena-owned. */
static const char *public_url(struct arena *a, const char *path)
{
	return arena_printf(a, "%s%s", conf_str("PUBLIC_BASE_URL"), path);
}

static void place_twilio(struct arena *a, const struct callback_setup *s,
			 const struct pending_call *c, struct placement *out)
{
	struct twilio_call_request req = {
		.from = c->from,
		.to = c->to,
		.url = public_url(a, "/hooks/twilio/voice"),
		.status_callback = public_url(a, "/hooks/twilio/status"),
		.recording_callback = public_url(a, "/hooks/twilio/recording"),
	};
	struct twilio_result tw;

	if (twilio_create_call_as(a, &s->twilio, &req, &tw) == 0) {
		out->provider_call_id = tw.sid;
		return;
	}
	out->retryable = tw.retryable;
	out->message = tw.code ? arena_printf(a, "%s (Twilio error %ld)", tw.message, tw.code)
		       : tw.http_status ? tw.message
		       : arena_printf(a, "could not reach Twilio: %s", tw.message);
}

/*
 * Count the call against the business's day unless it may not be placed: *problem then says
 * why (the day's limit, a country it may not call). In the caller's transaction, so the
 * count goes with the call's row. Returns 0, or -1 when the database failed.
 */
static int call_allowance(struct db *db, struct arena *a, const char *to, const char **problem)
{
	struct db_result *res = db_q(db, a, SQL_USAGE_TAKE, to,
				     arena_printf(a, "%ld", conf_int("CALLS_DAILY_CEILING")));

	if (!res || db_rows(res) != 1)
		return -1;
	if (db_value(res, 0, 0))
		*problem = db_value(res, 0, 1);
	return 0;
}

/*
 * Read the call of the job and how its provider is set up, in one short transaction. Returns
 * 1 when the call is to be placed now, 0 when the job is settled (*outcome, error), -1 when
 * the database failed.
 */
static int call_read(struct db *db, struct arena *a, const struct job *job, const char *call_id,
		     struct pending_call *c, struct callback_setup *s, enum job_outcome *outcome,
		     char *error, size_t errlen)
{
	if (db_begin_org(db, a, job->org_id) < 0)
		return -1;
	struct db_result *res = db_q(db, a, SQL_CALL, call_id);
	if (!res)
		goto fail;
	if (db_rows(res) != 1) {
		db_rollback(db);
		snprintf(error, errlen, "the call to place is gone");
		*outcome = JOB_FAILED;
		return 0;
	}
	*c = (struct pending_call){
		.id = call_id,
		.provider = db_value(res, 0, 0), .provider_call_id = db_value(res, 0, 1),
		.status = db_value(res, 0, 2), .from = db_value(res, 0, 3),
		.to = db_value(res, 0, 4), .lead_id = db_value(res, 0, 5),
		.lead_name = db_value(res, 0, 6), .ended_reason = db_value(res, 0, 7),
	};
	if (c->provider_call_id || strcmp(c->status, "pending")) {
		/* An earlier attempt settled it: placed (never twice), or failed with a reason. */
		db_rollback(db);
		bool failed = !c->provider_call_id && !strcmp(c->status, "failed");
		snprintf(error, errlen, "%s", failed ? c->ended_reason : "");
		*outcome = failed ? JOB_FAILED : JOB_DONE;
		log_info("call-back already %s by an earlier attempt call=%s",
			 failed ? "failed" : "placed", call_id);
		return 0;
	}
	/* The provider chosen when the owner asked stays the call's. */
	if (setup_read(db, a, job->org_id, c->provider, s) < 0)
		goto fail;
	setup_check(s);
	if (!s->problem && call_allowance(db, a, c->to, &s->problem) < 0)
		goto fail;
	if (s->problem) {
		snprintf(error, errlen, "%s", s->problem);
		if (db_exec(db, a, SQL_CALL_FAILED, call_id, s->problem) < 0 || db_commit(db) < 0)
			goto fail;
		*outcome = JOB_FAILED;
		return 0;
	}
	if (db_commit(db) < 0)
		goto fail;
	return 1;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	return -1;
}

/* The pending row takes the provider's id, or gives way to the row its webhook made first;
 * the lead has been contacted. Returns 0 or -1. */
static int call_placed(struct db *db, struct arena *a, const char *org_id,
		       const struct pending_call *c, const char *provider_call_id)
{
	const char *effective = c->id;

	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	long n = db_exec(db, a, SQL_INITIATED, c->id, provider_call_id);
	if (n < 0 && !strcmp(db_sqlstate(db), DB_UNIQUE_VIOLATION)) {
		db_rollback(db);
		if (db_begin_org(db, a, org_id) < 0)
			return -1;
		effective = db_text(db, a, SQL_ADOPT, c->provider, provider_call_id, c->lead_id);
		n = effective ? db_exec(db, a, SQL_DROP_PENDING, c->id) : -1;
		log_info("call-back carried on in the row its webhook made call=%s row=%s", c->id,
			 effective ? effective : "-");
	}
	if (n < 0 || (c->lead_id && db_exec(db, a, SQL_CONTACTED, c->lead_id, effective) < 0) ||
	    db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return -1;
	}
	return 0;
}

/* The call failed for good with message, for the pages. Returns 0 or -1. */
static int call_failed(struct db *db, struct arena *a, const char *org_id, const char *call_id,
		       const char *message)
{
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (db_exec(db, a, SQL_CALL_FAILED, call_id, message) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

enum job_outcome callback_job(struct db *db, struct arena *a, const struct job *job,
			      char *error, size_t errlen)
{
	const char *call_id = json_str(job->payload, "call_id");
	const char *reason = json_str(job->payload, "body");
	struct pending_call c;
	struct callback_setup s;
	struct placement placed = { .message = "the provider gave no reason" };
	enum job_outcome outcome = JOB_FAILED;

	if (!text_is_uuid(call_id)) {
		snprintf(error, errlen, "the job names no call to place (call_id)");
		return JOB_FAILED;
	}
	int ready = call_read(db, a, job, call_id, &c, &s, &outcome, error, errlen);
	if (ready < 0) {
		snprintf(error, errlen, "could not read the call: the database is unavailable");
		return JOB_RETRY;
	}
	if (ready == 0)
		return outcome;

	if (!strcmp(c.provider, "vapi"))
		place_vapi(a, &s, &c, reason, &placed);
	else
		place_twilio(a, &s, &c, &placed);

	if (placed.provider_call_id) {
		if (call_placed(db, a, job->org_id, &c, placed.provider_call_id) < 0) {
			/* Trying again would place a second call: the first one stands. */
			log_error("could not record a placed call-back call=%s provider=%s id=%s",
				  call_id, c.provider, placed.provider_call_id);
			snprintf(error, errlen, "the call was placed (%s) but could not be recorded",
				 placed.provider_call_id);
			return JOB_FAILED;
		}
		log_info("call-back placed call=%s provider=%s id=%s", call_id, c.provider,
			 placed.provider_call_id);
		*error = '\0';
		return JOB_DONE;
	}
	snprintf(error, errlen, "%s", placed.message);
	if (placed.retryable && job->attempts < job->max_attempts)
		return JOB_RETRY;
	/* Refused for good, or the last attempt: the call's page says why it never rang. */
	if (call_failed(db, a, job->org_id, call_id, placed.message) < 0)
		log_error("could not record a failed call-back call=%s", call_id);
	return placed.retryable ? JOB_RETRY : JOB_FAILED;
}
