/* voice_call.h: one live call on a Twilio Media Stream: audio in, turns, reply audio out */
#ifndef SB_VOICE_CALL_H
#define SB_VOICE_CALL_H

#include <libwebsockets.h>
#include <stdbool.h>
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
	bool preempt;                 /* VOICE_PREEMPT: draft the LLM's answer while the caller pauses */
	const char *deepgram_url;     /* NULL: no recognition provider, calls go to gather mode */
	const char *deepgram_key;
	const char *deepgram_model;
	/* A connection must start within start_timeout_us of opening, and then send something
	 * every idle_timeout_us (Twilio sends audio every 20 ms): else it is closed. */
	lws_usec_t start_timeout_us, idle_timeout_us;
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

/* Has the stream sent a start with a good token (its call may still be being checked)? */
bool voice_call_started(const struct voice_call *call);

/* Close the stream soon with 1008 and why (a static string), from outside its callbacks: the
 * next writeable callback closes it, or lws does after VOICE_CLOSE_WAIT_S. */
void voice_call_close(struct voice_call *call, const char *why);

/* Why a connection (a media stream or a test call) opened at opened_at, last heard from at
 * heard_at (0: never), must be closed at now: not started in time, or quiet too long. NULL
 * when it may stay. Static text. */
const char *voice_overdue(lws_usec_t opened_at, lws_usec_t heard_at, bool started,
			  lws_usec_t now);

/* Seconds a connection being closed may take to take its close frame before lws drops it. */
#define VOICE_CLOSE_WAIT_S 3

/* Largest Twilio message accepted; a bigger one closes the stream. */
#define VOICE_MESSAGE_MAX 65536

/* Largest message sent to Twilio (a media message carries up to 500 ms of audio): lws hands each
 * to one send() instead of splitting and buffering it. */
#define VOICE_SEND_MAX 8192

#endif
