/* calendar_feed.c: private iCalendar feeds of appointments, built with libical */
#include "domain/calendar_feed.h"

#include <libical/ical.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/crypto.h"
#include "infra/db.h"
#include "infra/log.h"

/* A new token replaces the scope's old one: the old address opens nothing from then on. */
static const char SQL_RENEW[] =
	"INSERT INTO calendar_feeds (org_id, resource_id, token_sha256) VALUES ($1, $2, $3) "
	"ON CONFLICT ON CONSTRAINT calendar_feeds_scope_uniq "
	"DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = now()";
static const char SQL_REMOVE[] =
	"DELETE FROM calendar_feeds "
	"WHERE org_id = $1 AND resource_id IS NOT DISTINCT FROM $2::uuid";
static const char SQL_FIND[] =
	"SELECT org_id, resource_id FROM calendar_feed_find($1)";
static const char SQL_TITLE[] =
	"SELECT o.name, (SELECT r.name FROM resources r WHERE r.org_id = o.id AND r.id = $2::uuid) "
	"FROM organizations o WHERE o.id = $1";
/* The window's appointments, oldest first, with what the owner needs to read on a phone. */
static const char SQL_EVENTS[] =
	"SELECT a.id, extract(epoch FROM a.starts_at)::bigint, "
	"       extract(epoch FROM a.ends_at)::bigint, "
	"       extract(epoch FROM a.updated_at)::bigint, a.status, a.customer_name, "
	"       coalesce(a.customer_phone, ''), coalesce(a.address, ''), coalesce(a.notes, ''), "
	"       coalesce(s.name, ''), coalesce(r.name, ''), "
	"       extract(epoch FROM a.created_at)::bigint "
	"FROM appointments a "
	"LEFT JOIN services s ON s.org_id = a.org_id AND s.id = a.service_id "
	"LEFT JOIN resources r ON r.org_id = a.org_id AND r.id = a.resource_id "
	"WHERE a.org_id = $1 AND ($2::uuid IS NULL OR a.resource_id = $2::uuid) "
	"  AND a.starts_at >= to_timestamp($3::bigint) - make_interval(days => $4::int) "
	"  AND a.starts_at < to_timestamp($3::bigint) + make_interval(days => $5::int) "
	"ORDER BY a.starts_at, a.id LIMIT 10000";

const char *calendar_feed_renew(struct db *db, struct arena *a, const char *org_id,
				const char *resource_id)
{
	const char *token = crypto_token_hex(a, 32);

	if (!token || db_exec(db, a, SQL_RENEW, org_id, resource_id,
			      crypto_sha256_hex(a, token)) != 1)
		return NULL;
	return token;
}

int calendar_feed_remove(struct db *db, struct arena *a, const char *org_id,
			 const char *resource_id)
{
	long n = db_exec(db, a, SQL_REMOVE, org_id, resource_id);
	return n < 0 ? -1 : n > 0;
}

int calendar_feed_find(struct db *db, struct arena *a, const char *token, const char **org_id,
		       const char **resource_id)
{
	struct db_result *res = db_q(db, a, SQL_FIND, crypto_sha256_hex(a, token));

	*org_id = *resource_id = NULL;
	if (!res)
		return -1;
	if (db_rows(res) != 1)
		return 0;
	*org_id = db_value(res, 0, 0);
	*resource_id = db_value(res, 0, 1);
	return 1;
}

static struct icaltimetype utc(const char *epoch)
{
	return icaltime_from_timet_with_zone((time_t)strtoll(epoch, NULL, 10), 0,
					     icaltimezone_get_utc_timezone());
}

/* A property that libical has no constructor for (X-WR-CALNAME and its kin). */
static void add_x(icalcomponent *c, const char *name, const char *value)
{
	icalproperty *p = icalproperty_new_x(value);
	icalproperty_set_x_name(p, name);
	icalcomponent_add_property(c, p);
}

/* One appointment (row i of SQL_EVENTS) as a VEVENT. */
static icalcomponent *event_of(struct arena *a, struct db_result *res, int i, bool per_resource)
{
	const char *status = db_value(res, i, 4), *service = db_value(res, i, 9);
	const char *phone = db_value(res, i, 6), *address = db_value(res, i, 7);
	const char *notes = db_value(res, i, 8), *resource = db_value(res, i, 10);
	icalcomponent *ev = icalcomponent_new_vevent();

	/* The appointment's id: a move or a cancellation updates the same event. */
	icalcomponent_add_property(ev, icalproperty_new_uid(
		arena_printf(a, "%s@switchboard", db_value(res, i, 0))));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc(db_value(res, i, 3))));
	icalcomponent_add_property(ev, icalproperty_new_created(utc(db_value(res, i, 11))));
	icalcomponent_add_property(ev, icalproperty_new_lastmodified(utc(db_value(res, i, 3))));
	icalcomponent_add_property(ev, icalproperty_new_dtstart(utc(db_value(res, i, 1))));
	icalcomponent_add_property(ev, icalproperty_new_dtend(utc(db_value(res, i, 2))));
	icalcomponent_add_property(ev, icalproperty_new_summary(*service ?
		arena_printf(a, "%s: %s", service, db_value(res, i, 5)) : db_value(res, i, 5)));
	const char *text = arena_printf(a, "Customer: %s", db_value(res, i, 5));
	if (*phone)
		text = arena_printf(a, "%s\nPhone: %s", text, phone);
	if (*resource && !per_resource)
		text = arena_printf(a, "%s\nWith: %s", text, resource);
	if (strcmp(status, "scheduled") && strcmp(status, "cancelled"))
		text = arena_printf(a, "%s\nStatus: %s", text,
				    !strcmp(status, "no_show") ? "no-show" : status);
	if (*notes)
		text = arena_printf(a, "%s\n\n%s", text, notes);
	icalcomponent_add_property(ev, icalproperty_new_description(text));
	if (*address)
		icalcomponent_add_property(ev, icalproperty_new_location(address));
	icalcomponent_add_property(ev, icalproperty_new_status(
		!strcmp(status, "cancelled") ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
	/* A cancelled appointment frees its time in the owner's calendar too. */
	icalcomponent_add_property(ev, icalproperty_new_transp(
		!strcmp(status, "cancelled") ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE));
	return ev;
}

const char *calendar_feed_ics(struct db *db, struct arena *a, const char *org_id,
			      const char *resource_id, time_t now)
{
	struct db_result *title = db_q(db, a, SQL_TITLE, org_id, resource_id);
	struct db_result *res = db_q(db, a, SQL_EVENTS, org_id, resource_id,
				     arena_printf(a, "%lld", (long long)now),
				     arena_printf(a, "%d", CALENDAR_FEED_DAYS_BACK),
				     arena_printf(a, "%d", CALENDAR_FEED_DAYS_AHEAD));

	if (!title || db_rows(title) != 1 || !res)
		return NULL;
	/* A library error becomes a NULL or a skipped property, never an abort of the responder. */
	icalerror_set_errors_are_fatal(0);
	const char *name = db_value(title, 0, 0), *resource = db_value(title, 0, 1);
	icalcomponent *cal = icalcomponent_new_vcalendar();
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal,
				   icalproperty_new_prodid("-//Switchboard//Appointments//EN"));
	icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
	icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
	/* The calendar's name, and how often to look again (Apple and Outlook read these). */
	add_x(cal, "X-WR-CALNAME", resource ? arena_printf(a, "%s: %s", name, resource) : name);
	add_x(cal, "X-PUBLISHED-TTL", "PT15M");
	icalproperty *refresh = icalproperty_new_x("PT15M");
	icalproperty_set_x_name(refresh, "REFRESH-INTERVAL");
	icalproperty_set_parameter_from_string(refresh, "VALUE", "DURATION");
	icalcomponent_add_property(cal, refresh);
	for (int i = 0; i < db_rows(res); i++)
		icalcomponent_add_component(cal, event_of(a, res, i, resource_id != NULL));
	char *text = icalcomponent_as_ical_string_r(cal);
	icalcomponent_free(cal);
	if (!text) {
		log_error("could not build a calendar feed: %s", icalerror_strerror(icalerrno));
		return NULL;
	}
	const char *out = arena_strdup(a, text);
	free(text);
	return out;
}
