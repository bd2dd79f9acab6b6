/* buf.h: growable byte buffers for building responses and request bodies */
#ifndef SB_BUF_H
#define SB_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A heap buffer, always NUL-terminated after len bytes once anything was added. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* Make room for at least extra more bytes (plus the terminating NUL). Aborts on OOM. */
void buf_grow(struct buf *b, size_t extra);

/* Append len bytes, a string, one character, or printf output. */
void buf_add(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Append s with &, <, >, " and ' replaced by entities (for HTML text and attributes). */
void buf_add_html(struct buf *b, const char *s);

/* Forget the contents but keep the memory, for the next request. */
void buf_clear(struct buf *b);

/* Free the memory; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);

/* The contents as a string; never NULL (an empty buffer gives ""). Borrowed from b: valid
 * until b next changes. */
const char *buf_str(const struct buf *b);

#endif
