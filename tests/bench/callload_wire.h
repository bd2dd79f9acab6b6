/* callload_wire.h: the bytes callload sends: mu-law frames, tagged silence, WebSocket frames */
#ifndef CALLLOAD_WIRE_H
#define CALLLOAD_WIRE_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

#define WIRE_FRAME_BYTES 160    /* 20 ms of 8 kHz mu-law */
#define WIRE_OUT_MAX 4096

/* Bytes written to a socket that it has not taken yet. */
struct wire_out {
	unsigned char buf[WIRE_OUT_MAX];
	size_t len;
};

/* One frame of speech (a loud 300 Hz tone, seamless when repeated), base64, into b64. */
void wire_loud(struct arena *a, char *b64, size_t size);

/*
 * One frame of call index's own silence, base64, into b64: its first 16 bytes spell index + 1 in
 * mu-law's two zeros (0x7f is -0, 0xff is +0), which the worker hears as the same silence and
 * forwards to the recognizer as they are, so the recognizer can tell whose audio it has.
 */
void wire_quiet(struct arena *a, char *b64, size_t size, int index);

/* The call (0 .. ncalls - 1) a chunk of recognizer audio came from, or -1: a tagged frame of
 * silence at a frame's boundary (the worker forwards whole frames). */
int wire_tag(const unsigned char *audio, size_t len, int ncalls);

/*
 * A text message printed from fmt, as a client's whole WebSocket frame, to socket fd behind
 * what out still holds. The mask key is zeros (the payload goes as it is): a random key for each
 * frame, as lws_write() draws, costs a getrandom() and a pass over the bytes, as much as the rest
 * of the frame's work; the server unmasks whatever the key. Returns 0 when the socket took it
 * all, 1 when some waits in out (send it with wire_flush when the socket is writable), -1 on an
 * error or when out has no room.
 */
int wire_vtext(int fd, struct wire_out *out, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Caller frame k's media message (payload: its base64, stream_sid: the stream's), written as
 * wire_vtext writes a text without a printf: the program's commonest message. Returns as
 * wire_vtext. */
int wire_media(int fd, struct wire_out *out, long k, const char *payload, size_t payload_len,
	       const char *stream_sid, size_t sid_len);

/* Send what out holds to fd: 0 when it is all gone, 1 when some still waits, -1 on an error. */
int wire_flush(int fd, struct wire_out *out);

#endif
