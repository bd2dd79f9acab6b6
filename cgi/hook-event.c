/* hook-event.c: a provider's webhook event taken once, its first answer replayed to retries */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "hook-event.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "page.h"
#include "req.h"

/* Waits for the event's lock (a retry for its first delivery), then gives a stored answer. */
static const char SQL_EVENT_TAKE[] =
	"SELECT response_status, response_type, response_body FROM webhook_event_take($1, $2, $3)";
/* The event and its answer, one row written once, committed with the request's work. */
static const char SQL_EVENT_KEEP[] =
	"SELECT webhook_event_keep($1, $2, $3, $4::int, $5, $6)";
static const char SQL_LOCK[] = "SELECT pg_advisory_lock(hashtextextended($1, 0))";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

int hook_event_transaction(struct req *r, const char *org_id)
{
	if ((org_id ? db_begin_org(r->db, r->arena, org_id) : db_begin(r->db)) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return -1;
	}
	return 0;
}

/* 1 when res (SQL_EVENT_TAKE's answer) holds no stored answer, 0 after sending it again. */
static int event_answered(struct req *r, struct db_result *res)
{
	const char *status = db_value(res, 0, 0);
	if (db_rows(res) != 1 || !status)
		return 1;
	const char *type = db_value(res, 0, 1), *body = db_value(res, 0, 2);
	body = body ? body : "";
	http_send(r, atoi(status), type ? type : "text/plain", body, strlen(body));
	return 0;
}

int hook_event_first(struct req *r, const struct hook_event *e)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_EVENT_TAKE, e->provider, e->key,
				     e->org_id);

	if (!res) {
		http_fail(r, 503, "the event could not be recorded; please retry");
		return -1;
	}
	return event_answered(r, res);
}

int hook_event_begin(struct req *r, const struct hook_event *e)
{
	if (!e->org_id) {
		if (hook_event_transaction(r, NULL) < 0)
			return -1;
		return hook_event_first(r, e);
	}
	/* The transaction, its business and the event's look-up go in one round trip. */
	struct db_result *res = db_begin_org_q(r->db, r->arena, e->org_id, SQL_EVENT_TAKE,
					       e->provider, e->key, e->org_id);
	if (!res) {
		http_fail(r, 503, "the event could not be recorded; please retry");
		return -1;
	}
	return event_answered(r, res);
}

int hook_event_begin_with(struct req *r, const struct hook_event *e,
			  const struct db_stmt *work, int n, struct db_result **out)
{
	struct db_stmt stmts[DB_BATCH_MAX];
	struct db_result *res[DB_BATCH_MAX];

	if (!e->org_id || n < 1 || n >= DB_BATCH_MAX) {
		http_fail(r, 500, "the event could not be taken");
		return -1;
	}
	stmts[0] = DB_STMT(SQL_EVENT_TAKE, e->provider, e->key, e->org_id);
	memcpy(stmts + 1, work, (size_t)n * sizeof(*work));
	if (db_begin_org_batch(r->db, r->arena, e->org_id, stmts, n + 1, res) < 0) {
		http_fail(r, 503, "the event could not be recorded; please retry");
		return -1;
	}
	const char *status = db_value(res[0], 0, 0);
	if (db_rows(res[0]) == 1 && status) {
		/* A repeat: what the work did again is not kept. */
		db_rollback(r->db);
		return event_answered(r, res[0]);
	}
	memcpy(out, res + 1, (size_t)n * sizeof(*out));
	return 1;
}

void hook_event_answer_with(struct req *r, const struct hook_event *e,
			    const struct db_stmt *work, int n, int status, const char *type,
			    const char *body)
{
	struct db_stmt stmts[DB_BATCH_MAX];
	struct db_result *res[DB_BATCH_MAX];
	const char *code = arena_printf(r->arena, "%d", status);

	if (n < 0 || n >= DB_BATCH_MAX) {
		http_fail(r, 500, "the answer could not be stored");
		return;
	}
	if (n)
		memcpy(stmts, work, (size_t)n * sizeof(*work));
	/* Keyed by the organization too: another's identical key is another event. The answer
	 * is the request's last write: its commit goes in the same round trip. */
	stmts[n] = DB_STMT(SQL_EVENT_KEEP, e->provider, e->key, e->org_id, code,
			   body ? type : NULL, body);
	if (db_batch_commit(r->db, r->arena, stmts, n + 1, res) < 0) {
		http_fail(r, 503, "the answer could not be stored; please retry");
		return;
	}
	http_send(r, status, body ? type : "text/plain", body ? body : "", body ? strlen(body) : 0);
}

void hook_event_answer(struct req *r, const struct hook_event *e, int status, const char *type,
		       const char *body)
{
	hook_event_answer_with(r, e, NULL, 0, status, type, body);
}

void hook_event_answer_json(struct req *r, const struct hook_event *e, const char *json)
{
	hook_event_answer(r, e, 200, "application/json", json);
}

int hook_event_lock(struct req *r, const char *name)
{
	return db_q(r->db, r->arena, SQL_LOCK, name) ? 0 : -1;
}

void hook_event_unlock(struct req *r, const char *name)
{
	if (db_in_transaction(r->db)) {
		if (r->failed || r->status >= 400)
			db_rollback(r->db);
		else if (db_commit(r->db) < 0)
			http_fail(r, 503, "the answer could not be stored; please retry");
	}
	db_q(r->db, r->arena, SQL_UNLOCK, name);
}

const char *hook_xml(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': buf_puts(&b, "&amp;"); break;
		case '<': buf_puts(&b, "&lt;"); break;
		case '>': buf_puts(&b, "&gt;"); break;
		case '"': buf_puts(&b, "&quot;"); break;
		case '\'': buf_puts(&b, "&apos;"); break;
		case '\t': case '\n': case '\r': buf_putc(&b, (char)*p); break;
		default: buf_putc(&b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
		}
	}
	char *out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}
