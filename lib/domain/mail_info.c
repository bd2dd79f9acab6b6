/* mail_info.c: the business's branded information email, built from the owner's plain text */
#include "domain/mail_info.h"

#include <string.h>

#include "domain/mail.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "infra/mime.h"
#include "infra/tpl.h"

static const char SQL_INFO[] =
	"SELECT o.name, coalesce(o.info_subject, 'About ' || o.name), "
	"       coalesce(o.info_body, 'Thank you for calling ' || o.name || '. We are glad to help: "
	"reply to this email or call us any time.'), o.info_logo_url, "
	"       (SELECT e164 FROM phone_numbers p WHERE p.org_id = o.id AND p.active "
	"        AND p.verified_at IS NOT NULL ORDER BY p.created_at, p.id LIMIT 1) "
	"FROM organizations o WHERE o.id = app_org_id()";
static const char SQL_LEAD_EMAIL[] = "UPDATE leads SET email = $2 WHERE id = $1";

/* The owner's text as paragraphs, split at blank lines, into section PARAGRAPH of d. */
static void paragraphs(struct arena *a, struct tpl_dict *d, const char *body)
{
	const char *p = body;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		const char *crlf = strstr(p, "\r\n\r\n");
		size_t skip = 2;
		if (crlf && (!end || crlf < end))
			end = crlf, skip = 4;
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n)
			tpl_set(tpl_section(d, "PARAGRAPH"), "TEXT", arena_strndup(a, p, n));
		p += n + (end ? skip : 0);
	}
}

const char *mail_info_enqueue(struct db *db, struct arena *a, const char *org_id,
			      const char *lead_id, const char *call_id, const char *to)
{
	if (!mime_address_ok(to))
		return NULL;
	struct db_result *info = db_q(db, a, SQL_INFO);
	if (!info || db_rows(info) != 1 || db_exec(db, a, SQL_LEAD_EMAIL, lead_id, to) != 1)
		return NULL;
	const char *business = db_value(info, 0, 0), *subject = db_value(info, 0, 1);
	const char *body = db_value(info, 0, 2), *logo = db_value(info, 0, 3);
	const char *number = db_value(info, 0, 4);

	struct tpl_dict *d = tpl_dict_new(a, "mail_info");
	tpl_set(d, "SUBJECT", subject);
	tpl_set(d, "BUSINESS", business);
	if (logo)
		tpl_set(tpl_section(d, "LOGO"), "URL", logo);
	if (number)
		tpl_set(tpl_section(d, "PHONE"), "NUMBER", number);
	paragraphs(a, d, body);
	struct buf html = BUF_INIT;
	const char *html_body = tpl_render("mail_info.tpl", d, &html) == 0 ?
				arena_strdup(a, buf_str(&html)) : NULL;
	buf_release(&html);

	struct mail_message m = {
		.to = to, .subject = subject,
		.text = arena_printf(a, "%s\n\n-- \n%s%s%s\n", body, business, number ? "\n" : "",
				     number ? number : ""),
		.html = html_body, .purpose = "info", .unsubscribable = true,
		.lead_id = lead_id, .call_id = call_id,
	};
	return mail_enqueue(db, a, org_id, &m, NULL);
}
