/* text.c: small checks and cuts on text that every layer needs: ids, UTF-8 boundaries */
#include "infra/text.h"

#include <string.h>

static const char HEX[] = "0123456789abcdefABCDEF";

/* A UTF-8 continuation byte starts no character. */
static bool is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

bool text_is_uuid_n(const char *s, size_t len)
{
	if (!s || len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!s[i] || !strchr(HEX, s[i])) {
			return false;
		}
	}
	return true;
}

bool text_is_uuid(const char *s)
{
	return s && text_is_uuid_n(s, strnlen(s, 37));
}

bool text_is_sid(const char *s, const char *prefix)
{
	size_t plen = strlen(prefix);

	return s && strnlen(s, plen + 33) == plen + 32 && !strncmp(s, prefix, plen) &&
	       strspn(s + plen, HEX) == 32;
}

size_t text_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += !is_continuation((unsigned char)*s);
	return n;
}

size_t text_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len && is_continuation((unsigned char)s[len]))
		len--;
	return len;
}

size_t text_utf8_prefix_chars(const char *s, size_t max)
{
	size_t len = 0, chars = 0;

	for (; s[len]; len++)
		if (!is_continuation((unsigned char)s[len]) && chars++ == max)
			break;
	return len;
}
