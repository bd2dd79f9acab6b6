/* test_params.c: form and query decoding, and the form validators pages rely on */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "form.h"
#include "req.h"
#include "infra/tpl.h"

static void test_decodes_pairs_in_order_with_duplicates(void **state)
{
	struct arena *a = arena_new();
	struct param *p;
	const char *text = "To=%2B15555550100&SpeechResult=I+need+a+plumber&x=&x=2&flag";
	int n = params_parse(a, text, strlen(text), &p);

	assert_int_equal(n, 5);
	assert_string_equal(p[0].name, "To");
	assert_string_equal(p[0].value, "+15555550100");
	assert_string_equal(p[1].value, "I need a plumber");
	assert_string_equal(p[2].value, "");
	assert_string_equal(p[3].value, "2");
	assert_string_equal(p[4].name, "flag");
	assert_string_equal(p[4].value, "");
	arena_free(a);
}

static void test_malformed_escapes_are_refused(void **state)
{
	struct arena *a = arena_new();
	struct param *p;
	const char *bad[] = { "a=%", "a=%4", "a=%zz", "a=%00", "%g1=x" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(params_parse(a, bad[i], strlen(bad[i]), &p), -1);
	assert_int_equal(params_parse(a, "", 0, &p), 0);
	assert_int_equal(params_parse(a, "&&&", 3, &p), 0);
	arena_free(a);
}

static void test_money_amounts(void **state)
{
	struct arena *a = arena_new();
	struct req r = { .arena = a };
	struct form f;
	long cents;

	tpl_init("/nonexistent");
	form_begin(&f, &r, tpl_dict_new(a, "t"));
	assert_true(form_cents(&f, "price", "149", 100000000, &cents));
	assert_int_equal(cents, 14900);
	assert_true(form_cents(&f, "price", "$1,149.5", 100000000, &cents));
	assert_int_equal(cents, 114950);
	assert_true(form_cents(&f, "price", "0.05", 100000000, &cents));
	assert_int_equal(cents, 5);
	assert_true(form_ok(&f));
	assert_false(form_cents(&f, "price", "-5", 100000000, &cents));
	assert_false(form_cents(&f, "price", "1.234", 100000000, &cents));
	assert_false(form_cents(&f, "price", "abc", 100000000, &cents));
	assert_false(form_cents(&f, "price", "", 100000000, &cents));
	assert_false(form_cents(&f, "price", "99999999999999999999", 100000000, &cents));
	assert_int_equal(f.errors, 5);
	arena_free(a);
}

static void test_email_and_length_checks(void **state)
{
	struct arena *a = arena_new();
	struct req r = { .arena = a };
	struct form f;

	form_begin(&f, &r, tpl_dict_new(a, "t"));
	assert_true(form_email(&f, "email", "owner@acme.test"));
	assert_false(form_email(&f, "email", "owner@"));
	assert_false(form_email(&f, "email", "@acme.test"));
	assert_false(form_email(&f, "email", "a b@acme.test"));
	assert_false(form_email(&f, "email", "<x>@acme.test"));
	/* Characters, not bytes: five accented letters fit a limit of five. */
	assert_true(form_max_length(&f, "name", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5));
	assert_false(form_max_length(&f, "name", "abcdef", 5));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decodes_pairs_in_order_with_duplicates),
		cmocka_unit_test(test_malformed_escapes_are_refused),
		cmocka_unit_test(test_money_amounts),
		cmocka_unit_test(test_email_and_length_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
