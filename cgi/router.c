/* router.c: find the route, enforce its flags once, run the handler, settle the transaction */
#include "router.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"
#include "page.h"
#include "req.h"
#include "session.h"
#include "domain/phone_lines.h"
#include "provider/twilio.h"

/* A ":token" segment: 64 lowercase hex digits, the form crypto_token_hex(a, 32) makes. */
static bool looks_like_token(const char *s, size_t len)
{
	return len == 64 && strspn(s, "0123456789abcdef") >= len;
}

/*
 * Match path against pattern segment by segment. A ":id" segment matches a UUID only and a
 * ":token" segment a 64-hex-digit token only, so a malformed one is "not found" before any
 * query can choke on it. Either is returned in *id.
 */
static bool route_matches(struct req *r, const char *pattern, const char *path, const char **id)
{
	*id = NULL;
	while (*pattern && *path) {
		if (*pattern != '/' || *path != '/')
			return false;
		pattern++;
		path++;
		size_t plen = strcspn(pattern, "/"), len = strcspn(path, "/");
		if (!strncmp(pattern, ":id", 3) && plen == 3) {
			if (!text_is_uuid_n(path, len))
				return false;
			*id = arena_strndup(r->arena, path, len);
		} else if (!strncmp(pattern, ":token", 6) && plen == 6) {
			if (!looks_like_token(path, len))
				return false;
			*id = arena_strndup(r->arena, path, len);
		} else if (plen != len || strncmp(pattern, path, len)) {
			return false;
		}
		pattern += plen;
		path += len;
	}
	return !*pattern && !*path;
}

static bool media_type_is(const char *content_type, const char *type)
{
	size_t len = strlen(type);
	return content_type && !strncasecmp(content_type, type, len) &&
	       (content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ');
}

/* Read the body whole into the arena. Oversized bodies are refused before they are read. */
static int route_read_body(struct req *r)
{
	const char *length = req_env(r, "CONTENT_LENGTH");
	char *end;
	long limit = conf_int("BODY_LIMIT");

	r->body = "";
	r->body_len = 0;
	if (!length || !*length)
		return 0;
	long n = strtol(length, &end, 10);
	if (*end || n < 0) {
		http_fail(r, 400, "the Content-Length header is not a number");
		return -1;
	}
	if (n > limit) {
		http_fail(r, 413, arena_printf(r->arena, "the request body is larger than %ld bytes", limit));
		return -1;
	}
	char *body = arena_alloc(r->arena, (size_t)n + 1);
	int got = n ? FCGX_GetStr(body, (int)n, r->fcgi->in) : 0;
	if (got != n) {
		http_fail(r, 400, "the request body ended early");
		return -1;
	}
	body[n] = '\0';
	r->body = body;
	r->body_len = (size_t)n;
	return 0;
}

static int route_parse_body(struct req *r, int flags)
{
	if (flags & R_FORM) {
		if (!media_type_is(r->content_type, "application/x-www-form-urlencoded")) {
			http_fail(r, 415, "send the form as application/x-www-form-urlencoded");
			return -1;
		}
		if (memchr(r->body, '\0', r->body_len)) {
			http_fail(r, 400, "the form is malformed");
			return -1;
		}
		r->nform = params_parse(r->arena, r->body, r->body_len, &r->form_params);
		if (r->nform < 0) {
			r->nform = 0;
			http_fail(r, 400, "the form is malformed: a %-escape is broken");
			return -1;
		}
	}
	if (flags & R_JSON) {
		char why[200];
		if (!media_type_is(r->content_type, "application/json")) {
			http_fail(r, 415, "send the body as application/json");
			return -1;
		}
		r->json = json_parse(r->arena, r->body, r->body_len, why, sizeof(why));
		if (!r->json) {
			http_fail(r, 400, arena_printf(r->arena, "the JSON body is malformed: %s", why));
			return -1;
		}
	}
	return 0;
}

/* Twilio's forms carry about 30 fields; anything this large is not Twilio's. */
#define TWILIO_BODY_LIMIT 65536
#define TWILIO_FORM_FIELDS 200
/* No page's form comes near this; a body of a million "a&" would take far longer to parse. */
#define FORM_FIELDS 1000

/*
 * Before a Twilio webhook's body is read: a request without a signature is refused at once,
 * and so is a body larger than Twilio ever sends, so a stranger's megabyte is never parsed.
 */
static int route_precheck_twilio(struct req *r)
{
	const char *signature = req_env(r, "HTTP_X_TWILIO_SIGNATURE");
	const char *length = req_env(r, "CONTENT_LENGTH");

	if (!signature || !*signature) {
		http_fail(r, 403, "the request is not signed by Twilio");
		return -1;
	}
	if (length && strtol(length, NULL, 10) > TWILIO_BODY_LIMIT) {
		http_fail(r, 413, arena_printf(r->arena, "the request body is larger than %d bytes",
					       TWILIO_BODY_LIMIT));
		return -1;
	}
	return 0;
}

/* Before a form is parsed: count its fields, which costs one pass and no memory. */
static int route_count_fields(struct req *r, int flags)
{
	int limit = (flags & R_SIG_TWILIO) ? TWILIO_FORM_FIELDS : FORM_FIELDS, fields = 1;

	if (!(flags & R_FORM))
		return 0;
	for (const char *p = memchr(r->body, '&', r->body_len); p && fields <= limit;
	     p = memchr(p + 1, '&', r->body_len - (size_t)(p + 1 - r->body)))
		fields++;
	if (fields > limit) {
		http_fail(r, 413,
			  arena_printf(r->arena, "the form has more than %d fields", limit));
		return -1;
	}
	return 0;
}

/*
 * Twilio signs the URL as it called it: nginx's address rebuilt from PUBLIC_BASE_URL and the
 * request URI, which nginx passes unchanged. The key is the auth token of the account that holds
 * the business's number (the called one, or the caller for a call we placed): the business's
 * own account when it connected one, else the server's. Without a token nothing is accepted.
 */
static int route_check_twilio(struct req *r, int flags)
{
	const char *signature = req_env(r, "HTTP_X_TWILIO_SIGNATURE");
	const char *url = arena_printf(r->arena, "%s%s", conf_str("PUBLIC_BASE_URL"), r->uri);
	const char *direction = req_form(r, "Direction");
	bool outbound = direction && !strncmp(direction, "outbound", 8);
	struct twilio_account accounts[2];
	bool ok = false;
	int n = 1;

	struct phone_line_owner owner;

	if (flags & R_FORM) {
		n = phone_line_webhook_accounts(r->db, r->arena,
						req_form(r, outbound ? "From" : "To"),
						req_form(r, "CallSid"), accounts, &owner);
		r->twilio_org_id = owner.org_id;
		r->twilio_number_id = owner.phone_number_id;
		r->twilio_line_known = n >= 0;
	} else
		twilio_account_server(&accounts[0]);
	if (n < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return -1;
	}
	for (int i = 0; i < n && !ok; i++) {
		const char *token = accounts[i].token;
		if (flags & R_FORM)
			ok = twilio_signature_ok(token, url, r->form_params, r->nform, signature);
		else
			ok = twilio_body_signature_ok(token, url, r->body, r->body_len, signature);
	}
	if (!*accounts[0].token)
		log_warn("a Twilio request was refused: no auth token for its account");
	if (!ok) {
		http_fail(r, 403, "the request is not signed by Twilio");
		return -1;
	}
	return 0;
}

/* After the handler: keep its work only when it succeeded. */
static void route_settle_transaction(struct req *r)
{
	if (!db_in_transaction(r->db))
		return;
	if (r->failed || r->status >= 400) {
		db_rollback(r->db);
		return;
	}
	if (db_commit(r->db) < 0)
		http_fail(r, 503, "the change could not be saved; please try again");
}

void router_dispatch(struct req *r)
{
	const struct route *match = NULL;
	const char *id = NULL;
	char allow[64] = "";
	const char *method = strcmp(r->method, "HEAD") ? r->method : "GET";

	for (const struct route *rt = routes; rt->method; rt++) {
		const char *rid;
		if (!route_matches(r, rt->pattern, r->path, &rid))
			continue;
		if (!strcmp(rt->method, method)) {
			match = rt;
			id = rid;
			break;
		}
		if (!strstr(allow, rt->method) && strlen(allow) + strlen(rt->method) + 3 < sizeof(allow)) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, rt->method);
		}
	}
	if (!match) {
		if (*allow) {
			http_fail(r, 405, "this address does not accept that method");
			http_header(r, "Allow", allow);
		} else {
			http_fail(r, 404, "there is no page at this address");
		}
		return;
	}
	r->route = match;
	r->path_id = id;

	if ((match->flags & R_SIG_TWILIO) && route_precheck_twilio(r) < 0)
		return;
	if (route_read_body(r) < 0 || route_count_fields(r, match->flags) < 0 ||
	    route_parse_body(r, match->flags) < 0)
		return;
	if ((match->flags & R_SIG_TWILIO) && route_check_twilio(r, match->flags) < 0)
		return;
	if ((match->flags & R_GUEST) && session_redirect_signed_in(r))
		return;
	if ((match->flags & R_AUTH) && session_require(r) < 0)
		return;
	if ((match->flags & R_CSRF) && session_check_csrf(r) < 0)
		goto out;
	if ((match->flags & R_ADMIN) && session_require_admin(r) < 0)
		goto out;
	match->handler(r);
out:
	route_settle_transaction(r);
}
