/* page-settings-hours.c: the business's opening hours, one span a day (/settings/hours) */
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
	"SELECT business_hours::text AS hours FROM organizations WHERE id = $1";
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
 * The form edits one span per day: the first stored span is shown, and saving replaces the
 * day's spans with the one in the form.
 */
void page_settings_hours(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "business hours", "loaded", SQL_HOURS, r->org_id);
	char why[200];

	if (!org)
		return;
	const char *text = db_field(org, 0, "hours");
	json_t *hours = json_parse(r->arena, text, strlen(text), why, sizeof(why));
	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		struct tpl_dict *row = tpl_section(d, "DAY");
		json_t *spans = hours ? json_object_get(hours, weekdays[i].key) : NULL;
		json_t *first = json_array_get(spans, 0);
		const char *from = json_string_value(json_array_get(first, 0));
		const char *to = json_string_value(json_array_get(first, 1));
		tpl_set(row, "KEY", weekdays[i].key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from ? from : "09:00");
		tpl_set(row, "TO_VALUE", to ? to : "17:00");
		if (from && to)
			tpl_show(row, "OPEN");
	}
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
		json_t *spans = json_array();

		tpl_set(row, "KEY", key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from);
		tpl_set(row, "TO_VALUE", to);
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
		if (!from_ok || !to_ok) {
			errors++;
			continue;
		}
		json_array_append_new(spans, json_pack("[ss]", from, to));
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
