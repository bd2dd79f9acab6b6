/* webclient.c: outgoing HTTP requests over libcurl, with time and size limits */
#include "infra/webclient.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/log.h"

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
	for (const char *const *h = req->headers; h && *h; h++)
		headers = curl_slist_append(headers, *h);
	/* An empty Expect header stops curl waiting a second for "100 Continue". */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (req->body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
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
