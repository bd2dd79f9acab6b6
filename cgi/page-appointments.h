/* page-appointments.h: what the appointment pages share (page-appointments.c, page-appointment.c,
 * page-appointment-new.c): checks of typed dates and times, and where an action returns to */
#ifndef SB_PAGE_APPOINTMENTS_H
#define SB_PAGE_APPOINTMENTS_H

#include <stdbool.h>

/* What a taken time is told: the owner sees the collision, not the caller's wording. */
#define APPOINTMENT_TAKEN "That time overlaps another appointment. Choose another time."

struct availability_slot;
struct booking_outcome;
struct form;
struct req;
struct tpl_dict;

/* True for a real calendar date written YYYY-MM-DD, in years a booking can sensibly have. */
bool appointment_date_valid(const char *s);

/* True for a 24-hour time written HH:MM. */
bool appointment_time_valid(const char *s);

/* True for the statuses that can still be moved, cancelled or marked a no-show. */
bool appointment_status_open(const char *status);

/*
 * Where a form of the appointments page sends the owner back to: its "back" field when that is
 * a view of /appointments (nothing else: no other site, no header tricks), else /appointments.
 * Returns a borrowed or arena string.
 */
const char *appointment_back(struct req *r);

/*
 * The local wall-clock time date ("YYYY-MM-DD") and clock ("HH:MM") of the business as a Unix
 * time in *out. Returns 0, or -1 when the database failed (logged).
 */
int appointment_local_instant(struct req *r, const char *date, const char *clock, long long *out);

/*
 * Read the wanted time of a booking form into *date and *clock (arena): the "date" and "time"
 * fields, or an offered time's button ("slot": "YYYY-MM-DDTHH:MM", "@resource" after it when
 * it names one); and the "resource_id" field (or the slot's) into *resource, NULL for any.
 * Errors go to f's fields. Returns 0; 1 when the resource is none of this business's
 * (the caller answers 404); -1 when the database failed.
 */
int appointment_read_when(struct req *r, struct form *f, struct tpl_dict *d, const char **date,
			  const char **clock, const char **resource);

/*
 * Offer the n free starts of slots as one-click buttons (section FREE_STARTS of d, each a
 * SLOT with VALUE and LABEL, and WITH_RESOURCE when with_resource), or NO_FREE_STARTS when
 * n is 0. Runs in the request's open transaction. Returns 0, or -1 when the database failed.
 */
int appointment_offer_slots(struct req *r, struct tpl_dict *d,
			    const struct availability_slot *slots, int n, bool with_resource);

/*
 * A booking or move refused the wanted time: say why on the form's time field and offer out's
 * nearest free starts (as appointment_offer_slots, with their resource when with_resource).
 * Returns 0, or -1 when the database failed.
 */
int appointment_refused(struct req *r, struct form *f, struct tpl_dict *d,
			const struct booking_outcome *out, bool with_resource);

#endif
