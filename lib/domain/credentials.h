/* credentials.h: an organization's provider secrets (sealed in provider_credentials), opened for
 * the code that talks to the provider */
#ifndef SB_CREDENTIALS_H
#define SB_CREDENTIALS_H

#include <stdbool.h>

struct arena;
struct db;
struct twilio_account;

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
