/* brain.h: the receptionist's side of the conversation: one interface, two engines */
#ifndef SB_BRAIN_H
#define SB_BRAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

struct arena;
struct db;
struct db_stmt;
struct provider_settings;

/*
 * The dialog state of one call: the filled slots (name, phone, service, urgency, preferred
 * time, address), what the receptionist is waiting for, and the conversation so far. It is
 * kept as JSON in call_sessions.state (or held in memory for a call without a row), so any
 * process can carry a call on after another stopped.
 */
/* Told when a tool the caller waits for (tool is its name) starts (done false) and when it
 * has finished (done true), so a live call can play a filler when the tool takes long. Called
 * on the thread that runs the turn. */
typedef void (*brain_tool_fn)(void *arg, const char *tool, bool done);

struct brain_session {
	const char *org_id;
	const char *call_id;          /* calls.id, or NULL for a conversation without a call row */
	const char *caller_number;    /* caller ID in E.164, NULL when withheld */
	time_t now;                   /* what "tomorrow" is relative to; 0 means the clock */
	json_t *state;                /* owned by the session's arena */
	/* The business's own model, speech and recognition settings or the server's, resolved
	 * once when the session opens (domain/credentials.h); arena-owned, never NULL. */
	const struct provider_settings *providers;
	brain_tool_fn on_tool;        /* may be NULL; set by the caller after opening */
	void *on_tool_arg;
};

enum brain_action {
	BRAIN_LISTEN,     /* say the reply, then listen for the caller */
	BRAIN_TRANSFER,   /* say the reply, then connect the caller to transfer_to */
	BRAIN_HANG_UP,    /* say the reply, then end the call */
};

struct brain_reply {
	const char *text;             /* what the receptionist says; never NULL or empty */
	enum brain_action action;
	const char *transfer_to;      /* BRAIN_TRANSFER: E.164 */
	const char *appointment_id;   /* set on the turn that booked, after the booking committed */
	const char *engine;           /* "llm" or "rules": which engine produced the reply */
	bool drafted;                 /* the LLM's first answer was a draft's (brain_turn_drafted) */
	long first_clause_ms;         /* from the start of the turn to the first clause */
	long total_ms;
	long seq;                     /* the reply's turn in call_turns; -1 when not stored */
};

/* Receives the reply clause by clause as soon as each is known, for speech synthesis. */
typedef void (*brain_clause_fn)(void *arg, const char *clause);

/*
 * Start or resume the session of a call: reads call_sessions for call_id (when not NULL) or
 * starts a new state, and resolves the business's provider settings. db must have no transaction open. Returns the session (arena-owned) or
 * NULL on a database error.
 */
struct brain_session *brain_session_open(struct db *db, struct arena *a, const char *org_id,
					 const char *call_id, const char *caller_number);

/* Write the session's state to call_sessions (for a session with a call_id). 0 or -1. */
int brain_session_save(struct db *db, struct arena *a, struct brain_session *s);

/* The first thing the receptionist says: the business's greeting. Arena-owned. */
const char *brain_greeting(struct db *db, struct arena *a, struct brain_session *s);

/*
 * Greet a call that has just begun: the greeting (the business's own, greeting, or one naming
 * business_name) and the session it starts, as brain_session_open() and brain_greeting() would
 * for a call with no session yet, with nothing to read first. Returns what the caller hears
 * (arena-owned) and fills *save with the one statement that stores both (its parameters
 * arena-owned), for the caller to run in org_id's transaction: with the call's other writes
 * and its commit, in one round trip.
 */
const char *brain_greet_new_call(struct arena *a, const char *org_id, const char *call_id,
				 const char *caller_number, const char *greeting,
				 const char *business_name, struct db_stmt *save);

/*
 * One turn: the caller said caller_text (empty for silence). The LLM engine answers when one is
 * configured (the business's own or LLM_BASE_URL, s->providers) and does so within BRAIN_BUDGET_MS; on any failure, timeout or
 * garbled answer the rules engine answers the same turn instead. on_clause (may be NULL) gets
 * the reply as it is produced. Both turns, the caller's and the receptionist's, are stored in
 * call_turns (for a session with a call_id) and the session is saved. db must have no
 * transaction open: the brain opens its own, and a booking is committed before any clause
 * says it is booked. Returns 0 with *reply filled (a reply is always produced, an apology when
 * even the database failed).
 */
int brain_turn(struct db *db, struct arena *a, struct brain_session *s, const char *caller_text,
	       brain_clause_fn on_clause, void *arg, struct brain_reply *reply);

/*
 * Preemptive generation (brain_preempt.c): while the caller pauses, a draft sends the LLM
 * engine's first request for the words heard so far, as a dry run: on a copy of the session,
 * no tool run, nothing stored, nothing said. When the turn ends on the same words and the model
 * answered in words only, brain_turn_drafted() takes that answer as the turn's reply, without a
 * second request; otherwise the draft is cancelled and the turn runs as brain_turn().
 */
struct brain_draft;

/*
 * A draft of the turn caller_text would be, from a copy of s taken now: call it while no turn
 * of s runs. s->providers is borrowed and must outlive the draft. NULL when no LLM is
 * configured (the rules engine is not drafted) or the words are empty. Caller frees
 * (brain_draft_unref).
 */
struct brain_draft *brain_draft_new(const struct brain_session *s, const char *caller_text);

/* Another reference to d, for another thread that holds it; returns d, that reference the
 * caller's (caller frees, with brain_draft_unref). */
struct brain_draft *brain_draft_ref(struct brain_draft *d);

/* Drop a reference; the last one frees the draft. NULL is accepted. Any thread. */
void brain_draft_unref(struct brain_draft *d);

/* Send the draft's request and keep what the model answers, blocking until it ends (once, on a
 * pool thread with its own db, which it only reads). Stores nothing and runs no tool. */
void brain_draft_run(struct brain_draft *d, struct db *db);

/* Stop the draft soon: its request is cut short, and no turn takes it. Any thread. */
void brain_draft_cancel(struct brain_draft *d);

/* Are caller_text and the draft's words the same, case, punctuation and spaces aside? */
bool brain_draft_matches(const struct brain_draft *d, const char *caller_text);

/*
 * brain_turn() for the words draft d was made for (brain_draft_matches): the draft's answer,
 * still streaming or ended, is the LLM engine's first request, its clauses passed to on_clause
 * as they come. A draft whose model asked for a tool or failed before a word is dropped and the
 * turn asks anew. The turn is stored as brain_turn() stores it. d is borrowed and must live
 * until this returns. Returns 0 with *reply filled.
 */
int brain_turn_drafted(struct db *db, struct arena *a, struct brain_session *s,
		       const char *caller_text, struct brain_draft *d, brain_clause_fn on_clause,
		       void *arg, struct brain_reply *reply);

/* True for a short acknowledgement ("yeah", "uh-huh", "mm", "okay", "right") that must not
 * interrupt the receptionist while it speaks. */
bool brain_is_backchannel(const char *utterance);

/* What the receptionist's last question waits for, so a live call can tell a finished answer
 * from a pause mid-sentence without parsing the question again. */
enum brain_expect {
	BRAIN_EXPECT_OPEN,        /* "How can I help?", a message, an address: anything may come */
	BRAIN_EXPECT_NAME,
	BRAIN_EXPECT_PHONE,
	BRAIN_EXPECT_YES_NO,      /* a confirmation, an offer to transfer */
	BRAIN_EXPECT_TIME,
};

/* Where the caller's words so far stand against what was asked. */
enum brain_answer {
	BRAIN_ANSWER_UNFINISHED,  /* ends on a word a sentence goes on from, or half a number */
	BRAIN_ANSWER_MAYBE,       /* could be all of it, could go on: wait the usual silence */
	BRAIN_ANSWER_COMPLETE,    /* a whole answer to the closed question asked, or a question */
};

/* What the session's last question waits for (the rules engine's pending question; the LLM
 * engine's questions are open). Call only while no turn of s runs. */
enum brain_expect brain_expecting(const struct brain_session *s);

/* Whether text, all the caller has said since the question, is a finished answer to what. Any
 * thread; reads only text. */
enum brain_answer brain_answer_state(enum brain_expect what, const char *text);

#endif
