/* mime.h: an email message as RFC 5322 text: headers, encoded words, quoted-printable parts */
#ifndef SB_MIME_H
#define SB_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct arena;

/* What goes into a message. Every text is UTF-8; NULL means "leave the header out". */
struct mime_message {
	const char *from_name;        /* display name of From (may be NULL) */
	const char *from_address;     /* required */
	const char *reply_to;         /* address only */
	const char *to;               /* required: one address */
	const char *subject;          /* required */
	const char *text;             /* required: the plain text part */
	const char *html;             /* NULL: a text/plain message alone */
	const char *message_id;       /* without brackets: "unique@domain"; required */
	time_t date;
	const char *unsubscribe_url;  /* https one-click address: List-Unsubscribe(-Post) */
	const char *boundary_seed;    /* a random word for the multipart boundary */
};

/*
 * True when address is one plain mailbox we are willing to put in a header or an envelope:
 * local@domain, printable ASCII, no space, control character, bracket, quote, comma or
 * semicolon, at most 254 bytes.
 */
bool mime_address_ok(const char *address);

/*
 * The header value for text: as it is when it is printable ASCII, else RFC 2047 encoded words
 * (=?UTF-8?B?...?=, each at most 75 characters, never splitting a character) separated by
 * CRLF and a space. Line breaks and control characters in text become spaces first, so no
 * value can start a header of its own. Returns the value (arena).
 */
char *mime_header_text(struct arena *a, const char *text);

/*
 * A display name and address for From: or To:: "Name" <address> with the name quoted or
 * encoded as mime_header_text() would, or <address> alone when name is NULL or empty.
 * Returns NULL when the address is not mime_address_ok(). The result is arena-owned.
 */
char *mime_mailbox(struct arena *a, const char *name, const char *address);

/*
 * text as a quoted-printable body (RFC 2045): CRLF line ends whatever the input used, lines of
 * at most 76 characters with soft breaks, "=" and bytes outside printable ASCII as =XX,
 * trailing spaces and a leading "." encoded. Returns the body (arena).
 */
char *mime_quoted_printable(struct arena *a, const char *text);

/*
 * The whole message: the headers (Date, From, Reply-To, To, Subject, Message-ID,
 * MIME-Version, List-Unsubscribe and List-Unsubscribe-Post when unsubscribe_url is set), each
 * folded at 78 characters, then text/plain alone or multipart/alternative with text/plain and
 * text/html, every part quoted-printable, every line ended by CRLF. Returns the message
 * (arena), or NULL when a required field is missing or an address is not mime_address_ok().
 */
char *mime_build(struct arena *a, const struct mime_message *m);

#endif
