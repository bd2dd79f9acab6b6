/* page-dashboard.c: the owner's first page: today's calls, bookings and missed calls */
#include "arena.h"
#include "db.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "tpl.h"

/* "Today" is the business's day, in its own time zone. */
static const char SQL_TODAY[] =
	"WITH day AS (SELECT date_trunc('day', now() AT TIME ZONE o.timezone) AT TIME ZONE o.timezone AS start "
	"             FROM organizations o WHERE o.id = $1) "
	"SELECT count(*), count(*) FILTER (WHERE c.booked), count(*) FILTER (WHERE c.status = 'missed') "
	"FROM calls c, day WHERE c.started_at >= day.start";

void page_dashboard(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *today = db_q(r->db, r->arena, SQL_TODAY, r->org_id);

	if (!today) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	tpl_set(d, "CALLS_TODAY", db_value(today, 0, 0));
	tpl_set(d, "BOOKED_TODAY", db_value(today, 0, 1));
	tpl_set(d, "MISSED_TODAY", db_value(today, 0, 2));
	page_render(r, 200, "Dashboard", NAV_DASHBOARD, "dashboard.tpl", d);
}
