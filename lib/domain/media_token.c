/* media_token.c: HMAC-signed tokens carried from the voice webhook's TwiML to the voice worker */
#include "domain/media_token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/log.h"

/* Longer tokens are refused unread: two UUIDs, a time and a 64-digit mac fit well within. */
#define MEDIA_TOKEN_MAX 256
#define MEDIA_SECRET_MIN 32

/* The secret, or NULL when it is unusable. Separate from SESSION_SECRET: a leak of one
 * forges neither sessions from media tokens nor the other way round. */
static const char *media_secret(void)
{
	const char *secret = conf_str("MEDIA_TOKEN_SECRET");

	return strlen(secret) >= MEDIA_SECRET_MIN ? secret : NULL;
}

static const char *kind_name(enum media_token_kind kind)
{
	return kind == MEDIA_TOKEN_BROWSER ? "browser" : "stream";
}

/* The hex mac of the token's body and kind; the prefix keeps these macs apart from any other
 * use, and the kind makes a token of one kind a forgery as the other. */
static char *media_mac(struct arena *a, const char *secret, enum media_token_kind kind,
		       const char *body, size_t len)
{
	unsigned char mac[32];
	char *text = arena_printf(a, "switchboard-media-v2\n%s\n%.*s", kind_name(kind), (int)len,
				  body);

	if (crypto_hmac_sha256(secret, strlen(secret), text, strlen(text), mac) < 0)
		return NULL;
	return crypto_hex(a, mac, sizeof(mac));
}

static bool id_fits(const char *id)
{
	return id && *id && !strchr(id, '.') && strlen(id) <= 64;
}

char *media_token_make(struct arena *a, enum media_token_kind kind, const char *call_id,
		       const char *org_id, time_t expires)
{
	const char *secret = media_secret();

	if (!secret) {
		log_error("could not make a media token: MEDIA_TOKEN_SECRET is missing or shorter "
			  "than %d characters", MEDIA_SECRET_MIN);
		return NULL;
	}
	if (!id_fits(call_id) || !id_fits(org_id) || expires <= 0) {
		log_error("could not make a media token: unfit call or organization id");
		return NULL;
	}
	char *body = arena_printf(a, "%s.%s.%lld", call_id, org_id, (long long)expires);
	char *mac = media_mac(a, secret, kind, body, strlen(body));
	if (!mac) {
		log_error("could not make a media token: HMAC failed");
		return NULL;
	}
	return arena_printf(a, "%s.%s", body, mac);
}

int media_token_check(struct arena *a, enum media_token_kind kind, const char *token, time_t now,
		      const char **call_id, const char **org_id)
{
	const char *secret = media_secret();

	if (!secret || !token || strlen(token) > MEDIA_TOKEN_MAX)
		return -1;
	const char *dot1 = strchr(token, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	const char *dot3 = dot2 ? strchr(dot2 + 1, '.') : NULL;
	if (!dot3 || dot1 == token || dot2 == dot1 + 1 || strchr(dot3 + 1, '.'))
		return -1;
	const char *mac = media_mac(a, secret, kind, token, (size_t)(dot3 - token));
	if (!mac || !crypto_equal(mac, dot3 + 1))
		return -1;
	/* Only now, with the mac proven ours, is the expiry worth reading. */
	char *end;
	long long expires = strtoll(dot2 + 1, &end, 10);
	if (end != dot3 || expires <= 0 || (long long)now >= expires)
		return -1;
	*call_id = arena_strndup(a, token, (size_t)(dot1 - token));
	*org_id = arena_strndup(a, dot1 + 1, (size_t)(dot2 - dot1 - 1));
	return 0;
}

char *media_stream_url(struct arena *a, const char *base)
{
	const char *scheme = "";
	size_t len;

	if (!strncmp(base, "https://", 8)) {
		scheme = "wss://";
		base += 8;
	} else if (!strncmp(base, "http://", 7)) {
		scheme = "ws://";
		base += 7;
	}
	len = strlen(base);
	while (len && base[len - 1] == '/')
		len--;
	return arena_printf(a, "%s%.*s/media/", scheme, (int)len, base);
}
