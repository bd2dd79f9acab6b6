/* credentials.h: an organization's provider secrets (sealed in provider_credentials), opened for
 * the code that talks to the provider */
#ifndef SB_CREDENTIALS_H
#define SB_CREDENTIALS_H

#include <stdbool.h>

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

#endif
