/* practice.c: practice calls: callers made from a business's own facts try its receptionist */
#include "domain/practice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "domain/business.h"
#include "domain/business_kind.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "domain/when.h"

/* A caller who has not got there in this many turns has given up. */
#define PRACTICE_TURNS 14
#define PRACTICE_FACTS 3

enum goal {
	GOAL_BOOK,
	GOAL_PRICE,
	GOAL_HOURS,
	GOAL_CLOSED_DAY,
	GOAL_FACT,
	GOAL_EMERGENCY,
	GOAL_MESSAGE,
};

/* One persona: what the caller wants and the words it says it in. */
struct persona {
	enum goal goal;
	const char *goal_text;
	const char *opening;
	const char *service;           /* the service named, lower-case; NULL for none */
	const char *window;            /* "on Tuesday morning", for a booking */
	const char *expect;            /* the words the reply must hold (a price, an answer) */
	const char *name;
	const char *phone;             /* caller ID, E.164 */
};

/* What one caller heard and did, for scoring. */
struct caller {
	const struct persona *p;
	const char *readback;          /* the last "Shall I book" the caller said yes to */
	const char *heard;             /* every reply, joined, for the fact goals */
	bool asked_message, said_message, booked, done;
	int turns;
	const char *booking_verdict;   /* scored on the turn that booked */
	bool booking_passed;
};

static const char SQL_FACTS[] =
	"SELECT question, answer FROM knowledge_entries ORDER BY updated_at DESC, id LIMIT 3";
static const char SQL_APPOINTMENT[] =
	"SELECT extract(epoch FROM starts_at)::bigint FROM appointments WHERE id = $1";

static const char *const FIRST[] = { "Dana", "Luis", "Priya", "Tom", "Grace", "Omar", "Keiko",
				     "Sam", "Nadia", "Jack" };
static const char *const LAST[] = { "Whitfield", "Moreno", "Raman", "Becker", "Okafor", "Haddad",
				    "Sato", "Lindqvist", "Petrov", "Nolan" };
static const char *const DAY_KEYS[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char *const DAY_NAMES[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
					 "Friday", "Saturday" };

static char *lower(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s);
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return out;
}

/* The answer's first words (about 40 bytes, whole words) are enough to know it was said. */
static const char *first_words(struct arena *a, const char *answer)
{
	size_t len = strlen(answer);

	if (len <= 40)
		return answer;
	len = 40;
	while (len > 10 && answer[len] != ' ')
		len--;
	while (len > 1 && strchr(" ,.;:", answer[len - 1]))
		len--;
	return arena_strndup(a, answer, len);
}

/* The next open days of the week after now (up to 7), as indexes 0 (Sunday) to 6. */
static int open_days(struct arena *a, const struct business *b, time_t now, int *out)
{
	struct tm local;
	int n = 0;

	when_local(now, b->timezone, &local);
	for (int i = 1; i <= 7; i++) {
		int day = (local.tm_wday + i) % 7;
		if (business_day_hours(a, b, DAY_KEYS[day]))
			out[n++] = day;
	}
	return n;
}

/* Fill the personas from the business; returns how many. */
static int make_personas(struct db *db, struct arena *a, const struct business *b, time_t now,
			 struct persona *out)
{
	struct service *services = NULL;
	int nservices = business_services(db, a, &services);
	struct db_result *facts = db_q(db, a, SQL_FACTS);
	int nfacts = facts ? db_rows(facts) : 0;
	int days[7], ndays = open_days(a, b, now, days);
	int n = 0;

	if (nservices < 0)
		nservices = 0;
	/* Asking the price of every priced service, up to three. */
	for (int i = 0, asked = 0; i < nservices && asked < 3 && n < PRACTICE_CALLERS; i++) {
		if (services[i].price_cents <= 0)
			continue;
		struct persona *p = &out[n++];
		p->goal = GOAL_PRICE;
		p->service = lower(a, services[i].name);
		p->goal_text = arena_printf(a, "Ask the price of %s", services[i].name);
		p->opening = arena_printf(a, "Hi, how much is %s?", p->service);
		p->expect = business_price_text(a, services[i].price_cents);
		asked++;
	}
	if (ndays > 0) {
		struct persona *p = &out[n++];
		p->goal = GOAL_HOURS;
		p->goal_text = arena_printf(a, "Ask whether you are open on %s", DAY_NAMES[days[0]]);
		p->opening = arena_printf(a, "Are you open on %s?", DAY_NAMES[days[0]]);
		p->expect = business_day_hours(a, b, DAY_KEYS[days[0]]);
	}
	for (int d = 0; d < 7; d++)
		if (!business_day_hours(a, b, DAY_KEYS[d])) {
			struct persona *p = &out[n++];
			p->goal = GOAL_CLOSED_DAY;
			p->goal_text = arena_printf(a, "Ask whether you are open on %s", DAY_NAMES[d]);
			p->opening = arena_printf(a, "Are you open on %s?", DAY_NAMES[d]);
			break;
		}
	for (int i = 0; i < nfacts && i < PRACTICE_FACTS; i++) {
		struct persona *p = &out[n++];
		const char *question = db_value(facts, i, 0);
		p->goal = GOAL_FACT;
		p->goal_text = arena_printf(a, "Ask \"%s\"", question);
		p->opening = question;
		p->expect = first_words(a, db_value(facts, i, 1));
	}
	for (int i = 0; b->kind->urgent && b->kind->urgent[i] && i < 2; i++) {
		struct persona *p = &out[n++];
		p->goal = GOAL_EMERGENCY;
		p->goal_text = arena_printf(a, "An emergency: \"%s\"", b->kind->urgent[i]);
		p->opening = arena_printf(a, "Hi, %s, I need someone as soon as possible", b->kind->urgent[i]);
		p->window = "as soon as possible";
		p->service = nservices ? lower(a, services[0].name) : NULL;
	}
	struct persona *m = &out[n++];
	m->goal = GOAL_MESSAGE;
	m->goal_text = "Leave a message for the owner";
	m->opening = "Hello, can I leave a message for the owner?";
	m->expect = "Please call me back about the quote you sent me last week.";
	/* The rest book: every service in turn, on the open days in turn. */
	for (int i = 0; n < PRACTICE_CALLERS && nservices > 0 && ndays > 0; i++) {
		struct persona *p = &out[n++];
		const struct service *sv = &services[i % nservices];
		p->goal = GOAL_BOOK;
		p->service = lower(a, sv->name);
		p->window = arena_printf(a, "on %s %s", DAY_NAMES[days[i % ndays]],
					 i % 2 ? "afternoon" : "morning");
		p->goal_text = arena_printf(a, "Book %s %s", sv->name, p->window);
		p->opening = i % 3 == 2 ?
			arena_printf(a, "Hi, could I book %s %s?", p->service, p->window) :
			arena_printf(a, "Hi, I'd like to book %s, please.", p->service);
	}
	for (int i = 0; i < n; i++) {
		out[i].name = arena_printf(a, "%s %s", FIRST[i % 10], LAST[(i * 3 + 1) % 10]);
		out[i].phone = arena_printf(a, "+1555201%04d", 1000 + i);
	}
	return n;
}

static bool has(const char *text, const char *words)
{
	return text && words && strcasestr(text, words);
}

/* The receptionist's last sentence, where its question is. */
static const char *tail_of(const char *reply)
{
	const char *tail = reply;
	size_t len = strlen(reply);

	for (size_t i = 0; i + 2 < len; i++)
		if ((reply[i] == '.' || reply[i] == '!' || reply[i] == '?') && reply[i + 1] == ' ')
			tail = reply + i + 2;
	return tail;
}

/* What the caller says next, or NULL to hang up: it answers what it was asked. */
static const char *answer(struct arena *a, struct caller *c, const char *reply,
			  enum brain_action action)
{
	const struct persona *p = c->p;
	const char *tail = tail_of(reply);
	bool booking = p->goal == GOAL_BOOK || p->goal == GOAL_EMERGENCY;

	if (action != BRAIN_LISTEN || has(reply, "goodbye") || c->done)
		return NULL;
	if (p->goal != GOAL_MESSAGE && !booking) {
		c->done = true;
		return "Great, thanks. That's all, bye!";
	}
	if (has(reply, "is booked") || has(reply, "you're all set") || has(reply, "you're booked")) {
		c->booked = true;
		c->done = true;
		return "No, that's all, thank you. Bye";
	}
	if (has(reply, "shall i book") || has(reply, "make sure i have this right")) {
		c->readback = reply;
		return "Yes, that's right";
	}
	if (has(tail, "which one") || has(tail, "would that work") || has(tail, "work for you"))
		return "The first one, please";
	if (has(tail, "your name") || has(tail, "who should i say") || has(tail, "what name") ||
	    has(tail, "name, please"))
		return arena_printf(a, "It's %s", p->name);
	if (has(tail, "best number") || has(tail, "right number"))
		return "Yes";
	if (has(tail, "number"))
		return arena_printf(a, "It's %s", p->phone + 2);
	if (has(tail, "address"))
		return "It's 42 Elm Street";
	if (has(tail, "message") || has(tail, "pass on")) {
		if (p->goal != GOAL_MESSAGE)
			return arena_printf(a, "No, I wanted to book %s", p->service);
		c->said_message = true;
		return p->expect;
	}
	if (has(tail, "when would you like") || has(tail, "soonest") || has(tail, "another day") ||
	    has(tail, "what day") || has(tail, "what time") || has(tail, "another time"))
		return booking ? p->window : "Any time is fine";
	if (has(tail, "is that for") || has(tail, "which service") ||
	    (has(tail, "help you with") && has(reply, "we do")))
		return p->service ? arena_printf(a, "I need %s", p->service) : "I need someone to come";
	if (has(tail, "anything else") || has(tail, "help you") || has(tail, "would you like to book") ||
	    has(tail, "something i can")) {
		if (p->goal == GOAL_MESSAGE && !c->said_message)
			return "I'd like to leave a message";
		if (booking && !c->booked && p->service)
			return arena_printf(a, "I'd like to book %s %s", p->service, p->window);
		c->done = true;
		return "No, that's all. Bye";
	}
	if (p->goal == GOAL_MESSAGE)
		return p->expect;
	return p->service ? arena_printf(a, "I'd like %s %s", p->service, p->window) : "Sorry, what?";
}

/* Was the booking made at the time read back to the caller? */
static const char *score_booking(struct db *db, struct arena *a, const struct business *b,
				 const struct caller *c, struct brain_session *s, bool *passed)
{
	const char *id = json_str(s->state, "appointment_id");
	char said[96];

	*passed = false;
	if (!id)
		return "No appointment was booked.";
	if (db_begin_org(db, a, s->org_id) < 0)
		return "The booking could not be checked.";
	const char *starts = db_text(db, a, SQL_APPOINTMENT, id);
	db_rollback(db);
	if (!starts)
		return "The booking could not be found.";
	when_say((time_t)strtoll(starts, NULL, 10), b->timezone, said, sizeof(said));
	if (!c->readback)
		return arena_printf(a, "Booked for %s without reading it back first.", said);
	if (!strstr(c->readback, said))
		return arena_printf(a, "Booked for %s, not the time read back.", said);
	*passed = true;
	return arena_printf(a, "Booked for %s, the time read back.", said);
}

static const char *score(struct db *db, struct arena *a, const struct business *b,
			 const struct caller *c, struct brain_session *s, bool transferred,
			 bool *passed)
{
	const struct persona *p = c->p;

	*passed = false;
	switch (p->goal) {
	case GOAL_BOOK:
		if (c->booking_verdict) {
			*passed = c->booking_passed;
			return c->booking_verdict;
		}
		return score_booking(db, a, b, c, s, passed);
	case GOAL_PRICE:
	case GOAL_HOURS:
	case GOAL_FACT:
		*passed = has(c->heard, p->expect);
		return *passed ? arena_printf(a, "Heard \"%s\".", p->expect) :
				 arena_printf(a, "Never heard \"%s\".", p->expect);
	case GOAL_CLOSED_DAY:
		*passed = has(c->heard, "closed") || has(c->heard, "not open") ||
			  has(c->heard, "aren't open");
		return *passed ? "Was told the business is closed that day." :
				 "Was never told the business is closed that day.";
	case GOAL_EMERGENCY:
		*passed = json_bool(s->state, "urgent", false) || transferred;
		return *passed ? (transferred ? "Treated as urgent and put through." :
					     "Treated as urgent.") :
				 "Not treated as urgent.";
	case GOAL_MESSAGE:
		*passed = json_str(s->state, "message") != NULL;
		return *passed ? "The message was taken." : "No message was taken.";
	}
	return "";
}

static void say(json_t *transcript, const char *speaker, const char *text)
{
	json_array_append_new(transcript, json_pack("{s:s, s:s}", "speaker", speaker, "text", text));
}

/* One caller, start to end, inside a rehearsal that leaves nothing behind. */
static void play(struct db *db, struct arena *a, const char *org_id, time_t now,
		 const struct business *b, const struct persona *p, struct practice_call *out)
{
	struct caller c = { .p = p, .heard = "" };
	bool transferred = false;

	out->goal = p->goal_text;
	out->transcript = json_to_arena(a, json_array());
	out->verdict = "The call could not be played.";
	if (db_rehearse_begin(db) < 0)
		return;
	struct brain_session *s = brain_session_open(db, a, org_id, NULL, p->phone);
	if (!s)
		goto out;
	s->now = now;
	say(out->transcript, "assistant", brain_greeting(db, a, s));
	const char *line = p->opening;
	for (c.turns = 0; line && c.turns < PRACTICE_TURNS; c.turns++) {
		struct brain_reply reply;

		say(out->transcript, "caller", line);
		brain_turn(db, a, s, line, NULL, NULL, &reply);
		say(out->transcript, "assistant", reply.text);
		c.heard = arena_printf(a, "%s %s", c.heard, reply.text);
		transferred = transferred || reply.action == BRAIN_TRANSFER;
		line = answer(a, &c, arena_strdup(a, reply.text), reply.action);
		/*
		 * The booking holds the business's booking lock and its slot until the rehearsal
		 * ends: score it now and start a fresh rehearsal, so a real caller's booking never
		 * waits on the rest of a practice call.
		 */
		if (!c.booking_verdict && json_str(s->state, "appointment_id")) {
			c.booking_verdict = score_booking(db, a, b, &c, s, &c.booking_passed);
			db_rehearse_end(db);
			if (db_rehearse_begin(db) < 0)
				return;
		}
	}
	out->verdict = score(db, a, b, &c, s, transferred, &out->passed);
	if (line && !out->passed)
		out->verdict = arena_printf(a, "%s The caller gave up after %d turns.", out->verdict,
					    c.turns);
out:
	db_rehearse_end(db);
}

int practice_run(struct db *db, struct arena *a, const char *org_id, time_t now,
		 struct practice_call **out)
{
	struct persona personas[PRACTICE_CALLERS + 8];
	struct business b;

	memset(personas, 0, sizeof(personas));
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (business_load(db, a, org_id, &b) < 0) {
		db_rollback(db);
		return -1;
	}
	int n = make_personas(db, a, &b, now, personas);
	db_rollback(db);
	if (n > PRACTICE_CALLERS)
		n = PRACTICE_CALLERS;
	*out = arena_calloc(a, (size_t)(n ? n : 1), sizeof(**out));
	for (int i = 0; i < n; i++)
		play(db, a, org_id, now, &b, &personas[i], &(*out)[i]);
	return n;
}

static const char SQL_RUN_START[] =
	"UPDATE practice_runs SET status = 'running' WHERE id = $1 AND status IN ('queued', "
	"'running') RETURNING id";
static const char SQL_CALL_INSERT[] =
	"INSERT INTO practice_calls (org_id, run_id, seq, goal, passed, verdict, transcript) "
	"VALUES (app_org_id(), $1, $2::int, left($3, 300), $4::boolean, left($5, 500), $6::jsonb)";
static const char SQL_RUN_DONE[] =
	"UPDATE practice_runs SET status = 'done', callers = $2::int, passed = $3::int, "
	"wall_ms = $4::int, finished_at = now() WHERE id = $1";
static const char SQL_RUN_FAILED[] =
	"UPDATE practice_runs SET status = 'failed', error = left($2, 500), finished_at = now() "
	"WHERE id = $1";

static long ms_between(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

/* Mark the run failed in a transaction of its own; the job fails with reason. */
static enum job_outcome run_failed(struct db *db, struct arena *a, const struct job *job,
				   const char *run_id, const char *reason, char *error,
				   size_t errlen)
{
	snprintf(error, errlen, "%s", reason);
	if (db_begin_org(db, a, job->org_id) == 0) {
		if (db_exec(db, a, SQL_RUN_FAILED, run_id, reason) < 0)
			db_rollback(db);
		else
			db_commit(db);
	}
	return JOB_FAILED;
}

enum job_outcome practice_job(struct db *db, struct arena *a, const struct job *job, char *error,
			      size_t errlen)
{
	const char *run_id = json_str(job->payload, "run_id");
	struct practice_call *calls;
	struct timespec start, end;

	if (!run_id) {
		snprintf(error, errlen, "no run_id");
		return JOB_FAILED;
	}
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	const char *found = db_text(db, a, SQL_RUN_START, run_id);
	if (!found || db_commit(db) < 0) {
		db_rollback(db);
		snprintf(error, errlen, "no such practice run");
		return JOB_FAILED;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	int n = practice_run(db, a, job->org_id, time(NULL), &calls);
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (n < 0)
		return run_failed(db, a, job, run_id, "the business could not be read", error,
				  errlen);
	int passed = 0;
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	for (int i = 0; i < n; i++) {
		passed += calls[i].passed;
		if (db_exec(db, a, SQL_CALL_INSERT, run_id, arena_printf(a, "%d", i), calls[i].goal,
			    calls[i].passed ? "true" : "false", calls[i].verdict,
			    json_text(a, calls[i].transcript)) < 0) {
			db_rollback(db);
			return run_failed(db, a, job, run_id, "the results could not be stored",
					  error, errlen);
		}
	}
	if (db_exec(db, a, SQL_RUN_DONE, run_id, arena_printf(a, "%d", n),
		    arena_printf(a, "%d", passed), arena_printf(a, "%ld", ms_between(&start, &end))) < 0) {
		db_rollback(db);
		return JOB_RETRY;
	}
	if (db_commit(db) < 0)
		return JOB_RETRY;
	log_info("practice run done run=%s callers=%d passed=%d ms=%ld", run_id, n, passed,
		 ms_between(&start, &end));
	return JOB_DONE;
}
