/* fuzz_twilio_media.c: a Twilio Media Stream message, read by the fast path and by jansson */
/*
 * Input: one WebSocket text message. It is read as the worker reads it (twilio_media_read) and
 * by the fast path alone. Proves, for any bytes: no read outside the message (an exact-size
 * copy, ASan), no leak, no undefined behaviour; every message is an event or a refusal with a
 * reason; audio is missing or a caller's frame; and whenever the fast path takes a message, the
 * full parser reads the same one: valid JSON, event "media", the same streamSid and the same
 * payload decoded to the same audio.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/json.h"
#include "provider/twilio_media.h"

static void check_reading(struct arena *a, const struct twilio_media_msg *m)
{
	if (m->event < TWILIO_MEDIA_INVALID || m->event > TWILIO_MEDIA_OTHER)
		abort();
	if (m->event == TWILIO_MEDIA_INVALID ? !m->error || m->name : !m->name || m->error)
		abort();
	if (m->audio_len != -1 && (m->audio_len < 1 || m->audio_len > TWILIO_MEDIA_AUDIO_MAX))
		abort();
	if (m->audio_len > 0 && m->event != TWILIO_MEDIA_MEDIA)
		abort();
	if (!m->stream_sid && m->stream_sid_len)
		abort();
	/* The sid is either a span of the message or a string of the arena: read it all. */
	if (m->stream_sid) {
		volatile char sink = 0;
		for (size_t i = 0; i < m->stream_sid_len; i++)
			sink ^= m->stream_sid[i];
		(void)sink;
	}
	if (m->event == TWILIO_MEDIA_START) {
		const char *why = twilio_media_format_problem(a, m);
		if (why && !*why)
			abort();
		if (m->parameters && !json_is_object(m->parameters))
			abort();
	}
	(void)twilio_media_stream_is(m, "MZ0123456789abcdef0123456789abcdef");
}

/* The fast path took text as f: the full parser must read the same message. */
static void check_agrees(struct arena *a, const char *text, size_t size,
			 const struct twilio_media_msg *f)
{
	char error[160];
	json_t *msg = json_parse(a, text, size, error, sizeof(error));
	const char *event = json_str(msg, "event"), *sid = json_str(msg, "streamSid");
	const char *payload = json_str(json_object_get(msg, "media"), "payload");
	static struct twilio_media_msg full;

	if (!msg || !event || strcmp(event, "media") || f->event != TWILIO_MEDIA_MEDIA)
		abort();
	if (!sid || strlen(sid) != f->stream_sid_len || memcmp(sid, f->stream_sid, strlen(sid)))
		abort();
	long want = -1;
	if (payload) {
		want = crypto_base64_decode_into(payload, strlen(payload), full.audio,
						 sizeof(full.audio));
		if (want < 1 || want > TWILIO_MEDIA_AUDIO_MAX)
			want = -1;
	}
	if (f->audio_len != want ||
	    (want > 0 && memcmp(f->audio, full.audio, (size_t)want)))
		abort();
	if (f->call_sid || f->encoding || f->mark || f->digit || f->parameters || f->error)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct twilio_media_msg m, f;
	struct arena *a = arena_new();
	/* An exact-size copy, so reading one byte past the end is caught. */
	char *text = malloc(size ? size : 1);

	memcpy(text, data, size);
	twilio_media_read(a, text, size, &m);
	check_reading(a, &m);
	memset(&f, 0xa5, sizeof(f));
	if (twilio_media_read_fast(text, size, &f)) {
		check_reading(a, &f);
		check_agrees(a, text, size, &f);
	}
	free(text);
	arena_free(a);
	return 0;
}
