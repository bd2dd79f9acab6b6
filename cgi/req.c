/* req.c: reading a FastCGI request and building its buffered answer */
#include "req.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/json.h"
#include "infra/log.h"
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

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one form component; -1 for a broken %-escape or an embedded NUL. */
static char *form_decode(struct arena *a, const char *s, size_t len)
{
	char *out = arena_alloc(a, len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= len)
				return NULL;
			int hi = hex_value(s[i + 1]);
			int lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int params_parse(struct arena *a, const char *text, size_t len, struct param **out)
{
	int count = 0, cap = 0;
	struct param *list = NULL;

	*out = NULL;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '&')
			end++;
		if (end > i) {
			const char *part = text + i;
			size_t plen = end - i;
			const char *eq = memchr(part, '=', plen);
			size_t nlen = eq ? (size_t)(eq - part) : plen;
			char *name = form_decode(a, part, nlen);
			char *value = eq ? form_decode(a, eq + 1, plen - nlen - 1) : arena_strdup(a, "");
			if (!name || !value)
				return -1;
			if (count == cap) {
				cap = cap ? cap * 2 : 16;
				struct param *grown = arena_alloc(a, (size_t)cap * sizeof(*grown));
				if (count)
					memcpy(grown, list, (size_t)count * sizeof(*grown));
				list = grown;
			}
			list[count].name = name;
			list[count].value = value;
			count++;
		}
		i = end + 1;
	}
	*out = list;
	return count;
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
