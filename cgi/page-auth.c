/* page-auth.c: sign up, sign in (the password, then the code of two-factor sign-in) and out */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "domain/account.h"
#include "domain/business_kind.h"
#include "domain/two_factor.h"
#include "form.h"
#include "guest.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "session.h"
#include "infra/tpl.h"
#include "infra/webclient.h"

static const char SQL_USER_FOR_LOGIN[] =
	"SELECT user_id, org_id, password_hash, session_version FROM auth_user_by_email($1)";
/* The seconds to wait before this try may be checked; 0 counts it and lets it through. */
static const char SQL_SIGN_IN_ATTEMPT[] =
	"SELECT sign_in_attempt($1, $2, $3, $4::int, $5::int)";
static const char SQL_SIGN_IN_FAILED[] = "SELECT sign_in_failed($1, $2, $3, $4::int)";
static const char SQL_SIGN_IN_SUCCEEDED[] = "SELECT sign_in_succeeded($1, $2, $3, $4::int)";
static const char SQL_LOGIN_SUCCEEDED[] = "SELECT auth_login_succeeded($1)";
static const char SQL_PASSWORD_REHASH[] = "SELECT auth_password_rehash($1, $2, $3)";
static const char SQL_SIGNUP[] =
	"SELECT org_id, user_id FROM signup_organization($1, $2, $3, $4)";
static const char SQL_TIMEZONE_EXISTS[] =
	"SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_END_SESSIONS[] =
	"UPDATE users SET session_version = session_version + 1 WHERE id = $1";
/* The user a pending two-factor sign-in names, under the business's row-level security. */
static const char SQL_PENDING_USER[] = "SELECT session_version FROM users WHERE id = $1";

/* Guesses at a code are throttled as passwords are, under keys of their own (the user, the
 * address), so that they neither spend nor share the password's allowance. */
#define CODE_THROTTLE_KEY "two-factor:"

/* Every wrong email or password gets this same answer, so it tells nobody who has an account. */
#define LOGIN_MISMATCH "That email and password do not match an account."
/*
 * What a finished sign-up says, whether it made an account or the email already had one:
 * the answer must not tell which. The second sentence is true in both cases.
 */
#define SIGNUP_DONE "Your sign-up is complete: sign in with your email and password. If that " \
	"email already had a Switchboard account, nothing was changed and its own password applies."

/*
 * Where to go after signing in: only a local path, never another site. Browsers drop tabs and
 * newlines from a URL and read a backslash as a slash, so "/\t/evil.example" or "/\\evil"
 * would become "//evil.example": any control character or backslash refuses the whole path.
 */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || strlen(next) > 512)
		return "/";
	for (const unsigned char *c = (const unsigned char *)next; *c; c++)
		if (*c < 0x20 || *c == 0x7f || *c == '\\')
			return "/";
	return next;
}

static void login_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "sign-in is not available right now; please try again",
			"Sign in", "login.tpl");
}

void page_login_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "NEXT", safe_next(req_query(r, "next")));
	login_show(r, d, 200);
}

/* Too many failures: 429 with Retry-After, the password never looked at. */
static void login_throttled(struct req *r, struct tpl_dict *d, struct form *f, const char *wait)
{
	long seconds = strtol(wait, NULL, 10);

	form_error(f, "password", arena_printf(r->arena,
		"Too many failed sign-ins. Wait %ld second%s, then try again. Your password was not "
		"checked.", seconds, seconds == 1 ? "" : "s"));
	login_show(r, d, 429);
	http_header(r, "Retry-After", wait);
}

/* The session begins: the sign-in is noted, the cookie set, the browser remembered. */
static int session_begin(struct req *r, const char *user_id, const char *org_id, long version)
{
	if (db_exec(r->db, r->arena, SQL_LOGIN_SUCCEEDED, user_id) < 0 ||
	    session_start(r, user_id, org_id, version) < 0 ||
	    guest_remember_device(r, user_id) < 0)
		return -1;
	log_info("login user=%s org=%s", user_id, org_id);
	return 0;
}

/*
 * The right password: forgive the failures and strengthen an old hash; then the session
 * begins, or, for a user with two-factor sign-in, the pending state that asks for the code
 * (*pending set). Returns 0 or -1.
 */
static int login_finish(struct req *r, struct db_result *u, const char *email, const char *device,
			const char *password, const char *limit, bool *pending)
{
	const char *user_id = db_value(u, 0, 0), *org_id = db_value(u, 0, 1);
	const char *stored = db_value(u, 0, 2);
	long version = strtol(db_value(u, 0, 3), NULL, 10);

	if (db_exec(r->db, r->arena, SQL_SIGN_IN_SUCCEEDED, email, guest_address(r), device,
		    limit) < 0)
		return -1;
	if (crypto_password_needs_rehash(stored)) {
		const char *hash = crypto_password_hash(r->arena, password);
		/* A sign-in still works when this fails; the next one tries again. */
		if (hash && db_exec(r->db, r->arena, SQL_PASSWORD_REHASH, user_id, stored, hash) < 0)
			log_warn("could not re-hash a password user=%s", user_id);
		else if (hash)
			log_info("password re-hashed user=%s", user_id);
	}
	if (db_begin_org(r->db, r->arena, org_id) < 0)
		return -1;
	int on = two_factor_enabled(r->db, r->arena, user_id);
	if (on < 0)
		return -1;
	*pending = on == 1;
	if (*pending) {
		log_info("login password accepted, code next user=%s", user_id);
		return guest_pending_start(r, user_id, org_id, version);
	}
	return session_begin(r, user_id, org_id, version);
}

void page_login(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");

	if (guest_check_form(r) < 0)
		return;
	form_begin(&f, r, d);
	const char *email = form_text(&f, "email");
	const char *next = safe_next(req_form(r, "next"));
	tpl_set(d, "NEXT", next);
	form_required(&f, "email", email, "Email");
	if (!password || !*password)
		form_error(&f, "password", "Password is required");
	if (!form_ok(&f)) {
		login_show(r, d, 422);
		return;
	}
	struct db_result *u = db_q(r->db, r->arena, SQL_USER_FOR_LOGIN, email);
	if (!u) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	bool found = db_rows(u) == 1;
	/* Only this user's own browser is a known device; it is throttled apart from the rest. */
	const char *device = found ? guest_known_device(r, db_value(u, 0, 0)) : NULL;
	const char *limit = arena_printf(r->arena, "%ld", conf_int("LOGIN_MAX_FAILURES"));
	const char *cap = arena_printf(r->arena, "%ld", conf_int("LOGIN_LOCK_MINUTES") * 60);
	/* Keyed by the email as typed, account or not, so the slowing down tells nothing either. */
	const char *wait = db_text(r->db, r->arena, SQL_SIGN_IN_ATTEMPT, email, guest_address(r),
				   device, limit, cap);
	if (!wait) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	if (strcmp(wait, "0")) {
		login_throttled(r, d, &f, wait);
		return;
	}
	/*
	 * Spend at least the time of a check against a current hash, account or not: an unknown
	 * email and an account whose hash predates the current cost must not answer faster.
	 */
	bool ok = found && crypto_password_verify(db_value(u, 0, 2), password);
	if (!found || crypto_password_needs_rehash(db_value(u, 0, 2)))
		crypto_password_spend(password);
	if (!ok) {
		/* The attempt is already counted; a failure here only makes the next wait shorter. */
		(void)db_exec(r->db, r->arena, SQL_SIGN_IN_FAILED, email, guest_address(r), device,
			      limit);
		log_info("login failed%s%s", found ? " user=" : "", found ? db_value(u, 0, 0) : "");
		form_error(&f, "password", LOGIN_MISMATCH);
		login_show(r, d, 422);
		return;
	}
	bool pending = false;
	if (login_finish(r, u, email, device, password, limit, &pending) < 0) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	if (pending)
		http_redirect(r, arena_printf(r->arena, "/login/code?next=%s",
					      webclient_escape(r->arena, next)));
	else
		http_redirect(r, next);
}

static void code_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "sign-in is not available right now; please try again",
			"Two-factor sign-in", "login_code.tpl");
}

/* The pending state is gone (expired, forged, or finished): sign in again. */
static void code_start_over(struct req *r)
{
	guest_pending_clear(r);
	page_flash(r, "error", "That sign-in took too long. Sign in again.");
	http_redirect(r, "/login");
}

void page_login_code_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *user_id, *org_id;
	long version;

	if (guest_pending_read(r, &user_id, &org_id, &version) < 0) {
		code_start_over(r);
		return;
	}
	tpl_set(d, "NEXT", safe_next(req_query(r, "next")));
	code_show(r, d, 200);
}

/*
 * The code is right: the session begins, unless the password changed since it was given (the
 * pending state names the session version it was right for).
 */
static void code_accepted(struct req *r, const char *user_id, const char *org_id, long version,
			  bool recovery, const char *next)
{
	long now_version;

	if (db_long(r->db, r->arena, &now_version, SQL_PENDING_USER, user_id) != 0 ||
	    now_version != version) {
		db_rollback(r->db);
		code_start_over(r);
		return;
	}
	if (session_begin(r, user_id, org_id, version) < 0) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	guest_pending_clear(r);
	if (recovery) {
		int left = two_factor_recovery_left(r->db, r->arena, user_id);
		page_flash(r, "info", arena_printf(r->arena, "You signed in with a recovery code: "
			   "it cannot be used again, and %d are left. Make new ones under Account "
			   "when they run low.", left < 0 ? 0 : left));
	}
	http_redirect(r, next);
}

void page_login_code(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *user_id, *org_id;
	long version;

	if (guest_check_form(r) < 0)
		return;
	if (guest_pending_read(r, &user_id, &org_id, &version) < 0) {
		code_start_over(r);
		return;
	}
	form_begin(&f, r, d);
	const char *code = form_text(&f, "code");
	const char *next = safe_next(req_form(r, "next"));
	tpl_set(d, "NEXT", next);
	if (!form_required(&f, "code", code, "The code") || !form_max_length(&f, "code", code, 32)) {
		code_show(r, d, 422);
		return;
	}
	const char *key = arena_printf(r->arena, "%s%s", CODE_THROTTLE_KEY, user_id);
	const char *limit = arena_printf(r->arena, "%ld", conf_int("LOGIN_MAX_FAILURES"));
	const char *cap = arena_printf(r->arena, "%ld", conf_int("LOGIN_LOCK_MINUTES") * 60);
	const char *address = arena_printf(r->arena, "%s%s", CODE_THROTTLE_KEY, guest_address(r));
	const char *wait = db_text(r->db, r->arena, SQL_SIGN_IN_ATTEMPT, key, address, NULL, limit,
				   cap);
	if (!wait) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	if (strcmp(wait, "0")) {
		long seconds = strtol(wait, NULL, 10);
		form_error(&f, "code", arena_printf(r->arena, "Too many wrong codes. Wait %ld "
			   "second%s, then try again. The code was not checked.", seconds,
			   seconds == 1 ? "" : "s"));
		code_show(r, d, 429);
		http_header(r, "Retry-After", wait);
		return;
	}
	bool recovery = false;
	int ok = db_begin_org(r->db, r->arena, org_id) < 0 ? -1 :
		 two_factor_check(r->db, r->arena, org_id, user_id, code, time(NULL), &recovery);
	if (ok < 0) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	if (!ok) {
		/* The attempt stays counted; the wait runs from this answer. */
		db_rollback(r->db);
		(void)db_exec(r->db, r->arena, SQL_SIGN_IN_FAILED, key, address, NULL, limit);
		log_info("login code refused user=%s", user_id);
		form_error(&f, "code", "That code is not right, or it was used already. Enter the "
			   "newest code your app shows, or one of your recovery codes.");
		code_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SIGN_IN_SUCCEEDED, key, address, NULL, limit) < 0) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	code_accepted(r, user_id, org_id, version, recovery, next);
}

static void signup_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "sign-up is not available right now; please try again",
			"Create your account", "signup.tpl");
}

/* The kinds of business to choose from, the chosen one (NULL: none yet) selected. */
static void kinds_show(struct tpl_dict *d, const char *chosen)
{
	for (const struct business_kind *k = business_kind_all(); k->id; k++) {
		struct tpl_dict *o = tpl_section(d, "KIND_OPTION");
		tpl_set(o, "VALUE", k->id);
		tpl_set(o, "LABEL", k->label);
		if (chosen && !strcmp(chosen, k->id))
			tpl_show(o, "SELECTED");
	}
}

void page_signup_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "TIMEZONE_VALUE", "America/New_York");
	kinds_show(d, NULL);
	signup_show(r, d, 200);
}

/*
 * Email the new owner the link that verifies the address. The account stands without it: the
 * banner of every page offers to send another.
 */
static void signup_verify(struct req *r, const char *org_id, const char *user_id,
			  const char *email)
{
	if (db_begin_org(r->db, r->arena, org_id) < 0 ||
	    account_link_send(r->db, r->arena, org_id, user_id, email, ACCOUNT_LINK_VERIFY) < 0 ||
	    db_commit(r->db) < 0) {
		if (db_in_transaction(r->db))
			db_rollback(r->db);
		log_warn("signup org=%s: the verification email was not queued", org_id);
	}
}

void page_signup(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");

	if (guest_check_form(r) < 0)
		return;
	form_begin(&f, r, d);
	const char *business = form_text(&f, "business");
	const char *email = form_text(&f, "email");
	const char *timezone = form_text(&f, "timezone");
	const char *kind = req_form(r, "business_kind");
	kinds_show(d, kind);
	if (!business_kind_valid(kind))
		form_error(&f, "business_kind", "Choose the kind of business");
	if (form_required(&f, "business", business, "Business name"))
		form_max_length(&f, "business", business, 120);
	if (form_required(&f, "email", email, "Email"))
		form_email(&f, "email", email);
	form_new_password(&f, "password", password, NULL, NULL);
	if (form_required(&f, "timezone", timezone, "Time zone") &&
	    !db_text(r->db, r->arena, SQL_TIMEZONE_EXISTS, timezone))
		form_error(&f, "timezone", "Choose a time zone such as America/New_York");
	if (!form_ok(&f)) {
		signup_show(r, d, 422);
		return;
	}
	/* Hashed either way: a taken email costs the same time as a new account. */
	const char *hash = crypto_password_hash(r->arena, password);
	struct db_result *res = hash ? db_q(r->db, r->arena, SQL_SIGNUP, business, timezone, email, hash) : NULL;
	bool taken = !res && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION);
	if (!taken && (!res || db_rows(res) != 1)) {
		http_fail(r, 503, "the account could not be created; please try again");
		return;
	}
	/*
	 * A taken email creates nothing and answers exactly as a new account does: no session on
	 * either side, the same flash, the same redirect to the sign-in page.
	 */
	if (taken) {
		log_info("signup refused: the email already has an account");
	} else {
		log_info("signup org=%s user=%s", db_value(res, 0, 0), db_value(res, 0, 1));
		/* The account stands without its starter services; the owner can add them by hand. */
		if (business_kind_seed(r->db, r->arena, db_value(res, 0, 0), kind) < 0)
			log_warn("signup org=%s: the %s services were not added",
				 db_value(res, 0, 0), kind);
		signup_verify(r, db_value(res, 0, 0), db_value(res, 0, 1), email);
	}
	page_flash(r, "ok", SIGNUP_DONE);
	http_redirect(r, "/login");
}

void page_logout(struct req *r)
{
	/* Moving the session version on refuses this cookie and every copy of it. */
	if (db_exec(r->db, r->arena, SQL_END_SESSIONS, r->user_id) != 1) {
		http_fail(r, 503, "could not sign out; please try again");
		return;
	}
	session_clear_cookie(r);
	http_redirect(r, "/login");
}
