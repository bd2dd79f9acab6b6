/* gcal.h: a business's Google Calendar connection: the signed OAuth state, sealed tokens kept
 * fresh, the revoked state, and the jobs that keep events and busy time in step (gcal_sync.c) */
#ifndef SB_GCAL_H
#define SB_GCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "infra/jobs.h"
#include "provider/google.h"

struct arena;
struct db;

/* How long a connect attempt's state is good for. */
#define GCAL_STATE_SECONDS 600

/* Where Google sends the owner back after consent: PUBLIC_BASE_URL + this path. */
#define GCAL_CALLBACK_PATH "/settings/calendar/callback"
/* Where Google's push notifications arrive: PUBLIC_BASE_URL + this path. */
#define GCAL_HOOK_PATH "/hooks/google"

/*
 * Start a connect attempt for user_id of org_id in the transaction open on db: store a fresh
 * single-use nonce and return the state to send to Google, signed with GOOGLE_STATE_SECRET (or
 * SESSION_SECRET) over the business id, the user, the nonce and the expiry. Arena-owned; NULL
 * on a database error or with no secret (logged).
 */
const char *gcal_state_make(struct db *db, struct arena *a, const char *org_id,
			    const char *user_id);

/*
 * Check a state that came back from Google for the signed-in user_id of org_id, in the
 * transaction open on db, and spend its nonce: 0 when it is genuine, unexpired, made for this
 * business and this user, and not used before; -1 otherwise, with *why a sentence for the
 * owner (static). A database error is -1 too.
 */
int gcal_state_check(struct db *db, struct arena *a, const char *state, const char *org_id,
		     const char *user_id, const char **why);

/* The consent page's address for state (arena). */
const char *gcal_consent_url(struct arena *a, const char *state);

/*
 * Finish connecting: exchange code with Google (waiting at most HTTP_TIMEOUT_MS), then, in the
 * transaction open on db, store the tokens sealed (replacing an earlier grant), the calendars
 * the resources map to, and queue their watch and first sync and the events of the upcoming
 * appointments. Returns GOOGLE_OK or why not (with why, why_len); a database error is
 * GOOGLE_RETRY with why saying so.
 */
enum google_result gcal_connect(struct db *db, struct arena *a, const char *org_id,
				const char *user_id, const char *code, char *why, size_t why_len);

/*
 * Disconnect org_id in the transaction open on db: revoke the grant at Google (best effort),
 * forget tokens, calendars, watch channels and the busy time they brought. 0 or -1 (logged).
 */
int gcal_disconnect(struct db *db, struct arena *a, const char *org_id);

/*
 * A good access token for org_id, refreshed first when it expires within five minutes (or
 * always, with force). Opens and commits transactions of its own: db must have none open.
 * Returns GOOGLE_OK with *token (arena); GOOGLE_REVOKED when the grant is gone (the connection
 * is then marked for reconnecting); GOOGLE_REFUSED when the business is not connected;
 * GOOGLE_RETRY when Google or the database could not answer now.
 */
enum google_result gcal_access_token(struct db *db, struct arena *a, const char *org_id, bool force,
				     const char **token, char *why, size_t why_len);

/*
 * Re-map resource_id to calendar_id (1..254 characters) in the transaction open on db, keep
 * the calendar in the synced set, and queue its watch and sync. 0, or -1 (logged).
 */
int gcal_map_resource(struct db *db, struct arena *a, const char *org_id, const char *resource_id,
		      const char *calendar_id);

/* The event id Switchboard gives an appointment's event: "sb" and the uuid's hex digits, all
 * in Google's base32hex alphabet. Arena-owned; NULL for an id that is not a uuid. */
const char *gcal_event_id(struct arena *a, const char *appointment_id);

/* The jobs (worker/jobs_table.c): an appointment's event made, moved or deleted
 * ("google.push"); a calendar's changes read ("google.sync"); its watch channel opened anew
 * ("google.renew"). */
enum job_outcome gcal_push_job(struct db *db, struct arena *a, const struct job *job, char *error,
			       size_t errlen);
enum job_outcome gcal_sync_job(struct db *db, struct arena *a, const struct job *job, char *error,
			       size_t errlen);
enum job_outcome gcal_renew_job(struct db *db, struct arena *a, const struct job *job, char *error,
				size_t errlen);

/*
 * Apply one page of events of calendar_id (an events.list "items" array) for org_id in a
 * transaction of its own: busy blocks written or removed, and Switchboard's own events moved
 * or deleted by the owner carried to their appointments. With seen (may be NULL), the ids of
 * the page's events are appended to it, a JSON array, for a full sync's sweep. Returns 0, or
 * -1 on a database error (logged). Exposed for the sync benchmark.
 */
int gcal_apply_events(struct db *db, struct arena *a, const char *org_id, const char *calendar_id,
		      json_t *items, json_t *seen);

#endif
