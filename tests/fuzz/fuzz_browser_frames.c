/* fuzz_browser_frames.c: a browser test call's messages, text read and binary split into frames */
/*
 * Input: one WebSocket message, taken both as a text message (browser_call_read) and as a
 * binary one split into frames (browser_call_audio_next), with a frame size from its first
 * byte. Proves, for any bytes: no read outside the message (an exact-size copy, ASan) or write
 * outside the frame, no leak, no undefined behaviour; the text is one known event, with a
 * NUL-terminated token only for a start; an odd-sized message is refused and any other is cut
 * into frames of at most the size asked that hold, in order, every sample little-endian.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "provider/browser_call.h"

/* 20 ms at 16 kHz, what the worker asks for. */
#define FRAME_MAX 320

static void check_text(const char *text, size_t size)
{
	struct arena *a = arena_new();
	struct browser_call_msg m;
	enum browser_call_event ev = browser_call_read(a, text, size, &m);

	if (ev != m.event || ev < BROWSER_CALL_INVALID || ev > BROWSER_CALL_OTHER)
		abort();
	if (m.token && (ev != BROWSER_CALL_START || strlen(m.token) > size))
		abort();
	arena_free(a);
}

static void check_audio(const unsigned char *in, size_t size)
{
	size_t max = size ? 1 + in[0] % FRAME_MAX : FRAME_MAX, at = 0, total = 0;
	/* Exactly max samples of room, so a longer frame is caught. */
	int16_t *frame = malloc(max * sizeof(*frame));
	long n;

	while ((n = browser_call_audio_next(in, size, &at, frame, max)) > 0) {
		if ((size_t)n > max || at != 2 * (total + (size_t)n))
			abort();
		for (long i = 0; i < n; i++) {
			const unsigned char *s = in + 2 * (total + (size_t)i);
			if ((uint16_t)frame[i] != (uint16_t)(s[0] | s[1] << 8))
				abort();
		}
		total += (size_t)n;
	}
	if (size % 2 ? n != -1 || total : n != 0 || total != size / 2)
		abort();
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so reading one byte past the end is caught. */
	unsigned char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	check_text((const char *)copy, size);
	check_audio(copy, size);
	free(copy);
	return 0;
}
