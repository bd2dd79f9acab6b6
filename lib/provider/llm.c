/* llm.c: OpenAI-compatible chat completions through webclient, streamed as server-sent events */
#include "provider/llm.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/webclient.h"

/* Parallel tool calls one answer may carry; a model asking for more is not the protocol. */
#define LLM_MAX_TOOL_CALLS 16
/* The most an answer may weigh: far above any spoken reply, low enough to stop a runaway. */
#define LLM_MAX_BODY (1u << 20)

enum llm_mode { LLM_UNDECIDED, LLM_SSE, LLM_BODY };

struct llm_call_parts {
	struct buf id;
	struct buf name;
	struct buf arguments;
	int used;
};

/* What one request has read so far; the write callback fills it as bytes come. */
struct llm_stream {
	enum llm_mode mode;
	long status;
	struct buf line;          /* the SSE line being read */
	struct buf data;          /* the data lines of the event being read */
	struct buf body;          /* the whole answer when it is not an event stream */
	struct buf content;
	struct llm_call_parts calls[LLM_MAX_TOOL_CALLS];
	int ncalls;               /* highest index used, plus one */
	int last;                 /* the call the last fragment went to; -1 before any */
	long prompt_tokens;       /* from the usage chunk; -1 when none came */
	long completion_tokens;
	char finish_reason[32];
	int done;                 /* [DONE] came */
	int failed;               /* error[] says why; the callback stops the transfer */
	char error[160];
	size_t received;
	llm_text_fn on_text;
	void *arg;
	struct timespec started;
	long first_token_ms;
};

static long llm_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

void llm_settings_server(struct llm_settings *out)
{
	out->base_url = conf_str("LLM_BASE_URL");
	out->model = conf_str("LLM_MODEL");
	out->api_key = conf_str("LLM_API_KEY");
}

int llm_configured(const struct llm_settings *settings)
{
	return settings && settings->base_url && settings->base_url[0] != '\0';
}

static void llm_fail(struct llm_stream *st, const char *why)
{
	if (st->failed)
		return;
	st->failed = 1;
	snprintf(st->error, sizeof(st->error), "%s", why);
}

static void llm_first_token(struct llm_stream *st)
{
	if (st->first_token_ms < 0)
		st->first_token_ms = llm_elapsed_ms(&st->started);
}

/*
 * Which call a fragment without an index belongs to (some OpenAI-compatible servers leave it
 * out): a new id starts a new call, the last call's id or no id at all continues it.
 */
static long llm_fragment_slot(const struct llm_stream *st, const char *id)
{
	if (st->last < 0)
		return 0;
	const struct llm_call_parts *last = &st->calls[st->last];
	if (id && *id && last->id.len && strcmp(buf_str(&last->id), id))
		return st->ncalls;
	return st->last;
}

/* Add piece to part unless it repeats what part already holds (servers that send the id and the
 * name on every fragment); a different piece continues it. */
static void llm_put_once(struct buf *part, const char *piece)
{
	if (!piece || !*piece)
		return;
	if (part->len && !strcmp(buf_str(part), piece))
		return;
	buf_puts(part, piece);
}

/* One element of delta.tool_calls: the first fragment names the call, later ones add to it. */
static void llm_add_tool_fragment(struct llm_stream *st, const json_t *fragment)
{
	json_t *index = json_object_get(fragment, "index");
	json_t *function = json_object_get(fragment, "function");
	const char *id = json_str(fragment, "id");
	long i = json_is_integer(index) ? (long)json_integer_value(index) :
					  llm_fragment_slot(st, id);

	if (i < 0 || i >= LLM_MAX_TOOL_CALLS) {
		llm_fail(st, "tool call index out of range");
		return;
	}
	struct llm_call_parts *call = &st->calls[i];
	call->used = 1;
	st->last = (int)i;
	if (i + 1 > st->ncalls)
		st->ncalls = (int)i + 1;
	/* An id names a call whole; it is never sent in pieces. */
	if (id && !call->id.len)
		buf_puts(&call->id, id);
	llm_put_once(&call->name, json_str(function, "name"));
	if (json_str(function, "arguments"))
		buf_puts(&call->arguments, json_str(function, "arguments"));
	llm_first_token(st);
}

/* The token counts of a usage object, when a chunk carries one. */
static void llm_take_usage(struct llm_stream *st, const json_t *usage)
{
	json_t *prompt = json_object_get(usage, "prompt_tokens");
	json_t *completion = json_object_get(usage, "completion_tokens");

	if (json_is_integer(prompt))
		st->prompt_tokens = (long)json_integer_value(prompt);
	if (json_is_integer(completion))
		st->completion_tokens = (long)json_integer_value(completion);
}

/* An error object of either shape: OpenAI's (code a string) or OpenRouter's (code a number). */
static void llm_fail_with_error(struct llm_stream *st, const char *where, const json_t *error)
{
	const char *message = json_is_string(error) ? json_string_value(error)
						     : json_str(error, "message");
	json_t *code = json_object_get(error, "code");
	char why[160];

	if (json_is_integer(code))
		snprintf(why, sizeof(why), "%s: %s (code %lld)", where, message ? message : "error",
			 (long long)json_integer_value(code));
	else if (json_is_string(code))
		snprintf(why, sizeof(why), "%s: %s (%s)", where, message ? message : "error",
			 json_string_value(code));
	else
		snprintf(why, sizeof(why), "%s: %s", where, message ? message : "error");
	llm_fail(st, why);
}

/* One chunk object of the stream, or the one message of an answer that did not stream. */
static void llm_take_choice(struct llm_stream *st, const json_t *choice, const char *part)
{
	const json_t *delta = json_object_get(choice, part);
	const char *text = json_str(delta, "content");
	const char *finish = json_str(choice, "finish_reason");
	json_t *tool_calls = json_object_get(delta, "tool_calls");

	if (text && *text) {
		llm_first_token(st);
		buf_puts(&st->content, text);
		if (st->on_text)
			st->on_text(st->arg, text);
	}
	if (json_is_array(tool_calls)) {
		size_t i;
		json_t *fragment;
		json_array_foreach(tool_calls, i, fragment)
			llm_add_tool_fragment(st, fragment);
	}
	if (finish) {
		snprintf(st->finish_reason, sizeof(st->finish_reason), "%s", finish);
		if (!strcmp(finish, "error"))
			llm_fail(st, "the model stopped with an error");
	}
}

static void llm_take_object(struct llm_stream *st, const json_t *obj, const char *part)
{
	json_t *choices = json_object_get(obj, "choices");
	json_t *error = json_object_get(obj, "error");

	if (error && !json_is_null(error)) {
		llm_fail_with_error(st, "error in the answer", error);
		return;
	}
	if (json_is_object(json_object_get(obj, "usage")))
		llm_take_usage(st, json_object_get(obj, "usage"));
	/* The usage chunk of some servers has no choices key at all, only the usage. */
	if (!choices && json_is_object(json_object_get(obj, "usage")))
		return;
	if (!json_is_array(choices)) {
		llm_fail(st, "answer without choices");
		return;
	}
	/* Only the first choice is asked for (n is 1); a usage chunk has none at all. */
	json_t *choice = json_array_get(choices, 0);
	if (choice)
		llm_take_choice(st, choice, part);
}

static void llm_dispatch_event(struct llm_stream *st)
{
	const char *data = buf_str(&st->data);
	json_error_t err;

	if (!st->data.len)
		return;
	if (st->done) {
		buf_clear(&st->data);
		return;
	}
	if (!strcmp(data, "[DONE]")) {
		st->done = 1;
	} else {
		json_t *obj = json_loadb(data, st->data.len, 0, &err);
		if (!json_is_object(obj))
			llm_fail(st, "stream event is not a JSON object");
		else
			llm_take_object(st, obj, "delta");
		json_decref(obj);
	}
	buf_clear(&st->data);
}

/* A line of the event stream: data, a comment (":"), another field, or the blank end of one. */
static void llm_take_line(struct llm_stream *st, char *line, size_t len)
{
	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	if (!len) {
		llm_dispatch_event(st);
		return;
	}
	if (line[0] == ':')
		return;
	if (len >= 5 && !memcmp(line, "data:", 5)) {
		const char *value = line + 5;
		if (*value == ' ')
			value++;
		if (st->data.len)
			buf_putc(&st->data, '\n');
		buf_puts(&st->data, value);
	}
	/* event:, id: and retry: carry nothing this protocol uses. */
}

static void llm_take_sse(struct llm_stream *st, const char *bytes, size_t n)
{
	for (size_t i = 0; i < n && !st->failed; i++) {
		if (bytes[i] != '\n') {
			buf_putc(&st->line, bytes[i]);
			continue;
		}
		buf_grow(&st->line, 0);
		llm_take_line(st, st->line.data ? st->line.data : (char *)"", st->line.len);
		buf_clear(&st->line);
	}
}

/* The first bytes decide how the answer is read: an error, an event stream, or one object. */
static void llm_choose_mode(struct llm_stream *st, long status, const char *type,
			    const char *bytes, size_t n)
{
	st->status = status;
	if (st->status < 200 || st->status > 299)
		st->mode = LLM_BODY;
	else if ((type && strstr(type, "text/event-stream")) ||
		 (n && (bytes[0] == 'd' || bytes[0] == ':')))
		st->mode = LLM_SSE;
	else
		st->mode = LLM_BODY;
}

static int llm_write(void *arg, long status, const char *type, const char *bytes, size_t n)
{
	struct llm_stream *st = arg;

	st->received += n;
	if (st->received > LLM_MAX_BODY)
		llm_fail(st, "answer too large");
	if (st->mode == LLM_UNDECIDED)
		llm_choose_mode(st, status, type, bytes, n);
	if (!st->failed) {
		if (st->mode == LLM_SSE)
			llm_take_sse(st, bytes, n);
		else
			buf_add(&st->body, bytes, n);
	}
	return st->failed ? -1 : 0;
}

/* After the transfer: an error body, a whole completion object, or the end of the stream. */
static void llm_finish(struct llm_stream *st)
{
	json_error_t err;
	json_t *obj = NULL;

	if (st->failed)
		return;
	if (st->mode == LLM_SSE) {
		/* An event cut off before its blank line is not dispatched (as the SSE rules say),
		 * but a whole [DONE] line at the very end still ends the stream. */
		if (!strcmp(buf_str(&st->data), "[DONE]"))
			st->done = 1;
		if (!st->failed && !st->done && !st->finish_reason[0])
			llm_fail(st, "the stream ended before its end");
		return;
	}
	if (st->body.len)
		obj = json_loadb(st->body.data, st->body.len, 0, &err);
	if (st->status < 200 || st->status > 299) {
		char where[32];
		snprintf(where, sizeof(where), "HTTP %ld", st->status);
		json_t *error = json_object_get(obj, "error");
		if (error)
			llm_fail_with_error(st, where, error);
		else
			llm_fail(st, where);
	} else if (!json_is_object(obj)) {
		llm_fail(st, "answer is neither an event stream nor JSON");
	} else {
		llm_take_object(st, obj, "message");
		if (!st->failed && !st->finish_reason[0] && !st->content.len && !st->ncalls)
			llm_fail(st, "answer without a message");
	}
	json_decref(obj);
}

static json_t *llm_parse_arguments(struct arena *a, const char *text)
{
	json_error_t err;

	/* Some servers send "" for a tool that takes nothing: that is an empty object. */
	if (!text[strspn(text, " \t\r\n")])
		return json_to_arena(a, json_object());
	json_t *v = json_loads(text, 0, &err);
	if (!json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	return json_to_arena(a, v);
}

static int llm_collect(struct arena *a, struct llm_stream *st, struct llm_result *out)
{
	out->content = arena_strndup(a, buf_str(&st->content), st->content.len);
	out->finish_reason = arena_strdup(a, st->finish_reason);
	out->tool_calls = arena_calloc(a, st->ncalls ? (size_t)st->ncalls : 1,
				       sizeof(*out->tool_calls));
	for (int i = 0; i < st->ncalls; i++) {
		struct llm_call_parts *parts = &st->calls[i];
		if (!parts->used || !parts->name.len) {
			llm_fail(st, "tool call without a name");
			return -1;
		}
		struct llm_tool_call *call = &out->tool_calls[out->ntool_calls++];
		call->id = parts->id.len ? arena_strdup(a, buf_str(&parts->id))
					 : arena_printf(a, "call_%d", i);
		call->name = arena_strdup(a, buf_str(&parts->name));
		call->arguments_text = arena_strdup(a, buf_str(&parts->arguments));
		call->arguments = llm_parse_arguments(a, call->arguments_text);
	}
	return 0;
}

static char *llm_request_body(struct arena *a, const char *model, json_t *messages,
			      json_t *tools)
{
	json_t *req = json_pack("{s:s, s:b, s:O}", "model", model, "stream", 1,
				"messages", messages);

	if (tools && json_array_size(tools)) {
		json_object_set(req, "tools", tools);
		json_object_set_new(req, "tool_choice", json_string("auto"));
	}
	char *text = json_text(a, req);
	json_decref(req);
	return text;
}

int llm_chat(struct arena *a, const struct llm_settings *settings, json_t *messages,
	     json_t *tools, long timeout_ms, llm_text_fn on_text, void *arg,
	     struct llm_result *out)
{
	return llm_chat_cancellable(a, settings, messages, tools, timeout_ms, on_text, arg, NULL,
				    out);
}

int llm_chat_cancellable(struct arena *a, const struct llm_settings *settings, json_t *messages,
			 json_t *tools, long timeout_ms, llm_text_fn on_text, void *arg,
			 const int *cancel, struct llm_result *out)
{
	struct llm_stream st = { .first_token_ms = -1, .on_text = on_text, .arg = arg,
				 .last = -1, .prompt_tokens = -1, .completion_tokens = -1 };
	const char *base = llm_configured(settings) ? settings->base_url : "";
	const char *key = settings && settings->api_key ? settings->api_key : "";
	const char *model = settings && settings->model ? settings->model : "";
	size_t base_len = strlen(base);
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->first_token_ms = -1;
	clock_gettime(CLOCK_MONOTONIC, &st.started);
	if (!base_len || timeout_ms <= 0) {
		llm_fail(&st, base_len ? "no time left for the request" : "no model endpoint is set");
		goto out;
	}
	char *url = arena_printf(a, "%s/chat/completions", base);
	char *body = llm_request_body(a, model, messages, tools);
	const char *headers[] = {
		"Content-Type: application/json",
		"Accept: text/event-stream",
		*key ? arena_printf(a, "Authorization: Bearer %s", key) : NULL,
		NULL,
	};
	struct webclient_stream_request req = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = strlen(body),
		.timeout_ms = timeout_ms,
		.cancel = cancel,
		.on_body = llm_write,
		.arg = &st,
	};
	struct webclient_stream_result res;

	if (webclient_stream(&req, &res) < 0) {
		if (cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE)) {
			llm_fail(&st, "cancelled");
		} else if (res.timed_out) {
			char why[64];
			snprintf(why, sizeof(why), "timed out after %ld ms", timeout_ms);
			llm_fail(&st, why);
		} else {
			llm_fail(&st, res.error);
		}
	}
	if (!st.status)
		st.status = res.status;
	llm_finish(&st);
	if (!st.failed && llm_collect(a, &st, out) == 0)
		rc = 0;
out:
	out->status = st.status;
	out->first_token_ms = st.first_token_ms;
	out->prompt_tokens = st.prompt_tokens;
	out->completion_tokens = st.completion_tokens;
	if (rc < 0) {
		snprintf(out->error, sizeof(out->error), "%s", st.error);
		if (!strcmp(st.error, "cancelled"))
			log_info("a chat with the LLM was cancelled");
		else
			log_warn("could not complete a chat with the LLM: %s status=%ld",
				 st.error, st.status);
	}
	buf_release(&st.line);
	buf_release(&st.data);
	buf_release(&st.body);
	buf_release(&st.content);
	for (int i = 0; i < LLM_MAX_TOOL_CALLS; i++) {
		buf_release(&st.calls[i].id);
		buf_release(&st.calls[i].name);
		buf_release(&st.calls[i].arguments);
	}
	return rc;
}
