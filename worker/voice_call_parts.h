/* voice_call_parts.h: what the parts of a live call share: its state, by the part that owns it */
#ifndef SB_VOICE_CALL_PARTS_H
#define SB_VOICE_CALL_PARTS_H

/*
 * A call is three parts on one event loop, each in its own file, and one reader of Twilio's
 * messages (lib/provider/twilio_media):
 *   voice_call.c        the call's life: start, the caller's turns, keys, gather mode, stop
 *   voice_call_reply.c  the reply's audio out to Twilio, its marks, and barge-in
 *   voice_call_work.c   the call's work on pool threads: brain turns, speech, the database,
 *                       Twilio's REST API
 *   voice_call_preempt.c  the draft of a turn's answer, asked for while the caller pauses
 * Each sub-struct of struct voice_call belongs to one part; the others read it.
 */

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "audio/audio.h"
#include "domain/brain.h"
#include "infra/buf.h"
#include "voice_call.h"
#include "voice_pool.h"

struct arena;
struct voice_stt;

#define DIGITS_MAX 20               /* the longest number keyed in */

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

/* CHECKING: the start's token was good; the call's row is being read for its CallSid. */
enum call_phase { WAIT_CONNECTED, WAIT_START, CHECKING, LIVE, ENDED };

/* What the caller says: recognition, voice activity and keys. voice_call.c's. */
struct call_listen {
	struct voice_stt *stt;
	struct audio_vad vad;
	struct buf heard;           /* final recognized segments of the caller's current turn */
	/* Recognition: from the caller's last voiced frame (by VAD) to the final that ended the
	 * turn, kept until the turn starts. */
	lws_usec_t voice_at;
	long heard_stt_ms;
	/* When the caller's latest speech began (only speech that begins over the reply can
	 * interrupt it) and ended (the turn's end, unless the recognizer's final came first). */
	lws_usec_t speech_start_at, speech_end_at;
	/* The end of the turn. At a short pause a Finalize settles what was said; the turn ends
	 * then when it answers the closed question asked in full, after the usual silence when
	 * it may be all, and only after a long one when it stops mid-sentence. */
	enum brain_expect expect;   /* what the receptionist's last question waits for */
	enum brain_answer answer;   /* where heard stands against it */
	bool flush_pending;         /* a Finalize went out and its final has not come */
	bool pause_flushed;         /* this pause's Finalize has gone out */
	bool recognizer_end;        /* the recognizer's speech_final followed the words heard */
	bool hold_over;             /* the longest silence ran out: the turn ends whatever it is */
	/* Preemptive generation: no speech since the last final (heard is all that was said so
	 * far), and this pause's words have been offered for a draft (preempt_pause). */
	bool words_current, pause_drafted;
	/* Keys pressed while the receptionist waits for a phone number. */
	bool wants_phone;
	char digits[DIGITS_MAX + 1];
	int ndigits;
	lws_sorted_usec_list_t digit_timer;
};

/* Reply audio out: segments in order, the oldest unheard first. voice_call_reply.c's. */
struct call_playback {
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
	lws_sorted_usec_list_t filler_timer;
	const struct voice_filler *filler;  /* the one filler_timer will say */
};

/* The reply being given, and what it cost. voice_call_reply.c's. */
struct call_reply {
	/* Serial numbers tell its clauses from those of replies cut off. cut_serial is read by
	 * pool threads (atomically), to stop synthesizing a reply cut off. */
	unsigned serial, cut_serial;
	bool open, brain_done, cut;
	long seq;                   /* call_turns.seq of the stored reply; -1 for none */
	struct buf played;
	enum brain_action after;
	char *transfer_to;          /* the call's arena */
	/* A reply cut off before its brain turn ended, waiting for that turn's stored seq. */
	unsigned stash_serial;
	char *stash_played;
	long stash_stt_ms, stash_tts_ms, stash_total_ms;
	/* Latency (microseconds on lws's clock); audio_at is when its audio was first queued. */
	lws_usec_t turn_end_at, first_frame_at, audio_at;
	long stt_ms, brain_first_ms, tts_first_ms;
};

/* Work on pool threads for the call. voice_call_work.c's. */
struct call_work {
	/* The brain session's memory: only the call's running brain job uses it. */
	struct arena *brain_arena;
	struct brain_session *session;
	bool brain_busy;
	struct buf waiting;         /* utterances finished while the brain was busy */
	int jobs;                   /* jobs in flight that point at this call */
	/* Speech synthesis: the configured provider until it fails once, then flite. Pool
	 * threads read and write these (atomically); clause numbers tell one clause's audio
	 * from the next. */
	int tts_provider;
	unsigned clause_count;
	/* The business's speech, recognition and model settings, read once by the open job
	 * (heap, freed with the call); NULL until then. */
	struct provider_settings *providers;
	bool no_stt;                /* the open job found no recognition key */
	/* Preemptive generation (voice_call_preempt.c): the draft of the turn a pause may end, or
	 * NULL; whether its job still runs (one at a time); the words to draft once it has
	 * ended (heap); and how many drafts turns used or dropped. */
	struct brain_draft *draft;
	bool draft_running;
	char *draft_next;
	int drafts_used, drafts_dropped;
};

struct voice_call {
	struct lws *wsi;
	struct arena *arena;        /* the call's own memory, on the event loop */
	struct arena *frame;        /* one message's scratch memory, reset after each */
	enum call_phase phase;
	char *stream_sid, *call_id, *org_id;
	char *call_sid;             /* the row's provider_call_id, once checked; NULL until then */
	const char *closing;        /* why the stream is being closed (static), or NULL */
	bool connection_gone, gather;
	struct call_listen in;
	struct call_playback out;
	struct call_reply reply;
	struct call_work work;
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

/* Set once by voice_call_setup(): what every call shares. */
extern const struct voice_env *call_env;

/* ---- voice_call.c ---- */

/* Ask for a writeable callback, unless the connection is gone. */
void call_want_write(struct voice_call *call);

/* Start the brain's turn on what the caller said (text is copied). */
void call_start_turn(struct voice_call *call, const char *text);

/* Hand the call to gather mode: Twilio's own recognition, one webhook a turn. */
void call_go_gather(struct voice_call *call);

/* Start recognition with key (the business's Deepgram key or the server's); without one, or
 * when it cannot start, the call goes on in gather mode. */
void call_listen(struct voice_call *call, const char *key);

/* Free the call, once its connection is gone and no job points at it. */
void call_free(struct voice_call *call);

/* The call's row was read: row_sid is its provider_call_id (NULL: no such Twilio call of the
 * token's business), claimed_sid the start message's callSid. Go live when they are the same
 * well-formed CallSid; close the stream otherwise. */
void call_checked(struct voice_call *call, const char *row_sid, const char *claimed_sid);

/* ---- voice_call_reply.c ---- */

/* A new reply begins (a cut one still open is stashed until its turn's seq is known). */
void reply_begin(struct voice_call *call);

/* If the reply is over (heard to its end or cut off, and the brain done), store what was heard
 * and do what the brain asked after it (transfer, hang up). */
void reply_try_finish(struct voice_call *call);

/* Barge-in: clear Twilio's buffer, drop the rest of the reply, keep only what was heard. */
void reply_barge_in(struct voice_call *call);

/* The stream is over: whatever was heard of the reply is all the caller will hear of it. */
void reply_end(struct voice_call *call);

/* Is the caller talking over the reply, not finishing what they said before it began? */
bool reply_talking_over(struct voice_call *call);

/* It was only a backchannel or a noise: the reply goes on from where it was cut. */
void reply_resume(struct voice_call *call);

/* A frame of the caller's sound was heard (loud: voiced now): pause, resume or cut the reply. */
void reply_hear(struct voice_call *call, bool loud, long bytes, lws_usec_t now);

/* Twilio echoed mark name: the audio before it has played. */
void reply_mark(struct voice_call *call, const char *name);

/* The done() of a clause's audio and of a tool's start or end, posted by voice_call_work.c. */
void reply_clause_arrived(struct voice_job *job);
void reply_tool_noted(struct voice_job *job);

/* Release what the reply part holds. */
void reply_free(struct voice_call *call);

/* ---- voice_call_work.c ---- */

/* Read the call's CallSid from its row, then call_checked() with it and claimed_sid (copied). */
void work_check(struct voice_call *call, const char *claimed_sid);

/* Open (or resume) the brain session and say the greeting, or the apology of a resumed call. */
void work_open(struct voice_call *call);

/* One turn of the brain on text (copied), answered clause by clause. */
void work_turn(struct voice_call *call, const char *text);

/* Store what of reply seq the caller heard (played, copied) and how long it took. */
void work_finish(struct voice_call *call, long seq, const char *played, long stt_ms,
		 long brain_ms, long tts_ms, long total_ms);

/* Connect the caller with transfer_to (copied), or the business's transfer phone when NULL;
 * say there is no one when neither works. */
void work_transfer(struct voice_call *call, const char *transfer_to);

/* Hang the call up through Twilio's REST API. */
void work_hang_up(struct voice_call *call);

/* Redirect the call to the webhook url (copied) through Twilio's REST API. */
void work_redirect(struct voice_call *call, const char *url);

/* Release what the work part holds (no job may be running). */
void work_free(struct voice_call *call);

/* Count a job that points at the call, and release it when done (job_done() frees the call
 * once its connection is gone and no job is left). */
void work_job_started(struct voice_call *call);
void work_job_done(struct voice_call *call);

/* ---- voice_call_preempt.c ---- */

/* The caller pauses and text is all that was heard: draft the turn's answer (the LLM's first
 * request, a dry run) unless the draft for these words is there. No LLM, VOICE_PREEMPT=0 or a
 * brain turn running: nothing. */
void preempt_pause(struct voice_call *call, const char *text);

/* A turn starts on text: the draft of the same words, handed over (caller frees, with
 * brain_draft_unref); any other draft is cancelled. NULL when there is none to use. */
struct brain_draft *preempt_claim(struct voice_call *call, const char *text);

/* The turn given draft d ended: count whether its answer was used (drafted) or dropped. */
void preempt_noted(struct voice_call *call, bool drafted);

/* The call is over: cancel the draft; preempt_free() releases it once no job runs. */
void preempt_stop(struct voice_call *call);
void preempt_free(struct voice_call *call);

#endif
