/* brain.c: one turn of the receptionist: sessions, stored turns, and the engine that answers */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "domain/brain_engines.h"
#include "domain/business.h"
#include "domain/credentials.h"
#include "infra/db.h"
#include "infra/json.h"
#include "provider/llm.h"
#include "infra/log.h"

/* Turns kept in the session for the LLM's context; call_turns keeps them all. */
#define HISTORY_MAX 40

static const char SQL_SESSION[] =
	"SELECT state::text FROM call_sessions WHERE call_id = $1";
static const char SQL_SAVE[] =
	"INSERT INTO call_sessions (org_id, call_id, state) VALUES ($1, $2, $3::jsonb) "
	"ON CONFLICT (call_id) DO UPDATE SET state = EXCLUDED.state, "
	"expires_at = now() + interval '2 hours'";
/* The next seq is taken in the same statement; UNIQUE (call_id, seq) catches a second writer. */
static const char SQL_TURN[] =
	"INSERT INTO call_turns (org_id, call_id, seq, speaker, text, brain_first_token_ms, "
	"total_ms) SELECT $1::uuid, $2::uuid, coalesce(max(seq) + 1, 0), $3, $4, $5::int, $6::int "
	"FROM call_turns WHERE call_id = $2::uuid RETURNING seq";

/*
 * The greeting and the session it starts in one statement (one round trip): the greeting is
 * the call's next turn (its first, unless a handed-over call was greeted before).
 */
static const char SQL_GREETING_SAVE[] =
	"WITH turn AS (INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
	"  SELECT $1::uuid, $2::uuid, coalesce(max(seq) + 1, 0), 'assistant', $3 "
	"  FROM call_turns WHERE call_id = $2::uuid) "
	"INSERT INTO call_sessions (org_id, call_id, state) VALUES ($1, $2, $4::jsonb) "
	"ON CONFLICT (call_id) DO UPDATE SET state = EXCLUDED.state, "
	"expires_at = now() + interval '2 hours'";

static long ms_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

struct brain_session *brain_session_open(struct db *db, struct arena *a, const char *org_id,
					 const char *call_id, const char *caller_number)
{
	struct brain_session *s = arena_calloc(a, 1, sizeof(*s));
	struct provider_settings *providers = arena_calloc(a, 1, sizeof(*providers));
	const char *saved = NULL;

	s->org_id = arena_strdup(a, org_id);
	s->call_id = arena_strdup(a, call_id);
	s->caller_number = caller_number && caller_number[0] ? arena_strdup(a, caller_number) : NULL;
	s->providers = providers;
	if (db_begin_org(db, a, org_id) < 0)
		return NULL;
	if (call_id) {
		struct db_result *r = db_q(db, a, SQL_SESSION, call_id);
		if (!r) {
			db_rollback(db);
			return NULL;
		}
		saved = db_rows(r) ? db_value(r, 0, 0) : NULL;
	}
	/* Keys that cannot be read leave the server's settings: the call goes on. */
	if (credential_provider_settings(db, a, org_id, providers) < 0) {
		db_rollback(db);
		credential_provider_settings_server(providers);
	} else {
		db_commit(db);
	}
	if (saved) {
		char error[160];
		s->state = json_parse(a, saved, strlen(saved), error, sizeof(error));
		if (!s->state || !json_is_object(s->state)) {
			log_error("could not read the session of call %s: %s", call_id, error);
			s->state = NULL;
		}
	}
	if (!s->state)
		s->state = json_to_arena(a, json_object());
	/* Caller ID is the callback number until the caller gives another. */
	if (s->caller_number && !json_str(s->state, "phone"))
		json_object_set_new(s->state, "phone", json_string(s->caller_number));
	return s;
}

int brain_session_save(struct db *db, struct arena *a, struct brain_session *s)
{
	if (!s->call_id)
		return 0;
	const struct db_stmt save = DB_STMT(SQL_SAVE, s->org_id, s->call_id, json_text(a, s->state));
	return db_org_transaction(db, a, s->org_id, &save, 1, NULL);
}

/* The statement that stores one utterance in call_turns (parameters arena-owned). */
static struct db_stmt turn_stmt(struct arena *a, const struct brain_session *s,
				const char *speaker, const char *text, long first_ms, long total_ms)
{
	return db_stmt_keep(a, DB_STMT(SQL_TURN, s->org_id, s->call_id, speaker, text,
				       first_ms >= 0 ? arena_printf(a, "%ld", first_ms) : NULL,
				       total_ms >= 0 ? arena_printf(a, "%ld", total_ms) : NULL));
}

/* Store what the caller said in call_turns; a failure is logged and the call goes on. */
static void store_caller_turn(struct db *db, struct arena *a, struct brain_session *s,
			      const char *text)
{
	if (!s->call_id)
		return;
	const struct db_stmt turn = turn_stmt(a, s, "caller", text, -1, -1);
	db_org_transaction(db, a, s->org_id, &turn, 1, NULL);
}

/*
 * Store the reply in call_turns and the session after it, in one transaction and one round
 * trip; reply->seq says which turn it is (-1 when it could not be stored: the call goes on).
 */
static void store_reply(struct db *db, struct arena *a, struct brain_session *s,
			struct brain_reply *reply)
{
	struct db_result *out[2];

	reply->seq = -1;
	if (!s->call_id)
		return;
	const struct db_stmt stmts[2] = {
		turn_stmt(a, s, "assistant", reply->text, reply->first_clause_ms, reply->total_ms),
		DB_STMT(SQL_SAVE, s->org_id, s->call_id, json_text(a, s->state)),
	};
	if (db_org_transaction(db, a, s->org_id, stmts, 2, out) == 0 && db_rows(out[0]) == 1)
		reply->seq = atol(db_value(out[0], 0, 0));
}

static void remember(struct brain_session *s, const char *speaker, const char *text)
{
	json_t *history = json_object_get(s->state, "history");

	if (!json_is_array(history)) {
		history = json_array();
		json_object_set_new(s->state, "history", history);
	}
	json_array_append_new(history, json_pack("{s:s, s:s}", "speaker", speaker, "text", text));
	while (json_array_size(history) > HISTORY_MAX)
		json_array_remove(history, 0);
}

/* What the receptionist first says: the business's own greeting, or one naming it. */
static const char *greeting_text(struct arena *a, const char *greeting, const char *name)
{
	return greeting && greeting[0] ? greeting :
	       arena_printf(a, "Thanks for calling %s. How can I help you today?", name);
}

/* The session after the greeting: what to ask again after a silence, and what was said. */
static void greeting_state(struct brain_session *s, const char *greeting)
{
	/* After a silence the receptionist asks again, without the whole greeting. */
	json_object_set_new(s->state, "prompt", json_string("How can I help you today?"));
	remember(s, "assistant", greeting);
}

const char *brain_greeting(struct db *db, struct arena *a, struct brain_session *s)
{
	struct business b;
	const char *greeting = NULL;

	/* The business is read and the greeting stored in one transaction: fewer round trips. */
	if (db_begin_org(db, a, s->org_id) < 0)
		return "Hello, thanks for calling. How can I help you today?";
	if (business_load(db, a, s->org_id, &b) == 0)
		greeting = greeting_text(a, b.greeting, b.name);
	/* Without the database the caller still hears a greeting; nothing can be stored. */
	if (!greeting) {
		db_rollback(db);
		return "Hello, thanks for calling. How can I help you today?";
	}
	greeting_state(s, greeting);
	/* A greeting that cannot be stored is still said; the call goes on. */
	if (s->call_id && db_exec(db, a, SQL_GREETING_SAVE, s->org_id, s->call_id, greeting,
				  json_text(a, s->state)) < 0) {
		db_rollback(db);
		return greeting;
	}
	db_commit(db);
	return greeting;
}

const char *brain_greet_new_call(struct arena *a, const char *org_id, const char *call_id,
				 const char *caller_number, const char *greeting,
				 const char *business_name, struct db_stmt *save)
{
	/* The session brain_session_open() would start for a call with none saved. */
	struct brain_session s = {
		.org_id = org_id, .call_id = call_id,
		.state = json_to_arena(a, json_object()),
	};

	if (caller_number && caller_number[0])
		json_object_set_new(s.state, "phone", json_string(caller_number));
	const char *text = greeting_text(a, greeting, business_name);
	greeting_state(&s, text);
	*save = db_stmt_keep(a, DB_STMT(SQL_GREETING_SAVE, org_id, call_id, text,
					json_text(a, s.state)));
	return text;
}

/* Passes clauses on and notes when the first one left. */
struct clause_timer {
	brain_clause_fn on_clause;
	void *arg;
	struct timespec start;
	long first_ms;
};

static void timed_clause(void *arg, const char *clause)
{
	struct clause_timer *timer = arg;

	if (timer->first_ms < 0)
		timer->first_ms = ms_since(&timer->start);
	if (timer->on_clause)
		timer->on_clause(timer->arg, clause);
}

int brain_turn(struct db *db, struct arena *a, struct brain_session *s, const char *caller_text,
	       brain_clause_fn on_clause, void *arg, struct brain_reply *reply)
{
	return brain_turn_with(db, a, s, caller_text, NULL, NULL, on_clause, arg, reply);
}

int brain_turn_with(struct db *db, struct arena *a, struct brain_session *s,
		    const char *caller_text, brain_first_answer_fn first, void *first_arg,
		    brain_clause_fn on_clause, void *arg, struct brain_reply *reply)
{
	struct clause_timer timer = { .on_clause = on_clause, .arg = arg, .first_ms = -1 };
	const char *text = brain_clean_text(a, caller_text, BRAIN_CALLER_TEXT_MAX);
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &timer.start);
	memset(reply, 0, sizeof(*reply));
	/* The caller's words are stored before anything else can fail or be killed. */
	if (text[0])
		store_caller_turn(db, a, s, text);
	if (llm_configured(&s->providers->llm)) {
		/* A failed LLM turn may have half-changed the state: the rules engine starts over. */
		json_t *before = json_to_arena(a, json_deep_copy(s->state));
		rc = brain_llm_turn(db, a, s, text, first, first_arg, timed_clause, &timer,
				    reply);
		if (rc < 0) {
			log_warn("the LLM engine failed; the rules engine answers org=%s", s->org_id);
			if (db_in_transaction(db))
				db_rollback(db);
			json_object_clear(s->state);
			json_object_update(s->state, before);
			memset(reply, 0, sizeof(*reply));
		}
	}
	if (rc < 0)
		rc = brain_rules_turn(db, a, s, text, timed_clause, &timer, reply);
	if (rc < 0 || !reply->text || !reply->text[0]) {
		reply->text = "I'm sorry, I'm having trouble with our system right now. Could you "
			      "say that again?";
		reply->action = BRAIN_LISTEN;
		reply->engine = "rules";
		timed_clause(&timer, reply->text);
	}
	reply->first_clause_ms = timer.first_ms;
	reply->total_ms = ms_since(&timer.start);
	if (text[0])
		remember(s, "caller", text);
	remember(s, "assistant", reply->text);
	store_reply(db, a, s, reply);
	return 0;
}
