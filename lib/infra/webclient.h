/* webclient.h: the outgoing HTTP client every provider client uses (libcurl, with timeouts) */
#ifndef SB_WEBCLIENT_H
#define SB_WEBCLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct sockaddr;

struct webclient_request {
	const char *method;          /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;            /* NULL for none */
	size_t body_len;
	const char *userpwd;         /* "user:password" for Basic auth, or NULL */
	long timeout_ms;             /* whole request; 0 means the HTTP_TIMEOUT_MS setting */
	size_t max_response;         /* larger answers fail; 0 means 4 MiB */
	int public_only;             /* reach public addresses only (webclient_address_public) */
	const char *unix_socket;     /* connect to this local socket instead of the URL's host */
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

/*
 * What a provider's API answered with a 200 or 201 on creating something: when the body is a
 * JSON object with a string id_field of 1 to 128 characters, sets *id and *status (its
 * "status", "" without one) to arena copies and returns 0. Else -1, with why (why_len bytes)
 * saying why the body could not be read, left as it was when it was JSON that names no id.
 */
int webclient_created(struct arena *a, const struct webclient_response *resp,
		      const char *id_field, const char **id, const char **status, char *why,
		      size_t why_len);

/*
 * Receives the body of a streamed answer as its bytes arrive, with the answer's status and
 * Content-Type (borrowed, or NULL). Returns 0 to go on, or -1 to stop the transfer.
 */
typedef int (*webclient_body_fn)(void *arg, long status, const char *content_type,
				 const char *bytes, size_t n);

struct webclient_stream_request {
	const char *method;          /* "GET", "POST", ... */
	const char *url;
	const char *const *headers;  /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;            /* NULL for none */
	size_t body_len;
	long timeout_ms;             /* the whole request; 0 for no limit */
	long connect_timeout_ms;     /* 0 means timeout_ms */
	long idle_timeout_ms;        /* stop when no byte came for this long; 0 for no limit */
	int keep_connection;         /* reuse this thread's connection for the next request */
	/* When set, the transfer stops (as on_body asking to stop) soon after *cancel turns
	 * nonzero, even while no byte comes; any thread may set it. NULL for none. */
	const int *cancel;
	webclient_body_fn on_body;
	void *arg;
};

struct webclient_stream_result {
	long status;                 /* 0 when no answer came */
	int stopped;                 /* on_body asked to stop */
	int timed_out;               /* timeout_ms or connect_timeout_ms ran out */
	int idle;                    /* idle_timeout_ms passed without a byte */
	char error[128];             /* why the transfer ended early, when it returns -1 */
};

/*
 * Send req and hand the answer's body to req->on_body piece by piece as it arrives, blocking
 * the calling thread. With idle_timeout_ms the wait for each piece is timed to the
 * millisecond. Returns 0 when the whole answer came (whatever its status), or -1 when the
 * transfer ended early: a transport failure, a timeout, or on_body asking to stop (res says
 * which). Logs nothing: the caller knows what the request was for.
 */
int webclient_stream(const struct webclient_stream_request *req,
		     struct webclient_stream_result *res);

/*
 * Whether a resolved address (struct sockaddr_in or sockaddr_in6) may be reached by a request
 * with public_only: false for loopback, private, shared (carrier NAT), link-local (cloud
 * metadata at 169.254.169.254 included), unique-local, multicast, reserved and unspecified
 * addresses, and for IPv4 ones hidden in IPv6 (mapped, NAT64) that are any of those. With
 * allow_loopback, loopback addresses pass (test stacks whose fakes listen there).
 */
bool webclient_address_public(const struct sockaddr *addr, bool allow_loopback);

/* s percent-encoded for a URL path segment or a form value (arena); NULL when out of memory. */
char *webclient_escape(struct arena *a, const char *s);

#endif
