/* vapi_rest.c: placing outbound calls and reading phone numbers through Vapi's REST API */
#include "provider/vapi_rest.h"

#include <jansson.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/text.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "infra/log.h"

/* Vapi refuses a customer name longer than this many characters. */
#define CUSTOMER_NAME_MAX_CHARS 40

/* The first max characters of s (whole UTF-8 characters), arena-owned. */
static const char *first_chars(struct arena *a, const char *s, int max)
{
	return arena_strndup(a, s, text_utf8_prefix_chars(s, (size_t)max));
}

/* The body of POST /call, arena-owned; NULL when it cannot be built. */
static const char *call_body(struct arena *a, const struct vapi_call_request *req)
{
	json_t *body = json_to_arena(a, json_object());
	json_t *customer = json_object();

	if (!body || !customer) {
		json_decref(customer);
		return NULL;
	}
	json_object_set_new(body, "assistantId", json_string(req->assistant_id));
	json_object_set_new(body, "phoneNumberId", json_string(req->phone_number_id));
	json_object_set_new(customer, "number", json_string(req->customer_number));
	if (req->customer_name && *req->customer_name)
		json_object_set_new(customer, "name", json_string(first_chars(
			a, req->customer_name, CUSTOMER_NAME_MAX_CHARS)));
	json_object_set_new(body, "customer", customer);
	if (req->reason && *req->reason)
		json_object_set_new(body, "assistantOverrides",
				    json_pack("{s:{s:s}}", "variableValues", "callbackReason",
					      req->reason));
	/* json_string() is NULL for text that is not UTF-8, and the member is then missing. */
	if (!json_object_get(body, "assistantId") || !json_object_get(body, "phoneNumberId") ||
	    !json_object_get(customer, "number"))
		return NULL;
	return json_text(a, body);
}

/*
 * Vapi's error body is NestJS's: {"message": "..." or ["...", ...], "error": "Bad Request",
 * "statusCode": 400}. Its messages in one line, else its error, else the HTTP status.
 */
static const char *refusal_text(struct arena *a, const struct webclient_response *resp)
{
	char why[128];
	json_t *err = json_parse(a, resp->body, resp->body_len, why, sizeof(why));
	json_t *message = json_is_object(err) ? json_object_get(err, "message") : NULL;
	const char *error = json_is_object(err) ? json_str(err, "error") : NULL;
	struct buf b = BUF_INIT;

	if (json_is_string(message)) {
		buf_puts(&b, json_string_value(message));
	} else if (json_is_array(message)) {
		size_t i;
		json_t *item;
		json_array_foreach(message, i, item) {
			if (!json_is_string(item))
				continue;
			if (b.len)
				buf_puts(&b, "; ");
			buf_puts(&b, json_string_value(item));
		}
	}
	if (!b.len && error && *error)
		buf_puts(&b, error);
	const char *text = b.len ? arena_strdup(a, buf_str(&b))
				 : arena_printf(a, "Vapi answered HTTP %ld", resp->status);
	buf_release(&b);
	return text;
}

int vapi_create_call(struct arena *a, const struct vapi_call_request *req, struct vapi_result *out)
{
	struct webclient_response resp;

	*out = (struct vapi_result){ .id = "", .status = "", .message = "" };
	const char *body = call_body(a, req);
	if (!body) {
		out->message = "could not build the call request: an id or the number is not text";
		return -1;
	}
	const char *headers[] = {
		"Content-Type: application/json", "Accept: application/json",
		arena_printf(a, "Authorization: Bearer %s", req->api_key), NULL,
	};
	struct webclient_request post = {
		.method = "POST",
		.url = arena_printf(a, "%s/call", conf_str("VAPI_API_BASE")),
		.headers = headers,
		.body = body,
		.body_len = strlen(body),
	};
	if (webclient_fetch(a, &post, &resp) < 0) {
		out->message = arena_strdup(a, resp.error);
		out->retryable = true;
		return -1;
	}
	out->http_status = resp.status;
	if (resp.status == 201 || resp.status == 200) {
		char why[128] = "no id";
		json_t *call = json_parse(a, resp.body, resp.body_len, why, sizeof(why));
		const char *id = json_is_object(call) ? json_str(call, "id") : NULL;
		const char *status = json_is_object(call) ? json_str(call, "status") : NULL;
		if (id && *id && strlen(id) <= 128) {
			out->id = arena_strdup(a, id);
			out->status = status ? arena_strdup(a, status) : "";
			return 0;
		}
		/* Accepted or not, nothing names the call, so nothing can follow it. */
		out->message = arena_printf(a, "Vapi's answer names no call: %s", why);
		log_warn("could not read Vapi's call answer: %s", out->message);
		return -1;
	}
	out->message = refusal_text(a, &resp);
	out->retryable = resp.status == 429 || resp.status >= 500;
	log_warn("Vapi refused a call status=%ld message=\"%s\"", resp.status, out->message);
	return -1;
}

enum vapi_number_found vapi_phone_number_read(struct arena *a, const char *api_key,
					      const char *phone_number_id)
{
	struct webclient_response resp;
	const char *headers[] = {
		"Accept: application/json", arena_printf(a, "Authorization: Bearer %s", api_key),
		NULL,
	};
	struct webclient_request get = {
		.method = "GET",
		.url = arena_printf(a, "%s/phone-number/%s", conf_str("VAPI_API_BASE"),
				    webclient_escape(a, phone_number_id)),
		.headers = headers,
	};
	if (webclient_fetch(a, &get, &resp) < 0) {
		log_warn("could not reach Vapi to read a phone number: %s", resp.error);
		return VAPI_NUMBER_NO_ANSWER;
	}
	if (resp.status == 401 || resp.status == 403)
		return VAPI_NUMBER_BAD_KEY;
	if (resp.status == 404 || resp.status == 400)
		return VAPI_NUMBER_UNKNOWN;
	if (resp.status != 200) {
		log_warn("Vapi answered HTTP %ld reading a phone number", resp.status);
		return VAPI_NUMBER_NO_ANSWER;
	}
	char why[128] = "no id";
	json_t *number = json_parse(a, resp.body, resp.body_len, why, sizeof(why));
	const char *id = json_is_object(number) ? json_str(number, "id") : NULL;
	/* An answer about another id (a path Vapi read differently) proves nothing. */
	if (!id || strcmp(id, phone_number_id)) {
		log_warn("Vapi's phone number answer names another id or none: %s", why);
		return VAPI_NUMBER_UNKNOWN;
	}
	return VAPI_NUMBER_OURS;
}
