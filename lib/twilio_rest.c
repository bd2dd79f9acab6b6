/* twilio_rest.c: sending text messages through Twilio's REST API over lib/http */
#include "twilio_rest.h"

#include <curl/curl.h>
#include <string.h>

#include "arena.h"
#include "conf.h"
#include "http.h"
#include "json.h"
#include "log.h"

bool twilio_rest_configured(void)
{
	return *conf_str("TWILIO_ACCOUNT_SID") && *conf_str("TWILIO_AUTH_TOKEN");
}

/* "&name=value" with the value percent-encoded, in the arena; NULL when out of memory. */
static const char *form_field(struct arena *a, const char *name, const char *value)
{
	/* Since curl 7.82 the handle argument is unused and may be NULL. */
	char *escaped = curl_easy_escape(NULL, value, 0);

	if (!escaped)
		return NULL;
	const char *field = arena_printf(a, "&%s=%s", name, escaped);
	curl_free(escaped);
	return field;
}

/* Twilio's error body ({"code","message","more_info","status"}, §4.4) into out, if it is one. */
static void read_refusal(struct arena *a, const struct http_response *resp,
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

int twilio_send_sms(struct arena *a, const char *from, const char *to, const char *body,
		    struct twilio_result *out)
{
	const char *sid = conf_str("TWILIO_ACCOUNT_SID");
	struct http_response resp;

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
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
	};
	struct http_request req = {
		.method = "POST",
		.url = arena_printf(a, "%s/2010-04-01/Accounts/%s/Messages.json",
				    conf_str("TWILIO_API_BASE"), sid),
		.headers = headers,
		.body = form,
		.body_len = strlen(form),
		.userpwd = arena_printf(a, "%s:%s", sid, conf_str("TWILIO_AUTH_TOKEN")),
	};
	if (http_fetch(a, &req, &resp) < 0) {
		out->message = arena_strdup(a, resp.error);
		out->retryable = true;
		return -1;
	}
	out->http_status = resp.status;
	if (resp.status == 201 || resp.status == 200) {
		char why[128] = "no sid";
		json_t *msg = json_parse(a, resp.body, resp.body_len, why, sizeof(why));
		const char *msid = json_is_object(msg) ? json_str(msg, "sid") : NULL;
		const char *status = json_is_object(msg) ? json_str(msg, "status") : NULL;
		if (msid && *msid) {
			out->sid = arena_strdup(a, msid);
			out->status = status ? arena_strdup(a, status) : "";
			return 0;
		}
		/* Accepted or not, nothing names the message: a later look cannot tell either. */
		out->message = arena_printf(a, "Twilio's answer names no message: %s", why);
		log_warn("could not read Twilio's message answer: %s", out->message);
		return -1;
	}
	read_refusal(a, &resp, out);
	out->retryable = resp.status == 429 || resp.status >= 500;
	log_warn("Twilio refused a message status=%ld code=%ld message=\"%s\"", resp.status,
		 out->code, out->message);
	return -1;
}
