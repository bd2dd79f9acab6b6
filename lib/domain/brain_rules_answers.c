/* brain_rules_answers.c: the rules receptionist's answers, messages, transfers and changes to a booking */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "domain/booking.h"
#include "domain/brain_engines.h"
#include "domain/brain_rules.h"
#include "domain/business.h"
#include "domain/business_kind.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/when.h"

/* The opening hours of one day of the week ("sat") as "9 AM to 1 PM", NULL if closed. */
static const char *day_hours(struct turn *t, const char *key)
{
	return business_day_hours(t->a, &t->b, key);
}

void rules_answer_hours(struct turn *t)
{
	struct when w;
	const char *lower = rules_lower_first(t->a, t->text);

	if (strstr(lower, "now") || strstr(lower, "today") || strstr(lower, "still open")) {
		rules_say(t, business_is_open(&t->b, t->now) ? "Yes, we're open right now." :
							 "We're closed right now.");
		rules_say(t, "%s", business_hours_sentence(t->a, &t->b));
		return;
	}
	if (when_parse(t->text, t->b.timezone, t->now, &w) == 0 && w.has_date) {
		const char *spoken = rules_when_text(t, w.start);
		const char *day = arena_strndup(t->a, spoken, strcspn(spoken, ","));
		char key[4] = { (char)tolower((unsigned char)day[0]),
				(char)tolower((unsigned char)day[1]),
				(char)tolower((unsigned char)day[2]), '\0' };
		const char *hours = day_hours(t, key);
		if (hours)
			rules_say(t, "Yes, on %s we're open %s.", day, hours);
		else
			rules_say(t, "No, we're closed on %ss.", day);
		return;
	}
	rules_say(t, "%s", business_hours_sentence(t->a, &t->b));
}

int rules_answer_price(struct turn *t)
{
	struct service sv, *all;
	static const char *const deictic[] = { " that", " it", " this", NULL };
	bool about_chosen = false;
	for (const char *const *d = deictic; *d && get(t, "service_name"); d++) {
		const char *at = strcasestr(t->text, *d);
		about_chosen = about_chosen || (at && !isalnum((unsigned char)at[strlen(*d)]));
	}
	/* "How much will that be?" in the middle of booking asks about the service chosen. */
	int found = about_chosen ? 0 : business_match_service(t->db, t->a, t->text, &sv);
	if (found == 0 && get(t, "service_name"))
		found = business_match_service(t->db, t->a, get(t, "service_name"), &sv);
	if (found < 0)
		return -1;
	if (found) {
		rules_say(t, "%s is %s.", sv.name,
			  sv.price_cents ? business_price_text(t->a, sv.price_cents) : "free of charge");
		/* "OK, book that" next means this service. */
		set(t, "priced_service", sv.name);
		return 0;
	}
	int n = business_services(t->db, t->a, &all);
	if (n < 0)
		return -1;
	if (n == 0) {
		rules_say(t, "Our prices depend on the job; someone from the team can give you a quote.");
		return 0;
	}
	const char *list = "";
	for (int i = 0; i < n && i < 6; i++)
		list = arena_printf(t->a, "%s%s%s is %s", list,
				    i == 0 ? "" : i == n - 1 || i == 5 ? ", and " : ", ",
				    i == 0 ? rules_upper_first(t->a, all[i].name) :
					 rules_lower_first(t->a, all[i].name),
				    business_price_text(t->a, all[i].price_cents));
	rules_say(t, "%s.", list);
	return 0;
}

void rules_goodbye(struct turn *t)
{
	if (get(t, "appointment_id"))
		rules_say(t, "Thanks for booking with %s. Have a great day, goodbye!", t->b.name);
	else if (get(t, "message"))
		rules_say(t, "Thanks for calling %s. I'll make sure your message gets passed on. "
		       "Goodbye!", t->b.name);
	else
		rules_say(t, "Thanks for calling %s. Have a great day, goodbye!", t->b.name);
	set(t, "pending", "ended");
	t->out->action = BRAIN_HANG_UP;
	t->done = true;
}

void rules_transfer(struct turn *t, const char *sentence)
{
	rules_say(t, "%s", sentence);
	set(t, "transfer_to", t->b.transfer_phone);
	set(t, "pending", "transferred");
	t->out->action = BRAIN_TRANSFER;
	t->out->transfer_to = t->b.transfer_phone;
	t->done = true;
}

/* The message is taken; ask who it is from and how to call back, when not yet known. */
void rules_message_next(struct turn *t)
{
	if (!get(t, "name")) {
		rules_ask(t, "message_name", "And who should I say the message is from?");
		return;
	}
	if (!get(t, "phone")) {
		rules_ask(t, "message_phone", "What's the best number for them to call you back on?");
		return;
	}
	rules_say(t, "Thanks, %.*s. Someone will get back to you at %s.",
	    (int)strcspn(get(t, "name"), " "), get(t, "name"),
	    brain_say_phone(t->a, get(t, "phone")));
	rules_ask(t, "anything_else", "Is there anything else I can help you with?");
}

/* "I'd like to leave a message for Dana: the invoice is wrong" carries the message itself. */
bool rules_message_in_line(const char *text)
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
bool rules_asks_for_help(const char *text)
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

void rules_take_message(struct turn *t, const char *message)
{
	set(t, "message", message);
	rules_say(t, "Thank you, I've got your message and I'll pass it on to the team.");
	rules_message_next(t);
}

/* Up to six of the business's services as spoken: "drain cleaning, ... or leak repair". */
const char *rules_services_spoken(struct turn *t)
{
	struct service *all;
	int n = business_services(t->db, t->a, &all);
	const char *list = "";

	for (int i = 0; i < n && i < 6; i++)
		list = arena_printf(t->a, "%s%s%s", list,
				    i == 0 ? "" : i == n - 1 || i == 5 ? " or " : ", ",
				    rules_lower_first(t->a, all[i].name));
	return list;
}

/* After a change committed on its own, the turn goes on in a transaction of the business. */
int rules_reopen(struct turn *t)
{
	return db_in_transaction(t->db) ? 0 : db_begin_org(t->db, t->a, t->s->org_id);
}

/* The caller's appointment was found: offer to cancel it, or ask where to move it. */
static void visit_found(struct turn *t, const struct brain_visit *v, bool cancel)
{
	const char *service = rules_lower_first(t->a, v->service_name);
	const char *at = rules_when_text(t, v->starts_at);

	set(t, "visit_id", v->id);
	if (cancel) {
		rules_ask(t, "visit_cancel", arena_printf(t->a, "I see your %s on %s. Would you like me to "
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
	rules_ask(t, "time", arena_printf(t->a, "I see your %s on %s. When would you like to move it to?",
				    service, at));
}

/* "I need to cancel my appointment" / "can I move my appointment": find it by caller ID. */
int rules_start_visit(struct turn *t, bool cancel)
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
	rules_ask(t, "visit_name", "I couldn't find an appointment under this number. What name is the "
			     "appointment under?");
	return 0;
}

int rules_visit_by_name(struct turn *t)
{
	struct brain_visit v;
	const char *name = brain_find_name(t->a, t->text, true);
	bool cancel = get(t, "visit_wanted") && !strcmp(get(t, "visit_wanted"), "cancel");

	if (!name) {
		rules_ask(t, "visit_name", "Sorry, what name is the appointment under?");
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
	rules_say(t, "I'm sorry, I can't find an appointment under %s. I'll ask the team to call you "
	       "back about it.", name);
	rules_ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* The caller answered "would you like me to cancel it?". Says "cancelled" after the commit. */
int rules_visit_cancel(struct turn *t)
{
	if (!brain_says_yes(t->text)) {
		rules_say(t, "Okay, I'll leave it as it is.");
		rules_ask(t, "anything_else", "Is there anything else I can help you with?");
		return 0;
	}
	int rc = brain_visit_cancel(t->db, t->a, t->s->org_id, get(t, "visit_id"));
	if (rc < 0 || rules_reopen(t) < 0)
		return -1;
	set(t, "cancelled_id", rc ? get(t, "visit_id") : NULL);
	rules_say(t, rc ? "Done, your appointment is cancelled." :
		    "That appointment is already cancelled.");
	rules_ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* The caller accepted the new time read back: move the appointment, never add another. */
int rules_move_visit(struct turn *t)
{
	time_t at = (time_t)get_long(t, "starts_at");
	int rc = brain_visit_move(t->db, t->a, t->s->org_id, get(t, "moving_id"), at);

	if (rc < 0 || rules_reopen(t) < 0)
		return -1;
	if (rc == 0) {
		set(t, "starts_at", NULL);
		rules_ask(t, "time", "I'm sorry, that time was just taken. What other time works for you?");
		return 0;
	}
	rules_say(t, "Done: your %s is moved to %s.", rules_lower_first(t->a, get(t, "service_name")),
	    rules_when_text(t, at));
	set(t, "moved_id", get(t, "moving_id"));
	set(t, "moving_id", NULL);
	set(t, "starts_at", NULL);
	set_bool(t, "booking", false);
	rules_ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}
