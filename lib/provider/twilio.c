/* twilio.c: Twilio's request signature, checked the way Twilio's own libraries check it */
#include "provider/twilio.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/params.h"

static int param_compare(const void *x, const void *y)
{
	const struct param *a = x, *b = y;
	int by_name = strcmp(a->name, b->name);

	return by_name ? by_name : strcmp(a->value, b->value);
}

/*
 * The two spellings of url Twilio may have signed: with the port stripped, and with the
 * scheme's default port written out (an explicit port is kept in that one). Arena-owned.
 */
static void url_port_forms(struct arena *a, const char *url, const char **without_port,
			   const char **with_port)
{
	const char *scheme_end = strstr(url, "://");

	*without_port = *with_port = url;
	if (!scheme_end)
		return;
	const char *authority = scheme_end + 3;
	size_t len = strcspn(authority, "/?#");
	const char *host = authority, *colon = NULL;

	for (size_t i = 0; i < len; i++)
		if (authority[i] == '@')
			host = authority + i + 1;
	/* The port's colon comes after the host, and after the brackets of an IPv6 literal. */
	for (const char *s = host; s < authority + len; s++) {
		if (*s == ']')
			colon = NULL;
		else if (*s == ':')
			colon = s;
	}
	const char *rest = authority + len;
	size_t digits = colon ? strspn(colon + 1, "0123456789") : 0;
	if (digits && colon + 1 + digits == rest) {
		*without_port = arena_printf(a, "%.*s%s", (int)(colon - url), url, rest);
		return;
	}
	bool secure = (scheme_end - url == 5 && !strncasecmp(url, "https", 5)) ||
		      (scheme_end - url == 3 && !strncasecmp(url, "wss", 3));
	*with_port = arena_printf(a, "%.*s:%s%s", (int)(rest - url), url, secure ? "443" : "80",
				  rest);
}

/* Base64 HMAC-SHA1 of url plus the sorted pairs, as Twilio computes it; arena-owned. */
static const char *signature_of(struct arena *a, const char *auth_token, const char *url,
				const struct param *sorted, int n)
{
	struct buf text = BUF_INIT;
	unsigned char mac[20];
	const char *result = NULL;

	buf_puts(&text, url);
	for (int i = 0; i < n; i++) {
		if (i > 0 && !param_compare(&sorted[i - 1], &sorted[i]))
			continue;
		buf_puts(&text, sorted[i].name);
		buf_puts(&text, sorted[i].value);
	}
	if (crypto_hmac_sha1(auth_token, strlen(auth_token), buf_str(&text), text.len, mac) == 0)
		result = crypto_base64(a, mac, sizeof(mac));
	buf_release(&text);
	return result;
}

static bool signature_matches(struct arena *a, const char *auth_token, const char *url,
			      const struct param *sorted, int n, const char *signature)
{
	const char *without_port, *with_port;

	url_port_forms(a, url, &without_port, &with_port);
	const char *first = signature_of(a, auth_token, without_port, sorted, n);
	const char *second = signature_of(a, auth_token, with_port, sorted, n);
	/* Both are compared, so the time taken does not tell which spelling was signed. */
	bool ok_first = first && crypto_equal(first, signature);
	bool ok_second = second && crypto_equal(second, signature);
	return ok_first || ok_second;
}

bool twilio_signature_ok(const char *auth_token, const char *url, const struct param *params,
			 int n, const char *signature)
{
	if (!auth_token || !*auth_token || !url || !signature || n < 0)
		return false;
	struct arena *a = arena_new();
	struct param *sorted = arena_alloc(a, (size_t)(n ? n : 1) * sizeof(*sorted));

	if (n)
		memcpy(sorted, params, (size_t)n * sizeof(*sorted));
	qsort(sorted, (size_t)n, sizeof(*sorted), param_compare);
	bool ok = signature_matches(a, auth_token, url, sorted, n, signature);
	arena_free(a);
	return ok;
}

/* The value of bodySHA256 in url's query string, arena-owned, or NULL when it has none. */
static const char *body_hash_param(struct arena *a, const char *url)
{
	const char *query = strchr(url, '?');

	for (const char *s = query; s && *s && *s != '#'; s = strchr(s, '&')) {
		s++;
		if (!strncmp(s, "bodySHA256=", 11))
			return arena_strndup(a, s + 11, strcspn(s + 11, "&#"));
	}
	return NULL;
}

bool twilio_body_signature_ok(const char *auth_token, const char *url, const char *body,
			      size_t body_len, const char *signature)
{
	if (!auth_token || !*auth_token || !url || !signature)
		return false;
	struct arena *a = arena_new();
	const char *claimed = body_hash_param(a, url);
	bool ok;

	if (claimed) {
		/* A body with a NUL in it is no JSON Twilio sent; the hash is of text. */
		const char *text = arena_strndup(a, body ? body : "", body_len);
		ok = strlen(text) == body_len && crypto_equal(crypto_sha256_hex(a, text), claimed);
	} else {
		ok = body_len == 0;
	}
	ok = signature_matches(a, auth_token, url, NULL, 0, signature) && ok;
	arena_free(a);
	return ok;
}
