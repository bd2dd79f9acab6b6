/* page-settings.c: the business's settings, one form per section under /settings */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "form.h"
#include "infra/json.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "infra/tpl.h"

static const char SQL_ORG[] =
	"SELECT name, timezone, business_hours::text, greeting, voice_personality, call_mode, "
	"       sms_enabled, coalesce(alert_phone, ''), coalesce(alert_email, ''), "
	"       coalesce(transfer_phone, '') "
	"FROM organizations WHERE id = $1";
static const char SQL_TIMEZONE_EXISTS[] =
	"SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_SAVE_BUSINESS[] =
	"UPDATE organizations SET name = $2, timezone = $3 WHERE id = $1";
static const char SQL_SAVE_HOURS[] =
	"UPDATE organizations SET business_hours = $2::jsonb WHERE id = $1";
static const char SQL_SAVE_RECEPTIONIST[] =
	"UPDATE organizations SET greeting = $2, voice_personality = $3, call_mode = $4, "
	"       transfer_phone = nullif($5, '') WHERE id = $1";
static const char SQL_SAVE_NOTIFICATIONS[] =
	"UPDATE organizations SET sms_enabled = $2::boolean, alert_phone = nullif($3, ''), "
	"       alert_email = nullif($4, '') WHERE id = $1";
static const char SQL_AUDIT[] =
	"INSERT INTO audit_log (org_id, user_id, action, target, detail) "
	"VALUES ($1, $2, $3, $4, $5::jsonb)";

static const char SQL_PHONES[] =
	"SELECT id, e164, coalesce(label, ''), provider, active FROM phone_numbers "
	"ORDER BY created_at, e164 LIMIT 200";
/* Row-level security shows only this business's numbers. */
static const char SQL_PHONE_OURS[] = "SELECT 1 FROM phone_numbers WHERE e164 = $1";
/*
 * The unique index spans every business. DO NOTHING answers a clash with no row instead of an
 * error, so the transaction stays usable to re-show the form.
 */
static const char SQL_PHONE_ADD[] =
	"INSERT INTO phone_numbers (org_id, e164, label) VALUES ($1, $2, nullif($3, '')) "
	"ON CONFLICT (e164) DO NOTHING RETURNING id";
static const char SQL_PHONE_REMOVE[] = "DELETE FROM phone_numbers WHERE id = $1 RETURNING e164";

static const char SQL_KNOWLEDGE_LIST[] =
	"SELECT id, question, left(answer, 280), char_length(answer) > 280 "
	"FROM knowledge_entries ORDER BY updated_at DESC LIMIT 500";
static const char SQL_KNOWLEDGE_ONE[] =
	"SELECT question, answer FROM knowledge_entries WHERE id = $1";
static const char SQL_KNOWLEDGE_ADD[] =
	"INSERT INTO knowledge_entries (org_id, question, answer) VALUES ($1, $2, $3) RETURNING id";
static const char SQL_KNOWLEDGE_SAVE[] =
	"UPDATE knowledge_entries SET question = $2, answer = $3 WHERE id = $1";
static const char SQL_KNOWLEDGE_DELETE[] =
	"DELETE FROM knowledge_entries WHERE id = $1 RETURNING question";

static const char SQL_CREDENTIALS[] =
	"SELECT c.id, c.provider, c.name, coalesce(c.secret_hint, ''), "
	"       to_char(c.updated_at AT TIME ZONE o.timezone, 'Mon FMDD, YYYY') "
	"FROM provider_credentials c JOIN organizations o ON o.id = c.org_id WHERE o.id = $1";
static const char SQL_CREDENTIAL_SAVE[] =
	"INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint) "
	"VALUES ($1, $2, $3, $4::bytea, $5) "
	"ON CONFLICT (org_id, provider, name) DO UPDATE "
	"SET secret_enc = EXCLUDED.secret_enc, secret_hint = EXCLUDED.secret_hint";
static const char SQL_CREDENTIAL_REMOVE[] =
	"DELETE FROM provider_credentials WHERE id = $1 RETURNING provider, name";

/* The sections, in the order of the sub-navigation. */
enum settings_tab {
	TAB_BUSINESS, TAB_PHONES, TAB_HOURS, TAB_RECEPTIONIST, TAB_NOTIFICATIONS,
	TAB_KNOWLEDGE, TAB_VAPI, TAB_CREDENTIALS, TAB_COUNT,
};

static const char *const tab_variables[TAB_COUNT] = {
	"TAB_BUSINESS", "TAB_PHONES", "TAB_HOURS", "TAB_RECEPTIONIST", "TAB_NOTIFICATIONS",
	"TAB_KNOWLEDGE", "TAB_VAPI", "TAB_CREDENTIALS",
};

static const struct {
	const char *key;
	const char *label;
} weekdays[] = {
	{ "mon", "Monday" }, { "tue", "Tuesday" }, { "wed", "Wednesday" }, { "thu", "Thursday" },
	{ "fri", "Friday" }, { "sat", "Saturday" }, { "sun", "Sunday" },
};

enum credential_kind { CRED_KEY, CRED_TWILIO_SID, CRED_URL };

/* Every provider secret the page takes: form field, provider_credentials (provider, name). */
static const struct credential_field {
	const char *field;
	const char *provider;
	const char *provider_label;
	const char *name;
	const char *label;
	enum credential_kind kind;
} credential_fields[] = {
	{ "twilio_account_sid", "twilio", "Twilio", "account_sid", "Account SID", CRED_TWILIO_SID },
	{ "twilio_auth_token", "twilio", "Twilio", "auth_token", "Auth token", CRED_KEY },
	{ "vapi_api_key", "vapi", "Vapi", "api_key", "API key", CRED_KEY },
	{ "vapi_server_secret", "vapi", "Vapi", "server_secret", "Server secret", CRED_KEY },
	{ "llm_base_url", "llm", "Language model (OpenAI-compatible)", "base_url", "Base URL",
	  CRED_URL },
	{ "llm_api_key", "llm", "Language model (OpenAI-compatible)", "api_key", "API key",
	  CRED_KEY },
	{ "deepgram_api_key", "deepgram", "Deepgram", "api_key", "API key", CRED_KEY },
	{ "elevenlabs_api_key", "elevenlabs", "ElevenLabs", "api_key", "API key", CRED_KEY },
};

#define N_WEEKDAYS (sizeof(weekdays) / sizeof(weekdays[0]))
#define N_CREDENTIALS (sizeof(credential_fields) / sizeof(credential_fields[0]))

/* Wrap a section's body in the settings sub-navigation and the site layout. */
static void settings_render(struct req *r, int status, const char *title, enum settings_tab tab,
			    const char *body_template, struct tpl_dict *d)
{
	struct tpl_dict *nav = tpl_dict_new(r->arena, "settings_nav");
	struct buf html = BUF_INIT;

	for (int i = 0; i < TAB_COUNT; i++)
		tpl_set(nav, tab_variables[i], i == (int)tab ? "active" : "");
	if (tpl_render("settings_nav.tpl", nav, &html) < 0) {
		buf_release(&html);
		http_fail(r, 500, "the page could not be shown");
		return;
	}
	tpl_set(d, "SETTINGS_NAV", buf_str(&html));
	buf_release(&html);
	tpl_set(d, "CSRF", r->csrf);
	if (!strcmp(r->user_role, "member"))
		tpl_show(d, "READ_ONLY");
	page_render(r, status, title, NAV_SETTINGS, body_template, d);
}

/* Record who changed what; detail (stolen) must never hold a secret. Returns 0 or -1. */
static int settings_audit(struct req *r, const char *action, const char *target, json_t *detail)
{
	if (!detail)
		return -1;
	json_to_arena(r->arena, detail);
	return db_exec(r->db, r->arena, SQL_AUDIT, r->org_id, r->user_id, action, target,
		       json_text(r->arena, detail)) == 1 ? 0 : -1;
}

/* The organization's row (see SQL_ORG), or NULL after answering 503. */
static struct db_result *org_load(struct req *r)
{
	struct db_result *org = db_q(r->db, r->arena, SQL_ORG, r->org_id);

	if (!org || db_rows(org) != 1) {
		http_fail(r, 503, "the settings could not be loaded");
		return NULL;
	}
	return org;
}

/*
 * A phone number in E.164 form ("+" and 8 to 15 digits), with the spaces, dashes, dots and
 * brackets people type removed, arena-owned; NULL when it is not one.
 */
static const char *e164_normalize(struct req *r, const char *typed)
{
	char *out = arena_alloc(r->arena, strlen(typed) + 1);
	size_t n = 0, digits = 0;

	for (const char *s = typed; *s; s++) {
		if (strchr(" -.()", *s))
			continue;
		if (*s == '+' && n == 0) {
			out[n++] = '+';
		} else if (isdigit((unsigned char)*s) && n > 0) {
			if (digits == 0 && *s == '0')
				return NULL;
			out[n++] = *s;
			digits++;
		} else {
			return NULL;
		}
	}
	out[n] = '\0';
	return digits >= 8 && digits <= 15 ? out : NULL;
}

/* Check an optional phone field; on success *e164 is the normalized number or "". */
static bool form_phone(struct form *f, const char *name, const char *value, const char **e164)
{
	*e164 = "";
	if (!*value)
		return true;
	*e164 = e164_normalize(f->r, value);
	if (*e164)
		return true;
	return form_error(f, name, "enter the number in international form: + then 8 to 15 "
			  "digits, like +15551234567");
}

/* ---------- Business ---------- */

static void business_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Settings", TAB_BUSINESS, "settings_business.tpl", d);
}

void page_settings_business(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = org_load(r);

	if (!org)
		return;
	tpl_set(d, "NAME_VALUE", db_value(org, 0, 0));
	tpl_set(d, "TIMEZONE_VALUE", db_value(org, 0, 1));
	business_show(r, d, 200);
}

void page_settings_business_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *name = form_text(&f, "name");
	const char *timezone = form_text(&f, "timezone");
	if (form_required(&f, "name", name, "Business name"))
		form_max_length(&f, "name", name, 200);
	if (form_required(&f, "timezone", timezone, "Time zone") &&
	    !db_text(r->db, r->arena, SQL_TIMEZONE_EXISTS, timezone))
		form_error(&f, "timezone", "choose a time zone such as America/New_York");
	if (!form_ok(&f)) {
		business_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_BUSINESS, r->org_id, name, timezone) != 1 ||
	    settings_audit(r, "settings.business", "organization",
			   json_pack("{s:s, s:s}", "name", name, "timezone", timezone)) < 0) {
		http_fail(r, 503, "the business details could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Business details saved.");
	http_redirect(r, "/settings");
}

/* ---------- Phone numbers ---------- */

static void phones_show(struct req *r, struct tpl_dict *d, int status)
{
	struct db_result *phones = db_q(r->db, r->arena, SQL_PHONES);

	if (!phones) {
		http_fail(r, 503, "the phone numbers could not be loaded");
		return;
	}
	for (int i = 0; i < db_rows(phones); i++) {
		struct tpl_dict *row = tpl_section(d, "PHONE");
		tpl_set(row, "ID", db_value(phones, i, 0));
		tpl_set(row, "E164", db_value(phones, i, 1));
		tpl_set(row, "LABEL", db_value(phones, i, 2));
		tpl_set(row, "PROVIDER", db_value(phones, i, 3));
		tpl_show(row, strcmp(db_value(phones, i, 4), "t") ? "INACTIVE" : "ACTIVE");
	}
	tpl_show(d, db_rows(phones) ? "HAS_PHONES" : "NO_PHONES");
	settings_render(r, status, "Phone numbers", TAB_PHONES, "settings_phones.tpl", d);
}

void page_settings_phones(struct req *r)
{
	phones_show(r, page_dict(r), 200);
}

void page_settings_phone_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *e164 = NULL;

	form_begin(&f, r, d);
	const char *typed = form_text(&f, "e164");
	const char *label = form_text(&f, "label");
	if (form_required(&f, "e164", typed, "Phone number"))
		form_phone(&f, "e164", typed, &e164);
	form_max_length(&f, "label", label, 100);
	if (form_ok(&f) && db_text(r->db, r->arena, SQL_PHONE_OURS, e164))
		form_error(&f, "e164", "this number is already on your account");
	if (!form_ok(&f)) {
		phones_show(r, d, 422);
		return;
	}
	struct db_result *added = db_q(r->db, r->arena, SQL_PHONE_ADD, r->org_id, e164, label);
	if (added && db_rows(added) == 0) {
		form_error(&f, "e164", "this number is already in use by another business; "
			   "contact support if it is yours");
		phones_show(r, d, 422);
		return;
	}
	if (!added || settings_audit(r, "settings.phone_add", db_value(added, 0, 0),
				     json_pack("{s:s}", "e164", e164)) < 0) {
		http_fail(r, 503, "the number could not be added; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s added.", e164));
	http_redirect(r, "/settings/phones");
}

void page_settings_phone_remove(struct req *r)
{
	const char *e164 = db_text(r->db, r->arena, SQL_PHONE_REMOVE, r->path_id);

	if (!e164) {
		if (*db_sqlstate(r->db))
			http_fail(r, 503, "the number could not be removed; please try again");
		else
			http_fail(r, 404, "there is no such phone number");
		return;
	}
	if (settings_audit(r, "settings.phone_remove", r->path_id,
			   json_pack("{s:s}", "e164", e164)) < 0) {
		http_fail(r, 503, "the number could not be removed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s removed.", e164));
	http_redirect(r, "/settings/phones");
}

/* ---------- Business hours ---------- */

static bool is_clock_time(const char *s, bool allow_midnight_end)
{
	if (allow_midnight_end && !strcmp(s, "24:00"))
		return true;
	return strlen(s) == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       s[2] == ':' && s[3] >= '0' && s[3] <= '5' && isdigit((unsigned char)s[4]) &&
	       (s[0] < '2' || (s[0] == '2' && s[1] <= '3'));
}

/* The trimmed form field "<day>_<part>" (never NULL). */
static const char *day_field(struct req *r, const char *day, const char *part)
{
	return text_trim(r, req_form(r, arena_printf(r->arena, "%s_%s", day, part)));
}

static void hours_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Business hours", TAB_HOURS, "settings_hours.tpl", d);
}

/* A day's row of the hours form, with one field marked wrong when message is set. */
static void hours_row_error(struct tpl_dict *row, const char *field, const char *message)
{
	char error[16], cls[16];

	snprintf(error, sizeof(error), "%s_ERROR", field);
	snprintf(cls, sizeof(cls), "%s_CLASS", field);
	tpl_set(tpl_section(row, error), "MESSAGE", message);
	tpl_set(row, cls, "has-error");
}

/*
 * The form edits one span per day: the first stored span is shown, and saving replaces the
 * day's spans with the one in the form.
 */
void page_settings_hours(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = org_load(r);
	char why[200];

	if (!org)
		return;
	const char *text = db_value(org, 0, 2);
	json_t *hours = json_parse(r->arena, text, strlen(text), why, sizeof(why));
	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		struct tpl_dict *row = tpl_section(d, "DAY");
		json_t *spans = hours ? json_object_get(hours, weekdays[i].key) : NULL;
		json_t *first = json_array_get(spans, 0);
		const char *from = json_string_value(json_array_get(first, 0));
		const char *to = json_string_value(json_array_get(first, 1));
		tpl_set(row, "KEY", weekdays[i].key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from ? from : "09:00");
		tpl_set(row, "TO_VALUE", to ? to : "17:00");
		if (from && to)
			tpl_show(row, "OPEN");
	}
	hours_show(r, d, 200);
}

void page_settings_hours_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	json_t *hours = json_to_arena(r->arena, json_object());
	int errors = 0;

	for (size_t i = 0; i < N_WEEKDAYS; i++) {
		const char *key = weekdays[i].key;
		struct tpl_dict *row = tpl_section(d, "DAY");
		const char *from = day_field(r, key, "from");
		const char *to = day_field(r, key, "to");
		const char *open = day_field(r, key, "open");
		json_t *spans = json_array();

		tpl_set(row, "KEY", key);
		tpl_set(row, "LABEL", weekdays[i].label);
		tpl_set(row, "FROM_VALUE", from);
		tpl_set(row, "TO_VALUE", to);
		json_object_set_new(hours, key, spans);
		if (!*open)
			continue;
		tpl_show(row, "OPEN");
		bool from_ok = is_clock_time(from, false), to_ok = is_clock_time(to, true);
		if (!from_ok)
			hours_row_error(row, "FROM", "enter the opening time as HH:MM, like 09:00");
		if (!to_ok)
			hours_row_error(row, "TO", "enter the closing time as HH:MM, like 17:00");
		if (from_ok && to_ok && strcmp(from, to) >= 0) {
			hours_row_error(row, "TO",
					"the closing time must be after the opening time");
			to_ok = false;
		}
		if (!from_ok || !to_ok) {
			errors++;
			continue;
		}
		json_array_append_new(spans, json_pack("[ss]", from, to));
	}
	if (errors) {
		tpl_show(d, "HAS_ERRORS");
		hours_show(r, d, 422);
		return;
	}
	const char *text = json_text(r->arena, hours);
	if (db_exec(r->db, r->arena, SQL_SAVE_HOURS, r->org_id, text) != 1 ||
	    settings_audit(r, "settings.hours", "organization", json_incref(hours)) < 0) {
		http_fail(r, 503, "the business hours could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Business hours saved.");
	http_redirect(r, "/settings/hours");
}

/* ---------- Receptionist ---------- */

static const char *const call_modes[] = { "gather", "stream", "vapi" };

static void receptionist_show(struct req *r, struct tpl_dict *d, int status, const char *mode)
{
	for (size_t i = 0; i < sizeof(call_modes) / sizeof(call_modes[0]); i++)
		if (!strcmp(mode, call_modes[i]))
			tpl_show(d, arena_printf(r->arena, "MODE_%s", call_modes[i]));
	settings_render(r, status, "Receptionist", TAB_RECEPTIONIST,
			"settings_receptionist.tpl", d);
}

void page_settings_receptionist(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = org_load(r);

	if (!org)
		return;
	tpl_set(d, "GREETING_VALUE", db_value(org, 0, 3));
	tpl_set(d, "VOICE_PERSONALITY_VALUE", db_value(org, 0, 4));
	tpl_set(d, "TRANSFER_PHONE_VALUE", db_value(org, 0, 9));
	receptionist_show(r, d, 200, db_value(org, 0, 5));
}

void page_settings_receptionist_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *transfer;
	bool mode_known = false;

	form_begin(&f, r, d);
	const char *greeting = form_text(&f, "greeting");
	const char *personality = form_text(&f, "voice_personality");
	const char *mode = form_text(&f, "call_mode");
	const char *typed_transfer = form_text(&f, "transfer_phone");
	if (form_required(&f, "greeting", greeting, "Greeting"))
		form_max_length(&f, "greeting", greeting, 500);
	if (form_required(&f, "voice_personality", personality, "Voice personality"))
		form_max_length(&f, "voice_personality", personality, 500);
	for (size_t i = 0; i < sizeof(call_modes) / sizeof(call_modes[0]); i++)
		mode_known = mode_known || !strcmp(mode, call_modes[i]);
	if (!mode_known)
		form_error(&f, "call_mode", "choose gather, stream or vapi");
	form_phone(&f, "transfer_phone", typed_transfer, &transfer);
	if (!form_ok(&f)) {
		receptionist_show(r, d, 422, mode);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_RECEPTIONIST, r->org_id, greeting, personality, mode,
		    transfer) != 1 ||
	    settings_audit(r, "settings.receptionist", "organization",
			   json_pack("{s:s, s:s, s:s, s:s}", "greeting", greeting,
				     "voice_personality", personality, "call_mode", mode,
				     "transfer_phone", transfer)) < 0) {
		http_fail(r, 503, "the receptionist settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Receptionist settings saved.");
	http_redirect(r, "/settings/receptionist");
}

/* ---------- Notifications ---------- */

static void notifications_show(struct req *r, struct tpl_dict *d, int status)
{
	settings_render(r, status, "Notifications", TAB_NOTIFICATIONS,
			"settings_notifications.tpl", d);
}

void page_settings_notifications(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *org = org_load(r);

	if (!org)
		return;
	if (!strcmp(db_value(org, 0, 6), "t"))
		tpl_show(d, "SMS_ON");
	tpl_set(d, "ALERT_PHONE_VALUE", db_value(org, 0, 7));
	tpl_set(d, "ALERT_EMAIL_VALUE", db_value(org, 0, 8));
	notifications_show(r, d, 200);
}

void page_settings_notifications_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *phone;
	const char *sms = req_form(r, "sms_enabled");
	bool sms_on = sms && *sms;

	form_begin(&f, r, d);
	const char *typed_phone = form_text(&f, "alert_phone");
	const char *email = form_text(&f, "alert_email");
	if (sms_on)
		tpl_show(d, "SMS_ON");
	form_phone(&f, "alert_phone", typed_phone, &phone);
	if (*email)
		form_email(&f, "alert_email", email);
	if (!form_ok(&f)) {
		notifications_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SAVE_NOTIFICATIONS, r->org_id, sms_on ? "true" : "false",
		    phone, email) != 1 ||
	    settings_audit(r, "settings.notifications", "organization",
			   json_pack("{s:b, s:s, s:s}", "sms_enabled", sms_on, "alert_phone", phone,
				     "alert_email", email)) < 0) {
		http_fail(r, 503, "the notification settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", sms_on ?
		   "Notification settings saved. Text messages will be sent." :
		   "Notification settings saved. Text messages are only logged, not sent.");
	http_redirect(r, "/settings/notifications");
}

/* ---------- Knowledge base ---------- */

/* Check the question and answer fields; false when either is wrong. */
static bool knowledge_check(struct form *f, const char **question, const char **answer)
{
	*question = form_text(f, "question");
	*answer = form_text(f, "answer");
	if (form_required(f, "question", *question, "Question"))
		form_max_length(f, "question", *question, 300);
	if (form_required(f, "answer", *answer, "Answer"))
		form_max_length(f, "answer", *answer, 2000);
	return form_ok(f);
}

static void knowledge_show(struct req *r, struct tpl_dict *d, int status)
{
	struct db_result *entries = db_q(r->db, r->arena, SQL_KNOWLEDGE_LIST);

	if (!entries) {
		http_fail(r, 503, "the knowledge base could not be loaded");
		return;
	}
	for (int i = 0; i < db_rows(entries); i++) {
		struct tpl_dict *row = tpl_section(d, "ENTRY");
		tpl_set(row, "ID", db_value(entries, i, 0));
		tpl_set(row, "QUESTION", db_value(entries, i, 1));
		tpl_set(row, "ANSWER", db_value(entries, i, 2));
		if (!strcmp(db_value(entries, i, 3), "t"))
			tpl_show(row, "ANSWER_CUT");
	}
	tpl_show(d, db_rows(entries) ? "HAS_ENTRIES" : "NO_ENTRIES");
	settings_render(r, status, "Knowledge base", TAB_KNOWLEDGE, "settings_knowledge.tpl", d);
}

void page_settings_knowledge(struct req *r)
{
	knowledge_show(r, page_dict(r), 200);
}

void page_settings_knowledge_add(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *question, *answer;

	form_begin(&f, r, d);
	if (!knowledge_check(&f, &question, &answer)) {
		knowledge_show(r, d, 422);
		return;
	}
	const char *id = db_text(r->db, r->arena, SQL_KNOWLEDGE_ADD, r->org_id, question, answer);
	if (!id || settings_audit(r, "settings.knowledge_add", id,
				  json_pack("{s:s}", "question", question)) < 0) {
		http_fail(r, 503, "the entry could not be added; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry added.");
	http_redirect(r, "/settings/knowledge");
}

static void knowledge_edit_show(struct req *r, struct tpl_dict *d, int status)
{
	tpl_set(d, "ID", r->path_id);
	settings_render(r, status, "Edit knowledge entry", TAB_KNOWLEDGE,
			"settings_knowledge_edit.tpl", d);
}

void page_settings_knowledge_edit(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *entry = db_q(r->db, r->arena, SQL_KNOWLEDGE_ONE, r->path_id);

	if (!entry) {
		http_fail(r, 503, "the entry could not be loaded");
		return;
	}
	if (db_rows(entry) != 1) {
		http_fail(r, 404, "there is no such knowledge base entry");
		return;
	}
	tpl_set(d, "QUESTION_VALUE", db_value(entry, 0, 0));
	tpl_set(d, "ANSWER_VALUE", db_value(entry, 0, 1));
	knowledge_edit_show(r, d, 200);
}

void page_settings_knowledge_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *question, *answer;

	form_begin(&f, r, d);
	bool ok = knowledge_check(&f, &question, &answer);
	/* Look first, so another business's id is "not found" even when the form is wrong. */
	struct db_result *entry = db_q(r->db, r->arena, SQL_KNOWLEDGE_ONE, r->path_id);
	if (entry && db_rows(entry) != 1) {
		http_fail(r, 404, "there is no such knowledge base entry");
		return;
	}
	if (entry && !ok) {
		knowledge_edit_show(r, d, 422);
		return;
	}
	if (!entry ||
	    db_exec(r->db, r->arena, SQL_KNOWLEDGE_SAVE, r->path_id, question, answer) != 1 ||
	    settings_audit(r, "settings.knowledge_edit", r->path_id,
			   json_pack("{s:s}", "question", question)) < 0) {
		http_fail(r, 503, "the entry could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry saved.");
	http_redirect(r, "/settings/knowledge");
}

void page_settings_knowledge_delete(struct req *r)
{
	const char *question = db_text(r->db, r->arena, SQL_KNOWLEDGE_DELETE, r->path_id);

	if (!question) {
		if (*db_sqlstate(r->db))
			http_fail(r, 503, "the entry could not be deleted; please try again");
		else
			http_fail(r, 404, "there is no such knowledge base entry");
		return;
	}
	if (settings_audit(r, "settings.knowledge_delete", r->path_id,
			   json_pack("{s:s}", "question", question)) < 0) {
		http_fail(r, 503, "the entry could not be deleted; please try again");
		return;
	}
	page_flash(r, "ok", "Knowledge base entry deleted.");
	http_redirect(r, "/settings/knowledge");
}

/* ---------- Vapi ---------- */

/* The organization's Vapi settings; with none saved yet, the defaults of vapi_settings. */
static const char SQL_VAPI[] =
	"SELECT coalesce(v.auth_method, 'secret'), coalesce(v.auth_header, ''), "
	"       coalesce(v.bearer_prefix, true), coalesce(v.hmac_algorithm, 'sha256'), "
	"       coalesce(v.hmac_timestamp_header, 'x-timestamp'), "
	"       coalesce(v.hmac_include_timestamp, true), "
	"       coalesce(v.hmac_payload_format, '{timestamp}.{body}'), "
	"       coalesce(v.hmac_encoding, 'hex'), coalesce(v.hmac_prefix, ''), "
	"       coalesce(v.hmac_secret_is_base64, false), "
	"       coalesce(v.timestamp_window_seconds, 300)::text, "
	"       coalesce(v.outbound_assistant_id, ''), coalesce(v.phone_number_id, ''), "
	"       coalesce(v.voice_provider, '11labs'), coalesce(v.voice_id, 'burt') "
	"FROM organizations o LEFT JOIN vapi_settings v ON v.org_id = o.id WHERE o.id = $1";
static const char SQL_VAPI_SAVE[] =
	"INSERT INTO vapi_settings (org_id, auth_method, auth_header, bearer_prefix, hmac_algorithm, "
	"  hmac_timestamp_header, hmac_include_timestamp, hmac_payload_format, hmac_encoding, "
	"  hmac_prefix, hmac_secret_is_base64, timestamp_window_seconds, outbound_assistant_id, "
	"  phone_number_id, voice_provider, voice_id) "
	"VALUES ($1, $2, nullif($3, ''), $4::boolean, $5, $6, $7::boolean, $8, $9, $10, "
	"        $11::boolean, $12::int, nullif($13, ''), nullif($14, ''), $15, $16) "
	"ON CONFLICT (org_id) DO UPDATE SET auth_method = EXCLUDED.auth_method, "
	"  auth_header = EXCLUDED.auth_header, bearer_prefix = EXCLUDED.bearer_prefix, "
	"  hmac_algorithm = EXCLUDED.hmac_algorithm, "
	"  hmac_timestamp_header = EXCLUDED.hmac_timestamp_header, "
	"  hmac_include_timestamp = EXCLUDED.hmac_include_timestamp, "
	"  hmac_payload_format = EXCLUDED.hmac_payload_format, "
	"  hmac_encoding = EXCLUDED.hmac_encoding, hmac_prefix = EXCLUDED.hmac_prefix, "
	"  hmac_secret_is_base64 = EXCLUDED.hmac_secret_is_base64, "
	"  timestamp_window_seconds = EXCLUDED.timestamp_window_seconds, "
	"  outbound_assistant_id = EXCLUDED.outbound_assistant_id, "
	"  phone_number_id = EXCLUDED.phone_number_id, voice_provider = EXCLUDED.voice_provider, "
	"  voice_id = EXCLUDED.voice_id";
/* Which business a Vapi phone number id is already set for (none may share one). */
static const char SQL_VAPI_NUMBER_OWNER[] = "SELECT vapi_org_for(NULL, $1, NULL)";
static const char SQL_VAPI_KEYS[] =
	"SELECT name FROM provider_credentials WHERE org_id = $1 AND provider = 'vapi'";

/* The form's fields in SQL_VAPI's column order; the checkboxes are booleans. */
static const struct vapi_field {
	const char *name;
	bool checkbox;
} vapi_fields[] = {
	{ "auth_method", false }, { "auth_header", false }, { "bearer_prefix", true },
	{ "hmac_algorithm", false }, { "hmac_timestamp_header", false },
	{ "hmac_include_timestamp", true }, { "hmac_payload_format", false },
	{ "hmac_encoding", false }, { "hmac_prefix", false }, { "hmac_secret_is_base64", true },
	{ "timestamp_window_seconds", false }, { "outbound_assistant_id", false },
	{ "phone_number_id", false }, { "voice_provider", false }, { "voice_id", false },
};
#define N_VAPI_FIELDS (sizeof(vapi_fields) / sizeof(vapi_fields[0]))

/* The choices of the form's lists; the first of each is not a default, only the first shown. */
static const char *const vapi_auth_methods[] = { "secret", "bearer", "hmac", NULL };
static const char *const vapi_algorithms[] = { "sha256", "sha512", "sha1", NULL };
static const char *const vapi_encodings[] = { "hex", "base64", NULL };
/* What a signed payload may hold (PROTOCOLS.md §5.3). */
static const char *const vapi_placeholders[] = {
	"timestamp", "body", "method", "url", "svix-id", NULL,
};

static bool in_choices(const char *const *choices, const char *value)
{
	for (; *choices; choices++)
		if (!strcmp(*choices, value))
			return true;
	return false;
}

/* "X" upper-cased into the arena, for a template name. */
static const char *upper(struct req *r, const char *s)
{
	char *u = arena_strdup(r->arena, s);

	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/* s lower-cased into the arena. */
static const char *lower(struct req *r, const char *s)
{
	char *l = arena_strdup(r->arena, s);

	for (char *p = l; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return l;
}

/* True when s is 1 to max characters, each a letter, a digit or one of extra. */
static bool is_word(const char *s, size_t max, const char *extra)
{
	size_t len = strlen(s);

	if (len < 1 || len > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

/* True when s has no spaces or control characters. */
static bool is_unspaced(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

/*
 * Why a payload format cannot be signed, or NULL: only known placeholders, the body always,
 * and the timestamp when one is sent (else a captured message could be replayed).
 */
static const char *payload_format_problem(const char *format, bool include_timestamp)
{
	bool body = false, timestamp = false;

	for (const char *p = strchr(format, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = strchr(p, '}');
		bool known = false;
		if (!end)
			return "a { has no closing }";
		for (const char *const *name = vapi_placeholders; *name; name++) {
			size_t len = (size_t)(end - p - 1);
			if (len != strlen(*name) || strncmp(p + 1, *name, len))
				continue;
			known = true;
			body = body || !strcmp(*name, "body");
			timestamp = timestamp || !strcmp(*name, "timestamp");
		}
		if (!known)
			return "use only {timestamp}, {body}, {method}, {url} and {svix-id}";
	}
	if (!body)
		return "include {body}: the signature must cover the message";
	if (include_timestamp && !timestamp)
		return "include {timestamp}, or turn off sending a timestamp";
	return NULL;
}

/* Mark the chosen option of each list and whether the keys are saved, then render. */
static void vapi_show(struct req *r, struct tpl_dict *d, int status, const char *method,
		      const char *algorithm, const char *encoding)
{
	struct db_result *keys = db_q(r->db, r->arena, SQL_VAPI_KEYS, r->org_id);
	if (!keys) {
		http_fail(r, 503, "the Vapi settings could not be loaded");
		return;
	}
	tpl_set(d, "SERVER_SECRET_STATE", "Not saved");
	tpl_set(d, "API_KEY_STATE", "Not saved");
	for (int i = 0; i < db_rows(keys); i++)
		tpl_set(d, arena_printf(r->arena, "%s_STATE", upper(r, db_value(keys, i, 0))),
			"Saved");
	tpl_show(d, arena_printf(r->arena, "AUTH_METHOD_%s", method));
	tpl_show(d, arena_printf(r->arena, "HMAC_ALGORITHM_%s", algorithm));
	tpl_show(d, arena_printf(r->arena, "HMAC_ENCODING_%s", encoding));
	tpl_set(d, "SERVER_URL",
		arena_printf(r->arena, "%s/hooks/vapi", conf_str("PUBLIC_BASE_URL")));
	settings_render(r, status, "Vapi", TAB_VAPI, "settings_vapi.tpl", d);
}

void page_settings_vapi(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct db_result *v = db_q(r->db, r->arena, SQL_VAPI, r->org_id);

	if (!v || db_rows(v) != 1) {
		http_fail(r, 503, "the Vapi settings could not be loaded");
		return;
	}
	for (size_t i = 0; i < N_VAPI_FIELDS; i++) {
		const char *name = upper(r, vapi_fields[i].name), *value = db_value(v, 0, (int)i);
		if (!vapi_fields[i].checkbox)
			tpl_set(d, arena_printf(r->arena, "%s_VALUE", name), value);
		else if (!strcmp(value, "t"))
			tpl_show(d, arena_printf(r->arena, "%s_ON", name));
	}
	vapi_show(r, d, 200, db_value(v, 0, 0), db_value(v, 0, 3), db_value(v, 0, 7));
}

void page_settings_vapi_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *values[N_VAPI_FIELDS];
	struct form f;
	long window;

	form_begin(&f, r, d);
	for (size_t i = 0; i < N_VAPI_FIELDS; i++) {
		const char *name = vapi_fields[i].name;
		if (!vapi_fields[i].checkbox) {
			values[i] = form_text(&f, name);
			continue;
		}
		const char *typed = req_form(r, name);
		values[i] = typed && *typed ? "true" : "false";
		if (typed && *typed)
			tpl_show(d, arena_printf(r->arena, "%s_ON", upper(r, name)));
	}
	const char *method = values[0], *header = values[1], *algorithm = values[3];
	const char *timestamp_header = values[4], *format = values[6], *encoding = values[7];
	const char *prefix = values[8], *assistant = values[11], *number = values[12];
	const char *voice_provider = values[13], *voice_id = values[14];
	bool include_timestamp = !strcmp(values[5], "true");

	if (!in_choices(vapi_auth_methods, method))
		form_error(&f, "auth_method", "choose secret, bearer or HMAC");
	if (*header && !is_word(header, 64, "-"))
		form_error(&f, "auth_header", "a header name is 1 to 64 letters, digits and dashes, "
			   "like X-Vapi-Secret");
	if (!in_choices(vapi_algorithms, algorithm))
		form_error(&f, "hmac_algorithm", "choose SHA-256, SHA-512 or SHA-1");
	if (!is_word(timestamp_header, 64, "-"))
		form_error(&f, "hmac_timestamp_header", "a header name is 1 to 64 letters, digits "
			   "and dashes, like x-timestamp");
	const char *format_problem = payload_format_problem(format, include_timestamp);
	if (form_required(&f, "hmac_payload_format", format, "The payload format") &&
	    form_max_length(&f, "hmac_payload_format", format, 200) && format_problem)
		form_error(&f, "hmac_payload_format", format_problem);
	if (!in_choices(vapi_encodings, encoding))
		form_error(&f, "hmac_encoding", "choose hex or base64");
	if (form_max_length(&f, "hmac_prefix", prefix, 32) && !is_unspaced(prefix))
		form_error(&f, "hmac_prefix", "a prefix has no spaces, like sha256=");
	form_long(&f, "timestamp_window_seconds", values[10], 10, 3600, &window);
	if (*assistant && !is_word(assistant, 128, "-_"))
		form_error(&f, "outbound_assistant_id", "paste the assistant's id from Vapi's "
			   "dashboard: letters, digits and dashes");
	if (*number && !is_word(number, 128, "-_"))
		form_error(&f, "phone_number_id", "paste the phone number's id from Vapi's "
			   "dashboard: letters, digits and dashes");
	if (!is_word(voice_provider, 64, "-") || strcmp(voice_provider, lower(r, voice_provider)))
		form_error(&f, "voice_provider", "a voice provider is Vapi's name for it in lower "
			   "case, like 11labs, azure or openai");
	if (form_required(&f, "voice_id", voice_id, "The voice") &&
	    form_max_length(&f, "voice_id", voice_id, 128) && !is_unspaced(voice_id))
		form_error(&f, "voice_id", "a voice id has no spaces");
	if (form_ok(&f) && *number) {
		const char *owner = db_text(r->db, r->arena, SQL_VAPI_NUMBER_OWNER, number);
		if (!owner && *db_sqlstate(r->db)) {
			http_fail(r, 503, "the Vapi settings could not be saved; please try again");
			return;
		}
		if (owner && strcmp(owner, r->org_id))
			form_error(&f, "phone_number_id", "this Vapi phone number is already set for "
				   "another business");
	}
	if (!form_ok(&f)) {
		vapi_show(r, d, 422, in_choices(vapi_auth_methods, method) ? method : "",
			  in_choices(vapi_algorithms, algorithm) ? algorithm : "",
			  in_choices(vapi_encodings, encoding) ? encoding : "");
		return;
	}
	json_t *detail = json_object();
	for (size_t i = 0; i < N_VAPI_FIELDS; i++)
		json_object_set_new(detail, vapi_fields[i].name, json_string(values[i]));
	if (db_exec(r->db, r->arena, SQL_VAPI_SAVE, r->org_id, method, header, values[2],
		    algorithm, timestamp_header, values[5], format, encoding, prefix, values[9],
		    arena_printf(r->arena, "%ld", window), assistant, number, voice_provider,
		    voice_id) != 1 ||
	    settings_audit(r, "settings.vapi", "vapi_settings", detail) < 0) {
		http_fail(r, 503, "the Vapi settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Vapi settings saved.");
	http_redirect(r, "/settings/vapi");
}

/* ---------- Provider credentials ---------- */

/* The last four characters of a secret (whole UTF-8 characters), arena-owned. */
static const char *secret_hint(struct req *r, const char *secret)
{
	const char *s = secret + strlen(secret);
	int chars = 0;

	while (s > secret && chars < 4) {
		s--;
		if (((unsigned char)*s & 0xC0) != 0x80)
			chars++;
	}
	return arena_strdup(r->arena, s);
}

/* Why a typed credential is not acceptable, or NULL when it is. */
static const char *credential_problem(const struct credential_field *c, const char *value)
{
	size_t len = strlen(value);

	for (const char *s = value; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return "remove the spaces: keys and addresses have none";
	if (len > 500)
		return "keep it to 500 characters";
	switch (c->kind) {
	case CRED_TWILIO_SID:
		if (len != 34 || strncmp(value, "AC", 2) ||
		    strspn(value + 2, "0123456789abcdefABCDEF") != 32)
			return "an account SID is AC followed by 32 letters and digits";
		return NULL;
	case CRED_URL:
		if (strncmp(value, "https://", 8) && strncmp(value, "http://", 7))
			return "enter an address that starts with https://";
		return NULL;
	case CRED_KEY:
		if (len < 8)
			return "this is too short to be a key: paste the whole key";
		return NULL;
	}
	return NULL;
}

static void credentials_show(struct req *r, struct tpl_dict *d, int status)
{
	struct db_result *stored = db_q(r->db, r->arena, SQL_CREDENTIALS, r->org_id);
	struct tpl_dict *group = NULL;

	if (!stored) {
		http_fail(r, 503, "the provider keys could not be loaded");
		return;
	}
	if (!*conf_str("ENCRYPTION_KEY"))
		tpl_show(d, "NO_KEY");
	for (size_t i = 0; i < N_CREDENTIALS; i++) {
		const struct credential_field *c = &credential_fields[i];
		if (!group || strcmp(c->provider, credential_fields[i - 1].provider)) {
			group = tpl_section(d, "PROVIDER");
			tpl_set(group, "PROVIDER_LABEL", c->provider_label);
		}
		struct tpl_dict *field = tpl_section(group, "FIELD");
		tpl_set(field, "FIELD", c->field);
		tpl_set(field, "LABEL", c->label);
		tpl_show(field, c->kind == CRED_KEY ? "SECRET_INPUT" : "TEXT_INPUT");
		for (int row = 0; row < db_rows(stored); row++) {
			if (strcmp(db_value(stored, row, 1), c->provider) ||
			    strcmp(db_value(stored, row, 2), c->name))
				continue;
			struct tpl_dict *saved = tpl_section(field, "SAVED");
			tpl_set(saved, "ID", db_value(stored, row, 0));
			tpl_set(saved, "HINT",
				arena_printf(r->arena, "••••%s", db_value(stored, row, 3)));
			tpl_set(saved, "UPDATED", db_value(stored, row, 4));
		}
		/* Re-show what was typed, except a secret, which is never put into a page. */
		const char *typed = text_trim(r, req_form(r, c->field));
		const char *problem = *typed ? credential_problem(c, typed) : NULL;
		tpl_set(field, "VALUE", c->kind == CRED_KEY ? "" : typed);
		if (problem) {
			tpl_set(tpl_section(field, "ERROR"), "MESSAGE", problem);
			tpl_set(field, "CLASS", "has-error");
		}
	}
	settings_render(r, status, "Provider keys", TAB_CREDENTIALS, "settings_credentials.tpl", d);
}

void page_settings_credentials(struct req *r)
{
	credentials_show(r, page_dict(r), 200);
}

void page_settings_credentials_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *key = conf_str("ENCRYPTION_KEY");
	json_t *saved = json_to_arena(r->arena, json_array());
	int errors = 0;

	for (size_t i = 0; i < N_CREDENTIALS; i++) {
		const char *value = text_trim(r, req_form(r, credential_fields[i].field));
		if (*value && credential_problem(&credential_fields[i], value))
			errors++;
	}
	if (errors) {
		credentials_show(r, d, 422);
		return;
	}
	for (size_t i = 0; i < N_CREDENTIALS; i++) {
		const struct credential_field *c = &credential_fields[i];
		const char *value = text_trim(r, req_form(r, c->field));
		if (!*value)
			continue;
		if (!*key) {
			tpl_set(tpl_section(d, "FORM_ERROR"), "MESSAGE",
				"Keys cannot be stored: the server has no ENCRYPTION_KEY "
				"configured. Set it to 64 hex digits and restart Switchboard.");
			credentials_show(r, d, 503);
			return;
		}
		const char *sealed = crypto_seal(r->arena, key, value, r->org_id);
		if (!sealed) {
			log_error("could not seal a provider key: "
				  "ENCRYPTION_KEY is not 64 hex digits");
			tpl_set(tpl_section(d, "FORM_ERROR"), "MESSAGE",
				"Keys cannot be stored: the server's ENCRYPTION_KEY is not 64 hex "
				"digits.");
			credentials_show(r, d, 503);
			return;
		}
		if (db_exec(r->db, r->arena, SQL_CREDENTIAL_SAVE, r->org_id, c->provider, c->name,
			    sealed, secret_hint(r, value)) != 1) {
			http_fail(r, 503, "the keys could not be saved; please try again");
			return;
		}
		json_array_append_new(saved, json_sprintf("%s.%s", c->provider, c->name));
	}
	if (json_array_size(saved) == 0) {
		page_flash(r, "info", "Nothing changed: every field was empty.");
		http_redirect(r, "/settings/credentials");
		return;
	}
	if (settings_audit(r, "settings.credentials", "provider_credentials",
			   json_pack("{s:O}", "saved", saved)) < 0) {
		http_fail(r, 503, "the keys could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Provider keys saved.");
	http_redirect(r, "/settings/credentials");
}

void page_settings_credential_remove(struct req *r)
{
	struct db_result *gone = db_q(r->db, r->arena, SQL_CREDENTIAL_REMOVE, r->path_id);

	if (gone && db_rows(gone) == 0) {
		http_fail(r, 404, "there is no such provider key");
		return;
	}
	if (!gone || settings_audit(r, "settings.credential_remove", r->path_id,
				    json_pack("{s:s, s:s}", "provider", db_value(gone, 0, 0),
					      "name", db_value(gone, 0, 1))) < 0) {
		http_fail(r, 503, "the key could not be removed; please try again");
		return;
	}
	page_flash(r, "ok", "Provider key removed.");
	http_redirect(r, "/settings/credentials");
}
