/* credentials.c: an organization's provider secrets, opened from provider_credentials */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"

#include "infra/conf.h"
#include "domain/credentials.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/xalloc.h"
#include "provider/twilio_rest.h"

static const char SQL_CREDENTIAL[] =
	"SELECT secret_enc FROM provider_credentials "
	"WHERE org_id = $1 AND provider = $2 AND name = $3";

/* What a sealed secret is bound to: a value moved to another row does not open. The provider
 * cannot hold a newline (its CHECK) and the organization is a uuid, so the name, last, is
 * unambiguous. */
static const char *binding(struct arena *a, const char *org_id, const char *provider,
			   const char *name)
{
	return arena_printf(a, "switchboard credential\n%s\n%s\n%s", org_id, provider, name);
}

const char *credential_seal(struct arena *a, const char *org_id, const char *provider,
			    const char *name, const char *plaintext)
{
	return crypto_seal(a, conf_str("ENCRYPTION_KEY"), plaintext,
			   binding(a, org_id, provider, name));
}

const char *credential_open(struct arena *a, const char *org_id, const char *provider,
			    const char *name, const char *sealed, bool *current)
{
	const char *bound = binding(a, org_id, provider, name);
	const char *keys[CREDENTIAL_MAX_KEYS + 1];
	size_t n = 0;
	char *old = arena_strdup(a, conf_str("ENCRYPTION_KEYS_OLD")), *save = NULL;

	keys[n++] = conf_str("ENCRYPTION_KEY");
	for (char *k = strtok_r(old, ", \t", &save); k && n < CREDENTIAL_MAX_KEYS + 1;
	     k = strtok_r(NULL, ", \t", &save))
		keys[n++] = k;
	if (current)
		*current = false;
	for (size_t i = 0; i < n; i++) {
		const char *secret = crypto_open(a, keys[i], sealed, bound);
		if (secret) {
			if (current)
				*current = i == 0;
			return secret;
		}
	}
	/* Sealed before values named their key and row: bound to the organization only.
	 * switchboard-rotate-keys re-seals these in the current form. */
	for (size_t i = 0; i < n; i++) {
		const char *secret = crypto_open(a, keys[i], sealed, org_id);
		if (secret)
			return secret;
	}
	return NULL;
}

static const char SQL_CREDENTIALS_ALL[] =
	"SELECT provider, name, secret_enc FROM provider_credentials WHERE org_id = $1";

const char *credential_get(struct db *db, struct arena *a, const char *org_id,
			   const char *provider, const char *name)
{
	const char *sealed = db_text(db, a, SQL_CREDENTIAL, org_id, provider, name);

	if (!sealed)
		return NULL;
	const char *secret = credential_open(a, org_id, provider, name, sealed, NULL);
	if (!secret)
		log_warn("a stored provider secret could not be opened: provider=%s name=%s org=%s",
			 provider, name, org_id);
	return secret;
}

int credential_twilio_account(struct db *db, struct arena *a, const char *org_id,
			      struct twilio_account *out, bool *own)
{
	twilio_account_server(out);
	if (own)
		*own = false;
	const char *sid = credential_get(db, a, org_id, "twilio", "account_sid");
	if (!sid && *db_sqlstate(db))
		return -1;
	const char *token = sid ? credential_get(db, a, org_id, "twilio", "auth_token") : NULL;
	if (!token && *db_sqlstate(db))
		return -1;
	/* Half a pair is no account: the server's stands in until both are saved. */
	if (sid && *sid && token && *token) {
		out->sid = sid;
		out->token = token;
		if (own)
			*own = true;
	}
	return 0;
}

void credential_provider_settings_server(struct provider_settings *out)
{
	memset(out, 0, sizeof(*out));
	llm_settings_server(&out->llm);
	tts_voice_server(&out->tts);
	out->deepgram_key = conf_str("DEEPGRAM_API_KEY");
}

/* The opened secret provider/name among rows, or NULL. */
static const char *secret_of(struct arena *a, struct db_result *rows, const char *org_id,
			     const char *provider, const char *name)
{
	for (int i = 0; i < db_rows(rows); i++) {
		if (strcmp(db_value(rows, i, 0), provider) || strcmp(db_value(rows, i, 1), name))
			continue;
		const char *secret = credential_open(a, org_id, provider, name,
						     db_value(rows, i, 2), NULL);
		if (!secret)
			log_warn("a stored provider secret could not be opened: provider=%s name=%s "
				 "org=%s", provider, name, org_id);
		return secret && *secret ? secret : NULL;
	}
	return NULL;
}

int credential_provider_settings(struct db *db, struct arena *a, const char *org_id,
				 struct provider_settings *out)
{
	credential_provider_settings_server(out);
	struct db_result *rows = db_q(db, a, SQL_CREDENTIALS_ALL, org_id);
	if (!rows)
		return -1;

	const char *base = secret_of(a, rows, org_id, "llm", "base_url");
	const char *model = secret_of(a, rows, org_id, "llm", "model");
	const char *key = secret_of(a, rows, org_id, "llm", "api_key");
	/* A key sent to the server's endpoint, or a server key sent to the business's own
	 * endpoint, would leak a key to whoever did not issue it: a business's base URL goes
	 * with its own key only (an endpoint needing none is fine). */
	if (base) {
		out->llm.base_url = base;
		out->llm.api_key = key ? key : "";
		if (model)
			out->llm.model = model;
		out->own_llm = true;
	} else if (key) {
		out->llm.api_key = key;
		if (model)
			out->llm.model = model;
		out->own_llm = true;
	}
	/* A key alone, on a server with no model endpoint, is an OpenAI key. */
	if (out->own_llm && !*out->llm.base_url)
		out->llm.base_url = LLM_DEFAULT_BASE_URL;
	if (out->own_llm && !*out->llm.model)
		out->llm.model = LLM_DEFAULT_MODEL;

	const char *eleven = secret_of(a, rows, org_id, "elevenlabs", "api_key");
	const char *openai = secret_of(a, rows, org_id, "openai_tts", "api_key");
	if (eleven) {
		const char *voice = secret_of(a, rows, org_id, "elevenlabs", "voice_id");
		out->tts = (struct tts_voice){ TTS_ELEVENLABS, eleven,
					       voice ? voice : conf_str("ELEVENLABS_VOICE_ID") };
		out->own_tts = true;
	} else if (openai) {
		const char *voice = secret_of(a, rows, org_id, "openai_tts", "voice");
		out->tts = (struct tts_voice){ TTS_OPENAI, openai,
					       voice ? voice : conf_str("OPENAI_TTS_VOICE") };
		out->own_tts = true;
	}

	const char *deepgram = secret_of(a, rows, org_id, "deepgram", "api_key");
	if (deepgram) {
		out->deepgram_key = deepgram;
		out->own_deepgram = true;
	}
	return 0;
}

/* Copy s to *at and move *at past it: the string's new home in the block. */
static const char *copy_into(char **at, const char *s)
{
	size_t n = strlen(s ? s : "") + 1;
	char *home = *at;

	memcpy(home, s ? s : "", n);
	*at += n;
	return home;
}

struct provider_settings *credential_provider_settings_dup(const struct provider_settings *from)
{
	const char *strings[] = { from->llm.base_url, from->llm.model, from->llm.api_key,
				  from->tts.api_key, from->tts.voice, from->deepgram_key };
	size_t size = sizeof(*from);

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		size += strlen(strings[i] ? strings[i] : "") + 1;
	struct provider_settings *to = xmalloc(size);
	char *at = (char *)(to + 1);
	*to = *from;
	to->llm.base_url = copy_into(&at, from->llm.base_url);
	to->llm.model = copy_into(&at, from->llm.model);
	to->llm.api_key = copy_into(&at, from->llm.api_key);
	to->tts.api_key = copy_into(&at, from->tts.api_key);
	to->tts.voice = copy_into(&at, from->tts.voice);
	to->deepgram_key = copy_into(&at, from->deepgram_key);
	return to;
}
