/* callload_stt.h: callload's fake Deepgram live recognizer, with Deepgram's endpointing */
#ifndef CALLLOAD_STT_H
#define CALLLOAD_STT_H

#include <libwebsockets.h>
#include <stdbool.h>

#define STT_LAG_BUCKETS 1000            /* how late a result left, 1 ms buckets */

/* The recognizer's figures of one measuring window; the caller zeroes them at its start. */
struct stt_stats {
	long audio_bytes;               /* caller audio the worker forwarded */
	long finalize;                  /* Finalize messages */
	long endpoints;                 /* utterances ended by endpointing (speech_final) */
	long sent;                      /* results sent to the worker */
	long late, lag_max_us;          /* of them, sent more than 20 ms after they were due */
	long lag_hist[STT_LAG_BUCKETS + 1];
};

extern struct stt_stats stt_st;

/*
 * What the recognizer says and hears: say is the transcript of every utterance (borrowed for the
 * program's life; "" hears nothing); endpointing is the silence in ms that ends an utterance,
 * -1 to take each connection's URL `endpointing` as Deepgram does, 0 for none; ncalls is how
 * many tagged callers there are (callload_wire.h); on_words(call, at) is told when an
 * utterance's words went to call's connection.
 */
void stt_setup(const char *say, long endpointing, int ncalls, void (*on_words)(int, lws_usec_t));

/* The lws protocol callback of the recognizer's listener; its per-session size is
 * stt_session_size(). */
int stt_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len);
size_t stt_session_size(void);

#endif
