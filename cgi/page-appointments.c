/* page-appointments.c: upcoming and past appointments; cancel and reschedule them */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "domain/booking.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "form.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/tpl.h"
#include "ui.h"

enum {
	APPOINTMENTS_PER_PAGE = 20,
	/* Deep enough for years of bookings; beyond it a page number is only a typo. */
	APPOINTMENT_PAGES_MAX = 10000,
};

/* Columns of both lists; times are shown in the business's own time zone. */
#define APPOINTMENT_ROW \
	"SELECT a.id, a.status, a.customer_name, a.customer_phone, s.name, a.lead_id, " \
	"       " UI_SQL_LOCAL("a.starts_at", UI_DAY_FORMAT) ", " \
	"       " UI_SQL_TIME("a.starts_at") ", " UI_SQL_TIME("a.ends_at") " " \
	"FROM appointments a JOIN organizations o ON o.id = a.org_id " \
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "

/* One row more than a page tells whether there is a next page, without counting them all. */
static const char SQL_UPCOMING[] = APPOINTMENT_ROW
	"WHERE a.org_id = $1 AND a.starts_at >= now() "
	"ORDER BY a.starts_at, a.id LIMIT $2::int OFFSET $3::int";
static const char SQL_PAST[] = APPOINTMENT_ROW
	"WHERE a.org_id = $1 AND a.starts_at < now() "
	"ORDER BY a.starts_at DESC, a.id LIMIT $2::int OFFSET $3::int";
static const char SQL_TIMEZONE[] = "SELECT timezone FROM organizations WHERE id = $1";

static const char SQL_APPOINTMENT[] =
	"SELECT a.status, a.customer_name, s.name, "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'YYYY-MM-DD'), "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'HH24:MI'), "
	"       " UI_SQL_LOCAL("a.starts_at", UI_DAY_TIME_FORMAT) ", "
	"       extract(epoch FROM a.ends_at - a.starts_at)::bigint / 60, o.timezone "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.id = $1";

/* The local wall-clock time typed, as an instant of the business's zone. */
static const char SQL_LOCAL_INSTANT[] =
	"SELECT extract(epoch FROM t)::bigint, t > now(), "
	"       to_char($2::timestamp, '" UI_DAY_TIME_FORMAT "') "
	"FROM (SELECT $2::timestamp AT TIME ZONE timezone AS t "
	"      FROM organizations WHERE id = $1) typed";
/* Free starts (epoch seconds, in order) as the form's slot values and button labels. */
static const char SQL_SLOT_LABELS[] =
	"SELECT to_char(t AT TIME ZONE o.timezone, 'YYYY-MM-DD\"T\"HH24:MI'), "
	"       " UI_SQL_LOCAL("t", UI_SOON_FORMAT) " "
	"FROM organizations o, unnest($2::bigint[]) WITH ORDINALITY AS e(epoch, n), "
	"     to_timestamp(e.epoch) AS t "
	"WHERE o.id = $1 ORDER BY e.n";

/* The page number in query parameter name: 1 when absent or not a sensible number. */
static long page_number(struct req *r, const char *name)
{
	const char *v = req_query(r, name);
	char *end;

	if (!v)
		return 1;
	long n = strtol(v, &end, 10);
	return *v && !*end && n >= 1 && n <= APPOINTMENT_PAGES_MAX ? n : 1;
}

static bool status_is_open(const char *status)
{
	return !strcmp(status, "scheduled") || !strcmp(status, "confirmed");
}

/* The badge class and label for an appointment status. */
static void status_badge(struct req *r, struct tpl_dict *row, const char *status)
{
	struct ui_status s = ui_status(r->arena, UI_APPOINTMENT, status);

	tpl_set(row, "BADGE", s.badge);
	tpl_set(row, "STATUS", s.label);
}

/*
 * Fill section name of d with one page of sql's rows and its pagination links; the links
 * keep the other list on other_page. Returns 0, or -1 (answered).
 */
static int appointment_list(struct req *r, struct tpl_dict *d, const char *name, const char *sql,
			    long page, long other_page, bool upcoming)
{
	struct db_result *res = db_q(r->db, r->arena, sql, r->org_id,
				     arena_printf(r->arena, "%d", APPOINTMENTS_PER_PAGE + 1),
				     arena_printf(r->arena, "%ld", (page - 1) * APPOINTMENTS_PER_PAGE));
	if (!res) {
		http_fail(r, 503, "the appointments could not be loaded; please try again");
		return -1;
	}
	int rows = db_rows(res);
	struct tpl_dict *list = tpl_section(d, name);
	if (rows == 0) {
		tpl_show(list, page > 1 ? "PAST_THE_END" : "EMPTY");
	} else {
		struct tpl_dict *table = tpl_section(list, "TABLE");
		for (int i = 0; i < rows && i < APPOINTMENTS_PER_PAGE; i++) {
			struct tpl_dict *row = tpl_section(table, "APPOINTMENT");
			const char *status = db_value(res, i, 1);
			tpl_set(row, "ID", db_value(res, i, 0));
			tpl_set(row, "CUSTOMER", db_value(res, i, 2));
			tpl_set(row, "PHONE", db_value(res, i, 3));
			tpl_set(row, "SERVICE", db_value(res, i, 4) ? db_value(res, i, 4) : "—");
			tpl_set(row, "DATE", db_value(res, i, 6));
			tpl_set(row, "STARTS", db_value(res, i, 7));
			tpl_set(row, "ENDS", db_value(res, i, 8));
			if (db_value(res, i, 5))
				tpl_set(tpl_section(row, "LEAD"), "LEAD_ID", db_value(res, i, 5));
			else
				tpl_show(row, "NO_LEAD");
			status_badge(r, row, status);
			if (upcoming && status_is_open(status))
				tpl_show(row, "ACTIONS");
		}
	}
	if (page > 1 || rows > APPOINTMENTS_PER_PAGE) {
		struct tpl_dict *nav = tpl_section(list, "PAGES");
		const char *link = upcoming ? "/appointments?upcoming=%ld&past=%ld"
					    : "/appointments?past=%ld&upcoming=%ld";
		tpl_set_long(nav, "PAGE", page);
		if (page > 1)
			tpl_set(tpl_section(nav, "PREV"), "HREF",
				arena_printf(r->arena, link, page - 1, other_page));
		else
			tpl_show(nav, "NO_PREV");
		if (rows > APPOINTMENTS_PER_PAGE)
			tpl_set(tpl_section(nav, "NEXT"), "HREF",
				arena_printf(r->arena, link, page + 1, other_page));
		else
			tpl_show(nav, "NO_NEXT");
	}
	return 0;
}

void page_appointments(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	long upcoming = page_number(r, "upcoming"), past = page_number(r, "past");

	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "TIMEZONE", db_text(r->db, r->arena, SQL_TIMEZONE, r->org_id));
	if (appointment_list(r, d, "UPCOMING", SQL_UPCOMING, upcoming, past, true) < 0 ||
	    appointment_list(r, d, "PAST", SQL_PAST, past, upcoming, false) < 0)
		return;
	page_render(r, 200, "Appointments", NAV_APPOINTMENTS, "appointments.tpl", d);
}

/* Look up appointment r->path_id; NULL when answered (404 for another org's or no row). */
static struct db_result *appointment_find(struct req *r)
{
	return ui_one(r, "appointment", "loaded", SQL_APPOINTMENT, r->path_id);
}

void page_appointment_cancel(struct req *r)
{
	struct db_result *a = appointment_find(r);

	if (!a)
		return;
	if (!status_is_open(db_value(a, 0, 0))) {
		page_flash(r, "error", "Only a scheduled appointment can be cancelled.");
		http_redirect(r, "/appointments");
		return;
	}
	if (booking_cancel(r->db, r->arena, r->org_id, r->path_id, r->user_id, NULL) < 0) {
		http_fail(r, 503, "the appointment could not be cancelled; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Cancelled the appointment of %s on %s.",
					 db_value(a, 0, 1), db_value(a, 0, 5)));
	http_redirect(r, "/appointments");
}

/* The reschedule form for appointment a, with d's values and messages. */
static void reschedule_show(struct req *r, struct tpl_dict *d, struct db_result *a, int status)
{
	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "ID", r->path_id);
	tpl_set(d, "CUSTOMER", db_value(a, 0, 1));
	tpl_set(d, "SERVICE", db_value(a, 0, 2) ? db_value(a, 0, 2) : "—");
	tpl_set(d, "CURRENT", db_value(a, 0, 5));
	tpl_set(d, "MINUTES", db_value(a, 0, 6));
	tpl_set(d, "TIMEZONE", db_value(a, 0, 7));
	page_render(r, status, "Reschedule appointment", NAV_APPOINTMENTS, "appointment_edit.tpl", d);
}

/* A cancelled or finished appointment keeps its time: it is history. */
static struct db_result *appointment_find_open(struct req *r)
{
	struct db_result *a = appointment_find(r);

	if (a && !status_is_open(db_value(a, 0, 0))) {
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
	tpl_set(d, "DATE_VALUE", db_value(a, 0, 3));
	tpl_set(d, "TIME_VALUE", db_value(a, 0, 4));
	reschedule_show(r, d, a, 200);
}

/* True for a real calendar date written YYYY-MM-DD, in years a booking can sensibly have. */
static bool date_valid(const char *s)
{
	static const int days_in[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, day, end = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &day, &end) != 3 || end != 10 ||
	    s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
		return false;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || day < 1 || day > days_in[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m != 2 || day <= 28 || leap;
}

/* True for a 24-hour time written HH:MM. */
static bool time_valid(const char *s)
{
	int hour, minute;

	return strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789") == 2 &&
	       strspn(s + 3, "0123456789") == 2 && sscanf(s, "%2d:%2d", &hour, &minute) == 2 &&
	       hour < 24 && minute < 60;
}

/* A refused time: say why next to the time, and offer the nearest free start times. */
static void reschedule_refused(struct req *r, struct form *f, struct tpl_dict *d,
			       struct db_result *a, const struct booking_outcome *out)
{
	struct db_result *free_starts = NULL;
	const char *epochs = "{";

	if (out->verdict == AVAILABILITY_TAKEN || out->verdict == AVAILABILITY_CALENDAR_BUSY)
		form_error(f, "time", "That time overlaps another appointment. Choose another time.");
	else
		form_error(f, "time", arena_printf(r->arena, "%s Choose another time.", out->reason));
	for (int i = 0; i < out->nalternatives; i++)
		epochs = arena_printf(r->arena, "%s%s%lld", epochs, i ? "," : "",
				      (long long)out->alternatives[i]);
	free_starts = db_q(r->db, r->arena, SQL_SLOT_LABELS, r->org_id,
			   arena_printf(r->arena, "%s}", epochs));
	if (free_starts && db_rows(free_starts) > 0) {
		struct tpl_dict *offer = tpl_section(d, "FREE_STARTS");
		for (int i = 0; i < db_rows(free_starts); i++) {
			struct tpl_dict *slot = tpl_section(offer, "SLOT");
			tpl_set(slot, "VALUE", db_value(free_starts, i, 0));
			tpl_set(slot, "LABEL", db_value(free_starts, i, 1));
		}
	} else if (free_starts) {
		tpl_show(d, "NO_FREE_STARTS");
	}
	reschedule_show(r, d, a, 409);
}

void page_appointment_reschedule(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	struct db_result *a = appointment_find_open(r);
	struct booking_outcome out;

	if (!a)
		return;
	form_begin(&f, r, d);
	/* A suggested time's button sends "YYYY-MM-DDTHH:MM" as slot instead of the two fields. */
	const char *slot = text_trim(r, req_form(r, "slot"));
	const char *date, *time;
	if (*slot && strlen(slot) == 16 && slot[10] == 'T') {
		date = arena_strndup(r->arena, slot, 10);
		time = arena_strdup(r->arena, slot + 11);
		tpl_set(d, "DATE_VALUE", date);
		tpl_set(d, "TIME_VALUE", time);
	} else {
		date = form_text(&f, "date");
		time = form_text(&f, "time");
	}
	if (form_required(&f, "date", date, "Date") && !date_valid(date))
		form_error(&f, "date", "enter a date like 2025-03-14");
	if (form_required(&f, "time", time, "Time") && !time_valid(time))
		form_error(&f, "time", "enter a time like 14:30");
	if (!form_ok(&f)) {
		reschedule_show(r, d, a, 422);
		return;
	}
	struct db_result *at = db_q(r->db, r->arena, SQL_LOCAL_INSTANT, r->org_id,
				    arena_printf(r->arena, "%s %s", date, time));
	if (!at || db_rows(at) != 1) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	if (strcmp(db_value(at, 0, 1), "t")) {
		form_error(&f, "time", "choose a time in the future");
		reschedule_show(r, d, a, 422);
		return;
	}
	time_t wanted = (time_t)strtoll(db_value(at, 0, 0), NULL, 10);
	json_t *detail = json_pack("{s:s, s:s}", "from", db_value(a, 0, 5), "to",
				   db_value(at, 0, 2));
	json_to_arena(r->arena, detail);
	/* booking_move runs in a transaction of its own, under the same rules as a booking. */
	if (db_commit(r->db) < 0) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	booking_move_noted(r->db, r->arena, r->org_id, r->path_id, wanted, NULL, r->user_id,
			   json_text(r->arena, detail), &out);
	if (db_begin_org(r->db, r->arena, r->org_id) < 0) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	if (out.result == BOOKING_TAKEN) {
		reschedule_refused(r, &f, d, a, &out);
		return;
	}
	if (out.result != BOOKING_BOOKED) {
		http_fail(r, 503, "the appointment could not be moved; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "Moved the appointment of %s to %s.",
					 db_value(a, 0, 1), db_value(at, 0, 2)));
	http_redirect(r, "/appointments");
}
