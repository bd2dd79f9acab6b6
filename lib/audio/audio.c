/* audio.c: telephone audio: G.711 mu-law, resampling through libspeexdsp, speech and end of turn */
#include "audio/audio.h"

#include <math.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>

#include "infra/log.h"
#include "infra/xalloc.h"

/*
 * G.711 mu-law to linear, scaled to 16 bits: each code decodes to the middle of its quantization
 * step. Codes travel bit-inverted, so 0xFF (+0) and 0x7F (-0) both decode to 0.
 */
static const int16_t ULAW_DECODE[256] = {
	-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
	-23932, -22908, -21884, -20860, -19836, -18812, -17788, -16764,
	-15996, -15484, -14972, -14460, -13948, -13436, -12924, -12412,
	-11900, -11388, -10876, -10364, -9852, -9340, -8828, -8316,
	-7932, -7676, -7420, -7164, -6908, -6652, -6396, -6140,
	-5884, -5628, -5372, -5116, -4860, -4604, -4348, -4092,
	-3900, -3772, -3644, -3516, -3388, -3260, -3132, -3004,
	-2876, -2748, -2620, -2492, -2364, -2236, -2108, -1980,
	-1884, -1820, -1756, -1692, -1628, -1564, -1500, -1436,
	-1372, -1308, -1244, -1180, -1116, -1052, -988, -924,
	-876, -844, -812, -780, -748, -716, -684, -652,
	-620, -588, -556, -524, -492, -460, -428, -396,
	-372, -356, -340, -324, -308, -292, -276, -260,
	-244, -228, -212, -196, -180, -164, -148, -132,
	-120, -112, -104, -96, -88, -80, -72, -64,
	-56, -48, -40, -32, -24, -16, -8, 0,
	32124, 31100, 30076, 29052, 28028, 27004, 25980, 24956,
	23932, 22908, 21884, 20860, 19836, 18812, 17788, 16764,
	15996, 15484, 14972, 14460, 13948, 13436, 12924, 12412,
	11900, 11388, 10876, 10364, 9852, 9340, 8828, 8316,
	7932, 7676, 7420, 7164, 6908, 6652, 6396, 6140,
	5884, 5628, 5372, 5116, 4860, 4604, 4348, 4092,
	3900, 3772, 3644, 3516, 3388, 3260, 3132, 3004,
	2876, 2748, 2620, 2492, 2364, 2236, 2108, 1980,
	1884, 1820, 1756, 1692, 1628, 1564, 1500, 1436,
	1372, 1308, 1244, 1180, 1116, 1052, 988, 924,
	876, 844, 812, 780, 748, 716, 684, 652,
	620, 588, 556, 524, 492, 460, 428, 396,
	372, 356, 340, 324, 308, 292, 276, 260,
	244, 228, 212, 196, 180, 164, 148, 132,
	120, 112, 104, 96, 88, 80, 72, 64,
	56, 48, 40, 32, 24, 16, 8, 0,
};

/* The encoder's bias puts every segment's start on a power of two; the clip keeps it in 8 bits. */
enum { ULAW_BIAS = 0x84, ULAW_CLIP = 32635 };

void audio_ulaw_to_pcm(const uint8_t *in, size_t n, int16_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = ULAW_DECODE[in[i]];
}

static uint8_t ulaw_encode(int16_t sample)
{
	int magnitude = sample;
	int sign = 0;

	if (magnitude < 0) {
		magnitude = -magnitude;
		sign = 0x80;
	}
	if (magnitude > ULAW_CLIP)
		magnitude = ULAW_CLIP;
	magnitude += ULAW_BIAS;

	/* magnitude >> 7 is 1..255: its highest set bit is the segment, the next four the step. */
	int segment = 31 - __builtin_clz((unsigned)magnitude >> 7);
	int step = (magnitude >> (segment + 3)) & 0x0F;
	return (uint8_t)~(sign | segment << 4 | step);
}

void audio_pcm_to_ulaw(const int16_t *in, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = ulaw_encode(in[i]);
}

/* Quality 5 is speex's default: telephone bandwidth with little CPU and a few ms of delay. */
enum { RESAMPLER_QUALITY = 5 };

struct audio_resampler {
	SpeexResamplerState *speex;
};

/*
 * Make a mono resampler from in_rate to out_rate (Hz). Returns NULL, logged, if speex refuses
 * the rates. The caller frees it with audio_resampler_free().
 */
struct audio_resampler *audio_resampler_new(int in_rate, int out_rate)
{
	int err = 0;
	SpeexResamplerState *speex;
	struct audio_resampler *r;

	if (in_rate <= 0 || out_rate <= 0) {
		log_error("could not make a resampler: rates %d to %d Hz", in_rate, out_rate);
		return NULL;
	}
	speex = speex_resampler_init(1, (spx_uint32_t)in_rate, (spx_uint32_t)out_rate,
				     RESAMPLER_QUALITY, &err);
	if (!speex) {
		log_error("could not make a resampler from %d to %d Hz: %s", in_rate, out_rate,
			  speex_resampler_strerror(err));
		return NULL;
	}
	/* Drop the filter's leading zeros so output sample k is input time k / out_rate. */
	speex_resampler_skip_zeros(speex);
	r = xmalloc(sizeof(*r));
	r->speex = speex;
	return r;
}

/*
 * Resample n samples into out, which has room for outcap; returns the samples written. The
 * filter holds back its last few milliseconds until more input (or silence) pushes them out.
 * outcap should be at least n * out_rate / in_rate + 1: input that does not fit is dropped.
 */
size_t audio_resample(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
		      size_t outcap)
{
	spx_uint32_t in_len = (spx_uint32_t)n;
	spx_uint32_t out_len = (spx_uint32_t)outcap;

	if (n == 0 || outcap == 0)
		return 0;
	speex_resampler_process_int(r->speex, 0, in, &in_len, out, &out_len);
	return out_len;
}

/* Free a resampler; NULL is accepted. */
void audio_resampler_free(struct audio_resampler *r)
{
	if (!r)
		return;
	speex_resampler_destroy(r->speex);
	free(r);
}

/*
 * The detector compares each frame's RMS level with the line's noise floor. The floor follows
 * the quietest frames: it falls quickly to a quieter frame and otherwise rises slowly, about
 * 4 dB a second, so a louder background is learned within seconds while speech, which dips
 * between words, barely lifts it. A steady loud background is one long turn until learned.
 */
#define VAD_ONSET_RATIO 3.16      /* 10 dB over the floor starts speech */
#define VAD_HOLD_RATIO 2.0        /* 6 dB keeps it going: quiet word endings are still speech */
#define VAD_FLOOR_MIN 64.0        /* -54 dBFS: even on a dead line speech must reach -44 dBFS */
#define VAD_FLOOR_START 300.0     /* a fresh line's guess; the first quiet frames correct it */
#define VAD_FLOOR_FALL 0.5        /* fraction of the way to a quieter frame, per frame */
#define VAD_FLOOR_RISE_MS 1500.0  /* the floor doubles in this long under louder sound */
enum {
	VAD_DEFAULT_SILENCE_MS = 500,
	VAD_DEFAULT_MIN_SPEECH_MS = 120,
	VAD_ONSET_GAP_MS = 60,    /* a gap this long before speech is confirmed starts over */
};

/*
 * Set up a detector for sample_rate (Hz) that ends a turn after silence_ms of silence (0 or
 * less gives the default, 500 ms). min_speech_ms may be changed after this call.
 */
void audio_vad_init(struct audio_vad *v, int sample_rate, int silence_ms)
{
	*v = (struct audio_vad){
		.sample_rate = sample_rate,
		.silence_ms = silence_ms > 0 ? silence_ms : VAD_DEFAULT_SILENCE_MS,
		.min_speech_ms = VAD_DEFAULT_MIN_SPEECH_MS,
		.noise_floor = VAD_FLOOR_START,
	};
}

static double frame_rms(const int16_t *pcm, size_t n)
{
	int64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (int32_t)pcm[i] * pcm[i];
	return sqrt((double)sum / (double)n);
}

static void vad_track_floor(struct audio_vad *v, double rms, int ms)
{
	if (rms < v->noise_floor)
		v->noise_floor += (rms - v->noise_floor) * VAD_FLOOR_FALL;
	else
		v->noise_floor = fmin(rms, v->noise_floor * exp2(ms / VAD_FLOOR_RISE_MS));
	if (v->noise_floor < VAD_FLOOR_MIN)
		v->noise_floor = VAD_FLOOR_MIN;
}

/*
 * Feed one frame of n samples (10 to 30 ms is best) and learn what it holds: SPEECH_START once
 * a burst has lasted min_speech_ms (in the frame that confirms it), SPEECH_END once speech has
 * been followed by silence_ms of silence, otherwise NONE.
 */
enum audio_vad_event audio_vad_feed(struct audio_vad *v, const int16_t *pcm, size_t n)
{
	if (n == 0 || v->sample_rate <= 0)
		return AUDIO_VAD_NONE;

	int ms = (int)((n * 1000 + (size_t)v->sample_rate / 2) / (size_t)v->sample_rate);
	double rms = frame_rms(pcm, n);
	/* Judge the frame against the floor as it was before this frame moved it. */
	double ratio = v->in_speech ? VAD_HOLD_RATIO : VAD_ONSET_RATIO;
	bool loud = rms > v->noise_floor * ratio;

	vad_track_floor(v, rms, ms);

	if (v->in_speech) {
		if (loud) {
			v->speech_ms += ms;
			v->silence_run_ms = 0;
			return AUDIO_VAD_NONE;
		}
		v->silence_run_ms += ms;
		if (v->silence_run_ms < v->silence_ms)
			return AUDIO_VAD_NONE;
		v->in_speech = false;
		v->speech_ms = 0;
		v->silence_run_ms = 0;
		return AUDIO_VAD_SPEECH_END;
	}

	if (!loud) {
		/* A click or a cough leaves a short burst and then a gap: forget it. */
		v->silence_run_ms += ms;
		if (v->silence_run_ms >= VAD_ONSET_GAP_MS)
			v->speech_ms = 0;
		return AUDIO_VAD_NONE;
	}
	v->speech_ms += ms;
	v->silence_run_ms = 0;
	if (v->speech_ms < v->min_speech_ms)
		return AUDIO_VAD_NONE;
	v->in_speech = true;
	return AUDIO_VAD_SPEECH_START;
}

void audio_vad_end(struct audio_vad *v)
{
	v->in_speech = false;
	v->speech_ms = 0;
	v->silence_run_ms = 0;
}
