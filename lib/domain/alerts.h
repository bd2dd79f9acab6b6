/* alerts.h: the owner's alerts about a call, as Settings -> Notifications asks for them */
#ifndef SB_ALERTS_H
#define SB_ALERTS_H

#include <stdbool.h>

struct arena;
struct db;

/* What a call was, for the alerts; a call can be several at once. */
enum alert_kind {
	ALERT_BOOKING = 1 << 0,      /* the receptionist booked an appointment */
	ALERT_URGENT = 1 << 1,       /* the caller has an emergency */
	ALERT_HOT_LEAD = 1 << 2,     /* the lead scored hot */
	ALERT_MISSED_CALL = 1 << 3,  /* nobody answered */
};

/* The call an alert is about. Strings are borrowed; any may be NULL but call_id. */
struct alert_call {
	const char *call_id, *lead_id, *appointment_id;
	const char *caller_name, *caller_phone;
	const char *summary;
	const char *service;     /* the service asked for */
	const char *booked_for;  /* the booked time, as the business reads it */
	int score;
};

/*
 * Queue, in the transaction open on db (the call's organization), one text or email per
 * recipient of each channel whose settings ask for any of the call's kinds (a bitmask of enum
 * alert_kind): each says which of the kinds it is about and that those settings are why it
 * was sent, and links to the call. During the business's quiet hours the messages are queued
 * to go when the quiet hours end. Dedupe keys per call, channel and recipient make a second
 * call of this (the analysis run again) queue nothing. Returns how many were queued, or -1.
 */
int alerts_for_call(struct db *db, struct arena *a, unsigned kinds, const struct alert_call *c);

/* The setting's words for one kind ("every new booking"), for pages and messages; static. */
const char *alerts_kind_label(enum alert_kind kind);

#endif
