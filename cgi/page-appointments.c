/* page-appointments.c: the appointments page: a week or a day per resource (or all), the lists */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
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

enum {
	APPOINTMENTS_PER_PAGE = 20,
	/* Deep enough for years of bookings; beyond it a page number is only a typo. */
	APPOINTMENT_PAGES_MAX = 10000,
};

/* Columns of both lists; times are shown in the business's own time zone. */
#define APPOINTMENT_ROW \
	"SELECT a.id, a.status, a.customer_name, a.customer_phone, s.name, a.lead_id, " \
	"       " UI_SQL_LOCAL("a.starts_at", UI_DAY_FORMAT) ", " \
	"       " UI_SQL_TIME("a.starts_at") ", " UI_SQL_TIME("a.ends_at") ", r.name " \
	"FROM appointments a JOIN organizations o ON o.id = a.org_id " \
	"JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id " \
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "

/* One row more than a page tells whether there is a next page, without counting them all. */
static const char SQL_UPCOMING[] = APPOINTMENT_ROW
	"WHERE a.org_id = $1 AND a.starts_at >= now() "
	"ORDER BY a.starts_at, a.id LIMIT $2::int OFFSET $3::int";
static const char SQL_PAST[] = APPOINTMENT_ROW
	"WHERE a.org_id = $1 AND a.starts_at < now() "
	"ORDER BY a.starts_at DESC, a.id LIMIT $2::int OFFSET $3::int";
static const char SQL_TIMEZONE[] = "SELECT timezone FROM organizations WHERE id = $1";

/* The resources to choose from, in the business's order; inactive ones last. */
static const char SQL_RESOURCES[] =
	"SELECT id, name, active FROM resources WHERE org_id = $1 "
	"ORDER BY NOT active, position, created_at, id";

/* The first day shown ($2, or today; a week starts on Monday), its neighbours and the title. */
static const char SQL_RANGE[] =
	"WITH t AS (SELECT (now() AT TIME ZONE timezone)::date AS today FROM organizations "
	"           WHERE id = $1), "
	"     f AS (SELECT CASE WHEN $3::int = 7 "
	"                       THEN date_trunc('week', coalesce($2::date, today))::date "
	"                       ELSE coalesce($2::date, today) END AS first, today FROM t) "
	"SELECT to_char(first, 'YYYY-MM-DD'), to_char(first - $3::int, 'YYYY-MM-DD'), "
	"       to_char(first + $3::int, 'YYYY-MM-DD'), to_char(today, 'YYYY-MM-DD'), "
	"       CASE WHEN $3::int = 7 "
	"            THEN to_char(first, 'Mon FMDD') || ' – ' || "
	"                 to_char(first + 6, 'Mon FMDD, YYYY') "
	"            ELSE to_char(first, 'FMDay, Mon FMDD, YYYY') END "
	"FROM f";

/*
 * The columns of the calendar: one a day, and in the day view of all resources one a resource.
 * Each with the hours that apply (the resource's own, else the business's; breaks between
 * spans) and the closed dates that cover it.
 */
static const char SQL_COLUMNS[] =
	"SELECT to_char(g.day, 'YYYY-MM-DD'), to_char(g.day, 'Dy, Mon FMDD'), "
	"       g.day = (now() AT TIME ZONE o.timezone)::date, r.id, r.name, "
	"       (SELECT string_agg(to_char((x.span ->> 0)::time, 'FMHH12:MI AM') || ' – ' || "
	"                          to_char((x.span ->> 1)::time, 'FMHH12:MI AM'), ', ' "
	"                          ORDER BY x.n) "
	"        FROM jsonb_array_elements(coalesce(r.hours, o.business_hours) -> "
	"             (ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])"
	"             [extract(isodow FROM g.day)::int]) WITH ORDINALITY AS x(span, n)), "
	"       (SELECT string_agg(coalesce(nullif(c.reason, ''), 'Closed'), '; ' "
	"                          ORDER BY c.starts_at) "
	"        FROM closures c WHERE c.org_id = o.id "
	"          AND (c.resource_id IS NULL OR c.resource_id = r.id) "
	"          AND tstzrange(c.starts_at, c.ends_at) && "
	"              tstzrange(g.day::timestamp AT TIME ZONE o.timezone, "
	"                        (g.day + 1)::timestamp AT TIME ZONE o.timezone)) "
	"FROM organizations o "
	"CROSS JOIN (SELECT d::date AS day FROM generate_series($2::date, "
	"            $2::date + ($3::int - 1), interval '1 day') AS d) g "
	"LEFT JOIN resources r ON r.org_id = o.id "
	"     AND (r.id = $4::uuid OR ($4::uuid IS NULL AND $3::int = 1 AND r.active)) "
	"WHERE o.id = $1 "
	"ORDER BY g.day, r.position, r.created_at, r.id";

/* The appointments of the days shown, of one resource or all. */
static const char SQL_CALENDAR[] =
	"SELECT a.id, a.status, a.customer_name, coalesce(a.customer_phone, ''), "
	"       coalesce(s.name, ''), a.lead_id, a.call_id, "
	"       to_char(a.starts_at AT TIME ZONE o.timezone, 'YYYY-MM-DD'), "
	"       " UI_SQL_TIME("a.starts_at") ", " UI_SQL_TIME("a.ends_at") ", "
	"       a.starts_at <= now(), a.resource_id, r.name "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = $1 "
	"  AND a.starts_at >= $2::date::timestamp AT TIME ZONE o.timezone "
	"  AND a.starts_at < ($2::date + $3::int)::timestamp AT TIME ZONE o.timezone "
	"  AND ($4::uuid IS NULL OR a.resource_id = $4::uuid) "
	"ORDER BY a.starts_at, r.position, a.id";

static const char SQL_LOCAL_INSTANT[] =
	"SELECT extract(epoch FROM ($2::date + $3::time) AT TIME ZONE timezone)::bigint "
	"FROM organizations WHERE id = $1";

bool appointment_date_valid(const char *s)
{
	static const int days_in[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, day, end = 0;

	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &day, &end) != 3 ||
	    end != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
		return false;
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || day < 1 || day > days_in[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m != 2 || day <= 28 || leap;
}

bool appointment_time_valid(const char *s)
{
	int hour, minute;

	return s && strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789") == 2 &&
	       strspn(s + 3, "0123456789") == 2 && sscanf(s, "%2d:%2d", &hour, &minute) == 2 &&
	       hour < 24 && minute < 60;
}

bool appointment_status_open(const char *status)
{
	return status && (!strcmp(status, "scheduled") || !strcmp(status, "confirmed"));
}

const char *appointment_back(struct req *r)
{
	const char *back = req_form(r, "back");
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-_=&";

	/* Only "/appointments" and a query of plain words: never another path or site. */
	if (!back || strncmp(back, "/appointments", 13) ||
	    (back[13] && (back[13] != '?' || strspn(back + 14, safe) != strlen(back + 14))))
		return "/appointments";
	return back;
}

int appointment_local_instant(struct req *r, const char *date, const char *clock, long long *out)
{
	const char *t = db_text(r->db, r->arena, SQL_LOCAL_INSTANT, r->org_id, date, clock);

	if (!t)
		return -1;
	*out = strtoll(t, NULL, 10);
	return 0;
}

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

/*
 * Fill section name of d with one page of sql's rows and its pagination links; the links
 * keep the other list on other_page. Returns 0, or -1 (answered).
 */
static int appointment_list(struct req *r, struct tpl_dict *d, const char *name, const char *sql,
			    long page, long other_page, bool upcoming)
{
	const char *offset = arena_printf(r->arena, "%ld", (page - 1) * APPOINTMENTS_PER_PAGE);
	const char *limit = arena_printf(r->arena, "%d", APPOINTMENTS_PER_PAGE + 1);
	struct db_result *res = db_q(r->db, r->arena, sql, r->org_id, limit, offset);
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
			struct ui_status s = ui_status(r->arena, UI_APPOINTMENT, status);
			tpl_set(row, "ID", db_value(res, i, 0));
			tpl_set(row, "CUSTOMER", db_value(res, i, 2));
			tpl_set(row, "PHONE", db_value(res, i, 3));
			tpl_set(row, "SERVICE", db_value(res, i, 4) ? db_value(res, i, 4) : "—");
			tpl_set(row, "DATE", db_value(res, i, 6));
			tpl_set(row, "STARTS", db_value(res, i, 7));
			tpl_set(row, "ENDS", db_value(res, i, 8));
			tpl_set(row, "RESOURCE", db_value(res, i, 9));
			if (db_value(res, i, 5))
				tpl_set(tpl_section(row, "LEAD"), "LEAD_ID", db_value(res, i, 5));
			else
				tpl_show(row, "NO_LEAD");
			tpl_set(row, "BADGE", s.badge);
			tpl_set(row, "STATUS", s.label);
			if (upcoming && appointment_status_open(status))
				tpl_show(row, "ACTIONS");
		}
	}
	if (page > 1 || rows > APPOINTMENTS_PER_PAGE) {
		struct tpl_dict *nav = tpl_section(list, "PAGES");
		const char *link = upcoming ? "/appointments?view=list&upcoming=%ld&past=%ld"
					    : "/appointments?view=list&past=%ld&upcoming=%ld";
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

/* One appointment's card in a column of the calendar. */
static void calendar_card(struct req *r, struct tpl_dict *col, struct db_result *res, int i,
			  bool all_resources)
{
	struct tpl_dict *card = tpl_section(col, "APPT");
	const char *status = db_value(res, i, 1);
	struct ui_status s = ui_status(r->arena, UI_APPOINTMENT, status);

	tpl_set(card, "ID", db_value(res, i, 0));
	tpl_set(card, "STATUS_VALUE", status);
	tpl_set(card, "STATUS_LABEL", s.label);
	tpl_set(card, "STATUS_BADGE", s.badge);
	tpl_set(card, "CUSTOMER", db_value(res, i, 2));
	tpl_set(card, "PHONE", db_value(res, i, 3));
	tpl_set(card, "STARTS", db_value(res, i, 8));
	tpl_set(card, "ENDS", db_value(res, i, 9));
	if (*db_value(res, i, 4))
		tpl_set(tpl_section(card, "SERVICE"), "SERVICE_NAME", db_value(res, i, 4));
	if (all_resources)
		tpl_set(tpl_section(card, "RESOURCE"), "RESOURCE_NAME", db_value(res, i, 12));
	if (db_value(res, i, 5))
		tpl_set(tpl_section(card, "LEAD"), "LEAD_ID", db_value(res, i, 5));
	else
		tpl_show(card, "NO_LEAD");
	if (db_value(res, i, 6))
		tpl_set(tpl_section(card, "CALL"), "CALL_ID", db_value(res, i, 6));
	if (appointment_status_open(status)) {
		struct tpl_dict *actions = tpl_section(card, "ACTIONS");
		/* A no-show can only be told once the time has come. */
		if (!strcmp(db_value(res, i, 10), "t"))
			tpl_show(actions, "NO_SHOW");
	}
}

/* The resource filter's choices; *known says whether chosen (NULL: all) is one of them, *many
 * whether there is more than one to choose. */
static int resource_choices(struct req *r, struct tpl_dict *d, const char *chosen, bool *known,
			    bool *many)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_RESOURCES, r->org_id);

	*known = chosen == NULL;
	if (!res)
		return -1;
	for (int i = 0; i < db_rows(res); i++) {
		struct tpl_dict *o = tpl_section(d, "RESOURCE_OPTION");
		bool active = !strcmp(db_value(res, i, 2), "t");
		tpl_set(o, "VALUE", db_value(res, i, 0));
		tpl_set(o, "LABEL", active ? db_value(res, i, 1)
					   : arena_printf(r->arena, "%s (inactive)",
							  db_value(res, i, 1)));
		if (chosen && !strcmp(chosen, db_value(res, i, 0))) {
			tpl_show(o, "SELECTED");
			*known = true;
		}
	}
	*many = db_rows(res) > 1;
	if (*many)
		tpl_show(d, "MANY_RESOURCES");
	return 0;
}

/* The week (days = 7) or day (days = 1) view from date (NULL: today) of resource (NULL: all). */
static void calendar(struct req *r, struct tpl_dict *d, const char *date, int days,
		     const char *resource)
{
	const char *n = arena_printf(r->arena, "%d", days);
	struct db_result *range = db_q(r->db, r->arena, SQL_RANGE, r->org_id, date, n);
	bool known, many = false;

	if (!range || db_rows(range) != 1 || resource_choices(r, d, resource, &known, &many) < 0) {
		http_fail(r, 503, "the appointments could not be loaded; please try again");
		return;
	}
	if (!known) {
		http_fail(r, 404, "there is no such resource");
		return;
	}
	const char *first = db_value(range, 0, 0);
	struct db_result *cols = db_q(r->db, r->arena, SQL_COLUMNS, r->org_id, first, n, resource);
	struct db_result *appts = db_q(r->db, r->arena, SQL_CALENDAR, r->org_id, first, n,
				       resource);
	if (!cols || !appts) {
		http_fail(r, 503, "the appointments could not be loaded; please try again");
		return;
	}
	const char *view = days == 7 ? "week" : "day";
	const char *rq = resource ? arena_printf(r->arena, "&resource=%s", resource) : "";
	tpl_set(d, "VIEW", view);
	tpl_set(d, "DATE", first);
	tpl_set(d, "RESOURCE_ID", resource ? resource : "");
	tpl_set(d, "RANGE_TITLE", db_value(range, 0, 4));
	tpl_set(d, "PREV_HREF", arena_printf(r->arena, "/appointments?view=%s&date=%s%s", view,
					     db_value(range, 0, 1), rq));
	tpl_set(d, "NEXT_HREF", arena_printf(r->arena, "/appointments?view=%s&date=%s%s", view,
					     db_value(range, 0, 2), rq));
	tpl_set(d, "TODAY_HREF", arena_printf(r->arena, "/appointments?view=%s%s", view, rq));
	tpl_set(d, "BACK", arena_printf(r->arena, "/appointments?view=%s&date=%s%s", view, first,
					rq));
	tpl_show(d, days == 7 ? "WEEK_ON" : "DAY_ON");

	struct tpl_dict *cal = tpl_section(d, "CALENDAR");
	tpl_set(cal, "CAL_CLASS", days == 7 ? "cal-week" : "cal-day");
	bool by_resource = days == 1 && !resource;
	for (int c = 0; c < db_rows(cols); c++) {
		struct tpl_dict *col = tpl_section(cal, "COLUMN");
		const char *day = db_value(cols, c, 0), *rid = db_value(cols, c, 3);
		int shown = 0;
		tpl_set(col, "HEADING", by_resource && rid ? db_value(cols, c, 4)
							   : db_value(cols, c, 1));
		tpl_set(col, "DAY_HREF", arena_printf(r->arena, "/appointments?view=day&date=%s%s",
						      day, rq));
		if (days == 7)
			tpl_show(col, "DAY_LINK");
		else
			tpl_show(col, "NO_DAY_LINK");
		if (!strcmp(db_value(cols, c, 2), "t"))
			tpl_set(col, "TODAY_CLASS", "cal-today");
		if (db_value(cols, c, 6))
			tpl_set(tpl_section(col, "CLOSED"), "CLOSED_REASON", db_value(cols, c, 6));
		else if (db_value(cols, c, 5))
			tpl_set(tpl_section(col, "HOURS"), "HOURS_TEXT", db_value(cols, c, 5));
		else
			tpl_show(col, "CLOSED_DAY");
		for (int i = 0; i < db_rows(appts); i++) {
			if (strcmp(db_value(appts, i, 7), day) ||
			    (by_resource && rid && strcmp(db_value(appts, i, 11), rid)))
				continue;
			calendar_card(r, col, appts, i, many && !resource && !by_resource);
			shown++;
		}
		if (!shown)
			tpl_show(col, "NOTHING");
	}
}

void page_appointments(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *view = req_query(r, "view");
	const char *date = req_query(r, "date");
	const char *resource = req_query(r, "resource");

	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "TIMEZONE", db_text(r->db, r->arena, SQL_TIMEZONE, r->org_id));
	/* A date that is not one shows today: the address bar is not a place for error pages. */
	if (!appointment_date_valid(date))
		date = NULL;
	if (resource && (!*resource || !strcmp(resource, "all")))
		resource = NULL;
	if (resource && !text_is_uuid(resource)) {
		http_fail(r, 404, "there is no such resource");
		return;
	}
	if (view && !strcmp(view, "list")) {
		long upcoming = page_number(r, "upcoming"), past = page_number(r, "past");
		tpl_show(d, "LIST_ON");
		tpl_set(d, "VIEW", "list");
		tpl_set(d, "TODAY_HREF", "/appointments?view=week");
		tpl_set(d, "BACK", "/appointments?view=list");
		if (appointment_list(r, d, "UPCOMING", SQL_UPCOMING, upcoming, past, true) < 0 ||
		    appointment_list(r, d, "PAST", SQL_PAST, past, upcoming, false) < 0)
			return;
	} else {
		calendar(r, d, date, view && !strcmp(view, "day") ? 1 : 7, resource);
		if (r->failed)
			return;
	}
	page_render(r, 200, "Appointments", NAV_APPOINTMENTS, "appointments.tpl", d);
}
