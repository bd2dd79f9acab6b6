/* webclient.c: outgoing HTTP requests over libcurl, with time and size limits */
#include "infra/webclient.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/xalloc.h"

/* How often a stream with an idle limit looks at its clock while no byte comes. */
#define WEBCLIENT_POLL_MS 20

struct http_sink {
	struct buf body;
	size_t limit;
	int too_big;
};

static size_t http_write(char *data, size_t size, size_t count, void *arg)
{
	struct http_sink *sink = arg;
	size_t n = size * count;

	if (sink->body.len + n > sink->limit) {
		sink->too_big = 1;
		return 0;  /* makes curl stop with CURLE_WRITE_ERROR */
	}
	buf_add(&sink->body, data, n);
	return n;
}

/* An IPv4 address (host order) that is public: none of the special-purpose ranges. */
static bool ipv4_public(uint32_t a, bool allow_loopback)
{
	static const struct {
		uint32_t net, mask;
	} closed[] = {
		{ 0x00000000, 0xff000000 },  /* 0.0.0.0/8 "this network" */
		{ 0x0a000000, 0xff000000 },  /* 10.0.0.0/8 private */
		{ 0x64400000, 0xffc00000 },  /* 100.64.0.0/10 carrier NAT (cloud metadata too) */
		{ 0xa9fe0000, 0xffff0000 },  /* 169.254.0.0/16 link-local, cloud metadata */
		{ 0xac100000, 0xfff00000 },  /* 172.16.0.0/12 private */
		{ 0xc0000000, 0xffffff00 },  /* 192.0.0.0/24 protocol assignments */
		{ 0xc0000200, 0xffffff00 },  /* 192.0.2.0/24 documentation */
		{ 0xc0a80000, 0xffff0000 },  /* 192.168.0.0/16 private */
		{ 0xc6120000, 0xfffe0000 },  /* 198.18.0.0/15 benchmarking */
		{ 0xc6336400, 0xffffff00 },  /* 198.51.100.0/24 documentation */
		{ 0xcb007100, 0xffffff00 },  /* 203.0.113.0/24 documentation */
		{ 0xe0000000, 0xe0000000 },  /* 224.0.0.0/3 multicast, reserved, broadcast */
	};

	if ((a & 0xff000000) == 0x7f000000)  /* 127.0.0.0/8 loopback */
		return allow_loopback;
	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
		if ((a & closed[i].mask) == closed[i].net)
			return false;
	return true;
}

static uint32_t ipv4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* An IPv6 address that is public; one that carries an IPv4 address is judged by that. */
static bool ipv6_public(const unsigned char *b, bool allow_loopback)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char zero[16] = { 0 };

	if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12))
		return ipv4_public(ipv4_at(b + 12), allow_loopback);
	if (!memcmp(b, zero, 15))  /* :: and ::1 */
		return b[15] == 1 && allow_loopback;
	if (!memcmp(b, zero, 12))  /* ::a.b.c.d, the old IPv4-compatible form */
		return false;
	if (b[0] == 0x20 && b[1] == 0x02)  /* 2002::/16 6to4: the IPv4 address follows */
		return ipv4_public(ipv4_at(b + 2), false);
	if (b[0] == 0x20 && b[1] == 0x01 && ((b[2] == 0 && b[3] == 0) ||  /* 2001::/32 Teredo */
					     (b[2] == 0x0d && b[3] == 0xb8)))  /* documentation */
		return false;
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b)  /* local NAT64 */
		return false;
	if (b[0] == 0x01 && b[1] == 0x00 && !memcmp(b + 2, zero, 6))  /* 100::/64 discard */
		return false;
	/* fc00::/7 unique-local (AWS metadata fd00:ec2::254), fe80::/10 link-local, fec0::/10
	 * site-local, ff00::/8 multicast */
	return (b[0] & 0xfe) != 0xfc && b[0] != 0xfe && b[0] != 0xff;
}

bool webclient_address_public(const struct sockaddr *addr, bool allow_loopback)
{
	if (addr->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, addr, sizeof(in));
		return ipv4_public(ntohl(in.sin_addr.s_addr), allow_loopback);
	}
	if (addr->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, addr, sizeof(in6));
		return ipv6_public(in6.sin6_addr.s6_addr, allow_loopback);
	}
	return false;
}

/* What the socket opener of a public_only request knows and found. */
struct public_check {
	bool allow_loopback;
	bool refused;               /* an address was refused: no socket was opened for it */
};

/*
 * libcurl asks here for each socket it would connect, with the address it resolved: the name
 * was looked up already, so the check sees what will really be reached (a name that resolves
 * to a private address, or changes its answer between two look-ups, is caught here).
 */
static curl_socket_t open_public_socket(void *arg, curlsocktype purpose,
					struct curl_sockaddr *address)
{
	struct public_check *check = arg;
	struct sockaddr_storage where;

	memset(&where, 0, sizeof(where));
	memcpy(&where, &address->addr,
	       address->addrlen < sizeof(where) ? address->addrlen : sizeof(where));
	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !webclient_address_public((const struct sockaddr *)&where, check->allow_loopback)) {
		check->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

void webclient_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * What every request sets: the method, the address, the header lines and the body, over HTTP
 * or HTTPS only. Returns the header list the handle now points at; the caller frees it after
 * the transfer.
 */
static struct curl_slist *request_setup(CURL *curl, const char *method, const char *url,
					const char *const *lines, const char *body, size_t body_len)
{
	struct curl_slist *headers = NULL;

	for (const char *const *h = lines; h && *h; h++)
		headers = curl_slist_append(headers, *h);
	/* An empty Expect header stops curl waiting a second for "100 Continue". */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	return headers;
}

int webclient_fetch(struct arena *a, const struct webclient_request *req,
		    struct webclient_response *resp)
{
	struct http_sink sink = { BUF_INIT, req->max_response ? req->max_response : 4u << 20, 0 };
	struct curl_slist *headers = NULL;
	long timeout = req->timeout_ms ? req->timeout_ms : conf_int("HTTP_TIMEOUT_MS");
	struct public_check check = { .allow_loopback = conf_bool("WEBCLIENT_ALLOW_LOOPBACK") };
	int rc = -1;

	memset(resp, 0, sizeof(*resp));
	CURL *curl = curl_easy_init();
	if (!curl) {
		snprintf(resp->error, sizeof(resp->error), "could not start an HTTP request");
		goto out;
	}
	headers = request_setup(curl, req->method, req->url, req->headers, req->body, req->body_len);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	if (req->userpwd) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERPWD, req->userpwd);
	}
	if (req->unix_socket)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, req->unix_socket);
	if (req->public_only) {
		curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_public_socket);
		curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &check);
		/* A proxy would be the address checked, not the server behind it. */
		curl_easy_setopt(curl, CURLOPT_PROXY, "");
	}
	CURLcode res = curl_easy_perform(curl);
	double seconds = 0;
	curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
	resp->elapsed_ms = (long)(seconds * 1000);
	if (res != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error), "%s",
			 sink.too_big ? "answer too large"
			 : check.refused ? "the address is not a public one"
			 : curl_easy_strerror(res));
		log_warn("could not %s %s: %s", req->method, req->url, resp->error);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	resp->content_type = arena_strdup(a, type);
	rc = 0;
out:
	resp->body = arena_strndup(a, buf_str(&sink.body), sink.body.len);
	resp->body_len = sink.body.len;
	buf_release(&sink.body);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	return rc;
}

/*
 * A thread that streams with keep_connection keeps one easy handle and one multi handle for
 * all its requests, so the server's connection (TLS included) stays open from one to the next.
 */
struct thread_handles {
	CURL *easy;
	CURLM *multi;
};

static pthread_key_t handles_key;
static pthread_once_t handles_key_once = PTHREAD_ONCE_INIT;

static void thread_handles_free(void *p)
{
	struct thread_handles *th = p;

	if (th->multi)
		curl_multi_cleanup(th->multi);
	if (th->easy)
		curl_easy_cleanup(th->easy);
	free(th);
}

static void handles_key_setup(void)
{
	pthread_key_create(&handles_key, thread_handles_free);
}

static struct thread_handles *thread_handles(void)
{
	pthread_once(&handles_key_once, handles_key_setup);
	struct thread_handles *th = pthread_getspecific(handles_key);
	if (th)
		return th;
	th = xcalloc(1, sizeof(*th));
	th->easy = curl_easy_init();
	th->multi = curl_multi_init();
	if (!th->easy || !th->multi) {
		thread_handles_free(th);
		return NULL;
	}
	pthread_setspecific(handles_key, th);
	return th;
}

struct stream_sink {
	CURL *curl;
	const struct webclient_stream_request *req;
	struct webclient_stream_result *res;
	struct timespec last_data;
};

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static size_t stream_write(char *data, size_t size, size_t count, void *arg)
{
	struct stream_sink *sink = arg;
	size_t n = size * count;
	char *type = NULL;

	clock_gettime(CLOCK_MONOTONIC, &sink->last_data);
	curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &sink->res->status);
	curl_easy_getinfo(sink->curl, CURLINFO_CONTENT_TYPE, &type);
	if (sink->req->on_body(sink->req->arg, sink->res->status, type, data, n) < 0) {
		sink->res->stopped = 1;
		return 0;  /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return n;
}

/* The multi interface lets the wait for each piece of the answer be timed to the millisecond. */
static CURLcode stream_on_multi(CURLM *multi, struct stream_sink *sink, long idle_ms)
{
	const int *cancel = sink->req->cancel;
	long poll_ms = idle_ms > 0 || cancel ? WEBCLIENT_POLL_MS : 1000;

	CURLcode result = CURLE_OK;

	clock_gettime(CLOCK_MONOTONIC, &sink->last_data);
	if (curl_multi_add_handle(multi, sink->curl) != CURLM_OK)
		return CURLE_FAILED_INIT;
	for (;;) {
		int running = 0, left;

		if (curl_multi_perform(multi, &running) != CURLM_OK) {
			result = CURLE_RECV_ERROR;
			break;
		}
		CURLMsg *msg = curl_multi_info_read(multi, &left);
		if (msg && msg->msg == CURLMSG_DONE) {
			result = msg->data.result;
			break;
		}
		if (idle_ms > 0 && ms_since(&sink->last_data) > idle_ms) {
			sink->res->idle = 1;
			break;
		}
		/* A request nobody waits for any more: its connection is closed with the handle,
		 * so the server sees it abandoned. */
		if (cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE)) {
			sink->res->stopped = 1;
			break;
		}
		curl_multi_poll(multi, NULL, 0, poll_ms, NULL);
	}
	curl_multi_remove_handle(multi, sink->curl);
	return result;
}

int webclient_stream(const struct webclient_stream_request *req,
		     struct webclient_stream_result *res)
{
	struct stream_sink sink = { .req = req, .res = res };
	struct thread_handles *th = NULL;
	struct curl_slist *headers = NULL;
	CURLM *multi = NULL;
	long connect_ms = req->connect_timeout_ms ? req->connect_timeout_ms : req->timeout_ms;
	CURLcode result;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (req->keep_connection) {
		th = thread_handles();
		if (th) {
			sink.curl = th->easy;
			multi = th->multi;
			/* A reset keeps the handle's open connections and forgets the options. */
			curl_easy_reset(sink.curl);
		}
	} else {
		sink.curl = curl_easy_init();
		if (sink.curl && (req->idle_timeout_ms > 0 || req->cancel))
			multi = curl_multi_init();
	}
	if (!sink.curl || ((req->idle_timeout_ms > 0 || req->cancel) && !multi)) {
		snprintf(res->error, sizeof(res->error), "could not start an HTTP request");
		goto out;
	}
	headers = request_setup(sink.curl, req->method, req->url, req->headers, req->body,
				req->body_len);
	if (req->timeout_ms > 0)
		curl_easy_setopt(sink.curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (connect_ms > 0)
		curl_easy_setopt(sink.curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	/* Small writes go out at once: a streamed answer is waited on piece by piece. */
	curl_easy_setopt(sink.curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(sink.curl, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(sink.curl, CURLOPT_WRITEDATA, &sink);
	if (multi)
		result = stream_on_multi(multi, &sink, req->idle_timeout_ms);
	else
		result = curl_easy_perform(sink.curl);
	curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &res->status);
	res->timed_out = result == CURLE_OPERATION_TIMEDOUT;
	if (res->idle)
		snprintf(res->error, sizeof(res->error), "nothing came for %ld ms",
			 req->idle_timeout_ms);
	else if (res->stopped)
		snprintf(res->error, sizeof(res->error), "the reader stopped the transfer");
	else if (result != CURLE_OK)
		snprintf(res->error, sizeof(res->error), "%s", curl_easy_strerror(result));
	else
		rc = 0;
out:
	curl_slist_free_all(headers);
	if (!th) {
		if (multi)
			curl_multi_cleanup(multi);
		if (sink.curl)
			curl_easy_cleanup(sink.curl);
	}
	return rc;
}

char *webclient_escape(struct arena *a, const char *s)
{
	/* Since curl 7.82 the handle argument is unused and may be NULL. */
	char *escaped = curl_easy_escape(NULL, s, 0);

	if (!escaped)
		return NULL;
	char *out = arena_strdup(a, escaped);
	curl_free(escaped);
	return out;
}

int webclient_created(struct arena *a, const struct webclient_response *resp,
		      const char *id_field, const char **id, const char **status, char *why,
		      size_t why_len)
{
	json_t *created = json_parse(a, resp->body, resp->body_len, why, why_len);
	const char *found = json_is_object(created) ? json_str(created, id_field) : NULL;
	const char *said = json_is_object(created) ? json_str(created, "status") : NULL;

	if (!found || !*found || strlen(found) > 128)
		return -1;
	*id = arena_strdup(a, found);
	*status = said ? arena_strdup(a, said) : "";
	return 0;
}
