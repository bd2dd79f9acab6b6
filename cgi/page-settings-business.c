/* page-settings-business.c: the business's name and time zone (/settings) */
#include <jansson.h>

#include "answer.h"
#include "form.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_BUSINESS[] = "SELECT name, timezone FROM organizations WHERE id = $1";
static const char SQL_TIMEZONE_EXISTS[] = "SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_SAVE_BUSINESS[] =
	"UPDATE organizations SET name = $2, timezone = $3 WHERE id = $1";

static void business_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Settings", TAB_BUSINESS, "settings_business.tpl", d);
}

void page_settings_business(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "business", "loaded", SQL_BUSINESS, r->org_id);

	if (!org)
		return;
	tpl_set(d, "NAME_VALUE", db_field(org, 0, "name"));
	tpl_set(d, "TIMEZONE_VALUE", db_field(org, 0, "timezone"));
	business_show(r, d, 200);
}

void page_settings_business_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *name = form_text(&f, "name");
	const char *timezone = form_text(&f, "timezone");
	if (form_required(&f, "name", name, "Business name"))
		form_max_length(&f, "name", name, 200);
	if (form_required(&f, "timezone", timezone, "Time zone") &&
	    !db_text(r->db, r->arena, SQL_TIMEZONE_EXISTS, timezone))
		form_error(&f, "timezone", "choose a time zone such as America/New_York");
	if (!form_ok(&f)) {
		business_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_BUSINESS, r->org_id, name, timezone) != 1 ||
	    ui_audit(r, "settings.business", "organization",
		     json_pack("{s:s, s:s}", "name", name, "timezone", timezone)) < 0) {
		http_fail(r, 503, "the business details could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Business details saved.");
	http_redirect(r, "/settings");
}
