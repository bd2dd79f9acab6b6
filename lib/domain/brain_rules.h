/* brain_rules.h: the rules engine's turn, shared by its own files (brain_rules*.c) only */
#ifndef SB_BRAIN_RULES_H
#define SB_BRAIN_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "domain/brain.h"
#include "domain/brain_engines.h"
#include "domain/business.h"
#include "infra/json.h"

struct when;

/*
 * One turn of the rules engine. The state's "pending" names what the receptionist asked
 * last, so a bare "yes" or "Ana" is read as the answer to it:
 *   name, phone, phone_confirm, service, time, address   a slot
 *   alternative    free times were offered ("alternatives" holds them, in spoken order)
 *   confirm        the booking was read back
 *   change         the caller said the read-back was wrong
 *   transfer       a transfer to the business's transfer phone was offered
 *   message, message_name, message_phone   taking a message
 *   visit_name     the caller's appointment was not found by number: whose is it
 *   visit_cancel   the caller's appointment was read out: cancel it?
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

static inline const char *get(struct turn *t, const char *key)
{
	return json_str(t->st, key);
}


static inline void set(struct turn *t, const char *key, const char *value)
{
	if (value)
		json_object_set_new(t->st, key, json_string(value));
	else
		json_object_del(t->st, key);
}


static inline long get_long(struct turn *t, const char *key)
{
	long v = 0;
	return json_long(t->st, key, &v) == 0 ? v : 0;
}


static inline void set_long(struct turn *t, const char *key, long v)
{
	json_object_set_new(t->st, key, json_integer(v));
}


static inline bool get_bool(struct turn *t, const char *key)
{
	return json_bool(t->st, key, false);
}


static inline void set_bool(struct turn *t, const char *key, bool v)
{
	json_object_set_new(t->st, key, json_boolean(v));
}


static inline bool pending_is(struct turn *t, const char *what)
{
	const char *p = get(t, "pending");
	return p && !strcmp(p, what);
}

/* Add one sentence to the reply and hand it to speech at once. */
void rules_say(struct turn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ask a question: say it, remember it, and wait for its answer. */
void rules_ask(struct turn *t, const char *pending, const char *question);

/* A moment as spoken in the business's zone: "Tuesday, March 3 at 2 PM". Arena-owned. */
const char *rules_when_text(struct turn *t, time_t at);

/* s with its first letter in lower (upper) case, for a service name mid-sentence. Arena. */
const char *rules_lower_first(struct arena *a, const char *s);
const char *rules_upper_first(struct arena *a, const char *s);

/* The chosen service's length in minutes (60 before one is chosen). */
int rules_minutes(struct turn *t);

/* The caller's need matched a service: remember it and say so. */
void rules_take_service(struct turn *t, const struct service *sv);

/* Offer free times and wait for the caller to pick one. */
void rules_offer(struct turn *t, const char *lead, time_t *times, int n);

/* The caller named a time: take it when free, otherwise offer the nearest free ones. */
int rules_handle_time(struct turn *t, const struct when *w);

/* Times offered earlier and not yet chosen are offered again rather than forgotten. */
bool rules_reoffer(struct turn *t);

/* An emergency with nobody to transfer to gets the soonest free times, unasked. */
bool rules_offer_soonest(struct turn *t);

/*
 * An alternative the caller picked: "the first one", "the 3 o'clock", "the later one", "yes"
 * to a single one. Offered times stay on offer while the caller answers something else, so
 * the choice may come turns later; then only a clear choice counts (asked is false), never a
 * stray "first".
 */
bool rules_pick_alternative(struct turn *t, bool asked);

/*
 * Up to BOOKING_ALTERNATIVES free starts inside [from, to), spread over it: the earliest,
 * then each next one at least 90 minutes later where the window allows, so "Friday" is
 * offered as a real choice of the day rather than three quarter-hours in a row. Returns how
 * many (in time order), or -1 on error.
 */
int rules_free_in_window(struct turn *t, time_t from, time_t to, time_t *out);

void rules_answer_hours(struct turn *t);

int rules_answer_price(struct turn *t);

void rules_goodbye(struct turn *t);

void rules_transfer(struct turn *t, const char *sentence);

/* The message is taken; ask who it is from and how to call back, when not yet known. */
void rules_message_next(struct turn *t);

/* "I'd like to leave a message for Dana: the invoice is wrong" carries the message itself. */
bool rules_message_in_line(const char *text);

/* "I need a plumber", "we have a problem with the heater": the caller states a need. */
bool rules_asks_for_help(const char *text);

void rules_take_message(struct turn *t, const char *message);

/* Up to six of the business's services as spoken: "drain cleaning, ... or leak repair". */
const char *rules_services_spoken(struct turn *t);

/* After a change committed on its own, the turn goes on in a transaction of the business. */
int rules_reopen(struct turn *t);

/* "I need to cancel my appointment" / "can I move my appointment": find it by caller ID. */
int rules_start_visit(struct turn *t, bool cancel);

int rules_visit_by_name(struct turn *t);

/* The caller answered "would you like me to cancel it?". Says "cancelled" after the commit. */
int rules_visit_cancel(struct turn *t);

/* The caller accepted the new time read back: move the appointment, never add another. */
int rules_move_visit(struct turn *t);

#endif
