/* calendar_feed.h: private iCalendar feeds of a business's appointments (RFC 5545), for owners
 * who keep their day in Outlook or Apple Calendar */
#ifndef SB_CALENDAR_FEED_H
#define SB_CALENDAR_FEED_H

#include <time.h>

struct arena;
struct db;

/* The appointments a feed holds: this many days back and ahead of now. */
#define CALENDAR_FEED_DAYS_BACK 30
#define CALENDAR_FEED_DAYS_AHEAD 180

/*
 * Make the feed of org_id's resource_id (NULL: the whole business), replacing the one it had,
 * whose address stops working at once, in the transaction open on db. Only the token's hash is
 * stored. Returns the new token (64 hex digits, arena), to be shown once, or NULL on failure.
 */
const char *calendar_feed_renew(struct db *db, struct arena *a, const char *org_id,
				const char *resource_id);

/* Stop org_id's feed of resource_id (NULL: the whole business), in the transaction open on db.
 * Returns 1 when there was one, 0 when not, -1 on a database error. */
int calendar_feed_remove(struct db *db, struct arena *a, const char *org_id,
			 const char *resource_id);

/*
 * The feed token opens, with no transaction open on db: 1 with *org_id and *resource_id set
 * (arena; *resource_id NULL for the whole business), 0 when no feed has it, -1 on a database
 * error. Only the token's SHA-256 reaches the database, so how long the look-up takes says
 * nothing about how near a guess came.
 */
int calendar_feed_find(struct db *db, struct arena *a, const char *token, const char **org_id,
		       const char **resource_id);

/*
 * The iCalendar document of org_id's feed of resource_id (NULL: every appointment), read in
 * the transaction open on db (its organization set): the appointments that start within the
 * window around now, times in UTC, each with a UID of its own that never changes, cancelled
 * ones as STATUS:CANCELLED. Returns the text (CRLF lines, arena) or NULL on failure.
 */
const char *calendar_feed_ics(struct db *db, struct arena *a, const char *org_id,
			      const char *resource_id, time_t now);

#endif
