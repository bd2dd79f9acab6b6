/* brain_engines.h: the two engines behind brain_turn(), each answering one turn or declining */
#ifndef SB_BRAIN_ENGINES_H
#define SB_BRAIN_ENGINES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "domain/brain.h"
#include "domain/brain_words.h"
#include "provider/llm.h"

/* What a caller says is cut to this many bytes: nobody books in the second kilobyte. */
#define BRAIN_CALLER_TEXT_MAX 1000

struct arena;
struct db;
struct when;

/*
 * Both engines share one session state (brain_session.state, saved to call_sessions), so a
 * call can move from one engine to the other mid-conversation. The keys, all optional:
 *   history          [{"speaker": "caller"|"assistant", "text": ...}], the turns before this
 *                    one (brain_turn appends both turns after the engine answered)
 *   name, phone      the caller's name; the callback number in E.164 (caller ID until told)
 *   phone_confirmed  true once the caller accepted or gave the number
 *   service_id, service_name, duration_minutes   the matched service
 *   urgent           true after an emergency was described
 *   starts_at        the chosen appointment start (unix seconds, a free time)
 *   address          where the visit is
 *   appointment_id   set once booked (the booking committed)
 *   message          a message the caller left, for the post-call pipeline
 *   transfer_to      set when the call was handed to a person
 *   pending          what the receptionist asked last (see brain_rules.c)
 *   silences         consecutive empty turns
 * Engines are called with no transaction open on db and open their own.
 */

/* Where an LLM turn's first answer may come from instead of a request of its own (a draft,
 * brain_preempt.c): 1 taken, *res filled; 0 none, nothing went to on_text, so the turn asks;
 * -1 failed after words went to on_text. */
typedef int (*brain_first_answer_fn)(void *arg, llm_text_fn on_text, void *text_arg,
				     struct llm_result *res);

/*
 * The LLM engine: answers the turn through the configured chat-completions endpoint and its
 * tools, within BRAIN_BUDGET_MS; with first (else NULL), first(first_arg, ...) may give the
 * answer to its first request. Returns 0 with *reply filled, or -1 (nothing was said to the
 * caller that claims a booking) so the rules engine answers the same turn.
 */
int brain_llm_turn(struct db *db, struct arena *a, struct brain_session *s,
		   const char *caller_text, brain_first_answer_fn first, void *first_arg,
		   brain_clause_fn on_clause, void *arg, struct brain_reply *reply);

/*
 * The first request brain_llm_turn() sends for caller_text in session s, streamed to on_text,
 * and nothing more: no tool runs, nothing is stored, s is not changed. The business is read
 * with db (no transaction open before or after). Stops early once *cancel turns nonzero.
 * Returns 0 with *res filled (arena-owned), or -1.
 */
int brain_llm_first_request(struct db *db, struct arena *a, struct brain_session *s,
			    const char *caller_text, llm_text_fn on_text, void *arg,
			    const int *cancel, struct llm_result *res);

/* brain_turn(), the LLM engine's first answer perhaps from first (see brain_llm_turn). */
int brain_turn_with(struct db *db, struct arena *a, struct brain_session *s,
		    const char *caller_text, brain_first_answer_fn first, void *first_arg,
		    brain_clause_fn on_clause, void *arg, struct brain_reply *reply);

/* The rules engine: slot filling over the business's own data. Returns 0, or -1 on error. */
int brain_rules_turn(struct db *db, struct arena *a, struct brain_session *s,
		     const char *caller_text, brain_clause_fn on_clause, void *arg,
		     struct brain_reply *reply);

/* An appointment the caller already has (brain_visits.c). Strings arena-owned. */
struct brain_visit {
	const char *id;
	time_t starts_at;
	int minutes;
	const char *service_id;       /* NULL when the service was deleted */
	const char *service_name;
	const char *name, *phone, *address;
};

/* The caller's next live appointment, by phone (E.164) or else by name. Runs in the
 * transaction open on db. 1 found (*out filled), 0 none, -1 error. */
int brain_visit_find(struct db *db, struct arena *a, const char *phone, const char *name,
		     struct brain_visit *out);

/* Cancel, or move to starts_at (same length), the appointment id, in a transaction of its own
 * committed before return (one open on db is committed first; none is open after). 1 done,
 * 0 not done (already cancelled, or the new time collides), -1 error. */
int brain_visit_cancel(struct db *db, struct arena *a, const char *org_id, const char *id);
int brain_visit_move(struct db *db, struct arena *a, const char *org_id, const char *id,
		     time_t starts_at);

/*
 * The time or window the caller asks for (brain_time.c): when_parse's reading, and around it
 * "as soon as possible" (now to two weeks on), "next week", "after work", "first thing",
 * "before 11", "after 3". Never a time: a confirmation or a choice among offered times ("the
 * first one"). Returns 0 with *out filled, or -1 when no time is named.
 */
int brain_when(const char *text, const char *timezone, time_t now, struct when *out);

/* The moment at clock's time of day on day's date, both read in timezone. */
time_t brain_on_day_of(time_t clock, time_t day, const char *timezone);

#endif
