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

/* Only X-Vapi-Secret, Authorization or an X- header of the business's own carry a secret. */
static void test_only_a_header_of_its_own_carries_the_secret(void **state)
{
	struct arena *a = arena_new();
	struct vapi_auth secret = { .method = "secret", .header = "Content-Type" };
	struct headers h = { { "Content-Type" }, { "application/json" } };

	assert_null(vapi_header_problem(NULL));
	assert_null(vapi_header_problem(""));
	assert_null(vapi_header_problem("X-Vapi-Secret"));
	assert_null(vapi_header_problem("authorization"));
	assert_null(vapi_header_problem("X-Our-Secret"));
	assert_null(vapi_header_problem("x-signature"));
	assert_non_null(vapi_header_problem("Content-Type"));
	assert_non_null(vapi_header_problem("User-Agent"));
	assert_non_null(vapi_header_problem("Host"));
	assert_non_null(vapi_header_problem("X-Forwarded-For"));
	assert_non_null(vapi_header_problem("x-forwarded-proto"));
	assert_non_null(vapi_header_problem("X-Real-IP"));
	assert_non_null(vapi_header_problem("X-Request-Id"));
	assert_non_null(vapi_header_problem("X-"));
	assert_non_null(vapi_header_problem("X-Our Secret"));
	/* A stored header that breaks the rule is refused when a message comes, secret or not. */
	assert_int_equal(check(a, &secret, "application/json", &h, 0), -1);
	secret.header = "X-Real-IP";
	h.names[0] = "X-Real-IP";
	h.values[0] = "203.0.113.9";
	assert_int_equal(check(a, &secret, "203.0.113.9", &h, 0), -1);
	secret.header = "X-Our-Secret";
	h.names[0] = "X-Our-Secret";
	assert_int_equal(check(a, &secret, "203.0.113.9", &h, 0), 0);
	arena_free(a);
}

static void test_a_secret_has_at_least_24_characters(void **state)
{
	assert_non_null(vapi_secret_problem(NULL));
	assert_non_null(vapi_secret_problem("application/json"));
	assert_non_null(vapi_secret_problem("12345678901234567890123"));
	assert_null(vapi_secret_problem("123456789012345678901234"));
}

/* {svix-id} is the value of the header the settings name. */
static void test_the_message_id_header_is_configurable(void **state)
{
	struct arena *a = arena_new();
	struct vapi_auth auth = hmac_auth();
	/* HMAC-SHA256("testsecret", "msg_1.<body>") as Python computes it. */
	struct headers h = { { "x-signature", "webhook-id" },
			     { "54294e632d54e07efc64f63cec6260209897f2f869073b30aa7523ff8c85b022",
			       "msg_1" } };

	auth.include_timestamp = false;
	auth.payload_format = "{svix-id}.{body}";
	auth.message_id_header = "webhook-id";
	assert_int_equal(check(a, &auth, "testsecret", &h, 0), 0);
	/* The same message id under svix-id is not what was signed with webhook-id named. */
	h.names[1] = "svix-id";
	assert_int_equal(check(a, &auth, "testsecret", &h, 0), -1);
	auth.message_id_header = NULL;
	assert_int_equal(check(a, &auth, "testsecret", &h, 0), 0);
	arena_free(a);
}

static void test_the_model_is_declared_as_vapi_accepts_it(void **state)
{
	struct arena *a = arena_new();
	const char *why;
	json_t *m;

	m = vapi_model(a, "gpt-4o-mini", NULL, &why);
	assert_string_equal(json_str(m, "provider"), "openai");
	assert_string_equal(json_str(m, "model"), "gpt-4o-mini");
	assert_null(json_object_get(m, "url"));
	/* An OpenRouter slug of an OpenAI model is the plain id. */
	m = vapi_model(a, "openai/gpt-4.1-mini", "https://openrouter.ai/api/v1", &why);
	assert_string_equal(json_str(m, "provider"), "openai");
	assert_string_equal(json_str(m, "model"), "gpt-4.1-mini");
	assert_true(vapi_openai_model("gpt-4o-2024-11-20:eastus"));
	assert_false(vapi_openai_model("gpt-4o-2024-11-20:east us"));
	assert_false(vapi_openai_model("gpt-test"));
	assert_false(vapi_openai_model("gpt-4o-minis"));
	/* Anything else runs on the business's own server. */
	m = vapi_model(a, "anthropic/claude-3.5-haiku", "https://openrouter.ai/api/v1/", &why);
	assert_string_equal(json_str(m, "provider"), "custom-llm");
	assert_string_equal(json_str(m, "url"), "https://openrouter.ai/api/v1");
	assert_string_equal(json_str(m, "model"), "anthropic/claude-3.5-haiku");
	m = vapi_model(a, "llama-3.1-8b", "http://llm.internal:8000/v1", &why);
	assert_string_equal(json_str(m, "provider"), "custom-llm");
	assert_null(vapi_model(a, "llama-3.1-8b", "", &why));
	assert_non_null(why);
	assert_null(vapi_model(a, "", NULL, &why));
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
		cmocka_unit_test(test_only_a_header_of_its_own_carries_the_secret),
		cmocka_unit_test(test_a_secret_has_at_least_24_characters),
		cmocka_unit_test(test_the_message_id_header_is_configurable),
		cmocka_unit_test(test_the_model_is_declared_as_vapi_accepts_it),
		cmocka_unit_test(test_tool_calls_in_every_shape),
		cmocka_unit_test(test_answers_are_one_line),
		cmocka_unit_test(test_turns_and_what_is_missing),
		cmocka_unit_test(test_times_and_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
