/* test_tts.c: flite speaks telephone audio that sounds like speech to the detector */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "audio/audio.h"
#include "infra/conf.h"
#include "infra/webclient.h"
#include "provider/tts.h"

static const char GREETING[] = "Thanks for calling Acme Plumbing";

static double rms_of(const int16_t *x, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)x[i] * x[i];
	return sqrt(sum / n);
}

static void test_greeting_as_telephone_audio(void **state)
{
	struct arena *a = arena_new();
	uint8_t *ulaw;
	long n = tts_flite_ulaw(a, GREETING, &ulaw);

	/* A short sentence: between one and four seconds of 8 kHz audio. */
	assert_in_range(n, 8000, 4 * 8000);
	assert_non_null(ulaw);

	int16_t *pcm = arena_alloc(a, (size_t)n * sizeof(*pcm));
	audio_ulaw_to_pcm(ulaw, (size_t)n, pcm);
	assert_true(rms_of(pcm, (size_t)n) > 500);
	arena_free(a);
}

/* Feed half a second of silence, the speech, and a second of silence in 20 ms frames. */
static void test_detector_hears_the_greeting(void **state)
{
	struct arena *a = arena_new();
	uint8_t *ulaw;
	long n = tts_flite_ulaw(a, GREETING, &ulaw);
	size_t total = 4000 + (size_t)n + 8000;
	uint8_t *line = arena_alloc(a, total);
	struct audio_vad v;
	int starts = 0, ends = 0, start_frame = -1, end_frame = -1;

	assert_true(n > 0);
	memset(line, 0xFF, total);
	memcpy(line + 4000, ulaw, (size_t)n);
	audio_vad_init(&v, 8000, 500);
	for (size_t i = 0; i + 160 <= total; i += 160) {
		int16_t frame[160];

		audio_ulaw_to_pcm(line + i, 160, frame);
		switch (audio_vad_feed(&v, frame, 160)) {
		case AUDIO_VAD_SPEECH_START:
			starts++;
			start_frame = (int)(i / 160);
			break;
		case AUDIO_VAD_SPEECH_END:
			ends++;
			end_frame = (int)(i / 160);
			break;
		case AUDIO_VAD_NONE:
			break;
		}
	}
	/* One turn: it starts in the speech and ends after it, once the silence window passes. */
	assert_int_equal(starts, 1);
	assert_int_equal(ends, 1);
	assert_in_range(start_frame, 4000 / 160, (4000 + n) / 160);
	assert_in_range(end_frame, (4000 + n) / 160, (4000 + n + 4000) / 160 + 1);
	arena_free(a);
}

static void test_wideband_is_twice_as_long(void **state)
{
	struct arena *a = arena_new();
	int16_t *narrow, *wide;
	long n8 = tts_flite_pcm(a, GREETING, 8000, &narrow);
	long n16 = tts_flite_pcm(a, GREETING, 16000, &wide);

	assert_true(n8 > 0);
	assert_in_range(n16, 2 * n8 - 2, 2 * n8 + 2);
	assert_true(rms_of(wide, (size_t)n16) > 500);
	assert_int_equal(tts_flite_pcm(a, GREETING, 11025, &wide), -1);
	assert_null(wide);
	arena_free(a);
}

static void test_nothing_to_say(void **state)
{
	struct arena *a = arena_new();
	uint8_t *ulaw = (uint8_t *)"x";

	assert_int_equal(tts_flite_ulaw(a, "", &ulaw), 0);
	assert_null(ulaw);
	assert_int_equal(tts_flite_ulaw(a, " \n\t ", &ulaw), 0);
	assert_int_equal(tts_flite_ulaw(a, NULL, &ulaw), 0);
	arena_free(a);
}

static void test_very_long_text(void **state)
{
	static const char sentence[] =
		"We can send a plumber on Tuesday at nine, and the visit costs eighty nine "
		"dollars. ";
	struct arena *a = arena_new();
	char *text = arena_alloc(a, 5001);
	uint8_t *ulaw;
	size_t len = strlen(sentence);
	long n;

	for (size_t i = 0; i < 5000; i++)
		text[i] = sentence[i % len];
	text[5000] = '\0';
	n = tts_flite_ulaw(a, text, &ulaw);
	/* Some 900 words: minutes of speech, not a truncated second. */
	assert_true(n > 60 * 8000);
	assert_true(n < 15 * 60 * 8000);

	int16_t *pcm = arena_alloc(a, (size_t)n * sizeof(*pcm));
	audio_ulaw_to_pcm(ulaw, (size_t)n, pcm);
	assert_true(rms_of(pcm, (size_t)n) > 500);
	arena_free(a);
}

/* The words a provider had not said when it stopped: from the word it was in the middle of. */
static void test_unsaid_words(void **state)
{
	const char *text = "Your drain cleaning is booked for Tuesday at 10 AM.";

	assert_string_equal(tts_unsaid(text, 0), text);
	/* 65 ms a character: 600 ms is nine characters, in the middle of "drain". */
	assert_string_equal(tts_unsaid(text, 600), "drain cleaning is booked for Tuesday at 10 AM.");
	assert_string_equal(tts_unsaid(text, 60000), "");
}

struct collected {
	long bytes;
	int pieces;
};

static int collect(void *arg, const uint8_t *ulaw, size_t n)
{
	struct collected *c = arg;

	c->bytes += (long)n;
	c->pieces++;
	return 0;
}

static int stop_at_once(void *arg, const uint8_t *ulaw, size_t n)
{
	return -1;
}

/* A provider that cannot be reached: flite says the whole clause instead. */
static void test_unreachable_provider_falls_back_to_flite(void **state)
{
	struct arena *a = arena_new();
	struct collected c = { 0, 0 };
	uint8_t *ulaw;

	conf_set("ELEVENLABS_URL", "http://127.0.0.1:1");
	conf_set("ELEVENLABS_API_KEY", "el-test-key");
	struct tts_voice eleven = { TTS_ELEVENLABS, "el-test-key", "voice-test" };
	struct tts_voice flite = { TTS_FLITE, "", "" };
	assert_int_equal(tts_stream(&eleven, GREETING, collect, &c), TTS_FELL_BACK);
	assert_int_equal(c.bytes, tts_flite_ulaw(a, GREETING, &ulaw));
	assert_int_equal(tts_stream(&flite, GREETING, stop_at_once, NULL), TTS_STOPPED);
	arena_free(a);
}

int main(void)
{
	webclient_global_init();

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_as_telephone_audio),
		cmocka_unit_test(test_detector_hears_the_greeting),
		cmocka_unit_test(test_wideband_is_twice_as_long),
		cmocka_unit_test(test_nothing_to_say),
		cmocka_unit_test(test_very_long_text),
		cmocka_unit_test(test_unsaid_words),
		cmocka_unit_test(test_unreachable_provider_falls_back_to_flite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
