/* voice_stt.h: streaming speech recognition of one call through Deepgram live (a WebSocket client) */
#ifndef SB_VOICE_STT_H
#define SB_VOICE_STT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct voice_stt;

/* Which mark of the end of speech came with a result. */
enum voice_stt_end {
	VOICE_STT_GOING,           /* none: the segment may go on */
	VOICE_STT_FLUSHED,         /* the final a Finalize asked for: all heard so far, settled */
	VOICE_STT_SPEECH_FINAL,    /* the recognizer's endpointing heard a pause after speech */
	VOICE_STT_UTTERANCE_END,   /* no word for utterance_end_ms (comes with text "") */
};

/* What the recognizer tells its call, always on the event loop. */
struct voice_stt_events {
	/* Text heard so far in the current segment (is_final false: it may still change) or
	 * settled (is_final true), and the end-of-speech mark that came with it. Whether the
	 * caller's turn is over is the call's decision. */
	void (*on_result)(void *arg, const char *text, bool is_final, enum voice_stt_end end);
	/* The connection failed or closed while the call still needed it; nothing more comes. */
	void (*on_failure)(void *arg);
};

/*
 * Connect to url (ws:// or wss://; Deepgram's listen endpoint, given parameters for 8 kHz mu-law
 * with interim results, endpointing and utterance ends) with key as the Token, asking for model
 * (a telephone model such as nova-2-phonecall). Returns the recognizer, or NULL when the
 * connection cannot even start. Results and a failure arrive through events with arg. The
 * recognizer frees itself after voice_stt_close().
 */
struct voice_stt *voice_stt_open(struct lws_context *context, const char *url, const char *key,
				 const char *model, const struct voice_stt_events *events,
				 void *arg);

/* Queue n bytes of the caller's mu-law audio (sent as binary frames). */
void voice_stt_audio(struct voice_stt *stt, const uint8_t *ulaw, size_t n);

/* Send the audio queued so far now rather than when a whole chunk has gathered (the caller
 * fell silent: the recognizer's endpointing should hear the silence at once). */
void voice_stt_flush(struct voice_stt *stt);

/* Ask the recognizer to flush what it holds as a final result now (the end of a turn). */
void voice_stt_finalize(struct voice_stt *stt);

/* Detach from the call and end the stream with CloseStream (Deepgram then closes it, or it is
 * closed a few seconds later); no event comes after this. NULL is accepted. */
void voice_stt_close(struct voice_stt *stt);

/* The libwebsockets protocol callback of recognizer connections. */
int voice_stt_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len);

#define VOICE_STT_PROTOCOL "deepgram"

#endif
