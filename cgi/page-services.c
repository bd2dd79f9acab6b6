/* page-services.c: list, create, edit and (de)activate the services a business prices */
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "form.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "ui.h"

enum {
	SERVICE_NAME_MAX = 80,
	SERVICE_KEYWORDS_MAX = 20,
	SERVICE_KEYWORD_MAX = 40,
	SERVICE_MINUTES_MIN = 5,
	SERVICE_MINUTES_MAX = 1440,
	/* A business offers a handful of services; the cap only guards the page. */
	SERVICES_SHOWN_MAX = 500,
};

/* One million dollars: far above any real price, far below overflow. */
#define SERVICE_PRICE_MAX_CENTS 100000000L

static const char SQL_LIST[] =
	"SELECT id, name, price_cents, duration_minutes, array_to_string(keywords, ', '), active "
	"FROM services ORDER BY active DESC, lower(name), id LIMIT $1::int";
static const char SQL_ONE[] =
	"SELECT name, price_cents, duration_minutes, array_to_string(keywords, ', '), "
	"       buffer_minutes "
	"FROM services WHERE id = $1";
static const char SQL_INSERT[] =
	"INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords, "
	"                      buffer_minutes) "
	"VALUES ($1, $2, $3::bigint, $4::int, string_to_array($5, ','), $6::int) RETURNING id";
static const char SQL_UPDATE[] =
	"UPDATE services SET name = $2, price_cents = $3::bigint, duration_minutes = $4::int, "
	"       keywords = string_to_array($5, ','), buffer_minutes = $6::int "
	"WHERE id = $1 RETURNING id";

/* Who can do a service: the active resources, each marked when it may (no rows: all may). */
static const char SQL_RESOURCES[] =
	"SELECT r.id, r.name, NOT EXISTS (SELECT 1 FROM service_resources x "
	"                                 WHERE x.org_id = r.org_id AND x.service_id = $2::uuid) "
	"       OR EXISTS (SELECT 1 FROM service_resources x WHERE x.org_id = r.org_id "
	"                  AND x.service_id = $2::uuid AND x.resource_id = r.id) "
	"FROM resources r WHERE r.org_id = $1 AND r.active "
	"ORDER BY r.position, r.created_at, r.id";
static const char SQL_CLEAR_RESOURCES[] = "DELETE FROM service_resources WHERE service_id = $1";
static const char SQL_ADD_RESOURCE[] =
	"INSERT INTO service_resources (org_id, service_id, resource_id) VALUES ($1, $2, $3)";
static const char SQL_SET_ACTIVE[] =
	"UPDATE services SET active = $2::boolean WHERE id = $1 RETURNING name";

/* What a valid form stores, as the text parameters of SQL_INSERT and SQL_UPDATE. */
struct service_input {
	const char *name;
	const char *price_cents;
	const char *minutes;
	const char *keywords;   /* lower-case words joined by commas, "" for none */
	const char *buffer;     /* minutes kept free after each appointment */
};

/* "14950" cents as "149.50" for the price field, which takes the amount without its sign. */
static const char *price_field(struct req *r, const char *cents)
{
	return ui_money_text(r->arena, cents) + 1;
}

/*
 * Normalize a comma-separated keyword list: each word trimmed and lower-cased, empty and
 * repeated ones dropped. Returns the words joined by commas (arena-owned), or NULL with the
 * error set on the field when there are too many or one is too long.
 */
static const char *service_keywords(struct form *f, const char *typed)
{
	struct req *r = f->r;
	const char *words[SERVICE_KEYWORDS_MAX];
	int count = 0;
	struct buf joined = BUF_INIT;
	const char *result = NULL;

	for (const char *s = typed; *s; ) {
		size_t len = strcspn(s, ",");
		char *word = text_trim(r, arena_strndup(r->arena, s, len));
		s += len + (s[len] == ',');
		if (!*word)
			continue;
		for (char *p = word; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		bool seen = false;
		for (int i = 0; i < count && !seen; i++)
			seen = !strcmp(words[i], word);
		if (seen)
			continue;
		if (count == SERVICE_KEYWORDS_MAX) {
			form_error(f, "keywords", arena_printf(r->arena,
				"use at most %d keywords", SERVICE_KEYWORDS_MAX));
			goto out;
		}
		if (text_utf8_chars(word) > SERVICE_KEYWORD_MAX) {
			form_error(f, "keywords", arena_printf(r->arena,
				"keep each keyword to %d characters", SERVICE_KEYWORD_MAX));
			goto out;
		}
		words[count++] = word;
		if (joined.len)
			buf_putc(&joined, ',');
		buf_puts(&joined, word);
	}
	result = arena_strdup(r->arena, buf_str(&joined));
out:
	buf_release(&joined);
	return result;
}

/* Check the typed fields into f's dictionary; true when in holds values to store. */
static bool service_read(struct form *f, struct service_input *in)
{
	long cents, minutes;

	in->name = form_text(f, "name");
	if (form_required(f, "name", in->name, "Name"))
		form_max_length(f, "name", in->name, SERVICE_NAME_MAX);

	const char *price = form_text(f, "price");
	if (form_required(f, "price", price, "Price") &&
	    form_cents(f, "price", price, SERVICE_PRICE_MAX_CENTS, &cents))
		in->price_cents = arena_printf(f->r->arena, "%ld", cents);

	const char *duration = form_text(f, "duration");
	if (form_required(f, "duration", duration, "Duration") &&
	    form_long(f, "duration", duration, SERVICE_MINUTES_MIN, SERVICE_MINUTES_MAX, &minutes))
		in->minutes = arena_printf(f->r->arena, "%ld", minutes);

	in->keywords = service_keywords(f, form_text(f, "keywords"));

	/* Empty is no buffer: back-to-back bookings. */
	const char *buffer = form_text(f, "buffer");
	long buffer_minutes = 0;
	if (!*buffer || form_long(f, "buffer", buffer, 0, SERVICE_MINUTES_MAX, &buffer_minutes))
		in->buffer = arena_printf(f->r->arena, "%ld", buffer_minutes);
	return form_ok(f);
}

/* True when the posted form ticked resource id. */
static bool resource_ticked(struct req *r, const char *id)
{
	for (int i = 0; i < r->nform; i++)
		if (!strcmp(r->form_params[i].name, "resource") &&
		    !strcmp(r->form_params[i].value, id))
			return true;
	return false;
}

/* The "who can do it" boxes: as stored for service id (NULL: a new one, everyone), or as posted. */
static int service_resource_boxes(struct req *r, struct tpl_dict *d, const char *id, bool posted)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id, id);

	if (!res)
		return -1;
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *box = tpl_section(d, "RESOURCE");
		tpl_set(box, "RESOURCE_ID", db_value(res, i, 0));
		tpl_set(box, "RESOURCE_NAME", db_value(res, i, 1));
		bool can = posted ? resource_ticked(r, db_value(res, i, 0))
				  : !strcmp(db_value(res, i, 2), "t");
		if (can)
			tpl_show(box, "CHECKED");
	}
	return 0;
}

/*
 * Store which active resources can do service id, as ticked. All of them is stored as no rows
 * (which also takes resources added later); none is a form error; a resource that is not one
 * of this business's active ones is answered 404. Returns 0, 1 (form error set) or -1 (answered).
 */
static int service_resources_save(struct req *r, struct form *f, const char *id)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id, id);
	int ticked = 0, known = 0;

	if (!req_form(r, "resources_shown"))
		return 0;
	if (!res) {
		http_fail(r, 503, "the service could not be saved; please try again");
		return -1;
	}
	for (int i = 0; i < r->nform; i++)
		if (!strcmp(r->form_params[i].name, "resource"))
			ticked++;
	for (int i = 0; i < db_rows(res); i++)
		known += resource_ticked(r, db_value(res, i, 0));
	if (known != ticked) {
		http_fail(r, 404, "there is no such resource");
		return -1;
	}
	if (!ticked) {
		form_error(f, "resources", "choose who can do this service");
		return 1;
	}
	if (db_exec(r->db, r->arena, SQL_CLEAR_RESOURCES, id) < 0)
		goto fail;
	for (int i = 0; ticked < db_rows(res) && i < db_rows(res); i++)
		if (resource_ticked(r, db_value(res, i, 0)) &&
		    db_exec(r->db, r->arena, SQL_ADD_RESOURCE, r->org_id, id,
			    db_value(res, i, 0)) != 1)
			goto fail;
	return 0;
fail:
	http_fail(r, 503, "the service could not be saved; please try again");
	return -1;
}

/* The new-service form (id NULL) or the edit form of service id, with d's values. */
static void service_form_show(struct req *r, struct tpl_dict *d, int status, const char *id)
{
	const char *title = id ? "Edit service" : "New service";

	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "HEADING", title);
	tpl_set(d, "ACTION", id ? arena_printf(r->arena, "/services/%s/edit", id) : "/services/new");
	tpl_set(d, "SUBMIT", id ? "Save changes" : "Create service");
	if (service_resource_boxes(r, d, id, status != 200 && req_form(r, "resources_shown")) < 0) {
		http_fail(r, 503, "the service could not be loaded; please try again");
		return;
	}
	page_render(r, status, title, NAV_SERVICES, "service_form.tpl", d);
}

/* Create (id NULL) or update service id from the posted form. */
static void service_save(struct req *r, const char *id)
{
	struct tpl_dict *d = page_dict(r);
	struct service_input in = { 0 };
	struct form f;

	if (id && !ui_one(r, "service", "loaded", SQL_ONE, id))
		return;
	form_begin(&f, r, d);
	if (!service_read(&f, &in)) {
		service_form_show(r, d, 422, id);
		return;
	}
	struct db_result *res = id
		? db_q(r->db, r->arena, SQL_UPDATE, id, in.name, in.price_cents, in.minutes,
		       in.keywords, in.buffer)
		: db_q(r->db, r->arena, SQL_INSERT, r->org_id, in.name, in.price_cents, in.minutes,
		       in.keywords, in.buffer);
	if (!res && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION)) {
		/* Names are unique per business whatever their case (services_org_name_uniq).
		 * The refused statement ended the transaction; the form is read in a new one. */
		form_error(&f, "name", "another service already has this name");
		if (db_rollback(r->db) < 0 || db_begin_org(r->db, r->arena, r->org_id) < 0) {
			http_fail(r, 503, "the service could not be saved; please try again");
			return;
		}
		service_form_show(r, d, 422, id);
		return;
	}
	if (!res || db_rows(res) != 1) {
		http_fail(r, 503, "the service could not be saved; please try again");
		return;
	}
	int who = service_resources_save(r, &f, db_value(res, 0, 0));
	if (who < 0)
		return;
	if (who > 0) {
		service_form_show(r, d, 422, id);
		return;
	}
	if (ui_audit(r, id ? "service.update" : "service.create", db_value(res, 0, 0),
		     json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", in.name,
			       "price_cents", in.price_cents, "duration_minutes", in.minutes,
			       "keywords", in.keywords, "buffer_minutes", in.buffer)) < 0) {
		http_fail(r, 503, "the service could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", id ? "Service saved." : "Service created.");
	http_redirect(r, "/services");
}

void page_services(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	bool can_edit = strcmp(r->user_role, "member") != 0;
	struct db_result *res = db_q(r->db, r->arena, SQL_LIST,
				     arena_printf(r->arena, "%d", SERVICES_SHOWN_MAX));

	if (!res) {
		http_fail(r, 503, "the services could not be loaded; please try again");
		return;
	}
	tpl_set(d, "CSRF", r->csrf);
	if (can_edit)
		tpl_show(d, "CAN_EDIT");
	if (db_rows(res) == 0)
		tpl_show(d, "NONE");
	struct tpl_dict *list = db_rows(res) ? tpl_section(d, "LIST") : NULL;
	if (list && can_edit)
		tpl_show(list, "CAN_EDIT");
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *row = tpl_section(list, "SERVICE");
		bool active = !strcmp(db_value(res, i, 5), "t");
		tpl_set(row, "ID", db_value(res, i, 0));
		tpl_set(row, "NAME", db_value(res, i, 1));
		tpl_set(row, "PRICE", ui_money_text(r->arena, db_value(res, i, 2)));
		tpl_set(row, "MINUTES", db_value(res, i, 3));
		tpl_set(row, "KEYWORDS", db_value(res, i, 4));
		tpl_show(row, active ? "ACTIVE" : "INACTIVE");
		if (can_edit)
			tpl_show(row, active ? "CAN_DEACTIVATE" : "CAN_ACTIVATE");
	}
	page_render(r, 200, "Services", NAV_SERVICES, "services.tpl", d);
}

void page_service_new_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "DURATION_VALUE", "60");
	service_form_show(r, d, 200, NULL);
}

void page_service_create(struct req *r)
{
	service_save(r, NULL);
}

void page_service_edit_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *res = ui_one(r, "service", "loaded", SQL_ONE, r->path_id);

	if (!res)
		return;
	tpl_set(d, "NAME_VALUE", db_value(res, 0, 0));
	tpl_set(d, "PRICE_VALUE", price_field(r, db_value(res, 0, 1)));
	tpl_set(d, "DURATION_VALUE", db_value(res, 0, 2));
	tpl_set(d, "KEYWORDS_VALUE", db_value(res, 0, 3));
	tpl_set(d, "BUFFER_VALUE", db_value(res, 0, 4));
	service_form_show(r, d, 200, r->path_id);
}

void page_service_update(struct req *r)
{
	service_save(r, r->path_id);
}

/* Switch service r->path_id on or off; an inactive service is never offered to callers. */
static void service_set_active(struct req *r, bool active)
{
	struct db_result *res = ui_one(r, "service", "changed", SQL_SET_ACTIVE, r->path_id,
				       active ? "true" : "false");

	if (!res)
		return;
	if (ui_audit(r, active ? "service.activate" : "service.deactivate", r->path_id,
		     json_pack("{s:s}", "name", db_value(res, 0, 0))) < 0) {
		http_fail(r, 503, "the service could not be changed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, active ? "%s is active again." :
					 "%s is now inactive.", db_value(res, 0, 0)));
	http_redirect(r, "/services");
}

void page_service_deactivate(struct req *r)
{
	service_set_active(r, false);
}

void page_service_activate(struct req *r)
{
	service_set_active(r, true);
}
