/* page-appointment-new.c: an appointment booked by hand, under the receptionist's own rules */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "domain/availability.h"
#include "domain/booking.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page-appointments.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

enum { LEADS_OFFERED = 200, NAME_MAX = 200, LENGTH_DEFAULT = 60 };

/* The leads to book for: the most recently active, and the one asked for wherever it is. */
static const char SQL_LEADS[] =
	"(SELECT id, coalesce(nullif(name, ''), phone) || CASE WHEN name <> '' "
	"        THEN ' · ' || phone ELSE '' END, updated_at "
	" FROM leads WHERE org_id = $1 ORDER BY updated_at DESC LIMIT $2::int) "
	"UNION "
	"(SELECT id, coalesce(nullif(name, ''), phone) || CASE WHEN name <> '' "
	"        THEN ' · ' || phone ELSE '' END, updated_at "
	" FROM leads WHERE org_id = $1 AND id = $3::uuid) "
	"ORDER BY 3 DESC";
static const char SQL_LEAD[] =
	"SELECT coalesce(name, ''), phone, service_id FROM leads WHERE id = $1";
static const char SQL_SERVICES[] =
	"SELECT id, name, duration_minutes FROM services WHERE org_id = $1 AND active "
	"ORDER BY lower(name), id";
static const char SQL_SERVICE[] =
	"SELECT duration_minutes FROM services WHERE id = $1 AND active";
static const char SQL_RESOURCES[] =
	"SELECT id, name FROM resources WHERE org_id = $1 AND active "
	"ORDER BY position, created_at, id";
static const char SQL_TODAY[] =
	"SELECT to_char(now() AT TIME ZONE timezone + interval '1 day', 'YYYY-MM-DD'), timezone "
	"FROM organizations WHERE id = $1";
/* A new customer becomes a lead (or is the one that number already is). */
static const char SQL_LEAD_FOR_PHONE[] =
	"INSERT INTO leads (org_id, phone, name, status) VALUES ($1, $2, $3, 'booked') "
	"ON CONFLICT (org_id, phone) DO UPDATE SET name = coalesce(nullif(leads.name, ''), "
	"                                                 EXCLUDED.name) "
	"RETURNING id";
static const char SQL_BOOKED_LABEL[] =
	"SELECT " UI_SQL_LOCAL("a.starts_at", UI_DAY_TIME_FORMAT) ", r.name "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id WHERE a.id = $1";

/* Fill the choices of the form: leads, services, resources; each chosen one selected. */
static int new_choices(struct req *r, struct tpl_dict *d, const char *lead, const char *service,
		       const char *resource)
{
	struct db_result *leads = db_q(r->db, r->arena, SQL_LEADS, r->org_id,
				       arena_printf(r->arena, "%d", LEADS_OFFERED),
				       lead && text_is_uuid(lead) ? lead : NULL);
	struct db_result *services = db_q(r->db, r->arena, SQL_SERVICES, r->org_id);
	struct db_result *resources = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id);
	struct db_result *today = db_q(r->db, r->arena, SQL_TODAY, r->org_id);

	if (!leads || !services || !resources || !today || db_rows(today) != 1)
		return -1;
	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "TIMEZONE", db_value(today, 0, 1));
	tpl_set(d, "TOMORROW", db_value(today, 0, 0));
	ui_row_options(d, "LEAD_OPTION", leads, lead);
	for (int i = 0; i < db_rows(services); i++) {
		struct tpl_dict *o = tpl_section(d, "SERVICE_OPTION");
		tpl_set(o, "VALUE", db_value(services, i, 0));
		tpl_set(o, "LABEL", arena_printf(r->arena, "%s (%s min)", db_value(services, i, 1),
						 db_value(services, i, 2)));
		if (service && !strcmp(service, db_value(services, i, 0)))
			tpl_show(o, "SELECTED");
	}
	ui_row_options(tpl_section(d, "RESOURCES"), "RESOURCE_OPTION", resources, resource);
	return 0;
}

static void new_show(struct req *r, struct tpl_dict *d, const char *lead, const char *service,
		     const char *resource, int status)
{
	if (new_choices(r, d, lead, service, resource) < 0) {
		http_fail(r, 503, "the booking form could not be loaded; please try again");
		return;
	}
	page_render(r, status, "New appointment", NAV_APPOINTMENTS, "appointment_new.tpl", d);
}

void page_appointment_new_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *lead = req_query(r, "lead");
	const char *date = req_query(r, "date");
	const char *service = NULL;

	if (lead && *lead) {
		struct db_result *l = text_is_uuid(lead)
					      ? ui_one(r, "lead", "loaded", SQL_LEAD, lead) : NULL;
		if (!text_is_uuid(lead))
			http_fail(r, 404, "there is no such lead");
		if (!l)
			return;
		service = db_value(l, 0, 2);
	} else {
		lead = NULL;
	}
	tpl_set(d, "MINUTES_VALUE", arena_printf(r->arena, "%d", LENGTH_DEFAULT));
	if (appointment_date_valid(date))
		tpl_set(d, "DATE_VALUE", date);
	new_show(r, d, lead, service, NULL, 200);
}

/*
 * Checks the id typed in field name is one of this business's rows (sql: by id): NULL for an
 * empty field, the id when found; *missing is set when it is not (another business's id, or no
 * such row). Returns -1 when the database failed.
 */
static int own_row(struct req *r, const char *value, const char *sql, struct db_result **row,
		   bool *missing)
{
	*row = NULL;
	*missing = false;
	if (!*value)
		return 0;
	if (!text_is_uuid(value)) {
		*missing = true;
		return 0;
	}
	*row = db_q(r->db, r->arena, sql, value);
	if (!*row)
		return -1;
	*missing = db_rows(*row) != 1;
	return 0;
}

void page_appointment_create(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *date, *clock, *resource;
	struct db_result *lead_row, *service_row;
	bool lead_missing, service_missing;
	long minutes = LENGTH_DEFAULT;
	long long at;

	form_begin(&f, r, d);
	const char *lead = form_text(&f, "lead_id");
	const char *service = form_text(&f, "service_id");
	const char *name = form_text(&f, "name");
	const char *phone_typed = form_text(&f, "phone");
	const char *length = form_text(&f, "minutes");
	const char *phone = "";

	if (own_row(r, lead, SQL_LEAD, &lead_row, &lead_missing) < 0 ||
	    own_row(r, service, SQL_SERVICE, &service_row, &service_missing) < 0) {
		http_fail(r, 503, "the appointment could not be booked; please try again");
		return;
	}
	/* An id of another business (or none at all) is no form mistake: there is no such row. */
	if (lead_missing || service_missing) {
		http_fail(r, 404, lead_missing ? "there is no such lead"
					       : "there is no such service");
		return;
	}
	int read = appointment_read_when(r, &f, d, &date, &clock, &resource);
	if (read != 0) {
		http_fail(r, read > 0 ? 404 : 503, read > 0 ? "there is no such resource"
			  : "the appointment could not be booked; please try again");
		return;
	}
	if (lead_row) {
		if (!*name)
			name = *db_value(lead_row, 0, 0) ? db_value(lead_row, 0, 0) : "Customer";
		phone = db_value(lead_row, 0, 1);
	} else {
		form_required(&f, "name", name, "The customer's name");
		if (form_required(&f, "phone", phone_typed, "The customer's phone"))
			form_phone(&f, "phone", phone_typed, &phone);
	}
	form_max_length(&f, "name", name, NAME_MAX);
	if (service_row)
		minutes = strtol(db_value(service_row, 0, 0), NULL, 10);
	else if (*length)
		form_long(&f, "minutes", length, 5, 1440, &minutes);
	if (!form_ok(&f)) {
		new_show(r, d, lead, service, resource, 422);
		return;
	}
	if (!lead_row) {
		lead = db_text(r->db, r->arena, SQL_LEAD_FOR_PHONE, r->org_id, phone, name);
		if (!lead) {
			http_fail(r, 503, "the appointment could not be booked; please try again");
			return;
		}
	}
	if (appointment_local_instant(r, date, clock, &at) < 0 || db_commit(r->db) < 0) {
		http_fail(r, 503, "the appointment could not be booked; please try again");
		return;
	}
	struct booking_request req = {
		.service_id = *service ? service : NULL, .lead_id = lead,
		.customer_name = name, .customer_phone = phone,
		.starts_at = (time_t)at, .minutes = (int)minutes, .resource_id = resource,
	};
	struct booking_outcome out;
	booking_book(r->db, r->arena, r->org_id, &req, &out);
	if (db_begin_org(r->db, r->arena, r->org_id) < 0 || out.result == BOOKING_ERROR) {
		http_fail(r, 503, "the appointment could not be booked; please try again");
		return;
	}
	if (out.result == BOOKING_BOOKED) {
		struct db_result *l = db_q(r->db, r->arena, SQL_BOOKED_LABEL, out.appointment_id);
		page_flash(r, "ok", arena_printf(r->arena, "Booked %s for %s with %s.", name,
						 l && db_rows(l) ? db_value(l, 0, 0) : "",
						 l && db_rows(l) ? db_value(l, 0, 1) : ""));
		http_redirect(r, arena_printf(r->arena, "/appointments?view=day&date=%s", date));
		return;
	}
	if (appointment_refused(r, &f, d, &out, resource == NULL) < 0) {
		http_fail(r, 503, "the appointment could not be booked; please try again");
		return;
	}
	/* The new customer is a lead now: offered times book for it. */
	tpl_set(d, "LEAD_ID_VALUE", lead);
	new_show(r, d, lead, service, resource, 409);
}
