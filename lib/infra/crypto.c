/* crypto.c: OpenSSL behind the few operations Switchboard needs */
#include "infra/crypto.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/log.h"

/* N comes from PASSWORD_SCRYPT_N (2^17 by default); r and p are fixed. */
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_SALT 16
#define SCRYPT_KEY 32
/*
 * scrypt needs 128 * r * (N + 2) bytes: 128 MiB and a little at N = 2^17, 256 MiB at the largest
 * N the setting allows (2^18). OpenSSL refuses to go past maxmem, so it is that and headroom.
 */
#define SCRYPT_MAXMEM ((256u << 20) + (32u << 20))

int crypto_random(void *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

char *crypto_hex(struct arena *a, const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *out = arena_alloc(a, len * 2 + 1);

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[len * 2] = '\0';
	return out;
}

char *crypto_token_hex(struct arena *a, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof(raw) || crypto_random(raw, nbytes) < 0)
		return NULL;
	return crypto_hex(a, raw, nbytes);
}

char *crypto_base64(struct arena *a, const unsigned char *data, size_t len)
{
	char *out = arena_alloc(a, 4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

long crypto_base64_decode(struct arena *a, const char *text, unsigned char **out)
{
	size_t len = strlen(text);
	size_t cap = len / 4 * 3 + 1;
	unsigned char *raw = arena_alloc(a, cap);
	long n = crypto_base64_decode_into(text, len, raw, cap);

	if (n < 0)
		return -1;
	*out = raw;
	return n;
}

long crypto_base64_into(const unsigned char *data, size_t len, char *out, size_t cap)
{
	if (len > INT_MAX / 2 || cap < 4 * ((len + 2) / 3) + 1)
		return -1;
	return EVP_EncodeBlock((unsigned char *)out, data, (int)len);
}

long crypto_base64_decode_into(const char *text, size_t len, unsigned char *out, size_t cap)
{
	size_t pad = 0;

	if (len % 4 || len > INT_MAX / 2 || len / 4 * 3 > cap)
		return -1;
	while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
		pad++;
	/* Padding only ends the text; EVP_DecodeBlock would take it anywhere. */
	if (memchr(text, '=', len - pad))
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts padding as data; take it back off. */
	return n - (long)pad;
}

int crypto_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[20])
{
	unsigned int n = 20;
	return HMAC(EVP_sha1(), key, (int)keylen, data, len, out, &n) ? 0 : -1;
}

int crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 32;
	return HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n) ? 0 : -1;
}

int crypto_hmac_sha512(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[64])
{
	unsigned int n = 64;
	return HMAC(EVP_sha512(), key, (int)keylen, data, len, out, &n) ? 0 : -1;
}

char *crypto_sha256_hex(struct arena *a, const char *text)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, strlen(text), digest);
	return crypto_hex(a, digest, sizeof(digest));
}

bool crypto_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

static int scrypt_derive(const char *password, const unsigned char *salt, size_t saltlen,
			 unsigned long n, unsigned long r, unsigned long p, unsigned char *key, size_t keylen)
{
	return EVP_PBE_scrypt(password, strlen(password), salt, saltlen, n, r, p, SCRYPT_MAXMEM,
			      key, keylen) == 1 ? 0 : -1;
}

/* The work factor new hashes get: PASSWORD_SCRYPT_N, checked to be a power of two at start-up. */
static unsigned long scrypt_n(void)
{
	long n = conf_int("PASSWORD_SCRYPT_N");
	return n >= 2 && !(n & (n - 1)) ? (unsigned long)n : 131072ul;
}

char *crypto_password_hash(struct arena *a, const char *password)
{
	unsigned char salt[SCRYPT_SALT], key[SCRYPT_KEY];
	unsigned long n = scrypt_n();

	if (crypto_random(salt, sizeof(salt)) < 0 ||
	    scrypt_derive(password, salt, sizeof(salt), n, SCRYPT_R, SCRYPT_P, key, sizeof(key)) < 0) {
		log_error("could not hash a password");
		return NULL;
	}
	return arena_printf(a, "scrypt$%lu$%d$%d$%s$%s", n, SCRYPT_R, SCRYPT_P,
			    crypto_base64(a, salt, sizeof(salt)), crypto_base64(a, key, sizeof(key)));
}

/* Read a stored hash's parameters; false when it is not one of ours. */
static bool password_params(const char *hash, unsigned long *n, unsigned long *r, unsigned long *p,
			    char salt_b64[64], char key_b64[128])
{
	if (!hash || sscanf(hash, "scrypt$%lu$%lu$%lu$%63[^$]$%127s", n, r, p, salt_b64, key_b64) != 5)
		return false;
	/* Refuse parameters that would make one login a denial of service. */
	return *n >= 2 && *n <= (1ul << 18) && *r >= 1 && *r <= 32 && *p >= 1 && *p <= 16;
}

bool crypto_password_verify(const char *hash, const char *password)
{
	unsigned long n, r, p;
	char salt_b64[64], key_b64[128];
	unsigned char *salt, *want, got[64];
	bool ok = false;

	if (!password_params(hash, &n, &r, &p, salt_b64, key_b64))
		return false;
	struct arena *a = arena_new();
	long saltlen = crypto_base64_decode(a, salt_b64, &salt);
	long keylen = crypto_base64_decode(a, key_b64, &want);
	if (saltlen > 0 && keylen > 0 && keylen <= (long)sizeof(got) &&
	    scrypt_derive(password, salt, (size_t)saltlen, n, r, p, got, (size_t)keylen) == 0)
		ok = CRYPTO_memcmp(got, want, (size_t)keylen) == 0;
	arena_free(a);
	return ok;
}

bool crypto_password_needs_rehash(const char *hash)
{
	unsigned long n, r, p;
	char salt_b64[64], key_b64[128];

	if (!password_params(hash, &n, &r, &p, salt_b64, key_b64))
		return true;
	/* Only ever upward: lowering the setting leaves stronger hashes as they are. */
	return n < scrypt_n() || r < SCRYPT_R || p < SCRYPT_P;
}

void crypto_password_spend(const char *password)
{
	unsigned char salt[SCRYPT_SALT] = { 0 }, key[SCRYPT_KEY];

	(void)scrypt_derive(password ? password : "", salt, sizeof(salt), scrypt_n(), SCRYPT_R,
			    SCRYPT_P, key, sizeof(key));
}

static int hex_to_bytes(const char *hex, unsigned char *out, size_t maxlen, size_t *len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > maxlen)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		out[i] = (unsigned char)byte;
	}
	*len = n / 2;
	return 0;
}

static int key_from_hex(const char *hex_key, unsigned char key[32])
{
	size_t len;
	return hex_key && strlen(hex_key) == 64 && hex_to_bytes(hex_key, key, 32, &len) == 0 ? 0 : -1;
}

/*
 * A sealed value is "\x" hex of: version (2), key id (4 bytes), nonce (12), ciphertext, tag
 * (16). The key id names the key without revealing it, so a value sealed before a rotation
 * finds its key among the old ones; the version and id are authenticated with the caller's aad.
 * Values made before version 2 are nonce|ciphertext|tag with the aad alone ("legacy").
 */
enum { SEAL_VERSION = 2, SEAL_HEADER = 5, SEAL_NONCE = 12, SEAL_TAG = 16 };

/* The first four bytes of SHA-256("switchboard key id" | key): a name, not a secret. */
static void key_id(const unsigned char key[32], unsigned char id[4])
{
	static const char label[] = "switchboard key id";
	unsigned char data[sizeof(label) - 1 + 32], digest[SHA256_DIGEST_LENGTH];

	memcpy(data, label, sizeof(label) - 1);
	memcpy(data + sizeof(label) - 1, key, 32);
	SHA256(data, sizeof(data), digest);
	memcpy(id, digest, 4);
	OPENSSL_cleanse(data, sizeof(data));
}

char *crypto_key_id(struct arena *a, const char *hex_key)
{
	unsigned char key[32], id[4];

	if (key_from_hex(hex_key, key) < 0)
		return NULL;
	key_id(key, id);
	OPENSSL_cleanse(key, sizeof(key));
	return crypto_hex(a, id, sizeof(id));
}

/* AES-256-GCM of in (len) under key and nonce with the two parts of additional data; the
 * ciphertext into out (len bytes) and the tag. 0 or -1. */
static int gcm_seal(const unsigned char key[32], const unsigned char *nonce,
		    const unsigned char *head, size_t headlen, const char *aad,
		    const unsigned char *in, size_t len, unsigned char *out, unsigned char *tag)
{
	int n, rc = -1;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    (headlen && EVP_EncryptUpdate(ctx, NULL, &n, head, (int)headlen) != 1) ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	int total = n;
	if (EVP_EncryptFinal_ex(ctx, out + total, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG, tag) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* The reverse of gcm_seal(): 0 when the tag matches, -1 otherwise. */
static int gcm_open(const unsigned char key[32], const unsigned char *nonce,
		    const unsigned char *head, size_t headlen, const char *aad,
		    const unsigned char *in, size_t len, const unsigned char *tag,
		    unsigned char *out)
{
	int n, rc = -1;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (!ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) != 1 ||
	    (headlen && EVP_DecryptUpdate(ctx, NULL, &n, head, (int)headlen) != 1) ||
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1)
		goto out;
	int total = n;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG, (void *)tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + total, &n) != 1)
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

char *crypto_seal(struct arena *a, const char *hex_key, const char *plaintext, const char *aad)
{
	unsigned char key[32];
	size_t len = strlen(plaintext), total = SEAL_HEADER + SEAL_NONCE + len + SEAL_TAG;
	unsigned char *sealed = arena_alloc(a, total);
	unsigned char *nonce = sealed + SEAL_HEADER, *body = nonce + SEAL_NONCE;
	char *result = NULL;

	if (key_from_hex(hex_key, key) < 0 || crypto_random(nonce, SEAL_NONCE) < 0)
		return NULL;
	sealed[0] = SEAL_VERSION;
	key_id(key, sealed + 1);
	if (gcm_seal(key, nonce, sealed, SEAL_HEADER, aad, (const unsigned char *)plaintext, len,
		     body, body + len) == 0)
		result = arena_printf(a, "\\x%s", crypto_hex(a, sealed, total));
	OPENSSL_cleanse(key, sizeof(key));
	return result;
}

char *crypto_open(struct arena *a, const char *hex_key, const char *sealed_text, const char *aad)
{
	unsigned char key[32], id[4];
	size_t len;
	char *result = NULL;

	if (!sealed_text || key_from_hex(hex_key, key) < 0)
		return NULL;
	if (!strncmp(sealed_text, "\\x", 2))
		sealed_text += 2;
	size_t maxlen = strlen(sealed_text) / 2 + 1;
	unsigned char *sealed = arena_alloc(a, maxlen);
	if (hex_to_bytes(sealed_text, sealed, maxlen, &len) < 0 || len < SEAL_NONCE + SEAL_TAG)
		goto out;
	unsigned char *plain = arena_alloc(a, len + 1);
	key_id(key, id);
	if (len >= SEAL_HEADER + SEAL_NONCE + SEAL_TAG && sealed[0] == SEAL_VERSION &&
	    !memcmp(sealed + 1, id, sizeof(id))) {
		/* Sealed with this key: the header and the aad must both match. */
		size_t clen = len - SEAL_HEADER - SEAL_NONCE - SEAL_TAG;
		const unsigned char *nonce = sealed + SEAL_HEADER, *body = nonce + SEAL_NONCE;
		if (gcm_open(key, nonce, sealed, SEAL_HEADER, aad, body, clen, body + clen,
			     plain) == 0) {
			plain[clen] = '\0';
			result = (char *)plain;
		}
		goto out;
	}
	/* A legacy value: nonce, ciphertext, tag, with the aad alone. */
	size_t clen = len - SEAL_NONCE - SEAL_TAG;
	const unsigned char *body = sealed + SEAL_NONCE;
	if (gcm_open(key, sealed, NULL, 0, aad, body, clen, body + clen, plain) == 0) {
		plain[clen] = '\0';
		result = (char *)plain;
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	return result;
}
