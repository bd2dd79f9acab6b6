/* text.h: small checks and cuts on text that every layer needs: ids, UTF-8 boundaries */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True for the 8-4-4-4-12 hex form PostgreSQL prints for a uuid; anything else names no row. */
bool text_is_uuid(const char *s);

/* True for s of exactly len bytes in the 8-4-4-4-12 hex form (a path segment, say). */
bool text_is_uuid_n(const char *s, size_t len);

/*
 * True for a provider id made of a fixed prefix and 32 hex digits, as Twilio's SIDs are
 * ("CA" + 32 hex for a call, "RE" for a recording, "AC" for an account).
 */
bool text_is_sid(const char *s, const char *prefix);

/* The number of characters (not bytes) in the UTF-8 text s. */
size_t text_utf8_chars(const char *s);

/*
 * The length in bytes of the longest prefix of s (len bytes) that is at most max bytes and
 * does not end inside a UTF-8 sequence. Cut there and the text stays valid UTF-8.
 */
size_t text_utf8_cut(const char *s, size_t len, size_t max);

/* The length in bytes of the first max characters of s (whole UTF-8 characters). */
size_t text_utf8_prefix_chars(const char *s, size_t max);

#endif
