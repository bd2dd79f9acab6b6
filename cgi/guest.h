/* guest.h: what guards the signed-out forms: a pre-session CSRF token, a same-site check, and
 * the known-device cookie that lets an owner's own browser past sign-in throttling */
#ifndef SB_GUEST_H
#define SB_GUEST_H

#include <stdbool.h>

struct req;

/* The cookie that carries the pre-session form token. */
#define GUEST_FORM_COOKIE "sb_form"
/* The cookie that says "this browser has signed in as this user before". */
#define GUEST_DEVICE_COOKIE "sb_device"

/*
 * The token a signed-out form (sign-in, sign-up, invitation) carries in its hidden csrf field.
 * The browser's token cookie is reused when it has one, so two open tabs both work; otherwise
 * a new token is made and its cookie set on the answer. Returns it (arena), NULL on failure.
 */
const char *guest_form_token(struct req *r);

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

#endif
