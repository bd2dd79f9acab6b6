/* booking_turn.h: what booking and moving an appointment share: the business's turn, the
 * nearest free times offered instead, and telling a lost race from a deadlock */
#ifndef SB_BOOKING_TURN_H
#define SB_BOOKING_TURN_H

#include <stdbool.h>

#include "domain/availability.h"
#include "domain/booking.h"

struct arena;
struct db;

/* Tries of one booking or move that keeps losing deadlocks to concurrent ones before giving
 * up. */
#define BOOKING_TRIES 5

/* Fill out as an error with the generic reason, before a booking or move is tried. */
void booking_outcome_start(struct booking_outcome *out);

/*
 * Wait, in the transaction open on db, for the business's other bookings and moves in progress
 * to commit or roll back (a lock held to the end of the transaction). Returns 0, or -1 on a
 * database error.
 */
int booking_take_turn(struct db *db, struct arena *a, const char *org_id);

/*
 * After a write refused by the database: out says the time was taken. Returns true when the
 * exclusion constraint refused it (another booking got there first: offer other times); sets
 * *again when a deadlock aborted the try, which then changed nothing and may simply run again.
 */
bool booking_lost_race(struct db *db, struct booking_outcome *out, bool *again);

/* A try that committed: out says appointment_id is booked (or moved) on resource_id. */
void booking_won(struct booking_outcome *out, const char *appointment_id,
		 const char *resource_id);

/*
 * A try that failed: roll back its transaction, and when its time was taken (taken) offer the
 * nearest free starts to q instead (booking_offer_nearest).
 */
void booking_try_abandon(struct db *db, struct arena *a, const char *org_id,
			 const struct availability_query *q, struct booking_outcome *out,
			 bool taken);

/* A time that cannot be had: out becomes BOOKING_TAKEN with the nearest free starts to q,
 * read in a transaction of their own (db must have none open). */
void booking_offer_nearest(struct db *db, struct arena *a, const char *org_id,
			   const struct availability_query *q, struct booking_outcome *out);

#endif
