/* voice_call_preempt.c: a live call's draft answer, asked of the LLM while the caller pauses */
#include "voice_call_parts.h"

#include <stdlib.h>

#include "domain/brain.h"
#include "infra/log.h"
#include "infra/xalloc.h"
#include "voice_pool.h"

/*
 * When the caller pauses on words that may be the whole turn, the model is asked at once, as a
 * dry run (brain_draft_*), on a pool thread. If the turn then ends on the same words, its brain
 * turn takes the draft's answer, streamed or still streaming, instead of asking again: the wait
 * for the model's first token overlaps the silence that ends the turn. If the caller goes on,
 * or the turn is other words, the draft is cancelled and its answer never heard or stored.
 * One draft runs per call at a time; words heard while a cancelled one still winds down are
 * drafted once it has.
 */

struct draft_job {
	struct voice_job job;
	struct voice_call *call;
	struct brain_draft *draft;  /* the job's own reference */
};

static void run_draft(struct voice_job *job, struct db *db)
{
	struct draft_job *j = (struct draft_job *)job;

	brain_draft_run(j->draft, db);
}

static void draft_dropped(struct voice_call *call, const char *why)
{
	brain_draft_cancel(call->work.draft);
	brain_draft_unref(call->work.draft);
	call->work.draft = NULL;
	call->work.drafts_dropped++;
	log_info("preemptive answer dropped: %s", why);
}

static void draft_ended(struct voice_job *job)
{
	struct draft_job *j = (struct draft_job *)job;
	struct voice_call *call = j->call;
	char *next = call->work.draft_next;

	call->work.draft_running = false;
	call->work.draft_next = NULL;
	brain_draft_unref(j->draft);
	free(j);
	if (next && !call->connection_gone)
		preempt_pause(call, next);
	free(next);
	work_job_done(call);
}

void preempt_pause(struct voice_call *call, const char *text)
{
	struct call_work *w = &call->work;

	/* The session is the brain's while a turn runs; a draft starts from it between turns. */
	if (!call_env->preempt || !w->session || w->brain_busy || call->gather || !text || !*text)
		return;
	if (w->draft && brain_draft_matches(w->draft, text))
		return;
	if (w->draft)
		draft_dropped(call, "the caller went on");
	if (w->draft_running) {
		free(w->draft_next);
		w->draft_next = xstrdup(text);
		return;
	}
	/* NULL without an LLM: the rules engine is not drafted (brain_preempt.c says why). */
	struct brain_draft *d = brain_draft_new(w->session, text);
	if (!d)
		return;
	struct draft_job *j = xcalloc(1, sizeof(*j));
	j->job.run = run_draft;
	j->job.done = draft_ended;
	j->call = call;
	j->draft = brain_draft_ref(d);
	w->draft = d;
	w->draft_running = true;
	work_job_started(call);
	voice_pool_submit(call_env->pool, &j->job);
}

struct brain_draft *preempt_claim(struct voice_call *call, const char *text)
{
	struct call_work *w = &call->work;
	struct brain_draft *d = w->draft;

	free(w->draft_next);
	w->draft_next = NULL;
	if (!d)
		return NULL;
	if (!brain_draft_matches(d, text)) {
		draft_dropped(call, "the turn is other words");
		return NULL;
	}
	w->draft = NULL;
	return d;
}

void preempt_noted(struct voice_call *call, bool drafted)
{
	if (drafted) {
		call->work.drafts_used++;
		log_info("the turn's reply is its preemptive answer");
	} else {
		call->work.drafts_dropped++;
		log_info("preemptive answer dropped: the model asked for a tool or failed");
	}
}

void preempt_stop(struct voice_call *call)
{
	if (call->work.draft)
		brain_draft_cancel(call->work.draft);
	free(call->work.draft_next);
	call->work.draft_next = NULL;
	if (call->work.drafts_used || call->work.drafts_dropped)
		log_info("preemptive answers used=%d dropped=%d", call->work.drafts_used,
			 call->work.drafts_dropped);
}

void preempt_free(struct voice_call *call)
{
	brain_draft_unref(call->work.draft);
	call->work.draft = NULL;
	free(call->work.draft_next);
	call->work.draft_next = NULL;
}
