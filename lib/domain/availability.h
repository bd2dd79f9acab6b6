/* availability.h: when a business can take an appointment: resources, hours, closures, busy time */
#ifndef SB_AVAILABILITY_H
#define SB_AVAILABILITY_H

#include <time.h>

struct arena;
struct db;

/*
 * What is asked. Every function here runs in the transaction open on db, whose app.org_id
 * names the business; row-level security keeps it to that business.
 */
struct availability_query {
	const char *service_id;            /* NULL: any service (every active resource can) */
	int minutes;                       /* the appointment's length, 1..1440 */
	const char *resource_id;           /* NULL: any active resource able to do the service */
	time_t around;                     /* nearest to this moment */
	const char *ignore_appointment_id; /* NULL, or the appointment being moved */
	time_t now;                        /* 0: the present (tests fix it) */
};

/* A free start and the resource that is free then (resource strings arena-owned). */
struct availability_slot {
	time_t starts_at;
	const char *resource_id;
	const char *resource_name;
};

/* Why a time can or cannot be booked, from the first reason that applies. */
enum availability_verdict {
	AVAILABILITY_AVAILABLE,      /* free on at least one able resource */
	AVAILABILITY_PAST,           /* it has begun or passed */
	AVAILABILITY_TOO_SOON,       /* inside the business's minimum notice */
	AVAILABILITY_TOO_FAR,        /* beyond the business's booking horizon */
	AVAILABILITY_CLOSED_DAY,     /* no able resource works that weekday */
	AVAILABILITY_OUTSIDE_HOURS,  /* that day has hours, but not at that time (or a break) */
	AVAILABILITY_HOLIDAY,        /* a closed date or a resource's day off */
	AVAILABILITY_CALENDAR_BUSY,  /* busy in an outside calendar */
	AVAILABILITY_TAKEN,          /* another appointment (or its buffer) holds it */
	AVAILABILITY_NO_RESOURCE,    /* no active resource can do the service */
	AVAILABILITY_ERROR,          /* the database failed (logged) */
};

/* A verdict with the sentence that explains it to a caller or an owner. */
struct availability_answer {
	enum availability_verdict verdict;
	const char *resource_id;     /* AVAILABLE: the first free able resource (arena) */
	const char *resource_name;   /* its name (arena) */
	const char *reason;          /* "We're closed on Saturdays." and the like (arena);
					"" when AVAILABLE */
};

/*
 * Up to count free starts nearest to q->around, either side, nearest first (ties: the earlier
 * first): in the future past the minimum notice and within the horizon, inside one span of an
 * able resource's hours (the appointment itself; its buffer may run past closing), on no
 * closure, outside calendar busy time, and clear of other appointments and their buffers with
 * this appointment's own buffer after it. Starts sit on a 15-minute grid from each opening.
 * Each start is given once, with the first free resource in the business's order.
 * Returns how many were written to out (0..count), or -1 on a database error (logged).
 */
int availability_nearest(struct db *db, struct arena *a, const struct availability_query *q,
			 struct availability_slot *out, int count);

/*
 * Whether an appointment of q->minutes can start at at (q->around is ignored). On
 * AVAILABILITY_AVAILABLE *resource_id_out (when not NULL) is the first free able resource
 * (arena); otherwise it is set to NULL. Returns the verdict.
 */
enum availability_verdict availability_check(struct db *db, struct arena *a,
					     const struct availability_query *q, time_t at,
					     const char **resource_id_out);

/*
 * As availability_check, with the reason in words that name the day, the break, the closed
 * date, the notice or the horizon ("We're closed on December 25 for Christmas."). Fills *out
 * and returns its verdict.
 */
enum availability_verdict availability_explain(struct db *db, struct arena *a,
					       const struct availability_query *q, time_t at,
					       struct availability_answer *out);

/* A general sentence for verdict ("We're closed that day."). Returns a static string: borrowed. */
const char *availability_reason(enum availability_verdict verdict);

#endif
