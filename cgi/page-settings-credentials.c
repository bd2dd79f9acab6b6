/* page-settings-credentials.c: the business's own provider keys, sealed at rest
 * (/settings/credentials) */
#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "answer.h"
#include "domain/credentials.h"
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
			if (strcmp(db_field(stored, row, "provider"), c->provider) ||
			    strcmp(db_field(stored, row, "name"), c->name))
				continue;
			struct tpl_dict *saved = tpl_section(field, "SAVED");
			tpl_set(saved, "ID", db_field(stored, row, "id"));
			const char *hint = db_field(stored, row, "hint");
			tpl_set(saved, "HINT", arena_printf(r->arena, "••••%s", hint));
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
		const char *sealed = credential_seal(r->arena, r->org_id, c->provider, c->name,
						     value);
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
