/* page-calendar-feed.c: a business's private iCalendar feed (/calendar/<token>), read by
 * Outlook, Apple Calendar and the like with no session: the token is the key */
#include <string.h>
#include <time.h>

#include "answer.h"
#include "domain/calendar_feed.h"
#include "infra/db.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"

void page_calendar_feed(struct req *r)
{
	const char *org_id, *resource_id;
	int found = calendar_feed_find(r->db, r->arena, r->path_id, &org_id, &resource_id);

	if (found < 0) {
		http_fail(r, 503, "the calendar is not available; please retry");
		return;
	}
	/* The router's own words for an address it does not know: a wrong token and a malformed
	 * one read alike. */
	if (!found) {
		http_fail(r, 404, "there is no page at this address");
		return;
	}
	if (db_begin_org(r->db, r->arena, org_id) < 0) {
		http_fail(r, 503, "the calendar is not available; please retry");
		return;
	}
	const char *ics = calendar_feed_ics(r->db, r->arena, org_id, resource_id, time(NULL));
	if (!ics) {
		http_fail(r, 503, "the calendar could not be built; please retry");
		return;
	}
	log_info("calendar feed read org=%s resource=%s", org_id, resource_id ? resource_id : "-");
	/* Private: no shared cache may keep it, and no search engine may list it. */
	http_header(r, "Cache-Control", "private, no-store");
	http_header(r, "X-Robots-Tag", "noindex");
	http_header(r, "Content-Disposition", "inline; filename=\"appointments.ics\"");
	http_send(r, 200, "text/calendar; charset=utf-8", ics, strlen(ics));
}
