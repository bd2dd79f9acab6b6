/* page-settings-resources.c: the people, rooms, vehicles and equipment bookings take, their
 * hours (with breaks) and the services each can do (/settings/resources) */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

enum { RESOURCE_NAME_MAX = 200, SPANS_PER_DAY_MAX = 6 };

static const char SQL_LIST[] =
	"SELECT r.id, r.name, r.kind, r.hours IS NOT NULL, r.active, "
	"       (SELECT count(*) FROM services s WHERE s.org_id = r.org_id AND s.active "
	"          AND (NOT EXISTS (SELECT 1 FROM service_resources x WHERE x.org_id = s.org_id "
	"                           AND x.service_id = s.id) "
	"               OR EXISTS (SELECT 1 FROM service_resources x WHERE x.org_id = s.org_id "
	"                          AND x.service_id = s.id AND x.resource_id = r.id))) "
	"FROM resources r WHERE r.org_id = $1 "
	"ORDER BY NOT r.active, r.position, r.created_at, r.id";
/* Its own hours, or the business's (to start from when it gets its own). */
static const char SQL_ONE[] =
	"SELECT r.name, r.kind, coalesce(r.hours, o.business_hours)::text, r.active, "
	"       r.hours IS NOT NULL "
	"FROM resources r JOIN organizations o ON o.id = r.org_id WHERE r.id = $1";
static const char SQL_INSERT[] =
	"INSERT INTO resources (org_id, name, kind, position) "
	"VALUES ($1, $2, $3, (SELECT coalesce(max(position), 0) + 1 FROM resources "
	"                     WHERE org_id = $1)) RETURNING id";
static const char SQL_UPDATE[] =
	"UPDATE resources SET name = $2, kind = $3, hours = $4::jsonb WHERE id = $1 RETURNING id";
static const char SQL_SET_ACTIVE[] =
	"UPDATE resources SET active = $2::boolean WHERE id = $1 RETURNING name";
static const char SQL_OTHERS_ACTIVE[] =
	"SELECT count(*) FROM resources WHERE org_id = $1 AND active AND id <> $2";

/* The active services, and whether this resource can do each (no rows: every resource can). */
static const char SQL_SERVICES[] =
	"SELECT s.id, s.name, "
	"       NOT EXISTS (SELECT 1 FROM service_resources x WHERE x.org_id = s.org_id "
	"                   AND x.service_id = s.id), "
	"       EXISTS (SELECT 1 FROM service_resources x WHERE x.org_id = s.org_id "
	"               AND x.service_id = s.id AND x.resource_id = $2::uuid) "
	"FROM services s WHERE s.org_id = $1 AND s.active ORDER BY lower(s.name), s.id";
static const char SQL_CAN_ADD[] =
	"INSERT INTO service_resources (org_id, service_id, resource_id) VALUES ($1, $2, $3) "
	"ON CONFLICT DO NOTHING";
static const char SQL_CAN_REMOVE[] =
	"DELETE FROM service_resources WHERE service_id = $1 AND resource_id = $2";
/* A service everyone could do, that this one no longer can: every other active one still can. */
static const char SQL_CAN_ALL_BUT[] =
	"INSERT INTO service_resources (org_id, service_id, resource_id) "
	"SELECT $1, $2, r.id FROM resources r WHERE r.org_id = $1 AND r.active AND r.id <> $3";
static const char SQL_CAN_ANYONE[] =
	"SELECT count(*) FROM service_resources WHERE service_id = $1";

static const struct { const char *key, *label; } weekdays[] = {
	{ "mon", "Monday" }, { "tue", "Tuesday" }, { "wed", "Wednesday" }, { "thu", "Thursday" },
	{ "fri", "Friday" }, { "sat", "Saturday" }, { "sun", "Sunday" },
};
#define N_WEEKDAYS (sizeof(weekdays) / sizeof(weekdays[0]))

static const struct { const char *value, *label; } kinds[] = {
	{ "person", "Person" }, { "room", "Room or chair" }, { "vehicle", "Vehicle" },
	{ "equipment", "Equipment" },
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *kind_label(const char *value)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (!strcmp(kinds[i].value, value))
			return kinds[i].label;
	return value;
}

static void kind_options(struct tpl_dict *d, const char *chosen)
{
	for (size_t i = 0; i < N_KINDS; i++) {
		struct tpl_dict *o = tpl_section(d, "KIND_OPTION");
		tpl_set(o, "VALUE", kinds[i].value);
		tpl_set(o, "LABEL", kinds[i].label);
		if (chosen && !strcmp(chosen, kinds[i].value))
			tpl_show(o, "SELECTED");
	}
}

static bool kind_known(const char *value)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (!strcmp(kinds[i].value, value))
			return true;
	return false;
}

/* A clock time "HH:MM" (and "24:00" as a closing time); *minutes is its minute of the day. */
static bool clock_minutes(const char *s, size_t len, bool closing, int *minutes)
{
	int h, m;

	if (len != 5 || s[2] != ':' || strspn(s, "0123456789") != 2 ||
	    strspn(s + 3, "0123456789") != 2 || sscanf(s, "%2d:%2d", &h, &m) != 2)
		return false;
	*minutes = h * 60 + m;
	return m < 60 && (h < 24 || (closing && h == 24 && m == 0));
}

/*
 * A day's spans typed as "09:00-12:00, 13:00-17:00" (a dash or an en dash; commas between;
 * empty: closed): each opens before it closes, in order, apart (the gaps are breaks).
 * Returns the JSON array (arena), or NULL with *error set.
 */
static json_t *spans_parse(struct req *r, const char *typed, const char **error)
{
	json_t *spans = json_to_arena(r->arena, json_array());
	int last_close = -1, n = 0;

	for (const char *s = typed; *s;) {
		size_t len = strcspn(s, ",");
		char *span = text_trim(r, arena_strndup(r->arena, s, len));
		s += len + (s[len] == ',');
		if (!*span)
			continue;
		char *dash = strstr(span, "–");
		size_t skip = 3;
		if (!dash) {
			dash = strchr(span, '-');
			skip = 1;
		}
		int open, close;
		if (!dash) {
			*error = "write each span as 09:00-12:00";
			return NULL;
		}
		*dash = '\0';
		const char *from = text_trim(r, span), *to = text_trim(r, dash + skip);
		if (!clock_minutes(from, strlen(from), false, &open) ||
		    !clock_minutes(to, strlen(to), true, &close)) {
			*error = "write times as HH:MM, like 09:00-12:00, 13:00-17:00";
			return NULL;
		}
		if (open >= close) {
			*error = "each span must close after it opens";
			return NULL;
		}
		if (open < last_close) {
			*error = "spans must be in order and must not overlap";
			return NULL;
		}
		if (++n > SPANS_PER_DAY_MAX) {
			*error = "at most six spans a day";
			return NULL;
		}
		last_close = close;
		json_array_append_new(spans, json_pack("[ss]", from, to));
	}
	return spans;
}

/* A day's stored spans as the form shows them: "09:00-12:00, 13:00-17:00". Arena. */
static const char *spans_text(struct req *r, json_t *spans)
{
	const char *text = "";
	size_t i;
	json_t *span;

	json_array_foreach(spans, i, span)
		text = arena_printf(r->arena, "%s%s%s-%s", text, i ? ", " : "",
				    json_string_value(json_array_get(span, 0)) ?: "",
				    json_string_value(json_array_get(span, 1)) ?: "");
	return text;
}

void page_settings_resources(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *res = db_q(r->db, r->arena, SQL_LIST, r->org_id);

	if (!res) {
		http_fail(r, 503, "the resources could not be loaded; please try again");
		return;
	}
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *row = tpl_section(d, "RESOURCE");
		bool active = !strcmp(db_value(res, i, 4), "t");
		tpl_set(row, "ID", db_value(res, i, 0));
		tpl_set(row, "NAME", db_value(res, i, 1));
		tpl_set(row, "KIND", kind_label(db_value(res, i, 2)));
		tpl_set(row, "HOURS", !strcmp(db_value(res, i, 3), "t") ? "Its own hours"
									: "The business's hours");
		tpl_set(row, "SERVICES", db_value(res, i, 5));
		tpl_set(row, "STATE_LABEL", active ? "Active" : "Inactive");
		tpl_set(row, "STATE_BADGE", active ? "badge-active" : "badge-inactive");
	}
	kind_options(d, "person");
	settings_render(r, 200, "Resources", TAB_RESOURCES, "settings_resources.tpl", d);
}

void page_settings_resource_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *name = form_text(&f, "name"), *kind = form_text(&f, "kind");
	if (form_required(&f, "name", name, "Name"))
		form_max_length(&f, "name", name, RESOURCE_NAME_MAX);
	if (!kind_known(kind))
		form_error(&f, "kind", "choose a person, a room, a vehicle or equipment");
	struct db_result *res = form_ok(&f) ? db_q(r->db, r->arena, SQL_INSERT, r->org_id, name,
						    kind) : NULL;
	if (form_ok(&f) && !res && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION)) {
		form_error(&f, "name", "another resource already has this name");
		/* The refused insert ended the transaction; the list is read in a new one. */
		if (db_rollback(r->db) < 0 || db_begin_org(r->db, r->arena, r->org_id) < 0) {
			http_fail(r, 503, "the resource could not be added; please try again");
			return;
		}
	}
	else if (form_ok(&f) && !res) {
		http_fail(r, 503, "the resource could not be added; please try again");
		return;
	}
	if (!form_ok(&f)) {
		/* The list under the form, as the page shows it. */
		struct db_result *list = db_q(r->db, r->arena, SQL_LIST, r->org_id);
		for (int i = 0; list && i < db_rows(list); i++) {
			struct tpl_dict *row = tpl_section(d, "RESOURCE");
			tpl_set(row, "ID", db_value(list, i, 0));
			tpl_set(row, "NAME", db_value(list, i, 1));
			tpl_set(row, "KIND", kind_label(db_value(list, i, 2)));
		}
		kind_options(d, kind);
		settings_render(r, 422, "Resources", TAB_RESOURCES, "settings_resources.tpl", d);
		return;
	}
	const char *id = db_value(res, 0, 0);
	if (ui_audit(r, "resource.create", id, json_pack("{s:s, s:s}", "name", name, "kind",
							 kind)) < 0) {
		http_fail(r, 503, "the resource could not be added; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Added %s. Set its hours and services here.",
					 name));
	http_redirect(r, arena_printf(r->arena, "/settings/resources/%s", id));
}

/* The edit form's service boxes: ticked as stored, or as posted when posted. */
static int service_boxes(struct req *r, struct tpl_dict *d, bool posted)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_SERVICES, r->org_id, r->path_id);

	if (!res)
		return -1;
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *box = tpl_section(d, "SERVICE");
		bool can = !strcmp(db_value(res, i, 2), "t") || !strcmp(db_value(res, i, 3), "t");
		tpl_set(box, "SERVICE_ID", db_value(res, i, 0));
		tpl_set(box, "SERVICE_NAME", db_value(res, i, 1));
		if (posted) {
			can = false;
			for (int p = 0; p < r->nform; p++)
				can |= !strcmp(r->form_params[p].name, "service") &&
				       !strcmp(r->form_params[p].value, db_value(res, i, 0));
		}
		if (can)
			tpl_show(box, "CHECKED");
	}
	if (!db_rows(res))
		tpl_show(d, "NO_SERVICES");
	return 0;
}

static void resource_show(struct req *r, struct tpl_dict *d, const char *kind, bool active,
			  int status)
{
	tpl_set(d, "ID", r->path_id);
	kind_options(d, kind);
	tpl_show(d, active ? "ACTIVE" : "INACTIVE");
	if (service_boxes(r, d, status != 200) < 0) {
		http_fail(r, 503, "the resource could not be loaded; please try again");
		return;
	}
	settings_render(r, status, "Resource", TAB_RESOURCES, "settings_resource.tpl", d);
}

void page_settings_resource(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *res = ui_one(r, "resource", "loaded", SQL_ONE, r->path_id);
	char why[200];

	if (!res)
		return;
	const char *text = db_value(res, 0, 2);
	json_t *hours = text ? json_parse(r->arena, text, strlen(text), why, sizeof(why)) : NULL;
	tpl_set(d, "NAME_VALUE", db_value(res, 0, 0));
	tpl_set(d, "TITLE_NAME", db_value(res, 0, 0));
	tpl_show(d, !strcmp(db_value(res, 0, 4), "t") ? "OWN_HOURS" : "BUSINESS_HOURS");
	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		struct tpl_dict *row = tpl_section(d, "DAY");
		tpl_set(row, "KEY", weekdays[i].key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "SPANS_VALUE", hours ? spans_text(r, json_object_get(hours,
										   weekdays[i].key))
						  : "");
	}
	resource_show(r, d, db_value(res, 0, 1), !strcmp(db_value(res, 0, 3), "t"), 200);
}

/* Whether the posted form says this resource can do service id. */
static bool service_ticked(struct req *r, const char *id)
{
	for (int p = 0; p < r->nform; p++)
		if (!strcmp(r->form_params[p].name, "service") &&
		    !strcmp(r->form_params[p].value, id))
			return true;
	return false;
}

/*
 * Store the services this resource can do, as ticked. A service everyone could do that this
 * one no longer can is given to every other active resource by name; a service left with no
 * one to do it is refused (its name in *orphan). Returns 0, 1 (refused) or -1.
 */
static int services_save(struct req *r, const char **orphan)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_SERVICES, r->org_id, r->path_id);

	if (!res)
		return -1;
	for (int i = 0; i < db_rows(res); i++) {
		const char *sid = db_value(res, i, 0);
		bool everyone = !strcmp(db_value(res, i, 2), "t");
		bool can = !strcmp(db_value(res, i, 3), "t") || everyone;
		bool wanted = service_ticked(r, sid);
		long left = 0;
		if (wanted == can)
			continue;
		if (wanted) {
			if (db_exec(r->db, r->arena, SQL_CAN_ADD, r->org_id, sid, r->path_id) < 0)
				return -1;
			continue;
		}
		if ((everyone ? db_exec(r->db, r->arena, SQL_CAN_ALL_BUT, r->org_id, sid,
					r->path_id)
			      : db_exec(r->db, r->arena, SQL_CAN_REMOVE, sid, r->path_id)) < 0 ||
		    db_long(r->db, r->arena, &left, SQL_CAN_ANYONE, sid) < 0)
			return -1;
		if (left == 0) {
			*orphan = db_value(res, i, 1);
			return 1;
		}
	}
	return 0;
}

void page_settings_resource_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *res = ui_one(r, "resource", "loaded", SQL_ONE, r->path_id);
	struct form f;
	json_t *hours = NULL;

	if (!res)
		return;
	form_begin(&f, r, d);
	const char *name = form_text(&f, "name"), *kind = form_text(&f, "kind");
	bool own = !strcmp(text_trim(r, req_form(r, "hours_mode")), "own");
	tpl_set(d, "TITLE_NAME", db_value(res, 0, 0));
	tpl_show(d, own ? "OWN_HOURS" : "BUSINESS_HOURS");
	if (form_required(&f, "name", name, "Name"))
		form_max_length(&f, "name", name, RESOURCE_NAME_MAX);
	if (!kind_known(kind))
		form_error(&f, "kind", "choose a person, a room, a vehicle or equipment");
	if (own)
		hours = json_to_arena(r->arena, json_object());
	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		struct tpl_dict *row = tpl_section(d, "DAY");
		const char *field = arena_printf(r->arena, "%s_spans", weekdays[i].key);
		const char *typed = text_trim(r, req_form(r, field)), *error = NULL;
		tpl_set(row, "KEY", weekdays[i].key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "SPANS_VALUE", typed);
		json_t *spans = spans_parse(r, typed, &error);
		if (!spans) {
			f.errors++;
			tpl_set(tpl_section(row, "SPANS_ERROR"), "MESSAGE", error);
			tpl_set(row, "SPANS_CLASS", "has-error");
		} else if (own) {
			json_object_set(hours, weekdays[i].key, spans);
		}
	}
	const char *orphan = NULL;
	int saved = 0;
	if (form_ok(&f)) {
		struct db_result *up = db_q(r->db, r->arena, SQL_UPDATE, r->path_id, name, kind,
					    own ? json_text(r->arena, hours) : NULL);
		if (!up && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION)) {
			form_error(&f, "name", "another resource already has this name");
			if (db_rollback(r->db) < 0 ||
			    db_begin_org(r->db, r->arena, r->org_id) < 0)
				goto fail;
		} else if (!up || (saved = services_save(r, &orphan)) < 0)
			goto fail;
		else if (saved > 0)
			form_error(&f, "services", arena_printf(r->arena,
				   "nobody else can do %s: keep it here, or let another "
				   "resource do it first", orphan));
	}
	if (!form_ok(&f)) {
		resource_show(r, d, kind, !strcmp(db_value(res, 0, 3), "t"), 422);
		return;
	}
	if (ui_audit(r, "resource.update", r->path_id,
		     json_pack("{s:s, s:s, s:o}", "name", name, "kind", kind, "hours",
			       own ? json_incref(hours) : json_null())) < 0)
		goto fail;
	page_flash(r, "ok", arena_printf(r->arena, "Saved %s.", name));
	http_redirect(r, "/settings/resources");
	return;
fail:
	http_fail(r, 503, "the resource could not be saved; please try again");
}

/* Switch resource r->path_id on or off; an inactive one takes no new bookings. */
static void resource_set_active(struct req *r, bool active)
{
	long others = 0;

	if (!ui_one(r, "resource", "loaded", SQL_ONE, r->path_id))
		return;
	if (db_long(r->db, r->arena, &others, SQL_OTHERS_ACTIVE, r->org_id, r->path_id) < 0) {
		http_fail(r, 503, "the resource could not be changed; please try again");
		return;
	}
	if (!active && others == 0) {
		page_flash(r, "error", "The business needs one active resource to take bookings.");
		http_redirect(r, "/settings/resources");
		return;
	}
	struct db_result *res = db_q(r->db, r->arena, SQL_SET_ACTIVE, r->path_id,
				     active ? "true" : "false");
	if (!res || db_rows(res) != 1 ||
	    ui_audit(r, active ? "resource.activate" : "resource.deactivate", r->path_id,
		     json_pack("{s:s}", "name", db_value(res, 0, 0))) < 0) {
		http_fail(r, 503, "the resource could not be changed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, active ? "%s takes bookings again." :
					 "%s takes no new bookings.", db_value(res, 0, 0)));
	http_redirect(r, "/settings/resources");
}

void page_settings_resource_deactivate(struct req *r)
{
	resource_set_active(r, false);
}

void page_settings_resource_activate(struct req *r)
{
	resource_set_active(r, true);
}
