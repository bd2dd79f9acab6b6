/* test_mime.c: email messages as RFC 5322 text: folding, encoded words, quoted-printable, CRLF,
 * and no header a name or a subject could add */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/mime.h"

static struct arena *a;

static int setup(void **state)
{
	a = arena_new();
	return 0;
}

static int teardown(void **state)
{
	arena_free(a);
	return 0;
}

/* Every line ends in CRLF (no bare CR or LF) and none is longer than max. */
static void assert_lines(const char *s, size_t max)
{
	size_t col = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			p++;
			col = 0;
			continue;
		}
		assert_int_not_equal(*p, '\n');
		col++;
		assert_true(col <= max);
	}
}

/* The text of the encoded words of a header value, decoded and joined. */
static char *decode_words(const char *value)
{
	char *out = arena_strdup(a, "");
	const char *p = value;
	while ((p = strstr(p, "=?UTF-8?B?"))) {
		p += 10;
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		unsigned char *bytes;
		long n = crypto_base64_decode(a, arena_strndup(a, p, (size_t)(end - p)), &bytes);
		assert_true(n >= 0);
		out = arena_printf(a, "%s%.*s", out, (int)n, (const char *)bytes);
		p = end + 2;
	}
	return out;
}

static void test_ascii_header_text_stays_readable(void **state)
{
	assert_string_equal(mime_header_text(a, "New booking: Pat Lee"), "New booking: Pat Lee");
	/* Something a reader would take for an encoded word is encoded itself. */
	assert_non_null(strstr(mime_header_text(a, "=?UTF-8?B?x?="), "=?UTF-8?B?"));
	assert_string_equal(decode_words(mime_header_text(a, "=?UTF-8?B?x?=")), "=?UTF-8?B?x?=");
}

static void test_encoded_words_are_short_and_never_split_a_character(void **state)
{
	const char *subject = "Réservation confirmée — José Núñez, café crème, 東京の予約です";
	char *v = mime_header_text(a, subject);
	assert_string_equal(decode_words(v), subject);
	/* Each word at most 75 characters, each line one word. */
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, "\r");
		assert_true(n <= 76);
		assert_true(n >= 1);
		p += n;
		if (*p)
			p += 3;  /* CRLF + space */
	}
	/* Every word decodes to whole characters on its own. */
	for (const char *p = v; (p = strstr(p, "=?UTF-8?B?"));) {
		p += 10;
		const char *end = strstr(p, "?=");
		unsigned char *bytes;
		long n = crypto_base64_decode(a, arena_strndup(a, p, (size_t)(end - p)), &bytes);
		assert_true(n > 0);
		assert_int_not_equal(bytes[0] & 0xC0, 0x80);
		p = end;
	}
}

static void test_line_breaks_in_a_subject_or_name_become_spaces(void **state)
{
	char *v = mime_header_text(a, "Hi\r\nBcc: victim@example.test\nX: y");
	assert_null(strchr(v, '\r'));
	assert_null(strchr(v, '\n'));
	assert_string_equal(v, "Hi  Bcc: victim@example.test X: y");
	char *box = mime_mailbox(a, "Acme\r\nBcc: x@example.test", "noreply@example.test");
	assert_string_equal(box, "\"Acme  Bcc: x@example.test\" <noreply@example.test>");
	/* Quotes and backslashes in a name are escaped inside its quoted string. */
	assert_string_equal(mime_mailbox(a, "A \"B\" \\ C", "n@example.test"),
			    "\"A \\\"B\\\" \\\\ C\" <n@example.test>");
	char *utf8 = mime_mailbox(a, "Zoë\nBcc: x", "n@example.test");
	assert_null(strchr(utf8, '\n'));
	assert_string_equal(decode_words(utf8), "Zoë Bcc: x");
}

static void test_addresses_are_one_plain_mailbox(void **state)
{
	assert_true(mime_address_ok("pat.lee+x@example.test"));
	assert_false(mime_address_ok("pat@example.test\r\nRCPT TO:<x@y>"));
	assert_false(mime_address_ok("a@b.test, c@d.test"));
	assert_false(mime_address_ok("Pat <pat@example.test>"));
	assert_false(mime_address_ok("nobody"));
	assert_false(mime_address_ok("@example.test"));
	assert_false(mime_address_ok("a@"));
	assert_false(mime_address_ok("a@b@c"));
	assert_false(mime_address_ok("zoë@example.test"));
	assert_false(mime_address_ok(NULL));
	assert_null(mime_mailbox(a, "X", "a@b.test>\r\nBcc: c@d.test"));
}

static void test_quoted_printable(void **state)
{
	assert_string_equal(mime_quoted_printable(a, "Hello, world\n"), "Hello, world\r\n");
	assert_string_equal(mime_quoted_printable(a, "a=b café"), "a=3Db caf=C3=A9");
	/* A trailing space or tab is encoded; a line starting with "." is too. */
	assert_string_equal(mime_quoted_printable(a, "end \nnext\t\n.dot"),
			    "end=20\r\nnext=09\r\n=2Edot");
	/* CRLF and lone LF both end a line, once. */
	assert_string_equal(mime_quoted_printable(a, "a\r\nb\nc"), "a\r\nb\r\nc");
	/* A long line is broken with soft breaks, none over 76 characters. */
	char long_line[400];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	long_line[100] = '=';
	char *qp = mime_quoted_printable(a, long_line);
	assert_lines(qp, 76);
	assert_non_null(strstr(qp, "=\r\n"));
	/* Control characters are encoded, not passed through. */
	assert_string_equal(mime_quoted_printable(a, "a\x01z\x7f"), "a=01z=7F");
}

static void test_a_whole_message(void **state)
{
	struct mime_message m = {
		.from_name = "Zoë's Plumbing",
		.from_address = "noreply@mail.example.test",
		.reply_to = "office@zoe.example.test",
		.to = "owner@acme.example.test",
		.subject = "A subject long enough that the header has to be folded before the "
			   "seventy-eighth column of its line, at a space",
		.text = "Line one\nLine two\n",
		.html = "<p>Hello</p>",
		.message_id = "0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f6@mail.example.test",
		.date = 1736258580,  /* Tue, 07 Jan 2025 14:03:00 +0000 */
		.unsubscribe_url = "https://app.example.test/u/abcdef",
		.boundary_seed = "8f3a",
	};
	char *msg = mime_build(a, &m);
	assert_non_null(msg);
	assert_lines(msg, 78);
	assert_non_null(strstr(msg, "Date: Tue, 07 Jan 2025 14:03:00 +0000\r\n"));
	assert_non_null(strstr(msg, "Reply-To: <office@zoe.example.test>\r\n"));
	assert_non_null(strstr(msg, "To: <owner@acme.example.test>\r\n"));
	assert_non_null(strstr(msg, "Message-ID: <0b9c2f4e-1d2a-4c3b-9e8f-a1b2c3d4e5f6"
				    "@mail.example.test>\r\n"));
	assert_non_null(strstr(msg, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "List-Unsubscribe: <https://app.example.test/u/abcdef>\r\n"));
	assert_non_null(strstr(msg, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	assert_non_null(strstr(msg, "Subject: A subject long enough that the header has to be "
				    "folded before the\r\n seventy-eighth"));
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative; "
				    "boundary=\"=_sb_8f3a\"\r\n\r\n--=_sb_8f3a\r\n"
				    "Content-Type: text/plain; charset=UTF-8\r\n"
				    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
				    "Line one\r\nLine two\r\n"));
	const char *html = strstr(msg, "Content-Type: text/html");
	const char *plain = strstr(msg, "Content-Type: text/plain");
	assert_true(plain && html && plain < html);
	assert_non_null(strstr(msg, "<p>Hello</p>\r\n--=_sb_8f3a--\r\n"));
	/* Headers are ASCII; the name went into an encoded word. */
	const char *body = strstr(msg, "\r\n\r\n");
	for (const char *p = msg; p < body; p++)
		assert_true((unsigned char)*p < 128);
	assert_non_null(strstr(msg, "From: =?UTF-8?B?"));
	/* No unsubscribe: no List-Unsubscribe; no HTML: text/plain alone. */
	m.unsubscribe_url = NULL;
	m.html = NULL;
	msg = mime_build(a, &m);
	assert_null(strstr(msg, "List-Unsubscribe"));
	assert_null(strstr(msg, "multipart"));
	assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\n"));
}

static void test_a_message_with_a_bad_field_is_not_built(void **state)
{
	struct mime_message m = {
		.from_address = "noreply@mail.example.test", .to = "owner@acme.example.test",
		.subject = "s", .text = "t", .message_id = "x@mail.example.test", .date = 0,
	};
	assert_non_null(mime_build(a, &m));
	m.to = "owner@acme.example.test\r\nBcc: x@y.test";
	assert_null(mime_build(a, &m));
	m.to = "owner@acme.example.test";
	m.reply_to = "a@b.test, c@d.test";
	assert_null(mime_build(a, &m));
	m.reply_to = NULL;
	m.message_id = "x@y>\r\nBcc: z@w";
	assert_null(mime_build(a, &m));
	m.message_id = "x@mail.example.test";
	m.unsubscribe_url = "https://a.test/u/x>\r\nBcc: z@w";
	assert_null(mime_build(a, &m));
	m.unsubscribe_url = "javascript:alert(1)";
	assert_null(mime_build(a, &m));
	m.unsubscribe_url = NULL;
	m.html = "<p>x</p>";
	m.boundary_seed = "a\"b";
	assert_null(mime_build(a, &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_header_text_stays_readable),
		cmocka_unit_test(test_encoded_words_are_short_and_never_split_a_character),
		cmocka_unit_test(test_line_breaks_in_a_subject_or_name_become_spaces),
		cmocka_unit_test(test_addresses_are_one_plain_mailbox),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_a_whole_message),
		cmocka_unit_test(test_a_message_with_a_bad_field_is_not_built),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
