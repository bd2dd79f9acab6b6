/* voice.c: switchboard-voice: the long-running process that holds live call audio */
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "log.h"

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Plain HTTP on the worker's port answers health checks; media streams arrive on /media/. */
static int voice_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	unsigned char headers[LWS_PRE + 1024], *start = headers + LWS_PRE, *p = start,
		      *end = headers + sizeof(headers) - 1;
	unsigned char out[LWS_PRE + 16];

	if (reason != LWS_CALLBACK_HTTP)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	bool health = !strcmp((const char *)in, "/healthz");
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

static const struct lws_protocols protocols[] = {
	{ "http", voice_http, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	if (conf_load(CONF_VOICE, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("voice", log_level_parse(conf_str("LOG_LEVEL")));
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);

	char host[128];
	int port;
	if (sscanf(conf_str("VOICE_LISTEN"), "%127[^:]:%d", host, &port) != 2 || port <= 0 || port > 65535) {
		fprintf(stderr, "fatal: setting VOICE_LISTEN must be host:port, not \"%s\"\n",
			conf_str("VOICE_LISTEN"));
		return 1;
	}
	struct db *db = db_open(conf_str("DATABASE_URL"));
	if (!db_ready(db))
		log_warn("starting without the database; calls will wait for it");

	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = host;
	info.protocols = protocols;
	struct lws_context *context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "fatal: could not listen on %s\n", conf_str("VOICE_LISTEN"));
		db_close(db);
		return 1;
	}
	log_info("voice worker listening on %s", conf_str("VOICE_LISTEN"));
	while (!stopping)
		if (lws_service(context, 250) < 0)
			break;
	log_info("voice worker stopped");
	lws_context_destroy(context);
	db_close(db);
	return 0;
}
