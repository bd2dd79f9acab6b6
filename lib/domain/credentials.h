/* credentials.h: an organization's provider secrets (sealed in provider_credentials), opened for
 * the code that talks to the provider */
#ifndef SB_CREDENTIALS_H
#define SB_CREDENTIALS_H

struct arena;
struct db;

/*
 * The secret provider/name of the organization of the transaction open on db (db_begin_org),
 * opened with ENCRYPTION_KEY: arena-owned plaintext, or NULL when none is stored, when it cannot
 * be opened (another key, or a row that is not this organization's), or on a database error
 * (logged).
 */
const char *credential_get(struct db *db, struct arena *a, const char *org_id,
			   const char *provider, const char *name);

#endif
