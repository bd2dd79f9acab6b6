/* twilio_rest.h: a client of Twilio's REST API: sending text messages, placing and redirecting
 * calls, and buying and configuring phone numbers (PROTOCOLS.md §4.1, §4.2, §4.4, §4.6) */
#ifndef SB_TWILIO_REST_H
#define SB_TWILIO_REST_H

#include <stdbool.h>

struct arena;
struct twilio_account;

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
 * Redirect the call call_sid through acct (NULL: the server's account, TWILIO_*) with
 * POST .../Calls/{CallSid}.json and Url or Twiml: Twilio drops what the call was doing (a media
 * stream ends) and runs the new instructions. Waits for the answer (at most HTTP_TIMEOUT_MS).
 * Returns 0 when Twilio accepted it (out->sid is the call's), or -1 when it refused or could not
 * be reached (out says why and whether trying again can help).
 */
int twilio_update_call(struct arena *a, const struct twilio_account *acct, const char *call_sid,
		       const struct twilio_call_update *update, struct twilio_result *out);

/* True when an account and its token are configured, so messages and calls can really go out. */
bool twilio_rest_configured(void);

/* ---------- Accounts and phone numbers (PROTOCOLS.md §4.6) ---------- */

/* A Twilio account to act as: the server's (TWILIO_*) or a business's own. Borrowed strings. */
struct twilio_account {
	const char *sid;        /* AC... */
	const char *token;      /* its auth token */
	const char *api_base;   /* TWILIO_API_BASE, without a trailing slash */
};

/* The server's own account from TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_API_BASE, in
 * *out (strings borrowed from the settings). Returns out. */
struct twilio_account *twilio_account_server(struct twilio_account *out);

/* True when acct has a sid and a token, so it can be used. */
bool twilio_account_usable(const struct twilio_account *acct);

/* twilio_send_sms() and twilio_create_call() through acct (NULL: the server's account). */
int twilio_send_sms_as(struct arena *a, const struct twilio_account *acct, const char *from,
		       const char *to, const char *body, struct twilio_result *out);
int twilio_create_call_as(struct arena *a, const struct twilio_account *acct,
			  const struct twilio_call_request *call, struct twilio_result *out);

/* A phone number as Twilio describes it: an available one, or one an account holds. Strings are
 * arena-owned; "" when Twilio said nothing. */
struct twilio_number {
	const char *sid;            /* PN... (held numbers only) */
	const char *account_sid;    /* the account that holds it (held numbers only) */
	const char *phone_number;   /* E.164 */
	const char *friendly_name;
	const char *locality;       /* town (available numbers only) */
	const char *region;         /* state or province (available numbers only) */
	const char *voice_url;      /* where its calls go now (held numbers only) */
	const char *sms_url;
	const char *status_callback;
	bool voice, sms;            /* capabilities */
};

/*
 * Local numbers acct may buy in country ("US") with area_code (NULL or "" for any): GET
 * .../AvailablePhoneNumbers/{country}/Local.json. At most max of them into *numbers (an array in
 * the arena), their count into *count. Returns 0, or -1 (out says why).
 */
int twilio_search_numbers(struct arena *a, const struct twilio_account *acct, const char *country,
			  const char *area_code, int max, struct twilio_number **numbers,
			  int *count, struct twilio_result *out);

/*
 * Buy phone_number (E.164) for acct: POST .../IncomingPhoneNumbers.json. The bought number into
 * *number (arena strings). Returns 0, or -1 (out says why: 21422 when it is not available).
 */
int twilio_buy_number(struct arena *a, const struct twilio_account *acct,
		      const char *phone_number, struct twilio_number *number,
		      struct twilio_result *out);

/*
 * The numbers acct holds, only phone_number when it is not NULL: GET
 * .../IncomingPhoneNumbers.json?PhoneNumber=. At most 50 into *numbers (arena), the count into
 * *count: none means acct does not hold it. Returns 0, or -1 (out says why).
 */
int twilio_list_numbers(struct arena *a, const struct twilio_account *acct,
			const char *phone_number, struct twilio_number **numbers, int *count,
			struct twilio_result *out);

/* Where a number's calls and texts go. */
struct twilio_number_hooks {
	const char *voice_url;          /* ${PUBLIC_BASE_URL}/hooks/twilio/voice */
	const char *status_callback;    /* .../hooks/twilio/status */
	const char *sms_url;            /* .../hooks/twilio/sms */
};

/*
 * Point the number number_sid of acct at hooks (POST .../IncomingPhoneNumbers/{sid}.json, every
 * method POST). The number as Twilio now has it into *number. Returns 0, or -1 (out says why).
 */
int twilio_configure_number(struct arena *a, const struct twilio_account *acct,
			    const char *number_sid, const struct twilio_number_hooks *hooks,
			    struct twilio_number *number, struct twilio_result *out);

/*
 * Place a call from from to to through acct that runs twiml when answered (POST .../Calls.json
 * with Twiml), with no callbacks: the forwarding check. Returns 0 (out->sid is the CallSid), or
 * -1 (out says why).
 */
int twilio_place_twiml_call(struct arena *a, const struct twilio_account *acct, const char *from,
			    const char *to, const char *twiml, struct twilio_result *out);

#endif
