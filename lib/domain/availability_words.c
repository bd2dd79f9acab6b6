/* availability_words.c: why a time cannot be booked, said the way a receptionist says it */
#include "domain/availability_words.h"

#include <stdbool.h>
#include <string.h>

#include "infra/arena.h"
#include "domain/when_zone.h"

static const char *const WEEKDAYS[7] = {
	"Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays",
};
static const char *const MONTHS[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December",
};

const char *availability_reason(enum availability_verdict verdict)
{
	switch (verdict) {
	case AVAILABILITY_AVAILABLE: return "That time is free.";
	case AVAILABILITY_PAST: return "That time has already passed.";
	case AVAILABILITY_TOO_SOON: return "That's sooner than we can book.";
	case AVAILABILITY_TOO_FAR: return "That's further ahead than we book.";
	case AVAILABILITY_CLOSED_DAY: return "We're closed that day.";
	case AVAILABILITY_OUTSIDE_HOURS: return "We're not open at that time.";
	case AVAILABILITY_HOLIDAY: return "We're closed that day.";
	case AVAILABILITY_CALENDAR_BUSY: return "That time is already taken.";
	case AVAILABILITY_TAKEN: return "That time is already taken.";
	case AVAILABILITY_NO_RESOURCE: return "We don't have anyone who can do that.";
	case AVAILABILITY_ERROR: break;
	}
	return "The schedule could not be read.";
}

/* Minutes after midnight as a clock says them: "9 AM", "12:30 PM", "midnight". */
static const char *clock_words(struct arena *a, int minutes)
{
	int h = minutes / 60 % 24, m = minutes % 60;
	int h12 = h % 12 ? h % 12 : 12;
	const char *meridiem = h < 12 ? "AM" : "PM";

	if (minutes % 1440 == 0)
		return "midnight";
	return m ? arena_printf(a, "%d:%02d %s", h12, m, meridiem) :
		   arena_printf(a, "%d %s", h12, meridiem);
}

/* "2 hours'", "an hour's", "a day's", "30 minutes'" */
static const char *notice_words(struct arena *a, int minutes)
{
	if (minutes % 1440 == 0)
		return minutes == 1440 ? "a day's" : arena_printf(a, "%d days'", minutes / 1440);
	if (minutes % 60 == 0)
		return minutes == 60 ? "an hour's" : arena_printf(a, "%d hours'", minutes / 60);
	return arena_printf(a, "%d minutes'", minutes);
}

static const char *date_words(struct arena *a, const struct schedule *s, time_t t)
{
	struct tm tm;

	when_zone_fields(s->zone, t, &tm);
	return arena_printf(a, "%s %d", MONTHS[tm.tm_mon], tm.tm_mday);
}

/* A day's spans: "9 AM to 12 PM and 1 PM to 5 PM". */
static const char *spans_words(struct arena *a, const struct weekday_hours *w)
{
	const char *text = "";

	for (int i = 0; i < w->nspans; i++)
		text = arena_printf(a, "%s%s%s to %s", text,
				    i == 0 ? "" : i == w->nspans - 1 ? " and " : ", ",
				    clock_words(a, w->span[i][0]), clock_words(a, w->span[i][1]));
	return text;
}

/* Outside the day's hours: in a gap between two spans (a break), or before or after them. */
static const char *hours_words(struct arena *a, const struct schedule *s,
			       const struct resource_schedule *r, time_t at, int length)
{
	int weekday;
	struct tm tm;

	schedule_local_day(s, at, &weekday);
	when_zone_fields(s->zone, at, &tm);
	const struct weekday_hours *w = &r->week[weekday];
	int from = tm.tm_hour * 60 + tm.tm_min, to = from + length;
	for (int i = 0; i + 1 < w->nspans; i++) {
		int gap_from = w->span[i][1], gap_to = w->span[i + 1][0];
		if (gap_from >= gap_to || from >= gap_to || to <= gap_from)
			continue;
		bool lunch = gap_from >= 11 * 60 && gap_from <= 14 * 60;
		return arena_printf(a, "%s; we're open again at %s.",
				    lunch ? "That's our lunch break" : "We're on a break then",
				    clock_words(a, gap_to));
	}
	return arena_printf(a, "We're open %s on %s.", spans_words(a, w), WEEKDAYS[weekday]);
}

static const char *closure_words(struct arena *a, const struct schedule *s, const struct hold *h)
{
	if (!h)
		return availability_reason(AVAILABILITY_HOLIDAY);
	const char *first = date_words(a, s, h->start), *last = date_words(a, s, h->end - 1);
	const char *why = h->reason && h->reason[0] ? arena_printf(a, " for %s", h->reason) : "";
	if (!strcmp(first, last))
		return arena_printf(a, "We're closed on %s%s.", first, why);
	return arena_printf(a, "We're closed from %s to %s%s.", first, last, why);
}

const char *availability_words(struct arena *a, const struct schedule *s,
			       const struct resource_schedule *r, const struct availability_query *q,
			       time_t at, enum availability_verdict verdict, const struct hold *which)
{
	int weekday;

	switch (verdict) {
	case AVAILABILITY_AVAILABLE:
		return "";
	case AVAILABILITY_TOO_SOON:
		return arena_printf(a, "We need at least %s notice.",
				    notice_words(a, s->notice_minutes));
	case AVAILABILITY_TOO_FAR:
		return s->horizon_days == 1 ? "We book up to a day ahead." :
		       arena_printf(a, "We book up to %d days ahead.", s->horizon_days);
	case AVAILABILITY_CLOSED_DAY:
		schedule_local_day(s, at, &weekday);
		if (q->resource_id && r)
			return arena_printf(a, "%s doesn't work on %s.", r->name, WEEKDAYS[weekday]);
		return arena_printf(a, "We're closed on %s.", WEEKDAYS[weekday]);
	case AVAILABILITY_OUTSIDE_HOURS:
		return r ? hours_words(a, s, r, at, q->minutes) : availability_reason(verdict);
	case AVAILABILITY_HOLIDAY:
		return closure_words(a, s, which);
	default:
		return availability_reason(verdict);
	}
}
