/* test_webclient.c: a streamed request hands bytes on as they come, stops, times out, reuses;
 * a request for public addresses only never connects anywhere else */
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
#include <time.h>
#include <unistd.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/webclient.h"

/*
 * A loopback HTTP server for `requests` requests, over as few connections as the client
 * keeps: each answer is the head, then the body in two halves with pause_ms between them.
 */
struct server {
	int listener;
	pthread_t thread;
	int requests;
	int pause_ms;
	const char *body;
	int accepted;                /* connections the client opened */
	char url[64];
};

static struct server srv;

/* Read one request (head and Content-Length body); 0, or -1 when the client hung up. */
static int read_request(int fd)
{
	char request[8192];
	size_t len = 0;

	while (len < sizeof(request) - 1) {
		ssize_t n = read(fd, request + len, sizeof(request) - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		request[len] = '\0';
		const char *head_end = strstr(request, "\r\n\r\n");
		if (!head_end)
			continue;
		const char *cl = strcasestr(request, "Content-Length:");
		size_t head = (size_t)(head_end + 4 - request);
		size_t want = head + (cl ? strtoul(cl + 15, NULL, 10) : 0);
		if (len >= want)
			return 0;
	}
	return -1;
}

static void *serve_loop(void *arg)
{
	struct server *s = arg;
	int fd = -1;
	size_t len = strlen(s->body), half = len / 2;
	char head[160];

	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: audio/basic\r\n"
		 "Content-Length: %zu\r\n\r\n", len);
	for (int served = 0; served < s->requests;) {
		if (fd < 0) {
			fd = accept(s->listener, NULL, NULL);
			if (fd < 0)
				return NULL;
			s->accepted++;
		}
		if (read_request(fd) < 0) {
			/* The client closed the connection: the next request comes on a new one. */
			close(fd);
			fd = -1;
			continue;
		}
		send(fd, head, strlen(head), MSG_NOSIGNAL);
		send(fd, s->body, half, MSG_NOSIGNAL);
		usleep((useconds_t)s->pause_ms * 1000);
		send(fd, s->body + half, len - half, MSG_NOSIGNAL);
		served++;
	}
	/* Let the client see the whole of the last answer before the connection closes. */
	usleep(50 * 1000);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void serve(int requests, int pause_ms, const char *body)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t addrlen = sizeof(addr);

	memset(&srv, 0, sizeof(srv));
	srv.requests = requests;
	srv.pause_ms = pause_ms;
	srv.body = body;
	srv.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv.listener >= 0);
	assert_int_equal(bind(srv.listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(srv.listener, 4), 0);
	getsockname(srv.listener, (struct sockaddr *)&addr, &addrlen);
	snprintf(srv.url, sizeof(srv.url), "http://127.0.0.1:%d/speak", ntohs(addr.sin_port));
	assert_int_equal(pthread_create(&srv.thread, NULL, serve_loop, &srv), 0);
}

static void serve_stop(void)
{
	/* A server still waiting for a request it will not get is woken by the listener closing. */
	shutdown(srv.listener, SHUT_RDWR);
	pthread_join(srv.thread, NULL);
	close(srv.listener);
}

/* What on_body saw, and when to stop. */
struct reader {
	struct buf body;
	long status;
	char type[64];
	int pieces;
	size_t stop_after;           /* ask to stop once this many bytes came; 0 for never */
};

static int take(void *arg, long status, const char *type, const char *bytes, size_t n)
{
	struct reader *r = arg;

	r->status = status;
	snprintf(r->type, sizeof(r->type), "%s", type ? type : "");
	buf_add(&r->body, bytes, n);
	r->pieces++;
	return r->stop_after && r->body.len >= r->stop_after ? -1 : 0;
}

static struct webclient_stream_request request(struct reader *r)
{
	static const char *const headers[] = { "Content-Type: application/json", NULL };
	struct webclient_stream_request req = {
		.method = "POST",
		.url = srv.url,
		.headers = headers,
		.body = "{\"text\":\"hello\"}",
		.body_len = 16,
		.on_body = take,
		.arg = r,
	};
	return req;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_body_arrives_as_it_comes(void **state)
{
	struct reader r = { .body = BUF_INIT };
	struct webclient_stream_result res;

	serve(1, 100, "0123456789abcdef");
	struct webclient_stream_request req = request(&r);
	req.timeout_ms = 5000;
	assert_int_equal(webclient_stream(&req, &res), 0);
	serve_stop();
	assert_int_equal(res.status, 200);
	assert_string_equal(buf_str(&r.body), "0123456789abcdef");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "audio/basic");
	/* The pause split the body: the first half was handed on before the second came. */
	assert_true(r.pieces >= 2);
	buf_release(&r.body);
}

static void test_reader_stops_the_transfer(void **state)
{
	struct reader r = { .body = BUF_INIT, .stop_after = 1 };
	struct webclient_stream_result res;
	struct timespec start;

	serve(1, 1000, "0123456789abcdef");
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct webclient_stream_request req = request(&r);
	req.timeout_ms = 5000;
	assert_int_equal(webclient_stream(&req, &res), -1);
	assert_true(ms_since(&start) < 900);
	serve_stop();
	assert_true(res.stopped);
	assert_false(res.idle);
	assert_string_equal(buf_str(&r.body), "01234567");
	buf_release(&r.body);
}

static void test_silence_past_the_idle_limit_ends_it(void **state)
{
	struct reader r = { .body = BUF_INIT };
	struct webclient_stream_result res;
	struct timespec start;

	serve(1, 1000, "0123456789abcdef");
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct webclient_stream_request req = request(&r);
	req.idle_timeout_ms = 150;
	assert_int_equal(webclient_stream(&req, &res), -1);
	long took = ms_since(&start);
	serve_stop();
	assert_true(res.idle);
	assert_false(res.stopped);
	assert_true(took >= 150 && took < 900);
	assert_string_equal(buf_str(&r.body), "01234567");
	buf_release(&r.body);
}

static void test_whole_request_timeout(void **state)
{
	struct reader r = { .body = BUF_INIT };
	struct webclient_stream_result res;

	serve(1, 600, "0123456789abcdef");
	struct webclient_stream_request req = request(&r);
	req.timeout_ms = 150;
	assert_int_equal(webclient_stream(&req, &res), -1);
	serve_stop();
	assert_true(res.timed_out);
	assert_true(res.error[0] != '\0');
	buf_release(&r.body);
}

static void test_kept_connection_is_reused(void **state)
{
	struct reader r = { .body = BUF_INIT };
	struct webclient_stream_result res;

	serve(2, 0, "abcd");
	struct webclient_stream_request req = request(&r);
	req.keep_connection = 1;
	req.idle_timeout_ms = 2000;
	assert_int_equal(webclient_stream(&req, &res), 0);
	assert_int_equal(webclient_stream(&req, &res), 0);
	serve_stop();
	assert_string_equal(buf_str(&r.body), "abcdabcd");
	assert_int_equal(srv.accepted, 1);
	buf_release(&r.body);
}

static void test_nobody_listening(void **state)
{
	struct reader r = { .body = BUF_INIT };
	struct webclient_stream_result res;
	struct webclient_stream_request req = request(&r);

	req.url = "http://127.0.0.1:1/speak";
	req.timeout_ms = 2000;
	assert_int_equal(webclient_stream(&req, &res), -1);
	assert_int_equal(res.status, 0);
	assert_false(res.timed_out || res.stopped || res.idle);
	assert_true(res.error[0] != '\0');
	assert_int_equal(r.pieces, 0);
}

/* Whether the textual address (IPv4 or IPv6) passes webclient_address_public. */
static bool public(const char *text, bool allow_loopback)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, text, &in.sin_addr) == 1)
		return webclient_address_public((struct sockaddr *)&in, allow_loopback);
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	return webclient_address_public((struct sockaddr *)&in6, allow_loopback);
}

static void test_only_public_addresses_pass(void **state)
{
	static const char *const closed[] = {
		"127.0.0.1", "127.1.2.3", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
		"192.168.1.1", "169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200",
		"224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1", "192.0.0.170",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
		"64:ff9b::a9fe:a9fe", "fd00:ec2::254", "fc00::1", "fe80::1", "ff02::1",
		"2002:7f00:1::1", "2002:a9fe:a9fe::1", "::127.0.0.1", "2001:db8::1", "2001::1",
	};
	static const char *const open[] = {
		"8.8.8.8", "54.172.60.0", "172.32.0.1", "100.128.0.1", "1.1.1.1",
		"2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:0808:0808::1", "64:ff9b::808:808",
	};

	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		if (public(closed[i], false))
			fail_msg("%s passed as public", closed[i]);
	}
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		if (!public(open[i], false))
			fail_msg("%s was refused", open[i]);
	}
	/* Loopback opens for a test stack; nothing else does. */
	assert_true(public("127.0.0.1", true));
	assert_true(public("::1", true));
	assert_true(public("::ffff:127.0.0.1", true));
	assert_false(public("169.254.169.254", true));
	assert_false(public("10.0.0.1", true));
	assert_false(public("::", true));
}

static void test_a_public_only_fetch_never_connects_to_loopback(void **state)
{
	struct arena *a = arena_new();
	struct webclient_response resp;

	serve(1, 0, "secret");
	struct webclient_request get = { .method = "GET", .url = srv.url, .timeout_ms = 2000,
					 .public_only = 1 };
	assert_int_equal(webclient_fetch(a, &get, &resp), -1);
	assert_int_equal(resp.status, 0);
	assert_string_equal(resp.error, "the address is not a public one");
	/* By name too: the check sees the address the name resolved to. */
	char by_name[80];
	snprintf(by_name, sizeof(by_name), "http://localhost:%s", strrchr(srv.url, ':') + 1);
	get.url = by_name;
	assert_int_equal(webclient_fetch(a, &get, &resp), -1);
	/* Metadata addresses are refused before any packet leaves. */
	get.url = "http://169.254.169.254/latest/meta-data/";
	assert_int_equal(webclient_fetch(a, &get, &resp), -1);
	assert_string_equal(resp.error, "the address is not a public one");
	serve_stop();
	assert_int_equal(srv.accepted, 0);

	/* A request without the flag (a provider client talking to a local fake) is untouched. */
	serve(1, 0, "public");
	get.url = srv.url;
	get.public_only = 0;
	assert_int_equal(webclient_fetch(a, &get, &resp), 0);
	serve_stop();
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "public");

	/* And a test stack's setting opens loopback to flagged requests. */
	conf_set("WEBCLIENT_ALLOW_LOOPBACK", "1");
	serve(1, 0, "stack");
	get.public_only = 1;
	assert_int_equal(webclient_fetch(a, &get, &resp), 0);
	serve_stop();
	conf_set("WEBCLIENT_ALLOW_LOOPBACK", NULL);
	assert_string_equal(resp.body, "stack");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_arrives_as_it_comes),
		cmocka_unit_test(test_reader_stops_the_transfer),
		cmocka_unit_test(test_silence_past_the_idle_limit_ends_it),
		cmocka_unit_test(test_whole_request_timeout),
		cmocka_unit_test(test_kept_connection_is_reused),
		cmocka_unit_test(test_nobody_listening),
		cmocka_unit_test(test_only_public_addresses_pass),
		cmocka_unit_test(test_a_public_only_fetch_never_connects_to_loopback),
	};
	webclient_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
