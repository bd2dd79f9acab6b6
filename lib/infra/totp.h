/* totp.h: time-based one-time passwords (RFC 6238) through liboath: secrets, codes, the URI */
#ifndef SB_TOTP_H
#define SB_TOTP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct arena;

/* The parameters every authenticator app assumes: SHA-1, 6 digits, 30-second steps. */
#define TOTP_DIGITS 6
#define TOTP_STEP_SECONDS 30
/* A secret of 20 random bytes (160 bits, RFC 4226's recommendation): 32 base32 characters. */
#define TOTP_SECRET_BYTES 20

/* A new random secret in base32 (no padding), as authenticator apps take it: arena, or NULL. */
char *totp_secret_new(struct arena *a);

/*
 * Check code (digits, spaces allowed) against the base32 secret at time now, accepting the
 * steps from now - window to now + window (clock drift). Returns 1 with *step set to the
 * matching time step (for refusing a code used before), 0 for a wrong or malformed code, -1
 * when the secret is unreadable.
 */
int totp_check(const char *secret_base32, const char *code, time_t now, int window,
	       int64_t *step);

/* The code of the base32 secret for time now into out (TOTP_DIGITS + 1 bytes). 0 or -1. */
int totp_code(const char *secret_base32, time_t now, char out[TOTP_DIGITS + 1]);

/*
 * The otpauth:// URI an authenticator app reads (by QR code or by hand) for secret, labelled
 * "issuer:account": arena-owned.
 */
char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *secret);

#endif
