/* vapi.c: Vapi's server messages read: authentication, tool calls and their answers, turns, ends */
#include "provider/vapi.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/json.h"
#include "infra/text.h"

/* What one stored turn may hold: nobody says a longer sentence on the phone. */
#define TURN_TEXT_MAX 4000
/* A tool's answer to the model: one line, short enough to read aloud from. */
#define ANSWER_MAX 1500

static const char *header_of(const struct vapi_request *req, const char *name)
{
	return req->header ? req->header(req->header_arg, name) : NULL;
}

/* X- headers that proxies and load balancers set or pass along: their values are known. */
static const char *const PROXY_HEADERS[] = {
	"x-forwarded-", "x-forwarded", "x-real-ip", "x-request-id", "x-original-", "x-client-ip",
	"x-cluster-client-ip", "x-amzn-", "x-amz-", "x-envoy-", "x-b3-", "x-cloud-trace-context",
	"x-correlation-id", "x-scheme", "x-url-scheme", "x-host", "x-proxy", "x-http-method",
	"x-appengine-", "x-vercel-", "x-nf-", "x-azure-", "x-arr-", "x-fastly-", "x-varnish",
	"x-cache", "x-sendfile", "x-accel-",
};

const char *vapi_header_problem(const char *header)
{
	size_t len = header ? strlen(header) : 0;

	if (!len)
		return NULL;
	if (len > 64 || strspn(header, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789-") != len)
		return "a header name is 1 to 64 letters, digits and dashes";
	if (!strcasecmp(header, "X-Vapi-Secret") || !strcasecmp(header, "Authorization"))
		return NULL;
	if (len < 3 || strncasecmp(header, "X-", 2))
		return "use X-Vapi-Secret, Authorization or a header of your own that starts with X-";
	for (size_t i = 0; i < sizeof(PROXY_HEADERS) / sizeof(PROXY_HEADERS[0]); i++) {
		size_t n = strlen(PROXY_HEADERS[i]);
		bool prefix = PROXY_HEADERS[i][n - 1] == '-';
		if (prefix ? !strncasecmp(header, PROXY_HEADERS[i], n) :
			     !strcasecmp(header, PROXY_HEADERS[i]))
			return "proxies set this header: choose an X- header of your own, like "
			       "X-Vapi-Secret";
	}
	return NULL;
}

const char *vapi_secret_problem(const char *secret)
{
	if (!secret || text_utf8_chars(secret) < VAPI_SECRET_MIN)
		return "a server secret has at least 24 characters: generate one here";
	return NULL;
}

/* The OpenAI ids Vapi's "openai" provider lists (a sample of its enum: the current chat
 * models and their dated versions). Anything else goes to the business's own server. */
static const char *const OPENAI_MODELS[] = {
	"gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-chat-latest", "gpt-4.1", "gpt-4.1-mini",
	"gpt-4.1-nano", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14",
	"gpt-4o", "gpt-4o-mini", "gpt-4o-2024-11-20", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13",
	"gpt-4o-mini-2024-07-18", "chatgpt-4o-latest", "gpt-4.5-preview", "gpt-4-turbo",
	"gpt-4-turbo-2024-04-09", "gpt-4-turbo-preview", "gpt-4-0125-preview", "gpt-4-1106-preview",
	"gpt-4", "gpt-4-0613", "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106",
	"o1", "o1-mini", "o3", "o3-mini", "o4-mini", "gpt-4o-realtime-preview-2024-12-17",
	"gpt-4o-mini-realtime-preview-2024-12-17",
};

/* model without an "openai/" prefix. */
static const char *openai_plain(const char *model)
{
	return strncmp(model, "openai/", 7) ? model : model + 7;
}

bool vapi_openai_model(const char *model)
{
	if (!model)
		return false;
	const char *plain = openai_plain(model);
	/* Azure deployments: "gpt-4o-2024-11-20:eastus". */
	size_t len = strcspn(plain, ":");
	if (plain[len] && (!plain[len + 1] || strspn(plain + len + 1,
		"abcdefghijklmnopqrstuvwxyz0123456789") != strlen(plain + len + 1)))
		return false;
	for (size_t i = 0; i < sizeof(OPENAI_MODELS) / sizeof(OPENAI_MODELS[0]); i++)
		if (strlen(OPENAI_MODELS[i]) == len && !strncmp(OPENAI_MODELS[i], plain, len))
			return true;
	return false;
}

json_t *vapi_model(struct arena *a, const char *model, const char *base_url, const char **why)
{
	*why = NULL;
	if (!model || !*model) {
		*why = "no model is configured";
		return NULL;
	}
	if (vapi_openai_model(model))
		return json_to_arena(a, json_pack("{s:s, s:s}", "provider", "openai", "model",
						  openai_plain(model)));
	if (!base_url || (strncmp(base_url, "https://", 8) && strncmp(base_url, "http://", 7))) {
		*why = "the model is not an OpenAI id and no OpenAI-compatible server is configured";
		return NULL;
	}
	/* Vapi posts to <url>/chat/completions, as an OpenAI client with this base URL does. */
	size_t len = strlen(base_url);
	while (len > 8 && base_url[len - 1] == '/')
		len--;
	return json_to_arena(a, json_pack("{s:s, s:s%, s:s}", "provider", "custom-llm", "url",
					  base_url, len, "model", model));
}

/* The secret in a header, verbatim or after "Bearer ". */
static int check_token(const struct vapi_auth *auth, const char *secret,
		       const struct vapi_request *req, bool bearer, const char **why)
{
	const char *name = auth->header && *auth->header ? auth->header :
			   bearer ? "Authorization" : "X-Vapi-Secret";
	const char *value = header_of(req, name);

	if (!value) {
		*why = "the secret's header is missing";
		return -1;
	}
	if (bearer && auth->bearer_prefix) {
		if (strncasecmp(value, "Bearer ", 7)) {
			*why = "the credential is not a Bearer token";
			return -1;
		}
		value += 7;
		value += strspn(value, " ");
	}
	if (!crypto_equal(value, secret)) {
		*why = "the secret does not match";
		return -1;
	}
	return 0;
}

/* The signed timestamp in epoch seconds: digits, in seconds or (past 1e12) milliseconds. */
static int timestamp_of(const char *text, double *out)
{
	size_t len = text ? strlen(text) : 0;

	if (!len || len > 16 || strspn(text, "0123456789") != len)
		return -1;
	double v = strtod(text, NULL);
	*out = v > 1e12 ? v / 1000 : v;
	return 0;
}

/* The signed payload: format with its placeholders filled. Without a timestamp, "{timestamp}."
 * and "{timestamp}" are left out, as Vapi leaves them out. */
static void hmac_payload(struct buf *out, const struct vapi_auth *auth,
			 const struct vapi_request *req, const char *timestamp)
{
	static const char *const names[] = { "{timestamp}", "{body}", "{method}", "{url}",
					     "{svix-id}" };
	const char *svix = header_of(req, auth->message_id_header && *auth->message_id_header ?
				     auth->message_id_header : "svix-id");

	for (const char *p = auth->payload_format; *p;) {
		size_t i, n = 0;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			n = strlen(names[i]);
			if (!strncmp(p, names[i], n))
				break;
		}
		if (i == sizeof(names) / sizeof(names[0])) {
			buf_putc(out, *p++);
			continue;
		}
		p += n;
		switch (i) {
		case 0:
			if (auth->include_timestamp)
				buf_puts(out, timestamp);
			else if (*p == '.')
				p++;
			break;
		case 1: buf_add(out, req->body, req->body_len); break;
		case 2: buf_puts(out, req->method); break;
		case 3: buf_puts(out, req->url); break;
		default: buf_puts(out, svix ? svix : ""); break;
		}
	}
}

/* The signature the sender must have sent (prefix and encoding included), or NULL. */
static const char *hmac_expected(struct arena *a, const struct vapi_auth *auth, const char *secret,
				 const char *payload, size_t len)
{
	unsigned char mac[64], *key = (unsigned char *)secret;
	long keylen = (long)strlen(secret);
	size_t maclen;
	int rc;

	if (auth->secret_is_base64 && (keylen = crypto_base64_decode(a, secret, &key)) < 0)
		return NULL;
	if (!strcmp(auth->algorithm, "sha1")) {
		rc = crypto_hmac_sha1(key, (size_t)keylen, payload, len, mac);
		maclen = 20;
	} else if (!strcmp(auth->algorithm, "sha512")) {
		rc = crypto_hmac_sha512(key, (size_t)keylen, payload, len, mac);
		maclen = 64;
	} else {
		rc = crypto_hmac_sha256(key, (size_t)keylen, payload, len, mac);
		maclen = 32;
	}
	if (rc < 0)
		return NULL;
	return arena_printf(a, "%s%s", auth->prefix ? auth->prefix : "",
			    strcmp(auth->encoding, "base64") ? crypto_hex(a, mac, maclen) :
							       crypto_base64(a, mac, maclen));
}

static int check_hmac(struct arena *a, const struct vapi_auth *auth, const char *secret,
		      const struct vapi_request *req, const char **why)
{
	const char *signature = header_of(req, auth->header && *auth->header ? auth->header :
						"x-signature");
	const char *timestamp = "";
	struct buf payload = BUF_INIT;
	double at;

	if (!signature) {
		*why = "the signature header is missing";
		return -1;
	}
	if (auth->include_timestamp) {
		timestamp = header_of(req, auth->timestamp_header);
		if (timestamp_of(timestamp, &at) < 0) {
			*why = "the timestamp header is missing or not a number";
			return -1;
		}
		if (fabs((double)req->now - at) > (double)auth->window_seconds) {
			*why = "the timestamp is outside the window";
			return -1;
		}
	}
	hmac_payload(&payload, auth, req, timestamp);
	const char *expected = hmac_expected(a, auth, secret, payload.data ? payload.data : "",
					     payload.len);
	buf_release(&payload);
	if (!expected) {
		*why = "the secret cannot sign (not base64?)";
		return -1;
	}
	/* Hex digits may come in either case; the prefix and base64 must match exactly. */
	char *given = arena_strdup(a, signature);
	if (strcmp(auth->encoding, "base64")) {
		size_t skip = auth->prefix ? strlen(auth->prefix) : 0;
		for (char *p = given + (strlen(given) >= skip ? skip : 0); *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (!crypto_equal(given, expected)) {
		*why = "the signature does not match";
		return -1;
	}
	return 0;
}

int vapi_authenticate(struct arena *a, const struct vapi_auth *auth, const char *secret,
		      const struct vapi_request *req, const char **why)
{
	*why = "the authentication method is unknown";
	if (!secret || !*secret) {
		*why = "no server secret is stored";
		return -1;
	}
	/* A header stored before the rule, or written to the table by hand, is still refused. */
	if (vapi_header_problem(auth->header)) {
		*why = "the configured header may not carry a secret";
		return -1;
	}
	if (!strcmp(auth->method, "secret"))
		return check_token(auth, secret, req, false, why);
	if (!strcmp(auth->method, "bearer"))
		return check_token(auth, secret, req, true, why);
	if (!strcmp(auth->method, "hmac"))
		return check_hmac(a, auth, secret, req, why);
	return -1;
}

/* Arguments as Vapi sends them: an object, a JSON string of one, or nothing at all. */
static json_t *arguments_of(struct arena *a, json_t *v)
{
	char error[128];

	if (!v || json_is_null(v))
		return json_to_arena(a, json_object());
	if (json_is_object(v))
		return v;
	if (!json_is_string(v))
		return NULL;
	const char *text = json_string_value(v);
	if (!text[strspn(text, " \t\r\n")])
		return json_to_arena(a, json_object());
	json_t *parsed = json_parse(a, text, json_string_length(v), error, sizeof(error));
	return json_is_object(parsed) ? parsed : NULL;
}

/* One call in any of its shapes; fallback_name is the tool config's name, when there is one. */
static void tool_call_of(struct arena *a, json_t *item, const char *fallback_name,
			 struct vapi_tool_call *out)
{
	json_t *function = json_object_get(item, "function");
	json_t *args = json_object_get(function, "arguments");

	if (!args)
		args = json_object_get(item, "arguments");
	if (!args)
		args = json_object_get(item, "parameters");
	if (!args)
		args = json_object_get(function, "parameters");
	out->id = json_str(item, "id") ? json_str(item, "id") : "";
	out->name = json_str(function, "name") ? json_str(function, "name") : json_str(item, "name");
	if (!out->name)
		out->name = fallback_name;
	out->args = json_is_object(item) ? arguments_of(a, args) : NULL;
}

int vapi_tool_calls(struct arena *a, const json_t *message, struct vapi_tool_call **out)
{
	json_t *list = json_object_get(message, "toolCallList");
	json_t *with_tools = json_object_get(message, "toolWithToolCallList");
	size_t i, n;
	json_t *item;

	*out = NULL;
	if (json_is_array(list) && json_array_size(list)) {
		n = json_array_size(list);
		*out = arena_calloc(a, n, sizeof(**out));
		json_array_foreach(list, i, item)
			tool_call_of(a, item, NULL, &(*out)[i]);
		return (int)n;
	}
	if (!json_is_array(with_tools) || !json_array_size(with_tools))
		return 0;
	n = json_array_size(with_tools);
	*out = arena_calloc(a, n, sizeof(**out));
	json_array_foreach(with_tools, i, item)
		tool_call_of(a, json_object_get(item, "toolCall"),
			     json_str(json_object_get(item, "function"), "name"), &(*out)[i]);
	return (int)n;
}

int vapi_function_call(struct arena *a, const json_t *message, struct vapi_tool_call *out)
{
	json_t *call = json_object_get(message, "functionCall");

	if (!json_is_object(call))
		return -1;
	out->id = "";
	out->name = json_str(call, "name");
	out->args = arguments_of(a, json_object_get(call, "parameters"));
	return 0;
}

const char *vapi_one_line(struct arena *a, const char *text, size_t max)
{
	/* Never cut a UTF-8 character in two. */
	size_t len = text_utf8_cut(text, strlen(text), max);
	char *out = arena_strndup(a, text, len);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/* "A, B and C" of the spoken free starts, and their start values for booking one. */
static void say_free_starts(struct buf *b, const json_t *starts)
{
	size_t i, n = json_array_size(starts);
	json_t *s;

	if (!n) {
		buf_puts(b, " No free time was found nearby; offer to take a message.");
		return;
	}
	buf_puts(b, n == 1 ? " The nearest free time is " : " The nearest free times are ");
	json_array_foreach(starts, i, s)
		buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
			   json_str(s, "spoken") ? json_str(s, "spoken") : "");
	buf_puts(b, ". To book one, pass its start value:");
	json_array_foreach(starts, i, s)
		buf_printf(b, "%s %s", i ? "," : "", json_str(s, "start") ? json_str(s, "start") : "");
	buf_putc(b, '.');
}

static void say_booking(struct buf *b, const json_t *result)
{
	json_t *services = json_object_get(result, "services");
	size_t i;
	json_t *s;

	if (json_is_true(json_object_get(result, "booked"))) {
		buf_printf(b, "Booked: %s on %s, price %s. Appointment id %s.",
			   json_str(result, "service"), json_str(result, "time"),
			   json_str(result, "price"), json_str(result, "appointment_id"));
		return;
	}
	if (json_is_array(json_object_get(result, "free_starts"))) {
		/* Why, in the words the caller should hear: a closed day, a break, the notice. */
		const char *why = json_str(result, "why");
		if (!why || !why[0])
			buf_puts(b, "That time is taken; nothing was booked.");
		else
			buf_printf(b, "That time can't be booked: %s Nothing was booked.", why);
		say_free_starts(b, json_object_get(result, "free_starts"));
		return;
	}
	buf_printf(b, "Not booked: %s.", json_str(result, "reason") ? json_str(result, "reason") :
								    "the booking failed");
	if (json_array_size(services)) {
		buf_puts(b, " The services are:");
		json_array_foreach(services, i, s)
			buf_printf(b, "%s %s (%s)", i ? "," : "", json_str(s, "name"),
				   json_str(s, "price"));
		buf_putc(b, '.');
	}
}

static void say_availability(struct buf *b, const json_t *result)
{
	json_t *time = json_object_get(result, "time");

	if (json_is_true(json_object_get(result, "free"))) {
		buf_printf(b, "%s is free. To book it, pass start %s.", json_str(time, "spoken"),
			   json_str(time, "start"));
		return;
	}
	/* Asked is an exact time that is taken, or a window ("tomorrow morning"). */
	buf_printf(b, "Not free exactly as asked (%s).", json_str(result, "asked") ?
		   json_str(result, "asked") : "that time");
	if (json_str(result, "reason"))
		buf_printf(b, " %s", json_str(result, "reason"));
	say_free_starts(b, json_object_get(result, "free_starts"));
}

const char *vapi_tool_answer(struct arena *a, const char *name, const json_t *result,
			     bool *is_error)
{
	struct buf b = BUF_INIT;

	*is_error = false;
	if (!json_is_object(result)) {
		*is_error = true;
		return "there is no such tool";
	}
	if (json_str(result, "error")) {
		*is_error = true;
		return vapi_one_line(a, json_str(result, "error"), ANSWER_MAX);
	}
	if (!strcmp(name, "book_appointment"))
		say_booking(&b, result);
	else if (!strcmp(name, "check_availability"))
		say_availability(&b, result);
	else
		buf_puts(&b, json_text(a, result));
	const char *line = vapi_one_line(a, buf_str(&b), ANSWER_MAX);
	buf_release(&b);
	return line;
}

/* A message's time ("time", epoch milliseconds) in seconds, or NAN when it has none that fits. */
static double message_time(const json_t *m)
{
	json_t *v = json_object_get(m, "time");
	double t = json_is_number(v) ? json_number_value(v) : NAN;

	return t > 1e12 && t < 1e14 ? t / 1000 : NAN;
}

static void turn_add(struct arena *a, json_t *turns, const char *speaker, const char *text,
		     double at)
{
	text += strspn(text, " \t\r\n");
	if (!*text)
		return;
	json_t *turn = json_pack("{s:s, s:s}", "speaker", speaker, "text",
				 vapi_one_line(a, text, TURN_TEXT_MAX));
	if (!isnan(at))
		json_object_set_new(turn, "at", json_real(at));
	json_array_append_new(turns, turn);
}

/* The lines of a plain transcript: "AI: ..." and "User: ...". */
static void transcript_turns(struct arena *a, json_t *turns, const char *transcript)
{
	for (const char *line = transcript; line && *line;) {
		size_t len = strcspn(line, "\n");
		const char *text = arena_strndup(a, line, len);
		if (!strncmp(text, "AI: ", 4) || !strncmp(text, "Assistant: ", 11) ||
		    !strncmp(text, "Bot: ", 5))
			turn_add(a, turns, "assistant", strchr(text, ' ') + 1, NAN);
		else if (!strncmp(text, "User: ", 6) || !strncmp(text, "Customer: ", 10))
			turn_add(a, turns, "caller", strchr(text, ' ') + 1, NAN);
		line += len + (line[len] == '\n');
	}
}

json_t *vapi_turns(struct arena *a, const json_t *messages, const char *transcript)
{
	json_t *turns = json_to_arena(a, json_array());
	size_t i;
	json_t *m;

	json_array_foreach(messages, i, m) {
		const char *role = json_str(m, "role");
		const char *text = json_str(m, "message") ? json_str(m, "message") :
				   json_str(m, "content");
		if (!role || !text)
			continue;
		if (!strcmp(role, "user"))
			turn_add(a, turns, "caller", text, message_time(m));
		else if (!strcmp(role, "bot") || !strcmp(role, "assistant"))
			turn_add(a, turns, "assistant", text, message_time(m));
	}
	if (!json_array_size(turns))
		transcript_turns(a, turns, transcript);
	return turns;
}

/* The words of a turn for matching: letters and digits, lowercased. Arena-owned. */
static const char *words_of(struct arena *a, const char *text)
{
	char *out = arena_alloc(a, strlen(text) + 1), *w = out;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (isalnum(*p) || *p >= 0x80)
			*w++ = (char)tolower(*p);
	*w = '\0';
	return out;
}

json_t *vapi_turns_missing(struct arena *a, const json_t *stored, const json_t *turns)
{
	json_t *missing = json_to_arena(a, json_array());
	size_t next = 0, count = json_array_size(stored), i;
	const char **stored_words = arena_calloc(a, count + 1, sizeof(*stored_words));
	json_t *turn;

	for (size_t k = 0; k < count; k++) {
		const char *text = json_str(json_array_get(stored, k), "text");
		stored_words[k] = words_of(a, text ? text : "");
	}
	json_array_foreach(turns, i, turn) {
		const char *speaker = json_str(turn, "speaker"), *words;
		size_t k;
		words = words_of(a, json_str(turn, "text"));
		for (k = next; k < count; k++) {
			const char *was = json_str(json_array_get(stored, k), "speaker");
			if (was && !strcmp(was, speaker) && !strcmp(stored_words[k], words))
				break;
		}
		if (k < count)
			next = k + 1;
		else
			json_array_append(missing, turn);
	}
	return missing;
}

int vapi_time(const char *text, double *out)
{
	struct tm tm = { 0 };
	const char *rest = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	double fraction = 0;
	long offset = 0;

	if (!rest || tm.tm_year < 100 || tm.tm_year > 300)
		return -1;
	if (*rest == '.') {
		size_t digits = strspn(rest + 1, "0123456789");
		if (!digits || digits > 9)
			return -1;
		fraction = strtod(rest, NULL);  /* ".123" */
		rest += 1 + digits;
	}
	if (*rest == 'Z') {
		rest++;
	} else if (*rest == '+' || *rest == '-') {
		int hours, minutes, used = 0;
		if (sscanf(rest + 1, "%2d:%2d%n", &hours, &minutes, &used) != 2 || used != 5 ||
		    hours > 14 || minutes > 59)
			return -1;
		offset = (hours * 60L + minutes) * 60 * (*rest == '-' ? -1 : 1);
		rest += 1 + used;
	} else {
		return -1;
	}
	if (*rest)
		return -1;
	*out = (double)(timegm(&tm) - offset) + fraction;
	return 0;
}

const char *vapi_ended_status(const char *reason)
{
	static const char *const missed[] = { "did-not-answer", "no-answer", "busy", "voicemail" };

	if (!reason || !*reason)
		return "completed";
	if (strstr(reason, "error") || strstr(reason, "failed") || strstr(reason, "not-found") ||
	    strstr(reason, "invalid") || !strncmp(reason, "pipeline-", 9) ||
	    !strncmp(reason, "assistant-request-", 18))
		return "failed";
	if (strstr(reason, "forwarded") || strstr(reason, "transfer"))
		return "transferred";
	for (size_t i = 0; i < sizeof(missed) / sizeof(missed[0]); i++)
		if (strstr(reason, missed[i]))
			return "missed";
	return "completed";
}

const char *vapi_call_status(const char *status, const char *ended_reason)
{
	static const struct { const char *vapi, *ours; } map[] = {
		{ "scheduled", "queued" }, { "queued", "queued" }, { "ringing", "ringing" },
		{ "in-progress", "in-progress" }, { "forwarding", "transferred" },
	};

	if (!status)
		return NULL;
	if (!strcmp(status, "ended"))
		return vapi_ended_status(ended_reason);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(status, map[i].vapi))
			return map[i].ours;
	return NULL;
}
