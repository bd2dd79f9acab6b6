/* tools.c: the receptionist's tools, run for the LLM engine and for Vapi's tool calls */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "infra/arena.h"
#include "domain/availability.h"
#include "domain/booking.h"
#include "domain/business.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/tools.h"
#include "domain/when.h"

/* Free starts looked at for a window ("tomorrow morning") before keeping those inside it. */
#define WINDOW_CANDIDATES 12

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


static const char *iso_time(struct arena *a, time_t when)
{
	struct tm tm;
	char out[32];

	gmtime_r(&when, &tm);
	strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, out);
}

const char *tools_spoken_time(struct tool_ctx *t, time_t when)
{
	char out[96];

	when_say(when, t->biz.timezone, out, sizeof(out));
	return arena_strdup(t->a, out);
}

/* An ISO 8601 moment with a zone ("2025-03-04T19:00:00Z", "...T14:00-05:00"); 0 or -1. */
static int parse_iso(const char *text, time_t *out)
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
static int parse_start(struct tool_ctx *t, const char *text, struct when *w)
{
	time_t at;

	if (!text || !*text)
		return -1;
	if (parse_iso(text, &at) == 0) {
		*w = (struct when){ .start = at, .end = at, .has_date = true, .has_time = true,
				    .exact = true };
		return 0;
	}
	return when_parse(text, t->biz.timezone, t->now, w);
}

/* The business's service named by the model (exact name first, then the matcher); 1, 0 or -1. */
static int find_service(struct tool_ctx *t, const char *name, struct service *out)
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

static json_t *service_json(struct tool_ctx *t, const struct service *svc)
{
	return json_pack("{s:s, s:s, s:i}", "name", svc->name, "price",
			 business_price_text(t->a, svc->price_cents), "duration_minutes",
			 svc->duration_minutes);
}

static json_t *service_list(struct tool_ctx *t)
{
	json_t *list = json_array();

	for (int i = 0; i < t->nservices; i++)
		json_array_append_new(list, service_json(t, &t->services[i]));
	return list;
}

static json_t *start_json(struct tool_ctx *t, time_t at)
{
	return json_pack("{s:s, s:s}", "start", iso_time(t->a, at), "spoken", tools_spoken_time(t, at));
}

/* Tools that read: each runs in a transaction of its own, closed before the model is asked. */
static int tool_begin(struct tool_ctx *t)
{
	return db_begin_org(t->db, t->a, t->org_id);
}

static void tool_end(struct tool_ctx *t)
{
	if (db_in_transaction(t->db))
		db_commit(t->db);
}

static json_t *tool_check_availability(struct tool_ctx *t, json_t *args)
{
	const char *start = json_str(args, "start");
	struct service svc = { .duration_minutes = 60 };
	struct when w;
	struct availability_slot found[WINDOW_CANDIDATES];
	json_t *result = NULL;

	if (tool_begin(t) < 0)
		return json_pack("{s:s}", "error", "the schedule could not be read");
	if (find_service(t, json_str(args, "service"), &svc) <= 0 && t->nservices)
		svc.duration_minutes = t->services[0].duration_minutes;
	if (parse_start(t, start, &w) < 0) {
		result = json_pack("{s:s}", "error", "no day or time could be read from start");
		goto out;
	}
	struct availability_query q = { .service_id = svc.id, .minutes = svc.duration_minutes };
	struct availability_answer answer = { .reason = "" };
	if (w.exact) {
		enum availability_verdict v = availability_explain(t->db, t->a, &q, w.start, &answer);
		if (v == AVAILABILITY_ERROR) {
			result = json_pack("{s:s}", "error", "the schedule could not be read");
			goto out;
		}
		if (v == AVAILABILITY_AVAILABLE) {
			result = json_pack("{s:b, s:o}", "free", 1, "time",
					   start_json(t, w.start));
			goto out;
		}
	}
	/* "As soon as possible" looks from now, so the soonest starts come first; another window
	 * is looked at from its middle, then the starts inside it come first. */
	q.around = w.exact || w.asap ? w.start : w.start + (w.end - w.start) / 2;
	int n = availability_nearest(t->db, t->a, &q, found, WINDOW_CANDIDATES);
	if (n < 0) {
		result = json_pack("{s:s}", "error", "the schedule could not be read");
		goto out;
	}
	json_t *starts = json_array();
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n && json_array_size(starts) < BOOKING_ALTERNATIVES; i++) {
			time_t at = found[i].starts_at;
			int inside = w.exact || (at >= w.start && at < w.end);
			if (inside == (pass == 0))
				json_array_append_new(starts, start_json(t, at));
		}
	}
	result = json_pack("{s:b, s:s, s:o}", "free", 0, "asked",
			   w.exact ? tools_spoken_time(t, w.start) : start, "free_starts", starts);
	/* Why the time asked for cannot be had, in words the caller can be told. */
	if (answer.reason[0])
		json_object_set_new(result, "reason", json_string(answer.reason));
out:
	tool_end(t);
	return result;
}

static json_t *tool_book_appointment(struct tool_ctx *t, json_t *args)
{
	const char *name = json_str(args, "customer_name");
	const char *phone = json_str(args, "customer_phone");
	struct booking_request req = { 0 };
	struct booking_outcome outcome;
	struct service svc;
	struct when w;
	int found;

	if (tool_begin(t) < 0)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "the schedule could not be read");
	found = find_service(t, json_str(args, "service"), &svc);
	tool_end(t);
	if (found <= 0)
		return json_pack("{s:b, s:s, s:o}", "booked", 0, "reason", "no such service",
				 "services", service_list(t));
	if (!name || !*name)
		return json_pack("{s:b, s:s}", "booked", 0, "reason", "the caller's name is needed");
	if (parse_start(t, json_str(args, "start"), &w) < 0 || !w.exact)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "an exact day and time is needed: check availability first");
	req.service_id = svc.id;
	req.call_id = t->call_id;
	req.customer_name = name;
	req.customer_phone = phone && *phone ? phone : t->caller_number;
	req.address = json_str(args, "address");
	req.notes = json_str(args, "notes");
	req.starts_at = w.start;
	req.minutes = svc.duration_minutes;
	booking_book(t->db, t->a, t->org_id, &req, &outcome);
	if (outcome.result == BOOKING_ERROR)
		return json_pack("{s:b, s:s}", "booked", 0, "reason",
				 "the booking system failed; nothing was booked");
	if (outcome.result == BOOKING_TAKEN) {
		json_t *starts = json_array();
		for (int i = 0; i < outcome.nalternatives; i++)
			json_array_append_new(starts, start_json(t, outcome.alternatives[i]));
		json_t *refused = json_pack("{s:b, s:s, s:o}", "booked", 0, "reason", outcome.reason,
					    "free_starts", starts);
		/* Not taken but closed, too soon, too far...: the words the caller should hear. */
		if (outcome.verdict != AVAILABILITY_TAKEN &&
		    outcome.verdict != AVAILABILITY_CALENDAR_BUSY)
			json_object_set_new(refused, "why", json_string(outcome.reason));
		return refused;
	}
	/* Committed: from here on it may be said, and the session remembers it. */
	const char *spoken = tools_spoken_time(t, w.start);
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
	/* Everything here may be said aloud: the appointment's id stays in the session, where
	 * a model could not read it out to the caller. */
	return json_pack("{s:b, s:s, s:s, s:s, s:s}", "booked", 1, "service", svc.name, "time",
			 spoken, "price", business_price_text(t->a, svc.price_cents), "say",
			 t->booked_sentence);
}

static json_t *tool_lookup_service(struct tool_ctx *t, json_t *args)
{
	const char *query = json_str(args, "query");
	struct service svc;
	json_t *result;

	if (tool_begin(t) < 0)
		return json_pack("{s:s}", "error", "the services could not be read");
	int found = business_match_service(t->db, t->a, query ? query : "", &svc);
	tool_end(t);
	if (found < 0)
		return json_pack("{s:s}", "error", "the services could not be read");
	if (found) {
		result = service_json(t, &svc);
		json_object_set_new(result, "found", json_true());
		return result;
	}
	return json_pack("{s:b, s:o}", "found", 0, "services", service_list(t));
}

static json_t *tool_answer_from_knowledge(struct tool_ctx *t, json_t *args)
{
	const char *question = json_str(args, "question");
	const char *answer = NULL;

	if (question && *question && tool_begin(t) == 0) {
		answer = business_answer(t->db, t->a, question);
		tool_end(t);
	}
	if (!answer)
		return json_pack("{s:b, s:s}", "found", 0, "note", "the business has no answer"
				 " to that on file; offer to take a message");
	return json_pack("{s:b, s:s}", "found", 1, "answer", answer);
}

static json_t *tool_transfer_to_human(struct tool_ctx *t, json_t *args)
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

static json_t *tool_take_message(struct tool_ctx *t, json_t *args)
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

static json_t *tool_end_call(struct tool_ctx *t, json_t *args)
{
	t->action = BRAIN_HANG_UP;
	return json_pack("{s:b}", "ok", 1);
}

static const struct {
	const char *name;
	json_t *(*run)(struct tool_ctx *t, json_t *args);
} TOOLS[] = {
	{ "check_availability", tool_check_availability },
	{ "book_appointment", tool_book_appointment },
	{ "lookup_service", tool_lookup_service },
	{ "answer_from_knowledge", tool_answer_from_knowledge },
	{ "transfer_to_human", tool_transfer_to_human },
	{ "take_message", tool_take_message },
	{ "end_call", tool_end_call },
};

/* The tools, with the business's service names as the choices for every service parameter. */
json_t *tools_definitions(struct tool_ctx *t)
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

json_t *tools_run(struct tool_ctx *t, const char *name, json_t *args)
{
	for (size_t i = 0; i < sizeof(TOOLS) / sizeof(TOOLS[0]); i++)
		if (!strcmp(TOOLS[i].name, name))
			return json_to_arena(t->a, TOOLS[i].run(t, args));
	return NULL;
}

int tools_open(struct tool_ctx *t, struct db *db, struct arena *a, const char *org_id,
	       const char *call_id, const char *caller_number, time_t now)
{
	*t = (struct tool_ctx){ .db = db, .a = a, .org_id = org_id, .call_id = call_id,
				.caller_number = caller_number, .now = now ? now : time(NULL),
				.action = BRAIN_LISTEN };
	t->slots = json_to_arena(a, json_object());
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (business_load(db, a, org_id, &t->biz) < 0 ||
	    (t->nservices = business_services(db, a, &t->services)) < 0) {
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}
