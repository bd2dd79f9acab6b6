/* test_brain.c: what the brain hears in a caller's words: names, numbers, yes and no, backchannel */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "domain/brain.h"
#include "domain/brain_engines.h"
#include "domain/business_kind.h"
#include "domain/when.h"

static void assert_name(const char *text, bool expecting, const char *want)
{
	struct arena *a = arena_new();
	const char *got = brain_find_name(a, text, expecting);
	if (!want) {
		if (got)
			fail_msg("\"%s\" gave name \"%s\"", text, got);
	} else {
		if (!got)
			fail_msg("\"%s\" gave no name", text);
		assert_string_equal(got, want);
	}
	arena_free(a);
}

static void test_names(void **state)
{
	assert_name("this is John Smith", false, "John Smith");
	assert_name("Hi, this is John Smith, my sink is clogged", false, "John Smith");
	assert_name("my name's Ana", false, "Ana");
	assert_name("My name is maria de souza and I need a plumber", false, "Maria De Souza");
	assert_name("Ana Lopez", true, "Ana Lopez");
	assert_name("it's Ana", true, "Ana");
	assert_name("sure, it's O'Brien", true, "O'Brien");
	assert_name("Bob speaking", false, "Bob");
	assert_name("this is urgent", false, NULL);
	assert_name("this is an emergency", true, NULL);
	assert_name("I'm calling about a leak", false, NULL);
	assert_name("my sink is clogged", false, NULL);
	assert_name("tomorrow at 2", true, NULL);
	assert_name("555 222 3333", true, NULL);
	assert_name("Ana", false, NULL);
}

static void assert_phone(const char *text, const char *want)
{
	struct arena *a = arena_new();
	const char *got = brain_find_phone(a, text);
	if (!want) {
		if (got)
			fail_msg("\"%s\" gave phone \"%s\"", text, got);
	} else {
		if (!got)
			fail_msg("\"%s\" gave no phone", text);
		assert_string_equal(got, want);
	}
	arena_free(a);
}

static void test_phones(void **state)
{
	struct arena *a = arena_new();

	assert_phone("no, it's 555 222 3333", "+15552223333");
	assert_phone("(555) 222-3333", "+15552223333");
	assert_phone("+1 555.222.3333 thanks", "+15552223333");
	assert_phone("5552223333", "+15552223333");
	assert_phone("five five five two two two three three three three", "+15552223333");
	assert_phone("it's 555 oh one oh 1234", "+15550101234");
	assert_phone("tomorrow at 2", NULL);
	assert_phone("12 Elm Street", NULL);
	assert_phone("555 222 333", NULL);
	assert_phone("0123456789", NULL);
	assert_string_equal(brain_say_phone(a, "+15550101234"), "555-010-1234");
	assert_string_equal(brain_say_phone(a, "+442071234567"), "+442071234567");
	arena_free(a);
}

static void test_addresses(void **state)
{
	struct arena *a = arena_new();

	assert_string_equal(brain_find_address(a, "we're at 12 Elm Street, apartment 4", false),
			    "12 Elm Street, apartment 4");
	assert_string_equal(brain_find_address(a, "it's 40 Oak Ave in Springfield", false),
			    "40 Oak Ave");
	assert_string_equal(brain_find_address(a, "the address is 7 Maple Grove", true),
			    "7 Maple Grove");
	assert_null(brain_find_address(a, "tomorrow at 2 pm", false));
	assert_null(brain_find_address(a, "no thanks", true));
	arena_free(a);
}

static void test_emergencies(void **state)
{
	assert_string_equal(brain_find_emergency("my basement is flooding!"), "flooding");
	assert_string_equal(brain_find_emergency("we have a burst pipe in the kitchen"),
			    "burst pipe");
	assert_string_equal(brain_find_emergency("there's no heat in the house"), "no heat");
	assert_string_equal(brain_find_emergency("I think there's a gas smell"), "gas smell");
	assert_string_equal(brain_find_emergency("the panel is throwing sparks"), "sparks");
	assert_null(brain_find_emergency("my sink drains slowly"));
	assert_null(brain_find_emergency(NULL));
}

static void test_yes_no_goodbye(void **state)
{
	assert_true(brain_says_yes("yes"));
	assert_true(brain_says_yes("Yeah, that's the best number."));
	assert_true(brain_says_yes("sounds good"));
	assert_true(brain_says_yes("sure, go ahead"));
	assert_false(brain_says_yes("no, it's 555 222 3333"));
	assert_false(brain_says_yes("my sink is clogged"));
	assert_true(brain_says_no("no, it's 555 222 3333"));
	assert_true(brain_says_no("Nope."));
	assert_true(brain_says_no("no thanks"));
	assert_false(brain_says_no("yes please"));
	assert_true(brain_says_goodbye("no thanks, that's all"));
	assert_true(brain_says_goodbye("Bye!"));
	assert_true(brain_says_goodbye("that's all"));
	assert_false(brain_says_goodbye("I need a drain cleaning"));
}

static void test_intents(void **state)
{
	assert_true(brain_asks_hours("are you open Saturday?"));
	assert_true(brain_asks_hours("what are your hours"));
	assert_false(brain_asks_hours("the drain is open to the basement"));
	assert_true(brain_asks_price("how much is a drain cleaning?"));
	assert_true(brain_asks_price("what do you charge for a furnace tune-up"));
	assert_false(brain_asks_price("tomorrow at 2 works"));
	assert_true(brain_is_question("do you guarantee your work"));
	assert_true(brain_is_question("What area do you serve?"));
	assert_false(brain_is_question("can you come out tomorrow at 2"));
	assert_false(brain_is_question("my sink is clogged"));
	assert_true(brain_wants_message("I'd just like to leave a message for Dana"));
	assert_false(brain_wants_message("my drain is clogged"));
	assert_true(brain_wants_person("can I talk to a real person"));
	assert_true(brain_wants_booking("I need someone to fix my water heater"));
	assert_int_equal(brain_find_ordinal("the first one", 3), 0);
	assert_int_equal(brain_find_ordinal("I'll take the second", 3), 1);
	assert_int_equal(brain_find_ordinal("the last one please", 3), 2);
	assert_int_equal(brain_find_ordinal("the 3 o'clock", 3), -1);
}

static void test_backchannel(void **state)
{
	assert_true(brain_is_backchannel("yeah"));
	assert_true(brain_is_backchannel("Uh-huh."));
	assert_true(brain_is_backchannel("mm"));
	assert_true(brain_is_backchannel("okay"));
	assert_true(brain_is_backchannel("right, right"));
	assert_true(brain_is_backchannel("mm-hmm"));
	assert_true(brain_is_backchannel("got it"));
	assert_false(brain_is_backchannel("wait, stop"));
	assert_false(brain_is_backchannel("no, that's wrong"));
	assert_false(brain_is_backchannel("yeah but my basement is flooding"));
	assert_false(brain_is_backchannel(""));
	assert_false(brain_is_backchannel(NULL));
	assert_false(brain_is_backchannel("it"));
}

static void test_clean_text(void **state)
{
	struct arena *a = arena_new();
	char big[5000];

	assert_string_equal(brain_clean_text(a, "  hello\r\n\tthere\x01\x7f ", 100), "hello there");
	assert_string_equal(brain_clean_text(a, "caf\xc3\xa9 \xff\xfe ok", 100), "caf\xc3\xa9 ok");
	assert_string_equal(brain_clean_text(a, "\xe2\x82", 100), "");
	assert_string_equal(brain_clean_text(a, NULL, 100), "");
	/* A multi-byte character is never cut in half at the limit. */
	assert_string_equal(brain_clean_text(a, "ab\xc3\xa9", 3), "ab");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strlen(brain_clean_text(a, big, 1000)), 1000);
	arena_free(a);
}


/* What callers say that is only a yes, a choice among offers, a spelling or a change of plan. */
static void test_confirmations_and_choices(void **state)
{
	struct arena *a = arena_new();

	assert_true(brain_is_confirmation("Yes that's right"));
	assert_true(brain_is_confirmation("yeah that's right"));
	assert_true(brain_is_confirmation("Sounds good"));
	assert_true(brain_is_confirmation("Uh yeah, that's fine"));
	assert_true(brain_says_yes("Mm-hm"));
	assert_false(brain_is_confirmation("Yes, Thursday at 2"));
	assert_false(brain_is_confirmation("no that's wrong"));
	assert_name("Yes that's right", true, NULL);
	assert_name("Lopez. Ana Lopez.", true, "Ana Lopez");
	assert_name("Sure, Fatima Okafor, and my number is 555 964 3397", true, "Fatima Okafor");
	assert_name("It's Alan Price", true, "Alan Price");
	assert_true(brain_names_choice("the first one"));
	assert_true(brain_names_choice("I'll take the later one"));
	assert_false(brain_names_choice("whenever you have the first opening"));
	assert_true(brain_says_asap("the earliest you have"));
	assert_true(brain_says_asap("as soon as possible please"));
	assert_string_equal(brain_find_spelled(a, "it's Lopez, L-O-P-E-Z"), "Lopez");
	assert_null(brain_find_spelled(a, "it's Lopez"));
	assert_true(brain_wants_cancel("I need to cancel my appointment"));
	assert_false(brain_wants_cancel("What is your cancellation policy?"));
	assert_true(brain_wants_move("I have an appointment and need to reschedule it"));
	assert_int_equal(brain_find_ordinal("first thing tomorrow", 3), -1);
	arena_free(a);
}

/* Each trade's emergencies, and not another trade's. */
static void test_kind_emergencies(void **state)
{
	const struct business_kind *dental = business_kind_find("dental");
	const struct business_kind *vet = business_kind_find("veterinary");

	assert_true(business_kind_find("dental")->on_site == false);
	assert_true(business_kind_find("plumber")->on_site);
	assert_string_equal(business_kind_find("nonsense")->id, "other");
	assert_non_null(business_kind_emergency(dental, "a toothache and my face is swollen"));
	assert_null(business_kind_emergency(dental, "I have a toothache"));
	assert_non_null(business_kind_emergency(dental, "my son knocked out a tooth"));
	assert_non_null(business_kind_emergency(vet, "my dog ate a whole bar of chocolate"));
	assert_non_null(business_kind_emergency(vet, "she was hit by a car"));
	assert_null(business_kind_emergency(vet, "my cat needs shots"));
	assert_non_null(business_kind_emergency(business_kind_find("auto_repair"),
						"my brakes failed on the highway"));
	assert_non_null(business_kind_emergency(business_kind_find("hvac"),
						"no heat and a baby at home"));
	assert_null(business_kind_emergency(dental, "I smell gas"));
	assert_true(business_kind_valid("law_office"));
	assert_false(business_kind_valid("bakery"));
}

/* Windows around when_parse, read in New York on Monday, December 7 2026 at 10 AM. */
static void test_windows(void **state)
{
	const time_t now = 1796655600;  /* 2026-12-07 15:00 UTC */
	const char *ny = "America/New_York";
	struct when w;
	struct tm tm;

	assert_int_equal(brain_when("as soon as possible", ny, now, &w), 0);
	assert_true(w.start == now && w.end == now + 14 * 86400);
	assert_int_equal(brain_when("next week sometime", ny, now, &w), 0);
	when_local(w.start, ny, &tm);
	assert_true(tm.tm_wday == 1 && tm.tm_mday == 14 && tm.tm_hour == 0);
	assert_int_equal(w.end - w.start, 7 * 86400);
	assert_int_equal(brain_when("Thursday after work", ny, now, &w), 0);
	when_local(w.start, ny, &tm);
	assert_true(tm.tm_wday == 4 && tm.tm_hour == 16);
	assert_int_equal(brain_when("Saturday before 11", ny, now, &w), 0);
	when_local(w.end, ny, &tm);
	assert_true(tm.tm_wday == 6 && tm.tm_hour == 11);
	assert_int_equal(brain_when("first thing tomorrow", ny, now, &w), 0);
	when_local(w.start, ny, &tm);
	assert_true(tm.tm_mday == 8 && tm.tm_hour == 0);
	assert_int_equal(brain_when("Tuesday, no sorry, Wednesday afternoon", ny, now, &w), 0);
	when_local(w.start, ny, &tm);
	assert_int_equal(tm.tm_wday, 3);
	assert_int_equal(brain_when("after 5 on Friday", ny, now, &w), 0);
	when_local(w.start, ny, &tm);
	assert_true(tm.tm_wday == 5 && tm.tm_hour == 17);
	assert_int_equal(brain_when("the first one", ny, now, &w), -1);
	assert_int_equal(brain_when("yes that's right", ny, now, &w), -1);
	assert_int_equal(brain_when("the second one", ny, now, &w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_emergencies),
		cmocka_unit_test(test_yes_no_goodbye),
		cmocka_unit_test(test_intents),
		cmocka_unit_test(test_backchannel),
		cmocka_unit_test(test_clean_text),
		cmocka_unit_test(test_confirmations_and_choices),
		cmocka_unit_test(test_kind_emergencies),
		cmocka_unit_test(test_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
