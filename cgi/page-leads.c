/* page-leads.c: the leads list (filters, sorting, pages, CSV export) and a lead's own page */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "domain/callback.h"
#include "domain/notify.h"
#include "infra/db.h"
#include "form.h"
#include "infra/json.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/text.h"
#include "infra/tpl.h"

#define LEADS_PER_PAGE 50
/* Counting stops here (SQL_COUNT's LIMIT is one more): a huge list costs what a big one does. */
#define LEADS_COUNT_CAP 10000
#define LEADS_MAX_PAGE 10000
#define SEARCH_MAX_BYTES 200
#define NOTE_MAX_CHARS 2000
#define MESSAGE_MAX_CHARS 480

static const char *const lead_statuses[] = {
	"new", "contacted", "qualified", "booked", "converted", "lost", NULL,
};
static const char *const lead_temperatures[] = { "hot", "warm", "cold", NULL };

/*
 * The filters every list query shares: $1 org, $2 status, $3 temperature ('' for any),
 * $4 a LIKE pattern over the name, phone and summary, $5 a LIKE pattern over the phone's
 * digits ('' for none). Each "'' or" collapses at planning, so only the indexes of the
 * filters in use are touched. The list, its count and its export read org_leads, the
 * organization's own leads (sql/009_lists_at_scale.sql), so a search can use its index.
 */
#define LEADS_WHERE \
	"WHERE l.org_id = $1 " \
	"  AND ($2::text = '' OR l.status = $2::text) " \
	"  AND ($3::text = '' OR l.temperature = $3::text) " \
	"  AND ($4::text = '' OR l.search_lower LIKE lower($4::text)) " \
	"  AND ($5::text = '' OR l.phone_digits LIKE $5::text) "

/* A page of leads is chosen first and only its rows are formatted. */
#define LEADS_LIST_SELECT(order) \
	"SELECT l.id, coalesce(l.name, ''), l.phone, l.status, coalesce(l.temperature, ''), " \
	"       coalesce(l.score::text, ''), " \
	"       coalesce(to_char(l.value_cents / 100.0, 'FM$999,999,999,990.00'), ''), " \
	"       coalesce(left(l.summary, 140), ''), " \
	"       to_char(l.updated_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM') " \
	"FROM (SELECT l.* FROM org_leads l " LEADS_WHERE "ORDER BY " order \
	"      LIMIT 51 OFFSET $6) AS l " /* one more than a page: is there a next one? */ \
	"JOIN organizations o ON o.id = l.org_id ORDER BY " order

#define LEADS_CSV_SELECT \
	"SELECT coalesce(l.name, ''), l.phone, coalesce(l.email, ''), l.status, " \
	"       coalesce(l.temperature, ''), coalesce(l.score::text, ''), " \
	"       coalesce(to_char(l.value_cents / 100.0, 'FM999999999990.00'), ''), " \
	"       coalesce(l.summary, ''), " \
	"       coalesce(to_char(l.last_contacted_at AT TIME ZONE o.timezone, " \
	"                        'YYYY-MM-DD HH24:MI'), ''), " \
	"       to_char(l.created_at AT TIME ZONE o.timezone, 'YYYY-MM-DD HH24:MI'), " \
	"       to_char(l.updated_at AT TIME ZONE o.timezone, 'YYYY-MM-DD HH24:MI') " \
	"FROM org_leads l JOIN organizations o ON o.id = l.org_id " LEADS_WHERE

static const char *const csv_header[] = {
	"Name", "Phone", "Email", "Status", "Temperature", "Score", "Value", "Summary",
	"Last contacted", "Created", "Updated", NULL,
};

/*
 * The sorts the list offers. Each ORDER BY matches an index of 002 or 006 read forwards
 * (the natural direction) or backwards, and ends on the id so pages never overlap.
 */
#define LEAD_SORT(name, var, natural_asc, desc_order, asc_order) \
	{ name, var, natural_asc, \
	  { LEADS_LIST_SELECT(desc_order), LEADS_LIST_SELECT(asc_order) }, \
	  { LEADS_CSV_SELECT "ORDER BY " desc_order, LEADS_CSV_SELECT "ORDER BY " asc_order } }

struct lead_sort {
	const char *name;      /* as it appears in the address: sort=score */
	const char *var;       /* its template prefix */
	bool natural_asc;      /* the direction a first click sorts in */
	const char *list_sql[2], *csv_sql[2];   /* [0] descending, [1] ascending */
};

static const struct lead_sort lead_sorts[] = {
	LEAD_SORT("updated", "UPDATED", false,
		  "l.updated_at DESC, l.id DESC", "l.updated_at ASC, l.id ASC"),
	LEAD_SORT("score", "SCORE", false,
		  "l.score DESC NULLS LAST, l.id DESC", "l.score ASC NULLS FIRST, l.id ASC"),
	LEAD_SORT("value", "VALUE", false,
		  "l.value_cents DESC NULLS LAST, l.id DESC",
		  "l.value_cents ASC NULLS FIRST, l.id ASC"),
	LEAD_SORT("name", "NAME", true,
		  "lower(l.name) DESC NULLS FIRST, l.id DESC",
		  "lower(l.name) ASC NULLS LAST, l.id ASC"),
};
#define LEAD_SORT_COUNT (sizeof(lead_sorts) / sizeof(lead_sorts[0]))

static const char SQL_CUSTOM_PLANS[] =
	"SELECT set_config('plan_cache_mode', 'force_custom_plan', true)";
static const char SQL_COUNT[] =
	"SELECT count(*) FROM (SELECT 1 FROM org_leads l " LEADS_WHERE " LIMIT 10001) AS capped";
static const char SQL_TODAY[] =
	"SELECT to_char(now() AT TIME ZONE timezone, 'YYYY-MM-DD') "
	"FROM organizations WHERE id = $1";

static const char SQL_LEAD[] =
	"SELECT l.id, coalesce(l.name, ''), l.phone, coalesce(l.email, ''), "
	"       coalesce(l.address, ''), coalesce(s.name, ''), l.status, "
	"       coalesce(l.temperature, ''), coalesce(l.score::text, ''), "
	"       coalesce(to_char(l.value_cents / 100.0, 'FM$999,999,999,990.00'), ''), "
	"       coalesce(l.summary, ''), coalesce(l.notes, ''), "
	"       coalesce(to_char(l.last_contacted_at AT TIME ZONE o.timezone, "
	"                        'Mon FMDD, YYYY FMHH12:MI AM'), ''), "
	"       coalesce(to_char(l.callback_at AT TIME ZONE o.timezone, "
	"                        'Mon FMDD, YYYY FMHH12:MI AM'), ''), "
	"       to_char(l.created_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM'), "
	"       to_char(l.updated_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM') "
	"FROM leads l JOIN organizations o ON o.id = l.org_id "
	"LEFT JOIN services s ON s.org_id = l.org_id AND s.id = l.service_id "
	"WHERE l.id = $1";
static const char SQL_LEAD_PHONE[] = "SELECT phone FROM leads WHERE id = $1";
static const char SQL_LEAD_CALLS[] =
	"SELECT c.id, c.direction, c.status, "
	"       to_char(c.started_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM'), "
	"       coalesce(c.duration_seconds / 60 || ' min ' || c.duration_seconds % 60 || ' s', "
	"                ''), "
	"       coalesce(c.summary, ''), c.booked "
	"FROM calls c JOIN organizations o ON o.id = c.org_id "
	"WHERE c.org_id = $1 AND c.lead_id = $2 ORDER BY c.started_at DESC LIMIT 50";
static const char SQL_LEAD_APPOINTMENTS[] =
	"SELECT a.id, to_char(a.starts_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM'), "
	"       to_char(a.ends_at AT TIME ZONE o.timezone, 'FMHH12:MI AM'), a.status, "
	"       coalesce(s.name, ''), a.customer_name "
	"FROM appointments a JOIN organizations o ON o.id = a.org_id "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"WHERE a.org_id = $1 AND a.lead_id = $2 ORDER BY a.starts_at DESC LIMIT 50";
static const char SQL_LEAD_MESSAGES[] =
	"SELECT n.channel, coalesce(n.purpose, ''), n.to_address, n.body, n.status, "
	"       coalesce(n.error, ''), "
	"       to_char(n.created_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM') "
	"FROM notifications n JOIN organizations o ON o.id = n.org_id "
	"WHERE n.org_id = $1 AND n.lead_id = $2 ORDER BY n.created_at DESC LIMIT 50";
static const char SQL_LEAD_NOTES[] =
	"SELECT n.body, coalesce(u.email::text, 'a former team member'), "
	"       to_char(n.created_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM') "
	"FROM lead_notes n JOIN organizations o ON o.id = n.org_id "
	"LEFT JOIN users u ON u.org_id = n.org_id AND u.id = n.user_id "
	"WHERE n.org_id = $1 AND n.lead_id = $2 ORDER BY n.created_at DESC LIMIT 100";
static const char SQL_LEAD_JOBS[] =
	"SELECT j.kind, j.status, j.attempts, j.max_attempts, coalesce(j.last_error, ''), "
	"       coalesce(j.payload ->> 'body', ''), "
	"       to_char(j.created_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM'), "
	"       to_char(j.run_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY FMHH12:MI AM'), "
	"       coalesce(to_char(j.finished_at AT TIME ZONE o.timezone, "
	"                        'Mon FMDD, YYYY FMHH12:MI AM'), ''), "
	"       j.run_at > now(), c.id, c.status, coalesce(c.ended_reason, '') "
	"FROM jobs j JOIN organizations o ON o.id = j.org_id "
	/* A call-back's call row, named by its payload (only ever a uuid, but checked first). */
	"LEFT JOIN calls c ON c.org_id = j.org_id AND j.kind = 'lead.callback' "
	"  AND c.id = CASE WHEN j.payload ->> 'call_id' ~ "
	"                       '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "
	"                  THEN (j.payload ->> 'call_id')::uuid END "
	"WHERE j.org_id = $1 AND j.payload ? 'lead_id' AND j.payload ->> 'lead_id' = $2 "
	"  AND j.kind IN ('lead.callback', 'sms.send') "
	"ORDER BY j.created_at DESC LIMIT 50";

static const char SQL_SET_STATUS[] = "UPDATE leads SET status = $2 WHERE id = $1";
static const char SQL_ADD_NOTE[] =
	"INSERT INTO lead_notes (org_id, lead_id, user_id, body) VALUES ($1, $2, $3, $4)";
static const char SQL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, $3, $4, $5::jsonb)";
static const char SQL_OPTED_OUT[] =
	"SELECT 1 FROM opt_outs "
	"WHERE phone = $1 "
	"   OR regexp_replace(phone, '[^0-9]', '', 'g') = regexp_replace($1, '[^0-9]', '', 'g') "
	"LIMIT 1";

static bool in_list(const char *const *list, const char *value)
{
	for (; value && *list; list++)
		if (!strcmp(*list, value))
			return true;
	return false;
}

/* "contacted" as a person reads it: "Contacted". */
static const char *label_of(struct req *r, const char *word)
{
	char *label = arena_strdup(r->arena, word);

	if (*label)
		label[0] = (char)toupper((unsigned char)label[0]);
	for (char *p = label; *p; p++)
		if (*p == '_' || *p == '-')
			*p = ' ';
	return label;
}

/* The badge class of a value, when the stylesheet has one for it; else fallback. */
static const char *badge_of(struct req *r, const char *value, const char *const *known,
			    const char *fallback)
{
	return in_list(known, value) ? arena_printf(r->arena, "badge-%s", value) : fallback;
}

static const char *lead_status_badge(struct req *r, const char *status)
{
	static const char *const styled[] = { "new", "contacted", "booked", "lost", NULL };

	if (!strcmp(status, "converted"))
		return "badge-won";
	return badge_of(r, status, styled, "badge-info");
}

/* 12345 as "12,345". */
static const char *thousands(struct req *r, long n)
{
	char digits[32];
	struct buf b = BUF_INIT;
	int len = snprintf(digits, sizeof(digits), "%ld", n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_putc(&b, ',');
		buf_putc(&b, digits[i]);
	}
	const char *s = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return s;
}

/* What the list shows: read from the address, every value checked against what is offered. */
struct lead_filter {
	const char *status, *temperature, *q;   /* "" when not filtering by it */
	const char *like, *digits_like;         /* the search as patterns ($4, $5) */
	const struct lead_sort *sort;
	bool asc;
	long page;
};

/* s with LIKE's wildcards and escape taken literally, inside %…%. */
static const char *like_pattern(struct req *r, const char *s)
{
	struct buf b = BUF_INIT;

	buf_putc(&b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	const char *pattern = arena_strdup(r->arena, buf_str(&b));
	buf_release(&b);
	return pattern;
}

/* A search that looks like (part of) a phone number, as a pattern over digits; else "". */
static const char *digits_pattern(struct req *r, const char *q)
{
	char *digits = arena_alloc(r->arena, strlen(q) + 3);
	size_t n = 0;

	digits[n++] = '%';
	for (const char *p = q; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits[n++] = *p;
		else if (!strchr("+ -().", *p))
			return "";
	}
	if (n < 4)
		return "";
	digits[n++] = '%';
	digits[n] = '\0';
	return digits;
}

static const char *query_choice(struct req *r, const char *name, const char *const *allowed)
{
	const char *v = req_query(r, name);

	return in_list(allowed, v) ? v : "";
}

static void filter_read(struct req *r, struct lead_filter *f)
{
	char *q = text_trim(r, req_query(r, "q"));
	const char *sort = req_query(r, "sort"), *dir = req_query(r, "dir"), *page;
	size_t len = strlen(q);

	f->status = query_choice(r, "status", lead_statuses);
	f->temperature = query_choice(r, "temperature", lead_temperatures);
	/* A long search is cut at a character boundary, never inside a UTF-8 sequence. */
	len = text_utf8_cut(q, len, SEARCH_MAX_BYTES);
	q[len] = '\0';
	f->q = q;
	/* A search that looks like a phone number is matched by its digits alone. */
	f->digits_like = *q ? digits_pattern(r, q) : "";
	f->like = *q && !*f->digits_like ? like_pattern(r, q) : "";
	f->sort = &lead_sorts[0];
	for (size_t i = 0; sort && i < LEAD_SORT_COUNT; i++)
		if (!strcmp(sort, lead_sorts[i].name))
			f->sort = &lead_sorts[i];
	if (dir && !strcmp(dir, "asc"))
		f->asc = true;
	else if (dir && !strcmp(dir, "desc"))
		f->asc = false;
	else
		f->asc = f->sort->natural_asc;
	page = req_query(r, "page");
	f->page = page ? strtol(page, NULL, 10) : 1;
	if (f->page < 1 || f->page > LEADS_MAX_PAGE)
		f->page = 1;
}

/* Fill "<section>" rows with each value, its label and whether it is the chosen one. */
static void options_fill(struct req *r, struct tpl_dict *d, const char *section,
			 const char *const *values, const char *chosen)
{
	for (; *values; values++) {
		struct tpl_dict *o = tpl_section(d, section);
		tpl_set(o, "VALUE", *values);
		tpl_set(o, "LABEL", label_of(r, *values));
		if (!strcmp(*values, chosen))
			tpl_show(o, "SELECTED");
	}
}

/* Run the statements of a list under custom plans: a generic plan would keep every filter. */
static int plans_per_filter(struct req *r)
{
	if (!db_text(r->db, r->arena, SQL_CUSTOM_PLANS)) {
		http_fail(r, 503, "the leads could not be loaded; please try again");
		return -1;
	}
	return 0;
}

static void list_headers_fill(struct tpl_dict *d, const struct lead_filter *f)
{
	for (size_t i = 0; i < LEAD_SORT_COUNT; i++) {
		const struct lead_sort *s = &lead_sorts[i];
		bool active = s == f->sort;
		bool next_asc = active ? !f->asc : s->natural_asc;
		char name[32];

		snprintf(name, sizeof(name), "%s_DIR", s->var);
		tpl_set(d, name, next_asc ? "asc" : "desc");
		snprintf(name, sizeof(name), "%s_ARROW", s->var);
		tpl_set(d, name, !active ? "" : f->asc ? " \xE2\x86\x91" : " \xE2\x86\x93");
		snprintf(name, sizeof(name), "%s_ARIA", s->var);
		tpl_set(d, name, !active ? "none" : f->asc ? "ascending" : "descending");
	}
}

void page_leads(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct lead_filter f;
	long count;

	filter_read(r, &f);
	if (plans_per_filter(r) < 0)
		return;
	long skipped = (f.page - 1) * LEADS_PER_PAGE;
	const char *offset = arena_printf(r->arena, "%ld", skipped);
	struct db_result *res = db_q(r->db, r->arena, f.sort->list_sql[f.asc], r->org_id,
				     f.status, f.temperature, f.like, f.digits_like, offset);
	if (!res) {
		http_fail(r, 503, "the leads could not be loaded; please try again");
		return;
	}
	/* A page that is not full is the last one, and already tells how many there are. */
	int rows = db_rows(res), shown = rows < LEADS_PER_PAGE ? rows : LEADS_PER_PAGE;
	count = skipped + rows;
	if ((rows > LEADS_PER_PAGE || (!rows && skipped)) &&
	    db_long(r->db, r->arena, &count, SQL_COUNT, r->org_id, f.status, f.temperature,
		    f.like, f.digits_like) != 0) {
		http_fail(r, 503, "the leads could not be loaded; please try again");
		return;
	}

	tpl_set(d, "STATUS", f.status);
	tpl_set(d, "TEMPERATURE", f.temperature);
	tpl_set(d, "Q", f.q);
	tpl_set(d, "SORT", f.sort->name);
	tpl_set(d, "DIR", f.asc ? "asc" : "desc");
	options_fill(r, d, "STATUS_OPTION", lead_statuses, f.status);
	options_fill(r, d, "TEMPERATURE_OPTION", lead_temperatures, f.temperature);
	list_headers_fill(d, &f);
	if (*f.status || *f.temperature || *f.q)
		tpl_show(d, "FILTERED");

	for (int i = 0; i < shown; i++) {
		struct tpl_dict *row = tpl_section(d, "LEAD");
		const char *status = db_value(res, i, 3), *temperature = db_value(res, i, 4);
		tpl_set(row, "ID", db_value(res, i, 0));
		tpl_set(row, "NAME", *db_value(res, i, 1) ? db_value(res, i, 1) : "Unknown caller");
		tpl_set(row, "PHONE", db_value(res, i, 2));
		tpl_set(row, "STATUS_LABEL", label_of(r, status));
		tpl_set(row, "STATUS_BADGE", lead_status_badge(r, status));
		if (*temperature) {
			struct tpl_dict *t = tpl_section(row, "TEMPERATURE");
			tpl_set(t, "TEMPERATURE_LABEL", label_of(r, temperature));
			tpl_set(t, "TEMPERATURE_BADGE",
				arena_printf(r->arena, "badge-%s", temperature));
		}
		tpl_set(row, "SCORE", *db_value(res, i, 5) ? db_value(res, i, 5) : "\xE2\x80\x94");
		tpl_set(row, "VALUE", *db_value(res, i, 6) ? db_value(res, i, 6) : "\xE2\x80\x94");
		tpl_set(row, "SUMMARY", db_value(res, i, 7));
		tpl_set(row, "UPDATED", db_value(res, i, 8));
	}

	long first = (f.page - 1) * LEADS_PER_PAGE + 1, last = first + shown - 1;
	if (count > LEADS_COUNT_CAP)
		tpl_set(d, "COUNT_TEXT", arena_printf(r->arena, "More than %s leads",
						      thousands(r, LEADS_COUNT_CAP)));
	else
		tpl_set(d, "COUNT_TEXT", arena_printf(r->arena, "%s lead%s", thousands(r, count),
						      count == 1 ? "" : "s"));
	if (!shown) {
		tpl_show(d, *f.status || *f.temperature || *f.q ? "NO_MATCH" : "NO_LEADS");
	} else {
		tpl_show(d, "HAS_LEADS");
		tpl_set(d, "PAGE_INFO", arena_printf(r->arena, "%s\xE2\x80\x93%s",
						     thousands(r, first), thousands(r, last)));
	}
	if (f.page > 1) {
		struct tpl_dict *prev = tpl_section(d, "PREV");
		tpl_set_long(prev, "PREV_PAGE", f.page - 1);
	} else {
		tpl_show(d, "NO_PREV");
	}
	if (rows > LEADS_PER_PAGE && f.page < LEADS_MAX_PAGE) {
		struct tpl_dict *next = tpl_section(d, "NEXT");
		tpl_set_long(next, "NEXT_PAGE", f.page + 1);
	} else {
		tpl_show(d, "NO_NEXT");
	}
	page_render(r, 200, "Leads", NAV_LEADS, "leads.tpl", d);
}

/* One CSV cell, always quoted. A cell a spreadsheet would run as a formula gets a ' first. */
static void csv_cell(struct buf *b, const char *value, bool last)
{
	buf_putc(b, '"');
	if (value[0] && strchr("=+-@\t\r", value[0]))
		buf_putc(b, '\'');
	for (const char *p = value; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
	buf_puts(b, last ? "\r\n" : ",");
}

void page_leads_csv(struct req *r)
{
	struct lead_filter f;
	struct buf out = BUF_INIT;

	filter_read(r, &f);
	if (plans_per_filter(r) < 0)
		return;
	struct db_result *res = db_q(r->db, r->arena, f.sort->csv_sql[f.asc], r->org_id,
				     f.status, f.temperature, f.like, f.digits_like);
	const char *today = db_text(r->db, r->arena, SQL_TODAY, r->org_id);
	if (!res || !today) {
		http_fail(r, 503, "the leads could not be exported; please try again");
		return;
	}
	/* The byte-order mark tells spreadsheets the file is UTF-8. */
	buf_puts(&out, "\xEF\xBB\xBF");
	for (int c = 0; csv_header[c]; c++)
		csv_cell(&out, csv_header[c], !csv_header[c + 1]);
	int cols = db_cols(res);
	for (int i = 0; i < db_rows(res); i++)
		for (int c = 0; c < cols; c++)
			csv_cell(&out, db_value(res, i, c), c == cols - 1);
	http_send(r, 200, "text/csv; charset=utf-8", out.data, out.len);
	http_header(r, "Content-Disposition",
		    arena_printf(r->arena, "attachment; filename=\"leads-%s.csv\"", today));
	http_header(r, "Cache-Control", "private, no-store");
	buf_release(&out);
	log_info("leads exported rows=%d", db_rows(res));
}

/* Where a call-back's call has got to: pending, initiated, then what the provider reported. */
static void job_call_fill(struct req *r, struct tpl_dict *call, const struct db_result *res,
			  int i)
{
	static const struct { const char *status, *badge; } badges[] = {
		{ "pending", "badge-pending" }, { "initiated", "badge-pending" },
		{ "queued", "badge-pending" }, { "ringing", "badge-pending" },
		{ "in-progress", "badge-in-progress" }, { "completed", "badge-completed" },
		{ "transferred", "badge-info" }, { "failed", "badge-failed" },
		{ "busy", "badge-missed" }, { "no-answer", "badge-missed" },
		{ "missed", "badge-missed" }, { "canceled", "badge-cancelled" },
	};
	const char *status = db_value(res, i, 11), *badge = "badge-info";

	for (size_t k = 0; k < sizeof(badges) / sizeof(badges[0]); k++)
		if (!strcmp(status, badges[k].status))
			badge = badges[k].badge;
	tpl_set(call, "CALL_ID", db_value(res, i, 10));
	tpl_set(call, "CALL_STATUS", status);
	tpl_set(call, "CALL_STATUS_LABEL", label_of(r, status));
	tpl_set(call, "CALL_BADGE", badge);
	if (*db_value(res, i, 12))
		tpl_set(tpl_section(call, "CALL_ENDED_REASON"), "ENDED_REASON", db_value(res, i, 12));
}

/* A queued action's state told as it is: nothing is called done before the runner did it. */
static void job_fill(struct req *r, struct tpl_dict *row, const struct db_result *res, int i)
{
	const char *kind = db_value(res, i, 0), *status = db_value(res, i, 1);
	const char *attempts = db_value(res, i, 2), *max_attempts = db_value(res, i, 3);
	const char *error = db_value(res, i, 4), *body = db_value(res, i, 5);
	const char *state, *badge, *detail;

	tpl_set(row, "KIND_LABEL", !strcmp(kind, "sms.send") ? "Text message" : "Call back");
	tpl_set(row, "BODY", body);
	tpl_set(row, "CREATED", db_value(res, i, 6));
	if (!strcmp(status, "queued") && strcmp(attempts, "0")) {
		state = "Retrying";
		badge = "badge-warm";
		detail = arena_printf(r->arena, "Attempt %s of %s failed; next try %s", attempts,
				      max_attempts, db_value(res, i, 7));
	} else if (!strcmp(status, "queued")) {
		state = "Queued";
		badge = "badge-pending";
		detail = !strcmp(db_value(res, i, 9), "t")
			 ? arena_printf(r->arena, "Waits until %s", db_value(res, i, 7))
			 : "Waiting to be picked up; not carried out yet";
	} else if (!strcmp(status, "running")) {
		state = "Running";
		badge = "badge-in-progress";
		detail = "Being carried out now";
	} else if (!strcmp(status, "done")) {
		state = "Done";
		badge = "badge-ok";
		detail = arena_printf(r->arena, "Finished %s", db_value(res, i, 8));
	} else if (!strcmp(status, "failed")) {
		state = "Failed";
		badge = "badge-failed";
		detail = "Failed for good; it will not be tried again";
	} else {
		state = "Dead";
		badge = "badge-error";
		detail = arena_printf(r->arena, "Gave up after %s attempts", attempts);
	}
	tpl_set(row, "STATE_LABEL", state);
	tpl_set(row, "STATE_BADGE", badge);
	tpl_set(row, "DETAIL", detail);
	if (*error) {
		struct tpl_dict *e = tpl_section(row, "JOB_ERROR");
		tpl_set(e, "LAST_ERROR", error);
	}
	if (db_value(res, i, 10))
		job_call_fill(r, tpl_section(row, "JOB_CALL"), res, i);
}

/* The lead's related lists; -1 when one could not be read. */
static int lead_related_fill(struct req *r, struct tpl_dict *d, const char *phone)
{
	static const char *const call_badges[] = { "completed", "missed", "in-progress", NULL };
	static const char *const appointment_badges[] = {
		"scheduled", "completed", "cancelled", NULL,
	};
	static const char *const message_badges[] = { "failed", "pending", NULL };
	struct db_result *calls = db_q(r->db, r->arena, SQL_LEAD_CALLS, r->org_id, r->path_id);
	struct db_result *appts = db_q(r->db, r->arena, SQL_LEAD_APPOINTMENTS, r->org_id,
				       r->path_id);
	struct db_result *msgs = db_q(r->db, r->arena, SQL_LEAD_MESSAGES, r->org_id, r->path_id);
	struct db_result *notes = db_q(r->db, r->arena, SQL_LEAD_NOTES, r->org_id, r->path_id);
	struct db_result *jobs = db_q(r->db, r->arena, SQL_LEAD_JOBS, r->org_id, r->path_id);
	struct db_result *opted = db_q(r->db, r->arena, SQL_OPTED_OUT, phone);

	if (!calls || !appts || !msgs || !notes || !jobs || !opted)
		return -1;
	for (int i = 0; i < db_rows(calls); i++) {
		struct tpl_dict *row = tpl_section(d, "CALL");
		const char *status = db_value(calls, i, 2);
		tpl_set(row, "ID", db_value(calls, i, 0));
		tpl_set(row, "DIRECTION", label_of(r, db_value(calls, i, 1)));
		tpl_set(row, "STATUS_LABEL", label_of(r, status));
		tpl_set(row, "STATUS_BADGE", badge_of(r, status, call_badges, "badge-info"));
		tpl_set(row, "STARTED", db_value(calls, i, 3));
		tpl_set(row, "DURATION", db_value(calls, i, 4));
		tpl_set(row, "SUMMARY", db_value(calls, i, 5));
		if (!strcmp(db_value(calls, i, 6), "t"))
			tpl_show(row, "BOOKED");
	}
	tpl_show(d, db_rows(calls) ? "HAS_CALLS" : "NO_CALLS");
	for (int i = 0; i < db_rows(appts); i++) {
		struct tpl_dict *row = tpl_section(d, "APPOINTMENT");
		const char *status = db_value(appts, i, 3);
		tpl_set(row, "ID", db_value(appts, i, 0));
		tpl_set(row, "STARTS", db_value(appts, i, 1));
		tpl_set(row, "ENDS", db_value(appts, i, 2));
		tpl_set(row, "STATUS_LABEL", label_of(r, status));
		tpl_set(row, "STATUS_BADGE", badge_of(r, status, appointment_badges, "badge-ok"));
		tpl_set(row, "SERVICE", db_value(appts, i, 4));
		tpl_set(row, "CUSTOMER", db_value(appts, i, 5));
	}
	tpl_show(d, db_rows(appts) ? "HAS_APPOINTMENTS" : "NO_APPOINTMENTS");
	for (int i = 0; i < db_rows(msgs); i++) {
		struct tpl_dict *row = tpl_section(d, "NOTIFICATION");
		const char *status = db_value(msgs, i, 4);
		tpl_set(row, "CHANNEL", !strcmp(db_value(msgs, i, 0), "sms") ? "SMS" : "Email");
		tpl_set(row, "PURPOSE", label_of(r, db_value(msgs, i, 1)));
		tpl_set(row, "TO", db_value(msgs, i, 2));
		tpl_set(row, "BODY", db_value(msgs, i, 3));
		tpl_set(row, "STATUS_LABEL", label_of(r, status));
		tpl_set(row, "STATUS_BADGE", !strcmp(status, "sent") ? "badge-ok"
					   : !strcmp(status, "queued") ? "badge-pending"
					   : badge_of(r, status, message_badges, "badge-info"));
		if (*db_value(msgs, i, 5)) {
			struct tpl_dict *e = tpl_section(row, "MESSAGE_ERROR");
			tpl_set(e, "ERROR", db_value(msgs, i, 5));
		}
		tpl_set(row, "CREATED", db_value(msgs, i, 6));
	}
	tpl_show(d, db_rows(msgs) ? "HAS_MESSAGES" : "NO_MESSAGES");
	for (int i = 0; i < db_rows(notes); i++) {
		struct tpl_dict *row = tpl_section(d, "NOTE");
		tpl_set(row, "BODY", db_value(notes, i, 0));
		tpl_set(row, "AUTHOR", db_value(notes, i, 1));
		tpl_set(row, "CREATED", db_value(notes, i, 2));
	}
	tpl_show(d, db_rows(notes) ? "HAS_NOTES" : "NO_NOTES");
	for (int i = 0; i < db_rows(jobs); i++)
		job_fill(r, tpl_section(d, "JOB"), jobs, i);
	tpl_show(d, db_rows(jobs) ? "HAS_JOBS" : "NO_JOBS");
	if (db_rows(opted))
		tpl_show(d, "OPTED_OUT");
	return 0;
}

/*
 * Why the business cannot place a call-back now, next to the button, with a link to the
 * settings that fix it. Returns 0 (also when calls can be placed), or -1 on a database error.
 */
static int callback_problem_fill(struct req *r, struct tpl_dict *d)
{
	struct callback_setup setup;

	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) < 0)
		return -1;
	if (setup.problem) {
		struct tpl_dict *p = tpl_section(d, "CALLBACK_PROBLEM");
		tpl_set(p, "PROBLEM", setup.problem);
		tpl_set(p, "FIX_URL", setup.fix_url);
		tpl_set(p, "FIX_LABEL", setup.fix_label);
	}
	return 0;
}

/*
 * Render the page of lead r->path_id into d with status: 404 when the organization has no
 * such lead. Form values and errors already in d are shown with their forms.
 */
static void lead_show(struct req *r, struct tpl_dict *d, int status)
{
	/* SQL_LEAD's columns in order; an optional one shows only when the lead has it. */
	static const struct { const char *var; bool optional; } fields[] = {
		{ "ID", false }, { "NAME", false }, { "PHONE", false }, { "EMAIL", true },
		{ "ADDRESS", true }, { "SERVICE", true }, { "STATUS", false },
		{ "TEMPERATURE", false }, { "SCORE", true }, { "VALUE", true }, { "SUMMARY", true },
		{ "ANALYSIS_NOTES", true }, { "LAST_CONTACTED", true }, { "CALLBACK_AT", true },
		{ "CREATED", false }, { "UPDATED", false },
	};
	struct db_result *lead = db_q(r->db, r->arena, SQL_LEAD, r->path_id);

	if (!lead) {
		http_fail(r, 503, "the lead could not be loaded; please try again");
		return;
	}
	if (db_rows(lead) != 1) {
		http_fail(r, 404, "there is no such lead");
		return;
	}
	for (size_t c = 0; c < sizeof(fields) / sizeof(fields[0]); c++) {
		const char *value = db_value(lead, 0, (int)c);
		tpl_set(d, fields[c].var, value);
		if (fields[c].optional && *value)
			tpl_show(d, arena_printf(r->arena, "HAS_%s", fields[c].var));
	}
	const char *name = db_value(lead, 0, 1), *phone = db_value(lead, 0, 2);
	const char *lead_status = db_value(lead, 0, 6), *temperature = db_value(lead, 0, 7);
	tpl_set(d, "TITLE_NAME", *name ? name : phone);
	tpl_set(d, "STATUS_LABEL", label_of(r, lead_status));
	tpl_set(d, "STATUS_BADGE", lead_status_badge(r, lead_status));
	if (*temperature) {
		struct tpl_dict *t = tpl_section(d, "HAS_TEMPERATURE");
		tpl_set(t, "TEMPERATURE_LABEL", label_of(r, temperature));
		tpl_set(t, "TEMPERATURE_BADGE", arena_printf(r->arena, "badge-%s", temperature));
	}
	options_fill(r, d, "STATUS_OPTION", lead_statuses, lead_status);
	tpl_set(d, "CSRF", r->csrf);
	if (callback_problem_fill(r, d) < 0 || lead_related_fill(r, d, phone) < 0) {
		http_fail(r, 503, "the lead could not be loaded; please try again");
		return;
	}
	page_render(r, status, *name ? name : phone, NAV_LEADS, "lead.tpl", d);
}

void page_lead_show(struct req *r)
{
	lead_show(r, page_dict(r), 200);
}

/* The phone of the lead an action is for, or NULL after answering 404 (or 503). */
static const char *lead_phone(struct req *r)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_LEAD_PHONE, r->path_id);

	if (!res) {
		http_fail(r, 503, "the lead could not be loaded; please try again");
		return NULL;
	}
	if (db_rows(res) != 1) {
		http_fail(r, 404, "there is no such lead");
		return NULL;
	}
	return db_value(res, 0, 0);
}

/* True for a number a call or a text can reach: seven digits or more, phone punctuation only. */
static bool phone_reachable(const char *phone)
{
	int digits = 0;

	for (const char *p = phone; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr("+ -().", *p))
			return false;
	}
	return digits >= 7;
}

static void lead_redirect(struct req *r, const char *flash)
{
	page_flash(r, "ok", flash);
	http_redirect(r, arena_printf(r->arena, "/leads/%s", r->path_id));
}

void page_lead_status(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *phone = lead_phone(r);

	if (!phone)
		return;
	form_begin(&f, r, d);
	const char *status = form_text(&f, "status");
	if (!in_list(lead_statuses, status)) {
		form_error(&f, "status", "choose one of the statuses in the list");
		lead_show(r, d, 422);
		return;
	}
	json_t *detail = json_to_arena(r->arena, json_pack("{s:s}", "status", status));
	if (db_exec(r->db, r->arena, SQL_SET_STATUS, r->path_id, status) != 1 ||
	    db_exec(r->db, r->arena, SQL_AUDIT, r->org_id, r->user_id, "lead.status", r->path_id,
		    json_text(r->arena, detail)) != 1) {
		http_fail(r, 503, "the status could not be saved; please try again");
		return;
	}
	lead_redirect(r, arena_printf(r->arena, "Status changed to %s.", label_of(r, status)));
}

void page_lead_note(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	if (!lead_phone(r))
		return;
	form_begin(&f, r, d);
	const char *body = form_text(&f, "note_body");
	if (form_required(&f, "note_body", body, "A note"))
		form_max_length(&f, "note_body", body, NOTE_MAX_CHARS);
	if (!form_ok(&f)) {
		lead_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_ADD_NOTE, r->org_id, r->path_id, r->user_id, body) != 1) {
		http_fail(r, 503, "the note could not be saved; please try again");
		return;
	}
	lead_redirect(r, "Note added.");
}

/* Queue a text to this lead with the message body; the job runner carries it out. */
static int lead_enqueue(struct req *r, const char *phone, const char *body)
{
	struct notify_links links = { .lead_id = r->path_id };

	if (!notify_sms_enqueue(r->db, r->arena, phone, body, NULL, &links, NULL)) {
		http_fail(r, 503, "the action could not be queued; please try again");
		return -1;
	}
	log_info("lead action queued kind=sms.send lead=%s", r->path_id);
	return 0;
}

void page_lead_callback(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *phone = lead_phone(r);

	if (!phone)
		return;
	form_begin(&f, r, d);
	const char *body = form_text(&f, "callback_body");
	if (form_max_length(&f, "callback_body", body, MESSAGE_MAX_CHARS) &&
	    !phone_reachable(phone))
		form_error(&f, "callback_body", "this lead's number cannot be called back");
	if (!form_ok(&f)) {
		lead_show(r, d, 422);
		return;
	}
	struct callback_setup setup;
	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) < 0) {
		http_fail(r, 503, "the call-back could not be checked; please try again");
		return;
	}
	/* A call that can never be placed is not queued: the page says what to set up first. */
	if (setup.problem) {
		lead_show(r, d, 422);
		return;
	}
	if (!callback_request(r->db, r->arena, r->org_id, &setup, r->path_id, phone, body)) {
		http_fail(r, 503, "the call-back could not be queued; please try again");
		return;
	}
	lead_redirect(r, "Call-back queued. Its progress shows under Actions.");
}

void page_lead_sms(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *phone = lead_phone(r);

	if (!phone)
		return;
	form_begin(&f, r, d);
	const char *body = form_text(&f, "sms_body");
	if (form_required(&f, "sms_body", body, "A message") &&
	    form_max_length(&f, "sms_body", body, MESSAGE_MAX_CHARS) && !phone_reachable(phone))
		form_error(&f, "sms_body", "this lead's number cannot receive text messages");
	if (form_ok(&f)) {
		struct db_result *opted = db_q(r->db, r->arena, SQL_OPTED_OUT, phone);
		if (!opted) {
			http_fail(r, 503, "the message could not be checked; please try again");
			return;
		}
		if (db_rows(opted))
			form_error(&f, "sms_body", "this number has opted out of text messages "
				   "(it replied STOP), so nothing was sent");
	}
	if (!form_ok(&f)) {
		lead_show(r, d, 422);
		return;
	}
	if (lead_enqueue(r, phone, body) < 0)
		return;
	lead_redirect(r, "Text message queued. Its progress shows under Actions.");
}
