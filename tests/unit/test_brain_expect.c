/* test_brain_expect.c: whether the caller's words so far finish an answer to what was asked */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "domain/brain.h"
#include "infra/arena.h"
#include "infra/json.h"

struct said {
	enum brain_expect expect;
	const char *text;
	enum brain_answer answer;
};

static const struct said CASES[] = {
	/* Open questions: words that go on wait, anything else may be all of it. */
	{ BRAIN_EXPECT_OPEN, "I need a plumber for", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "I need a plumber for...", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "I need a plumber for my kitchen sink", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "I need a plumber,", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "um", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "Yes.", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "What are your hours on Saturday?", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_NAME, "Do you need my last name too?", BRAIN_ANSWER_COMPLETE },
	/* A number read out in groups, when nothing told which answer was asked for (the LLM's
	 * questions): a reply after "555" would cut the caller off mid-number. */
	{ BRAIN_EXPECT_OPEN, "555", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "It's 555 201", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "555-201", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_OPEN, "555 201 7788", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "Tomorrow at 2", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "Tomorrow at 2:30", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "I need 3 plumbers", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "12 Elm Street", BRAIN_ANSWER_MAYBE },
	{ BRAIN_EXPECT_OPEN, "Just the 2", BRAIN_ANSWER_MAYBE },
	/* A name. */
	{ BRAIN_EXPECT_NAME, "My name is", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_NAME, "My name is...", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_NAME, "It\xe2\x80\x99s", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_NAME, "My name is Dana Whitfield", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_NAME, "Dana Whitfield.", BRAIN_ANSWER_COMPLETE },
	/* A phone number read out with pauses. */
	{ BRAIN_EXPECT_PHONE, "It's five five five", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_PHONE, "555 201", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_PHONE, "555 201 7788", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_PHONE, "five five five two zero one seven seven eight eight",
	  BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_PHONE, "the one I'm calling from", BRAIN_ANSWER_MAYBE },
	/* A confirmation. */
	{ BRAIN_EXPECT_YES_NO, "Yes", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_YES_NO, "yeah that's right", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_YES_NO, "No.", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_YES_NO, "Yes but", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_YES_NO, "No, it's 555 201", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_YES_NO, "No, it's 555 201 7788", BRAIN_ANSWER_COMPLETE },
	/* A time. */
	{ BRAIN_EXPECT_TIME, "tomorrow at", BRAIN_ANSWER_UNFINISHED },
	{ BRAIN_EXPECT_TIME, "tomorrow at 2", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_TIME, "next Tuesday morning", BRAIN_ANSWER_COMPLETE },
	{ BRAIN_EXPECT_TIME, "let me check my calendar", BRAIN_ANSWER_MAYBE },
};

static void test_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		enum brain_answer got = brain_answer_state(CASES[i].expect, CASES[i].text);
		if (got != CASES[i].answer)
			fail_msg("\"%s\" (expecting %d): %d, not %d", CASES[i].text,
				 CASES[i].expect, got, CASES[i].answer);
	}
}

static void test_expecting_reads_the_pending_question(void **state)
{
	(void)state;
	struct brain_session s = { 0 };
	assert_int_equal(brain_expecting(&s), BRAIN_EXPECT_OPEN);
	static const struct {
		const char *pending;
		enum brain_expect expect;
	} asked[] = {
		{ "name", BRAIN_EXPECT_NAME }, { "phone", BRAIN_EXPECT_PHONE },
		{ "phone_confirm", BRAIN_EXPECT_YES_NO }, { "confirm", BRAIN_EXPECT_YES_NO },
		{ "time", BRAIN_EXPECT_TIME }, { "service", BRAIN_EXPECT_OPEN },
		{ "anything_else", BRAIN_EXPECT_OPEN }, { "address", BRAIN_EXPECT_OPEN },
	};
	for (size_t i = 0; i < sizeof(asked) / sizeof(asked[0]); i++) {
		s.state = json_pack("{ss}", "pending", asked[i].pending);
		assert_int_equal(brain_expecting(&s), asked[i].expect);
		json_decref(s.state);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_expecting_reads_the_pending_question),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
