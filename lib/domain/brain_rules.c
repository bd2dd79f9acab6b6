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
#include "domain/brain_rules.h"
#include "domain/business.h"
#include "domain/business_kind.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/when.h"

/* Add one sentence to the reply and hand it to speech at once. */
void rules_say(struct turn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rules_say(struct turn *t, const char *fmt, ...)
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
void rules_ask(struct turn *t, const char *pending, const char *question)
{
	rules_say(t, "%s", question);
	set(t, "pending", pending);
	set(t, "prompt", question);
	t->done = true;
}

const char *rules_when_text(struct turn *t, time_t at)
{
	char buf[96];
	when_say(at, t->b.timezone, buf, sizeof(buf));
	return arena_strdup(t->a, buf);
}

const char *rules_lower_first(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	if (c[0] && !(c[1] && isupper((unsigned char)c[1])))
		c[0] = (char)tolower((unsigned char)c[0]);
	return c;
}

const char *rules_upper_first(struct arena *a, const char *s)
{
	char *c = arena_strdup(a, s);
	c[0] = (char)toupper((unsigned char)c[0]);
	return c;
}

int rules_minutes(struct turn *t)
{
	long m = get_long(t, "duration_minutes");
	return m > 0 ? (int)m : 60;
}

void rules_take_service(struct turn *t, const struct service *sv)
{
	const char *old = get(t, "service_id");
	if (old && !strcmp(old, sv->id))
		return;
	set(t, "service_id", sv->id);
	set(t, "service_name", sv->name);
	set_long(t, "duration_minutes", sv->duration_minutes);
	rules_say(t, "I can help you with %s.", rules_lower_first(t->a, sv->name));
	t->learned = true;
}

static void ask_next(struct turn *t)
{
	if (get(t, "appointment_id") || !get_bool(t, "booking")) {
		if (t->answered || get(t, "appointment_id"))
			rules_ask(t, "anything_else", "Is there anything else I can help you with?");
		else
			rules_ask(t, "anything_else", "Would you like to book a visit, or is there "
						"something I can answer for you?");
		return;
	}
	if (!get(t, "service_id")) {
		const char *list = rules_services_spoken(t);
		rules_ask(t, "service", *list ? arena_printf(t->a, "What can we help you with? We do %s.",
						       list) :
					  "What can we help you with?");
		return;
	}
	if (!get(t, "name")) {
		rules_ask(t, "name", "May I have your name, please?");
		return;
	}
	if (!get(t, "phone")) {
		rules_ask(t, "phone", "What's the best number to reach you?");
		return;
	}
	if (!get_bool(t, "phone_confirmed")) {
		rules_ask(t, "phone_confirm", arena_printf(t->a, "I have %s, is that the best number?",
						     brain_say_phone(t->a, get(t, "phone"))));
		return;
	}
	if (!get_long(t, "starts_at")) {
		if (rules_reoffer(t) || rules_offer_soonest(t))
			return;
		rules_ask(t, "time", get_bool(t, "urgent") ? "What's the soonest time that works for you?" :
			       t->b.kind->on_site ? "When would you like us to come out?" :
			       arena_printf(t->a, "When would you like to %s?", t->b.kind->visit));
		return;
	}
	if (t->b.kind->on_site && !get(t, "address") && !get_bool(t, "address_declined")) {
		rules_ask(t, "address", "And what's the address for the visit?");
		return;
	}
	const char *service = rules_lower_first(t->a, get(t, "service_name"));
	const char *at = rules_when_text(t, (time_t)get_long(t, "starts_at"));
	if (get(t, "moving_id")) {
		rules_ask(t, "confirm", arena_printf(t->a, "Let me make sure I have this right: your %s "
						     "on %s, instead of %s. Shall I move it?",
					       service, at, rules_when_text(t, (time_t)get_long(t,
							"moving_from"))));
		return;
	}
	const char *where = t->b.kind->on_site && get(t, "address") ?
			    arena_printf(t->a, " at %s", get(t, "address")) : "";
	rules_ask(t, "confirm", arena_printf(t->a, "Let me make sure I have this right: %s for %s on %s%s. "
					     "Shall I book that?",
				       service, get(t, "name"), at, where));
}

/* How the receptionist finds the business's own address in its knowledge base. */
static const char WHERE_QUESTION[] = "Where are you located? What is your address?";

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
		.minutes = rules_minutes(t),
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
		rules_say(t, "You're all set: your %s is booked for %s.",
			  rules_lower_first(t->a, get(t, "service_name")),
			  rules_when_text(t, req.starts_at));
		/* A caller who comes to the business hears where to come. */
		if (!t->b.kind->on_site && rules_reopen(t) == 0) {
			const char *where = business_answer(t->db, t->a, WHERE_QUESTION);
			if (where)
				rules_say(t, "%s", where);
		}
		if (t->b.sms_enabled && req.customer_phone)
			rules_say(t, "You'll get a text confirmation shortly.");
		rules_ask(t, "anything_else", "Is there anything else I can help you with?");
		return 0;
	case BOOKING_TAKEN:
		set(t, "starts_at", NULL);
		if (outcome.nalternatives > 0) {
			rules_offer(t, "I'm sorry, that time was just taken.", outcome.alternatives,
			      outcome.nalternatives);
			return 0;
		}
		rules_ask(t, "time", "I'm sorry, that time was just taken. Is there another day that "
			       "works for you?");
		return 0;
	case BOOKING_ERROR:
		break;
	}
	set(t, "message", arena_printf(t->a, "Wants %s on %s; the booking could not be saved.",
				       rules_lower_first(t->a, get(t, "service_name")),
				       rules_when_text(t, req.starts_at)));
	rules_say(t, "I'm sorry, I couldn't finish the booking just now. I've kept your details, and "
	       "someone from the team will call you to confirm the time.");
	rules_ask(t, "anything_else", "Is there anything else I can help you with?");
	return 0;
}

/* Replies that only make sense as the answer to what was just asked. 0, or -1 on error. */
static int handle_pending(struct turn *t)
{
	if (pending_is(t, "transfer")) {
		set(t, "pending", NULL);
		if (brain_says_yes(t->text) && t->b.transfer_phone) {
			rules_transfer(t, "Okay, I'm connecting you now. Please stay on the line.");
			return 0;
		}
		if (brain_says_no(t->text)) {
			rules_say(t, "No problem, let's get someone out to you as soon as we can.");
			t->learned = true;
		}
		return 0;
	}
	if (pending_is(t, "message")) {
		rules_take_message(t, t->text);
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
		rules_message_next(t);
		return 0;
	}
	if (pending_is(t, "message_phone")) {
		const char *phone = brain_find_phone(t->a, t->text);
		if (!phone) {
			rules_ask(t, "message_phone", "Sorry, I didn't get the number. Could you say it "
						"again, with the area code?");
			return 0;
		}
		set(t, "phone", phone);
		set_bool(t, "phone_confirmed", true);
		rules_message_next(t);
		return 0;
	}
	if (pending_is(t, "phone_confirm")) {
		if (brain_find_phone(t->a, t->text))
			return 0;  /* the new number is taken with the other slots */
		if (brain_says_yes(t->text)) {
			set_bool(t, "phone_confirmed", true);
			set(t, "pending", NULL);
			rules_say(t, "Great.");
			t->learned = true;
		} else if (brain_says_no(t->text)) {
			rules_ask(t, "phone", "What's the best number to reach you?");
		}
		return 0;
	}
	if (pending_is(t, "confirm")) {
		if (brain_says_yes(t->text) && get(t, "moving_id"))
			return rules_move_visit(t);
		if (brain_says_yes(t->text))
			return book(t);
		if (brain_says_no(t->text) && !brain_says_goodbye(t->text)) {
			set(t, "pending", "change");
			struct when w;
			struct service sv;
			int service = business_match_service(t->db, t->a, t->text, &sv);
			if (service < 0)
				return -1;
			/* "No, I wanted the leak repair": the change is in the same breath. */
			if (service || brain_find_name(t->a, t->text, false) ||
			    brain_find_phone(t->a, t->text) ||
			    brain_find_address(t->a, t->text, false) ||
			    brain_find_spelled(t->a, t->text) ||
			    brain_when(t->text, t->b.timezone, t->now, &w) == 0)
				return 0;
			rules_ask(t, "change", "No problem. What would you like to change?");
		}
		return 0;
	}
	if (pending_is(t, "visit_name"))
		return rules_visit_by_name(t);
	if (pending_is(t, "visit_cancel"))
		return rules_visit_cancel(t);
	if (rules_pick_alternative(t, pending_is(t, "alternative")))
		return 0;
	if (pending_is(t, "address") && !brain_find_address(t->a, t->text, true) &&
	    brain_says_no(t->text) && !brain_says_goodbye(t->text)) {
		set_bool(t, "address_declined", true);
		set(t, "pending", NULL);
		rules_say(t, "That's fine, the team will confirm it with you.");
		t->learned = true;
		return 0;
	}
	if (pending_is(t, "anything_else") && brain_says_no(t->text) &&
	    !brain_wants_booking(t->text)) {
		rules_goodbye(t);
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

/*
 * A question about anything but the business's times ("what's the weather like this weekend?")
 * names no time to book: only a caller already booking, answering "when?", or asking what is
 * free has a time read from a question.
 */
static bool question_names_no_booking(struct turn *t)
{
	static const char *const free_words[] = {
		"available", "availability", "opening", "openings", "appointment", "slot", "slots",
		"anything", "fit me", "fit us", "come in", "come out", "free", "book", "schedule",
		"see me", "see us", NULL,
	};

	if (!brain_is_question(t->text) || get_bool(t, "booking") || pending_is(t, "time"))
		return false;
	for (const char *const *w = free_words; *w; w++)
		if (strcasestr(t->text, *w))
			return false;
	return true;
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
			rules_say(t, "If you smell gas, please leave the building now and call the gas "
			       "company's emergency line from outside.");
		else
			rules_say(t, "I'm sorry, that sounds urgent.");
		offer_transfer = t->b.transfer_phone && !get_bool(t, "transfer_offered");
	}
	if (!get(t, "appointment_id") && !get(t, "moving_id") && !confirmation &&
	    !expecting_name) {
		int found = business_match_service(t->db, t->a, wanted_part(t), &sv);
		if (found < 0)
			return -1;
		if (found) {
			rules_take_service(t, &sv);
			set_bool(t, "booking", true);
		}
	}
	/* "OK, book that" after a price: the service just priced. */
	if (!get(t, "service_id") && get(t, "priced_service") && brain_wants_booking(t->text)) {
		int found = business_match_service(t->db, t->a, get(t, "priced_service"), &sv);
		if (found < 0)
			return -1;
		if (found) {
			rules_take_service(t, &sv);
			set_bool(t, "booking", true);
		}
	}
	name = corrected_name(t, name);
	if (name) {
		set(t, "name", name);
		if (expecting_name || !phone)
			rules_say(t, "Thanks, %.*s.", (int)strcspn(name, " "), name);
		t->learned = true;
	}
	if (phone) {
		set(t, "phone", phone);
		set_bool(t, "phone_confirmed", true);
		rules_say(t, "Got it, %s.", brain_say_phone(t->a, phone));
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
		rules_ask(t, "transfer", "I can put you through to our on-call team right now. Would you "
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
	    (!address || timed != t->text) && !question_names_no_booking(t) &&
	    brain_when(timed, t->b.timezone, t->now, &w) == 0) {
		json_t *offered = json_object_get(t->st, "alternatives");
		/* "the 2 o'clock" after offers for Thursday means Thursday, not today. */
		if (w.exact && !w.has_date && json_array_size(offered) > 0)
			w.start = w.end = brain_on_day_of(w.start, (time_t)json_integer_value(
								  json_array_get(offered, 0)),
							  t->b.timezone);
		set_bool(t, "booking", true);
		json_object_del(t->st, "alternatives");
		if (rules_handle_time(t, &w) < 0)
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
		rules_say(t, "I haven't heard anything, so I'll let you go. Please call %s back any "
		       "time. Goodbye!", t->b.name);
		set(t, "pending", "ended");
		t->out->action = BRAIN_HANG_UP;
		t->done = true;
		return 0;
	}
	rules_say(t, "Are you still there?");
	if (prompt)
		rules_say(t, "%s", prompt);
	else
		rules_say(t, "How can I help you today?");
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
		rules_answer_hours(t);
		t->answered = true;
		return 0;
	}
	if (brain_asks_price(t->text)) {
		if (rules_answer_price(t) < 0)
			return -1;
		t->answered = true;
		return 0;
	}
	/* "Great, can I book that?" is a request, whatever the knowledge base says of booking. */
	if (brain_is_question(t->text) && !brain_wants_booking(t->text)) {
		const char *answer = business_answer(t->db, t->a, t->text);
		if (answer) {
			rules_say(t, "%s", answer);
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
		rules_goodbye(t);
		return 0;
	}
	bool was_message = pending_is(t, "message") || pending_is(t, "message_name") ||
			   pending_is(t, "message_phone");
	if (!was_message && !pending_is(t, "transfer")) {
		if (brain_says_goodbye(t->text) && !pending_is(t, "confirm")) {
			rules_goodbye(t);
			return 0;
		}
		if (brain_wants_message(t->text)) {
			if (rules_message_in_line(t->text))
				rules_take_message(t, t->text);
			else
				rules_ask(t, "message", "Of course. Go ahead with your message, and I'll "
						  "make sure it gets passed on.");
			return 0;
		}
		if ((brain_wants_cancel(t->text) || brain_wants_move(t->text)) &&
		    !pending_is(t, "visit_cancel"))
			return rules_start_visit(t, brain_wants_cancel(t->text));
		if (brain_wants_person(t->text)) {
			if (t->b.transfer_phone)
				rules_transfer(t, "Of course, I'll connect you with someone now. Please hold.");
			else
				rules_ask(t, "message", "Everyone is out on jobs right now, but I can take "
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
				rules_say(t, "I'm sorry, that's outside what I know here. I can help with "
				       "%s's appointments, prices and hours.", t->b.name);
				t->answered = true;
			} else if (pending_is(t, "anything_else") && brain_says_yes(t->text) &&
				   !get_bool(t, "booking")) {
				rules_ask(t, "anything_else", "Sure, what can I help you with?");
				return 0;
			} else if (rules_asks_for_help(t->text) &&
				   (pending_is(t, "service") || !get(t, "pending"))) {
				/* A need the business's services do not name: with none listed the
				 * team takes it from a message; else offer what the business does. */
				const char *list = rules_services_spoken(t);
				if (!*list) {
					rules_take_message(t, t->text);
					return 0;
				}
				rules_ask(t, "service", arena_printf(t->a, "Sure. Is that for %s?", list));
				return 0;
			} else {
				rules_say(t, "Sorry, I didn't quite catch that.");
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
