/* reschedule_text.h: a customer moving an appointment by text: "R" offers the three nearest
 * free times, and a reply "1", "2" or "3" soon after takes one */
#ifndef SB_RESCHEDULE_TEXT_H
#define SB_RESCHEDULE_TEXT_H

#include <stdbool.h>

struct arena;
struct db;

/* The times offered at most, and how long a digit may take to answer them. */
#define RESCHEDULE_TEXT_CHOICES 3
#define RESCHEDULE_TEXT_MINUTES 120

/*
 * Answer an "R" about org_id's open appointment_id, texted from phone to the business's
 * number business_number, in the transaction open on db (its organization set): the nearest
 * free times for that appointment (not its own) are stored as an offer to phone and *reply
 * lists them ("Reply 1, 2 or 3 ..."); with none free, *reply asks the customer to call.
 * Returns 0, or -1 on a database error. *reply is arena-owned.
 */
int reschedule_text_offer(struct db *db, struct arena *a, const char *org_id,
			  const char *appointment_id, const char *phone,
			  const char *business_number, const char **reply);

/* What a digit did. Strings arena-owned. */
struct reschedule_text_choice {
	const char *reply;           /* the text to answer with */
	const char *appointment_id;  /* the appointment the offer was about */
	bool moved;                  /* moved to the chosen time (committed) */
};

/*
 * Take choice (1..3) texted from phone to org_id's number business_number as the answer to
 * the latest offer made to phone in the last RESCHEDULE_TEXT_MINUTES, with no transaction open
 * on db (this commits its own). The chosen time is booked with booking_move (user_id NULL,
 * audit detail audit_detail, a JSON object's text); a time taken meanwhile gets a fresh offer
 * of the nearest free times instead. Returns 1 with *out filled, 0 when there is no such offer
 * (the digit is an ordinary message), -1 on a database error.
 */
int reschedule_text_choose(struct db *db, struct arena *a, const char *org_id,
			   const char *phone, int choice, const char *business_number,
			   const char *audit_detail, struct reschedule_text_choice *out);

#endif
