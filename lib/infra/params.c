/* params.c: decoding query strings and forms into name=value pairs */
#include "infra/params.h"

#include <string.h>

#include "infra/arena.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one form component; -1 for a broken %-escape or an embedded NUL. */
static char *form_decode(struct arena *a, const char *s, size_t len)
{
	char *out = arena_alloc(a, len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= len)
				return NULL;
			int hi = hex_value(s[i + 1]);
			int lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int params_parse(struct arena *a, const char *text, size_t len, struct param **out)
{
	int count = 0, cap = 0;
	struct param *list = NULL;

	*out = NULL;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '&')
			end++;
		if (end > i) {
			const char *part = text + i;
			size_t plen = end - i;
			const char *eq = memchr(part, '=', plen);
			size_t nlen = eq ? (size_t)(eq - part) : plen;
			char *name = form_decode(a, part, nlen);
			char *value = eq ? form_decode(a, eq + 1, plen - nlen - 1) : arena_strdup(a, "");
			if (!name || !value)
				return -1;
			if (count == cap) {
				cap = cap ? cap * 2 : 16;
				struct param *grown = arena_alloc(a, (size_t)cap * sizeof(*grown));
				if (count)
					memcpy(grown, list, (size_t)count * sizeof(*grown));
				list = grown;
			}
			list[count].name = name;
			list[count].value = value;
			count++;
		}
		i = end + 1;
	}
	*out = list;
	return count;
}
