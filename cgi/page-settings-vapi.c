/* page-settings-vapi.c: how Vapi's messages are authenticated (and the server secret made for
 * it), the outbound assistant and the voice of the receptionist Vapi runs (/settings/vapi) */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "domain/credentials.h"
#include "provider/vapi.h"
#include "provider/vapi_rest.h"
#include "req.h"
#include "ui.h"

/* The organization's Vapi settings, one column per form field; the defaults of vapi_settings
 * when none are saved yet. */
static const char SQL_VAPI[] =
	"SELECT coalesce(v.auth_method, 'secret') AS auth_method, "
	"       coalesce(v.auth_header, '') AS auth_header, "
	"       coalesce(v.bearer_prefix, true) AS bearer_prefix, "
	"       coalesce(v.hmac_algorithm, 'sha256') AS hmac_algorithm, "
	"       coalesce(v.hmac_timestamp_header, 'x-timestamp') AS hmac_timestamp_header, "
	"       coalesce(v.hmac_include_timestamp, true) AS hmac_include_timestamp, "
	"       coalesce(v.hmac_payload_format, '{timestamp}.{body}') AS hmac_payload_format, "
	"       coalesce(v.hmac_encoding, 'hex') AS hmac_encoding, "
	"       coalesce(v.hmac_prefix, '') AS hmac_prefix, "
	"       coalesce(v.hmac_secret_is_base64, false) AS hmac_secret_is_base64, "
	"       coalesce(v.timestamp_window_seconds, 300)::text AS timestamp_window_seconds, "
	"       coalesce(v.outbound_assistant_id, '') AS outbound_assistant_id, "
	"       coalesce(v.phone_number_id, '') AS phone_number_id, "
	"       coalesce(v.voice_provider, '11labs') AS voice_provider, "
	"       coalesce(v.voice_id, 'burt') AS voice_id, "
	"       coalesce(v.credential_id, '') AS credential_id, "
	"       coalesce(v.hmac_message_id_header, 'svix-id') AS hmac_message_id_header "
	"FROM organizations o LEFT JOIN vapi_settings v ON v.org_id = o.id WHERE o.id = $1";

/*
 * Saving is one statement per part of the form, after making sure the row exists (with the
 * table's defaults), all in the request's one transaction.
 */
static const char SQL_VAPI_ROW[] =
	"INSERT INTO vapi_settings (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING";
static const char SQL_VAPI_SAVE_AUTH[] =
	"UPDATE vapi_settings SET auth_method = $2, auth_header = nullif($3, ''), "
	"       bearer_prefix = $4::boolean, credential_id = nullif($5, '') "
	"WHERE org_id = $1";
static const char SQL_VAPI_SAVE_HMAC[] =
	"UPDATE vapi_settings SET hmac_algorithm = $2, hmac_timestamp_header = $3, "
	"       hmac_include_timestamp = $4::boolean, hmac_payload_format = $5, "
	"       hmac_encoding = $6, hmac_prefix = $7, hmac_secret_is_base64 = $8::boolean, "
	"       timestamp_window_seconds = $9::int, hmac_message_id_header = $10 "
	"WHERE org_id = $1";
/* The id is saved only once checked (phone_number_checked): one already checked stays so. */
static const char SQL_VAPI_SAVE_OUTBOUND[] =
	"UPDATE vapi_settings SET outbound_assistant_id = nullif($2, ''), "
	"       phone_number_checked_at = CASE "
	"         WHEN phone_number_id = $3 AND phone_number_checked_at IS NOT NULL "
	"         THEN phone_number_checked_at ELSE now() END, "
	"       phone_number_id = nullif($3, '') "
	"WHERE org_id = $1";
/* The id saved and checked before, if any: saving it again asks Vapi nothing. */
static const char SQL_VAPI_CHECKED_ID[] =
	"SELECT phone_number_id FROM vapi_settings "
	"WHERE org_id = $1 AND phone_number_checked_at IS NOT NULL";
static const char SQL_VAPI_SAVE_VOICE[] =
	"UPDATE vapi_settings SET voice_provider = $2, voice_id = $3 WHERE org_id = $1";
/* Which business a Vapi phone number id is already set for (none may share one). */
static const char SQL_VAPI_NUMBER_OWNER[] = "SELECT vapi_org_for(NULL, $1, NULL)";
/* The server secret, sealed, as the Provider keys page keeps every key. */
static const char SQL_VAPI_SECRET_SAVE[] =
	"INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint) "
	"VALUES ($1, 'vapi', 'server_secret', $2::bytea, $3) "
	"ON CONFLICT (org_id, provider, name) DO UPDATE "
	"SET secret_enc = EXCLUDED.secret_enc, secret_hint = EXCLUDED.secret_hint";
/* Random bytes in a generated server secret (shown as twice as many hex digits). */
#define SECRET_BYTES 32
static const char SQL_VAPI_KEYS[] =
	"SELECT name FROM provider_credentials WHERE org_id = $1 AND provider = 'vapi'";

/* The form's fields, each a column of SQL_VAPI by the same name; the checkboxes are booleans. */
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
	{ "credential_id", false }, { "hmac_message_id_header", false },
};
#define N_VAPI_FIELDS (sizeof(vapi_fields) / sizeof(vapi_fields[0]))

/* The form as typed; a checkbox is "true" or "false". */
struct vapi_form {
	const char *auth_method, *auth_header, *bearer_prefix;
	const char *hmac_algorithm, *hmac_timestamp_header, *hmac_include_timestamp;
	const char *hmac_payload_format, *hmac_encoding, *hmac_prefix, *hmac_secret_is_base64;
	const char *timestamp_window_seconds;
	const char *outbound_assistant_id, *phone_number_id;
	const char *voice_provider, *voice_id;
	const char *credential_id, *hmac_message_id_header;
	const char *server_secret;     /* typed; "" keeps the stored one */
};

/* The choices of the form's lists; the first of each is not a default, only the first shown. */
static const char *const vapi_auth_methods[] = { "secret", "bearer", "hmac", NULL };
static const char *const vapi_algorithms[] = { "sha256", "sha512", "sha1", NULL };
static const char *const vapi_encodings[] = { "hex", "base64", NULL };
/* What a signed payload may hold (PROTOCOLS.md §5.3). */
static const char *const vapi_placeholders[] = {
	"timestamp", "body", "method", "url", "svix-id", NULL,
};

static void page_settings_vapi_render(struct req *r, struct tpl_dict *d);

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
	tpl_set(d, "SERVER_URL", ui_public_url(r, "/hooks/vapi"));
	ui_public_url_warning(d);
	settings_render(r, status, "Vapi", TAB_VAPI, "settings_vapi.tpl", d);
}

void page_settings_vapi(struct req *r)
{
	page_settings_vapi_render(r, page_dict(r));
}

/* The page with the saved settings into d (which may hold a secret just made). */
static void page_settings_vapi_render(struct req *r, struct tpl_dict *d)
{
	struct db_result *v = ui_one(r, "Vapi settings", "loaded", SQL_VAPI, r->org_id);

	if (!v)
		return;
	for (size_t i = 0; i < N_VAPI_FIELDS; i++) {
		const char *name = upper(r, vapi_fields[i].name);
		const char *value = db_field(v, 0, vapi_fields[i].name);
		if (!vapi_fields[i].checkbox)
			tpl_set(d, arena_printf(r->arena, "%s_VALUE", name), value);
		else if (!strcmp(value, "t"))
			tpl_show(d, arena_printf(r->arena, "%s_ON", name));
	}
	vapi_show(r, d, 200, db_field(v, 0, "auth_method"), db_field(v, 0, "hmac_algorithm"),
		  db_field(v, 0, "hmac_encoding"));
}

/* A checkbox of the form as "true" or "false", ticked again when the form is shown again. */
static const char *checkbox(struct req *r, struct tpl_dict *d, const char *name)
{
	const char *typed = req_form(r, name);

	if (!typed || !*typed)
		return "false";
	tpl_show(d, arena_printf(r->arena, "%s_ON", upper(r, name)));
	return "true";
}

/* Read the form by its fields' names into v. */
static void vapi_read(struct form *f, struct tpl_dict *d, struct vapi_form *v)
{
	struct req *r = f->r;

	v->auth_method = form_text(f, "auth_method");
	v->auth_header = form_text(f, "auth_header");
	v->bearer_prefix = checkbox(r, d, "bearer_prefix");
	v->hmac_algorithm = form_text(f, "hmac_algorithm");
	v->hmac_timestamp_header = form_text(f, "hmac_timestamp_header");
	v->hmac_include_timestamp = checkbox(r, d, "hmac_include_timestamp");
	v->hmac_payload_format = form_text(f, "hmac_payload_format");
	v->hmac_encoding = form_text(f, "hmac_encoding");
	v->hmac_prefix = form_text(f, "hmac_prefix");
	v->hmac_secret_is_base64 = checkbox(r, d, "hmac_secret_is_base64");
	v->timestamp_window_seconds = form_text(f, "timestamp_window_seconds");
	v->outbound_assistant_id = form_text(f, "outbound_assistant_id");
	v->phone_number_id = form_text(f, "phone_number_id");
	v->voice_provider = form_text(f, "voice_provider");
	v->voice_id = form_text(f, "voice_id");
	v->credential_id = form_text(f, "credential_id");
	v->hmac_message_id_header = form_text(f, "hmac_message_id_header");
	/* Forms saved before the field existed sign with Vapi's own name for it. */
	if (!*v->hmac_message_id_header)
		v->hmac_message_id_header = "svix-id";
	v->server_secret = form_text(f, "server_secret");
}

/* Check v field by field, each message next to its field; window gets the checked number. */
static void vapi_check(struct form *f, const struct vapi_form *v, long *window)
{
	bool include_timestamp = !strcmp(v->hmac_include_timestamp, "true");
	const char *format = v->hmac_payload_format;

	if (!in_choices(vapi_auth_methods, v->auth_method))
		form_error(f, "auth_method", "choose secret, bearer or HMAC");
	const char *header_problem = vapi_header_problem(v->auth_header);
	if (header_problem)
		form_error(f, "auth_header", header_problem);
	if (*v->credential_id && !is_word(v->credential_id, 128, "-_"))
		form_error(f, "credential_id", "paste the credential's id from Vapi's dashboard: "
			   "letters, digits and dashes");
	if (*v->server_secret && vapi_secret_problem(v->server_secret))
		form_error(f, "server_secret", "a server secret has at least 24 characters: use "
			   "Generate for one");
	else if (*v->server_secret && (!is_unspaced(v->server_secret) ||
				       strlen(v->server_secret) > 500))
		form_error(f, "server_secret", "a server secret has no spaces and at most 500 "
			   "characters");
	if (!is_word(v->hmac_message_id_header, 64, "-"))
		form_error(f, "hmac_message_id_header", "a header name is 1 to 64 letters, digits "
			   "and dashes, like svix-id");
	if (!in_choices(vapi_algorithms, v->hmac_algorithm))
		form_error(f, "hmac_algorithm", "choose SHA-256, SHA-512 or SHA-1");
	if (!is_word(v->hmac_timestamp_header, 64, "-"))
		form_error(f, "hmac_timestamp_header", "a header name is 1 to 64 letters, digits "
			   "and dashes, like x-timestamp");
	const char *format_problem = payload_format_problem(format, include_timestamp);
	if (form_required(f, "hmac_payload_format", format, "The payload format") &&
	    form_max_length(f, "hmac_payload_format", format, 200) && format_problem)
		form_error(f, "hmac_payload_format", format_problem);
	if (!in_choices(vapi_encodings, v->hmac_encoding))
		form_error(f, "hmac_encoding", "choose hex or base64");
	if (form_max_length(f, "hmac_prefix", v->hmac_prefix, 32) && !is_unspaced(v->hmac_prefix))
		form_error(f, "hmac_prefix", "a prefix has no spaces, like sha256=");
	form_long(f, "timestamp_window_seconds", v->timestamp_window_seconds, 10, 3600, window);
	if (*v->outbound_assistant_id && !is_word(v->outbound_assistant_id, 128, "-_"))
		form_error(f, "outbound_assistant_id", "paste the assistant's id from Vapi's "
			   "dashboard: letters, digits and dashes");
	if (*v->phone_number_id && !is_word(v->phone_number_id, 128, "-_"))
		form_error(f, "phone_number_id", "paste the phone number's id from Vapi's "
			   "dashboard: letters, digits and dashes");
	if (!is_word(v->voice_provider, 64, "-") ||
	    strcmp(v->voice_provider, lower(f->r, v->voice_provider)))
		form_error(f, "voice_provider", "a voice provider is Vapi's name for it in lower "
			   "case, like 11labs, azure or openai");
	if (form_required(f, "voice_id", v->voice_id, "The voice") &&
	    form_max_length(f, "voice_id", v->voice_id, 128) && !is_unspaced(v->voice_id))
		form_error(f, "voice_id", "a voice id has no spaces");
}

/* Seal secret and keep it as the organization's Vapi server secret. 0, or -1 (logged). */
static int secret_store(struct req *r, const char *secret)
{
	const char *key = conf_str("ENCRYPTION_KEY");
	const char *sealed = *key ? crypto_seal(r->arena, key, secret, r->org_id) : NULL;

	if (!sealed) {
		log_error("could not seal the Vapi server secret: ENCRYPTION_KEY is not 64 hex digits");
		return -1;
	}
	/* The hint is the last four characters, whole: never half of a UTF-8 sequence. */
	const char *hint = secret + strlen(secret);
	for (int chars = 0; hint > secret && chars < 4;)
		if (((unsigned char)*--hint & 0xC0) != 0x80)
			chars++;
	return db_exec(r->db, r->arena, SQL_VAPI_SECRET_SAVE, r->org_id, sealed, hint) == 1 ?
		       0 : -1;
}

/*
 * Make a new server secret here, from the system's random source, keep it sealed, and show it
 * this once on the page (it is never shown again; the business pastes it into its Vapi
 * credential). Replaces the stored one, so Vapi's messages are refused until it is pasted.
 */
static void secret_generate(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *secret = crypto_token_hex(r->arena, SECRET_BYTES);

	if (!secret || secret_store(r, secret) < 0 ||
	    ui_audit(r, "settings.vapi_secret", "provider_credentials",
		     json_pack("{s:s}", "generated", "vapi.server_secret")) < 0) {
		http_fail(r, 503, "the server secret could not be made; please try again");
		return;
	}
	tpl_set(tpl_section(d, "NEW_SECRET"), "SECRET", secret);
	page_settings_vapi_render(r, d);
}

/* Store v, part by part, and account for it. 0, or -1 when any statement failed. */
static int vapi_store(struct req *r, const struct vapi_form *v, long window)
{
	const char *org = r->org_id;

	if (db_exec(r->db, r->arena, SQL_VAPI_ROW, org) < 0 ||
	    db_exec(r->db, r->arena, SQL_VAPI_SAVE_AUTH, org, v->auth_method, v->auth_header,
		    v->bearer_prefix, v->credential_id) != 1 ||
	    db_exec(r->db, r->arena, SQL_VAPI_SAVE_HMAC, org, v->hmac_algorithm,
		    v->hmac_timestamp_header, v->hmac_include_timestamp, v->hmac_payload_format,
		    v->hmac_encoding, v->hmac_prefix, v->hmac_secret_is_base64,
		    arena_printf(r->arena, "%ld", window), v->hmac_message_id_header) != 1 ||
	    db_exec(r->db, r->arena, SQL_VAPI_SAVE_OUTBOUND, org, v->outbound_assistant_id,
		    v->phone_number_id) != 1 ||
	    db_exec(r->db, r->arena, SQL_VAPI_SAVE_VOICE, org, v->voice_provider,
		    v->voice_id) != 1)
		return -1;
	if (*v->server_secret && secret_store(r, v->server_secret) < 0)
		return -1;
	return ui_audit(r, "settings.vapi", "vapi_settings", json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
		" s:b}",
		"auth_method", v->auth_method, "auth_header", v->auth_header,
		"bearer_prefix", v->bearer_prefix, "hmac_algorithm", v->hmac_algorithm,
		"hmac_timestamp_header", v->hmac_timestamp_header,
		"hmac_include_timestamp", v->hmac_include_timestamp,
		"hmac_payload_format", v->hmac_payload_format, "hmac_encoding", v->hmac_encoding,
		"hmac_prefix", v->hmac_prefix, "hmac_secret_is_base64", v->hmac_secret_is_base64,
		"timestamp_window_seconds", v->timestamp_window_seconds,
		"outbound_assistant_id", v->outbound_assistant_id,
		"phone_number_id", v->phone_number_id, "voice_provider", v->voice_provider,
		"voice_id", v->voice_id, "credential_id", v->credential_id,
		"hmac_message_id_header", v->hmac_message_id_header,
		"server_secret_typed", *v->server_secret != '\0'));
}

/*
 * Whether the business's own Vapi key can read the phone number id typed (any other id would
 * let it take a number of another Vapi account, and that account's traffic); the field says why
 * not. Returns 0, or -1 on a database error.
 */
static int phone_number_checked(struct req *r, struct form *f, const char *id)
{
	const char *before = db_text(r->db, r->arena, SQL_VAPI_CHECKED_ID, r->org_id);
	if (!before && *db_sqlstate(r->db))
		return -1;
	if (before && !strcmp(before, id))
		return 0;
	const char *key = credential_get(r->db, r->arena, r->org_id, "vapi", "api_key");
	if (!key && *db_sqlstate(r->db))
		return -1;
	if (!key || !*key) {
		form_error(f, "phone_number_id", "save your Vapi API key under Provider keys "
			   "first: the phone number id is checked with it");
		return 0;
	}
	switch (vapi_phone_number_read(r->arena, key, id)) {
	case VAPI_NUMBER_OURS:
		break;
	case VAPI_NUMBER_UNKNOWN:
		form_error(f, "phone_number_id", "your Vapi account has no phone number with this "
			   "id: copy it from Phone Numbers in Vapi's dashboard");
		break;
	case VAPI_NUMBER_BAD_KEY:
		form_error(f, "phone_number_id", "Vapi refused your API key (Provider keys), so "
			   "the phone number id could not be checked");
		break;
	case VAPI_NUMBER_NO_ANSWER:
		form_error(f, "phone_number_id", "Vapi could not be reached to check the phone "
			   "number id; please try again");
		break;
	}
	return 0;
}

void page_settings_vapi_save(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct vapi_form v;
	struct form f;
	long window = 0;

	if (!strcmp(text_trim(r, req_form(r, "action")), "generate_secret")) {
		secret_generate(r);
		return;
	}
	form_begin(&f, r, d);
	vapi_read(&f, d, &v);
	vapi_check(&f, &v, &window);
	if (form_ok(&f) && *v.phone_number_id) {
		const char *owner = db_text(r->db, r->arena, SQL_VAPI_NUMBER_OWNER,
					    v.phone_number_id);
		if (!owner && *db_sqlstate(r->db)) {
			http_fail(r, 503, "the Vapi settings could not be saved; please try again");
			return;
		}
		if (owner && strcmp(owner, r->org_id))
			form_error(&f, "phone_number_id", "this Vapi phone number is already "
				   "set for another business");
		else if (phone_number_checked(r, &f, v.phone_number_id) < 0) {
			http_fail(r, 503, "the Vapi settings could not be saved; please try again");
			return;
		}
	}
	if (!form_ok(&f)) {
		const char *method = v.auth_method, *algorithm = v.hmac_algorithm;
		const char *encoding = v.hmac_encoding;
		vapi_show(r, d, 422, in_choices(vapi_auth_methods, method) ? method : "",
			  in_choices(vapi_algorithms, algorithm) ? algorithm : "",
			  in_choices(vapi_encodings, encoding) ? encoding : "");
		return;
	}
	if (vapi_store(r, &v, window) < 0) {
		http_fail(r, 503, "the Vapi settings could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Vapi settings saved.");
	http_redirect(r, "/settings/vapi");
}
