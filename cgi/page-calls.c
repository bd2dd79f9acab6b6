/* page-calls.c: the calls list with its filters, one call's page, its recording, and a call
 * back to a missed caller */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "domain/callback.h"
#include "domain/credentials.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "form.h"
#include "infra/webclient.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "domain/recordings.h"
#include "req.h"
#include "infra/tpl.h"
#include "ui.h"

#define CALLS_PER_PAGE 50
/* Counting stops here: "more than 10,000" is all a filter needs to say beyond it. */
#define CALLS_COUNT_CAP 10000
#define CALLS_MAX_PAGE (CALLS_COUNT_CAP / CALLS_PER_PAGE)

static const struct ui_status recording_statuses[] = {
	{ "none", "No recording", "badge-inactive" },
	{ "pending", "Waiting for the provider", "badge-pending" },
	{ "processing", "Processing", "badge-in-progress" },
	{ "completed", "Ready", "badge-ok" },
	{ "failed", "Failed", "badge-failed" },
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct ui_status *status_find(const struct ui_status *table, size_t n,
					   const char *value)
{
	for (size_t i = 0; value && i < n; i++)
		if (!strcmp(table[i].value, value))
			return &table[i];
	return NULL;
}

/* The list's filters as the user gave them; NULL means "any". */
struct call_filters {
	const char *from, *to;       /* YYYY-MM-DD, days of the business's own calendar */
	const char *status;
	const char *direction;       /* inbound or outbound */
	const char *booked;          /* yes or no */
	long page;
};

/* Dates as an <input type="date"> sends them; the day must exist in its month. */
static bool valid_date(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int year = atoi(s), month = atoi(s + 5), day = atoi(s + 8);
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	return day <= days[month - 1] + (month == 2 && leap);
}

/* A query parameter trimmed, NULL when absent or blank, and shown back in the form. */
static const char *filter_value(struct req *r, struct tpl_dict *d, const char *name,
				const char *variable)
{
	const char *v = text_trim(r, req_query(r, name));

	tpl_set(d, variable, v);
	return *v ? v : NULL;
}

/*
 * Read and check the list's filters from the query string into f. A wrong value gets its
 * message next to its field; returns false when any was wrong.
 */
static bool filters_read(struct req *r, struct tpl_dict *d, struct call_filters *f)
{
	struct form form;

	form_begin(&form, r, d);
	f->from = filter_value(r, d, "from", "FROM_VALUE");
	f->to = filter_value(r, d, "to", "TO_VALUE");
	f->status = filter_value(r, d, "status", "STATUS_VALUE");
	f->direction = filter_value(r, d, "direction", "DIRECTION_VALUE");
	f->booked = filter_value(r, d, "booked", "BOOKED_VALUE");
	const char *page = filter_value(r, d, "page", "PAGE_VALUE");

	if (f->from && !valid_date(f->from))
		form_error(&form, "from", "Enter the start date as YYYY-MM-DD, e.g. 2025-03-01");
	if (f->to && !valid_date(f->to))
		form_error(&form, "to", "Enter the end date as YYYY-MM-DD, e.g. 2025-03-31");
	/* Dates in this fixed form compare as text. */
	if (form_ok(&form) && f->from && f->to && strcmp(f->from, f->to) > 0)
		form_error(&form, "to", "The end date is before the start date");
	if (f->status && !ui_status_known(UI_CALL, f->status))
		form_error(&form, "status", "Choose a status from the list");
	if (f->direction && strcmp(f->direction, "inbound") && strcmp(f->direction, "outbound"))
		form_error(&form, "direction", "Direction is inbound or outbound");
	if (f->booked && strcmp(f->booked, "yes") && strcmp(f->booked, "no"))
		form_error(&form, "booked", "Booked is yes or no");
	f->page = 1;
	if (page) {
		char *end;
		f->page = strtol(page, &end, 10);
		if (*end || f->page < 1 || f->page > CALLS_MAX_PAGE) {
			form_error(&form, "page", arena_printf(r->arena,
				   "Pages run from 1 to %d; narrow the dates to see older calls",
				   CALLS_MAX_PAGE));
			f->page = 1;
		}
	}
	return form_ok(&form);
}

/*
 * The list's address for another page with the same filters. Only checked values reach it,
 * and none of them holds a character that needs escaping in a URL.
 */
static const char *calls_url(struct req *r, const struct call_filters *f, long page)
{
	struct buf q = BUF_INIT;
	const char *names[] = { "from", "to", "status", "direction", "booked" };
	const char *values[] = { f->from, f->to, f->status, f->direction, f->booked };

	for (size_t i = 0; i < COUNT_OF(names); i++)
		if (values[i])
			buf_printf(&q, "%s%s=%s", q.len ? "&" : "", names[i], values[i]);
	if (page > 1)
		buf_printf(&q, "%spage=%ld", q.len ? "&" : "", page);
	const char *url = arena_printf(r->arena, "/calls%s%s", q.len ? "?" : "", buf_str(&q));
	buf_release(&q);
	return url;
}

/* "m:ss" (or "h:mm:ss") for a number of seconds given as text; "" for none. */
static const char *duration_text(struct req *r, const char *seconds)
{
	if (!seconds)
		return "";
	long s = atol(seconds);
	if (s >= 3600)
		return arena_printf(r->arena, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
	return arena_printf(r->arena, "%ld:%02ld", s / 60, s % 60);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "—";
}

/* The business's time zone and the filter's dates as instants: midnight of from, and of the
 * day after to, where the business is. */
static const char SQL_DAY_BOUNDS[] =
	"SELECT o.timezone, "
	"       $2::date::timestamp AT TIME ZONE o.timezone AS start_at, "
	"       ($3::date + 1)::timestamp AT TIME ZONE o.timezone AS end_at "
	"FROM organizations o WHERE o.id = $1";

/*
 * Each filter is "$n IS NULL OR column = $n". Planned for the values at hand, an absent
 * filter folds away and a present one becomes an index condition; a plan made once for any
 * values could use no index but the date's.
 */
static const char SQL_CUSTOM_PLANS[] =
	"SELECT set_config('plan_cache_mode', 'force_custom_plan', true)";

/* The explicit org_id repeats row-level security for the planner, which cannot see into it. */
#define CALLS_WHERE \
	"c.org_id = $1 " \
	"AND ($2::timestamptz IS NULL OR c.started_at >= $2::timestamptz) " \
	"AND ($3::timestamptz IS NULL OR c.started_at < $3::timestamptz) " \
	"AND ($4::text IS NULL OR c.status = $4::text) " \
	"AND ($5::text IS NULL OR c.direction = $5::text) " \
	"AND ($6::boolean IS NULL OR c.booked = $6::boolean) "

static const char SQL_CALLS_COUNT[] =
	"SELECT count(*) FROM (SELECT 1 FROM calls c WHERE " CALLS_WHERE "LIMIT $7) matching";

/*
 * One row more than a page, to know whether a next page exists. The inner query walks the
 * index past the earlier pages; only the page's own rows are then joined and formatted.
 */
static const char SQL_CALLS_PAGE[] =
	"SELECT c.id, c.direction, c.status, c.duration_seconds, c.booked, "
	"       to_char(c.started_at AT TIME ZONE $7, '" UI_DATE_FORMAT "') AS day, "
	"       to_char(c.started_at AT TIME ZONE $7, '" UI_TIME_FORMAT "') AS time, "
	"       CASE c.direction WHEN 'outbound' THEN c.to_number ELSE c.from_number END AS party, "
	"       c.value_cents, l.name AS lead_name "
	"FROM (SELECT c.id, c.org_id, c.direction, c.status, c.duration_seconds, c.booked, "
	"             c.started_at, c.from_number, c.to_number, c.value_cents, c.lead_id "
	"      FROM calls c WHERE " CALLS_WHERE
	"      ORDER BY c.started_at DESC, c.id DESC LIMIT $8 OFFSET $9) c "
	"LEFT JOIN leads l ON l.org_id = c.org_id AND l.id = c.lead_id "
	"ORDER BY c.started_at DESC, c.id DESC";

/* Fill the filter form's choices, marking the one in force. */
static void filters_show(struct tpl_dict *d, const struct call_filters *f)
{
	ui_status_options(d, "STATUS_OPTION", UI_CALL, f->status);
	if (f->direction)
		tpl_show(d, !strcmp(f->direction, "inbound") ? "INBOUND_SELECTED"
							      : "OUTBOUND_SELECTED");
	if (f->booked)
		tpl_show(d, !strcmp(f->booked, "yes") ? "BOOKED_YES_SELECTED"
						       : "BOOKED_NO_SELECTED");
	if (f->from || f->to || f->status || f->direction || f->booked)
		tpl_show(d, "FILTERED");
}

static void calls_rows(struct req *r, struct tpl_dict *d, struct db_result *res, int n)
{
	for (int i = 0; i < n; i++) {
		struct tpl_dict *row = tpl_section(d, "CALL");
		struct ui_status s = ui_status(r->arena, UI_CALL, db_field(res, i, "status"));
		const char *lead = db_field(res, i, "lead_name");

		tpl_set(row, "ID", db_field(res, i, "id"));
		tpl_set(row, "DAY", db_field(res, i, "day"));
		tpl_set(row, "TIME", db_field(res, i, "time"));
		tpl_set(row, "PARTY", or_dash(db_field(res, i, "party")));
		if (lead && *lead)
			tpl_set(tpl_section(row, "LEAD_NAME"), "NAME", lead);
		else
			tpl_show(row, "NO_LEAD_NAME");
		tpl_set(row, "DIRECTION", !strcmp(db_field(res, i, "direction"), "outbound")
			? "Outbound" : "Inbound");
		tpl_set(row, "STATUS_LABEL", s.label);
		tpl_set(row, "STATUS_BADGE", s.badge);
		tpl_set(row, "DURATION",
			or_dash(duration_text(r, db_field(res, i, "duration_seconds"))));
		tpl_set(row, "VALUE",
			or_dash(ui_money_text(r->arena, db_field(res, i, "value_cents"))));
		if (!strcmp(db_field(res, i, "booked"), "t"))
			tpl_show(row, "BOOKED");
	}
}

/* Previous / next links and where this page sits among them. */
static void calls_pagination(struct req *r, struct tpl_dict *d, const struct call_filters *f,
			     long total, bool more)
{
	long pages = (total + CALLS_PER_PAGE - 1) / CALLS_PER_PAGE;
	struct tpl_dict *p = tpl_section(d, "PAGINATION");

	if (f->page > 1)
		tpl_set(tpl_section(p, "PREV"), "URL", calls_url(r, f, f->page - 1));
	else
		tpl_show(p, "NO_PREV");
	if (more && f->page < CALLS_MAX_PAGE)
		tpl_set(tpl_section(p, "NEXT"), "URL", calls_url(r, f, f->page + 1));
	else
		tpl_show(p, "NO_NEXT");
	if (total > CALLS_COUNT_CAP)
		tpl_set(p, "PAGE_INFO", arena_printf(r->arena, "Page %ld of more than %d",
						     f->page, CALLS_MAX_PAGE));
	else
		tpl_set(p, "PAGE_INFO", arena_printf(r->arena, "Page %ld of %ld", f->page, pages));
}

void page_calls(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct call_filters f;
	bool valid = filters_read(r, d, &f);

	filters_show(d, &f);
	if (!valid) {
		tpl_show(d, "INVALID");
		page_render(r, 400, "Calls", NAV_CALLS, "calls.tpl", d);
		return;
	}
	struct db_result *bounds = db_q(r->db, r->arena, SQL_DAY_BOUNDS, r->org_id, f.from, f.to);
	if (!bounds || db_rows(bounds) != 1 || !db_q(r->db, r->arena, SQL_CUSTOM_PLANS)) {
		http_fail(r, 503, "the calls could not be loaded");
		return;
	}
	const char *timezone = db_field(bounds, 0, "timezone");
	const char *start = db_field(bounds, 0, "start_at"), *end = db_field(bounds, 0, "end_at");
	const char *booked = f.booked ? (!strcmp(f.booked, "yes") ? "true" : "false") : NULL;
	long total = 0;

	if (db_long(r->db, r->arena, &total, SQL_CALLS_COUNT, r->org_id, start, end, f.status,
		    f.direction, booked, arena_printf(r->arena, "%d", CALLS_COUNT_CAP + 1)) != 0) {
		http_fail(r, 503, "the calls could not be loaded");
		return;
	}
	struct db_result *res = db_q(r->db, r->arena, SQL_CALLS_PAGE, r->org_id, start, end,
				     f.status, f.direction, booked, timezone,
				     arena_printf(r->arena, "%d", CALLS_PER_PAGE + 1),
				     arena_printf(r->arena, "%ld", (f.page - 1) * CALLS_PER_PAGE));
	if (!res) {
		http_fail(r, 503, "the calls could not be loaded");
		return;
	}
	int n = db_rows(res);
	bool more = n > CALLS_PER_PAGE;

	calls_rows(r, d, res, more ? CALLS_PER_PAGE : n);
	if (total > CALLS_COUNT_CAP)
		tpl_set(d, "COUNT_TEXT", arena_printf(r->arena, "More than %s calls",
						     ui_thousands(r->arena, CALLS_COUNT_CAP)));
	else
		tpl_set(d, "COUNT_TEXT", arena_printf(r->arena, "%ld call%s", total,
						     total == 1 ? "" : "s"));
	if (n > 0)
		tpl_show(d, "LIST");
	else if (total > 0)
		tpl_set(tpl_section(d, "PAST_END"), "FIRST_URL", calls_url(r, &f, 1));
	else if (f.from || f.to || f.status || f.direction || f.booked)
		tpl_show(d, "NO_MATCH");
	else
		tpl_show(d, "NO_CALLS");
	if (n > 0 && (f.page > 1 || more))
		calls_pagination(r, d, &f, total, more);
	page_render(r, 200, "Calls", NAV_CALLS, "calls.tpl", d);
}

static const char SQL_CALL[] =
	"SELECT c.direction, c.status, c.from_number, c.to_number, c.provider, "
	"       c.duration_seconds, c.recording_status, "
	"       c.recording_url IS NOT NULL AS has_recording, "
	"       c.transfer_to, c.summary, c.sentiment_label, c.urgency, c.booked, c.ended_reason, "
	"       c.call_type, c.customer_type, c.call_purpose, "
	"       to_char(c.sentiment_score, 'FM0.00') AS sentiment_score, "
	"       c.value_cents, " UI_SQL_DATE_TIME("c.started_at") " AS started, "
	"       to_char(c.answered_at AT TIME ZONE o.timezone, 'FMHH12:MI:SS AM') AS answered, "
	"       to_char(c.ended_at AT TIME ZONE o.timezone, 'FMHH12:MI:SS AM') AS ended, "
	"       to_char(c.transferred_at AT TIME ZONE o.timezone, 'Mon FMDD, FMHH12:MI:SS AM') "
	"         AS transferred, "
	"       l.id AS lead_id, l.name AS lead_name, l.phone AS lead_phone, "
	"       l.status AS lead_status "
	"FROM calls c JOIN organizations o ON o.id = c.org_id "
	"LEFT JOIN leads l ON l.org_id = c.org_id AND l.id = c.lead_id "
	"WHERE c.id = $1";

/* Each utterance with its time into the call; played is what the caller actually heard. */
static const char SQL_TURNS[] =
	"SELECT t.speaker, t.text, t.played_text, "
	"       t.played_text IS NOT NULL AND t.played_text <> t.text AS cut_off, "
	"       greatest(0, extract(epoch FROM t.started_at - c.started_at))::bigint AS offset, "
	"       t.total_ms, t.stt_ms, t.brain_first_token_ms, t.tts_first_audio_ms "
	"FROM call_turns t JOIN calls c ON c.org_id = t.org_id AND c.id = t.call_id "
	"WHERE t.call_id = $1 ORDER BY t.seq";

/* How long the caller waited for the receptionist's replies, over the replies that were timed. */
static const char SQL_REPLY_TIMES[] =
	"SELECT count(total_ms) AS replies, "
	"       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms))::bigint AS median, "
	"       max(total_ms) AS slowest "
	"FROM call_turns WHERE call_id = $1 AND speaker = 'assistant' AND total_ms IS NOT NULL";

static void detail_set(struct tpl_dict *d, struct db_result *c, const char *variable,
		       const char *column)
{
	tpl_set(d, variable, or_dash(db_field(c, 0, column)));
}

/* A word stored in lower case as a label ("Caller hung up"); a dash for none. */
static const char *label_text(struct req *r, const char *word)
{
	return word && *word ? ui_label(r->arena, word) : "—";
}

/*
 * A reply's latency as the voice worker measured it: the whole wait, from the end of the caller's
 * speech to the first reply audio, then its parts ("412 ms · recognition 150 · brain 180 ·
 * speech 82"). Only the figures stored are shown; NULL when there are none.
 */
static const char *latency_text(struct req *r, struct db_result *turns, int i)
{
	static const struct {
		const char *column, *label;
	} parts[] = {
		{ "stt_ms", "recognition" },
		{ "brain_first_token_ms", "brain" },
		{ "tts_first_audio_ms", "speech" },
	};
	const char *total = db_field(turns, i, "total_ms");
	struct buf b = BUF_INIT;

	if (total)
		buf_printf(&b, "%s ms", total);
	for (size_t k = 0; k < COUNT_OF(parts); k++) {
		const char *ms = db_field(turns, i, parts[k].column);
		if (ms)
			buf_printf(&b, "%s%s %s", b.len ? " · " : "", parts[k].label, ms);
	}
	const char *text = b.len ? arena_strdup(r->arena, buf_str(&b)) : NULL;
	buf_release(&b);
	return text;
}

/* The call's reply times in one line, when any reply was timed. */
static void reply_times(struct req *r, struct tpl_dict *d, struct db_result *times)
{
	long replies = atol(db_field(times, 0, "replies"));

	if (replies == 0)
		return;
	struct tpl_dict *s = tpl_section(d, "REPLY_TIMES");
	tpl_set(s, "MEDIAN", db_field(times, 0, "median"));
	tpl_set(s, "SLOWEST", db_field(times, 0, "slowest"));
	tpl_set(s, "REPLIES", arena_printf(r->arena, "%ld repl%s", replies,
					   replies == 1 ? "y" : "ies"));
}

static void call_transcript(struct req *r, struct tpl_dict *d, struct db_result *turns)
{
	int n = db_rows(turns);

	if (n == 0)
		tpl_show(d, "NO_TURNS");
	for (int i = 0; i < n; i++) {
		struct tpl_dict *t = tpl_section(d, "TURN");
		const char *speaker = db_field(turns, i, "speaker");

		tpl_set(t, "SPEAKER", speaker);
		tpl_set(t, "WHO", !strcmp(speaker, "caller") ? "Caller"
			: !strcmp(speaker, "assistant") ? "Receptionist" : "System");
		tpl_set(t, "TIME", duration_text(r, db_field(turns, i, "offset")));
		tpl_set(t, "TEXT", db_field(turns, i, "text"));
		const char *latency = strcmp(speaker, "assistant") ? NULL : latency_text(r, turns, i);
		if (latency)
			tpl_set(tpl_section(t, "LATENCY"), "LATENCY_TEXT", latency);
		if (strcmp(db_field(turns, i, "cut_off"), "t"))
			continue;
		const char *played = db_field(turns, i, "played_text");
		if (*played)
			tpl_set(tpl_section(t, "PLAYED"), "PLAYED_TEXT", played);
		else
			tpl_show(t, "NOT_PLAYED");
	}
}

/* An inbound call nobody answered: its page offers to call the caller back. */
static bool is_missed(struct db_result *c)
{
	static const char *const missed[] = { "missed", "no-answer", "busy", "canceled" };
	const char *status = db_field(c, 0, "status");

	if (strcmp(db_field(c, 0, "direction"), "inbound"))
		return false;
	for (size_t i = 0; i < COUNT_OF(missed); i++)
		if (!strcmp(status, missed[i]))
			return true;
	return false;
}

/*
 * The "Call back" button of a missed call with a number to call, and, when the business
 * cannot place calls now, why, with the settings that fix it. A database error only leaves
 * the reason out: pressing the button checks again.
 */
static void call_back_fill(struct req *r, struct tpl_dict *d, struct db_result *c)
{
	struct callback_setup setup;

	if (!is_missed(c) || !ui_phone_reachable(db_field(c, 0, "from_number")))
		return;
	struct tpl_dict *button = tpl_section(d, "CALL_BACK");
	tpl_set(button, "CALL_ID", r->path_id);
	tpl_set(button, "CSRF", r->csrf);
	tpl_set(button, "NUMBER", db_field(c, 0, "from_number"));
	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) == 0 && setup.problem) {
		struct tpl_dict *p = tpl_section(button, "CALLBACK_PROBLEM");
		tpl_set(p, "PROBLEM", setup.problem);
		tpl_set(p, "FIX_URL", setup.fix_url);
		tpl_set(p, "FIX_LABEL", setup.fix_label);
	}
}

void page_call_show(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *c = ui_one(r, "call", "loaded", SQL_CALL, r->path_id);

	if (!c)
		return;
	struct db_result *turns = db_q(r->db, r->arena, SQL_TURNS, r->path_id);
	struct db_result *times = turns ? db_q(r->db, r->arena, SQL_REPLY_TIMES, r->path_id) : NULL;
	if (!times || db_rows(times) != 1) {
		http_fail(r, 503, "the call could not be loaded; please try again");
		return;
	}
	struct ui_status s = ui_status(r->arena, UI_CALL, db_field(c, 0, "status"));
	const char *recording = db_field(c, 0, "recording_status");
	const struct ui_status *rs =
		status_find(recording_statuses, COUNT_OF(recording_statuses), recording);
	bool outbound = !strcmp(db_field(c, 0, "direction"), "outbound");
	const char *party = or_dash(db_field(c, 0, outbound ? "to_number" : "from_number"));

	tpl_set(d, "ID", r->path_id);
	tpl_set(d, "PARTY", party);
	tpl_set(d, "DIRECTION", outbound ? "Outbound" : "Inbound");
	tpl_set(d, "STATUS_LABEL", s.label);
	tpl_set(d, "STATUS_BADGE", s.badge);
	detail_set(d, c, "FROM", "from_number");
	detail_set(d, c, "TO", "to_number");
	detail_set(d, c, "STARTED", "started");
	detail_set(d, c, "ANSWERED", "answered");
	detail_set(d, c, "ENDED", "ended");
	tpl_set(d, "DURATION", or_dash(duration_text(r, db_field(c, 0, "duration_seconds"))));
	tpl_set(d, "PROVIDER", label_text(r, db_field(c, 0, "provider")));
	tpl_set(d, "ENDED_REASON", label_text(r, db_field(c, 0, "ended_reason")));
	tpl_set(d, "SENTIMENT", label_text(r, db_field(c, 0, "sentiment_label")));
	if (db_field(c, 0, "sentiment_score"))
		tpl_set(tpl_section(d, "SENTIMENT_SCORE"), "SCORE",
			db_field(c, 0, "sentiment_score"));
	tpl_set(d, "URGENCY", label_text(r, db_field(c, 0, "urgency")));
	tpl_set(d, "VALUE", or_dash(ui_money_text(r->arena, db_field(c, 0, "value_cents"))));
	tpl_set(d, "BOOKED", !strcmp(db_field(c, 0, "booked"), "t") ? "Yes" : "No");
	tpl_set(d, "CALL_TYPE", label_text(r, db_field(c, 0, "call_type")));
	tpl_set(d, "CUSTOMER_TYPE", label_text(r, db_field(c, 0, "customer_type")));
	detail_set(d, c, "CALL_PURPOSE", "call_purpose");
	if (db_field(c, 0, "summary") && *db_field(c, 0, "summary"))
		tpl_set(tpl_section(d, "SUMMARY"), "TEXT", db_field(c, 0, "summary"));
	else
		tpl_show(d, "NO_SUMMARY");

	tpl_set(d, "RECORDING_LABEL", rs ? rs->label : recording);
	tpl_set(d, "RECORDING_BADGE", rs ? rs->badge : "badge-info");
	if (!strcmp(recording, "completed") && !strcmp(db_field(c, 0, "has_recording"), "t"))
		tpl_set(tpl_section(d, "PLAYER"), "ID", r->path_id);

	if (db_field(c, 0, "transfer_to")) {
		struct tpl_dict *t = tpl_section(d, "TRANSFER");
		tpl_set(t, "TRANSFER_TO", db_field(c, 0, "transfer_to"));
		detail_set(t, c, "TRANSFERRED", "transferred");
	} else {
		tpl_show(d, "NO_TRANSFER");
	}
	if (db_field(c, 0, "lead_id")) {
		struct tpl_dict *l = tpl_section(d, "LEAD");
		const char *name = db_field(c, 0, "lead_name");
		tpl_set(l, "LEAD_ID", db_field(c, 0, "lead_id"));
		tpl_set(l, "LEAD_NAME", name && *name ? name : db_field(c, 0, "lead_phone"));
		tpl_set(l, "LEAD_PHONE", db_field(c, 0, "lead_phone"));
		struct ui_status ls = ui_status(r->arena, UI_LEAD, db_field(c, 0, "lead_status"));
		tpl_set(l, "LEAD_STATUS_BADGE", ls.badge);
		tpl_set(l, "LEAD_STATUS_LABEL", ls.label);
	} else {
		tpl_show(d, "NO_LEAD");
	}
	call_back_fill(r, d, c);
	call_transcript(r, d, turns);
	reply_times(r, d, times);
	page_render(r, 200, arena_printf(r->arena, "Call with %s", party), NAV_CALLS, "call.tpl", d);
}

/* What the recording route needs: where the provider keeps it, and what to name its file. */
static const char SQL_RECORDING[] =
	"SELECT c.provider, c.recording_url, "
	"       to_char(c.started_at AT TIME ZONE o.timezone, 'YYYY-MM-DD-HH24MI') AS started, "
	"       CASE c.direction WHEN 'outbound' THEN c.to_number ELSE c.from_number END AS party "
	"FROM calls c JOIN organizations o ON o.id = c.org_id "
	"WHERE c.id = $1 AND c.recording_status = 'completed' AND c.recording_url IS NOT NULL";

/*
 * The name a downloaded recording is saved under: when the call started where the business
 * is, then the other party's number ("call-2025-03-04-1405-15555550123.mp3"). A withheld
 * number has no digits and is left out. Arena-owned.
 */
static const char *recording_file_name(struct req *r, struct db_result *call, const char *type)
{
	const char *party = db_field(call, 0, "party");
	char digits[32];
	size_t n = 0;

	for (const char *p = party ? party : ""; *p && n < sizeof(digits) - 1; p++)
		if (isdigit((unsigned char)*p))
			digits[n++] = *p;
	digits[n] = '\0';
	return arena_printf(r->arena, "call-%s%s%s.%s", db_field(call, 0, "started"),
			    n ? "-" : "", digits, recordings_extension(type));
}

/*
 * GET /calls/:id/recording: the call's completed recording, for its own business only. The
 * responder answers at once: nginx fetches the provider's file and streams it on (the internal
 * /_recording/ location), so a slow provider holds an nginx connection, never a responder.
 * What nginx needs goes in headers it reads and never passes on: the address, and the
 * credentials of this Twilio account's recordings. The browser only ever sees this address.
 * ?download=1 answers it as a file to save.
 */
void page_call_recording(struct req *r)
{
	const char *download = req_query(r, "download");
	struct recording_source source;

	if (download && strcmp(download, "1")) {
		http_fail(r, 400, "download must be 1");
		return;
	}
	struct db_result *call = db_q(r->db, r->arena, SQL_RECORDING, r->path_id);
	if (!call) {
		http_fail(r, 503, "the recording could not be loaded");
		return;
	}
	/* A call without a ready recording is answered as one that has none. */
	if (db_rows(call) != 1) {
		http_fail(r, 404, "this call has no recording");
		return;
	}
	struct twilio_account business;
	if (credential_twilio_account(r->db, r->arena, r->org_id, &business, NULL) < 0) {
		http_fail(r, 503, "the recording could not be loaded");
		return;
	}
	if (recordings_source(r->arena, &business, db_field(call, 0, "provider"),
			      db_field(call, 0, "recording_url"), &source) < 0) {
		log_warn("recording refused: not at a provider's recording host call=%s",
			 r->path_id);
		http_fail(r, 502, "the phone provider did not send the recording; try again later");
		return;
	}
	if (download)
		http_header(r, "Content-Disposition",
			    arena_printf(r->arena, "attachment; filename=\"%s\"",
					 recording_file_name(r, call, source.type)));
	else
		http_header(r, "Content-Disposition",
			    arena_printf(r->arena, "inline; filename=\"call-%s.%s\"", r->path_id,
					 recordings_extension(source.type)));
	http_header(r, "X-Recording-Url", source.url);
	if (source.authorization)
		http_header(r, "X-Recording-Authorization", source.authorization);
	http_header(r, "X-Accel-Redirect", "/_recording/");
	http_send(r, 200, source.type, "", 0);
}

static const char SQL_CALL_PARTY[] =
	"SELECT CASE direction WHEN 'outbound' THEN to_number ELSE from_number END, lead_id "
	"FROM calls WHERE id = $1";
/* The lead of a number, made when there is none yet (a caller who was never answered). */
static const char SQL_LEAD_OF_NUMBER[] =
	"WITH found AS (SELECT id FROM leads WHERE org_id = $1 AND phone = $2), "
	"     made AS (INSERT INTO leads (org_id, phone) "
	"              SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM found) "
	"              ON CONFLICT (org_id, phone) DO NOTHING RETURNING id) "
	"SELECT id FROM found UNION ALL SELECT id FROM made";
static const char SQL_CALL_LEAD[] =
	"UPDATE calls SET lead_id = $2 WHERE id = $1 AND lead_id IS NULL";

/*
 * POST /calls/:id/callback: call the other party of the call back, as the lead page's "Call
 * back" does, for the call's lead (made from its number when it has none). Its progress shows
 * on the lead's page, and so does what to set up first when calls cannot be placed.
 */
void page_call_callback(struct req *r)
{
	struct db_result *call = ui_one(r, "call", "loaded", SQL_CALL_PARTY, r->path_id);
	struct callback_setup setup;

	if (!call)
		return;
	const char *number = db_value(call, 0, 0), *lead = db_value(call, 0, 1);
	if (!ui_phone_reachable(number)) {
		page_flash(r, "error", "This caller's number cannot be called back.");
		http_redirect(r, arena_printf(r->arena, "/calls/%s", r->path_id));
		return;
	}
	if (!lead) {
		lead = db_text(r->db, r->arena, SQL_LEAD_OF_NUMBER, r->org_id, number);
		if (!lead || db_exec(r->db, r->arena, SQL_CALL_LEAD, r->path_id, lead) < 0) {
			http_fail(r, 503, "the call-back could not be queued; please try again");
			return;
		}
	}
	if (callback_setup_load(r->db, r->arena, r->org_id, &setup) < 0) {
		http_fail(r, 503, "the call-back could not be checked; please try again");
		return;
	}
	const char *lead_page = arena_printf(r->arena, "/leads/%s", lead);
	if (setup.problem) {
		page_flash(r, "error", arena_printf(r->arena, "Nothing was queued. %s",
						    setup.problem));
		http_redirect(r, lead_page);
		return;
	}
	if (!callback_request(r->db, r->arena, r->org_id, &setup, lead, number, "")) {
		http_fail(r, 503, "the call-back could not be queued; please try again");
		return;
	}
	page_flash(r, "ok", "Call-back queued. Its progress shows under Actions.");
	http_redirect(r, lead_page);
}
