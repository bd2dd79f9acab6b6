/* webclient.h: the outgoing HTTP client every provider client uses (libcurl, with timeouts) */
#ifndef SB_WEBCLIENT_H
#define SB_WEBCLIENT_H

#include <stddef.h>

struct arena;

struct webclient_request {
	const char *method;          /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;            /* NULL for none */
	size_t body_len;
	const char *userpwd;         /* "user:password" for Basic auth, or NULL */
	long timeout_ms;             /* whole request; 0 means the HTTP_TIMEOUT_MS setting */
	size_t max_response;         /* larger answers fail; 0 means 4 MiB */
};

struct webclient_response {
	long status;                 /* 0 when no answer came */
	char *body;                  /* NUL-terminated, arena-owned; "" when none */
	size_t body_len;
	char *content_type;          /* arena-owned or NULL */
	char error[128];             /* why the request failed, when it returns -1 */
	long elapsed_ms;
};

/* Initialise libcurl once per process, before any thread or request. */
void webclient_global_init(void);

/*
 * Send req and wait for the whole answer, at most its timeout. Returns 0 when an HTTP answer
 * came (whatever its status), or -1 for a transport failure or timeout (resp->error says).
 */
int webclient_fetch(struct arena *a, const struct webclient_request *req,
		    struct webclient_response *resp);

/* s percent-encoded for a URL path segment or a form value (arena); NULL when out of memory. */
char *webclient_escape(struct arena *a, const char *s);

#endif
