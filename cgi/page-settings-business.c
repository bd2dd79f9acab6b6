/* page-settings-business.c: the business's name and time zone, and what it may spend and keep:
 * daily limits, allowed countries and retention (/settings) */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "domain/business_kind.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_BUSINESS[] =
	"SELECT name, timezone, business_kind, sms_daily_limit, call_daily_limit, retention_days, "
	"       array_to_string(allowed_calling_codes, ' ') AS codes "
	"FROM organizations WHERE id = $1";
static const char SQL_KIND_NOW[] = "SELECT business_kind FROM organizations WHERE id = $1";
static const char SQL_TIMEZONE_EXISTS[] = "SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_SAVE_BUSINESS[] =
	"UPDATE organizations SET name = $2, timezone = $3 WHERE id = $1";
static const char SQL_SAVE_LIMITS[] =
	"UPDATE organizations SET sms_daily_limit = $2::int, call_daily_limit = $3::int, "
	"  allowed_calling_codes = string_to_array(nullif($4, ''), ' '), retention_days = $5::int "
	"WHERE id = $1";

/* Most countries one business may list (the schema's bound too). */
#define MAX_CALLING_CODES 50

/* The kinds of business to choose from, the one chosen selected. */
static void kind_options(struct tpl_dict *d, const char *chosen)
{
	for (const struct business_kind *k = business_kind_all(); k->id; k++) {
		struct tpl_dict *o = tpl_section(d, "KIND_OPTION");
		tpl_set(o, "VALUE", k->id);
		tpl_set(o, "LABEL", k->label);
		if (chosen && !strcmp(chosen, k->id))
			tpl_show(o, "SELECTED");
	}
}

static void business_show(struct req *r, struct tpl_dict *d, int status)
{
	/* The server's ceilings bound what a business may set: the page says them. */
	tpl_set(d, "SMS_CEILING", arena_printf(r->arena, "%ld", conf_int("SMS_DAILY_CEILING")));
	tpl_set(d, "CALLS_CEILING", arena_printf(r->arena, "%ld", conf_int("CALLS_DAILY_CEILING")));
	settings_render(r, status, "Settings", TAB_BUSINESS, "settings_business.tpl", d);
}

/* "1 44" as the page shows it: "+1 +44"; arena-owned. */
static const char *codes_shown(struct req *r, const char *codes)
{
	struct buf b = BUF_INIT;
	char *copy = arena_strdup(r->arena, codes), *save = NULL;

	for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
		buf_printf(&b, "%s+%s", b.len ? " " : "", c);
	char *out = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return out;
}

void page_settings_business(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "business", "loaded", SQL_BUSINESS, r->org_id);

	if (!org)
		return;
	tpl_set(d, "NAME_VALUE", db_field(org, 0, "name"));
	tpl_set(d, "TIMEZONE_VALUE", db_field(org, 0, "timezone"));
	kind_options(d, db_field(org, 0, "business_kind"));
	tpl_set(d, "SMS_DAILY_LIMIT_VALUE", db_field(org, 0, "sms_daily_limit"));
	tpl_set(d, "CALL_DAILY_LIMIT_VALUE", db_field(org, 0, "call_daily_limit"));
	tpl_set(d, "RETENTION_DAYS_VALUE", db_field(org, 0, "retention_days"));
	tpl_set(d, "CALLING_CODES_VALUE", codes_shown(r, db_field(org, 0, "codes")));
	business_show(r, d, 200);
}

void page_settings_business_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *name = form_text(&f, "name");
	const char *timezone = form_text(&f, "timezone");
	const char *kind = form_text(&f, "business_kind");
	const char *kind_now = db_text(r->db, r->arena, SQL_KIND_NOW, r->org_id);
	/* A form without the field (an older page) keeps the kind. */
	if (!*kind && kind_now)
		kind = kind_now;
	if (!business_kind_valid(kind))
		form_error(&f, "business_kind", "choose the kind of business");
	kind_options(d, kind);
	if (form_required(&f, "name", name, "Business name"))
		form_max_length(&f, "name", name, 200);
	if (form_required(&f, "timezone", timezone, "Time zone") &&
	    !db_text(r->db, r->arena, SQL_TIMEZONE_EXISTS, timezone))
		form_error(&f, "timezone", "choose a time zone such as America/New_York");
	if (!form_ok(&f)) {
		business_show(r, d, 422);
		return;
	}
	bool new_kind = !kind_now || strcmp(kind, kind_now);
	/* A new kind adds its starter services and answers beside the business's own. */
	if ((new_kind && business_kind_apply(r->db, r->arena, r->org_id, kind) < 0) ||
	    db_exec(r->db, r->arena, SQL_SAVE_BUSINESS, r->org_id, name, timezone) != 1 ||
	    ui_audit(r, "settings.business", "organization",
		     json_pack("{s:s, s:s, s:s}", "name", name, "timezone", timezone,
			       "business_kind", kind)) < 0) {
		http_fail(r, 503, "the business details could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", new_kind ? "Business details saved. The new kind's starter services "
			    "and answers were added where you had none of the same name." :
			    "Business details saved.");
	http_redirect(r, "/settings");
}

/*
 * The calling codes typed ("+1, +44" or "1 44") as the schema stores them, space-separated
 * without "+" ("1 44", "" for none), arena-owned; NULL when one is not a calling code.
 */
static const char *codes_parsed(struct req *r, const char *typed)
{
	struct buf b = BUF_INIT;
	char *copy = arena_strdup(r->arena, typed), *save = NULL;
	int n = 0;
	bool ok = true;

	for (char *c = strtok_r(copy, " ,;", &save); c && ok; c = strtok_r(NULL, " ,;", &save)) {
		if (*c == '+')
			c++;
		size_t len = strlen(c);
		ok = len >= 1 && len <= 3 && strspn(c, "0123456789") == len && *c != '0' &&
		     ++n <= MAX_CALLING_CODES;
		/* A code listed twice is listed once. */
		const char *padded = arena_printf(r->arena, " %s ", c);
		char *have = arena_printf(r->arena, " %s ", buf_str(&b));
		if (ok && !strstr(have, padded))
			buf_printf(&b, "%s%s", b.len ? " " : "", c);
	}
	char *out = ok ? arena_strdup(r->arena, buf_str(&b)) : NULL;
	buf_release(&b);
	return out;
}

void page_settings_limits_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	long sms, calls, days;

	form_begin(&f, r, d);
	const char *sms_text = form_text(&f, "sms_daily_limit");
	const char *calls_text = form_text(&f, "call_daily_limit");
	const char *codes_text = form_text(&f, "calling_codes");
	const char *days_text = form_text(&f, "retention_days");
	form_long(&f, "sms_daily_limit", sms_text, 0, conf_int("SMS_DAILY_CEILING"), &sms);
	form_long(&f, "call_daily_limit", calls_text, 0, conf_int("CALLS_DAILY_CEILING"), &calls);
	form_long(&f, "retention_days", days_text, 0, 3650, &days);
	const char *codes = codes_parsed(r, codes_text);
	if (!codes)
		form_error(&f, "calling_codes", "list country calling codes such as +1 +44 (at "
			   "most 50)");
	/* Show the saved business details beside the refused limits. */
	struct db_result *org = form_ok(&f) ? NULL
				: ui_one(r, "business", "loaded", SQL_BUSINESS, r->org_id);
	if (!form_ok(&f)) {
		if (!org)
			return;
		tpl_set(d, "NAME_VALUE", db_field(org, 0, "name"));
		tpl_set(d, "TIMEZONE_VALUE", db_field(org, 0, "timezone"));
		kind_options(d, db_field(org, 0, "business_kind"));
		business_show(r, d, 422);
		return;
	}
	const char *sms_s = arena_printf(r->arena, "%ld", sms);
	const char *calls_s = arena_printf(r->arena, "%ld", calls);
	const char *days_s = arena_printf(r->arena, "%ld", days);
	if (db_exec(r->db, r->arena, SQL_SAVE_LIMITS, r->org_id, sms_s, calls_s, codes,
		    days_s) != 1 ||
	    ui_audit(r, "settings.limits", "organization",
		     json_pack("{s:I, s:I, s:s, s:I}", "sms_daily_limit", (json_int_t)sms,
			       "call_daily_limit", (json_int_t)calls, "calling_codes", codes,
			       "retention_days", (json_int_t)days)) < 0) {
		http_fail(r, 503, "the limits could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Limits and retention saved.");
	http_redirect(r, "/settings");
}
