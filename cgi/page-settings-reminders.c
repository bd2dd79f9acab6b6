/* page-settings-reminders.c: the reminder texts before appointments, and the private calendar
 * feeds for Outlook and Apple Calendar (/settings/reminders) */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "domain/calendar_feed.h"
#include "domain/reminders.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_REMINDERS[] =
	"SELECT reminders_enabled, coalesce(reminder_first_minutes::text, ''), "
	"       coalesce(reminder_second_minutes::text, '') "
	"FROM organizations WHERE id = $1";
static const char SQL_SAVE_REMINDERS[] =
	"UPDATE organizations SET reminders_enabled = $2::boolean, "
	"       reminder_first_minutes = nullif($3, '')::int, "
	"       reminder_second_minutes = nullif($4, '')::int "
	"WHERE id = $1";
/* The whole business first, then each resource in the business's order, with its feed if any. */
static const char SQL_FEEDS[] =
	"SELECT '' AS resource, 'All appointments' AS scope, "
	"       " UI_SQL_DATE("f.created_at") " AS since, f.id IS NOT NULL AS on "
	"FROM organizations o LEFT JOIN calendar_feeds f "
	"  ON f.org_id = o.id AND f.resource_id IS NULL "
	"WHERE o.id = $1 "
	"UNION ALL ("
	"SELECT r.id::text, r.name, " UI_SQL_DATE("f.created_at") ", f.id IS NOT NULL "
	"FROM resources r JOIN organizations o ON o.id = r.org_id "
	"LEFT JOIN calendar_feeds f ON f.org_id = r.org_id AND f.resource_id = r.id "
	"WHERE r.org_id = $1 ORDER BY r.position, r.created_at, r.id)";
static const char SQL_RESOURCE_NAME[] =
	"SELECT name FROM resources WHERE org_id = $1 AND id = $2::uuid";

/* The choices offered for a reminder, in minutes before the appointment. */
static const long reminder_choices[] = { 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 4320, 10080 };
#define MINUTES_MIN 10
#define MINUTES_MAX 20160

/* minutes as an owner says it: "1 hour", "2 days", "90 minutes". Arena-owned. */
static const char *minutes_label(struct arena *a, long m)
{
	if (m % 1440 == 0)
		return arena_printf(a, "%ld day%s before", m / 1440, m == 1440 ? "" : "s");
	if (m % 60 == 0)
		return arena_printf(a, "%ld hour%s before", m / 60, m == 60 ? "" : "s");
	return arena_printf(a, "%ld minutes before", m);
}

/* The options of the select called section, current (minutes as text, "" for off) chosen. */
static void reminder_options(struct req *r, struct tpl_dict *d, const char *section,
			     const char *current)
{
	long now = *current ? strtol(current, NULL, 10) : 0;
	bool listed = !*current;
	struct tpl_dict *off = tpl_section(d, section);

	tpl_set(off, "VALUE", "off");
	tpl_set(off, "LABEL", "Off");
	tpl_set(off, "SELECTED", *current ? "" : "selected");
	for (size_t i = 0; i < sizeof(reminder_choices) / sizeof(reminder_choices[0]); i++) {
		long m = reminder_choices[i];
		/* A time set before that is not among the choices stays on offer, in its place. */
		if (!listed && now < m) {
			struct tpl_dict *o = tpl_section(d, section);
			tpl_set(o, "VALUE", current);
			tpl_set(o, "LABEL", minutes_label(r->arena, now));
			tpl_set(o, "SELECTED", "selected");
			listed = true;
		}
		struct tpl_dict *o = tpl_section(d, section);
		tpl_set(o, "VALUE", arena_printf(r->arena, "%ld", m));
		tpl_set(o, "LABEL", minutes_label(r->arena, m));
		tpl_set(o, "SELECTED", now == m ? "selected" : "");
		listed = listed || now == m;
	}
	if (!listed) {
		struct tpl_dict *o = tpl_section(d, section);
		tpl_set(o, "VALUE", current);
		tpl_set(o, "LABEL", minutes_label(r->arena, now));
		tpl_set(o, "SELECTED", "selected");
	}
}

/* The feeds table: each calendar, whether its feed is on, and the buttons. */
static int feeds_fill(struct req *r, struct tpl_dict *d)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_FEEDS, r->org_id);

	if (!res)
		return -1;
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *row = tpl_section(d, "FEED");
		tpl_set(row, "RESOURCE", db_value(res, i, 0));
		tpl_set(row, "SCOPE", db_value(res, i, 1));
		if (!strcmp(db_value(res, i, 3), "t")) {
			tpl_set(tpl_section(row, "ON"), "SINCE", db_value(res, i, 2));
			tpl_show(row, "ON_ACTIONS");
		} else {
			tpl_show(row, "OFF");
		}
		if (strcmp(r->user_role, "member"))
			tpl_show(row, "CAN_EDIT");
	}
	return 0;
}

/* The page with d's form values, its feeds and status. */
static void reminders_show(struct req *r, struct tpl_dict *d, int status)
{
	if (feeds_fill(r, d) < 0) {
		http_fail(r, 503, "the calendar feeds could not be loaded; please try again");
		return;
	}
	tpl_set_long(d, "GRACE_MINUTES", REMINDER_GRACE_MINUTES);
	settings_render(r, status, "Reminders", TAB_REMINDERS, "settings_reminders.tpl", d);
}

/* The saved reminder settings into d's form; false after an error answered. */
static bool saved_reminders_fill(struct req *r, struct tpl_dict *d)
{
	struct db_result *org = ui_one(r, "reminder settings", "loaded", SQL_REMINDERS, r->org_id);

	if (!org)
		return false;
	if (!strcmp(db_value(org, 0, 0), "t"))
		tpl_show(d, "REMINDERS_ON");
	reminder_options(r, d, "FIRST_OPTION", db_value(org, 0, 1));
	reminder_options(r, d, "SECOND_OPTION", db_value(org, 0, 2));
	return true;
}

void page_settings_reminders(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	if (saved_reminders_fill(r, d))
		reminders_show(r, d, 200);
}

/* A reminder's field: "" for off, or whole minutes within bounds; false after an error. */
static bool reminder_minutes(struct form *f, const char *name, const char **out)
{
	const char *typed = form_text(f, name);
	long m;

	*out = "";
	if (!*typed || !strcmp(typed, "off"))
		return true;
	if (!form_long(f, name, typed, MINUTES_MIN, MINUTES_MAX, &m))
		return false;
	*out = arena_printf(f->r->arena, "%ld", m);
	return true;
}

void page_settings_reminders_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *on = req_form(r, "reminders_enabled");
	bool enabled = on && *on;
	const char *first, *second;

	form_begin(&f, r, d);
	bool ok = reminder_minutes(&f, "first_minutes", &first);
	ok = reminder_minutes(&f, "second_minutes", &second) && ok;
	if (ok && *first && !strcmp(first, second))
		form_error(&f, "second_minutes", "Pick a different time from the first reminder, "
			   "or turn this one off.");
	if (!form_ok(&f)) {
		if (enabled)
			tpl_show(d, "REMINDERS_ON");
		reminder_options(r, d, "FIRST_OPTION", first);
		reminder_options(r, d, "SECOND_OPTION", second);
		reminders_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_REMINDERS, r->org_id, enabled ? "true" : "false",
		    first, second) != 1 ||
	    ui_audit(r, "settings.reminders", "organization",
		     json_pack("{s:b, s:s, s:s}", "reminders_enabled", enabled, "first_minutes",
			       first, "second_minutes", second)) < 0) {
		http_fail(r, 503, "the reminder settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", enabled && (*first || *second) ?
		   "Reminder settings saved. Customers will get their reminders by text." :
		   "Reminder settings saved. No reminders will be sent.");
	http_redirect(r, "/settings/reminders");
}

/*
 * The scope a feed form names: "" for the whole business (*name "All appointments"), or one of
 * the business's resources. Returns 1, 0 for a scope that is not the business's (after a 404),
 * or -1 after a 503.
 */
static int feed_scope(struct req *r, const char **resource, const char **name)
{
	const char *typed = req_form(r, "resource");

	*resource = NULL;
	*name = "All appointments";
	if (!typed || !*typed)
		return 1;
	if (!text_is_uuid(typed)) {
		http_fail(r, 404, "there is no such resource");
		return 0;
	}
	struct db_result *res = db_q(r->db, r->arena, SQL_RESOURCE_NAME, r->org_id, typed);
	if (!res) {
		http_fail(r, 503, "the resource could not be loaded; please try again");
		return -1;
	}
	if (db_rows(res) != 1) {
		http_fail(r, 404, "there is no such resource");
		return 0;
	}
	*resource = typed;
	*name = db_value(res, 0, 0);
	return 1;
}

void page_settings_feed_renew(struct req *r)
{
	const char *resource, *name;

	if (feed_scope(r, &resource, &name) <= 0)
		return;
	const char *token = calendar_feed_renew(r->db, r->arena, r->org_id, resource);
	if (!token || ui_audit(r, "calendar_feed.renew", resource ? resource : "organization",
			       NULL) < 0) {
		http_fail(r, 503, "the feed address could not be made; please try again");
		return;
	}
	/* Shown on this answer only: the token itself is never stored. */
	struct tpl_dict *d = page_dict(r);
	if (!saved_reminders_fill(r, d))
		return;
	const char *base = conf_str("PUBLIC_BASE_URL");
	const char *url = arena_printf(r->arena, "%s/calendar/%s", base, token);
	struct tpl_dict *made = tpl_section(d, "NEW_FEED");
	tpl_set(made, "SCOPE", name);
	tpl_set(made, "URL", url);
	/* webcal: asks the device's calendar app to subscribe. */
	const char *rest = strstr(url, "://");
	tpl_set(made, "WEBCAL_URL", arena_printf(r->arena, "webcal%s", rest ? rest : url));
	reminders_show(r, d, 200);
}

void page_settings_feed_stop(struct req *r)
{
	const char *resource, *name;

	if (feed_scope(r, &resource, &name) <= 0)
		return;
	int n = calendar_feed_remove(r->db, r->arena, r->org_id, resource);
	if (n < 0 || (n > 0 && ui_audit(r, "calendar_feed.stop", resource ? resource :
					"organization", NULL) < 0)) {
		http_fail(r, 503, "the feed could not be turned off; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Calendar feed turned off (%s): its address "
					 "no longer works.", name));
	http_redirect(r, "/settings/reminders#feed");
}
