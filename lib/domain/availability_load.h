/* availability_load.h: one business's schedule over a window, as availability reads it */
#ifndef SB_AVAILABILITY_LOAD_H
#define SB_AVAILABILITY_LOAD_H

#include <stdbool.h>
#include <time.h>

#include "domain/availability.h"

struct arena;
struct db;
struct when_zone;

#define AVAILABILITY_MAX_SPANS 12

/* What holds a resource's time. */
enum hold_kind {
	HOLD_APPOINTMENT,  /* an appointment with its buffer */
	HOLD_BUSY,         /* an outside calendar's busy block */
	HOLD_CLOSURE,      /* a closed date or a day off */
};

struct hold {
	time_t start, end;
	enum hold_kind kind;
	const char *reason;    /* a closure's reason, or NULL */
};

/* Opening spans of one weekday, minutes after local midnight (close may be 1440). */
struct weekday_hours {
	int nspans;
	int span[AVAILABILITY_MAX_SPANS][2];
};

struct resource_schedule {
	const char *id, *name;
	struct weekday_hours week[7];   /* Monday first */
	struct hold *holds;             /* in the window, sorted by start */
	int nholds;
};

/* A local day and time of day already turned into an instant (many resources share hours). */
struct moment_memo {
	long day;
	int minutes;
	time_t at;
};
#define SCHEDULE_MEMO 64

struct schedule {
	const char *timezone;
	struct when_zone *zone;         /* closed by the arena */
	struct moment_memo memo[SCHEDULE_MEMO];
	int nmemo, next_memo;
	int notice_minutes, horizon_days, buffer_minutes;
	time_t now;
	time_t earliest, latest;        /* the first and last bookable starts */
	struct resource_schedule *resources;   /* able ones, in the business's order */
	int nresources;
};

/*
 * Read, in one round trip, the business's settings, the resources able to do q's service (only
 * q->resource_id when set) and what holds their time in [from, to).
 * Returns 0, or -1 on a database error (logged).
 */
int schedule_load(struct db *db, struct arena *a, const struct availability_query *q,
		  struct schedule *s, time_t from, time_t to);

/*
 * Read again what holds each resource's time, now in [from, to), sorted by start.
 * Returns 0 or -1 on a database error (logged).
 */
int schedule_load_holds(struct db *db, struct arena *a, const struct availability_query *q,
			struct schedule *s, time_t from, time_t to);

/* The day number (days since 1970-01-01) of the local date of t, and Monday-first weekday. */
long schedule_local_day(const struct schedule *s, time_t t, int *weekday);

/* The instant of minutes after local midnight on day number day (remembered in s). */
time_t schedule_moment(struct schedule *s, long day, int minutes);

#endif
