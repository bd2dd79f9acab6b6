/* mail.h: email from a business, queued in its transaction and sent by the job runner */
#ifndef SB_MAIL_H
#define SB_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;

struct mail_message {
	const char *to;            /* one address */
	const char *subject;       /* UTF-8 */
	const char *text;          /* plain text body, UTF-8 */
	const char *html;          /* NULL: text only */
	const char *purpose;       /* 'alert', 'daily_summary', 'info', 'password_reset',
	                              'verify_email', 'two_factor', ... */
	bool unsubscribable;       /* adds List-Unsubscribe (+ One-Click) */
	bool secret_link;          /* the text or HTML carries a one-time secret (a reset or
	                              verification link): sealed in the job, never recorded */
	const char *call_id, *lead_id, *appointment_id;   /* links, each may be NULL */
};

/* Queue a "mail.send" job for org_id in the transaction open on db (sent only if it commits),
 * recorded in notifications (channel 'email') when sent. A non-NULL dedupe_key makes a second
 * message with the same key a no-op. A secret_link message has its text and HTML sealed with
 * ENCRYPTION_KEY in the job (bound to org_id and the recipient), and is refused when it cannot
 * be. Returns the job id (arena), "" when deduplicated, NULL on failure. */
const char *mail_enqueue(struct db *db, struct arena *a, const char *org_id,
			 const struct mail_message *m, const char *dedupe_key);

/* mail_enqueue(), with the message due delay_seconds from now (quiet hours, say). A transaction
 * that shows no organization yet (a signed-out page) is given org_id for the queueing only; with
 * no transaction open the message is queued in one of its own. */
const char *mail_enqueue_later(struct db *db, struct arena *a, const char *org_id,
			       const struct mail_message *m, long delay_seconds,
			       const char *dedupe_key);

/*
 * The "mail.send" job: payload {"to","subject","text"} and optionally "html", "purpose",
 * "unsubscribable", "call_id", "lead_id", "appointment_id"; or, for a secret_link message,
 * "sealed" in place of "text" and "html" (opened with ENCRYPTION_KEY or one of
 * ENCRYPTION_KEYS_OLD), whose notifications row then keeps no body. Sends over SMTP once per job
 * (an attempt run again after a crash never sends twice), recorded as a notifications row.
 * JOB_RETRY on a 4xx reply, a timeout or a lost connection; JOB_FAILED on a 5xx reply, bad
 * input or a sealed body that does not open, with the reason in error (size errlen).
 */
enum job_outcome mail_send_job(struct db *db, struct arena *a, const struct job *job,
			       char *error, size_t errlen);

#endif
