/* hook-vapi.h: what the two halves of Vapi's server URL share (hook-vapi.c reads, authenticates
 * and answers the requests; hook-vapi-calls.c keeps the call's row and turns current) */
#ifndef SB_HOOK_VAPI_H
#define SB_HOOK_VAPI_H

#include <jansson.h>
#include <stdbool.h>

struct req;

/* One server message, read and checked. Strings belong to the request's arena or its body. */
struct vapi_msg {
	json_t *m;                   /* the "message" object */
	const char *type;
	const char *call_id;         /* Vapi's call id, or NULL */
	const char *our_number;      /* the business's number, or NULL */
	const char *customer;        /* the caller's (or callee's) number, or NULL */
	const char *direction;       /* calls.direction: inbound or outbound */
	const char *phone_number_id; /* Vapi's phone number id, or NULL */
	const char *org_id;          /* whose the message is, once known */
	const char *key;             /* the idempotency key: call id, type and timestamp */
	const char *voice_provider;  /* the organization's Vapi voice, once authenticated */
	const char *voice_id;
};

/*
 * Record m's delivery (the request's transaction is open under the organization). Returns 1 for
 * its first delivery, 0 when the stored answer of an earlier one has been replayed, and -1
 * after answering with an error.
 */
int hook_vapi_event_first(struct req *r, const struct vapi_msg *m);

/* Store the answer (a JSON text) of m's first delivery, then give it with status 200. */
void hook_vapi_event_answer(struct req *r, const struct vapi_msg *m, const char *json);

/*
 * The id of m's call row, made when this is the first word of the call (with status when so).
 * NULL when the message names no call, when the call id is another organization's, or on a
 * database error (then db_sqlstate() is set). Arena-owned.
 */
const char *hook_vapi_call_row(struct req *r, const struct vapi_msg *m, const char *status);

/*
 * A message about the call's progress: status-update, transcript, conversation-update, hang,
 * speech-update or end-of-call-report, handled and answered (in hook-vapi-calls.c). The
 * request's transaction is open under the organization.
 */
void hook_vapi_call_event(struct req *r, const struct vapi_msg *m);

/* True for the types hook_vapi_call_event() handles. */
bool hook_vapi_is_call_event(const char *type);

#endif
