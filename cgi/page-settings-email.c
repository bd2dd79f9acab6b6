/* page-settings-email.c: how the business's email reads: its sender name, reply-to address and
 * the information email its callers are sent (/settings/email, on the Notifications page) */
#include <jansson.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_SAVE_EMAIL[] =
	"UPDATE organizations SET mail_sender_name = nullif($2, ''), mail_reply_to = nullif($3, ''), "
	"       info_subject = nullif($4, ''), info_body = nullif($5, ''), "
	"       info_logo_url = nullif($6, '') "
	"WHERE id = $1";

/* True when s holds a control character (a line break in a one-line field, say). */
static bool has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 127)
			return true;
	return false;
}

void page_settings_email_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *sender = form_text(&f, "mail_sender_name");
	const char *reply_to = form_text(&f, "mail_reply_to");
	const char *subject = form_text(&f, "info_subject");
	const char *body = form_text(&f, "info_body");
	const char *logo = form_text(&f, "info_logo_url");

	if (form_max_length(&f, "mail_sender_name", sender, 100) && has_control(sender))
		form_error(&f, "mail_sender_name", "one line of text");
	if (*reply_to && form_email(&f, "mail_reply_to", reply_to) &&
	    (strpbrk(reply_to, "<>,;:\"()\\[] ") || strlen(reply_to) > 254))
		form_error(&f, "mail_reply_to", "one plain email address");
	if (form_max_length(&f, "info_subject", subject, 200) && has_control(subject))
		form_error(&f, "info_subject", "one line of text");
	form_max_length(&f, "info_body", body, 5000);
	if (*logo && (strncmp(logo, "https://", 8) || strlen(logo) > 500 ||
		      strpbrk(logo, " \t\r\n\"<>")))
		form_error(&f, "info_logo_url", "an https:// address of an image");
	if (!form_ok(&f)) {
		if (settings_notifications_fill(r, d) < 0)
			return;
		settings_render(r, 422, "Notifications", TAB_NOTIFICATIONS,
				"settings_notifications.tpl", d);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_EMAIL, r->org_id, sender, reply_to, subject, body,
		    logo) != 1 ||
	    ui_audit(r, "settings.email", "organization",
		     json_pack("{s:s, s:s, s:s}", "mail_sender_name", sender, "mail_reply_to",
			       reply_to, "info_subject", subject)) < 0) {
		http_fail(r, 503, "the email settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Email settings saved.");
	http_redirect(r, "/settings/notifications");
}
