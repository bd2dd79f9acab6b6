/* hook-event.c: a provider's webhook event taken once, its first answer replayed to retries */
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "hook-event.h"
#include "req.h"

static const char SQL_EVENT_RECORD[] =
	"SELECT inserted, response_status, response_type, response_body "
	"FROM webhook_event_record($1, $2, $3)";
static const char SQL_EVENT_ANSWER[] =
	"SELECT webhook_event_answer($1, $2, $3::int, $4, $5)";

int hook_event_first(struct req *r, const char *provider, const char *key, const char *org_id)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_EVENT_RECORD, provider, key, org_id);

	if (!res || db_rows(res) != 1) {
		http_fail(r, 503, "the event could not be recorded; please retry");
		return -1;
	}
	const char *status = db_value(res, 0, 1);
	if (!strcmp(db_value(res, 0, 0), "t") || !status)
		return 1;
	const char *type = db_value(res, 0, 2), *body = db_value(res, 0, 3);
	body = body ? body : "";
	http_send(r, atoi(status), type ? type : "text/plain", body, strlen(body));
	return 0;
}

void hook_event_answer(struct req *r, const char *provider, const char *key, int status,
		       const char *type, const char *body)
{
	const char *code = arena_printf(r->arena, "%d", status);

	if (!db_q(r->db, r->arena, SQL_EVENT_ANSWER, provider, key, code, body ? type : NULL,
		  body)) {
		http_fail(r, 503, "the answer could not be stored; please retry");
		return;
	}
	http_send(r, status, body ? type : "text/plain", body ? body : "", body ? strlen(body) : 0);
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
