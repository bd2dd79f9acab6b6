/* page-settings-calendar.c: connecting Google Calendar with OAuth, which calendar each resource
 * uses, and disconnecting (/settings/calendar) */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "domain/gcal.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_CONNECTION[] =
	"SELECT status, " UI_SQL_DATE_TIME("c.updated_at") " AS since "
	"FROM calendar_connections c JOIN organizations o ON o.id = c.org_id "
	"WHERE c.org_id = $1 AND c.provider = 'google'";
static const char SQL_RESOURCES[] =
	"SELECT r.id, r.name, r.google_calendar_id, "
	"       coalesce(g.synced_at IS NOT NULL, false) AS synced, "
	"       coalesce(g.channel_expires_at > now(), false) AS watched "
	"FROM resources r LEFT JOIN google_calendars g "
	"  ON g.org_id = r.org_id AND g.calendar_id = r.google_calendar_id "
	"WHERE r.org_id = $1 AND r.active ORDER BY r.position, r.created_at, r.id";
static const char SQL_BUSY_COUNT[] =
	"SELECT count(*) FROM busy_blocks "
	"WHERE org_id = $1 AND source = 'google' AND ends_at > now()";

void page_settings_calendar(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *conn = db_q(r->db, r->arena, SQL_CONNECTION, r->org_id);
	struct db_result *res = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id);
	long busy = 0;

	if (!conn || !res || db_long(r->db, r->arena, &busy, SQL_BUSY_COUNT, r->org_id) < 0) {
		http_fail(r, 503, "the calendar settings could not be loaded; please try again");
		return;
	}
	if (!*conf_str("GOOGLE_CLIENT_ID"))
		tpl_show(d, "NOT_CONFIGURED");
	else if (db_rows(conn) == 0)
		tpl_show(d, "DISCONNECTED");
	else if (!strcmp(db_field(conn, 0, "status"), "revoked"))
		tpl_show(d, "REVOKED");
	else
		tpl_set(tpl_section(d, "CONNECTED"), "SINCE", db_field(conn, 0, "since"));
	if (db_rows(conn) == 1) {
		struct tpl_dict *map = tpl_section(d, "MAP");
		tpl_set(map, "CSRF", r->csrf);
		tpl_set_long(map, "BUSY", busy);
		for (int i = 0; i < db_rows(res); i++) {
			struct tpl_dict *row = tpl_section(map, "RESOURCE");
			tpl_set(row, "ID", db_field(res, i, "id"));
			tpl_set(row, "NAME", db_field(res, i, "name"));
			tpl_set(row, "CALENDAR", db_field(res, i, "google_calendar_id"));
			tpl_set(row, "STATE",
				!strcmp(db_field(res, i, "synced"), "t")
					? (!strcmp(db_field(res, i, "watched"), "t")
						   ? "Synced, watching changes"
						   : "Synced")
					: "Waiting for the first sync");
		}
	}
	settings_render(r, 200, "Calendar", TAB_CALENDAR, "settings_calendar.tpl", d);
}

void page_settings_calendar_connect(struct req *r)
{
	if (!*conf_str("GOOGLE_CLIENT_ID")) {
		http_fail(r, 503, "Google Calendar is not set up on this server");
		return;
	}
	const char *state = gcal_state_make(r->db, r->arena, r->org_id, r->user_id);
	if (!state) {
		http_fail(r, 503, "the connection could not be started; please try again");
		return;
	}
	/* Google's consent page is another site: a plain redirect there. */
	http_redirect(r, gcal_consent_url(r->arena, state));
}

/* Back to the page with a message; the check's own work (a spent nonce) is kept. */
static void callback_refused(struct req *r, const char *message)
{
	page_flash(r, "error", message);
	http_redirect(r, "/settings/calendar");
}

void page_settings_calendar_callback(struct req *r)
{
	const char *state = req_query(r, "state");
	const char *code = req_query(r, "code");
	const char *error = req_query(r, "error");
	const char *why;
	char problem[256];

	if (gcal_state_check(r->db, r->arena, state, r->org_id, r->user_id, &why) < 0) {
		log_warn("a Google callback was refused: its state did not check out org=%s",
			 r->org_id);
		ui_audit(r, "calendar.state_refused", "calendar", NULL);
		callback_refused(r, why);
		return;
	}
	if (error || !code || !*code || strlen(code) > 2048) {
		callback_refused(
			r, error && !strcmp(error, "access_denied")
				   ? "Google Calendar was not connected: access was not allowed."
				   : "Google Calendar was not connected: Google sent no code.");
		return;
	}
	enum google_result res = gcal_connect(r->db, r->arena, r->org_id, r->user_id, code, problem,
					      sizeof(problem));
	if (res != GOOGLE_OK) {
		log_warn("could not connect Google Calendar org=%s: %s", r->org_id, problem);
		/* Nothing half-saved: the spent nonce stays spent in a transaction of its own. */
		callback_refused(
			r,
			res == GOOGLE_RETRY
				? "Google could not be reached to finish connecting. Try again."
				: "Google refused the connection. Please connect again.");
		return;
	}
	if (ui_audit(r, "calendar.connect", "calendar", NULL) < 0) {
		http_fail(r, 503, "the connection could not be saved; please try again");
		return;
	}
	page_flash(r, "ok",
		   "Google Calendar connected. Your bookings will appear there, and your "
		   "busy times will block bookings.");
	http_redirect(r, "/settings/calendar");
}

void page_settings_calendar_disconnect(struct req *r)
{
	if (gcal_disconnect(r->db, r->arena, r->org_id) < 0 ||
	    ui_audit(r, "calendar.disconnect", "calendar", NULL) < 0) {
		http_fail(r, 503, "the calendar could not be disconnected; please try again");
		return;
	}
	page_flash(r, "ok", "Google Calendar disconnected.");
	http_redirect(r, "/settings/calendar");
}

void page_settings_calendar_map(struct req *r)
{
	const char *resource = req_form(r, "resource_id");
	const char *calendar = req_form(r, "calendar_id");

	if (!resource || !text_is_uuid(resource) || !calendar) {
		http_fail(r, 400, "choose a resource and a calendar");
		return;
	}
	while (*calendar == ' ')
		calendar++;
	if (!*calendar)
		calendar = "primary";
	bool plain = strlen(calendar) <= 254;
	for (const char *p = calendar; *p && plain; p++)
		plain = *p > ' ' && *p < 0x7f && !strchr("/\\?#\"'<>", *p);
	if (!plain) {
		http_fail(r, 400,
			  "a calendar id is one word such as primary or name@group.calendar."
			  "google.com");
		return;
	}
	if (gcal_map_resource(r->db, r->arena, r->org_id, resource, calendar) < 0) {
		http_fail(r, 404, "there is no such resource");
		return;
	}
	if (ui_audit(r, "calendar.map", "resource",
		     json_pack("{s:s, s:s}", "resource", resource, "calendar", calendar)) < 0) {
		http_fail(r, 503, "the calendar could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Calendar saved.");
	http_redirect(r, "/settings/calendar");
}
