/* test_audio.c: mu-law, resampling and speech detection on synthetic telephone audio */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <cmocka.h>

#include "audio/audio.h"

enum { RATE = 8000, FRAME = 160, FRAME_MS = 20 };

/* A repeatable noise source: sums of uniform draws are close enough to Gaussian hiss. */
static uint32_t noise_state = 12345;

static double noise_sample(double rms)
{
	double sum = 0;

	for (int i = 0; i < 12; i++) {
		noise_state = noise_state * 1664525u + 1013904223u;
		sum += (noise_state >> 8) / 16777216.0;
	}
	return (sum - 6.0) * rms;
}

static int16_t clip16(double x)
{
	return (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : lrint(x));
}

/* Line noise of rms, plus a tone of amplitude amp at hz (0 for none), from sample start on. */
static void make_audio(int16_t *out, size_t n, int rate, double rms, double hz, double amp,
		       size_t start)
{
	for (size_t i = 0; i < n; i++) {
		double t = (double)(start + i) / rate;

		out[i] = clip16(noise_sample(rms) + amp * sin(2 * M_PI * hz * t) +
				30 * sin(2 * M_PI * 60 * t));
	}
}

static size_t zero_crossings(const int16_t *x, size_t n)
{
	size_t count = 0;

	for (size_t i = 1; i < n; i++)
		if ((x[i - 1] < 0) != (x[i] < 0))
			count++;
	return count;
}

static double rms_of(const int16_t *x, size_t n)
{
	double sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)x[i] * x[i];
	return sqrt(sum / n);
}

static int16_t decode_one(uint8_t code)
{
	int16_t pcm;

	audio_ulaw_to_pcm(&code, 1, &pcm);
	return pcm;
}

static uint8_t encode_one(int16_t pcm)
{
	uint8_t code;

	audio_pcm_to_ulaw(&pcm, 1, &code);
	return code;
}

static void test_ulaw_known_codes(void **state)
{
	assert_int_equal(encode_one(0), 0xFF);
	assert_int_equal(encode_one(-1), 0x7F);
	assert_int_equal(encode_one(32767), 0x80);
	assert_int_equal(encode_one(-32768), 0x00);
	assert_int_equal(encode_one(1000), 0xCE);
	assert_int_equal(decode_one(0xFF), 0);
	assert_int_equal(decode_one(0x7F), 0);
	assert_int_equal(decode_one(0x80), 32124);
	assert_int_equal(decode_one(0x00), -32124);
	assert_int_equal(decode_one(0xCE), 988);
}

static void test_ulaw_round_trip_error(void **state)
{
	/* Within the coder's range the error is at most half a step, and steps grow with level. */
	for (int x = -32124; x <= 32124; x++) {
		int back = decode_one(encode_one((int16_t)x));

		if (abs(back - x) * 32 > abs(x) + 132)
			fail_msg("%d came back as %d", x, back);
	}
	/* Louder samples clip to the largest code. */
	assert_int_equal(decode_one(encode_one(32767)), 32124);
	assert_int_equal(decode_one(encode_one(-32768)), -32124);
	/* Every code is its own value's encoding, but negative zero, which is zero. */
	for (int c = 0; c < 256; c++)
		assert_int_equal(encode_one(decode_one((uint8_t)c)), c == 0x7F ? 0xFF : c);
}

/* Stream n samples through r in frames of frame samples; returns the samples written. */
static size_t resample_stream(struct audio_resampler *r, const int16_t *in, size_t n,
			      size_t frame, int16_t *out, size_t outcap)
{
	size_t got = 0;

	for (size_t i = 0; i < n; i += frame) {
		size_t len = n - i < frame ? n - i : frame;

		got += audio_resample(r, in + i, len, out + got, outcap - got);
	}
	return got;
}

static void test_resample_round_trip_keeps_tone_and_length(void **state)
{
	static int16_t tone[RATE], wide[2 * RATE + 64], back[RATE + 64];
	struct audio_resampler *up = audio_resampler_new(8000, 16000);
	struct audio_resampler *down = audio_resampler_new(16000, 8000);
	size_t nwide, nback;

	assert_non_null(up);
	assert_non_null(down);
	noise_state = 1;
	make_audio(tone, RATE, RATE, 0, 440, 10000, 0);

	/* Fed in Twilio's 20 ms frames: out comes all but the filter's few ms of delay. */
	nwide = resample_stream(up, tone, RATE, FRAME, wide, sizeof(wide) / sizeof(wide[0]));
	assert_in_range(nwide, 2 * RATE - 160, 2 * RATE);
	nback = resample_stream(down, wide, nwide, 2 * FRAME, back, sizeof(back) / sizeof(back[0]));
	assert_in_range(nback, RATE - 160, RATE);

	/* 440 Hz crosses zero 880 times a second, at either rate. */
	assert_in_range(zero_crossings(wide + 800, 16000 - 1600), 792 - 2, 792 + 2);
	assert_in_range(zero_crossings(back + 400, 8000 - 800), 792 - 2, 792 + 2);
	/* And keeps its level: an RMS of 10000 / sqrt(2). */
	assert_in_range(lrint(rms_of(back + 400, 7200)), 6700, 7400);

	/* Silence after the tone pushes the held-back samples out, and no more. */
	static const int16_t silence[400];
	nback += resample_stream(down, silence, 400, 400, back + nback, RATE + 64 - nback);
	assert_in_range(nback, RATE - 160 + 200, RATE + 200);

	audio_resampler_free(up);
	audio_resampler_free(down);
	audio_resampler_free(NULL);
}

/* Events seen while feeding audio frame by frame: the frame of each start and end. */
struct vad_run {
	int starts, ends;
	int first_start_frame, last_end_frame;
};

static void vad_feed_all(struct audio_vad *v, const int16_t *pcm, size_t n, size_t frame,
			 int frame_offset, struct vad_run *run)
{
	for (size_t i = 0; i + frame <= n; i += frame) {
		int index = frame_offset + (int)(i / frame);

		switch (audio_vad_feed(v, pcm + i, frame)) {
		case AUDIO_VAD_SPEECH_START:
			if (run->starts++ == 0)
				run->first_start_frame = index;
			break;
		case AUDIO_VAD_SPEECH_END:
			run->ends++;
			run->last_end_frame = index;
			break;
		case AUDIO_VAD_NONE:
			break;
		}
	}
}

static void test_vad_line_noise_is_not_speech(void **state)
{
	static int16_t pcm[10 * RATE];
	struct audio_vad v;
	struct vad_run run = { 0 };

	audio_vad_init(&v, RATE, 0);
	assert_int_equal(v.silence_ms, 500);
	noise_state = 2;
	make_audio(pcm, 10 * RATE, RATE, 80, 0, 0, 0);
	vad_feed_all(&v, pcm, 10 * RATE, FRAME, 0, &run);
	assert_int_equal(run.starts, 0);
	assert_int_equal(run.ends, 0);
	assert_false(v.in_speech);
}

/* One second of line noise, a tone of tone_ms, then three seconds of line noise. */
static void check_tone_turn(int rate, int silence_ms, int tone_ms)
{
	size_t frame = (size_t)rate / 50;
	size_t quiet = (size_t)rate, loud = (size_t)rate * tone_ms / 1000, after = 3 * (size_t)rate;
	int16_t *pcm = malloc((quiet + loud + after) * sizeof(*pcm));
	struct audio_vad v;
	struct vad_run run = { 0 };
	int tone_first = (int)(quiet / frame), tone_end = (int)((quiet + loud) / frame);

	noise_state = 3;
	make_audio(pcm, quiet, rate, 60, 0, 0, 0);
	make_audio(pcm + quiet, loud, rate, 60, 440, 6000, quiet);
	make_audio(pcm + quiet + loud, after, rate, 60, 0, 0, quiet + loud);
	audio_vad_init(&v, rate, silence_ms);
	vad_feed_all(&v, pcm, quiet + loud + after, frame, 0, &run);

	assert_int_equal(run.starts, 1);
	assert_int_equal(run.ends, 1);
	/* Speech is confirmed once it has lasted the minimum, not before. */
	assert_in_range(run.first_start_frame, tone_first + v.min_speech_ms / FRAME_MS - 1,
			tone_first + v.min_speech_ms / FRAME_MS);
	/* The turn ends silence_ms after the tone stops, within a frame. */
	assert_in_range(run.last_end_frame, tone_end + silence_ms / FRAME_MS - 2,
			tone_end + silence_ms / FRAME_MS);
	assert_false(v.in_speech);
	free(pcm);
}

static void test_vad_tone_starts_and_ends_a_turn(void **state)
{
	check_tone_turn(8000, 500, 1000);
}

static void test_vad_silence_window_is_configurable(void **state)
{
	check_tone_turn(8000, 800, 600);
	check_tone_turn(8000, 300, 600);
}

/* A turn ended early by the caller's words: the speech is over at once, no end comes after
 * it, and the next sound is new speech. */
static void test_vad_end_early(void **state)
{
	size_t frame = 160, quiet = 8000, loud = 8000 * 600 / 1000;
	int16_t *pcm = malloc((quiet + loud + quiet + loud) * sizeof(*pcm));
	struct audio_vad v;
	struct vad_run run = { 0 };

	noise_state = 5;
	make_audio(pcm, quiet, 8000, 60, 0, 0, 0);
	make_audio(pcm + quiet, loud, 8000, 60, 440, 6000, quiet);
	make_audio(pcm + quiet + loud, quiet, 8000, 60, 0, 0, quiet + loud);
	make_audio(pcm + 2 * quiet + loud, loud, 8000, 60, 440, 6000, 2 * quiet + loud);
	audio_vad_init(&v, 8000, 1200);
	/* The tone and 200 ms after it: still speech by the 1,200 ms window. */
	vad_feed_all(&v, pcm, quiet + loud + 1600, frame, 0, &run);
	assert_int_equal(run.starts, 1);
	assert_true(v.in_speech);
	audio_vad_end(&v);
	assert_false(v.in_speech);
	assert_int_equal(v.speech_ms, 0);
	vad_feed_all(&v, pcm + quiet + loud + 1600, quiet - 1600 + loud, frame, 0, &run);
	assert_int_equal(run.ends, 0);
	assert_int_equal(run.starts, 2);
	free(pcm);
}

static void test_vad_wideband(void **state)
{
	check_tone_turn(16000, 500, 1000);
}

static void test_vad_click_is_not_speech(void **state)
{
	static int16_t pcm[3 * RATE];
	struct audio_vad v;
	struct vad_run run = { 0 };
	size_t click = RATE / 25;

	noise_state = 4;
	make_audio(pcm, RATE, RATE, 60, 0, 0, 0);
	/* A 40 ms crackle, loud and broadband. */
	make_audio(pcm + RATE, click, RATE, 12000, 0, 0, RATE);
	make_audio(pcm + RATE + click, 2 * RATE - click, RATE, 60, 0, 0, RATE + click);
	/* A second one half a second later is still two clicks, not 80 ms of speech. */
	make_audio(pcm + 3 * RATE / 2, click, RATE, 12000, 0, 0, 3 * RATE / 2);
	audio_vad_init(&v, RATE, 500);
	vad_feed_all(&v, pcm, 3 * RATE, FRAME, 0, &run);
	assert_int_equal(run.starts, 0);
	assert_int_equal(run.ends, 0);
}

static void test_vad_noise_floor_follows_a_louder_line(void **state)
{
	static int16_t pcm[12 * RATE];
	struct audio_vad v;
	struct vad_run quiet_run = { 0 }, loud_run = { 0 }, settled = { 0 }, talk = { 0 };
	double quiet_floor;

	noise_state = 5;
	audio_vad_init(&v, RATE, 500);
	make_audio(pcm, 2 * RATE, RATE, 60, 0, 0, 0);
	vad_feed_all(&v, pcm, 2 * RATE, FRAME, 0, &quiet_run);
	quiet_floor = v.noise_floor;
	assert_int_equal(quiet_run.starts, 0);

	/* The background jumps 18 dB (a car, a busy shop) and stays. */
	make_audio(pcm, 12 * RATE, RATE, 480, 0, 0, 2 * RATE);
	vad_feed_all(&v, pcm, 9 * RATE, FRAME, 100, &loud_run);
	assert_true(v.noise_floor > 5 * quiet_floor);
	assert_in_range(lrint(v.noise_floor), 300, 520);
	assert_false(v.in_speech);

	/* Once learned, it is background: no more turns. */
	vad_feed_all(&v, pcm + 9 * RATE, 3 * RATE, FRAME, 550, &settled);
	assert_int_equal(settled.starts, 0);
	assert_int_equal(settled.ends, 0);

	/* Speech over it is still heard. */
	make_audio(pcm, RATE, RATE, 480, 440, 8000, 0);
	make_audio(pcm + RATE, 2 * RATE, RATE, 480, 0, 0, RATE);
	vad_feed_all(&v, pcm, 3 * RATE, FRAME, 0, &talk);
	assert_int_equal(talk.starts, 1);
	assert_int_equal(talk.ends, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_known_codes),
		cmocka_unit_test(test_ulaw_round_trip_error),
		cmocka_unit_test(test_resample_round_trip_keeps_tone_and_length),
		cmocka_unit_test(test_vad_line_noise_is_not_speech),
		cmocka_unit_test(test_vad_tone_starts_and_ends_a_turn),
		cmocka_unit_test(test_vad_silence_window_is_configurable),
		cmocka_unit_test(test_vad_wideband),
		cmocka_unit_test(test_vad_end_early),
		cmocka_unit_test(test_vad_click_is_not_speech),
		cmocka_unit_test(test_vad_noise_floor_follows_a_louder_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
