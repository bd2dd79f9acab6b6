/* account.h: the emailed single-use links of an account (password reset, email verification)
 * and the rule that a business verifies an email before it connects a phone line */
#ifndef SB_ACCOUNT_H
#define SB_ACCOUNT_H

struct arena;
struct db;

/* How long a password reset link works, and an email verification link. */
#define ACCOUNT_RESET_MINUTES 60
#define ACCOUNT_VERIFY_HOURS 48

/* What a link is for: the purposes of account_tokens (sql/026_account.sql). */
enum account_link {
	ACCOUNT_LINK_RESET,      /* /password/reset/<token> */
	ACCOUNT_LINK_VERIFY,     /* /verify-email/<token> */
};

/*
 * Make a link of kind for user_id (email, of org_id) and queue the email that carries it, in
 * the transaction open on db (db_begin_org(org_id)): nothing is sent unless it commits. An
 * earlier open link of the same kind stops working. Only the SHA-256 of the token is stored.
 * Returns 0, or -1 (logged).
 */
int account_link_send(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		      const char *email, enum account_link kind);

/*
 * The state of the link whose token (64 hex digits, from the address) is given: "open", "used"
 * or "expired" (static), with *email its address (arena); "unknown" when no such link; NULL on
 * a database error. Needs no transaction (a narrow SECURITY DEFINER look-up).
 */
const char *account_link_state(struct db *db, struct arena *a, enum account_link kind,
			       const char *token, const char **email);

/*
 * Use a reset link: set the password hash, end every session of the user, and stop every
 * reset link of theirs. Returns 1 (done, *org_id and *user_id arena-owned), 0 when the link
 * is not open (unknown, used or expired), -1 on a database error.
 */
int account_reset_use(struct db *db, struct arena *a, const char *token,
		      const char *password_hash, const char **org_id, const char **user_id);

/* Use a verification link: 1 (the email is verified), 0 when it is not open, -1 on error. */
int account_verify_use(struct db *db, struct arena *a, const char *token);

/*
 * Whether the business of the transaction open on db may connect a phone line: one of its
 * owners or admins has verified an email. Returns 1, 0 (not yet), or -1 on a database error.
 */
int account_may_connect_lines(struct db *db, struct arena *a);

/* The sentence the owner is told when account_may_connect_lines() says not yet. */
#define ACCOUNT_VERIFY_FIRST "Verify your email address before connecting a phone line: open " \
	"the link we emailed you, or send a new one from the banner at the top of the page."

#endif
