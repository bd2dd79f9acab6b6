/* test_smtp.c: handing a message to a relay: sent over STARTTLS with AUTH, and each refusal
 * classed as worth retrying or not. Uses the stack's mail relay fake (SMTP_URL and friends, as
 * scripts/test exports them) where it needs a real relay; skipped without one. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "infra/smtp.h"
#include "infra/webclient.h"

static const char MESSAGE[] =
	"From: <noreply@switchboard.test>\r\nTo: <pat@example.test>\r\nSubject: test\r\n\r\nhi\r\n";

static struct smtp_request relay(void)
{
	struct smtp_request req = {
		.url = getenv("SMTP_URL"),
		.user = getenv("SMTP_USER"),
		.password = getenv("SMTP_PASSWORD"),
		.ca_file = getenv("SMTP_CA_FILE"),
		.envelope_from = "noreply@switchboard.test",
		.rcpt = "pat@example.test",
		.message = MESSAGE,
		.connect_timeout_ms = 2000,
		.timeout_ms = 5000,
		.response_timeout_ms = 2000,
	};
	return req;
}

static void test_the_relay_takes_a_message(void **state)
{
	struct smtp_request req = relay();
	struct smtp_result res;
	if (!req.url)
		skip();
	assert_int_equal(smtp_send(&req, &res), 0);
	assert_string_equal(res.message, "");
}

static void test_a_wrong_password_is_not_retried(void **state)
{
	struct smtp_request req = relay();
	struct smtp_result res;
	if (!req.url)
		skip();
	req.password = "not-the-password";
	assert_int_equal(smtp_send(&req, &res), -1);
	assert_int_equal(res.reply, 535);
	assert_false(res.retryable);
}

static void test_a_relay_whose_certificate_is_not_trusted_is_refused(void **state)
{
	struct smtp_request req = relay();
	struct smtp_result res;
	if (!req.url)
		skip();
	req.ca_file = "/etc/ssl/certs/ca-certificates.crt";  /* not the test CA */
	assert_int_equal(smtp_send(&req, &res), -1);
	assert_false(res.retryable);
	assert_non_null(strstr(res.message, "could not reach the mail relay"));
}

static void test_bad_input_is_refused_before_connecting(void **state)
{
	struct smtp_request req = relay();
	struct smtp_result res;
	req.url = "http://127.0.0.1:1/";
	assert_int_equal(smtp_send(&req, &res), -1);
	assert_false(res.retryable);
	req.url = "smtp://127.0.0.1:1";
	req.rcpt = NULL;
	assert_int_equal(smtp_send(&req, &res), -1);
}

static void test_a_closed_port_is_retried(void **state)
{
	struct smtp_request req = relay();
	struct smtp_result res;
	req.url = "smtp://127.0.0.1:1";
	assert_int_equal(smtp_send(&req, &res), -1);
	assert_true(res.retryable);
	assert_int_equal(res.reply, 0);
}

/* A relay that offers no STARTTLS: greets, answers EHLO and waits. */
static void *plain_relay(void *arg)
{
	int listener = *(int *)arg;
	int c = accept(listener, NULL, NULL);
	char buf[512];
	if (c < 0)
		return NULL;
	if (write(c, "220 plain\r\n", 11) < 0)
		goto out;
	while (read(c, buf, sizeof(buf)) > 0) {
		if (!strncmp(buf, "EHLO", 4) || !strncmp(buf, "HELO", 4)) {
			if (write(c, "250 plain\r\n", 11) < 0)
				break;
		} else if (!strncmp(buf, "QUIT", 4)) {
			if (write(c, "221 bye\r\n", 9) < 0)
				break;
			break;
		} else if (write(c, "502 no\r\n", 8) < 0) {
			break;
		}
	}
out:
	close(c);
	return NULL;
}

static void test_a_relay_without_starttls_gets_nothing(void **state)
{
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	pthread_t thread;
	char url[64];
	struct smtp_result res;

	assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(listener, 1), 0);
	getsockname(listener, (struct sockaddr *)&addr, &len);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(addr.sin_port));
	pthread_create(&thread, NULL, plain_relay, &listener);
	struct smtp_request req = relay();
	req.url = url;
	req.user = NULL;
	assert_int_equal(smtp_send(&req, &res), -1);
	assert_false(res.retryable);
	pthread_join(thread, NULL);
	close(listener);
}

int main(void)
{
	webclient_global_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_relay_takes_a_message),
		cmocka_unit_test(test_a_wrong_password_is_not_retried),
		cmocka_unit_test(test_a_relay_whose_certificate_is_not_trusted_is_refused),
		cmocka_unit_test(test_bad_input_is_refused_before_connecting),
		cmocka_unit_test(test_a_closed_port_is_retried),
		cmocka_unit_test(test_a_relay_without_starttls_gets_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
