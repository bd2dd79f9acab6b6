/* google.h: a client of Google OAuth 2.0 and Calendar v3 (PROTOCOLS.md §10): the grant, events,
 * their incremental listing and watch channels */
#ifndef SB_GOOGLE_H
#define SB_GOOGLE_H

#include <jansson.h>

struct arena;

/* How a request to Google ended. */
enum google_result {
	GOOGLE_OK = 0,
	GOOGLE_RETRY,        /* no answer, a timeout, 5xx, a rate limit or a garbled body */
	GOOGLE_REVOKED,      /* invalid_grant: the owner must connect again; never retried */
	GOOGLE_UNAUTHORIZED, /* 401: the access token is no longer good (refresh, then retry) */
	GOOGLE_NOT_FOUND,    /* 404 */
	GOOGLE_CONFLICT,     /* 409: an event with that id exists already */
	GOOGLE_GONE,         /* 410: a sync token expired, or the event was deleted */
	GOOGLE_REFUSED,      /* any other 4xx: retrying the same request cannot help */
};

/* A token answer. Strings are arena-owned; refresh_token is NULL when none came. */
struct google_tokens {
	const char *access_token;
	const char *refresh_token;
	const char *scope;
	long expires_in; /* seconds */
};

/* A watch channel as Google answered it. Strings arena-owned. */
struct google_channel {
	const char *resource_id;
	long long expiration_ms; /* 0 when Google named none */
};

/* The scopes Switchboard asks for: its own events, and reading the owner's busy time. */
#define GOOGLE_SCOPES \
	"https://www.googleapis.com/auth/calendar.events " \
	"https://www.googleapis.com/auth/calendar.readonly"

/*
 * The consent page's address at GOOGLE_AUTH_URL for GOOGLE_CLIENT_ID (offline access, consent
 * asked, so a refresh token comes), which sends the browser back to redirect_uri with a code
 * and state. Arena-owned.
 */
const char *google_auth_url(struct arena *a, const char *redirect_uri, const char *state);

/*
 * Exchange an authorization code (or a refresh token) at GOOGLE_OAUTH_URL/token for tokens in
 * *out. Returns GOOGLE_OK, GOOGLE_REVOKED (invalid_grant), GOOGLE_RETRY or GOOGLE_REFUSED, with
 * why (why_len bytes) saying what went wrong.
 */
enum google_result google_token_exchange(struct arena *a, const char *code,
					 const char *redirect_uri, struct google_tokens *out,
					 char *why, size_t why_len);
enum google_result google_token_refresh(struct arena *a, const char *refresh_token,
					struct google_tokens *out, char *why, size_t why_len);

/* Revoke a token (refresh or access) at GOOGLE_OAUTH_URL/revoke: the grant ends. GOOGLE_OK
 * also when Google says it is already invalid. */
enum google_result google_revoke(struct arena *a, const char *token, char *why, size_t why_len);

/*
 * Calendar requests at GOOGLE_API_URL with the Bearer access token. On GOOGLE_OK, *event is
 * the event Google answered (arena). Insert takes the event with its client-chosen "id".
 */
enum google_result google_event_insert(struct arena *a, const char *access_token,
				       const char *calendar_id, json_t *event, json_t **answer,
				       char *why, size_t why_len);
enum google_result google_event_patch(struct arena *a, const char *access_token,
				      const char *calendar_id, const char *event_id, json_t *fields,
				      json_t **answer, char *why, size_t why_len);
/* Delete with sendUpdates=none: GOOGLE_OK, GOOGLE_GONE (deleted before) or GOOGLE_NOT_FOUND. */
enum google_result google_event_delete(struct arena *a, const char *access_token,
				       const char *calendar_id, const char *event_id, char *why,
				       size_t why_len);

/*
 * One page of events.list: with sync_token an incremental listing (cancelled events included),
 * else a full one of single events (showDeleted=false); page_token continues either. On
 * GOOGLE_OK *page is the Events object (arena) with an "items" array, and *next_page or
 * *next_sync (arena) is set, the other NULL. GOOGLE_GONE: the sync token expired.
 */
enum google_result google_events_page(struct arena *a, const char *access_token,
				      const char *calendar_id, const char *sync_token,
				      const char *page_token, json_t **page, const char **next_page,
				      const char **next_sync, char *why, size_t why_len);

/* Open a watch channel on a calendar's events to address, with token and expiration (Unix
 * ms, 0 for Google's default). */
enum google_result google_watch(struct arena *a, const char *access_token, const char *calendar_id,
				const char *channel_id, const char *address, const char *token,
				long long expiration_ms, struct google_channel *out, char *why,
				size_t why_len);

/* Stop a watch channel; GOOGLE_OK also when Google knows it no more (404). */
enum google_result google_channel_stop(struct arena *a, const char *access_token,
				       const char *channel_id, const char *resource_id, char *why,
				       size_t why_len);

/* A short name for a result, for logs and job errors ("retry", "revoked", ...). Static. */
const char *google_result_name(enum google_result r);

#endif
