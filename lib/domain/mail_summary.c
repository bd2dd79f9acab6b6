/* mail_summary.c: the daily summary email: the business's last 24 hours in figures and leads */
#include "domain/mail_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/mail.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/tpl.h"

/* Unanswered is what the post-call analysis calls unanswered (leads.c). */
#define UNANSWERED "('missed', 'no-answer', 'busy', 'canceled')"

/*
 * The figures of the 24 hours before now, the owner's test calls left out: calls, answered,
 * answered outside the business hours (in its own zone), bookings made on calls and their
 * value, missed calls and those texted back; the business's name and whether it wants a
 * summary of a day with no calls.
 */
static const char SQL_FIGURES[] =
	"WITH c AS ("
	"  SELECT c.id, c.status, c.booked, c.value_cents, "
	"         c.started_at AT TIME ZONE o.timezone AS loc, o.business_hours "
	"  FROM calls c JOIN organizations o ON o.id = c.org_id "
	"  WHERE c.started_at > now() - interval '24 hours' AND c.provider <> 'browser') "
	"SELECT count(*), "
	"  count(*) FILTER (WHERE c.status NOT IN " UNANSWERED "), "
	"  count(*) FILTER (WHERE c.status NOT IN " UNANSWERED " AND NOT EXISTS ("
	"    SELECT 1 FROM jsonb_array_elements(c.business_hours -> (ARRAY['sun','mon','tue','wed',"
	"      'thu','fri','sat'])[extract(dow FROM c.loc)::int + 1]) s "
	"    WHERE c.loc::time >= (s->>0)::time AND c.loc::time < (s->>1)::time)), "
	"  count(*) FILTER (WHERE c.booked), "
	"  coalesce(sum(c.value_cents) FILTER (WHERE c.booked), 0), "
	"  count(*) FILTER (WHERE c.status IN " UNANSWERED "), "
	"  count(*) FILTER (WHERE c.status IN " UNANSWERED " AND EXISTS ("
	"    SELECT 1 FROM notifications n WHERE n.call_id = c.id AND n.purpose = 'missed_call' "
	"    AND n.status = 'sent')), "
	"  (SELECT name FROM organizations WHERE id = app_org_id()), "
	"  (SELECT summary_on_quiet_days FROM organizations WHERE id = app_org_id()), "
	"  (SELECT timezone FROM organizations WHERE id = app_org_id()) "
	"FROM c";
/* Leads from those calls still waiting for the business, best first. */
static const char SQL_LEADS[] =
	"SELECT l.id, coalesce(l.name, l.phone), l.phone, coalesce(l.temperature, ''), "
	"       coalesce(l.summary, '') "
	"FROM leads l "
	"WHERE l.status IN ('new', 'contacted', 'qualified') AND l.last_call_id IN ("
	"  SELECT id FROM calls WHERE started_at > now() - interval '24 hours' "
	"  AND provider <> 'browser') "
	"ORDER BY l.score DESC NULLS LAST, l.updated_at DESC LIMIT 10";
static const char SQL_RECIPIENTS[] =
	"SELECT unnest(recipients) FROM alert_channels WHERE channel = 'email'";

/* Leads listed in a summary at most. */
#define LEADS_MAX 10

static const char *plural(struct arena *a, long n, const char *one, const char *many)
{
	return arena_printf(a, "%ld %s", n, n == 1 ? one : many);
}

static void figure(struct tpl_dict *d, struct buf *text, const char *label, const char *value)
{
	struct tpl_dict *f = tpl_section(d, "FIGURE");
	tpl_set(f, "LABEL", label);
	tpl_set(f, "VALUE", value);
	buf_printf(text, "%s: %s\n", label, value);
}

enum job_outcome mail_summary_job(struct db *db, struct arena *a, const struct job *job,
				  char *error, size_t errlen)
{
	const char *day = json_str(job->payload, "day");

	if (!day || strlen(day) != 10) {
		snprintf(error, errlen, "the job needs the day it sums up (day)");
		return JOB_FAILED;
	}
	snprintf(error, errlen, "the summary could not be made: the database is unavailable");
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	struct db_result *fig = db_q(db, a, SQL_FIGURES);
	struct db_result *leads = db_q(db, a, SQL_LEADS);
	struct db_result *to = db_q(db, a, SQL_RECIPIENTS);
	if (!fig || db_rows(fig) != 1 || !leads || !to)
		goto fail;
	long calls = atol(db_value(fig, 0, 0)), answered = atol(db_value(fig, 0, 1));
	long after = atol(db_value(fig, 0, 2)), booked = atol(db_value(fig, 0, 3));
	long cents = atol(db_value(fig, 0, 4)), missed = atol(db_value(fig, 0, 5));
	long texted = atol(db_value(fig, 0, 6));
	const char *business = db_value(fig, 0, 7), *tz = db_value(fig, 0, 9);
	if ((calls == 0 && strcmp(db_value(fig, 0, 8), "t")) || db_rows(to) == 0) {
		db_rollback(db);
		*error = '\0';
		log_info("no daily summary sent day=%s calls=%ld recipients=%d", day, calls,
			 db_rows(to));
		return JOB_DONE;
	}

	const char *subject = calls == 0 ? "Your day: No calls" :
		arena_printf(a, "Your day: %s, %s, %s", plural(a, calls, "call", "calls"),
			     plural(a, booked, "booking", "bookings"),
			     plural(a, missed, "missed", "missed"));
	const char *base = conf_str("PUBLIC_BASE_URL");
	struct tpl_dict *d = tpl_dict_new(a, "mail_summary");
	struct buf text = BUF_INIT;
	const char *period = arena_printf(a, "The 24 hours up to %s (%s).", day, tz);
	tpl_set(d, "SUBJECT", subject);
	tpl_set(d, "BUSINESS", business);
	tpl_set(d, "PERIOD", period);
	tpl_set(d, "DASHBOARD_URL", arena_printf(a, "%s/", base));
	buf_printf(&text, "%s: %s\n%s\n\n", business, subject, period);
	figure(d, &text, "Calls answered", arena_printf(a, "%ld", answered));
	figure(d, &text, "Answered after hours", arena_printf(a, "%ld", after));
	figure(d, &text, "Bookings", arena_printf(a, "%ld, worth $%ld.%02ld", booked, cents / 100,
						  cents % 100));
	figure(d, &text, "Missed calls", arena_printf(a, "%ld (%ld texted back)", missed, texted));
	if (db_rows(leads)) {
		struct tpl_dict *section = tpl_section(d, "LEADS");
		buf_puts(&text, "\nLeads to call back:\n");
		for (int i = 0; i < db_rows(leads) && i < LEADS_MAX; i++) {
			struct tpl_dict *l = tpl_section(section, "LEAD");
			const char *url = arena_printf(a, "%s/leads/%s", base, db_value(leads, i, 0));
			const char *who = arena_printf(a, "%s (%s)", db_value(leads, i, 1),
						       db_value(leads, i, 2));
			const char *what = *db_value(leads, i, 3) ?
				arena_printf(a, "%s: %s", db_value(leads, i, 3), db_value(leads, i, 4)) :
				db_value(leads, i, 4);
			tpl_set(l, "URL", url);
			tpl_set(l, "WHO", who);
			tpl_set(l, "WHAT", what);
			buf_printf(&text, "- %s %s\n  %s\n", who, what, url);
		}
	}
	buf_printf(&text, "\nOpen the dashboard: %s/\n", base);
	const char *text_body = arena_strdup(a, buf_str(&text));
	buf_release(&text);
	struct buf html = BUF_INIT;
	const char *html_body = tpl_render("mail_summary.tpl", d, &html) == 0 ?
				arena_strdup(a, buf_str(&html)) : NULL;
	buf_release(&html);

	for (int i = 0; i < db_rows(to); i++) {
		struct mail_message m = {
			.to = db_value(to, i, 0), .subject = subject, .text = text_body,
			.html = html_body, .purpose = "daily_summary", .unsubscribable = true,
		};
		if (!mail_enqueue(db, a, job->org_id, &m,
				  arena_printf(a, "summary:%s:%s", day, m.to)))
			goto fail;
	}
	if (db_commit(db) < 0)
		goto fail;
	*error = '\0';
	log_info("daily summary queued day=%s calls=%ld recipients=%d", day, calls, db_rows(to));
	return JOB_DONE;
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	return JOB_RETRY;
}
