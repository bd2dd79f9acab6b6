/* hook-event.h: a provider's webhook event taken once: recorded on its first delivery, and its
 * first answer replayed to every retry (webhook_events) */
#ifndef SB_HOOK_EVENT_H
#define SB_HOOK_EVENT_H

struct arena;
struct req;

/*
 * Record the event provider/key for org_id (NULL when the event is nobody's) in the transaction
 * open on r->db. Returns 1 for its first delivery (the caller handles it, then answers with
 * hook_event_answer()), 0 when it is a repeat and the stored answer has been given, and -1
 * after answering with an error. A delivery recorded but never answered (a process died on the
 * way) counts as a first one again: handlers store what is keyed by the event, so doing it
 * twice is safe.
 */
int hook_event_first(struct req *r, const char *provider, const char *key, const char *org_id);

/* Store the answer to the event's first delivery, then give it. body NULL means none. */
void hook_event_answer(struct req *r, const char *provider, const char *key, int status,
		       const char *type, const char *body);

/*
 * s made safe for XML text and attribute values (TwiML), arena-owned. Characters XML 1.0
 * forbids (control characters other than tab and line ends) become spaces: Twilio would reject
 * the whole document.
 */
const char *hook_xml(struct arena *a, const char *s);

#endif
