/* ui.c: what every page shares: one row or a clean 404/503, money, phone numbers, status
 * labels and badges, and the audit log */
#include "ui.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/tpl.h"
#include "page.h"
#include "req.h"

static const char SQL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, $3, $4, coalesce($5::jsonb, '{}'))";

struct db_result *ui_one_v(struct req *r, const char *thing, const char *doing, const char *sql,
			   int nparams, const char *const *params)
{
	struct db_result *res = db_query(r->db, r->arena, sql, nparams, params);

	if (!res) {
		http_fail(r, 503, arena_printf(r->arena, "the %s could not be %s; please try again",
					       thing, doing));
		return NULL;
	}
	if (db_rows(res) != 1) {
		http_fail(r, 404, arena_printf(r->arena, "there is no such %s", thing));
		return NULL;
	}
	return res;
}

int ui_audit(struct req *r, const char *action, const char *target, json_t *detail)
{
	const char *text = NULL;

	if (detail) {
		json_to_arena(r->arena, detail);
		text = json_text(r->arena, detail);
	}
	return db_exec(r->db, r->arena, SQL_AUDIT, r->org_id, r->user_id, action, target,
		       text) == 1 ? 0 : -1;
}

const char *ui_thousands(struct arena *a, long long n)
{
	char digits[32], grouped[48];
	int len = snprintf(digits, sizeof(digits), "%lld", n), k = 0, start = n < 0;

	if (start)
		grouped[k++] = '-';
	for (int i = start; i < len; i++) {
		if (i > start && (len - i) % 3 == 0)
			grouped[k++] = ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	return arena_strdup(a, grouped);
}

/* "$1,234.50", or without the cents of a whole amount when brief. */
static const char *money(struct arena *a, long long cents, bool brief)
{
	/* Whole dollars and cents apart, so the most negative amount is no special case. */
	long long dollars = cents / 100, rest = cents % 100;
	const char *sign = cents < 0 ? "-" : "";

	if (dollars < 0)
		dollars = -dollars;
	if (rest < 0)
		rest = -rest;
	if (brief && !rest)
		return arena_printf(a, "%s$%s", sign, ui_thousands(a, dollars));
	return arena_printf(a, "%s$%s.%02lld", sign, ui_thousands(a, dollars), rest);
}

const char *ui_money(struct arena *a, long long cents)
{
	return money(a, cents, false);
}

const char *ui_money_brief(struct arena *a, long long cents)
{
	return money(a, cents, true);
}

const char *ui_money_text(struct arena *a, const char *cents)
{
	return cents ? money(a, strtoll(cents, NULL, 10), false) : "";
}

const char *ui_phone_e164(struct arena *a, const char *typed)
{
	char *out = arena_alloc(a, strlen(typed) + 1);
	size_t n = 0, digits = 0;

	for (const char *s = typed; *s; s++) {
		if (strchr(" -.()", *s))
			continue;
		if (*s == '+' && n == 0) {
			out[n++] = '+';
		} else if (isdigit((unsigned char)*s) && n > 0) {
			if (digits == 0 && *s == '0')
				return NULL;
			out[n++] = *s;
			digits++;
		} else {
			return NULL;
		}
	}
	out[n] = '\0';
	return digits >= 8 && digits <= 15 ? out : NULL;
}

bool ui_phone_reachable(const char *number)
{
	int digits = 0;

	for (const char *p = number ? number : ""; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr("+ -().", *p))
			return false;
	}
	return digits >= 7;
}

const char *ui_label(struct arena *a, const char *word)
{
	char *label = arena_strdup(a, word ? word : "");

	if (*label)
		label[0] = (char)toupper((unsigned char)label[0]);
	for (char *p = label; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	return label;
}

/* One table per kind drives the filters' choices, their validation, the labels and badges. */
static const struct ui_status call_statuses[] = {
	{ "completed", "Completed", "badge-completed" },
	{ "missed", "Missed", "badge-missed" },
	{ "no-answer", "No answer", "badge-missed" },
	{ "busy", "Busy", "badge-missed" },
	{ "failed", "Failed", "badge-failed" },
	{ "transferred", "Transferred", "badge-info" },
	{ "in-progress", "In progress", "badge-in-progress" },
	{ "ringing", "Ringing", "badge-pending" },
	{ "queued", "Queued", "badge-pending" },
	{ "canceled", "Canceled", "badge-cancelled" },
	/* An outbound call-back before the provider took it. */
	{ "pending", "Pending", "badge-pending" },
	{ "initiated", "Initiated", "badge-pending" },
	{ NULL, NULL, NULL },
};

static const struct ui_status lead_statuses[] = {
	{ "new", "New", "badge-new" },
	{ "contacted", "Contacted", "badge-contacted" },
	{ "qualified", "Qualified", "badge-info" },
	{ "booked", "Booked", "badge-booked" },
	{ "converted", "Converted", "badge-won" },
	{ "lost", "Lost", "badge-lost" },
	{ NULL, NULL, NULL },
};

static const struct ui_status appointment_statuses[] = {
	{ "scheduled", "Scheduled", "badge-scheduled" },
	{ "confirmed", "Confirmed", "badge-booked" },
	{ "cancelled", "Cancelled", "badge-cancelled" },
	{ "completed", "Completed", "badge-completed" },
	{ "no_show", "No-show", "badge-missed" },
	{ NULL, NULL, NULL },
};

static const struct ui_status temperatures[] = {
	{ "hot", "Hot", "badge-hot" },
	{ "warm", "Warm", "badge-warm" },
	{ "cold", "Cold", "badge-cold" },
	{ NULL, NULL, NULL },
};

const struct ui_status *ui_statuses(enum ui_status_kind kind)
{
	switch (kind) {
	case UI_CALL: return call_statuses;
	case UI_LEAD: return lead_statuses;
	case UI_APPOINTMENT: return appointment_statuses;
	case UI_TEMPERATURE: return temperatures;
	}
	return lead_statuses;
}

struct ui_status ui_status(struct arena *a, enum ui_status_kind kind, const char *value)
{
	for (const struct ui_status *s = ui_statuses(kind); value && s->value; s++)
		if (!strcmp(s->value, value))
			return *s;
	return (struct ui_status){ value ? value : "", ui_label(a, value), "badge-info" };
}

bool ui_status_known(enum ui_status_kind kind, const char *value)
{
	for (const struct ui_status *s = ui_statuses(kind); value && s->value; s++)
		if (!strcmp(s->value, value))
			return true;
	return false;
}

void ui_status_set(struct arena *a, struct tpl_dict *d, const char *name,
		   enum ui_status_kind kind, const char *value)
{
	struct ui_status s = ui_status(a, kind, value);

	tpl_set(d, arena_printf(a, "%s_LABEL", name), s.label);
	tpl_set(d, arena_printf(a, "%s_BADGE", name), s.badge);
}

void ui_status_options(struct tpl_dict *d, const char *section, enum ui_status_kind kind,
		       const char *chosen)
{
	for (const struct ui_status *s = ui_statuses(kind); s->value; s++) {
		struct tpl_dict *o = tpl_section(d, section);
		tpl_set(o, "VALUE", s->value);
		tpl_set(o, "LABEL", s->label);
		if (chosen && !strcmp(s->value, chosen))
			tpl_show(o, "SELECTED");
	}
}

void ui_row_options(struct tpl_dict *d, const char *section, const struct db_result *rows,
		    const char *chosen)
{
	for (int i = 0; rows && i < db_rows(rows); i++) {
		struct tpl_dict *o = tpl_section(d, section);
		tpl_set(o, "VALUE", db_value(rows, i, 0));
		tpl_set(o, "LABEL", db_value(rows, i, 1));
		if (chosen && !strcmp(chosen, db_value(rows, i, 0)))
			tpl_show(o, "SELECTED");
	}
}

void ui_public_url_warning(struct tpl_dict *d)
{
	const char *base = conf_str("PUBLIC_BASE_URL");

	if (strncmp(base, "https://", 8))
		tpl_set(tpl_section(d, "PLAIN_HTTP"), "BASE", base);
}

const char *ui_public_url(struct req *r, const char *path)
{
	const char *base = conf_str("PUBLIC_BASE_URL");
	size_t len = strlen(base);

	while (len && base[len - 1] == '/')
		len--;
	return arena_printf(r->arena, "%.*s%s", (int)len, base, path);
}
