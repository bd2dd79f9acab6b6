/* page-settings-notifications.c: whether text messages are sent, and which alerts the owner gets,
 * on which channel, to whom, outside which quiet hours, and the daily summary
 * (/settings/notifications) */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "domain/alerts.h"
#include "domain/setup.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

/* Most recipients per channel (the table's check says the same). */
#define RECIPIENTS_MAX 10

static const char SQL_NOTIFICATIONS[] =
	"SELECT o.sms_enabled, o.timezone, coalesce(to_char(o.quiet_start, 'HH24:MI'), ''), "
	"       coalesce(to_char(o.quiet_end, 'HH24:MI'), ''), coalesce(o.summary_hour::text, ''), "
	"       o.summary_on_quiet_days, "
	"       coalesce(s.recipients, '{}'), coalesce(s.on_booking, false), "
	"       coalesce(s.on_urgent, false), coalesce(s.on_hot_lead, false), "
	"       coalesce(s.on_missed_call, false), "
	"       coalesce(e.recipients, '{}'), coalesce(e.on_booking, false), "
	"       coalesce(e.on_urgent, false), coalesce(e.on_hot_lead, false), "
	"       coalesce(e.on_missed_call, false) "
	"FROM organizations o "
	"LEFT JOIN alert_channels s ON s.org_id = o.id AND s.channel = 'sms' "
	"LEFT JOIN alert_channels e ON e.org_id = o.id AND e.channel = 'email' "
	"WHERE o.id = $1";
/* The first recipient of each channel stays in the old columns for anything still reading them. */
static const char SQL_SAVE_ORG[] =
	"UPDATE organizations SET sms_enabled = $2::boolean, quiet_start = nullif($3, '')::time, "
	"       quiet_end = nullif($4, '')::time, summary_hour = nullif($5, '')::int, "
	"       summary_on_quiet_days = $6::boolean, "
	"       alert_phone = ($7::text[])[1], alert_email = ($8::text[])[1] "
	"WHERE id = $1";
static const char SQL_SAVE_CHANNEL[] =
	"INSERT INTO alert_channels (org_id, channel, recipients, on_booking, on_urgent, "
	"                            on_hot_lead, on_missed_call) "
	"VALUES ($1, $2, $3::text[], $4::boolean, $5::boolean, $6::boolean, $7::boolean) "
	"ON CONFLICT (org_id, channel) DO UPDATE SET recipients = EXCLUDED.recipients, "
	"  on_booking = EXCLUDED.on_booking, on_urgent = EXCLUDED.on_urgent, "
	"  on_hot_lead = EXCLUDED.on_hot_lead, on_missed_call = EXCLUDED.on_missed_call, "
	"  updated_at = now()";

static const char SQL_EMAIL[] =
	"SELECT coalesce(mail_sender_name, ''), coalesce(mail_reply_to, ''), "
	"       coalesce(info_subject, ''), coalesce(info_body, ''), coalesce(info_logo_url, ''), "
	"       name "
	"FROM organizations WHERE id = $1";
/* The four switches of a channel, in the order of the query's columns. */
static const struct {
	const char *field;  /* after "sms_" or "email_" */
	enum alert_kind kind;
} SWITCHES[] = {
	{ "on_booking", ALERT_BOOKING },
	{ "on_urgent", ALERT_URGENT },
	{ "on_hot_lead", ALERT_HOT_LEAD },
	{ "on_missed_call", ALERT_MISSED_CALL },
};
#define SWITCH_COUNT 4

/* One channel's settings as typed or stored. */
struct channel {
	const char *name;         /* "sms" or "email" */
	const char *recipients;   /* as shown: "a, b" */
	const char *array;        /* as stored: a PostgreSQL text[] literal */
	const char *first;        /* the first recipient, or NULL */
	bool on[SWITCH_COUNT];
};

/* "every urgent call and every hot lead", or NULL for none. */
static const char *kinds_sentence(struct req *r, const struct channel *c)
{
	const char *out = NULL;
	int count = 0, seen = 0;

	for (int i = 0; i < SWITCH_COUNT; i++)
		count += c->on[i];
	for (int i = 0; i < SWITCH_COUNT; i++) {
		if (!c->on[i])
			continue;
		seen++;
		const char *label = alerts_kind_label(SWITCHES[i].kind);
		out = !out ? label : arena_printf(r->arena, "%s%s%s", out,
						    seen == count ? " and " : ", ", label);
	}
	return out;
}

/* The page's promise: exactly what will be sent, to whom and when. */
static void describe(struct req *r, struct tpl_dict *d, const struct channel *ch, bool sms_on,
		     const char *tz, const char *quiet_start, const char *quiet_end,
		     const char *summary_hour, bool quiet_days)
{
	for (int i = 0; i < 2; i++) {
		const struct channel *c = &ch[i];
		const char *what = kinds_sentence(r, c);
		const char *noun = i == 0 ? "A text" : "An email";
		struct tpl_dict *line = tpl_section(d, "PROMISE");
		if (!what || !*c->recipients)
			tpl_set(line, "TEXT", arena_printf(r->arena, "%s alerts: none are sent.",
							   i == 0 ? "Text" : "Email"));
		else
			tpl_set(line, "TEXT", arena_printf(r->arena, "%s to %s about %s, saying "
							   "why it was sent, with a link to the "
							   "call.%s", noun, c->recipients, what,
							   i == 0 && !sms_on ?
							   " Texts are switched off above, so these "
							   "are only logged, not sent." : ""));
	}
	struct tpl_dict *line = tpl_section(d, "PROMISE");
	if (*quiet_start)
		tpl_set(line, "TEXT", arena_printf(r->arena, "Quiet hours %s to %s (%s): an alert "
						   "that comes up then is held, and sent at %s.",
						   quiet_start, quiet_end, tz, quiet_end));
	else
		tpl_set(line, "TEXT", "No quiet hours: alerts are sent at once, day and night.");
	line = tpl_section(d, "PROMISE");
	if (*summary_hour && *ch[1].recipients)
		tpl_set(line, "TEXT", arena_printf(r->arena, "A daily summary is emailed to %s at "
						   "%s:00 (%s), covering the 24 hours before it%s.",
						   ch[1].recipients, summary_hour, tz, quiet_days ?
						   ", also on a day with no calls" :
						   "; on a day with no calls none is sent"));
	else if (*summary_hour)
		tpl_set(line, "TEXT", "A daily summary is chosen, but there is no alert email "
			"address to send it to.");
	else
		tpl_set(line, "TEXT", "No daily summary is sent.");
}

/* Put a channel's values and switches into the page. */
static void show_channel(struct tpl_dict *d, const struct channel *c)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_RECIPIENTS_VALUE", c->name);
	for (char *p = name; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	tpl_set(d, name, c->recipients);
	for (int i = 0; i < SWITCH_COUNT; i++) {
		if (!c->on[i])
			continue;
		snprintf(name, sizeof(name), "%s_%s", c->name, SWITCHES[i].field);
		for (char *p = name; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		tpl_show(d, name);
	}
}

/* A stored text[] ("{a,b}") as people read it: "a, b". */
static const char *people_list(struct req *r, const char *array)
{
	/* Stored recipients are phone numbers and plain addresses: no quotes or commas inside. */
	size_t len = strlen(array);
	const char *inner = len >= 2 ? arena_strndup(r->arena, array + 1, len - 2) : "";
	const char *out = "";
	for (const char *p = inner; *p;) {
		size_t n = strcspn(p, ",");
		out = arena_printf(r->arena, "%s%s%.*s", out, *out ? ", " : "", (int)n, p);
		p += n + (p[n] == ',');
	}
	return out;
}

int settings_email_show(struct req *r, struct tpl_dict *d)
{
	struct db_result *org = ui_one(r, "email settings", "loaded", SQL_EMAIL, r->org_id);

	if (!org)
		return -1;
	tpl_set(d, "MAIL_SENDER_NAME_VALUE", db_value(org, 0, 0));
	tpl_set(d, "MAIL_REPLY_TO_VALUE", db_value(org, 0, 1));
	tpl_set(d, "INFO_SUBJECT_VALUE", db_value(org, 0, 2));
	tpl_set(d, "INFO_BODY_VALUE", db_value(org, 0, 3));
	tpl_set(d, "INFO_LOGO_URL_VALUE", db_value(org, 0, 4));
	tpl_set(d, "BUSINESS_NAME", db_value(org, 0, 5));
	return 0;
}

static void notifications_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Notifications", TAB_NOTIFICATIONS,
			"settings_notifications.tpl", d);
}

int settings_notifications_fill(struct req *r, struct tpl_dict *d)
{
	struct db_result *org = ui_one(r, "notification settings", "loaded", SQL_NOTIFICATIONS,
				       r->org_id);

	if (!org)
		return -1;
	bool sms_on = !strcmp(db_value(org, 0, 0), "t");
	if (sms_on) {
		const char *problem = NULL;
		tpl_show(d, "SMS_ON");
		if (setup_sms_problem(r->db, r->arena, r->org_id, &problem) == 0 && problem)
			tpl_set(tpl_section(d, "SMS_PROBLEM"), "MESSAGE", problem);
	}
	struct channel ch[2] = { { .name = "sms" }, { .name = "email" } };
	for (int i = 0; i < 2; i++) {
		ch[i].recipients = people_list(r, db_value(org, 0, 6 + 5 * i));
		for (int k = 0; k < SWITCH_COUNT; k++)
			ch[i].on[k] = !strcmp(db_value(org, 0, 7 + 5 * i + k), "t");
		show_channel(d, &ch[i]);
	}
	const char *tz = db_value(org, 0, 1), *qs = db_value(org, 0, 2), *qe = db_value(org, 0, 3);
	const char *hour = db_value(org, 0, 4);
	bool quiet_days = !strcmp(db_value(org, 0, 5), "t");
	tpl_set(d, "QUIET_START_VALUE", qs);
	tpl_set(d, "QUIET_END_VALUE", qe);
	tpl_set(d, "SUMMARY_HOUR_VALUE", hour);
	tpl_set(d, "TIMEZONE", tz);
	if (quiet_days)
		tpl_show(d, "SUMMARY_ON_QUIET_DAYS");
	for (int h = 0; h < 24; h++) {
		struct tpl_dict *o = tpl_section(d, "HOUR");
		tpl_set_long(o, "H", h);
		if (*hour && atoi(hour) == h)
			tpl_show(o, "SELECTED");
	}
	describe(r, d, ch, sms_on, tz, qs, qe, hour, quiet_days);
	return 0;
}

void page_settings_notifications(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	if (settings_notifications_fill(r, d) < 0 || settings_email_show(r, d) < 0)
		return;
	notifications_show(r, d, 200);
}

/*
 * Read one channel's recipients (comma, space or line separated) and switches from the form,
 * checking each recipient. Returns false when one is wrong (the field shows why).
 */
static bool read_channel(struct req *r, struct form *f, struct tpl_dict *d, struct channel *c)
{
	const char *field = arena_printf(r->arena, "%s_recipients", c->name);
	const char *typed = form_text(f, field);
	const char *array = "{", *shown = "";
	int count = 0;

	c->first = NULL;
	for (const char *p = typed; *p;) {
		size_t skip = strspn(p, ", \t\r\n;");
		p += skip;
		size_t n = strcspn(p, ", \t\r\n;");
		if (!n)
			break;
		const char *one = arena_strndup(r->arena, p, n), *value = one;
		p += n;
		if (!strcmp(c->name, "sms")) {
			if (!form_phone(f, field, one, &value))
				return false;
		} else if (!form_email(f, field, one) || !form_max_length(f, field, one, 254)) {
			return false;
		}
		if (++count > RECIPIENTS_MAX)
			return form_error(f, field, "at most 10 recipients");
		array = arena_printf(r->arena, "%s%s%s", array, count > 1 ? "," : "", value);
		shown = arena_printf(r->arena, "%s%s%s", shown, count > 1 ? ", " : "", value);
		if (!c->first)
			c->first = value;
	}
	c->array = arena_printf(r->arena, "%s}", array);
	c->recipients = shown;
	for (int i = 0; i < SWITCH_COUNT; i++) {
		const char *v = req_form(r, arena_printf(r->arena, "%s_%s", c->name,
							  SWITCHES[i].field));
		c->on[i] = v && *v;
	}
	show_channel(d, c);
	return true;
}

/* An optional local time HH:MM into *out ("" when empty); false (error set) when not one. */
static bool read_time(struct form *f, const char *field, const char **out)
{
	const char *v = form_text(f, field);
	int h, m;
	char end;

	*out = v;
	if (!*v)
		return true;
	if (sscanf(v, "%d:%d%c", &h, &m, &end) != 2 || strlen(v) != 5 || h < 0 || h > 23 ||
	    m < 0 || m > 59)
		return form_error(f, field, "a time such as 22:00");
	return true;
}

void page_settings_notifications_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *sms = req_form(r, "sms_enabled");
	bool sms_on = sms && *sms;
	struct channel ch[2] = { { .name = "sms" }, { .name = "email" } };
	const char *qs, *qe, *hour_text;
	long hour = -1;

	form_begin(&f, r, d);
	if (sms_on)
		tpl_show(d, "SMS_ON");
	read_channel(r, &f, d, &ch[0]);
	read_channel(r, &f, d, &ch[1]);
	read_time(&f, "quiet_start", &qs);
	read_time(&f, "quiet_end", &qe);
	if (form_ok(&f) && (!*qs) != (!*qe))
		form_error(&f, *qs ? "quiet_end" : "quiet_start",
			   "quiet hours need a start and an end");
	else if (*qs && !strcmp(qs, qe))
		form_error(&f, "quiet_end", "the end must differ from the start");
	hour_text = form_text(&f, "summary_hour");
	if (*hour_text)
		form_long(&f, "summary_hour", hour_text, 0, 23, &hour);
	const char *quiet_days_field = req_form(r, "summary_on_quiet_days");
	bool quiet_days = quiet_days_field && *quiet_days_field;
	/* Texts switched on that cannot go out would look sent and never arrive. */
	const char *problem = NULL;
	if (sms_on && setup_sms_problem(r->db, r->arena, r->org_id, &problem) < 0) {
		http_fail(r, 503, "the text settings could not be checked; please try again");
		return;
	}
	if (problem)
		form_error(&f, "sms_enabled", problem);
	if (!form_ok(&f)) {
		for (int h = 0; h < 24; h++) {
			struct tpl_dict *o = tpl_section(d, "HOUR");
			tpl_set_long(o, "H", h);
			if (h == hour)
				tpl_show(o, "SELECTED");
		}
		if (settings_email_show(r, d) < 0)
			return;
		notifications_show(r, d, 422);
		return;
	}
	const char *hour_value = hour >= 0 ? arena_printf(r->arena, "%ld", hour) : "";
	if (db_exec(r->db, r->arena, SQL_SAVE_ORG, r->org_id, sms_on ? "true" : "false", qs, qe,
		    hour_value, quiet_days ? "true" : "false", ch[0].array, ch[1].array) != 1)
		goto fail;
	for (int i = 0; i < 2; i++)
		if (db_exec(r->db, r->arena, SQL_SAVE_CHANNEL, r->org_id, ch[i].name, ch[i].array,
			    ch[i].on[0] ? "true" : "false", ch[i].on[1] ? "true" : "false",
			    ch[i].on[2] ? "true" : "false", ch[i].on[3] ? "true" : "false") != 1)
			goto fail;
	if (ui_audit(r, "settings.notifications", "organization",
		     json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}", "sms_enabled", sms_on,
			       "sms_recipients", ch[0].recipients, "email_recipients",
			       ch[1].recipients, "quiet_start", qs, "quiet_end", qe,
			       "summary_hour", hour_value)) < 0)
		goto fail;
	page_flash(r, "ok", sms_on ?
		   "Notification settings saved. Text messages will be sent." :
		   "Notification settings saved. Text messages are only logged, not sent.");
	http_redirect(r, "/settings/notifications");
	return;
fail:
	http_fail(r, 503, "the notification settings could not be saved; please try again");
}
