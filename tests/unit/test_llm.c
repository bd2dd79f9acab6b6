/* test_llm.c: the chat-completions client reads streams, tool calls and errors as sent */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "provider/llm.h"

/*
 * A one-connection HTTP server on loopback: it records the request, then writes the scripted
 * answer in small pieces (so events arrive split across reads), pausing where asked.
 */
struct server {
	int listener;
	int port;
	pthread_t thread;
	const char *answer;          /* the whole HTTP answer, status line included */
	size_t piece;                /* bytes per write; 0 for all at once */
	size_t stall_at;             /* stop writing after this many bytes for stall_ms */
	int stall_ms;
	char request[65536];
	size_t request_len;
};

static struct server srv;

static const char *body_of(const char *request)
{
	const char *end = strstr(request, "\r\n\r\n");
	return end ? end + 4 : "";
}

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->listener, NULL, NULL);
	size_t want = 0;

	if (fd < 0)
		return NULL;
	while (s->request_len < sizeof(s->request) - 1) {
		size_t room = sizeof(s->request) - 1 - s->request_len;
		ssize_t n = read(fd, s->request + s->request_len, room);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		const char *head_end = strstr(s->request, "\r\n\r\n");
		if (!head_end)
			continue;
		const char *cl = strcasestr(s->request, "Content-Length:");
		want = (size_t)(head_end + 4 - s->request) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
		if (s->request_len >= want)
			break;
	}
	size_t len = strlen(s->answer), at = 0;
	while (at < len) {
		size_t n = s->piece ? s->piece : len;
		if (n > len - at)
			n = len - at;
		if (s->stall_at && at < s->stall_at && at + n > s->stall_at)
			n = s->stall_at - at;
		if (send(fd, s->answer + at, n, MSG_NOSIGNAL) < 0)
			break;
		at += n;
		if (s->stall_at && at == s->stall_at)
			usleep((useconds_t)s->stall_ms * 1000);
		else if (s->piece)
			usleep(500);
	}
	close(fd);
	return NULL;
}

static void serve_answer(const char *answer, size_t piece)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t addrlen = sizeof(addr);
	char url[64];

	memset(&srv, 0, sizeof(srv));
	srv.answer = answer;
	srv.piece = piece;
	srv.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv.listener >= 0);
	assert_int_equal(bind(srv.listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(srv.listener, 1), 0);
	getsockname(srv.listener, (struct sockaddr *)&addr, &addrlen);
	srv.port = ntohs(addr.sin_port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/", srv.port);
	conf_set("LLM_BASE_URL", url);
}

static void serve_start(void)
{
	assert_int_equal(pthread_create(&srv.thread, NULL, serve, &srv), 0);
}

static void serve_stop(void)
{
	pthread_join(srv.thread, NULL);
	close(srv.listener);
}

#define SSE_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
#define CHUNK(delta, finish) \
	"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," \
	"\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" delta ",\"logprobs\":null," \
	"\"finish_reason\":" finish "}]}\n\n"
/* A tool-call delta that only adds a fragment of arguments to call index. */
#define ARGS(index, fragment) \
	CHUNK("{\"tool_calls\":[{\"index\":" #index ",\"function\":{\"arguments\":\"" \
	      fragment "\"}}]}", "null")

/* What on_text received: each piece, joined, and how many. */
struct heard {
	struct buf text;
	int pieces;
};

static void hear(void *arg, const char *text)
{
	struct heard *h = arg;
	buf_puts(&h->text, text);
	h->pieces++;
}

static json_t *one_message(struct arena *a)
{
	return json_to_arena(a, json_pack("[{s:s, s:s}]", "role", "user", "content", "hello"));
}

static json_t *one_tool(struct arena *a)
{
	return json_to_arena(a, json_pack("[{s:s, s:{s:s, s:{s:s}}}]", "type", "function",
					  "function", "name", "end_call", "parameters", "type",
					  "object"));
}

static int run_chat(struct arena *a, long timeout_ms, struct heard *h, struct llm_result *out)
{
	struct llm_settings settings;

	serve_start();
	llm_settings_server(&settings);
	int rc = llm_chat(a, &settings, one_message(a), one_tool(a), timeout_ms, hear, h, out);
	serve_stop();
	return rc;
}

static void test_text_streams_in_pieces_with_comments_skipped(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     ": OPENROUTER PROCESSING\n\n"
		     CHUNK("{\"role\":\"assistant\",\"content\":\"\"}", "null")
		     CHUNK("{\"content\":\"Hello\"}", "null")
		     ": OPENROUTER PROCESSING\r\n\r\n"
		     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there.\"}}]}\r\n\r\n"
		     CHUNK("{\"content\":\" It's $149.50.\"}", "null")
		     CHUNK("{}", "\"stop\"")
		     "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"total_tokens\":9}}\n\n"
		     "data: [DONE]\n\n", 7);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_string_equal(out.content, "Hello there. It's $149.50.");
	assert_string_equal(buf_str(&h.text), out.content);
	assert_int_equal(h.pieces, 3);
	assert_string_equal(out.finish_reason, "stop");
	assert_int_equal(out.ntool_calls, 0);
	assert_int_equal(out.status, 200);
	assert_true(out.first_token_ms >= 0);

	/* What was asked: the model, a stream, the messages and tools, the key. */
	assert_non_null(strstr(srv.request, "POST /v1/chat/completions HTTP/1.1"));
	assert_non_null(strstr(srv.request, "Authorization: Bearer test-key"));
	char error[160];
	json_t *body = json_parse(a, body_of(srv.request), strlen(body_of(srv.request)), error,
				  sizeof(error));
	assert_non_null(body);
	assert_string_equal(json_str(body, "model"), "test-model");
	assert_true(json_bool(body, "stream", false));
	assert_string_equal(json_str(json_array_get(json_object_get(body, "messages"), 0),
				     "content"), "hello");
	assert_string_equal(json_str(json_object_get(json_array_get(json_object_get(body, "tools"),
								    0), "function"), "name"),
			    "end_call");
	assert_string_equal(json_str(body, "tool_choice"), "auto");
	buf_release(&h.text);
	arena_free(a);
}

static void test_tool_call_fragments_join_per_index(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     CHUNK("{\"role\":\"assistant\",\"content\":null}", "null")
		     CHUNK("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\","
			   "\"function\":{\"name\":\"check_availability\",\"arguments\":\"\"}}]}",
			   "null")
		     ARGS(0, "{\\\"start\\\"")
		     CHUNK("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\","
			   "\"function\":{\"name\":\"lookup_service\",\"arguments\":\"\"}}]}", "null")
		     ARGS(0, ": \\\"tomorrow at 2\\\"}")
		     ARGS(1, "{\\\"query\\\": ")
		     CHUNK("{}", "\"tool_calls\"")
		     "data: [DONE]\n\n", 11);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_string_equal(out.content, "");
	assert_string_equal(out.finish_reason, "tool_calls");
	assert_int_equal(out.ntool_calls, 2);
	assert_string_equal(out.tool_calls[0].id, "call_a");
	assert_string_equal(out.tool_calls[0].name, "check_availability");
	assert_string_equal(out.tool_calls[0].arguments_text, "{\"start\": \"tomorrow at 2\"}");
	assert_string_equal(json_str(out.tool_calls[0].arguments, "start"), "tomorrow at 2");
	/* The second call's arguments were cut off: kept as text, not as an object. */
	assert_string_equal(out.tool_calls[1].name, "lookup_service");
	assert_string_equal(out.tool_calls[1].arguments_text, "{\"query\": ");
	assert_null(out.tool_calls[1].arguments);
	assert_int_equal(h.pieces, 0);
	buf_release(&h.text);
	arena_free(a);
}

/* Some OpenAI-compatible servers leave out index: a new id is a new call, no id continues. */
static void test_tool_call_fragments_without_index_join_per_id(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     CHUNK("{\"role\":\"assistant\",\"content\":null}", "null")
		     CHUNK("{\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\","
			   "\"function\":{\"name\":\"check_availability\",\"arguments\":\"\"}}]}",
			   "null")
		     CHUNK("{\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"start\\\"\"}}]}",
			   "null")
		     CHUNK("{\"tool_calls\":[{\"function\":{\"arguments\":\": \\\"2pm\\\"}\"}}]}",
			   "null")
		     CHUNK("{\"tool_calls\":[{\"id\":\"call_b\",\"type\":\"function\","
			   "\"function\":{\"name\":\"lookup_service\",\"arguments\":\"{\"}}]}", "null")
		     CHUNK("{\"tool_calls\":[{\"function\":{\"arguments\":\"}\"}}]}", "null")
		     CHUNK("{}", "\"tool_calls\"")
		     "data: [DONE]\n\n", 13);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_int_equal(out.ntool_calls, 2);
	assert_string_equal(out.tool_calls[0].id, "call_a");
	assert_string_equal(out.tool_calls[0].name, "check_availability");
	assert_string_equal(out.tool_calls[0].arguments_text, "{\"start\": \"2pm\"}");
	assert_string_equal(json_str(out.tool_calls[0].arguments, "start"), "2pm");
	assert_string_equal(out.tool_calls[1].id, "call_b");
	assert_string_equal(out.tool_calls[1].name, "lookup_service");
	assert_string_equal(out.tool_calls[1].arguments_text, "{}");
	assert_non_null(out.tool_calls[1].arguments);
	buf_release(&h.text);
	arena_free(a);
}

/* Servers that repeat id, type and name on every fragment: one call, the name once. */
static void test_tool_call_id_and_name_repeated_on_every_fragment(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

#define REPEATED(index, fragment) \
	CHUNK("{\"tool_calls\":[{\"index\":" #index ",\"id\":\"call_r\",\"type\":\"function\"," \
	      "\"function\":{\"name\":\"book_appointment\",\"arguments\":\"" fragment "\"}}]}", \
	      "null")
	serve_answer(SSE_HEAD
		     CHUNK("{\"role\":\"assistant\",\"content\":null}", "null")
		     REPEATED(0, "")
		     REPEATED(0, "{\\\"name\\\": ")
		     REPEATED(0, "\\\"Ann\\\"}")
		     CHUNK("{}", "\"tool_calls\"")
		     "data: [DONE]\n\n", 9);
#undef REPEATED
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_int_equal(out.ntool_calls, 1);
	assert_string_equal(out.tool_calls[0].id, "call_r");
	assert_string_equal(out.tool_calls[0].name, "book_appointment");
	assert_string_equal(json_str(out.tool_calls[0].arguments, "name"), "Ann");

	/* The same without index: the repeated id continues the call, it does not start one. */
	arena_free(a);
	a = arena_new();
	serve_answer(SSE_HEAD
		     CHUNK("{\"tool_calls\":[{\"id\":\"call_r\",\"function\":{\"name\":"
			   "\"book_appointment\",\"arguments\":\"{\\\"name\\\": \"}}]}", "null")
		     CHUNK("{\"tool_calls\":[{\"id\":\"call_r\",\"function\":{\"name\":"
			   "\"book_appointment\",\"arguments\":\"\\\"Ann\\\"}\"}}]}", "null")
		     CHUNK("{}", "\"tool_calls\"")
		     "data: [DONE]\n\n", 9);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_int_equal(out.ntool_calls, 1);
	assert_string_equal(out.tool_calls[0].name, "book_appointment");
	assert_string_equal(json_str(out.tool_calls[0].arguments, "name"), "Ann");
	buf_release(&h.text);
	arena_free(a);
}

/* A usage chunk with no choices key at all is not an error; its counts are kept. */
static void test_usage_chunk_without_choices_is_kept(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     CHUNK("{\"role\":\"assistant\",\"content\":\"Hi.\"}", "null")
		     CHUNK("{}", "\"stop\"")
		     "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
		     "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}\n\n"
		     "data: [DONE]\n\n", 9);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_string_equal(out.content, "Hi.");
	assert_string_equal(out.finish_reason, "stop");
	assert_int_equal(out.prompt_tokens, 12);
	assert_int_equal(out.completion_tokens, 3);

	/* Without any usage the counts say so. */
	arena_free(a);
	a = arena_new();
	serve_answer(SSE_HEAD CHUNK("{\"content\":\"Hi.\"}", "\"stop\"") "data: [DONE]\n\n", 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_int_equal(out.prompt_tokens, -1);
	buf_release(&h.text);
	arena_free(a);
}

static void test_error_event_mid_stream_fails(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     CHUNK("{\"content\":\"Let me\"}", "null")
		     "data: {\"error\":{\"code\":502,\"message\":\"Provider returned error\","
		     "\"metadata\":{}}}\n\n"
		     "data: [DONE]\n\n", 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_non_null(strstr(out.error, "Provider returned error"));
	assert_string_equal(buf_str(&h.text), "Let me");
	buf_release(&h.text);
	arena_free(a);
}

static void test_openai_error_body_is_read(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;
	static const char body[] = "{\"error\":{\"message\":\"Rate limit reached for requests\","
				   "\"type\":\"requests\",\"param\":null,"
				   "\"code\":\"rate_limit_exceeded\"}}";
	char *answer = arena_printf(a, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: "
				    "application/json\r\nContent-Length: %zu\r\n\r\n%s",
				    strlen(body), body);

	serve_answer(answer, 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_int_equal(out.status, 429);
	assert_non_null(strstr(out.error, "Rate limit reached"));
	assert_non_null(strstr(out.error, "rate_limit_exceeded"));
	buf_release(&h.text);
	arena_free(a);
}

static void test_openrouter_error_body_is_read(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;
	static const char body[] = "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\","
				   "\"metadata\":{}}}";
	char *answer = arena_printf(a, "HTTP/1.1 402 Payment Required\r\nContent-Type: "
				    "application/json\r\nContent-Length: %zu\r\n\r\n%s",
				    strlen(body), body);

	serve_answer(answer, 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_int_equal(out.status, 402);
	assert_non_null(strstr(out.error, "Insufficient credits"));
	buf_release(&h.text);
	arena_free(a);
}

static void test_error_page_that_is_not_json(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 13\r\n"
		     "\r\n<h1>502</h1>\n", 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_int_equal(out.status, 502);
	assert_non_null(strstr(out.error, "HTTP 502"));
	buf_release(&h.text);
	arena_free(a);
}

static void test_truncated_stream_fails(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD
		     CHUNK("{\"content\":\"We're open\"}", "null")
		     CHUNK("{\"content\":\" Monday to\"}", "null")
		     "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Fri", 5);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_non_null(strstr(out.error, "ended"));
	assert_string_equal(buf_str(&h.text), "We're open Monday to");
	buf_release(&h.text);
	arena_free(a);
}

static void test_garbage_event_fails(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;

	serve_answer(SSE_HEAD "data: {\"choices\": [{\"delta\": \n\ndata: [DONE]\n\n", 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), -1);
	assert_non_null(strstr(out.error, "not a JSON"));
	buf_release(&h.text);
	arena_free(a);
}

static void test_whole_request_timeout(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;
	static const char answer[] = SSE_HEAD CHUNK("{\"content\":\"Hel\"}", "null")
				     CHUNK("{\"content\":\"lo.\"}", "\"stop\"") "data: [DONE]\n\n";

	serve_answer(answer, 0);
	/* The first piece comes at once; the rest only after the client has given up. */
	srv.stall_at = strlen(SSE_HEAD CHUNK("{\"content\":\"Hel\"}", "null"));
	srv.stall_ms = 1500;
	assert_int_equal(run_chat(a, 300, &h, &out), -1);
	assert_non_null(strstr(out.error, "timed out"));
	assert_string_equal(buf_str(&h.text), "Hel");
	buf_release(&h.text);
	arena_free(a);
}

static void test_answer_that_did_not_stream(void **state)
{
	struct arena *a = arena_new();
	struct heard h = { BUF_INIT, 0 };
	struct llm_result out;
	static const char body[] =
		"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
		"\"message\":{\"role\":\"assistant\",\"content\":\"Goodbye.\",\"tool_calls\":[{\"id\":"
		"\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"end_call\",\"arguments\":"
		"\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}";
	char *answer = arena_printf(a, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				    "Content-Length: %zu\r\n\r\n%s", strlen(body), body);

	serve_answer(answer, 0);
	assert_int_equal(run_chat(a, 5000, &h, &out), 0);
	assert_string_equal(out.content, "Goodbye.");
	assert_string_equal(buf_str(&h.text), "Goodbye.");
	assert_int_equal(out.ntool_calls, 1);
	assert_string_equal(out.tool_calls[0].name, "end_call");
	assert_non_null(out.tool_calls[0].arguments);
	buf_release(&h.text);
	arena_free(a);
}

static void test_nobody_listening(void **state)
{
	struct arena *a = arena_new();
	struct llm_result out;
	struct llm_settings settings;

	/* A port just bound and closed again has no server. */
	serve_answer("", 0);
	close(srv.listener);
	llm_settings_server(&settings);
	assert_int_equal(llm_chat(a, &settings, one_message(a), NULL, 2000, NULL, NULL, &out), -1);
	assert_int_equal(out.status, 0);
	assert_true(out.error[0] != '\0');
	arena_free(a);
}

static void test_unconfigured(void **state)
{
	struct arena *a = arena_new();
	struct llm_result out;
	struct llm_settings settings;

	conf_set("LLM_BASE_URL", NULL);
	llm_settings_server(&settings);
	assert_false(llm_configured(&settings));
	assert_int_equal(llm_chat(a, &settings, one_message(a), NULL, 2000, NULL, NULL, &out), -1);
	/* A business's own endpoint stands in for the server's. */
	struct llm_settings own = { "http://127.0.0.1:9/v1", "m", "sk-own-key" };
	assert_true(llm_configured(&own));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_streams_in_pieces_with_comments_skipped),
		cmocka_unit_test(test_tool_call_fragments_join_per_index),
		cmocka_unit_test(test_tool_call_fragments_without_index_join_per_id),
		cmocka_unit_test(test_tool_call_id_and_name_repeated_on_every_fragment),
		cmocka_unit_test(test_usage_chunk_without_choices_is_kept),
		cmocka_unit_test(test_error_event_mid_stream_fails),
		cmocka_unit_test(test_openai_error_body_is_read),
		cmocka_unit_test(test_openrouter_error_body_is_read),
		cmocka_unit_test(test_error_page_that_is_not_json),
		cmocka_unit_test(test_truncated_stream_fails),
		cmocka_unit_test(test_garbage_event_fails),
		cmocka_unit_test(test_whole_request_timeout),
		cmocka_unit_test(test_answer_that_did_not_stream),
		cmocka_unit_test(test_nobody_listening),
		cmocka_unit_test(test_unconfigured),
	};
	webclient_global_init();
	conf_set("LLM_MODEL", "test-model");
	conf_set("LLM_API_KEY", "test-key");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
