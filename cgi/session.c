/* session.c: JWT session cookies (libjwt, HS256) checked against the user's session version */
#include "session.h"

#include <jwt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "page.h"
#include "req.h"

/* Under RLS the user's own organization is the only one visible, so no org filter is needed. */
static const char SQL_SESSION_USER[] =
	"SELECT u.email, u.role, u.session_version, o.name, u.email_verified_at IS NULL, "
	"       o.require_two_factor AND NOT EXISTS (SELECT 1 FROM two_factor t "
	"               WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) "
	"FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = $1";
/* Where a user the business requires two-factor sign-in of may still go: to turn it on. */
static const char *const ENROL_PATHS[] = { "/account", "/account/two-factor", "/logout", NULL };

struct session_claims {
	const char *user_id, *org_id, *csrf;
	long version;
};

static const char *session_secret(size_t *len)
{
	const char *secret = conf_str("SESSION_SECRET");
	*len = strlen(secret);
	return secret;
}

bool session_over_tls(struct req *r)
{
	const char *https = req_env(r, "HTTPS");
	return (https && !strcmp(https, "on")) || !strncmp(conf_str("PUBLIC_BASE_URL"), "https:", 6);
}

/* Verify the cookie's signature, algorithm and expiry; 0 with claims filled, else -1. */
static int session_decode(struct req *r, struct session_claims *c)
{
	const char *token = req_cookie(r, SESSION_COOKIE);
	size_t keylen;
	const char *key = session_secret(&keylen);
	jwt_t *jwt = NULL;
	int rc = -1;

	if (!token || !*token || strlen(token) > 4096)
		return -1;
	if (jwt_decode(&jwt, token, (const unsigned char *)key, (int)keylen) != 0)
		return -1;
	/* The token must have been signed the way we sign, not the way it says it was. */
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		goto out;
	long exp = jwt_get_grant_int(jwt, "exp");
	if (exp <= (long)time(NULL))
		goto out;
	c->user_id = arena_strdup(r->arena, jwt_get_grant(jwt, "sub"));
	c->org_id = arena_strdup(r->arena, jwt_get_grant(jwt, "org"));
	c->csrf = arena_strdup(r->arena, jwt_get_grant(jwt, "csrf"));
	c->version = jwt_get_grant_int(jwt, "sv");
	if (c->user_id && c->org_id && c->csrf)
		rc = 0;
out:
	jwt_free(jwt);
	return rc;
}

/* Open the request's transaction and load the user; 0, or -1 when the session is stale. */
static int session_load(struct req *r, const struct session_claims *c)
{
	if (db_begin_org(r->db, r->arena, c->org_id) < 0)
		return -2;
	struct db_result *res = db_q(r->db, r->arena, SQL_SESSION_USER, c->user_id);
	if (!res) {
		db_rollback(r->db);
		return -2;
	}
	const char *version = db_value(res, 0, 2);
	if (db_rows(res) != 1 || !version || strtol(version, NULL, 10) != c->version) {
		db_rollback(r->db);
		return -1;
	}
	r->user_id = c->user_id;
	r->org_id = c->org_id;
	r->csrf = c->csrf;
	r->user_email = db_value(res, 0, 0);
	r->user_role = db_value(res, 0, 1);
	r->org_name = db_value(res, 0, 3);
	r->email_unverified = !strcmp(db_value(res, 0, 4), "t");
	r->needs_two_factor = !strcmp(db_value(res, 0, 5), "t");
	return 0;
}

/*
 * The business requires two-factor sign-in and this user has none: every page but the ones
 * that turn it on sends them there. Returns 0 when the request may go on, else -1 (answered).
 */
static int session_enrol_first(struct req *r)
{
	if (!r->needs_two_factor)
		return 0;
	for (const char *const *p = ENROL_PATHS; *p; p++)
		if (!strcmp(r->path, *p))
			return 0;
	db_rollback(r->db);
	if (req_wants_json(r) || strcmp(r->method, "GET")) {
		http_fail(r, 403, "your business requires two-factor sign-in: turn it on under "
				  "Account first");
		return -1;
	}
	page_flash(r, "info", "Your business requires two-factor sign-in. Turn it on to go on.");
	http_redirect(r, "/account/two-factor");
	return -1;
}

int session_require(struct req *r)
{
	struct session_claims c;
	int rc = session_decode(r, &c) == 0 ? session_load(r, &c) : -1;

	if (rc == 0)
		return session_enrol_first(r);
	if (rc == -2) {
		http_fail(r, 503, "the database is not available; please try again");
		return -1;
	}
	if (req_wants_json(r)) {
		http_fail(r, 401, "sign in first");
		/* After http_fail, which starts the answer's headers afresh. */
		if (req_cookie(r, SESSION_COOKIE))
			session_clear_cookie(r);
		return -1;
	}
	if (req_cookie(r, SESSION_COOKIE))
		session_clear_cookie(r);
	/* Send the user back where they were going once they have signed in. */
	const char *next = strcmp(r->method, "GET") ? "/" : r->uri;
	struct buf location = BUF_INIT;
	buf_puts(&location, "/login?next=");
	for (const unsigned char *s = (const unsigned char *)next; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    *s == '/' || *s == '-' || *s == '_' || *s == '.')
			buf_putc(&location, (char)*s);
		else
			buf_printf(&location, "%%%02X", *s);
	}
	http_redirect(r, arena_strdup(r->arena, buf_str(&location)));
	buf_release(&location);
	return -1;
}

bool session_redirect_signed_in(struct req *r)
{
	struct session_claims c;

	if (session_decode(r, &c) < 0 || session_load(r, &c) < 0)
		return false;
	db_rollback(r->db);
	http_redirect(r, "/");
	return true;
}

int session_check_csrf(struct req *r)
{
	const char *sent = req_form(r, "csrf");

	if (!sent || !r->csrf || !crypto_equal(sent, r->csrf)) {
		http_fail(r, 403, "this form has expired; reload the page and try again");
		return -1;
	}
	return 0;
}

int session_require_admin(struct req *r)
{
	if (r->user_role && (!strcmp(r->user_role, "owner") || !strcmp(r->user_role, "admin")))
		return 0;
	http_fail(r, 403, "only the business's owner or an admin can do this");
	return -1;
}

int session_start(struct req *r, const char *user_id, const char *org_id, long session_version)
{
	size_t keylen;
	const char *key = session_secret(&keylen);
	long hours = conf_int("SESSION_HOURS");
	jwt_t *jwt = NULL;
	char *token = NULL;
	int rc = -1;
	const char *csrf = crypto_token_hex(r->arena, 16);

	if (!csrf || jwt_new(&jwt) != 0)
		goto out;
	if (jwt_add_grant(jwt, "sub", user_id) || jwt_add_grant(jwt, "org", org_id) ||
	    jwt_add_grant(jwt, "csrf", csrf) || jwt_add_grant_int(jwt, "sv", session_version) ||
	    jwt_add_grant_int(jwt, "iat", (long)time(NULL)) ||
	    jwt_add_grant_int(jwt, "exp", (long)time(NULL) + hours * 3600) ||
	    jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)key, (int)keylen))
		goto out;
	token = jwt_encode_str(jwt);
	if (!token)
		goto out;
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
				 SESSION_COOKIE, token, hours * 3600,
				 session_over_tls(r) ? "; Secure" : ""));
	r->csrf = csrf;
	rc = 0;
out:
	if (rc < 0)
		log_error("could not sign a session token");
	free(token);
	jwt_free(jwt);
	return rc;
}

void session_clear_cookie(struct req *r)
{
	http_header(r, "Set-Cookie",
		    arena_printf(r->arena, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax%s",
				 SESSION_COOKIE, session_over_tls(r) ? "; Secure" : ""));
}
