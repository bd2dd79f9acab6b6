/* fuzz_twilio_sig.c: the X-Twilio-Signature checks over any URL, form, body and signature */
/*
 * Input: the URL Twilio called, a newline, the signature header, a newline, then the body.
 * The body is decoded as a form (as the hook does) and checked with twilio_signature_ok, and
 * checked as a raw body with twilio_body_signature_ok. Proves that the URL's port and
 * bodySHA256 handling, the sorting of pairs and the comparison never read or write out of
 * bounds or hit undefined behaviour, whatever the bytes, and that each check answers the
 * same twice (no hidden state).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/params.h"
#include "provider/twilio.h"

#define TOKEN "12345"

/* The next newline-terminated field of [*p, end), as a malloc'd string. */
static char *field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	const uint8_t *stop = nl ? nl : end;
	char *s = strndup((const char *)*p, (size_t)(stop - *p));

	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *url = field(&p, end), *signature = field(&p, end);
	size_t body_len = (size_t)(end - p);
	/* An exact-size copy, so reading one byte past the body is caught. */
	char *body = malloc(body_len ? body_len : 1);
	struct arena *a = arena_new();
	struct param *params;

	memcpy(body, p, body_len);
	int n = params_parse(a, body, body_len, &params);
	if (n >= 0) {
		bool ok = twilio_signature_ok(TOKEN, url, params, n, signature);
		if (ok != twilio_signature_ok(TOKEN, url, params, n, signature))
			abort();
	}
	bool ok = twilio_body_signature_ok(TOKEN, url, body, body_len, signature);
	if (ok != twilio_body_signature_ok(TOKEN, url, body, body_len, signature))
		abort();
	arena_free(a);
	free(body);
	free(signature);
	free(url);
	return 0;
}
