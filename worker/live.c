/* live.c: switchboard-live: relays PostgreSQL's org_events notifications to nginx's nchan */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "infra/webclient.h"
#include "infra/xalloc.h"

/*
 * One of these runs beside each nginx: nchan keeps its channels and their message buffers in
 * that nginx's shared memory, so every nginx needs every event. It holds no state a restart
 * loses beyond the events queued while nginx was away.
 */

static const char SQL_LISTEN[] = "LISTEN org_events";
/* The server process's id: a different one means the connection was made anew, unlistened. */
static const char SQL_BACKEND[] = "SELECT pg_backend_pid()::text";

/* An idle connection is checked this often, so a silent loss is found within it. */
#define ALIVE_CHECK_MS 15000
/* A publish that nginx does not answer in this long is tried again. */
#define PUBLISH_TIMEOUT_MS 2000
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Events waiting for nginx, oldest first: a ring of "<org id> <json>" strings (caller frees). */
struct queue {
	char **items;
	size_t head, len, cap;
	unsigned long dropped;
};

static void queue_push(struct queue *q, const char *payload)
{
	if (q->len == q->cap) {
		/* nginx has been away long enough: the oldest event goes; pages refetch on reconnect. */
		free(q->items[q->head]);
		q->head = (q->head + 1) % q->cap;
		q->len--;
		q->dropped++;
	}
	q->items[(q->head + q->len) % q->cap] = xstrdup(payload);
	q->len++;
}

static void queue_pop(struct queue *q)
{
	free(q->items[q->head]);
	q->head = (q->head + 1) % q->cap;
	q->len--;
}

/*
 * Publish one event to its business's channel. Returns 0 when nginx took it or refused it for
 * good (a malformed event is dropped, logged), -1 when nginx is unreachable or failing (retry).
 */
static int publish(struct arena *a, const char *payload)
{
	const char *space = strchr(payload, ' ');
	struct webclient_response resp;

	if (!space || space - payload != 36 || !text_is_uuid_n(payload, 36) || !space[1]) {
		log_warn("a live event without a business was dropped");
		return 0;
	}
	const char *body = space + 1;
	struct webclient_request req = {
		.method = "POST",
		.url = arena_printf(a, "http://localhost/pub/%.36s", payload),
		.headers = (const char *const[]){ "Content-Type: application/json", NULL },
		.body = body,
		.body_len = strlen(body),
		.timeout_ms = PUBLISH_TIMEOUT_MS,
		.max_response = 65536,
		.unix_socket = conf_str("LIVE_PUBLISH_SOCKET"),
	};
	if (webclient_fetch(a, &req, &resp) < 0 || resp.status >= 500)
		return -1;
	if (resp.status >= 300) {
		log_warn("nginx refused a live event status=%ld", resp.status);
		return 0;
	}
	return 0;
}

/* Publish what is queued, in order; returns -1 when nginx stopped taking events. */
static int publish_queue(struct queue *q, struct arena *a)
{
	while (q->len && !stopping) {
		int rc = publish(a, q->items[q->head]);
		arena_reset(a);
		if (rc < 0)
			return -1;
		queue_pop(q);
	}
	return 0;
}

/* Queue every notification that arrived; returns -1 when the connection was lost. */
static int take_notifications(struct db *db, struct arena *a, struct queue *q)
{
	const char *payload;
	int rc;

	while ((rc = db_notification_take(db, a, "org_events", &payload)) > 0)
		queue_push(q, payload);
	return rc;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
	if (conf_load(CONF_LIVE, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("live", log_level_parse(conf_str("LOG_LEVEL")));
	webclient_global_init();
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);

	struct queue q = { .cap = (size_t)conf_int("LIVE_PUBLISH_QUEUE") };
	q.items = xcalloc(q.cap, sizeof(*q.items));
	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	bool listening = false, nginx_up = true;
	long db_retry_ms = RETRY_MIN_MS, nginx_retry_ms = RETRY_MIN_MS, last_heard = now_ms();
	unsigned long dropped_told = 0;
	char backend[16] = "";

	log_info("live publisher started socket=%s", conf_str("LIVE_PUBLISH_SOCKET"));
	while (!stopping) {
		if (!listening) {
			const char *pid = db_ready(db) ? db_text(db, a, SQL_BACKEND) : NULL;
			listening = pid && db_exec(db, a, SQL_LISTEN) >= 0;
			snprintf(backend, sizeof(backend), "%s", pid ? pid : "");
			arena_reset(a);
			if (listening) {
				log_info("listening for live events");
				db_retry_ms = RETRY_MIN_MS;
				last_heard = now_ms();
			}
		}
		if (listening && take_notifications(db, a, &q) < 0)
			listening = false;
		arena_reset(a);

		bool was_up = nginx_up;
		nginx_up = publish_queue(&q, a) == 0;
		if (nginx_up && !was_up)
			log_info("nginx takes live events again");
		else if (!nginx_up && was_up)
			log_warn("could not publish live events to nginx; retrying queued=%zu", q.len);
		nginx_retry_ms = nginx_up ? RETRY_MIN_MS
			: (nginx_retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : nginx_retry_ms * 2);
		if (q.dropped != dropped_told) {
			log_warn("live events dropped while nginx was away count=%lu",
				 q.dropped - dropped_told);
			dropped_told = q.dropped;
		}

		/* Wait for the database's socket; a retry of either side bounds the wait. */
		long wait = ALIVE_CHECK_MS;
		if (!listening) {
			wait = db_retry_ms;
			db_retry_ms = db_retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : db_retry_ms * 2;
		}
		if (!nginx_up && nginx_retry_ms < wait)
			wait = nginx_retry_ms;
		struct pollfd p = { .fd = listening ? db_socket(db) : -1, .events = POLLIN };
		if (p.fd < 0) {
			usleep((useconds_t)wait * 1000);
			continue;
		}
		int ready = poll(&p, 1, (int)wait);
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
	log_info("live publisher stopped");
	while (q.len)
		queue_pop(&q);
	free(q.items);
	arena_free(a);
	db_close(db);
	return 0;
}
