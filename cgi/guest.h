/* guest.h: what guards the signed-out forms: a pre-session CSRF token, a same-site check,
 * the known-device cookie that lets an owner's own browser past sign-in throttling, and the
 * pending state of a sign-in waiting for its second factor */
#ifndef SB_GUEST_H
#define SB_GUEST_H

#include <stdbool.h>

struct req;
struct tpl_dict;

/* The cookie that carries the pre-session form token. */
#define GUEST_FORM_COOKIE "sb_form"
/* The cookie that says "this browser has signed in as this user before". */
#define GUEST_DEVICE_COOKIE "sb_device"
/* The cookie that says "this browser gave this user's right password; the code is next". */
#define GUEST_PENDING_COOKIE "sb_pending"

/*
 * The token a signed-out form (sign-in, sign-up, invitation) carries in its hidden csrf field.
 * The browser's token cookie is reused when it has one, so two open tabs both work; otherwise
 * a new token is made and its cookie set on the answer. Returns it (arena), NULL on failure.
 */
const char *guest_form_token(struct req *r);

/*
 * Renders a signed-out form: template tpl under title with its token in CSRF, answering status.
 * Without a token it answers 503 with the message unavailable instead.
 */
void guest_form_show(struct req *r, struct tpl_dict *d, int status, const char *unavailable,
		     const char *title, const char *tpl);

/*
 * Renders template tpl with section PROBLEM (HEADING, MESSAGE) instead of its form, answering
 * status: why a one-time link (a password reset, an invitation) cannot be used.
 */
void guest_link_refuse(struct req *r, struct tpl_dict *d, int status, const char *heading,
		       const char *message, const char *tpl);

/*
 * For the POST of a signed-out form: refuse it with 403 and return -1 when it comes from
 * another site (Sec-Fetch-Site or Origin say so) or its csrf field does not match the token
 * cookie; else 0. Nothing has been changed when it refuses.
 */
int guest_check_form(struct req *r);

/*
 * When the request carries a known-device cookie, correctly signed and not expired, that names
 * user_id: that device's id (arena), for throttling it apart from every other browser.
 * Otherwise NULL.
 */
const char *guest_known_device(struct req *r, const char *user_id);

/* After a successful sign-in: remember this browser as a known device of user_id. 0 or -1. */
int guest_remember_device(struct req *r, const char *user_id);

/* The client's address as nginx saw it (never a header the client chose), borrowed. */
const char *guest_address(struct req *r);

/*
 * After a right password of a user with two-factor sign-in: a signed cookie, good for five
 * minutes, naming user_id, org_id and the session version the password was right for. It is
 * not a session: it opens nothing but the form that asks for the code. 0 or -1 (logged).
 */
int guest_pending_start(struct req *r, const char *user_id, const char *org_id,
			long session_version);

/*
 * The pending state of this request's cookie, when correctly signed and not expired: 0 with
 * *user_id and *org_id (arena) and *session_version set, else -1.
 */
int guest_pending_read(struct req *r, const char **user_id, const char **org_id,
		       long *session_version);

/* Remove the pending state's cookie (the sign-in finished, or starts again). */
void guest_pending_clear(struct req *r);

#endif
