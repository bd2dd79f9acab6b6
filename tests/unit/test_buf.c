/* test_buf.c: buffers grow, escape HTML and can be reused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/buf.h"

static void test_append_and_printf(void **state)
{
	struct buf b = BUF_INIT;

	assert_string_equal(buf_str(&b), "");
	buf_puts(&b, "hello");
	buf_putc(&b, ' ');
	buf_printf(&b, "%d calls", 3);
	assert_string_equal(buf_str(&b), "hello 3 calls");
	assert_int_equal(b.len, 13);
	buf_release(&b);
}

static void test_growth_past_many_doublings(void **state)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < 100000; i++)
		buf_putc(&b, 'a' + i % 26);
	assert_int_equal(b.len, 100000);
	assert_int_equal(b.data[99999], 'a' + 99999 % 26);
	assert_int_equal(b.data[100000], '\0');
	buf_release(&b);
}

static void test_html_escaping(void **state)
{
	struct buf b = BUF_INIT;

	buf_add_html(&b, "<a href=\"x\">Tom & Jerry's</a>");
	assert_string_equal(buf_str(&b), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	buf_release(&b);
}

static void test_clear_keeps_capacity(void **state)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%4000s", "x");
	size_t cap = b.cap;
	buf_clear(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_puts(&b, "again");
	assert_int_equal(b.cap, cap);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_printf),
		cmocka_unit_test(test_growth_past_many_doublings),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_clear_keeps_capacity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
