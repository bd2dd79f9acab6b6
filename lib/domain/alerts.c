/* alerts.c: the owner's alerts about a call, per channel, kind and recipient, as the settings say */
#include "domain/alerts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/mail.h"
#include "infra/jobs.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"
#include "infra/tpl.h"

/* Every recipient of every channel with the kinds that channel is on for. */
static const char SQL_RECIPIENTS[] =
	"SELECT a.channel, r.recipient, a.on_booking, a.on_urgent, a.on_hot_lead, "
	"       a.on_missed_call "
	"FROM alert_channels a CROSS JOIN LATERAL unnest(a.recipients) WITH ORDINALITY "
	"     r(recipient, n) "
	"ORDER BY a.channel, r.n";
/*
 * The business's name, and how long until its quiet hours end when they are on now (0 when
 * they are not): local times in its own zone, a span past midnight included.
 */
static const char SQL_QUIET[] =
	"SELECT o.name, CASE WHEN q.quiet THEN greatest(0, ceil(extract(epoch FROM "
	"       (q.end_local AT TIME ZONE o.timezone) - now())))::int ELSE 0 END "
	"FROM organizations o "
	"CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE o.timezone) AS loc) l "
	"CROSS JOIN LATERAL (SELECT "
	"  CASE WHEN o.quiet_start IS NULL OR o.quiet_start = o.quiet_end THEN false "
	"       WHEN o.quiet_start < o.quiet_end THEN "
	"            l.loc::time >= o.quiet_start AND l.loc::time < o.quiet_end "
	"       ELSE l.loc::time >= o.quiet_start OR l.loc::time < o.quiet_end END AS quiet, "
	"  l.loc::date + o.quiet_end + CASE WHEN o.quiet_end <= l.loc::time "
	"       THEN interval '1 day' ELSE interval '0 days' END AS end_local) q "
	"WHERE o.id = app_org_id()";

/* A text alert's summary is cut here, so the whole text stays a few segments long. */
#define SMS_SUMMARY_CHARS 200

static const struct {
	enum alert_kind kind;
	const char *headline;  /* how a message starts */
	const char *label;     /* the setting's words */
} KINDS[] = {
	{ ALERT_URGENT, "Urgent call", "every urgent call" },
	{ ALERT_BOOKING, "New booking", "every new booking" },
	{ ALERT_HOT_LEAD, "Hot lead", "every hot lead" },
	{ ALERT_MISSED_CALL, "Missed call", "every missed call" },
};
#define KIND_COUNT (sizeof(KINDS) / sizeof(KINDS[0]))

const char *alerts_kind_label(enum alert_kind kind)
{
	for (size_t i = 0; i < KIND_COUNT; i++)
		if (KINDS[i].kind == kind)
			return KINDS[i].label;
	return "";
}

/* "Urgent call, new booking" or "every urgent call and every new booking" for kinds. */
static const char *kinds_text(struct arena *a, unsigned kinds, bool labels)
{
	const char *out = "";
	unsigned left = kinds;

	for (size_t i = 0; i < KIND_COUNT; i++) {
		if (!(kinds & KINDS[i].kind))
			continue;
		left &= ~(unsigned)KINDS[i].kind;
		const char *word = labels ? KINDS[i].label : KINDS[i].headline;
		if (!*out)
			out = word;
		else if (labels)
			out = arena_printf(a, "%s%s%s", out, left ? ", " : " and ", word);
		else
			out = arena_printf(a, "%s, %c%s", out, word[0] - 'A' + 'a', word + 1);
	}
	return out;
}

/* The caller as the owner reads it: "Pat Lee (+15551234567)", or the number alone. */
static const char *caller(struct arena *a, const struct alert_call *c)
{
	const char *phone = c->caller_phone && *c->caller_phone ? c->caller_phone : "unknown number";
	return c->caller_name && *c->caller_name ? arena_printf(a, "%s (%s)", c->caller_name, phone)
						 : phone;
}

static int queue_text(struct db *db, struct arena *a, const char *to, unsigned kinds,
		      const struct alert_call *c, const char *call_url, long delay)
{
	const char *summary = c->summary ? c->summary : "";
	size_t cut = text_utf8_prefix_chars(summary, SMS_SUMMARY_CHARS);
	const char *body = arena_printf(
		a, "%s: %s%s%s%s%s. %.*s%s %s (Texted because you asked for a text about %s.)",
		kinds_text(a, kinds, false), caller(a, c),
		(kinds & ALERT_HOT_LEAD) ? arena_printf(a, ", score %d", c->score) : "",
		c->service ? ", " : "", c->service ? c->service : "",
		c->booked_for ? arena_printf(a, ", booked for %s", c->booked_for) : "",
		(int)cut, summary, summary[cut] ? "..." : "", call_url, kinds_text(a, kinds, true));
	json_t *payload = json_pack("{s:s, s:s, s:s, s:s}", "to", to, "body", body,
				    "purpose", "owner_alert", "call_id", c->call_id);
	if (!payload)
		return -1;
	if (c->lead_id)
		json_object_set_new(payload, "lead_id", json_string(c->lead_id));
	if (c->appointment_id)
		json_object_set_new(payload, "appointment_id", json_string(c->appointment_id));
	/* An "sms.send" job as notify_sms_enqueue() queues it, but due when the quiet hours end. */
	const char *id = jobs_enqueue(db, a, "sms.send", payload, delay,
				      arena_printf(a, "alert:%s:sms:%s", c->call_id, to));
	json_decref(payload);
	return id ? 0 : -1;
}

static void row(struct tpl_dict *d, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	struct tpl_dict *r = tpl_section(d, "ROW");
	tpl_set(r, "LABEL", label);
	tpl_set(r, "VALUE", value);
}

static int queue_email(struct db *db, struct arena *a, const char *org_id, const char *to,
		       unsigned kinds, const struct alert_call *c, const char *call_url,
		       const char *business, long delay)
{
	const char *subject = arena_printf(a, "%s: %s", kinds_text(a, kinds, false), caller(a, c));
	const char *why = arena_printf(a, "You get this email because the notification settings "
				       "of %s ask for an email about %s.", business,
				       kinds_text(a, kinds, true));
	const char *score = (kinds & ALERT_HOT_LEAD) ? arena_printf(a, "%d", c->score) : NULL;
	struct buf text = BUF_INIT;
	buf_printf(&text, "%s\n\nCaller: %s\n", subject, caller(a, c));
	if (c->service)
		buf_printf(&text, "Service: %s\n", c->service);
	if (c->booked_for)
		buf_printf(&text, "Booked for: %s\n", c->booked_for);
	if (score)
		buf_printf(&text, "Lead score: %s\n", score);
	if (c->summary && *c->summary)
		buf_printf(&text, "\n%s\n", c->summary);
	buf_printf(&text, "\nOpen the call: %s\n\n%s\n", call_url, why);
	const char *text_body = arena_strdup(a, buf_str(&text));
	buf_release(&text);

	struct tpl_dict *d = tpl_dict_new(a, "mail_alert");
	tpl_set(d, "SUBJECT", subject);
	tpl_set(d, "HEADLINE", subject);
	row(d, "Caller", caller(a, c));
	row(d, "Service", c->service);
	row(d, "Booked for", c->booked_for);
	row(d, "Lead score", score);
	if (c->summary && *c->summary)
		tpl_set(tpl_section(d, "SUMMARY"), "TEXT", c->summary);
	tpl_set(d, "CALL_URL", call_url);
	tpl_set(d, "WHY", why);
	struct buf html = BUF_INIT;
	const char *html_body = NULL;
	if (tpl_render("mail_alert.tpl", d, &html) == 0)
		html_body = arena_strdup(a, buf_str(&html));
	buf_release(&html);

	struct mail_message m = {
		.to = to, .subject = subject, .text = text_body, .html = html_body,
		.purpose = "alert", .unsubscribable = false,
		.call_id = c->call_id, .lead_id = c->lead_id, .appointment_id = c->appointment_id,
	};
	return mail_enqueue_later(db, a, org_id, &m, delay,
				  arena_printf(a, "alert:%s:email:%s", c->call_id, to)) ? 0 : -1;
}

int alerts_for_call(struct db *db, struct arena *a, unsigned kinds, const struct alert_call *c)
{
	/* The kind of each on_* column of SQL_RECIPIENTS, from column 2. */
	static const enum alert_kind column_kind[] = { 0, 0, ALERT_BOOKING, ALERT_URGENT,
						       ALERT_HOT_LEAD, ALERT_MISSED_CALL };
	if (!kinds)
		return 0;
	struct db_result *org = db_q(db, a, SQL_QUIET);
	struct db_result *res = db_q(db, a, SQL_RECIPIENTS);
	const char *org_id = db_text(db, a, "SELECT app_org_id()::text");
	if (!org || db_rows(org) != 1 || !res || !org_id)
		return -1;
	const char *business = db_value(org, 0, 0);
	long delay = atol(db_value(org, 0, 1));
	const char *call_url = arena_printf(a, "%s/calls/%s", conf_str("PUBLIC_BASE_URL"),
					    c->call_id);
	int queued = 0;
	for (int i = 0; i < db_rows(res); i++) {
		unsigned wanted = 0;
		for (int col = 2; col <= 5; col++)
			if (!strcmp(db_value(res, i, col), "t"))
				wanted |= (unsigned)column_kind[col];
		wanted &= kinds;
		if (!wanted)
			continue;
		const char *channel = db_value(res, i, 0), *to = db_value(res, i, 1);
		int rc = !strcmp(channel, "sms")
				 ? queue_text(db, a, to, wanted, c, call_url, delay)
				 : queue_email(db, a, org_id, to, wanted, c, call_url, business, delay);
		if (rc < 0)
			return -1;
		queued++;
	}
	if (queued)
		log_info("alerts queued call=%s count=%d delay=%ld", c->call_id, queued, delay);
	return queued;
}
