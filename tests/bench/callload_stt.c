/* callload_stt.c: callload's fake Deepgram live recognizer, with Deepgram's endpointing */
#include "callload_stt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callload_wire.h"

#define LATE_US 20000                   /* a result this late is the program's own lag */
#define STT_QUEUE 8

struct stt_stats stt_st;

/* A result owed to the worker: when it became due, and what it answers. */
struct stt_reply {
	lws_usec_t due_at;
	bool speech_final;          /* Deepgram's endpointing; else a Finalize's answer */
	bool words;                 /* carries the transcript (else an empty one) */
};

struct stt_conn {
	int caller;                 /* callers' index once its tagged silence came, else -1 */
	long endpoint_bytes;        /* silence that ends an utterance; 0: no endpointing */
	long silence_run;           /* silent bytes received since the last voiced one */
	bool voiced;                /* voiced audio that no speech_final has ended yet */
	bool words_due;             /* voiced audio whose words no result has carried yet */
	int ndue;
	struct stt_reply due[STT_QUEUE];
};

static const char *say = "";
static long endpointing = -1;
static int ncalls;
static void (*on_words)(int, lws_usec_t);

void stt_setup(const char *s, long ms, int n, void (*words)(int, lws_usec_t))
{
	say = s;
	endpointing = ms;
	ncalls = n;
	on_words = words;
}

size_t stt_session_size(void)
{
	return sizeof(struct stt_conn);
}

/* A mu-law byte that decodes to within a few steps of zero (0xff and 0x7f are the two zeros):
 * the callers' quiet frames, as a recognizer's voice detection hears them. */
static bool ulaw_silent(unsigned char b)
{
	return (b & 0x7f) >= 0x7c;
}

/* The endpointing a connection asked for in its URL, in ms: "false" or none is off. */
static long url_endpointing(struct lws *wsi)
{
	char buf[48];
	const char *v = lws_get_urlarg_by_name(wsi, "endpointing=", buf, sizeof(buf));

	return v && strcmp(v, "false") && atol(v) > 0 ? atol(v) : 0;
}

static void owe(struct lws *wsi, struct stt_conn *s, bool speech_final)
{
	if (s->ndue == STT_QUEUE)
		return;
	/* Whichever result comes first for an utterance carries its words; the other, none. */
	s->due[s->ndue++] = (struct stt_reply){ lws_now_usecs(), speech_final,
						s->words_due && *say };
	s->words_due = false;
	lws_callback_on_writable(wsi);
}

/*
 * Caller audio, as Deepgram's endpointing hears it: once endpoint_bytes of silence have come
 * after voiced audio, the utterance ends with a speech_final. The audio's own length, not the
 * wall clock, counts: the worker forwards it in real time.
 */
static void heard(struct lws *wsi, struct stt_conn *s, const unsigned char *a, size_t len)
{
	size_t quiet = 0;

	while (quiet < len && ulaw_silent(a[len - 1 - quiet]))
		quiet++;
	if (quiet < len) {
		s->voiced = s->words_due = true;
		s->silence_run = (long)quiet;
	} else {
		s->silence_run += (long)len;
	}
	if (s->endpoint_bytes && s->voiced && s->silence_run >= s->endpoint_bytes) {
		s->voiced = false;
		stt_st.endpoints++;
		owe(wsi, s, true);
	}
}

static int send_result(struct lws *wsi, const struct stt_reply *r)
{
	unsigned char out[LWS_PRE + 1024];
	int n = snprintf((char *)out + LWS_PRE, sizeof(out) - LWS_PRE,
		"{\"type\":\"Results\",\"channel_index\":[0,1],\"duration\":1.0,\"start\":0.0,"
		"\"is_final\":true,\"speech_final\":%s,\"from_finalize\":%s,\"channel\":"
		"{\"alternatives\":[{\"transcript\":\"%s\",\"confidence\":%s,\"words\":[]}]}}",
		r->speech_final ? "true" : "false", r->speech_final ? "false" : "true",
		r->words ? say : "", r->words ? "0.98" : "0.0");

	if (n < 0 || n >= (int)(sizeof(out) - LWS_PRE))
		return -1;
	return lws_write(wsi, out + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n ? -1 : 0;
}

int stt_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		 size_t len)
{
	struct stt_conn *s = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(s, 0, sizeof(*s));
		s->caller = -1;
		s->endpoint_bytes = (endpointing >= 0 ? endpointing : url_endpointing(wsi)) * 8;
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (lws_frame_is_binary(wsi)) {
			stt_st.audio_bytes += (long)len;
			if (s->caller < 0)
				s->caller = wire_tag(in, len, ncalls);
			heard(wsi, s, in, len);
		} else if (len >= 8 && memmem(in, len, "Finalize", 8)) {
			stt_st.finalize++;
			owe(wsi, s, false);
		}
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		if (!s->ndue)
			return 0;
		/* How long the worker waited for a result: this program's lag, not the worker's. */
		struct stt_reply r = s->due[0];
		lws_usec_t now = lws_now_usecs(), lag = now - r.due_at;
		long ms = lag / 1000;
		stt_st.lag_hist[ms < STT_LAG_BUCKETS ? ms : STT_LAG_BUCKETS]++;
		stt_st.sent++;
		if (lag > LATE_US)
			stt_st.late++;
		if (lag > stt_st.lag_max_us)
			stt_st.lag_max_us = lag;
		memmove(s->due, s->due + 1, sizeof(s->due[0]) * (size_t)--s->ndue);
		if (s->ndue)
			lws_callback_on_writable(wsi);
		if (s->caller >= 0 && r.words && on_words)
			on_words(s->caller, now);
		return send_result(wsi, &r);
	}
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}
