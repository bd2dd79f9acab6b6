/* callload_wire.c: the bytes callload sends: mu-law frames, tagged silence, WebSocket frames */
#include "callload_wire.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "infra/arena.h"
#include "infra/crypto.h"

#define TAG_BYTES 16

/* One 16-bit sample as G.711 mu-law. */
static unsigned char ulaw_encode(int sample)
{
	const int bias = 0x84, clip = 32635;
	int sign = (sample >> 8) & 0x80;

	if (sign)
		sample = -sample;
	if (sample > clip)
		sample = clip;
	sample += bias;
	int exponent = 7;
	for (int mask = 0x4000; !(sample & mask) && exponent > 0; mask >>= 1)
		exponent--;
	int mantissa = (sample >> (exponent + 3)) & 0x0f;
	return (unsigned char)~(sign | (exponent << 4) | mantissa);
}

void wire_loud(struct arena *a, char *b64, size_t size)
{
	unsigned char loud[WIRE_FRAME_BYTES];

	/* 300 Hz: six whole periods in 20 ms. */
	for (int i = 0; i < WIRE_FRAME_BYTES; i++)
		loud[i] = ulaw_encode((int)(9000 * sin(2 * M_PI * 300 * i / 8000.0)));
	snprintf(b64, size, "%s", crypto_base64(a, loud, WIRE_FRAME_BYTES));
}

void wire_quiet(struct arena *a, char *b64, size_t size, int index)
{
	unsigned char quiet[WIRE_FRAME_BYTES];

	memset(quiet, 0xff, sizeof(quiet));
	for (int b = 0; b < TAG_BYTES; b++)
		if ((index + 1) >> b & 1)
			quiet[b] = 0x7f;
	snprintf(b64, size, "%s", crypto_base64(a, quiet, WIRE_FRAME_BYTES));
}

int wire_tag(const unsigned char *audio, size_t len, int ncalls)
{
	for (size_t off = 0; off + WIRE_FRAME_BYTES <= len; off += WIRE_FRAME_BYTES) {
		const unsigned char *f = audio + off;
		int n = 0;
		bool ok = true;
		for (int b = 0; b < TAG_BYTES && ok; b++) {
			ok = f[b] == 0x7f || f[b] == 0xff;
			n |= (f[b] == 0x7f) << b;
		}
		for (int b = TAG_BYTES; b < WIRE_FRAME_BYTES && ok; b++)
			ok = f[b] == 0xff;
		if (ok && n > 0 && n <= ncalls)
			return n - 1;
	}
	return -1;
}

int wire_flush(int fd, struct wire_out *out)
{
	while (out->len) {
		ssize_t n = send(fd, out->buf, out->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 1;
		if (n <= 0)
			return -1;
		memmove(out->buf, out->buf + n, out->len - (size_t)n);
		out->len -= (size_t)n;
	}
	return 0;
}

/* A text frame's header for n bytes at p, masked with zeros: its length. */
static size_t frame_head(unsigned char *p, size_t n)
{
	size_t head = n < 126 ? 6 : 8;

	p[0] = 0x81;                                    /* FIN, text */
	if (n < 126) {
		p[1] = (unsigned char)(0x80 | n);       /* masked, length */
	} else {
		p[1] = 0x80 | 126;
		p[2] = (unsigned char)(n >> 8);
		p[3] = (unsigned char)n;
	}
	memset(p + head - 4, 0, 4);
	return head;
}

/* Append s (n bytes) at *p. */
static void put(char **p, const char *s, size_t n)
{
	memcpy(*p, s, n);
	*p += n;
}

#define PUT(p, literal) put(p, literal, sizeof(literal) - 1)

/* Append v in decimal at *p. */
static void put_long(char **p, long v)
{
	char digits[24];
	int n = 0;

	if (v < 0) {
		*(*p)++ = '-';
		v = -v;
	}
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (n)
		*(*p)++ = digits[--n];
}

int wire_media(int fd, struct wire_out *out, long k, const char *payload, size_t payload_len,
	       const char *stream_sid, size_t sid_len)
{
	char body[1024], *p = body;

	if (payload_len + sid_len + 200 > sizeof(body))
		return -1;
	PUT(&p, "{\"event\":\"media\",\"sequenceNumber\":\"");
	put_long(&p, k + 2);
	PUT(&p, "\",\"media\":{\"track\":\"inbound\",\"chunk\":\"");
	put_long(&p, k + 1);
	PUT(&p, "\",\"timestamp\":\"");
	put_long(&p, k * 20);
	PUT(&p, "\",\"payload\":\"");
	put(&p, payload, payload_len);
	PUT(&p, "\"},\"streamSid\":\"");
	put(&p, stream_sid, sid_len);
	PUT(&p, "\"}");
	size_t n = (size_t)(p - body);
	if (out->len + 8 + n > WIRE_OUT_MAX)
		return -1;
	size_t head = frame_head(out->buf + out->len, n);
	memcpy(out->buf + out->len + head, body, n);
	out->len += head + n;
	return wire_flush(fd, out);
}

int wire_vtext(int fd, struct wire_out *out, const char *fmt, va_list ap)
{
	char body[2048];
	int n = vsnprintf(body, sizeof(body), fmt, ap);

	if (n < 0 || n >= (int)sizeof(body) || out->len + 8 + (size_t)n > WIRE_OUT_MAX)
		return -1;
	size_t head = frame_head(out->buf + out->len, (size_t)n);
	unsigned char *p = out->buf + out->len;
	memcpy(p + head, body, (size_t)n);
	out->len += head + (size_t)n;
	return wire_flush(fd, out);
}
