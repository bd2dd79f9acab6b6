/* voice_browser.c: the dashboard's test call: browser microphone in, receptionist's voice out */
#include "voice_browser.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "audio/asr_local.h"
#include "audio/audio.h"
#include "domain/brain.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "domain/media_token.h"
#include "provider/browser_call.h"
#include "provider/tts.h"
#include "voice_call.h"
#include "voice_pool.h"
#include "infra/xalloc.h"

#define RATE ASR_LOCAL_RATE
#define FRAME_SAMPLES (RATE / 50)               /* 20 ms */
#define PREROLL_BYTES (RATE * 2 * 3 / 10)       /* 300 ms kept before speech is detected */
#define UTTERANCE_MAX_BYTES (RATE * 2 * 20)     /* 20 s: longer speech is cut into turns */
#define AUDIO_CHUNK_BYTES (RATE * 2 / 10)       /* reply audio goes out 100 ms a message */
#define PENDING_MAX 3                           /* utterances queued while the brain thinks */

static const char SQL_CALL_ANSWER[] =
	"UPDATE calls SET status = 'in-progress', answered_at = coalesce(answered_at, now()) "
	"WHERE id = $1 AND provider = 'browser' AND ended_at IS NULL RETURNING id";
static const char SQL_CALL_END[] =
	"UPDATE calls SET status = 'completed', ended_at = now(), "
	"duration_seconds = greatest(0, extract(epoch FROM now() - coalesce(answered_at, "
	"started_at)))::integer "
	"WHERE id = $1 AND ended_at IS NULL";

static const struct voice_env *env;

/* A message waiting to be sent, with LWS_PRE bytes of room before it. */
struct outgoing {
	struct outgoing *next;
	bool binary;
	size_t len;
	unsigned char data[];
};

/* One finished utterance of the caller, waiting for the brain. */
struct utterance {
	struct utterance *next;
	int16_t *pcm;
	size_t n;
};

struct browser_call {
	struct lws *wsi;            /* NULL once the connection is gone */
	struct arena *arena;        /* the call's ids */
	struct arena *frame;        /* one message's scratch memory, reset after each */
	struct arena *brain_arena;  /* the brain session's; only the call's running job uses it */
	bool started, hanging_up;
	bool refused;               /* the token was good but its call is not there to talk to */
	const char *closing;        /* why the connection is being closed (static), or NULL */
	lws_usec_t opened_at, heard_at;
	char *call_id, *org_id;
	struct brain_session *session;
	int jobs;                   /* jobs in flight that point at this call */
	bool busy;                  /* the greeting or a turn is being worked out */

	struct buf message;         /* fragments of the text message being received */
	struct audio_vad vad;
	struct buf speech;          /* PCM of the utterance being spoken, with its pre-roll */
	struct utterance *pending, *pending_tail;
	int npending;

	struct outgoing *out, *out_tail;
};

/* Work on a pool thread for one call. */
struct browser_job {
	struct voice_job job;
	struct browser_call *call;
	int16_t *pcm;               /* turn: the utterance, heap */
	size_t n;
	bool ok;
	enum brain_action action;
};

/* Something said, streamed back from a running job: its words, and audio for a reply. */
struct said_msg {
	struct voice_job job;
	struct browser_call *call;
	const char *speaker;
	char *text;                 /* heap */
	int16_t *pcm;               /* heap, NULL for the caller's words */
	size_t n;
};

/* Marking a test call ended, after its connection is gone. */
struct end_job {
	struct voice_job job;
	char *call_id, *org_id;     /* heap */
};

static void start_next_turn(struct browser_call *call);

void voice_browser_setup(const struct voice_env *e)
{
	env = e;
}

static void call_maybe_free(struct browser_call *call)
{
	if (call->wsi || call->jobs)
		return;
	for (struct utterance *u = call->pending, *next; u; u = next) {
		next = u->next;
		free(u->pcm);
		free(u);
	}
	for (struct outgoing *o = call->out, *next; o; o = next) {
		next = o->next;
		free(o);
	}
	buf_release(&call->message);
	buf_release(&call->speech);
	arena_free(call->brain_arena);
	arena_free(call->frame);
	arena_free(call->arena);
	free(call);
}

/* ---- sending ------------------------------------------------------------------------------ */

static void queue_out(struct browser_call *call, bool binary, const void *data, size_t len)
{
	struct outgoing *o = xmalloc(sizeof(*o) + LWS_PRE + len);

	o->next = NULL;
	o->binary = binary;
	o->len = len;
	memcpy(o->data + LWS_PRE, data, len);
	if (call->out_tail)
		call->out_tail->next = o;
	else
		call->out = o;
	call->out_tail = o;
	if (call->wsi)
		lws_callback_on_writable(call->wsi);
}

static void queue_event(struct browser_call *call, json_t *event)
{
	char *text = json_dumps(event, JSON_COMPACT);

	queue_out(call, false, text, strlen(text));
	free(text);
	json_decref(event);
}

static void queue_transcript(struct browser_call *call, const char *speaker, const char *text)
{
	queue_event(call, json_pack("{s:s, s:s, s:s}", "event", "transcript", "speaker", speaker,
				    "text", text));
}

/* Little-endian on the wire whatever this machine is. */
static void queue_audio(struct browser_call *call, const int16_t *pcm, size_t n)
{
	unsigned char chunk[AUDIO_CHUNK_BYTES];

	for (size_t i = 0; i < n;) {
		size_t len = 0;
		for (; i < n && len < sizeof(chunk); i++) {
			chunk[len++] = (unsigned char)((uint16_t)pcm[i] & 0xff);
			chunk[len++] = (unsigned char)((uint16_t)pcm[i] >> 8);
		}
		queue_out(call, true, chunk, len);
	}
}

static int close_with(struct lws *wsi, enum lws_close_status status, const char *why)
{
	lws_close_reason(wsi, status, (unsigned char *)why, strlen(why));
	return -1;
}

static int browser_writeable(struct browser_call *call)
{
	struct outgoing *o = call->out;

	if (call->closing)
		return close_with(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, call->closing);
	if (call->refused)
		return close_with(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "test call not found");
	if (!o)
		return call->hanging_up ? close_with(call->wsi, LWS_CLOSE_STATUS_NORMAL, "call ended") : 0;
	call->out = o->next;
	if (!call->out)
		call->out_tail = NULL;
	int n = lws_write(call->wsi, o->data + LWS_PRE, o->len,
			  o->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
	free(o);
	if (n < 0)
		return -1;
	if (call->out || call->hanging_up)
		lws_callback_on_writable(call->wsi);
	return 0;
}

/* ---- jobs: the blocking half, on pool threads --------------------------------------------- */

static struct browser_job *job_new(struct browser_call *call,
				   void (*run)(struct voice_job *, struct db *),
				   void (*done)(struct voice_job *))
{
	struct browser_job *j = xcalloc(1, sizeof(*j));

	j->job.run = run;
	j->job.done = done;
	j->call = call;
	call->jobs++;
	return j;
}

static void job_release(struct browser_job *j)
{
	struct browser_call *call = j->call;

	free(j->pcm);
	free(j);
	call->jobs--;
	call_maybe_free(call);
}

static void said_arrived(struct voice_job *job)
{
	struct said_msg *m = (struct said_msg *)job;
	struct browser_call *call = m->call;

	if (call->wsi) {
		queue_transcript(call, m->speaker, m->text);
		if (m->pcm)
			queue_audio(call, m->pcm, m->n);
	}
	free(m->text);
	free(m->pcm);
	free(m);
}

/* From a pool thread: send what speaker said, with the receptionist's words spoken. The call
 * outlives the message because the job posting it finishes after it, in order. */
static void post_said(struct browser_call *call, const char *speaker, const char *text)
{
	struct said_msg *m = xcalloc(1, sizeof(*m));

	m->job.done = said_arrived;
	m->call = call;
	m->speaker = speaker;
	m->text = xstrdup(text);
	if (!strcmp(speaker, "assistant")) {
		struct arena *a = arena_new();
		int16_t *pcm;
		long n = tts_flite_pcm(a, text, RATE, &pcm);
		if (n > 0) {
			m->pcm = xmalloc((size_t)n * sizeof(*pcm));
			memcpy(m->pcm, pcm, (size_t)n * sizeof(*pcm));
			m->n = (size_t)n;
		}
		arena_free(a);
	}
	voice_pool_post(env->pool, &m->job);
}

static void on_brain_clause(void *arg, const char *clause)
{
	post_said(arg, "assistant", clause);
}

/* Claim the call row, open the brain session and say the greeting. */
static void run_open(struct voice_job *job, struct db *db)
{
	struct browser_job *j = (struct browser_job *)job;
	struct browser_call *call = j->call;
	struct arena *a = call->brain_arena;
	const char *claimed = NULL;

	if (db_begin_org(db, a, call->org_id) < 0)
		return;
	claimed = db_text(db, a, SQL_CALL_ANSWER, call->call_id);
	if (!claimed || db_commit(db) < 0) {
		db_rollback(db);
		return;
	}
	/* A browser has no caller ID. */
	call->session = brain_session_open(db, a, call->org_id, call->call_id, NULL);
	if (!call->session)
		return;
	j->ok = true;
	post_said(call, "assistant", brain_greeting(db, a, call->session));
}

static void open_done(struct voice_job *job)
{
	struct browser_job *j = (struct browser_job *)job;
	struct browser_call *call = j->call;

	call->busy = false;
	if (!j->ok && call->wsi) {
		/* No such test call (or it has ended): nothing to talk to. */
		call->refused = true;
		lws_callback_on_writable(call->wsi);
	} else if (j->ok) {
		start_next_turn(call);
	}
	job_release(j);
}

/* Recognize the utterance; when it holds words, the brain answers them clause by clause. */
static void run_turn(struct voice_job *job, struct db *db)
{
	struct browser_job *j = (struct browser_job *)job;
	struct browser_call *call = j->call;
	struct arena *scratch = arena_new();
	struct brain_reply reply;
	char *text = NULL;

	j->action = BRAIN_LISTEN;
	if (asr_local_recognize(scratch, j->pcm, j->n, &text) == 0 && *text) {
		post_said(call, "caller", text);
		brain_turn(db, call->brain_arena, call->session, text, on_brain_clause, call, &reply);
		j->action = reply.action;
	}
	j->ok = true;
	arena_free(scratch);
}

static void turn_done(struct voice_job *job)
{
	struct browser_job *j = (struct browser_job *)job;
	struct browser_call *call = j->call;

	call->busy = false;
	if (call->wsi && j->action != BRAIN_LISTEN) {
		/* A browser cannot be transferred: it hears the reply and the call ends. */
		queue_event(call, json_pack("{s:s}", "event", "hangup"));
		call->hanging_up = true;
	} else if (call->wsi) {
		start_next_turn(call);
	}
	job_release(j);
}

static void run_end(struct voice_job *job, struct db *db)
{
	struct end_job *j = (struct end_job *)job;
	struct arena *a = arena_new();

	if (db_begin_org(db, a, j->org_id) == 0) {
		if (db_exec(db, a, SQL_CALL_END, j->call_id) < 0)
			db_rollback(db);
		else
			db_commit(db);
	}
	arena_free(a);
}

static void end_done(struct voice_job *job)
{
	struct end_job *j = (struct end_job *)job;

	free(j->call_id);
	free(j->org_id);
	free(j);
}

static void start_next_turn(struct browser_call *call)
{
	struct utterance *u = call->pending;

	if (call->busy || !u || call->hanging_up)
		return;
	call->pending = u->next;
	if (!call->pending)
		call->pending_tail = NULL;
	call->npending--;
	struct browser_job *j = job_new(call, run_turn, turn_done);
	j->pcm = u->pcm;
	j->n = u->n;
	free(u);
	call->busy = true;
	voice_pool_submit(env->pool, &j->job);
}

/* ---- receiving ---------------------------------------------------------------------------- */

static void utterance_finished(struct browser_call *call)
{
	struct utterance *u;

	if (call->npending >= PENDING_MAX) {
		/* The caller keeps talking over a slow brain: the oldest words are given up. */
		u = call->pending;
		call->pending = u->next;
		if (!call->pending)
			call->pending_tail = NULL;
		call->npending--;
		log_warn("dropping an utterance of a test call the brain could not keep up with");
		free(u->pcm);
		free(u);
	}
	u = xcalloc(1, sizeof(*u));
	u->n = call->speech.len / 2;
	u->pcm = xmalloc(call->speech.len ? call->speech.len : 1);
	memcpy(u->pcm, call->speech.data, call->speech.len);
	buf_clear(&call->speech);
	if (call->pending_tail)
		call->pending_tail->next = u;
	else
		call->pending = u;
	call->pending_tail = u;
	call->npending++;
	start_next_turn(call);
}

/* One 20 ms (or shorter) frame of the caller's audio. */
static void hear_frame(struct browser_call *call, const int16_t *pcm, size_t n)
{
	enum audio_vad_event ev = audio_vad_feed(&call->vad, pcm, n);

	buf_add(&call->speech, pcm, n * sizeof(*pcm));
	if (ev == AUDIO_VAD_SPEECH_END ||
	    (call->vad.in_speech && call->speech.len >= UTTERANCE_MAX_BYTES)) {
		utterance_finished(call);
	} else if (!call->vad.in_speech && call->speech.len > PREROLL_BYTES) {
		size_t drop = call->speech.len - PREROLL_BYTES;
		memmove(call->speech.data, call->speech.data + drop, PREROLL_BYTES);
		call->speech.len = PREROLL_BYTES;
	}
}

static int receive_audio(struct browser_call *call, const unsigned char *in, size_t len)
{
	int16_t frame[FRAME_SAMPLES];

	if (!call->started)
		return close_with(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "audio before start");
	size_t at = 0;
	long n = browser_call_audio_next(in, len, &at, frame, FRAME_SAMPLES);
	if (n < 0)
		return close_with(call->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				  "audio must be 16-bit samples");
	for (; n > 0; n = browser_call_audio_next(in, len, &at, frame, FRAME_SAMPLES))
		hear_frame(call, frame, (size_t)n);
	return 0;
}

static int receive_start(struct browser_call *call, const char *token)
{
	const char *call_id, *org_id;

	if (call->started)
		return close_with(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "already started");
	/* Only a test call's token: a Twilio stream's opens no browser call. */
	if (!token || media_token_check(call->frame, MEDIA_TOKEN_BROWSER, token, time(NULL),
					&call_id, &org_id) != 0) {
		log_warn("refusing a test call with a bad token");
		return close_with(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, "token refused");
	}
	call->call_id = arena_strdup(call->arena, call_id);
	call->org_id = arena_strdup(call->arena, org_id);
	call->started = true;
	call->busy = true;
	audio_vad_init(&call->vad, RATE, env->silence_ms);
	voice_pool_submit(env->pool, &job_new(call, run_open, open_done)->job);
	log_info("test call started");
	return 0;
}

static int receive_text(struct browser_call *call, const char *text, size_t len)
{
	struct browser_call_msg msg;

	switch (browser_call_read(call->frame, text, len, &msg)) {
	case BROWSER_CALL_INVALID:
		return close_with(call->wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "not an event");
	case BROWSER_CALL_START:
		return receive_start(call, msg.token);
	case BROWSER_CALL_STOP:
		return close_with(call->wsi, LWS_CLOSE_STATUS_NORMAL, "hung up");
	default:
		return close_with(call->wsi, LWS_CLOSE_STATUS_INVALID_PAYLOAD, "unknown event");
	}
}

/* Fragments are put together; a message of either kind is at most VOICE_BROWSER_MESSAGE_MAX. */
static int browser_receive(struct lws *wsi, struct browser_call *call, const void *in, size_t len)
{
	if (call->message.len + len > VOICE_BROWSER_MESSAGE_MAX) {
		log_warn("closing a test call that sent a message over %d bytes",
			 VOICE_BROWSER_MESSAGE_MAX);
		return close_with(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
	}
	buf_add(&call->message, in, len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	int rc = lws_frame_is_binary(wsi) ?
		 receive_audio(call, (const unsigned char *)call->message.data, call->message.len) :
		 receive_text(call, call->message.data, call->message.len);
	buf_clear(&call->message);
	arena_reset(call->frame);
	return rc;
}

static void browser_closed(struct browser_call *call)
{
	call->wsi = NULL;
	if (call->started) {
		struct end_job *j = xcalloc(1, sizeof(*j));
		j->job.run = run_end;
		j->job.done = end_done;
		j->call_id = xstrdup(call->call_id);
		j->org_id = xstrdup(call->org_id);
		voice_pool_submit(env->pool, &j->job);
		log_info("test call ended");
	}
	call_maybe_free(call);
}

int voice_browser_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			   void *in, size_t len)
{
	struct browser_call **slot = user;
	char uri[64];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* The path is for WebSocket upgrades only. */
		return 1;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
		    strcmp(uri, VOICE_BROWSER_PATH))
			return 1;
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		*slot = xcalloc(1, sizeof(**slot));
		(*slot)->wsi = wsi;
		(*slot)->arena = arena_new();
		(*slot)->frame = arena_new();
		(*slot)->brain_arena = arena_new();
		(*slot)->opened_at = lws_now_usecs();
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (!*slot)
			return -1;
		(*slot)->heard_at = lws_now_usecs();
		return browser_receive(wsi, *slot, in, len);
	case LWS_CALLBACK_USER:
		/* The worker's housekeeping sweep: close a test call that never starts or has
		 * gone quiet (a browser sends audio every 20 ms). */
		if (slot && *slot && !(*slot)->closing) {
			struct browser_call *call = *slot;
			call->closing = voice_overdue(call->opened_at, call->heard_at,
						      call->started, lws_now_usecs());
			if (call->closing) {
				log_warn("closing a test call: %s", call->closing);
				lws_callback_on_writable(wsi);
				lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, VOICE_CLOSE_WAIT_S);
			}
		}
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return *slot ? browser_writeable(*slot) : 0;
	case LWS_CALLBACK_CLOSED:
		if (*slot)
			browser_closed(*slot);
		*slot = NULL;
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
