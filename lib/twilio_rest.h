/* twilio_rest.h: a client of Twilio's REST API: sending text messages (PROTOCOLS.md §4.2, §4.4) */
#ifndef SB_TWILIO_REST_H
#define SB_TWILIO_REST_H

#include <stdbool.h>

struct arena;

/* What Twilio answered. Strings belong to the arena given to the call; none is ever NULL. */
struct twilio_result {
	long http_status;       /* 0 when no answer came (transport failure, timeout) */
	const char *sid;        /* the message's SM... id when Twilio accepted it, else "" */
	const char *status;     /* the message's status on acceptance (queued, ...), else "" */
	long code;              /* Twilio's error code (21211, 20429, ...), 0 when none */
	const char *message;    /* Twilio's error message, or why no answer came; "" on success */
	const char *more_info;  /* the documentation link of Twilio's error, or "" */
	bool retryable;         /* a transport failure, timeout, 429 or 5xx: later may succeed */
};

/*
 * Send body as a text message from the number from to the number to, through the account in
 * TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN at TWILIO_API_BASE. Waits for the answer (at most
 * HTTP_TIMEOUT_MS). Returns 0 when Twilio accepted the message (out->sid is set), or -1 when it
 * refused or could not be reached (out says why and whether trying again can help).
 */
int twilio_send_sms(struct arena *a, const char *from, const char *to, const char *body,
		    struct twilio_result *out);

/* True when an account and its token are configured, so messages can really go out. */
bool twilio_rest_configured(void);

#endif
