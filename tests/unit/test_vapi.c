/* test_vapi.c: Vapi's three authentication methods, tool-call shapes and answers, turns, ends */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/json.h"
#include "provider/vapi.h"

/* PROTOCOLS.md §5.3's self-computed vector. */
static const char BODY[] = "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\"}}";
static const char SIGNATURE[] = "8654f5c074448b90a9de7fe1ea2ddf1ddd9983b7451eb3de10ffabea88c50dc6";

struct headers {
	const char *names[4];
	const char *values[4];
};

static const char *lookup(void *arg, const char *name)
{
	struct headers *h = arg;

	for (int i = 0; i < 4 && h->names[i]; i++)
		if (!strcasecmp(h->names[i], name))
			return h->values[i];
	return NULL;
}

static struct vapi_auth hmac_auth(void)
{
	return (struct vapi_auth){ .method = "hmac", .algorithm = "sha256",
				   .timestamp_header = "x-timestamp", .include_timestamp = true,
				   .payload_format = "{timestamp}.{body}", .encoding = "hex",
				   .prefix = "", .window_seconds = 300 };
}

static int check(struct arena *a, const struct vapi_auth *auth, const char *secret,
		 struct headers *h, time_t now)
{
	struct vapi_request req = { .method = "POST", .url = "https://x.test/hooks/vapi",
				    .body = BODY, .body_len = strlen(BODY), .header = lookup,
				    .header_arg = h, .now = now };
	const char *why;

	return vapi_authenticate(a, auth, secret, &req, &why);
}

static void test_hmac_matches_the_protocol_vector(void **state)
{
	struct arena *a = arena_new();
	struct vapi_auth auth = hmac_auth();
	struct headers h = { { "x-signature", "x-timestamp" }, { SIGNATURE, "1700000000" } };

	assert_int_equal(check(a, &auth, "testsecret", &h, 1700000000), 0);
	/* Upper-case hex is the same signature. */
	h.values[0] = "8654F5C074448B90A9DE7FE1EA2DDF1DDD9983B7451EB3DE10FFABEA88C50DC6";
	assert_int_equal(check(a, &auth, "testsecret", &h, 1700000000), 0);
	/* Outside the window, another secret, a missing header. */
	assert_int_equal(check(a, &auth, "testsecret", &h, 1700000301), -1);
	assert_int_equal(check(a, &auth, "testsecreT", &h, 1700000000), -1);
	h.values[1] = NULL;
	h.names[1] = NULL;
	assert_int_equal(check(a, &auth, "testsecret", &h, 1700000000), -1);
	arena_free(a);
}

static void test_secret_and_bearer(void **state)
{
	struct arena *a = arena_new();
	struct vapi_auth secret = { .method = "secret" }, bearer = { .method = "bearer",
								   .bearer_prefix = true };
	struct headers h = { { "X-Vapi-Secret", "Authorization" }, { "s3cret", "Bearer s3cret" } };

	assert_int_equal(check(a, &secret, "s3cret", &h, 0), 0);
	assert_int_equal(check(a, &secret, "s3cre", &h, 0), -1);
	assert_int_equal(check(a, &secret, "", &h, 0), -1);
	assert_int_equal(check(a, &secret, NULL, &h, 0), -1);
	assert_int_equal(check(a, &bearer, "s3cret", &h, 0), 0);
	h.values[1] = "s3cret";
	assert_int_equal(check(a, &bearer, "s3cret", &h, 0), -1);
	bearer.bearer_prefix = false;
	assert_int_equal(check(a, &bearer, "s3cret", &h, 0), 0);
	arena_free(a);
}

static void test_tool_calls_in_every_shape(void **state)
{
	struct arena *a = arena_new();
	char error[128];
	const char *text =
		"{\"toolCallList\":["
		"{\"id\":\"a\",\"function\":{\"name\":\"x\",\"arguments\":{\"k\":1}}},"
		"{\"id\":\"b\",\"function\":{\"name\":\"x\",\"arguments\":\"{\\\"k\\\":2}\"}},"
		"{\"id\":\"c\",\"name\":\"x\",\"arguments\":{\"k\":3}},"
		"{\"id\":\"d\",\"name\":\"x\",\"parameters\":{\"k\":4}},"
		"{\"id\":\"e\",\"function\":{\"name\":\"x\",\"arguments\":\"[1]\"}},"
		"{\"function\":{\"name\":\"x\"}}, 7]}";
	json_t *m = json_parse(a, text, strlen(text), error, sizeof(error));
	struct vapi_tool_call *calls;
	long k;

	assert_int_equal(vapi_tool_calls(a, m, &calls), 7);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(calls[i].name, "x");
		assert_int_equal(json_long(calls[i].args, "k", &k), 0);
		assert_int_equal(k, i + 1);
	}
	assert_null(calls[4].args);
	assert_string_equal(calls[5].id, "");
	assert_int_equal(json_object_size(calls[5].args), 0);
	assert_null(calls[6].name);
	assert_null(calls[6].args);
	arena_free(a);
}

static void test_answers_are_one_line(void **state)
{
	struct arena *a = arena_new();
	char error[128];
	const char *taken =
		"{\"booked\":false,\"reason\":\"taken\",\"free_starts\":["
		"{\"start\":\"2025-03-04T18:00:00Z\",\"spoken\":\"Tuesday, March 4 at 1 PM\"},"
		"{\"start\":\"2025-03-04T20:00:00Z\",\"spoken\":\"Tuesday, March 4 at 3 PM\"},"
		"{\"start\":\"2025-03-04T21:00:00Z\",\"spoken\":\"Tuesday, March 4 at 4 PM\"}]}";
	json_t *result = json_parse(a, taken, strlen(taken), error, sizeof(error));
	bool is_error;
	const char *line = vapi_tool_answer(a, "book_appointment", result, &is_error);

	assert_false(is_error);
	assert_non_null(strstr(line, "That time is taken"));
	assert_non_null(strstr(line, "The nearest free times are Tuesday, March 4 at 1 PM, Tuesday, "
				     "March 4 at 3 PM and Tuesday, March 4 at 4 PM."));
	assert_string_equal(vapi_one_line(a, "a\nb\r\tc", 100), "a b  c");
	/* Cut on a character boundary: "é" is two bytes. */
	assert_string_equal(vapi_one_line(a, "ab\xc3\xa9", 3), "ab");
	result = json_parse(a, "{\"error\":\"no\\nway\"}", 19, error, sizeof(error));
	assert_string_equal(vapi_tool_answer(a, "lookup_service", result, &is_error), "no way");
	assert_true(is_error);
	arena_free(a);
}

static void test_turns_and_what_is_missing(void **state)
{
	struct arena *a = arena_new();
	char error[128];
	const char *text =
		"[{\"role\":\"system\",\"message\":\"prompt\"},"
		"{\"role\":\"bot\",\"message\":\"Hi.\",\"time\":1700000000000},"
		"{\"role\":\"user\",\"message\":\"Yes\"},{\"role\":\"tool_calls\",\"message\":\"\"},"
		"{\"role\":\"user\",\"message\":\"yes!\"},{\"role\":\"user\",\"message\":\"  \"}]";
	json_t *messages = json_parse(a, text, strlen(text), error, sizeof(error));
	json_t *turns = vapi_turns(a, messages, NULL);
	const char *stored_text = "[{\"speaker\":\"assistant\",\"text\":\"hi\"},"
				  "{\"speaker\":\"caller\",\"text\":\"Yes.\"}]";
	json_t *stored = json_parse(a, stored_text, strlen(stored_text), error, sizeof(error));

	assert_int_equal(json_array_size(turns), 3);
	assert_string_equal(json_str(json_array_get(turns, 0), "speaker"), "assistant");
	assert_true(json_is_real(json_object_get(json_array_get(turns, 0), "at")));
	/* The second "yes" is a turn of its own. */
	json_t *missing = vapi_turns_missing(a, stored, turns);
	assert_int_equal(json_array_size(missing), 1);
	assert_string_equal(json_str(json_array_get(missing, 0), "text"), "yes!");
	turns = vapi_turns(a, NULL, "AI: Hello\nUser: I need help\nnoise\n");
	assert_int_equal(json_array_size(turns), 2);
	assert_string_equal(json_str(json_array_get(turns, 1), "speaker"), "caller");
	arena_free(a);
}

static void test_times_and_statuses(void **state)
{
	double t;

	assert_int_equal(vapi_time("2023-11-14T22:13:20.500Z", &t), 0);
	assert_true(t == 1700000000.5);
	assert_int_equal(vapi_time("2023-11-14T17:13:20-05:00", &t), 0);
	assert_true(t == 1700000000);
	assert_int_equal(vapi_time("2023-11-14T22:13:20", &t), -1);
	assert_int_equal(vapi_time("yesterday", &t), -1);
	assert_int_equal(vapi_time(NULL, &t), -1);
	assert_string_equal(vapi_ended_status(NULL), "completed");
	assert_string_equal(vapi_ended_status("customer-ended-call"), "completed");
	assert_string_equal(vapi_ended_status("customer-did-not-answer"), "missed");
	assert_string_equal(vapi_ended_status("customer-busy"), "missed");
	assert_string_equal(vapi_ended_status("pipeline-error-openai-llm-failed"), "failed");
	assert_string_equal(vapi_ended_status("assistant-request-returned-error"), "failed");
	assert_string_equal(vapi_ended_status("call.in-progress.error-transfer-failed"), "failed");
	assert_string_equal(vapi_ended_status("assistant-forwarded-call"), "transferred");
	assert_string_equal(vapi_call_status("forwarding", NULL), "transferred");
	assert_string_equal(vapi_call_status("scheduled", NULL), "queued");
	assert_string_equal(vapi_call_status("ended", "customer-busy"), "missed");
	assert_null(vapi_call_status("not-found", NULL));
	assert_null(vapi_call_status(NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_matches_the_protocol_vector),
		cmocka_unit_test(test_secret_and_bearer),
		cmocka_unit_test(test_tool_calls_in_every_shape),
		cmocka_unit_test(test_answers_are_one_line),
		cmocka_unit_test(test_turns_and_what_is_missing),
		cmocka_unit_test(test_times_and_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
