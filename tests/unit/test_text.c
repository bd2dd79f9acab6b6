/* test_text.c: the id checks and UTF-8 cuts every layer shares */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/text.h"

static void test_uuids_in_postgres_form_only(void **state)
{
	assert_true(text_is_uuid("0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f6"));
	assert_true(text_is_uuid("0B9C2F4E-1D2A-4C3B-9E8F-A1B2C3D4E5F6"));
	assert_false(text_is_uuid("0b9c2f4e1d2a-4c3b-9e8f-a1b2c3d4e5f6-"));
	assert_false(text_is_uuid("------------------------------------"));
	assert_false(text_is_uuid("0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f6x"));
	assert_false(text_is_uuid("0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f"));
	assert_false(text_is_uuid(""));
	assert_false(text_is_uuid(NULL));
	assert_true(text_is_uuid_n("0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f6/rest", 36));
}

static void test_sids_need_their_prefix_and_32_hex(void **state)
{
	assert_true(text_is_sid("CA0123456789abcdef0123456789abcdef", "CA"));
	assert_false(text_is_sid("RE0123456789abcdef0123456789abcdef", "CA"));
	assert_false(text_is_sid("CA0123456789abcdef0123456789abcde", "CA"));
	assert_false(text_is_sid("CA0123456789abcdef0123456789abcdef0", "CA"));
	assert_false(text_is_sid("CA../../Accounts/AC123456789abcdef01234", "CA"));
	assert_false(text_is_sid(NULL, "CA"));
}

static void test_utf8_is_never_cut_inside_a_character(void **state)
{
	const char *s = "caf\xc3\xa9 \xe2\x82\xac";  /* "café €": 9 bytes, 6 characters */

	assert_int_equal(text_utf8_chars(s), 6);
	assert_int_equal(text_utf8_cut(s, strlen(s), 100), strlen(s));
	assert_int_equal(text_utf8_cut(s, strlen(s), 4), 3);  /* not between 0xc3 and 0xa9 */
	assert_int_equal(text_utf8_cut(s, strlen(s), 5), 5);
	assert_int_equal(text_utf8_cut(s, strlen(s), 7), 6);
	assert_int_equal(text_utf8_prefix_chars(s, 4), 5);
	assert_int_equal(text_utf8_prefix_chars(s, 6), 9);
	assert_int_equal(text_utf8_prefix_chars(s, 60), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuids_in_postgres_form_only),
		cmocka_unit_test(test_sids_need_their_prefix_and_32_hex),
		cmocka_unit_test(test_utf8_is_never_cut_inside_a_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
