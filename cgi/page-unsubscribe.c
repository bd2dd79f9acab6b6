/* page-unsubscribe.c: the one-click unsubscribe link of a business's email (/u/<token>), which
 * needs no sign-in */
#include <string.h>

#include "answer.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/* The link names the business and the address; only its hash is stored (025). */
static const char SQL_UNSUBSCRIBE[] = "SELECT address FROM mail_unsubscribe($1)";

/*
 * GET shows a button rather than unsubscribing: mail scanners follow links, and only a person
 * (or the mail provider's one-click POST) should end the mail.
 */
void page_unsubscribe_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "TOKEN", r->path_id);
	tpl_show(d, "ASK");
	page_render(r, 200, "Unsubscribe", NAV_NONE, "unsubscribe.tpl", d);
}

/* RFC 8058: the provider POSTs List-Unsubscribe=One-Click with no cookie; a person's button
 * posts the same. Either way the address gets no more of the business's non-alert mail. */
void page_unsubscribe(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *res = db_q(r->db, r->arena, SQL_UNSUBSCRIBE,
				     crypto_sha256_hex(r->arena, r->path_id));

	if (!res) {
		http_fail(r, 503, "the unsubscribe could not be saved; please try again");
		return;
	}
	if (db_rows(res) != 1) {
		http_fail(r, 404, "this unsubscribe link is not known");
		return;
	}
	tpl_set(tpl_section(d, "DONE"), "ADDRESS", db_value(res, 0, 0));
	page_render(r, 200, "Unsubscribed", NAV_NONE, "unsubscribe.tpl", d);
}
