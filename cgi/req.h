/* req.h: one FastCGI request: what came in, who asked, and the buffered answer */
#ifndef SB_REQ_H
#define SB_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "infra/buf.h"
#include "infra/params.h"

struct arena;
struct db;
struct route;
typedef struct FCGX_Request FCGX_Request;

struct req {
	FCGX_Request *fcgi;
	struct arena *arena;      /* everything below that is not a buf lives here */
	struct db *db;

	/* What came in */
	const char *method;
	const char *uri;          /* path and query as the client sent them */
	const char *path;         /* without the query string */
	const char *query;
	const char *content_type;
	const char *request_id;
	const char *body;
	size_t body_len;
	struct param *query_params, *form_params;
	int nquery, nform;
	json_t *json;             /* the parsed body of an R_JSON route */
	const struct route *route;
	const char *path_id;      /* the ":id" or ":token" segment, when the route has one */
	/* A signed Twilio form's business and line, found with the account that signs it; both
	 * NULL when the number is no verified line. twilio_line_known: the look-up was made. */
	const char *twilio_org_id;
	const char *twilio_number_id;
	bool twilio_line_known;

	/* Who asked (filled by the session layer for R_AUTH routes) */
	const char *org_id;
	const char *org_name;
	const char *user_id;
	const char *user_email;
	const char *user_role;
	const char *csrf;         /* the session's CSRF token */
	bool email_unverified;    /* the user has not opened the link that verifies their email */
	bool needs_two_factor;    /* the business requires two-factor sign-in; the user has none */

	/* The answer, buffered whole so an error can replace it */
	int status;
	struct buf headers;       /* extra "Name: value\r\n" lines */
	struct buf out;
	const char *out_type;
	bool failed;
};

/* A header the client sent, by CGI name ("HTTP_COOKIE", "CONTENT_LENGTH"), or NULL. */
const char *req_env(struct req *r, const char *name);

/* A decoded query-string or form parameter (the first of that name), or NULL. */
const char *req_query(struct req *r, const char *name);
const char *req_form(struct req *r, const char *name);

/* A cookie's value, or NULL. */
const char *req_cookie(struct req *r, const char *name);

/* True when the answer should be JSON (webhooks, API routes, clients that ask for it). */
bool req_wants_json(struct req *r);

#endif
