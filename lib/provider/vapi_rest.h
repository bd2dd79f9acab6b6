/* vapi_rest.h: a client of Vapi's REST API: placing an outbound call (PROTOCOLS.md §5.5) */
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

#endif
