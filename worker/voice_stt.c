/* voice_stt.c: Deepgram live recognition over a libwebsockets client connection (PROTOCOLS.md §8) */
#include "voice_stt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/log.h"
#include "infra/webclient.h"
#include "infra/xalloc.h"

/* The parameters of a telephone stream: the caller's raw mu-law, interim results for barge-in,
 * Deepgram's own endpointing and utterance ends for the end of a turn. The model (a telephone
 * one, DEEPGRAM_MODEL) is added to them. */
static const char LISTEN_PARAMS[] =
	"encoding=mulaw&sample_rate=8000&channels=1&interim_results=true&punctuate=true"
	"&smart_format=true&endpointing=300&utterance_end_ms=1000";

/* Deepgram closes a stream that hears nothing for 10 s; the keep-alive goes well within that. */
#define KEEPALIVE_US (4 * LWS_US_PER_SEC)
/* Audio is held while the connection cannot take it, up to 4 s of it; older audio goes first. */
#define AUDIO_BACKLOG_MAX 32000
#define AUDIO_FRAME_MAX 3200
/* Audio goes out 40 ms a frame: each waits in the chunk for half its length on average before
 * the recognizer hears it, and that wait is on every turn (100 ms chunks cost 40-60 ms), while
 * every client frame costs a send and a read of the random mask, so not every 20 ms frame goes
 * alone. A Finalize flushes a shorter remainder first, and so does the caller's first silent
 * frame after speech (voice_stt_flush): the recognizer's endpointing counts silence it has
 * heard, and would otherwise hear the start of it up to a frame late. */
#define AUDIO_CHUNK 320
/* After CloseStream Deepgram sends what it still holds and closes; this long is waited for. */
#define CLOSE_WAIT_S 3
#define MESSAGE_MAX (1 << 20)

enum { SEND_KEEPALIVE = 1, SEND_FINALIZE = 2, SENT_CLOSE_STREAM = 4, SEND_AUDIO_NOW = 8 };

struct voice_stt {
	lws_sorted_usec_list_t keepalive;
	struct lws_context *context;
	struct lws *wsi;
	struct voice_stt_events events;
	void *arg;                 /* NULL once the call let go */
	char *auth;                /* "Token <key>" */
	struct buf audio;          /* mu-law waiting to be sent */
	struct buf message;        /* the fragments of the message being received */
	int controls;              /* SEND_* bits waiting to be sent; SENT_CLOSE_STREAM once done */
	bool connected, opening, dead;
};

static void stt_free(struct voice_stt *stt)
{
	lws_sul_cancel(&stt->keepalive);
	buf_release(&stt->audio);
	buf_release(&stt->message);
	free(stt->auth);
	free(stt);
}

/* The connection is gone: tell the call if it still listens, and free unless opening holds it. */
static void stt_gone(struct voice_stt *stt)
{
	stt->dead = true;
	stt->wsi = NULL;
	if (stt->arg && stt->events.on_failure)
		stt->events.on_failure(stt->arg);
	stt->arg = NULL;
	if (!stt->opening)
		stt_free(stt);
}

static void keepalive_due(lws_sorted_usec_list_t *sul)
{
	struct voice_stt *stt = lws_container_of(sul, struct voice_stt, keepalive);

	stt->controls |= SEND_KEEPALIVE;
	if (stt->wsi)
		lws_callback_on_writable(stt->wsi);
	lws_sul_schedule(stt->context, 0, &stt->keepalive, keepalive_due, KEEPALIVE_US);
}

struct voice_stt *voice_stt_open(struct lws_context *context, const char *url, const char *key,
				 const char *model, const struct voice_stt_events *events,
				 void *arg)
{
	struct voice_stt *stt = xcalloc(1, sizeof(*stt));
	const char *scheme, *host, *path;
	int port;

	stt->context = context;
	stt->events = *events;
	stt->arg = arg;
	stt->auth = NULL;
	if (key && *key) {
		size_t n = strlen(key) + 7;
		stt->auth = xmalloc(n);
		snprintf(stt->auth, n, "Token %s", key);
	}
	char *parsed = xstrdup(url);
	if (lws_parse_uri(parsed, &scheme, &host, &port, &path) ||
	    (strcmp(scheme, "ws") && strcmp(scheme, "wss"))) {
		log_error("could not connect to speech recognition: DEEPGRAM_URL is not a ws:// or wss:// URL");
		goto fail;
	}
	/* lws_parse_uri() cut the URL into pieces; the path is rebuilt with our parameters. */
	char *request_path = NULL;
	const char *query = strchr(url, '?');
	struct arena *a = arena_new();
	if (asprintf(&request_path, "/%s%s%s&model=%s", path, query ? "&" : "?", LISTEN_PARAMS,
		     webclient_escape(a, model && *model ? model : "nova-2-phonecall")) < 0)
		xalloc_die();
	arena_free(a);

	struct lws_client_connect_info info;
	memset(&info, 0, sizeof(info));
	info.context = context;
	info.address = host;
	info.port = port;
	info.path = request_path;
	info.host = host;
	info.origin = host;
	info.protocol = NULL;
	info.local_protocol_name = VOICE_STT_PROTOCOL;
	info.userdata = stt;
	info.pwsi = &stt->wsi;
	info.ssl_connection = !strcmp(scheme, "wss") ? LCCSCF_USE_SSL : 0;
	stt->opening = true;
	struct lws *wsi = lws_client_connect_via_info(&info);
	stt->opening = false;
	free(request_path);
	if (!wsi || stt->dead) {
		log_error("could not connect to speech recognition at %s:%d", host, port);
		goto fail;
	}
	free(parsed);
	lws_sul_schedule(context, 0, &stt->keepalive, keepalive_due, KEEPALIVE_US);
	return stt;
fail:
	free(parsed);
	stt_free(stt);
	return NULL;
}

void voice_stt_audio(struct voice_stt *stt, const uint8_t *ulaw, size_t n)
{
	if (!stt->connected && stt->audio.len + n > AUDIO_BACKLOG_MAX)
		return;
	if (stt->audio.len + n > AUDIO_BACKLOG_MAX) {
		size_t drop = stt->audio.len + n - AUDIO_BACKLOG_MAX;
		if (drop > stt->audio.len)
			drop = stt->audio.len;
		memmove(stt->audio.data, stt->audio.data + drop, stt->audio.len - drop);
		stt->audio.len -= drop;
	}
	buf_add(&stt->audio, ulaw, n);
	if (stt->wsi && stt->connected && stt->audio.len >= AUDIO_CHUNK)
		lws_callback_on_writable(stt->wsi);
}

/* Is there audio to send now: a whole chunk, or a remainder a Finalize or a flush asked for? */
static bool audio_ready(const struct voice_stt *stt)
{
	return stt->audio.len >= AUDIO_CHUNK ||
	       (stt->audio.len && (stt->controls & (SEND_FINALIZE | SEND_AUDIO_NOW)));
}

void voice_stt_flush(struct voice_stt *stt)
{
	if (!stt->audio.len)
		return;
	stt->controls |= SEND_AUDIO_NOW;
	if (stt->wsi && stt->connected)
		lws_callback_on_writable(stt->wsi);
}

void voice_stt_finalize(struct voice_stt *stt)
{
	stt->controls |= SEND_FINALIZE;
	if (stt->wsi && stt->connected)
		lws_callback_on_writable(stt->wsi);
}

void voice_stt_close(struct voice_stt *stt)
{
	if (!stt)
		return;
	stt->arg = NULL;
	lws_sul_cancel(&stt->keepalive);
	if (stt->wsi) {
		/* The writeable callback ends the stream; Deepgram closes it, or this does. */
		lws_set_timeout(stt->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
		lws_callback_on_writable(stt->wsi);
	} else {
		stt_free(stt);
	}
}

static int send_text(struct lws *wsi, const char *text)
{
	unsigned char frame[LWS_PRE + 64];
	size_t n = strlen(text);

	memcpy(frame + LWS_PRE, text, n);
	return lws_write(wsi, frame + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n ? -1 : 0;
}

static int stt_writeable(struct voice_stt *stt, struct lws *wsi)
{
	if (!stt->arg) {
		/* The call is over: Deepgram is told, so it can end the stream its own way (the
		 * last results, Metadata, a close) and bill only what it heard. */
		if (stt->controls & SENT_CLOSE_STREAM)
			return 0;
		stt->controls = SENT_CLOSE_STREAM;
		return send_text(wsi, "{\"type\":\"CloseStream\"}");
	}
	if (stt->controls & SEND_KEEPALIVE) {
		stt->controls &= ~SEND_KEEPALIVE;
		if (send_text(wsi, "{\"type\":\"KeepAlive\"}") < 0)
			return -1;
	} else if (audio_ready(stt)) {
		unsigned char frame[LWS_PRE + AUDIO_FRAME_MAX];
		size_t n = stt->audio.len < AUDIO_FRAME_MAX ? stt->audio.len : AUDIO_FRAME_MAX;
		memcpy(frame + LWS_PRE, stt->audio.data, n);
		if (lws_write(wsi, frame + LWS_PRE, n, LWS_WRITE_BINARY) < (int)n)
			return -1;
		memmove(stt->audio.data, stt->audio.data + n, stt->audio.len - n);
		stt->audio.len -= n;
		if (!stt->audio.len)
			stt->controls &= ~SEND_AUDIO_NOW;
	} else if (stt->controls & SEND_FINALIZE) {
		/* After the audio it flushes, never before. */
		stt->controls &= ~SEND_FINALIZE;
		if (send_text(wsi, "{\"type\":\"Finalize\"}") < 0)
			return -1;
	}
	if (stt->controls || audio_ready(stt))
		lws_callback_on_writable(wsi);
	return 0;
}

/* One whole message from Deepgram: Results and UtteranceEnd matter; the rest is ignored. */
static void stt_message(struct voice_stt *stt, const char *text, size_t len)
{
	json_error_t error;
	json_t *msg = json_loadb(text, len, 0, &error);
	const char *type = json_string_value(json_object_get(msg, "type"));

	if (!type) {
		log_warn("speech recognition sent a message that is not JSON with a type");
	} else if (!strcmp(type, "Results")) {
		json_t *alt = json_array_get(json_object_get(json_object_get(msg, "channel"),
							     "alternatives"), 0);
		const char *transcript = json_string_value(json_object_get(alt, "transcript"));
		bool is_final = json_is_true(json_object_get(msg, "is_final"));
		enum voice_stt_end end = VOICE_STT_GOING;
		if (json_is_true(json_object_get(msg, "speech_final")))
			end = VOICE_STT_SPEECH_FINAL;
		else if (is_final && json_is_true(json_object_get(msg, "from_finalize")))
			end = VOICE_STT_FLUSHED;
		if (stt->events.on_result)
			stt->events.on_result(stt->arg, transcript ? transcript : "", is_final, end);
	} else if (!strcmp(type, "UtteranceEnd")) {
		if (stt->events.on_result)
			stt->events.on_result(stt->arg, "", true, VOICE_STT_UTTERANCE_END);
	}
	json_decref(msg);
}

int voice_stt_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct voice_stt *stt = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		if (stt && stt->auth &&
		    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
						 (unsigned char *)stt->auth, (int)strlen(stt->auth),
						 p, end))
			return -1;
		return 0;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		stt->connected = true;
		log_info("speech recognition connected");
		if (!stt->arg || audio_ready(stt) || stt->controls)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return stt_writeable(stt, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!stt->arg)
			return 0;
		if (stt->message.len + len > MESSAGE_MAX) {
			log_warn("speech recognition sent a message over %d bytes; closing", MESSAGE_MAX);
			return -1;
		}
		buf_add(&stt->message, in, len);
		if (lws_is_final_fragment(wsi) && !lws_frame_is_binary(wsi)) {
			stt_message(stt, stt->message.data, stt->message.len);
			buf_clear(&stt->message);
		} else if (lws_is_final_fragment(wsi)) {
			buf_clear(&stt->message);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (stt) {
			log_warn("speech recognition connection failed: %s",
				 in ? (const char *)in : "no reason given");
			stt_gone(stt);
		}
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
		/* Deepgram says why in the close frame: NET-0001 for silence, DATA-0000 for audio
		 * it could not read, and so on. */
		const unsigned char *p = in;
		int code = len >= 2 ? p[0] << 8 | p[1] : 0;
		int n = len > 2 ? (int)(len - 2) : 0;
		const char *why = n ? (const char *)p + 2 : "";
		if (stt && stt->arg)
			log_warn("speech recognition closed the stream: code=%d reason=\"%.*s\"",
				 code, n, why);
		else
			log_info("speech recognition closed the stream: code=%d reason=\"%.*s\"",
				 code, n, why);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (stt->arg)
			log_warn("speech recognition closed the stream during the call");
		stt_gone(stt);
		return 0;
	default:
		return 0;
	}
}
