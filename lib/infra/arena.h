/* arena.h: per-request (or per-call) memory pools, freed all at once */
#ifndef SB_ARENA_H
#define SB_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

/* A function the arena calls on reset, to release a foreign object. */
typedef void (*arena_release_fn)(void *object);

/* Create an empty arena. Aborts on out-of-memory. The caller frees it with arena_free(). */
struct arena *arena_new(void);

/* Release every allocation and every deferred object, keeping the first chunk for reuse. */
void arena_reset(struct arena *a);

/* Reset the arena and free it. NULL is accepted. */
void arena_free(struct arena *a);

/* Return size bytes aligned for any type, owned by the arena. Aborts on out-of-memory. */
void *arena_alloc(struct arena *a, size_t size);

/* Like arena_alloc(), zero-filled; owned by the arena. */
void *arena_calloc(struct arena *a, size_t count, size_t size);

/* Copy a NUL-terminated string (NULL gives NULL) or len bytes of one, into the arena (the
 * copy is owned by the arena). */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);

/* printf (or vprintf) into the arena; the result is owned by the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/*
 * Hand a foreign object (a PGresult, a json_t, a curl handle) to the arena: release(object)
 * runs on the next reset, in reverse order of registration. NULL objects are ignored.
 */
void arena_defer(struct arena *a, arena_release_fn release, void *object);

/* Bytes currently held by the arena's chunks (for memory reports and tests). */
size_t arena_bytes_held(const struct arena *a);

#endif
