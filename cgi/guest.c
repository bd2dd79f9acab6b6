/* guest.c: the signed-out forms' CSRF token, same-site check, known-device cookie and the
 * signed state between a right password and its second factor */
#include "guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/log.h"
#include "infra/tpl.h"
#include "page.h"
#include "req.h"
#include "session.h"

/* A form token: 32 random bytes as hex. */
#define FORM_TOKEN_BYTES 32
/* How long a browser stays a known device after its last sign-in. */
#define DEVICE_DAYS 365
/* Signing input is prefixed so a device cookie's MAC can never pass for anything else's. */
#define DEVICE_MAC_CONTEXT "switchboard known device v1\n"
/* The same for the state between a right password and its second factor. */
#define PENDING_MAC_CONTEXT "switchboard two-factor pending v1\n"
/* How long the second step of a sign-in may take. */
#define PENDING_SECONDS 300

static bool is_hex(const char *s, size_t len)
{
	if (!s || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

const char *guest_form_token(struct req *r)
{
	const char *have = req_cookie(r, GUEST_FORM_COOKIE);

	if (is_hex(have, FORM_TOKEN_BYTES * 2))
		return have;
	const char *token = crypto_token_hex(r->arena, FORM_TOKEN_BYTES);
	if (!token) {
		log_error("could not make a form token");
		return NULL;
	}
	/* No Max-Age: the token lives as long as the browser session that shows the form. */
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s",
				 GUEST_FORM_COOKIE, token, session_over_tls(r) ? "; Secure" : ""));
	return token;
}

void guest_form_show(struct req *r, struct tpl_dict *d, int status, const char *unavailable,
		     const char *title, const char *tpl)
{
	const char *token = guest_form_token(r);

	if (!token) {
		http_fail(r, 503, unavailable);
		return;
	}
	tpl_set(d, "CSRF", token);
	page_render(r, status, title, NAV_NONE, tpl, d);
}

void guest_link_refuse(struct req *r, struct tpl_dict *d, int status, const char *heading,
		       const char *message, const char *tpl)
{
	struct tpl_dict *problem = tpl_section(d, "PROBLEM");

	tpl_set(problem, "HEADING", heading);
	tpl_set(problem, "MESSAGE", message);
	page_render(r, status, heading, NAV_NONE, tpl, d);
}

/* An Origin header names this site when it is our public address or the host the browser used. */
static bool origin_is_ours(struct req *r, const char *origin)
{
	const char *host = req_env(r, "HTTP_HOST");
	const char *rest = !strncmp(origin, "https://", 8) ? origin + 8 :
			   !strncmp(origin, "http://", 7) ? origin + 7 : NULL;

	if (rest && host && *host && !strcasecmp(rest, host))
		return true;
	const char *base = conf_str("PUBLIC_BASE_URL");
	size_t n = strlen(origin);
	return n > 0 && !strncasecmp(base, origin, n) && (base[n] == '\0' || base[n] == '/');
}

int guest_check_form(struct req *r)
{
	const char *site = req_env(r, "HTTP_SEC_FETCH_SITE");
	const char *origin = req_env(r, "HTTP_ORIGIN");

	/* Browsers that send these say where the form came from; a page elsewhere is refused. */
	if ((site && !strcasecmp(site, "cross-site")) || (origin && !origin_is_ours(r, origin))) {
		http_fail(r, 403, "this form was sent from another site; open Switchboard and try "
				  "again");
		return -1;
	}
	const char *cookie = req_cookie(r, GUEST_FORM_COOKIE);
	const char *sent = req_form(r, "csrf");
	if (!is_hex(cookie, FORM_TOKEN_BYTES * 2) || !sent || !crypto_equal(sent, cookie)) {
		http_fail(r, 403, "this form has expired; reload the page and try again");
		return -1;
	}
	return 0;
}

/* HMAC-SHA256 of context and payload under SESSION_SECRET, as hex (arena), or NULL. */
static const char *guest_mac(struct req *r, const char *context, const char *payload)
{
	const char *secret = conf_str("SESSION_SECRET");
	const char *input = arena_printf(r->arena, "%s%s", context, payload);
	unsigned char mac[32];

	if (!*secret || crypto_hmac_sha256(secret, strlen(secret), input, strlen(input), mac) < 0)
		return NULL;
	return crypto_hex(r->arena, mac, sizeof(mac));
}

/* HMAC of a device cookie's "<user>.<issued>.<nonce>" (arena), or NULL. */
static const char *device_mac(struct req *r, const char *payload)
{
	return guest_mac(r, DEVICE_MAC_CONTEXT, payload);
}

const char *guest_known_device(struct req *r, const char *user_id)
{
	const char *cookie = req_cookie(r, GUEST_DEVICE_COOKIE);
	char user[64], nonce[64], mac[80];
	long issued;

	/* "<user id>.<issued, unix seconds>.<nonce hex>.<mac hex>" */
	if (!cookie || strlen(cookie) > 256 ||
	    sscanf(cookie, "%63[0-9a-fA-F-].%ld.%63[0-9a-f].%79[0-9a-f]", user, &issued, nonce,
		   mac) != 4)
		return NULL;
	const char *want = device_mac(r, arena_printf(r->arena, "%s.%ld.%s", user, issued, nonce));
	if (!want || !crypto_equal(want, mac) || strcasecmp(user, user_id))
		return NULL;
	long now = (long)time(NULL);
	if (issued > now + 300 || now - issued > DEVICE_DAYS * 86400L)
		return NULL;
	return arena_strdup(r->arena, nonce);
}

int guest_remember_device(struct req *r, const char *user_id)
{
	const char *nonce = crypto_token_hex(r->arena, 16);
	const char *payload = nonce ?
		arena_printf(r->arena, "%s.%ld.%s", user_id, (long)time(NULL), nonce) : NULL;
	const char *mac = payload ? device_mac(r, payload) : NULL;

	if (!mac) {
		log_error("could not sign a known-device cookie");
		return -1;
	}
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=%s.%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
				 GUEST_DEVICE_COOKIE, payload, mac, DEVICE_DAYS * 86400L,
				 session_over_tls(r) ? "; Secure" : ""));
	return 0;
}

const char *guest_address(struct req *r)
{
	const char *address = req_env(r, "REMOTE_ADDR");
	return address && *address ? address : "unknown";
}

int guest_pending_start(struct req *r, const char *user_id, const char *org_id,
			long session_version)
{
	const char *payload = arena_printf(r->arena, "%s.%s.%ld.%ld", user_id, org_id,
					   session_version, (long)time(NULL) + PENDING_SECONDS);
	const char *mac = guest_mac(r, PENDING_MAC_CONTEXT, payload);

	if (!mac) {
		log_error("could not sign a two-factor pending state");
		return -1;
	}
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=%s.%s; Path=/login; Max-Age=%d; HttpOnly; "
				 "SameSite=Lax%s", GUEST_PENDING_COOKIE, payload, mac,
				 PENDING_SECONDS, session_over_tls(r) ? "; Secure" : ""));
	return 0;
}

int guest_pending_read(struct req *r, const char **user_id, const char **org_id,
		       long *session_version)
{
	const char *cookie = req_cookie(r, GUEST_PENDING_COOKIE);
	char user[40], org[40], mac[80];
	long version, expires;

	/* "<user id>.<org id>.<session version>.<expires, unix seconds>.<mac hex>" */
	if (!cookie || strlen(cookie) > 256 ||
	    sscanf(cookie, "%36[0-9a-f-].%36[0-9a-f-].%ld.%ld.%79[0-9a-f]", user, org, &version,
		   &expires, mac) != 5)
		return -1;
	const char *want = guest_mac(r, PENDING_MAC_CONTEXT, arena_printf(r->arena,
				     "%s.%s.%ld.%ld", user, org, version, expires));
	if (!want || !crypto_equal(want, mac) || expires < (long)time(NULL))
		return -1;
	*user_id = arena_strdup(r->arena, user);
	*org_id = arena_strdup(r->arena, org);
	*session_version = version;
	return 0;
}

void guest_pending_clear(struct req *r)
{
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=; Path=/login; Max-Age=0; HttpOnly; SameSite=Lax%s",
				 GUEST_PENDING_COOKIE, session_over_tls(r) ? "; Secure" : ""));
}
