/* hook-vapi.c: Vapi's server URL: whose a message is, its authentication, the transient
 * assistant of an incoming call, and tool calls answered by the receptionist's tools */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "domain/credentials.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "hook-event.h"
#include "hook-vapi-calls.h"
#include "infra/json.h"
#include "infra/log.h"
#include "page.h"
#include "pages.h"
#include "req.h"
#include "domain/tools.h"
#include "provider/vapi.h"

static const char JSON_TYPE[] = "application/json";
/* What Vapi's model hears when the database is down: the caller is told, not left waiting. */
static const char TOOLS_UNAVAILABLE[] =
	"the booking system is unavailable right now; offer to take a message or to call back";
static const char ASSISTANT_UNAVAILABLE[] =
	"{\"error\":\"Sorry, we can't take your call right now. Please call again soon.\"}";

/* Vapi's ids fit the calls table's columns; a longer one is not Vapi's. */
#define CALL_ID_MAX 128
#define NUMBER_MAX 64
/* Tool calls run for one message; a model asks for one or two at a time. */
#define TOOL_CALLS_MAX 16
/* The knowledge the assistant's prompt summarizes, and how much of each answer. */
#define KNOWLEDGE_ENTRIES 30
#define KNOWLEDGE_ANSWER_MAX 160
/* Vapi refuses an assistant whose name is longer. */
#define ASSISTANT_NAME_MAX 40

static const char SQL_ORG_FOR[] = "SELECT vapi_org_for($1, $2, $3)";
static const char SQL_SETTINGS[] =
	"SELECT auth_method, auth_header, bearer_prefix, hmac_algorithm, hmac_timestamp_header, "
	"       hmac_include_timestamp, hmac_payload_format, hmac_encoding, hmac_prefix, "
	"       hmac_secret_is_base64, timestamp_window_seconds, voice_provider, voice_id, "
	"       hmac_message_id_header "
	"FROM vapi_settings WHERE org_id = $1";
/* The Vapi credential the assistant's server names, when the business has set one. */
static const char SQL_CREDENTIAL_ID[] =
	"SELECT credential_id FROM vapi_settings WHERE org_id = $1 AND credential_id IS NOT NULL";
static const char SQL_KNOWLEDGE[] =
	"SELECT question, answer FROM knowledge_entries ORDER BY updated_at DESC LIMIT $1";

/* What the tools learnt joins the call's session, as the brain keeps it, for the analysis. */
static const char SQL_SESSION_MERGE[] =
	"INSERT INTO call_sessions (org_id, call_id, state) VALUES ($1, $2, $3::jsonb) "
	"ON CONFLICT (call_id) DO UPDATE SET state = call_sessions.state || EXCLUDED.state, "
	"  expires_at = now() + interval '2 hours'";
static const char SQL_CALL_TRANSFER[] =
	"UPDATE calls SET transfer_to = $2, transferred_at = coalesce(transferred_at, now()) "
	"WHERE id = $1";


/* What the assistant asks Vapi to send here: every type hook-vapi-calls.c keeps. */
static const char *const SERVER_MESSAGES[] = {
	"status-update", "transcript[transcriptType=\"final\"]", "conversation-update", "hang",
	"speech-update", "tool-calls", "end-of-call-report", "transfer-destination-request",
};

/* How an organization without a vapi_settings row is authenticated: the secret verbatim. */
static const struct vapi_auth DEFAULT_AUTH = {
	.method = "secret", .bearer_prefix = true, .algorithm = "sha256",
	.timestamp_header = "x-timestamp", .include_timestamp = true,
	.payload_format = "{timestamp}.{body}", .encoding = "hex", .prefix = "",
	.message_id_header = "svix-id", .window_seconds = 300,
};

/* The organization whose settings and secret an unknown number's message is checked against:
 * none has this id, so the same statements run and find nothing. */
static const char NO_ORG[] = "00000000-0000-0000-0000-000000000000";
/* What an assistant-request that is refused gets: the error form Vapi says to the caller. */
static const char NOT_IN_SERVICE[] = "{\"error\":\"Sorry, this number is not in service.\"}";

/* A string member of obj with 1 to max bytes, or NULL. */
static const char *text_field(const json_t *obj, const char *key, size_t max)
{
	const char *s = json_str(obj, key);
	size_t len = s ? strlen(s) : 0;

	return len && len <= max ? s : NULL;
}

/* Read the envelope and what identifies the call; 400 when it is not a server message. */
static int message_read(struct req *r, struct vapi_msg *m)
{
	json_t *message = json_object_get(r->json, "message");
	json_t *call, *phone;
	const char *timestamp;

	memset(m, 0, sizeof(*m));
	m->event.provider = "vapi";
	if (!json_is_object(message) || !json_str(message, "type")) {
		http_fail(r, 400, "the body is not a Vapi server message ({\"message\": {\"type\"}})");
		return -1;
	}
	m->m = message;
	m->type = json_str(message, "type");
	call = json_object_get(message, "call");
	phone = json_object_get(message, "phoneNumber");
	m->call_id = json_str(call, "id");
	if (m->call_id && (!*m->call_id || strlen(m->call_id) > CALL_ID_MAX)) {
		http_fail(r, 400, "call.id must be 1 to 128 characters");
		return -1;
	}
	m->our_number = text_field(phone, "number", NUMBER_MAX);
	if (!m->our_number)
		m->our_number = text_field(json_object_get(call, "phoneNumber"), "number", NUMBER_MAX);
	m->customer = text_field(json_object_get(message, "customer"), "number", NUMBER_MAX);
	if (!m->customer)
		m->customer = text_field(json_object_get(call, "customer"), "number", NUMBER_MAX);
	m->phone_number_id = text_field(call, "phoneNumberId", CALL_ID_MAX);
	if (!m->phone_number_id)
		m->phone_number_id = text_field(message, "phoneNumberId", CALL_ID_MAX);
	if (!m->phone_number_id)
		m->phone_number_id = text_field(phone, "id", CALL_ID_MAX);
	const char *type = json_str(call, "type");
	m->direction = type && !strcmp(type, "outboundPhoneCall") ? "outbound" : "inbound";

	/* Vapi's timestamp tells a retry (the same message) from the next message of a type. */
	json_t *ts = json_object_get(message, "timestamp");
	timestamp = json_is_number(ts) ? json_text(r->arena, ts) :
					 crypto_sha256_hex(r->arena, r->body);
	m->event.key = arena_printf(r->arena, "%s:%.64s:%s", m->call_id ? m->call_id : "", m->type,
			      timestamp);
	return 0;
}

/* A header by its HTTP name, as FastCGI passes it (HTTP_X_VAPI_SECRET). */
static const char *header_lookup(void *arg, const char *name)
{
	struct req *r = arg;
	char cgi[96] = "HTTP_";
	size_t n = 5;

	for (const char *p = name; *p && n < sizeof(cgi) - 1; p++)
		cgi[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	cgi[n] = '\0';
	return req_env(r, cgi);
}

/* The organization's settings row (or the defaults) into auth and m's voice. 0, or -1 on a
 * database error. */
static int auth_settings(struct req *r, struct vapi_msg *m, struct vapi_auth *auth)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_SETTINGS, m->event.org_id);

	*auth = DEFAULT_AUTH;
	m->voice_provider = "11labs";
	m->voice_id = "burt";
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	m->voice_provider = db_value(res, 0, 11);
	m->voice_id = db_value(res, 0, 12);
	auth->method = db_value(res, 0, 0);
	auth->header = db_value(res, 0, 1);
	auth->bearer_prefix = !strcmp(db_value(res, 0, 2), "t");
	auth->algorithm = db_value(res, 0, 3);
	auth->timestamp_header = db_value(res, 0, 4);
	auth->include_timestamp = !strcmp(db_value(res, 0, 5), "t");
	auth->payload_format = db_value(res, 0, 6);
	auth->encoding = db_value(res, 0, 7);
	auth->prefix = db_value(res, 0, 8);
	auth->secret_is_base64 = !strcmp(db_value(res, 0, 9), "t");
	auth->window_seconds = atol(db_value(res, 0, 10));
	auth->message_id_header = db_value(res, 0, 13);
	return 0;
}

/*
 * The one answer to a message that is refused, whether its number is nobody's here or its
 * authentication failed, so the answer does not tell which numbers are customers': the error
 * form for an assistant-request (Vapi says it to the caller), else 401.
 */
static void refuse(struct req *r, const struct vapi_msg *m)
{
	if (!strcmp(m->type, "assistant-request"))
		http_send(r, 200, JSON_TYPE, NOT_IN_SERVICE, strlen(NOT_IN_SERVICE));
	else
		http_fail(r, 401, "the message is not authenticated");
}

/*
 * Authenticate m with its organization's method and secret. Leaves the organization's
 * transaction open and returns 0; on failure answers as refuse() (or 503) with nothing written.
 */
static int authenticate(struct req *r, struct vapi_msg *m)
{
	struct vapi_auth auth;
	const char *why;

	if (db_begin_org(r->db, r->arena, m->event.org_id) < 0 || auth_settings(r, m, &auth) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return -1;
	}
	const char *secret = credential_get(r->db, r->arena, m->event.org_id, "vapi",
					    "server_secret");
	struct vapi_request req = {
		.method = r->method,
		.url = arena_printf(r->arena, "%s%s", conf_str("PUBLIC_BASE_URL"), r->uri),
		.body = r->body, .body_len = r->body_len, .header = header_lookup, .header_arg = r,
		.now = time(NULL),
	};
	if (vapi_authenticate(r->arena, &auth, secret, &req, &why) < 0) {
		db_rollback(r->db);
		log_warn("a Vapi message was refused: %s org=%s method=%s type=%.64s", why,
			 m->event.org_id, auth.method, m->type);
		refuse(r, m);
		return -1;
	}
	return 0;
}

/*
 * A message for a number that is nobody's here: the same statements and checks as for a
 * business's (settings, secret, signature) against an organization that does not exist, then
 * the same answer as a failed authentication, so neither what comes back nor how long it takes
 * tells whether the number is a customer's.
 */
static void refuse_unknown(struct req *r, struct vapi_msg *m)
{
	struct vapi_auth auth;
	const char *why, *secret;

	m->event.org_id = NO_ORG;
	if (db_begin_org(r->db, r->arena, NO_ORG) < 0 || auth_settings(r, m, &auth) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	secret = credential_get(r->db, r->arena, NO_ORG, "vapi", "server_secret");
	if (!secret)
		secret = crypto_token_hex(r->arena, 32);
	struct vapi_request req = {
		.method = r->method,
		.url = arena_printf(r->arena, "%s%s", conf_str("PUBLIC_BASE_URL"), r->uri),
		.body = r->body, .body_len = r->body_len, .header = header_lookup, .header_arg = r,
		.now = time(NULL),
	};
	vapi_authenticate(r->arena, &auth, secret, &req, &why);
	db_rollback(r->db);
	m->event.org_id = NULL;
	refuse(r, m);
}

/* What the business has on file, in a line each: the question and the start of its answer. */
static void knowledge_summary(struct req *r, struct buf *p)
{
	struct db_result *res = db_q(r->db, r->arena, SQL_KNOWLEDGE,
				     arena_printf(r->arena, "%d", KNOWLEDGE_ENTRIES));

	if (!res || !db_rows(res))
		return;
	buf_puts(p, "\nWhat the business has on file (answer_from_knowledge gives the whole answer):");
	for (int i = 0; i < db_rows(res); i++) {
		const char *answer = db_value(res, i, 1);
		buf_printf(p, "\n- %s %s%s", vapi_one_line(r->arena, db_value(res, i, 0), 200),
			   vapi_one_line(r->arena, answer, KNOWLEDGE_ANSWER_MAX),
			   strlen(answer) > KNOWLEDGE_ANSWER_MAX ? "..." : "");
	}
}

/* The tool the model calls for a person: Vapi's own transferCall when the business takes
 * transfers (only Vapi can move a live caller), else ours, which answers nobody can. */
static const char *transfer_tool(const struct tool_ctx *t)
{
	return t->biz.transfer_phone && *t->biz.transfer_phone ? "transferCall" :
								 "transfer_to_human";
}

/* Who the receptionist is, for whom, what the business offers, and how to use the tools. */
static const char *system_prompt(struct req *r, struct tool_ctx *t, const char *caller)
{
	const struct business *b = &t->biz;
	struct buf p = BUF_INIT;

	buf_printf(&p, "You are the phone receptionist of %s, speaking with a caller on the phone.",
		   b->name);
	if (b->voice_personality && *b->voice_personality)
		buf_printf(&p, " Your manner: %s", b->voice_personality);
	buf_printf(&p, "\nThe call began at %s (%s). %s", tools_spoken_time(t, t->now), b->timezone,
		   business_hours_sentence(r->arena, b));
	buf_puts(&p, "\nServices and prices:");
	for (int i = 0; i < t->nservices; i++)
		buf_printf(&p, "\n- %s: %s, %d minutes", t->services[i].name,
			   business_price_text(r->arena, t->services[i].price_cents),
			   t->services[i].duration_minutes);
	if (!t->nservices)
		buf_puts(&p, " none listed; offer to take a message.");
	knowledge_summary(r, &p);
	if (caller)
		buf_printf(&p, "\nThe caller's number is %s.", caller);
	else
		buf_puts(&p, "\nThe caller's number is withheld: ask for one to book or call back.");
	buf_puts(&p,
		 "\nSpeak as on the phone: one or two short sentences, plain words, no lists or"
		 " symbols. Ask one question at a time. Use the tools for facts: never invent prices,"
		 " times or policies. To book, know the service, an exact free time and the caller's"
		 " name, then call book_appointment; never say an appointment is booked unless"
		 " book_appointment answered that it is booked, and offer the free times it gives"
		 " when a time is taken.");
	buf_printf(&p, " When the caller asks for a person, call %s; when nobody can take the call,"
		   " offer take_message. When the caller is done, say goodbye.", transfer_tool(t));
	const char *text = arena_strdup(r->arena, buf_str(&p));
	buf_release(&p);
	return text;
}

/* What the caller hears while Vapi connects them to the business's transfer phone. */
static const char *transfer_message(struct req *r, const struct tool_ctx *t)
{
	return arena_printf(r->arena, "One moment, I'm connecting you with someone at %s.",
			    t->biz.name);
}

/*
 * The receptionist's tools as Vapi function tools. None names a server of its own: a tool's
 * server without the credential is called unauthenticated, so each falls back to the
 * assistant's server (or the phone number's), which carries it. Only Vapi can move a live
 * caller, so when the business takes transfers the hand-over is Vapi's own transferCall tool
 * (today's schema: destinations, no function) to the transfer phone; without one, our
 * transfer_to_human answers that nobody can take the call.
 */
static json_t *assistant_tools(struct req *r, struct tool_ctx *t)
{
	json_t *tools = tools_definitions(t), *out = json_array(), *tool;
	const char *transfer = t->biz.transfer_phone;
	size_t i;

	json_array_foreach(tools, i, tool) {
		json_t *function = json_object_get(tool, "function");
		const char *name = json_str(function, "name");
		/* Vapi hangs up itself when the conversation is over. */
		if (!name || !strcmp(name, "end_call"))
			continue;
		if (!strcmp(name, "transfer_to_human") && transfer && *transfer) {
			json_array_append_new(out, json_pack(
				"{s:s, s:[{s:s, s:s, s:s, s:s, s:{s:s}}]}", "type", "transferCall",
				"destinations", "type", "number", "number", transfer,
				"message", transfer_message(r, t),
				"description", json_str(function, "description"),
				"transferPlan", "mode", "blind-transfer"));
			continue;
		}
		json_object_del(tool, "server");
		json_array_append(out, tool);
	}
	return out;
}

/*
 * The model part of the assistant: the business's model as Vapi accepts it (its own server
 * when the model is not an OpenAI id Vapi knows), with the prompt and the tools.
 */
static json_t *assistant_model(struct req *r, const struct vapi_msg *m, struct tool_ctx *t)
{
	const char *name = *conf_str("LLM_MODEL") ? conf_str("LLM_MODEL") : "gpt-4o-mini";
	const char *base = credential_get(r->db, r->arena, m->event.org_id, "llm", "base_url");
	const char *why;

	if (!base || !*base)
		base = conf_str("LLM_BASE_URL");
	json_t *model = vapi_model(r->arena, name, base, &why);
	if (!model) {
		log_warn("the Vapi assistant runs gpt-4o-mini: %s model=%.64s", why, name);
		model = vapi_model(r->arena, "gpt-4o-mini", NULL, &why);
	}
	json_object_set_new(model, "messages", json_pack("[{s:s, s:s}]", "role", "system",
							  "content", system_prompt(r, t, m->customer)));
	json_object_set_new(model, "tools", assistant_tools(r, t));
	return model;
}

/* {"assistant": {...}}: the business's receptionist, handed to Vapi for this one call. When the
 * business has named its Vapi credential, the assistant's server carries it, and with it every
 * tool call and event of the call is authenticated. */
static const char *assistant_json(struct req *r, const struct vapi_msg *m, struct tool_ctx *t)
{
	const char *greeting = t->biz.greeting && *t->biz.greeting ? t->biz.greeting :
		arena_printf(r->arena, "Thanks for calling %s. How can I help you today?",
			     t->biz.name);
	const char *credential = db_text(r->db, r->arena, SQL_CREDENTIAL_ID, m->event.org_id);
	json_t *messages = json_array();

	if (!credential && db_sqlstate(r->db)[0])
		return NULL;
	for (size_t i = 0; i < sizeof(SERVER_MESSAGES) / sizeof(SERVER_MESSAGES[0]); i++)
		json_array_append_new(messages, json_string(SERVER_MESSAGES[i]));
	json_t *answer = json_to_arena(r->arena, json_pack(
		"{s:{s:s, s:s, s:s, s:O, s:{s:s, s:s}, s:o, s:{s:b}}}",
		"assistant",
		"name", vapi_one_line(r->arena, t->biz.name, ASSISTANT_NAME_MAX),
		"firstMessage", greeting,
		"firstMessageMode", "assistant-speaks-first",
		"model", assistant_model(r, m, t),
		"voice", "provider", m->voice_provider, "voiceId", m->voice_id,
		"serverMessages", messages,
		"artifactPlan", "recordingEnabled", 1));
	if (answer && credential)
		json_object_set_new(json_object_get(answer, "assistant"), "server", json_pack(
			"{s:s, s:s, s:i}", "url",
			arena_printf(r->arena, "%s/hooks/vapi", conf_str("PUBLIC_BASE_URL")),
			"credentialId", credential, "timeoutSeconds", 20));
	return answer ? json_text(r->arena, answer) : NULL;
}

/* assistant-request: the transient assistant, and the call's row from its first ring. */
static void assistant_request(struct req *r, struct vapi_msg *m)
{
	struct tool_ctx t;

	/* The tools read the business in transactions of their own. */
	if (db_commit(r->db) < 0 ||
	    tools_open(&t, r->db, r->arena, m->event.org_id, NULL, m->customer, 0) < 0) {
		http_fail(r, 503, "the business could not be read; please retry");
		return;
	}
	if (db_begin_org(r->db, r->arena, m->event.org_id) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	if (hook_event_first(r, &m->event) <= 0)
		return;
	if (m->call_id && !hook_vapi_call_row(r, m, "ringing") && db_sqlstate(r->db)[0]) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return;
	}
	const char *answer = assistant_json(r, m, &t);
	if (!answer) {
		http_fail(r, 503, "the assistant could not be built; please retry");
		return;
	}
	hook_event_answer_json(r, &m->event, answer);
}

/*
 * transfer-destination-request: Vapi asks where a transfer goes (a transferCall without a
 * destination of its own). The business's transfer phone, kept on the call; without one the
 * error form (no transfer is made, and the assistant carries on).
 */
static void transfer_destination(struct req *r, struct vapi_msg *m)
{
	struct tool_ctx t;

	if (db_commit(r->db) < 0 ||
	    tools_open(&t, r->db, r->arena, m->event.org_id, NULL, m->customer, 0) < 0 ||
	    db_begin_org(r->db, r->arena, m->event.org_id) < 0) {
		http_fail(r, 503, "the business could not be read; please retry");
		return;
	}
	if (hook_event_first(r, &m->event) <= 0)
		return;
	const char *phone = t.biz.transfer_phone;
	if (!phone || !*phone) {
		hook_event_answer_json(r, &m->event, "{\"error\":\"Nobody at the business can "
				       "take calls now; offer to take a message.\"}");
		return;
	}
	const char *call_id = m->call_id ? hook_vapi_call_row(r, m, "in-progress") : NULL;
	if ((!call_id && db_sqlstate(r->db)[0]) ||
	    (call_id && db_exec(r->db, r->arena, SQL_CALL_TRANSFER, call_id, phone) < 0)) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return;
	}
	const char *message = transfer_message(r, &t);
	json_t *answer = json_to_arena(r->arena, json_pack(
		"{s:{s:s, s:s, s:s}, s:{s:s, s:s}}", "destination", "type", "number", "number", phone,
		"message", message, "message", "type", "request-start", "message", message));
	hook_event_answer_json(r, &m->event, json_text(r->arena, answer));
}

/* Keep what the tools did on the call: the session's slots, and a transfer. */
static void tools_remember(struct req *r, const struct vapi_msg *m, struct tool_ctx *t,
			   const char *call_id)
{
	if (!call_id || (!json_object_size(t->slots) && !t->transfer_to))
		return;
	if (db_begin_org(r->db, r->arena, m->event.org_id) < 0)
		return;
	if (db_exec(r->db, r->arena, SQL_SESSION_MERGE, m->event.org_id, call_id,
		    json_text(r->arena, t->slots)) < 0 ||
	    (t->transfer_to &&
	     db_exec(r->db, r->arena, SQL_CALL_TRANSFER, call_id, t->transfer_to) < 0)) {
		db_rollback(r->db);
		log_error("could not keep what a Vapi tool call did: call=%s", call_id);
		return;
	}
	db_commit(r->db);
}

/* Run one tool call; its answer line, with *is_error when it failed. */
static const char *tool_run(struct req *r, struct tool_ctx *t, const struct vapi_tool_call *c,
			    bool opened, bool *is_error)
{
	*is_error = true;
	if (!c->name)
		return "the tool call names no tool";
	if (!c->args)
		return "the arguments are not a JSON object";
	if (!opened)
		return "the business could not be read; please try again";
	json_t *result = tools_run(t, c->name, c->args);
	if (!result) {
		log_info("Vapi asked for an unknown tool: tool=%.64s", c->name);
		return "there is no such tool";
	}
	return vapi_tool_answer(r->arena, c->name, result, is_error);
}

/* The tool's name as a result names it (Vapi requires one): as asked, or "" when none was. */
static const char *tool_name(const struct vapi_tool_call *c)
{
	return c->name ? c->name : "";
}

/* The answer Vapi expects: {"results": [...]}, or {"result"} alone for a function-call. */
static const char *tools_answer(struct req *r, json_t *results, bool legacy)
{
	json_t *answer;

	if (legacy) {
		json_t *first = json_array_get(results, 0);
		const char *line = json_str(first, "result") ? json_str(first, "result") :
				   json_str(first, "error") ? json_str(first, "error") :
							      "the message names no function";
		answer = json_pack("{s:s}", "result", line);
	} else {
		answer = json_pack("{s:O}", "results", results);
	}
	return json_text(r->arena, json_to_arena(r->arena, answer));
}

/* Run the n tool calls of m and answer them; inside the event lock. */
static void run_tools(struct req *r, struct vapi_msg *m, struct vapi_tool_call *calls, int n,
		      bool legacy)
{
	struct tool_ctx t;

	if (hook_event_first(r, &m->event) <= 0)
		return;
	const char *call_id = hook_vapi_call_row(r, m, "in-progress");
	if (!call_id && db_sqlstate(r->db)[0]) {
		http_fail(r, 503, "the call could not be stored; please retry");
		return;
	}
	/* The event stays recorded while the tools run their own transactions. */
	if (db_commit(r->db) < 0) {
		http_fail(r, 503, "the message could not be recorded; please retry");
		return;
	}
	bool opened = tools_open(&t, r->db, r->arena, m->event.org_id, call_id, m->customer,
				 0) == 0;
	json_t *results = json_to_arena(r->arena, json_array());
	for (int i = 0; i < n; i++) {
		bool is_error = true;
		const char *line = i < TOOL_CALLS_MAX ?
				   tool_run(r, &t, &calls[i], opened, &is_error) :
				   "too many tool calls in one message";
		json_array_append_new(results, json_pack("{s:s, s:s, s:s}", "toolCallId",
							 calls[i].id, "name", tool_name(&calls[i]),
							 is_error ? "error" : "result", line));
	}
	if (opened)
		tools_remember(r, m, &t, call_id);
	if (db_begin_org(r->db, r->arena, m->event.org_id) < 0) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	hook_event_answer_json(r, &m->event, tools_answer(r, results, legacy));
}

/*
 * tool-calls and the legacy function-call: always 200, one single-line result or error for each
 * toolCallId as sent. The tools of one message run once, whichever process receives its
 * deliveries; when the database fails, each call is answered with an error the model can say.
 */
static void tool_calls(struct req *r, struct vapi_msg *m, bool legacy)
{
	struct vapi_tool_call *calls = NULL, one;
	int n;

	if (legacy) {
		n = vapi_function_call(r->arena, m->m, &one) == 0 ? 1 : 0;
		calls = &one;
	} else {
		n = vapi_tool_calls(r->arena, m->m, &calls);
	}
	/* A delivery retried while the first is still running its tools waits, then replays. */
	const char *lock = arena_printf(r->arena, "vapi-event:%s", m->event.key);
	if (hook_event_lock(r, lock) == 0) {
		run_tools(r, m, calls, n, legacy);
		hook_event_unlock(r, lock);
		if (!r->failed)
			return;
	} else if (db_in_transaction(r->db)) {
		db_rollback(r->db);
	}
	json_t *results = json_to_arena(r->arena, json_array());
	for (int i = 0; i < n; i++)
		json_array_append_new(results, json_pack("{s:s, s:s, s:s}", "toolCallId",
							 calls[i].id, "name", tool_name(&calls[i]),
							 "error", TOOLS_UNAVAILABLE));
	const char *answer = tools_answer(r, results, legacy);
	http_send(r, 200, JSON_TYPE, answer, strlen(answer));
}

void hook_vapi(struct req *r)
{
	struct vapi_msg m;

	if (message_read(r, &m) < 0)
		return;
	m.event.org_id = db_text(r->db, r->arena, SQL_ORG_FOR, m.our_number, m.phone_number_id,
			   m.call_id);
	if (!m.event.org_id && db_sqlstate(r->db)[0]) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	if (!m.event.org_id) {
		log_info("a Vapi message for no business here: type=%.64s number=%s call=%s", m.type,
			 m.our_number ? m.our_number : "", m.call_id ? m.call_id : "");
		refuse_unknown(r, &m);
		return;
	}
	if (authenticate(r, &m) < 0)
		return;
	if (!strcmp(m.type, "assistant-request")) {
		assistant_request(r, &m);
		/* Vapi speaks an error to the caller; a failed request would only end the call. */
		if (r->status >= 500)
			http_send(r, 200, JSON_TYPE, ASSISTANT_UNAVAILABLE,
				  strlen(ASSISTANT_UNAVAILABLE));
	} else if (!strcmp(m.type, "tool-calls"))
		tool_calls(r, &m, false);
	else if (!strcmp(m.type, "function-call"))
		tool_calls(r, &m, true);
	else if (!strcmp(m.type, "transfer-destination-request"))
		transfer_destination(r, &m);
	else if (hook_vapi_is_call_event(m.type))
		hook_vapi_call_event(r, &m);
	else
		http_send(r, 200, JSON_TYPE, "{}", 2);
}
