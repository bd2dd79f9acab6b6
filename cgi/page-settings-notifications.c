/* page-settings-notifications.c: whether text messages are sent, and where the owner is alerted
 * (/settings/notifications) */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "domain/setup.h"
#include "form.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_NOTIFICATIONS[] =
	"SELECT sms_enabled, coalesce(alert_phone, '') AS alert_phone, "
	"       coalesce(alert_email, '') AS alert_email "
	"FROM organizations WHERE id = $1";
static const char SQL_SAVE_NOTIFICATIONS[] =
	"UPDATE organizations SET sms_enabled = $2::boolean, alert_phone = nullif($3, ''), "
	"       alert_email = nullif($4, '') WHERE id = $1";

static void notifications_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Notifications", TAB_NOTIFICATIONS,
			"settings_notifications.tpl", d);
}

void page_settings_notifications(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = ui_one(r, "notification settings", "loaded", SQL_NOTIFICATIONS,
				       r->org_id);

	if (!org)
		return;
	if (!strcmp(db_field(org, 0, "sms_enabled"), "t")) {
		const char *problem = NULL;
		tpl_show(d, "SMS_ON");
		if (setup_sms_problem(r->db, r->arena, r->org_id, &problem) == 0 && problem)
			tpl_set(tpl_section(d, "SMS_PROBLEM"), "MESSAGE", problem);
	}
	tpl_set(d, "ALERT_PHONE_VALUE", db_field(org, 0, "alert_phone"));
	tpl_set(d, "ALERT_EMAIL_VALUE", db_field(org, 0, "alert_email"));
	notifications_show(r, d, 200);
}

void page_settings_notifications_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *phone;
	const char *sms = req_form(r, "sms_enabled");
	bool sms_on = sms && *sms;

	form_begin(&f, r, d);
	const char *typed_phone = form_text(&f, "alert_phone");
	const char *email = form_text(&f, "alert_email");
	if (sms_on)
		tpl_show(d, "SMS_ON");
	form_phone(&f, "alert_phone", typed_phone, &phone);
	if (*email)
		form_email(&f, "alert_email", email);
	/* Texts switched on that cannot go out would look sent and never arrive. */
	const char *problem = NULL;
	if (sms_on && setup_sms_problem(r->db, r->arena, r->org_id, &problem) < 0) {
		http_fail(r, 503, "the text settings could not be checked; please try again");
		return;
	}
	if (problem)
		form_error(&f, "sms_enabled", problem);
	if (!form_ok(&f)) {
		notifications_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_NOTIFICATIONS, r->org_id, sms_on ? "true" : "false",
		    phone, email) != 1 ||
	    ui_audit(r, "settings.notifications", "organization",
		     json_pack("{s:b, s:s, s:s}", "sms_enabled", sms_on, "alert_phone", phone,
			       "alert_email", email)) < 0) {
		http_fail(r, 503, "the notification settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", sms_on ?
		   "Notification settings saved. Text messages will be sent." :
		   "Notification settings saved. Text messages are only logged, not sent.");
	http_redirect(r, "/settings/notifications");
}
