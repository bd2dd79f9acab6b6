/* retention.c: pruning by retention: old transcripts, sessions and recordings, webhook events and
 * jobs */
#include "domain/retention.h"

#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "domain/leads.h"

/*
 * A call is past retention when it ended more than retention_days ago; one that never recorded
 * its end counts from a day after it began. The extra hour lets a business that keeps nothing
 * have its last calls analysed before the daily job could drop their turns.
 */
#define PAST_RETENTION \
	"coalesce(c.ended_at, c.started_at + interval '1 day') < " \
	"now() - make_interval(days => o.retention_days) - interval '1 hour'"

static const char SQL_OLD_TURNS[] =
	"DELETE FROM call_turns t USING calls c, organizations o "
	"WHERE c.org_id = t.org_id AND c.id = t.call_id AND o.id = c.org_id AND " PAST_RETENTION;
/* A session remembers the conversation's last turns: it goes with the transcript. */
static const char SQL_OLD_SESSIONS[] =
	"DELETE FROM call_sessions s USING calls c, organizations o "
	"WHERE c.org_id = s.org_id AND c.id = s.call_id AND o.id = c.org_id AND " PAST_RETENTION;
static const char SQL_OLD_CALLS[] =
	"UPDATE calls c SET summary = NULL, recording_url = NULL, recording_status = 'none' "
	"FROM organizations o WHERE o.id = c.org_id AND " PAST_RETENTION " AND "
	"(c.summary IS NOT NULL OR c.recording_url IS NOT NULL OR c.recording_status <> 'none')";
/* Row-level security keeps this to the job's organization. */
static const char SQL_OLD_JOBS[] =
	"DELETE FROM jobs WHERE status IN ('done', 'failed', 'dead') "
	"AND finished_at < now() - make_interval(days => $1::int)";
/* The daily counts of texts and calls (018) are needed only for today. */
static const char SQL_OLD_USAGE[] =
	"DELETE FROM daily_usage WHERE day < current_date - $1::int";
/* Events may be nobody's, so they go through the owner's function, for every organization. */
static const char SQL_OLD_EVENTS[] =
	"SELECT webhook_events_prune(make_interval(days => $1::int))";

/* The dashboard's counts of days gone by, one row a quarter hour (030). */
static const char SQL_FOLD_COUNTS[] = "SELECT dashboard_buckets_fold()";

static const char SQL_KEEPS_NOTHING[] =
	"SELECT retention_days = 0 FROM organizations WHERE id = $1";
static const char SQL_DROP_TURNS[] = "DELETE FROM call_turns WHERE call_id = $1";
static const char SQL_DROP_SESSION[] = "DELETE FROM call_sessions WHERE call_id = $1";
static const char SQL_DROP_CALL[] =
	"UPDATE calls SET summary = NULL, recording_url = NULL, recording_status = 'none' "
	"WHERE id = $1";

enum job_outcome retention_prune_job(struct db *db, struct arena *a, const struct job *job,
				     char *error, size_t errlen)
{
	const char *days = arena_printf(a, "%ld", conf_int("PRUNE_AFTER_DAYS"));

	if (db_begin_org(db, a, job->org_id) < 0)
		goto fail;
	long turns = db_exec(db, a, SQL_OLD_TURNS);
	long sessions = turns < 0 ? -1 : db_exec(db, a, SQL_OLD_SESSIONS);
	long calls = sessions < 0 ? -1 : db_exec(db, a, SQL_OLD_CALLS);
	long jobs = calls < 0 ? -1 : db_exec(db, a, SQL_OLD_JOBS, days);
	long usage = jobs < 0 ? -1 : db_exec(db, a, SQL_OLD_USAGE, days);
	const char *events = usage < 0 ? NULL : db_text(db, a, SQL_OLD_EVENTS, days);
	const char *folded = events ? db_text(db, a, SQL_FOLD_COUNTS) : NULL;
	if (!folded || db_commit(db) < 0)
		goto fail;
	log_info("retention applied turns=%ld sessions=%ld calls=%ld jobs=%ld events=%s "
		 "count_rows=%s", turns, sessions, calls, jobs, events, folded);
	return JOB_DONE;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	snprintf(error, errlen, "could not prune: the database is unavailable");
	return JOB_RETRY;
}

enum job_outcome retention_analyze_job(struct db *db, struct arena *a, const struct job *job,
				       char *error, size_t errlen)
{
	enum job_outcome outcome = leads_analyze_job(db, a, job, error, errlen);
	const char *call_id = json_str(job->payload, "call_id");

	if (outcome != JOB_DONE || !text_is_uuid(call_id))
		return outcome;
	if (db_begin_org(db, a, job->org_id) < 0)
		goto fail;
	const char *nothing = db_text(db, a, SQL_KEEPS_NOTHING, job->org_id);
	if (!nothing)
		goto fail;
	if (strcmp(nothing, "t")) {
		db_rollback(db);
		return outcome;
	}
	if (db_exec(db, a, SQL_DROP_TURNS, call_id) < 0 ||
	    db_exec(db, a, SQL_DROP_SESSION, call_id) < 0 ||
	    db_exec(db, a, SQL_DROP_CALL, call_id) < 0 || db_commit(db) < 0)
		goto fail;
	log_info("call analysed and its transcript dropped: the business keeps nothing call=%s",
		 call_id);
	return outcome;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	snprintf(error, errlen, "could not drop the call's transcript: the database is "
		 "unavailable");
	return JOB_RETRY;
}
