/* page-practice.c: practice calls (/settings/practice): start a run, show the latest one */
#include <jansson.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/jobs.h"
#include "infra/json.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

/* A run not done in five minutes never will be (its job failed): it shows as failed, so the
 * page stops waiting for it. */
static const char SQL_LATEST_RUN[] =
	"SELECT id, CASE WHEN status IN ('queued', 'running') "
	"                 AND created_at < now() - interval '5 minutes' THEN 'failed' "
	"            ELSE status END AS status, callers, passed, coalesce(wall_ms, 0) AS wall_ms, "
	"       coalesce(error, 'the run did not finish; please try again') AS error, "
	"       to_char(created_at AT TIME ZONE (SELECT timezone FROM organizations "
	"                                        WHERE id = app_org_id()), "
	"               'Mon FMDD, FMHH12:MI AM') AS started "
	"FROM practice_runs ORDER BY created_at DESC LIMIT 1";
static const char SQL_RUN_CALLS[] =
	"SELECT goal, passed, verdict, transcript::text AS transcript FROM practice_calls "
	"WHERE run_id = $1 ORDER BY passed, seq";
/* One run at a time: a second press while one runs shows the one running. */
static const char SQL_RUN_PENDING[] =
	"SELECT id FROM practice_runs WHERE status IN ('queued', 'running') "
	"  AND created_at > now() - interval '5 minutes' LIMIT 1";
static const char SQL_RUN_INSERT[] =
	"INSERT INTO practice_runs (org_id) VALUES (app_org_id()) RETURNING id";
/* Only the latest runs are shown: older ones are dropped as new ones start. */
static const char SQL_RUNS_PRUNE[] =
	"DELETE FROM practice_runs WHERE id NOT IN "
	"  (SELECT id FROM practice_runs ORDER BY created_at DESC LIMIT 10)";

static void show_transcript(struct req *r, struct tpl_dict *call, const char *text)
{
	char error[160];
	json_t *turns = json_parse(r->arena, text, strlen(text), error, sizeof(error));
	size_t i;
	json_t *turn;

	json_array_foreach(turns, i, turn) {
		const char *speaker = json_str(turn, "speaker");
		struct tpl_dict *t = tpl_section(call, "TURN");
		bool caller = speaker && !strcmp(speaker, "caller");
		tpl_set(t, "SPEAKER", caller ? "caller" : "assistant");
		tpl_set(t, "WHO", caller ? "Caller" : "Receptionist");
		tpl_set(t, "TEXT", json_str(turn, "text") ? json_str(turn, "text") : "");
	}
}

static void show_run(struct req *r, struct tpl_dict *d, struct db_result *run)
{
	const char *status = db_field(run, 0, "status");
	struct tpl_dict *s = tpl_section(d, "RUN");

	tpl_set(s, "STARTED", db_field(run, 0, "started"));
	tpl_set(s, "STATUS", status);
	if (!strcmp(status, "queued") || !strcmp(status, "running")) {
		tpl_show(s, "PENDING");
		tpl_set(d, "POLL", "1");
		return;
	}
	if (!strcmp(status, "failed")) {
		tpl_set(tpl_section(s, "FAILED"), "ERROR", db_field(run, 0, "error"));
		return;
	}
	struct tpl_dict *done = tpl_section(s, "DONE");
	tpl_set(done, "CALLERS", db_field(run, 0, "callers"));
	tpl_set(done, "PASSED", db_field(run, 0, "passed"));
	tpl_set(done, "WALL_MS", db_field(run, 0, "wall_ms"));
	struct db_result *calls = db_q(r->db, r->arena, SQL_RUN_CALLS, db_field(run, 0, "id"));
	for (int i = 0; calls && i < db_rows(calls); i++) {
		struct tpl_dict *c = tpl_section(done, "CALL");
		bool passed = !strcmp(db_field(calls, i, "passed"), "t");
		tpl_set(c, "GOAL", db_field(calls, i, "goal"));
		tpl_set(c, "VERDICT", db_field(calls, i, "verdict"));
		tpl_set(c, "BADGE", passed ? "badge-ok" : "badge-failed");
		tpl_set(c, "RESULT", passed ? "Got it" : "Did not get it");
		if (!passed)
			tpl_show(c, "OPEN");
		show_transcript(r, c, db_field(calls, i, "transcript"));
	}
}

void page_practice(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *run = db_q(r->db, r->arena, SQL_LATEST_RUN);

	if (!run) {
		http_fail(r, 503, "the practice calls could not be loaded; please try again");
		return;
	}
	tpl_set(d, "POLL", "");
	if (db_rows(run))
		show_run(r, d, run);
	else
		tpl_show(d, "NO_RUN");
	settings_render(r, 200, "Practice calls", TAB_PRACTICE, "practice.tpl", d);
}

void page_practice_start(struct req *r)
{
	struct db_result *pending = db_q(r->db, r->arena, SQL_RUN_PENDING);

	if (!pending) {
		http_fail(r, 503, "the practice calls could not be started; please try again");
		return;
	}
	if (db_rows(pending)) {
		http_redirect(r, "/settings/practice");
		return;
	}
	if (db_exec(r->db, r->arena, SQL_RUNS_PRUNE) < 0) {
		http_fail(r, 503, "the practice calls could not be started; please try again");
		return;
	}
	const char *run_id = db_text(r->db, r->arena, SQL_RUN_INSERT);
	json_t *payload = run_id ? json_to_arena(r->arena, json_pack("{s:s}", "run_id", run_id)) :
				   NULL;
	if (!payload || !jobs_enqueue(r->db, r->arena, "practice.run", payload, 0, NULL)) {
		http_fail(r, 503, "the practice calls could not be started; please try again");
		return;
	}
	page_flash(r, "ok", "Practice calls started. The results appear here in a few seconds.");
	http_redirect(r, "/settings/practice");
}
