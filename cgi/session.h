/* session.h: signed-in users: the session cookie, CSRF and roles */
#ifndef SB_SESSION_H
#define SB_SESSION_H

#include <stdbool.h>

struct req;

/* The name of the session cookie. */
#define SESSION_COOKIE "sb_session"

/*
 * Check the session cookie; on success fill r->org_id, user_id, user_email, user_role,
 * org_name and csrf, open the request's transaction under the organization's row-level
 * security, and return 0. Otherwise answer (a redirect to /login, or 401 for JSON) and
 * return -1. A token is refused once its user's session version has moved on (logout,
 * password change).
 */
int session_require(struct req *r);

/* For signed-out pages: when r carries a valid session, redirect to / and return true. */
bool session_redirect_signed_in(struct req *r);

/* The form's csrf field must equal the session's token; else 403 and -1. */
int session_check_csrf(struct req *r);

/* The user must be an owner or an admin; else 403 and -1. */
int session_require_admin(struct req *r);

/* Start a session for a user: sets the cookie. Returns 0 or -1 (logged). */
int session_start(struct req *r, const char *user_id, const char *org_id, long session_version);

/* True when cookies must be Secure: the public address is https or nginx saw TLS. */
bool session_over_tls(struct req *r);

/* Clear the session cookie. */
void session_clear_cookie(struct req *r);

#endif
