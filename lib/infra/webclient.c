/* webclient.c: outgoing HTTP requests over libcurl, with time and size limits */
#include "infra/webclient.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
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
	CURLcode res = curl_easy_perform(curl);
	double seconds = 0;
	curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
	resp->elapsed_ms = (long)(seconds * 1000);
	if (res != CURLE_OK) {
		snprintf(resp->error, sizeof(resp->error), "%s",
			 sink.too_big ? "answer too large" : curl_easy_strerror(res));
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
		curl_multi_poll(multi, NULL, 0, idle_ms > 0 ? WEBCLIENT_POLL_MS : 1000, NULL);
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
		if (sink.curl && req->idle_timeout_ms > 0)
			multi = curl_multi_init();
	}
	if (!sink.curl || (req->idle_timeout_ms > 0 && !multi)) {
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
