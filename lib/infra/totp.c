/* totp.c: RFC 6238 one-time passwords through liboath, and the otpauth URI apps read */
#include "totp.h"

#include <ctype.h>
#include <liboath/oath.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "crypto.h"
#include "log.h"
#include "webclient.h"

static pthread_once_t totp_once = PTHREAD_ONCE_INIT;
static int totp_ready = OATH_OK;

static void totp_init(void)
{
	totp_ready = oath_init();
}

static bool totp_start(void)
{
	pthread_once(&totp_once, totp_init);
	if (totp_ready != OATH_OK)
		log_error("could not start liboath: %s", oath_strerror(totp_ready));
	return totp_ready == OATH_OK;
}

char *totp_secret_new(struct arena *a)
{
	unsigned char raw[TOTP_SECRET_BYTES];
	char *text = NULL;
	size_t len = 0;

	if (!totp_start() || crypto_random(raw, sizeof(raw)) < 0)
		return NULL;
	if (oath_base32_encode((const char *)raw, sizeof(raw), &text, &len) != OATH_OK) {
		log_error("could not encode a two-factor secret");
		return NULL;
	}
	/* 20 bytes are 32 characters exactly: no padding to strip, but be sure. */
	while (len && text[len - 1] == '=')
		len--;
	char *out = arena_strndup(a, text, len);
	memset(raw, 0, sizeof(raw));
	memset(text, 0, len);
	free(text);
	return out;
}

/* The raw secret of a base32 text into a heap buffer (caller frees), or NULL. */
static char *totp_secret_raw(const char *secret_base32, size_t *len)
{
	char *raw = NULL;

	if (!secret_base32 || !totp_start())
		return NULL;
	if (oath_base32_decode(secret_base32, strlen(secret_base32), &raw, len) != OATH_OK)
		return NULL;
	return raw;
}

int totp_check(const char *secret_base32, const char *code, time_t now, int window,
	       int64_t *step)
{
	char digits[TOTP_DIGITS + 1];
	size_t n = 0, len = 0;

	/* People type "123 456" as apps show it; anything but digits and spaces is no code. */
	for (const char *p = code ? code : ""; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (!isdigit((unsigned char)*p) || n == TOTP_DIGITS)
			return 0;
		digits[n++] = *p;
	}
	if (n != TOTP_DIGITS)
		return 0;
	digits[n] = '\0';
	char *raw = totp_secret_raw(secret_base32, &len);
	if (!raw)
		return -1;
	uint64_t counter = 0;
	int pos = 0;
	int rc = oath_totp_validate3(raw, len, now, TOTP_STEP_SECONDS, 0, (size_t)window, &pos,
				     &counter, digits);
	memset(raw, 0, len);
	free(raw);
	if (rc < 0)
		return 0;
	*step = (int64_t)counter;
	return 1;
}

int totp_code(const char *secret_base32, time_t now, char out[TOTP_DIGITS + 1])
{
	size_t len = 0;
	char *raw = totp_secret_raw(secret_base32, &len);

	if (!raw)
		return -1;
	int rc = oath_totp_generate(raw, len, now, TOTP_STEP_SECONDS, 0, TOTP_DIGITS, out);
	memset(raw, 0, len);
	free(raw);
	return rc == OATH_OK ? 0 : -1;
}

char *totp_uri(struct arena *a, const char *issuer, const char *account, const char *secret)
{
	const char *label = arena_printf(a, "%s:%s", issuer, account);

	return arena_printf(a, "otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d"
			    "&period=%d", webclient_escape(a, label), secret,
			    webclient_escape(a, issuer), TOTP_DIGITS, TOTP_STEP_SECONDS);
}
