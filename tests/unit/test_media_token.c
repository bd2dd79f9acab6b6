/* test_media_token.c: the token a media stream opens with: made, checked, and refused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "domain/media_token.h"

#define SECRET "0123456789abcdef0123456789abcdef-media"
#define CALL "5b0e6c1e-2f7a-4b51-9a57-7c1f0d3e9a11"
#define ORG "ac3e0000-0000-4000-8000-000000000001"
#define NOW ((time_t)1700000000)

static const enum media_token_kind STREAM = MEDIA_TOKEN_STREAM, BROWSER = MEDIA_TOKEN_BROWSER;

static int use_secret(void **state)
{
	conf_set("MEDIA_TOKEN_SECRET", SECRET);
	return 0;
}

static void test_a_fresh_token_names_its_call_and_business(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *token = media_token_make(a, STREAM, CALL, ORG, NOW + 60);

	assert_non_null(token);
	assert_int_equal(media_token_check(a, STREAM, token, NOW, &call, &org), 0);
	assert_string_equal(call, CALL);
	assert_string_equal(org, ORG);
	assert_int_equal(media_token_check(a, STREAM, token, NOW + 59, &call, &org), 0);
	arena_free(a);
}

static void test_a_token_opens_only_its_own_kind(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *stream = media_token_make(a, STREAM, CALL, ORG, NOW + 60);
	char *browser = media_token_make(a, BROWSER, CALL, ORG, NOW + 60);

	/* The same call, organization and expiry: only the kind differs, and the mac with it. */
	assert_string_not_equal(stream, browser);
	assert_int_equal(media_token_check(a, BROWSER, stream, NOW, &call, &org), -1);
	assert_int_equal(media_token_check(a, STREAM, browser, NOW, &call, &org), -1);
	assert_null(call);
	assert_null(org);
	assert_int_equal(media_token_check(a, BROWSER, browser, NOW, &call, &org), 0);
	assert_string_equal(call, CALL);
	call = NULL;
	assert_int_equal(media_token_check(a, STREAM, stream, NOW, &call, &org), 0);
	assert_string_equal(call, CALL);
	arena_free(a);
}

static void test_an_expired_token_is_refused(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *token = media_token_make(a, STREAM, CALL, ORG, NOW + 60);

	assert_int_equal(media_token_check(a, STREAM, token, NOW + 60, &call, &org), -1);
	assert_int_equal(media_token_check(a, STREAM, token, NOW + 86400, &call, &org), -1);
	assert_null(call);
	arena_free(a);
}

static void test_a_tampered_token_is_refused(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *token = media_token_make(a, STREAM, CALL, ORG, NOW + 60);
	const char *other_org = "ac3e0000-0000-4000-8000-000000000002";

	/* Another organization, a later expiry, a flipped mac digit: each breaks the mac. */
	char *moved = arena_strdup(a, token);
	memcpy(moved + strlen(CALL) + 1, other_org, strlen(other_org));
	assert_int_equal(media_token_check(a, STREAM, moved, NOW, &call, &org), -1);

	char *later = arena_strdup(a, token);
	char *expiry = later + strlen(CALL) + 1 + strlen(ORG) + 1;
	expiry[0] = expiry[0] == '9' ? '8' : '9';
	assert_int_equal(media_token_check(a, STREAM, later, NOW, &call, &org), -1);

	char *flipped = arena_strdup(a, token);
	char *last = flipped + strlen(flipped) - 1;
	*last = *last == '0' ? '1' : '0';
	assert_int_equal(media_token_check(a, STREAM, flipped, NOW, &call, &org), -1);

	char *longer = arena_printf(a, "%s0", token);
	assert_int_equal(media_token_check(a, STREAM, longer, NOW, &call, &org), -1);
	assert_null(call);
	assert_null(org);
	arena_free(a);
}

static void test_a_token_of_another_secret_is_refused(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *token = media_token_make(a, STREAM, CALL, ORG, NOW + 60);

	conf_set("MEDIA_TOKEN_SECRET", "another secret, also 32 characters or more");
	assert_int_equal(media_token_check(a, STREAM, token, NOW, &call, &org), -1);
	conf_set("MEDIA_TOKEN_SECRET", SECRET);
	assert_int_equal(media_token_check(a, STREAM, token, NOW, &call, &org), 0);
	arena_free(a);
}

static void test_no_usable_secret_makes_and_accepts_nothing(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	char *token = media_token_make(a, STREAM, CALL, ORG, NOW + 60);

	conf_set("MEDIA_TOKEN_SECRET", "too short");
	assert_null(media_token_make(a, STREAM, CALL, ORG, NOW + 60));
	assert_int_equal(media_token_check(a, STREAM, token, NOW, &call, &org), -1);
	conf_set("MEDIA_TOKEN_SECRET", NULL);
	assert_null(media_token_make(a, STREAM, CALL, ORG, NOW + 60));
	conf_set("MEDIA_TOKEN_SECRET", SECRET);
	assert_null(media_token_make(a, STREAM, "a.b", ORG, NOW + 60));
	assert_null(media_token_make(a, STREAM, "", ORG, NOW + 60));
	assert_null(media_token_make(a, STREAM, CALL, NULL, NOW + 60));
	arena_free(a);
}

static void test_garbage_is_refused(void **state)
{
	struct arena *a = arena_new();
	const char *call = NULL, *org = NULL;
	static const char *const garbage[] = {
		"", ".", "...", "....", "a.b.c", "a.b.c.d", CALL "." ORG ".1700000060.",
		CALL "." ORG ".." "00", "." ORG ".1700000060.00", CALL "..1700000060.00",
		CALL "." ORG ".-5.00", CALL "." ORG ".1700000060.zz.zz",
		"\xff\xfe.\x01.\x02.\x03",
	};

	assert_int_equal(media_token_check(a, STREAM, NULL, NOW, &call, &org), -1);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		assert_int_equal(media_token_check(a, STREAM, garbage[i], NOW, &call, &org),
				 -1);
	char *huge = arena_alloc(a, 5001);
	memset(huge, 'a', 5000);
	huge[5000] = '\0';
	assert_int_equal(media_token_check(a, STREAM, huge, NOW, &call, &org), -1);
	assert_null(call);
	arena_free(a);
}

/* Twilio opens the stream over TLS whenever the public address is https. */
static void test_the_stream_address_follows_the_public_scheme(void **state)
{
	struct arena *a = arena_new();

	assert_string_equal(media_stream_url(a, "https://sb.example.com"),
			    "wss://sb.example.com/media/");
	assert_string_equal(media_stream_url(a, "https://sb.example.com/"),
			    "wss://sb.example.com/media/");
	assert_string_equal(media_stream_url(a, "http://127.0.0.1:8080"),
			    "ws://127.0.0.1:8080/media/");
	assert_string_equal(media_stream_url(a, "https://example.com/sb//"),
			    "wss://example.com/sb/media/");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_fresh_token_names_its_call_and_business, use_secret),
		cmocka_unit_test_setup(test_a_token_opens_only_its_own_kind, use_secret),
		cmocka_unit_test_setup(test_an_expired_token_is_refused, use_secret),
		cmocka_unit_test_setup(test_a_tampered_token_is_refused, use_secret),
		cmocka_unit_test_setup(test_a_token_of_another_secret_is_refused, use_secret),
		cmocka_unit_test_setup(test_no_usable_secret_makes_and_accepts_nothing, use_secret),
		cmocka_unit_test_setup(test_garbage_is_refused, use_secret),
		cmocka_unit_test(test_the_stream_address_follows_the_public_scheme),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
