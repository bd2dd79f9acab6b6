/* test_google.c: the Google client reads tokens, events pages and channels as Google sends them,
 * and tells a revoked grant, a rate limit, a gone sync token and a garbled answer apart */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "domain/gcal.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/json.h"
#include "infra/webclient.h"
#include "provider/google.h"

/* A one-request HTTP server on loopback that records the request and sends one answer. */
static struct {
	int listener;
	pthread_t thread;
	const char *answer;
	char request[65536];
	size_t len;
} srv;

static void *serve(void *arg)
{
	(void)arg;
	int fd = accept(srv.listener, NULL, NULL);
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, srv.request + srv.len, sizeof(srv.request) - 1 - srv.len);
		if (n <= 0)
			break;
		srv.len += (size_t)n;
		srv.request[srv.len] = '\0';
		const char *end = strstr(srv.request, "\r\n\r\n");
		const char *cl = strcasestr(srv.request, "Content-Length:");
		if (end &&
		    (size_t)(end + 4 - srv.request) + (cl ? strtoul(cl + 15, NULL, 10) : 0) <=
			    srv.len)
			break;
	}
	send(fd, srv.answer, strlen(srv.answer), MSG_NOSIGNAL);
	close(fd);
	return NULL;
}

/* Serve one request with status and a JSON body; every Google URL setting points here. */
static void answer(int status, const char *body)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t addrlen = sizeof(addr);
	static char text[70000], url[64];

	snprintf(text, sizeof(text),
		 "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 status, strlen(body), body);
	memset(&srv, 0, sizeof(srv));
	srv.answer = text;
	srv.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(srv.listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(srv.listener, 1), 0);
	getsockname(srv.listener, (struct sockaddr *)&addr, &addrlen);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
	conf_set("GOOGLE_OAUTH_URL", url);
	conf_set("GOOGLE_API_URL", url);
	pthread_create(&srv.thread, NULL, serve, NULL);
}

static void served(void)
{
	pthread_join(srv.thread, NULL);
	close(srv.listener);
}

static void test_code_exchange_reads_tokens(void **state)
{
	struct arena *a = arena_new();
	struct google_tokens t;
	char why[256];

	answer(200,
	       "{\"access_token\":\"ya29.a\",\"expires_in\":\"3599\",\"refresh_token\":\"1//r\","
	       "\"scope\":\"s\",\"token_type\":\"Bearer\"}");
	assert_int_equal(google_token_exchange(a, "4/0c&d", "http://x/cb", &t, why, sizeof(why)),
			 GOOGLE_OK);
	served();
	assert_string_equal(t.access_token, "ya29.a");
	assert_string_equal(t.refresh_token, "1//r");
	assert_int_equal(t.expires_in, 3599);
	assert_non_null(strstr(srv.request, "POST /token "));
	assert_non_null(strstr(srv.request, "grant_type=authorization_code&code=4%2F0c%26d"));
	assert_non_null(strstr(srv.request, "application/x-www-form-urlencoded"));
	arena_free(a);
}

static void test_refresh_without_refresh_token_keeps_none(void **state)
{
	struct arena *a = arena_new();
	struct google_tokens t;
	char why[256];

	answer(200, "{\"access_token\":\"ya29.b\",\"expires_in\":60}");
	assert_int_equal(google_token_refresh(a, "1//r", &t, why, sizeof(why)), GOOGLE_OK);
	served();
	assert_null(t.refresh_token);
	assert_int_equal(t.expires_in, 60);
	arena_free(a);
}

static void test_invalid_grant_is_revoked(void **state)
{
	struct arena *a = arena_new();
	struct google_tokens t;
	char why[256];

	answer(400,
	       "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or "
	       "revoked.\"}");
	assert_int_equal(google_token_refresh(a, "1//r", &t, why, sizeof(why)), GOOGLE_REVOKED);
	served();
	assert_non_null(strstr(why, "invalid_grant"));
	arena_free(a);
}

static void test_rate_limits_and_server_errors_retry(void **state)
{
	struct arena *a = arena_new();
	char why[256];
	const char *limit = "{\"error\":{\"errors\":[{\"domain\":\"usageLimits\",\"reason\":"
			    "\"rateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}],"
			    "\"code\":%d,\"message\":\"Rate Limit Exceeded\"}}";
	char body[512];

	snprintf(body, sizeof(body), limit, 429);
	answer(429, body);
	assert_int_equal(google_event_delete(a, "t", "primary", "sb1", why, sizeof(why)),
			 GOOGLE_RETRY);
	served();
	snprintf(body, sizeof(body), limit, 403);
	answer(403, body);
	assert_int_equal(google_event_delete(a, "t", "primary", "sb1", why, sizeof(why)),
			 GOOGLE_RETRY);
	served();
	answer(403, "{\"error\":{\"errors\":[{\"reason\":\"forbidden\",\"message\":\"Forbidden\"}],"
		    "\"code\":403,\"message\":\"Forbidden\"}}");
	assert_int_equal(google_event_delete(a, "t", "primary", "sb1", why, sizeof(why)),
			 GOOGLE_REFUSED);
	served();
	answer(503, "<html>oops</html>");
	assert_int_equal(google_event_delete(a, "t", "primary", "sb1", why, sizeof(why)),
			 GOOGLE_RETRY);
	served();
	arena_free(a);
}

static void test_insert_sends_the_event_and_reads_a_conflict(void **state)
{
	struct arena *a = arena_new();
	char why[256];
	json_t *answer_event;
	json_t *ev = json_to_arena(a, json_pack("{s:s}", "id", "sb0123"));

	answer(409, "{\"error\":{\"errors\":[{\"domain\":\"global\",\"reason\":\"duplicate\","
		    "\"message\":\"The requested identifier already exists.\"}],\"code\":409,"
		    "\"message\":\"The requested identifier already exists.\"}}");
	assert_int_equal(google_event_insert(a, "tok", "x@group.calendar.google.com", ev,
					     &answer_event, why, sizeof(why)),
			 GOOGLE_CONFLICT);
	served();
	assert_non_null(strstr(srv.request, "POST /calendars/x%40group.calendar.google.com/events?"
					    "sendUpdates=none "));
	assert_non_null(strstr(srv.request, "Authorization: Bearer tok"));
	assert_non_null(strstr(srv.request, "{\"id\":\"sb0123\"}"));
	assert_null(answer_event);
	arena_free(a);
}

static void test_garbled_event_answer_is_retried(void **state)
{
	struct arena *a = arena_new();
	char why[256];
	json_t *answer_event;
	json_t *ev = json_to_arena(a, json_object());

	answer(200, "{\"truncated\": ");
	assert_int_equal(
		google_event_patch(a, "tok", "primary", "sb1", ev, &answer_event, why, sizeof(why)),
		GOOGLE_RETRY);
	served();
	assert_non_null(strstr(why, "not a JSON object"));
	answer(200, "[1,2]");
	assert_int_equal(
		google_event_patch(a, "tok", "primary", "sb1", ev, &answer_event, why, sizeof(why)),
		GOOGLE_RETRY);
	served();
	arena_free(a);
}

static void test_events_pages_and_an_expired_sync_token(void **state)
{
	struct arena *a = arena_new();
	char why[256];
	json_t *page;
	const char *np, *ns;

	answer(200,
	       "{\"kind\":\"calendar#events\",\"items\":[{\"id\":\"e1\"}],"
	       "\"nextSyncToken\":\"S2\"}");
	assert_int_equal(google_events_page(a, "t", "primary", "S1+/", NULL, &page, &np, &ns, why,
					    sizeof(why)),
			 GOOGLE_OK);
	served();
	assert_non_null(strstr(srv.request, "syncToken=S1%2B%2F"));
	assert_null(strstr(srv.request, "showDeleted"));
	assert_null(np);
	assert_string_equal(ns, "S2");
	assert_int_equal(json_array_size(json_object_get(page, "items")), 1);

	answer(200, "{\"kind\":\"calendar#events\",\"items\":{}}");
	assert_int_equal(google_events_page(a, "t", "primary", NULL, NULL, &page, &np, &ns, why,
					    sizeof(why)),
			 GOOGLE_RETRY);
	served();

	answer(410,
	       "{\"error\":{\"errors\":[{\"domain\":\"calendar\",\"reason\":\"fullSyncRequired\","
	       "\"message\":\"Sync token is no longer valid, a full sync is required.\","
	       "\"locationType\":\"parameter\",\"location\":\"syncToken\"}],\"code\":410,"
	       "\"message\":\"Sync token is no longer valid, a full sync is required.\"}}");
	assert_int_equal(google_events_page(a, "t", "primary", "S1", NULL, &page, &np, &ns, why,
					    sizeof(why)),
			 GOOGLE_GONE);
	served();
	assert_non_null(strstr(why, "fullSyncRequired"));
	arena_free(a);
}

static void test_watch_reads_the_expiration_string(void **state)
{
	struct arena *a = arena_new();
	char why[256];
	struct google_channel ch;

	answer(200,
	       "{\"kind\":\"api#channel\",\"id\":\"c1\",\"resourceId\":\"r1\","
	       "\"resourceUri\":\"https://www.googleapis.com/calendar/v3/calendars/"
	       "primary/events\","
	       "\"expiration\":\"1426325213000\"}");
	assert_int_equal(google_watch(a, "t", "primary", "c1", "https://x/hooks/google", "secret",
				      1426325213000LL, &ch, why, sizeof(why)),
			 GOOGLE_OK);
	served();
	assert_string_equal(ch.resource_id, "r1");
	assert_true(ch.expiration_ms == 1426325213000LL);
	assert_non_null(strstr(srv.request, "\"type\":\"web_hook\""));
	assert_non_null(strstr(srv.request, "\"token\":\"secret\""));
	arena_free(a);
}

static void test_revoking_a_token_already_gone_is_done(void **state)
{
	struct arena *a = arena_new();
	char why[256];

	answer(400,
	       "{\"error\":\"invalid_token\",\"error_description\":\"Token expired or revoked\"}");
	assert_int_equal(google_revoke(a, "1//r", why, sizeof(why)), GOOGLE_OK);
	served();
	assert_non_null(strstr(srv.request, "POST /revoke?token=1%2F%2Fr "));
	arena_free(a);
}

static void test_auth_url_and_event_id(void **state)
{
	struct arena *a = arena_new();

	conf_set("GOOGLE_AUTH_URL", "https://accounts.example/o/oauth2/v2/auth");
	conf_set("GOOGLE_CLIENT_ID", "id 1");
	const char *u = google_auth_url(a, "https://sb.example/settings/calendar/callback",
					"a.b&c");
	assert_non_null(strstr(u, "https://accounts.example/o/oauth2/v2/auth?response_type=code"));
	assert_non_null(strstr(u, "client_id=id%201"));
	assert_non_null(strstr(u, "state=a.b%26c"));
	assert_non_null(strstr(u, "access_type=offline"));
	assert_string_equal(gcal_event_id(a, "0F8FAD5B-D9CB-469F-A165-70867728950E"),
			    "sb0f8fad5bd9cb469fa16570867728950e");
	assert_null(gcal_event_id(a, "not-a-uuid"));
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_exchange_reads_tokens),
		cmocka_unit_test(test_refresh_without_refresh_token_keeps_none),
		cmocka_unit_test(test_invalid_grant_is_revoked),
		cmocka_unit_test(test_rate_limits_and_server_errors_retry),
		cmocka_unit_test(test_insert_sends_the_event_and_reads_a_conflict),
		cmocka_unit_test(test_garbled_event_answer_is_retried),
		cmocka_unit_test(test_events_pages_and_an_expired_sync_token),
		cmocka_unit_test(test_watch_reads_the_expiration_string),
		cmocka_unit_test(test_revoking_a_token_already_gone_is_done),
		cmocka_unit_test(test_auth_url_and_event_id),
	};

	webclient_global_init();
	conf_set("WEBCLIENT_ALLOW_LOOPBACK", "1");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
