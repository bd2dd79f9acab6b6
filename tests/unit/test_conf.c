/* test_conf.c: settings come from a file and the environment, with types and bounds checked */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "infra/conf.h"

static char path[64];

static void write_file(const char *text)
{
	strcpy(path, "/tmp/sb-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int teardown(void **state)
{
	if (*path)
		unlink(path);
	*path = '\0';
	unsetenv("DATABASE_URL");
	unsetenv("FCGI_WORKERS");
	unsetenv("SESSION_SECRET");
	conf_set("DATABASE_URL", NULL);
	conf_set("FCGI_WORKERS", NULL);
	conf_set("SESSION_SECRET", NULL);
	unsetenv("PUBLIC_BASE_URL");
	conf_set("PUBLIC_BASE_URL", NULL);
	conf_set("LLM_BASE_URL", NULL);
	conf_set("VAPI_API_BASE", NULL);
	conf_set("TEMPLATE_DIR", NULL);
	return 0;
}

static void test_defaults_apply(void **state)
{
	setenv("DATABASE_URL", "dbname=x", 1);
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), 0);
	assert_int_equal(conf_int("FCGI_WORKERS"), 4);
	assert_string_equal(conf_str("LOG_LEVEL"), "info");
	assert_string_equal(conf_str("NO_SUCH_SETTING"), "");
}

static void test_file_then_environment_wins(void **state)
{
	write_file("# comment\nDATABASE_URL = dbname=fromfile\nFCGI_WORKERS=8\n\n");
	assert_int_equal(conf_load(CONF_JOBS, path), 0);
	assert_string_equal(conf_str("DATABASE_URL"), "dbname=fromfile");
	assert_int_equal(conf_int("FCGI_WORKERS"), 8);
	setenv("FCGI_WORKERS", "2", 1);
	assert_int_equal(conf_load(CONF_JOBS, path), 0);
	assert_int_equal(conf_int("FCGI_WORKERS"), 2);
}

static void test_missing_required_setting_fails(void **state)
{
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), -1);
	setenv("DATABASE_URL", "dbname=x", 1);
	/* The FastCGI program also needs the session secret; the job runner does not. */
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), 0);
	assert_int_equal(conf_load(CONF_FCGI, "/dev/null"), -1);
}

static void test_bad_values_are_refused(void **state)
{
	setenv("DATABASE_URL", "dbname=x", 1);
	setenv("FCGI_WORKERS", "many", 1);
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), -1);
	setenv("FCGI_WORKERS", "0", 1);
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), -1);
	setenv("FCGI_WORKERS", "100000", 1);
	assert_int_equal(conf_load(CONF_JOBS, "/dev/null"), -1);
}

static void test_unknown_key_and_bad_lines_in_file(void **state)
{
	setenv("DATABASE_URL", "dbname=x", 1);
	write_file("NOT_A_SETTING=1\n");
	assert_int_equal(conf_load(CONF_JOBS, path), -1);
	unlink(path);
	write_file("just words\n");
	assert_int_equal(conf_load(CONF_JOBS, path), -1);
	assert_int_equal(conf_load(CONF_JOBS, "/nonexistent/switchboard.conf"), -1);
}

/* Every caller appends "/path" to a URL setting, so its trailing slashes go once, at load. */
static void test_url_settings_lose_trailing_slashes(void **state)
{
	/* The test stack exports some of these; only what this test sets may count. */
	unsetenv("LLM_BASE_URL");
	unsetenv("VAPI_API_BASE");
	unsetenv("TEMPLATE_DIR");
	setenv("DATABASE_URL", "dbname=x", 1);
	setenv("PUBLIC_BASE_URL", "https://switchboard.example/", 1);
	write_file("LLM_BASE_URL=http://127.0.0.1:9/v1//\nTEMPLATE_DIR=templates/\n");
	assert_int_equal(conf_load(CONF_JOBS, path), 0);
	assert_string_equal(conf_str("PUBLIC_BASE_URL"), "https://switchboard.example");
	assert_string_equal(conf_str("LLM_BASE_URL"), "http://127.0.0.1:9/v1");
	/* A setting that is not a URL keeps what it was given. */
	assert_string_equal(conf_str("TEMPLATE_DIR"), "templates/");
	/* A default and a value without a slash are left alone; conf_set strips as load does. */
	assert_string_equal(conf_str("VAPI_API_BASE"), "https://api.vapi.ai");
	conf_set("VAPI_API_BASE", "http://127.0.0.1:8/");
	assert_string_equal(conf_str("VAPI_API_BASE"), "http://127.0.0.1:8");
	conf_set("VAPI_API_BASE", "/");
	assert_string_equal(conf_str("VAPI_API_BASE"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults_apply, teardown),
		cmocka_unit_test_teardown(test_file_then_environment_wins, teardown),
		cmocka_unit_test_teardown(test_missing_required_setting_fails, teardown),
		cmocka_unit_test_teardown(test_bad_values_are_refused, teardown),
		cmocka_unit_test_teardown(test_unknown_key_and_bad_lines_in_file, teardown),
		cmocka_unit_test_teardown(test_url_settings_lose_trailing_slashes, teardown),
	};
	unsetenv("CONFIG_FILE");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
