/* arena.c: chunked bump allocator with deferred release of foreign objects */
#include "infra/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/xalloc.h"

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct deferred {
	struct deferred *next;
	arena_release_fn release;
	void *object;
};

struct arena {
	struct chunk *chunks;       /* newest first; the last one is kept across resets */
	struct deferred *deferred;  /* newest first, so release runs in reverse order */
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = xmalloc(sizeof(*c) + size);

	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *arena_new(void)
{
	struct arena *a = xmalloc(sizeof(*a));

	a->chunks = chunk_new(ARENA_CHUNK);
	a->deferred = NULL;
	return a;
}

void arena_reset(struct arena *a)
{
	/* The deferred list itself lives in the arena, so walk it before freeing chunks. */
	for (struct deferred *d = a->deferred; d; d = d->next)
		d->release(d->object);
	a->deferred = NULL;

	struct chunk *c = a->chunks;
	while (c->next) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	/* Keep only the oldest chunk, which has the standard size, for the next request. */
	if (c->size != ARENA_CHUNK) {
		free(c);
		c = chunk_new(ARENA_CHUNK);
	}
	c->used = 0;
	a->chunks = c;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->chunks);
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	struct chunk *c = a->chunks;

	if (need < size)
		xalloc_die();
	if (c->size - c->used < need) {
		/* Big allocations get a chunk of their own, placed behind the current one. */
		if (need > ARENA_CHUNK / 4) {
			struct chunk *big = chunk_new(need);
			big->used = need;
			big->next = c->next;
			c->next = big;
			return big->data;
		}
		c = chunk_new(ARENA_CHUNK);
		c->next = a->chunks;
		a->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		xalloc_die();
	void *p = arena_alloc(a, count * size);
	memset(p, 0, count * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	if (!s)
		return NULL;
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void arena_defer(struct arena *a, arena_release_fn release, void *object)
{
	if (!object)
		return;
	struct deferred *d = arena_alloc(a, sizeof(*d));
	d->release = release;
	d->object = object;
	d->next = a->deferred;
	a->deferred = d;
}

size_t arena_bytes_held(const struct arena *a)
{
	size_t total = 0;
	for (const struct chunk *c = a->chunks; c; c = c->next)
		total += sizeof(*c) + c->size;
	return total;
}
