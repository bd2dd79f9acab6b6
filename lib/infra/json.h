/* json.h: small helpers over jansson that tie JSON values to an arena */
#ifndef SB_JSON_H
#define SB_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Hand a reference to the arena (it decrefs on reset); returns v for chaining. */
json_t *json_to_arena(struct arena *a, json_t *v);

/*
 * Parse len bytes of JSON. Returns the value (owned by the arena) or NULL, with a readable
 * reason ("line 1 column 5: end of file expected") written to error (size errlen).
 */
json_t *json_parse(struct arena *a, const char *text, size_t len, char *error, size_t errlen);

/* Compact serialization into the arena; never NULL. */
char *json_text(struct arena *a, const json_t *v);

/* Member key of an object as a string (NULL when missing or not a string). Borrowed from
 * obj: valid while obj is. */
const char *json_str(const json_t *obj, const char *key);

/* Member key as an integer in *out; returns 0, or -1 when missing or not an integer. */
int json_long(const json_t *obj, const char *key, long *out);

/* Member key as a boolean; fallback when missing or not a boolean. */
bool json_bool(const json_t *obj, const char *key, bool fallback);

#endif
