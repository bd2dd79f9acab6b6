/* live_stream.c: serves each business's live events to nginx as server-sent events, with replay */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/log.h"
#include "infra/text.h"
#include "infra/xalloc.h"
#include "live_stream.h"

/*
 * An event's id is "<boot>-<seq>": boot is when this process started (microseconds since
 * 1970), seq counts every event of every business since then. A browser reconnects with the
 * last id it read. An id of this boot whose business's later events are all still kept is
 * replayed from there; any other (garbage, from the future, of an earlier boot, or behind
 * events since forgotten) gets "event: resync", and the page fetches its live parts again.
 *
 * A page's first stream names when the page was made (X-Live-Since, ms since 1970, from its
 * "since" parameter): it is replayed the kept events whose transaction began from SINCE_MARGIN_MS
 * before that, so a change committed between the page's making and its stream's opening still
 * reaches it; a page older than what is kept gets "event: resync".
 *
 * A stream holds no queue of its own: it reads its business's buffer from its cursor. One that
 * falls a whole buffer behind (its reader stopped reading, so nginx stopped taking) is cut, and
 * the browser reconnects and resyncs: a slow reader costs nothing more than a fast one.
 */

#define HANDOFF_MAX 10000                 /* notifications waiting for the loop; beyond, dropped */
#define WRITE_MAX 16384                   /* one write to a stream; the rest waits for the next */
#define KEEPALIVE_US (20 * LWS_US_PER_SEC)
#define HOUSEKEEPING_US (5 * LWS_US_PER_SEC)
#define ID_MAX 64
#define ORG_BUCKETS 1024
#define ORG_HEADER "x-live-org:"
#define LAST_ID_HEADER "last-event-id:"
#define SINCE_HEADER "x-live-since:"
/*
 * How long before a page was made a change's transaction may have begun and still be news to
 * it: a transaction that began before the page was made can commit after the page read its
 * rows, and the database's and the web server's clocks may differ a little. Replaying a
 * change the page already shows only costs it one fetch.
 */
#define SINCE_MARGIN_MS 5000LL

struct live_event {
	unsigned long long seq;
	lws_usec_t at;                    /* when it came, for LIVE_KEEP_S */
	long long began_ms;               /* its "at": when its transaction began, ms since 1970 */
	char *text;                       /* "id: …\ndata: …\n\n" as sent; caller frees */
	size_t len;
};

/* A business: its newest events, oldest first, and how many streams read them. */
struct live_org {
	char id[37];
	struct live_event *ring;
	size_t head, len;
	unsigned long long forgotten;     /* newest seq no longer kept: a reader before it missed it */
	long long forgotten_ms;           /* newest began_ms not kept, or perhaps never heard */
	int streams;
	struct live_org *next;
};

/* One open stream; lws allocates it per connection and frees it when the connection ends. */
struct live_conn {
	struct lws *wsi;
	struct live_org *org;
	unsigned long long cursor;        /* the newest seq this reader has, or need not have */
	lws_usec_t opened, wrote;
	bool linked, hello, resync, ending;
	struct live_conn *prev, *next;
};

struct handoff {
	char *payload;
	struct handoff *next;
};

static struct {
	struct lws_context *context;
	unsigned long long boot, seq;
	long long boot_ms;
	unsigned long long floor;         /* newest forgotten seq of a business no longer held */
	size_t buffer;
	lws_usec_t keep_us, stream_max_us;
	struct live_org *orgs[ORG_BUCKETS];
	struct live_conn *conns;
	lws_sorted_usec_list_t timer;
	/* Filled by the database's thread, emptied by the event loop's. */
	pthread_mutex_t lock;
	struct handoff *first, *last;
	size_t waiting;
	unsigned long dropped;
} live = { .lock = PTHREAD_MUTEX_INITIALIZER };

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned org_bucket(const char *id)
{
	unsigned hash = 2166136261u;

	for (int i = 0; i < 36; i++)
		hash = (hash ^ (unsigned char)id[i]) * 16777619u;
	return hash % ORG_BUCKETS;
}

static struct live_org *org_find(const char *id)
{
	struct live_org **slot = &live.orgs[org_bucket(id)];

	for (struct live_org *o = *slot; o; o = o->next)
		if (!memcmp(o->id, id, 36))
			return o;
	struct live_org *o = xcalloc(1, sizeof(*o));
	memcpy(o->id, id, 36);
	o->ring = xcalloc(live.buffer, sizeof(*o->ring));
	o->forgotten = live.floor;
	/* Nothing came before this process started, and a business let go had no event newer
	 * than LIVE_KEEP_S: any change since then is in its buffer. */
	o->forgotten_ms = wall_ms() - live.keep_us / 1000;
	if (o->forgotten_ms < live.boot_ms)
		o->forgotten_ms = live.boot_ms;
	o->next = *slot;
	*slot = o;
	return o;
}

static void org_forget_oldest(struct live_org *o)
{
	struct live_event *e = &o->ring[o->head];

	o->forgotten = e->seq;
	if (e->began_ms > o->forgotten_ms)
		o->forgotten_ms = e->began_ms;
	free(e->text);
	e->text = NULL;
	o->head = (o->head + 1) % live.buffer;
	o->len--;
}

static void conn_unlink(struct live_conn *c)
{
	if (!c->linked)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		live.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->org->streams--;
	c->linked = false;
}

/* Close a stream from outside its own callback: lws ends it on its next turn. */
static void conn_cut(struct live_conn *c, const char *why)
{
	log_info("a live stream was cut: %s org=%s", why, c->org->id);
	conn_unlink(c);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* When the event's transaction began: its "at", never later than now (when it was heard). */
static long long event_began_ms(const char *json)
{
	long long now = wall_ms(), at = now;
	json_t *event = json_loads(json, 0, NULL);
	json_t *member = json_object_get(event, "at");

	if (json_is_integer(member) && json_integer_value(member) < now)
		at = json_integer_value(member);
	json_decref(event);
	return at;
}

static void event_add(const char *payload)
{
	struct live_org *o = org_find(payload);
	const char *json = payload + 37;

	if (o->len == live.buffer)
		org_forget_oldest(o);
	struct live_event *e = &o->ring[(o->head + o->len) % live.buffer];
	e->seq = ++live.seq;
	e->at = lws_now_usecs();
	e->began_ms = event_began_ms(json);
	size_t size = strlen(json) + 64;
	e->text = xmalloc(size);
	e->len = (size_t)snprintf(e->text, size, "id: %llu-%llu\ndata: %s\n\n", live.boot, e->seq,
				  json);
	o->len++;
	for (struct live_conn *c = live.conns, *next; c; c = next) {
		next = c->next;
		if (c->org != o)
			continue;
		if (c->cursor < o->forgotten)
			conn_cut(c, "its reader fell a whole buffer behind");
		else
			lws_callback_on_writable(c->wsi);
	}
}

int live_stream_post(const char *payload)
{
	const char *space = strchr(payload, ' ');

	if (!space || space - payload != 36 || !text_is_uuid_n(payload, 36) || !space[1]) {
		log_warn("a live event without a business was dropped");
		return -1;
	}
	/* A line break would end the event's data line and let the rest read as fields. */
	if (strpbrk(space, "\r\n")) {
		log_warn("a live event with a line break was dropped");
		return -1;
	}
	struct handoff *h = xmalloc(sizeof(*h));
	h->payload = xstrdup(payload);
	h->next = NULL;
	pthread_mutex_lock(&live.lock);
	if (live.waiting >= HANDOFF_MAX) {
		live.dropped++;
		pthread_mutex_unlock(&live.lock);
		free(h->payload);
		free(h);
		return -1;
	}
	if (live.last)
		live.last->next = h;
	else
		live.first = h;
	live.last = h;
	live.waiting++;
	pthread_mutex_unlock(&live.lock);
	lws_cancel_service(live.context);
	return 0;
}

static void handoff_drain(void)
{
	pthread_mutex_lock(&live.lock);
	struct handoff *h = live.first;
	unsigned long dropped = live.dropped;
	live.first = live.last = NULL;
	live.waiting = 0;
	live.dropped = 0;
	pthread_mutex_unlock(&live.lock);
	if (dropped)
		log_warn("live events dropped: the event loop was behind count=%lu", dropped);
	while (h) {
		struct handoff *next = h->next;
		event_add(h->payload);
		free(h->payload);
		free(h);
		h = next;
	}
}

/* Events age out; a business with none and no stream is let go; long streams end. */
static void housekeeping(lws_sorted_usec_list_t *sul)
{
	lws_usec_t now = lws_now_usecs();

	for (int b = 0; b < ORG_BUCKETS; b++) {
		for (struct live_org **slot = &live.orgs[b], *o; (o = *slot);) {
			while (o->len && now - o->ring[o->head].at > live.keep_us)
				org_forget_oldest(o);
			if (o->len || o->streams) {
				slot = &o->next;
				continue;
			}
			if (o->forgotten > live.floor)
				live.floor = o->forgotten;
			*slot = o->next;
			free(o->ring);
			free(o);
		}
	}
	for (struct live_conn *c = live.conns, *next; c; c = next) {
		next = c->next;
		if (c->cursor < c->org->forgotten) {
			conn_cut(c, "its reader fell behind what is kept");
		} else if (now - c->opened >= live.stream_max_us) {
			c->ending = true;
			lws_callback_on_writable(c->wsi);
		} else if (now - c->wrote >= KEEPALIVE_US) {
			lws_callback_on_writable(c->wsi);
		}
	}
	lws_sul_schedule(live.context, 0, sul, housekeeping, HOUSEKEEPING_US);
}

/* A short answer that ends the request (an error: the stream is never opened). */
static int answer(struct lws *wsi, unsigned int status, const char *body)
{
	unsigned char headers[LWS_PRE + 512], *start = headers + LWS_PRE, *p = start,
		      *end = headers + sizeof(headers) - 1;
	unsigned char out[LWS_PRE + 128];
	size_t len = strlen(body);

	if (len > sizeof(out) - LWS_PRE)
		len = sizeof(out) - LWS_PRE;
	memcpy(out + LWS_PRE, body, len);
	if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8", len, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end) ||
	    lws_write(wsi, out + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) < 0)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* "<boot>-<seq>", both decimal; false for anything else. */
static bool id_parse(const char *s, unsigned long long *boot, unsigned long long *seq)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*boot = strtoull(s, &end, 10);
	if (errno || *end != '-' || !isdigit((unsigned char)end[1]))
		return false;
	*seq = strtoull(end + 1, &end, 10);
	return !errno && !*end;
}

/*
 * A page's first stream: replay the kept events whose transaction began at most
 * SINCE_MARGIN_MS before the page was made; a resync when such an event may have been
 * forgotten. A since that is not a time, or is in the future, starts at the newest, as
 * without one.
 */
static void conn_since(struct lws *wsi, struct live_conn *c)
{
	char text[24], *end;
	int n = lws_hdr_custom_length(wsi, SINCE_HEADER, (int)strlen(SINCE_HEADER));
	struct live_org *o = c->org;

	if (n <= 0 || n > 15 ||
	    lws_hdr_custom_copy(wsi, text, sizeof(text), SINCE_HEADER,
				(int)strlen(SINCE_HEADER)) < 0 ||
	    !isdigit((unsigned char)text[0]))
		return;
	errno = 0;
	long long since = strtoll(text, &end, 10);
	if (errno || *end || since > wall_ms() + SINCE_MARGIN_MS)
		return;
	long long from = since - SINCE_MARGIN_MS;
	if (from <= o->forgotten_ms) {
		c->resync = true;
		return;
	}
	for (size_t i = 0; i < o->len; i++) {
		struct live_event *e = &o->ring[(o->head + i) % live.buffer];
		if (e->began_ms >= from) {
			c->cursor = e->seq - 1;
			return;
		}
	}
}

/*
 * Where a stream starts: after its last id (a reconnect), a resync when that id is not
 * usable, at the page's making (its first stream), or at the newest event.
 */
static void conn_resume(struct lws *wsi, struct live_conn *c)
{
	char last[ID_MAX + 1];
	unsigned long long boot, seq;
	int n = lws_hdr_custom_length(wsi, LAST_ID_HEADER, (int)strlen(LAST_ID_HEADER));

	c->cursor = live.seq;
	if (n <= 0) {
		conn_since(wsi, c);
		return;
	}
	if (n > ID_MAX ||
	    lws_hdr_custom_copy(wsi, last, sizeof(last), LAST_ID_HEADER,
				(int)strlen(LAST_ID_HEADER)) < 0 ||
	    !id_parse(last, &boot, &seq) || boot != live.boot || seq > live.seq ||
	    seq < c->org->forgotten)
		c->resync = true;
	else
		c->cursor = seq;
}

/*
 * GET /live/<org id> from nginx, which has checked the session (page-live.c) and names the
 * business it found in X-Live-Org: anything else, or a request that reached the socket some
 * other way, is refused. The stream stays open; events come as they are committed.
 */
static int stream_open(struct lws *wsi, struct live_conn *c, const char *uri)
{
	char org[40];
	int n = lws_hdr_custom_length(wsi, ORG_HEADER, (int)strlen(ORG_HEADER));

	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0)
		return answer(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "only GET\n");
	if (strncmp(uri, "/live/", 6) || !text_is_uuid(uri + 6))
		return answer(wsi, HTTP_STATUS_NOT_FOUND, "no such stream\n");
	if (n != 36 ||
	    lws_hdr_custom_copy(wsi, org, sizeof(org), ORG_HEADER, (int)strlen(ORG_HEADER)) != 36 ||
	    strcmp(org, uri + 6)) {
		log_warn("a live stream was asked for without nginx's check");
		return answer(wsi, HTTP_STATUS_FORBIDDEN, "live events are served through nginx\n");
	}

	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	c->org = org_find(org);
	conn_resume(wsi, c);

	unsigned char headers[LWS_PRE + 512], *start = headers + LWS_PRE, *p = start,
		      *end = headers + sizeof(headers) - 1;
	if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/event-stream",
					LWS_ILLEGAL_HTTP_CONTENT_LEN, &p, end) ||
	    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-cache", 8, &p, end) ||
	    lws_finalize_write_http_header(wsi, start, &p, end))
		return -1;
	/* The headers were read: lws lets them go and keeps no timeout on this stream. */
	lws_http_mark_sse(wsi);

	c->hello = true;
	c->opened = c->wrote = lws_now_usecs();
	c->next = live.conns;
	if (live.conns)
		live.conns->prev = c;
	live.conns = c;
	c->linked = true;
	c->org->streams++;
	lws_callback_on_writable(wsi);
	return 0;
}

/* What the stream has not had yet, as much as one write takes; a keepalive when idle. */
static int conn_write(struct live_conn *c)
{
	static unsigned char out[LWS_PRE + WRITE_MAX];
	char *start = (char *)out + LWS_PRE, *p = start, *limit = start + WRITE_MAX;
	struct live_org *o = c->org;
	bool more = false;

	if (c->ending || c->cursor < o->forgotten)
		return -1;
	/* The id says where this reader is, so a reconnect before any event resumes here. */
	if (c->hello)
		p += snprintf(p, 128, "retry: 2000\nid: %llu-%llu\n\n", live.boot, c->cursor);
	if (c->resync)
		p += snprintf(p, 128, "id: %llu-%llu\nevent: resync\ndata: {}\n\n", live.boot,
			      c->cursor);
	c->hello = c->resync = false;
	for (size_t i = 0; i < o->len; i++) {
		struct live_event *e = &o->ring[(o->head + i) % live.buffer];
		if (e->seq <= c->cursor)
			continue;
		if (e->len > (size_t)(limit - p)) {
			more = true;
			break;
		}
		memcpy(p, e->text, e->len);
		p += e->len;
		c->cursor = e->seq;
	}
	lws_usec_t now = lws_now_usecs();
	if (p == start) {
		if (now - c->wrote < KEEPALIVE_US)
			return 0;
		p += snprintf(p, 32, ": keepalive\n\n");
	}
	if (lws_write(c->wsi, (unsigned char *)start, (size_t)(p - start), LWS_WRITE_HTTP) < 0)
		return -1;
	c->wrote = now;
	if (more)
		lws_callback_on_writable(c->wsi);
	return 0;
}

static int live_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			 void *in, size_t len)
{
	struct live_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return stream_open(wsi, c, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c && c->linked ? conn_write(c) : 0;
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (c)
			conn_unlink(c);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		handoff_drain();
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

const struct lws_protocols live_stream_protocols[] = {
	{ "http", live_callback, sizeof(struct live_conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

void live_stream_setup(struct lws_context *context, int buffer, long keep_s, long stream_max_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	live.boot = (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
	live.boot_ms = (long long)(live.boot / 1000);
	live.context = context;
	live.buffer = (size_t)buffer;
	live.keep_us = (lws_usec_t)keep_s * LWS_US_PER_SEC;
	live.stream_max_us = (lws_usec_t)stream_max_s * LWS_US_PER_SEC;
	lws_sul_schedule(context, 0, &live.timer, housekeeping, HOUSEKEEPING_US);
}

void live_stream_stop(void)
{
	lws_sul_cancel(&live.timer);
}

void live_stream_free(void)
{
	for (int b = 0; b < ORG_BUCKETS; b++) {
		while (live.orgs[b]) {
			struct live_org *o = live.orgs[b];
			live.orgs[b] = o->next;
			while (o->len)
				org_forget_oldest(o);
			free(o->ring);
			free(o);
		}
	}
	pthread_mutex_lock(&live.lock);
	while (live.first) {
		struct handoff *h = live.first;
		live.first = h->next;
		free(h->payload);
		free(h);
	}
	live.last = NULL;
	pthread_mutex_unlock(&live.lock);
}
