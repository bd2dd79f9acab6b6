/* tts.h: speech synthesis: flite built in, ElevenLabs and OpenAI TTS through their APIs */
#ifndef SB_TTS_H
#define SB_TTS_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/*
 * Synthesize text with flite (no provider, no network) as 8 kHz mu-law, the telephone
 * format. Returns the byte count with *out arena-owned, or -1.
 */
long tts_flite_ulaw(struct arena *a, const char *text, uint8_t **out);

/* Same, as 16-bit PCM at rate (8000 or 16000), for the browser test call and for tests. */
long tts_flite_pcm(struct arena *a, const char *text, int rate, int16_t **out);

#endif
