/* page-reset.c: a forgotten password reset through an emailed link, and the link that verifies
 * an email address (its page's button does: opening a link changes nothing) */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "domain/account.h"
#include "form.h"
#include "guest.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"

static const char SQL_USER_BY_EMAIL[] =
	"SELECT user_id, org_id FROM auth_user_by_email($1)";
/* Reset requests are slowed as failed sign-ins are (sql/015), counted under keys of their own. */
static const char SQL_RESET_ATTEMPT[] =
	"SELECT sign_in_attempt('password-reset:' || $1, 'password-reset:' || $2, NULL, "
	"                       $3::int, $4::int)";

/* What every reset request is told, whether the email has an account or not. */
#define RESET_SENT "If an account uses that email, we have sent it a link to choose a new " \
	"password. The link works once, for an hour. Check your inbox (and spam folder)."
/*
 * Every request takes at least this long, account or not: queueing the email costs a few
 * statements that an unknown address does not, and the answer's timing must not tell.
 */
#define RESET_MIN_MS 250

static void forgot_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "password reset is not available right now; please try again",
			"Reset your password", "forgot.tpl");
}

void page_forgot_form(struct req *r)
{
	forgot_show(r, page_dict(r), 200);
}

static double ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1000.0 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Wait until RESET_MIN_MS have passed since start. */
static void pad_to_minimum(const struct timespec *start)
{
	double left = RESET_MIN_MS - ms_since(start);

	if (left <= 0)
		return;
	struct timespec wait = { .tv_sec = (time_t)(left / 1000),
				 .tv_nsec = (long)((left - (double)(long)(left / 1000) * 1000) * 1e6) };
	while (nanosleep(&wait, &wait) != 0)
		;
}

/* Queue the reset link for the account found, in a transaction of its business. 0 or -1. */
static int forgot_send(struct req *r, struct db_result *u, const char *email)
{
	const char *user_id = db_value(u, 0, 0), *org_id = db_value(u, 0, 1);

	if (db_begin_org(r->db, r->arena, org_id) < 0)
		return -1;
	if (account_link_send(r->db, r->arena, org_id, user_id, email, ACCOUNT_LINK_RESET) < 0 ||
	    db_commit(r->db) < 0) {
		db_rollback(r->db);
		return -1;
	}
	return 0;
}

void page_forgot(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	if (guest_check_form(r) < 0)
		return;
	form_begin(&f, r, d);
	const char *email = form_text(&f, "email");
	if (form_required(&f, "email", email, "Email"))
		form_email(&f, "email", email);
	if (!form_ok(&f)) {
		forgot_show(r, d, 422);
		return;
	}
	const char *limit = arena_printf(r->arena, "%ld", conf_int("LOGIN_MAX_FAILURES"));
	const char *cap = arena_printf(r->arena, "%ld", conf_int("LOGIN_LOCK_MINUTES") * 60);
	/* Keyed by the email as typed, account or not, so the slowing down tells nothing either. */
	const char *wait = db_text(r->db, r->arena, SQL_RESET_ATTEMPT, email, guest_address(r),
				   limit, cap);
	struct db_result *u = wait ? db_q(r->db, r->arena, SQL_USER_BY_EMAIL, email) : NULL;
	if (!u) {
		http_fail(r, 503, "password reset is not available right now; please try again");
		return;
	}
	if (strcmp(wait, "0")) {
		long seconds = strtol(wait, NULL, 10);
		form_error(&f, "email", arena_printf(r->arena, "Too many reset requests. Wait %ld "
			   "second%s, then try again.", seconds, seconds == 1 ? "" : "s"));
		forgot_show(r, d, 429);
		http_header(r, "Retry-After", wait);
		return;
	}
	if (db_rows(u) == 1 && forgot_send(r, u, email) < 0) {
		/* Said as for any other address: a failure here must not tell that it exists. */
		log_error("could not queue a password reset user=%s", db_value(u, 0, 0));
	} else if (db_rows(u) != 1) {
		log_info("password reset asked for an address with no account");
	}
	pad_to_minimum(&start);
	page_flash(r, "ok", RESET_SENT);
	http_redirect(r, "/login");
}

/* Show why a reset link cannot be used instead of its form. */
static void reset_refuse(struct req *r, struct tpl_dict *d, int status, const char *heading,
			 const char *message)
{
	guest_link_refuse(r, d, status, heading, message, "reset.tpl");
}

/* The link of the path, shown as its form into d: true, or false with the problem shown. */
static bool reset_load(struct req *r, struct tpl_dict *d)
{
	const char *email = NULL;
	const char *state = account_link_state(r->db, r->arena, ACCOUNT_LINK_RESET, r->path_id,
					       &email);

	if (!state) {
		http_fail(r, 503, "password reset is not available right now; please try again");
		return false;
	}
	if (!strcmp(state, "unknown")) {
		reset_refuse(r, d, 404, "Reset link not valid",
			     "This reset link is not valid. Check that you copied the whole link, "
			     "or ask for a new one.");
		return false;
	}
	if (!strcmp(state, "used")) {
		reset_refuse(r, d, 410, "Reset link already used",
			     "This reset link was used already, or a newer one was sent. Each link "
			     "works once.");
		return false;
	}
	if (strcmp(state, "open")) {
		reset_refuse(r, d, 410, "Reset link expired",
			     "This reset link has expired: a link works for an hour. Ask for a new "
			     "one.");
		return false;
	}
	tpl_set(d, "EMAIL", email);
	tpl_set(d, "TOKEN", r->path_id);
	tpl_show(d, "RESET");
	return true;
}

static void reset_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "password reset is not available right now; please try again",
			"Choose a new password", "reset.tpl");
}

void page_reset_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	if (reset_load(r, d))
		reset_show(r, d, 200);
}

void page_reset(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");
	const char *confirm = req_form(r, "password_confirm");
	const char *org_id, *user_id;

	if (guest_check_form(r) < 0 || !reset_load(r, d))
		return;
	form_begin(&f, r, d);
	form_new_password(&f, "password", password, "password_confirm", confirm);
	if (!form_ok(&f)) {
		reset_show(r, d, 422);
		return;
	}
	const char *hash = crypto_password_hash(r->arena, password);
	int rc = hash ? account_reset_use(r->db, r->arena, r->path_id, hash, &org_id, &user_id) : -1;
	if (rc < 0) {
		http_fail(r, 503, "the password could not be changed; please try again");
		return;
	}
	if (rc == 0) {
		/* Someone used the link between the check above and now. */
		reset_refuse(r, page_dict(r), 410, "Reset link already used",
			     "This reset link was used already. Each link works once.");
		return;
	}
	log_info("password reset org=%s user=%s", org_id, user_id);
	/* No session here: a user with two-factor sign-in still gives the code. */
	page_flash(r, "ok", "Your password was changed and every session of your account was "
		   "signed out. Sign in with the new password.");
	http_redirect(r, "/login");
}

/* What a verification link's page says when the link cannot be used. */
static void verify_refuse(struct req *r, struct tpl_dict *d, int status, const char *state)
{
	struct tpl_dict *problem = tpl_section(d, "PROBLEM");
	const char *heading = !strcmp(state, "unknown") ? "Verification link not valid" :
			      !strcmp(state, "used") ? "Verification link already used" :
			      "Verification link expired";
	const char *message = !strcmp(state, "unknown") ?
		"This verification link is not valid. Check that you copied the whole link, or "
		"sign in and send a new one from the banner." :
		!strcmp(state, "used") ?
		"This verification link was used already, or a newer one was sent. Each link works "
		"once; if your email is not verified yet, sign in and send a new one." :
		"This verification link has expired: a link works for 48 hours. Sign in and send a "
		"new one from the banner.";

	tpl_set(problem, "HEADING", heading);
	tpl_set(problem, "MESSAGE", message);
	page_render(r, status, heading, NAV_NONE, "verify_email.tpl", d);
}

/*
 * Opening the emailed link only shows a button: mail scanners fetch every link of a message,
 * and a GET that verified would let them confirm an address nobody read. The POST verifies.
 */
void page_verify_email_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	const char *email = NULL;
	const char *state = account_link_state(r->db, r->arena, ACCOUNT_LINK_VERIFY, r->path_id,
					       &email);

	if (!state) {
		http_fail(r, 503, "the email could not be verified; please try again");
		return;
	}
	if (strcmp(state, "open")) {
		verify_refuse(r, d, !strcmp(state, "unknown") ? 404 : 410, state);
		return;
	}
	tpl_set(d, "EMAIL", email);
	tpl_set(d, "TOKEN", r->path_id);
	tpl_show(d, "VERIFY");
	guest_form_show(r, d, 200, "the email could not be verified; please try again",
			"Confirm your email", "verify_email.tpl");
}

/* A token as the link carries it: 64 lowercase hex digits. */
static bool token_ok(const char *token)
{
	return token && strlen(token) == 64 && strspn(token, "0123456789abcdef") == 64;
}

void page_verify_email(struct req *r)
{
	const char *token = req_form(r, "token");

	if (guest_check_form(r) < 0)
		return;
	if (!token_ok(token)) {
		http_fail(r, 400, "this verification form is not complete; open the link from the "
			  "email again");
		return;
	}
	int rc = account_verify_use(r->db, r->arena, token);
	if (rc < 0) {
		http_fail(r, 503, "the email could not be verified; please try again");
		return;
	}
	if (rc == 0) {
		page_flash(r, "error", "That verification link is not valid: it was used already, "
			   "has expired, or a newer one was sent. Sign in and send a new one from "
			   "the banner.");
	} else {
		page_flash(r, "ok", "Your email is verified. You can now connect a phone line.");
	}
	http_redirect(r, "/");
}
