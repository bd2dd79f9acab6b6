/* provider_check.h: one harmless call with a business's provider key, told in plain words */
#ifndef SB_PROVIDER_CHECK_H
#define SB_PROVIDER_CHECK_H

struct arena;
struct db;

enum provider_check_outcome {
	CHECK_ACCEPTED,       /* the provider answered 2xx to the key */
	CHECK_REFUSED,        /* it refused the key (401, 403, 404 of the account) */
	CHECK_FAILED,         /* no answer, a timeout, a 429 or 5xx, or an answer not its own */
	CHECK_NO_KEY,         /* neither the business nor the server has a key to check */
};

struct provider_check {
	enum provider_check_outcome outcome;
	const char *message;  /* one sentence for the owner, never a secret; arena-owned */
};

/*
 * Check the key of provider ("twilio", "llm", "deepgram", "elevenlabs", "openai_tts", "vapi")
 * that calls of org_id use: the business's own (Settings -> Provider keys) or, when it has
 * none, the server's. One read-only request: Twilio's account resource, {base}/models,
 * Deepgram's /v1/projects, ElevenLabs' /v1/user, Vapi's /phone-number. db has the
 * organization's transaction open (db_begin_org). Returns 0 with *out filled, or -1 on a
 * database error or an unknown provider (logged).
 */
int provider_check(struct db *db, struct arena *a, const char *org_id, const char *provider,
		   struct provider_check *out);

#endif
