/* audio.h: telephone audio: mu-law, resampling, and finding where speech starts and ends */
#ifndef SB_AUDIO_H
#define SB_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* G.711 mu-law, the encoding of Twilio media streams (8 kHz, 20 ms = 160 bytes a frame). */
void audio_ulaw_to_pcm(const uint8_t *in, size_t n, int16_t *out);
void audio_pcm_to_ulaw(const int16_t *in, size_t n, uint8_t *out);

/* A resampler between two rates (libspeexdsp), for 24 kHz TTS and 16 kHz browser audio. The
 * caller frees it with audio_resampler_free(); NULL when speexdsp refuses the rates. */
struct audio_resampler;
struct audio_resampler *audio_resampler_new(int in_rate, int out_rate);
/* Resample n samples into out (room for outcap); returns the samples written. Keeps state
 * across calls so a stream can be fed frame by frame. */
size_t audio_resample(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
		      size_t outcap);
void audio_resampler_free(struct audio_resampler *r);

/* Voice activity detection and end-of-turn, on 16-bit PCM frames. */
enum audio_vad_event {
	AUDIO_VAD_NONE,
	AUDIO_VAD_SPEECH_START,   /* speech began in this frame (barge-in can act on it) */
	AUDIO_VAD_SPEECH_END,     /* the caller has been silent for the silence window */
};

struct audio_vad {
	int sample_rate;
	int silence_ms;           /* end of turn after this much silence (default 500) */
	int min_speech_ms;        /* shorter bursts (a click, a cough) are not speech (default 120) */
	double noise_floor;       /* adapts to the line's background level */
	bool in_speech;
	int speech_ms, silence_run_ms;
};

void audio_vad_init(struct audio_vad *v, int sample_rate, int silence_ms);
enum audio_vad_event audio_vad_feed(struct audio_vad *v, const int16_t *pcm, size_t n);
/* End the speech going on now, as if its silence window had run out (the caller's turn was
 * judged over sooner): the next loud frames begin new speech. */
void audio_vad_end(struct audio_vad *v);

#endif
