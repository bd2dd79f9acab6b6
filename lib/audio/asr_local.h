/* asr_local.h: speech recognition on this machine (pocketsphinx), for the browser test call */
#ifndef SB_ASR_LOCAL_H
#define SB_ASR_LOCAL_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* Sample rate asr_local_recognize() expects. */
#define ASR_LOCAL_RATE 16000

/*
 * Recognize one utterance: n samples of 16 kHz 16-bit mono PCM. Returns 0 with *text set to
 * the words heard, lower case and possibly "" (arena-owned), or -1 when the models cannot be
 * loaded or decoding fails (logged). Each thread loads its own decoder on its first call and
 * keeps it until the thread ends, so any number of threads may call at once.
 */
int asr_local_recognize(struct arena *a, const int16_t *pcm, size_t n, char **text);

#endif
