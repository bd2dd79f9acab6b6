/* jobs.c: switchboard-jobs: claims due jobs from PostgreSQL and runs them, with backoff */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/webclient.h"
#include "infra/jobs.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/tpl.h"

/* Claims only the kinds this build can run, so an older runner leaves newer kinds alone. */
static const char SQL_CLAIM[] =
	"SELECT id, org_id, kind, payload, attempts, max_attempts FROM jobs_claim($1, $2::int, $3::text[])";
/* The retry policy (backoff, the dead state) lives in the database, beside the queue. */
static const char SQL_DONE[] = "SELECT jobs_finish($1)";
static const char SQL_FAIL[] = "SELECT jobs_fail($1, $2, $3::boolean)";
static const char SQL_REQUEUE_STALE[] = "SELECT jobs_requeue_stale(interval '5 minutes')";
static const char SQL_LISTEN[] = "LISTEN jobs";
/* Today's retention job for every organization; once a day however often it is asked (018). */
static const char SQL_RETENTION_SCHEDULE[] = "SELECT retention_schedule()";

/* Each business's daily summary when its chosen hour comes, once a day (025). */
static const char SQL_SUMMARY_SCHEDULE[] = "SELECT mail_summary_schedule()";

/* How often the runner asks for the day's retention jobs: hourly, so a day is never missed. */
#define RETENTION_CHECK_SECONDS 3600
/* How often it asks for the daily summaries: several times within every hour. */
#define SUMMARY_CHECK_SECONDS 60

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static job_handler handler_for(const char *kind)
{
	for (const struct job_kind *k = job_kinds; k->kind; k++)
		if (!strcmp(k->kind, kind))
			return k->run;
	return NULL;
}

/* The known kinds as a PostgreSQL text[] literal: {"a","b"}. */
static const char *known_kinds(struct arena *a)
{
	const char *list = "{";
	for (const struct job_kind *k = job_kinds; k->kind; k++)
		list = arena_printf(a, "%s%s\"%s\"", list, k == job_kinds ? "" : ",", k->kind);
	return arena_printf(a, "%s}", list);
}

/* Record a job's outcome in its organization's transaction. */
static void settle(struct db *db, struct arena *a, const struct job *job, enum job_outcome outcome,
		   const char *error)
{
	const char *status;

	if (db_begin_org(db, a, job->org_id) < 0)
		return;
	if (outcome == JOB_DONE)
		status = db_text(db, a, SQL_DONE, job->id);
	else
		status = db_text(db, a, SQL_FAIL, job->id, error, outcome == JOB_RETRY ? "true" : "false");
	if (!status) {
		db_rollback(db);
		return;
	}
	db_commit(db);
	if (!strcmp(status, "dead"))
		log_warn("job gave up id=%s kind=%s attempts=%ld error=\"%s\"", job->id, job->kind,
			 job->attempts, error);
}

static void run_job(struct db *db, struct arena *a, struct job *job)
{
	char error[512] = "";
	job_handler run = handler_for(job->kind);

	log_set_request_id(job->id);
	enum job_outcome outcome = JOB_FAILED;
	if (!run)
		snprintf(error, sizeof(error), "no handler for kind %s", job->kind);
	else if (!job->payload)
		snprintf(error, sizeof(error), "payload is not JSON");
	else
		outcome = run(db, a, job, error, sizeof(error));
	/* A handler that left a transaction open has not finished cleanly. */
	if (db_in_transaction(db))
		db_rollback(db);
	log_info("job %s kind=%s attempt=%ld%s%s", outcome == JOB_DONE ? "done" :
		 outcome == JOB_RETRY ? "will retry" : "failed", job->kind, job->attempts,
		 *error ? " error=" : "", error);
	settle(db, a, job, outcome, error);
	log_set_request_id(NULL);
}

/* Claim and run one batch; returns how many jobs ran, or -1 when the database is down. */
static int run_batch(struct db *db, struct arena *a, const char *worker)
{
	const char *batch = arena_printf(a, "%ld", conf_int("JOBS_BATCH"));
	struct db_result *res = db_q(db, a, SQL_CLAIM, worker, batch, known_kinds(a));

	if (!res)
		return -1;
	int n = db_rows(res);
	for (int i = 0; i < n && !stopping; i++) {
		char why[128];
		const char *payload = db_value(res, i, 3);
		struct job job = {
			.id = db_value(res, i, 0),
			.org_id = db_value(res, i, 1),
			.kind = db_value(res, i, 2),
			.payload = payload ? json_parse(a, payload, strlen(payload), why, sizeof(why)) : NULL,
			.attempts = strtol(db_value(res, i, 4), NULL, 10),
			.max_attempts = strtol(db_value(res, i, 5), NULL, 10),
		};
		run_job(db, a, &job);
	}
	return n;
}

/* Queue the day's retention jobs when an hour has passed since the last try. */
static void schedule_retention(struct db *db, struct arena *a, time_t *last)
{
	time_t now = time(NULL);

	if (*last && now - *last < RETENTION_CHECK_SECONDS)
		return;
	const char *queued = db_text(db, a, SQL_RETENTION_SCHEDULE);
	if (!queued)
		return;  /* the database is down: the next pass tries again */
	*last = now;
	if (strcmp(queued, "0"))
		log_info("retention jobs queued count=%s", queued);
}

/* Queue the daily summaries whose hour it is, at most once a SUMMARY_CHECK_SECONDS. */
static void schedule_summaries(struct db *db, struct arena *a, time_t *last)
{
	time_t now = time(NULL);

	if (*last && now - *last < SUMMARY_CHECK_SECONDS)
		return;
	const char *queued = db_text(db, a, SQL_SUMMARY_SCHEDULE);
	if (!queued)
		return;
	*last = now;
	if (strcmp(queued, "0"))
		log_info("daily summaries queued count=%s", queued);
}

/* Sleep until a NOTIFY on "jobs", the poll interval, or a signal. */
static void wait_for_work(struct db *db, long ms)
{
	struct pollfd p = { .fd = db_socket(db), .events = POLLIN };

	if (p.fd < 0) {
		usleep((useconds_t)ms * 1000);
		return;
	}
	if (db_notifications(db, NULL) > 0)
		return;
	if (poll(&p, 1, (int)ms) > 0)
		db_notifications(db, NULL);
}

int main(int argc, char **argv)
{
	if (conf_load(CONF_JOBS, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("jobs", log_level_parse(conf_str("LOG_LEVEL")));
	webclient_global_init();
	/* Emails are built from templates, as pages are. */
	tpl_init(conf_str("TEMPLATE_DIR"));
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);

	char worker[64];
	char host[32] = "host";
	gethostname(host, sizeof(host) - 1);
	snprintf(worker, sizeof(worker), "%s:%d", host, (int)getpid());

	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	int listening = 0;
	long poll_ms = conf_int("JOBS_POLL_MS");
	log_info("job runner started worker=%s", worker);
	db_q(db, a, SQL_REQUEUE_STALE);
	time_t retention_asked = 0, summaries_asked = 0;
	while (!stopping) {
		schedule_retention(db, a, &retention_asked);
		schedule_summaries(db, a, &summaries_asked);
		if (!listening && db_ready(db))
			listening = db_exec(db, a, SQL_LISTEN) >= 0;
		int ran = run_batch(db, a, worker);
		if (ran < 0)
			listening = 0;  /* a new connection must LISTEN again */
		arena_reset(a);
		if (ran <= 0 && !stopping)
			wait_for_work(db, ran < 0 ? 1000 : poll_ms);
	}
	log_info("job runner stopped");
	arena_free(a);
	db_close(db);
	return 0;
}
