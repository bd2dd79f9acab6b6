/* tts.c: speech synthesis with flite, built in, as telephone mu-law or PCM */
#include "tts.h"

#include <flite/flite.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>

#include "arena.h"
#include "audio.h"
#include "log.h"

cst_voice *register_cmu_us_kal(const char *voxdir);

static pthread_once_t flite_once = PTHREAD_ONCE_INIT;
static cst_voice *flite_voice;
/* flite keeps global state: one synthesis at a time. */
static pthread_mutex_t flite_lock = PTHREAD_MUTEX_INITIALIZER;

static void flite_setup(void)
{
	flite_init();
	flite_voice = register_cmu_us_kal(NULL);
}

static bool text_is_blank(const char *text)
{
	for (; *text; text++)
		if (!strchr(" \t\r\n", *text))
			return false;
	return true;
}

/*
 * flite reports a fatal error by calling exit() unless cst_errjmp points at a jump buffer;
 * with one it longjmps there instead, so a bad input costs the synthesis, not the process.
 */
static cst_wave *flite_wave(const char *text)
{
	jmp_buf on_error;
	cst_wave *volatile wave = NULL;

	pthread_once(&flite_once, flite_setup);
	if (!flite_voice) {
		log_error("could not synthesize speech: the flite voice did not load");
		return NULL;
	}
	pthread_mutex_lock(&flite_lock);
	cst_errjmp = &on_error;
	if (setjmp(on_error) == 0)
		wave = flite_text_to_wave(text, flite_voice);
	else
		log_error("could not synthesize speech: flite failed on %zu characters of text",
			  strlen(text));
	cst_errjmp = NULL;
	pthread_mutex_unlock(&flite_lock);
	return wave;
}

/*
 * Resample the whole of a wave to rate into the arena. The resampler holds back its filter's
 * last few milliseconds, so silence is fed after the speech to push them out; the result is
 * cut to the speech's own length.
 */
static long wave_to_rate(struct arena *a, const cst_wave *wave, int rate, int16_t **out)
{
	static const int16_t silence[1024];
	size_t n = (size_t)wave->num_samples;
	size_t in_rate = (size_t)wave->sample_rate;
	size_t want = (n * (size_t)rate + in_rate / 2) / in_rate;
	/* 50 ms of silence is more than the filter's delay for any rates speech comes at. */
	size_t pad = in_rate / 20;
	int16_t *pcm = arena_alloc(a, (want + 1) * sizeof(*pcm));
	struct audio_resampler *r;
	size_t got;

	if (wave->sample_rate == rate) {
		memcpy(pcm, wave->samples, n * sizeof(*pcm));
		*out = pcm;
		return (long)n;
	}
	r = audio_resampler_new(wave->sample_rate, rate);
	if (!r)
		return -1;
	got = audio_resample(r, wave->samples, n, pcm, want + 1);
	while (pad > 0 && got < want) {
		size_t chunk = pad < 1024 ? pad : 1024;

		got += audio_resample(r, silence, chunk, pcm + got, want + 1 - got);
		pad -= chunk;
	}
	audio_resampler_free(r);
	*out = pcm;
	return (long)(got < want ? got : want);
}

/*
 * Synthesize text with flite as 16-bit mono PCM at rate (8000 or 16000 Hz). Returns the sample
 * count with *out arena-owned; 0 with *out NULL when the text is blank; -1, logged, on failure.
 */
long tts_flite_pcm(struct arena *a, const char *text, int rate, int16_t **out)
{
	cst_wave *wave;
	long n = -1;

	*out = NULL;
	if (rate != 8000 && rate != 16000) {
		log_error("could not synthesize speech: %d Hz is not 8000 or 16000", rate);
		return -1;
	}
	if (!text || text_is_blank(text))
		return 0;
	wave = flite_wave(text);
	if (!wave)
		return -1;
	if (wave->num_channels != 1)
		log_error("could not synthesize speech: flite gave %d channels",
			  wave->num_channels);
	else if (wave->num_samples <= 0)
		n = 0;
	else
		n = wave_to_rate(a, wave, rate, out);
	delete_wave(wave);
	return n;
}

/*
 * Synthesize text with flite as 8 kHz mu-law, the telephone format. Returns the byte count with
 * *out arena-owned; 0 with *out NULL when the text is blank; -1, logged, on failure.
 */
long tts_flite_ulaw(struct arena *a, const char *text, uint8_t **out)
{
	int16_t *pcm;
	long n = tts_flite_pcm(a, text, 8000, &pcm);

	*out = NULL;
	if (n <= 0)
		return n;
	*out = arena_alloc(a, (size_t)n);
	audio_pcm_to_ulaw(pcm, (size_t)n, *out);
	return n;
}
