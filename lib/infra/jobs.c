/* jobs.c: queueing jobs for switchboard-jobs */
#include "infra/jobs.h"

#include <stdio.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"

/* jobs_enqueue() in SQL files the job under the transaction's organization. */
static const char SQL_ENQUEUE[] =
	"SELECT jobs_enqueue($1, $2::jsonb, now() + make_interval(secs => $3::int), $4)";

const char *jobs_enqueue(struct db *db, struct arena *a, const char *kind, json_t *payload,
			 long delay_seconds, const char *dedupe_key)
{
	const char *delay = arena_printf(a, "%ld", delay_seconds);
	struct db_result *res = db_q(db, a, SQL_ENQUEUE, kind, json_text(a, payload), delay, dedupe_key);

	if (!res || db_rows(res) != 1)
		return NULL;
	/* SQL NULL: a job with this dedupe key exists already. */
	const char *id = db_value(res, 0, 0);
	return id ? id : "";
}
