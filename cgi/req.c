/* req.c: reading a FastCGI request and building its buffered answer */
#include "req.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/params.h"
#include "page.h"

const char *req_env(struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgi->envp);
}

static const char *params_find(const struct param *p, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return p[i].value;
	return NULL;
}

const char *req_query(struct req *r, const char *name)
{
	return params_find(r->query_params, r->nquery, name);
}

const char *req_form(struct req *r, const char *name)
{
	return params_find(r->form_params, r->nform, name);
}

const char *req_cookie(struct req *r, const char *name)
{
	const char *header = req_env(r, "HTTP_COOKIE");
	size_t len = strlen(name);

	for (const char *s = header; s && *s;) {
		s += strspn(s, " ;");
		if (!strncmp(s, name, len) && s[len] == '=') {
			const char *v = s + len + 1;
			return arena_strndup(r->arena, v, strcspn(v, ";"));
		}
		s = strchr(s, ';');
	}
	return NULL;
}

bool req_wants_json(struct req *r)
{
	const char *accept = req_env(r, "HTTP_ACCEPT");

	if (!strncmp(r->path, "/hooks/", 7) || !strncmp(r->path, "/api/", 5))
		return true;
	if (r->content_type && !strncmp(r->content_type, "application/json", 16))
		return true;
	return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

void http_header(struct req *r, const char *name, const char *value)
{
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

void http_send(struct req *r, int status, const char *content_type, const char *body, size_t len)
{
	r->status = status;
	r->out_type = content_type;
	buf_clear(&r->out);
	buf_add(&r->out, body, len);
}

void http_send_json(struct req *r, int status, json_t *value)
{
	const char *text = json_text(r->arena, value);
	http_send(r, status, "application/json", text, strlen(text));
}

void http_redirect(struct req *r, const char *location)
{
	r->status = 303;
	r->out_type = "text/html; charset=utf-8";
	http_header(r, "Location", location);
	buf_clear(&r->out);
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void http_fail(struct req *r, int status, const char *message)
{
	r->failed = true;
	r->status = status;
	/* Headers a handler set for the page it was building do not belong to the error. */
	buf_clear(&r->headers);
	buf_clear(&r->out);
	if (status >= 500)
		log_error("request failed: status=%d message=\"%s\"", status, message);
	else
		log_info("request refused: status=%d message=\"%s\"", status, message);
	if (req_wants_json(r)) {
		json_t *body = json_pack("{s:s, s:i}", "error", message, "status", status);
		http_send_json(r, status, body);
		json_decref(body);
		r->status = status;
		return;
	}
	page_render_error(r, status, message);
}
