/* test_brain_preempt.c: drafts of a turn's answer: which words are the same, which are dropped */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "domain/brain.h"
#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/json.h"

static struct provider_settings with_llm = {
	.llm = { "http://127.0.0.1:9/v1", "gpt-test", "" }, .deepgram_key = "" };
static struct provider_settings without_llm = { .llm = { "", "", "" }, .deepgram_key = "" };

static struct brain_session session(struct arena *a, struct provider_settings *providers)
{
	struct brain_session s = {
		.org_id = "ac3e0000-0000-4000-8000-000000000001",
		.call_id = "ac3e0000-0000-4000-8000-0000000000ca",
		.providers = providers,
		.state = json_to_arena(a, json_pack("{s:[{s:s, s:s}]}", "history", "speaker",
						    "assistant", "text", "How can I help?")),
	};
	return s;
}

static void test_the_same_words_whatever_the_case_punctuation_or_spaces(void **state)
{
	struct arena *a = arena_new();
	struct brain_session s = session(a, &with_llm);
	struct brain_draft *d = brain_draft_new(&s, "I need a plumber.");

	assert_non_null(d);
	assert_true(brain_draft_matches(d, "I need a plumber."));
	assert_true(brain_draft_matches(d, "i need a plumber"));
	assert_true(brain_draft_matches(d, "  I need, a plumber!  "));
	assert_false(brain_draft_matches(d, "I need a plumber for my kitchen sink"));
	assert_false(brain_draft_matches(d, "I need a plumbers"));
	assert_false(brain_draft_matches(d, ""));
	brain_draft_unref(d);

	d = brain_draft_new(&s, "I'm Dana");
	assert_true(brain_draft_matches(d, "Im Dana."));
	assert_true(brain_draft_matches(d, "I\xe2\x80\x99m Dana"));
	brain_draft_unref(d);
	arena_free(a);
}

static void test_no_draft_without_a_model_or_words(void **state)
{
	struct arena *a = arena_new();
	struct brain_session rules = session(a, &without_llm);
	struct brain_session llm = session(a, &with_llm);

	assert_null(brain_draft_new(&rules, "I need a plumber"));
	assert_null(brain_draft_new(&llm, ""));
	assert_null(brain_draft_new(&llm, " ... "));
	arena_free(a);
}

/* A draft cancelled before it ran sends no request and reads nothing (it is given no
 * database here: one touched would crash). */
static void test_a_draft_cancelled_before_it_ran_asks_nothing(void **state)
{
	struct arena *a = arena_new();
	struct brain_session s = session(a, &with_llm);
	struct brain_draft *d = brain_draft_new(&s, "I need a plumber");

	brain_draft_cancel(d);
	brain_draft_run(d, NULL);
	assert_true(brain_draft_matches(d, "I need a plumber"));
	brain_draft_unref(d);
	arena_free(a);
}

/* The draft works on a copy of the session, and lives until its last reference goes. */
static void test_a_draft_keeps_its_own_copy_of_the_session(void **state)
{
	struct arena *a = arena_new();
	struct brain_session s = session(a, &with_llm);
	struct brain_draft *d = brain_draft_ref(brain_draft_new(&s, "I need a plumber"));

	json_object_clear(s.state);
	brain_draft_unref(d);
	assert_true(brain_draft_matches(d, "I need a plumber"));
	brain_draft_unref(d);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_same_words_whatever_the_case_punctuation_or_spaces),
		cmocka_unit_test(test_no_draft_without_a_model_or_words),
		cmocka_unit_test(test_a_draft_cancelled_before_it_ran_asks_nothing),
		cmocka_unit_test(test_a_draft_keeps_its_own_copy_of_the_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
