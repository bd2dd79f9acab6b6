/* vapi_rest.h: a client of Vapi's REST API: placing an outbound call (PROTOCOLS.md §5.6) and
 * reading one of the account's phone numbers */
#ifndef SB_VAPI_REST_H
#define SB_VAPI_REST_H

#include <stdbool.h>

struct arena;

/* An outbound call to ask Vapi for. NULL or "" leaves an optional field out. */
struct vapi_call_request {
	const char *api_key;          /* the organization's private API key (Bearer) */
	const char *assistant_id;     /* the assistant that talks */
	const char *phone_number_id;  /* the Vapi number it calls from */
	const char *customer_number;  /* whom it calls, E.164 */
	const char *customer_name;    /* optional */
	const char *reason;           /* optional: what it is about (variable callbackReason) */
};

/* What Vapi answered. Strings belong to the arena given to the call; none is ever NULL. */
struct vapi_result {
	long http_status;       /* 0 when no answer came (transport failure, timeout) */
	const char *id;         /* the call's id when Vapi accepted it, else "" */
	const char *status;     /* the call's status on acceptance (queued, ...), else "" */
	const char *message;    /* why it was refused, or why no answer came; "" on success */
	bool retryable;         /* a transport failure, timeout, 429 or 5xx: later may succeed */
};

/*
 * Ask Vapi at VAPI_API_BASE to place the call in req (POST /call), waiting for the answer at
 * most HTTP_TIMEOUT_MS. Returns 0 when Vapi accepted it (out->id is set), or -1 when it refused
 * or could not be reached (out says why and whether trying again can help).
 */
int vapi_create_call(struct arena *a, const struct vapi_call_request *req, struct vapi_result *out);

/* What reading a phone number by id found. */
enum vapi_number_found {
	VAPI_NUMBER_OURS = 0,     /* the key's organization has the number */
	VAPI_NUMBER_UNKNOWN,      /* no number of the key's organization has that id (404, 400) */
	VAPI_NUMBER_BAD_KEY,      /* Vapi refused the key (401, 403) */
	VAPI_NUMBER_NO_ANSWER,    /* no usable answer: transport failure, timeout, 429, 5xx */
};

/*
 * Ask Vapi at VAPI_API_BASE, with the private api_key, for the phone number phone_number_id
 * (GET /phone-number/{id}): only the organization that has the number can read it, so a 200
 * naming that id shows that the key's holder may use it. Returns what was found.
 */
enum vapi_number_found vapi_phone_number_read(struct arena *a, const char *api_key,
					      const char *phone_number_id);

#endif
