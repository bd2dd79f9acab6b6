/* hook-vapi-calls.h: a Vapi server message, and the call it is about: hook-vapi.c reads,
 * authenticates and answers the requests, using hook-vapi-calls.c for the call row and turns */
#ifndef SB_HOOK_VAPI_CALLS_H
#define SB_HOOK_VAPI_CALLS_H

#include <jansson.h>
#include <stdbool.h>

#include "hook-event.h"

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
	struct hook_event event;     /* "vapi", the idempotency key (call id, type and timestamp)
				      * and whose the message is, once known */
	const char *voice_provider;  /* the organization's Vapi voice, once authenticated */
	const char *voice_id;
};

/*
 * The id of m's call row, made when this is the first word of the call (with status when so).
 * NULL when the message names no call, when the call id is another organization's, or on a
 * database error (then db_sqlstate() is set). Arena-owned. (In hook-vapi-calls.c.)
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
