/* brain_llm.c: the LLM engine: a chat model with the receptionist's tools, within the budget */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "infra/arena.h"
#include "domain/brain_engines.h"
#include "domain/business_kind.h"
#include "domain/credentials.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "provider/llm.h"
#include "infra/log.h"
#include "domain/tools.h"
#include "domain/when.h"

/* Requests to the model in one turn: ask, run its tools, ask again, at most this often. */
#define LLM_ROUNDS 3
/* Earlier turns sent with each request; older ones add cost, not understanding. */
#define LLM_HISTORY_TURNS 40
/* A request with less time than this left cannot be answered; the rules engine can. */
#define LLM_MIN_REQUEST_MS 50

/* One turn in progress: what was said, and what the tools did (t->tools). */
struct llm_turn {
	struct tool_ctx tools;
	struct brain_session *s;
	brain_clause_fn on_clause;
	void *arg;
	struct buf pending;        /* streamed text not yet a whole clause */
	struct buf spoken;         /* every clause passed on so far */
	struct timespec started;
	long first_clause_ms;
	bool drafted;              /* the first request's answer was a draft's */
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

/* Run one tool call; NULL for an unknown tool or arguments that are not a JSON object. The
 * session's on_tool hears it start and end (a live call plays a filler when it takes long). */
static json_t *turn_run_tool(struct llm_turn *t, const struct llm_tool_call *call)
{
	if (!call->arguments) {
		log_warn("LLM sent unreadable arguments tool=%s", call->name);
		return NULL;
	}
	if (t->s->on_tool)
		t->s->on_tool(t->s->on_tool_arg, call->name, false);
	json_t *result = tools_run(&t->tools, call->name, call->arguments);
	if (t->s->on_tool)
		t->s->on_tool(t->s->on_tool_arg, call->name, true);
	if (!result)
		log_warn("LLM asked for an unknown tool tool=%s", call->name);
	return result;
}

static void prompt_slot(struct llm_turn *t, struct buf *b, const char *key, const char *label)
{
	const char *v = json_str(t->s->state, key);

	if (v && *v)
		buf_printf(b, " %s: %s.", label, v);
}

/* The kind of business: its trade, whether it goes to the caller, and what is an emergency. */
static void prompt_kind(struct buf *p, const struct business *b)
{
	const struct business_kind *k = b->kind;

	if (!k)
		return;
	buf_puts(p, "\n");
	if (strcmp(k->id, "other"))
		buf_printf(p, "The business's trade: %s. ", k->label);
	if (k->on_site)
		buf_printf(p, "To book, ask when they would like us to %s and the address where the "
			   "work is.", k->visit);
	else
		buf_printf(p, "Callers %s to the business: never ask for their address.", k->visit);
	if (!k->urgent || !k->urgent[0])
		return;
	buf_puts(p, " An emergency, said in words such as");
	for (int i = 0; k->urgent[i] && i < 6; i++)
		buf_printf(p, "%s\"%s\"", i ? ", " : " ", k->urgent[i]);
	buf_puts(p, ", is urgent: say you are sorry, offer the soonest free time (check_availability"
		 " with start \"as soon as possible\"), or transfer_to_human when the caller wants "
		 "a person.");
}

/* Who the receptionist is, for whom, and what it knows already. */
static const char *turn_system_prompt(struct llm_turn *t)
{
	const struct business *b = &t->tools.biz;
	struct buf p = BUF_INIT;
	char now[96];
	json_int_t starts;

	when_say(t->tools.now, b->timezone, now, sizeof(now));
	buf_printf(&p, "You are the phone receptionist of %s, speaking with a caller on the phone.",
		   b->name);
	if (b->voice_personality && *b->voice_personality)
		buf_printf(&p, " Your manner: %s", b->voice_personality);
	buf_printf(&p, "\nIt is now %s (%s). %s", now, b->timezone, business_hours_sentence(t->tools.a, b));
	prompt_kind(&p, b);
	if (b->greeting && *b->greeting)
		buf_printf(&p, "\nThe call began with your greeting: \"%s\"", b->greeting);
	buf_puts(&p, "\nServices and prices:");
	for (int i = 0; i < t->tools.nservices; i++)
		buf_printf(&p, "\n- %s: %s, %d minutes", t->tools.services[i].name,
			   business_price_text(t->tools.a, t->tools.services[i].price_cents),
			   t->tools.services[i].duration_minutes);
	if (!t->tools.nservices)
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
		buf_printf(&known, " Chosen time: %s.", tools_spoken_time(&t->tools, (time_t)starts));
	if (json_str(t->s->state, "appointment_id"))
		buf_puts(&known, " An appointment is already booked on this call.");
	if (known.len)
		buf_printf(&p, "\nKnown from this call so far:%s", buf_str(&known));
	buf_release(&known);
	buf_puts(&p,
		 "\nSpeak as on the phone: one or two short sentences, plain words, no lists or"
		 " symbols. Say times as a tool's \"spoken\" or \"time\" says them, never an ISO"
		 " time or an id. Ask one question at a time. Use the tools for facts: never invent prices,"
		 " times or policies. To book, know the service, an exact free time and the caller's"
		 " name, then call book_appointment; never say an appointment is booked unless"
		 " book_appointment answered booked true, and offer the free starts it gives when a"
		 " time is taken. When the caller asks for a person, call transfer_to_human; when"
		 " nobody can take the call, offer take_message. When the caller is done, say goodbye"
		 " and call end_call. A caller message of (silence) means they said nothing.");
	const char *text = arena_strdup(t->tools.a, buf_str(&p));
	buf_release(&p);
	return text;
}

/* The request's messages: the system prompt, the turns before this one, then the caller. */
static json_t *turn_messages(struct llm_turn *t, const char *caller_text)
{
	json_t *messages = json_to_arena(t->tools.a, json_array());
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

/* Ask (the first time, a draft may have asked already: first), run the tools asked for, ask
 * again: 0 once the model has answered in words, else -1. */
static int turn_converse(struct llm_turn *t, json_t *messages, json_t *tools,
			 brain_first_answer_fn first, void *first_arg)
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
		int drafted = round == 0 && first ? first(first_arg, turn_on_text, t, &res) : 0;
		if (round == 0)
			t->drafted = drafted > 0;
		if (drafted < 0)
			return -1;
		if (!drafted && first && round == 0) {
			/* A draft that came to nothing may have been waited for. */
			left = budget - turn_elapsed_ms(t);
			if (left < LLM_MIN_REQUEST_MS) {
				log_warn("LLM turn out of time after its draft budget_ms=%ld", budget);
				return -1;
			}
		}
		if (!drafted && llm_chat(t->tools.a, &t->s->providers->llm, messages, tools, left,
					 turn_on_text, t, &res) < 0)
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
						   json_text(t->tools.a, result));
			json_array_append_new(messages, answer);
		}
		/* A goodbye or a hand-over said with the tool call needs no further answer. */
		if (t->tools.action != BRAIN_LISTEN && t->spoken.len > spoken_before)
			return 0;
	}
	log_warn("LLM still asked for tools after %d rounds", LLM_ROUNDS);
	return -1;
}

/*
 * Start turn t: its clock, its tools and the first request's messages and tool definitions,
 * the same for a turn and for a draft of it. Returns 0, or -1 when there is no LLM or the
 * tools could not be opened (nothing to send).
 */
static int turn_open(struct llm_turn *t, struct db *db, struct arena *a,
		     const char *caller_text, json_t **messages, json_t **tools)
{
	struct brain_session *s = t->s;

	clock_gettime(CLOCK_MONOTONIC, &t->started);
	if (!llm_configured(&s->providers->llm) ||
	    tools_open(&t->tools, db, a, s->org_id, s->call_id, s->caller_number, s->now) < 0)
		return -1;
	*messages = turn_messages(t, caller_text);
	*tools = tools_definitions(&t->tools);
	return 0;
}

int brain_llm_first_request(struct db *db, struct arena *a, struct brain_session *s,
			    const char *caller_text, llm_text_fn on_text, void *arg,
			    const int *cancel, struct llm_result *res)
{
	struct llm_turn t = { .s = s, .first_clause_ms = -1 };
	json_t *messages, *tools;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	/* The very messages and tools brain_llm_turn() would send, so its answer can stand. */
	if (turn_open(&t, db, a, caller_text, &messages, &tools) == 0 && tools)
		rc = llm_chat_cancellable(a, &s->providers->llm, messages, tools,
					  conf_int("BRAIN_BUDGET_MS"), on_text, arg, cancel, res);
	if (db_in_transaction(db))
		db_rollback(db);
	return rc;
}

int brain_llm_turn(struct db *db, struct arena *a, struct brain_session *s,
		   const char *caller_text, brain_first_answer_fn first, void *first_arg,
		   brain_clause_fn on_clause, void *arg, struct brain_reply *reply)
{
	struct llm_turn t = { .s = s, .on_clause = on_clause, .arg = arg, .first_clause_ms = -1 };
	json_t *messages, *tools;
	int rc = -1;

	if (turn_open(&t, db, a, caller_text, &messages, &tools) < 0)
		goto out;
	if (!tools || turn_converse(&t, messages, tools, first, first_arg) < 0) {
		/* A committed booking is told even when the model failed after making it. */
		if (!t.tools.appointment_id)
			goto out;
		turn_say(&t, t.tools.booked_sentence, strlen(t.tools.booked_sentence));
	}
	/* The rules engine's pending question was not the one just asked. */
	json_object_del(s->state, "pending");
	json_object_update(s->state, t.tools.slots);
	memset(reply, 0, sizeof(*reply));
	reply->text = arena_strdup(a, buf_str(&t.spoken));
	reply->action = t.tools.action;
	reply->transfer_to = t.tools.transfer_to;
	reply->appointment_id = t.tools.appointment_id;
	reply->engine = "llm";
	reply->drafted = t.drafted;
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
