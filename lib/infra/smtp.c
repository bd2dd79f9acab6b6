/* smtp.c: the only door to libcurl for mail: one message to the relay, TLS and AUTH required */
#include "infra/smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

/* libcurl reads the message from here, a piece at a time. */
struct reader {
	const char *data;
	size_t left;
};

static size_t read_message(char *out, size_t size, size_t count, void *arg)
{
	struct reader *r = arg;
	size_t n = size * count < r->left ? size * count : r->left;

	memcpy(out, r->data, n);
	r->data += n;
	r->left -= n;
	return n;
}

/* Whether a failure may pass if tried later: the relay said 4xx, or never answered. */
static bool transient(CURLcode rc, long reply)
{
	if (reply >= 400 && reply < 500)
		return true;
	if (reply >= 500)
		return false;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

int smtp_send(const struct smtp_request *req, struct smtp_result *out)
{
	memset(out, 0, sizeof(*out));
	if (!req->url || (strncmp(req->url, "smtp://", 7) && strncmp(req->url, "smtps://", 8)) ||
	    !req->envelope_from || !req->rcpt || !req->message) {
		snprintf(out->message, sizeof(out->message),
			 "the mail relay needs an smtp:// or smtps:// address, a sender and a "
			 "recipient");
		return -1;
	}
	CURL *curl = curl_easy_init();
	if (!curl) {
		out->retryable = true;
		snprintf(out->message, sizeof(out->message), "could not start an SMTP session");
		return -1;
	}
	char from[300], rcpt[300];
	snprintf(from, sizeof(from), "<%s>", req->envelope_from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", req->rcpt);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	struct reader r = { req->message, strlen(req->message) };
	char curl_error[CURL_ERROR_SIZE] = "";

	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	/* Never in clear text: a relay without STARTTLS is refused (CURLE_USE_SSL_FAILED). */
	curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file && *req->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
	if (req->user && *req->user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(curl, CURLOPT_READDATA, &r);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r.left);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (req->response_timeout_ms + 999) / 1000);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	curl_easy_setopt(curl, CURLOPT_PROXY, "");

	CURLcode rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->reply);
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(curl);
	if (rc == CURLE_OK)
		return 0;
	out->retryable = transient(rc, out->reply);
	if (out->reply)
		snprintf(out->message, sizeof(out->message), "the mail relay answered %ld: %s",
			 out->reply, *curl_error ? curl_error : curl_easy_strerror(rc));
	else
		snprintf(out->message, sizeof(out->message), "could not reach the mail relay: %s",
			 *curl_error ? curl_error : curl_easy_strerror(rc));
	return -1;
}
