/* booking.h: appointments that never collide: book, move and cancel through the constraint */
#ifndef SB_BOOKING_H
#define SB_BOOKING_H

#include <time.h>

#include "domain/availability.h"

struct arena;
struct db;

#define BOOKING_ALTERNATIVES 3

/* What a booking needs. Strings may be NULL where the column allows it. */
struct booking_request {
	const char *service_id;
	const char *lead_id;
	const char *call_id;
	const char *customer_name;
	const char *customer_phone;
	const char *address;
	const char *notes;
	time_t starts_at;
	int minutes;              /* the service's duration */
	const char *resource_id;  /* NULL: the first able resource free then, in the business's
				     order */
};

enum booking_result {
	BOOKING_BOOKED,           /* committed: it is safe to tell the caller */
	BOOKING_TAKEN,            /* the time cannot be booked: see verdict, reason, alternatives */
	BOOKING_ERROR,            /* the database failed; nothing was booked */
};

struct booking_outcome {
	enum booking_result result;
	const char *appointment_id;          /* BOOKING_BOOKED: arena-owned */
	const char *resource_id;             /* BOOKING_BOOKED: the resource taken (arena) */
	time_t alternatives[BOOKING_ALTERNATIVES];
	int nalternatives;                   /* BOOKING_TAKEN: the nearest free starts, nearest first */
	struct availability_slot slots[BOOKING_ALTERNATIVES];  /* the same, with their resources */
	enum availability_verdict verdict;   /* BOOKING_TAKEN: why */
	const char *reason;                  /* BOOKING_TAKEN: the sentence saying why (arena) */
};

/*
 * Book req for organization org_id in a transaction of its own (db must have none open) that
 * commits before this returns BOOKING_BOOKED. The time is checked with availability_explain()
 * inside that transaction (hours, closures, busy blocks, notice, horizon, buffers); a refused
 * time is BOOKING_TAKEN with its verdict, reason and the nearest free times. The exclusion
 * constraint on appointments (per resource) decides races, so of any number of concurrent
 * attempts at one time exactly one is booked on each resource. A booked appointment queues its
 * SMS confirmation job in the same transaction. reason and the ids in out are arena-owned.
 */
void booking_book(struct db *db, struct arena *a, const char *org_id,
		  const struct booking_request *req, struct booking_outcome *out);

/*
 * Move organization org_id's scheduled or confirmed appointment id to new_start (same length),
 * on resource_id (NULL: its own resource when free then, else the first able one free), in a
 * transaction of its own (db must have none open), under the same rules as booking_book: a
 * closed, too soon, too far, busy or taken time fills out with BOOKING_TAKEN, the verdict, the
 * reason and the nearest free times. A move is audited ('appointment.reschedule', user_id NULL when
 * not a person of the business, e.g. the calendar sync, with detail: a JSON object's text or
 * NULL); one made by the owner (user_id set) queues a text telling the customer. An unknown or
 * closed appointment is BOOKING_ERROR with reason "no such appointment".
 */
void booking_move(struct db *db, struct arena *a, const char *org_id, const char *id,
		  time_t new_start, const char *resource_id, const char *user_id,
		  struct booking_outcome *out);

/* booking_move with detail (a JSON object's text, or NULL) added to its audit row. */
void booking_move_noted(struct db *db, struct arena *a, const char *org_id, const char *id,
			time_t new_start, const char *resource_id, const char *user_id,
			const char *detail, struct booking_outcome *out);

/*
 * Cancel organization org_id's appointment id, in the transaction open on db, when it is still
 * scheduled or confirmed, and record who did it in the audit log: user_id (NULL: not a person of
 * the business, e.g. the customer by text) with detail (a JSON object's text, or NULL); one made by
 * the owner (user_id set) queues a text telling the customer, in the same transaction. Returns 1
 * when cancelled here, 0 when it was not open (nothing changed, nothing audited), -1 on a
 * database error (logged).
 */
int booking_cancel(struct db *db, struct arena *a, const char *org_id, const char *id,
		   const char *user_id, const char *detail);

#endif
