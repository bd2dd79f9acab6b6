/* voice_call.h: one live call on a Twilio Media Stream: audio in, turns, reply audio out */
#ifndef SB_VOICE_CALL_H
#define SB_VOICE_CALL_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

struct voice_call;
struct voice_pool;

/* A short sentence, as mu-law, said while a tool the caller waits for runs long. */
struct voice_filler {
	const uint8_t *audio;
	long len;                     /* 0: none (flite could not say it) */
};

/* What every call shares: the loop, the pool and the settings read once at start-up. */
struct voice_env {
	struct lws_context *context;
	struct voice_pool *pool;
	int silence_ms;
	const char *deepgram_url;     /* NULL: no recognition provider, calls go to gather mode */
	const char *deepgram_key;
	struct voice_filler filler_schedule;  /* for check_availability and book_appointment */
	struct voice_filler filler_lookup;    /* for every other tool */
};

/* Set up the shared environment once, before the first call. env must outlive every call. */
void voice_call_setup(const struct voice_env *env);

/* A new stream on wsi, waiting for its connected and start messages. Heap-owned; the call frees
 * itself after voice_call_closed() once no work of its own is still running. */
struct voice_call *voice_call_new(struct lws *wsi);

/* One whole text message from Twilio. Returns 0, or -1 when the stream must be closed (the
 * close status and reason are set on wsi). */
int voice_call_message(struct voice_call *call, const char *text, size_t len);

/* The connection can take a message: send the next one due. 0, or -1 to close. */
int voice_call_writeable(struct voice_call *call);

/* The connection is gone. The call must not be used by the caller afterwards. */
void voice_call_closed(struct voice_call *call);

/* How many media streams are connected now. */
int voice_call_count(void);

/* Largest Twilio message accepted; a bigger one closes the stream. */
#define VOICE_MESSAGE_MAX 65536

/* Largest message sent to Twilio (a media message carries up to 500 ms of audio): lws hands each
 * to one send() instead of splitting and buffering it. */
#define VOICE_SEND_MAX 8192

#endif
