/* mime.c: building an email message as RFC 5322 text, safe against header injection */
#include "infra/mime.h"

#include <stdio.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/buf.h"
#include "infra/crypto.h"
#include "infra/text.h"

/* Bytes of UTF-8 per encoded word: 36 make 48 base64 characters, a 60-character word. */
#define WORD_BYTES 36
/* Longest header line we write before folding (RFC 5322 recommends 78). */
#define HEADER_WIDTH 78
/* Longest quoted-printable line before its soft break "=" (RFC 2045: 76 in all). */
#define QP_WIDTH 75

static const char HEXDIGITS[] = "0123456789ABCDEF";

bool mime_address_ok(const char *address)
{
	if (!address)
		return false;
	size_t len = strnlen(address, 255);
	const char *at = strchr(address, '@');
	if (len == 0 || len > 254 || !at || at == address || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)address; *p; p++)
		if (*p <= ' ' || *p >= 127 || strchr("<>()[]\\,;:\"", *p))
			return false;
	return true;
}

/* True when s is printable ASCII and holds nothing a reader could take for an encoded word. */
static bool plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p >= 127)
			return false;
	return !strstr(s, "=?");
}

/* s with every control character (CR and LF among them) made a space; arena-owned. */
static char *flatten(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s);
	for (unsigned char *p = (unsigned char *)out; *p; p++)
		if (*p < ' ' || *p == 127)
			*p = ' ';
	return out;
}

/* Encoded words for s, joined by CRLF and a space. */
static char *encoded_words(struct arena *a, const char *s)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(s), at = 0;

	while (at < len) {
		size_t n = text_utf8_cut(s + at, len - at, WORD_BYTES);
		if (n == 0)  /* a stray continuation byte: take it alone rather than loop */
			n = 1;
		char *b64 = crypto_base64(a, (const unsigned char *)s + at, n);
		buf_printf(&b, "%s=?UTF-8?B?%s?=", at ? "\r\n " : "", b64);
		at += n;
	}
	char *out = arena_strdup(a, b.len ? buf_str(&b) : "");
	buf_release(&b);
	return out;
}

char *mime_header_text(struct arena *a, const char *text)
{
	char *flat = flatten(a, text ? text : "");
	return plain_ascii(flat) ? flat : encoded_words(a, flat);
}

char *mime_mailbox(struct arena *a, const char *name, const char *address)
{
	if (!mime_address_ok(address))
		return NULL;
	if (!name || !*name)
		return arena_printf(a, "<%s>", address);
	char *flat = flatten(a, name);
	if (!plain_ascii(flat))
		return arena_printf(a, "%s <%s>", encoded_words(a, flat), address);
	struct buf b = BUF_INIT;
	buf_putc(&b, '"');
	for (const char *p = flat; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *p);
	}
	buf_printf(&b, "\" <%s>", address);
	char *out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

char *mime_quoted_printable(struct arena *a, const char *text)
{
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t col = 0;

	buf_puts(&b, "");
	for (; *p; p++) {
		if (*p == '\r' || *p == '\n') {
			if (*p == '\r' && p[1] == '\n')
				p++;
			buf_puts(&b, "\r\n");
			col = 0;
			continue;
		}
		bool line_end = !p[1] || p[1] == '\r' || p[1] == '\n';
		bool encode = (*p < ' ' && *p != '\t') || *p >= 127 || *p == '=' ||
			      ((*p == ' ' || *p == '\t') && line_end);
		size_t width = encode ? 3 : 1;
		if (col + width > QP_WIDTH) {
			buf_puts(&b, "=\r\n");
			col = 0;
		}
		/* A line that starts with "." would be dot-stuffed by the transport. */
		if (col == 0 && *p == '.')
			encode = true, width = 3;
		if (encode)
			buf_printf(&b, "=%c%c", HEXDIGITS[*p >> 4], HEXDIGITS[*p & 15]);
		else
			buf_putc(&b, (char)*p);
		col += width;
	}
	char *out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

/* "Name: value" CRLF, folded before a space when a line would pass HEADER_WIDTH. The value is
 * ASCII with no CR or LF except the folds mime_header_text() put in. */
static void header(struct buf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;

	buf_printf(b, "%s: ", name);
	for (const char *p = value; *p;) {
		if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
			buf_puts(b, "\r\n ");
			col = 1;
			p += 3;
			continue;
		}
		size_t word = strcspn(p + 1, " \r") + 1;
		if (*p == ' ' && col + word > HEADER_WIDTH && col > 1) {
			buf_puts(b, "\r\n");
			col = 0;
		}
		buf_add(b, p, word);
		col += word;
		p += word;
	}
	buf_puts(b, "\r\n");
}

/* RFC 5322 date in UTC, with English names whatever the locale. */
static char *rfc5322_date(struct arena *a, time_t when)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&when, &tm);
	return arena_printf(a, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
			    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
			    tm.tm_min, tm.tm_sec);
}

/* A word of letters and digits (a boundary seed, a URL we checked), or not. */
static bool is_word(const char *s, const char *also)
{
	if (!s || !*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(also, *p)))
			return false;
	return true;
}

static void part(struct buf *b, const char *type, struct arena *a, const char *body)
{
	buf_printf(b, "Content-Type: %s; charset=UTF-8\r\n"
		   "Content-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", type,
		   mime_quoted_printable(a, body));
}

char *mime_build(struct arena *a, const struct mime_message *m)
{
	const char *from = mime_mailbox(a, m->from_name, m->from_address);
	const char *to = mime_mailbox(a, NULL, m->to);

	if (!from || !to || !m->subject || !m->text || !mime_address_ok(m->message_id) ||
	    (m->reply_to && !mime_address_ok(m->reply_to)) ||
	    (m->html && !is_word(m->boundary_seed, "")) ||
	    (m->unsubscribe_url && (strncmp(m->unsubscribe_url, "https://", 8) &&
				    strncmp(m->unsubscribe_url, "http://", 7))) ||
	    (m->unsubscribe_url && !is_word(m->unsubscribe_url, ":/.-_~%?=&+")))
		return NULL;

	struct buf b = BUF_INIT;
	header(&b, "Date", rfc5322_date(a, m->date));
	header(&b, "From", from);
	if (m->reply_to)
		header(&b, "Reply-To", mime_mailbox(a, NULL, m->reply_to));
	header(&b, "To", to);
	header(&b, "Subject", mime_header_text(a, m->subject));
	header(&b, "Message-ID", arena_printf(a, "<%s>", m->message_id));
	header(&b, "MIME-Version", "1.0");
	if (m->unsubscribe_url) {
		header(&b, "List-Unsubscribe", arena_printf(a, "<%s>", m->unsubscribe_url));
		header(&b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
	}
	if (!m->html) {
		part(&b, "text/plain", a, m->text);
	} else {
		/* "=_" never occurs in quoted-printable text, so no part can contain the
		 * boundary. */
		const char *boundary = arena_printf(a, "=_sb_%s", m->boundary_seed);
		buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n",
			   boundary);
		buf_printf(&b, "--%s\r\n", boundary);
		part(&b, "text/plain", a, m->text);
		buf_printf(&b, "--%s\r\n", boundary);
		part(&b, "text/html", a, m->html);
		buf_printf(&b, "--%s--\r\n", boundary);
	}
	char *out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}
