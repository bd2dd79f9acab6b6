/* practice.h: practice calls: simulated callers try a business's own receptionist, unrecorded */
#ifndef SB_PRACTICE_H
#define SB_PRACTICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "infra/jobs.h"

struct arena;
struct db;

/* How many callers one run plays, at most. */
#define PRACTICE_CALLERS 20

/* One simulated caller and what it got. Strings and the transcript are arena-owned. */
struct practice_call {
	const char *goal;              /* "Book Drain cleaning on Tuesday morning" */
	bool passed;
	const char *verdict;           /* why it passed or failed, in words for the owner */
	json_t *transcript;            /* [{"speaker": "assistant" | "caller", "text": ...}] */
};

/*
 * Play up to PRACTICE_CALLERS callers made from the business's own services, hours, knowledge
 * and kind against its receptionist (brain_turn), as if it were now. Each caller runs inside a
 * rehearsal (db_rehearse_begin) rolled back when it hangs up, so nothing it did is kept: no
 * appointment, message, lead or queued text. db must have no transaction open. Returns the
 * number of callers with *out an arena array, or -1 when the business cannot be read.
 */
int practice_run(struct db *db, struct arena *a, const char *org_id, time_t now,
		 struct practice_call **out);

/*
 * The "practice.run" job: payload {"run_id"}; plays the callers and stores them in
 * practice_calls, marking the practice_runs row done (or failed).
 */
enum job_outcome practice_job(struct db *db, struct arena *a, const struct job *job, char *error,
			      size_t errlen);

#endif
