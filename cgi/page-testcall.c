/* page-testcall.c: the test call page: talk to the receptionist from the browser's microphone */
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/media_token.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/tpl.h"

/* The browser has this long to open its stream; the call then lasts as long as it talks. */
#define TESTCALL_TOKEN_SECONDS 600

/* A test call is an inbound call from whoever pressed the button, on no telephone line. */
static const char SQL_TESTCALL_INSERT[] =
	"INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number, to_number, "
	"                   status) "
	"VALUES ($1, 'browser', gen_random_uuid()::text, 'inbound', left($2, 64), 'Test call', "
	"        'queued') RETURNING id";

void page_testcall(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "CSRF", r->csrf);
	page_render(r, 200, "Test call", NAV_TESTCALL, "testcall.tpl", d);
}

/* Where the browser's WebSocket goes: nginx passes /media/ to the voice worker. */
static const char *media_url(struct req *r)
{
	const char *base = conf_str("PUBLIC_BASE_URL");
	size_t len = strlen(base);

	if (!strncmp(base, "https://", 8))
		return arena_printf(r->arena, "wss://%.*s/media/browser", (int)(len - 8), base + 8);
	if (!strncmp(base, "http://", 7))
		return arena_printf(r->arena, "ws://%.*s/media/browser", (int)(len - 7), base + 7);
	return NULL;
}

void page_testcall_start(struct req *r)
{
	const char *ws_url = media_url(r);
	if (!ws_url) {
		log_error("could not offer a test call: PUBLIC_BASE_URL is not an http(s) URL");
		http_fail(r, 503, "Test calls are not available on this server.");
		return;
	}
	const char *call_id = db_text(r->db, r->arena, SQL_TESTCALL_INSERT, r->org_id,
				      r->user_email);
	if (!call_id) {
		http_fail(r, 500, "The test call could not be started.");
		return;
	}
	char *token = media_token_make(r->arena, MEDIA_TOKEN_BROWSER, call_id, r->org_id,
				       time(NULL) + TESTCALL_TOKEN_SECONDS);
	if (!token) {
		/* The router rolls the call row back with the failure. */
		http_fail(r, 503, "Test calls are not available on this server.");
		return;
	}
	json_t *answer = json_to_arena(r->arena, json_pack("{s:s, s:s, s:s}", "call_id", call_id,
							   "token", token, "ws_url", ws_url));
	http_send_json(r, 200, answer);
}
