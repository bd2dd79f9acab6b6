/* twilio_rest.c: text messages, calls (placed and redirected) and phone numbers through Twilio's REST API */
#include "provider/twilio_rest.h"

#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/text.h"

bool twilio_rest_configured(void)
{
	return *conf_str("TWILIO_ACCOUNT_SID") && *conf_str("TWILIO_AUTH_TOKEN");
}

/* "&name=value" with the value percent-encoded, in the arena; NULL when out of memory. */
static const char *form_field(struct arena *a, const char *name, const char *value)
{
	const char *escaped = webclient_escape(a, value);

	return escaped ? arena_printf(a, "&%s=%s", name, escaped) : NULL;
}

/* Twilio's error body ({"code","message","more_info","status"}, §4.4) into out, if it is one. */
static void read_refusal(struct arena *a, const struct webclient_response *resp,
			 struct twilio_result *out)
{
	char why[128];
	json_t *err = json_parse(a, resp->body, resp->body_len, why, sizeof(why));
	const char *message = json_is_object(err) ? json_str(err, "message") : NULL;
	const char *more_info = json_is_object(err) ? json_str(err, "more_info") : NULL;

	if (json_is_object(err) && json_long(err, "code", &out->code) < 0)
		out->code = 0;
	out->message = message ? arena_strdup(a, message)
			       : arena_printf(a, "Twilio answered HTTP %ld", resp->status);
	out->more_info = more_info ? arena_strdup(a, more_info) : "";
}

/*
 * POST form to resource (Messages, Calls) of the account and read the created resource's sid
 * and status into out; what names the resource in logs. Returns 0 or -1 (out says why).
 */
static int twilio_create(struct arena *a, const struct twilio_account *acct, const char *resource,
			 const char *form, const char *what, struct twilio_result *out)
{
	struct twilio_account server;
	if (!acct)
		acct = twilio_account_server(&server);
	const char *sid = acct->sid;
	struct webclient_response resp;
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
	};
	struct webclient_request req = {
		.method = "POST",
		.url = arena_printf(a, "%s/2010-04-01/Accounts/%s/%s.json",
				    acct->api_base, sid, resource),
		.headers = headers,
		.body = form,
		.body_len = strlen(form),
		.userpwd = arena_printf(a, "%s:%s", sid, acct->token),
	};
	if (webclient_fetch(a, &req, &resp) < 0) {
		out->message = arena_strdup(a, resp.error);
		out->retryable = true;
		return -1;
	}
	out->http_status = resp.status;
	if (resp.status == 201 || resp.status == 200) {
		char why[128] = "no sid";
		json_t *created = json_parse(a, resp.body, resp.body_len, why, sizeof(why));
		const char *rsid = json_is_object(created) ? json_str(created, "sid") : NULL;
		const char *status = json_is_object(created) ? json_str(created, "status") : NULL;
		if (rsid && *rsid && strlen(rsid) <= 128) {
			out->sid = arena_strdup(a, rsid);
			out->status = status ? arena_strdup(a, status) : "";
			return 0;
		}
		/* Accepted or not, nothing names it: a later look cannot tell either. */
		out->message = arena_printf(a, "Twilio's answer names no %s: %s", what, why);
		log_warn("could not read Twilio's %s answer: %s", what, out->message);
		return -1;
	}
	read_refusal(a, &resp, out);
	out->retryable = resp.status == 429 || resp.status >= 500;
	log_warn("Twilio refused a %s status=%ld code=%ld message=\"%s\"", what, resp.status,
		 out->code, out->message);
	return -1;
}

int twilio_send_sms_as(struct arena *a, const struct twilio_account *acct, const char *from,
		       const char *to, const char *body, struct twilio_result *out)
{
	*out = (struct twilio_result){ .sid = "", .status = "", .message = "", .more_info = "" };
	const char *to_field = form_field(a, "To", to);
	const char *from_field = form_field(a, "From", from);
	const char *body_field = form_field(a, "Body", body);
	if (!to_field || !from_field || !body_field) {
		out->message = "could not encode the message";
		return -1;
	}
	/* Each field starts with '&'; the form starts after the first. */
	const char *form = arena_printf(a, "%s%s%s", to_field, from_field, body_field) + 1;
	return twilio_create(a, acct, "Messages", form, "message", out);
}

int twilio_create_call_as(struct arena *a, const struct twilio_account *acct,
			  const struct twilio_call_request *call, struct twilio_result *out)
{
	static const char *const events[] = { "initiated", "ringing", "answered", "completed" };
	const char *fields[] = {
		form_field(a, "To", call->to),
		form_field(a, "From", call->from),
		form_field(a, "Url", call->url),
		form_field(a, "StatusCallback", call->status_callback),
		form_field(a, "StatusCallbackMethod", "POST"),
		form_field(a, "Record", "true"),
		form_field(a, "RecordingStatusCallback", call->recording_callback),
		form_field(a, "RecordingStatusCallbackMethod", "POST"),
	};
	struct buf form = BUF_INIT;
	int rc = -1;

	*out = (struct twilio_result){ .sid = "", .status = "", .message = "", .more_info = "" };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i]) {
			out->message = "could not encode the call";
			goto out;
		}
		buf_puts(&form, fields[i]);
	}
	/* A list is the same name repeated (PROTOCOLS.md §4). */
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		buf_printf(&form, "&StatusCallbackEvent=%s", events[i]);
	/* Each field starts with '&'; the form starts after the first. */
	rc = twilio_create(a, acct, "Calls", arena_strdup(a, buf_str(&form) + 1), "call", out);
out:
	buf_release(&form);
	return rc;
}

int twilio_update_call(struct arena *a, const struct twilio_account *acct, const char *call_sid,
		       const struct twilio_call_update *update, struct twilio_result *out)
{
	const char *fields[3] = { "", "", "" };

	*out = (struct twilio_result){ .sid = "", .status = "", .message = "", .more_info = "" };
	if (!call_sid || !text_is_sid(call_sid, "CA")) {
		out->message = "the call's sid is missing or malformed";
		log_error("could not redirect the call: %s", out->message);
		return -1;
	}
	if (!update->url == !update->twiml) {
		out->message = "a redirect takes exactly one of Url and Twiml";
		log_error("could not redirect the call: %s", out->message);
		return -1;
	}
	if (update->url) {
		fields[0] = form_field(a, "Url", update->url);
		if (update->method)
			fields[1] = form_field(a, "Method", update->method);
	} else {
		fields[0] = form_field(a, "Twiml", update->twiml);
	}
	if (!fields[0] || !fields[1]) {
		out->message = "could not encode the redirect";
		return -1;
	}
	/* Each field starts with '&'; the form starts after the first. */
	const char *form = arena_printf(a, "%s%s", fields[0], fields[1]) + 1;
	return twilio_create(a, acct, arena_printf(a, "Calls/%s", call_sid), form, "call update", out);
}

/* ---------- Accounts and phone numbers (PROTOCOLS.md §4.6) ---------- */

struct twilio_account *twilio_account_server(struct twilio_account *out)
{
	out->sid = conf_str("TWILIO_ACCOUNT_SID");
	out->token = conf_str("TWILIO_AUTH_TOKEN");
	out->api_base = conf_str("TWILIO_API_BASE");
	return out;
}

bool twilio_account_usable(const struct twilio_account *acct)
{
	return acct && acct->sid && *acct->sid && acct->token && *acct->token && acct->api_base &&
	       *acct->api_base;
}

int twilio_send_sms(struct arena *a, const char *from, const char *to, const char *body,
		    struct twilio_result *out)
{
	return twilio_send_sms_as(a, NULL, from, to, body, out);
}

int twilio_create_call(struct arena *a, const struct twilio_call_request *call,
		       struct twilio_result *out)
{
	return twilio_create_call_as(a, NULL, call, out);
}

/*
 * method the account's resource path (after /Accounts/{sid}/, with its query) with form (NULL
 * for none); what names it in logs. Returns the parsed JSON object of a 200 or 201 (arena), or
 * NULL with out saying why.
 */
static json_t *account_call(struct arena *a, const struct twilio_account *acct,
			    const char *method, const char *path, const char *form,
			    const char *what, struct twilio_result *out)
{
	static const char *const form_headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
	};
	static const char *const get_headers[] = { "Accept: application/json", NULL };
	struct webclient_response resp;
	size_t base_len = strlen(acct->api_base);

	*out = (struct twilio_result){ .sid = "", .status = "", .message = "", .more_info = "" };
	while (base_len && acct->api_base[base_len - 1] == '/')
		base_len--;
	struct webclient_request req = {
		.method = method,
		.url = arena_printf(a, "%.*s/2010-04-01/Accounts/%s/%s", (int)base_len,
				    acct->api_base, acct->sid, path),
		.headers = form ? form_headers : get_headers,
		.body = form,
		.body_len = form ? strlen(form) : 0,
		.userpwd = arena_printf(a, "%s:%s", acct->sid, acct->token),
	};
	if (webclient_fetch(a, &req, &resp) < 0) {
		out->message = arena_strdup(a, resp.error);
		out->retryable = true;
		return NULL;
	}
	out->http_status = resp.status;
	if (resp.status == 200 || resp.status == 201) {
		char why[128];
		json_t *v = json_parse(a, resp.body, resp.body_len, why, sizeof(why));
		if (json_is_object(v))
			return v;
		out->message = arena_printf(a, "Twilio's answer to the %s is not JSON: %s", what,
					    why);
		log_warn("could not read Twilio's %s answer: %s", what, out->message);
		return NULL;
	}
	read_refusal(a, &resp, out);
	out->retryable = resp.status == 429 || resp.status >= 500;
	log_warn("Twilio refused a %s status=%ld code=%ld message=\"%s\"", what, resp.status,
		 out->code, out->message);
	return NULL;
}

/* A string member, arena-copied; "" when missing. */
static const char *member(struct arena *a, const json_t *obj, const char *key)
{
	const char *s = json_str(obj, key);

	return s ? arena_strdup(a, s) : "";
}

/* One number of Twilio's lists (available or held) into n. */
static void read_number(struct arena *a, const json_t *v, struct twilio_number *n)
{
	const json_t *caps = json_object_get(v, "capabilities");

	n->sid = member(a, v, "sid");
	n->account_sid = member(a, v, "account_sid");
	n->phone_number = member(a, v, "phone_number");
	n->friendly_name = member(a, v, "friendly_name");
	n->locality = member(a, v, "locality");
	n->region = member(a, v, "region");
	n->voice_url = member(a, v, "voice_url");
	n->sms_url = member(a, v, "sms_url");
	n->status_callback = member(a, v, "status_callback");
	/* Available numbers say "SMS", held ones "sms". */
	n->voice = json_bool(caps, "voice", false);
	n->sms = json_bool(caps, "sms", false) || json_bool(caps, "SMS", false);
}

/* The numbers of list key of answer, at most max, into an arena array. */
static void read_numbers(struct arena *a, const json_t *answer, const char *key, int max,
			 struct twilio_number **numbers, int *count)
{
	const json_t *list = json_object_get(answer, key);
	size_t n = json_is_array(list) ? json_array_size(list) : 0;

	if (n > (size_t)max)
		n = (size_t)max;
	*numbers = arena_alloc(a, (n ? n : 1) * sizeof(**numbers));
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const json_t *item = json_array_get(list, i);
		if (!json_is_object(item) || !json_str(item, "phone_number"))
			continue;
		read_number(a, item, &(*numbers)[(*count)++]);
	}
}

int twilio_search_numbers(struct arena *a, const struct twilio_account *acct, const char *country,
			  const char *area_code, int max, struct twilio_number **numbers,
			  int *count, struct twilio_result *out)
{
	const char *query = area_code && *area_code
		? arena_printf(a, "?AreaCode=%s&PageSize=%d", webclient_escape(a, area_code), max)
		: arena_printf(a, "?PageSize=%d", max);
	const char *path = arena_printf(a, "AvailablePhoneNumbers/%s/Local.json%s",
					webclient_escape(a, country), query);
	json_t *answer = account_call(a, acct, "GET", path, NULL, "number search", out);

	*numbers = NULL;
	*count = 0;
	if (!answer)
		return -1;
	read_numbers(a, answer, "available_phone_numbers", max, numbers, count);
	return 0;
}

int twilio_buy_number(struct arena *a, const struct twilio_account *acct,
		      const char *phone_number, struct twilio_number *number,
		      struct twilio_result *out)
{
	const char *field = form_field(a, "PhoneNumber", phone_number);
	json_t *answer = field ? account_call(a, acct, "POST", "IncomingPhoneNumbers.json",
					      field + 1, "number purchase", out) : NULL;

	if (!answer) {
		if (!field)
			out->message = "could not encode the number";
		return -1;
	}
	read_number(a, answer, number);
	out->sid = number->sid;
	if (!*number->sid || !*number->phone_number) {
		out->message = "Twilio's answer names no number";
		return -1;
	}
	return 0;
}

int twilio_list_numbers(struct arena *a, const struct twilio_account *acct,
			const char *phone_number, struct twilio_number **numbers, int *count,
			struct twilio_result *out)
{
	const char *path = phone_number
		? arena_printf(a, "IncomingPhoneNumbers.json?PhoneNumber=%s",
			       webclient_escape(a, phone_number))
		: "IncomingPhoneNumbers.json?PageSize=50";
	json_t *answer = account_call(a, acct, "GET", path, NULL, "number list", out);

	*numbers = NULL;
	*count = 0;
	if (!answer)
		return -1;
	read_numbers(a, answer, "incoming_phone_numbers", 50, numbers, count);
	return 0;
}

int twilio_configure_number(struct arena *a, const struct twilio_account *acct,
			    const char *number_sid, const struct twilio_number_hooks *hooks,
			    struct twilio_number *number, struct twilio_result *out)
{
	const char *fields[] = {
		form_field(a, "VoiceUrl", hooks->voice_url),
		form_field(a, "VoiceMethod", "POST"),
		form_field(a, "StatusCallback", hooks->status_callback),
		form_field(a, "StatusCallbackMethod", "POST"),
		form_field(a, "SmsUrl", hooks->sms_url),
		form_field(a, "SmsMethod", "POST"),
	};
	struct buf form = BUF_INIT;
	json_t *answer = NULL;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!fields[i]) {
			*out = (struct twilio_result){ .sid = "", .status = "", .more_info = "",
						       .message = "could not encode the webhooks" };
			goto out;
		}
		buf_puts(&form, fields[i]);
	}
	answer = account_call(a, acct, "POST",
			      arena_printf(a, "IncomingPhoneNumbers/%s.json",
					   webclient_escape(a, number_sid)),
			      arena_strdup(a, buf_str(&form) + 1), "number configuration", out);
	if (answer)
		read_number(a, answer, number);
out:
	buf_release(&form);
	return answer ? 0 : -1;
}

int twilio_place_twiml_call(struct arena *a, const struct twilio_account *acct, const char *from,
			    const char *to, const char *twiml, struct twilio_result *out)
{
	const char *to_field = form_field(a, "To", to);
	const char *from_field = form_field(a, "From", from);
	const char *twiml_field = form_field(a, "Twiml", twiml);

	*out = (struct twilio_result){ .sid = "", .status = "", .message = "", .more_info = "" };
	if (!to_field || !from_field || !twiml_field) {
		out->message = "could not encode the call";
		return -1;
	}
	return twilio_create(a, acct, "Calls",
			     arena_printf(a, "%s%s%s", to_field, from_field, twiml_field) + 1,
			     "call", out);
}
