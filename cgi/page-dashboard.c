/* page-dashboard.c: the owner's dashboard: today's figures, latest events, 30-day chart, live */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/json.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/tpl.h"

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
static const char SQL_EVENTS[] =
	"SELECT e.kind, e.link, e.title, e.detail,"
	"       to_char(e.at AT TIME ZONE o.timezone, 'Mon FMDD, FMHH12:MI AM'),"
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
	"          || to_char(a.starts_at AT TIME ZONE o.timezone, 'Dy Mon FMDD, FMHH12:MI AM')"
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
	"   FROM notifications n WHERE n.org_id = $1 ORDER BY n.created_at DESC LIMIT 10)"
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
	dash->events = db_q(r->db, r->arena, SQL_EVENTS, r->org_id);
	return dash->events ? 0 : -1;
}

/* "$12,345" or "$12,345.60": whole dollars read best, cents only when there are some. */
static const char *money_text(struct arena *a, long long cents)
{
	char digits[32], grouped[48];
	int n = snprintf(digits, sizeof(digits), "%lld", cents / 100), k = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			grouped[k++] = ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	if (cents % 100)
		return arena_printf(a, "$%s.%02lld", grouped, cents % 100);
	return arena_printf(a, "$%s", grouped);
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

static void chart_bar(struct buf *out, const char *class, double x, double y, double w, double h)
{
	buf_printf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"%.1f\"/>", class, x, y, w, h);
}

/*
 * The 30-day chart as inline SVG into out: a pair of bars per day (calls, then bookings),
 * gridlines with counts on the left, a date under every seventh day ending today. The
 * viewBox lets CSS scale it to any width. Every label is escaped, though the code made it.
 */
static void chart_svg(struct buf *out, const struct dashboard *dash)
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

	buf_printf(out, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		   "aria-labelledby=\"chart-title\">", width, height);
	buf_puts(out, "<title id=\"chart-title\">Calls and bookings per day, last 30 days</title>");
	for (long tick = 0; tick <= ceiling; tick += step) {
		double y = top + plot_h - plot_h * (double)tick / (double)ceiling;
		buf_printf(out, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
			   "y2=\"%.1f\"/>", left, width - right, y, y);
		buf_printf(out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
			   "text-anchor=\"end\">%ld</text>", left - 6, y + 4, tick);
	}
	for (int i = 0; i < DASHBOARD_DAYS; i++) {
		const struct dashboard_day *day = &dash->days[i];
		double x = left + slot * i + (slot - 2 * bar) / 2;
		double calls_h = plot_h * (double)day->calls / (double)ceiling;
		double bookings_h = plot_h * (double)day->bookings / (double)ceiling;

		buf_puts(out, "<g class=\"day\" data-day=\"");
		buf_add_html(out, day->date);
		buf_printf(out, "\" data-calls=\"%ld\" data-bookings=\"%ld\"><title>", day->calls,
			   day->bookings);
		buf_add_html(out, day->label);
		buf_printf(out, ": %ld call%s, %ld booking%s</title>", day->calls,
			   day->calls == 1 ? "" : "s", day->bookings,
			   day->bookings == 1 ? "" : "s");
		chart_bar(out, "bar", x, top + plot_h - calls_h, bar, calls_h);
		chart_bar(out, "bar-alt", x + bar, top + plot_h - bookings_h, bar, bookings_h);
		buf_puts(out, "</g>");
		if ((DASHBOARD_DAYS - 1 - i) % 7 == 0) {
			double middle = left + slot * i + slot / 2;
			buf_printf(out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" "
				   "text-anchor=\"middle\">", middle, height - 8);
			buf_add_html(out, day->label);
			buf_puts(out, "</text>");
		}
	}
	buf_puts(out, "</svg>");
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

	json_t *figures = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
		"calls_today", count_figure(a, dash->calls_today),
		"booked_today", count_figure(a, dash->booked_today),
		"missed_today", count_figure(a, dash->missed_today),
		"success_rate", json_pack("{s:I, s:I, s:s, s:s}",
			"booked", (json_int_t)dash->booked_inbound,
			"answered", (json_int_t)dash->answered_inbound,
			"text", success_rate_text(a, dash), "sub", success_rate_sub(a, dash)),
		"pipeline_value", figure(dash->pipeline_cents, money_text(a, dash->pipeline_cents)),
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
	tpl_set(d, "SUCCESS_RATE", success_rate_text(r->arena, dash));
	tpl_set(d, "SUCCESS_RATE_SUB", success_rate_sub(r->arena, dash));
	tpl_set(d, "PIPELINE_VALUE", money_text(r->arena, dash->pipeline_cents));
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

void page_dashboard(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct dashboard dash;
	struct buf svg = BUF_INIT;

	if (dashboard_load(r, &dash) < 0) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	chart_svg(&svg, &dash);
	dashboard_set_figures(r, d, &dash);
	dashboard_set_events(d, &dash);
	tpl_set(d, "CHART", buf_str(&svg));
	/* The page carries the version it shows, so the first poll need not redraw anything. */
	tpl_set(d, "VERSION", json_str(dashboard_json(r, &dash, buf_str(&svg)), "version"));
	buf_release(&svg);
	page_render(r, 200, "Dashboard", NAV_DASHBOARD, "dashboard.tpl", d);
}

void page_dashboard_live(struct req *r)
{
	struct dashboard dash;
	struct buf svg = BUF_INIT;
	const char *known = req_query(r, "v");

	if (dashboard_load(r, &dash) < 0) {
		http_fail(r, 503, "the dashboard could not be loaded");
		return;
	}
	chart_svg(&svg, &dash);
	json_t *body = dashboard_json(r, &dash, buf_str(&svg));
	buf_release(&svg);
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
