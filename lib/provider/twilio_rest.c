/* twilio_rest.c: sending text messages and placing calls through Twilio's REST API over lib/http */
#include "provider/twilio_rest.h"

#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "infra/log.h"

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
static int twilio_create(struct arena *a, const char *resource, const char *form,
			 const char *what, struct twilio_result *out)
{
	const char *sid = conf_str("TWILIO_ACCOUNT_SID");
	struct webclient_response resp;
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL,
	};
	struct webclient_request req = {
		.method = "POST",
		.url = arena_printf(a, "%s/2010-04-01/Accounts/%s/%s.json",
				    conf_str("TWILIO_API_BASE"), sid, resource),
		.headers = headers,
		.body = form,
		.body_len = strlen(form),
		.userpwd = arena_printf(a, "%s:%s", sid, conf_str("TWILIO_AUTH_TOKEN")),
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

int twilio_send_sms(struct arena *a, const char *from, const char *to, const char *body,
		    struct twilio_result *out)
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
	return twilio_create(a, "Messages", form, "message", out);
}

int twilio_create_call(struct arena *a, const struct twilio_call_request *call,
		       struct twilio_result *out)
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
	rc = twilio_create(a, "Calls", arena_strdup(a, buf_str(&form) + 1), "call", out);
out:
	buf_release(&form);
	return rc;
}
