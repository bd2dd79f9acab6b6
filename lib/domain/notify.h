/* notify.h: messages to customers that really go out, each recorded as a notifications row */
#ifndef SB_NOTIFY_H
#define SB_NOTIFY_H

#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;

/* What a message is about, for the pages that show it; each may be NULL. */
struct notify_links {
	const char *call_id;
	const char *appointment_id;
	const char *lead_id;
	/* The job sending it: an attempt run again after a retry or a crash never texts twice. */
	const char *job_id;
};

/* What became of a message; the notifications row says the same in its status. */
enum notify_status {
	NOTIFY_SENT,     /* Twilio accepted it (now or, for this job, in an earlier attempt) */
	NOTIFY_LOGGED,   /* recorded only: SMS is off for the business or no provider is set up */
	NOTIFY_SKIPPED,  /* the number opted out (it texted STOP): never texted */
	NOTIFY_FAILED,   /* refused for good (an invalid number, no number to send from, ...) */
	NOTIFY_RETRY,    /* not sent for now (Twilio unreachable, 429, 5xx, the database) */
};

/*
 * Text body to the number to on behalf of org_id, from the organization's first active phone
 * number, and record it as a notifications row (channel sms, purpose, links) with what became of
 * it: skipped, logged, sent (with Twilio's message id) or failed (with Twilio's reason). No
 * transaction may be open on db: this opens its own, and none stays open while Twilio is asked.
 * With links->job_id, an attempt whose job already settled the message returns that outcome
 * without another row, and one whose earlier attempt stopped mid-send fails rather than risk a
 * second text. Returns the outcome; for failed and retry (and the reason a message was only
 * logged or skipped) a short reason goes into error (size errlen).
 */
enum notify_status notify_sms(struct db *db, struct arena *a, const char *org_id, const char *to,
			      const char *body, const struct notify_links *links,
			      const char *purpose, char *error, size_t errlen);

/*
 * Queue an "sms.send" job texting body to the number to, for the organization of the
 * transaction open on db (so the text goes out only if that transaction commits), with
 * purpose (NULL for none) and whichever of links' call, appointment and lead ids are set
 * (links may be NULL; its job_id is not used). A non-NULL dedupe_key makes a second text with
 * the same key a no-op. Returns the job id (arena), "" when deduplicated, or NULL on failure.
 */
const char *notify_sms_enqueue(struct db *db, struct arena *a, const char *to, const char *body,
			       const char *purpose, const struct notify_links *links,
			       const char *dedupe_key);

/*
 * notify_sms() for a job (links->job_id should be the job's id), as the job's outcome: JOB_DONE
 * when the text was sent, only logged or skipped (its notifications row says why), error then
 * emptied; JOB_FAILED when Twilio refused; JOB_RETRY when trying later can help.
 */
enum job_outcome notify_sms_for_job(struct db *db, struct arena *a, const struct job *job,
				    const char *to, const char *body,
				    const struct notify_links *links, const char *purpose,
				    char *error, size_t errlen);

/*
 * The "sms.send" job: payload {"to","body"} and optionally "purpose", "call_id",
 * "appointment_id", "lead_id". Sends through notify_sms() with the job's id, so a job claimed
 * again never texts twice. JOB_RETRY only when trying later can help (Twilio unreachable or
 * slow, 429, 5xx, the database); JOB_FAILED with Twilio's reason when it refused.
 */
enum job_outcome notify_sms_job(struct db *db, struct arena *a, const struct job *job,
				char *error, size_t errlen);

#endif
