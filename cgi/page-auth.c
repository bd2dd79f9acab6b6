/* page-auth.c: sign up, log in and log out */
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "domain/business_kind.h"
#include "form.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "session.h"
#include "infra/tpl.h"

static const char SQL_USER_FOR_LOGIN[] =
	"SELECT user_id, org_id, password_hash, session_version, "
	"       coalesce(locked_until > now(), false), "
	"       ceil(extract(epoch FROM locked_until - now()) / 60) "
	"FROM auth_user_by_email($1)";
static const char SQL_LOGIN_FAILED[] =
	"SELECT auth_login_failed($1, $2::int, make_interval(mins => $3::int)) > now()";
static const char SQL_LOGIN_SUCCEEDED[] = "SELECT auth_login_succeeded($1)";
static const char SQL_SIGNUP[] =
	"SELECT org_id, user_id FROM signup_organization($1, $2, $3, $4)";
static const char SQL_TIMEZONE_EXISTS[] =
	"SELECT 1 FROM pg_timezone_names WHERE name = $1";
static const char SQL_END_SESSIONS[] =
	"UPDATE users SET session_version = session_version + 1 WHERE id = $1";

/* Where to go after signing in: only a local path, never another site. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strpbrk(next, "\r\n"))
		return "/";
	return next;
}

static void login_show(struct req *r, struct tpl_dict *d, int status)
{
	page_render(r, status, "Sign in", NAV_NONE, "login.tpl", d);
}

void page_login_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "NEXT", safe_next(req_query(r, "next")));
	login_show(r, d, 200);
}

void page_login(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");

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
	if (db_rows(u) != 1) {
		/* Spend the same time as a real check, so timing does not reveal who has an account. */
		crypto_password_verify("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
				       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", password);
		form_error(&f, "password", "That email and password do not match an account.");
		login_show(r, d, 422);
		return;
	}
	const char *user_id = db_value(u, 0, 0), *org_id = db_value(u, 0, 1);
	if (!strcmp(db_value(u, 0, 4), "t")) {
		form_error(&f, "password", arena_printf(r->arena,
			"Too many failed attempts. This account is locked for %s more minute(s).",
			db_value(u, 0, 5)));
		login_show(r, d, 429);
		return;
	}
	if (!crypto_password_verify(db_value(u, 0, 2), password)) {
		const char *max = arena_printf(r->arena, "%ld", conf_int("LOGIN_MAX_FAILURES"));
		const char *mins = arena_printf(r->arena, "%ld", conf_int("LOGIN_LOCK_MINUTES"));
		const char *locked = db_text(r->db, r->arena, SQL_LOGIN_FAILED, user_id, max, mins);
		log_info("login failed user=%s", user_id);
		if (locked && !strcmp(locked, "t")) {
			form_error(&f, "password", arena_printf(r->arena,
				"Too many failed attempts. This account is locked for %s minutes.", mins));
			login_show(r, d, 429);
			return;
		}
		form_error(&f, "password", "That email and password do not match an account.");
		login_show(r, d, 422);
		return;
	}
	if (db_exec(r->db, r->arena, SQL_LOGIN_SUCCEEDED, user_id) < 0 ||
	    session_start(r, user_id, org_id, strtol(db_value(u, 0, 3), NULL, 10)) < 0) {
		http_fail(r, 503, "sign-in is not available right now; please try again");
		return;
	}
	log_info("login user=%s org=%s", user_id, org_id);
	http_redirect(r, next);
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
	page_render(r, 200, "Create your account", NAV_NONE, "signup.tpl", d);
}

void page_signup(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");

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
	if (!password || strlen(password) < 10)
		form_error(&f, "password", "Use at least 10 characters");
	else if (strlen(password) > 200)
		form_error(&f, "password", "Keep it to 200 characters");
	if (form_required(&f, "timezone", timezone, "Time zone") &&
	    !db_text(r->db, r->arena, SQL_TIMEZONE_EXISTS, timezone))
		form_error(&f, "timezone", "Choose a time zone such as America/New_York");
	if (!form_ok(&f)) {
		page_render(r, 422, "Create your account", NAV_NONE, "signup.tpl", d);
		return;
	}
	const char *hash = crypto_password_hash(r->arena, password);
	struct db_result *res = hash ? db_q(r->db, r->arena, SQL_SIGNUP, business, timezone, email, hash) : NULL;
	if (!res && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION)) {
		form_error(&f, "email", "An account with this email already exists. Sign in instead.");
		page_render(r, 422, "Create your account", NAV_NONE, "signup.tpl", d);
		return;
	}
	if (!res || db_rows(res) != 1 || session_start(r, db_value(res, 0, 1), db_value(res, 0, 0), 1) < 0) {
		http_fail(r, 503, "the account could not be created; please try again");
		return;
	}
	log_info("signup org=%s user=%s", db_value(res, 0, 0), db_value(res, 0, 1));
	/* The account stands without its starter services; the owner can add them by hand. */
	if (business_kind_seed(r->db, r->arena, db_value(res, 0, 0), kind) < 0)
		log_warn("signup org=%s: the %s services were not added", db_value(res, 0, 0), kind);
	page_flash(r, "ok", "Welcome to Switchboard. Your receptionist is ready to set up.");
	http_redirect(r, "/");
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
