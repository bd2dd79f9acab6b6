/* page-account.c: one's own account: the password, the email's verification, and two-factor
 * sign-in (turning it on with an authenticator app, recovery codes, turning it off) */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "domain/account.h"
#include "domain/two_factor.h"
#include "form.h"
#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/qr.h"
#include "infra/totp.h"
#include "infra/tpl.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "session.h"
#include "ui.h"

/* The name an authenticator app lists the account under. */
#define TOTP_ISSUER "Switchboard"
/* A new verification email at most this often. */
#define VERIFY_RESEND_SECONDS 60

static const char SQL_PASSWORD_HASH[] = "SELECT password_hash FROM users WHERE id = $1";
/* A new session version refuses every cookie issued before, this browser's included. */
static const char SQL_SET_PASSWORD[] =
	"UPDATE users SET password_hash = $2, session_version = session_version + 1 "
	"WHERE id = $1 RETURNING session_version";
static const char SQL_VERIFY_SENT_LATELY[] =
	"SELECT 1 FROM account_tokens WHERE user_id = $1 AND purpose = 'verify_email' "
	"  AND created_at > now() - make_interval(secs => $2::int)";
static const char SQL_REQUIRES_TWO_FACTOR[] = "SELECT require_two_factor FROM organizations";

static void account_show(struct req *r, struct tpl_dict *d, int status)
{
	int on = two_factor_enabled(r->db, r->arena, r->user_id);
	int left = on == 1 ? two_factor_recovery_left(r->db, r->arena, r->user_id) : 0;

	if (on < 0 || left < 0) {
		http_fail(r, 503, "your account could not be loaded");
		return;
	}
	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "EMAIL", r->user_email);
	tpl_set(d, "ORG_NAME", r->org_name);
	tpl_set(d, "ROLE", r->user_role);
	tpl_show(d, r->email_unverified ? "EMAIL_UNVERIFIED" : "EMAIL_VERIFIED");
	tpl_show(d, on ? "TWO_FACTOR_ON" : "TWO_FACTOR_OFF");
	tpl_set_long(d, "RECOVERY_LEFT", left);
	page_render(r, status, "Account", NAV_ACCOUNT, "account.tpl", d);
}

void page_account(struct req *r)
{
	account_show(r, page_dict(r), 200);
}

/*
 * The current password must be field name's value; else an error is put on that field.
 * Returns 1 (right), 0 (wrong, error set), -1 (answered 503).
 */
static int current_password_ok(struct req *r, struct form *f, const char *name)
{
	const char *current = req_form(r, name);

	if (!current || !*current) {
		form_error(f, name, "Enter your current password");
		return 0;
	}
	const char *stored = db_text(r->db, r->arena, SQL_PASSWORD_HASH, r->user_id);
	if (!stored) {
		http_fail(r, 503, "your account could not be changed; please try again");
		return -1;
	}
	if (!crypto_password_verify(stored, current)) {
		form_error(f, name, "That is not your current password.");
		return 0;
	}
	return 1;
}

void page_account_password(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "new_password");
	const char *confirm = req_form(r, "confirm_password");

	form_begin(&f, r, d);
	if (form_new_password(&f, "new_password", password, NULL, NULL) &&
	    (!confirm || strcmp(password, confirm)))
		form_error(&f, "confirm_password", "The two new passwords do not match");
	if (form_ok(&f) && current_password_ok(r, &f, "current_password") < 0)
		return;
	if (!form_ok(&f)) {
		account_show(r, d, 422);
		return;
	}
	const char *hash = crypto_password_hash(r->arena, password);
	long version;
	if (!hash || db_long(r->db, r->arena, &version, SQL_SET_PASSWORD, r->user_id, hash) != 0 ||
	    ui_audit(r, "account.password", r->user_id, NULL) < 0 ||
	    session_start(r, r->user_id, r->org_id, version) < 0) {
		http_fail(r, 503, "the password could not be changed; please try again");
		return;
	}
	log_info("password changed user=%s", r->user_id);
	page_flash(r, "ok", "Your password was changed. Every other session was signed out.");
	http_redirect(r, "/account");
}

void page_account_verify_resend(struct req *r)
{
	if (!r->email_unverified) {
		page_flash(r, "ok", "Your email is verified already.");
		http_redirect(r, "/account");
		return;
	}
	struct db_result *lately = db_q(r->db, r->arena, SQL_VERIFY_SENT_LATELY, r->user_id,
					arena_printf(r->arena, "%d", VERIFY_RESEND_SECONDS));
	if (!lately) {
		http_fail(r, 503, "the email could not be sent; please try again");
		return;
	}
	if (db_rows(lately) > 0) {
		page_flash(r, "info", "We sent you a link less than a minute ago. Give it a moment "
			   "to arrive, and check your spam folder.");
		http_redirect(r, "/account");
		return;
	}
	if (account_link_send(r->db, r->arena, r->org_id, r->user_id, r->user_email,
			      ACCOUNT_LINK_VERIFY) < 0) {
		http_fail(r, 503, "the email could not be sent; please try again");
		return;
	}
	page_flash(r, "ok", "We sent a new link to your email. Earlier links no longer work.");
	http_redirect(r, "/account");
}

/* The secret in groups of four, as people copy it into an app by hand (arena). */
static const char *secret_grouped(struct arena *a, const char *secret)
{
	size_t len = strlen(secret);
	char *out = arena_alloc(a, len + len / 4 + 1);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (i && i % 4 == 0)
			out[n++] = ' ';
		out[n++] = secret[i];
	}
	out[n] = '\0';
	return out;
}

static void enrol_show(struct req *r, struct tpl_dict *d, int status, const char *secret)
{
	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "SECRET", secret_grouped(r->arena, secret));
	tpl_set(d, "URI", totp_uri(r->arena, TOTP_ISSUER, r->user_email, secret));
	if (r->needs_two_factor)
		tpl_show(d, "REQUIRED");
	page_render(r, status, "Turn on two-factor sign-in", NAV_ACCOUNT, "two_factor_setup.tpl", d);
}

void page_two_factor_form(struct req *r)
{
	int on = two_factor_enabled(r->db, r->arena, r->user_id);

	if (on < 0) {
		http_fail(r, 503, "two-factor sign-in is not available right now");
		return;
	}
	if (on) {
		page_flash(r, "info", "Two-factor sign-in is already on.");
		http_redirect(r, "/account");
		return;
	}
	const char *secret = two_factor_enrol_secret(r->db, r->arena, r->org_id, r->user_id);
	if (!secret) {
		http_fail(r, 503, "two-factor sign-in is not available right now");
		return;
	}
	enrol_show(r, page_dict(r), 200, secret);
}

void page_two_factor_qr(struct req *r)
{
	int on = two_factor_enabled(r->db, r->arena, r->user_id);
	const char *secret = on == 0 ? two_factor_enrol_secret(r->db, r->arena, r->org_id,
								r->user_id) : NULL;

	if (on > 0) {
		http_fail(r, 404, "two-factor sign-in is already on: there is nothing to scan");
		return;
	}
	const char *svg = secret ? qr_svg(r->arena, totp_uri(r->arena, TOTP_ISSUER,
							     r->user_email, secret)) : NULL;
	if (!svg) {
		http_fail(r, 503, "two-factor sign-in is not available right now");
		return;
	}
	/* The picture is the secret: like every signed-in answer it goes out no-store. */
	http_send(r, 200, "image/svg+xml", svg, strlen(svg));
}

/* The recovery codes, shown once, on a page of their own. */
static void codes_show(struct req *r, const char *heading, const char *codes[])
{
	struct tpl_dict *d = page_dict(r);

	tpl_set(d, "HEADING", heading);
	for (int i = 0; i < TWO_FACTOR_RECOVERY_CODES; i++)
		tpl_set(tpl_section(d, "CODE"), "VALUE", codes[i]);
	/* Nothing on this page may be kept by a cache. */
	page_render(r, 200, heading, NAV_ACCOUNT, "recovery_codes.tpl", d);
	http_header(r, "Cache-Control", "no-store");
}

void page_two_factor_enable(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *codes[TWO_FACTOR_RECOVERY_CODES];

	form_begin(&f, r, d);
	const char *code = form_text(&f, "code");
	if (form_required(&f, "code", code, "The code"))
		form_max_length(&f, "code", code, 32);
	int rc = form_ok(&f) ? two_factor_enrol_finish(r->db, r->arena, r->org_id, r->user_id,
							code, time(NULL), codes) : 0;
	if (rc < 0) {
		http_fail(r, 409, "two-factor sign-in could not be turned on: reload the page and "
			  "scan the code again");
		return;
	}
	if (rc == 0) {
		if (form_ok(&f))
			form_error(&f, "code", "That code is not right. Check that the app's clock is "
				   "right, and enter the newest code it shows.");
		const char *secret = two_factor_enrol_secret(r->db, r->arena, r->org_id,
							     r->user_id);
		if (!secret) {
			http_fail(r, 503, "two-factor sign-in is not available right now");
			return;
		}
		enrol_show(r, d, 422, secret);
		return;
	}
	if (ui_audit(r, "account.two_factor.on", r->user_id, NULL) < 0) {
		http_fail(r, 503, "two-factor sign-in could not be turned on; please try again");
		return;
	}
	r->needs_two_factor = false;
	codes_show(r, "Two-factor sign-in is on", codes);
}

void page_two_factor_recovery(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *codes[TWO_FACTOR_RECOVERY_CODES];

	form_begin(&f, r, d);
	int ok = current_password_ok(r, &f, "recovery_password");
	if (ok < 0)
		return;
	if (!ok) {
		account_show(r, d, 422);
		return;
	}
	if (two_factor_enabled(r->db, r->arena, r->user_id) != 1) {
		http_fail(r, 409, "two-factor sign-in is off: there are no recovery codes to renew");
		return;
	}
	if (two_factor_recovery_renew(r->db, r->arena, r->org_id, r->user_id, codes) < 0 ||
	    ui_audit(r, "account.two_factor.recovery", r->user_id, NULL) < 0) {
		http_fail(r, 503, "new recovery codes could not be made; please try again");
		return;
	}
	codes_show(r, "New recovery codes", codes);
}

void page_two_factor_disable(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *required = db_text(r->db, r->arena, SQL_REQUIRES_TWO_FACTOR);

	if (!required) {
		http_fail(r, 503, "two-factor sign-in could not be turned off; please try again");
		return;
	}
	if (!strcmp(required, "t")) {
		http_fail(r, 409, "your business requires two-factor sign-in, so it stays on");
		return;
	}
	form_begin(&f, r, d);
	int ok = current_password_ok(r, &f, "disable_password");
	if (ok < 0)
		return;
	if (!ok) {
		account_show(r, d, 422);
		return;
	}
	if (two_factor_disable(r->db, r->arena, r->user_id) < 0 ||
	    ui_audit(r, "account.two_factor.off", r->user_id, NULL) < 0) {
		http_fail(r, 503, "two-factor sign-in could not be turned off; please try again");
		return;
	}
	page_flash(r, "ok", "Two-factor sign-in is off. Your authenticator app's entry for "
		   "Switchboard no longer works: delete it.");
	http_redirect(r, "/account");
}
