/* params.h: query strings and forms (x-www-form-urlencoded) decoded into name=value pairs */
#ifndef SB_PARAMS_H
#define SB_PARAMS_H

#include <stddef.h>

struct arena;

/* One name=value pair of a query string or form, decoded, in the order received. */
struct param {
	const char *name;
	const char *value;
};

/*
 * Decode an application/x-www-form-urlencoded string of len bytes into pairs (arena).
 * Returns the count, or -1 when an escape is malformed or a value is not UTF-8-safe text.
 */
int params_parse(struct arena *a, const char *text, size_t len, struct param **out);

#endif
