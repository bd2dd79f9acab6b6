/* phone_lines.h: connecting a business's phone line one of three verified ways (a number bought
 * from the platform's Twilio account, a number of the business's own account, or a platform
 * number its existing line forwards to), and the Twilio account each number belongs to */
#ifndef SB_PHONE_LINES_H
#define SB_PHONE_LINES_H

#include <stdbool.h>

#include "provider/twilio_rest.h"

struct arena;
struct db;

/* The country numbers are searched and bought in. */
#define PHONE_LINE_COUNTRY "US"

/* What a connect step did, for the page. Strings are arena-owned or static. */
struct phone_line_outcome {
	const char *number_id;   /* phone_numbers.id of the number, when one was recorded */
	const char *e164;
	const char *problem;     /* why it failed (NULL on success), to show the owner */
	const char *warning;     /* done, but something is left to do (webhooks not set) */
	bool missing;            /* the number named is not this business's */
};

/*
 * The account to act as for a number of org_id held by the Twilio account holder_sid (NULL or
 * "": not recorded), in the transaction open on db (db_begin_org): the server's when the
 * server's account holds it, else the business's own when it saved one, else the server's
 * (credential_twilio_account()). Returns 0, or -1 on a database error.
 */
int phone_line_account(struct db *db, struct arena *a, const char *org_id,
		       const char *holder_sid, struct twilio_account *out);

/* The business a webhook's number belongs to, and that number's row: arena strings or NULL. */
struct phone_line_owner {
	const char *org_id;
	const char *phone_number_id;
};

/*
 * The accounts whose auth token may sign Twilio's webhooks about our_number (the business's side
 * of the call or text), or, for a request naming no number, about the call call_sid (NULL
 * allowed), into out[0] and maybe out[1]: found from the verified number's row. A number its
 * business connected from its own account: that account, with the business's saved token (an
 * empty token when the business no longer has that account's, so nothing is accepted). A
 * platform number, or an unknown one: the server's. A number from before verification (no
 * account recorded): the business's own account when it saved one, and the server's. Runs its
 * own short transaction on db (none may be open). owner (NULL allowed) gets the business and
 * the row of our_number when it is a verified, active line (both NULL otherwise), as
 * org_for_number() finds them, so a handler need not look again (*arena*). Returns how many (1
 * or 2), or -1 on a database error.
 */
int phone_line_webhook_accounts(struct db *db, struct arena *a, const char *our_number,
				const char *call_sid, struct twilio_account out[2],
				struct phone_line_owner *owner);

/* The webhook addresses Twilio must call for a number, from PUBLIC_BASE_URL (arena). */
void phone_line_hooks(struct arena *a, struct twilio_number_hooks *out);

/*
 * Local numbers the platform's account can buy in area_code (3 digits, or NULL/"" for any), at
 * most max, into *numbers (arena) and *count. Returns 0, or -1 with *problem set (arena).
 */
int phone_line_search(struct arena *a, const char *area_code, int max,
		      struct twilio_number **numbers, int *count, const char **problem);

/*
 * Buy e164 from the platform's account for org_id, point its webhooks here and record it, in the
 * transaction open on db: verified at once ('platform'), or with forwarded_from set, a
 * forwarding number that routes nothing until its check call arrives ('forwarding'). A number
 * the platform already holds is never handed out again: Twilio refuses to sell it twice.
 * Returns 0 (out set; out->warning when the webhooks could not be set), or -1 (out->problem).
 */
int phone_line_buy(struct db *db, struct arena *a, const char *org_id, const char *e164,
		   const char *forwarded_from, const char *label, struct phone_line_outcome *out);

/*
 * The numbers of org_id's own Twilio account (the business's saved keys; never the platform's),
 * at most 50, into *numbers (arena) and *count, in the transaction open on db. Returns 0, or -1
 * with *problem set (arena).
 */
int phone_line_own_numbers(struct db *db, struct arena *a, const char *org_id,
			   struct twilio_number **numbers, int *count, const char **problem);

/*
 * Connect e164 of org_id's own Twilio account: verified because that account lists it; its
 * webhooks are pointed here and their signatures then checked with the business's token.
 * Returns 0 (out set), or -1 (out->problem).
 */
int phone_line_claim(struct db *db, struct arena *a, const char *org_id, const char *e164,
		     const char *label, struct phone_line_outcome *out);

/*
 * Point the webhooks of org_id's number number_id here again (through the account that holds
 * it). Returns 0, or -1 (out->problem).
 */
int phone_line_configure(struct db *db, struct arena *a, const char *org_id,
			 const char *number_id, struct phone_line_outcome *out);

/*
 * The forwarding check of org_id's forwarding number number_id: Switchboard calls the business's
 * existing number from the platform number. When that number forwards to the platform number the
 * call comes back to it, From the platform number itself, and the voice webhook then verifies it
 * (phone_line_check_arrived() in SQL); the check holds for 15 minutes. Returns 0 (the call was
 * placed), or -1 (out->problem).
 */
int phone_line_check_start(struct db *db, struct arena *a, const char *org_id,
			   const char *number_id, struct phone_line_outcome *out);

#endif
