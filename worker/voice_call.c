/* voice_call.c: one live call on a Twilio Media Stream (PROTOCOLS.md §3): its life and turns */
#include "voice_call_parts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/audio.h"
#include "domain/brain.h"
#include "domain/media_token.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "infra/xalloc.h"
#include "provider/tts.h"
#include "provider/twilio_media.h"
#include "voice_stt.h"

#define DIGITS_US (3000 * 1000)         /* a pause this long ends a number keyed in */

const struct voice_env *call_env;
static enum tts_provider tts_configured;
static int connected_calls;

void voice_call_setup(const struct voice_env *e)
{
	call_env = e;
	tts_configured = tts_provider_configured();
}

void call_want_write(struct voice_call *call)
{
	if (call->wsi && !call->connection_gone)
		lws_callback_on_writable(call->wsi);
}

/* ---- the caller's turns ------------------------------------------------------------------ */

void call_start_turn(struct voice_call *call, const char *text)
{
	lws_usec_t now = lws_now_usecs();

	reply_begin(call);
	/* The end of the turn is the first sign of it: the silence window running out, or the
	 * recognizer's final when it came first. */
	call->reply.turn_end_at = call->in.speech_end_at && call->in.speech_end_at <= now
		? call->in.speech_end_at : now;
	call->reply.stt_ms = call->in.heard_stt_ms;
	call->in.heard_stt_ms = 0;
	call->in.speech_end_at = 0;
	work_turn(call, text);
}

/* A whole utterance of the caller, as recognized. */
static void utterance(struct voice_call *call, const char *text)
{
	bool over = call->out.spoke_over || reply_talking_over(call);

	/* An acknowledgement over the reply is not a turn, even when the reply ended meanwhile. */
	call->out.spoke_over = false;
	if (over && brain_is_backchannel(text))
		return;
	log_info("caller said %zu characters", strlen(text));
	reply_barge_in(call);
	if (call->work.brain_busy) {
		if (call->work.waiting.len)
			buf_putc(&call->work.waiting, ' ');
		buf_puts(&call->work.waiting, text);
		return;
	}
	call_start_turn(call, text);
}

/* ---- the end of the caller's turn ---------------------------------------------------------- */

/* A pause this long settles what was said (a Finalize) and ends a whole answer to a closed
 * question: Deepgram's own endpointing waits 300 ms, a caller between two words seldom 200. */
#define TURN_PAUSE_MS 200
/* A turn that stops on "for", "my name is" or half a phone number waits this much longer than
 * the usual silence window for the rest of it. */
#define TURN_HOLD_EXTRA_MS 700

static int turn_hold_ms(void)
{
	return call_env->silence_ms + TURN_HOLD_EXTRA_MS;
}

/* The turn is over: what was heard goes to the brain. */
static void turn_over(struct voice_call *call)
{
	call->in.heard_stt_ms = call->in.voice_at
		? (long)((lws_now_usecs() - call->in.voice_at) / 1000) : 0;
	call->in.voice_at = 0;
	call->in.recognizer_end = call->in.hold_over = false;
	/* The speech is over: sound from now on is new speech (over the reply, a barge-in). */
	audio_vad_end(&call->in.vad);
	char *said = arena_strdup(call->frame, buf_str(&call->in.heard));
	buf_clear(&call->in.heard);
	utterance(call, said);
}

/*
 * Is the caller done? How long a silence ends the turn depends on what was asked and what was
 * said: none after the recognizer's own speech_final; TURN_PAUSE_MS for a whole answer to a
 * closed question (a name when the name was asked, a yes or a no, a time) or a question of the
 * caller's own; the silence window for
 * what may be all of it (an answer to "how can I help?"); the hold for words that stop
 * mid-sentence. Never while the words of this pause are still being settled.
 */
static void turn_judge(struct voice_call *call)
{
	struct call_listen *in = &call->in;
	const struct audio_vad *vad = &in->vad;

	if (!in->heard.len || in->flush_pending)
		return;
	if (in->hold_over) {
		turn_over(call);
		return;
	}
	if (!vad->in_speech) {
		/* The recognizer heard words the VAD did not take for speech (a quiet caller):
		 * its own marks end the turn, all but a mid-sentence stop on UtteranceEnd. */
		if (in->recognizer_end && in->answer != BRAIN_ANSWER_UNFINISHED)
			turn_over(call);
		return;
	}
	if (vad->silence_run_ms == 0)
		return;
	/* The recognizer's endpointing has already waited out a pause of its own. */
	if (in->recognizer_end && in->answer != BRAIN_ANSWER_UNFINISHED) {
		turn_over(call);
		return;
	}
	int need;
	switch (in->answer) {
	case BRAIN_ANSWER_COMPLETE:
		need = TURN_PAUSE_MS;
		break;
	case BRAIN_ANSWER_MAYBE:
		need = call_env->silence_ms;
		break;
	default:
		need = turn_hold_ms();
		break;
	}
	if (vad->silence_run_ms >= need)
		turn_over(call);
}

/*
 * The caller pauses on words that may be all of the turn: the LLM can be asked now, while the
 * silence window that ends the turn runs (voice_call_preempt.c). Only what may be all of it is
 * drafted: a whole answer ends the turn at TURN_PAUSE_MS anyway, and words that stop
 * mid-sentence mostly go on (a draft would be a request paid for and dropped). Only settled
 * words are: an interim transcript in a pause is usually a word behind the final that the
 * pause's Finalize brings within a few hundred milliseconds.
 */
static void turn_preempt(struct voice_call *call)
{
	struct call_listen *in = &call->in;

	if (in->pause_drafted || !in->words_current || !in->heard.len || !in->vad.in_speech ||
	    in->vad.silence_run_ms == 0 || in->answer != BRAIN_ANSWER_MAYBE)
		return;
	in->pause_drafted = true;
	preempt_pause(call, buf_str(&in->heard));
}

/* ---- recognition ------------------------------------------------------------------------- */

static void stt_result(void *arg, const char *text, bool is_final, enum voice_stt_end end)
{
	struct voice_call *call = arg;
	struct call_listen *in = &call->in;

	if (*text && call->out.paused) {
		/* The reply was cleared for this speech: its words tell whether to go on. */
		if (!brain_is_backchannel(text))
			reply_barge_in(call);
		else if (is_final)
			reply_resume(call);
		else
			call->out.pause_word = true;
	} else if (*text && reply_talking_over(call) && !brain_is_backchannel(text)) {
		reply_barge_in(call);
	}
	if (is_final && *text) {
		if (in->heard.len)
			buf_putc(&in->heard, ' ');
		buf_puts(&in->heard, text);
		in->answer = brain_answer_state(in->expect, buf_str(&in->heard));
		/* New words: an earlier speech_final no longer speaks for all of them. */
		in->recognizer_end = false;
		in->words_current = true;
		in->pause_drafted = false;
	}
	if (end == VOICE_STT_FLUSHED)
		in->flush_pending = false;
	else if (end == VOICE_STT_SPEECH_FINAL)
		in->recognizer_end = true;
	else if (end == VOICE_STT_UTTERANCE_END && in->heard.len) {
		/* No word for a second: whatever was said is all of it. */
		in->hold_over = true;
	}
	if (end != VOICE_STT_GOING)
		turn_judge(call);
	turn_preempt(call);
}

static void stt_failed(void *arg)
{
	struct voice_call *call = arg;

	call->in.stt = NULL;
	log_warn("speech recognition failed mid-call; continuing in gather mode");
	call_go_gather(call);
}

static const struct voice_stt_events stt_events = { stt_result, stt_failed };

void call_go_gather(struct voice_call *call)
{
	if (call->gather)
		return;
	call->gather = true;
	work_redirect(call, arena_printf(call->frame, "%s/hooks/twilio/voice?mode=gather",
					 conf_str("PUBLIC_BASE_URL")));
}

/* ---- Twilio's messages -------------------------------------------------------------------- */

static int close_with(struct voice_call *call, enum lws_close_status status, const char *why)
{
	log_warn("closing media stream: %s", why);
	lws_close_reason(call->wsi, status, (unsigned char *)why, strlen(why));
	return -1;
}

/*
 * Start the call: the stream is Twilio's for the call its media token names, its audio the
 * mu-law this worker hears and plays. The call's CallSid, which redirects and transfers act on
 * through the platform's Twilio account, comes from the call's row, never from the message:
 * the row is read on a pool thread, and call_checked() goes on. 0, or -1 with the stream closed.
 */
static int on_start(struct voice_call *call, const struct twilio_media_msg *m)
{
	const char *token = json_str(m->parameters, "token");
	const char *claimed = json_str(m->parameters, "call_id");
	const char *call_id = NULL, *org_id = NULL;

	if (!m->stream_sid || !m->stream_sid_len || !token)
		return close_with(call, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				  "start without stream or token");
	/* Only a token our voice webhook made for a Twilio stream: a test call's token, which
	 * any signed-in user holds, is refused here. */
	if (media_token_check(call->frame, MEDIA_TOKEN_STREAM, token, time(NULL), &call_id,
			      &org_id) != 0 ||
	    (claimed && strcmp(claimed, call_id)))
		return close_with(call, LWS_CLOSE_STATUS_POLICY_VIOLATION, "media token refused");
	if (!m->call_sid || !text_is_sid(m->call_sid, "CA"))
		return close_with(call, LWS_CLOSE_STATUS_POLICY_VIOLATION,
				  "start without a valid callSid");
	const char *format = twilio_media_format_problem(call->frame, m);
	if (format) {
		/* The whole call hears and speaks 8 kHz mu-law: other audio would be noise. */
		log_warn("closing media stream: %s", format);
		static const char why[] = "media format must be audio/x-mulaw, 8000 Hz, mono";
		lws_close_reason(call->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				 (unsigned char *)why, sizeof(why) - 1);
		return -1;
	}
	call->stream_sid = arena_strndup(call->arena, m->stream_sid, m->stream_sid_len);
	call->call_id = arena_strdup(call->arena, call_id);
	call->org_id = arena_strdup(call->arena, org_id);
	call->phase = CHECKING;
	work_check(call, m->call_sid);
	return 0;
}

void call_checked(struct voice_call *call, const char *row_sid, const char *claimed_sid)
{
	if (call->connection_gone || call->phase != CHECKING)
		return;
	if (!row_sid || !text_is_sid(row_sid, "CA") || strcmp(row_sid, claimed_sid)) {
		log_warn("refusing a media stream whose callSid is not its call's: call=%s",
			 call->call_id);
		voice_call_close(call, "callSid refused");
		return;
	}
	call->call_sid = arena_strdup(call->arena, row_sid);
	call->phase = LIVE;
	log_info("media stream started");

	/* Recognition starts once the open job has read the business's keys (call_listen). */
	reply_begin(call);
	work_open(call);
}

void call_listen(struct voice_call *call, const char *key)
{
	if (!call_env->deepgram_url || !key || !*key) {
		log_info("no speech recognition configured; the call continues in gather mode");
		call_go_gather(call);
		return;
	}
	call->in.stt = voice_stt_open(call_env->context, call_env->deepgram_url, key,
				      call_env->deepgram_model, &stt_events, call);
	if (!call->in.stt)
		call_go_gather(call);
}

/* A frame of the caller's audio: to the recognizer, and through voice activity detection. */
static void caller_audio(struct voice_call *call, const uint8_t *ulaw, long n)
{
	int16_t pcm[TWILIO_MEDIA_AUDIO_MAX];
	struct audio_vad *vad = &call->in.vad;

	if (call->in.stt)
		voice_stt_audio(call->in.stt, ulaw, (size_t)n);
	if (call->gather)
		return;
	audio_ulaw_to_pcm(ulaw, (size_t)n, pcm);
	enum audio_vad_event ev = audio_vad_feed(vad, pcm, (size_t)n);
	lws_usec_t now = lws_now_usecs();
	bool loud = vad->speech_ms > 0 && vad->silence_run_ms == 0;
	if (vad->in_speech && loud) {
		call->in.voice_at = now;
		call->in.pause_flushed = false;
		/* More speech: the words heard so far are no longer all of it. */
		call->in.words_current = call->in.pause_drafted = false;
	}
	if (ev == AUDIO_VAD_SPEECH_START) {
		call->in.speech_end_at = 0;
		call->in.speech_start_at = now;
		call->in.hold_over = false;
	}
	if (vad->in_speech && vad->silence_run_ms > 0 && vad->silence_run_ms <= n / 8 &&
	    call->in.stt) {
		/* The caller's first silent frame after speech: the recognizer hears it now, for
		 * its endpointing counts only the silence it has been sent. */
		voice_stt_flush(call->in.stt);
	}
	if (vad->in_speech && vad->silence_run_ms >= TURN_PAUSE_MS && !call->in.pause_flushed) {
		/* A pause: settle what was said so far, to judge whether it is all. */
		call->in.pause_flushed = true;
		if (call->in.stt) {
			call->in.flush_pending = true;
			voice_stt_finalize(call->in.stt);
		}
	}
	if (ev == AUDIO_VAD_SPEECH_END) {
		/* The longest wait is over: what was heard is the turn, and words the recognizer
		 * still settles end it as soon as they come. */
		call->in.hold_over = true;
		call->in.pause_flushed = false;
		call->in.flush_pending = false;
	}
	reply_hear(call, loud, n, now);
	turn_judge(call);
	turn_preempt(call);
}

/* ---- keys ------------------------------------------------------------------------------- */

/* Press 0: a person. */
static void transfer_now(struct voice_call *call)
{
	log_info("caller pressed 0 for a person");
	reply_barge_in(call);
	reply_begin(call);
	call->reply.brain_done = true;
	work_transfer(call, NULL);
}

/* The number keyed in is complete (# or a pause): the brain hears it as the caller's words. */
static void digits_done(struct voice_call *call)
{
	lws_sul_cancel(&call->in.digit_timer);
	if (call->in.ndigits == 0)
		return;
	char *said = arena_strdup(call->frame, call->in.digits);
	call->in.ndigits = 0;
	call->in.digits[0] = '\0';
	if (!strcmp(said, "0")) {
		transfer_now(call);
		return;
	}
	log_info("caller keyed in %zu digits", strlen(said));
	utterance(call, said);
}

static void digits_due(lws_sorted_usec_list_t *sul)
{
	struct voice_call *call = lws_container_of(sul, struct voice_call, in.digit_timer);

	if (!call->connection_gone && call->phase == LIVE)
		digits_done(call);
	arena_reset(call->frame);
}

static void on_dtmf(struct voice_call *call, const char *digit)
{
	if (!digit || !*digit)
		return;
	if (!call->in.wants_phone || call->gather) {
		if (!strcmp(digit, "0"))
			transfer_now(call);
		return;
	}
	/* Waiting for a phone number: keys are collected, and 0 alone still means a person. */
	if (!strcmp(digit, "#")) {
		digits_done(call);
		return;
	}
	if (!isdigit((unsigned char)digit[0]) || digit[1] || call->in.ndigits >= DIGITS_MAX)
		return;
	call->in.digits[call->in.ndigits++] = digit[0];
	call->in.digits[call->in.ndigits] = '\0';
	lws_sul_schedule(call_env->context, 0, &call->in.digit_timer, digits_due, DIGITS_US);
}

/* ---- Twilio's messages, read by lib/provider/twilio_media --------------------------------- */

int voice_call_message(struct voice_call *call, const char *text, size_t len)
{
	struct twilio_media_msg m;
	int rc = 0;

	if (twilio_media_read(call->frame, text, len, &m) == TWILIO_MEDIA_INVALID) {
		log_warn("ignoring a media stream message that is not an event: %s", m.error);
		goto out;
	}
	if (call->phase == CHECKING) {
		/* Twilio's first frames while the call's row is read: nothing hears them yet. */
		goto out;
	}
	if (call->phase == WAIT_CONNECTED || call->phase == WAIT_START) {
		if (m.event == TWILIO_MEDIA_CONNECTED)
			call->phase = WAIT_START;
		else if (m.event == TWILIO_MEDIA_START)
			rc = on_start(call, &m);
		else
			log_warn("ignoring a media stream %s event before start", m.name);
		goto out;
	}
	if (!twilio_media_stream_is(&m, call->stream_sid)) {
		log_warn("ignoring a media stream %s event for another stream", m.name);
		goto out;
	}
	switch (m.event) {
	case TWILIO_MEDIA_MEDIA:
		if (m.audio_len > 0)
			caller_audio(call, m.audio, m.audio_len);
		break;
	case TWILIO_MEDIA_MARK:
		if (m.mark)
			reply_mark(call, m.mark);
		break;
	case TWILIO_MEDIA_DTMF:
		on_dtmf(call, m.digit);
		break;
	case TWILIO_MEDIA_STOP:
		log_info("media stream stopped");
		call->phase = ENDED;
		reply_end(call);
		rc = -1;
		break;
	default:
		log_warn("ignoring an unknown media stream event");
		break;
	}
out:
	arena_reset(call->frame);
	return rc;
}

/* ---- life of a call ------------------------------------------------------------------------ */

struct voice_call *voice_call_new(struct lws *wsi)
{
	struct voice_call *call = xcalloc(1, sizeof(*call));

	call->wsi = wsi;
	call->arena = arena_new();
	call->frame = arena_new();
	call->work.brain_arena = arena_new();
	call->phase = WAIT_CONNECTED;
	call->reply.seq = -1;
	call->work.tts_provider = tts_configured;
	/* The VAD's own end of speech is the longest wait; turn_judge() ends most turns sooner. */
	audio_vad_init(&call->in.vad, 8000, turn_hold_ms());
	connected_calls++;
	return call;
}

int voice_call_count(void)
{
	return connected_calls;
}

bool voice_call_started(const struct voice_call *call)
{
	return call->phase != WAIT_CONNECTED && call->phase != WAIT_START;
}

void voice_call_close(struct voice_call *call, const char *why)
{
	if (call->connection_gone || call->closing)
		return;
	call->closing = why;
	lws_callback_on_writable(call->wsi);
	/* A peer that reads nothing never makes the connection writeable: lws closes it then. */
	lws_set_timeout(call->wsi, PENDING_TIMEOUT_USER_OK, VOICE_CLOSE_WAIT_S);
}

const char *voice_overdue(lws_usec_t opened_at, lws_usec_t heard_at, bool started,
			  lws_usec_t now)
{
	if (!started && now - opened_at >= call_env->start_timeout_us)
		return "no start in time";
	if (now - (heard_at ? heard_at : opened_at) >= call_env->idle_timeout_us)
		return "nothing received in time";
	return NULL;
}

void call_free(struct voice_call *call)
{
	reply_free(call);
	work_free(call);
	buf_release(&call->in.heard);
	arena_free(call->frame);
	arena_free(call->arena);
	free(call);
}

void voice_call_closed(struct voice_call *call)
{
	if (call->phase == LIVE)
		reply_end(call);
	call->connection_gone = true;
	call->wsi = NULL;
	connected_calls--;
	lws_sul_cancel(&call->out.filler_timer);
	lws_sul_cancel(&call->in.digit_timer);
	voice_stt_close(call->in.stt);
	call->in.stt = NULL;
	preempt_stop(call);
	if (call->work.jobs == 0)
		call_free(call);
}
