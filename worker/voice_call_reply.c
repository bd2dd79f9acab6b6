/* voice_call_reply.c: a live call's reply audio out to Twilio: clauses, marks, clear, barge-in */
#include "voice_call_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/log.h"
#include "infra/xalloc.h"

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

/* ---- the reply's audio: segments queued, heard, dropped ------------------------------------ */

static void segment_push(struct voice_call *call, uint8_t *audio, long len, const char *text,
			 unsigned serial, bool filler)
{
	struct segment *s = xcalloc(1, sizeof(*s));

	s->audio = audio;
	s->len = s->cap = len;
	s->text = xstrdup(text);
	s->serial = serial;
	s->filler = filler;
	if (call->out.queue_tail)
		call->out.queue_tail->next = s;
	else
		call->out.queue = s;
	call->out.queue_tail = s;
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
	struct segment *s = call->out.queue;

	if (s->serial == call->reply.serial && !s->filler && !call->reply.cut) {
		if (call->reply.played.len && *s->text)
			buf_putc(&call->reply.played, ' ');
		buf_puts(&call->reply.played, s->text);
	}
	call->out.queue = s->next;
	if (!call->out.queue)
		call->out.queue_tail = NULL;
	if (call->out.open == s)
		call->out.open = NULL;
	segment_free(s);
}

static void segments_drop(struct voice_call *call)
{
	while (call->out.queue) {
		struct segment *s = call->out.queue;
		call->out.queue = s->next;
		segment_free(s);
	}
	call->out.queue_tail = NULL;
	call->out.open = NULL;
}

/* Audio sent that Twilio has not played yet, by the worker's account of its buffer. */
static long unplayed_bytes(struct voice_call *call, lws_usec_t now)
{
	return call->out.heard_until > now ? (long)((call->out.heard_until - now) / BYTE_US) : 0;
}

/* Add a piece of audio to the clause it belongs to, which opens with its first piece. */
static void clause_append(struct voice_call *call, struct clause_msg *m)
{
	struct segment *s = call->out.open;

	if (!s || s->clause != m->clause) {
		if (s)
			s->open = false;
		lws_sul_cancel(&call->out.filler_timer);
		if (!call->reply.tts_first_ms)
			call->reply.tts_first_ms = m->synth_ms ? m->synth_ms : 1;
		if (!call->reply.audio_at)
			call->reply.audio_at = lws_now_usecs();
		segment_push(call, m->audio, m->len, m->text ? m->text : "", m->serial, false);
		m->audio = NULL;
		s = call->out.open = call->out.queue_tail;
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
	call_want_write(call);
}

void reply_clause_arrived(struct voice_job *job)
{
	struct clause_msg *m = (struct clause_msg *)job;
	struct voice_call *call = m->call;

	if (!call->connection_gone && m->serial == call->reply.serial && !call->reply.cut &&
	    m->len > 0)
		clause_append(call, m);
	if (!call->connection_gone && m->end && call->out.open &&
	    call->out.open->clause == m->clause) {
		/* All of the clause is here: once sent, its mark follows. */
		call->out.open->open = false;
		call->out.open = NULL;
		call_want_write(call);
	}
	free(m->audio);
	free(m->text);
	free(m);
}

/* A tool has run FILLER_US and the caller has heard nothing since the turn began. */
static void filler_due(lws_sorted_usec_list_t *sul)
{
	struct voice_call *call = lws_container_of(sul, struct voice_call, out.filler_timer);
	const struct voice_filler *filler = call->out.filler;

	if (call->connection_gone || call->reply.cut || call->reply.audio_at || !filler ||
	    !filler->len)
		return;
	uint8_t *audio = xmalloc((size_t)filler->len);
	memcpy(audio, filler->audio, (size_t)filler->len);
	call->reply.audio_at = lws_now_usecs();
	segment_push(call, audio, filler->len, "", call->reply.serial, true);
	call_want_write(call);
}

void reply_tool_noted(struct voice_job *job)
{
	struct tool_msg *m = (struct tool_msg *)job;
	struct voice_call *call = m->call;

	if (m->done) {
		lws_sul_cancel(&call->out.filler_timer);
	} else if (!call->connection_gone && m->serial == call->reply.serial && !call->reply.cut &&
		   !call->reply.audio_at) {
		call->out.filler = m->filler;
		lws_sul_schedule(call_env->context, 0, &call->out.filler_timer, filler_due,
				 FILLER_US);
	}
	free(m);
}

/* ---- the reply: start, cut, finish ---------------------------------------------------------- */

static long reply_total_ms(struct voice_call *call)
{
	return call->reply.first_frame_at && call->reply.turn_end_at
		? (long)((call->reply.first_frame_at - call->reply.turn_end_at) / 1000) : -1;
}

void reply_begin(struct voice_call *call)
{
	if (call->reply.open) {
		/* Only a cut reply is still open here; its turn's seq comes when the brain ends. */
		free(call->reply.stash_played);
		call->reply.stash_serial = call->reply.serial;
		call->reply.stash_played = xstrdup(buf_str(&call->reply.played));
		call->reply.stash_stt_ms = call->reply.stt_ms;
		call->reply.stash_tts_ms = call->reply.tts_first_ms;
		call->reply.stash_total_ms = reply_total_ms(call);
	}
	call->reply.serial++;
	call->reply.open = true;
	call->reply.brain_done = false;
	call->reply.cut = false;
	call->reply.seq = -1;
	call->reply.after = BRAIN_LISTEN;
	call->reply.transfer_to = NULL;
	call->reply.first_frame_at = 0;
	call->reply.audio_at = 0;
	call->reply.stt_ms = call->reply.brain_first_ms = call->reply.tts_first_ms = 0;
	buf_clear(&call->reply.played);
}

static bool reply_audio_pending(struct voice_call *call)
{
	for (struct segment *s = call->out.queue; s; s = s->next)
		if (s->serial == call->reply.serial && !(s->filler && s->marked))
			return true;
	return false;
}

/* Is a reply still being said (or about to be)? */
static bool speaking(struct voice_call *call)
{
	return call->reply.open && !call->reply.cut && call->out.queue;
}

bool reply_talking_over(struct voice_call *call)
{
	return speaking(call) && call->in.speech_start_at > call->reply.audio_at;
}

void reply_try_finish(struct voice_call *call)
{
	if (!call->reply.open || !call->reply.brain_done)
		return;
	if (!call->reply.cut && reply_audio_pending(call))
		return;
	call->reply.open = false;
	if (call->reply.seq >= 0)
		work_finish(call, call->reply.seq, buf_str(&call->reply.played),
			    call->reply.stt_ms, call->reply.brain_first_ms,
			    call->reply.tts_first_ms, reply_total_ms(call));
	if (call->reply.cut)
		return;
	if (call->reply.after == BRAIN_TRANSFER)
		work_transfer(call, call->reply.transfer_to);
	else if (call->reply.after == BRAIN_HANG_UP)
		work_hang_up(call);
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

	for (struct segment *s = call->out.queue; s; s = s->next)
		sent += s->sent;
	long played = sent - unplayed_bytes(call, now);
	while (call->out.queue && call->out.queue->marked && played >= call->out.queue->len) {
		played -= call->out.queue->len;
		segment_heard(call);
	}
	struct segment *s = call->out.queue;
	if (s && played > 0) {
		long cut = played < s->sent ? played : s->sent;
		memmove(s->audio, s->audio + cut, (size_t)(s->len - cut));
		s->len -= cut;
	}
	for (s = call->out.queue; s; s = s->next) {
		s->sent = 0;
		s->marked = false;
	}
	call->out.heard_until = now;
	call->out.clear_due = true;
	call_want_write(call);
}

/* Speech began over the reply: silence it at once, keeping the rest in case it goes on. */
static void reply_pause(struct voice_call *call)
{
	log_info("caller spoke over the reply; clearing");
	segments_cleared(call);
	call->out.paused = true;
	call->out.pause_word = false;
	call->out.pause_quiet_ms = 0;
	call->out.burst_judged = true;
	call->out.spoke_over = true;
}

void reply_resume(struct voice_call *call)
{
	if (!call->out.paused)
		return;
	log_info("caller did not interrupt; the reply goes on");
	call->out.paused = false;
	call_want_write(call);
	reply_try_finish(call);
}

void reply_barge_in(struct voice_call *call)
{
	bool was_paused = call->out.paused;

	call->out.paused = false;
	if (!call->reply.open || call->reply.cut)
		return;
	log_info("caller interrupted the reply");
	if (!was_paused)
		segments_cleared(call);
	call->reply.cut = true;
	__atomic_store_n(&call->reply.cut_serial, call->reply.serial, __ATOMIC_RELEASE);
	lws_sul_cancel(&call->out.filler_timer);
	segments_drop(call);
	reply_try_finish(call);
}

void reply_end(struct voice_call *call)
{
	call->reply.cut = call->reply.open;
	__atomic_store_n(&call->reply.cut_serial, call->reply.serial, __ATOMIC_RELEASE);
	reply_try_finish(call);
}

void reply_hear(struct voice_call *call, bool loud, long bytes, lws_usec_t now)
{
	const struct audio_vad *vad = &call->in.vad;

	if (!vad->in_speech && vad->speech_ms == 0)
		call->out.burst_judged = false;
	if (call->out.paused) {
		/* Long speech is a real interruption; a short burst followed by quiet is not,
		 * unless the recognizer, once it has begun a word, says otherwise. */
		call->out.pause_quiet_ms = loud ? 0 : call->out.pause_quiet_ms + bytes / 8;
		if (vad->speech_ms >= BARGE_IN_SPEECH_MS)
			reply_barge_in(call);
		else if (call->out.pause_quiet_ms >=
			 (call->out.pause_word ? RESUME_QUIET_MAX_MS : RESUME_QUIET_MS))
			reply_resume(call);
	} else if (!call->out.burst_judged && vad->speech_ms >= BARGE_IN_ONSET_MS &&
		   speaking(call) &&
		   now - (lws_usec_t)vad->speech_ms * 1000 > call->reply.audio_at) {
		reply_pause(call);
	}
}

/* Twilio echoes a mark once the audio sent before it has played: that clause was heard. */
void reply_mark(struct voice_call *call, const char *name)
{
	struct segment *s;

	if (!name)
		return;
	for (s = call->out.queue; s && s->marked; s = s->next)
		if (!strcmp(s->mark, name))
			break;
	if (!s || !s->marked)
		return;
	struct segment *last = s;
	bool more;
	do {
		more = call->out.queue != last;
		segment_heard(call);
	} while (more);
	/* Twilio's own clock is the truth: what is still buffered plays from now on. */
	long sent = 0;
	for (s = call->out.queue; s; s = s->next)
		sent += s->sent;
	lws_usec_t until = lws_now_usecs() + (lws_usec_t)sent * BYTE_US;
	if (until > call->out.heard_until)
		call->out.heard_until = until;
	reply_try_finish(call);
}

void reply_free(struct voice_call *call)
{
	segments_drop(call);
	buf_release(&call->reply.played);
	free(call->reply.stash_played);
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

	if (head < 0 || (size_t)head >= room)
		return -1;
	long b64 = crypto_base64_into(s->audio + s->sent, (size_t)n, text + head,
				      room - (size_t)head);
	if (b64 < 0 || (size_t)head + (size_t)b64 + sizeof(tail) > room)
		return -1;
	memcpy(text + head + b64, tail, sizeof(tail) - 1);

	lws_usec_t now = lws_now_usecs();
	s->sent += n;
	call->out.heard_until = (call->out.heard_until > now ? call->out.heard_until : now) +
				n * BYTE_US;
	if (!call->reply.first_frame_at && s->serial == call->reply.serial && !s->filler)
		call->reply.first_frame_at = now;
	return send_message(call, (size_t)head + (size_t)b64 + sizeof(tail) - 1);
}

int voice_call_writeable(struct voice_call *call)
{
	if (call->closing) {
		lws_close_reason(call->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				 (unsigned char *)call->closing, strlen(call->closing));
		return -1;
	}
	if (call->phase != LIVE)
		return call->phase == ENDED ? -1 : 0;
	if (call->out.clear_due) {
		call->out.clear_due = false;
		call_want_write(call);
		return send_event(call, "clear", NULL);
	}
	if (call->out.paused)
		return 0;
	/* The first segment not yet all sent with its mark; audio goes strictly in order. */
	struct segment *s = call->out.queue;
	while (s && s->marked)
		s = s->next;
	if (!s)
		return 0;
	if (s->sent < s->len) {
		call_want_write(call);
		return send_audio(call, s);
	}
	if (s->open)
		return 0;
	/* The clause is all sent: its mark comes back when the caller has heard it. */
	snprintf(s->mark, sizeof(s->mark), "%s%u-%u", s->filler ? "f" : "c", s->serial,
		 ++call->out.mark_count);
	s->marked = true;
	call_want_write(call);
	return send_event(call, "mark", s->mark);
}
