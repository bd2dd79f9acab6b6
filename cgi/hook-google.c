/* hook-google.c: Google Calendar push notifications (POST /hooks/google): the channel and its
 * token checked, then a sync queued; the answer is quick and says nothing more */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/* Which business the channel is, before any business is known (SECURITY DEFINER, 023). */
static const char SQL_CHANNEL[] =
	"SELECT org_id, calendar_id, channel_token FROM google_channel_find($1)";
/* Notifications of one calendar within five seconds share one sync, which runs when they end:
 * every change they announce happened before it reads. */
static const char SQL_SYNC[] =
	"SELECT jobs_enqueue('google.sync', jsonb_build_object('calendar_id', $1::text), "
	"       to_timestamp($2::bigint), 'push:' || $1 || ':' || $2)";

#define PUSH_WINDOW_SECONDS 5

void hook_google(struct req *r)
{
	const char *channel = req_env(r, "HTTP_X_GOOG_CHANNEL_ID");
	const char *token = req_env(r, "HTTP_X_GOOG_CHANNEL_TOKEN");
	const char *state = req_env(r, "HTTP_X_GOOG_RESOURCE_STATE");

	if (!channel || !*channel || strlen(channel) > 64 || !token || strlen(token) > 256 ||
	    !state) {
		http_fail(r, 403, "not a Google Calendar notification");
		return;
	}
	struct db_result *res = db_q(r->db, r->arena, SQL_CHANNEL, channel);
	if (!res) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	/* An unknown channel (stopped, or another's) and a wrong token are the same refusal,
	 * and the token is compared in constant time. */
	const char *expected = db_rows(res) == 1 ? db_field(res, 0, "channel_token") : NULL;
	if (!crypto_equal(expected ? expected : "", token) || !expected) {
		log_warn("a Google notification was refused: unknown channel or wrong token");
		http_fail(r, 403, "unknown channel");
		return;
	}
	/* "sync" only says the channel is open; nothing changed. */
	if (strcmp(state, "sync")) {
		const char *org_id = db_field(res, 0, "org_id");
		long window = ((long)time(NULL) / PUSH_WINDOW_SECONDS + 1) * PUSH_WINDOW_SECONDS;
		if (db_begin_org(r->db, r->arena, org_id) < 0 ||
		    !db_q(r->db, r->arena, SQL_SYNC, db_field(res, 0, "calendar_id"),
			  arena_printf(r->arena, "%ld", window)) ||
		    db_commit(r->db) < 0) {
			if (db_in_transaction(r->db))
				db_rollback(r->db);
			http_fail(r, 503, "the notification could not be taken; please retry");
			return;
		}
	}
	http_send(r, 200, "text/plain; charset=utf-8", "", 0);
}
