/* vapi.h: Vapi's server messages read: who sent them (secret, Bearer or HMAC), what a tool call
 * asks and how its result is said, what was said on the call, and what a call's end means */
#ifndef SB_VAPI_H
#define SB_VAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;

/* How an organization's server messages are authenticated: a vapi_settings row. */
struct vapi_auth {
	const char *method;            /* secret, bearer or hmac */
	const char *header;            /* NULL: X-Vapi-Secret, Authorization or x-signature */
	bool bearer_prefix;            /* bearer: the value is "Bearer <secret>" */
	const char *algorithm;         /* hmac: sha1, sha256 or sha512 */
	const char *timestamp_header;
	bool include_timestamp;        /* hmac: a timestamp header is sent, signed and checked */
	const char *payload_format;    /* {timestamp} {body} {method} {url} {svix-id} */
	const char *message_id_header; /* hmac: the header whose value {svix-id} stands for */
	const char *encoding;          /* hex or base64 */
	const char *prefix;            /* put before the encoded signature ("sha256=") */
	bool secret_is_base64;
	long window_seconds;           /* how far the timestamp may be from now, either way */
};

/* A request header by its HTTP name ("X-Vapi-Secret"), or NULL when it was not sent. */
typedef const char *(*vapi_header_fn)(void *arg, const char *name);

/* The request being authenticated. */
struct vapi_request {
	const char *method;            /* "POST" */
	const char *url;               /* the address Vapi called, as it called it */
	const char *body;
	size_t body_len;
	vapi_header_fn header;
	void *header_arg;
	time_t now;
};

/* The fewest characters a server secret may have: a shorter one can be guessed. */
#define VAPI_SECRET_MIN 24

/*
 * Why header cannot carry a server secret or signature, or NULL when it can (NULL or "" is the
 * method's usual header). Only X-Vapi-Secret, Authorization or an X- header of the business's
 * own: a header every request carries with a known value (Content-Type) or one a proxy sets
 * (X-Forwarded-For, X-Real-IP, X-Request-Id) would let anyone through. Borrowed: a static string.
 */
const char *vapi_header_problem(const char *header);

/* Why secret is too weak to authenticate with, or NULL. Borrowed: a static string. */
const char *vapi_secret_problem(const char *secret);

/*
 * The model part of a transient assistant for the business's model, as Vapi accepts it: an
 * OpenAI model id Vapi's enum knows (an "openai/" prefix dropped) is {"provider": "openai",
 * "model"}; any other model runs on the business's OpenAI-compatible server base_url as
 * {"provider": "custom-llm", "url", "model"}. Without a base_url such a model cannot be
 * reached and *why says so (NULL is returned). Arena-owned.
 */
json_t *vapi_model(struct arena *a, const char *model, const char *base_url, const char **why);

/* True when model (an "openai/" prefix dropped, an Azure ":region" suffix allowed) is one of
 * the OpenAI ids Vapi's "openai" provider accepts. */
bool vapi_openai_model(const char *model);

/*
 * Check that req was sent by whoever holds secret, the way auth says. Returns 0 when it was,
 * or -1 with *why set to a short reason for the log (borrowed: a static string) ("the signature does not match",
 * "the timestamp is outside the window"). Comparisons take constant time.
 */
int vapi_authenticate(struct arena *a, const struct vapi_auth *auth, const char *secret,
		      const struct vapi_request *req, const char **why);

/* One tool call Vapi asks for. Strings and args are arena- or message-owned. */
struct vapi_tool_call {
	const char *id;                /* toolCallId, to be answered exactly as sent ("" if none) */
	const char *name;              /* NULL when the call names no tool */
	json_t *args;                  /* a JSON object; NULL when the arguments are not one */
};

/*
 * The tool calls of a tool-calls message, in every shape Vapi has used: toolCallList items
 * with function.{name, arguments} (arguments an object or a JSON string) or a flat name with
 * arguments or parameters, else the toolCall of each toolWithToolCallList item. Returns the
 * count with *out an arena array (0 when there are none).
 */
int vapi_tool_calls(struct arena *a, const json_t *message, struct vapi_tool_call **out);

/* The legacy function-call message's functionCall {name, parameters}. 0, or -1 without one. */
int vapi_function_call(struct arena *a, const json_t *message, struct vapi_tool_call *out);

/*
 * What the receptionist's tool name answered (result, a tools_run() object), as the one line
 * Vapi's model reads: a sentence for bookings and availability (a taken time lists the nearest
 * free ones), the compact JSON otherwise. *is_error is set when the tool failed outright.
 * Never contains a line break. Arena-owned.
 */
const char *vapi_tool_answer(struct arena *a, const char *name, const json_t *result,
			     bool *is_error);

/* text on one line (line breaks and control characters become spaces), cut at a character
 * boundary to at most max bytes. Arena-owned. */
const char *vapi_one_line(struct arena *a, const char *text, size_t max);

/*
 * What was said, from a list of Vapi messages (role bot/assistant/user with message, or the
 * OpenAI form with content): a JSON array of {"speaker": "caller"|"assistant", "text", "at"}
 * (at: epoch seconds, when the message says) in order; system prompts and tool traffic are
 * left out. transcript ("AI: ...\nUser: ...") is read instead when messages has no turns.
 * Arena-owned; never NULL.
 */
json_t *vapi_turns(struct arena *a, const json_t *messages, const char *transcript);

/*
 * The turns of turns (a vapi_turns() array) that stored (the call's stored turns, in order,
 * each {"speaker", "text"}) does not have yet, in order: each turn is matched to the next
 * stored one with the same speaker and words (case and punctuation aside), so a conversation
 * sent again and again adds each turn once. Arena-owned; never NULL.
 */
json_t *vapi_turns_missing(struct arena *a, const json_t *stored, const json_t *turns);

/* An ISO 8601 time with a zone ("2025-03-04T19:00:00.123Z") in epoch seconds. 0 or -1. */
int vapi_time(const char *text, double *out);

/* Our calls.status for a status-update's status (ended: by ended_reason, which may be NULL), or
 * NULL for a status that changes nothing. Borrowed: a static string. */
const char *vapi_call_status(const char *status, const char *ended_reason);

/* Our calls.status for a call that ended with reason (NULL: an ordinary end): completed,
 * missed, failed or transferred. Borrowed: a static string. */
const char *vapi_ended_status(const char *reason);

#endif
