/* answer.c: building the buffered answer to a request; page.c renders pages into it */
#include "answer.h"

#include <string.h>

#include "infra/buf.h"
#include "infra/json.h"
#include "req.h"

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
