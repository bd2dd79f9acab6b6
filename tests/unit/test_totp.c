/* test_totp.c: RFC 6238 codes through liboath: the RFC's vectors, the window, bad input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/totp.h"

/* RFC 6238 appendix B: the ASCII secret "12345678901234567890", in base32. */
#define RFC_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void test_rfc_6238_vectors(void **state)
{
	/* The RFC prints 8 digits; authenticator apps show the last 6. */
	static const struct { time_t at; const char *code; } vectors[] = {
		{ 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
		{ 1234567890, "005924" }, { 2000000000, "279037" },
	};
	char code[TOTP_DIGITS + 1];
	int64_t step;

	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(totp_code(RFC_SECRET, vectors[i].at, code), 0);
		assert_string_equal(code, vectors[i].code);
		assert_int_equal(totp_check(RFC_SECRET, vectors[i].code, vectors[i].at, 0, &step), 1);
		assert_int_equal(step, vectors[i].at / TOTP_STEP_SECONDS);
	}
}

static void test_one_step_either_side_and_no_further(void **state)
{
	int64_t step = -1;

	/* The code of step 1 (t = 30..59). */
	assert_int_equal(totp_check(RFC_SECRET, "287082", 89, 1, &step), 1);   /* a step late */
	assert_int_equal(step, 1);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 29, 1, &step), 1);   /* a step early */
	assert_int_equal(step, 1);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 90, 1, &step), 0);   /* two late */
	assert_int_equal(totp_check(RFC_SECRET, "287082", 89, 0, &step), 0);   /* no window */
}

static void test_typed_forms_and_bad_input(void **state)
{
	int64_t step;

	assert_int_equal(totp_check(RFC_SECRET, "287 082", 59, 0, &step), 1);
	assert_int_equal(totp_check(RFC_SECRET, "287-082", 59, 0, &step), 1);
	assert_int_equal(totp_check(RFC_SECRET, "287083", 59, 0, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "28708", 59, 0, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "2870820", 59, 0, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "28708a", 59, 0, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, "", 59, 0, &step), 0);
	assert_int_equal(totp_check(RFC_SECRET, NULL, 59, 0, &step), 0);
	assert_int_equal(totp_check("not base32!", "287082", 59, 0, &step), -1);
}

static void test_new_secrets_and_the_uri(void **state)
{
	struct arena *a = arena_new();
	const char *one = totp_secret_new(a), *two = totp_secret_new(a);
	char code[TOTP_DIGITS + 1];
	int64_t step;

	assert_non_null(one);
	assert_int_equal(strlen(one), 32);
	assert_int_equal(strspn(one, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 32);
	assert_string_not_equal(one, two);
	assert_int_equal(totp_code(one, 1700000000, code), 0);
	assert_int_equal(totp_check(one, code, 1700000000, 1, &step), 1);

	const char *uri = totp_uri(a, "Switchboard", "owner@acme.test", one);
	assert_non_null(strstr(uri, "otpauth://totp/Switchboard%3Aowner%40acme.test?secret="));
	assert_non_null(strstr(uri, one));
	assert_non_null(strstr(uri, "&issuer=Switchboard"));
	assert_non_null(strstr(uri, "&digits=6&period=30"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_6238_vectors),
		cmocka_unit_test(test_one_step_either_side_and_no_further),
		cmocka_unit_test(test_typed_forms_and_bad_input),
		cmocka_unit_test(test_new_secrets_and_the_uri),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
