/* twilio_media.h: reading the messages Twilio sends on a Media Stream (PROTOCOLS.md §3.1) */
#ifndef SB_TWILIO_MEDIA_H
#define SB_TWILIO_MEDIA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* The largest caller frame taken: 80 ms of 8 kHz mu-law (Twilio sends 20 ms, 160 bytes). */
#define TWILIO_MEDIA_AUDIO_MAX 640

enum twilio_media_event {
	TWILIO_MEDIA_INVALID,   /* not JSON, not an object or without an event: error says why */
	TWILIO_MEDIA_CONNECTED,
	TWILIO_MEDIA_START,
	TWILIO_MEDIA_MEDIA,
	TWILIO_MEDIA_MARK,
	TWILIO_MEDIA_DTMF,
	TWILIO_MEDIA_STOP,
	TWILIO_MEDIA_OTHER,     /* an event of another name */
};

/*
 * One message. Strings are borrowed from the message's text or from the arena it was read into;
 * they live as long as both. Each is NULL when the message does not carry it.
 */
struct twilio_media_msg {
	enum twilio_media_event event;
	const char *name;               /* the event as sent */
	const char *error;              /* TWILIO_MEDIA_INVALID: why */
	const char *stream_sid;         /* not NUL-terminated: stream_sid_len bytes */
	size_t stream_sid_len;
	/* media: the caller's audio, decoded; audio_len is -1 when the payload is missing,
	 * malformed, empty or longer than TWILIO_MEDIA_AUDIO_MAX (+3: base64's padding) */
	uint8_t audio[TWILIO_MEDIA_AUDIO_MAX + 3];
	long audio_len;
	/* start */
	const char *call_sid;
	json_t *parameters;             /* customParameters, an object or NULL */
	const char *encoding;           /* mediaFormat */
	long sample_rate, channels;     /* 0 when missing */
	/* mark */
	const char *mark;
	/* dtmf */
	const char *digit;
};

/*
 * Read one whole text message of len bytes into m: the event and what it carries. A media
 * message as Twilio writes it (compact, plain strings) is read without building a JSON tree;
 * any other text goes through jansson, its tree in arena a. Returns m->event.
 */
enum twilio_media_event twilio_media_read(struct arena *a, const char *text, size_t len,
					  struct twilio_media_msg *m);

/*
 * The fast path of twilio_media_read alone: 1 when text is a media message of plain strings in
 * Twilio's compact form starting {"event":"media", with a streamSid (m is then filled), 0 when
 * the full parser must judge it (m is then untouched).
 */
int twilio_media_read_fast(const char *text, size_t len, struct twilio_media_msg *m);

/* True when the message's stream is sid (NUL-terminated); false when it names none. */
bool twilio_media_stream_is(const struct twilio_media_msg *m, const char *sid);

/*
 * Why a start message's mediaFormat is not the one this worker plays and hears (audio/x-mulaw,
 * 8000 Hz, one channel), as a sentence in arena a; NULL when it is that one.
 */
const char *twilio_media_format_problem(struct arena *a, const struct twilio_media_msg *m);

#endif
