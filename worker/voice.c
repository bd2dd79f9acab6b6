/* voice.c: switchboard-voice: the long-running process that holds live call audio */
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/webclient.h"
#include "infra/log.h"
#include "provider/tts.h"
#include "voice_browser.h"
#include "voice_call.h"
#include "voice_pool.h"
#include "voice_stt.h"

static const char FILLER_SCHEDULE_TEXT[] = "One moment while I check the schedule.";
static const char FILLER_LOOKUP_TEXT[] = "One moment while I look that up.";

/* The shortest time between two polls of the event loop grows with the calls it holds (two
 * sockets each, some 130 ns of poll() between them), up to LOOP_TICK_MAX_NS: polling stays a
 * few per cent of the loop's time at any number of calls, and a few calls never wait. */
#define LOOP_TICK_PER_CALL_NS 5000L
#define LOOP_TICK_MAX_NS (5 * 1000 * 1000L)

static volatile sig_atomic_t stopping;
static struct voice_env env;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The housekeeping timer's longest period: a connection overdue is closed within this. */
#define SWEEP_MAX_US (1000 * 1000L)

/* One connection on the worker's port: a health check over plain HTTP, or a media stream. */
struct media_session {
	struct voice_call *call;
	struct buf message;         /* fragments of the message being received */
	bool skipping;              /* the rest of a binary message, ignored */
	lws_usec_t opened_at, heard_at;
};

static lws_sorted_usec_list_t sweep_timer;
static lws_usec_t sweep_us;

static int answer_http(struct lws *wsi, const char *uri)
{
	unsigned char headers[LWS_PRE + 1024], *start = headers + LWS_PRE, *p = start,
		      *end = headers + sizeof(headers) - 1;
	unsigned char out[LWS_PRE + 16];
	bool health = !strcmp(uri, "/healthz");
	const char *body = health ? "ok\n" : "not found\n";
	size_t body_len = strlen(body);

	if (lws_add_http_common_headers(wsi, health ? HTTP_STATUS_OK : HTTP_STATUS_NOT_FOUND,
					"text/plain", body_len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return 1;
	memcpy(out + LWS_PRE, body, body_len);
	lws_write(wsi, out + LWS_PRE, body_len, LWS_WRITE_HTTP_FINAL);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* A media stream's frames, put together into whole messages for the call. */
static int media_receive(struct lws *wsi, struct media_session *ms, const void *in, size_t len)
{
	if (lws_frame_is_binary(wsi) || ms->skipping) {
		/* Twilio sends only text; a binary message is not one of its events. */
		ms->skipping = !lws_is_final_fragment(wsi);
		if (!ms->skipping)
			log_warn("ignoring a binary frame on a media stream");
		return 0;
	}
	if (ms->message.len + len > VOICE_MESSAGE_MAX) {
		static const char why[] = "message too large";
		log_warn("closing a media stream that sent a message over %d bytes", VOICE_MESSAGE_MAX);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
				 sizeof(why) - 1);
		return -1;
	}
	buf_add(&ms->message, in, len);
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	int rc = voice_call_message(ms->call, ms->message.data, ms->message.len);
	buf_clear(&ms->message);
	return rc;
}

static int voice_media(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		       size_t len)
{
	struct media_session *ms = user;
	char uri[256];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return answer_http(wsi, (const char *)in);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Media streams arrive on /media/ only. */
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
		    strncmp(uri, "/media/", 7))
			return 1;
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		memset(ms, 0, sizeof(*ms));
		ms->call = voice_call_new(wsi);
		ms->opened_at = lws_now_usecs();
		return 0;
	case LWS_CALLBACK_RECEIVE:
		ms->heard_at = lws_now_usecs();
		return media_receive(wsi, ms, in, len);
	case LWS_CALLBACK_USER: {
		/* The housekeeping sweep: a stream that never starts or has gone quiet is closed,
		 * or it would hold a connection (and nginx's) for ever. */
		const char *why = ms && ms->call ? voice_overdue(ms->opened_at, ms->heard_at,
				voice_call_started(ms->call), lws_now_usecs()) : NULL;
		if (why) {
			log_warn("closing media stream: %s", why);
			voice_call_close(ms->call, why);
		}
		return 0;
	}
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return voice_call_writeable(ms->call);
	case LWS_CALLBACK_CLOSED:
		if (ms->call)
			voice_call_closed(ms->call);
		ms->call = NULL;
		buf_release(&ms->message);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* A pool thread finished something: carry its result into the calls. */
		voice_pool_drain(env.pool);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

/* The first protocol also serves upgrades that name none, as Twilio's do. */
static const struct lws_protocols protocols[] = {
	{ "media", voice_media, sizeof(struct media_session), 4096, 0, NULL, VOICE_SEND_MAX },
	{ VOICE_STT_PROTOCOL, voice_stt_callback, 0, 8192, 0, NULL, 0 },
	{ VOICE_BROWSER_PROTOCOL, voice_browser_callback, sizeof(struct browser_call *), 8192, 0,
	  NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Every connection of the media and browser protocols is looked at once a period. */
static void sweep(lws_sorted_usec_list_t *sul)
{
	struct lws_vhost *vhost = lws_get_vhost_by_name(env.context, "default");
	const char *names[] = { "media", VOICE_BROWSER_PROTOCOL };

	for (size_t i = 0; vhost && i < sizeof(names) / sizeof(names[0]); i++) {
		const struct lws_protocols *p = lws_vhost_name_to_protocol(vhost, names[i]);
		if (p)
			lws_callback_all_protocol_vhost_args(vhost, p, LWS_CALLBACK_USER, NULL, 0);
	}
	lws_sul_schedule(env.context, 0, sul, sweep, sweep_us);
}

static void filler_make(struct arena *a, const char *text, struct voice_filler *filler)
{
	uint8_t *audio = NULL;
	long n = tts_flite_ulaw(a, text, &audio);

	filler->audio = audio;
	filler->len = n > 0 ? n : 0;
}

int main(int argc, char **argv)
{
	if (conf_load(CONF_VOICE, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("voice", log_level_parse(conf_str("LOG_LEVEL")));
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);
	webclient_global_init();

	char host[128];
	int port;
	if (sscanf(conf_str("VOICE_LISTEN"), "%127[^:]:%d", host, &port) != 2 || port <= 0 || port > 65535) {
		fprintf(stderr, "fatal: setting VOICE_LISTEN must be host:port, not \"%s\"\n",
			conf_str("VOICE_LISTEN"));
		return 1;
	}

	/* The fillers are the same for every call: synthesize them once. */
	struct arena *forever = arena_new();
	filler_make(forever, FILLER_SCHEDULE_TEXT, &env.filler_schedule);
	filler_make(forever, FILLER_LOOKUP_TEXT, &env.filler_lookup);
	env.silence_ms = (int)conf_int("VOICE_SILENCE_MS");
	env.preempt = conf_bool("VOICE_PREEMPT");
	env.deepgram_key = conf_str("DEEPGRAM_API_KEY");
	env.deepgram_url = *conf_str("DEEPGRAM_URL") ? conf_str("DEEPGRAM_URL") : NULL;
	env.deepgram_model = conf_str("DEEPGRAM_MODEL");
	if (!*env.deepgram_key)
		log_warn("no DEEPGRAM_API_KEY: live calls of a business without its own Deepgram "
			 "key continue in gather mode");
	env.start_timeout_us = conf_int("MEDIA_START_TIMEOUT_MS") * 1000L;
	env.idle_timeout_us = conf_int("MEDIA_IDLE_TIMEOUT_MS") * 1000L;
	/* Often enough that a short limit (as tests set) is kept to within a quarter of it. */
	sweep_us = env.start_timeout_us < env.idle_timeout_us ? env.start_timeout_us / 4
							       : env.idle_timeout_us / 4;
	if (sweep_us > SWEEP_MAX_US)
		sweep_us = SWEEP_MAX_US;

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	struct lws_context *context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "fatal: could not listen on %s\n", conf_str("VOICE_LISTEN"));
		arena_free(forever);
		return 1;
	}
	env.context = context;
	env.pool = voice_pool_new(context, (int)conf_int("VOICE_THREADS"),
				  (int)conf_int("VOICE_THREADS_MAX"), conf_str("DATABASE_URL"));
	if (!env.pool) {
		fprintf(stderr, "fatal: could not start the voice worker's threads\n");
		lws_context_destroy(context);
		arena_free(forever);
		return 1;
	}
	voice_call_setup(&env);
	voice_browser_setup(&env);
	lws_sul_schedule(context, 0, &sweep_timer, sweep, sweep_us);
	log_info("voice worker listening on %s", conf_str("VOICE_LISTEN"));
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stopping) {
		if (lws_service(context, 250) < 0)
			break;
		/* poll() costs in proportion to the sockets it watches: polling again at once would
		 * find one or two of thousands ready. Waiting out the tick lets each poll find many,
		 * at a delay no caller hears (audio is buffered on Twilio's side). */
		long tick = voice_call_count() * LOOP_TICK_PER_CALL_NS;
		next.tv_nsec += tick < LOOP_TICK_MAX_NS ? tick : LOOP_TICK_MAX_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec))
			next = now;
		else
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	log_info("voice worker stopped");
	lws_sul_cancel(&sweep_timer);
	lws_context_destroy(context);
	voice_pool_free(env.pool);
	arena_free(forever);
	return 0;
}
