/* google.c: Google OAuth 2.0 and Calendar v3 over webclient, every answer checked before use */
#include "provider/google.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/log.h"
#include "infra/webclient.h"

/* An events page may be large: 2,500 events of a busy calendar. */
#define EVENTS_MAX_BYTES (32L * 1024 * 1024)
#define EVENTS_PER_PAGE "2500"

const char *google_result_name(enum google_result r)
{
	switch (r) {
	case GOOGLE_OK:
		return "ok";
	case GOOGLE_RETRY:
		return "retry";
	case GOOGLE_REVOKED:
		return "revoked";
	case GOOGLE_UNAUTHORIZED:
		return "unauthorized";
	case GOOGLE_NOT_FOUND:
		return "not found";
	case GOOGLE_CONFLICT:
		return "conflict";
	case GOOGLE_GONE:
		return "gone";
	case GOOGLE_REFUSED:
		return "refused";
	}
	return "unknown";
}

const char *google_auth_url(struct arena *a, const char *redirect_uri, const char *state)
{
	return arena_printf(a,
			    "%s?response_type=code&client_id=%s&redirect_uri=%s&scope=%s"
			    "&access_type=offline&prompt=consent&include_granted_scopes=true"
			    "&state=%s",
			    conf_str("GOOGLE_AUTH_URL"),
			    webclient_escape(a, conf_str("GOOGLE_CLIENT_ID")),
			    webclient_escape(a, redirect_uri), webclient_escape(a, GOOGLE_SCOPES),
			    webclient_escape(a, state));
}

/* Google's error envelope {"error":{"code","message","errors":[{"reason"}]}} or OAuth's
 * {"error":"…","error_description":"…"}, as one line in why. Returns the parsed body or
 * NULL. */
static json_t *error_text(struct arena *a, const struct webclient_response *resp, char *why,
			  size_t why_len, const char **oauth_error)
{
	char perr[128];
	json_t *body = json_parse(a, resp->body, resp->body_len, perr, sizeof(perr));
	json_t *err = json_is_object(body) ? json_object_get(body, "error") : NULL;

	*oauth_error = NULL;
	if (json_is_string(err)) {
		*oauth_error = json_string_value(err);
		snprintf(why, why_len, "Google answered HTTP %ld: %s", resp->status, *oauth_error);
	} else if (json_is_object(err) && json_str(err, "message")) {
		json_t *first = json_array_get(json_object_get(err, "errors"), 0);
		const char *reason = first ? json_str(first, "reason") : NULL;
		snprintf(why, why_len, "Google answered HTTP %ld: %s%s%s", resp->status,
			 reason ? reason : "", reason ? ": " : "", json_str(err, "message"));
	} else {
		snprintf(why, why_len, "Google answered HTTP %ld", resp->status);
	}
	return body;
}

/* What an answer's status means, with why filled for anything but 2xx. */
static enum google_result classify(struct arena *a, const struct webclient_response *resp,
				   char *why, size_t why_len)
{
	const char *oauth_error;

	if (resp->status >= 200 && resp->status < 300)
		return GOOGLE_OK;
	json_t *body = error_text(a, resp, why, why_len, &oauth_error);
	(void)body;
	if (oauth_error && !strcmp(oauth_error, "invalid_grant"))
		return GOOGLE_REVOKED;
	if (oauth_error && (!strcmp(oauth_error, "server_error") ||
			    !strcmp(oauth_error, "temporarily_unavailable") ||
			    !strcmp(oauth_error, "internal_failure")))
		return GOOGLE_RETRY;
	if (resp->status == 401)
		return GOOGLE_UNAUTHORIZED;
	if (resp->status == 404)
		return GOOGLE_NOT_FOUND;
	if (resp->status == 409)
		return GOOGLE_CONFLICT;
	if (resp->status == 410)
		return GOOGLE_GONE;
	/* 403 is a rate limit as often as a refusal: rateLimitExceeded and userRateLimitExceeded
	 * pass with time. */
	if (resp->status == 429 || resp->status >= 500 || resp->status < 200 ||
	    (resp->status == 403 && strstr(why, "RateLimitExceeded")) ||
	    (resp->status == 403 && strstr(why, "rateLimitExceeded")))
		return GOOGLE_RETRY;
	return GOOGLE_REFUSED;
}

/* Send one request; body is JSON text (or a form when form is set) or NULL. */
static enum google_result send(struct arena *a, const char *method, const char *url,
			       const char *access_token, const char *body, int form,
			       size_t max_response, struct webclient_response *resp, char *why,
			       size_t why_len)
{
	const char *headers[4] = { "Accept: application/json", NULL, NULL, NULL };
	int h = 1;

	if (access_token)
		headers[h++] = arena_printf(a, "Authorization: Bearer %s", access_token);
	if (body)
		headers[h++] = form ? "Content-Type: application/x-www-form-urlencoded"
				    : "Content-Type: application/json";
	struct webclient_request req = {
		.method = method,
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.max_response = max_response,
	};
	if (webclient_fetch(a, &req, resp) < 0) {
		snprintf(why, why_len, "could not reach Google: %s", resp->error);
		return GOOGLE_RETRY;
	}
	return classify(a, resp, why, why_len);
}

/* The JSON object of a 2xx answer, or NULL with why set (a garbled answer). */
static json_t *answer_object(struct arena *a, const struct webclient_response *resp, char *why,
			     size_t why_len)
{
	char perr[128];
	json_t *v = json_parse(a, resp->body, resp->body_len, perr, sizeof(perr));

	if (!json_is_object(v)) {
		snprintf(why, why_len, "Google's answer is not a JSON object: %s",
			 v ? "another JSON value" : perr);
		return NULL;
	}
	return v;
}

static enum google_result token_request(struct arena *a, const char *form,
					struct google_tokens *out, char *why, size_t why_len)
{
	struct webclient_response resp;
	const char *url = arena_printf(a, "%s/token", conf_str("GOOGLE_OAUTH_URL"));
	enum google_result r = send(a, "POST", url, NULL, form, 1, 0, &resp, why, why_len);

	*out = (struct google_tokens){ 0 };
	if (r != GOOGLE_OK)
		return r;
	json_t *t = answer_object(a, &resp, why, why_len);
	const char *access = t ? json_str(t, "access_token") : NULL;
	json_t *expires = t ? json_object_get(t, "expires_in") : NULL;
	if (!access || !*access || strlen(access) > 4096) {
		if (t)
			snprintf(why, why_len, "Google's token answer has no access_token");
		return GOOGLE_RETRY;
	}
	out->access_token = arena_strdup(a, access);
	const char *refresh = json_str(t, "refresh_token");
	out->refresh_token = refresh && *refresh ? arena_strdup(a, refresh) : NULL;
	const char *scope = json_str(t, "scope");
	out->scope = scope ? arena_strdup(a, scope) : "";
	/* Libraries take expires_in as a number or a string of one. */
	if (json_is_integer(expires))
		out->expires_in = (long)json_integer_value(expires);
	else if (json_is_string(expires))
		out->expires_in = strtol(json_string_value(expires), NULL, 10);
	if (out->expires_in <= 0 || out->expires_in > 86400 * 30)
		out->expires_in = 3600;
	return GOOGLE_OK;
}

static const char *client_form(struct arena *a)
{
	return arena_printf(a, "client_id=%s&client_secret=%s",
			    webclient_escape(a, conf_str("GOOGLE_CLIENT_ID")),
			    webclient_escape(a, conf_str("GOOGLE_CLIENT_SECRET")));
}

enum google_result google_token_exchange(struct arena *a, const char *code,
					 const char *redirect_uri, struct google_tokens *out,
					 char *why, size_t why_len)
{
	const char *form = arena_printf(
		a, "grant_type=authorization_code&code=%s&redirect_uri=%s&%s",
		webclient_escape(a, code), webclient_escape(a, redirect_uri), client_form(a));
	return token_request(a, form, out, why, why_len);
}

enum google_result google_token_refresh(struct arena *a, const char *refresh_token,
					struct google_tokens *out, char *why, size_t why_len)
{
	const char *form = arena_printf(a, "grant_type=refresh_token&refresh_token=%s&%s",
					webclient_escape(a, refresh_token), client_form(a));
	return token_request(a, form, out, why, why_len);
}

enum google_result google_revoke(struct arena *a, const char *token, char *why, size_t why_len)
{
	struct webclient_response resp;
	const char *url = arena_printf(a, "%s/revoke?token=%s", conf_str("GOOGLE_OAUTH_URL"),
				       webclient_escape(a, token));
	enum google_result r = send(a, "POST", url, NULL, "", 1, 0, &resp, why, why_len);

	/* invalid_token: the grant has ended already, which is what was asked. */
	if (r == GOOGLE_REFUSED && strstr(why, "invalid_token"))
		return GOOGLE_OK;
	return r;
}

static const char *events_url(struct arena *a, const char *calendar_id)
{
	return arena_printf(a, "%s/calendars/%s/events", conf_str("GOOGLE_API_URL"),
			    webclient_escape(a, calendar_id));
}

/* Send an event request whose 2xx answer is an Event object. */
static enum google_result event_request(struct arena *a, const char *method, const char *url,
					const char *access_token, json_t *body, json_t **answer,
					char *why, size_t why_len)
{
	struct webclient_response resp;
	enum google_result r = send(a, method, url, access_token, json_text(a, body), 0, 0, &resp,
				    why, why_len);

	if (answer)
		*answer = NULL;
	if (r != GOOGLE_OK)
		return r;
	json_t *event = answer_object(a, &resp, why, why_len);
	if (!event || !json_str(event, "id")) {
		if (event)
			snprintf(why, why_len, "Google's event answer has no id");
		return GOOGLE_RETRY;
	}
	if (answer)
		*answer = event;
	return GOOGLE_OK;
}

enum google_result google_event_insert(struct arena *a, const char *access_token,
				       const char *calendar_id, json_t *event, json_t **answer,
				       char *why, size_t why_len)
{
	const char *url = arena_printf(a, "%s?sendUpdates=none", events_url(a, calendar_id));
	return event_request(a, "POST", url, access_token, event, answer, why, why_len);
}

enum google_result google_event_patch(struct arena *a, const char *access_token,
				      const char *calendar_id, const char *event_id, json_t *fields,
				      json_t **answer, char *why, size_t why_len)
{
	const char *url = arena_printf(a, "%s/%s?sendUpdates=none", events_url(a, calendar_id),
				       webclient_escape(a, event_id));
	return event_request(a, "PATCH", url, access_token, fields, answer, why, why_len);
}

enum google_result google_event_delete(struct arena *a, const char *access_token,
				       const char *calendar_id, const char *event_id, char *why,
				       size_t why_len)
{
	struct webclient_response resp;
	const char *url = arena_printf(a, "%s/%s?sendUpdates=none", events_url(a, calendar_id),
				       webclient_escape(a, event_id));

	return send(a, "DELETE", url, access_token, NULL, 0, 0, &resp, why, why_len);
}

enum google_result google_events_page(struct arena *a, const char *access_token,
				      const char *calendar_id, const char *sync_token,
				      const char *page_token, json_t **page, const char **next_page,
				      const char **next_sync, char *why, size_t why_len)
{
	struct webclient_response resp;
	/* The same parameters on every page and every incremental round (§10.4): a sync token
	 * forbids the filters, and its listing includes cancelled events by itself. */
	const char *url = arena_printf(a, "%s?maxResults=" EVENTS_PER_PAGE "&singleEvents=true",
				       events_url(a, calendar_id));

	*page = NULL;
	*next_page = *next_sync = NULL;
	if (sync_token)
		url = arena_printf(a, "%s&syncToken=%s", url, webclient_escape(a, sync_token));
	if (page_token)
		url = arena_printf(a, "%s&pageToken=%s", url, webclient_escape(a, page_token));
	enum google_result r = send(a, "GET", url, access_token, NULL, 0, EVENTS_MAX_BYTES, &resp,
				    why, why_len);
	if (r != GOOGLE_OK)
		return r;
	json_t *events = answer_object(a, &resp, why, why_len);
	if (!events)
		return GOOGLE_RETRY;
	const char *np = json_str(events, "nextPageToken");
	const char *ns = json_str(events, "nextSyncToken");
	json_t *items = json_object_get(events, "items");
	if ((items && !json_is_array(items)) || (!np && !ns)) {
		snprintf(why, why_len, "Google's events page has no items array or no next token");
		return GOOGLE_RETRY;
	}
	if (!items)
		json_object_set_new(events, "items", json_array());
	*page = events;
	*next_page = np ? arena_strdup(a, np) : NULL;
	*next_sync = np ? NULL : arena_strdup(a, ns);
	return GOOGLE_OK;
}

enum google_result google_watch(struct arena *a, const char *access_token, const char *calendar_id,
				const char *channel_id, const char *address, const char *token,
				long long expiration_ms, struct google_channel *out, char *why,
				size_t why_len)
{
	struct webclient_response resp;
	json_t *body = json_to_arena(a, json_pack("{s:s, s:s, s:s, s:s}", "id", channel_id, "type",
						  "web_hook", "address", address, "token", token));

	*out = (struct google_channel){ 0 };
	if (!body) {
		snprintf(why, why_len, "could not build the watch request");
		return GOOGLE_REFUSED;
	}
	if (expiration_ms > 0)
		json_object_set_new(body, "expiration", json_integer(expiration_ms));
	const char *url = arena_printf(a, "%s/watch", events_url(a, calendar_id));
	enum google_result r = send(a, "POST", url, access_token, json_text(a, body), 0, 0, &resp,
				    why, why_len);
	if (r != GOOGLE_OK)
		return r;
	json_t *channel = answer_object(a, &resp, why, why_len);
	const char *rid = channel ? json_str(channel, "resourceId") : NULL;
	if (!rid || !*rid) {
		if (channel)
			snprintf(why, why_len, "Google's channel answer has no resourceId");
		return GOOGLE_RETRY;
	}
	out->resource_id = arena_strdup(a, rid);
	/* expiration is an int64 written as a string. */
	json_t *exp = json_object_get(channel, "expiration");
	if (json_is_string(exp))
		out->expiration_ms = strtoll(json_string_value(exp), NULL, 10);
	else if (json_is_integer(exp))
		out->expiration_ms = json_integer_value(exp);
	return GOOGLE_OK;
}

enum google_result google_channel_stop(struct arena *a, const char *access_token,
				       const char *channel_id, const char *resource_id, char *why,
				       size_t why_len)
{
	struct webclient_response resp;
	json_t *body = json_to_arena(
		a, json_pack("{s:s, s:s}", "id", channel_id, "resourceId", resource_id));
	const char *url = arena_printf(a, "%s/channels/stop", conf_str("GOOGLE_API_URL"));

	if (!body) {
		snprintf(why, why_len, "could not build the stop request");
		return GOOGLE_REFUSED;
	}
	enum google_result r = send(a, "POST", url, access_token, json_text(a, body), 0, 0, &resp,
				    why, why_len);
	return r == GOOGLE_NOT_FOUND ? GOOGLE_OK : r;
}
