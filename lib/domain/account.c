/* account.c: an account's emailed single-use links, and the email check before a phone line */
#include "domain/account.h"

#include <stdbool.h>
#include <string.h>

#include "domain/mail.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"

/* An earlier link of the kind stops working when a new one is sent: only the newest email
 * holds a working link. */
static const char SQL_LINK_SUPERSEDE[] =
	"UPDATE account_tokens SET used_at = now() "
	"WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";
static const char SQL_LINK_INSERT[] =
	"INSERT INTO account_tokens (org_id, user_id, purpose, email, token_hash, expires_at) "
	"VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6::int))";
static const char SQL_LINK_STATE[] = "SELECT email, state FROM account_token_state($1, $2)";
static const char SQL_RESET_USE[] = "SELECT org_id, user_id FROM password_reset_use($1, $2)";
static const char SQL_VERIFY_USE[] = "SELECT user_id FROM email_verify_use($1)";
static const char SQL_MAY_CONNECT[] =
	"SELECT EXISTS (SELECT 1 FROM users WHERE role IN ('owner', 'admin') "
	"               AND email_verified_at IS NOT NULL)";

static const char *link_purpose(enum account_link kind)
{
	return kind == ACCOUNT_LINK_RESET ? "password_reset" : "verify_email";
}

/* The email's subject and text for a link of kind at url. */
static void link_mail(struct arena *a, enum account_link kind, const char *url,
		      struct mail_message *m)
{
	if (kind == ACCOUNT_LINK_RESET) {
		m->subject = "Reset your Switchboard password";
		m->text = arena_printf(a,
			"Someone asked to reset the password of the Switchboard account of this "
			"email address. To choose a new password, open this link:\n\n%s\n\n"
			"The link works once and for %d minutes. Choosing a new password signs "
			"the account out everywhere.\n\nIf you did not ask for this, ignore this "
			"email: your password stays as it is.\n", url, ACCOUNT_RESET_MINUTES);
		return;
	}
	m->subject = "Confirm your email for Switchboard";
	m->text = arena_printf(a,
		"Welcome to Switchboard. Confirm that this is your email address by opening this "
		"link:\n\n%s\n\nThe link works once and for %d hours. Until the address is "
		"confirmed, your business cannot connect a phone line.\n\nIf you did not sign up "
		"for Switchboard, ignore this email.\n", url, ACCOUNT_VERIFY_HOURS);
}

int account_link_send(struct db *db, struct arena *a, const char *org_id, const char *user_id,
		      const char *email, enum account_link kind)
{
	const char *purpose = link_purpose(kind);
	const char *token = crypto_token_hex(a, 32);
	const char *hash = token ? crypto_sha256_hex(a, token) : NULL;
	int minutes = kind == ACCOUNT_LINK_RESET ? ACCOUNT_RESET_MINUTES : ACCOUNT_VERIFY_HOURS * 60;

	if (!hash) {
		log_error("could not make an account link");
		return -1;
	}
	if (db_exec(db, a, SQL_LINK_SUPERSEDE, user_id, purpose) < 0 ||
	    db_exec(db, a, SQL_LINK_INSERT, org_id, user_id, purpose, email, hash,
		    arena_printf(a, "%d", minutes)) != 1)
		return -1;
	const char *url = arena_printf(a, "%s/%s/%s", conf_str("PUBLIC_BASE_URL"),
				       kind == ACCOUNT_LINK_RESET ? "password/reset" : "verify-email",
				       token);
	/* Sealed in the job and kept out of the notifications row, the dedupe key and every log
	 * line: only the email itself carries the token. */
	struct mail_message m = { .to = email, .purpose = purpose, .secret_link = true };
	link_mail(a, kind, url, &m);
	if (!mail_enqueue(db, a, org_id, &m, NULL)) {
		log_error("could not queue the %s email user=%s", purpose, user_id);
		return -1;
	}
	log_info("account link sent purpose=%s user=%s", purpose, user_id);
	return 0;
}

const char *account_link_state(struct db *db, struct arena *a, enum account_link kind,
			       const char *token, const char **email)
{
	const char *hash = crypto_sha256_hex(a, token);
	struct db_result *res = hash ? db_q(db, a, SQL_LINK_STATE, link_purpose(kind), hash) : NULL;

	if (!res)
		return NULL;
	if (db_rows(res) != 1)
		return "unknown";
	*email = db_value(res, 0, 0);
	const char *state = db_value(res, 0, 1);
	return !strcmp(state, "open") ? "open" : !strcmp(state, "used") ? "used" : "expired";
}

int account_reset_use(struct db *db, struct arena *a, const char *token,
		      const char *password_hash, const char **org_id, const char **user_id)
{
	const char *hash = crypto_sha256_hex(a, token);
	struct db_result *res = hash ? db_q(db, a, SQL_RESET_USE, hash, password_hash) : NULL;

	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*org_id = db_value(res, 0, 0);
	*user_id = db_value(res, 0, 1);
	return 1;
}

int account_verify_use(struct db *db, struct arena *a, const char *token)
{
	const char *hash = crypto_sha256_hex(a, token);
	struct db_result *res = hash ? db_q(db, a, SQL_VERIFY_USE, hash) : NULL;

	if (!res)
		return -1;
	return db_rows(res) == 1 ? 1 : 0;
}

int account_may_connect_lines(struct db *db, struct arena *a)
{
	const char *yes = db_text(db, a, SQL_MAY_CONNECT);

	if (!yes)
		return -1;
	return !strcmp(yes, "t") ? 1 : 0;
}
