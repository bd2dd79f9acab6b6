/* tts.c: speech synthesis: flite built in, and ElevenLabs and OpenAI streamed through webclient */
#include "provider/tts.h"

#include <ctype.h>
#include <flite/flite.h>
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "infra/arena.h"
#include "audio/audio.h"
#include "infra/buf.h"
#include "infra/conf.h"
#include "infra/log.h"
#include "infra/webclient.h"
#include "infra/xalloc.h"

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

/* ---- streaming providers -------------------------------------------------------------------- */

/* An ordinary speaking pace, about 15 characters a second: how much of a clause some audio
 * covers when a provider stops partway. */
#define MS_PER_CHAR 65
#define POLL_MS 20              /* how often a stream's deadlines are looked at */
#define ERROR_BODY_MAX 300      /* the start of an error answer kept for the log */

enum tts_provider tts_provider_configured(void)
{
	const char *name = conf_str("TTS_PROVIDER");

	if (!*name || !strcasecmp(name, "flite"))
		return TTS_FLITE;
	if (!strcasecmp(name, "elevenlabs")) {
		if (*conf_str("ELEVENLABS_API_KEY"))
			return TTS_ELEVENLABS;
		log_error("TTS_PROVIDER is elevenlabs but ELEVENLABS_API_KEY is not set; using flite");
		return TTS_FLITE;
	}
	if (!strcasecmp(name, "openai")) {
		if (*conf_str("OPENAI_TTS_API_KEY"))
			return TTS_OPENAI;
		log_error("TTS_PROVIDER is openai but OPENAI_TTS_API_KEY is not set; using flite");
		return TTS_FLITE;
	}
	log_error("TTS_PROVIDER \"%s\" is not flite, elevenlabs or openai; using flite", name);
	return TTS_FLITE;
}

void tts_voice_server(struct tts_voice *out)
{
	out->provider = tts_provider_configured();
	out->api_key = out->provider == TTS_OPENAI ? conf_str("OPENAI_TTS_API_KEY")
						   : conf_str("ELEVENLABS_API_KEY");
	out->voice = out->provider == TTS_OPENAI ? conf_str("OPENAI_TTS_VOICE")
						 : conf_str("ELEVENLABS_VOICE_ID");
}

const char *tts_unsaid(const char *text, long audio_ms)
{
	size_t len = strlen(text);
	size_t pos = audio_ms <= 0 ? 0 : (size_t)(audio_ms / MS_PER_CHAR);

	if (pos >= len)
		return "";
	while (pos > 0 && !isspace((unsigned char)text[pos - 1]))
		pos--;
	while (isspace((unsigned char)text[pos]))
		pos++;
	return text + pos;
}

/* One provider request in progress. */
struct stream {
	tts_audio_fn on_audio;
	void *arg;
	bool pcm24;                     /* 24 kHz 16-bit little-endian, resampled here */
	struct audio_resampler *resampler;
	uint8_t odd_byte;               /* half a sample split across two chunks */
	bool has_odd;
	long delivered;                 /* mu-law samples handed on */
	long pcm_in;                    /* 24 kHz samples received */
	bool refused;                   /* an error status: the body is its explanation */
	bool stopped;
	struct buf error;
};

static int deliver(struct stream *st, const uint8_t *ulaw, size_t n)
{
	if (n == 0)
		return 0;
	st->delivered += (long)n;
	if (st->on_audio(st->arg, ulaw, n) < 0) {
		st->stopped = true;
		return -1;
	}
	return 0;
}

/* 24 kHz samples to 8 kHz mu-law, handed on. */
static int deliver_pcm(struct stream *st, const int16_t *pcm, size_t n)
{
	/* A third of the input, and room for the sample the filter's phase may add. */
	int16_t out[1024 + 8];
	uint8_t ulaw[1024 + 8];

	st->pcm_in += (long)n;
	while (n > 0) {
		size_t take = n < 3 * 1024 ? n : 3 * 1024;
		size_t got = audio_resample(st->resampler, pcm, take, out, sizeof(out) / sizeof(out[0]));
		audio_pcm_to_ulaw(out, got, ulaw);
		if (deliver(st, ulaw, got) < 0)
			return -1;
		pcm += take;
		n -= take;
	}
	return 0;
}

static int stream_write(void *arg, long status, const char *type, const char *data, size_t n)
{
	struct stream *st = arg;

	if (status < 200 || status >= 300) {
		st->refused = true;
		if (st->error.len < ERROR_BODY_MAX)
			buf_add(&st->error, data, n < ERROR_BODY_MAX ? n : ERROR_BODY_MAX);
		return 0;
	}
	if (!st->pcm24)
		return deliver(st, (const uint8_t *)data, n);

	/* Little-endian samples, which a chunk may split in the middle of. */
	int16_t pcm[2048];
	size_t i = 0, k = 0;
	const uint8_t *b = (const uint8_t *)data;
	if (st->has_odd && n > 0) {
		pcm[k++] = (int16_t)(st->odd_byte | b[0] << 8);
		st->has_odd = false;
		i = 1;
	}
	for (; i + 1 < n; i += 2) {
		pcm[k++] = (int16_t)(b[i] | b[i + 1] << 8);
		if (k == sizeof(pcm) / sizeof(pcm[0])) {
			if (deliver_pcm(st, pcm, k) < 0)
				return -1;
			k = 0;
		}
	}
	if (i < n) {
		st->odd_byte = b[i];
		st->has_odd = true;
	}
	return deliver_pcm(st, pcm, k);
}

/* The resampler holds its filter's last few milliseconds: silence pushes them out, and the
 * audio ends where the speech did. */
static int flush_pcm(struct stream *st)
{
	static const int16_t silence[240];
	int16_t out[80 + 8];
	uint8_t ulaw[80 + 8];

	/* 60 ms of silence is more than the filter holds back. */
	for (int i = 0; i < 6 && st->delivered < st->pcm_in / 3; i++) {
		size_t got = audio_resample(st->resampler, silence, 240, out,
					    sizeof(out) / sizeof(out[0]));
		size_t need = (size_t)(st->pcm_in / 3 - st->delivered);
		if (got > need)
			got = need;
		audio_pcm_to_ulaw(out, got, ulaw);
		if (deliver(st, ulaw, got) < 0)
			return -1;
	}
	return 0;
}

/* The request body of voice for text, heap-owned, and its URL and key header in a. */
static char *request_for(struct arena *a, const struct tts_voice *v, const char *text,
			 const char **url, const char **auth)
{
	json_t *body;

	if (v->provider == TTS_ELEVENLABS) {
		const char *voice = webclient_escape(a, v->voice && *v->voice ? v->voice
						     : conf_str("ELEVENLABS_VOICE_ID"));
		if (!voice)
			xalloc_die();
		*url = arena_printf(a, "%s/v1/text-to-speech/%s/stream?output_format=ulaw_8000",
				    conf_str("ELEVENLABS_URL"), voice);
		*auth = arena_printf(a, "xi-api-key: %s", v->api_key);
		body = json_pack("{s:s, s:s}", "text", text, "model_id", conf_str("ELEVENLABS_MODEL"));
	} else {
		*url = arena_printf(a, "%s/audio/speech", conf_str("OPENAI_TTS_URL"));
		*auth = arena_printf(a, "Authorization: Bearer %s", v->api_key);
		body = json_pack("{s:s, s:s, s:s, s:s}", "model", conf_str("OPENAI_TTS_MODEL"),
				 "input", text, "voice", v->voice && *v->voice ? v->voice
				 : conf_str("OPENAI_TTS_VOICE"),
				 "response_format", "pcm");
	}
	if (!body)
		xalloc_die();
	char *json = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!json)
		xalloc_die();
	return json;
}

/*
 * Stream text from provider into st. Returns 0 when the provider delivered the whole clause,
 * -1 when it failed (logged) or st->stopped when the caller asked to stop.
 */
static int provider_stream(struct arena *a, const struct tts_voice *voice, const char *text,
			   struct stream *st)
{
	const char *name = voice->provider == TTS_ELEVENLABS ? "ElevenLabs" : "OpenAI";
	const char *url, *auth;
	long patience = conf_int("TTS_FIRST_BYTE_TIMEOUT_MS");
	int rc = -1;

	char *body = request_for(a, voice, text, &url, &auth);
	const char *headers[] = { "Content-Type: application/json", auth, NULL };
	struct webclient_stream_request req = {
		.method = "POST",
		.url = url,
		.headers = headers,
		.body = body,
		.body_len = strlen(body),
		.connect_timeout_ms = patience,
		.idle_timeout_ms = patience,
		.keep_connection = 1,
		.on_body = stream_write,
		.arg = st,
	};
	struct webclient_stream_result res;
	int streamed = webclient_stream(&req, &res);

	long status = res.status;
	if (st->stopped)
		rc = 0;
	else if (res.idle)
		log_warn("%s sent no audio for %ld ms after %ld ms of it; flite takes over", name,
			 patience, st->delivered / 8);
	else if (streamed < 0)
		log_warn("%s failed after %ld ms of audio: %s; flite takes over", name,
			 st->delivered / 8, res.error);
	else if (st->refused || status < 200 || status >= 300)
		log_warn("%s answered %ld: %.*s; flite takes over", name, status,
			 (int)strcspn(buf_str(&st->error), "\r\n"), buf_str(&st->error));
	else if (st->delivered == 0)
		log_warn("%s answered without audio; flite takes over", name);
	else {
		/* A stop asked for during the flush ends the clause just the same. */
		if (st->pcm24)
			flush_pcm(st);
		rc = 0;
	}
	free(body);
	return rc;
}

enum tts_outcome tts_stream(const struct tts_voice *voice, const char *text,
			    tts_audio_fn on_audio, void *arg)
{
	enum tts_provider provider = voice && voice->api_key && *voice->api_key
		? voice->provider : TTS_FLITE;
	struct arena *a = arena_new();
	struct stream st = { .on_audio = on_audio, .arg = arg, .error = BUF_INIT };
	enum tts_outcome outcome = TTS_FAILED;
	const char *rest = text;
	uint8_t *ulaw;

	if (provider != TTS_FLITE) {
		st.pcm24 = provider == TTS_OPENAI;
		if (st.pcm24)
			st.resampler = audio_resampler_new(24000, 8000);
		if (st.pcm24 && !st.resampler)
			log_error("could not synthesize speech: no 24 kHz resampler");
		else if (provider_stream(a, voice, text, &st) == 0) {
			outcome = st.stopped ? TTS_STOPPED : TTS_SPOKEN;
			goto out;
		}
		rest = tts_unsaid(text, st.delivered / 8);
	}
	long n = tts_flite_ulaw(a, rest, &ulaw);
	if (n < 0)
		goto out;
	if (deliver(&st, ulaw, (size_t)n) < 0)
		outcome = TTS_STOPPED;
	else
		outcome = provider == TTS_FLITE ? TTS_SPOKEN : TTS_FELL_BACK;
out:
	audio_resampler_free(st.resampler);
	buf_release(&st.error);
	arena_free(a);
	return outcome;
}
