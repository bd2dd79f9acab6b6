/* voice_call_work.c: a live call's work on pool threads: brain, speech, database, Twilio's API */
#include "voice_call_parts.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/brain.h"
#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/xalloc.h"
#include "provider/tts.h"
#include "provider/twilio_rest.h"
#include "voice_pool.h"

static const char RESUME_TEXT[] = "Sorry about that, where were we?";
static const char NO_TRANSFER_TEXT[] =
	"I'm sorry, there is no one I can connect you with right now, but I can take a message.";

static const char SQL_CALL_SID[] =
	"SELECT provider_call_id FROM calls WHERE id = $1 AND provider = 'twilio'";
static const char SQL_CALL_CALLER[] =
	"SELECT from_number FROM calls WHERE id = $1";
static const char SQL_CALL_HAS_TURNS[] =
	"SELECT count(*) FROM call_turns WHERE call_id = $1";
static const char SQL_TURN_PLAYED[] =
	"UPDATE call_turns SET played_text = $3, stt_ms = $4, brain_first_token_ms = $5, "
	"tts_first_audio_ms = $6, total_ms = $7 WHERE call_id = $1 AND seq = $2";
static const char SQL_TRANSFER_PHONE[] =
	"SELECT transfer_phone FROM organizations WHERE id = $1";
static const char SQL_CALL_TRANSFERRED[] =
	"UPDATE calls SET transfer_to = $2, transferred_at = now() WHERE id = $1";

/* Work on a pool thread for one call; the fields used depend on run(). */
struct call_job {
	struct voice_job job;
	struct voice_call *call;
	unsigned serial;
	char *text;                 /* heap */
	bool ok;
	/* JOB turn results */
	enum brain_action action;
	char *transfer_to;          /* heap */
	long seq;
	struct brain_draft *draft;  /* JOB turn: the draft of its words, or NULL */
	bool drafted;               /* the turn's reply is the draft's answer */
	/* check result: the row's CallSid */
	char *row_sid;              /* heap */
	/* finish results */
	long stt_ms, brain_ms, tts_ms, total_ms;
};

static long ms_since(struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- jobs: the blocking half, on pool threads ---------------------------------------------- */

static struct call_job *job_new(struct voice_call *call,
				void (*run)(struct voice_job *, struct db *),
				void (*done)(struct voice_job *))
{
	struct call_job *j = xcalloc(1, sizeof(*j));

	j->job.run = run;
	j->job.done = done;
	j->call = call;
	j->serial = call->reply.serial;
	j->seq = -1;
	work_job_started(call);
	return j;
}

void work_job_started(struct voice_call *call)
{
	call->work.jobs++;
}

void work_job_done(struct voice_call *call)
{
	call->work.jobs--;
	if (call->connection_gone && call->work.jobs == 0)
		call_free(call);
}

/* Every job's done() ends here: the call may have been waiting for it to free itself. */
static void job_release(struct call_job *j)
{
	struct voice_call *call = j->call;

	free(j->text);
	free(j->transfer_to);
	free(j->row_sid);
	brain_draft_unref(j->draft);
	free(j);
	work_job_done(call);
}

/* One clause being synthesized on a pool thread. */
struct clause_feed {
	struct voice_call *call;
	unsigned serial, clause;
	const char *text;
	struct timespec started;
	bool first;
};

static struct clause_msg *clause_msg_new(struct clause_feed *f)
{
	struct clause_msg *m = xcalloc(1, sizeof(*m));

	m->call = f->call;
	m->serial = f->serial;
	m->clause = f->clause;
	m->job.done = reply_clause_arrived;
	return m;
}

/* Each piece of audio goes to the event loop at once, to be played while the rest is made. */
static int clause_audio(void *arg, const uint8_t *ulaw, size_t n)
{
	struct clause_feed *f = arg;

	/* A reply cut off by the caller stops being synthesized. */
	if (__atomic_load_n(&f->call->reply.cut_serial, __ATOMIC_ACQUIRE) == f->serial)
		return -1;
	struct clause_msg *m = clause_msg_new(f);
	if (f->first) {
		m->text = xstrdup(f->text);
		m->synth_ms = ms_since(&f->started);
		f->first = false;
	}
	m->audio = xmalloc(n);
	memcpy(m->audio, ulaw, n);
	m->len = (long)n;
	voice_pool_post(call_env->pool, &m->job);
	return 0;
}

/* Synthesize text, streaming it to the event loop as one clause of reply serial. */
static void post_clause(struct voice_call *call, unsigned serial, const char *text)
{
	if (__atomic_load_n(&call->reply.cut_serial, __ATOMIC_ACQUIRE) == serial)
		return;
	struct clause_feed f = {
		.call = call, .serial = serial, .text = text, .first = true,
		.clause = __atomic_add_fetch(&call->work.clause_count, 1, __ATOMIC_RELAXED),
	};
	struct tts_voice voice = { TTS_FLITE, "", "" };

	if (call->work.providers)
		voice = call->work.providers->tts;
	voice.provider = __atomic_load_n(&call->work.tts_provider, __ATOMIC_ACQUIRE);
	clock_gettime(CLOCK_MONOTONIC, &f.started);
	if (tts_stream(&voice, text, clause_audio, &f) == TTS_FELL_BACK) {
		/* A provider that failed once is not trusted again on this call. */
		log_warn("speech synthesis provider failed; this call continues with flite");
		__atomic_store_n(&call->work.tts_provider, TTS_FLITE, __ATOMIC_RELEASE);
	}
	struct clause_msg *m = clause_msg_new(&f);
	m->end = true;
	voice_pool_post(call_env->pool, &m->job);
}

struct clause_arg {
	struct voice_call *call;
	unsigned serial;
};

static void on_brain_clause(void *arg, const char *clause)
{
	struct clause_arg *ca = arg;

	post_clause(ca->call, ca->serial, clause);
}

/* The brain starts or ends a tool: the event loop decides about the filler. Any clause said
 * before the tool has been posted already, so the loop knows whether anything was said. */
static void on_brain_tool(void *arg, const char *tool, bool done)
{
	struct clause_arg *ca = arg;
	struct tool_msg *m = xcalloc(1, sizeof(*m));
	bool schedule = !strcmp(tool, "check_availability") || !strcmp(tool, "book_appointment");

	m->job.done = reply_tool_noted;
	m->call = ca->call;
	m->serial = ca->serial;
	m->filler = schedule ? &call_env->filler_schedule : &call_env->filler_lookup;
	m->done = done;
	voice_pool_post(call_env->pool, &m->job);
}

/* The call's own CallSid, from its row in the token's business. */
static void run_check(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct arena *a = arena_new();

	if (db_begin_org(db, a, j->call->org_id) == 0) {
		const char *sid = db_text(db, a, SQL_CALL_SID, j->call->call_id);
		if (sid)
			j->row_sid = xstrdup(sid);
		db_commit(db);
	}
	arena_free(a);
}

/* Open (or resume) the brain session and say the greeting, or the apology of a resumed call. */
static void run_open(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = call->work.brain_arena;
	const char *caller = NULL;
	long turns = 0;

	if (db_begin_org(db, a, call->org_id) == 0) {
		caller = db_text(db, a, SQL_CALL_CALLER, call->call_id);
		if (db_long(db, a, &turns, SQL_CALL_HAS_TURNS, call->call_id) < 0)
			turns = 0;
		db_commit(db);
	}
	call->work.session = brain_session_open(db, a, call->org_id, call->call_id, caller);
	if (!call->work.session)
		return;
	j->ok = true;
	/* The loop reads these only after this job is done (opened). */
	call->work.providers = credential_provider_settings_dup(call->work.session->providers);
	__atomic_store_n(&call->work.tts_provider, call->work.providers->tts.provider,
			 __ATOMIC_RELEASE);
	if (!call_env->deepgram_url || !*call->work.providers->deepgram_key) {
		/* Gather mode greets the caller itself. */
		call->work.no_stt = true;
		return;
	}
	const char *text = turns > 0 ? RESUME_TEXT : brain_greeting(db, a, call->work.session);
	post_clause(call, j->serial, text);
}

/* One turn of the conversation: the brain answers clause by clause as it thinks. */
static void run_turn(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = call->work.brain_arena;
	struct clause_arg ca = { call, j->serial };
	struct brain_reply reply;

	memset(&reply, 0, sizeof(reply));
	call->work.session->on_tool = on_brain_tool;
	call->work.session->on_tool_arg = &ca;
	brain_turn_drafted(db, a, call->work.session, j->text, j->draft, on_brain_clause, &ca,
			   &reply);
	/* ca lives on this thread's stack only for the turn. */
	call->work.session->on_tool = NULL;
	call->work.session->on_tool_arg = NULL;
	j->ok = true;
	j->drafted = reply.drafted;
	j->action = reply.action;
	j->brain_ms = reply.first_clause_ms;
	if (reply.transfer_to)
		j->transfer_to = xstrdup(reply.transfer_to);
	/* Which turn the reply is, for what the caller heard of it (run_finish). */
	j->seq = reply.seq;
}

/* Store what of a reply the caller actually heard, and how long the reply took. */
static void run_finish(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = arena_new();

	if (db_begin_org(db, a, call->org_id) < 0)
		goto out;
	const char *total = j->total_ms >= 0 ? arena_printf(a, "%ld", j->total_ms) : NULL;
	if (db_exec(db, a, SQL_TURN_PLAYED, call->call_id, arena_printf(a, "%ld", j->seq), j->text,
		    arena_printf(a, "%ld", j->stt_ms), arena_printf(a, "%ld", j->brain_ms),
		    arena_printf(a, "%ld", j->tts_ms), total) < 0) {
		db_rollback(db);
		goto out;
	}
	j->ok = db_commit(db) == 0;
out:
	arena_free(a);
}

/* Give the call new instructions through Twilio's REST API, as the account that holds the
 * business's number: when Twilio takes them it ends the stream itself. true when it did. */
static bool redirect(struct db *db, const struct voice_call *call,
		     const struct twilio_call_update *update)
{
	struct arena *a = arena_new();
	struct twilio_account account;
	struct twilio_result res;
	bool ok = false;

	if (db_begin_org(db, a, call->org_id) < 0)
		goto out;
	int found = credential_twilio_account(db, a, call->org_id, &account, NULL);
	db_commit(db);
	if (found < 0)
		goto out;
	ok = twilio_update_call(a, &account, call->call_sid, update, &res) == 0;
	if (!ok)
		log_error("could not redirect the call: %s", res.message);
out:
	arena_free(a);
	return ok;
}

/* j->text is the webhook the call goes on with. */
static void run_redirect(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;

	j->ok = redirect(db, j->call, &(struct twilio_call_update){ .url = j->text,
									   .method = "POST" });
}

static void run_hang_up(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	static const char twiml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>";

	j->ok = redirect(db, j->call, &(struct twilio_call_update){ .twiml = twiml });
}

/* Press 0: connect the caller with the business's transfer phone, or say there is none. */
static void run_transfer(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = arena_new();
	const char *phone = j->transfer_to;

	if (!phone && db_begin_org(db, a, call->org_id) == 0) {
		phone = db_text(db, a, SQL_TRANSFER_PHONE, call->org_id);
		db_commit(db);
	}
	if (phone) {
		struct buf twiml = BUF_INIT;
		buf_puts(&twiml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Dial>");
		buf_add_html(&twiml, phone);
		buf_puts(&twiml, "</Dial></Response>");
		j->ok = redirect(db, call, &(struct twilio_call_update){ .twiml = buf_str(&twiml) });
		if (j->ok && db_begin_org(db, a, call->org_id) == 0) {
			if (db_exec(db, a, SQL_CALL_TRANSFERRED, call->call_id, phone) < 0)
				db_rollback(db);
			else
				db_commit(db);
		}
		buf_release(&twiml);
	}
	if (!j->ok)
		post_clause(call, j->serial, NO_TRANSFER_TEXT);
	arena_free(a);
}

/* ---- results, back on the event loop -------------------------------------------------------- */

/* What is the receptionist waiting for (keys for a phone number)? Read once a brain job has finished with the
 * session, so no pool thread is changing it. */
static void note_pending(struct voice_call *call)
{
	const char *p = call->work.session ? json_str(call->work.session->state, "pending") : NULL;

	call->in.wants_phone = p && (!strcmp(p, "phone") || !strcmp(p, "message_phone") ||
				     !strcmp(p, "phone_confirm"));
	call->in.expect = brain_expecting(call->work.session);
	if (call->in.heard.len)
		call->in.answer = brain_answer_state(call->in.expect, buf_str(&call->in.heard));
}

/* The brain arena holds a whole turn's working memory (queries, prompts, replies); between turns
 * only the session is needed, so the arena starts over with a copy of its state. Called on the
 * event loop while no brain job runs. */
static void session_compact(struct voice_call *call)
{
	struct brain_session *old = call->work.session;

	if (!old)
		return;
	struct brain_session keep = *old;
	json_t *state = json_deep_copy(old->state);
	char *caller = old->caller_number ? xstrdup(old->caller_number) : NULL;
	if (!state)
		xalloc_die();
	arena_reset(call->work.brain_arena);
	struct brain_session *s = arena_alloc(call->work.brain_arena, sizeof(*s));
	*s = keep;
	s->org_id = arena_strdup(call->work.brain_arena, call->org_id);
	s->call_id = arena_strdup(call->work.brain_arena, call->call_id);
	s->caller_number = arena_strdup(call->work.brain_arena, caller);
	s->state = json_to_arena(call->work.brain_arena, state);
	/* The settings the open job read lived in the arena just reset; the call keeps a copy. */
	s->providers = call->work.providers;
	free(caller);
	call->work.session = s;
}

static void opened(struct voice_job *job)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;

	call->work.brain_busy = false;
	if (!call->connection_gone) {
		if (!j->ok) {
			log_error("could not open the call's session; continuing in gather mode");
			call_go_gather(call);
		} else if (call->work.no_stt) {
			call_listen(call, NULL);
		} else {
			call_listen(call, call->work.providers->deepgram_key);
			note_pending(call);
			session_compact(call);
			call->reply.brain_done = true;
			reply_try_finish(call);
			if (call->work.waiting.len) {
				char *text = arena_strdup(call->arena,
							  buf_str(&call->work.waiting));
				buf_clear(&call->work.waiting);
				call_start_turn(call, text);
			}
		}
	}
	job_release(j);
}

static void turn_done(struct voice_job *job)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;

	call->work.brain_busy = false;
	if (j->draft)
		preempt_noted(call, j->drafted);
	if (!call->connection_gone) {
		note_pending(call);
		session_compact(call);
		struct call_reply *r = &call->reply;
		if (j->serial == r->stash_serial && r->stash_played && j->seq >= 0) {
			work_finish(call, j->seq, r->stash_played, r->stash_stt_ms, j->brain_ms,
				    r->stash_tts_ms, r->stash_total_ms);
			free(call->reply.stash_played);
			call->reply.stash_played = NULL;
		} else if (j->serial == call->reply.serial) {
			call->reply.seq = j->seq;
			call->reply.after = j->action;
			call->reply.transfer_to = arena_strdup(call->arena, j->transfer_to);
			if (!call->reply.brain_first_ms)
				call->reply.brain_first_ms = j->brain_ms;
			call->reply.brain_done = true;
			reply_try_finish(call);
		}
		if (call->work.waiting.len) {
			char *text = arena_strdup(call->arena, buf_str(&call->work.waiting));
			buf_clear(&call->work.waiting);
			call_start_turn(call, text);
		}
	}
	job_release(j);
}

static void checked(struct voice_job *job)
{
	struct call_job *j = (struct call_job *)job;

	call_checked(j->call, j->row_sid, j->text);
	job_release(j);
}

static void job_done_quietly(struct voice_job *job)
{
	job_release((struct call_job *)job);
}

/* ---- what the other parts ask for ----------------------------------------------------------- */

void work_check(struct voice_call *call, const char *claimed_sid)
{
	struct call_job *j = job_new(call, run_check, checked);

	j->text = xstrdup(claimed_sid);
	voice_pool_submit(call_env->pool, &j->job);
}

void work_open(struct voice_call *call)
{
	call->work.brain_busy = true;
	voice_pool_submit(call_env->pool, &job_new(call, run_open, opened)->job);
}

void work_turn(struct voice_call *call, const char *text)
{
	struct call_job *j = job_new(call, run_turn, turn_done);

	call->work.brain_busy = true;
	j->text = xstrdup(text);
	j->draft = preempt_claim(call, text);
	voice_pool_submit(call_env->pool, &j->job);
}

void work_finish(struct voice_call *call, long seq, const char *played, long stt_ms,
		 long brain_ms, long tts_ms, long total_ms)
{
	struct call_job *j = job_new(call, run_finish, job_done_quietly);

	j->seq = seq;
	j->text = xstrdup(played);
	j->stt_ms = stt_ms;
	j->brain_ms = brain_ms;
	j->tts_ms = tts_ms;
	j->total_ms = total_ms;
	voice_pool_submit(call_env->pool, &j->job);
}

void work_transfer(struct voice_call *call, const char *transfer_to)
{
	struct call_job *j = job_new(call, run_transfer, job_done_quietly);

	j->transfer_to = transfer_to ? xstrdup(transfer_to) : NULL;
	voice_pool_submit(call_env->pool, &j->job);
}

void work_hang_up(struct voice_call *call)
{
	voice_pool_submit(call_env->pool, &job_new(call, run_hang_up, job_done_quietly)->job);
}

void work_redirect(struct voice_call *call, const char *url)
{
	struct call_job *j = job_new(call, run_redirect, job_done_quietly);

	j->text = xstrdup(url);
	voice_pool_submit(call_env->pool, &j->job);
}

void work_free(struct voice_call *call)
{
	buf_release(&call->work.waiting);
	preempt_free(call);
	arena_free(call->work.brain_arena);
	free(call->work.providers);
}
