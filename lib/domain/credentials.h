/* credentials.h: an organization's provider secrets (sealed in provider_credentials), opened for
 * the code that talks to the provider */
#ifndef SB_CREDENTIALS_H
#define SB_CREDENTIALS_H

#include <stdbool.h>

#include "provider/llm.h"
#include "provider/tts.h"

struct arena;
struct db;
struct twilio_account;

/* Most earlier keys (ENCRYPTION_KEYS_OLD) tried when opening a secret. */
#define CREDENTIAL_MAX_KEYS 16

/*
 * Seal plaintext as org_id's secret provider/name under ENCRYPTION_KEY, bound to all three (and
 * naming the key), ready for provider_credentials.secret_enc: arena-owned, or NULL when the key
 * is missing or not 64 hex digits.
 */
const char *credential_seal(struct arena *a, const char *org_id, const char *provider,
			    const char *name, const char *plaintext);

/*
 * Open sealed, stored as org_id's secret provider/name, with ENCRYPTION_KEY or one of
 * ENCRYPTION_KEYS_OLD; a value sealed before secrets were bound to their row opens with the
 * organization alone. *current (may be NULL) is true when it was sealed by credential_seal()
 * with the current key, i.e. needs no re-sealing. Returns the plaintext, arena-owned, or NULL.
 */
const char *credential_open(struct arena *a, const char *org_id, const char *provider,
			    const char *name, const char *sealed, bool *current);

/*
 * The secret provider/name of the organization of the transaction open on db (db_begin_org),
 * opened with ENCRYPTION_KEY: arena-owned plaintext, or NULL when none is stored, when it cannot
 * be opened (another key, or a row that is not this organization's), or on a database error
 * (logged).
 */
const char *credential_get(struct db *db, struct arena *a, const char *org_id,
			   const char *provider, const char *name);

/*
 * The Twilio account to act as for org_id, in the transaction open on db (db_begin_org): the
 * business's own when it saved both its Account SID and auth token (Settings -> Provider keys),
 * at TWILIO_API_BASE, else the server's (TWILIO_*). *own (may be NULL) says which. Strings are
 * arena-owned or borrowed from the settings. Returns 0, or -1 on a database error (logged).
 */
int credential_twilio_account(struct db *db, struct arena *a, const char *org_id,
			      struct twilio_account *out, bool *own);

/*
 * The providers one call talks to, resolved once when its session opens: each the business's
 * own where it saved a key (Settings -> Provider keys), else the server's settings.
 */
struct provider_settings {
	struct llm_settings llm;      /* the business's base URL, model and key, or LLM_* */
	struct tts_voice tts;         /* its ElevenLabs or OpenAI speech key and voice, or TTS_* */
	const char *deepgram_key;     /* its Deepgram key or DEEPGRAM_API_KEY; "" for none */
	bool own_llm, own_tts, own_deepgram;
};

/*
 * Fill *out for org_id in the transaction open on db (db_begin_org), reading all of the
 * business's keys in one query. A business's LLM key without a base URL talks to the server's
 * endpoint (and model) with that key; a base URL of its own uses its own model or the server's
 * model name. Strings are arena-owned or borrowed from the settings. Returns 0, or -1 on a
 * database error (logged), when *out holds the server's settings.
 */
int credential_provider_settings(struct db *db, struct arena *a, const char *org_id,
				 struct provider_settings *out);

/* A copy of *from in one heap block, strings and all, for a holder that outlives the arena
 * (a live call). Caller frees (one free()). */
struct provider_settings *credential_provider_settings_dup(const struct provider_settings *from);

/* The server's own provider settings alone (no business keys), borrowed from the settings. */
void credential_provider_settings_server(struct provider_settings *out);

#endif
