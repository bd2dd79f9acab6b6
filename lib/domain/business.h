/* business.h: what a business is and offers: its settings, services, prices, hours and facts */
#ifndef SB_BUSINESS_H
#define SB_BUSINESS_H

#include <stdbool.h>
#include <time.h>

struct arena;
struct business_kind;
struct db;

/* An organization's settings as the receptionist needs them. Strings are arena-owned. */
struct business {
	const char *org_id;
	const char *name;
	const char *timezone;
	const char *greeting;
	const char *voice_personality;
	const char *call_mode;         /* gather, stream or vapi */
	const char *transfer_phone;    /* E.164 or NULL */
	bool sms_enabled;
	const char *business_hours;    /* the JSON text of organizations.business_hours */
	const struct business_kind *kind;  /* its trade's wording and emergencies; static */
};

/* One of the business's active services. */
struct service {
	const char *id;
	const char *name;
	long price_cents;
	int duration_minutes;
};

/*
 * Load the business of the transaction open on db (db_begin_org). Returns 0, or -1 when the
 * organization cannot be read.
 */
int business_load(struct db *db, struct arena *a, const char *org_id, struct business *out);

/*
 * The active service whose name or keywords best match what the caller said (the most
 * matching words; a name match beats a keyword). Returns 1 with *out filled, 0 for none, -1
 * on a database error.
 */
int business_match_service(struct db *db, struct arena *a, const char *text, struct service *out);

/* Every active service, cheapest first, into an arena array; returns the count or -1. */
int business_services(struct db *db, struct arena *a, struct service **out);

/*
 * The knowledge-base answer that best matches question (PostgreSQL full-text search over the
 * business's entries); NULL when nothing matches well enough or on error. Arena-owned.
 */
const char *business_answer(struct db *db, struct arena *a, const char *question);

/* The opening hours as one spoken sentence ("We're open Monday to Friday, 8 AM to 6 PM, ...",
 * a whole day said as business_day_hours says it). Arena-owned, or a static string. */
const char *business_hours_sentence(struct arena *a, const struct business *b);

/*
 * The hours of one day of the week (day_key "mon" to "sun", as organizations.business_hours
 * keys them) as said after "we're open": "8 AM to noon and 1 PM to 5:30 PM", or "24 hours"
 * for a whole day. Arena-owned; NULL when the business is closed that day or its hours do not
 * read.
 */
const char *business_day_hours(struct arena *a, const struct business *b, const char *day_key);

/* True when the business is open at t (its hours, in its timezone). */
bool business_is_open(const struct business *b, time_t t);

/* A price spoken as a receptionist would: 14900 -> "$149", 14950 -> "$149.50". Arena-owned. */
const char *business_price_text(struct arena *a, long cents);

#endif
