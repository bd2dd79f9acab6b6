/* test_tpl.c: templates escape every variable unless the template asks for raw output */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/tpl.h"

static char dir[64];

static int setup(void **state)
{
	strcpy(dir, "/tmp/sb-tpl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/t.tpl", dir);
	FILE *f = fopen(path, "w");
	fputs("{{%AUTOESCAPE context=\"HTML\"}}\n"
	      "<p title=\"{{NAME}}\">{{NAME}}</p>{{#ROW}}<li>{{ITEM}}</li>{{/ROW}}"
	      "<a href=\"/leads?q={{Q:u}}\">x</a>{{RAW:none}}\n", f);
	fclose(f);
	tpl_init(dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_escapes_by_default(void **state)
{
	struct arena *a = arena_new();
	struct buf out = BUF_INIT;
	struct tpl_dict *d = tpl_dict_new(a, "t");

	tpl_set(d, "NAME", "<script>\"Bob\" & 'Al'</script>");
	tpl_set(tpl_section(d, "ROW"), "ITEM", "one<");
	tpl_set(tpl_section(d, "ROW"), "ITEM", "two>");
	tpl_set(d, "Q", "a b&c");
	tpl_set(d, "RAW", "<svg></svg>");
	assert_int_equal(tpl_render("t.tpl", d, &out), 0);
	const char *s = buf_str(&out);
	assert_null(strstr(s, "<script>"));
	assert_non_null(strstr(s, "&lt;script&gt;&quot;Bob&quot; &amp; &#39;Al&#39;&lt;/script&gt;"));
	assert_non_null(strstr(s, "<li>one&lt;</li><li>two&gt;</li>"));
	assert_non_null(strstr(s, "q=a+b%26c"));
	assert_non_null(strstr(s, "<svg></svg>"));
	buf_release(&out);
	arena_free(a);
}

static void test_missing_template_fails_cleanly(void **state)
{
	struct arena *a = arena_new();
	struct buf out = BUF_INIT;

	assert_int_equal(tpl_render("nope.tpl", tpl_dict_new(a, "t"), &out), -1);
	assert_int_equal(out.len, 0);
	buf_release(&out);
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_by_default),
		cmocka_unit_test(test_missing_template_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
