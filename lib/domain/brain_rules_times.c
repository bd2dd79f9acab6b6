/* brain_rules_times.c: the rules receptionist's offers: free times, windows, and the caller's pick */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "domain/availability.h"
#include "domain/booking.h"
#include "domain/brain_engines.h"
#include "domain/brain_rules.h"
#include "domain/business.h"
#include "domain/business_kind.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/when.h"

static int by_time(const void *x, const void *y)
{
	time_t a = *(const time_t *)x, b = *(const time_t *)y;
	return a < b ? -1 : a > b;
}

/* "A, B or C" from the offered times. */
static const char *list_times(struct turn *t, const time_t *times, int n)
{
	const char *list = "";
	for (int i = 0; i < n; i++)
		list = arena_printf(t->a, "%s%s%s", list,
				    i == 0 ? "" : i == n - 1 ? " or " : ", ", rules_when_text(t, times[i]));
	return list;
}

/* "Tuesday, March 3 at 2 PM" -> "2 PM": the time of day, to match "the 3 o'clock". */
static const char *time_of_day(struct turn *t, time_t at)
{
	const char *w = rules_when_text(t, at);
	const char *p = strstr(w, " at ");
	return p ? p + 4 : w;
}

/* Offer free times and wait for the caller to pick one. */
void rules_offer(struct turn *t, const char *lead, time_t *times, int n)
{
	json_t *list = json_array();

	qsort(times, (size_t)n, sizeof(*times), by_time);
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_integer(times[i]));
	json_object_set_new(t->st, "alternatives", list);
	if (*lead)
		rules_say(t, "%s", lead);
	if (n == 1)
		rules_say(t, "The closest time I have is %s.", rules_when_text(t, times[0]));
	else
		rules_say(t, "I have %s.", list_times(t, times, n));
	rules_ask(t, "alternative", n == 1 ? "Would that work for you?" : "Which one works best for you?");
}

/* The question availability answers for the service in hand, around a moment. */
static struct availability_query rules_query(struct turn *t, time_t around)
{
	return (struct availability_query){
		.service_id = get(t, "service_id"), .minutes = rules_minutes(t), .around = around,
	};
}

/* Up to count free starts nearest to around, nearest first. Returns how many, -1 on error. */
static int free_starts(struct turn *t, time_t around, time_t *out, int count)
{
	struct availability_slot *slots = arena_alloc(t->a, (size_t)count * sizeof(*slots));
	struct availability_query q = rules_query(t, around);
	int n = availability_nearest(t->db, t->a, &q, slots, count);

	for (int i = 0; i < n; i++)
		out[i] = slots[i].starts_at;
	return n;
}

/*
 * Up to BOOKING_ALTERNATIVES free starts inside [from, to), spread over it: the earliest,
 * then each next one at least 90 minutes later where the window allows, so "Friday" is
 * offered as a real choice of the day rather than three quarter-hours in a row. Returns how
 * many (in time order), or -1 on error.
 */
int rules_free_in_window(struct turn *t, time_t from, time_t to, time_t *out)
{
	time_t found[64], inside[64];
	int n, m = 0, k = 0;

	n = free_starts(t, from > t->now ? from : t->now, found, 64);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (found[i] >= from && found[i] < to && found[i] > t->now)
			inside[m++] = found[i];
	qsort(inside, (size_t)m, sizeof(*inside), by_time);
	for (int i = 0; i < m && k < BOOKING_ALTERNATIVES; i++)
		if (k == 0 || inside[i] >= out[k - 1] + 90 * 60)
			out[k++] = inside[i];
	for (int i = 0; i < m && k < BOOKING_ALTERNATIVES; i++) {
		bool have = false;
		for (int j = 0; j < k; j++)
			have = have || out[j] == inside[i];
		if (!have)
			out[k++] = inside[i];
	}
	qsort(out, (size_t)k, sizeof(*out), by_time);
	return k;
}

/* The caller named a time: take it when free, otherwise offer the nearest free ones. */
int rules_handle_time(struct turn *t, const struct when *w)
{
	time_t found[BOOKING_ALTERNATIVES * 2];
	time_t in_window[BOOKING_ALTERNATIVES];
	int n, k = 0;

	if (w->exact && w->start > t->now) {
		struct availability_query q = rules_query(t, w->start);
		struct availability_answer answer;
		enum availability_verdict v = availability_explain(t->db, t->a, &q, w->start, &answer);
		if (v == AVAILABILITY_ERROR)
			return -1;
		if (v == AVAILABILITY_AVAILABLE) {
			set_long(t, "starts_at", (long)w->start);
			t->learned = true;
			return 0;
		}
		n = free_starts(t, w->start, found, BOOKING_ALTERNATIVES);
		if (n < 0)
			return -1;
		if (n == 0) {
			rules_ask(t, "time", arena_printf(t->a, "I'm sorry, %s isn't available, and I "
						    "don't see anything close to it. Is there "
						    "another day that works for you?",
						    rules_when_text(t, w->start)));
			return 0;
		}
		/* Taken says so; anything else says why ("We're closed on Saturdays."). */
		if (v == AVAILABILITY_TAKEN || v == AVAILABILITY_CALENDAR_BUSY)
			rules_offer(t, arena_printf(t->a, "I'm sorry, %s is already taken.",
					      rules_when_text(t, w->start)), found, n);
		else
			rules_offer(t, arena_printf(t->a, "I'm sorry, I can't book %s. %s",
					      rules_when_text(t, w->start), answer.reason), found,
				    n);
		return 0;
	}
	/* A window ("tomorrow", "Friday morning", "as soon as possible"): free starts in it. */
	time_t middle = w->start + (w->end - w->start) / 2;
	if (middle <= t->now)
		middle = t->now;
	k = rules_free_in_window(t, w->start, w->end, in_window);
	if (k < 0)
		return -1;
	n = free_starts(t, middle, found, BOOKING_ALTERNATIVES * 2);
	if (n < 0)
		return -1;
	if (k > 0) {
		rules_offer(t, "", in_window, k);
		return 0;
	}
	if (n == 0) {
		rules_ask(t, "time", "I'm sorry, I don't see any openings around then. Is there another "
			       "day that works for you?");
		return 0;
	}
	/* Nothing in the window: a spread of the nearest day's times, not three in a row. */
	k = rules_free_in_window(t, middle - 12 * 3600, middle + 12 * 3600, in_window);
	if (k < 0)
		return -1;
	if (k > 0)
		rules_offer(t, "I'm sorry, nothing is open then.", in_window, k);
	else
		rules_offer(t, "I'm sorry, nothing is open then.", found, n < BOOKING_ALTERNATIVES ? n :
			  BOOKING_ALTERNATIVES);
	return 0;
}

/* Times offered earlier and not yet chosen are offered again rather than forgotten. */
bool rules_reoffer(struct turn *t)
{
	json_t *list = json_object_get(t->st, "alternatives");
	time_t times[BOOKING_ALTERNATIVES * 2];
	int n = 0;

	for (size_t i = 0; i < json_array_size(list) && n < BOOKING_ALTERNATIVES * 2; i++)
		times[n++] = (time_t)json_integer_value(json_array_get(list, i));
	if (n == 0)
		return false;
	rules_offer(t, "", times, n);
	return true;
}

/* An emergency with nobody to transfer to gets the soonest free times, unasked. */
bool rules_offer_soonest(struct turn *t)
{
	time_t times[BOOKING_ALTERNATIVES];

	if (!get_bool(t, "urgent") || get_bool(t, "soonest_offered") || !db_in_transaction(t->db))
		return false;
	set_bool(t, "soonest_offered", true);
	int k = rules_free_in_window(t, t->now, t->now + 14 * 24 * 3600, times);
	if (k <= 0)
		return false;
	rules_offer(t, "Let's get you in as soon as we can.", times, k);
	return true;
}

/*
 * Does text name the time of day spoken ("3 PM", "12:45 PM")? "the 3 o'clock", "3", "three
 * fifteen" is left to when_parse; this catches the short forms it reads as dates.
 */
static bool names_time(const char *text, const char *spoken)
{
	int hour, minute = 0;
	char meridiem[3] = "";
	const char *p = text;

	if (sscanf(spoken, "%d:%d %2s", &hour, &minute, meridiem) != 3 &&
	    sscanf(spoken, "%d %2s", &hour, meridiem) != 2)
		return false;
	while (*p) {
		if (!isdigit((unsigned char)*p) || (p > text && isdigit((unsigned char)p[-1]))) {
			p++;
			continue;
		}
		char *end;
		long h = strtol(p, &end, 10);
		long m = 0;
		if (*end == ':' && isdigit((unsigned char)end[1]))
			m = strtol(end + 1, &end, 10);
		while (*end == ' ')
			end++;
		bool named = !strncasecmp(end, "o'clock", 7) || !strncasecmp(end, "oclock", 6);
		bool pm = !strncasecmp(end, "pm", 2) || !strncasecmp(end, "p.m", 3);
		bool am = !strncasecmp(end, "am", 2) || !strncasecmp(end, "a.m", 3);
		if (h == hour && m == minute && (named || pm || am || m) &&
		    !(pm && strcmp(meridiem, "PM")) && !(am && strcmp(meridiem, "AM")))
			return true;
		p = end;
	}
	return false;
}

/*
 * "7 please", "the one at 8", "um, 1 I guess": a bare number read against the offered times'
 * clock readings (7 is 7 AM when 7 AM is on offer, though alone it would mean 7 PM). The one
 * offer with that hour and minute, else the one on the hour; -1 when none or unclear.
 */
static int pick_by_hour(struct turn *t, json_t *list, int n)
{
	const char *p = t->text;
	int found = -1;

	for (; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > t->text && isdigit((unsigned char)p[-1])))
			continue;
		char *end;
		long h = strtol(p, &end, 10), m = 0;
		if (*end == ':' && isdigit((unsigned char)end[1]))
			m = strtol(end + 1, &end, 10);
		if (h < 1 || h > 12 || isdigit((unsigned char)*end))
			continue;
		int on_hour = -1, matches = 0;
		for (int i = 0; i < n; i++) {
			struct tm tm;
			when_local((time_t)json_integer_value(json_array_get(list, (size_t)i)),
				   t->b.timezone, &tm);
			int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
			if (h12 == h && tm.tm_min == m) {
				found = i;
				matches++;
			} else if (h12 == h && m == 0 && on_hour < 0) {
				on_hour = i;
			}
		}
		if (matches == 1)
			return found;
		if (matches == 0 && on_hour >= 0)
			return on_hour;
		p = end - 1;
	}
	return -1;
}

/*
 * An alternative the caller picked: "the first one", "the 3 o'clock", "the later one", "yes"
 * to a single one. Offered times stay on offer while the caller answers something else, so
 * the choice may come turns later; then only a clear choice counts (asked is false), never a
 * stray "first".
 */
bool rules_pick_alternative(struct turn *t, bool asked)
{
	json_t *list = json_object_get(t->st, "alternatives");
	int n = (int)json_array_size(list);
	/* "second please" answers the offer; "first let me give you my name" does not. */
	int words = 0;
	for (const char *p = t->text; *p; p++)
		words += !isspace((unsigned char)*p) && (p == t->text || isspace((unsigned char)p[-1]));
	bool choice = brain_names_choice(t->text) || (asked && words <= 4);
	int pick = choice ? brain_find_ordinal(t->text, n) : -1;
	struct when w;

	if (n == 0)
		return false;
	if (pick < 0 && n == 1 && asked && brain_says_yes(t->text))
		pick = 0;
	if (pick < 0 && asked)
		pick = pick_by_hour(t, list, n);
	for (int i = 0; i < n && pick < 0; i++)
		if (names_time(t->text, time_of_day(t, (time_t)json_integer_value(
							    json_array_get(list, (size_t)i)))))
			pick = i;
	if (pick < 0 && when_parse(t->text, t->b.timezone, t->now, &w) == 0 && w.has_time &&
	    !w.has_date) {
		const char *said = time_of_day(t, w.start);
		for (int i = 0; i < n && pick < 0; i++)
			if (!strcmp(said, time_of_day(t, (time_t)json_integer_value(
							      json_array_get(list, (size_t)i)))))
				pick = i;
	}
	if (pick < 0)
		return false;
	time_t at = (time_t)json_integer_value(json_array_get(list, (size_t)pick));
	set_long(t, "starts_at", (long)at);
	json_object_del(t->st, "alternatives");
	rules_say(t, "%s it is.", rules_when_text(t, at));
	set(t, "pending", NULL);
	t->learned = true;
	t->picked = true;
	return true;
}
