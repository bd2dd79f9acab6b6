/* test_twilio_media.c: Twilio's Media Stream messages read, the media fast path above all */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/crypto.h"
#include "provider/twilio_media.h"

#define SID "MZ18ad3ab5a668481ce02b83e7395059f0"

static unsigned char frame[TWILIO_MEDIA_AUDIO_MAX + 8];

static int setup(void **state)
{
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (unsigned char)(i * 7 + 3);
	*state = arena_new();
	return 0;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

/* A media message exactly as Twilio writes it: compact, keys in Twilio's order. */
static const char *compact_media(struct arena *a, const char *payload)
{
	return arena_printf(a, "{\"event\":\"media\",\"sequenceNumber\":\"3\",\"media\":{"
			       "\"track\":\"inbound\",\"chunk\":\"2\",\"timestamp\":\"5\","
			       "\"payload\":\"%s\"},\"streamSid\":\"%s\"}", payload, SID);
}

static void read_fast(const char *text, struct twilio_media_msg *m)
{
	assert_int_equal(twilio_media_read_fast(text, strlen(text), m), 1);
}

static void not_fast(const char *text)
{
	struct twilio_media_msg m = { .event = TWILIO_MEDIA_OTHER };

	assert_int_equal(twilio_media_read_fast(text, strlen(text), &m), 0);
	assert_int_equal(m.event, TWILIO_MEDIA_OTHER);
}

static void test_compact_media_takes_the_fast_path(void **state)
{
	struct arena *a = *state;
	struct twilio_media_msg m;
	const char *text = compact_media(a, crypto_base64(a, frame, 160));

	read_fast(text, &m);
	assert_int_equal(m.event, TWILIO_MEDIA_MEDIA);
	assert_string_equal(m.name, "media");
	assert_int_equal(m.stream_sid_len, strlen(SID));
	assert_true(twilio_media_stream_is(&m, SID));
	assert_false(twilio_media_stream_is(&m, "MZ18ad3ab5a668481ce02b83e7395059f"));
	assert_false(twilio_media_stream_is(&m, SID "0"));
	assert_int_equal(m.audio_len, 160);
	assert_memory_equal(m.audio, frame, 160);
	/* twilio_media_read gives the same. */
	memset(&m, 0, sizeof(m));
	assert_int_equal(twilio_media_read(a, text, strlen(text), &m), TWILIO_MEDIA_MEDIA);
	assert_int_equal(m.audio_len, 160);
	assert_memory_equal(m.audio, frame, 160);
	assert_true(twilio_media_stream_is(&m, SID));
}

static void test_outbound_shape_and_every_frame_size_are_fast(void **state)
{
	struct arena *a = *state;
	struct twilio_media_msg m;

	/* The short form (no track, chunk or timestamp) and streamSid first. */
	for (size_t n = 1; n <= TWILIO_MEDIA_AUDIO_MAX; n++) {
		const char *text = arena_printf(a, "{\"event\":\"media\",\"streamSid\":\"%s\","
					       "\"media\":{\"payload\":\"%s\"}}", SID,
					       crypto_base64(a, frame, n));
		read_fast(text, &m);
		assert_int_equal(m.audio_len, (long)n);
		assert_memory_equal(m.audio, frame, n);
	}
}

static void test_spaced_json_falls_back_to_the_full_parser(void **state)
{
	struct arena *a = *state;
	const char *b64 = crypto_base64(a, frame, 160);
	const char *texts[] = {
		arena_printf(a, "{ \"event\": \"media\", \"streamSid\": \"%s\", \"media\": "
				"{ \"payload\": \"%s\" } }", SID, b64),
		arena_printf(a, "{\n  \"event\": \"media\",\n  \"sequenceNumber\": \"3\",\n"
				"  \"media\": {\n    \"track\": \"inbound\",\n"
				"    \"payload\": \"%s\"\n  },\n  \"streamSid\": \"%s\"\n}\n",
			     b64, SID),
		/* sequenceNumber as a number, which only the full parser reads */
		arena_printf(a, "{\"event\":\"media\",\"sequenceNumber\":3,\"media\":"
				"{\"payload\":\"%s\"},\"streamSid\":\"%s\"}", b64, SID),
		/* keys in another order */
		arena_printf(a, "{\"streamSid\":\"%s\",\"event\":\"media\",\"media\":"
				"{\"payload\":\"%s\"}}", SID, b64),
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct twilio_media_msg m;
		not_fast(texts[i]);
		assert_int_equal(twilio_media_read(a, texts[i], strlen(texts[i]), &m),
				 TWILIO_MEDIA_MEDIA);
		assert_true(twilio_media_stream_is(&m, SID));
		assert_int_equal(m.audio_len, 160);
		assert_memory_equal(m.audio, frame, 160);
	}
}

/* The full parser refuses a key repeated in one object: the fast path must not take it either. */
static void test_repeated_keys_are_for_the_full_parser(void **state)
{
	struct arena *a = *state;
	const char *b64 = crypto_base64(a, frame, 160);
	const char *texts[] = {
		arena_printf(a, "{\"event\":\"media\",\"sequenceNumber\":\"4\",\"sequenceNumber\":"
				"\"4\",\"media\":{\"payload\":\"%s\"},\"streamSid\":\"%s\"}", b64, SID),
		arena_printf(a, "{\"event\":\"media\",\"media\":{\"track\":\"inbound\",\"track\":"
				"\"inbound\",\"payload\":\"%s\"},\"streamSid\":\"%s\"}", b64, SID),
		arena_printf(a, "{\"event\":\"media\",\"media\":{},\"media\":{\"payload\":\"%s\"},"
				"\"streamSid\":\"%s\"}", b64, SID),
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct twilio_media_msg m;
		not_fast(texts[i]);
		assert_int_equal(twilio_media_read(a, texts[i], strlen(texts[i]), &m),
				 TWILIO_MEDIA_INVALID);
	}
	/* More keys than Twilio sends are read too, by the full parser. */
	const char *many = arena_printf(a, "{\"event\":\"media\",\"a\":\"\",\"b\":\"\",\"c\":\"\","
					   "\"d\":\"\",\"e\":\"\",\"f\":\"\",\"g\":\"\",\"media\":"
					   "{\"payload\":\"%s\"},\"streamSid\":\"%s\"}", b64, SID);
	struct twilio_media_msg m;
	not_fast(many);
	assert_int_equal(twilio_media_read(a, many, strlen(many), &m), TWILIO_MEDIA_MEDIA);
	assert_int_equal(m.audio_len, 160);
}

static void test_escapes_in_the_payload_are_for_the_full_parser(void **state)
{
	struct arena *a = *state;
	/* Bytes whose base64 holds '/' and '+': JSON may write '/' as "\/". */
	static const unsigned char raw[] = { 0xff, 0xff, 0xff, 0xfb, 0xef, 0xbe };
	const char *b64 = crypto_base64(a, raw, sizeof(raw));
	char escaped[64] = { 0 };
	char *o = escaped;

	assert_string_equal(b64, "////++++");
	for (const char *p = b64; *p; p++) {
		if (*p == '/')
			*o++ = '\\';
		*o++ = *p;
	}
	const char *texts[] = {
		compact_media(a, escaped),
		compact_media(a, "\\u002f\\u002f\\u002f\\u002f++++"),
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct twilio_media_msg m;
		not_fast(texts[i]);
		assert_int_equal(twilio_media_read(a, texts[i], strlen(texts[i]), &m),
				 TWILIO_MEDIA_MEDIA);
		assert_int_equal(m.audio_len, (long)sizeof(raw));
		assert_memory_equal(m.audio, raw, sizeof(raw));
	}
	/* An escaped quote inside the stream's sid is not the fast path's either. */
	not_fast("{\"event\":\"media\",\"streamSid\":\"MZ\\\"x\","
		 "\"media\":{\"payload\":\"AAAA\"}}");
	/* Nor a non-ASCII byte. */
	not_fast("{\"event\":\"media\",\"streamSid\":\"MZ\xc3\xa9\","
		 "\"media\":{\"payload\":\"AAAA\"}}");
}

static void test_truncated_messages_are_never_media(void **state)
{
	struct arena *a = *state;
	const char *text = compact_media(a, crypto_base64(a, frame, 160));
	size_t len = strlen(text);

	for (size_t cut = 0; cut < len; cut++) {
		struct twilio_media_msg m;
		assert_int_equal(twilio_media_read_fast(text, cut, &m), 0);
		assert_int_equal(twilio_media_read(a, text, cut, &m), TWILIO_MEDIA_INVALID);
		assert_non_null(m.error);
	}
}

static void test_oversized_and_malformed_payloads_carry_no_audio(void **state)
{
	struct arena *a = *state;
	const char *payloads[] = {
		crypto_base64(a, frame, TWILIO_MEDIA_AUDIO_MAX + 1),
		crypto_base64(a, frame, TWILIO_MEDIA_AUDIO_MAX + 3),
		crypto_base64(a, frame, TWILIO_MEDIA_AUDIO_MAX + 8),
		"", "***", "AAA", "AAAAA", "AA=A", "====", "A===",
	};

	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		struct twilio_media_msg m;
		const char *text = compact_media(a, payloads[i]);
		read_fast(text, &m);
		assert_int_equal(m.event, TWILIO_MEDIA_MEDIA);
		assert_int_equal(m.audio_len, -1);
		/* The full parser judges the payload the same way. */
		const char *spaced = arena_printf(a, "{ \"event\": \"media\", \"streamSid\": "
						  "\"%s\", \"media\": { \"payload\": \"%s\" } }",
						  SID, payloads[i]);
		assert_int_equal(twilio_media_read(a, spaced, strlen(spaced), &m),
				 TWILIO_MEDIA_MEDIA);
		assert_int_equal(m.audio_len, -1);
	}
	/* No payload at all. */
	struct twilio_media_msg m;
	const char *bare = "{\"event\":\"media\",\"streamSid\":\"" SID "\",\"media\":{}}";
	read_fast(bare, &m);
	assert_int_equal(m.audio_len, -1);
}

static void test_garbage_is_not_an_event(void **state)
{
	struct arena *a = *state;
	char big[70001];
	const char *texts[] = {
		"", "{not json", "[1,2,3]", "\"media\"", "null", "{}", "{\"event\":3}",
		"{\"event\":\"media\"", "{\"event\":\"media\",}", "{\"event\":\"media\"}}",
		"{\"event\":\"media\",\"streamSid\":\"" SID "\"} trailing",
		/* a repeated key: the fast path leaves it, the full parser refuses it */
		"{\"event\":\"media\",\"streamSid\":\"" SID "\",\"streamSid\":\"MZother\","
		"\"media\":{\"payload\":\"AAAA\"}}",
		big,
	};

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct twilio_media_msg m;
		not_fast(texts[i]);
		assert_int_equal(twilio_media_read(a, texts[i], strlen(texts[i]), &m),
				 TWILIO_MEDIA_INVALID);
		assert_non_null(m.error);
	}
	/* Binary bytes, NULs included. */
	static const char binary[] = { '{', 0, '"', (char)0xff, 0x01, '}' };
	struct twilio_media_msg m;
	assert_int_equal(twilio_media_read_fast(binary, sizeof(binary), &m), 0);
	assert_int_equal(twilio_media_read(a, binary, sizeof(binary), &m), TWILIO_MEDIA_INVALID);
	/* A media event without a streamSid is the full parser's, which finds no stream in it. */
	const char *nosid = "{\"event\":\"media\",\"media\":{\"payload\":\"AAAA\"}}";
	not_fast(nosid);
	assert_int_equal(twilio_media_read(a, nosid, strlen(nosid), &m), TWILIO_MEDIA_MEDIA);
	assert_null(m.stream_sid);
	assert_false(twilio_media_stream_is(&m, SID));
}

static struct twilio_media_msg *read_text(struct arena *a, const char *text)
{
	struct twilio_media_msg *m = arena_alloc(a, sizeof(*m));

	twilio_media_read(a, text, strlen(text), m);
	return m;
}

static void test_the_other_events(void **state)
{
	struct arena *a = *state;
	struct twilio_media_msg *m;

	m = read_text(a, "{\"event\":\"connected\",\"protocol\":\"Call\",\"version\":\"1.0.0\"}");
	assert_int_equal(m->event, TWILIO_MEDIA_CONNECTED);
	assert_null(m->stream_sid);

	m = read_text(a, "{\"event\":\"start\",\"sequenceNumber\":\"1\",\"streamSid\":\""
			 SID "\",\"start\":{\"accountSid\":\"AC1\",\"streamSid\":\"" SID "\","
			 "\"callSid\":\"CA9\",\"tracks\":[\"inbound\"],\"customParameters\":"
			 "{\"token\":\"t.1\",\"call_id\":\"c1\"},\"mediaFormat\":{\"encoding\":"
			 "\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":1}}}");
	assert_int_equal(m->event, TWILIO_MEDIA_START);
	assert_true(twilio_media_stream_is(m, SID));
	assert_string_equal(m->call_sid, "CA9");
	assert_string_equal(json_string_value(json_object_get(m->parameters, "token")), "t.1");
	assert_string_equal(m->encoding, "audio/x-mulaw");
	assert_int_equal(m->sample_rate, 8000);
	assert_int_equal(m->channels, 1);
	assert_null(twilio_media_format_problem(a, m));

	m = read_text(a, "{\"event\":\"mark\",\"sequenceNumber\":\"4\",\"streamSid\":\"" SID "\","
			 "\"mark\":{\"name\":\"c1-2\"}}");
	assert_int_equal(m->event, TWILIO_MEDIA_MARK);
	assert_string_equal(m->mark, "c1-2");

	m = read_text(a, "{\"event\":\"dtmf\",\"streamSid\":\"" SID "\",\"sequenceNumber\":\"5\","
			 "\"dtmf\":{\"track\":\"inbound_track\",\"digit\":\"0\"}}");
	assert_int_equal(m->event, TWILIO_MEDIA_DTMF);
	assert_string_equal(m->digit, "0");

	m = read_text(a, "{\"event\":\"stop\",\"sequenceNumber\":\"6\",\"streamSid\":\"" SID "\","
			 "\"stop\":{\"accountSid\":\"AC1\",\"callSid\":\"CA9\"}}");
	assert_int_equal(m->event, TWILIO_MEDIA_STOP);

	m = read_text(a, "{\"event\":\"dance\",\"streamSid\":\"" SID "\"}");
	assert_int_equal(m->event, TWILIO_MEDIA_OTHER);
	assert_string_equal(m->name, "dance");
}

static void test_only_mulaw_8000_mono_is_taken(void **state)
{
	struct arena *a = *state;
	static const char *formats[] = {
		"{\"encoding\":\"audio/x-alaw\",\"sampleRate\":8000,\"channels\":1}",
		"{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":16000,\"channels\":1}",
		"{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":8000,\"channels\":2}",
		"{\"encoding\":\"audio/x-mulaw\",\"sampleRate\":\"8000\",\"channels\":1}",
		"{\"encoding\":\"audio/x-mulaw\"}",
		"{}",
		"\"audio/x-mulaw\"",
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct twilio_media_msg *m = read_text(a, arena_printf(a,
			"{\"event\":\"start\",\"streamSid\":\"" SID "\",\"start\":{"
			"\"callSid\":\"CA9\",\"mediaFormat\":%s}}", formats[i]));
		assert_int_equal(m->event, TWILIO_MEDIA_START);
		assert_non_null(twilio_media_format_problem(a, m));
	}
	struct twilio_media_msg *m = read_text(a, "{\"event\":\"start\",\"streamSid\":\"" SID "\","
					       "\"start\":{\"callSid\":\"CA9\"}}");
	assert_non_null(twilio_media_format_problem(a, m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_media_takes_the_fast_path),
		cmocka_unit_test(test_outbound_shape_and_every_frame_size_are_fast),
		cmocka_unit_test(test_spaced_json_falls_back_to_the_full_parser),
		cmocka_unit_test(test_repeated_keys_are_for_the_full_parser),
		cmocka_unit_test(test_escapes_in_the_payload_are_for_the_full_parser),
		cmocka_unit_test(test_truncated_messages_are_never_media),
		cmocka_unit_test(test_oversized_and_malformed_payloads_carry_no_audio),
		cmocka_unit_test(test_garbage_is_not_an_event),
		cmocka_unit_test(test_the_other_events),
		cmocka_unit_test(test_only_mulaw_8000_mono_is_taken),
	};
	/* One arena for the whole group: the messages read are small. */
	return cmocka_run_group_tests(tests, setup, teardown);
}
