/* page-leads.c: the leads list: filters, sorting, pages, and its CSV export (a lead's own page is
 * page-lead.c) */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

#define LEADS_PER_PAGE 50
/* Counting stops here (SQL_COUNT's LIMIT is one more): a huge list costs what a big one does. */
#define LEADS_COUNT_CAP 10000
#define LEADS_MAX_PAGE 10000
#define SEARCH_MAX_BYTES 200

/*
 * The filters every list query shares: $1 org, $2 status, $3 temperature ('' for any),
 * $4 a LIKE pattern over the name, phone and summary, $5 a LIKE pattern over the phone's
 * digits ('' for none). Each "'' or" collapses at planning, so only the indexes of the
 * filters in use are touched. The list, its count and its export read org_leads, the
 * organization's own leads under row-level security, where a LIKE cannot use the trigram
 * indexes; a search of three characters or more asks org_leads_matching() for the matching
 * ids, which can (sql/016_roles_per_program.sql). Shorter text has no trigram to look up
 * and matches many leads, so it stays a LIKE, which stops once a page is full.
 */
#define LEADS_WHERE \
	"WHERE l.org_id = $1 " \
	"  AND ($2::text = '' OR l.status = $2::text) " \
	"  AND ($3::text = '' OR l.temperature = $3::text) " \
	"  AND ($4::text = '' " \
	"       OR char_length($4::text) < 5 AND l.search_lower LIKE lower($4::text) " \
	"       OR char_length($4::text) >= 5 " \
	"          AND l.id IN (SELECT org_leads_matching(lower($4::text), ''))) " \
	"  AND ($5::text = '' OR l.id IN (SELECT org_leads_matching('', $5::text))) "

/* A page of leads is chosen first and only its rows are formatted. */
#define LEADS_LIST_SELECT(order) \
	"SELECT l.id, coalesce(l.name, ''), l.phone, l.status, coalesce(l.temperature, ''), " \
	"       coalesce(l.score::text, ''), " \
	"       l.value_cents, " \
	"       coalesce(left(l.summary, 140), ''), " \
	"       " UI_SQL_DATE_TIME("l.updated_at") " " \
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

/* A query parameter that must be one of kind's statuses; "" when absent or not one. */
static const char *query_choice(struct req *r, const char *name, enum ui_status_kind kind)
{
	const char *v = req_query(r, name);

	return ui_status_known(kind, v) ? v : "";
}

static void filter_read(struct req *r, struct lead_filter *f)
{
	char *q = text_trim(r, req_query(r, "q"));
	const char *sort = req_query(r, "sort"), *dir = req_query(r, "dir"), *page;
	size_t len = strlen(q);

	f->status = query_choice(r, "status", UI_LEAD);
	f->temperature = query_choice(r, "temperature", UI_TEMPERATURE);
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
	ui_status_options(d, "STATUS_OPTION", UI_LEAD, f.status);
	ui_status_options(d, "TEMPERATURE_OPTION", UI_TEMPERATURE, f.temperature);
	list_headers_fill(d, &f);
	if (*f.status || *f.temperature || *f.q)
		tpl_show(d, "FILTERED");

	for (int i = 0; i < shown; i++) {
		struct tpl_dict *row = tpl_section(d, "LEAD");
		const char *temperature = db_value(res, i, 4), *cents = db_value(res, i, 6);
		tpl_set(row, "ID", db_value(res, i, 0));
		tpl_set(row, "NAME", *db_value(res, i, 1) ? db_value(res, i, 1) : "Unknown caller");
		tpl_set(row, "PHONE", db_value(res, i, 2));
		ui_status_set(r->arena, row, "STATUS", UI_LEAD, db_value(res, i, 3));
		if (*temperature)
			ui_status_set(r->arena, tpl_section(row, "TEMPERATURE"), "TEMPERATURE",
				      UI_TEMPERATURE, temperature);
		tpl_set(row, "SCORE", *db_value(res, i, 5) ? db_value(res, i, 5) : "\xE2\x80\x94");
		tpl_set(row, "VALUE", cents ? ui_money_text(r->arena, cents) : "\xE2\x80\x94");
		tpl_set(row, "SUMMARY", db_value(res, i, 7));
		tpl_set(row, "UPDATED", db_value(res, i, 8));
	}

	long first = (f.page - 1) * LEADS_PER_PAGE + 1, last = first + shown - 1;
	struct arena *a = r->arena;
	if (count > LEADS_COUNT_CAP)
		tpl_set(d, "COUNT_TEXT", arena_printf(a, "More than %s leads",
						      ui_thousands(a, LEADS_COUNT_CAP)));
	else
		tpl_set(d, "COUNT_TEXT", arena_printf(a, "%s lead%s", ui_thousands(a, count),
						      count == 1 ? "" : "s"));
	if (!shown) {
		tpl_show(d, *f.status || *f.temperature || *f.q ? "NO_MATCH" : "NO_LEADS");
	} else {
		tpl_show(d, "HAS_LEADS");
		tpl_set(d, "PAGE_INFO", arena_printf(a, "%s\xE2\x80\x93%s", ui_thousands(a, first),
						     ui_thousands(a, last)));
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

