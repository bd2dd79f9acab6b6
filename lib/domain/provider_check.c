/* provider_check.c: the "Check" of a provider key: one read-only request, its answer in words */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domain/credentials.h"
#include "domain/provider_check.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/db.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/webclient.h"
#include "provider/twilio_rest.h"

/* A check is a button press: the owner waits for it, so it is kept short. */
#define CHECK_TIMEOUT_MS 8000
/* The most of an answer that is not JSON shown back to the owner. */
#define RAW_ANSWER_CHARS 120

/* One check in progress: the provider's name as the owner knows it and whose key it is. */
struct check {
	struct arena *a;
	const char *name;
	bool own;
	struct provider_check *out;
};

static void said(struct check *c, enum provider_check_outcome outcome, const char *message)
{
	c->out->outcome = outcome;
	c->out->message = message;
}

/* "the key" or "the server's key (this business has saved none)". */
static const char *whose(const struct check *c)
{
	return c->own ? "the key" : "the server's key (this business has saved none)";
}

/* The first printable line of an answer that is not JSON, cut short. */
static const char *raw_words(struct arena *a, const char *body)
{
	size_t n = strcspn(body, "\r\n");

	if (n > RAW_ANSWER_CHARS)
		n = RAW_ANSWER_CHARS;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)body[i] < 0x20)
			n = i;
	return n ? arena_strndup(a, body, n) : "an empty answer";
}

/* A JSON member as words: a string as it is, a number printed, an array's first string. */
static const char *member_words(struct arena *a, const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		return arena_printf(a, "%lld", (long long)json_integer_value(v));
	if (json_is_array(v) && json_is_string(json_array_get(v, 0)))
		return json_string_value(json_array_get(v, 0));
	return NULL;
}

/*
 * What an error answer says, in each provider's own form: OpenAI's {"error":{"code",
 * "message"}}, OpenRouter's numeric code, Twilio's {"code","message"}, Deepgram's
 * {"err_code","err_msg"}, ElevenLabs' {"detail":{"status","message"}}, Vapi's NestJS
 * {"error","message"}. "code (message)", or the start of the body.
 */
static const char *error_words(struct arena *a, const char *body)
{
	char error[64];
	json_t *doc = json_parse(a, body, strlen(body), error, sizeof(error));
	const char *code = NULL, *message = NULL;

	if (!json_is_object(doc))
		return raw_words(a, body);
	json_t *inner = json_object_get(doc, "error");
	json_t *detail = json_object_get(doc, "detail");
	if (json_is_object(inner)) {
		code = member_words(a, inner, "code");
		if (!code || !strcmp(code, ""))
			code = member_words(a, inner, "type");
		message = member_words(a, inner, "message");
	} else if (json_is_object(detail)) {
		code = member_words(a, detail, "status");
		message = member_words(a, detail, "message");
	} else if (json_is_array(detail)) {
		message = member_words(a, json_array_get(detail, 0), "msg");
	} else if (json_object_get(doc, "err_code")) {
		code = member_words(a, doc, "err_code");
		message = member_words(a, doc, "err_msg");
	} else {
		code = member_words(a, doc, "error");
		message = member_words(a, doc, "message");
		const char *twilio_code = member_words(a, doc, "code");
		if (twilio_code && message)
			return arena_printf(a, "%s (error %s)", message, twilio_code);
	}
	if (code && message)
		return arena_printf(a, "%s (%s)", code, message);
	if (code || message)
		return code ? code : message;
	return raw_words(a, body);
}

/*
 * GET url with the headers (or Basic userpwd) and sort the answer: 2xx gives the parsed JSON
 * body for the caller to describe (NULL after the outcome is set), anything else sets a
 * refused or failed outcome in words.
 */
static json_t *check_get(struct check *c, const char *url, const char *const *headers,
			 const char *userpwd)
{
	struct webclient_request req = {
		.method = "GET", .url = url, .headers = headers, .userpwd = userpwd,
		.timeout_ms = CHECK_TIMEOUT_MS, .max_response = 1 << 20,
	};
	struct webclient_response resp;
	char error[64];

	if (webclient_fetch(c->a, &req, &resp) < 0) {
		said(c, CHECK_FAILED, arena_printf(c->a, "Could not reach %s: %s.", c->name,
						   resp.error));
		return NULL;
	}
	if (resp.status == 401 || resp.status == 403 || resp.status == 404) {
		said(c, CHECK_REFUSED, arena_printf(c->a, "%s refused %s: %ld %s", c->name,
						    whose(c), resp.status,
						    error_words(c->a, resp.body)));
		return NULL;
	}
	if (resp.status < 200 || resp.status >= 300) {
		said(c, CHECK_FAILED, arena_printf(c->a, "%s could not check %s now: %ld %s. Try "
						   "again in a minute.", c->name, whose(c),
						   resp.status, error_words(c->a, resp.body)));
		return NULL;
	}
	json_t *doc = json_parse(c->a, resp.body, resp.body_len, error, sizeof(error));
	if (!doc) {
		said(c, CHECK_FAILED, arena_printf(c->a, "%s answered %ld, but not in its own "
						   "format: %s. Is the address right?", c->name,
						   resp.status, raw_words(c->a, resp.body)));
		return NULL;
	}
	return doc;
}

static void check_twilio(struct check *c, struct db *db, const char *org_id)
{
	struct twilio_account acct;

	if (credential_twilio_account(db, c->a, org_id, &acct, &c->own) < 0)
		return;
	if (!acct.sid || !*acct.sid || !acct.token || !*acct.token) {
		said(c, CHECK_NO_KEY, "No Twilio Account SID and auth token are saved here or on "
				      "the server: nothing to check.");
		return;
	}
	static const char *const headers[] = { "Accept: application/json", NULL };
	const char *url = arena_printf(c->a, "%s/2010-04-01/Accounts/%s.json", acct.api_base,
				       webclient_escape(c->a, acct.sid));
	json_t *doc = check_get(c, url, headers, arena_printf(c->a, "%s:%s", acct.sid,
							      acct.token));
	if (!doc)
		return;
	const char *name = json_str(doc, "friendly_name");
	const char *status = json_str(doc, "status");
	said(c, status && strcmp(status, "active") ? CHECK_REFUSED : CHECK_ACCEPTED,
	     arena_printf(c->a, "Twilio accepted %s: account %s (%s)%s", whose(c),
			  name && *name ? name : acct.sid, status ? status : "status unknown",
			  status && strcmp(status, "active")
			  ? ", so it cannot place calls or send texts" : ""));
}

/* GET {base}/models with a Bearer key: an OpenAI-compatible endpoint's cheapest question. */
static void check_models(struct check *c, const char *base, const char *key)
{
	const char *headers[] = {
		"Accept: application/json",
		*key ? arena_printf(c->a, "Authorization: Bearer %s", key) : NULL,
		NULL,
	};
	json_t *doc = check_get(c, arena_printf(c->a, "%s/models", base), headers, NULL);
	if (!doc)
		return;
	json_t *data = json_object_get(doc, "data");
	size_t n = json_is_array(data) ? json_array_size(data) : 0;
	const char *first = n ? json_str(json_array_get(data, 0), "id") : NULL;
	said(c, CHECK_ACCEPTED,
	     n ? arena_printf(c->a, "%s accepted %s: %zu model%s, %s among them", c->name, whose(c),
			      n, n == 1 ? "" : "s", first ? first : "unnamed")
	       : arena_printf(c->a, "%s accepted %s", c->name, whose(c)));
}

static void check_llm(struct check *c, const struct provider_settings *p)
{
	if (!llm_configured(&p->llm)) {
		said(c, CHECK_NO_KEY, "No language model is set here or on the server: calls are "
				      "answered by the built-in rules.");
		return;
	}
	c->own = p->own_llm;
	check_models(c, p->llm.base_url, p->llm.api_key);
}

/* Deepgram's REST base from the live address: wss://host/v1/listen -> https://host. */
static const char *deepgram_rest_base(struct arena *a)
{
	const char *url = conf_str("DEEPGRAM_URL");
	const char *scheme = !strncmp(url, "wss://", 6) ? "https://" :
			     !strncmp(url, "ws://", 5) ? "http://" : NULL;
	const char *host = scheme ? strstr(url, "://") + 3 : strstr(url, "://");

	if (!host)
		return NULL;
	if (!scheme) {
		scheme = arena_strndup(a, url, (size_t)(host - url) + 3);
		host += 3;
	}
	return arena_printf(a, "%s%.*s", scheme, (int)strcspn(host, "/?"), host);
}

static void check_deepgram(struct check *c, const struct provider_settings *p)
{
	const char *base = deepgram_rest_base(c->a);

	if (!*p->deepgram_key) {
		said(c, CHECK_NO_KEY, "No Deepgram key is saved here or on the server: stream mode "
				      "cannot recognize speech.");
		return;
	}
	if (!base) {
		said(c, CHECK_FAILED, "The server's DEEPGRAM_URL is not an address.");
		return;
	}
	c->own = p->own_deepgram;
	const char *headers[] = {
		"Accept: application/json",
		arena_printf(c->a, "Authorization: Token %s", p->deepgram_key), NULL,
	};
	json_t *doc = check_get(c, arena_printf(c->a, "%s/v1/projects", base), headers, NULL);
	if (!doc)
		return;
	json_t *projects = json_object_get(doc, "projects");
	const char *name = json_is_array(projects)
		? json_str(json_array_get(projects, 0), "name") : NULL;
	said(c, CHECK_ACCEPTED, name ? arena_printf(c->a, "Deepgram accepted %s: project %s",
						    whose(c), name)
				     : arena_printf(c->a, "Deepgram accepted %s", whose(c)));
}

/* The business's own key of provider, else the server's setting; *own says which. NULL on a
 * database error. */
static const char *own_or_server(struct check *c, struct db *db, const char *org_id,
				 const char *provider, const char *setting)
{
	const char *key = credential_get(db, c->a, org_id, provider, "api_key");

	if (!key && *db_sqlstate(db))
		return NULL;
	c->own = key && *key;
	return c->own ? key : conf_str(setting);
}

static void check_elevenlabs(struct check *c, struct db *db, const char *org_id)
{
	const char *key = own_or_server(c, db, org_id, "elevenlabs", "ELEVENLABS_API_KEY");

	if (!key)
		return;

	if (!*key) {
		said(c, CHECK_NO_KEY, "No ElevenLabs key is saved here or on the server: replies "
				      "are spoken by the built-in voice.");
		return;
	}
	const char *headers[] = {
		"Accept: application/json", arena_printf(c->a, "xi-api-key: %s", key), NULL,
	};
	json_t *doc = check_get(c, arena_printf(c->a, "%s/v1/user", conf_str("ELEVENLABS_URL")),
				headers, NULL);
	if (!doc)
		return;
	json_t *sub = json_object_get(doc, "subscription");
	const char *tier = json_str(sub, "tier");
	long used, limit;
	if (tier && json_long(sub, "character_count", &used) == 0 &&
	    json_long(sub, "character_limit", &limit) == 0)
		said(c, CHECK_ACCEPTED, arena_printf(c->a, "ElevenLabs accepted %s: %s plan, %ld of "
						     "%ld characters used", whose(c), tier, used,
						     limit));
	else
		said(c, CHECK_ACCEPTED, arena_printf(c->a, "ElevenLabs accepted %s", whose(c)));
}

static void check_openai_tts(struct check *c, struct db *db, const char *org_id)
{
	const char *key = own_or_server(c, db, org_id, "openai_tts", "OPENAI_TTS_API_KEY");

	if (!key)
		return;

	if (!*key) {
		said(c, CHECK_NO_KEY, "No OpenAI speech key is saved here or on the server: "
				      "replies are spoken by the built-in voice.");
		return;
	}
	check_models(c, conf_str("OPENAI_TTS_URL"), key);
}

static void check_vapi(struct check *c, struct db *db, const char *org_id)
{
	const char *key = credential_get(db, c->a, org_id, "vapi", "api_key");

	if (!key && *db_sqlstate(db))
		return;
	if (!key || !*key) {
		said(c, CHECK_NO_KEY, "No Vapi API key is saved: nothing to check.");
		return;
	}
	c->own = true;
	const char *headers[] = {
		"Accept: application/json", arena_printf(c->a, "Authorization: Bearer %s", key), NULL,
	};
	json_t *doc = check_get(c, arena_printf(c->a, "%s/phone-number", conf_str("VAPI_API_BASE")),
				headers, NULL);
	if (!doc)
		return;
	size_t n = json_is_array(doc) ? json_array_size(doc) : 0;
	said(c, CHECK_ACCEPTED, arena_printf(c->a, "Vapi accepted the key: %zu phone number%s",
					     n, n == 1 ? "" : "s"));
}

int provider_check(struct db *db, struct arena *a, const char *org_id, const char *provider,
		   struct provider_check *out)
{
	static const struct { const char *id, *name; } names[] = {
		{ "twilio", "Twilio" },
		{ "llm", "OpenAI-compatible endpoint" },
		{ "deepgram", "Deepgram" },
		{ "elevenlabs", "ElevenLabs" },
		{ "openai_tts", "OpenAI speech" },
		{ "vapi", "Vapi" },
	};
	struct check c = { .a = a, .out = out };
	struct provider_settings p;

	out->outcome = CHECK_FAILED;
	out->message = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(provider, names[i].id))
			c.name = names[i].name;
	if (!c.name) {
		log_warn("no key check for provider %s", provider);
		return -1;
	}
	if (credential_provider_settings(db, a, org_id, &p) < 0)
		return -1;
	if (!strcmp(provider, "twilio"))
		check_twilio(&c, db, org_id);
	else if (!strcmp(provider, "llm"))
		check_llm(&c, &p);
	else if (!strcmp(provider, "deepgram"))
		check_deepgram(&c, &p);
	else if (!strcmp(provider, "elevenlabs"))
		check_elevenlabs(&c, db, org_id);
	else if (!strcmp(provider, "openai_tts"))
		check_openai_tts(&c, db, org_id);
	else
		check_vapi(&c, db, org_id);
	if (!out->message)
		return -1;
	log_info("provider key checked provider=%s own=%d outcome=%d", provider, c.own,
		 (int)out->outcome);
	return 0;
}
