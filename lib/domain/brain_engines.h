/* brain_engines.h: the two engines behind brain_turn(), each answering one turn or declining */
#ifndef SB_BRAIN_ENGINES_H
#define SB_BRAIN_ENGINES_H

#include "domain/brain.h"
#include "domain/brain_words.h"

struct arena;
struct db;

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

/*
 * The LLM engine: answers the turn through the configured chat-completions endpoint and its
 * tools, within BRAIN_BUDGET_MS. Returns 0 with *reply filled, or -1 (nothing was said to
 * the caller that claims a booking) so the rules engine answers the same turn.
 */
int brain_llm_turn(struct db *db, struct arena *a, struct brain_session *s,
		   const char *caller_text, brain_clause_fn on_clause, void *arg,
		   struct brain_reply *reply);

/* The rules engine: slot filling over the business's own data. Returns 0, or -1 on error. */
int brain_rules_turn(struct db *db, struct arena *a, struct brain_session *s,
		     const char *caller_text, brain_clause_fn on_clause, void *arg,
		     struct brain_reply *reply);

#endif
