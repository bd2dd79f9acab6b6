/* page-settings-phones.c: the business's phone numbers: list with each one's state, add, remove
 * (/settings/phones); a number typed here routes nothing until verified on /line */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "domain/account.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_PHONES[] =
	"SELECT id, e164, coalesce(label, '') AS label, provider, active, connection, "
	"       verified_at IS NOT NULL AS verified, coalesce(forwarded_from, '') AS forwarded_from "
	"FROM phone_numbers ORDER BY created_at, e164 LIMIT 200";
/* Row-level security shows only this business's numbers. */
static const char SQL_PHONE_OURS[] = "SELECT 1 FROM phone_numbers WHERE e164 = $1";
/*
 * The unique index spans every business. DO NOTHING answers a clash with no row instead of an
 * error, so the transaction stays usable to re-show the form.
 */
static const char SQL_PHONE_ADD[] =
	"INSERT INTO phone_numbers (org_id, e164, label) VALUES ($1, $2, nullif($3, '')) "
	"ON CONFLICT (e164) DO NOTHING RETURNING id";
static const char SQL_PHONE_REMOVE[] = "DELETE FROM phone_numbers WHERE id = $1 RETURNING e164";

/* Whether a number routes calls, and how it was connected, in words (sql/014_phone_lines). */
static void phone_state(struct req *r, struct tpl_dict *row, const char *connection,
			bool verified, const char *forwarded_from)
{
	const char *how;

	if (!verified) {
		tpl_show(row, "UNVERIFIED");
		return;
	}
	if (!strcmp(connection, "platform"))
		how = "bought through Switchboard";
	else if (!strcmp(connection, "own_account"))
		how = "on your own Twilio account";
	else if (!strcmp(connection, "forwarding"))
		how = *forwarded_from ? arena_printf(r->arena, "forwarded from %s", forwarded_from)
				      : "forwarded";
	else
		how = "connected before verification existed";
	tpl_set(tpl_section(row, "VERIFIED"), "HOW", how);
}

static void phones_show(struct req *r, struct tpl_dict *d, int status)
{
	struct db_result *phones = db_q(r->db, r->arena, SQL_PHONES);

	if (!phones) {
		http_fail(r, 503, "the phone numbers could not be loaded");
		return;
	}
	for (int i = 0; i < db_rows(phones); i++) {
		struct tpl_dict *row = tpl_section(d, "PHONE");
		tpl_set(row, "ID", db_field(phones, i, "id"));
		tpl_set(row, "E164", db_field(phones, i, "e164"));
		tpl_set(row, "LABEL", db_field(phones, i, "label"));
		tpl_set(row, "PROVIDER", db_field(phones, i, "provider"));
		tpl_show(row, strcmp(db_field(phones, i, "active"), "t") ? "INACTIVE" : "ACTIVE");
		phone_state(r, row, db_field(phones, i, "connection"),
			    !strcmp(db_field(phones, i, "verified"), "t"),
			    db_field(phones, i, "forwarded_from"));
	}
	tpl_show(d, db_rows(phones) ? "HAS_PHONES" : "NO_PHONES");
	settings_render(r, status, "Phone numbers", TAB_PHONES, "settings_phones.tpl", d);
}

void page_settings_phones(struct req *r)
{
	phones_show(r, page_dict(r), 200);
}

void page_settings_phone_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *e164 = NULL;

	form_begin(&f, r, d);
	const char *typed = form_text(&f, "e164");
	const char *label = form_text(&f, "label");
	if (form_required(&f, "e164", typed, "Phone number"))
		form_phone(&f, "e164", typed, &e164);
	form_max_length(&f, "label", label, 100);
	int may = account_may_connect_lines(r->db, r->arena);
	if (may < 0) {
		http_fail(r, 503, "the number could not be added; please try again");
		return;
	}
	if (!may)
		form_error(&f, "e164", ACCOUNT_VERIFY_FIRST);
	if (form_ok(&f) && db_text(r->db, r->arena, SQL_PHONE_OURS, e164))
		form_error(&f, "e164", "this number is already on your account");
	if (!form_ok(&f)) {
		phones_show(r, d, 422);
		return;
	}
	struct db_result *added = db_q(r->db, r->arena, SQL_PHONE_ADD, r->org_id, e164, label);
	if (added && db_rows(added) == 0) {
		form_error(&f, "e164", "this number is already in use by another business; "
			   "contact support if it is yours");
		phones_show(r, d, 422);
		return;
	}
	if (!added || ui_audit(r, "settings.phone_add", db_value(added, 0, 0),
			       json_pack("{s:s}", "e164", e164)) < 0) {
		http_fail(r, 503, "the number could not be added; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s added. It is not routed until verified: "
					 "verify it on the Phone line page.", e164));
	http_redirect(r, "/settings/phones");
}

void page_settings_phone_remove(struct req *r)
{
	struct db_result *gone = ui_one(r, "phone number", "removed", SQL_PHONE_REMOVE, r->path_id);

	if (!gone)
		return;
	const char *e164 = db_field(gone, 0, "e164");
	if (ui_audit(r, "settings.phone_remove", r->path_id,
		     json_pack("{s:s}", "e164", e164)) < 0) {
		http_fail(r, 503, "the number could not be removed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s removed.", e164));
	http_redirect(r, "/settings/phones");
}
