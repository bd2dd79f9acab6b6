/* brain_rules.c: the built-in receptionist: slot filling, answers from the database, booking */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "domain/booking.h"
#include "domain/brain_engines.h"
#include "domain/business.h"
#include "domain/business_kind.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/when.h"

/*
 * One turn of the rules engine. The state's "pending" names what the receptionist asked
 * last, so a bare "yes" or "Ana" is read as the answer to it:
 *   name, phone, phone_confirm, service, time, address   a slot
 *   alternative    free times were offered ("alternatives" holds them, in spoken order)
 *   confirm        the booking was read back
 *   change         the caller said the read-back was wrong
 *   transfer       a transfer to the business's transfer phone was offered
 *   message, message_name, message_phone   taking a message
 *   anything_else  nothing is in progress
 * "prompt" keeps the last question, to repeat it after a silence.
 */
struct turn {
	struct db *db;
	struct arena *a;
	struct brain_session *s;
	json_t *st;
	struct business b;
	const char *text;
	time_t now;
	brain_clause_fn on_clause;
	void *arg;
	char *reply;
	struct brain_reply *out;
	bool done;          /* the reply is complete: ask nothing more */
	bool answered;      /* a question was answered this turn */
	bool learned;       /* a slot was filled this turn */
	bool picked;        /* an offered time was chosen this turn: no other time is read */
};

static const char *get(struct turn *t, const char *key)
{
	return json_str(t->st, key);
}

static void set(struct turn *t, const char *key, const char *value)
{
	if (value)
		json_object_set_new(t->st, key, json_string(value));
	else
		json_object_del(t->st, key);
}

static long get_long(struct turn *t, const char *key)
{
	long v = 0;
	return json_long(t->st, key, &v) == 0 ? v : 0;
}

static void set_long(struct turn *t, const char *key, long v)
{
	json_object_set_new(t->st, key, json_integer(v));
}

static bool get_bool(struct turn *t, const char *key)
{
	return json_bool(t->st, key, false);
}

static void set_bool(struct turn *t, const char *key, bool v)
{
	json_object_set_new(t->st, key, json_boolean(v));
}

static bool pending_is(struct turn *t, const char *what)
{
	const char *p = get(t, "pending");
	return p && !strcmp(p, what);
}

/* Add one sentence to the reply and hand it to speech at once. */
static void say(struct turn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct turn *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *sentence = arena_vprintf(t->a, fmt, ap);
	va_end(ap);
	t->reply = t->reply[0] ? arena_printf(t->a, "%s %s", t->reply, sentence) : sentence;
	if (t->on_clause)
		t->on_clause(t->arg, sentence);
}

/* Ask a question: say it, remember it, and wait for its answer. */
static void ask(struct turn *t, const char *pending, const char *question)
{
	say(t, "%s", question);
	set(t, "pending", pending);
	set(t, "prompt", question);
	t->done = true;
}

static const char *when_text(struct turn *t, time_t at)
{
	char buf[96];
	when_say(at, t->b.timezone, buf, sizeof(buf));
	return arena_strdup(t->a, buf);
}

/* "Tuesday, March 3 at 2 PM" -> "2 PM": the time of day, to match "the 3 o'clock". */
static const char *time_of_day(struct turn *t, time_t at)
{
	const char *w = when_text(t, at);
	const char *p = strstr(w, " at ");
	return p ? p + 4 : w;
}

static const char *lower_first(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	if (c[0] && !(c[1] && isupper((unsigned char)c[1])))
		c[0] = (char)tolower((unsigned char)c[0]);
	return c;
}

static const char *upper_first(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	c[0] = (char)toupper((unsigned char)c[0]);
	return c;
}

/* "A, B or C" from the offered times. */
static const char *list_times(struct turn *t, const time_t *times, int n)
{
	const char *list = "";
	for (int i = 0; i < n; i++)
		list = arena_printf(t->a, "%s%s%s", list,
				    i == 0 ? "" : i == n - 1 ? " or " : ", ", when_text(t, times[i]));
	return list;
}

static int by_time(const void *x, const void *y)
{
	time_t a = *(const time_t *)x, b = *(const time_t *)y;
	return a < b ? -1 : a > b;
}

/* Offer free times and wait for the caller to pick one. */
static void offer(struct turn *t, const char *lead, time_t *times, int n)
{
	json_t *list = json_array();

	qsort(times, (size_t)n, sizeof(*times), by_time);
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_integer(times[i]));
	json_object_set_new(t->st, "alternatives", list);
	if (*lead)
		say(t, "%s", lead);
	if (n == 1)
		say(t, "The closest time I have is %s.", when_text(t, times[0]));
	else
		say(t, "I have %s.", list_times(t, times, n));
	ask(t, "alternative", n == 1 ? "Would that work for you?" : "Which one works best for you?");
}

static int minutes(struct turn *t)
{
	long m = get_long(t, "duration_minutes");
	return m > 0 ? (int)m : 60;
}

/*
 * Up to BOOKING_ALTERNATIVES free starts inside [from, to), spread over it: the earliest,
 * then each next one at least 90 minutes later where the window allows, so "Friday" is
 * offered as a real choice of the day rather than three quarter-hours in a row. Returns how
 * many (in time order), or -1 on error.
 */
static int free_in_window(struct turn *t, time_t from, time_t to, time_t *out)
{
	time_t found[64], inside[64];
	int n, m = 0, k = 0;

	n = booking_free_starts(t->db, t->a, from > t->now ? from : t->now, minutes(t), found, 64);
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
static int handle_time(struct turn *t, const struct when *w)
{
	time_t found[BOOKING_ALTERNATIVES * 2];
	time_t in_window[BOOKING_ALTERNATIVES];
	int n, k = 0;

	if (w->exact && w->start > t->now) {
		int free = booking_is_free(t->db, t->a, w->start, minutes(t));
		if (free < 0)
			return -1;
		if (free) {
			set_long(t, "starts_at", (long)w->start);
			t->learned = true;
			return 0;
		}
		n = booking_free_starts(t->db, t->a, w->start, minutes(t), found,
					BOOKING_ALTERNATIVES);
		if (n < 0)
			return -1;
		if (n == 0) {
			ask(t, "time", arena_printf(t->a, "I'm sorry, %s isn't available, and I "
						    "don't see anything close to it. Is there "
						    "another day that works for you?",
						    when_text(t, w->start)));
			return 0;
		}
		offer(t, arena_printf(t->a, "I'm sorry, %s is already taken.",
				      when_text(t, w->start)), found, n);
		return 0;
	}
	/* A window ("tomorrow", "Friday morning", "as soon as possible"): free starts in it. */
	time_t middle = w->start + (w->end - w->start) / 2;
	if (middle <= t->now)
		middle = t->now;
	k = free_in_window(t, w->start, w->end, in_window);
	if (k < 0)
		return -1;
	n = booking_free_starts(t->db, t->a, middle, minutes(t), found, BOOKING_ALTERNATIVES * 2);
	if (n < 0)
		return -1;
	if (k > 0) {
		offer(t, "Here's what I have then.", in_window, k);
		return 0;
	}
	if (n == 0) {
		ask(t, "time", "I'm sorry, I don't see any openings around then. Is there another "
			       "day that works for you?");
		return 0;
	}
	/* Nothing in the window: a spread of the nearest day's times, not three in a row. */
	k = free_in_window(t, middle - 12 * 3600, middle + 12 * 3600, in_window);
	if (k < 0)
		return -1;
	if (k > 0)
		offer(t, "I'm sorry, nothing is open then.", in_window, k);
	else
		offer(t, "I'm sorry, nothing is open then.", found, n < BOOKING_ALTERNATIVES ? n :
			  BOOKING_ALTERNATIVES);
	return 0;
}

static void take_service(struct turn *t, const struct service *sv)
{
	const char *old = get(t, "service_id");
	if (old && !strcmp(old, sv->id))
		return;
	set(t, "service_id", sv->id);
	set(t, "service_name", sv->name);
	set_long(t, "duration_minutes", sv->duration_minutes);
	say(t, "I can help you with %s.", lower_first(t->a, sv->name));
	t->learned = true;
}

/* "09:00" -> "9 AM", "13:30" -> "1:30 PM". */
static const char *clock_text(struct arena *a, const char *hhmm)
{
	int h = 0, m = 0;
	if (!hhmm || sscanf(hhmm, "%d:%d", &h, &m) != 2)
		return "";
	const char *mer = h < 12 || h == 24 ? "AM" : "PM";
	int h12 = h % 12 ? h % 12 : 12;
	return m ? arena_printf(a, "%d:%02d %s", h12, m, mer) : arena_printf(a, "%d %s", h12, mer);
}

/* The opening hours of one day of the week ("sat") as "from 9 AM to 1 PM", NULL if closed. */
static const char *day_hours(struct turn *t, const char *key)
{
	char error[128];
	json_t *hours = json_parse(t->a, t->b.business_hours ? t->b.business_hours : "{}",
				   strlen(t->b.business_hours ? t->b.business_hours : "{}"),
				   error, sizeof(error));
	json_t *day = hours ? json_object_get(hours, key) : NULL;
	const char *text = NULL;
	size_t i;
	json_t *span;

	json_array_foreach(day, i, span) {
		const char *from = json_string_value(json_array_get(span, 0));
		const char *to = json_string_value(json_array_get(span, 1));
		if (!from || !to)
			continue;
		const char *one = arena_printf(t->a, "from %s to %s", clock_text(t->a, from),
					       clock_text(t->a, to));
		text = text ? arena_printf(t->a, "%s and %s", text, one) : one;
	}
	return text;
}

static void answer_hours(struct turn *t)
{
	struct when w;
	const char *lower = lower_first(t->a, t->text);

	if (strstr(lower, "now") || strstr(lower, "today") || strstr(lower, "still open")) {
		say(t, business_is_open(&t->b, t->now) ? "Yes, we're open right now." :
							 "We're closed right now.");
		say(t, "%s", business_hours_sentence(t->a, &t->b));
		return;
	}
	if (when_parse(t->text, t->b.timezone, t->now, &w) == 0 && w.has_date) {
		const char *spoken = when_text(t, w.start);
		const char *day = arena_strndup(t->a, spoken, strcspn(spoken, ","));
		char key[4] = { (char)tolower((unsigned char)day[0]),
				(char)tolower((unsigned char)day[1]),
				(char)tolower((unsigned char)day[2]), '\0' };
		const char *hours = day_hours(t, key);
		if (hours)
			say(t, "Yes, on %s we're open %s.", day, hours);
		else
			say(t, "No, we're closed on %ss.", day);
		return;
	}
	say(t, "%s", business_hours_sentence(t->a, &t->b));
}

static int answer_price(struct turn *t)
{
	struct service sv, *all;
	int found = business_match_service(t->db, t->a, t->text, &sv);

	if (found < 0)
		return -1;
	if (found) {
		say(t, "%s is %s.", sv.name, sv.price_cents ? business_price_text(t->a, sv.price_cents) :
						 "free of charge");
		/* "OK, book that" next means this service. */
		set(t, "priced_service", sv.name);
		return 0;
	}
	int n = business_services(t->db, t->a, &all);
	if (n < 0)
		return -1;
	if (n == 0) {
		say(t, "Our prices depend on the job; someone from the team can give you a quote.");
		return 0;
	}
	const char *list = "";
	for (int i = 0; i < n && i < 6; i++)
		list = arena_printf(t->a, "%s%s%s is %s", list,
				    i == 0 ? "" : i == n - 1 || i == 5 ? ", and " : ", ",
				    i == 0 ? upper_first(t->a, all[i].name) :
					 lower_first(t->a, all[i].name),
				    business_price_text(t->a, all[i].price_cents));
	say(t, "%s.", list);
	return 0;
}

static void goodbye(struct turn *t)
{
	if (get(t, "appointment_id"))
		say(t, "Thanks for booking with %s. Have a great day, goodbye!", t->b.name);
	else if (get(t, "message"))
		say(t, "Thanks for calling %s. I'll make sure your message gets passed on. "
		       "Goodbye!", t->b.name);
	else
		say(t, "Thanks for calling %s. Have a great day, goodbye!", t->b.name);
	set(t, "pending", "ended");
	t->out->action = BRAIN_HANG_UP;
	t->done = true;
}

static void transfer(struct turn *t, const char *sentence)
{
	say(t, "%s", sentence);
	set(t, "transfer_to", t->b.transfer_phone);
	set(t, "pending", "transferred");
	t->out->action = BRAIN_TRANSFER;
	t->out->transfer_to = t->b.transfer_phone;
	t->done = true;
}

/* The message is taken; ask who it is from and how to call back, when not yet known. */
static void message_next(struct turn *t)
{
	if (!get(t, "name")) {
		ask(t, "message_name", "And who should I say the message is from?");
		return;
	}
	if (!get(t, "phone")) {
		ask(t, "message_phone", "What's the best number for them to call you back on?");
		return;
	}
	say(t, "Thanks, %.*s. Someone will get back to you at %s.",
	    (int)strcspn(get(t, "name"), " "), get(t, "name"),
	    brain_say_phone(t->a, get(t, "phone")));
	ask(t, "anything_else", "Is there anything else I can help you with?");
}

/* "I'd like to leave a message for Dana: the invoice is wrong" carries the message itself. */
static bool message_in_line(const char *text)
{
	const char *m = strstr(text, "message");
	int words = 0;

	if (!m)
		return strchr(text, ':') != NULL;
	for (const char *p = m + strlen("message"); *p; p++)
		if (isalnum((unsigned char)*p) && (p[-1] == ' ' || p[-1] == ':'))
			words++;
	return words >= 5;
}

/* "I need a plumber", "we have a problem with the heater": the caller states a need. */
static bool asks_for_help(const char *text)
{
	static const char *const needs[] = {
		"need", "want", "looking for", "help", "problem", "issue", "broken", "fix",
		"repair", "install", "quote", "someone to", NULL,
	};
	for (const char *const *w = needs; *w; w++)
		if (strcasestr(text, *w))
			return true;
	return false;
}

static void take_message(struct turn *t, const char *message)
{
	set(t, "message", message);
	say(t, "Thank you, I've got your message and I'll pass it on to the team.");
	message_next(t);
}

/* Up to six of the business's services as spoken: "drain cleaning, ... or leak repair". */
static const char *services_spoken(struct turn *t)
{
	struct service *all;
	int n = business_services(t->db, t->a, &all);
	const char *list = "";

	for (int i = 0; i < n && i < 6; i++)
		list = arena_printf(t->a, "%s%s%s", list,
				    i == 0 ? "" : i == n - 1 || i == 5 ? " or " : ", ",
				    lower_first(t->a, all[i].name));
	return list;
}

/* Times offered earlier and not yet chosen are offered again rather than forgotten. */
static bool reoffer(struct turn *t)
{
	json_t *list = json_object_get(t->st, "alternatives");
	time_t times[BOOKING_ALTERNATIVES * 2];
	int n = 0;

	for (size_t i = 0; i < json_array_size(list) && n < BOOKING_ALTERNATIVES * 2; i++)
		times[n++] = (time_t)json_integer_value(json_array_get(list, i));
	if (n == 0)
		return false;
	offer(t, "", times, n);
	return true;
}

/* An emergency with nobody to transfer to gets the soonest free times, unasked. */
static bool offer_soonest(struct turn *t)
{
	time_t times[BOOKING_ALTERNATIVES];

	if (!get_bool(t, "urgent") || get_bool(t, "soonest_offered") || !db_in_transaction(t->db))
		return false;
	set_bool(t, "soonest_offered", true);
	int k = free_in_window(t, t->now, t->now + 14 * 24 * 3600, times);
	if (k <= 0)
		return false;
	offer(t, "Let's get you in as soon as we can.", times, k);
	return true;
}

static void ask_next(struct turn *t)
{
	if (get(t, "appointment_id") || !get_bool(t, "booking")) {
		if (t->answered || get(t, "appointment_id"))
			ask(t, "anything_else", "Is there anything else I can help you with?");
		else
			ask(t, "anything_else", "Would you like to book a visit, or is there "
						"something I can answer for you?");
		return;
	}
	if (!get(t, "service_id")) {
		const char *list = services_spoken(t);
		ask(t, "service", *list ? arena_printf(t->a, "What can we help you with? We do %s.",
						       list) :
					  "What can we help you with?");
		return;
	}
	if (!get(t, "name")) {
		ask(t, "name", "May I have your name, please?");
		return;
	}
	if (!get(t, "phone")) {
		ask(t, "phone", "What's the best number to reach you?");
		return;
	}
	if (!get_bool(t, "phone_confirmed")) {
		ask(t, "phone_confirm", arena_printf(t->a, "I have %s, is that the best number?",
						     brain_say_phone(t->a, get(t, "phone"))));
		return;
	}
	if (!get_long(t, "starts_at")) {
		if (reoffer(t) || offer_soonest(t))
			return;
		ask(t, "time", get_bool(t, "urgent") ? "What's the soonest time that works for you?" :
			       t->b.kind->on_site ? "When would you like us to come out?" :
			       arena_printf(t->a, "When would you like to %s?", t->b.kind->visit));
		return;
	}
	if (t->b.kind->on_site && !get(t, "address") && !get_bool(t, "address_declined")) {
		ask(t, "address", "And what's the address for the visit?");
		return;
	}
	const char *service = lower_first(t->a, get(t, "service_name"));
	const char *at = when_text(t, (time_t)get_long(t, "starts_at"));
	if (get(t, "moving_id")) {
		ask(t, "confirm", arena_printf(t->a, "Let me make sure I have this right: your %s "
						     "on %s, instead of %s. Shall I move it?",
					       service, at, when_text(t, (time_t)get_long(t,
							"moving_from"))));
		return;
	}
	const char *where = t->b.kind->on_site && get(t, "address") ?
			    arena_printf(t->a, " at %s", get(t, "address")) : "";
	ask(t, "confirm", arena_printf(t->a, "Let me make sure I have this right: %s for %s on %s%s. "
					     "Shall I book that?",
				       service, get(t, "name"), at, where));
}

/* Book what the caller confirmed. Says "booked" only once booking_book committed it. */
static int book(struct turn *t)
{
	struct booking_request req = {
		.service_id = get(t, "service_id"),
		.call_id = t->s->call_id,
		.customer_name = get(t, "name"),
		.customer_phone = get(t, "phone"),
		.address = get(t, "address"),
		.notes = get_bool(t, "urgent") ?
			 arena_printf(t->a, "Urgent: the caller reported %s.",
				      get(t, "emergency") ? get(t, "emergency") : "an emergency") :
			 NULL,
		.starts_at = (time_t)get_long(t, "starts_at"),
		.minutes = minutes(t),
	};
	struct booking_outcome outcome;

	/* booking_book runs its own transaction, which must commit before we say "booked". */
	if (db_commit(t->db) < 0)
		return -1;
	booking_book(t->db, t->a, t->s->org_id, &req, &outcome);
	switch (outcome.result) {
	case BOOKING_BOOKED:
		set(t, "appointment_id", outcome.appointment_id);
		t->out->appointment_id = outcome.appointment_id;
		say(t, "You're all set: your %s is booked for %s.",
		    lower_first(t->a, get(t, "service_name")), when_text(t, req.starts_at));
		if (t->b.sms_enabled && req.customer_phone)
			say(t, "You'll get a text confirmation shortly.");
		ask(t, "anything_else", "Is there anything else I can help you with?");
		return 0;
	case BOOKING_TAKEN:
		set(t, "starts_at", NULL);
		if (outcome.nalternatives > 0) {
			offer(t, "I'm sorry, that time was just taken.", outcome.alternatives,
			      outcome.nalternatives);
			return 0;
		}
		ask(t, "time", "I'm sorry, that time was just taken. Is there another day that "
			       "works for you?");
		return 0;
	case BOOKING_ERROR:
		break;
	}
	set(t, "message", arena_printf(t->a, "Wants %s on %s; the booking could not be saved.",
				       lower_first(t->a, get(t, "service_name")),
				       when_text(t, req.starts_at)));
	say(t, "I'm sorry, I couldn't finish the booking just now. I've kept your details, and "
	       "someone from the team will call you to confirm the time.");
	ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
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
static bool pick_alternative(struct turn *t, bool asked)
{
	json_t *list = json_object_get(t->st, "alternatives");
	int n = (int)json_array_size(list);
	int pick = asked || brain_names_choice(t->text) ? brain_find_ordinal(t->text, n) : -1;
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
	say(t, "%s it is.", when_text(t, at));
	set(t, "pending", NULL);
	t->learned = true;
	t->picked = true;
	return true;
}

/* After a change committed on its own, the turn goes on in a transaction of the business. */
static int reopen(struct turn *t)
{
	return db_in_transaction(t->db) ? 0 : db_begin_org(t->db, t->a, t->s->org_id);
}

/* The caller's appointment was found: offer to cancel it, or ask where to move it. */
static void visit_found(struct turn *t, const struct brain_visit *v, bool cancel)
{
	const char *service = lower_first(t->a, v->service_name);
	const char *at = when_text(t, v->starts_at);

	set(t, "visit_id", v->id);
	if (cancel) {
		ask(t, "visit_cancel", arena_printf(t->a, "I see your %s on %s. Would you like me to "
						    "cancel it?", service, at));
		return;
	}
	set(t, "moving_id", v->id);
	set_long(t, "moving_from", (long)v->starts_at);
	set(t, "service_id", v->service_id);
	set(t, "service_name", v->service_name);
	set_long(t, "duration_minutes", v->minutes);
	set(t, "name", v->name);
	if (v->phone) {
		set(t, "phone", v->phone);
		set_bool(t, "phone_confirmed", true);
	}
	set(t, "address", v->address);
	set_bool(t, "address_declined", true);
	set_bool(t, "booking", true);
	set(t, "starts_at", NULL);
	json_object_del(t->st, "alternatives");
	ask(t, "time", arena_printf(t->a, "I see your %s on %s. When would you like to move it to?",
				    service, at));
}

/* "I need to cancel my appointment" / "can I move my appointment": find it by caller ID. */
static int start_visit(struct turn *t, bool cancel)
{
	struct brain_visit v;
	const char *phone = get(t, "phone") ? get(t, "phone") : t->s->caller_number;
	const char *name = get(t, "name") ? get(t, "name") : brain_find_name(t->a, t->text, false);
	int found = brain_visit_find(t->db, t->a, phone, name, &v);

	if (found < 0)
		return -1;
	set(t, "visit_wanted", cancel ? "cancel" : "move");
	if (found) {
		visit_found(t, &v, cancel);
		return 0;
	}
	ask(t, "visit_name", "I couldn't find an appointment under this number. What name is the "
			     "appointment under?");
	return 0;
}

static int visit_by_name(struct turn *t)
{
	struct brain_visit v;
	const char *name = brain_find_name(t->a, t->text, true);
	bool cancel = get(t, "visit_wanted") && !strcmp(get(t, "visit_wanted"), "cancel");

	if (!name) {
		ask(t, "visit_name", "Sorry, what name is the appointment under?");
		return 0;
	}
	set(t, "name", name);
	int found = brain_visit_find(t->db, t->a, NULL, name, &v);
	if (found < 0)
		return -1;
	if (found) {
		visit_found(t, &v, cancel);
		return 0;
	}
	set(t, "message", arena_printf(t->a, "%s wants to %s an appointment that could not be "
					     "found.", name, cancel ? "cancel" : "move"));
	say(t, "I'm sorry, I can't find an appointment under %s. I'll ask the team to call you "
	       "back about it.", name);
	ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* The caller answered "would you like me to cancel it?". Says "cancelled" after the commit. */
static int visit_cancel(struct turn *t)
{
	if (!brain_says_yes(t->text)) {
		say(t, "Okay, I'll leave it as it is.");
		ask(t, "anything_else", "Is there anything else I can help you with?");
		return 0;
	}
	int rc = brain_visit_cancel(t->db, t->a, t->s->org_id, get(t, "visit_id"));
	if (rc < 0 || reopen(t) < 0)
		return -1;
	set(t, "cancelled_id", rc ? get(t, "visit_id") : NULL);
	say(t, rc ? "Done, your appointment is cancelled." :
		    "That appointment is already cancelled.");
	ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* The caller accepted the new time read back: move the appointment, never add another. */
static int move_visit(struct turn *t)
{
	time_t at = (time_t)get_long(t, "starts_at");
	int rc = brain_visit_move(t->db, t->a, t->s->org_id, get(t, "moving_id"), at);

	if (rc < 0 || reopen(t) < 0)
		return -1;
	if (rc == 0) {
		set(t, "starts_at", NULL);
		ask(t, "time", "I'm sorry, that time was just taken. What other time works for you?");
		return 0;
	}
	say(t, "Done: your %s is moved to %s.", lower_first(t->a, get(t, "service_name")),
	    when_text(t, at));
	set(t, "moved_id", get(t, "moving_id"));
	set(t, "moving_id", NULL);
	set(t, "starts_at", NULL);
	set_bool(t, "booking", false);
	ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* Replies that only make sense as the answer to what was just asked. 0, or -1 on error. */
static int handle_pending(struct turn *t)
{
	if (pending_is(t, "transfer")) {
		set(t, "pending", NULL);
		if (brain_says_yes(t->text) && t->b.transfer_phone) {
			transfer(t, "Okay, I'm connecting you now. Please stay on the line.");
			return 0;
		}
		if (brain_says_no(t->text)) {
			say(t, "No problem, let's get someone out to you as soon as we can.");
			t->learned = true;
		}
		return 0;
	}
	if (pending_is(t, "message")) {
		take_message(t, t->text);
		return 0;
	}
	if (pending_is(t, "message_name")) {
		const char *name = brain_find_name(t->a, t->text, true);
		const char *phone = brain_find_phone(t->a, t->text);
		set(t, "name", name ? name : t->text);
		if (phone) {
			set(t, "phone", phone);
			set_bool(t, "phone_confirmed", true);
		}
		message_next(t);
		return 0;
	}
	if (pending_is(t, "message_phone")) {
		const char *phone = brain_find_phone(t->a, t->text);
		if (!phone) {
			ask(t, "message_phone", "Sorry, I didn't get the number. Could you say it "
						"again, with the area code?");
			return 0;
		}
		set(t, "phone", phone);
		set_bool(t, "phone_confirmed", true);
		message_next(t);
		return 0;
	}
	if (pending_is(t, "phone_confirm")) {
		if (brain_find_phone(t->a, t->text))
			return 0;  /* the new number is taken with the other slots */
		if (brain_says_yes(t->text)) {
			set_bool(t, "phone_confirmed", true);
			set(t, "pending", NULL);
			say(t, "Great.");
			t->learned = true;
		} else if (brain_says_no(t->text)) {
			ask(t, "phone", "What's the best number to reach you?");
		}
		return 0;
	}
	if (pending_is(t, "confirm")) {
		if (brain_says_yes(t->text) && get(t, "moving_id"))
			return move_visit(t);
		if (brain_says_yes(t->text))
			return book(t);
		if (brain_says_no(t->text) && !brain_says_goodbye(t->text)) {
			set(t, "pending", "change");
			struct when w;
			if (brain_find_name(t->a, t->text, false) || brain_find_phone(t->a, t->text) ||
			    brain_find_address(t->a, t->text, false) ||
			    brain_find_spelled(t->a, t->text) ||
			    brain_when(t->text, t->b.timezone, t->now, &w) == 0)
				return 0;
			ask(t, "change", "No problem. What would you like to change?");
		}
		return 0;
	}
	if (pending_is(t, "visit_name"))
		return visit_by_name(t);
	if (pending_is(t, "visit_cancel"))
		return visit_cancel(t);
	if (pick_alternative(t, pending_is(t, "alternative")))
		return 0;
	if (pending_is(t, "address") && !brain_find_address(t->a, t->text, true) &&
	    brain_says_no(t->text) && !brain_says_goodbye(t->text)) {
		set_bool(t, "address_declined", true);
		set(t, "pending", NULL);
		say(t, "That's fine, the team will confirm it with you.");
		t->learned = true;
		return 0;
	}
	if (pending_is(t, "anything_else") && brain_says_no(t->text) &&
	    !brain_wants_booking(t->text)) {
		goodbye(t);
		return 0;
	}
	return 0;
}

/*
 * What the caller wants, without what they said they do not: "actually the cleaning, not the
 * whitening" is read as "actually the cleaning". Arena-owned.
 */
static const char *wanted_part(struct turn *t)
{
	static const char *const negations[] = { " not the ", " not a ", ", not ", " instead of ",
						  " rather than ", NULL };
	char *text = arena_strdup(t->a, t->text);

	for (char *p = text; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (const char *const *n = negations; *n; n++) {
		char *at = strstr(text, *n);
		if (!at)
			continue;
		/* The negated words run to the next comma or the end. */
		char *stop = strchr(at + strlen(*n), ',');
		const char *rest = stop ? stop : "";
		*at = '\0';
		text = arena_printf(t->a, "%s%s", text, rest);
	}
	return text;
}

/* A name given again: a lone surname ("it's Lopez, L-O-P-E-Z") keeps the first name known. */
static const char *corrected_name(struct turn *t, const char *name)
{
	const char *spelled = brain_find_spelled(t->a, t->text);
	const char *old = get(t, "name");

	if (spelled && (!name || !strchr(name, ' ')))
		name = spelled;
	if (name && old && !strchr(name, ' ') && strchr(old, ' ') &&
	    (pending_is(t, "confirm") || pending_is(t, "change") || spelled))
		return arena_printf(t->a, "%.*s %s", (int)strcspn(old, " "), old, name);
	return name;
}

/* Whatever the caller said, read for every slot at once. 0, or -1 on error. */
static int fill_slots(struct turn *t)
{
	struct service sv;
	struct when w;
	const char *emergency = business_kind_emergency(t->b.kind, t->text);
	bool confirmation = brain_is_confirmation(t->text);
	bool expecting_name = pending_is(t, "name");
	const char *name = confirmation ? NULL : brain_find_name(t->a, t->text, expecting_name);
	const char *phone = brain_find_phone(t->a, t->text);
	const char *address = confirmation ? NULL :
			      brain_find_address(t->a, t->text, pending_is(t, "address"));
	bool offer_transfer = false;

	if (emergency && !get_bool(t, "urgent")) {
		set_bool(t, "urgent", true);
		set(t, "emergency", emergency);
		set_bool(t, "booking", true);
		t->learned = true;
		if (strstr(emergency, "gas"))
			say(t, "If you smell gas, please leave the building now and call the gas "
			       "company's emergency line from outside.");
		else
			say(t, "I'm sorry, that sounds urgent.");
		offer_transfer = t->b.transfer_phone && !get_bool(t, "transfer_offered");
	}
	if (!get(t, "appointment_id") && !get(t, "moving_id") && !confirmation &&
	    !expecting_name) {
		int found = business_match_service(t->db, t->a, wanted_part(t), &sv);
		if (found < 0)
			return -1;
		if (!found && get(t, "priced_service") && !get(t, "service_id") &&
		    brain_wants_booking(t->text))
			found = business_match_service(t->db, t->a, get(t, "priced_service"), &sv);
		if (found < 0)
			return -1;
		if (found) {
			take_service(t, &sv);
			set_bool(t, "booking", true);
		}
	}
	name = corrected_name(t, name);
	if (name) {
		set(t, "name", name);
		if (expecting_name || !phone)
			say(t, "Thanks, %.*s.", (int)strcspn(name, " "), name);
		t->learned = true;
	}
	if (phone) {
		set(t, "phone", phone);
		set_bool(t, "phone_confirmed", true);
		say(t, "Got it, %s.", brain_say_phone(t->a, phone));
		t->learned = true;
	}
	if (address && t->b.kind->on_site) {
		set(t, "address", address);
		t->learned = true;
	}
	if (brain_wants_booking(t->text))
		set_bool(t, "booking", true);
	if (offer_transfer) {
		set_bool(t, "transfer_offered", true);
		ask(t, "transfer", "I can put you through to our on-call team right now. Would you "
				   "like me to transfer you?");
		return 0;
	}
	/* Numbers in a phone number or an address are not times; a chosen offer is the time. */
	const char *timed = t->text;
	if (address && strstr(t->text, address)) {
		/* "Thursday before 11. The address is 12 Elm Street": the time without it. */
		char *cut = arena_strdup(t->a, t->text);
		memset(cut + (strstr(t->text, address) - t->text), ' ', strlen(address));
		timed = cut;
	}
	if (!t->picked && !phone && !get(t, "appointment_id") && !confirmation &&
	    (!address || timed != t->text) &&
	    brain_when(timed, t->b.timezone, t->now, &w) == 0) {
		json_t *offered = json_object_get(t->st, "alternatives");
		/* "the 2 o'clock" after offers for Thursday means Thursday, not today. */
		if (w.exact && !w.has_date && json_array_size(offered) > 0)
			w.start = w.end = brain_on_day_of(w.start, (time_t)json_integer_value(
								  json_array_get(offered, 0)),
							  t->b.timezone);
		set_bool(t, "booking", true);
		json_object_del(t->st, "alternatives");
		if (handle_time(t, &w) < 0)
			return -1;
	}
	return 0;
}

/* The caller's name, number and address said alongside a question. */
static int keep_contact(struct turn *t)
{
	const char *name = brain_find_name(t->a, t->text, false);
	const char *phone = brain_find_phone(t->a, t->text);
	const char *address = t->b.kind->on_site ? brain_find_address(t->a, t->text, false) : NULL;

	if (name)
		set(t, "name", name);
	if (phone) {
		set(t, "phone", phone);
		set_bool(t, "phone_confirmed", true);
	}
	if (address)
		set(t, "address", address);
	return 0;
}

static int handle_silence(struct turn *t)
{
	long silences = get_long(t, "silences") + 1;
	const char *prompt = get(t, "prompt");

	set_long(t, "silences", silences);
	if (silences >= 2) {
		say(t, "I haven't heard anything, so I'll let you go. Please call %s back any "
		       "time. Goodbye!", t->b.name);
		set(t, "pending", "ended");
		t->out->action = BRAIN_HANG_UP;
		t->done = true;
		return 0;
	}
	say(t, "Are you still there?");
	if (prompt)
		say(t, "%s", prompt);
	else
		say(t, "How can I help you today?");
	t->done = true;
	return 0;
}

/* Questions are answered from the database without touching the booking in progress. */
static int answer_questions(struct turn *t)
{
	/* "It's Alan Price" answers "may I have your name"; it asks nothing. */
	size_t len = strlen(t->text);
	bool asks = len && t->text[len - 1] == '?';
	if (!asks && (pending_is(t, "name") || pending_is(t, "message_name") ||
		      pending_is(t, "visit_name") || brain_find_name(t->a, t->text, false)))
		return 0;
	if (brain_asks_hours(t->text)) {
		answer_hours(t);
		t->answered = true;
		return 0;
	}
	if (brain_asks_price(t->text)) {
		if (answer_price(t) < 0)
			return -1;
		t->answered = true;
		return 0;
	}
	/* "Great, can I book that?" is a request, whatever the knowledge base says of booking. */
	if (brain_is_question(t->text) && !brain_wants_booking(t->text)) {
		const char *answer = business_answer(t->db, t->a, t->text);
		if (answer) {
			say(t, "%s", answer);
			t->answered = true;
		}
	}
	return 0;
}

static int rules_turn(struct turn *t)
{
	if (!t->text[0])
		return handle_silence(t);
	set_long(t, "silences", 0);
	if (pending_is(t, "ended") || pending_is(t, "transferred")) {
		goodbye(t);
		return 0;
	}
	bool was_message = pending_is(t, "message") || pending_is(t, "message_name") ||
			   pending_is(t, "message_phone");
	if (!was_message && !pending_is(t, "transfer")) {
		if (brain_says_goodbye(t->text) && !pending_is(t, "confirm")) {
			goodbye(t);
			return 0;
		}
		if (brain_wants_message(t->text)) {
			if (message_in_line(t->text))
				take_message(t, t->text);
			else
				ask(t, "message", "Of course. Go ahead with your message, and I'll "
						  "make sure it gets passed on.");
			return 0;
		}
		if ((brain_wants_cancel(t->text) || brain_wants_move(t->text)) &&
		    !pending_is(t, "visit_cancel"))
			return start_visit(t, brain_wants_cancel(t->text));
		if (brain_wants_person(t->text)) {
			if (t->b.transfer_phone)
				transfer(t, "Of course, I'll connect you with someone now. Please hold.");
			else
				ask(t, "message", "Everyone is out on jobs right now, but I can take "
						  "a message and have someone call you back. What "
						  "would you like me to pass on?");
			return 0;
		}
	}
	if (handle_pending(t) < 0)
		return -1;
	if (t->done)
		return 0;
	if (answer_questions(t) < 0)
		return -1;
	if (t->answered) {
		/* "This is Ana, what are your hours?": the answer, and Ana is kept too. */
		if (keep_contact(t) < 0)
			return -1;
	} else {
		if (fill_slots(t) < 0)
			return -1;
		if (t->done)
			return 0;
		if (!t->learned && !pending_is(t, "change")) {
			if (brain_is_question(t->text)) {
				say(t, "I'm sorry, that's outside what I know here. I can help with "
				       "%s's appointments, prices and hours.", t->b.name);
				t->answered = true;
			} else if (pending_is(t, "anything_else") && brain_says_yes(t->text) &&
				   !get_bool(t, "booking")) {
				ask(t, "anything_else", "Sure, what can I help you with?");
				return 0;
			} else if (asks_for_help(t->text) &&
				   (pending_is(t, "service") || !get(t, "pending"))) {
				/* A need the business's services do not name: with none listed the
				 * team takes it from a message; else offer what the business does. */
				const char *list = services_spoken(t);
				if (!*list) {
					take_message(t, t->text);
					return 0;
				}
				ask(t, "service", arena_printf(t->a, "Sure. Is that for %s?", list));
				return 0;
			} else {
				say(t, "Sorry, I didn't quite catch that.");
			}
		}
	}
	ask_next(t);
	return 0;
}

int brain_rules_turn(struct db *db, struct arena *a, struct brain_session *s,
		     const char *caller_text, brain_clause_fn on_clause, void *arg,
		     struct brain_reply *reply)
{
	struct turn t = {
		.db = db, .a = a, .s = s, .st = s->state, .text = caller_text ? caller_text : "",
		.now = s->now ? s->now : time(NULL), .on_clause = on_clause, .arg = arg,
		.reply = "", .out = reply,
	};
	int rc = -1;

	reply->action = BRAIN_LISTEN;
	reply->transfer_to = NULL;
	reply->appointment_id = NULL;
	if (db_begin_org(db, a, s->org_id) < 0)
		goto out;
	if (business_load(db, a, s->org_id, &t.b) < 0)
		goto out;
	if (rules_turn(&t) < 0)
		goto out;
	if (db_in_transaction(db) && db_commit(db) < 0)
		goto out;
	reply->text = t.reply;
	reply->engine = "rules";
	rc = 0;
out:
	if (db_in_transaction(db))
		db_rollback(db);
	if (rc < 0)
		log_error("could not answer the turn with the rules engine org=%s", s->org_id);
	return rc;
}
