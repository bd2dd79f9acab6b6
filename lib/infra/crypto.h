/* crypto.h: passwords, tokens, HMAC, base64 and sealed secrets, all through OpenSSL */
#ifndef SB_CRYPTO_H
#define SB_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Fill out with len cryptographically random bytes; 0 or -1. */
int crypto_random(void *out, size_t len);

/* A random token of nbytes bytes as lowercase hex (2*nbytes characters), arena-owned. */
char *crypto_token_hex(struct arena *a, size_t nbytes);

/* Lowercase hex of len bytes, arena-owned. */
char *crypto_hex(struct arena *a, const unsigned char *data, size_t len);

/* Standard base64 (with padding) of len bytes, arena-owned. */
char *crypto_base64(struct arena *a, const unsigned char *data, size_t len);

/* Decode standard base64 into the arena; returns the length, or -1 when malformed. */
long crypto_base64_decode(struct arena *a, const char *text, unsigned char **out);

/*
 * Standard base64 (with padding) of len bytes into out, which has room for cap bytes: 4 for
 * every 3 bytes begun, and the NUL that ends it. Returns the text's length, or -1 when it would
 * not fit. Nothing is allocated, for paths that run for every frame of audio.
 */
long crypto_base64_into(const unsigned char *data, size_t len, char *out, size_t cap);

/*
 * Decode the len characters of standard base64 at text (no NUL needed) into out, which has room
 * for cap bytes: 3 for every 4 characters, padding included. Returns the decoded length, or -1
 * when the text is malformed or out is too small. Nothing is allocated.
 */
long crypto_base64_decode_into(const char *text, size_t len, unsigned char *out, size_t cap);

/* HMAC of data with key into out (20 bytes for SHA-1, 32 for SHA-256, 64 for SHA-512). 0 or -1. */
int crypto_hmac_sha1(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[20]);
int crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[32]);
int crypto_hmac_sha512(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[64]);

/* SHA-256 of a string as hex, arena-owned (for storing invite tokens, never the tokens). */
char *crypto_sha256_hex(struct arena *a, const char *text);

/* Compare two strings in time that does not depend on where they differ. */
bool crypto_equal(const char *a, const char *b);

/*
 * Hash a password with scrypt (N from PASSWORD_SCRYPT_N, 2^17 by default; r=8, p=1, 16-byte
 * salt, 32-byte key) as "scrypt$<N>$8$1$<salt b64>$<key b64>", arena-owned; NULL on failure.
 */
char *crypto_password_hash(struct arena *a, const char *password);

/* True when password matches a hash made by crypto_password_hash(), whatever its N. */
bool crypto_password_verify(const char *hash, const char *password);

/*
 * True when a stored hash is weaker than what crypto_password_hash() makes now (a smaller N,
 * r or p) or unreadable: the caller re-hashes the password it has just verified.
 */
bool crypto_password_needs_rehash(const char *hash);

/*
 * Spend the time crypto_password_verify() takes on a current hash, and nothing else: for a
 * sign-in naming no account, so that timing does not tell who has one.
 */
void crypto_password_spend(const char *password);

/*
 * Seal plaintext with AES-256-GCM under the 64-hex-digit key, binding it to aad (what the secret
 * belongs to, e.g. organization, provider and name): the result is "\x" hex of a version byte,
 * the key's id (crypto_key_id), nonce, ciphertext and tag, ready for a bytea parameter,
 * arena-owned; NULL on failure (a bad key included).
 */
char *crypto_seal(struct arena *a, const char *hex_key, const char *plaintext, const char *aad);

/*
 * Open what crypto_seal() made with hex_key and the same aad (accepts PostgreSQL's "\x..."
 * bytea text), or a value of the earlier format (nonce, ciphertext, tag; no header): the
 * plaintext, arena-owned; NULL when forged, bound to other data, or sealed with another key.
 */
char *crypto_open(struct arena *a, const char *hex_key, const char *sealed, const char *aad);

/* The id crypto_seal() writes for hex_key, as 8 hex digits, arena-owned; NULL for a bad key. */
char *crypto_key_id(struct arena *a, const char *hex_key);

#endif
