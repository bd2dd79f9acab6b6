/* page-settings-credentials.c: the business's own provider keys, sealed at rest
 * (/settings/credentials) */
#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "domain/credentials.h"
#include "domain/provider_check.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/tpl.h"
#include "page-settings.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "ui.h"

static const char SQL_CREDENTIALS[] =
	"SELECT c.id, c.provider, c.name, coalesce(c.secret_hint, '') AS hint, "
	"       " UI_SQL_DATE("c.updated_at") " AS updated "
	"FROM provider_credentials c JOIN organizations o ON o.id = c.org_id WHERE o.id = $1";
static const char SQL_CREDENTIAL_SAVE[] =
	"INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint) "
	"VALUES ($1, $2, $3, $4::bytea, $5) "
	"ON CONFLICT (org_id, provider, name) DO UPDATE "
	"SET secret_enc = EXCLUDED.secret_enc, secret_hint = EXCLUDED.secret_hint";
static const char SQL_CREDENTIAL_REMOVE[] =
	"DELETE FROM provider_credentials WHERE id = $1 RETURNING provider, name";

/* A key is secret and never shown again; the others (an account SID, an address, a model or
 * voice name) are sealed all the same but shown, so the owner sees what calls use. */
enum credential_kind { CRED_KEY, CRED_TWILIO_SID, CRED_URL, CRED_NAME };

/* Every provider setting the page takes: form field, provider_credentials (provider, name).
 * Each is read by the code that calls the provider (domain/credentials.c); the server's own
 * settings stand in for what a business has not saved. */
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
	{ "llm_model", "llm", "Language model (OpenAI-compatible)", "model", "Model", CRED_NAME },
	{ "llm_api_key", "llm", "Language model (OpenAI-compatible)", "api_key", "API key",
	  CRED_KEY },
	{ "deepgram_api_key", "deepgram", "Deepgram (speech recognition)", "api_key", "API key",
	  CRED_KEY },
	{ "elevenlabs_api_key", "elevenlabs", "ElevenLabs (voice)", "api_key", "API key",
	  CRED_KEY },
	{ "elevenlabs_voice_id", "elevenlabs", "ElevenLabs (voice)", "voice_id", "Voice ID",
	  CRED_NAME },
	{ "openai_tts_api_key", "openai_tts", "OpenAI speech (voice)", "api_key", "API key",
	  CRED_KEY },
	{ "openai_tts_voice", "openai_tts", "OpenAI speech (voice)", "voice", "Voice", CRED_NAME },
};
#define N_CREDENTIALS (sizeof(credential_fields) / sizeof(credential_fields[0]))

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
	case CRED_NAME:
		if (len > 100)
			return "keep it to 100 characters";
		return NULL;
	}
	return NULL;
}

/* Whether a group's settings are the business's own, the server's, or nobody's: what calls of
 * this business use now. */
static const char *in_use(const char *provider, bool own, bool server)
{
	if (!strcmp(provider, "vapi"))
		return own ? "Vapi mode uses these." : "Needed for Vapi mode only.";
	if (own)
		return "Calls use your own account.";
	if (server)
		return "Calls use the server's account until you save your own.";
	if (!strcmp(provider, "twilio"))
		return "Not set here or on the server: texts are only logged and numbers cannot be "
		       "bought.";
	if (!strcmp(provider, "llm"))
		return "Not set here or on the server: calls are answered by the built-in rules.";
	if (!strcmp(provider, "deepgram"))
		return "Not set here or on the server: stream mode cannot recognize speech.";
	return "Not set here or on the server: replies are spoken by the built-in voice.";
}

/* Is this group's provider the business's own, and has the server one of its own? */
static void provider_sources(struct db_result *stored, const char *provider, bool *own,
			     bool *server)
{
	*own = false;
	for (int row = 0; row < db_rows(stored); row++)
		if (!strcmp(db_field(stored, row, "provider"), provider))
			*own = true;
	if (!strcmp(provider, "twilio"))
		*server = *conf_str("TWILIO_ACCOUNT_SID") && *conf_str("TWILIO_AUTH_TOKEN");
	else if (!strcmp(provider, "llm"))
		*server = *conf_str("LLM_BASE_URL");
	else if (!strcmp(provider, "deepgram"))
		*server = *conf_str("DEEPGRAM_API_KEY");
	else if (!strcmp(provider, "elevenlabs"))
		*server = !strcasecmp(conf_str("TTS_PROVIDER"), "elevenlabs") &&
			  *conf_str("ELEVENLABS_API_KEY");
	else if (!strcmp(provider, "openai_tts"))
		*server = !strcasecmp(conf_str("TTS_PROVIDER"), "openai") &&
			  *conf_str("OPENAI_TTS_API_KEY");
	else
		*server = false;
}

static void credentials_show(struct req *r, struct tpl_dict *d, int status,
			     const char *checked, const struct provider_check *result)
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
			bool own, server;
			group = tpl_section(d, "PROVIDER");
			tpl_set(group, "PROVIDER_LABEL", c->provider_label);
			tpl_set(group, "PROVIDER", c->provider);
			provider_sources(stored, c->provider, &own, &server);
			tpl_set(group, "IN_USE", in_use(c->provider, own, server));
			if (checked && result && !strcmp(checked, c->provider)) {
				struct tpl_dict *check = tpl_section(group, "CHECKED");
				tpl_set(check, "MESSAGE", result->message);
				tpl_set(check, "KIND", result->outcome == CHECK_ACCEPTED ? "ok" :
					result->outcome == CHECK_NO_KEY ? "info" : "error");
			}
		}
		struct tpl_dict *field = tpl_section(group, "FIELD");
		tpl_set(field, "FIELD", c->field);
		tpl_set(field, "LABEL", c->label);
		tpl_show(field, c->kind == CRED_KEY ? "SECRET_INPUT" : "TEXT_INPUT");
		for (int row = 0; row < db_rows(stored); row++) {
			if (strcmp(db_field(stored, row, "provider"), c->provider) ||
			    strcmp(db_field(stored, row, "name"), c->name))
				continue;
			struct tpl_dict *saved = tpl_section(field, "SAVED");
			tpl_set(saved, "ID", db_field(stored, row, "id"));
			const char *hint = db_field(stored, row, "hint");
			const char *shown = c->kind == CRED_KEY ? NULL :
				credential_get(r->db, r->arena, r->org_id, c->provider, c->name);
			tpl_set(saved, "HINT", shown ? shown : arena_printf(r->arena, "••••%s", hint));
			tpl_set(saved, "UPDATED", db_field(stored, row, "updated"));
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
	credentials_show(r, page_dict(r), 200, NULL, NULL);
}

void page_settings_credentials_check(struct req *r)
{
	const char *provider = req_form(r, "provider");
	struct provider_check result;

	if (!provider || provider_check(r->db, r->arena, r->org_id, provider, &result) < 0) {
		http_fail(r, provider ? 503 : 400, provider ? "the key could not be checked; please "
				      "try again" : "say which provider to check");
		return;
	}
	credentials_show(r, page_dict(r), 200, provider, &result);
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
		credentials_show(r, d, 422, NULL, NULL);
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
			credentials_show(r, d, 503, NULL, NULL);
			return;
		}
		const char *sealed = credential_seal(r->arena, r->org_id, c->provider, c->name,
						     value);
		if (!sealed) {
			log_error("could not seal a provider key: "
				  "ENCRYPTION_KEY is not 64 hex digits");
			tpl_set(tpl_section(d, "FORM_ERROR"), "MESSAGE",
				"Keys cannot be stored: the server's ENCRYPTION_KEY is not 64 hex "
				"digits.");
			credentials_show(r, d, 503, NULL, NULL);
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
	if (ui_audit(r, "settings.credentials", "provider_credentials",
		     json_pack("{s:O}", "saved", saved)) < 0) {
		http_fail(r, 503, "the keys could not be saved; please try again");
		return;
	}
	page_flash(r, "ok", "Provider keys saved.");
	http_redirect(r, "/settings/credentials");
}

void page_settings_credential_remove(struct req *r)
{
	struct db_result *gone = ui_one(r, "provider key", "removed", SQL_CREDENTIAL_REMOVE,
					r->path_id);

	if (!gone)
		return;
	if (ui_audit(r, "settings.credential_remove", r->path_id,
		     json_pack("{s:s, s:s}", "provider", db_field(gone, 0, "provider"),
			       "name", db_field(gone, 0, "name"))) < 0) {
		http_fail(r, 503, "the key could not be removed; please try again");
		return;
	}
	page_flash(r, "ok", "Provider key removed.");
	http_redirect(r, "/settings/credentials");
}
