/* smtp.h: handing one message to a mail relay over SMTP (libcurl), with STARTTLS and AUTH */
#ifndef SB_SMTP_H
#define SB_SMTP_H

#include <stdbool.h>
#include <stddef.h>

/* One delivery to the relay. Strings are borrowed for the call. */
struct smtp_request {
	const char *url;            /* smtp://host:587 (STARTTLS required) or smtps://host:465 */
	const char *user;           /* NULL or "": no AUTH */
	const char *password;
	const char *ca_file;        /* NULL or "": the system's certificate authorities */
	const char *envelope_from;  /* MAIL FROM address, no brackets */
	const char *rcpt;           /* RCPT TO address, no brackets */
	const char *message;        /* the whole message, CRLF line ends (mime_build) */
	long connect_timeout_ms;
	long timeout_ms;            /* the whole exchange */
	long response_timeout_ms;   /* each reply of the server */
};

/* What the relay made of it. */
struct smtp_result {
	long reply;         /* the last SMTP reply code (0: none, the connection failed) */
	bool retryable;     /* a 4xx reply, a timeout or a lost connection: trying later can help */
	char message[256];  /* why it failed, for logs and pages ("" when sent) */
};

/*
 * Send req->message to req->rcpt through the relay at req->url. A plain smtp:// relay must
 * offer STARTTLS (CURLUSESSL_ALL), the certificate is always verified, and AUTH is used when
 * req->user is set. Returns 0 when the relay accepted the message (250 after DATA), or -1 with
 * out filled: retryable on 4xx, timeouts and connection errors, not on 5xx, a refused TLS or
 * login, or bad input.
 */
int smtp_send(const struct smtp_request *req, struct smtp_result *out);

#endif
