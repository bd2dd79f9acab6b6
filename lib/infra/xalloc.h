/* xalloc.h: allocators for long-lived data that abort on out-of-memory */
#ifndef SB_XALLOC_H
#define SB_XALLOC_H

#include <stddef.h>

/* Log "out of memory" and abort: there is no sane way to go on. */
_Noreturn void xalloc_die(void);

/* malloc, calloc, realloc and strdup that never return NULL. The caller frees. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

#endif
