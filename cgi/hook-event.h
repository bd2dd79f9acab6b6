/* hook-event.h: a provider's webhook event taken once: recorded on its first delivery, and its
 * first answer replayed to every retry (webhook_events) */
#ifndef SB_HOOK_EVENT_H
#define SB_HOOK_EVENT_H

struct arena;
struct db_result;
struct db_stmt;
struct req;

/* One delivery of a provider's event: who sent it, its idempotency key and whose it is. */
struct hook_event {
	const char *provider;     /* "twilio", "vapi" */
	const char *key;          /* the same for every retry of one event, different otherwise */
	const char *org_id;       /* NULL when the event is nobody's */
};

/*
 * Open the transaction an event is handled in: under org_id's row-level security, or a plain
 * one when the event is nobody's (only the event itself is written then). Returns 0, or -1
 * after answering 503.
 */
int hook_event_transaction(struct req *r, const char *org_id);

/*
 * Take event e in the transaction open on r->db: wait while another delivery of it is being
 * handled (a lock held until that transaction ends), then look for its stored answer. Returns 1
 * when there is none (the caller handles the event, then answers with hook_event_answer(),
 * which records it), 0 when it is a repeat and the stored answer has been given, and -1 after
 * answering with an error. Nothing is written until the answer: a delivery that failed or died
 * on the way left nothing, and its retry is a first delivery again.
 */
int hook_event_first(struct req *r, const struct hook_event *e);

/* hook_event_transaction() for e's organization, then hook_event_first(); the same returns. */
int hook_event_begin(struct req *r, const struct hook_event *e);

/*
 * hook_event_begin() for e of a known organization, with the first statements of the work in
 * the same round trip (n at most DB_BATCH_MAX - 1). They run before it is known whether e is a
 * repeat, so they must be ones a repeat may run again (an upsert of the call's row): a repeat's
 * transaction is rolled back before its stored answer is given. Returns 1 with out[i] each
 * statement's result, 0 for a repeat answered, -1 after answering with an error.
 */
int hook_event_begin_with(struct req *r, const struct hook_event *e,
			  const struct db_stmt *work, int n, struct db_result **out);

/*
 * hook_event_answer() with the last statements of the work (n at most DB_BATCH_MAX - 1) sent
 * in the same round trip as the answer and the commit.
 */
void hook_event_answer_with(struct req *r, const struct hook_event *e,
			    const struct db_stmt *work, int n, int status, const char *type,
			    const char *body);

/* Record e with the answer to its first delivery (one row) and commit the request's
 * transaction with it, then give the answer. body NULL means none. Nothing may be written
 * after it. */
void hook_event_answer(struct req *r, const struct hook_event *e, int status, const char *type,
		       const char *body);

/* hook_event_answer() of a JSON text with status 200, as Vapi expects every answer. */
void hook_event_answer_json(struct req *r, const struct hook_event *e, const char *json);

/*
 * Wait for the lock called name ("twilio-call:CA…"): requests holding the same name run one
 * at a time, whichever process receives them, so a delivery retried while the first is still
 * being answered replays that answer instead of doing the work twice. A session lock, since
 * handlers commit transactions of their own; the server drops it with the connection, so a
 * process that dies never holds it. Returns 0, or -1 when it could not be taken (nothing is
 * answered: the caller decides).
 */
int hook_event_lock(struct req *r, const char *name);

/*
 * Settle the request's transaction (commit the stored answer, or roll back a failed one; the
 * router would, but only after the lock is gone), then release lock name.
 */
void hook_event_unlock(struct req *r, const char *name);

/*
 * s made safe for XML text and attribute values (TwiML), arena-owned. Characters XML 1.0
 * forbids (control characters other than tab and line ends) become spaces: Twilio would reject
 * the whole document.
 */
const char *hook_xml(struct arena *a, const char *s);

#endif
