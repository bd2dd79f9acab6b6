/* twilio_media.c: Twilio's Media Stream messages read, with a fast path for the media message */
#include "provider/twilio_media.h"

#include <string.h>

#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/json.h"

/* Decode a media payload into m->audio: its length, or -1 when malformed, empty or larger than
 * a caller's frame can be. */
static long payload_decode(struct twilio_media_msg *m, const char *b64, size_t len)
{
	long n = crypto_base64_decode_into(b64, len, m->audio, sizeof(m->audio));

	return n > 0 && n <= TWILIO_MEDIA_AUDIO_MAX ? n : -1;
}

/* ---- the fast path: a media message, 50 times a second a call, without a JSON tree --------- */

/* A JSON string without escapes or control or non-ASCII bytes at *p: its span, and *p moved past
 * it. false for anything else (which the full parser is left to judge). */
static bool plain_string(const char **p, const char *end, const char **s, size_t *n)
{
	const char *q = *p;

	if (q >= end || *q != '"')
		return false;
	*s = ++q;
	while (q < end && *q != '"') {
		if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
			return false;
		q++;
	}
	if (q >= end)
		return false;
	*n = (size_t)(q - *s);
	*p = q + 1;
	return true;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static bool key_is(const char *k, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(k, want, n);
}

/* What the fast path notes of a media message: spans of its text. */
struct media_spans {
	const char *event, *sid, *payload;
	size_t event_len, sid_len, payload_len;
};

/* The most keys an object may have on the fast path: Twilio's media message has four at the
 * top and four in media. */
#define SCAN_KEYS_MAX 8

/*
 * Scan one object of plain strings (and, at the top, objects of plain strings) from *p, noting
 * the event, the streamSid and media's payload. false when the text is anything else, a key
 * repeated in one object included (the full parser refuses those): then the message goes
 * through the full parser.
 */
static bool media_scan(const char **p, const char *end, bool top, bool in_media,
		       struct media_spans *m)
{
	const char *q = skip_space(*p, end);
	const char *keys[SCAN_KEYS_MAX];
	size_t key_lens[SCAN_KEYS_MAX], nkeys = 0;

	if (q >= end || *q++ != '{')
		return false;
	q = skip_space(q, end);
	if (q < end && *q == '}') {
		*p = q + 1;
		return true;
	}
	for (;;) {
		const char *key, *value;
		size_t klen, vlen;
		if (!plain_string(&q, end, &key, &klen) || nkeys == SCAN_KEYS_MAX)
			return false;
		for (size_t i = 0; i < nkeys; i++)
			if (key_lens[i] == klen && !memcmp(keys[i], key, klen))
				return false;
		keys[nkeys] = key;
		key_lens[nkeys++] = klen;
		q = skip_space(q, end);
		if (q >= end || *q++ != ':')
			return false;
		q = skip_space(q, end);
		if (q < end && *q == '{') {
			if (!top || !media_scan(&q, end, false, key_is(key, klen, "media"), m))
				return false;
		} else {
			if (!plain_string(&q, end, &value, &vlen))
				return false;
			const char **slot = NULL;
			size_t *slot_len = NULL;
			if (top && key_is(key, klen, "event"))
				slot = &m->event, slot_len = &m->event_len;
			else if (top && key_is(key, klen, "streamSid"))
				slot = &m->sid, slot_len = &m->sid_len;
			else if (in_media && key_is(key, klen, "payload"))
				slot = &m->payload, slot_len = &m->payload_len;
			if (slot) {
				/* A repeated key is for the full parser to refuse. */
				if (*slot)
					return false;
				*slot = value;
				*slot_len = vlen;
			}
		}
		q = skip_space(q, end);
		if (q < end && *q == ',') {
			q = skip_space(q + 1, end);
			continue;
		}
		if (q < end && *q == '}') {
			*p = q + 1;
			return true;
		}
		return false;
	}
}

int twilio_media_read_fast(const char *text, size_t len, struct twilio_media_msg *m)
{
	static const char prefix[] = "{\"event\":\"media\"";
	struct media_spans spans = { 0 };
	const char *p = text, *end = text + len;

	if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1))
		return 0;
	if (!media_scan(&p, end, true, false, &spans) || skip_space(p, end) != end || !spans.sid)
		return 0;
	m->event = TWILIO_MEDIA_MEDIA;
	m->name = "media";
	m->error = NULL;
	m->stream_sid = spans.sid;
	m->stream_sid_len = spans.sid_len;
	m->audio_len = spans.payload ? payload_decode(m, spans.payload, spans.payload_len) : -1;
	m->call_sid = m->encoding = m->mark = m->digit = NULL;
	m->parameters = NULL;
	m->sample_rate = m->channels = 0;
	return 1;
}

/* ---- the full parser: every other message, and media written otherwise ------------------- */

static const struct {
	const char *name;
	enum twilio_media_event event;
} events[] = {
	{ "connected", TWILIO_MEDIA_CONNECTED }, { "start", TWILIO_MEDIA_START },
	{ "media", TWILIO_MEDIA_MEDIA }, { "mark", TWILIO_MEDIA_MARK },
	{ "dtmf", TWILIO_MEDIA_DTMF }, { "stop", TWILIO_MEDIA_STOP },
};

enum twilio_media_event twilio_media_read(struct arena *a, const char *text, size_t len,
					  struct twilio_media_msg *m)
{
	char error[160];

	if (twilio_media_read_fast(text, len, m))
		return m->event;
	*m = (struct twilio_media_msg){ .audio_len = -1 };
	json_t *msg = json_parse(a, text, len, error, sizeof(error));
	m->name = json_str(msg, "event");
	if (!m->name) {
		m->error = msg ? "no event" : arena_strdup(a, error);
		return m->event = TWILIO_MEDIA_INVALID;
	}
	m->event = TWILIO_MEDIA_OTHER;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (!strcmp(m->name, events[i].name))
			m->event = events[i].event;
	m->stream_sid = json_str(msg, "streamSid");
	m->stream_sid_len = m->stream_sid ? strlen(m->stream_sid) : 0;

	json_t *start = json_object_get(msg, "start");
	json_t *format = json_object_get(start, "mediaFormat");
	const char *payload;
	switch (m->event) {
	case TWILIO_MEDIA_START:
		m->call_sid = json_str(start, "callSid");
		m->parameters = json_object_get(start, "customParameters");
		if (!json_is_object(m->parameters))
			m->parameters = NULL;
		m->encoding = json_str(format, "encoding");
		if (json_long(format, "sampleRate", &m->sample_rate) < 0)
			m->sample_rate = 0;
		if (json_long(format, "channels", &m->channels) < 0)
			m->channels = 0;
		break;
	case TWILIO_MEDIA_MEDIA:
		payload = json_str(json_object_get(msg, "media"), "payload");
		if (payload)
			m->audio_len = payload_decode(m, payload, strlen(payload));
		break;
	case TWILIO_MEDIA_MARK:
		m->mark = json_str(json_object_get(msg, "mark"), "name");
		break;
	case TWILIO_MEDIA_DTMF:
		m->digit = json_str(json_object_get(msg, "dtmf"), "digit");
		break;
	default:
		break;
	}
	return m->event;
}

bool twilio_media_stream_is(const struct twilio_media_msg *m, const char *sid)
{
	return m->stream_sid && sid && key_is(m->stream_sid, m->stream_sid_len, sid);
}

const char *twilio_media_format_problem(struct arena *a, const struct twilio_media_msg *m)
{
	if (m->encoding && !strcmp(m->encoding, "audio/x-mulaw") && m->sample_rate == 8000 &&
	    m->channels == 1)
		return NULL;
	if (!m->encoding)
		return "start without a mediaFormat encoding";
	return arena_printf(a, "mediaFormat %.40s, %ld Hz, %ld channel(s): only audio/x-mulaw, "
			       "8000 Hz, 1 channel is taken", m->encoding, m->sample_rate,
			    m->channels);
}
