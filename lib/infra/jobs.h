/* jobs.h: the job queue in PostgreSQL: enqueue from anywhere, run in switchboard-jobs */
#ifndef SB_JOBS_H
#define SB_JOBS_H

#include <jansson.h>
#include <stddef.h>

struct arena;
struct db;

/* A claimed job, as the runner hands it to a handler. Strings belong to the runner's arena. */
struct job {
	const char *id;
	const char *org_id;
	const char *kind;
	json_t *payload;
	long attempts;
	long max_attempts;
};

/* What a handler tells the runner. */
enum job_outcome {
	JOB_DONE,       /* finished; never run again */
	JOB_RETRY,      /* failed in a way that may pass later: run again after a backoff */
	JOB_FAILED,     /* failed for good (bad input, a refusal that retrying cannot change) */
};

/*
 * A handler runs one job. The runner has set the job's organization on db (no transaction
 * is open: a handler that talks to a provider must not hold one). On JOB_RETRY or JOB_FAILED
 * it writes a short reason into error (size errlen) for the job's row and the pages.
 */
typedef enum job_outcome (*job_handler)(struct db *db, struct arena *a, const struct job *job,
					char *error, size_t errlen);

struct job_kind {
	const char *kind;
	job_handler run;
};

/* The kinds this build knows, ended by { NULL, NULL }; in worker/jobs_table.c. */
extern const struct job_kind job_kinds[];

/*
 * Queue a job of kind for the organization of the transaction open on db (db_begin_org), to
 * run after delay_seconds, with payload (a JSON object; the caller keeps its reference). A
 * non-NULL dedupe_key makes a second job of that kind and key a no-op. Returns the job id
 * (arena-owned), "" when deduplicated, or NULL on failure.
 */
const char *jobs_enqueue(struct db *db, struct arena *a, const char *kind, json_t *payload,
			 long delay_seconds, const char *dedupe_key);

#endif
