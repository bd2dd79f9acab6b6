/* main.c: switchboard-fcgi: a parent that keeps pools of preforked FastCGI responders alive */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/webclient.h"
#include "infra/log.h"
#include "page.h"
#include "req.h"
#include "router.h"
#include "infra/tpl.h"

static volatile sig_atomic_t stopping;
static volatile sig_atomic_t serving;   /* a responder is inside a request */

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	/* An idle responder has nothing to finish. */
	if (!serving)
		_exit(0);
}

static void on_parent_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The request id nginx made, or one of our own when the request came some other way. */
static const char *request_id(struct req *r)
{
	const char *id = req_env(r, "REQUEST_ID");

	if (id && *id && strlen(id) <= 64 && strspn(id, "0123456789abcdef") == strlen(id))
		return id;
	return crypto_token_hex(r->arena, 16);
}

static void respond(struct req *r)
{
	FCGX_Stream *out = r->fcgi->out;

	FCGX_FPrintF(out, "Status: %d %s\r\nContent-Type: %s\r\nX-Request-Id: %s\r\n"
		     "Cache-Control: no-store\r\n%s\r\n",
		     r->status, http_reason(r->status),
		     r->out_type ? r->out_type : "text/html; charset=utf-8",
		     r->request_id, buf_str(&r->headers));
	if (strcmp(r->method, "HEAD") && r->out.len)
		FCGX_PutStr(r->out.data, (int)r->out.len, out);
}

static void handle(struct req *r)
{
	const char *uri;

	r->method = req_env(r, "REQUEST_METHOD");
	uri = req_env(r, "REQUEST_URI");
	r->uri = uri ? uri : "/";
	r->request_id = request_id(r);
	log_set_request_id(r->request_id);
	r->content_type = req_env(r, "CONTENT_TYPE");
	const char *q = strchr(r->uri, '?');
	r->path = q ? arena_strndup(r->arena, r->uri, (size_t)(q - r->uri)) : r->uri;
	r->query = q ? q + 1 : "";
	r->status = 200;
	if (!r->method) {
		r->method = "GET";
		http_fail(r, 400, "the request has no method");
		return;
	}
	r->nquery = params_parse(r->arena, r->query, strlen(r->query), &r->query_params);
	if (r->nquery < 0) {
		r->nquery = 0;
		http_fail(r, 400, "the query string is malformed");
		return;
	}
	router_dispatch(r);
}

/*
 * Read what is left of the request (a refused body, the end-of-input record) before the
 * answer goes out. Once nginx sees an answer it stops sending the request, so waiting for the
 * rest afterwards could wait for ever; and closing with input unread resets nginx's side.
 */
static void drain_input(FCGX_Request *fr)
{
	char sink[4096];
	while (FCGX_GetStr(sink, sizeof(sink), fr->in) > 0)
		;
}

static void reset_request(struct req *r, FCGX_Request *fr, struct db *db, struct arena *a)
{
	struct buf headers = r->headers, out = r->out;

	buf_clear(&headers);
	buf_clear(&out);
	memset(r, 0, sizeof(*r));
	r->fcgi = fr;
	r->db = db;
	r->arena = a;
	r->headers = headers;
	r->out = out;
}

static void responder(int listen_fd)
{
	FCGX_Request fr;
	struct req r;
	long max_requests = conf_int("FCGI_MAX_REQUESTS"), served = 0;

	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);
	FCGX_InitRequest(&fr, listen_fd, 0);
	struct db *db = db_open(conf_str("DATABASE_URL"));
	struct arena *a = arena_new();
	memset(&r, 0, sizeof(r));
	log_info("responder ready");
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0) {
			if (errno == EINTR)
				continue;
			log_error("could not accept a FastCGI request: %s", strerror(errno));
			break;
		}
		serving = 1;
		reset_request(&r, &fr, db, a);
		handle(&r);
		if (db_in_transaction(db))
			db_rollback(db);
		drain_input(&fr);
		respond(&r);
		/* Close the connection ourselves: libfcgi would otherwise wait for nginx to. */
		FCGX_Detach(&fr);
		FCGX_Finish_r(&fr);
		arena_reset(a);
		log_set_request_id(NULL);
		serving = 0;
		if (max_requests && ++served >= max_requests)
			break;
	}
	buf_release(&r.headers);
	buf_release(&r.out);
	arena_free(a);
	db_close(db);
	exit(0);
}

static pid_t start_responder(int listen_fd)
{
	pid_t pid = fork();

	if (pid == 0)
		responder(listen_fd);
	if (pid < 0)
		log_error("could not start a responder: %s", strerror(errno));
	return pid;
}

static int open_listener(const char *where)
{
	/* A leftover socket from a previous run would make the bind fail. */
	if (where[0] != ':')
		unlink(where);
	mode_t old = umask(0);
	int fd = FCGX_OpenSocket(where, 1024);
	umask(old);
	if (fd < 0)
		fprintf(stderr, "fatal: could not listen on %s: %s\n", where, strerror(errno));
	return fd;
}

/*
 * Responders preforked on one socket. Pages and provider webhooks each have a pool (nginx
 * passes /hooks/ to the second socket), so however long dashboards keep their responders, a
 * caller's turn finds one of its own free.
 */
struct pool {
	const char *socket;
	int fd;
	int count;
	pid_t *pids;
	time_t *started;
};

static int pool_open(struct pool *p, const char *socket, int count)
{
	p->socket = socket;
	p->count = count;
	p->fd = open_listener(socket);
	p->pids = calloc((size_t)count, sizeof(*p->pids));
	p->started = calloc((size_t)count, sizeof(*p->started));
	return p->fd < 0 || !p->pids || !p->started ? -1 : 0;
}

static void pool_start(struct pool *p)
{
	for (int i = 0; i < p->count; i++) {
		p->pids[i] = start_responder(p->fd);
		p->started[i] = time(NULL);
	}
	log_info("listening on %s with %d responders", p->socket, p->count);
}

/* Start another responder in place of pid when it is one of p's; returns whether it was. */
static bool pool_replace(struct pool *p, pid_t pid, int status)
{
	for (int i = 0; i < p->count; i++) {
		if (p->pids[i] != pid)
			continue;
		if (WIFSIGNALED(status))
			log_error("responder %d died from signal %d; starting another", (int)pid,
				  WTERMSIG(status));
		else if (!stopping)
			log_info("responder %d exited with status %d; starting another", (int)pid,
				 WEXITSTATUS(status));
		if (stopping)
			return true;
		/* A responder that dies at once is crashing on start: do not spin. */
		if (time(NULL) - p->started[i] < 1)
			sleep(1);
		p->pids[i] = start_responder(p->fd);
		p->started[i] = time(NULL);
		return true;
	}
	return false;
}

static void pool_stop(struct pool *p)
{
	for (int i = 0; i < p->count; i++)
		if (p->pids[i] > 0)
			kill(p->pids[i], SIGTERM);
}

static void pool_close(struct pool *p)
{
	if (p->socket && p->socket[0] != ':')
		unlink(p->socket);
	free(p->pids);
	free(p->started);
}

int main(int argc, char **argv)
{
	const char *config = argc > 1 ? argv[1] : NULL;
	struct pool pools[2];
	int npools = 1;

	if (conf_load(CONF_FCGI, config) < 0)
		return 1;
	log_init("fcgi", log_level_parse(conf_str("LOG_LEVEL")));
	if (strlen(conf_str("SESSION_SECRET")) < 32) {
		fprintf(stderr, "fatal: setting SESSION_SECRET must be at least 32 characters\n");
		return 1;
	}
	webclient_global_init();
	tpl_init(conf_str("TEMPLATE_DIR"));
	if (FCGX_Init() != 0) {
		fprintf(stderr, "fatal: could not initialise FastCGI\n");
		return 1;
	}
	memset(pools, 0, sizeof(pools));
	if (pool_open(&pools[0], conf_str("FCGI_SOCKET"), (int)conf_int("FCGI_WORKERS")) < 0)
		return 1;
	if (*conf_str("FCGI_HOOK_SOCKET")) {
		if (!strcmp(conf_str("FCGI_HOOK_SOCKET"), conf_str("FCGI_SOCKET"))) {
			fprintf(stderr, "fatal: FCGI_HOOK_SOCKET must differ from FCGI_SOCKET\n");
			return 1;
		}
		npools = 2;
		if (pool_open(&pools[1], conf_str("FCGI_HOOK_SOCKET"),
			      (int)conf_int("FCGI_HOOK_WORKERS")) < 0)
			return 1;
	}

	struct sigaction sa = { .sa_handler = on_parent_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (int i = 0; i < npools; i++)
		pool_start(&pools[i]);

	while (!stopping) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < npools && !pool_replace(&pools[i], pid, status); i++)
			;
	}
	for (int i = 0; i < npools; i++) {
		log_info("stopping %d responders on %s", pools[i].count, pools[i].socket);
		pool_stop(&pools[i]);
	}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	for (int i = 0; i < npools; i++)
		pool_close(&pools[i]);
	return 0;
}
