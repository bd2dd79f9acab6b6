/* llm.h: a client for any OpenAI-compatible chat-completions endpoint, streamed, with tools */
#ifndef SB_LLM_H
#define SB_LLM_H

#include <jansson.h>

struct arena;

/* One tool call the model asked for. arguments is the parsed JSON object (NULL if invalid). */
struct llm_tool_call {
	const char *id;
	const char *name;
	const char *arguments_text;
	json_t *arguments;
};

struct llm_result {
	const char *content;              /* the text answer, "" when the model only called tools */
	struct llm_tool_call *tool_calls;
	int ntool_calls;
	const char *finish_reason;        /* stop, length, tool_calls, ... */
	long status;                      /* HTTP status, 0 when none came */
	char error[160];                  /* why it failed, when llm_chat returns -1 */
	long first_token_ms;
	long prompt_tokens;               /* from the answer's usage; -1 when it sent none */
	long completion_tokens;
};

/* Where and as whom to talk to the model: a business's own settings or the server's. */
struct llm_settings {
	const char *base_url;             /* "" when no model is configured */
	const char *model;
	const char *api_key;              /* "" sends no Authorization header */
};

/* Where a business's key goes when neither it nor the server names an endpoint or model. */
#define LLM_DEFAULT_BASE_URL "https://api.openai.com/v1"
#define LLM_DEFAULT_MODEL "gpt-4o-mini"

/* The server's own settings (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY), borrowed from conf. */
void llm_settings_server(struct llm_settings *out);

/* Receives content text as it streams in. */
typedef void (*llm_text_fn)(void *arg, const char *text);

/*
 * POST {settings->base_url}/chat/completions with its model and key, streaming:
 * messages and tools are JSON arrays in the OpenAI shape (the caller keeps its references).
 * Content deltas go to on_text as they arrive; tool-call fragments are joined per index (or,
 * from servers that send none, per id: a new id is a new call, no id continues the last), an
 * id or name repeated on every fragment counted once; a usage chunk's counts are kept.
 * Gives up after timeout_ms in all. Returns 0 with *out filled, or -1 (out->error says why:
 * a transport failure, a timeout, an error status or an error event in the stream, a body
 * that is not the protocol).
 */
int llm_chat(struct arena *a, const struct llm_settings *settings, json_t *messages,
	     json_t *tools, long timeout_ms, llm_text_fn on_text, void *arg,
	     struct llm_result *out);

/*
 * llm_chat, cut short once *cancel turns nonzero (any thread may set it; it is looked at every
 * few milliseconds, even while no byte comes): then returns -1 with out->error "cancelled" and
 * the connection closed.
 */
int llm_chat_cancellable(struct arena *a, const struct llm_settings *settings, json_t *messages,
			 json_t *tools, long timeout_ms, llm_text_fn on_text, void *arg,
			 const int *cancel, struct llm_result *out);

/* True when settings name a model endpoint (a base URL is set). */
int llm_configured(const struct llm_settings *settings);

#endif
