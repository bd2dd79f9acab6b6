/* recordings.h: call recordings kept by the phone provider: fetching them, telling audio from
 * anything else, and the recording.check job that settles a recording's status */
#ifndef SB_RECORDINGS_H
#define SB_RECORDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;
struct webclient_response;
struct twilio_account;

/*
 * Whether url is at one of the RECORDING_ORIGINS (one of them, then "/"), written in printable
 * ASCII without spaces or backslashes, so every parser (libcurl's, nginx's) reads the same host
 * in it. Nothing else is ever fetched as a recording.
 */
bool recordings_url_allowed(const char *url);

/* Where and how a recording is fetched, all arena-owned or static. */
struct recording_source {
	const char *url;            /* the address to ask (Twilio's with a format added) */
	const char *authorization;  /* "Basic ..." for this account's Twilio recordings, or NULL */
	const char *type;           /* the audio type to answer the browser with */
};

/*
 * How the recording of a call of provider (calls.provider) stored at url is fetched: a Twilio
 * call's recording under the recordings of business (the business's own Twilio account,
 * credential_twilio_account(); NULL for none) or of the server's account gets that account's Basic
 * credentials and is asked for as MP3 when its address names no format; no other address ever
 * gets them (a Vapi recording is a signed public address). The type comes from the format the
 * address names, else MP3 for Twilio's and WAV (what Vapi stores) for any other. Returns 0, or
 * -1 when url is not recordings_url_allowed().
 */
int recordings_source(struct arena *a, const struct twilio_account *business,
		      const char *provider, const char *url, struct recording_source *out);

/*
 * Fetch the recording of a call of provider as recordings_source() says, from public addresses
 * only, waiting at most RECORDING_TIMEOUT_MS. range, when not NULL, asks for those bytes only
 * ("0-4095"). Answers above max_bytes fail. Returns 0 when an HTTP answer came (resp holds it,
 * arena-owned), -1 when none did or the address is not allowed (resp->error says).
 */
int recordings_fetch(struct arena *a, const struct twilio_account *business, const char *provider,
		     const char *url, const char *range, size_t max_bytes,
		     struct webclient_response *resp);

/*
 * The content type of the recording in resp, as a browser's player takes it: "audio/mpeg" or
 * "audio/wav", from the first bytes, else from what the provider said; NULL when the answer is
 * not a recording. Borrowed: a static string.
 */
const char *recordings_audio_type(const struct webclient_response *resp);

/* The file extension ("mp3", "wav") for a type recordings_audio_type() returned. Borrowed: a
 * static string. */
const char *recordings_extension(const char *type);

/*
 * The "recording.check" job: payload {"call_id"}. Looks at the first bytes of the recording a
 * provider reported for the call (pending or processing): audio makes it completed; a refusal
 * (404, 403, any 4xx) or something that is not audio makes it failed. A transport failure, 429 or
 * 5xx is JOB_RETRY, and the recording is failed once the job's last attempt fails the same way.
 * A recording already settled, or a call without one, is left alone (JOB_DONE).
 * JOB_FAILED for a payload without a call id.
 */
enum job_outcome recordings_check_job(struct db *db, struct arena *a, const struct job *job,
				      char *error, size_t errlen);

#endif
