/* page-appointment.c: what the owner does to one appointment: move it, cancel it, mark a no-show */
#include <jansson.h>
#include <stdio.h>
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

static const char SQL_APPOINTMENT[] =
	"SELECT a.status, a.customer_name, s.name, "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'YYYY-MM-DD'), "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'HH24:MI'), "
	"       " UI_SQL_LOCAL("a.starts_at", UI_DAY_TIME_FORMAT) ", "
	"       extract(epoch FROM a.ends_at - a.starts_at)::bigint / 60, o.timezone, "
	"       a.starts_at <= now(), a.resource_id, r.name, a.lead_id, a.call_id "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.id = $1";
enum { A_STATUS, A_CUSTOMER, A_SERVICE, A_DATE, A_TIME, A_WHEN, A_MINUTES, A_ZONE, A_STARTED,
       A_RESOURCE_ID, A_RESOURCE, A_LEAD, A_CALL };

/* The resources an appointment can be moved to: the active ones, in the business's order. */
static const char SQL_ACTIVE_RESOURCES[] =
	"SELECT id, name FROM resources WHERE org_id = $1 AND active "
	"ORDER BY position, created_at, id";
static const char SQL_RESOURCE_ACTIVE[] =
	"SELECT active FROM resources WHERE org_id = $1 AND id = $2";

/* A moment as the form's value ("YYYY-MM-DDTHH:MM", local) and as people read it. */
static const char SQL_SLOT_LABEL[] =
	"SELECT to_char(to_timestamp($2::bigint) AT TIME ZONE o.timezone, "
	"               'YYYY-MM-DD\"T\"HH24:MI'), "
	"       " UI_SQL_LOCAL("to_timestamp($2::bigint)", UI_SOON_FORMAT) ", "
	"       " UI_SQL_LOCAL("to_timestamp($2::bigint)", UI_DAY_TIME_FORMAT) " "
	"FROM organizations o WHERE o.id = $1";

static const char SQL_MANY_RESOURCES[] =
	"SELECT count(*) > 1 FROM resources WHERE org_id = $1 AND active";

static const char SQL_NO_SHOW[] =
	"UPDATE appointments SET status = 'no_show' "
	"WHERE org_id = $1 AND id = $2 AND status IN ('scheduled', 'confirmed') "
	"  AND starts_at <= now()";

/* Look up appointment r->path_id; NULL when answered (404 for another org's or no row). */
static struct db_result *appointment_find(struct req *r)
{
	return ui_one(r, "appointment", "loaded", SQL_APPOINTMENT, r->path_id);
}

void page_appointment_cancel(struct req *r)
{
	struct db_result *a = appointment_find(r);
	const char *back = appointment_back(r);

	if (!a)
		return;
	if (!appointment_status_open(db_value(a, 0, A_STATUS))) {
		page_flash(r, "error", "Only a scheduled appointment can be cancelled.");
		http_redirect(r, back);
		return;
	}
	/* Done by a person of the business: booking_cancel also texts the customer. */
	if (booking_cancel(r->db, r->arena, r->org_id, r->path_id, r->user_id, NULL) < 0) {
		http_fail(r, 503, "the appointment could not be cancelled; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Cancelled the appointment of %s on %s.",
					 db_value(a, 0, A_CUSTOMER), db_value(a, 0, A_WHEN)));
	http_redirect(r, back);
}

void page_appointment_no_show(struct req *r)
{
	struct db_result *a = appointment_find(r);
	const char *back = appointment_back(r);

	if (!a)
		return;
	if (!appointment_status_open(db_value(a, 0, A_STATUS))) {
		http_fail(r, 409, "only a scheduled appointment can be marked a no-show");
		return;
	}
	if (strcmp(db_value(a, 0, A_STARTED), "t")) {
		http_fail(r, 409, "an appointment can be marked a no-show once its time has come");
		return;
	}
	long n = db_exec(r->db, r->arena, SQL_NO_SHOW, r->org_id, r->path_id);
	if (n != 1 || ui_audit(r, "appointment.no_show", r->path_id,
			       json_pack("{s:s}", "when", db_value(a, 0, A_WHEN))) < 0) {
		http_fail(r, 503, "the appointment could not be marked; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Marked %s as a no-show for %s.",
					 db_value(a, 0, A_CUSTOMER), db_value(a, 0, A_WHEN)));
	http_redirect(r, back);
}

/* The reschedule form for appointment a, with d's values and messages. */
static void reschedule_show(struct req *r, struct tpl_dict *d, struct db_result *a,
			    const char *chosen_resource, int status)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_ACTIVE_RESOURCES, r->org_id);

	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "ID", r->path_id);
	tpl_set(d, "CUSTOMER", db_value(a, 0, A_CUSTOMER));
	tpl_set(d, "SERVICE", db_value(a, 0, A_SERVICE) ? db_value(a, 0, A_SERVICE) : "—");
	tpl_set(d, "CURRENT", db_value(a, 0, A_WHEN));
	tpl_set(d, "MINUTES", db_value(a, 0, A_MINUTES));
	tpl_set(d, "TIMEZONE", db_value(a, 0, A_ZONE));
	tpl_set(d, "RESOURCE", db_value(a, 0, A_RESOURCE));
	if (db_value(a, 0, A_LEAD))
		tpl_set(tpl_section(d, "LEAD"), "LEAD_ID", db_value(a, 0, A_LEAD));
	if (db_value(a, 0, A_CALL))
		tpl_set(tpl_section(d, "CALL"), "CALL_ID", db_value(a, 0, A_CALL));
	ui_row_options(tpl_section(d, "RESOURCES"), "RESOURCE_OPTION", res, chosen_resource);
	page_render(r, status, "Move appointment", NAV_APPOINTMENTS, "appointment_edit.tpl", d);
}

/* A cancelled or finished appointment keeps its time: it is history. */
static struct db_result *appointment_find_open(struct req *r)
{
	struct db_result *a = appointment_find(r);

	if (a && !appointment_status_open(db_value(a, 0, A_STATUS))) {
		http_fail(r, 409, "only a scheduled appointment can be rescheduled");
		return NULL;
	}
	return a;
}

void page_appointment_reschedule_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *a = appointment_find_open(r);

	if (!a)
		return;
	tpl_set(d, "DATE_VALUE", db_value(a, 0, A_DATE));
	tpl_set(d, "TIME_VALUE", db_value(a, 0, A_TIME));
	reschedule_show(r, d, a, NULL, 200);
}

int appointment_offer_slots(struct req *r, struct tpl_dict *d,
			    const struct availability_slot *slots, int n, bool with_resource)
{
	if (n <= 0) {
		tpl_show(d, "NO_FREE_STARTS");
		return 0;
	}
	/* With one resource there is nothing to say or choose about who. */
	const char *many = db_text(r->db, r->arena, SQL_MANY_RESOURCES, r->org_id);
	if (!many)
		return -1;
	bool named = !strcmp(many, "t");
	struct tpl_dict *offer = tpl_section(d, "FREE_STARTS");
	for (int i = 0; i < n; i++) {
		struct db_result *label = db_q(r->db, r->arena, SQL_SLOT_LABEL, r->org_id,
					       arena_printf(r->arena, "%lld",
							    (long long)slots[i].starts_at));
		if (!label || db_rows(label) != 1)
			return -1;
		struct tpl_dict *slot = tpl_section(offer, "SLOT");
		tpl_set(slot, "VALUE", named && slots[i].resource_id ?
			arena_printf(r->arena, "%s@%s", db_value(label, 0, 0),
				     slots[i].resource_id) : db_value(label, 0, 0));
		tpl_set(slot, "LABEL", db_value(label, 0, 1));
		if (named && with_resource && slots[i].resource_name)
			tpl_set(tpl_section(slot, "WITH_RESOURCE"), "RESOURCE_NAME",
				slots[i].resource_name);
	}
	return 0;
}

int appointment_refused(struct req *r, struct form *f, struct tpl_dict *d,
			const struct booking_outcome *out, bool with_resource)
{
	form_error(f, "time", out->verdict == AVAILABILITY_TAKEN
		   ? APPOINTMENT_TAKEN
		   : arena_printf(r->arena, "%s Choose another time.", out->reason));
	return appointment_offer_slots(r, d, out->slots, out->nalternatives, with_resource);
}

int appointment_read_when(struct req *r, struct form *f, struct tpl_dict *d, const char **date,
			  const char **clock, const char **resource)
{
	/* A suggested time's button sends "YYYY-MM-DDTHH:MM[@resource]" instead of the fields. */
	const char *slot = text_trim(r, req_form(r, "slot"));
	size_t len = strlen(slot);

	*resource = text_trim(r, req_form(r, "resource_id"));
	if (len >= 16 && slot[10] == 'T' && (len == 16 || slot[16] == '@')) {
		*date = arena_strndup(r->arena, slot, 10);
		*clock = arena_strndup(r->arena, slot + 11, 5);
		if (len > 16)
			*resource = arena_strdup(r->arena, slot + 17);
		tpl_set(d, "DATE_VALUE", *date);
		tpl_set(d, "TIME_VALUE", *clock);
	} else {
		*date = form_text(f, "date");
		*clock = form_text(f, "time");
	}
	if (form_required(f, "date", *date, "Date") && !appointment_date_valid(*date))
		form_error(f, "date", "enter a date like 2025-03-14");
	if (form_required(f, "time", *clock, "Time") && !appointment_time_valid(*clock))
		form_error(f, "time", "enter a time like 14:30");
	if (!**resource) {
		*resource = NULL;
		return 0;
	}
	/* Another business's resource, or none at all: there is no such resource here. */
	if (!text_is_uuid(*resource))
		return 1;
	const char *active = db_text(r->db, r->arena, SQL_RESOURCE_ACTIVE, r->org_id, *resource);
	if (!active)
		return db_sqlstate(r->db)[0] ? -1 : 1;
	if (strcmp(active, "t"))
		form_error(f, "resource_id", "choose one of your active resources");
	return 0;
}

void page_appointment_reschedule(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	struct db_result *a = appointment_find_open(r);
	const char *date, *clock, *resource;
	long long at;

	if (!a)
		return;
	form_begin(&f, r, d);
	int read = appointment_read_when(r, &f, d, &date, &clock, &resource);
	if (read != 0) {
		http_fail(r, read > 0 ? 404 : 503, read > 0 ? "there is no such resource"
			  : "the appointment could not be moved; please try again");
		return;
	}
	if (!form_ok(&f)) {
		reschedule_show(r, d, a, resource, 422);
		return;
	}
	if (appointment_local_instant(r, date, clock, &at) < 0) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	if (at <= (long long)time(NULL)) {
		form_error(&f, "time", "choose a time in the future");
		reschedule_show(r, d, a, resource, 422);
		return;
	}
	/* booking_move decides in a transaction of its own, under the booking rules. */
	struct booking_outcome out;
	struct db_result *label = db_q(r->db, r->arena, SQL_SLOT_LABEL, r->org_id,
				       arena_printf(r->arena, "%lld", at));
	if (!label || db_rows(label) != 1 || db_commit(r->db) < 0) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	booking_move(r->db, r->arena, r->org_id, r->path_id, (time_t)at, resource, r->user_id,
		     &out);
	if (out.result == BOOKING_BOOKED) {
		page_flash(r, "ok", arena_printf(r->arena, "Moved the appointment of %s to %s.",
						 db_value(a, 0, A_CUSTOMER),
						 db_value(label, 0, 2)));
		http_redirect(r, arena_printf(r->arena, "/appointments?view=day&date=%s", date));
		return;
	}
	/* Cancelled or finished since the form was read: it is history now. */
	bool gone = out.result == BOOKING_ERROR && !strcmp(out.reason, "no such appointment");
	if (db_begin_org(r->db, r->arena, r->org_id) < 0 || out.result == BOOKING_ERROR) {
		http_fail(r, gone ? 409 : 503,
			  gone ? "only a scheduled appointment can be rescheduled"
			       : "the appointment could not be moved; please try again");
		return;
	}
	if (appointment_refused(r, &f, d, &out, resource == NULL) < 0) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	reschedule_show(r, d, a, resource, 409);
}
