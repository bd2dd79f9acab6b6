/* live.c: switchboard-live: PostgreSQL's org_events notifications to the browsers' live streams */
#include <libwebsockets.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "live_stream.h"

/*
 * Two threads. One LISTENs on PostgreSQL and hands each notification to the other, the event
 * loop (libwebsockets), which keeps each business's recent events and serves them as
 * server-sent events on a unix socket that only nginx reaches: nginx checks the session
 * (page-live.c) and proxies the stream here. A slow or lost database never stalls the streams'
 * keepalives, and a restart loses only the buffers: pages then resync.
 */

static const char SQL_LISTEN[] = "LISTEN org_events";
/* The server process's id: a different one means the connection was made anew, unlistened. */
static const char SQL_BACKEND[] = "SELECT pg_backend_pid()::text";

/* An idle connection is checked this often, so a silent loss is found within it. */
#define ALIVE_CHECK_MS 15000
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
/* The listener looks at the stop flag at least this often. */
#define STOP_CHECK_MS 250

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Hand every notification that arrived to the event loop; -1 when the connection was lost. */
static int take_notifications(struct db *db, struct arena *a)
{
	const char *payload;
	int rc;

	while ((rc = db_notification_take(db, a, "org_events", &payload)) > 0)
		live_stream_post(payload);
	return rc;
}

/*
 * The listener's thread: LISTEN, reconnecting with backoff when the connection drops (a quiet
 * connection is checked every ALIVE_CHECK_MS: a reply from another server process means it
 * must LISTEN again). Events committed while PostgreSQL is away are not notified; pages catch
 * up at the next event or reload.
 */
static void *listen_loop(void *unused)
{
	(void)unused;
	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	bool listening = false;
	long retry_ms = RETRY_MIN_MS, last_heard = now_ms(), next_try = 0;
	char backend[16] = "";

	while (!stopping) {
		if (!listening && now_ms() >= next_try) {
			const char *pid = db_ready(db) ? db_text(db, a, SQL_BACKEND) : NULL;
			listening = pid && db_exec(db, a, SQL_LISTEN) >= 0;
			snprintf(backend, sizeof(backend), "%s", pid ? pid : "");
			arena_reset(a);
			if (listening) {
				log_info("listening for live events");
				retry_ms = RETRY_MIN_MS;
				last_heard = now_ms();
			} else {
				next_try = now_ms() + retry_ms;
				retry_ms = retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : retry_ms * 2;
			}
		}
		if (listening && take_notifications(db, a) < 0)
			listening = false;
		arena_reset(a);

		struct pollfd p = { .fd = listening ? db_socket(db) : -1, .events = POLLIN };
		if (p.fd < 0) {
			usleep(STOP_CHECK_MS * 1000);
			continue;
		}
		int ready = poll(&p, 1, STOP_CHECK_MS);
		if (ready > 0) {
			last_heard = now_ms();
		} else if (ready == 0 && now_ms() - last_heard >= ALIVE_CHECK_MS) {
			/* A quiet socket may be a dead one: a round trip tells, and a query that had to
			 * reconnect comes back from another server process, which is not listening. */
			const char *pid = db_text(db, a, SQL_BACKEND);
			if (!pid || strcmp(pid, backend))
				listening = false;
			arena_reset(a);
			last_heard = now_ms();
		}
	}
	arena_free(a);
	db_close(db);
	return NULL;
}

int main(int argc, char **argv)
{
	if (conf_load(CONF_LIVE, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("live", log_level_parse(conf_str("LOG_LEVEL")));
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);
	lws_set_log_level(LLL_ERR, NULL);

	const char *path = conf_str("LIVE_SOCKET");
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_UNIX_SOCK;
	info.iface = path;
	info.protocols = live_stream_protocols;
	/* Only nginx's short requests come here: a small header space, answered or cut fast. */
	info.max_http_header_data = 2048;
	info.timeout_secs = 10;
	/* A stale socket of an earlier run would refuse the bind. The socket is the owner's and
	 * its group's (nginx's) only, as the FastCGI sockets are: no other local user reaches the
	 * streams, or could name a business nginx did not check. */
	unlink(path);
	mode_t old_mask = umask(0117);
	struct lws_context *context = lws_create_context(&info);
	umask(old_mask);
	if (!context) {
		fprintf(stderr, "fatal: could not listen on %s\n", path);
		return 1;
	}
	if (chmod(path, 0660) < 0) {
		fprintf(stderr, "fatal: could not restrict %s\n", path);
		lws_context_destroy(context);
		return 1;
	}
	live_stream_setup(context, (int)conf_int("LIVE_BUFFER"), conf_int("LIVE_KEEP_S"),
			  conf_int("LIVE_STREAM_MAX_S"));

	/* Signals are the event loop's: the listener only reads the flag they set. */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, &old);
	pthread_t listener;
	int failed = pthread_create(&listener, NULL, listen_loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (failed) {
		fprintf(stderr, "fatal: could not start the listener's thread\n");
		live_stream_stop();
		lws_context_destroy(context);
		return 1;
	}

	log_info("live streams served socket=%s", path);
	while (!stopping)
		if (lws_service(context, 250) < 0)
			break;
	stopping = 1;
	pthread_join(listener, NULL);
	live_stream_stop();
	lws_context_destroy(context);
	live_stream_free();
	unlink(path);
	log_info("live streams stopped");
	return 0;
}
