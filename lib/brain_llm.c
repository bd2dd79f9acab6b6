/* brain_llm.c: the LLM engine: a chat model with the receptionist's tools, within the budget */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"
#include "booking.h"
#include "brain_engines.h"
#include "buf.h"
#include "business.h"
#include "conf.h"
#include "db.h"
#include "json.h"
#include "llm.h"
#include "log.h"
#include "when.h"

/* Requests to the model in one turn: ask, run its tools, ask again, at most this often. */
#define LLM_ROUNDS 3
/* Earlier turns sent with each request; older ones add cost, not understanding. */
#define LLM_HISTORY_TURNS 40
/* A request with less time than this left cannot be answered; the rules engine can. */
#define LLM_MIN_REQUEST_MS 50
/* Free starts looked at for a window ("tomorrow morning") before keeping those inside it. */
#define LLM_WINDOW_CANDIDATES 12

/*
 * The tools offered to the model, in the OpenAI shape. The service parameters also get the
 * business's own service names as an enum when the turn starts.
 */
static const char TOOLS_JSON[] =
	"[{\"type\":\"function\",\"function\":{\"name\":\"check_availability\","
	"\"description\":\"Whether a time is free for a visit, and the nearest free start times."
	" Use before offering or booking a time.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"start\":{\"type\":\"string\",\"description\":\"When the caller wants the visit: their"
	" own words ('tomorrow at 2 pm', 'Friday morning') or a start value an earlier check"
	" returned\"},"
	"\"service\":{\"type\":\"string\",\"description\":\"The service, by name\"}},"
	"\"required\":[\"start\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"book_appointment\","
	"\"description\":\"Book a visit. Only a result with booked true means it is booked.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"service\":{\"type\":\"string\",\"description\":\"The service, by name\"},"
	"\"start\":{\"type\":\"string\",\"description\":\"An exact time: a start value"
	" check_availability returned, or the caller's words naming a day and a time\"},"
	"\"customer_name\":{\"type\":\"string\"},"
	"\"customer_phone\":{\"type\":\"string\",\"description\":\"E.164; the caller's number"
	" when they gave no other\"},"
	"\"address\":{\"type\":\"string\",\"description\":\"Where the visit is\"},"
	"\"notes\":{\"type\":\"string\",\"description\":\"What the problem is, in a few words\"}},"
	"\"required\":[\"service\",\"start\",\"customer_name\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"lookup_service\","
	"\"description\":\"Find the service that fits what the caller needs, with its price and"
	" duration.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"query\":{\"type\":\"string\",\"description\":\"What the caller needs, in their"
	" words\"}},\"required\":[\"query\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"answer_from_knowledge\","
	"\"description\":\"The business's own answer to a question (policies, areas served,"
	" payment, warranties). Say only what it returns.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"question\":{\"type\":\"string\"}},\"required\":[\"question\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"transfer_to_human\","
	"\"description\":\"Connect the caller to a person at the business.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"reason\":{\"type\":\"string\"}}}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"take_message\","
	"\"description\":\"Leave a message for the business to call back.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{"
	"\"name\":{\"type\":\"string\"},"
	"\"phone\":{\"type\":\"string\",\"description\":\"E.164 callback number\"},"
	"\"message\":{\"type\":\"string\"}},\"required\":[\"message\"]}}},"
	"{\"type\":\"function\",\"function\":{\"name\":\"end_call\","
	"\"description\":\"Hang up after saying goodbye, once the caller is done.\","
	"\"parameters\":{\"type\":\"object\",\"properties\":{}}}}]";

/* One turn in progress: what the business is, what was said, and what the tools did. */
struct llm_turn {
	struct db *db;
	struct arena *a;
	struct brain_session *s;
	time_t now;
	struct business biz;
	struct service *services;
	int nservices;
	brain_clause_fn on_clause;
	void *arg;
	struct buf pending;        /* streamed text not yet a whole clause */
	struct buf spoken;         /* every clause passed on so far */
	struct timespec started;
	long first_clause_ms;
	json_t *slots;             /* state keys to set when the turn succeeds */
	enum brain_action action;
	const char *transfer_to;
	const char *appointment_id;
	const char *booked_sentence;
};

static long turn_elapsed_ms(const struct llm_turn *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->started.tv_sec) * 1000 +
	       (now.tv_nsec - t->started.tv_nsec) / 1000000;
}

/* Pass one clause on: trimmed, whitespace runs made single spaces, never empty. */
static void turn_say(struct llm_turn *t, const char *text, size_t len)
{
	struct buf clause = BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		if (c == ' ' && (!clause.len || clause.data[clause.len - 1] == ' '))
			continue;
		buf_putc(&clause, c);
	}
	while (clause.len && clause.data[clause.len - 1] == ' ')
		clause.data[--clause.len] = '\0';
	if (clause.len) {
		if (t->first_clause_ms < 0)
			t->first_clause_ms = turn_elapsed_ms(t);
		if (t->spoken.len)
			buf_putc(&t->spoken, ' ');
		buf_add(&t->spoken, clause.data, clause.len);
		if (t->on_clause)
			t->on_clause(t->arg, clause.data);
	}
	buf_release(&clause);
}

/*
 * Text as it streams: a clause ends at '.', '!' or '?' followed by a space, or at a line
 * break. A point inside "$149.50" is not followed by a space and so ends nothing.
 */
static void turn_on_text(void *arg, const char *text)
{
	struct llm_turn *t = arg;
	size_t from = 0;

	buf_puts(&t->pending, text);
	for (size_t i = 0; i < t->pending.len; i++) {
		char c = t->pending.data[i];
		char next = i + 1 < t->pending.len ? t->pending.data[i + 1] : '\0';
		int end = c == '\n' || ((c == '.' || c == '!' || c == '?') &&
					(next == ' ' || next == '\n'));
		if (!end)
			continue;
		turn_say(t, t->pending.data + from, i + 1 - from);
		from = i + 1;
	}
	if (from) {
		size_t rest = t->pending.len - from;
		memmove(t->pending.data, t->pending.data + from, rest);
		t->pending.len = rest;
		t->pending.data[rest] = '\0';
	}
}

static void turn_flush(struct llm_turn *t)
{
	turn_say(t, buf_str(&t->pending), t->pending.len);
	buf_clear(&t->pending);
}

static const char *turn_iso(struct arena *a, time_t when)
{
	struct tm tm;
	char out[32];

	gmtime_r(&when, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, out);
}

static const char *turn_spoken(struct llm_turn *t, time_t when)
{
	char out[96];

	when_say(when, t->biz.timezone, out, sizeof(out));
	return arena_strdup(t->a, out);
}

/* An ISO 8601 moment with a zone ("2025-03-04T19:00:00Z", "...T14:00-05:00"); 0 or -1. */
static int turn_parse_iso(const char *text, time_t *out)
{
	struct tm tm = { 0 };
	const char *rest = strptime(text, "%Y-%m-%dT%H:%M", &tm);
	long offset = 0;

	if (!rest)
		return -1;
	if (*rest == ':') {
		rest = strptime(rest, ":%S", &tm);
		if (!rest)
			return -1;
	}
	if (*rest == 'Z' || *rest == 'z') {
		rest++;
	} else if (*rest == '+' || *rest == '-') {
		int hours, minutes, used = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &hours, &minutes, &used) != 2 &&
		    sscanf(rest + 1, "%2d%2d%n", &hours, &minutes, &used) != 2)
			return -1;
		offset = (hours * 60L + minutes) * 60 * (*rest == '-' ? -1 : 1);
		rest += 1 + used;
	} else {
		return -1;  /* a moment without a zone could mean any of them */
	}
	if (*rest)
		return -1;
	*out = timegm(&tm) - offset;
	return 0;
}

/* A start the model passed on: a value a check returned, or the caller's words. 0 or -1. */
static int turn_parse_start(struct llm_turn *t, const char *text, struct when *w)
{
	time_t at;

	if (!text || !*text)
		return -1;
	if (turn_parse_iso(text, &at) == 0) {
		*w = (struct when){ .start = at, .end = at, .has_date = true, .has_time = true,
				    .exact = true };
		return 0;
	}
	return when_parse(text, t->biz.timezone, t->now, w);
}

/* The business's service named by the model (exact name first, then the matcher); 1, 0 or -1. */
static int turn_find_service(struct llm_turn *t, const char *name, struct service *out)
{
	if (!name || !*name)
		return 0;
	for (int i = 0; i < t->nservices; i++) {
		if (!strcasecmp(t->services[i].name, name)) {
			*out = t->services[i];
			return 1;
		}
	}
	return business_match_service(t->db, t->a, name, out);
}

static json_t *turn_service_json(struct llm_turn *t, const struct service *svc)
{
	return json_pack("{s:s, s:s, s:i}", "name", svc->name, "price",
			 business_price_text(t->a, svc->price_cents), "duration_minutes",
			 svc->duration_minutes);
}

static json_t *turn_service_list(struct llm_turn *t)
{
	json_t *list = json_array();

	for (int i = 0; i < t->nservices; i++)
		json_array_append_new(list, turn_service_json(t, &t->services[i]));
	return list;
}

static json_t *turn_start_json(struct llm_turn *t, time_t at)
{
	return json_pack("{s:s, s:s}", "start", turn_iso(t->a, at), "spoken", turn_spoken(t, at));
}

/* Tools that read: each runs in a transaction of its own, closed before the model is asked. */
static int turn_begin(struct llm_turn *t)
{
	return db_begin_org(t->db, t->a, t->s->org_id);
}

static void turn_end(struct llm_turn *t)
{
	if (db_in_transaction(t->db))
		db_commit(t->db);
}

static json_t *tool_check_availability(struct llm_turn *t, json_t *args)
{
	const char *start = json_str(args, "start");
	struct service svc = { .duration_minutes = 60 };
	struct when w;
	time_t found[LLM_WINDOW_CANDIDATES];
	json_t *result = NULL;

	if (turn_begin(t) < 0)
		return json_pack("{s:s}", "error", "the schedule could not be read");
	if (turn_find_service(t, json_str(args, "service"), &svc) <= 0 && t->nservices)
		svc.duration_minutes = t->services[0].duration_minutes;
	if (turn_parse_start(t, start, &w) < 0) {
		result = json_pack("{s:s}", "error", "no day or time could be read from start");
		goto out;
	}
	if (w.exact) {
		int is_free = booking_is_free(t->db, t->a, w.start, svc.duration_minutes);
		if (is_free < 0) {
			result = json_pack("{s:s}", "error", "the schedule could not be read");
			goto out;
		}
		if (is_free) {
			result = json_pack("{s:b, s:o}", "free", 1, "time",
					   turn_start_json(t, w.start));
			goto out;
		}
	}
	/* A window is looked at from its middle, then the starts inside it come first. */
	time_t around = w.exact ? w.start : w.start + (w.end - w.start) / 2;
	int n = booking_free_starts(t->db, t->a, around, svc.duration_minutes, found,
				    LLM_WINDOW_CANDIDATES);
	if (n < 0) {
		result = json_pack("{s:s}", "error", "the schedule could not be read");
		goto out;
	}
	json_t *starts = json_array();
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n && json_array_size(starts) < BOOKING_ALTERNATIVES; i++) {
			int inside = w.exact || (found[i] >= w.start && found[i] < w.end);
			if (inside == (pass == 0))
				json_array_append_new(starts, turn_start_json(t, found[i]));
		}
	}
	result = json_pack("{s:b, s:s, s:o}", "free", 0, "asked",
			   w.exact ? turn_spoken(t, w.start) : start, "free_starts", starts);
out:
	turn_end(t);
	return result;
}

static json_t *tool_book_appointment(struct llm_turn *t, json_t *args)
{
	const char *name = json_str(args, "customer_name");
	const char *phone = json_str(args, "customer_phone");
	struct booking_request req = { 0 };
	struct booking_outcome outcome;
	struct service svc;
	struct when w;
	int found;

	if (turn_begin(t) < 0)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "the schedule could not be read");
	found = turn_find_service(t, json_str(args, "service"), &svc);
	turn_end(t);
	if (found <= 0)
		return json_pack("{s:b, s:s, s:o}", "booked", 0, "reason", "no such service",
				 "services", turn_service_list(t));
	if (!name || !*name)
		return json_pack("{s:b, s:s}", "booked", 0, "reason", "the caller's name is needed");
	if (turn_parse_start(t, json_str(args, "start"), &w) < 0 || !w.exact)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "an exact day and time is needed: check availability first");
	req.service_id = svc.id;
	req.call_id = t->s->call_id;
	req.customer_name = name;
	req.customer_phone = phone && *phone ? phone : t->s->caller_number;
	req.address = json_str(args, "address");
	req.notes = json_str(args, "notes");
	req.starts_at = w.start;
	req.minutes = svc.duration_minutes;
	booking_book(t->db, t->a, t->s->org_id, &req, &outcome);
	if (outcome.result == BOOKING_ERROR)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "the booking system failed; nothing was booked");
	if (outcome.result == BOOKING_TAKEN) {
		json_t *starts = json_array();
		for (int i = 0; i < outcome.nalternatives; i++)
			json_array_append_new(starts, turn_start_json(t, outcome.alternatives[i]));
		return json_pack("{s:b, s:s, s:o}", "booked", 0, "reason",
				 "that time is taken or outside business hours",
				 "free_starts", starts);
	}
	/* Committed: from here on it may be said, and the session remembers it. */
	const char *spoken = turn_spoken(t, w.start);
	t->appointment_id = outcome.appointment_id;
	t->booked_sentence = arena_printf(t->a, "You're booked for %s on %s.", svc.name, spoken);
	json_object_set_new(t->slots, "appointment_id", json_string(outcome.appointment_id));
	json_object_set_new(t->slots, "service_id", json_string(svc.id));
	json_object_set_new(t->slots, "service_name", json_string(svc.name));
	json_object_set_new(t->slots, "duration_minutes", json_integer(svc.duration_minutes));
	json_object_set_new(t->slots, "starts_at", json_integer((json_int_t)w.start));
	json_object_set_new(t->slots, "name", json_string(name));
	if (req.customer_phone)
		json_object_set_new(t->slots, "phone", json_string(req.customer_phone));
	if (req.address)
		json_object_set_new(t->slots, "address", json_string(req.address));
	return json_pack("{s:b, s:s, s:s, s:s, s:s}", "booked", 1, "appointment_id",
			 outcome.appointment_id, "service", svc.name, "time", spoken, "price",
			 business_price_text(t->a, svc.price_cents));
}

static json_t *tool_lookup_service(struct llm_turn *t, json_t *args)
{
	const char *query = json_str(args, "query");
	struct service svc;
	json_t *result;

	if (turn_begin(t) < 0)
		return json_pack("{s:s}", "error", "the services could not be read");
	int found = business_match_service(t->db, t->a, query ? query : "", &svc);
	turn_end(t);
	if (found < 0)
		return json_pack("{s:s}", "error", "the services could not be read");
	if (found) {
		result = turn_service_json(t, &svc);
		json_object_set_new(result, "found", json_true());
		return result;
	}
	return json_pack("{s:b, s:o}", "found", 0, "services", turn_service_list(t));
}

static json_t *tool_answer_from_knowledge(struct llm_turn *t, json_t *args)
{
	const char *question = json_str(args, "question");
	const char *answer = NULL;

	if (question && *question && turn_begin(t) == 0) {
		answer = business_answer(t->db, t->a, question);
		turn_end(t);
	}
	if (!answer)
		return json_pack("{s:b, s:s}", "found", 0, "note", "the business has no answer"
				 " to that on file; offer to take a message");
	return json_pack("{s:b, s:s}", "found", 1, "answer", answer);
}

static json_t *tool_transfer_to_human(struct llm_turn *t, json_t *args)
{
	if (!t->biz.transfer_phone || !*t->biz.transfer_phone)
		return json_pack("{s:b, s:s}", "transferring", 0, "reason",
				 "no one can take calls now; offer to take a message");
	t->action = BRAIN_TRANSFER;
	t->transfer_to = t->biz.transfer_phone;
	json_object_set_new(t->slots, "transfer_to", json_string(t->biz.transfer_phone));
	return json_pack("{s:b, s:s}", "transferring", 1, "note",
			 "tell the caller you are connecting them now");
}

static json_t *tool_take_message(struct llm_turn *t, json_t *args)
{
	const char *message = json_str(args, "message");
	const char *name = json_str(args, "name");
	const char *phone = json_str(args, "phone");

	if (!message || !*message)
		return json_pack("{s:b, s:s}", "saved", 0, "reason", "the message is empty");
	json_object_set_new(t->slots, "message", json_string(message));
	if (name && *name)
		json_object_set_new(t->slots, "name", json_string(name));
	if (phone && *phone)
		json_object_set_new(t->slots, "phone", json_string(phone));
	return json_pack("{s:b}", "saved", 1);
}

static json_t *tool_end_call(struct llm_turn *t, json_t *args)
{
	t->action = BRAIN_HANG_UP;
	return json_pack("{s:b}", "ok", 1);
}

static const struct {
	const char *name;
	json_t *(*run)(struct llm_turn *t, json_t *args);
} TOOLS[] = {
	{ "check_availability", tool_check_availability },
	{ "book_appointment", tool_book_appointment },
	{ "lookup_service", tool_lookup_service },
	{ "answer_from_knowledge", tool_answer_from_knowledge },
	{ "transfer_to_human", tool_transfer_to_human },
	{ "take_message", tool_take_message },
	{ "end_call", tool_end_call },
};

/* Run one tool call; NULL for an unknown tool or arguments that are not a JSON object. */
static json_t *turn_run_tool(struct llm_turn *t, const struct llm_tool_call *call)
{
	if (!call->arguments) {
		log_warn("LLM sent unreadable arguments tool=%s", call->name);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(TOOLS) / sizeof(TOOLS[0]); i++)
		if (!strcmp(TOOLS[i].name, call->name))
			return json_to_arena(t->a, TOOLS[i].run(t, call->arguments));
	log_warn("LLM asked for an unknown tool tool=%s", call->name);
	return NULL;
}

/* The tools, with the business's service names as the choices for every service parameter. */
static json_t *turn_tools(struct llm_turn *t)
{
	char error[160];
	json_t *tools = json_parse(t->a, TOOLS_JSON, sizeof(TOOLS_JSON) - 1, error, sizeof(error));
	json_t *names;
	size_t i;
	json_t *tool;

	if (!tools) {
		log_error("could not read the tool table: %s", error);
		return NULL;
	}
	names = json_array();
	for (int k = 0; k < t->nservices; k++)
		json_array_append_new(names, json_string(t->services[k].name));
	json_array_foreach(tools, i, tool) {
		json_t *props = json_object_get(json_object_get(json_object_get(tool, "function"),
								  "parameters"), "properties");
		json_t *service = json_object_get(props, "service");
		if (service && t->nservices)
			json_object_set(service, "enum", names);
	}
	json_decref(names);
	return tools;
}

static void prompt_slot(struct llm_turn *t, struct buf *b, const char *key, const char *label)
{
	const char *v = json_str(t->s->state, key);

	if (v && *v)
		buf_printf(b, " %s: %s.", label, v);
}

/* Who the receptionist is, for whom, and what it knows already. */
static const char *turn_system_prompt(struct llm_turn *t)
{
	const struct business *b = &t->biz;
	struct buf p = BUF_INIT;
	char now[96];
	json_int_t starts;

	when_say(t->now, b->timezone, now, sizeof(now));
	buf_printf(&p, "You are the phone receptionist of %s, speaking with a caller on the phone.",
		   b->name);
	if (b->voice_personality && *b->voice_personality)
		buf_printf(&p, " Your manner: %s", b->voice_personality);
	buf_printf(&p, "\nIt is now %s (%s). %s", now, b->timezone, business_hours_sentence(t->a, b));
	if (b->greeting && *b->greeting)
		buf_printf(&p, "\nThe call began with your greeting: \"%s\"", b->greeting);
	buf_puts(&p, "\nServices and prices:");
	for (int i = 0; i < t->nservices; i++)
		buf_printf(&p, "\n- %s: %s, %d minutes", t->services[i].name,
			   business_price_text(t->a, t->services[i].price_cents),
			   t->services[i].duration_minutes);
	if (!t->nservices)
		buf_puts(&p, " none listed; offer to take a message.");
	if (t->s->caller_number)
		buf_printf(&p, "\nThe caller's number is %s.", t->s->caller_number);
	else
		buf_puts(&p, "\nThe caller's number is withheld: ask for one to book or call back.");
	struct buf known = BUF_INIT;
	prompt_slot(t, &known, "name", "Name");
	prompt_slot(t, &known, "phone", "Callback number");
	prompt_slot(t, &known, "service_name", "Service");
	prompt_slot(t, &known, "address", "Address");
	json_t *at = json_object_get(t->s->state, "starts_at");
	if (json_is_integer(at) && (starts = json_integer_value(at)) > 0)
		buf_printf(&known, " Chosen time: %s.", turn_spoken(t, (time_t)starts));
	if (json_str(t->s->state, "appointment_id"))
		buf_puts(&known, " An appointment is already booked on this call.");
	if (known.len)
		buf_printf(&p, "\nKnown from this call so far:%s", buf_str(&known));
	buf_release(&known);
	buf_puts(&p,
		 "\nSpeak as on the phone: one or two short sentences, plain words, no lists or"
		 " symbols. Ask one question at a time. Use the tools for facts: never invent prices,"
		 " times or policies. To book, know the service, an exact free time and the caller's"
		 " name, then call book_appointment; never say an appointment is booked unless"
		 " book_appointment answered booked true, and offer the free starts it gives when a"
		 " time is taken. When the caller asks for a person, call transfer_to_human; when"
		 " nobody can take the call, offer take_message. When the caller is done, say goodbye"
		 " and call end_call. A caller message of (silence) means they said nothing.");
	const char *text = arena_strdup(t->a, buf_str(&p));
	buf_release(&p);
	return text;
}

/* The request's messages: the system prompt, the turns before this one, then the caller. */
static json_t *turn_messages(struct llm_turn *t, const char *caller_text)
{
	json_t *messages = json_to_arena(t->a, json_array());
	json_t *history = json_object_get(t->s->state, "history");
	size_t count = json_array_size(history);
	size_t first = count > LLM_HISTORY_TURNS ? count - LLM_HISTORY_TURNS : 0;

	json_array_append_new(messages, json_pack("{s:s, s:s}", "role", "system", "content",
						  turn_system_prompt(t)));
	for (size_t i = first; i < count; i++) {
		json_t *turn = json_array_get(history, i);
		const char *speaker = json_str(turn, "speaker");
		const char *text = json_str(turn, "text");
		if (!speaker || !text || !*text)
			continue;
		json_array_append_new(messages, json_pack("{s:s, s:s}", "role",
			!strcmp(speaker, "caller") ? "user" : "assistant", "content", text));
	}
	json_array_append_new(messages, json_pack("{s:s, s:s}", "role", "user", "content",
		  caller_text && *caller_text ? caller_text : "(silence)"));
	return messages;
}

/* The model's answer as the assistant message the next request repeats. */
static json_t *turn_assistant_message(const struct llm_result *res)
{
	json_t *msg = json_pack("{s:s}", "role", "assistant");
	json_t *calls = json_array();

	json_object_set_new(msg, "content", *res->content ? json_string(res->content) : json_null());
	for (int i = 0; i < res->ntool_calls; i++) {
		const struct llm_tool_call *c = &res->tool_calls[i];
		json_array_append_new(calls, json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", c->id,
						       "type", "function", "function", "name", c->name,
						       "arguments", c->arguments_text));
	}
	if (res->ntool_calls)
		json_object_set_new(msg, "tool_calls", calls);
	else
		json_decref(calls);
	return msg;
}

/* Ask, run the tools asked for, ask again: 0 once the model has answered in words, else -1. */
static int turn_converse(struct llm_turn *t, json_t *messages, json_t *tools)
{
	long budget = conf_int("BRAIN_BUDGET_MS");

	for (int round = 0; round < LLM_ROUNDS; round++) {
		struct llm_result res;
		long left = budget - turn_elapsed_ms(t);
		if (left < LLM_MIN_REQUEST_MS) {
			log_warn("LLM turn out of time budget_ms=%ld round=%d", budget, round);
			return -1;
		}
		size_t spoken_before = t->spoken.len;
		if (llm_chat(t->a, messages, tools, left, turn_on_text, t, &res) < 0)
			return -1;
		turn_flush(t);
		if (!res.ntool_calls)
			return t->spoken.len ? 0 : -1;
		json_array_append_new(messages, turn_assistant_message(&res));
		for (int i = 0; i < res.ntool_calls; i++) {
			json_t *result = turn_run_tool(t, &res.tool_calls[i]);
			if (!result)
				return -1;
			json_t *answer = json_pack("{s:s, s:s, s:s}", "role", "tool", "tool_call_id",
						   res.tool_calls[i].id, "content",
						   json_text(t->a, result));
			json_array_append_new(messages, answer);
		}
		/* A goodbye or a hand-over said with the tool call needs no further answer. */
		if (t->action != BRAIN_LISTEN && t->spoken.len > spoken_before)
			return 0;
	}
	log_warn("LLM still asked for tools after %d rounds", LLM_ROUNDS);
	return -1;
}

int brain_llm_turn(struct db *db, struct arena *a, struct brain_session *s,
		   const char *caller_text, brain_clause_fn on_clause, void *arg,
		   struct brain_reply *reply)
{
	struct llm_turn t = { .db = db, .a = a, .s = s, .on_clause = on_clause, .arg = arg,
			      .first_clause_ms = -1, .action = BRAIN_LISTEN };
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t.started);
	t.now = s->now ? s->now : time(NULL);
	t.slots = json_to_arena(a, json_object());
	if (!llm_configured())
		goto out;
	if (db_begin_org(db, a, s->org_id) < 0)
		goto out;
	if (business_load(db, a, s->org_id, &t.biz) < 0 ||
	    (t.nservices = business_services(db, a, &t.services)) < 0) {
		db_rollback(db);
		goto out;
	}
	db_commit(db);

	json_t *messages = turn_messages(&t, caller_text);
	json_t *tools = turn_tools(&t);
	if (!tools || turn_converse(&t, messages, tools) < 0) {
		/* A committed booking is told even when the model failed after making it. */
		if (!t.appointment_id)
			goto out;
		turn_say(&t, t.booked_sentence, strlen(t.booked_sentence));
	}
	/* The rules engine's pending question was not the one just asked. */
	json_object_del(s->state, "pending");
	json_object_update(s->state, t.slots);
	memset(reply, 0, sizeof(*reply));
	reply->text = arena_strdup(a, buf_str(&t.spoken));
	reply->action = t.action;
	reply->transfer_to = t.transfer_to;
	reply->appointment_id = t.appointment_id;
	reply->engine = "llm";
	reply->first_clause_ms = t.first_clause_ms;
	reply->total_ms = turn_elapsed_ms(&t);
	rc = 0;
out:
	if (db_in_transaction(db))
		db_rollback(db);
	buf_release(&t.pending);
	buf_release(&t.spoken);
	return rc;
}
