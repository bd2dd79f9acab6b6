/* asr_local.c: speech recognition on this machine with pocketsphinx, one decoder per thread */
#include "audio/asr_local.h"

#include <ctype.h>
#include <pthread.h>
#include <pocketsphinx.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/log.h"

static pthread_key_t decoder_key;
static pthread_once_t decoder_once = PTHREAD_ONCE_INIT;

static void decoder_release(void *ps)
{
	ps_free(ps);
}

static void decoder_key_create(void)
{
	pthread_key_create(&decoder_key, decoder_release);
}

/* Loading the models takes a few hundred milliseconds and tens of megabytes: once a thread. */
static ps_decoder_t *thread_decoder(void)
{
	pthread_once(&decoder_once, decoder_key_create);
	ps_decoder_t *ps = pthread_getspecific(decoder_key);
	if (ps)
		return ps;

	struct arena *a = arena_new();
	const char *dir = conf_str("ASR_MODEL_DIR");
	cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE,
				       "-hmm", arena_printf(a, "%s/en-us", dir),
				       "-lm", arena_printf(a, "%s/en-us.lm.bin", dir),
				       "-dict", arena_printf(a, "%s/cmudict-en-us.dict", dir),
				       "-samprate", "16000",
				       /* pocketsphinx logs every decode at length otherwise */
				       "-logfn", "/dev/null",
				       NULL);
	if (config) {
		ps = ps_init(config);
		/* The decoder holds its own reference to the configuration. */
		cmd_ln_free_r(config);
	}
	if (!ps)
		log_error("could not load the speech recognition models in %s", dir);
	else
		pthread_setspecific(decoder_key, ps);
	arena_free(a);
	return ps;
}

int asr_local_recognize(struct arena *a, const int16_t *pcm, size_t n, char **text)
{
	ps_decoder_t *ps = thread_decoder();
	const char *hyp;
	int32 score;

	if (!ps)
		return -1;
	if (ps_start_utt(ps) < 0 || ps_process_raw(ps, pcm, n, FALSE, TRUE) < 0 ||
	    ps_end_utt(ps) < 0) {
		log_error("could not decode an utterance of %zu samples", n);
		return -1;
	}
	hyp = ps_get_hyp(ps, &score);
	/* Fillers such as <sil> or [noise] are not words the caller said. */
	char *out = arena_alloc(a, (hyp ? strlen(hyp) : 0) + 1);
	size_t len = 0;
	for (const char *p = hyp ? hyp : ""; *p;) {
		size_t w = strcspn(p, " ");
		if (w && p[0] != '<' && p[0] != '[') {
			if (len)
				out[len++] = ' ';
			/* Alternate pronunciations come as "word(2)". */
			for (size_t i = 0; i < w && p[i] != '('; i++)
				out[len++] = (char)tolower((unsigned char)p[i]);
		}
		p += w;
		p += strspn(p, " ");
	}
	out[len] = '\0';
	*text = out;
	return 0;
}
