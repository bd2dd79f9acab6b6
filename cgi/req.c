/* req.c: reading a FastCGI request: its environment, query, form and cookies */
#include "req.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/params.h"

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
