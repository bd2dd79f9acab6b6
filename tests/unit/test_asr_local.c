/* test_asr_local.c: the local recognizer understands what flite says, from several threads */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "audio/asr_local.h"
#include "provider/tts.h"

static const char SAID[] = "I need a plumber tomorrow";
static const char *const CONTENT_WORDS[] = { "need", "plumber", "tomorrow" };

/* How many of the sentence's content words were recognized. */
static int words_heard(const char *text)
{
	int n = 0;

	for (size_t i = 0; i < sizeof(CONTENT_WORDS) / sizeof(CONTENT_WORDS[0]); i++)
		if (strstr(text, CONTENT_WORDS[i]))
			n++;
	return n;
}

static char *recognize_said(struct arena *a)
{
	int16_t *pcm;
	char *text = NULL;
	long n = tts_flite_pcm(a, SAID, ASR_LOCAL_RATE, &pcm);

	if (n <= 0 || asr_local_recognize(a, pcm, (size_t)n, &text) < 0)
		return NULL;
	return text;
}

static void test_recognizes_the_request(void **state)
{
	struct arena *a = arena_new();
	char *text = recognize_said(a);

	assert_non_null(text);
	print_message("heard: \"%s\"\n", text);
	assert_true(words_heard(text) >= 2);
	arena_free(a);
}

static void test_silence_is_no_words(void **state)
{
	struct arena *a = arena_new();
	int16_t *quiet = arena_calloc(a, ASR_LOCAL_RATE, sizeof(*quiet));
	char *text = NULL;

	assert_int_equal(asr_local_recognize(a, quiet, ASR_LOCAL_RATE, &text), 0);
	assert_string_equal(text, "");
	arena_free(a);
}

static void *recognize_thread(void *arg)
{
	struct arena *a = arena_new();
	char *text = recognize_said(a);
	int *heard = arg;

	*heard = text ? words_heard(text) : -1;
	arena_free(a);
	return NULL;
}

/* Two threads decoding at once each use their own decoder and hear the same words. */
static void test_threads_decode_at_once(void **state)
{
	pthread_t t[2];
	int heard[2];

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, recognize_thread, &heard[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_true(heard[i] >= 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recognizes_the_request),
		cmocka_unit_test(test_silence_is_no_words),
		cmocka_unit_test(test_threads_decode_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
