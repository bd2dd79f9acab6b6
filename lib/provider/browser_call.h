/* browser_call.h: reading the messages a browser sends on a test call (voice_browser.h) */
#ifndef SB_BROWSER_CALL_H
#define SB_BROWSER_CALL_H

#include <stddef.h>
#include <stdint.h>

struct arena;

enum browser_call_event {
	BROWSER_CALL_INVALID,   /* not JSON, not an object or without a string event */
	BROWSER_CALL_START,
	BROWSER_CALL_STOP,
	BROWSER_CALL_OTHER,     /* an event of another name */
};

/* One text message. Strings are in the arena the message was read into. */
struct browser_call_msg {
	enum browser_call_event event;
	const char *token;      /* start: the media token, NULL when missing or not a string */
};

/*
 * Read one whole text message of len bytes into m, its JSON tree in arena a. Returns m->event.
 */
enum browser_call_event browser_call_read(struct arena *a, const char *text, size_t len,
					  struct browser_call_msg *m);

/*
 * Split a binary message of len bytes (16-bit little-endian PCM) into frames: decode into out
 * the next at most max samples from byte *at, and move *at past them. Returns how many samples
 * (0 once the message is used up), or -1 when len is not a whole number of samples.
 */
long browser_call_audio_next(const unsigned char *in, size_t len, size_t *at, int16_t *out,
			     size_t max);

#endif
