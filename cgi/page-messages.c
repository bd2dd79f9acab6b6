/* page-messages.c: the texts customers sent that a person must read (/messages), newest first */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

/* Texts shown on one page; older ones are on the next. */
#define MESSAGES_PER_PAGE 50
/* The last page offered: older texts than this many pages back are not listed. */
#define MESSAGE_PAGES_MAX 1000

/*
 * The business's texts to read: ordinary messages and what C and R did (opt-outs, opt-ins and
 * HELP are answered by themselves), each with the latest lead of the sender's number, if any.
 * Row-level security keeps them to the business; the org_id condition uses its index.
 */
static const char SQL_MESSAGES[] =
	"SELECT m.from_number, m.body, " UI_SQL_DATE_TIME("m.created_at") ", "
	"       m.kind, m.num_media, coalesce(l.id::text, ''), coalesce(l.name, '') "
	"FROM inbound_messages m JOIN organizations o ON o.id = m.org_id "
	"LEFT JOIN LATERAL (SELECT id, name FROM leads "
	"                   WHERE org_id = m.org_id AND phone = m.from_number "
	"                   ORDER BY created_at DESC LIMIT 1) l ON true "
	"WHERE m.org_id = $1 "
	"  AND m.kind IN ('message', 'cancel_request', 'reschedule_request', 'reschedule_choice') "
	"ORDER BY m.created_at DESC, m.id DESC LIMIT $2::int OFFSET $3::int";

/* What a kept text did, as the owner reads it; "" for an ordinary message. */
static const char *kind_label(const char *kind)
{
	if (!strcmp(kind, "reschedule_request"))
		return "asked to reschedule";
	if (!strcmp(kind, "cancel_request"))
		return "cancelled by text";
	if (!strcmp(kind, "reschedule_choice"))
		return "moved by text";
	return "";
}

/* The page number asked for: 1 when absent or not a sensible number. */
static long page_number(struct req *r)
{
	const char *v = req_query(r, "page");
	char *end;

	if (!v)
		return 1;
	long n = strtol(v, &end, 10);
	return *v && !*end && n >= 1 && n <= MESSAGE_PAGES_MAX ? n : 1;
}

void page_messages(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	long page = page_number(r);
	struct db_result *res = db_q(r->db, r->arena, SQL_MESSAGES, r->org_id,
				     arena_printf(r->arena, "%d", MESSAGES_PER_PAGE + 1),
				     arena_printf(r->arena, "%ld", (page - 1) * MESSAGES_PER_PAGE));

	if (!res) {
		http_fail(r, 503, "the messages could not be loaded; please try again");
		return;
	}
	int rows = db_rows(res);
	if (rows == 0)
		tpl_show(d, page > 1 ? "PAST_THE_END" : "EMPTY");
	struct tpl_dict *table = rows ? tpl_section(d, "TABLE") : NULL;
	for (int i = 0; i < rows && i < MESSAGES_PER_PAGE; i++) {
		struct tpl_dict *row = tpl_section(table, "MESSAGE");
		const char *label = kind_label(db_value(res, i, 3));
		const char *lead = db_value(res, i, 5), *name = db_value(res, i, 6);
		tpl_set(row, "FROM", db_value(res, i, 0));
		tpl_set(row, "BODY", db_value(res, i, 1));
		tpl_set(row, "RECEIVED", db_value(res, i, 2));
		if (*label)
			tpl_set(tpl_section(row, "KIND"), "KIND_LABEL", label);
		if (strcmp(db_value(res, i, 4), "0"))
			tpl_set(tpl_section(row, "MEDIA"), "NUM_MEDIA", db_value(res, i, 4));
		if (*lead) {
			struct tpl_dict *l = tpl_section(row, "LEAD");
			tpl_set(l, "LEAD_ID", lead);
			tpl_set(l, "LEAD_NAME", *name ? name : "Lead");
		}
	}
	if (page > 1 || rows > MESSAGES_PER_PAGE) {
		struct tpl_dict *nav = tpl_section(d, "PAGES");
		tpl_set_long(nav, "PAGE", page);
		if (page > 1)
			tpl_set(tpl_section(nav, "PREV"), "HREF",
				arena_printf(r->arena, "/messages?page=%ld", page - 1));
		else
			tpl_show(nav, "NO_PREV");
		if (rows > MESSAGES_PER_PAGE)
			tpl_set(tpl_section(nav, "NEXT"), "HREF",
				arena_printf(r->arena, "/messages?page=%ld", page + 1));
		else
			tpl_show(nav, "NO_NEXT");
	}
	page_render(r, 200, "Messages", NAV_MESSAGES, "messages.tpl", d);
}
