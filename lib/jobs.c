/* jobs.c: queueing jobs and the retry policy the runner applies */
#include "jobs.h"

#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "json.h"

static const char SQL_ENQUEUE[] =
	"INSERT INTO jobs (org_id, kind, payload, run_at, dedupe_key) "
	"VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4::int), $5) "
	"ON CONFLICT DO NOTHING RETURNING id";

const char *jobs_enqueue(struct db *db, struct arena *a, const char *org_id, const char *kind,
			 json_t *payload, long delay_seconds, const char *dedupe_key)
{
	const char *delay = arena_printf(a, "%ld", delay_seconds);
	struct db_result *res = db_q(db, a, SQL_ENQUEUE, org_id, kind, json_text(a, payload), delay,
				     dedupe_key);

	if (!res)
		return NULL;
	return db_rows(res) ? db_value(res, 0, 0) : "";
}
