/* gcal.c: connecting a business's Google Calendar: the signed single-use OAuth state, the sealed
 * tokens and their refresh, the revoked state, disconnecting, and which calendar a resource uses */
#include "domain/gcal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/credentials.h"
#include "infra/arena.h"
#include "infra/conf.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"
#include "infra/text.h"

static const char SQL_STATE_NEW[] =
	"INSERT INTO google_oauth_states (org_id, nonce, user_id, expires_at) "
	"VALUES ($1, $2, $3, to_timestamp($4::bigint))";
/* Old attempts go as new ones are made, so the table stays small without a job. */
static const char SQL_STATE_PRUNE[] =
	"DELETE FROM google_oauth_states "
	"WHERE org_id = $1 AND expires_at < now() - interval '1 day'";
static const char SQL_STATE_SPEND[] =
	"UPDATE google_oauth_states SET used_at = now() "
	"WHERE org_id = $1 AND nonce = $2 AND user_id = $3 AND used_at IS NULL "
	"  AND expires_at > now()";

static const char SQL_CONNECTION_SAVE[] =
	"INSERT INTO calendar_connections (org_id, provider, account, access_token_enc, "
	"       refresh_token_enc, expires_at, status, connected_by, scope, revoked_at) "
	"VALUES ($1, 'google', 'google', $2::bytea, $3::bytea, "
	"        now() + make_interval(secs => $4::int), 'connected', $5, $6, NULL) "
	"ON CONFLICT (org_id, provider, account) DO UPDATE SET "
	"  access_token_enc = EXCLUDED.access_token_enc, "
	"  refresh_token_enc = EXCLUDED.refresh_token_enc, expires_at = EXCLUDED.expires_at, "
	"  status = 'connected', connected_by = EXCLUDED.connected_by, "
	"  scope = EXCLUDED.scope, revoked_at = NULL";
/* Every calendar an active resource maps to is synced. */
static const char SQL_CALENDARS_ENSURE[] =
	"INSERT INTO google_calendars (org_id, calendar_id) "
	"SELECT DISTINCT $1::uuid, google_calendar_id FROM resources WHERE org_id = $1 AND active "
	"UNION SELECT $1::uuid, 'primary' WHERE NOT EXISTS "
	"  (SELECT 1 FROM resources WHERE org_id = $1 AND active) "
	"ON CONFLICT (org_id, calendar_id) DO NOTHING";
static const char SQL_CALENDAR_JOBS[] =
	"SELECT count(jobs_enqueue(k, jsonb_build_object('calendar_id', calendar_id), NULL, NULL)) "
	"FROM google_calendars, unnest(ARRAY['google.renew', 'google.sync']) AS k "
	"WHERE org_id = $1 AND ($2::text IS NULL OR calendar_id = $2)";
static const char SQL_UPCOMING_JOBS[] =
	"SELECT count(jobs_enqueue('google.push', jsonb_build_object('appointment_id', id), NULL, "
	"       NULL)) FROM appointments "
	"WHERE org_id = $1 AND starts_at > now() AND status IN ('scheduled', 'confirmed')";

static const char SQL_CONNECTION_READ[] =
	"SELECT encode(access_token_enc, 'hex') AS access, "
	"       encode(refresh_token_enc, 'hex') AS refresh, status, "
	"       expires_at > now() + interval '5 minutes' AS fresh "
	"FROM calendar_connections WHERE org_id = $1 AND provider = 'google'";
static const char SQL_ACCESS_SAVE[] =
	"UPDATE calendar_connections SET access_token_enc = $2::bytea, "
	"       expires_at = now() + make_interval(secs => $3::int) "
	"WHERE org_id = $1 AND provider = 'google' AND status = 'connected'";
static const char SQL_REFRESH_SAVE[] =
	"UPDATE calendar_connections SET refresh_token_enc = $2::bytea "
	"WHERE org_id = $1 AND provider = 'google' AND status = 'connected'";
static const char SQL_REVOKED[] =
	"UPDATE calendar_connections SET status = 'revoked', revoked_at = now() "
	"WHERE org_id = $1 AND provider = 'google' AND status = 'connected'";
static const char SQL_REVOKED_AUDIT[] =
	"INSERT INTO audit_log (org_id, action, target, detail) "
	"VALUES ($1, 'calendar.revoked', 'calendar', jsonb_build_object('reason', $2::text))";

static const char SQL_DISCONNECT[] =
	"DELETE FROM calendar_connections WHERE org_id = $1 AND provider = 'google'";
static const char SQL_DISCONNECT_CALENDARS[] = "DELETE FROM google_calendars WHERE org_id = $1";
static const char SQL_DISCONNECT_BUSY[] =
	"DELETE FROM busy_blocks WHERE org_id = $1 AND source = 'google'";

static const char SQL_MAP[] =
	"UPDATE resources SET google_calendar_id = $3 WHERE org_id = $1 AND id = $2";
static const char SQL_CALENDAR_ADD[] =
	"INSERT INTO google_calendars (org_id, calendar_id) VALUES ($1, $2) "
	"ON CONFLICT (org_id, calendar_id) DO NOTHING";
/* A calendar no active resource maps to any more is no longer synced, nor its busy time kept. */
static const char SQL_UNMAPPED_BUSY[] =
	"DELETE FROM busy_blocks b WHERE b.org_id = $1 AND b.source = 'google' AND NOT EXISTS "
	"  (SELECT 1 FROM resources r WHERE r.org_id = $1 AND r.active "
	"   AND r.google_calendar_id = b.source_calendar)";
static const char SQL_UNMAPPED[] =
	"DELETE FROM google_calendars g WHERE g.org_id = $1 AND NOT EXISTS "
	"  (SELECT 1 FROM resources r WHERE r.org_id = $1 AND r.active "
	"   AND r.google_calendar_id = g.calendar_id)";
static const char SQL_CONNECTED[] =
	"SELECT 1 FROM calendar_connections WHERE org_id = $1 AND provider = 'google' "
	"AND status = 'connected'";

/* The key the state is signed with. */
static const char *state_key(void)
{
	const char *key = conf_str("GOOGLE_STATE_SECRET");
	return *key ? key : conf_str("SESSION_SECRET");
}

/* HMAC-SHA256 over what the state binds, as hex (arena). */
static const char *state_mac(struct arena *a, const char *org_id, const char *user_id,
			     const char *nonce, const char *expires)
{
	unsigned char mac[32];
	const char *what = arena_printf(a, "switchboard google state\n%s\n%s\n%s\n%s", org_id,
					user_id, nonce, expires);
	const char *key = state_key();

	if (crypto_hmac_sha256(key, strlen(key), what, strlen(what), mac) < 0)
		return NULL;
	return crypto_hex(a, mac, sizeof(mac));
}

const char *gcal_state_make(struct db *db, struct arena *a, const char *org_id, const char *user_id)
{
	if (strlen(state_key()) < 32) {
		log_error("could not sign a Google state: GOOGLE_STATE_SECRET and SESSION_SECRET "
			  "are both shorter than 32 characters");
		return NULL;
	}
	const char *nonce = crypto_token_hex(a, 16);
	const char *expires = arena_printf(a, "%lld", (long long)time(NULL) + GCAL_STATE_SECONDS);
	const char *mac = state_mac(a, org_id, user_id, nonce, expires);
	if (!mac || db_exec(db, a, SQL_STATE_PRUNE, org_id) < 0 ||
	    db_exec(db, a, SQL_STATE_NEW, org_id, nonce, user_id, expires) != 1)
		return NULL;
	return arena_printf(a, "%s.%s.%s.%s.%s", org_id, user_id, nonce, expires, mac);
}

int gcal_state_check(struct db *db, struct arena *a, const char *state, const char *org_id,
		     const char *user_id, const char **why)
{
	char *parts[5] = { 0 }, *save = NULL;
	char *copy = arena_strdup(a, state ? state : "");
	int n = 0;

	*why = "The answer from Google could not be checked. Please connect again.";
	if (strlen(copy) > 512)
		return -1;
	for (char *p = strtok_r(copy, ".", &save); p && n < 5; p = strtok_r(NULL, ".", &save))
		parts[n++] = p;
	if (n != 5 || strtok_r(NULL, ".", &save) || !text_is_uuid(parts[0]) ||
	    !text_is_uuid(parts[1]) || strspn(parts[3], "0123456789") != strlen(parts[3]))
		return -1;
	const char *mac = state_mac(a, parts[0], parts[1], parts[2], parts[3]);
	if (!mac || !crypto_equal(mac, parts[4]))
		return -1;
	/* Genuine, so it says for whom it was made: it must be this business and this user. */
	if (strcmp(parts[0], org_id) || strcmp(parts[1], user_id)) {
		*why = "That Google answer was for another business or user. Please connect again.";
		return -1;
	}
	if (strtoll(parts[3], NULL, 10) < (long long)time(NULL)) {
		*why = "The connection took too long. Please connect again.";
		return -1;
	}
	if (db_exec(db, a, SQL_STATE_SPEND, org_id, parts[2], user_id) != 1) {
		*why = "That Google answer was used already. Please connect again.";
		return -1;
	}
	return 0;
}

const char *gcal_consent_url(struct arena *a, const char *state)
{
	return google_auth_url(
		a, arena_printf(a, "%s%s", conf_str("PUBLIC_BASE_URL"), GCAL_CALLBACK_PATH), state);
}

enum google_result gcal_connect(struct db *db, struct arena *a, const char *org_id,
				const char *user_id, const char *code, char *why, size_t why_len)
{
	struct google_tokens t;
	const char *redirect = arena_printf(a, "%s%s", conf_str("PUBLIC_BASE_URL"),
					    GCAL_CALLBACK_PATH);
	enum google_result r = google_token_exchange(a, code, redirect, &t, why, why_len);

	if (r != GOOGLE_OK)
		return r;
	if (!t.refresh_token) {
		snprintf(why, why_len, "Google gave no refresh token");
		return GOOGLE_REFUSED;
	}
	const char *access = credential_seal(a, org_id, "google", "access_token", t.access_token);
	const char *refresh = credential_seal(a, org_id, "google", "refresh_token",
					      t.refresh_token);
	const char *expires = arena_printf(a, "%ld", t.expires_in);
	long queued;
	if (!access || !refresh) {
		snprintf(why, why_len, "the tokens could not be sealed (ENCRYPTION_KEY)");
		return GOOGLE_RETRY;
	}
	if (db_exec(db, a, SQL_CONNECTION_SAVE, org_id, access, refresh, expires, user_id,
		    t.scope) != 1 ||
	    db_exec(db, a, SQL_CALENDARS_ENSURE, org_id) < 0 ||
	    db_long(db, a, &queued, SQL_CALENDAR_JOBS, org_id, NULL) < 0 ||
	    db_long(db, a, &queued, SQL_UPCOMING_JOBS, org_id) < 0) {
		snprintf(why, why_len, "the connection could not be saved");
		return GOOGLE_RETRY;
	}
	return GOOGLE_OK;
}

/* A sealed token read as hex from its bytea column, opened ("\x" + hex is bytea's text). */
static const char *token_open(struct arena *a, const char *org_id, const char *name,
			      const char *hex)
{
	if (!hex)
		return NULL;
	return credential_open(a, org_id, "google", name, arena_printf(a, "\\x%s", hex), NULL);
}

int gcal_disconnect(struct db *db, struct arena *a, const char *org_id)
{
	struct db_result *res = db_q(db, a, SQL_CONNECTION_READ, org_id);
	char why[256];

	if (!res)
		return -1;
	if (db_rows(res) == 1) {
		const char *refresh = token_open(a, org_id, "refresh_token",
						 db_field(res, 0, "refresh"));
		/* The owner asked to disconnect: a grant Google cannot be told about now still
		 * leaves Switchboard, and the owner can remove it in the Google account. */
		if (refresh && google_revoke(a, refresh, why, sizeof(why)) != GOOGLE_OK)
			log_warn("could not revoke a Google grant org=%s: %s", org_id, why);
	}
	if (db_exec(db, a, SQL_DISCONNECT, org_id) < 0 ||
	    db_exec(db, a, SQL_DISCONNECT_CALENDARS, org_id) < 0 ||
	    db_exec(db, a, SQL_DISCONNECT_BUSY, org_id) < 0)
		return -1;
	return 0;
}

/* Mark the grant revoked, in a transaction of its own, so the pages ask to reconnect. */
static void mark_revoked(struct db *db, struct arena *a, const char *org_id, const char *why)
{
	if (db_begin_org(db, a, org_id) < 0)
		return;
	long n = db_exec(db, a, SQL_REVOKED, org_id);
	if (n < 0 || (n > 0 && db_exec(db, a, SQL_REVOKED_AUDIT, org_id, why) < 0)) {
		db_rollback(db);
		return;
	}
	db_commit(db);
	if (n > 0)
		log_warn("Google Calendar grant revoked org=%s: %s", org_id, why);
}

enum google_result gcal_access_token(struct db *db, struct arena *a, const char *org_id, bool force,
				     const char **token, char *why, size_t why_len)
{
	struct google_tokens t;

	*token = NULL;
	if (db_begin_org(db, a, org_id) < 0) {
		snprintf(why, why_len, "the database is not available");
		return GOOGLE_RETRY;
	}
	struct db_result *res = db_q(db, a, SQL_CONNECTION_READ, org_id);
	db_commit(db);
	if (!res) {
		snprintf(why, why_len, "the database is not available");
		return GOOGLE_RETRY;
	}
	if (db_rows(res) != 1) {
		snprintf(why, why_len, "no Google Calendar is connected");
		return GOOGLE_REFUSED;
	}
	if (strcmp(db_field(res, 0, "status"), "connected")) {
		snprintf(why, why_len, "the Google Calendar grant was revoked");
		return GOOGLE_REVOKED;
	}
	const char *access = token_open(a, org_id, "access_token", db_field(res, 0, "access"));
	const char *fresh = db_field(res, 0, "fresh");
	if (!force && access && fresh && !strcmp(fresh, "t")) {
		*token = access;
		return GOOGLE_OK;
	}
	const char *refresh = token_open(a, org_id, "refresh_token", db_field(res, 0, "refresh"));
	if (!refresh) {
		/* Sealed with a key this program lacks (a rotation under way, a missing
		 * ENCRYPTION_KEYS_OLD): the grant itself may be fine, so try again later. */
		snprintf(why, why_len,
			 "the stored Google tokens could not be opened with "
			 "ENCRYPTION_KEY or ENCRYPTION_KEYS_OLD");
		log_error("could not open the Google tokens org=%s", org_id);
		return GOOGLE_RETRY;
	}
	enum google_result r = google_token_refresh(a, refresh, &t, why, why_len);
	if (r == GOOGLE_REVOKED || r == GOOGLE_REFUSED) {
		/* invalid_grant, or the client itself refused: only the owner can mend it. */
		mark_revoked(db, a, org_id, why);
		return GOOGLE_REVOKED;
	}
	if (r != GOOGLE_OK)
		return r;
	const char *sealed = credential_seal(a, org_id, "google", "access_token", t.access_token);
	const char *sealed_refresh = t.refresh_token
					     ? credential_seal(a, org_id, "google", "refresh_token",
							       t.refresh_token)
					     : NULL;
	if (!sealed || db_begin_org(db, a, org_id) < 0) {
		snprintf(why, why_len, "the refreshed token could not be stored");
		return GOOGLE_RETRY;
	}
	if (db_exec(db, a, SQL_ACCESS_SAVE, org_id, sealed, arena_printf(a, "%ld", t.expires_in)) <
		    0 ||
	    (sealed_refresh && db_exec(db, a, SQL_REFRESH_SAVE, org_id, sealed_refresh) < 0) ||
	    db_commit(db) < 0) {
		if (db_in_transaction(db))
			db_rollback(db);
		snprintf(why, why_len, "the refreshed token could not be stored");
		return GOOGLE_RETRY;
	}
	*token = t.access_token;
	return GOOGLE_OK;
}

int gcal_map_resource(struct db *db, struct arena *a, const char *org_id, const char *resource_id,
		      const char *calendar_id)
{
	long queued;

	if (db_exec(db, a, SQL_MAP, org_id, resource_id, calendar_id) != 1)
		return -1;
	if (db_text(db, a, SQL_CONNECTED, org_id) == NULL)
		return 0;
	if (db_exec(db, a, SQL_CALENDAR_ADD, org_id, calendar_id) < 0 ||
	    db_exec(db, a, SQL_UNMAPPED_BUSY, org_id) < 0 ||
	    db_exec(db, a, SQL_UNMAPPED, org_id) < 0 ||
	    db_long(db, a, &queued, SQL_CALENDAR_JOBS, org_id, calendar_id) < 0)
		return -1;
	return 0;
}

const char *gcal_event_id(struct arena *a, const char *appointment_id)
{
	char hex[33];
	size_t n = 0;

	if (!appointment_id || !text_is_uuid(appointment_id))
		return NULL;
	for (const char *p = appointment_id; *p && n < 32; p++)
		if (*p != '-')
			hex[n++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	hex[n] = '\0';
	return arena_printf(a, "sb%s", hex);
}
