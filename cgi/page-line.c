/* page-line.c: the Phone line page: the business's numbers and their state, the webhook
 * addresses, and connecting a number one of the three verified ways (lib/domain/phone_lines) */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "domain/phone_lines.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

/* How many available numbers a search shows. */
#define SEARCH_MAX 20

static const char SQL_NUMBERS[] =
	"SELECT n.id, n.e164, coalesce(n.label, ''), n.connection, "
	"       coalesce(n.forwarded_from, ''), n.verified_at IS NOT NULL, "
	"       coalesce(to_char(n.verified_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY'), ''), "
	"       n.check_started_at > now() - interval '15 minutes', "
	"       coalesce(to_char(n.webhooks_set_at AT TIME ZONE o.timezone, "
	"                        'Mon FMDD, YYYY FMHH12:MI am'), ''), "
	"       n.twilio_number_sid IS NOT NULL, n.active "
	"FROM phone_numbers n JOIN organizations o ON o.id = n.org_id "
	"ORDER BY n.created_at, n.e164 LIMIT 200";
static const char SQL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, $3, $4, $5::jsonb)";

/* What a page shows besides the numbers: results of a search or a listing, or a problem. */
struct line_view {
	const char *problem;
	const char *purpose;                 /* "buy" or "forward" for search results */
	const char *area_code;
	const char *forwarded_from;
	const struct twilio_number *found;   /* available numbers, or the own account's */
	int nfound;
	bool own;                            /* found lists the business's own account */
};

static bool can_edit(struct req *r)
{
	return strcmp(r->user_role, "member") != 0;
}

/* "How connected", in words. */
static const char *connection_words(struct arena *a, const char *connection,
				    const char *forwarded_from)
{
	if (!strcmp(connection, "platform"))
		return "New number from Switchboard";
	if (!strcmp(connection, "own_account"))
		return "Your own Twilio account";
	if (!strcmp(connection, "forwarding"))
		return arena_printf(a, "Forwarded from %s", forwarded_from);
	return "Typed in by hand";
}

static void show_numbers(struct req *r, struct tpl_dict *d, struct db_result *rows)
{
	for (int i = 0; i < db_rows(rows); i++) {
		struct tpl_dict *row = tpl_section(d, "NUMBER");
		bool verified = !strcmp(db_value(rows, i, 5), "t");
		bool forwarding = !strcmp(db_value(rows, i, 3), "forwarding");
		const char *checking = db_value(rows, i, 7);

		tpl_set(row, "ID", db_value(rows, i, 0));
		tpl_set(row, "E164", db_value(rows, i, 1));
		tpl_set(row, "LABEL", db_value(rows, i, 2));
		tpl_set(row, "HOW", connection_words(r->arena, db_value(rows, i, 3),
						      db_value(rows, i, 4)));
		if (verified) {
			tpl_show(row, "VERIFIED");
			tpl_set(row, "VERIFIED_AT", db_value(rows, i, 6));
		} else if (forwarding && checking && !strcmp(checking, "t")) {
			tpl_show(row, "CHECKING");
		} else {
			tpl_show(row, "UNVERIFIED");
		}
		if (strcmp(db_value(rows, i, 10), "t"))
			tpl_show(row, "INACTIVE");
		if (*db_value(rows, i, 8)) {
			tpl_show(row, "HOOKS_SET");
			tpl_set(row, "HOOKS_AT", db_value(rows, i, 8));
		} else {
			tpl_show(row, "HOOKS_UNSET");
		}
		if (can_edit(r)) {
			tpl_show(row, "CAN_EDIT");
			if (forwarding && !verified)
				tpl_show(row, "CAN_CHECK");
			if (!strcmp(db_value(rows, i, 9), "t"))
				tpl_show(row, "CAN_CONFIGURE");
		}
	}
	tpl_show(d, db_rows(rows) ? "HAS_NUMBERS" : "NO_NUMBERS");
}

static void show_found(struct arena *a, struct tpl_dict *d, const struct line_view *v)
{
	if (v->own) {
		struct tpl_dict *section = tpl_section(d, "OWN_RESULTS");
		for (int i = 0; i < v->nfound; i++) {
			struct tpl_dict *row = tpl_section(section, "OWN");
			tpl_set(row, "E164", v->found[i].phone_number);
			tpl_set(row, "NAME", v->found[i].friendly_name);
			tpl_set(row, "VOICE_URL", v->found[i].voice_url);
		}
		if (!v->nfound)
			tpl_show(section, "OWN_NONE");
		return;
	}
	if (!v->purpose)
		return;
	struct tpl_dict *section = tpl_section(d, strcmp(v->purpose, "forward") ? "BUY_RESULTS"
									      : "FORWARD_RESULTS");
	for (int i = 0; i < v->nfound; i++) {
		struct tpl_dict *row = tpl_section(section, "AVAILABLE");
		const struct twilio_number *n = &v->found[i];
		tpl_set(row, "E164", n->phone_number);
		tpl_set(row, "PLACE", *n->locality && *n->region
			? arena_printf(a, "%s, %s", n->locality, n->region)
			: *n->region ? n->region : n->locality);
	}
	if (!v->nfound)
		tpl_show(section, "NONE_AVAILABLE");
}

/* The page, with what v adds, as the answer with status. */
static void line_show(struct req *r, int status, const struct line_view *v)
{
	struct tpl_dict *d = page_dict(r);
	struct twilio_number_hooks hooks;
	struct db_result *rows = db_q(r->db, r->arena, SQL_NUMBERS);

	if (!rows) {
		http_fail(r, 503, "the phone numbers could not be loaded");
		return;
	}
	tpl_set(d, "CSRF", r->csrf);
	phone_line_hooks(r->arena, &hooks);
	ui_public_url_warning(d);
	tpl_set(d, "VOICE_URL", hooks.voice_url);
	tpl_set(d, "STATUS_URL", hooks.status_callback);
	tpl_set(d, "SMS_URL", hooks.sms_url);
	tpl_set(d, "AREA_CODE", v->area_code);
	tpl_set(d, "FORWARDED_FROM", v->forwarded_from);
	if (v->problem)
		tpl_set(tpl_section(d, "PROBLEM"), "MESSAGE", v->problem);
	if (can_edit(r))
		tpl_show(d, "CAN_EDIT");
	else
		tpl_show(d, "READ_ONLY");
	show_numbers(r, d, rows);
	show_found(r->arena, d, v);
	page_render(r, status, "Phone line", NAV_SETTINGS, "line.tpl", d);
}

void page_line(struct req *r)
{
	struct line_view v = { 0 };

	line_show(r, 200, &v);
}

/*
 * A phone number as typed, in E.164: "+" and 8 to 15 digits, the first not 0, after dropping
 * spaces, dashes, dots and brackets; arena-owned, or NULL when it is not one.
 */
static const char *typed_e164(struct arena *a, const char *typed)
{
	char *out = arena_alloc(a, strlen(typed ? typed : "") + 1);
	size_t n = 0;

	for (const char *p = typed ? typed : ""; *p; p++)
		if (!strchr(" -.()", *p))
			out[n++] = *p;
	out[n] = '\0';
	size_t digits = n > 1 ? strspn(out + 1, "0123456789") : 0;
	if (out[0] != '+' || digits != n - 1 || digits < 8 || digits > 15 || out[1] == '0')
		return NULL;
	return out;
}

/* Three digits, not starting with 0 or 1 (North American area codes), or "". */
static bool area_code_ok(const char *s)
{
	return !*s || (strlen(s) == 3 && strspn(s, "0123456789") == 3 && s[0] >= '2');
}

static const char *form_value(struct req *r, const char *name)
{
	const char *v = req_form(r, name);
	size_t len;

	if (!v)
		return "";
	while (isspace((unsigned char)*v))
		v++;
	len = strlen(v);
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	return arena_strndup(r->arena, v, len);
}

void page_line_search(struct req *r)
{
	struct line_view v = {
		.purpose = strcmp(form_value(r, "purpose"), "forward") ? "buy" : "forward",
		.area_code = form_value(r, "area_code"),
		.forwarded_from = form_value(r, "forwarded_from"),
	};
	struct twilio_number *found;

	if (!area_code_ok(v.area_code)) {
		v.problem = "An area code is three digits, such as 415.";
		v.purpose = NULL;
		line_show(r, 422, &v);
		return;
	}
	if (!strcmp(v.purpose, "forward")) {
		const char *e164 = typed_e164(r->arena, v.forwarded_from);
		if (!e164) {
			v.problem = "Enter your existing number in international form, such as "
				    "+14155550123.";
			v.purpose = NULL;
			line_show(r, 422, &v);
			return;
		}
		v.forwarded_from = e164;
	}
	if (phone_line_search(r->arena, v.area_code, SEARCH_MAX, &found, &v.nfound,
			      &v.problem) < 0) {
		v.purpose = NULL;
		line_show(r, 502, &v);
		return;
	}
	v.found = found;
	line_show(r, 200, &v);
}

/* Record what an admin did to the line. Returns 0 or -1. */
static int line_audit(struct req *r, const char *action, const char *target, json_t *detail)
{
	json_t *owned = json_to_arena(r->arena, detail);

	return owned && db_exec(r->db, r->arena, SQL_AUDIT, r->org_id, r->user_id, action, target,
				json_text(r->arena, owned)) == 1 ? 0 : -1;
}

/*
 * After a connect step: back to the page with what happened. A number bought stays bought
 * whatever else fails, so the step is never answered with an error that would undo its record.
 */
static void line_done(struct req *r, int rc, const struct phone_line_outcome *out,
		      const char *action, const char *done)
{
	if (rc < 0 && out->missing) {
		http_fail(r, 404, "there is no such phone number");
		return;
	}
	if (rc < 0) {
		page_flash(r, "error", out->problem ? out->problem : "That did not work.");
		http_redirect(r, "/line");
		return;
	}
	if (line_audit(r, action, out->number_id,
		       json_pack("{s:s}", "e164", out->e164 ? out->e164 : "")) < 0)
		page_flash(r, "error", "Done, but it could not be noted in the audit log.");
	else if (out->warning)
		page_flash(r, "error", arena_printf(r->arena, "%s %s", done, out->warning));
	else
		page_flash(r, "ok", done);
	http_redirect(r, "/line");
}

void page_line_buy(struct req *r)
{
	const char *e164 = typed_e164(r->arena, req_form(r, "phone_number"));
	struct phone_line_outcome out = { 0 };

	if (!e164) {
		http_fail(r, 400, "phone_number must be a number in international form");
		return;
	}
	int rc = phone_line_buy(r->db, r->arena, r->org_id, e164, NULL,
				form_value(r, "label"), &out);
	line_done(r, rc, &out, "line.buy",
		  arena_printf(r->arena, "%s is yours and answers calls now.", out.e164));
}

void page_line_own(struct req *r)
{
	struct line_view v = { .own = true };
	struct twilio_number *found;

	if (phone_line_own_numbers(r->db, r->arena, r->org_id, &found, &v.nfound,
				   &v.problem) < 0) {
		v.own = false;
		line_show(r, 422, &v);
		return;
	}
	v.found = found;
	line_show(r, 200, &v);
}

void page_line_claim(struct req *r)
{
	const char *e164 = typed_e164(r->arena, req_form(r, "phone_number"));
	struct phone_line_outcome out = { 0 };

	if (!e164) {
		http_fail(r, 400, "phone_number must be a number in international form");
		return;
	}
	int rc = phone_line_claim(r->db, r->arena, r->org_id, e164, form_value(r, "label"), &out);
	line_done(r, rc, &out, "line.claim",
		  arena_printf(r->arena, "%s is connected from your Twilio account.", e164));
}

void page_line_forward(struct req *r)
{
	const char *e164 = typed_e164(r->arena, req_form(r, "phone_number"));
	const char *from = typed_e164(r->arena, req_form(r, "forwarded_from"));
	struct phone_line_outcome out = { 0 };

	if (!e164 || !from) {
		http_fail(r, 400, "phone_number and forwarded_from must be numbers in "
			  "international form");
		return;
	}
	int rc = phone_line_buy(r->db, r->arena, r->org_id, e164, from, form_value(r, "label"),
				&out);
	line_done(r, rc, &out, "line.forward",
		  arena_printf(r->arena, "Forward %s to %s, then press \"Call me to check\".", from,
			       out.e164));
}

void page_line_check(struct req *r)
{
	struct phone_line_outcome out;
	int rc = phone_line_check_start(r->db, r->arena, r->org_id, r->path_id, &out);

	line_done(r, rc, &out, "line.check",
		  arena_printf(r->arena, "Switchboard is calling your existing number: when the "
			       "call comes back forwarded to %s, the number is verified.",
			       out.e164 ? out.e164 : ""));
}

void page_line_webhooks(struct req *r)
{
	struct phone_line_outcome out;
	int rc = phone_line_configure(r->db, r->arena, r->org_id, r->path_id, &out);

	line_done(r, rc, &out, "line.webhooks",
		  arena_printf(r->arena, "The webhooks of %s point here.",
			       out.e164 ? out.e164 : ""));
}
