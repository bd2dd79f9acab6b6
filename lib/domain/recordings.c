/* recordings.c: call recordings kept by the phone provider: fetched over lib/http, told apart
 * from anything else by their first bytes, and settled by the recording.check job */
#include "domain/recordings.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "domain/credentials.h"
#include "infra/webclient.h"
#include "infra/json.h"
#include "infra/log.h"
#include "provider/twilio_rest.h"

/* Enough of a recording to recognise its format, and small enough to ask for on every check. */
#define CHECK_RANGE "0-4095"
/* Longer than any provider's address; the Vapi hook keeps shorter ones only. */
#define URL_MAX 2048

static const char SQL_RECORDING_TO_CHECK[] =
	"SELECT provider, recording_url FROM calls "
	"WHERE id = $1 AND recording_url IS NOT NULL "
	"  AND recording_status IN ('pending', 'processing')";

/*
 * Only the address that was checked is settled: a provider that reported another recording in
 * the meantime (or a Twilio callback that completed it) keeps what it wrote.
 */
static const char SQL_RECORDING_SETTLE[] =
	"UPDATE calls SET recording_status = $3 "
	"WHERE id = $1 AND recording_url = $2 AND recording_status IN ('pending', 'processing')";

/*
 * The part of url after the recordings of acct at its API base, when url is one of them:
 * "RE" and 32 hex digits, then nothing, ".mp3" or ".wav". NULL for any other address, which
 * must never see the account's credentials.
 */
static const char *twilio_recording(struct arena *a, const struct twilio_account *acct,
				    const char *url)
{
	const char *account = acct->sid;
	const char *base = acct->api_base;
	size_t base_len = strlen(base);

	if (!twilio_account_usable(acct))
		return NULL;
	const char *prefix = arena_printf(a, "%.*s/2010-04-01/Accounts/%s/Recordings/",
					  (int)base_len, base, account);
	size_t prefix_len = strlen(prefix);
	if (strncmp(url, prefix, prefix_len))
		return NULL;
	const char *rest = url + prefix_len;
	if (strncmp(rest, "RE", 2) || strspn(rest + 2, "0123456789abcdefABCDEF") != 32)
		return NULL;
	const char *format = rest + 34;
	if (*format && strcmp(format, ".mp3") && strcmp(format, ".wav"))
		return NULL;
	return rest;
}

bool recordings_url_allowed(const char *url)
{
	const char *origins = conf_str("RECORDING_ORIGINS");
	size_t len = strlen(url);

	if (!len || len > URL_MAX || strchr(url, '\\'))
		return false;
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	for (const char *o = origins; *o;) {
		o += strspn(o, " ,");
		size_t n = strcspn(o, " ,");
		/* An origin ends where the path starts: "https://api.twilio.com.evil.example/" and
		 * "https://api.twilio.com@evil.example/" are other hosts. */
		if (n && !strncmp(url, o, n) && url[n] == '/' &&
		    (!strncmp(o, "https://", 8) || !strncmp(o, "http://", 7)))
			return true;
		o += n;
	}
	return false;
}

/* The audio type a recording's address names by its format, or NULL. */
static const char *type_of_address(const char *url)
{
	size_t len = strcspn(url, "?#");

	if (len > 4 && !strncasecmp(url + len - 4, ".mp3", 4))
		return "audio/mpeg";
	if (len > 4 && !strncasecmp(url + len - 4, ".wav", 4))
		return "audio/wav";
	if (len > 4 && !strncasecmp(url + len - 4, ".ogg", 4))
		return "audio/ogg";
	return NULL;
}

int recordings_source(struct arena *a, const struct twilio_account *business,
		      const char *provider, const char *url, struct recording_source *out)
{
	struct twilio_account server;
	const struct twilio_account *acct = twilio_account_server(&server);
	const char *twilio = NULL;

	/* The business's own account's recordings get its keys, the server's the server's. */
	if (!strcmp(provider, "twilio") && business)
		twilio = twilio_recording(a, business, url);
	if (twilio)
		acct = business;
	else if (!strcmp(provider, "twilio"))
		twilio = twilio_recording(a, &server, url);

	memset(out, 0, sizeof(*out));
	if (!recordings_url_allowed(url))
		return -1;
	out->url = url;
	if (twilio) {
		/* Twilio answers an address without a format as WAV; MP3 is a tenth of the size. */
		if (strlen(twilio) == 34)
			out->url = arena_printf(a, "%s.mp3", url);
		const char *pair = arena_printf(a, "%s:%s", acct->sid, acct->token);
		out->authorization = arena_printf(a, "Basic %s", crypto_base64(
			a, (const unsigned char *)pair, strlen(pair)));
	}
	out->type = type_of_address(out->url);
	if (!out->type)
		out->type = twilio ? "audio/mpeg" : "audio/wav";
	return 0;
}

int recordings_fetch(struct arena *a, const struct twilio_account *business, const char *provider,
		     const char *url, const char *range, size_t max_bytes,
		     struct webclient_response *resp)
{
	struct recording_source source;

	if (recordings_source(a, business, provider, url, &source) < 0) {
		memset(resp, 0, sizeof(*resp));
		resp->body = "";
		snprintf(resp->error, sizeof(resp->error),
			 "the address is not at a provider's recording host");
		return -1;
	}
	const char *headers[] = {
		range ? arena_printf(a, "Range: bytes=%s", range) : NULL, NULL, NULL
	};
	if (source.authorization)
		headers[range ? 1 : 0] = arena_printf(a, "Authorization: %s", source.authorization);
	struct webclient_request get = {
		.method = "GET",
		.url = source.url,
		.headers = headers,
		.timeout_ms = conf_int("RECORDING_TIMEOUT_MS"),
		.max_response = max_bytes,
		.public_only = 1,
	};
	return webclient_fetch(a, &get, resp);
}

const char *recordings_audio_type(const struct webclient_response *resp)
{
	const unsigned char *b = (const unsigned char *)resp->body;
	const char *said = resp->content_type ? resp->content_type : "";

	if (resp->body_len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4))
		return "audio/wav";
	bool mp3_frame = resp->body_len >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0;
	if ((resp->body_len >= 3 && !memcmp(b, "ID3", 3)) || mp3_frame)
		return "audio/mpeg";
	if (resp->body_len >= 4 && !memcmp(b, "OggS", 4))
		return "audio/ogg";
	if (resp->body_len == 0)
		return NULL;
	if (!strncasecmp(said, "audio/mpeg", 10) || !strncasecmp(said, "audio/mp3", 9))
		return "audio/mpeg";
	if (!strncasecmp(said, "audio/wav", 9) || !strncasecmp(said, "audio/x-wav", 11) ||
	    !strncasecmp(said, "audio/wave", 10))
		return "audio/wav";
	return NULL;
}

const char *recordings_extension(const char *type)
{
	if (!strcmp(type, "audio/wav"))
		return "wav";
	if (!strcmp(type, "audio/ogg"))
		return "ogg";
	return "mp3";
}

/* What a look at a recording found. */
enum recording_verdict {
	RECORDING_AUDIO,        /* the provider has it: completed */
	RECORDING_REFUSED,      /* gone, forbidden, or not audio: failed */
	RECORDING_UNREACHABLE,  /* no answer, 429 or 5xx: later may tell */
};

/* Look at the first bytes of the recording at url; why says what was found, for the job. */
static enum recording_verdict recording_look(struct arena *a,
					     const struct twilio_account *business,
					     const char *provider, const char *url,
					     const char *call_id, char *why, size_t whylen)
{
	struct webclient_response resp;

	if (!recordings_url_allowed(url)) {
		snprintf(why, whylen,
			 "the recording's address is not at a provider's recording host");
		log_warn("recording refused call=%s provider=%s: not at a recording host", call_id,
			 provider);
		return RECORDING_REFUSED;
	}
	if (recordings_fetch(a, business, provider, url, CHECK_RANGE,
			     (size_t)conf_int("RECORDING_MAX_BYTES"), &resp) < 0) {
		snprintf(why, whylen, "the recording could not be fetched: %s", resp.error);
		return RECORDING_UNREACHABLE;
	}
	if (resp.status == 429 || resp.status >= 500) {
		snprintf(why, whylen, "the provider answered HTTP %ld for the recording", resp.status);
		return RECORDING_UNREACHABLE;
	}
	if (resp.status != 200 && resp.status != 206) {
		snprintf(why, whylen, "the provider refused the recording: HTTP %ld", resp.status);
		log_warn("recording refused call=%s provider=%s status=%ld", call_id, provider,
			 resp.status);
		return RECORDING_REFUSED;
	}
	if (!recordings_audio_type(&resp)) {
		snprintf(why, whylen, "the provider's recording is not audio (type \"%s\")",
			 resp.content_type ? resp.content_type : "");
		log_warn("recording is not audio call=%s provider=%s type=\"%s\"", call_id, provider,
			 resp.content_type ? resp.content_type : "");
		return RECORDING_REFUSED;
	}
	return RECORDING_AUDIO;
}

/* Write the recording's status, in the job's organization. Returns 0 or -1. */
static int recording_settle(struct db *db, struct arena *a, const char *org_id,
			    const char *call_id, const char *url, const char *status)
{
	if (db_begin_org(db, a, org_id) < 0)
		return -1;
	if (db_exec(db, a, SQL_RECORDING_SETTLE, call_id, url, status) < 0 || db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return -1;
	}
	return 0;
}

enum job_outcome recordings_check_job(struct db *db, struct arena *a, const struct job *job,
				      char *error, size_t errlen)
{
	const char *call_id = json_str(job->payload, "call_id");
	char why[256];

	if (!call_id || strlen(call_id) != 36 || strspn(call_id, "0123456789abcdefABCDEF-") != 36) {
		snprintf(error, errlen, "the job needs the id of a call (call_id)");
		return JOB_FAILED;
	}
	snprintf(error, errlen, "the recording could not be checked: the database is unavailable");
	if (db_begin_org(db, a, job->org_id) < 0)
		return JOB_RETRY;
	struct db_result *call = db_q(db, a, SQL_RECORDING_TO_CHECK, call_id);
	struct twilio_account business;
	/* The provider may take seconds to answer: no transaction stays open meanwhile. */
	if (!call || credential_twilio_account(db, a, job->org_id, &business, NULL) < 0 ||
	    db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		return JOB_RETRY;
	}
	if (db_rows(call) == 0) {
		*error = '\0';
		log_info("recording needs no check call=%s", call_id);
		return JOB_DONE;
	}
	const char *provider = db_field(call, 0, "provider");
	const char *url = db_field(call, 0, "recording_url");
	enum recording_verdict verdict = recording_look(a, &business, provider, url, call_id, why,
							  sizeof(why));
	bool last = job->attempts >= job->max_attempts;

	if (verdict == RECORDING_UNREACHABLE && !last) {
		snprintf(error, errlen, "%s", why);
		return JOB_RETRY;
	}
	const char *status = verdict == RECORDING_AUDIO ? "completed" : "failed";
	if (recording_settle(db, a, job->org_id, call_id, url, status) < 0)
		return JOB_RETRY;
	log_info("recording checked call=%s provider=%s status=%s", call_id, provider, status);
	if (verdict == RECORDING_UNREACHABLE) {
		/* The recording is given up with the job, which the runner then records as dead. */
		snprintf(error, errlen, "%s", why);
		return JOB_RETRY;
	}
	*error = '\0';
	return JOB_DONE;
}
