/* voice_call.c: one live call on a Twilio Media Stream (PROTOCOLS.md §3): turns, replies, barge-in */
#include "voice_call.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "audio/audio.h"
#include "domain/brain.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/media_token.h"
#include "provider/tts.h"
#include "voice_pool.h"
#include "voice_stt.h"
#include "infra/xalloc.h"

#define FRAME_BYTES 160                 /* 20 ms of 8 kHz mu-law */
#define MEDIA_MAX (FRAME_BYTES * 4)     /* the largest caller frame taken */
#define BYTE_US 125                     /* one mu-law byte plays for 125 microseconds */
/* Twilio buffers the audio it is sent and plays it in order, so a clause goes out as fast as it
 * is made, in messages this large (500 ms): the caller hears it at its own pace whatever the
 * worker is doing meanwhile, and the worker writes 2 messages a second instead of 50. */
#define OUT_CHUNK 4000
#define BARGE_IN_ONSET_MS 60            /* sound this sustained over the reply is speech: clear */
#define BARGE_IN_SPEECH_MS 400          /* speech this long is a real interruption */
#define RESUME_QUIET_MS 300             /* quiet this long after a short burst: the reply goes on */
#define RESUME_QUIET_MAX_MS 1000        /* the longest wait for the word a recognizer has begun */
#define FILLER_US (700 * 1000)          /* a tool running this long gets a filler said */
#define DIGITS_US (3000 * 1000)         /* a pause this long ends a number keyed in */
#define DIGITS_MAX 20

static const char RESUME_TEXT[] = "Sorry about that, where were we?";
static const char NO_TRANSFER_TEXT[] =
	"I'm sorry, there is no one I can connect you with right now, but I can take a message.";

static const char SQL_CALL_CALLER[] =
	"SELECT from_number FROM calls WHERE id = $1";
static const char SQL_CALL_HAS_TURNS[] =
	"SELECT count(*) FROM call_turns WHERE call_id = $1";
static const char SQL_LAST_ASSISTANT_SEQ[] =
	"SELECT max(seq) FROM call_turns WHERE call_id = $1 AND speaker = 'assistant'";
static const char SQL_TURN_PLAYED[] =
	"UPDATE call_turns SET played_text = $3, stt_ms = $4, brain_first_token_ms = $5, "
	"tts_first_audio_ms = $6, total_ms = $7 WHERE call_id = $1 AND seq = $2";
static const char SQL_TRANSFER_PHONE[] =
	"SELECT transfer_phone FROM organizations WHERE id = $1";
static const char SQL_CALL_TRANSFERRED[] =
	"UPDATE calls SET transfer_to = $2, transferred_at = now() WHERE id = $1";

static const struct voice_env *env;
static enum tts_provider tts_configured;
static int connected_calls;

/*
 * Reply audio: one clause (or the filler), with the mark that follows it. A segment is kept from
 * its first audio until its mark comes back (the caller has heard all of it), so that after a
 * clear for what was only a cough or an "uh-huh" the rest of it can be sent again. A clause still
 * being synthesized is open: its audio grows as the provider sends it.
 */
struct segment {
	struct segment *next;
	uint8_t *audio;
	long len, cap;
	long sent;                  /* bytes of audio sent since the segment was last cleared */
	char *text;
	unsigned serial;
	unsigned clause;
	bool filler, open;
	bool marked;                /* its mark has gone out and is waiting to be echoed */
	char mark[32];
};

enum phase { WAIT_CONNECTED, WAIT_START, LIVE, ENDED };

struct voice_call {
	struct lws *wsi;
	struct arena *arena;        /* the call's own memory, on the event loop */
	struct arena *frame;        /* one message's scratch memory, reset after each */
	struct arena *brain_arena;  /* the brain session's; only the call's running brain job uses it */
	enum phase phase;
	char *stream_sid, *call_sid, *call_id, *org_id;
	struct brain_session *session;
	bool connection_gone, gather;
	int jobs;                   /* jobs in flight that point at this call */

	struct voice_stt *stt;
	struct audio_vad vad;
	uint8_t ulaw[MEDIA_MAX + 3];  /* the caller's latest frame, decoded (+3: base64's padding) */
	struct buf heard;           /* final recognized segments of the caller's current turn */
	struct buf waiting;         /* utterances finished while the brain was busy */
	bool brain_busy;

	/* Reply audio out: segments in order, the oldest unheard first. */
	struct segment *queue, *queue_tail;
	struct segment *open;       /* the clause whose audio is still arriving, or NULL */
	unsigned mark_count;
	bool clear_due;
	lws_usec_t heard_until;     /* when Twilio will have played all the audio it was sent */
	/* Cleared for speech over the reply that may be only a backchannel or a cough: the rest
	 * of the reply waits, still being synthesized, until the speech tells which it is. */
	bool paused, pause_word;    /* pause_word: the recognizer has begun a word of it */
	long pause_quiet_ms;
	bool burst_judged;          /* the caller's sound going on now has already paused a reply */
	bool spoke_over;            /* the caller's current utterance began over the reply */

	/* The reply being given: serial numbers tell its clauses from those of replies cut off. */
	unsigned serial, cut_serial;
	bool reply_open, reply_brain_done, reply_cut, reply_final;
	long reply_seq;             /* call_turns.seq of the stored reply; -1 for none */
	struct buf played;
	enum brain_action after;
	char *transfer_to;
	lws_sorted_usec_list_t filler_timer;
	const struct voice_filler *filler;  /* the one filler_timer will say */
	/* A reply cut off before its brain turn ended, waiting for that turn's stored seq. */
	unsigned stash_serial;
	char *stash_played;
	long stash_stt_ms, stash_tts_ms, stash_total_ms;

	/* Latency of the reply (microseconds on lws's clock). */
	lws_usec_t speech_end_at, turn_end_at, first_frame_at;
	/* When the caller's latest speech began and the reply's audio was first queued: only
	 * speech that begins over the reply can interrupt it. */
	lws_usec_t speech_start_at, reply_audio_at;
	long stt_ms, brain_first_ms, tts_first_ms;
	/* Recognition: from the caller's last voiced frame (by VAD) to the final that ended the
	 * turn, kept until the turn starts. */
	lws_usec_t voice_at;
	long heard_stt_ms;

	/* Speech synthesis: the configured provider until it fails once, then flite. Pool threads
	 * read and write these (atomically); clause numbers tell one clause's audio from the next. */
	int tts_provider;
	unsigned clause_count;

	/* Keys pressed while the receptionist waits for a phone number. */
	bool wants_phone;
	char digits[DIGITS_MAX + 1];
	int ndigits;
	lws_sorted_usec_list_t digit_timer;
};

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
	/* finish results */
	long stt_ms, brain_ms, tts_ms, total_ms;
};

/* A piece of one clause's audio (or the clause's end), streamed back from a running job. */
struct clause_msg {
	struct voice_job job;
	struct voice_call *call;
	unsigned serial, clause;
	char *text;                 /* with the first piece */
	uint8_t *audio;
	long len;
	long synth_ms;              /* with the first piece: the wait for it */
	bool end;
};

/* A tool the brain runs for the caller has started or finished, told from a running turn. */
struct tool_msg {
	struct voice_job job;
	struct voice_call *call;
	unsigned serial;
	const struct voice_filler *filler;  /* what to say if it runs long */
	bool done;
};

static void call_free(struct voice_call *call);
static void clause_arrived(struct voice_job *job);
static void tool_noted(struct voice_job *job);
static void submit_finish(struct voice_call *call, long seq, const char *played, long stt_ms,
			  long brain_ms, long tts_ms, long total_ms);
static void reply_try_finish(struct voice_call *call);
static void start_turn(struct voice_call *call, const char *text);
static void go_gather(struct voice_call *call);

void voice_call_setup(const struct voice_env *e)
{
	env = e;
	tts_configured = tts_provider_configured();
}

static long ms_since(struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void want_write(struct voice_call *call)
{
	if (call->wsi && !call->connection_gone)
		lws_callback_on_writable(call->wsi);
}

/* ---- jobs: the blocking half, on pool threads ---------------------------------------------- */

static struct call_job *job_new(struct voice_call *call, void (*run)(struct voice_job *, struct db *),
				void (*done)(struct voice_job *))
{
	struct call_job *j = xcalloc(1, sizeof(*j));

	j->job.run = run;
	j->job.done = done;
	j->call = call;
	j->serial = call->serial;
	j->seq = -1;
	call->jobs++;
	return j;
}

/* Every job's done() ends here: the call may have been waiting for it to free itself. */
static void job_release(struct call_job *j)
{
	struct voice_call *call = j->call;

	free(j->text);
	free(j->transfer_to);
	free(j);
	call->jobs--;
	if (call->connection_gone && call->jobs == 0)
		call_free(call);
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
	m->job.done = clause_arrived;
	return m;
}

/* Each piece of audio goes to the event loop at once, to be played while the rest is made. */
static int clause_audio(void *arg, const uint8_t *ulaw, size_t n)
{
	struct clause_feed *f = arg;

	/* A reply cut off by the caller stops being synthesized. */
	if (__atomic_load_n(&f->call->cut_serial, __ATOMIC_ACQUIRE) == f->serial)
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
	voice_pool_post(env->pool, &m->job);
	return 0;
}

/* Synthesize text, streaming it to the event loop as one clause of reply serial. */
static void post_clause(struct voice_call *call, unsigned serial, const char *text)
{
	if (__atomic_load_n(&call->cut_serial, __ATOMIC_ACQUIRE) == serial)
		return;
	struct clause_feed f = {
		.call = call, .serial = serial, .text = text, .first = true,
		.clause = __atomic_add_fetch(&call->clause_count, 1, __ATOMIC_RELAXED),
	};
	enum tts_provider provider = __atomic_load_n(&call->tts_provider, __ATOMIC_ACQUIRE);

	clock_gettime(CLOCK_MONOTONIC, &f.started);
	if (tts_stream(provider, text, clause_audio, &f) == TTS_FELL_BACK) {
		/* A provider that failed once is not trusted again on this call. */
		log_warn("speech synthesis provider failed; this call continues with flite");
		__atomic_store_n(&call->tts_provider, TTS_FLITE, __ATOMIC_RELEASE);
	}
	struct clause_msg *m = clause_msg_new(&f);
	m->end = true;
	voice_pool_post(env->pool, &m->job);
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

	m->job.done = tool_noted;
	m->call = ca->call;
	m->serial = ca->serial;
	m->filler = schedule ? &env->filler_schedule : &env->filler_lookup;
	m->done = done;
	voice_pool_post(env->pool, &m->job);
}

/* Open (or resume) the brain session and say the greeting, or the apology of a resumed call. */
static void run_open(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = call->brain_arena;
	const char *caller = NULL;
	long turns = 0;

	if (db_begin_org(db, a, call->org_id) == 0) {
		caller = db_text(db, a, SQL_CALL_CALLER, call->call_id);
		if (db_long(db, a, &turns, SQL_CALL_HAS_TURNS, call->call_id) < 0)
			turns = 0;
		db_commit(db);
	}
	call->session = brain_session_open(db, a, call->org_id, call->call_id, caller);
	if (!call->session)
		return;
	j->ok = true;
	const char *text = turns > 0 ? RESUME_TEXT : brain_greeting(db, a, call->session);
	post_clause(call, j->serial, text);
}

/* One turn of the conversation: the brain answers clause by clause as it thinks. */
static void run_turn(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;
	struct arena *a = call->brain_arena;
	struct clause_arg ca = { call, j->serial };
	struct brain_reply reply;

	memset(&reply, 0, sizeof(reply));
	call->session->on_tool = on_brain_tool;
	call->session->on_tool_arg = &ca;
	brain_turn(db, a, call->session, j->text, on_brain_clause, &ca, &reply);
	/* ca lives on this thread's stack only for the turn. */
	call->session->on_tool = NULL;
	call->session->on_tool_arg = NULL;
	j->ok = true;
	j->action = reply.action;
	j->brain_ms = reply.first_clause_ms;
	if (reply.transfer_to)
		j->transfer_to = xstrdup(reply.transfer_to);
	struct arena *scratch = arena_new();
	long seq;
	if (db_begin_org(db, scratch, call->org_id) == 0) {
		if (db_long(db, scratch, &seq, SQL_LAST_ASSISTANT_SEQ, call->call_id) == 0)
			j->seq = seq;
		db_commit(db);
	}
	arena_free(scratch);
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

/* Form-encode one name=value pair into b. */
static void form_add(struct buf *b, const char *name, const char *value)
{
	char *escaped = curl_easy_escape(NULL, value, 0);

	if (!escaped)
		xalloc_die();
	buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, escaped);
	curl_free(escaped);
}

/*
 * Redirect the live call through Twilio's REST API: form is "Url=..." or "Twiml=...". When it
 * succeeds Twilio ends the stream itself and runs the new instructions. 0 or -1.
 */
static int twilio_update_call(struct arena *a, const char *call_sid, const char *form)
{
	const char *sid = conf_str("TWILIO_ACCOUNT_SID");
	struct webclient_request req = { 0 };
	struct webclient_response resp;

	if (!*sid || !call_sid || !*call_sid) {
		log_error("could not redirect the call: TWILIO_ACCOUNT_SID or the call's sid is missing");
		return -1;
	}
	req.method = "POST";
	req.url = arena_printf(a, "%s/2010-04-01/Accounts/%s/Calls/%s.json",
			       conf_str("TWILIO_API_BASE"), sid, call_sid);
	req.headers = (const char *const[]){ "Content-Type: application/x-www-form-urlencoded", NULL };
	req.body = form;
	req.body_len = strlen(form);
	req.userpwd = arena_printf(a, "%s:%s", sid, conf_str("TWILIO_AUTH_TOKEN"));
	if (webclient_fetch(a, &req, &resp) < 0) {
		log_error("could not redirect the call: %s", resp.error);
		return -1;
	}
	if (resp.status < 200 || resp.status >= 300) {
		log_error("could not redirect the call: Twilio answered %ld", resp.status);
		return -1;
	}
	return 0;
}

/* j->text is the form to send. */
static void run_redirect(struct voice_job *job, struct db *db)
{
	struct call_job *j = (struct call_job *)job;
	struct arena *a = arena_new();

	j->ok = twilio_update_call(a, j->call->call_sid, j->text) == 0;
	arena_free(a);
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
		struct buf twiml = BUF_INIT, form = BUF_INIT;
		buf_puts(&twiml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Dial>");
		buf_add_html(&twiml, phone);
		buf_puts(&twiml, "</Dial></Response>");
		form_add(&form, "Twiml", buf_str(&twiml));
		j->ok = twilio_update_call(a, call->call_sid, buf_str(&form)) == 0;
		if (j->ok && db_begin_org(db, a, call->org_id) == 0) {
			if (db_exec(db, a, SQL_CALL_TRANSFERRED, call->call_id, phone) < 0)
				db_rollback(db);
			else
				db_commit(db);
		}
		buf_release(&twiml);
		buf_release(&form);
	}
	if (!j->ok)
		post_clause(call, j->serial, NO_TRANSFER_TEXT);
	arena_free(a);
}

/* ---- results, back on the event loop -------------------------------------------------------- */

/* Is the receptionist waiting for a phone number? Read once a brain job has finished with the
 * session, so no pool thread is changing it. */
static void note_pending(struct voice_call *call)
{
	const char *p = call->session ? json_str(call->session->state, "pending") : NULL;

	call->wants_phone = p && (!strcmp(p, "phone") || !strcmp(p, "message_phone") ||
				  !strcmp(p, "phone_confirm"));
}

/* The brain arena holds a whole turn's working memory (queries, prompts, replies); between turns
 * only the session is needed, so the arena starts over with a copy of its state. Called on the
 * event loop while no brain job runs. */
static void session_compact(struct voice_call *call)
{
	struct brain_session *old = call->session;

	if (!old)
		return;
	struct brain_session keep = *old;
	json_t *state = json_deep_copy(old->state);
	char *caller = old->caller_number ? xstrdup(old->caller_number) : NULL;
	if (!state)
		xalloc_die();
	arena_reset(call->brain_arena);
	struct brain_session *s = arena_alloc(call->brain_arena, sizeof(*s));
	*s = keep;
	s->org_id = arena_strdup(call->brain_arena, call->org_id);
	s->call_id = arena_strdup(call->brain_arena, call->call_id);
	s->caller_number = arena_strdup(call->brain_arena, caller);
	s->state = json_to_arena(call->brain_arena, state);
	free(caller);
	call->session = s;
}

static void opened(struct voice_job *job)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;

	call->brain_busy = false;
	if (!call->connection_gone) {
		if (!j->ok) {
			log_error("could not open the call's session; continuing in gather mode");
			go_gather(call);
		} else {
			note_pending(call);
			session_compact(call);
			call->reply_brain_done = true;
			reply_try_finish(call);
			if (call->waiting.len) {
				char *text = arena_strdup(call->arena, buf_str(&call->waiting));
				buf_clear(&call->waiting);
				start_turn(call, text);
			}
		}
	}
	job_release(j);
}

static void turn_done(struct voice_job *job)
{
	struct call_job *j = (struct call_job *)job;
	struct voice_call *call = j->call;

	call->brain_busy = false;
	if (!call->connection_gone) {
		note_pending(call);
		session_compact(call);
		if (j->serial == call->stash_serial && call->stash_played && j->seq >= 0) {
			submit_finish(call, j->seq, call->stash_played, call->stash_stt_ms, j->brain_ms,
				      call->stash_tts_ms, call->stash_total_ms);
			free(call->stash_played);
			call->stash_played = NULL;
		} else if (j->serial == call->serial) {
			call->reply_seq = j->seq;
			call->after = j->action;
			call->transfer_to = arena_strdup(call->arena, j->transfer_to);
			if (!call->brain_first_ms)
				call->brain_first_ms = j->brain_ms;
			call->reply_brain_done = true;
			reply_try_finish(call);
		}
		if (call->waiting.len) {
			char *text = arena_strdup(call->arena, buf_str(&call->waiting));
			buf_clear(&call->waiting);
			start_turn(call, text);
		}
	}
	job_release(j);
}

static void job_done_quietly(struct voice_job *job)
{
	job_release((struct call_job *)job);
}

static void segment_push(struct voice_call *call, uint8_t *audio, long len, const char *text,
			 unsigned serial, bool filler)
{
	struct segment *s = xcalloc(1, sizeof(*s));

	s->audio = audio;
	s->len = s->cap = len;
	s->text = xstrdup(text);
	s->serial = serial;
	s->filler = filler;
	if (call->queue_tail)
		call->queue_tail->next = s;
	else
		call->queue = s;
	call->queue_tail = s;
}

static void segment_free(struct segment *s)
{
	free(s->audio);
	free(s->text);
	free(s);
}

/* The oldest segment has been heard to its end: what it said joins what the reply has said. */
static void segment_heard(struct voice_call *call)
{
	struct segment *s = call->queue;

	if (s->serial == call->serial && !s->filler && !call->reply_cut) {
		if (call->played.len && *s->text)
			buf_putc(&call->played, ' ');
		buf_puts(&call->played, s->text);
	}
	call->queue = s->next;
	if (!call->queue)
		call->queue_tail = NULL;
	if (call->open == s)
		call->open = NULL;
	segment_free(s);
}

static void segments_drop(struct voice_call *call)
{
	while (call->queue) {
		struct segment *s = call->queue;
		call->queue = s->next;
		segment_free(s);
	}
	call->queue_tail = NULL;
	call->open = NULL;
}

/* Audio sent that Twilio has not played yet, by the worker's account of its buffer. */
static long unplayed_bytes(struct voice_call *call, lws_usec_t now)
{
	return call->heard_until > now ? (long)((call->heard_until - now) / BYTE_US) : 0;
}

/* Add a piece of audio to the clause it belongs to, which opens with its first piece. */
static void clause_append(struct voice_call *call, struct clause_msg *m)
{
	struct segment *s = call->open;

	if (!s || s->clause != m->clause) {
		if (s)
			s->open = false;
		lws_sul_cancel(&call->filler_timer);
		if (!call->tts_first_ms)
			call->tts_first_ms = m->synth_ms ? m->synth_ms : 1;
		if (!call->reply_audio_at)
			call->reply_audio_at = lws_now_usecs();
		segment_push(call, m->audio, m->len, m->text ? m->text : "", m->serial, false);
		m->audio = NULL;
		s = call->open = call->queue_tail;
		s->clause = m->clause;
		s->open = true;
	} else {
		if (s->len + m->len > s->cap) {
			/* Doubling keeps a long clause streamed in small pieces from copying itself
			 * over and over. */
			s->cap = s->cap * 2 > s->len + m->len ? s->cap * 2 : s->len + m->len;
			s->audio = xrealloc(s->audio, (size_t)s->cap);
		}
		memcpy(s->audio + s->len, m->audio, (size_t)m->len);
		s->len += m->len;
	}
	want_write(call);
}

static void clause_arrived(struct voice_job *job)
{
	struct clause_msg *m = (struct clause_msg *)job;
	struct voice_call *call = m->call;

	if (!call->connection_gone && m->serial == call->serial && !call->reply_cut && m->len > 0)
		clause_append(call, m);
	if (!call->connection_gone && m->end && call->open && call->open->clause == m->clause) {
		/* All of the clause is here: once sent, its mark follows. */
		call->open->open = false;
		call->open = NULL;
		want_write(call);
	}
	free(m->audio);
	free(m->text);
	free(m);
}

/* A tool has run FILLER_US and the caller has heard nothing since the turn began. */
static void filler_due(lws_sorted_usec_list_t *sul)
{
	struct voice_call *call = lws_container_of(sul, struct voice_call, filler_timer);
	const struct voice_filler *filler = call->filler;

	if (call->connection_gone || call->reply_cut || call->reply_audio_at || !filler ||
	    !filler->len)
		return;
	uint8_t *audio = xmalloc((size_t)filler->len);
	memcpy(audio, filler->audio, (size_t)filler->len);
	call->reply_audio_at = lws_now_usecs();
	segment_push(call, audio, filler->len, "", call->serial, true);
	want_write(call);
}

static void tool_noted(struct voice_job *job)
{
	struct tool_msg *m = (struct tool_msg *)job;
	struct voice_call *call = m->call;

	if (m->done) {
		lws_sul_cancel(&call->filler_timer);
	} else if (!call->connection_gone && m->serial == call->serial && !call->reply_cut &&
		   !call->reply_audio_at) {
		call->filler = m->filler;
		lws_sul_schedule(env->context, 0, &call->filler_timer, filler_due, FILLER_US);
	}
	free(m);
}

/* ---- the reply: start, cut, finish ---------------------------------------------------------- */

static long reply_total_ms(struct voice_call *call)
{
	return call->first_frame_at && call->turn_end_at
		? (long)((call->first_frame_at - call->turn_end_at) / 1000) : -1;
}

static void reply_begin(struct voice_call *call)
{
	if (call->reply_open) {
		/* Only a cut reply is still open here; its turn's seq comes when the brain ends. */
		free(call->stash_played);
		call->stash_serial = call->serial;
		call->stash_played = xstrdup(buf_str(&call->played));
		call->stash_stt_ms = call->stt_ms;
		call->stash_tts_ms = call->tts_first_ms;
		call->stash_total_ms = reply_total_ms(call);
	}
	call->serial++;
	call->reply_open = true;
	call->reply_brain_done = false;
	call->reply_cut = false;
	call->reply_final = false;
	call->reply_seq = -1;
	call->after = BRAIN_LISTEN;
	call->transfer_to = NULL;
	call->first_frame_at = 0;
	call->reply_audio_at = 0;
	call->stt_ms = call->brain_first_ms = call->tts_first_ms = 0;
	buf_clear(&call->played);
}

static bool reply_audio_pending(struct voice_call *call)
{
	for (struct segment *s = call->queue; s; s = s->next)
		if (s->serial == call->serial && !(s->filler && s->marked))
			return true;
	return false;
}

/* Is a reply still being said (or about to be)? */
static bool speaking(struct voice_call *call)
{
	return call->reply_open && !call->reply_cut && call->queue;
}

/* Is the caller talking over the reply, not finishing what they said before it began? */
static bool talking_over(struct voice_call *call)
{
	return speaking(call) && call->speech_start_at > call->reply_audio_at;
}

static void submit_redirect(struct voice_call *call, const char *form)
{
	struct call_job *j = job_new(call, run_redirect, job_done_quietly);

	j->text = xstrdup(form);
	voice_pool_submit(env->pool, &j->job);
}

static void submit_finish(struct voice_call *call, long seq, const char *played, long stt_ms,
			  long brain_ms, long tts_ms, long total_ms)
{
	struct call_job *j = job_new(call, run_finish, job_done_quietly);

	j->seq = seq;
	j->text = xstrdup(played);
	j->stt_ms = stt_ms;
	j->brain_ms = brain_ms;
	j->tts_ms = tts_ms;
	j->total_ms = total_ms;
	voice_pool_submit(env->pool, &j->job);
}

/* The reply is over (played to its end or cut off, and the brain done): store what was heard. */
static void reply_try_finish(struct voice_call *call)
{
	if (!call->reply_open || !call->reply_brain_done)
		return;
	if (!call->reply_cut && reply_audio_pending(call))
		return;
	call->reply_open = false;
	if (call->reply_seq >= 0)
		submit_finish(call, call->reply_seq, buf_str(&call->played), call->stt_ms,
			      call->brain_first_ms, call->tts_first_ms, reply_total_ms(call));
	if (call->reply_cut)
		return;
	if (call->after == BRAIN_TRANSFER) {
		struct call_job *j = job_new(call, run_transfer, job_done_quietly);
		j->transfer_to = call->transfer_to ? xstrdup(call->transfer_to) : NULL;
		voice_pool_submit(env->pool, &j->job);
	} else if (call->after == BRAIN_HANG_UP) {
		struct buf form = BUF_INIT;
		form_add(&form, "Twiml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			 "<Response><Hangup/></Response>");
		submit_redirect(call, buf_str(&form));
		buf_release(&form);
	}
}

/*
 * Twilio's buffer is being cleared: settle what the caller heard, by the account of Twilio's
 * buffer (the marks Twilio returns with a clear prove nothing). Clauses played to their end
 * count as said; the clause being played loses the part already heard; all that is left counts
 * as unsent again.
 */
static void segments_cleared(struct voice_call *call)
{
	lws_usec_t now = lws_now_usecs();
	long sent = 0;

	for (struct segment *s = call->queue; s; s = s->next)
		sent += s->sent;
	long played = sent - unplayed_bytes(call, now);
	while (call->queue && call->queue->marked && played >= call->queue->len) {
		played -= call->queue->len;
		segment_heard(call);
	}
	struct segment *s = call->queue;
	if (s && played > 0) {
		long cut = played < s->sent ? played : s->sent;
		memmove(s->audio, s->audio + cut, (size_t)(s->len - cut));
		s->len -= cut;
	}
	for (s = call->queue; s; s = s->next) {
		s->sent = 0;
		s->marked = false;
	}
	call->heard_until = now;
	call->clear_due = true;
	want_write(call);
}

/* Speech began over the reply: silence it at once, keeping the rest in case it goes on. */
static void reply_pause(struct voice_call *call)
{
	log_info("caller spoke over the reply; clearing");
	segments_cleared(call);
	call->paused = true;
	call->pause_word = false;
	call->pause_quiet_ms = 0;
	call->burst_judged = true;
	call->spoke_over = true;
}

/* It was only a backchannel or a noise: the reply goes on from where it was cut. */
static void reply_resume(struct voice_call *call)
{
	if (!call->paused)
		return;
	log_info("caller did not interrupt; the reply goes on");
	call->paused = false;
	want_write(call);
	reply_try_finish(call);
}

/* Barge-in: clear Twilio's buffer, drop the rest of the reply, keep only what was heard. */
static void barge_in(struct voice_call *call)
{
	bool was_paused = call->paused;

	call->paused = false;
	if (!call->reply_open || call->reply_cut)
		return;
	log_info("caller interrupted the reply");
	if (!was_paused)
		segments_cleared(call);
	call->reply_cut = true;
	__atomic_store_n(&call->cut_serial, call->serial, __ATOMIC_RELEASE);
	lws_sul_cancel(&call->filler_timer);
	segments_drop(call);
	reply_try_finish(call);
}

static void start_turn(struct voice_call *call, const char *text)
{
	lws_usec_t now = lws_now_usecs();

	reply_begin(call);
	/* The end of the turn is the first sign of it: the silence window running out, or the
	 * recognizer's final when it came first. */
	call->turn_end_at = call->speech_end_at && call->speech_end_at <= now ? call->speech_end_at : now;
	call->stt_ms = call->heard_stt_ms;
	call->heard_stt_ms = 0;
	call->speech_end_at = 0;
	call->brain_busy = true;
	struct call_job *j = job_new(call, run_turn, turn_done);
	j->text = xstrdup(text);
	voice_pool_submit(env->pool, &j->job);
}

/* A whole utterance of the caller, as recognized. */
static void utterance(struct voice_call *call, const char *text)
{
	bool over = call->spoke_over || talking_over(call);

	/* An acknowledgement over the reply is not a turn, even when the reply ended meanwhile. */
	call->spoke_over = false;
	if (over && brain_is_backchannel(text))
		return;
	log_info("caller said %zu characters", strlen(text));
	barge_in(call);
	if (call->brain_busy) {
		if (call->waiting.len)
			buf_putc(&call->waiting, ' ');
		buf_puts(&call->waiting, text);
		return;
	}
	start_turn(call, text);
}

/* ---- recognition ------------------------------------------------------------------------- */

static void stt_result(void *arg, const char *text, bool is_final, bool end_of_turn)
{
	struct voice_call *call = arg;

	if (*text && call->paused) {
		/* The reply was cleared for this speech: its words tell whether to go on. */
		if (!brain_is_backchannel(text))
			barge_in(call);
		else if (is_final)
			reply_resume(call);
		else
			call->pause_word = true;
	} else if (*text && talking_over(call) && !brain_is_backchannel(text)) {
		barge_in(call);
	}
	if (is_final && *text) {
		if (call->heard.len)
			buf_putc(&call->heard, ' ');
		buf_puts(&call->heard, text);
	}
	if (end_of_turn && call->heard.len) {
		call->heard_stt_ms = call->voice_at ? (long)((lws_now_usecs() - call->voice_at) / 1000) : 0;
		call->voice_at = 0;
		char *said = arena_strdup(call->frame, buf_str(&call->heard));
		buf_clear(&call->heard);
		utterance(call, said);
	}
}

static void stt_failed(void *arg)
{
	struct voice_call *call = arg;

	call->stt = NULL;
	log_warn("speech recognition failed mid-call; continuing in gather mode");
	go_gather(call);
}

static const struct voice_stt_events stt_events = { stt_result, stt_failed };

/* Hand the call to gather mode: Twilio's own recognition, one webhook a turn. */
static void go_gather(struct voice_call *call)
{
	if (call->gather)
		return;
	call->gather = true;
	struct buf form = BUF_INIT;
	form_add(&form, "Url", arena_printf(call->frame, "%s/hooks/twilio/voice?mode=gather",
					    conf_str("PUBLIC_BASE_URL")));
	form_add(&form, "Method", "POST");
	submit_redirect(call, buf_str(&form));
	buf_release(&form);
}

/* ---- Twilio's messages -------------------------------------------------------------------- */

static int close_with(struct voice_call *call, enum lws_close_status status, const char *why)
{
	log_warn("closing media stream: %s", why);
	lws_close_reason(call->wsi, status, (unsigned char *)why, strlen(why));
	return -1;
}

static int on_start(struct voice_call *call, json_t *msg)
{
	json_t *start = json_object_get(msg, "start");
	json_t *params = json_object_get(start, "customParameters");
	const char *sid = json_str(msg, "streamSid");
	const char *token = json_str(params, "token");
	const char *claimed = json_str(params, "call_id");
	const char *call_id = NULL, *org_id = NULL;

	if (!sid || !*sid || !token)
		return close_with(call, LWS_CLOSE_STATUS_POLICY_VIOLATION, "start without stream or token");
	if (media_token_check(call->frame, token, time(NULL), &call_id, &org_id) != 0 ||
	    (claimed && strcmp(claimed, call_id)))
		return close_with(call, LWS_CLOSE_STATUS_POLICY_VIOLATION, "media token refused");
	call->stream_sid = arena_strdup(call->arena, sid);
	call->call_sid = arena_strdup(call->arena, json_str(start, "callSid"));
	call->call_id = arena_strdup(call->arena, call_id);
	call->org_id = arena_strdup(call->arena, org_id);
	call->phase = LIVE;
	log_info("media stream started");

	if (!env->deepgram_url) {
		log_info("no speech recognition configured; the call continues in gather mode");
		go_gather(call);
		return 0;
	}
	call->stt = voice_stt_open(env->context, env->deepgram_url, env->deepgram_key, &stt_events,
				   call);
	if (!call->stt) {
		go_gather(call);
		return 0;
	}
	reply_begin(call);
	call->brain_busy = true;
	voice_pool_submit(env->pool, &job_new(call, run_open, opened)->job);
	return 0;
}

/* Decode a frame's base64 payload into the call's buffer: its length, or -1 when malformed or
 * larger than a caller's frame can be. */
static long payload_decode(struct voice_call *call, const char *b64, size_t len)
{
	if (len == 0 || len % 4 || len / 4 * 3 > sizeof(call->ulaw))
		return -1;
	int n = EVP_DecodeBlock(call->ulaw, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as data; take it back off. */
	n -= (b64[len - 1] == '=') + (b64[len - 2] == '=');
	return n > 0 && n <= MEDIA_MAX ? n : -1;
}

/* A frame of the caller's audio: to the recognizer, and through voice activity detection. */
static void caller_audio(struct voice_call *call, const uint8_t *ulaw, long n)
{
	int16_t pcm[MEDIA_MAX];
	struct audio_vad *vad = &call->vad;

	if (call->stt)
		voice_stt_audio(call->stt, ulaw, (size_t)n);
	if (call->gather)
		return;
	audio_ulaw_to_pcm(ulaw, (size_t)n, pcm);
	enum audio_vad_event ev = audio_vad_feed(vad, pcm, (size_t)n);
	lws_usec_t now = lws_now_usecs();
	bool loud = vad->speech_ms > 0 && vad->silence_run_ms == 0;
	if (vad->in_speech && loud)
		call->voice_at = now;
	if (ev == AUDIO_VAD_SPEECH_START) {
		call->speech_end_at = 0;
		call->speech_start_at = now;
	}
	if (ev == AUDIO_VAD_SPEECH_END) {
		call->speech_end_at = now;
		if (call->stt)
			voice_stt_finalize(call->stt);
	}
	if (!vad->in_speech && vad->speech_ms == 0)
		call->burst_judged = false;
	if (call->paused) {
		/* Long speech is a real interruption; a short burst followed by quiet is not,
		 * unless the recognizer, once it has begun a word, says otherwise. */
		call->pause_quiet_ms = loud ? 0 : call->pause_quiet_ms + (long)n / 8;
		if (vad->speech_ms >= BARGE_IN_SPEECH_MS)
			barge_in(call);
		else if (call->pause_quiet_ms >= (call->pause_word ? RESUME_QUIET_MAX_MS : RESUME_QUIET_MS))
			reply_resume(call);
	} else if (!call->burst_judged && vad->speech_ms >= BARGE_IN_ONSET_MS && speaking(call) &&
		   now - (lws_usec_t)vad->speech_ms * 1000 > call->reply_audio_at) {
		reply_pause(call);
	}
}

static void on_media(struct voice_call *call, json_t *msg)
{
	const char *payload = json_str(json_object_get(msg, "media"), "payload");
	long n = payload ? payload_decode(call, payload, strlen(payload)) : -1;

	if (n > 0)
		caller_audio(call, call->ulaw, n);
}

/* A JSON string without escapes or control or non-ASCII bytes at *p: its span, and *p moved past
 * it. false for anything else (which the full parser is left to judge). */
static bool plain_string(const char **p, const char *end, const char **s, size_t *n)
{
	const char *q = *p;

	if (q >= end || *q != '"')
		return false;
	*s = ++q;
	while (q < end && *q != '"') {
		if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
			return false;
		q++;
	}
	if (q >= end)
		return false;
	*n = (size_t)(q - *s);
	*p = q + 1;
	return true;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(k, want, n);
}

struct media_msg {
	const char *event, *sid, *payload;
	size_t event_len, sid_len, payload_len;
};

/*
 * Scan one object of plain strings (and, at the top, objects of plain strings) from *p, noting
 * the event, the streamSid and media's payload, each at most once. false when the text is
 * anything else: then the message goes through the full parser.
 */
static bool media_scan(const char **p, const char *end, bool top, bool in_media, struct media_msg *m)
{
	const char *q = skip_space(*p, end);

	if (q >= end || *q++ != '{')
		return false;
	q = skip_space(q, end);
	if (q < end && *q == '}') {
		*p = q + 1;
		return true;
	}
	for (;;) {
		const char *key, *value;
		size_t klen, vlen;
		if (!plain_string(&q, end, &key, &klen))
			return false;
		q = skip_space(q, end);
		if (q >= end || *q++ != ':')
			return false;
		q = skip_space(q, end);
		if (q < end && *q == '{') {
			if (!top || !media_scan(&q, end, false, key_is(key, klen, "media"), m))
				return false;
		} else {
			if (!plain_string(&q, end, &value, &vlen))
				return false;
			const char **slot = NULL;
			size_t *slot_len = NULL;
			if (top && key_is(key, klen, "event"))
				slot = &m->event, slot_len = &m->event_len;
			else if (top && key_is(key, klen, "streamSid"))
				slot = &m->sid, slot_len = &m->sid_len;
			else if (in_media && key_is(key, klen, "payload"))
				slot = &m->payload, slot_len = &m->payload_len;
			if (slot) {
				if (*slot)
					return false;
				*slot = value;
				*slot_len = vlen;
			}
		}
		q = skip_space(q, end);
		if (q < end && *q == ',') {
			q = skip_space(q + 1, end);
			continue;
		}
		if (q < end && *q == '}') {
			*p = q + 1;
			return true;
		}
		return false;
	}
}

/*
 * The media message, 50 times a second a call, read without building a JSON tree. Returns 1 when
 * it was a media event of this stream's shape (handled, or ignored as the full path would), 0
 * when the message must go through the full parser.
 */
static int media_fast(struct voice_call *call, const char *text, size_t len)
{
	static const char prefix[] = "{\"event\":\"media\"";
	struct media_msg m = { 0 };
	const char *p = text, *end = text + len;

	if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1))
		return 0;
	if (!media_scan(&p, end, true, false, &m) || skip_space(p, end) != end || !m.sid)
		return 0;
	if (!key_is(m.sid, m.sid_len, call->stream_sid)) {
		log_warn("ignoring a media stream media event for another stream");
		return 1;
	}
	long n = m.payload ? payload_decode(call, m.payload, m.payload_len) : -1;
	if (n > 0)
		caller_audio(call, call->ulaw, n);
	return 1;
}

/* Twilio echoes a mark once the audio sent before it has played: that clause was heard. */
static void on_mark(struct voice_call *call, json_t *msg)
{
	const char *name = json_str(json_object_get(msg, "mark"), "name");
	struct segment *s;

	if (!name)
		return;
	for (s = call->queue; s && s->marked; s = s->next)
		if (!strcmp(s->mark, name))
			break;
	if (!s || !s->marked)
		return;
	struct segment *last = s;
	bool more;
	do {
		more = call->queue != last;
		segment_heard(call);
	} while (more);
	/* Twilio's own clock is the truth: what is still buffered plays from now on. */
	long sent = 0;
	for (s = call->queue; s; s = s->next)
		sent += s->sent;
	lws_usec_t until = lws_now_usecs() + (lws_usec_t)sent * BYTE_US;
	if (until > call->heard_until)
		call->heard_until = until;
	reply_try_finish(call);
}

/* Press 0: a person. */
static void transfer_now(struct voice_call *call)
{
	log_info("caller pressed 0 for a person");
	barge_in(call);
	reply_begin(call);
	call->reply_brain_done = true;
	voice_pool_submit(env->pool, &job_new(call, run_transfer, job_done_quietly)->job);
}

/* The number keyed in is complete (# or a pause): the brain hears it as the caller's words. */
static void digits_done(struct voice_call *call)
{
	lws_sul_cancel(&call->digit_timer);
	if (call->ndigits == 0)
		return;
	char *said = arena_strdup(call->frame, call->digits);
	call->ndigits = 0;
	call->digits[0] = '\0';
	if (!strcmp(said, "0")) {
		transfer_now(call);
		return;
	}
	log_info("caller keyed in %zu digits", strlen(said));
	utterance(call, said);
}

static void digits_due(lws_sorted_usec_list_t *sul)
{
	struct voice_call *call = lws_container_of(sul, struct voice_call, digit_timer);

	if (!call->connection_gone && call->phase == LIVE)
		digits_done(call);
	arena_reset(call->frame);
}

static void on_dtmf(struct voice_call *call, json_t *msg)
{
	const char *digit = json_str(json_object_get(msg, "dtmf"), "digit");

	if (!digit || !*digit)
		return;
	if (!call->wants_phone || call->gather) {
		if (!strcmp(digit, "0"))
			transfer_now(call);
		return;
	}
	/* Waiting for a phone number: keys are collected, and 0 alone still means a person. */
	if (!strcmp(digit, "#")) {
		digits_done(call);
		return;
	}
	if (!isdigit((unsigned char)digit[0]) || digit[1] || call->ndigits >= DIGITS_MAX)
		return;
	call->digits[call->ndigits++] = digit[0];
	call->digits[call->ndigits] = '\0';
	lws_sul_schedule(env->context, 0, &call->digit_timer, digits_due, DIGITS_US);
}

int voice_call_message(struct voice_call *call, const char *text, size_t len)
{
	char error[160];
	int rc = 0;

	if (call->phase == LIVE && media_fast(call, text, len))
		return 0;
	json_t *msg = json_parse(call->frame, text, len, error, sizeof(error));
	const char *event = json_str(msg, "event");

	if (!event) {
		log_warn("ignoring a media stream message that is not an event: %s",
			 msg ? "no event" : error);
		goto out;
	}
	if (call->phase == WAIT_CONNECTED || call->phase == WAIT_START) {
		if (!strcmp(event, "connected"))
			call->phase = WAIT_START;
		else if (!strcmp(event, "start"))
			rc = on_start(call, msg);
		else
			log_warn("ignoring a media stream %s event before start", event);
		goto out;
	}
	const char *sid = json_str(msg, "streamSid");
	if (!sid || strcmp(sid, call->stream_sid)) {
		log_warn("ignoring a media stream %s event for another stream", event);
		goto out;
	}
	if (!strcmp(event, "media"))
		on_media(call, msg);
	else if (!strcmp(event, "mark"))
		on_mark(call, msg);
	else if (!strcmp(event, "dtmf"))
		on_dtmf(call, msg);
	else if (!strcmp(event, "stop")) {
		log_info("media stream stopped");
		call->phase = ENDED;
		/* Whatever was heard of the reply is all the caller will hear of it. */
		call->reply_cut = call->reply_open;
		__atomic_store_n(&call->cut_serial, call->serial, __ATOMIC_RELEASE);
		reply_try_finish(call);
		rc = -1;
	} else
		log_warn("ignoring an unknown media stream event");
out:
	arena_reset(call->frame);
	return rc;
}

/* ---- writing to Twilio ------------------------------------------------------------------ */

/* The message being written, with lws's room in front: only the event loop writes, and lws
 * keeps what the socket does not take at once, so one buffer serves every call. */
static unsigned char out_message[LWS_PRE + 160 + (OUT_CHUNK + 2) / 3 * 4];
_Static_assert(sizeof(out_message) - LWS_PRE <= VOICE_SEND_MAX, "a message must fit one send");

static int send_message(struct voice_call *call, size_t n)
{
	return lws_write(call->wsi, out_message + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1 : 0;
}

/* Write a small event (clear or mark) of this stream. */
static int send_event(struct voice_call *call, const char *event, const char *mark)
{
	char *text = (char *)out_message + LWS_PRE;
	size_t room = sizeof(out_message) - LWS_PRE;
	int n = mark ? snprintf(text, room, "{\"event\":\"%s\",\"streamSid\":\"%s\",\"mark\":"
				"{\"name\":\"%s\"}}", event, call->stream_sid, mark)
		     : snprintf(text, room, "{\"event\":\"%s\",\"streamSid\":\"%s\"}", event,
				call->stream_sid);

	if (n < 0 || (size_t)n >= room)
		return -1;
	return send_message(call, (size_t)n);
}

/* Write up to OUT_CHUNK bytes of s's audio, from what is not sent yet, as one media message. */
static int send_audio(struct voice_call *call, struct segment *s)
{
	static const char tail[] = "\"}}";
	char *text = (char *)out_message + LWS_PRE;
	size_t room = sizeof(out_message) - LWS_PRE;
	long n = s->len - s->sent < OUT_CHUNK ? s->len - s->sent : OUT_CHUNK;
	int head = snprintf(text, room, "{\"event\":\"media\",\"streamSid\":\"%s\",\"media\":"
			    "{\"payload\":\"", call->stream_sid);

	if (head < 0 || (size_t)head + (size_t)(n + 2) / 3 * 4 + sizeof(tail) > room)
		return -1;
	int b64 = EVP_EncodeBlock((unsigned char *)text + head, s->audio + s->sent, (int)n);
	memcpy(text + head + b64, tail, sizeof(tail) - 1);

	lws_usec_t now = lws_now_usecs();
	s->sent += n;
	call->heard_until = (call->heard_until > now ? call->heard_until : now) + n * BYTE_US;
	if (!call->first_frame_at && s->serial == call->serial && !s->filler)
		call->first_frame_at = now;
	return send_message(call, (size_t)head + (size_t)b64 + sizeof(tail) - 1);
}

int voice_call_writeable(struct voice_call *call)
{
	if (call->phase != LIVE)
		return call->phase == ENDED ? -1 : 0;
	if (call->clear_due) {
		call->clear_due = false;
		want_write(call);
		return send_event(call, "clear", NULL);
	}
	if (call->paused)
		return 0;
	/* The first segment not yet all sent with its mark; audio goes strictly in order. */
	struct segment *s = call->queue;
	while (s && s->marked)
		s = s->next;
	if (!s)
		return 0;
	if (s->sent < s->len) {
		want_write(call);
		return send_audio(call, s);
	}
	if (s->open)
		return 0;
	/* The clause is all sent: its mark comes back when the caller has heard it. */
	snprintf(s->mark, sizeof(s->mark), "%s%u-%u", s->filler ? "f" : "c", s->serial,
		 ++call->mark_count);
	s->marked = true;
	want_write(call);
	return send_event(call, "mark", s->mark);
}

/* ---- life of a call ------------------------------------------------------------------------ */

struct voice_call *voice_call_new(struct lws *wsi)
{
	struct voice_call *call = xcalloc(1, sizeof(*call));

	call->wsi = wsi;
	call->arena = arena_new();
	call->frame = arena_new();
	call->brain_arena = arena_new();
	call->phase = WAIT_CONNECTED;
	call->reply_seq = -1;
	call->tts_provider = tts_configured;
	audio_vad_init(&call->vad, 8000, env->silence_ms);
	connected_calls++;
	return call;
}

int voice_call_count(void)
{
	return connected_calls;
}

static void call_free(struct voice_call *call)
{
	segments_drop(call);
	buf_release(&call->heard);
	buf_release(&call->waiting);
	buf_release(&call->played);
	free(call->stash_played);
	arena_free(call->brain_arena);
	arena_free(call->frame);
	arena_free(call->arena);
	free(call);
}

void voice_call_closed(struct voice_call *call)
{
	if (call->phase == LIVE) {
		call->reply_cut = call->reply_open;
		__atomic_store_n(&call->cut_serial, call->serial, __ATOMIC_RELEASE);
		reply_try_finish(call);
	}
	call->connection_gone = true;
	call->wsi = NULL;
	connected_calls--;
	lws_sul_cancel(&call->filler_timer);
	lws_sul_cancel(&call->digit_timer);
	voice_stt_close(call->stt);
	call->stt = NULL;
	if (call->jobs == 0)
		call_free(call);
}
