/* page-team.c: the team (users, roles, invitations, whether two-factor sign-in is required),
 * accepting an invitation */
#include <string.h>
#include <strings.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "form.h"
#include "guest.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "session.h"
#include "infra/tpl.h"
#include "ui.h"

/* How long an invitation link works. */
#define INVITE_DAYS 7

/* A team is a handful of people; the caps only keep a runaway org from building a huge page. */
static const char SQL_TEAM_USERS[] =
	"SELECT u.id, u.email, coalesce(u.name, ''), u.role, "
	"       " UI_SQL_DATE("u.created_at") ", "
	"       coalesce(" UI_SQL_DATE("u.last_login_at") ", 'never'), "
	"       EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id "
	"               AND t.enabled_at IS NOT NULL) "
	"FROM users u JOIN organizations o ON o.id = u.org_id "
	"ORDER BY u.role = 'owner' DESC, u.created_at LIMIT 200";
static const char SQL_TEAM_INVITES[] =
	"SELECT i.id, i.email, i.role, "
	"       " UI_SQL_DATE_TIME("i.expires_at") ", "
	"       i.expires_at <= now() "
	"FROM invites i JOIN organizations o ON o.id = i.org_id "
	"WHERE i.accepted_at IS NULL ORDER BY i.created_at DESC LIMIT 200";
/* Whether the email is on this team: its account may be anywhere, so look past RLS. */
static const char SQL_ACCOUNT_ORG[] = "SELECT org_id FROM auth_user_by_email($1)";
/* Inviting the same address again replaces the open invitation: the old link stops working. */
static const char SQL_INVITE_UPSERT[] =
	"INSERT INTO invites (org_id, email, name, role, token_hash, expires_at, created_by) "
	"VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int), $7) "
	"ON CONFLICT (org_id, email) WHERE accepted_at IS NULL DO UPDATE SET "
	"  name = EXCLUDED.name, role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, "
	"  expires_at = EXCLUDED.expires_at, created_by = EXCLUDED.created_by, created_at = now() "
	"RETURNING id";
static const char SQL_INVITE_EMAIL[] =
	"INSERT INTO notifications (org_id, channel, purpose, to_address, subject, body, status) "
	"VALUES ($1, 'email', 'invite', $2, $3, $4, 'logged')";
static const char SQL_INVITE_REVOKE[] =
	"DELETE FROM invites WHERE id = $1 AND accepted_at IS NULL RETURNING email";
static const char SQL_USER_FOR_CHANGE[] =
	"SELECT role, email FROM users WHERE id = $1 FOR UPDATE";
static const char SQL_REQUIRES_TWO_FACTOR[] = "SELECT require_two_factor FROM organizations";
static const char SQL_SET_REQUIRE_TWO_FACTOR[] =
	"UPDATE organizations SET require_two_factor = $2::boolean WHERE id = $1";
static const char SQL_OWN_TWO_FACTOR[] =
	"SELECT 1 FROM two_factor WHERE user_id = $1 AND enabled_at IS NOT NULL";
static const char SQL_USER_SET_ROLE[] = "UPDATE users SET role = $2 WHERE id = $1";
static const char SQL_USER_REMOVE[] = "DELETE FROM users WHERE id = $1";
static const char SQL_INVITE_BY_TOKEN[] =
	"SELECT email, role, org_name, state FROM invite_by_token($1)";
static const char SQL_INVITE_ACCEPT[] = "SELECT org_id, user_id FROM invite_accept($1, $2)";

static bool is_owner(struct req *r)
{
	return r->user_role && !strcmp(r->user_role, "owner");
}

static bool is_admin(struct req *r)
{
	return is_owner(r) || (r->user_role && !strcmp(r->user_role, "admin"));
}

/* Only an owner may change or remove an owner. */
static bool may_manage(struct req *r, const char *target_role)
{
	return strcmp(target_role, "owner") || is_owner(r);
}

static const char *role_badge(const char *role)
{
	if (!strcmp(role, "owner"))
		return "badge-active";
	return strcmp(role, "admin") ? "badge-new" : "badge-info";
}

/* One row of the users table, with the controls the signed-in user may use on it. */
static void team_add_user(struct req *r, struct tpl_dict *d, struct db_result *users, int i)
{
	const char *id = db_value(users, i, 0), *role = db_value(users, i, 3);
	struct tpl_dict *row = tpl_section(d, "USER");
	bool self = !strcasecmp(id, r->user_id);

	tpl_set(row, "ID", id);
	tpl_set(row, "EMAIL", db_value(users, i, 1));
	if (*db_value(users, i, 2))
		tpl_set(tpl_section(row, "HAS_NAME"), "NAME", db_value(users, i, 2));
	tpl_set(row, "ROLE", role);
	tpl_set(row, "ROLE_BADGE", role_badge(role));
	tpl_set(row, "JOINED", db_value(users, i, 4));
	tpl_set(row, "LAST_LOGIN", db_value(users, i, 5));
	tpl_set(row, "TWO_FACTOR", !strcmp(db_value(users, i, 6), "t") ? "on" : "off");
	if (self)
		tpl_show(row, "YOU");
	if (!is_admin(r))
		return;
	tpl_show(row, "CAN_MANAGE");
	if (!may_manage(r, role))
		return;
	struct tpl_dict *edit = tpl_section(row, "EDIT");
	if (is_owner(r))
		tpl_show(edit, "OWNER_OPTION");
	tpl_show(edit, !strcmp(role, "owner") ? "OWNER_SELECTED" :
		       !strcmp(role, "admin") ? "ADMIN_SELECTED" : "MEMBER_SELECTED");
	if (!self)
		tpl_show(edit, "REMOVE");
}

/*
 * Show the team page into d (which may already hold the invite form's values and errors).
 * invite_link, when not NULL, is the one-time link of the invitation just made.
 */
static void team_show(struct req *r, struct tpl_dict *d, int status, const char *invite_email,
		      const char *invite_link)
{
	struct db_result *users = db_q(r->db, r->arena, SQL_TEAM_USERS);
	struct db_result *invites = users ? db_q(r->db, r->arena, SQL_TEAM_INVITES) : NULL;
	const char *required = invites ? db_text(r->db, r->arena, SQL_REQUIRES_TWO_FACTOR) : NULL;

	if (!required) {
		http_fail(r, 503, "the team could not be loaded");
		return;
	}
	tpl_set(d, "CSRF", r->csrf);
	tpl_set(d, "ORG_NAME", r->org_name);
	tpl_show(d, !strcmp(required, "t") ? "TWO_FACTOR_REQUIRED" : "TWO_FACTOR_OPTIONAL");
	if (is_owner(r))
		tpl_show(d, !strcmp(required, "t") ? "OWNER_UNREQUIRE" : "OWNER_REQUIRE");
	for (int i = 0; i < db_rows(users); i++)
		team_add_user(r, d, users, i);
	if (db_rows(invites) == 0)
		tpl_show(d, "NO_INVITES");
	else
		tpl_show(d, "HAS_INVITES");
	for (int i = 0; i < db_rows(invites); i++) {
		struct tpl_dict *row = tpl_section(d, "INVITE");
		bool expired = !strcmp(db_value(invites, i, 4), "t");
		tpl_set(row, "ID", db_value(invites, i, 0));
		tpl_set(row, "EMAIL", db_value(invites, i, 1));
		tpl_set(row, "ROLE", db_value(invites, i, 2));
		tpl_set(row, "EXPIRES", db_value(invites, i, 3));
		tpl_set(row, "STATE", expired ? "expired" : "pending");
		tpl_set(row, "STATE_BADGE", expired ? "badge-inactive" : "badge-pending");
		if (is_admin(r))
			tpl_show(row, "CAN_MANAGE");
	}
	if (is_admin(r)) {
		/* A form shown again keeps its role; a fresh one offers the least power. */
		const char *role = invite_link ? NULL : req_form(r, "role");
		tpl_show(d, "CAN_MANAGE");
		tpl_show(d, role && !strcmp(role, "admin") ? "ROLE_ADMIN" : "ROLE_MEMBER");
	} else {
		tpl_show(d, "READ_ONLY");
	}
	if (invite_link) {
		struct tpl_dict *made = tpl_section(d, "INVITE_LINK");
		tpl_set(made, "INVITE_EMAIL", invite_email);
		tpl_set(made, "LINK", invite_link);
		tpl_set_long(made, "DAYS", INVITE_DAYS);
	}
	page_render(r, status, "Team", NAV_TEAM, "team.tpl", d);
}

void page_team(struct req *r)
{
	team_show(r, page_dict(r), 200, NULL, NULL);
}

/*
 * The invitation email as logged. The token is never stored anywhere, so the logged copy
 * describes the link instead of carrying it: a database reader cannot join the team.
 */
static const char *invite_email_body(struct req *r, const char *role)
{
	return arena_printf(r->arena,
		"%s has invited you to join %s on Switchboard as %s %s.\n\n"
		"%s will send you your personal invitation link (%s/invite/...). Open it to choose "
		"your password. The link works once and expires in %d days.\n",
		r->user_email, r->org_name, strcmp(role, "admin") ? "a" : "an", role,
		r->user_email, conf_str("PUBLIC_BASE_URL"), INVITE_DAYS);
}

void page_team_invite(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;

	form_begin(&f, r, d);
	const char *email = form_text(&f, "email");
	const char *name = form_text(&f, "name");
	const char *role = form_text(&f, "role");
	if (form_required(&f, "email", email, "Email") && form_email(&f, "email", email)) {
		struct db_result *account = db_q(r->db, r->arena, SQL_ACCOUNT_ORG, email);
		if (!account) {
			http_fail(r, 503, "the invitation could not be made; please try again");
			return;
		}
		/*
		 * Only this team's own members are named: the team page lists them anyway. An
		 * email with an account at another business gets an invitation like any other,
		 * so inviting cannot be used to learn who has an account; accepting it is refused.
		 */
		if (db_rows(account) > 0 && !strcasecmp(db_value(account, 0, 0), r->org_id))
			form_error(&f, "email", "This person is already on your team.");
	}
	form_max_length(&f, "name", name, 120);
	if (strcmp(role, "admin") && strcmp(role, "member"))
		form_error(&f, "role", "Choose admin or member");
	if (!form_ok(&f)) {
		team_show(r, d, 422, NULL, NULL);
		return;
	}

	const char *token = crypto_token_hex(r->arena, 32);
	const char *token_hash = token ? crypto_sha256_hex(r->arena, token) : NULL;
	const char *days = arena_printf(r->arena, "%d", INVITE_DAYS);
	const char *invite_id = token_hash ?
		db_text(r->db, r->arena, SQL_INVITE_UPSERT, r->org_id, email, *name ? name : NULL,
			role, token_hash, days, r->user_id) : NULL;
	const char *subject = arena_printf(r->arena, "Join %s on Switchboard", r->org_name);
	if (!invite_id ||
	    db_exec(r->db, r->arena, SQL_INVITE_EMAIL, r->org_id, email, subject,
		    invite_email_body(r, role)) != 1 ||
	    ui_audit(r, "team.invite", invite_id, NULL) < 0) {
		http_fail(r, 503, "the invitation could not be made; please try again");
		return;
	}
	log_info("invite org=%s invite=%s role=%s", r->org_id, invite_id, role);
	team_show(r, page_dict(r), 200, email,
		  arena_printf(r->arena, "%s/invite/%s", conf_str("PUBLIC_BASE_URL"), token));
}

void page_team_invite_revoke(struct req *r)
{
	struct db_result *gone = ui_one(r, "invitation", "revoked", SQL_INVITE_REVOKE, r->path_id);

	if (!gone)
		return;
	const char *email = db_value(gone, 0, 0);
	if (ui_audit(r, "team.invite_revoke", r->path_id, NULL) < 0) {
		http_fail(r, 503, "the invitation could not be revoked; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "The invitation for %s was revoked.", email));
	http_redirect(r, "/team");
}

/*
 * Lock and load the teammate the path names, for a change the signed-in user must be allowed
 * to make. Returns the row, or NULL when the answer (404, 403, 503) is already given.
 */
static struct db_result *team_user_for_change(struct req *r)
{
	struct db_result *u = ui_one(r, "person on the team", "changed", SQL_USER_FOR_CHANGE,
				     r->path_id);

	if (!u)
		return NULL;
	if (!may_manage(r, db_value(u, 0, 0))) {
		http_fail(r, 403, "only an owner can change or remove an owner");
		return NULL;
	}
	return u;
}

/* A change the last-owner guard (sql/008_team.sql) refused, or a failure. */
static void team_change_failed(struct req *r)
{
	if (!strcmp(db_sqlstate(r->db), DB_CHECK_VIOLATION))
		http_fail(r, 409, "the business must keep at least one owner");
	else
		http_fail(r, 503, "the team could not be changed; please try again");
}

void page_team_user_role(struct req *r)
{
	const char *role = req_form(r, "role");

	if (!role || (strcmp(role, "owner") && strcmp(role, "admin") && strcmp(role, "member"))) {
		http_fail(r, 422, "choose owner, admin or member");
		return;
	}
	if (!strcmp(role, "owner") && !is_owner(r)) {
		http_fail(r, 403, "only an owner can make someone an owner");
		return;
	}
	struct db_result *u = team_user_for_change(r);
	if (!u)
		return;
	if (db_exec(r->db, r->arena, SQL_USER_SET_ROLE, r->path_id, role) != 1) {
		team_change_failed(r);
		return;
	}
	if (ui_audit(r, arena_printf(r->arena, "team.role.%s", role), r->path_id, NULL) < 0) {
		http_fail(r, 503, "the team could not be changed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s is now %s %s.", db_value(u, 0, 1),
					 strcmp(role, "admin") ? "a" : "an", role));
	http_redirect(r, "/team");
}

void page_team_user_remove(struct req *r)
{
	if (!strcasecmp(r->path_id, r->user_id)) {
		http_fail(r, 409, "you cannot remove yourself from the team");
		return;
	}
	struct db_result *u = team_user_for_change(r);
	if (!u)
		return;
	/* Deleting the row also ends every session of theirs: no user, no session. */
	if (db_exec(r->db, r->arena, SQL_USER_REMOVE, r->path_id) != 1) {
		team_change_failed(r);
		return;
	}
	if (ui_audit(r, "team.remove", r->path_id, NULL) < 0) {
		http_fail(r, 503, "the team could not be changed; please try again");
		return;
	}
	page_flash(r, "ok", arena_printf(r->arena, "%s was removed from the team.",
					 db_value(u, 0, 1)));
	http_redirect(r, "/team");
}

/* Show the accept page's explanation instead of its form. */
static void invite_refuse(struct req *r, struct tpl_dict *d, int status, const char *heading,
			  const char *message)
{
	guest_link_refuse(r, d, status, heading, message, "invite_accept.tpl");
}

static void invite_refuse_used(struct req *r, struct tpl_dict *d)
{
	invite_refuse(r, d, 410, "Invitation already used",
		      "This invitation has already been used. If that was you, sign in with the "
		      "password you chose.");
}

/*
 * Look up the invitation the path's token names and put it into d. Returns its hash, or NULL
 * when the page explaining why it cannot be used (unknown, used, expired) is already shown.
 */
static const char *invite_load(struct req *r, struct tpl_dict *d)
{
	const char *token_hash = crypto_sha256_hex(r->arena, r->path_id);
	struct db_result *inv = token_hash ?
		db_q(r->db, r->arena, SQL_INVITE_BY_TOKEN, token_hash) : NULL;

	if (!inv) {
		http_fail(r, 503, "invitations are not available right now; please try again");
		return NULL;
	}
	if (db_rows(inv) != 1) {
		invite_refuse(r, d, 404, "Invitation not found",
			      "This invitation link is not valid. Check that you copied the whole "
			      "link, or ask for a new invitation.");
		return NULL;
	}
	const char *state = db_value(inv, 0, 3);
	if (!strcmp(state, "used")) {
		invite_refuse_used(r, d);
		return NULL;
	}
	if (strcmp(state, "open")) {
		invite_refuse(r, d, 410, "Invitation expired",
			      "This invitation has expired. Ask whoever invited you to send a new "
			      "one.");
		return NULL;
	}
	tpl_set(d, "EMAIL", db_value(inv, 0, 0));
	tpl_set(d, "ROLE", db_value(inv, 0, 1));
	tpl_set(d, "ORG_NAME", db_value(inv, 0, 2));
	tpl_set(d, "TOKEN", r->path_id);
	tpl_show(d, "ACCEPT");
	return token_hash;
}

/* The accept form, with its pre-session CSRF token. */
static void invite_show(struct req *r, struct tpl_dict *d, int status)
{
	guest_form_show(r, d, status, "invitations are not available right now; please try again",
			"Join your team", "invite_accept.tpl");
}

void page_invite_form(struct req *r)
{
	struct tpl_dict *d = page_dict(r);

	if (invite_load(r, d))
		invite_show(r, d, 200);
}

void page_invite_accept(struct req *r)
{
	struct tpl_dict *d = page_dict(r);
	struct form f;
	const char *password = req_form(r, "password");
	const char *confirm = req_form(r, "password_confirm");

	if (guest_check_form(r) < 0)
		return;
	const char *token_hash = invite_load(r, d);
	if (!token_hash)
		return;
	form_begin(&f, r, d);
	form_new_password(&f, "password", password, "password_confirm", confirm);
	if (!form_ok(&f)) {
		invite_show(r, d, 422);
		return;
	}
	const char *hash = crypto_password_hash(r->arena, password);
	struct db_result *res = hash ?
		db_q(r->db, r->arena, SQL_INVITE_ACCEPT, token_hash, hash) : NULL;
	if (!res && !strcmp(db_sqlstate(r->db), DB_UNIQUE_VIOLATION)) {
		invite_refuse(r, page_dict(r), 409, "Account already exists",
			      "An account with this email already exists. Sign in instead.");
		return;
	}
	if (!res) {
		http_fail(r, 503, "the invitation could not be accepted; please try again");
		return;
	}
	/* Someone else used the link between the check above and now. */
	if (db_rows(res) != 1) {
		invite_refuse_used(r, page_dict(r));
		return;
	}
	const char *org_id = db_value(res, 0, 0), *user_id = db_value(res, 0, 1);
	if (session_start(r, user_id, org_id, 1) < 0 || guest_remember_device(r, user_id) < 0) {
		http_fail(r, 503, "your account was created but signing in failed; please sign in");
		return;
	}
	log_info("invite accepted org=%s user=%s", org_id, user_id);
	page_flash(r, "ok", "Welcome to the team.");
	http_redirect(r, "/");
}

void page_team_two_factor(struct req *r)
{
	const char *require = req_form(r, "require");
	bool on = require && !strcmp(require, "yes");

	if (!is_owner(r)) {
		http_fail(r, 403, "only an owner can decide whether two-factor sign-in is required");
		return;
	}
	if (!require || (!on && strcmp(require, "no"))) {
		http_fail(r, 422, "say yes or no");
		return;
	}
	/* The owner goes first, so requiring it never sends the owner away from this page. */
	struct db_result *own = on ? db_q(r->db, r->arena, SQL_OWN_TWO_FACTOR, r->user_id) : NULL;
	if (on && !own) {
		http_fail(r, 503, "the team could not be changed; please try again");
		return;
	}
	if (on && db_rows(own) == 0) {
		page_flash(r, "error", "Turn on two-factor sign-in for your own account first "
			   "(Account), then require it of the team.");
		http_redirect(r, "/team");
		return;
	}
	if (db_exec(r->db, r->arena, SQL_SET_REQUIRE_TWO_FACTOR, r->org_id, on ? "t" : "f") != 1 ||
	    ui_audit(r, on ? "team.two_factor.require" : "team.two_factor.optional", r->org_id,
		     NULL) < 0) {
		http_fail(r, 503, "the team could not be changed; please try again");
		return;
	}
	page_flash(r, "ok", on ? "Two-factor sign-in is now required: everyone without it is "
		   "asked to turn it on at their next page." :
		   "Two-factor sign-in is now optional for the team.");
	http_redirect(r, "/team");
}
