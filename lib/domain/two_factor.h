/* two_factor.h: a user's second factor: a TOTP secret sealed at rest, codes good once, and
 * single-use recovery codes */
#ifndef SB_TWO_FACTOR_H
#define SB_TWO_FACTOR_H

#include <stdbool.h>
#include <time.h>

struct arena;
struct db;

/* How many recovery codes a user gets, and their form: "xxxxx-xxxxx" of base32 letters. */
#define TWO_FACTOR_RECOVERY_CODES 10
/* Codes of one step either side of now are accepted (a phone's clock a little off). */
#define TWO_FACTOR_WINDOW 1

/* Every function below works in the transaction open on db (db_begin_org(org_id)). */

/*
 * Whether user_id has two-factor sign-in on: 1, 0, or -1 on a database error.
 */
int two_factor_enabled(struct db *db, struct arena *a, const char *user_id);

/*
 * The secret user_id is enrolling with (base32, arena): the one made earlier when enrolment
 * was begun and not finished, else a new one, stored sealed. NULL when two-factor is already
 * on, or on failure (logged).
 */
const char *two_factor_enrol_secret(struct db *db, struct arena *a, const char *org_id,
				    const char *user_id);

/*
 * Finish enrolment with a code of the enrolment secret at time now: two-factor is then on and
 * TWO_FACTOR_RECOVERY_CODES new recovery codes are written into codes (arena strings), shown
 * to the user once. Returns 1, 0 when the code is wrong, -1 on failure.
 */
int two_factor_enrol_finish(struct db *db, struct arena *a, const char *org_id,
			    const char *user_id, const char *code, time_t now,
			    const char *codes[TWO_FACTOR_RECOVERY_CODES]);

/*
 * Check a sign-in code of user_id at time now: a TOTP code of their secret (within the window,
 * and of a later step than any code accepted before: a code is good once), or one of their
 * unused recovery codes, which is then used up. *recovery (may be NULL) says which it was.
 * Returns 1 (accepted), 0 (wrong, used before, or two-factor off), -1 on failure.
 */
int two_factor_check(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		     const char *code, time_t now, bool *recovery);

/* Replace user_id's recovery codes with new ones (into codes). 0 or -1. */
int two_factor_recovery_renew(struct db *db, struct arena *a, const char *org_id,
			      const char *user_id, const char *codes[TWO_FACTOR_RECOVERY_CODES]);

/* How many unused recovery codes user_id has, or -1 on a database error. */
int two_factor_recovery_left(struct db *db, struct arena *a, const char *user_id);

/* Turn two-factor off for user_id: the secret and recovery codes are deleted. 0 or -1. */
int two_factor_disable(struct db *db, struct arena *a, const char *user_id);

#endif
