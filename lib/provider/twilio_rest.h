/* twilio_rest.h: a client of Twilio's REST API: sending text messages, placing calls and
 * redirecting calls in progress (PROTOCOLS.md §4.1, §4.2, §4.4) */
#ifndef SB_TWILIO_REST_H
#define SB_TWILIO_REST_H

#include <stdbool.h>

struct arena;

/* What Twilio answered. Strings belong to the arena given to the call; none is ever NULL. */
struct twilio_result {
	long http_status;       /* 0 when no answer came (transport failure, timeout) */
	const char *sid;        /* the message's SM... or call's CA... id when accepted, else "" */
	const char *status;     /* its status on acceptance (queued, ...), else "" */
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

/* A call to place: every field is required. */
struct twilio_call_request {
	const char *from;                /* the business's Twilio number, E.164 */
	const char *to;                  /* whom to call */
	const char *url;                 /* the voice webhook Twilio asks for TwiML once answered */
	const char *status_callback;     /* where the call's progress is posted */
	const char *recording_callback;  /* where the recording's status is posted */
};

/*
 * Place call through the account in TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN at TWILIO_API_BASE
 * (POST .../Calls.json): recorded, with status callbacks for initiated, ringing, answered and
 * completed. Waits for the answer (at most HTTP_TIMEOUT_MS). Returns 0 when Twilio accepted the
 * call (out->sid is its CallSid), or -1 when it refused or could not be reached (out says why
 * and whether trying again can help).
 */
int twilio_create_call(struct arena *a, const struct twilio_call_request *call,
		       struct twilio_result *out);

/* New instructions for a call in progress: exactly one of url and twiml is set. */
struct twilio_call_update {
	const char *url;        /* the webhook Twilio asks for TwiML next, or NULL */
	const char *method;     /* how it asks (POST or GET); NULL: Twilio's default, POST */
	const char *twiml;      /* the TwiML to run at once, or NULL */
};

/*
 * Redirect the call call_sid through the account in TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN at
 * TWILIO_API_BASE (POST .../Calls/{CallSid}.json with Url or Twiml): Twilio drops what the call
 * was doing (a media stream ends) and runs the new instructions. Waits for the answer (at most
 * HTTP_TIMEOUT_MS). Returns 0 when Twilio accepted it (out->sid is the call's), or -1 when it
 * refused or could not be reached (out says why and whether trying again can help).
 */
int twilio_update_call(struct arena *a, const char *call_sid,
		       const struct twilio_call_update *update, struct twilio_result *out);

/* True when an account and its token are configured, so messages and calls can really go out. */
bool twilio_rest_configured(void);

#endif
