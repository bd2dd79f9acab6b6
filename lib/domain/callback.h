/* callback.h: calling a lead back: whether the business can, the call row a "Call back" makes,
 * and the job that places the call through Vapi or Twilio */
#ifndef SB_CALLBACK_H
#define SB_CALLBACK_H

#include <stddef.h>

#include "infra/jobs.h"
#include "provider/twilio_rest.h"

struct arena;
struct db;

/*
 * How the organization places calls, and whether it can now. Strings are arena-owned; when
 * problem is NULL the provider's fields are all set.
 */
struct callback_setup {
	const char *provider;         /* "vapi" (call mode vapi) or "twilio" (the other modes) */
	const char *from;             /* the business number called from, or "vapi" */
	const char *phone_number_id;  /* our phone_numbers row of from (Twilio), else NULL */
	const char *vapi_api_key;
	const char *vapi_assistant_id;
	const char *vapi_phone_number_id;
	const char *problem;          /* why no call can be placed, for the owner; NULL when ready */
	const char *fix_url;          /* the settings page that fixes problem */
	const char *fix_label;        /* its name, for the link */
	struct twilio_account twilio; /* the account that holds from (Twilio) */
};

/*
 * Read how org_id places calls, in the transaction open on db (db_begin_org), and check that
 * everything it needs is configured: in the vapi call mode the API key, the outbound assistant
 * id and the phone number id; in the others a Twilio account (the business's own or the
 * server's, phone_line_account()) and an active, verified business number. Returns 0
 * (out->problem tells whether a call can be placed), or -1 on a database error (logged).
 */
int callback_setup_load(struct db *db, struct arena *a, const char *org_id,
			struct callback_setup *out);

/*
 * Ask for a call back to lead_id at number to, about reason ("" for none), in the transaction
 * open on db: the call row (outbound, pending, the setup's provider and from number, no
 * provider id yet) and the "lead.callback" job that places it. setup must be ready (no
 * problem). Returns the call row's id (arena-owned), or NULL on a database error (logged).
 */
const char *callback_request(struct db *db, struct arena *a, const char *org_id,
			     const struct callback_setup *setup, const char *lead_id,
			     const char *to, const char *reason);

/*
 * The "lead.callback" job: payload {"call_id", "lead_id", "to", "body"}. Places the pending
 * call of call_id through its provider and marks it initiated with the provider's call id,
 * once: a call that already has one (an earlier attempt got through) is not placed again. The
 * lead's last contact time is set and a new lead becomes contacted. A refusal fails the job and
 * the call with the provider's message; only 429, 5xx and transport failures are retried, and
 * the call fails with them once the last attempt has.
 */
enum job_outcome callback_job(struct db *db, struct arena *a, const struct job *job,
			      char *error, size_t errlen);

#endif
