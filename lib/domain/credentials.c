/* credentials.c: an organization's provider secrets, opened from provider_credentials */
#include <stddef.h>
#include <string.h>

#include "infra/arena.h"

#include "infra/conf.h"
#include "domain/credentials.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
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
