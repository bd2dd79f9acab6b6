/* test_crypto.c: password hashes, HMAC, base64 and sealed secrets */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"

#define KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_password_hash_verifies_and_salts(void **state)
{
	struct arena *a = arena_new();
	char *h1 = crypto_password_hash(a, "correct horse");
	char *h2 = crypto_password_hash(a, "correct horse");

	assert_non_null(h1);
	assert_true(!strncmp(h1, "scrypt$131072$8$1$", 18));
	assert_string_not_equal(h1, h2);
	assert_true(crypto_password_verify(h1, "correct horse"));
	assert_false(crypto_password_verify(h1, "correct horsE"));
	assert_false(crypto_password_verify(h1, ""));
	arena_free(a);
}

static void test_weaker_hashes_are_marked_for_rehash(void **state)
{
	struct arena *a = arena_new();

	conf_set("PASSWORD_SCRYPT_N", "16384");
	char *old = crypto_password_hash(a, "correct horse");
	assert_true(!strncmp(old, "scrypt$16384$8$1$", 17));
	assert_false(crypto_password_needs_rehash(old));
	conf_set("PASSWORD_SCRYPT_N", "131072");
	/* Still verifies with the parameters it was made with, and asks to be made again. */
	assert_true(crypto_password_verify(old, "correct horse"));
	assert_true(crypto_password_needs_rehash(old));
	assert_true(crypto_password_needs_rehash("scrypt$131072$4$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"));
	assert_true(crypto_password_needs_rehash("not a hash"));
	char *now = crypto_password_hash(a, "correct horse");
	assert_false(crypto_password_needs_rehash(now));
	/* Lowering the setting never weakens a stored hash. */
	conf_set("PASSWORD_SCRYPT_N", "16384");
	assert_false(crypto_password_needs_rehash(now));
	conf_set("PASSWORD_SCRYPT_N", "131072");
	arena_free(a);
}

static void test_malformed_or_abusive_hashes_are_refused(void **state)
{
	assert_false(crypto_password_verify(NULL, "x"));
	assert_false(crypto_password_verify("", "x"));
	assert_false(crypto_password_verify("md5$abc", "x"));
	assert_false(crypto_password_verify("scrypt$16384$8$1$!!!!$AAAA", "x"));
	/* A cost that would take minutes is not even tried. */
	assert_false(crypto_password_verify("scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA", "x"));
}

static void test_hmac_sha1_matches_rfc2202(void **state)
{
	unsigned char out[20];
	struct arena *a = arena_new();

	assert_int_equal(crypto_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, out), 0);
	assert_string_equal(crypto_hex(a, out, 20), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	arena_free(a);
}

static void test_base64_round_trip(void **state)
{
	struct arena *a = arena_new();
	unsigned char *raw;

	assert_string_equal(crypto_base64(a, (const unsigned char *)"hi!", 3), "aGkh");
	assert_string_equal(crypto_base64(a, (const unsigned char *)"hi", 2), "aGk=");
	assert_int_equal(crypto_base64_decode(a, "aGk=", &raw), 2);
	assert_memory_equal(raw, "hi", 2);
	assert_int_equal(crypto_base64_decode(a, "aGk", &raw), -1);
	arena_free(a);
}

static void test_seal_and_open(void **state)
{
	struct arena *a = arena_new();
	const char *org = "ac3e0000-0000-4000-8000-000000000001";
	char *sealed = crypto_seal(a, KEY, "sk-secret-1234", org);

	assert_non_null(sealed);
	assert_true(!strncmp(sealed, "\\x", 2));
	assert_null(strstr(sealed, "secret"));
	assert_string_equal(crypto_open(a, KEY, sealed, org), "sk-secret-1234");
	/* Bound to its organization: another org's id does not open it. */
	assert_null(crypto_open(a, KEY, sealed, "ac3e0000-0000-4000-8000-000000000009"));
	/* A flipped byte is detected. */
	char *forged = arena_strdup(a, sealed);
	forged[30] = forged[30] == '0' ? '1' : '0';
	assert_null(crypto_open(a, KEY, forged, org));
	assert_null(crypto_seal(a, "short", "x", org));
	assert_null(crypto_open(a, KEY, "\\xzz", org));
	arena_free(a);
}

#define KEY2 "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

/* A value as sealed before values named their key: nonce, ciphertext, tag, with aad alone. */
static char *seal_legacy(struct arena *a, const char *plain, const char *aad)
{
	unsigned char key[32], out[12 + 64 + 16] = "nonce-twelve";
	int n, len = (int)strlen(plain);

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)i;  /* KEY */
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, out), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad,
					   (int)strlen(aad)), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, out + 12, &n, (const unsigned char *)plain, len),
			 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + 12 + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out + 12 + len), 1);
	EVP_CIPHER_CTX_free(ctx);
	return arena_printf(a, "\\x%s", crypto_hex(a, out, 12 + (size_t)len + 16));
}

static void test_sealed_value_names_its_key(void **state)
{
	struct arena *a = arena_new();
	const char *aad = "switchboard credential\norg\nvapi\napi_key";
	char *sealed = crypto_seal(a, KEY, "sk-1", aad);
	char *id = crypto_key_id(a, KEY);

	assert_non_null(id);
	assert_int_equal(strlen(id), 8);
	assert_string_not_equal(id, crypto_key_id(a, KEY2));
	assert_null(crypto_key_id(a, "short"));
	/* Version 2, then the key's id. */
	assert_memory_equal(sealed, "\\x02", 4);
	assert_memory_equal(sealed + 4, id, 8);
	assert_string_equal(crypto_open(a, KEY, sealed, aad), "sk-1");
	assert_null(crypto_open(a, KEY2, sealed, aad));
	/* The header is authenticated: another version or id does not open. */
	char *forged = arena_strdup(a, sealed);
	forged[3] = '3';
	assert_null(crypto_open(a, KEY, forged, aad));
	arena_free(a);
}

static void test_legacy_value_still_opens(void **state)
{
	struct arena *a = arena_new();
	const char *org = "ac3e0000-0000-4000-8000-000000000001";
	char *legacy = seal_legacy(a, "old-secret", org);

	assert_string_equal(crypto_open(a, KEY, legacy, org), "old-secret");
	assert_null(crypto_open(a, KEY, legacy, "ac3e0000-0000-4000-8000-000000000009"));
	assert_null(crypto_open(a, KEY2, legacy, org));
	arena_free(a);
}

static void test_equal_and_tokens(void **state)
{
	struct arena *a = arena_new();
	char *t = crypto_token_hex(a, 16);

	assert_int_equal(strlen(t), 32);
	assert_string_not_equal(t, crypto_token_hex(a, 16));
	assert_true(crypto_equal("abc", "abc"));
	assert_false(crypto_equal("abc", "abd"));
	assert_false(crypto_equal("abc", "abcd"));
	assert_string_equal(crypto_sha256_hex(a, "abc"),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_hash_verifies_and_salts),
		cmocka_unit_test(test_weaker_hashes_are_marked_for_rehash),
		cmocka_unit_test(test_malformed_or_abusive_hashes_are_refused),
		cmocka_unit_test(test_hmac_sha1_matches_rfc2202),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_seal_and_open),
		cmocka_unit_test(test_sealed_value_names_its_key),
		cmocka_unit_test(test_legacy_value_still_opens),
		cmocka_unit_test(test_equal_and_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
