/* media_token.h: the signed token that lets a media stream prove our own TwiML opened it */
#ifndef SB_MEDIA_TOKEN_H
#define SB_MEDIA_TOKEN_H

#include <time.h>

struct arena;

/*
 * What a token opens. Each kind is good on its own endpoint only: a test call's token, which a
 * signed-in user holds, must never open a Twilio media stream (whose call the worker can redirect
 * through the platform's Twilio account), nor the other way round.
 */
enum media_token_kind {
	MEDIA_TOKEN_STREAM,         /* a Twilio Media Stream, from the voice webhook's TwiML */
	MEDIA_TOKEN_BROWSER,        /* the dashboard's test call in a browser */
};

/*
 * A token of kind naming call_id of org_id, valid until expires:
 * "<call_id>.<org_id>.<expires>.<mac>", mac being the hex HMAC-SHA256, under the
 * MEDIA_TOKEN_SECRET setting, of the kind and the rest. The ids must be non-empty and free of
 * dots (they are UUIDs). Arena-owned; NULL when the secret is missing or shorter than 32
 * characters, or an id is unfit (logged).
 */
char *media_token_make(struct arena *a, enum media_token_kind kind, const char *call_id,
		       const char *org_id, time_t expires);

/*
 * Check a token made by media_token_make() for kind at time now: 0 with *call_id and *org_id
 * set (arena-owned) when it is intact, of that kind, made with the current secret and not
 * expired; -1 for anything else (another kind, forged, altered, expired, garbage, or no usable
 * secret).
 */
int media_token_check(struct arena *a, enum media_token_kind kind, const char *token, time_t now,
		      const char **call_id, const char **org_id);

/*
 * The address Twilio opens a call's media stream at, from the public base URL: wss:// for an
 * https base (Twilio needs TLS in production), ws:// for http, with the base's path kept and
 * trailing slashes dropped, then "/media/". Arena-owned.
 */
char *media_stream_url(struct arena *a, const char *public_base);

#endif
