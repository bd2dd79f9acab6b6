/* json.c: jansson helpers */
#include "infra/json.h"

#include <stdio.h>
#include <stdlib.h>

#include "infra/arena.h"

static void json_release(void *v)
{
	json_decref(v);
}

json_t *json_to_arena(struct arena *a, json_t *v)
{
	arena_defer(a, json_release, v);
	return v;
}

json_t *json_parse(struct arena *a, const char *text, size_t len, char *error, size_t errlen)
{
	json_error_t err;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);

	if (!v) {
		snprintf(error, errlen, "line %d column %d: %s", err.line, err.column, err.text);
		return NULL;
	}
	return json_to_arena(a, v);
}

char *json_text(struct arena *a, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (!s)
		return arena_strdup(a, "null");
	char *copy = arena_strdup(a, s);
	free(s);
	return copy;
}

const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int json_long(const json_t *obj, const char *key, long *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

bool json_bool(const json_t *obj, const char *key, bool fallback)
{
	json_t *v = json_object_get(obj, key);
	return json_is_boolean(v) ? json_is_true(v) : fallback;
}
