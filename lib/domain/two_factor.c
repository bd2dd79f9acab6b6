/* two_factor.c: TOTP secrets sealed at rest, codes good once, single-use recovery codes */
#include "domain/two_factor.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/totp.h"

/* The sealed secret is bound to the business and the user under this name. */
#define SEAL_PROVIDER "two-factor"

static const char SQL_ENABLED[] =
	"SELECT enabled_at IS NOT NULL FROM two_factor WHERE user_id = $1";
static const char SQL_SECRET[] =
	"SELECT secret_enc, enabled_at IS NOT NULL FROM two_factor WHERE user_id = $1";
/* A new enrolment replaces an unfinished one, never a finished one. */
static const char SQL_ENROL_START[] =
	"INSERT INTO two_factor (org_id, user_id, secret_enc) VALUES ($1, $2, $3::bytea) "
	"ON CONFLICT (org_id, user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, "
	"  created_at = now() WHERE two_factor.enabled_at IS NULL";
static const char SQL_ENROL_FINISH[] =
	"UPDATE two_factor SET enabled_at = now(), last_step = $2::bigint "
	"WHERE user_id = $1 AND enabled_at IS NULL";
/* Taking the step is the check against replay: a second use of a code's step changes no row,
 * even when two sign-ins race with the same code. */
static const char SQL_TAKE_STEP[] =
	"UPDATE two_factor SET last_step = $2::bigint "
	"WHERE user_id = $1 AND enabled_at IS NOT NULL "
	"  AND (last_step IS NULL OR last_step < $2::bigint)";
static const char SQL_RECOVERY_USE[] =
	"UPDATE two_factor_recovery SET used_at = now() "
	"WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL "
	"  AND EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = $1 AND t.enabled_at IS NOT NULL)";
static const char SQL_RECOVERY_CLEAR[] = "DELETE FROM two_factor_recovery WHERE user_id = $1";
static const char SQL_RECOVERY_ADD[] =
	"INSERT INTO two_factor_recovery (org_id, user_id, code_hash) VALUES ($1, $2, $3)";
static const char SQL_RECOVERY_LEFT[] =
	"SELECT count(*) FROM two_factor_recovery WHERE user_id = $1 AND used_at IS NULL";
static const char SQL_RESEAL[] = "UPDATE two_factor SET secret_enc = $2::bytea WHERE user_id = $1";
static const char SQL_DISABLE[] = "DELETE FROM two_factor WHERE user_id = $1";

int two_factor_enabled(struct db *db, struct arena *a, const char *user_id)
{
	struct db_result *res = db_q(db, a, SQL_ENABLED, user_id);

	if (!res)
		return -1;
	return db_rows(res) == 1 && !strcmp(db_value(res, 0, 0), "t");
}

/* The stored secret of user_id (base32, arena) and whether it is on; NULL when none or
 * unreadable (another key, or moved from another row). */
static const char *secret_load(struct db *db, struct arena *a, const char *org_id,
			       const char *user_id, bool *enabled, bool *error)
{
	struct db_result *res = db_q(db, a, SQL_SECRET, user_id);

	*error = !res;
	if (!res || db_rows(res) != 1)
		return NULL;
	*enabled = !strcmp(db_value(res, 0, 1), "t");
	bool current = true;
	const char *secret = credential_open(a, org_id, SEAL_PROVIDER, user_id, db_value(res, 0, 0),
					     &current);
	if (!secret) {
		log_error("could not open the two-factor secret of user=%s", user_id);
		return NULL;
	}
	/*
	 * Sealed with a key of ENCRYPTION_KEYS_OLD: sealed again with the current key at this use,
	 * as a password hash is strengthened at sign-in. The use goes on if that fails.
	 */
	if (!current) {
		const char *sealed = credential_seal(a, org_id, SEAL_PROVIDER, user_id, secret);
		if (!sealed || db_exec(db, a, SQL_RESEAL, user_id, sealed) != 1)
			log_warn("could not re-seal the two-factor secret of user=%s", user_id);
	}
	return secret;
}

const char *two_factor_enrol_secret(struct db *db, struct arena *a, const char *org_id,
				    const char *user_id)
{
	bool enabled = false, error = false;
	const char *secret = secret_load(db, a, org_id, user_id, &enabled, &error);

	if (error || enabled)
		return NULL;
	if (secret)
		return secret;
	secret = totp_secret_new(a);
	const char *sealed = secret ? credential_seal(a, org_id, SEAL_PROVIDER, user_id, secret) :
				      NULL;
	if (!sealed) {
		log_error("could not seal a two-factor secret (is ENCRYPTION_KEY set?)");
		return NULL;
	}
	if (db_exec(db, a, SQL_ENROL_START, org_id, user_id, sealed) != 1)
		return NULL;
	return secret;
}

/* A recovery code as the user may type it: lower case, without spaces or dashes (arena). */
static const char *recovery_normal(struct arena *a, const char *code)
{
	char *out = arena_alloc(a, strlen(code) + 1);
	size_t n = 0;

	for (const char *p = code; *p; p++)
		if (*p != '-' && *p != ' ')
			out[n++] = (char)tolower((unsigned char)*p);
	out[n] = '\0';
	return out;
}

int two_factor_recovery_renew(struct db *db, struct arena *a, const char *org_id,
			      const char *user_id, const char *codes[TWO_FACTOR_RECOVERY_CODES])
{
	/* 50 bits each, in 32 letters and digits that cannot be misread (no l, o, 0 or 1). */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

	if (db_exec(db, a, SQL_RECOVERY_CLEAR, user_id) < 0)
		return -1;
	for (int i = 0; i < TWO_FACTOR_RECOVERY_CODES; i++) {
		unsigned char raw[10];
		char code[12];
		if (crypto_random(raw, sizeof(raw)) < 0)
			return -1;
		for (int j = 0, k = 0; j < 10; j++) {
			if (j == 5)
				code[k++] = '-';
			code[k++] = alphabet[raw[j] & 31];
		}
		code[11] = '\0';
		codes[i] = arena_strdup(a, code);
		const char *hash = crypto_sha256_hex(a, recovery_normal(a, code));
		if (!hash || db_exec(db, a, SQL_RECOVERY_ADD, org_id, user_id, hash) != 1)
			return -1;
	}
	return 0;
}

int two_factor_enrol_finish(struct db *db, struct arena *a, const char *org_id,
			    const char *user_id, const char *code, time_t now,
			    const char *codes[TWO_FACTOR_RECOVERY_CODES])
{
	bool enabled = false, error = false;
	const char *secret = secret_load(db, a, org_id, user_id, &enabled, &error);
	int64_t step;

	if (error || enabled)
		return -1;
	/* No enrolment begun (the form was not shown): no code can be right yet. */
	if (!secret)
		return 0;
	int ok = totp_check(secret, code, now, TWO_FACTOR_WINDOW, &step);
	if (ok <= 0)
		return ok;
	if (db_exec(db, a, SQL_ENROL_FINISH, user_id, arena_printf(a, "%" PRId64, step)) != 1 ||
	    two_factor_recovery_renew(db, a, org_id, user_id, codes) < 0)
		return -1;
	log_info("two-factor on user=%s", user_id);
	return 1;
}

int two_factor_check(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		     const char *code, time_t now, bool *recovery)
{
	bool enabled = false, error = false, is_recovery = false;
	int64_t step;
	long changed;

	if (!code)
		return 0;
	const char *secret = secret_load(db, a, org_id, user_id, &enabled, &error);
	if (error)
		return -1;
	if (!secret || !enabled)
		return 0;
	int ok = totp_check(secret, code, now, TWO_FACTOR_WINDOW, &step);
	if (ok < 0)
		return -1;
	if (ok) {
		changed = db_exec(db, a, SQL_TAKE_STEP, user_id, arena_printf(a, "%" PRId64, step));
	} else {
		const char *typed = recovery_normal(a, code);
		if (strlen(typed) != 10)
			return 0;
		is_recovery = true;
		changed = db_exec(db, a, SQL_RECOVERY_USE, user_id, crypto_sha256_hex(a, typed));
	}
	if (changed < 0)
		return -1;
	if (recovery)
		*recovery = is_recovery;
	if (changed == 0)
		log_info("two-factor code refused (%s) user=%s",
			 is_recovery ? "recovery code unknown or used" : "used before", user_id);
	return changed == 1 ? 1 : 0;
}

int two_factor_recovery_left(struct db *db, struct arena *a, const char *user_id)
{
	long n;

	if (db_long(db, a, &n, SQL_RECOVERY_LEFT, user_id) != 0)
		return -1;
	return (int)n;
}

int two_factor_disable(struct db *db, struct arena *a, const char *user_id)
{
	if (db_exec(db, a, SQL_RECOVERY_CLEAR, user_id) < 0 ||
	    db_exec(db, a, SQL_DISABLE, user_id) < 0)
		return -1;
	log_info("two-factor off user=%s", user_id);
	return 0;
}
