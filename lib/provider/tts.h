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

/* Same, as 16-bit PCM at rate (8000 or 16000), for the browser test call and for tests;
 * returns the sample count with *out arena-owned, or -1. */
long tts_flite_pcm(struct arena *a, const char *text, int rate, int16_t **out);

/* Who speaks the receptionist's replies on a live call. */
enum tts_provider {
	TTS_FLITE,        /* built in, the default and the fallback */
	TTS_ELEVENLABS,   /* PROTOCOLS.md §9.1, streamed as ulaw_8000 */
	TTS_OPENAI,       /* PROTOCOLS.md §9.2, streamed as 24 kHz PCM and resampled */
};

/* Who speaks, with which key and voice: a business's own account or the server's. */
struct tts_voice {
	enum tts_provider provider;
	const char *api_key;          /* ElevenLabs' xi-api-key or OpenAI's Bearer key */
	const char *voice;            /* ElevenLabs voice id or OpenAI voice name */
};

/*
 * The provider the TTS_PROVIDER setting names. A name it does not know, or a provider whose
 * key is not set, gives TTS_FLITE after logging why.
 */
enum tts_provider tts_provider_configured(void);

/* The server's own voice: tts_provider_configured() with its key and voice from the settings
 * (ELEVENLABS_API_KEY/ELEVENLABS_VOICE_ID or OPENAI_TTS_API_KEY/OPENAI_TTS_VOICE), borrowed. */
void tts_voice_server(struct tts_voice *out);

/* Receives a clause's audio, 8 kHz mu-law, piece by piece as it arrives. Returns 0 to go on,
 * or -1 to stop the synthesis (the caller interrupted). */
typedef int (*tts_audio_fn)(void *arg, const uint8_t *ulaw, size_t n);

enum tts_outcome {
	TTS_SPOKEN,       /* the whole clause was delivered */
	TTS_FELL_BACK,    /* the provider failed; flite delivered the part it had not */
	TTS_STOPPED,      /* on_audio asked to stop */
	TTS_FAILED,       /* not even flite could synthesize the clause */
};

/*
 * Synthesize text with voice (its provider, key and voice), blocking the calling thread, and hand the audio to on_audio
 * as the provider sends it, so the first of it can play while the rest is made. When the
 * provider fails (no connection, an error status, no audio within TTS_FIRST_BYTE_TIMEOUT_MS
 * or a silence that long later on, the stream cut short), flite says what the provider had
 * not delivered: the whole clause when nothing came, otherwise the words after the share of
 * the text the delivered audio covers. Returns how the clause was said; after TTS_FELL_BACK
 * the caller should use TTS_FLITE for what follows.
 */
enum tts_outcome tts_stream(const struct tts_voice *voice, const char *text,
			    tts_audio_fn on_audio, void *arg);

/*
 * The part of text still unsaid after audio_ms of it was spoken at an ordinary pace: from the
 * start of the word being spoken (a word cut off is said again, whole). Borrowed: a pointer
 * into text; "" when all of it was said.
 */
const char *tts_unsaid(const char *text, long audio_ms);

#endif
