/* hook-twilio-recording.c: Twilio's recording status callback: a call's recording in progress,
 * ready where Twilio keeps it, or absent (PROTOCOLS.md §1.4) */
#include <stdbool.h>
#include <string.h>

#include "answer.h"
#include "infra/arena.h"
#include "infra/db.h"
#include "hook-event.h"
#include "infra/log.h"
#include "infra/text.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/* Longer than any address Twilio gives a recording, short enough to store without thought. */
#define RECORDING_URL_MAX 2048

static const char SQL_CALL_BY_SID[] =
	"SELECT org_id, call_id FROM call_by_provider_id('twilio', $1)";

/*
 * Callbacks arrive in any order and a call may have more than one recording, so the status only
 * moves forward along none, pending, processing, failed, completed: a recording that is ready
 * stays ready, and its address is the first one that was. $2 is already our status.
 */
static const char SQL_RECORDING_PROGRESS[] =
	"UPDATE calls SET "
	"  recording_url = CASE WHEN $2::text = 'completed' AND recording_status <> 'completed' "
	"                       THEN $3 ELSE recording_url END, "
	"  recording_status = CASE "
	"    WHEN array_position(ARRAY['none', 'pending', 'processing', 'failed', 'completed'], "
	"                        $2::text) > "
	"         array_position(ARRAY['none', 'pending', 'processing', 'failed', 'completed'], "
	"                        recording_status) "
	"      THEN $2::text ELSE recording_status END "
	"WHERE id = $1";

/* An address to fetch later: http or https, printable, without spaces. */
static bool is_recording_url(const char *s)
{
	if (!s || (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)))
		return false;
	size_t len = strlen(s);
	if (len > RECORDING_URL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

/* Twilio's RecordingStatus as calls.recording_status; NULL for a value Twilio does not send. */
static const char *recording_status(const char *twilio)
{
	static const struct {
		const char *twilio, *ours;
	} map[] = {
		{ "in-progress", "processing" },
		{ "completed", "completed" },
		{ "absent", "failed" },      /* nothing was recorded (silence, or too short) */
		{ "failed", "failed" },
	};

	for (size_t i = 0; twilio && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(twilio, map[i].twilio))
			return map[i].ours;
	return NULL;
}

/*
 * POST /hooks/twilio/recording: the recording of a call Switchboard has moves forward (processing,
 * completed with Twilio's address for it, or failed). Each status of each recording is taken
 * once; a call Switchboard never had is acknowledged (204) and nothing is stored.
 */
void hook_twilio_recording(struct req *r)
{
	const char *call_sid = req_form(r, "CallSid");
	const char *recording_sid = req_form(r, "RecordingSid");
	const char *twilio_status = req_form(r, "RecordingStatus");
	const char *url = req_form(r, "RecordingUrl");
	const char *status = recording_status(twilio_status);

	if (!text_is_sid(call_sid, "CA")) {
		http_fail(r, 400, "CallSid is missing or is not a Twilio call id");
		return;
	}
	if (!text_is_sid(recording_sid, "RE")) {
		http_fail(r, 400, "RecordingSid is missing or is not a Twilio recording id");
		return;
	}
	if (!status) {
		http_fail(r, 400, "RecordingStatus is missing or unknown");
		return;
	}
	if (!strcmp(status, "completed") && !is_recording_url(url)) {
		http_fail(r, 400, "a completed recording needs its RecordingUrl (http or https)");
		return;
	}
	struct db_result *found = db_q(r->db, r->arena, SQL_CALL_BY_SID, call_sid);
	if (!found) {
		http_fail(r, 503, "the database is not available; please retry");
		return;
	}
	if (db_rows(found) == 0) {
		/* Nothing to attach it to; Twilio would only retry an error. */
		log_info("recording of a call no business has: call=%s recording=%s", call_sid,
			 recording_sid);
		http_send(r, 204, "text/plain", "", 0);
		return;
	}
	const char *org_id = db_value(found, 0, 0), *call_id = db_value(found, 0, 1);
	struct hook_event event = {
		"twilio", arena_printf(r->arena, "recording:%s:%s", recording_sid, twilio_status),
		org_id,
	};
	/* A repeat that was answered changes nothing; one never answered is handled again, safely,
	 * since the update only moves the status forward. */
	if (hook_event_begin(r, &event) <= 0)
		return;
	if (db_exec(r->db, r->arena, SQL_RECORDING_PROGRESS, call_id, status, url) < 0) {
		http_fail(r, 503, "the recording could not be stored; please retry");
		return;
	}
	log_info("recording status call=%s recording=%s status=%s", call_id, recording_sid, status);
	hook_event_answer(r, &event, 204, NULL, NULL);
}
