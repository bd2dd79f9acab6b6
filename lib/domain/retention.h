/* retention.h: what a business keeps and for how long: transcripts and recordings past its
 * retention, and old webhook events and finished jobs, pruned by a daily job */
#ifndef SB_RETENTION_H
#define SB_RETENTION_H

#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;

/*
 * The daily "retention.prune" job of one organization (queued for every organization by
 * retention_schedule(), which the job runner calls): drops the recording link and status, the
 * summary and the turns of the organization's calls that ended longer ago than its
 * retention_days, and deletes its finished jobs and daily counts of texts and calls, and every
 * webhook event, older than PRUNE_AFTER_DAYS. Nothing is asked of providers. JOB_RETRY on a database error.
 */
enum job_outcome retention_prune_job(struct db *db, struct arena *a, const struct job *job,
				     char *error, size_t errlen);

/*
 * The "call.analyze" job: leads_analyze_job(), then, for a business that keeps nothing
 * (retention_days 0), the call's transcript, summary and recording link are dropped once the
 * analysis has used them. Returns what the analysis returned, or JOB_RETRY when the drop failed
 * (running the analysis again changes nothing more).
 */
enum job_outcome retention_analyze_job(struct db *db, struct arena *a, const struct job *job,
				       char *error, size_t errlen);

#endif
