/* page-dashboard.c: the owner's dashboard: today's figures, latest events, 30-day chart, live */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "domain/setup.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/json.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/tpl.h"
#include "ui.h"

#define DASHBOARD_DAYS 30
#define DASHBOARD_EVENTS 10

/*
 * One row per day of the business's last 30 days (its own time zone), oldest first, today
 * last, summed from the quarter-hour counts that 004_dashboard's triggers keep (see there what
 * "answered", "missed" and a booking are). Local midnights fall on quarter hours, so the
 * range picks whole days.
 */
static const char SQL_DAYS[] =
	"WITH org_day AS ("
	"  SELECT timezone AS tz, (now() AT TIME ZONE timezone)::date AS today"
	"  FROM organizations WHERE id = $1), "
	"span AS ("
	"  SELECT tz, today, ((today - 29)::timestamp AT TIME ZONE tz) AS first,"
	"         ((today + 1)::timestamp AT TIME ZONE tz) AS last FROM org_day), "
	"counted AS ("
	"  SELECT (b.bucket AT TIME ZONE span.tz)::date AS day, sum(b.calls) AS calls,"
	"         sum(b.missed) AS missed, sum(b.answered) AS answered, sum(b.booked) AS booked,"
	"         sum(b.duration_sum) AS duration_sum, sum(b.duration_count) AS duration_count,"
	"         sum(b.bookings) AS bookings"
	"  FROM span, dashboard_buckets b"
	"  WHERE b.org_id = $1 AND b.bucket >= span.first AND b.bucket < span.last"
	"  GROUP BY 1) "
	"SELECT to_char(d.day, 'YYYY-MM-DD'), to_char(d.day, 'Mon FMDD'),"
	"       coalesce(c.calls, 0), coalesce(c.missed, 0), coalesce(c.answered, 0),"
	"       coalesce(c.booked, 0), coalesce(c.duration_sum, 0), coalesce(c.duration_count, 0),"
	"       coalesce(c.bookings, 0) "
	"FROM (SELECT span.today - g AS day FROM span, generate_series(0, 29) g) d "
	"LEFT JOIN counted c ON c.day = d.day "
	"ORDER BY d.day";

/* Open leads are those still to be won; the partial index of 004_dashboard covers exactly these. */
static const char SQL_PIPELINE[] =
	"SELECT coalesce(sum(value_cents), 0) FROM leads "
	"WHERE org_id = $1 AND status IN ('new', 'contacted', 'qualified', 'booked')";

/*
 * The newest events of four kinds, each branch cut to 10 by its own index before the merge.
 * Columns: kind, link (NULL when the event has no page), title, detail, local time, UTC time.
 */
/* No-shows of the business's own week (Monday to Sunday, its time zone), as the owner marked. */
static const char SQL_NO_SHOWS_WEEK[] =
	"SELECT count(*) FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"WHERE a.org_id = $1 AND a.status = 'no_show' "
	"  AND a.starts_at >= date_trunc('week', now() AT TIME ZONE o.timezone) "
	"                     AT TIME ZONE o.timezone "
	"  AND a.starts_at < (date_trunc('week', now() AT TIME ZONE o.timezone) "
	"                     + interval '7 days') "
	"                    AT TIME ZONE o.timezone";
static const char SQL_EVENTS[] =
	"SELECT e.kind, e.link, e.title, e.detail,"
	"       " UI_SQL_LOCAL("e.at", UI_RECENT_FORMAT) ","
	"       to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	"FROM organizations o CROSS JOIN LATERAL ("
	"  (SELECT 'call' AS kind, '/calls/' || c.id AS link, c.started_at AS at,"
	"          CASE c.direction WHEN 'inbound' THEN 'Call from ' ELSE 'Call to ' END"
	"          || coalesce(nullif(l.name, ''), CASE c.direction WHEN 'inbound'"
	"                      THEN c.from_number ELSE c.to_number END) AS title,"
	"          replace(c.status, '-', ' ')"
	"          || coalesce(', ' || (c.duration_seconds / 60) || 'm '"
	"                      || (c.duration_seconds % 60) || 's', '')"
	"          || CASE WHEN c.booked THEN ', booked' ELSE '' END AS detail"
	"   FROM calls c LEFT JOIN leads l ON l.org_id = c.org_id AND l.id = c.lead_id"
	"   WHERE c.org_id = $1 ORDER BY c.started_at DESC LIMIT 10)"
	"  UNION ALL"
	"  (SELECT 'booking', '/appointments', a.created_at,"
	"          'Appointment booked for ' || a.customer_name,"
	"          coalesce(s.name || ', ', '')"
	"          || " UI_SQL_LOCAL("a.starts_at", UI_SOON_FORMAT)
	"          || CASE WHEN a.status = 'cancelled' THEN ' (cancelled)' ELSE '' END"
	"   FROM appointments a LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id"
	"   WHERE a.org_id = $1 ORDER BY a.created_at DESC LIMIT 10)"
	"  UNION ALL"
	"  (SELECT 'lead', '/leads/' || l.id, l.created_at,"
	"          'New lead: ' || coalesce(nullif(l.name, ''), l.phone),"
	"          l.status || coalesce(', ' || l.temperature, '')"
	"   FROM leads l WHERE l.org_id = $1 ORDER BY l.created_at DESC LIMIT 10)"
	"  UNION ALL"
	"  (SELECT 'message',"
	"          CASE WHEN n.lead_id IS NOT NULL THEN '/leads/' || n.lead_id"
	"               WHEN n.call_id IS NOT NULL THEN '/calls/' || n.call_id"
	"               WHEN n.appointment_id IS NOT NULL THEN '/appointments' END,"
	"          n.created_at,"
	"          CASE n.channel WHEN 'sms' THEN 'Text to ' ELSE 'Email to ' END || n.to_address,"
	"          coalesce(replace(n.purpose, '_', ' ') || ', ', '') || n.status"
	"   FROM notifications n WHERE n.org_id = $1"
	/* A person's own account mail (a reset or verification link) is not the business's news. */
	"     AND n.purpose IS DISTINCT FROM 'password_reset'"
	"     AND n.purpose IS DISTINCT FROM 'verify_email'"
	"   ORDER BY n.created_at DESC LIMIT 10)"
	") e "
	"WHERE o.id = $1 "
	"ORDER BY e.at DESC LIMIT 10";

struct dashboard_day {
	const char *date;       /* 2024-03-09 */
	const char *label;      /* Mar 9 */
	long calls, bookings;
};

/* Everything the page and the live endpoint show, owned by the request's arena. */
struct dashboard {
	long calls_today, booked_today, missed_today;
	long no_shows_week;
	long answered_inbound, booked_inbound;      /* last 30 days */
	long duration_sum, duration_count;          /* last 30 days, finished answered calls */
	long long pipeline_cents;
	struct dashboard_day days[DASHBOARD_DAYS];
	struct db_result *events;
};

/* The labels the events list shows for each kind, and the badge that marks it. */
static const struct {
	const char *kind, *label, *badge;
} event_kinds[] = {
	{ "call", "Call", "badge-answered" },
	{ "booking", "Booking", "badge-booked" },
	{ "lead", "New lead", "badge-new" },
	{ "message", "Message", "badge-info" },
};

static long value_long(const struct db_result *res, int row, int col)
{
	const char *v = db_value(res, row, col);
	return v ? strtol(v, NULL, 10) : 0;
}

/* Fill *dash for r's organization; 0, or -1 when a query failed (logged by db). */
static int dashboard_load(struct req *r, struct dashboard *dash)
{
	struct db_result *days = db_q(r->db, r->arena, SQL_DAYS, r->org_id);
	const char *pipeline;

	memset(dash, 0, sizeof(*dash));
	if (!days || db_rows(days) != DASHBOARD_DAYS)
		return -1;
	for (int i = 0; i < DASHBOARD_DAYS; i++) {
		struct dashboard_day *day = &dash->days[i];
		day->date = db_value(days, i, 0);
		day->label = db_value(days, i, 1);
		day->calls = value_long(days, i, 2);
		day->bookings = value_long(days, i, 8);
		dash->answered_inbound += value_long(days, i, 4);
		dash->booked_inbound += value_long(days, i, 5);
		dash->duration_sum += value_long(days, i, 6);
		dash->duration_count += value_long(days, i, 7);
	}
	dash->calls_today = dash->days[DASHBOARD_DAYS - 1].calls;
	dash->booked_today = dash->days[DASHBOARD_DAYS - 1].bookings;
	dash->missed_today = value_long(days, DASHBOARD_DAYS - 1, 3);

	pipeline = db_text(r->db, r->arena, SQL_PIPELINE, r->org_id);
	if (!pipeline)
		return -1;
	dash->pipeline_cents = strtoll(pipeline, NULL, 10);
	const char *no_shows = db_text(r->db, r->arena, SQL_NO_SHOWS_WEEK, r->org_id);
	if (!no_shows)
		return -1;
	dash->no_shows_week = strtol(no_shows, NULL, 10);
	dash->events = db_q(r->db, r->arena, SQL_EVENTS, r->org_id);
	return dash->events ? 0 : -1;
}

static const char *success_rate_text(struct arena *a, const struct dashboard *dash)
{
	if (!dash->answered_inbound)
		return "–";
	long rounded = dash->booked_inbound * 100 + dash->answered_inbound / 2;
	return arena_printf(a, "%ld%%", rounded / dash->answered_inbound);
}

/* The mean length of finished answered calls, rounded to the second; 0 when there are none. */
static long average_seconds(const struct dashboard *dash)
{
	if (!dash->duration_count)
		return 0;
	return (dash->duration_sum + dash->duration_count / 2) / dash->duration_count;
}

static const char *duration_text(struct arena *a, const struct dashboard *dash)
{
	long seconds = average_seconds(dash);

	if (!dash->duration_count)
		return "–";
	return arena_printf(a, "%ldm %02lds", seconds / 60, seconds % 60);
}

static const char *success_rate_sub(struct arena *a, const struct dashboard *dash)
{
	return arena_printf(a, "%ld of %ld answered calls booked, 30 days",
			    dash->booked_inbound, dash->answered_inbound);
}

/* A round axis step (1, 2 or 5 times a power of ten) giving about four gridlines. */
static long chart_step(long max)
{
	long step = 1;

	while (step * 4 < max) {
		if (step * 2 * 4 >= max)
			return step * 2;
		if (step * 5 * 4 >= max)
			return step * 5;
		step *= 10;
	}
	return step;
}

/* A coordinate of the chart as the SVG gets it. */
static const char *coordinate(struct arena *a, double v)
{
	return arena_printf(a, "%.1f", v);
}

/*
 * The 30-day chart for templates/dashboard_chart.tpl into c: a pair of bars per day (calls,
 * then bookings), gridlines with counts on the left, a date under every seventh day ending
 * today.
 */
static void chart_fill(struct arena *a, struct tpl_dict *c, const struct dashboard *dash)
{
	const double width = 720, height = 240, left = 36, right = 8, top = 10, bottom = 26;
	const double plot_w = width - left - right, plot_h = height - top - bottom;
	const double slot = plot_w / DASHBOARD_DAYS, bar = slot * 0.36;
	long max = 1;

	for (int i = 0; i < DASHBOARD_DAYS; i++) {
		if (dash->days[i].calls > max)
			max = dash->days[i].calls;
		if (dash->days[i].bookings > max)
			max = dash->days[i].bookings;
	}
	long step = chart_step(max), ceiling = (max + step - 1) / step * step;

	tpl_set(c, "WIDTH", arena_printf(a, "%.0f", width));
	tpl_set(c, "HEIGHT", arena_printf(a, "%.0f", height));
	tpl_set(c, "BAR", coordinate(a, bar));
	for (long tick = 0; tick <= ceiling; tick += step) {
		struct tpl_dict *g = tpl_section(c, "GRID");
		double y = top + plot_h - plot_h * (double)tick / (double)ceiling;
		tpl_set(g, "X1", coordinate(a, left));
		tpl_set(g, "X2", coordinate(a, width - right));
		tpl_set(g, "Y", coordinate(a, y));
		tpl_set(g, "LABEL_X", coordinate(a, left - 6));
		tpl_set(g, "LABEL_Y", coordinate(a, y + 4));
		tpl_set_long(g, "TICK", tick);
	}
	for (int i = 0; i < DASHBOARD_DAYS; i++) {
		const struct dashboard_day *day = &dash->days[i];
		struct tpl_dict *g = tpl_section(c, "DAY");
		double x = left + slot * i + (slot - 2 * bar) / 2;
		double calls_h = plot_h * (double)day->calls / (double)ceiling;
		double bookings_h = plot_h * (double)day->bookings / (double)ceiling;

		tpl_set(g, "DATE", day->date);
		tpl_set(g, "LABEL", day->label);
		tpl_set_long(g, "CALLS", day->calls);
		tpl_set_long(g, "BOOKINGS", day->bookings);
		tpl_set(g, "CALLS_TEXT", arena_printf(a, "%ld call%s", day->calls,
						      day->calls == 1 ? "" : "s"));
		tpl_set(g, "BOOKINGS_TEXT", arena_printf(a, "%ld booking%s", day->bookings,
							 day->bookings == 1 ? "" : "s"));
		tpl_set(g, "CALLS_X", coordinate(a, x));
		tpl_set(g, "CALLS_Y", coordinate(a, top + plot_h - calls_h));
		tpl_set(g, "CALLS_H", coordinate(a, calls_h));
		tpl_set(g, "BOOKINGS_X", coordinate(a, x + bar));
		tpl_set(g, "BOOKINGS_Y", coordinate(a, top + plot_h - bookings_h));
		tpl_set(g, "BOOKINGS_H", coordinate(a, bookings_h));
		if ((DASHBOARD_DAYS - 1 - i) % 7 == 0) {
			struct tpl_dict *label = tpl_section(g, "DATE_LABEL");
			tpl_set(label, "MIDDLE", coordinate(a, left + slot * i + slot / 2));
			tpl_set(label, "LABEL_Y", coordinate(a, height - 8));
		}
	}
}

/* The chart alone, as the live endpoint sends it (arena), or NULL when it cannot be made. */
static const char *chart_svg(struct arena *a, const struct dashboard *dash)
{
	struct tpl_dict *c = tpl_dict_new(a, "chart");
	struct buf svg = BUF_INIT;
	const char *text = NULL;

	chart_fill(a, c, dash);
	if (tpl_render("dashboard_chart.tpl", c, &svg) == 0)
		text = arena_strdup(a, buf_str(&svg));
	buf_release(&svg);
	return text;
}

static const char *event_label(const char *kind, const char **badge)
{
	for (size_t i = 0; i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++) {
		if (!strcmp(event_kinds[i].kind, kind)) {
			*badge = event_kinds[i].badge;
			return event_kinds[i].label;
		}
	}
	*badge = "badge-info";
	return kind;
}

static json_t *figure(long long value, const char *text)
{
	return json_pack("{s:I, s:s}", "value", (json_int_t)value, "text", text);
}

static json_t *count_figure(struct arena *a, long count)
{
	return figure(count, arena_printf(a, "%ld", count));
}

/*
 * The dashboard as JSON: figures (each a raw value and the text the page shows), events,
 * days and the chart's SVG, plus "version", a hash of all of it that changes exactly when
 * something shown changes. The result is owned by the arena.
 */
static json_t *dashboard_json(struct req *r, const struct dashboard *dash, const char *svg)
{
	struct arena *a = r->arena;
	json_t *events = json_array(), *days = json_array();

	for (int i = 0; i < db_rows(dash->events); i++) {
		const char *badge, *label = event_label(db_value(dash->events, i, 0), &badge);
		const char *link = db_value(dash->events, i, 1);
		json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s}",
			"kind", db_value(dash->events, i, 0), "label", label, "badge", badge,
			"link", link ? json_string(link) : json_null(),
			"title", db_value(dash->events, i, 2),
			"detail", db_value(dash->events, i, 3),
			"time", db_value(dash->events, i, 4), "at", db_value(dash->events, i, 5)));
	}
	for (int i = 0; i < DASHBOARD_DAYS; i++)
		json_array_append_new(days, json_pack("{s:s, s:s, s:I, s:I}",
			"day", dash->days[i].date, "label", dash->days[i].label,
			"calls", (json_int_t)dash->days[i].calls,
			"bookings", (json_int_t)dash->days[i].bookings));

	json_t *figures = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"calls_today", count_figure(a, dash->calls_today),
		"no_shows_week", count_figure(a, dash->no_shows_week),
		"booked_today", count_figure(a, dash->booked_today),
		"missed_today", count_figure(a, dash->missed_today),
		"success_rate", json_pack("{s:I, s:I, s:s, s:s}",
			"booked", (json_int_t)dash->booked_inbound,
			"answered", (json_int_t)dash->answered_inbound,
			"text", success_rate_text(a, dash), "sub", success_rate_sub(a, dash)),
		"pipeline_value",
		figure(dash->pipeline_cents, ui_money_brief(a, dash->pipeline_cents)),
		"avg_duration", figure(average_seconds(dash), duration_text(a, dash)));
	json_t *body = json_to_arena(a, json_pack("{s:o, s:o, s:o, s:s}", "figures", figures,
						  "events", events, "days", days,
						  "chart_svg", svg));
	const char *hash = crypto_sha256_hex(a, json_text(a, body));
	json_object_set_new(body, "version", json_string(arena_strndup(a, hash, 16)));
	return body;
}

static void dashboard_set_figures(struct req *r, struct tpl_dict *d, const struct dashboard *dash)
{
	tpl_set_long(d, "CALLS_TODAY", dash->calls_today);
	tpl_set_long(d, "BOOKED_TODAY", dash->booked_today);
	tpl_set_long(d, "MISSED_TODAY", dash->missed_today);
	tpl_set_long(d, "NO_SHOWS_WEEK", dash->no_shows_week);
	tpl_set(d, "SUCCESS_RATE", success_rate_text(r->arena, dash));
	tpl_set(d, "SUCCESS_RATE_SUB", success_rate_sub(r->arena, dash));
	tpl_set(d, "PIPELINE_VALUE", ui_money_brief(r->arena, dash->pipeline_cents));
	tpl_set(d, "AVG_DURATION", duration_text(r->arena, dash));
}

static void dashboard_set_events(struct tpl_dict *d, const struct dashboard *dash)
{
	int n = db_rows(dash->events);

	if (!n) {
		tpl_show(d, "NO_EVENTS");
		return;
	}
	for (int i = 0; i < n; i++) {
		struct tpl_dict *row = tpl_section(d, "EVENT");
		const char *badge, *label = event_label(db_value(dash->events, i, 0), &badge);
		const char *link = db_value(dash->events, i, 1);

		tpl_set(row, "EVENT_LABEL", label);
		tpl_set(row, "EVENT_BADGE", badge);
		tpl_set(row, "EVENT_TITLE", db_value(dash->events, i, 2));
		tpl_set(row, "EVENT_DETAIL", db_value(dash->events, i, 3));
		tpl_set(row, "EVENT_TIME", db_value(dash->events, i, 4));
		tpl_set(row, "EVENT_AT", db_value(dash->events, i, 5));
		if (link)
			tpl_set(tpl_section(row, "EVENT_LINK"), "EVENT_HREF", link);
		else
			tpl_show(row, "EVENT_NO_LINK");
	}
}

/*
 * What a new business still has to do before its receptionist answers real calls. Hours count
 * as set once saved, or when they differ from the sign-up default (sql/001's column default).
 * The test call is a call to one of its verified numbers.
 */
static const char SQL_SETUP[] =
	"SELECT o.call_mode, "
	"       EXISTS (SELECT 1 FROM audit_log a WHERE a.org_id = o.id "
	"               AND a.action = 'settings.hours') "
	"       OR o.business_hours <> '{\"mon\":[[\"09:00\",\"17:00\"]],"
	"\"tue\":[[\"09:00\",\"17:00\"]],\"wed\":[[\"09:00\",\"17:00\"]],"
	"\"thu\":[[\"09:00\",\"17:00\"]],\"fri\":[[\"09:00\",\"17:00\"]],"
	"\"sat\":[],\"sun\":[]}'::jsonb, "
	"       EXISTS (SELECT 1 FROM services s WHERE s.org_id = o.id), "
	"       EXISTS (SELECT 1 FROM phone_numbers p WHERE p.org_id = o.id AND p.active "
	"               AND p.verified_at IS NOT NULL), "
	"       EXISTS (SELECT 1 FROM phone_numbers p JOIN calls c "
	"               ON c.org_id = p.org_id AND c.to_number = p.e164 "
	"               AND c.direction = 'inbound' "
	"               WHERE p.org_id = o.id AND p.active AND p.verified_at IS NOT NULL), "
	"       o.business_kind IS NOT NULL, "
	"       EXISTS (SELECT 1 FROM practice_runs pr WHERE pr.org_id = o.id "
	"               AND pr.status = 'done') "
	"FROM organizations o WHERE o.id = $1";

/* One item of the set-up checklist: done, or a link to the page that does it. */
static void setup_item(struct tpl_dict *list, bool done, const char *label, const char *href,
		       const char *todo, const char *why)
{
	struct tpl_dict *item = tpl_section(list, "SETUP_ITEM");

	tpl_set(item, "LABEL", label);
	if (done) {
		tpl_show(item, "SETUP_DONE");
		return;
	}
	struct tpl_dict *link = tpl_section(item, "SETUP_TODO");
	tpl_set(link, "HREF", href);
	tpl_set(link, "TODO", todo);
	if (why)
		tpl_set(tpl_section(link, "SETUP_WHY"), "WHY", why);
}

/* The set-up checklist, shown until every item is done. 0, or -1 on a database error. */
/* A calendar whose grant Google revoked asks to be reconnected, never failing silently. */
static const char SQL_CALENDAR_REVOKED[] =
	"SELECT 1 FROM calendar_connections WHERE org_id = $1 AND provider = 'google' "
	"AND status = 'revoked'";

static int dashboard_setup_fill(struct req *r, struct tpl_dict *d)
{
	if (db_text(r->db, r->arena, SQL_CALENDAR_REVOKED, r->org_id))
		tpl_show(d, "CALENDAR_REVOKED");
	struct db_result *res = db_q(r->db, r->arena, SQL_SETUP, r->org_id);
	const char *mode_problem = NULL;

	if (!res || db_rows(res) != 1 ||
	    setup_call_mode_problem(r->db, r->arena, r->org_id, db_value(res, 0, 0),
				    &mode_problem) < 0)
		return -1;
	bool hours = !strcmp(db_value(res, 0, 1), "t");
	bool services = !strcmp(db_value(res, 0, 2), "t");
	bool line = !strcmp(db_value(res, 0, 3), "t");
	bool called = !strcmp(db_value(res, 0, 4), "t");
	bool kind = !strcmp(db_value(res, 0, 5), "t");
	bool practiced = !strcmp(db_value(res, 0, 6), "t");
	if (kind && hours && services && line && called && !mode_problem && practiced)
		return 0;
	struct tpl_dict *list = tpl_section(d, "SETUP");
	setup_item(list, kind, "Kind of business chosen", "/settings", "Choose your kind of business",
		   NULL);
	setup_item(list, hours, "Opening hours set", "/settings/hours", "Set your hours", NULL);
	setup_item(list, services, "At least one service", "/services", "Add a service", NULL);
	setup_item(list, line, "A connected, verified phone line", "/line", "Connect your line", NULL);
	setup_item(list, called, "A real test call received on that line", "/line",
		   line ? "Call your number once" : "Connect your line first", NULL);
	setup_item(list, !mode_problem, "A call mode that works", "/settings/receptionist",
		   "Fix the call mode", mode_problem);
	setup_item(list, practiced, "A first practice run", "/settings/practice",
		   "Run practice calls", NULL);
	return 0;
}

void page_dashboard(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct dashboard dash;

	if (dashboard_load(r, &dash) < 0) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	const char *svg = chart_svg(r->arena, &dash);
	if (!svg) {
		http_fail(r, 500, "the page could not be shown");
		return;
	}
	if (dashboard_setup_fill(r, d) < 0) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	dashboard_set_figures(r, d, &dash);
	dashboard_set_events(d, &dash);
	chart_fill(r->arena, tpl_include(d, "CHART", "dashboard_chart.tpl"), &dash);
	page_render(r, 200, "Dashboard", NAV_DASHBOARD, "dashboard.tpl", d);
}

void page_dashboard_live(struct req *r)
{
	struct dashboard dash;
	const char *known = req_query(r, "v");

	if (dashboard_load(r, &dash) < 0) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	const char *svg = chart_svg(r->arena, &dash);
	if (!svg) {
		http_fail(r, 500, "the chart could not be drawn");
		return;
	}
	json_t *body = dashboard_json(r, &dash, svg);
	http_header(r, "Cache-Control", "no-store");
	/* A client that already shows this version gets only the version back. */
	if (known && !strcmp(known, json_str(body, "version"))) {
		json_t *same = json_to_arena(r->arena, json_pack("{s:s, s:b}", "version", known,
								  "changed", 0));
		http_send_json(r, 200, same);
		return;
	}
	json_object_set_new(body, "changed", json_true());
	http_send_json(r, 200, body);
}
