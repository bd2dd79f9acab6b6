/* credentials.c: an organization's provider secrets, opened from provider_credentials */
#include <stddef.h>

#include "infra/conf.h"
#include "domain/credentials.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "provider/twilio_rest.h"

static const char SQL_CREDENTIAL[] =
	"SELECT secret_enc FROM provider_credentials "
	"WHERE org_id = $1 AND provider = $2 AND name = $3";

const char *credential_get(struct db *db, struct arena *a, const char *org_id,
			   const char *provider, const char *name)
{
	const char *sealed = db_text(db, a, SQL_CREDENTIAL, org_id, provider, name);

	if (!sealed)
		return NULL;
	/* Sealed with the organization as associated data: a row moved to another one won't open. */
	const char *secret = crypto_open(a, conf_str("ENCRYPTION_KEY"), sealed, org_id);
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
