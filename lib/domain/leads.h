/* leads.h: the post-call pipeline: a finished call summarized, scored and filed as a lead */
#ifndef SB_LEADS_H
#define SB_LEADS_H

#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;

/*
 * The "call.analyze" job: payload {"call_id"}, for a finished call, answered or missed. Reads the
 * call, its turns and the brain's session state, writes the call's summary, sentiment, urgency,
 * value, booked flag and classification (call_type, customer_type, call_purpose), upserts the
 * lead for the caller's number (one per organization and phone) with its score and temperature
 * (booked when the call booked, lost when the caller declined and nothing was arranged), queues
 * a text to the owner's alert phone for a hot lead and a text back to a missed inbound caller
 * (each once per call). Running it again changes nothing more. JOB_RETRY on a database error,
 * JOB_FAILED for a payload without a call.
 */
enum job_outcome leads_analyze_job(struct db *db, struct arena *a, const struct job *job,
				   char *error, size_t errlen);

#endif
