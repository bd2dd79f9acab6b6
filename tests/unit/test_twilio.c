/* test_twilio.c: X-Twilio-Signature checked as Twilio's own libraries check it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/params.h"
#include "provider/twilio.h"

#define TOKEN "12345"
#define URL "https://mycompany.com/myapp.php?foo=1&bar=2"
#define SIGNATURE "RSOYDt4T1cUTdK1PDd93/VVr8B8="

/* The vector of PROTOCOLS.md §2.4, in an order Twilio does not sort by. */
static const struct param vector[] = {
	{ "To", "+18005551212" },
	{ "Digits", "1234" },
	{ "CallSid", "CA1234567890ABCDE" },
	{ "From", "+14158675309" },
	{ "Caller", "+14158675309" },
};
#define NVECTOR ((int)(sizeof(vector) / sizeof(vector[0])))

static void test_the_sdk_vector_is_accepted(void **state)
{
	assert_true(twilio_signature_ok(TOKEN, URL, vector, NVECTOR, SIGNATURE));
}

static void test_anything_changed_is_refused(void **state)
{
	struct param changed[NVECTOR];

	memcpy(changed, vector, sizeof(changed));
	changed[1].value = "1235";
	assert_false(twilio_signature_ok(TOKEN, URL, changed, NVECTOR, SIGNATURE));
	assert_false(twilio_signature_ok("12346", URL, vector, NVECTOR, SIGNATURE));
	assert_false(twilio_signature_ok(TOKEN, URL "&baz=3", vector, NVECTOR, SIGNATURE));
	assert_false(twilio_signature_ok(TOKEN, URL, vector, NVECTOR - 1, SIGNATURE));
	assert_false(twilio_signature_ok(TOKEN, URL, vector, NVECTOR, "RSOYDt4T1cUTdK1PDd93/VVr8B8"));
	assert_false(twilio_signature_ok(TOKEN, URL, vector, NVECTOR, ""));
}

static void test_missing_token_or_signature_is_never_valid(void **state)
{
	assert_false(twilio_signature_ok(TOKEN, URL, vector, NVECTOR, NULL));
	assert_false(twilio_signature_ok("", URL, vector, NVECTOR, SIGNATURE));
	assert_false(twilio_signature_ok(NULL, URL, vector, NVECTOR, SIGNATURE));
}

static void test_default_port_is_optional_both_ways(void **state)
{
	/* Twilio signed without the port; we rebuilt the URL with it. */
	assert_true(twilio_signature_ok(TOKEN, "https://mycompany.com:443/myapp.php?foo=1&bar=2",
					vector, NVECTOR, SIGNATURE));
	/* Twilio signed with :443; we rebuilt it without. */
	assert_true(twilio_signature_ok(TOKEN, URL, vector, NVECTOR, "kvajT1Ptam85bY51eRf/AJRuM3w="));
	/* The default port of http is 80, not 443. */
	assert_false(twilio_signature_ok(TOKEN, "http://mycompany.com:443/myapp.php?foo=1&bar=2",
					 vector, NVECTOR, SIGNATURE));
}

static void test_explicit_port_is_kept_or_stripped(void **state)
{
	const struct param one[] = { { "CallSid", "CA1" } };
	const char *with = "http://127.0.0.1:8080/hooks/twilio/voice";

	assert_true(twilio_signature_ok(TOKEN, with, one, 1, "b0dBbJKHgxibIZsadnhh+mq1AiQ="));
	/* Signed over the portless URL, checked against ours with a port: the stripped form. */
	const struct param vec_port[] = { { "CallSid", "CA1234567890ABCDE" },
					  { "Caller", "+14158675309" }, { "Digits", "1234" },
					  { "From", "+14158675309" }, { "To", "+18005551212" } };
	assert_true(twilio_signature_ok(TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
					vec_port, 5, SIGNATURE));
	/* Signed with a port we do not know: nothing recovers it. */
	assert_false(twilio_signature_ok(TOKEN, "http://127.0.0.1/hooks/twilio/voice", one, 1,
					 "b0dBbJKHgxibIZsadnhh+mq1AiQ="));
}

static void test_repeated_names_sort_their_values_and_drop_duplicates(void **state)
{
	const struct param dups[] = { { "To", "A" }, { "Digits", "2" }, { "Digits", "1" },
				      { "Digits", "2" } };

	assert_true(twilio_signature_ok(TOKEN, "https://example.com/hook", dups, 4,
					"pQfzVj/B7WhZr/jzu0wzyfo29X8="));
}

static void test_values_are_signed_as_utf8(void **state)
{
	const struct param text[] = { { "Body", "caf\xc3\xa9 \xc3\xbc" } };

	assert_true(twilio_signature_ok(TOKEN, "https://example.com/h", text, 1,
					"YL/0OV8WJDMQabt94y8ACmi21mg="));
}

static void test_json_bodies_are_covered_by_body_sha256(void **state)
{
	const char *url = "https://example.com/hook?bodySHA256="
			  "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862";
	const char *sig = "2e7mH/NA6FwzvUqLZxhsETU/4bw=";

	assert_true(twilio_body_signature_ok(TOKEN, url, "{\"a\":1}", 7, sig));
	assert_false(twilio_body_signature_ok(TOKEN, url, "{\"a\":2}", 7, sig));
	assert_false(twilio_body_signature_ok("other", url, "{\"a\":1}", 7, sig));
	/* A body the URL does not vouch for is unsigned, whatever the URL's signature. */
	assert_false(twilio_body_signature_ok(TOKEN, URL, "{}", 2, SIGNATURE));
	/* Without a body (a GET), the URL alone is what Twilio signs. */
	assert_true(twilio_body_signature_ok(TOKEN, URL, NULL, 0, "zYQTYrRWXE7LtzbG4PfP7/bkkGo="));
	assert_false(twilio_body_signature_ok(TOKEN, URL, NULL, 0, SIGNATURE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_sdk_vector_is_accepted),
		cmocka_unit_test(test_anything_changed_is_refused),
		cmocka_unit_test(test_missing_token_or_signature_is_never_valid),
		cmocka_unit_test(test_default_port_is_optional_both_ways),
		cmocka_unit_test(test_explicit_port_is_kept_or_stripped),
		cmocka_unit_test(test_repeated_names_sort_their_values_and_drop_duplicates),
		cmocka_unit_test(test_values_are_signed_as_utf8),
		cmocka_unit_test(test_json_bodies_are_covered_by_body_sha256),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
