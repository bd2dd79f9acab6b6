/* page-settings-closures.c: closed dates and holidays, for the whole business or one resource
 * (/settings/closures) */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page-appointments.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

enum { REASON_MAX = 200, CLOSURE_DAYS_MAX = 366, CLOSURES_SHOWN_MAX = 200 };

/* Closures not yet over, soonest first, as the owner reads them in the business's zone. */
static const char SQL_LIST[] =
	"SELECT c.id, coalesce(r.name, 'The whole business'), coalesce(c.reason, ''), "
	"       " UI_SQL_LOCAL("c.starts_at", UI_DAY_TIME_FORMAT) ", "
	"       " UI_SQL_LOCAL("c.ends_at", UI_DAY_TIME_FORMAT) " "
	"FROM closures c JOIN organizations o ON o.id = c.org_id "
	"LEFT JOIN resources r ON r.org_id = c.org_id AND r.id = c.resource_id "
	"WHERE c.org_id = $1 AND c.ends_at > now() "
	"ORDER BY c.starts_at, c.id LIMIT $2::int";
static const char SQL_RESOURCES[] =
	"SELECT id, name FROM resources WHERE org_id = $1 AND active "
	"ORDER BY position, created_at, id";
static const char SQL_RESOURCE[] = "SELECT name FROM resources WHERE id = $1";
/* From the first day's start (or time) to the end of the last day (or its time), local. */
static const char SQL_INSERT[] =
	"INSERT INTO closures (org_id, resource_id, starts_at, ends_at, reason) "
	"SELECT o.id, $2::uuid, ($3::date + coalesce($4::time, '00:00'))::timestamp "
	"                       AT TIME ZONE o.timezone, "
	"       (CASE WHEN $6::time IS NULL THEN ($5::date + 1)::timestamp "
	"             ELSE $5::date + $6::time END) AT TIME ZONE o.timezone, nullif($7, '') "
	"FROM organizations o WHERE o.id = $1 RETURNING id";
static const char SQL_DAYS_BETWEEN[] = "SELECT $2::date - $1::date";
static const char SQL_DELETE[] =
	"DELETE FROM closures WHERE id = $1 RETURNING coalesce(reason, '')";

static void closures_show(struct req *r, struct tpl_dict *d, const char *chosen, int status)
{
	struct db_result *list = db_q(r->db, r->arena, SQL_LIST, r->org_id,
				      arena_printf(r->arena, "%d", CLOSURES_SHOWN_MAX));
	struct db_result *resources = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id);

	if (!list || !resources) {
		http_fail(r, 503, "the closed dates could not be loaded; please try again");
		return;
	}
	for (int i = 0; i < db_rows(list); i++) {
		struct tpl_dict *row = tpl_section(d, "CLOSURE");
		tpl_set(row, "ID", db_value(list, i, 0));
		tpl_set(row, "WHO", db_value(list, i, 1));
		tpl_set(row, "REASON", db_value(list, i, 2));
		tpl_set(row, "STARTS", db_value(list, i, 3));
		tpl_set(row, "ENDS", db_value(list, i, 4));
	}
	tpl_show(d, db_rows(list) ? "HAS_CLOSURES" : "NO_CLOSURES");
	ui_row_options(tpl_section(d, "RESOURCES"), "RESOURCE_OPTION", resources, chosen);
	settings_render(r, status, "Closed dates", TAB_CLOSURES, "settings_closures.tpl", d);
}

void page_settings_closures(struct req *r)
{
	closures_show(r, page_dict(r), NULL, 200);
}

void page_settings_closure_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *resource = form_text(&f, "resource_id");
	const char *first = form_text(&f, "first_day"), *last = form_text(&f, "last_day");
	const char *from = form_text(&f, "from_time"), *to = form_text(&f, "to_time");
	const char *reason = form_text(&f, "reason");

	if (*resource && (!text_is_uuid(resource) ||
			  !ui_one(r, "resource", "loaded", SQL_RESOURCE, resource)))  {
		if (!r->failed)
			http_fail(r, 404, "there is no such resource");
		return;
	}
	if (form_required(&f, "first_day", first, "The first day") &&
	    !appointment_date_valid(first))
		form_error(&f, "first_day", "enter a date like 2025-12-25");
	if (!*last)
		last = first;
	else if (!appointment_date_valid(last))
		form_error(&f, "last_day", "enter a date like 2025-12-26");
	if (*from && !appointment_time_valid(from))
		form_error(&f, "from_time", "enter a time like 13:00, or leave it empty");
	if (*to && !appointment_time_valid(to))
		form_error(&f, "to_time", "enter a time like 17:00, or leave it empty");
	form_max_length(&f, "reason", reason, REASON_MAX);
	if (form_ok(&f)) {
		/* Dates written YYYY-MM-DD compare as text. */
		int order = strcmp(last, first);
		if (order < 0)
			form_error(&f, "last_day", "the last day comes before the first");
		else if (order == 0 && *from && *to && strcmp(to, from) <= 0)
			form_error(&f, "to_time", "the closure must end after it starts");
	}
	long days = 0;
	if (form_ok(&f) && db_long(r->db, r->arena, &days, SQL_DAYS_BETWEEN, first, last) == 0 &&
	    days > CLOSURE_DAYS_MAX)
		form_error(&f, "last_day", "a closure is at most a year long");
	if (!form_ok(&f)) {
		closures_show(r, d, resource, 422);
		return;
	}
	const char *id = db_text(r->db, r->arena, SQL_INSERT, r->org_id,
				 *resource ? resource : NULL, first, *from ? from : NULL, last,
				 *to ? to : NULL, reason);
	if (!id || ui_audit(r, "closure.create", id,
			    json_pack("{s:s, s:s, s:s, s:s}", "first_day", first, "last_day", last,
				      "reason", reason, "resource_id", resource)) < 0) {
		http_fail(r, 503, "the closed date could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Closed date saved. Nothing is booked in it.");
	http_redirect(r, "/settings/closures");
}

void page_settings_closure_delete(struct req *r)
{
	struct db_result *res = ui_one(r, "closed date", "deleted", SQL_DELETE, r->path_id);

	if (!res)
		return;
	if (ui_audit(r, "closure.delete", r->path_id,
		     json_pack("{s:s}", "reason", db_value(res, 0, 0))) < 0) {
		http_fail(r, 503, "the closed date could not be deleted; please try again");
		return;
	}
	page_flash(r, "ok", "Closed date removed.");
	http_redirect(r, "/settings/closures");
}
