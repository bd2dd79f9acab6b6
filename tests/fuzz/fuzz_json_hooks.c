/* fuzz_json_hooks.c: a Vapi server message from the wire: JSON parsing and every reader of it */
/*
 * Input: a webhook body. It is parsed as the hook parses it (json_parse) and the message is
 * read with the database-free readers of lib/provider/vapi.c: type and call id, tool calls in
 * all their shapes and the answer line built from their arguments, the legacy function call,
 * turns from messages or a transcript, ISO times, statuses. The raw body is also authenticated
 * with HMAC set-ups that use every payload placeholder; a top-level "headers" object stands
 * for the request headers and "format" for the payload format. Proves no out-of-bounds access,
 * leak-free arena hand-off and no undefined behaviour, and the promises: a tool call has an id
 * and object-or-NULL arguments, answers and turns are single lines, turns matched against
 * themselves leave nothing missing, authentication answers 0 or -1 with a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/json.h"
#include "provider/vapi.h"

static const char *header(void *arg, const char *name)
{
	return json_str(arg, name);
}

static void check_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			abort();
}

static void authenticate(struct arena *a, const json_t *root, const char *body, size_t len)
{
	const char *format = json_str(root, "format");
	const struct vapi_auth auths[] = {
		{ .method = "hmac", .algorithm = "sha256", .timestamp_header = "x-timestamp",
		  .include_timestamp = true, .payload_format = "{timestamp}.{body}",
		  .encoding = "hex", .prefix = "", .window_seconds = 300 },
		{ .method = "hmac", .algorithm = "sha1", .header = "x-vapi-signature",
		  .payload_format = format ? format : "{timestamp}.{method} {url}{svix-id}{body}",
		  .encoding = "base64", .prefix = "sha1=", .secret_is_base64 = true },
		{ .method = "bearer", .bearer_prefix = true },
	};
	struct vapi_request req = { .method = "POST", .url = "https://x.test/hooks/vapi",
				    .body = body, .body_len = len, .header = header,
				    .header_arg = json_object_get(root, "headers"),
				    .now = 1700000000 };
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(auths) / sizeof(auths[0]); i++) {
		int rc = vapi_authenticate(a, &auths[i], "dGVzdHNlY3JldA==", &req, &why);
		if (rc != 0 && (rc != -1 || !why))
			abort();
	}
}

static void read_message(struct arena *a, const json_t *message)
{
	struct vapi_tool_call *calls, one;
	bool is_error;
	double at;

	vapi_one_line(a, json_str(message, "type") ? json_str(message, "type") : "", 64);
	json_str(json_object_get(message, "call"), "id");
	int n = vapi_tool_calls(a, message, &calls);
	for (int i = 0; i < n; i++) {
		if (!calls[i].id || (calls[i].args && !json_is_object(calls[i].args)))
			abort();
		if (calls[i].name && calls[i].args)
			check_line(vapi_tool_answer(a, calls[i].name, calls[i].args, &is_error));
	}
	if (vapi_function_call(a, message, &one) == 0 && one.name && one.args)
		check_line(vapi_tool_answer(a, one.name, one.args, &is_error));

	const json_t *artifact = json_object_get(message, "artifact");
	json_t *turns = vapi_turns(a, json_object_get(artifact ? artifact : message, "messages"),
				   json_str(artifact ? artifact : message, "transcript"));
	size_t i;
	json_t *turn;
	json_array_foreach(turns, i, turn)
		check_line(json_str(turn, "text"));
	if (json_array_size(vapi_turns_missing(a, turns, turns)))
		abort();
	vapi_time(json_str(message, "startedAt"), &at);
	vapi_call_status(json_str(message, "status"), json_str(message, "endedReason"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	/* An exact-size copy, so reading one byte past the body is caught. */
	char *body = malloc(size ? size : 1);
	char error[160];

	memcpy(body, data, size);
	json_t *root = json_parse(a, body, size, error, sizeof(error));
	authenticate(a, root, body, size);
	if (json_is_object(json_object_get(root, "message")))
		read_message(a, json_object_get(root, "message"));
	free(body);
	arena_free(a);
	return 0;
}
