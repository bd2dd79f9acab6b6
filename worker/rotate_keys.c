/* rotate_keys.c: switchboard-rotate-keys: re-seals every stored provider secret and calendar token
 * with the current ENCRYPTION_KEY, so the keys in ENCRYPTION_KEYS_OLD can then be removed */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "domain/credentials.h"
#include "infra/db.h"
#include "infra/log.h"

static const char SQL_ORGS[] = "SELECT org FROM provider_credential_orgs() AS org";
/* FOR UPDATE: a secret saved from the settings page meanwhile is not overwritten with an old
 * value; it waits, then is read as saved. */
static const char SQL_SECRETS[] =
	"SELECT id, provider, name, secret_enc FROM provider_credentials WHERE org_id = $1 "
	"ORDER BY provider, name FOR UPDATE";
static const char SQL_RESEAL[] = "UPDATE provider_credentials SET secret_enc = $2 WHERE id = $1";

/* A business's Google Calendar tokens (023), sealed under provider "google" and their names. */
static const char SQL_CALENDAR_TOKENS[] =
	"SELECT id, 'access_token', encode(access_token_enc, 'hex') FROM calendar_connections "
	"WHERE org_id = $1 AND access_token_enc IS NOT NULL "
	"UNION ALL SELECT id, 'refresh_token', encode(refresh_token_enc, 'hex') "
	"FROM calendar_connections WHERE org_id = $1 AND refresh_token_enc IS NOT NULL";
static const char SQL_CALENDAR_LOCK[] =
	"SELECT 1 FROM calendar_connections WHERE org_id = $1 FOR UPDATE";
static const char SQL_RESEAL_ACCESS[] =
	"UPDATE calendar_connections SET access_token_enc = $2::bytea WHERE id = $1";
static const char SQL_RESEAL_REFRESH[] =
	"UPDATE calendar_connections SET refresh_token_enc = $2::bytea WHERE id = $1";

struct tally {
	long resealed, current, unopened;
};

/* Re-seal one organization's secrets in one transaction. Returns 0 or -1. */
static int rotate_org(struct db *db, struct arena *a, const char *org, struct tally *t)
{
	if (db_begin_org(db, a, org) < 0)
		return -1;
	struct db_result *res = db_q(db, a, SQL_SECRETS, org);
	if (!res)
		goto fail;
	for (int i = 0; i < db_rows(res); i++) {
		const char *id = db_value(res, i, 0), *provider = db_value(res, i, 1);
		const char *name = db_value(res, i, 2);
		bool current;
		const char *secret = credential_open(a, org, provider, name, db_value(res, i, 3),
						     &current);
		if (!secret) {
			/* Left as it is: its key may be missing from ENCRYPTION_KEYS_OLD. */
			log_error("could not open a stored secret: org=%s provider=%s name=%s", org,
				  provider, name);
			t->unopened++;
			continue;
		}
		if (current) {
			t->current++;
			continue;
		}
		const char *sealed = credential_seal(a, org, provider, name, secret);
		if (!sealed || db_exec(db, a, SQL_RESEAL, id, sealed) != 1)
			goto fail;
		t->resealed++;
	}
	if (!db_q(db, a, SQL_CALENDAR_LOCK, org) || !(res = db_q(db, a, SQL_CALENDAR_TOKENS, org)))
		goto fail;
	for (int i = 0; i < db_rows(res); i++) {
		const char *id = db_value(res, i, 0), *name = db_value(res, i, 1);
		bool current;
		const char *sealed = arena_printf(a, "\\x%s", db_value(res, i, 2));
		const char *token = credential_open(a, org, "google", name, sealed, &current);
		if (!token) {
			log_error("could not open a stored calendar token: org=%s name=%s", org,
				  name);
			t->unopened++;
			continue;
		}
		if (current) {
			t->current++;
			continue;
		}
		sealed = credential_seal(a, org, "google", name, token);
		if (!sealed || db_exec(db, a, strcmp(name, "access_token") ? SQL_RESEAL_REFRESH :
				       SQL_RESEAL_ACCESS, id, sealed) != 1)
			goto fail;
		t->resealed++;
	}
	return db_commit(db);
fail:
	if (db_in_transaction(db))
		db_rollback(db);
	return -1;
}

int main(int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: switchboard-rotate-keys [config file]\n"
				"Re-seals every provider secret with ENCRYPTION_KEY, opening each "
				"with it or one of ENCRYPTION_KEYS_OLD.\nExits 0 when every secret "
				"is sealed with the current key.\n");
		return 2;
	}
	if (conf_load(CONF_JOBS, argc > 1 ? argv[1] : NULL) < 0)
		return 1;
	log_init("rotate-keys", log_level_parse(conf_str("LOG_LEVEL")));

	struct arena *a = arena_new();
	struct tally t = { 0 };
	int rc = 1;
	const char *id = crypto_key_id(a, conf_str("ENCRYPTION_KEY"));
	struct db *db = NULL;
	if (!id) {
		fprintf(stderr, "switchboard-rotate-keys: ENCRYPTION_KEY must be 64 hex digits\n");
		goto out;
	}
	db = db_open(conf_str("DATABASE_URL"));
	struct db_result *orgs = db_q(db, a, SQL_ORGS);
	if (!orgs) {
		fprintf(stderr, "switchboard-rotate-keys: could not list the stored secrets\n");
		goto out;
	}
	for (int i = 0; i < db_rows(orgs); i++) {
		if (rotate_org(db, a, db_value(orgs, i, 0), &t) < 0) {
			fprintf(stderr, "switchboard-rotate-keys: could not re-seal the secrets of "
					"organization %s\n", db_value(orgs, i, 0));
			goto out;
		}
	}
	rc = t.unopened ? 1 : 0;
out:
	printf("key=%s resealed=%ld current=%ld unopened=%ld\n", id ? id : "-", t.resealed,
	       t.current, t.unopened);
	log_info("key rotation finished key=%s resealed=%ld current=%ld unopened=%ld",
		 id ? id : "-", t.resealed, t.current, t.unopened);
	if (db)
		db_close(db);
	arena_free(a);
	return rc;
}
