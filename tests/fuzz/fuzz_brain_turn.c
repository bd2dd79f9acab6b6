/* fuzz_brain_turn.c: the rules receptionist's whole turn against a real database, rolled back */
/*
 * Input: up to MAX_TURNS caller utterances, one a line (a blank one is silence); the call ends
 * early when the receptionist hangs up or transfers. Each input is one call to the demo
 * business (sql/demo/acme.sql) on a fresh session, inside db_rehearse_begin() so the call row,
 * its session, turns, leads and bookings are all rolled back at the end. No language model is
 * configured, so the rules engine answers every turn. Proves no out-of-bounds access or
 * undefined behaviour anywhere in a turn (slots, times, booking, business answers) and the
 * promised shapes: every reply is non-empty valid UTF-8 (checked by ICU) without control
 * characters, and the receptionist says "booked" or "you're all set" only when an appointment
 * row exists for the call.
 * DATABASE_URL names the database (tests/fuzz/run starts a throwaway one when it is unset).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ustring.h>

#include "infra/arena.h"
#include "infra/db.h"
#include "domain/brain.h"

#define MAX_TURNS 6
/* The demo business of sql/demo/acme.sql. */
#define ACME "ac3e0000-0000-4000-8000-000000000001"

static const char SQL_ORG[] = "SELECT id FROM organizations WHERE id = $1";
static const char SQL_CALL[] =
	"INSERT INTO calls (org_id, provider, provider_call_id, from_number, to_number, status) "
	"VALUES ($1, 'twilio', $2, '+15551230000', '+15005550006', 'in-progress') RETURNING id";
static const char SQL_BOOKED[] =
	"SELECT count(*) FROM appointments WHERE org_id = $1 AND call_id = $2";

static struct db *db;
static long calls;
/* FUZZ_BRAIN_TURN_SHOW=1 prints the call, for replaying one input by hand. */
static bool show;

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_brain_turn: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *url = getenv("DATABASE_URL");
	struct arena *a = arena_new();

	/* The rules engine alone: a model would make each turn slow and its replies unchecked. */
	unsetenv("LLM_BASE_URL");
	unsetenv("LLM_API_KEY");
	show = getenv("FUZZ_BRAIN_TURN_SHOW") && !strcmp(getenv("FUZZ_BRAIN_TURN_SHOW"), "1");
	if (!url || !url[0])
		fail("DATABASE_URL is not set", NULL);
	db = db_open(url);
	if (!db || !db_ready(db))
		fail("cannot connect to DATABASE_URL", db ? db_error(db) : NULL);
	if (db_begin_org(db, a, ACME) < 0)
		fail("cannot open a transaction", db_error(db));
	if (!db_text(db, a, SQL_ORG, ACME))
		fail("the demo business is not in the database (load sql/demo/acme.sql)", NULL);
	db_rollback(db);
	arena_free(a);
	return 0;
}

static void check_reply(const char *text)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t units;

	if (!text || !text[0])
		fail("empty reply", NULL);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail("control character in reply", text);
	/* Measuring is enough: ICU refuses ill-formed UTF-8 before it would copy anything. */
	u_strFromUTF8(NULL, 0, &units, text, -1, &err);
	if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
		fail("reply is not valid UTF-8", text);
}

static bool says_booked(const char *text)
{
	return strcasestr(text, "booked") || strcasestr(text, "you're all set") ||
	       strcasestr(text, "you\u2019re all set");
}

/* Whether the call has an appointment row in the rehearsal; aborts on a database error. */
static bool has_booking(struct arena *a, const char *call_id)
{
	long n = 0;

	if (db_begin_org(db, a, ACME) < 0 || db_long(db, a, &n, SQL_BOOKED, ACME, call_id) < 0)
		fail("cannot count appointments", db_error(db));
	db_rollback(db);
	return n > 0;
}

static void run_call(struct arena *a, const char *data, size_t size)
{
	char sid[40];

	snprintf(sid, sizeof(sid), "CA%032lx", ++calls);
	if (db_begin_org(db, a, ACME) < 0)
		fail("cannot open a transaction", db_error(db));
	const char *call_id = db_text(db, a, SQL_CALL, ACME, sid);
	if (!call_id || db_commit(db) < 0)
		fail("cannot insert the call", db_error(db));

	struct brain_session *s = brain_session_open(db, a, ACME, call_id, "+15551230000");
	if (!s)
		fail("brain_session_open failed", db_error(db));
	check_reply(brain_greeting(db, a, s));

	const char *p = data, *end = data + size;
	/* The receptionist repeats what the caller gave (a name, an address): a caller whose own
	 * words hold "booked" can hear the word back without any booking. */
	bool caller_said_it = false;
	for (int turn = 0; turn < MAX_TURNS && p <= end; turn++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		char *said = arena_strndup(a, p, (size_t)(stop - p));
		struct brain_reply reply;

		if (brain_turn(db, a, s, said, NULL, NULL, &reply) != 0)
			fail("brain_turn failed", db_error(db));
		check_reply(reply.text);
		if (show)
			fprintf(stderr, "caller: %s\nreceptionist: %s%s\n", said, reply.text,
				reply.appointment_id ? " [booked]" : "");
		caller_said_it = caller_said_it || says_booked(said);
		if (!caller_said_it && says_booked(reply.text) && !has_booking(a, call_id))
			fail("said booked without an appointment", reply.text);
		/* A trailing newline ends the last utterance; a blank line within is silence. */
		if (reply.action != BRAIN_LISTEN || !nl || nl + 1 == end)
			break;
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();

	if (db_rehearse_begin(db) < 0)
		fail("cannot begin the rehearsal", db_error(db));
	run_call(a, (const char *)data, size);
	if (db_rehearse_end(db) < 0)
		fail("cannot roll the rehearsal back", db_error(db));
	arena_free(a);
	return 0;
}
