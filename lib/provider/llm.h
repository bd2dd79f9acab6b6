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

/* Receives content text as it streams in. */
typedef void (*llm_text_fn)(void *arg, const char *text);

/*
 * POST {LLM_BASE_URL}/chat/completions with model LLM_MODEL and key LLM_API_KEY, streaming:
 * messages and tools are JSON arrays in the OpenAI shape (the caller keeps its references).
 * Content deltas go to on_text as they arrive; tool-call fragments are joined per index (or,
 * from servers that send none, per id: a new id is a new call, no id continues the last), an
 * id or name repeated on every fragment counted once; a usage chunk's counts are kept.
 * Gives up after timeout_ms in all. Returns 0 with *out filled, or -1 (out->error says why:
 * a transport failure, a timeout, an error status or an error event in the stream, a body
 * that is not the protocol).
 */
int llm_chat(struct arena *a, json_t *messages, json_t *tools, long timeout_ms,
	     llm_text_fn on_text, void *arg, struct llm_result *out);

/* True when an LLM is configured (LLM_BASE_URL is set). */
int llm_configured(void);

#endif
