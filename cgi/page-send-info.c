/* page-send-info.c: "Send info": the business's information email to a lead or a caller, from
 * the lead's page (/leads/:id/info) or the call's (/calls/:id/info) */
#include <jansson.h>
#include <string.h>

#include "answer.h"
#include "domain/mail_info.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/mime.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_LEAD[] = "SELECT id, coalesce(name, phone) FROM leads WHERE id = $1";
static const char SQL_CALL_LEAD[] =
	"SELECT l.id, coalesce(l.name, l.phone) FROM calls c "
	"JOIN leads l ON l.org_id = c.org_id AND l.id = c.lead_id WHERE c.id = $1";

/*
 * Check the address, queue the email and go back to back_url; a bad address shows the form
 * again on a page of its own (422). lead is the lead's row (id, name).
 */
static void send_info(struct req *r, struct db_result *lead, const char *call_id,
		      const char *action, const char *back_url)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *to = form_text(&f, "email");
	/* One plain address: no list, no name, nothing that could become a header. */
	if (form_required(&f, "email", to, "An email address") && form_email(&f, "email", to) &&
	    !mime_address_ok(to))
		form_error(&f, "email", "enter one plain email address");
	if (!form_ok(&f)) {
		tpl_set(d, "ACTION", action);
		tpl_set(d, "BACK_URL", back_url);
		tpl_set(d, "WHO", db_value(lead, 0, 1));
		page_render(r, 422, "Send info", NAV_LEADS, "send_info.tpl", d);
		return;
	}
	const char *lead_id = db_value(lead, 0, 0);
	if (!mail_info_enqueue(r->db, r->arena, r->org_id, lead_id, call_id, to) ||
	    ui_audit(r, "lead.send_info", lead_id, json_pack("{s:s}", "email", to)) < 0) {
		http_fail(r, 503, "the email could not be queued; please try again");
		return;
	}
	log_info("information email queued lead=%s", lead_id);
	page_flash(r, "ok", arena_printf(r->arena, "Information email queued to %s.", to));
	http_redirect(r, back_url);
}

void page_lead_info(struct req *r)
{
	struct db_result *lead = ui_one(r, "lead", "loaded", SQL_LEAD, r->path_id);

	if (lead)
		send_info(r, lead, NULL, arena_printf(r->arena, "/leads/%s/info", r->path_id),
			  arena_printf(r->arena, "/leads/%s", r->path_id));
}

void page_call_info(struct req *r)
{
	struct db_result *lead = ui_one(r, "call's lead", "loaded", SQL_CALL_LEAD, r->path_id);

	if (lead)
		send_info(r, lead, r->path_id, arena_printf(r->arena, "/calls/%s/info", r->path_id),
			  arena_printf(r->arena, "/calls/%s", r->path_id));
}
