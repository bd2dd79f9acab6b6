/* page-settings-hours.c: the business's opening hours with a break a day, and how soon and how
 * far ahead it can be booked (/settings/hours) */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_HOURS[] =
	"SELECT business_hours::text AS hours, min_notice_minutes, horizon_days "
	"FROM organizations WHERE id = $1";
static const char SQL_WINDOW[] =
	"SELECT min_notice_minutes, horizon_days FROM organizations WHERE id = $1";
static const char SQL_SAVE_WINDOW[] =
	"UPDATE organizations SET min_notice_minutes = $2::int, horizon_days = $3::int "
	"WHERE id = $1";

/* The bounds of sql/021's checks: thirty days of notice, two years ahead. */
enum { NOTICE_MINUTES_MAX = 43200, HORIZON_DAYS_MAX = 730 };
static const char SQL_SAVE_HOURS[] =
	"UPDATE organizations SET business_hours = $2::jsonb WHERE id = $1";

static const struct {
	const char *key;
	const char *label;
} weekdays[] = {
	{ "mon", "Monday" }, { "tue", "Tuesday" }, { "wed", "Wednesday" }, { "thu", "Thursday" },
	{ "fri", "Friday" }, { "sat", "Saturday" }, { "sun", "Sunday" },
};
#define N_WEEKDAYS (sizeof(weekdays) / sizeof(weekdays[0]))

static bool is_clock_time(const char *s, bool allow_midnight_end)
{
	if (allow_midnight_end && !strcmp(s, "24:00"))
		return true;
	return strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       s[2] == ':' && s[3] >= '0' && s[3] <= '5' && isdigit((unsigned char)s[4]) &&
	       (s[0] < '2' || (s[0] == '2' && s[1] <= '3'));
}

/* The trimmed form field "<day>_<part>" (never NULL). */
static const char *day_field(struct req *r, const char *day, const char *part)
{
	return text_trim(r, req_form(r, arena_printf(r->arena, "%s_%s", day, part)));
}

static void hours_show(struct req *r, struct tpl_dict *d, int status)
{
	/* The other form keeps what is stored when this one is shown again, and the reverse. */
	struct db_result *w = db_q(r->db, r->arena, SQL_WINDOW, r->org_id);

	if (!w || db_rows(w) != 1) {
		http_fail(r, 503, "the business hours could not be loaded; please try again");
		return;
	}
	if (!req_form(r, "notice_minutes")) {
		tpl_set(d, "NOTICE_MINUTES_VALUE", db_value(w, 0, 0));
		tpl_set(d, "HORIZON_DAYS_VALUE", db_value(w, 0, 1));
	}
	settings_render(r, status, "Business hours", TAB_HOURS, "settings_hours.tpl", d);
}

/* A day's row of the hours form, with one field marked wrong when message is set. */
static void hours_row_error(struct tpl_dict *row, const char *field, const char *message)
{
	char error[16], cls[16];

	snprintf(error, sizeof(error), "%s_ERROR", field);
	snprintf(cls, sizeof(cls), "%s_CLASS", field);
	tpl_set(tpl_section(row, error), "MESSAGE", message);
	tpl_set(row, cls, "has-error");
}

/*
 * One DAY row per weekday from the stored hours' text. The form edits a day as its opening,
 * its closing and one break: the gap after its first span (a resource's page takes more).
 */
static void hours_fill(struct req *r, struct tpl_dict *d, const char *text)
{
	char why[200];
	json_t *hours = json_parse(r->arena, text, strlen(text), why, sizeof(why));
	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		struct tpl_dict *row = tpl_section(d, "DAY");
		json_t *spans = hours ? json_object_get(hours, weekdays[i].key) : NULL;
		json_t *first = json_array_get(spans, 0);
		const char *from = json_string_value(json_array_get(first, 0));
		json_t *last = json_array_get(spans, json_array_size(spans) - 1);
		const char *to = json_string_value(json_array_get(last, 1));
		if (json_array_size(spans) > 1) {
			json_t *second = json_array_get(spans, 1);
			const char *rest = json_string_value(json_array_get(first, 1));
			const char *back = json_string_value(json_array_get(second, 0));
			tpl_set(row, "BREAK_FROM_VALUE", rest);
			tpl_set(row, "BREAK_TO_VALUE", back);
		}
		tpl_set(row, "KEY", weekdays[i].key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from ? from : "09:00");
		tpl_set(row, "TO_VALUE", to ? to : "17:00");
		if (from && to)
			tpl_show(row, "OPEN");
	}
}

void page_settings_hours(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "business hours", "loaded", SQL_HOURS, r->org_id);

	if (!org)
		return;
	hours_fill(r, d, db_field(org, 0, "hours"));
	hours_show(r, d, 200);
}

void page_settings_hours_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	json_t *hours = json_to_arena(r->arena, json_object());
	int errors = 0;

	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		const char *key = weekdays[i].key;
		struct tpl_dict *row = tpl_section(d, "DAY");
		const char *from = day_field(r, key, "from");
		const char *to = day_field(r, key, "to");
		const char *open = day_field(r, key, "open");
		const char *break_from = day_field(r, key, "break_from");
		const char *break_to = day_field(r, key, "break_to");
		json_t *spans = json_array();

		tpl_set(row, "KEY", key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from);
		tpl_set(row, "TO_VALUE", to);
		tpl_set(row, "BREAK_FROM_VALUE", break_from);
		tpl_set(row, "BREAK_TO_VALUE", break_to);
		json_object_set_new(hours, key, spans);
		if (!*open)
			continue;
		tpl_show(row, "OPEN");
		bool from_ok = is_clock_time(from, false), to_ok = is_clock_time(to, true);
		if (!from_ok)
			hours_row_error(row, "FROM", "enter the opening time as HH:MM, like 09:00");
		if (!to_ok)
			hours_row_error(row, "TO", "enter the closing time as HH:MM, like 17:00");
		if (from_ok && to_ok && strcmp(from, to) >= 0) {
			hours_row_error(row, "TO",
					"the closing time must be after the opening time");
			to_ok = false;
		}
		/* A break lies inside the day: open < break starts < break ends < close. */
		bool has_break = *break_from || *break_to;
		if (from_ok && to_ok && has_break &&
		    (!is_clock_time(break_from, false) || !is_clock_time(break_to, false) ||
		     strcmp(from, break_from) >= 0 || strcmp(break_from, break_to) >= 0 ||
		     strcmp(break_to, to) >= 0)) {
			hours_row_error(row, "BREAK", "a break is two times as HH:MM inside the "
				       "opening hours, like 12:00 to 13:00");
			to_ok = false;
		}
		if (!from_ok || !to_ok) {
			errors++;
			continue;
		}
		if (has_break) {
			json_array_append_new(spans, json_pack("[ss]", from, break_from));
			json_array_append_new(spans, json_pack("[ss]", break_to, to));
		} else {
			json_array_append_new(spans, json_pack("[ss]", from, to));
		}
	}
	if (errors) {
		tpl_show(d, "HAS_ERRORS");
		hours_show(r, d, 422);
		return;
	}
	const char *text = json_text(r->arena, hours);
	if (db_exec(r->db, r->arena, SQL_SAVE_HOURS, r->org_id, text) != 1 ||
	    ui_audit(r, "settings.hours", "organization", json_incref(hours)) < 0) {
		http_fail(r, 503, "the business hours could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Business hours saved.");
	http_redirect(r, "/settings/hours");
}

void page_settings_booking_window_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	long notice = 0, horizon = 0;

	form_begin(&f, r, d);
	const char *notice_typed = form_text(&f, "notice_minutes");
	const char *horizon_typed = form_text(&f, "horizon_days");
	if (form_required(&f, "notice_minutes", notice_typed, "Minimum notice"))
		form_long(&f, "notice_minutes", notice_typed, 0, NOTICE_MINUTES_MAX, &notice);
	if (form_required(&f, "horizon_days", horizon_typed, "Booking horizon"))
		form_long(&f, "horizon_days", horizon_typed, 1, HORIZON_DAYS_MAX, &horizon);
	if (!form_ok(&f)) {
		/* The hours as stored, under the window form being fixed. */
		struct db_result *org = ui_one(r, "business hours", "loaded", SQL_HOURS, r->org_id);
		if (!org)
			return;
		hours_fill(r, d, db_field(org, 0, "hours"));
		tpl_show(d, "WINDOW_ERRORS");
		hours_show(r, d, 422);
		return;
	}
	const char *n = arena_printf(r->arena, "%ld", notice);
	const char *h = arena_printf(r->arena, "%ld", horizon);
	if (db_exec(r->db, r->arena, SQL_SAVE_WINDOW, r->org_id, n, h) != 1 ||
	    ui_audit(r, "settings.booking_window", "organization",
		     json_pack("{s:I, s:I}", "min_notice_minutes", (json_int_t)notice,
			       "horizon_days", (json_int_t)horizon)) < 0) {
		http_fail(r, 503, "the booking window could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Booking window saved.");
	http_redirect(r, "/settings/hours");
}
