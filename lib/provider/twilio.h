/* twilio.h: checking that a request really comes from Twilio (X-Twilio-Signature) */
#ifndef SB_TWILIO_H
#define SB_TWILIO_H

#include <stdbool.h>
#include <stddef.h>

struct param;

/*
 * True when signature (the X-Twilio-Signature header) is Twilio's signature of a form request:
 * base64 HMAC-SHA1, keyed with auth_token, of url followed by every parameter's name and value,
 * sorted by name then value, identical pairs once. url must be the address exactly as Twilio
 * called it (scheme, public host, path, query). Twilio may have signed it with or without the
 * port: the form without any port and the form with the scheme's default port are both tried.
 * The comparison takes the same time wherever the signatures differ. An empty auth_token or a
 * NULL signature is never valid.
 */
bool twilio_signature_ok(const char *auth_token, const char *url, const struct param *params,
			 int n, const char *signature);

/*
 * The same for a request whose body is not a form (JSON, or a GET without one): Twilio signs
 * the URL alone, and a body is covered by the URL's bodySHA256 parameter, the lowercase hex
 * SHA-256 of the body, which must match. A body without that parameter is not signed: false.
 */
bool twilio_body_signature_ok(const char *auth_token, const char *url, const char *body,
			      size_t body_len, const char *signature);

#endif
