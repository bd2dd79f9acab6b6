"""test_ical_feed: the private iCalendar feeds of Settings, Reminders (/calendar/<token>), read
as a calendar app reads them and parsed with python3-icalendar: the business's feed holds its
appointments of the window (30 days back, 180 ahead) with stable UIDs, UTC times and cancelled
ones marked so; a resource's feed holds that resource's alone; a new address kills the old one,
turning it off kills it too; a wrong token, a malformed one or another business's resource is
404 and shows nothing."""
import re
import uuid
from datetime import datetime, timezone

import icalendar
import pytest
import requests

from conftest import BASE_URL, sql

FEED_RE = re.compile(r'value="(https?://[^"]+/calendar/([0-9a-f]{64}))"')


def make_feed(client, resource=""):
    """Make (or replace) a feed from the settings page; returns its path, /calendar/<token>."""
    r = client.post_form("/settings/reminders/feed", {"resource": resource})
    assert r.status_code == 200, (r.status_code, r.text[:500])
    m = FEED_RE.search(r.text)
    assert m, "the page shows no feed address"
    assert "it is not shown again" in r.text
    return "/calendar/" + m.group(2)


def fetch(path):
    return requests.get(BASE_URL + path, timeout=30)


def read(path):
    r = fetch(path)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/calendar")
    assert r.text.startswith("BEGIN:VCALENDAR\r\n")
    assert "private" in r.headers.get("Cache-Control", "")
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def appointment(db, org, starts_in, name="Pat Smith", status="scheduled", resource=None,
                service=None):
    [(aid,)] = sql(db, """
        INSERT INTO appointments (org_id, customer_name, customer_phone, address, starts_at,
                                  ends_at, status, resource_id, service_id)
        SELECT %s, %s, '+15550001111', '9 Orchard Lane', t, t + interval '45 minutes', %s,
               %s, %s
        FROM date_trunc('minute', now() + %s::interval) AS t RETURNING id::text""",
        org, name, status, resource, service, starts_in)
    return aid


def starts_of(db, aid):
    [(t,)] = sql(db, "SELECT starts_at FROM appointments WHERE id = %s", aid)
    return t.astimezone(timezone.utc)


def uid(aid):
    return aid + "@switchboard"


def test_the_business_feed_holds_the_window(business, other_business, owner_db):
    [(service,)] = sql(owner_db, "INSERT INTO services (org_id, name) VALUES (%s, 'Tune-up') "
                                 "RETURNING id::text", business.org_id)
    soon = appointment(owner_db, business.org_id, "2 days", name="Ann, the \"boss\"; line\ntwo",
                       service=service)
    past = appointment(owner_db, business.org_id, "-10 days")
    gone = appointment(owner_db, business.org_id, "3 days", status="cancelled")
    too_old = appointment(owner_db, business.org_id, "-40 days")
    too_far = appointment(owner_db, business.org_id, "200 days")
    theirs = appointment(owner_db, other_business.org_id, "2 days")
    events = read(make_feed(business))
    assert set(events) == {uid(soon), uid(past), uid(gone)}
    ev = events[uid(soon)]
    assert str(ev["SUMMARY"]) == 'Tune-up: Ann, the "boss"; line\ntwo'
    assert ev["DTSTART"].dt == starts_of(owner_db, soon)
    assert ev["DTSTART"].dt.utcoffset().total_seconds() == 0
    assert (ev["DTEND"].dt - ev["DTSTART"].dt).total_seconds() == 45 * 60
    assert "DTSTAMP" in ev
    assert str(ev["LOCATION"]) == "9 Orchard Lane"
    assert "+15550001111" in str(ev["DESCRIPTION"])
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert str(events[uid(gone)]["STATUS"]) == "CANCELLED"
    assert uid(too_old) not in events and uid(too_far) not in events
    assert uid(theirs) not in events


def test_a_moved_appointment_keeps_its_uid(business, owner_db):
    aid = appointment(owner_db, business.org_id, "1 day")
    path = make_feed(business)
    before = read(path)[uid(aid)]["DTSTART"].dt
    sql(owner_db, "UPDATE appointments SET starts_at = starts_at + interval '2 hours', "
                  "ends_at = ends_at + interval '2 hours' WHERE id = %s", aid)
    after = read(path)[uid(aid)]["DTSTART"].dt
    assert (after - before).total_seconds() == 7200


def test_a_resource_feed_holds_that_resource_alone(business, owner_db):
    [(main,)] = sql(owner_db, "SELECT id::text FROM resources WHERE org_id = %s",
                    business.org_id)
    [(chair,)] = sql(owner_db, "INSERT INTO resources (org_id, name, position) "
                               "VALUES (%s, 'Chair 2', 1) RETURNING id::text", business.org_id)
    on_main = appointment(owner_db, business.org_id, "1 day", resource=main)
    on_chair = appointment(owner_db, business.org_id, "1 day", resource=chair)
    page = business.get("/settings/reminders")
    assert page.status_code == 200 and "Chair 2" in page.text
    assert set(read(make_feed(business, chair))) == {uid(on_chair)}
    assert set(read(make_feed(business, main))) == {uid(on_main)}
    assert set(read(make_feed(business))) == {uid(on_main), uid(on_chair)}
    cal = icalendar.Calendar.from_ical(fetch(make_feed(business, chair)).content)
    assert str(cal["X-WR-CALNAME"]).endswith(": Chair 2")


def test_a_new_address_kills_the_old_one(business, owner_db):
    aid = appointment(owner_db, business.org_id, "1 day")
    old = make_feed(business)
    assert uid(aid) in read(old)
    new = make_feed(business)
    assert new != old
    assert fetch(old).status_code == 404
    assert uid(aid) in read(new)
    # Turned off: the address is dead too.
    r = business.post_form("/settings/reminders/feed/stop", {"resource": ""})
    assert r.status_code == 303
    assert fetch(new).status_code == 404
    # Only the hash of a token is kept.
    tokens = sql(owner_db, "SELECT token_sha256 FROM calendar_feeds WHERE org_id = %s",
                 business.org_id)
    assert tokens == []


def test_wrong_tokens_are_not_found_alike(business, owner_db):
    path = make_feed(business)
    token = path.rsplit("/", 1)[1]
    [(stored,)] = sql(owner_db, "SELECT token_sha256 FROM calendar_feeds WHERE org_id = %s",
                      business.org_id)
    assert stored != token
    unknown = fetch("/calendar/" + uuid.uuid4().hex + uuid.uuid4().hex)
    near = fetch("/calendar/" + token[:-1] + ("0" if token[-1] != "0" else "1"))
    malformed = fetch("/calendar/" + token.upper())
    hashed = fetch("/calendar/" + stored)
    for r in (unknown, near, malformed, hashed):
        assert r.status_code == 404
        assert "BEGIN:VCALENDAR" not in r.text
    assert unknown.text == near.text == malformed.text
    assert fetch("/calendar/x'%20OR%201=1--").status_code == 404


def test_another_business_resource_is_refused(business, other_business, owner_db):
    [(theirs,)] = sql(owner_db, "SELECT id::text FROM resources WHERE org_id = %s",
                      other_business.org_id)
    for resource in (theirs, "not-a-uuid", str(uuid.uuid4())):
        r = business.post_form("/settings/reminders/feed", {"resource": resource})
        assert r.status_code == 404, r.status_code
    assert sql(owner_db, "SELECT 1 FROM calendar_feeds WHERE org_id IN (%s, %s)",
               business.org_id, other_business.org_id) == []
    # And another business's feed shows none of this one's appointments.
    mine = appointment(owner_db, business.org_id, "1 day")
    assert uid(mine) not in read(make_feed(other_business))


def test_making_a_feed_needs_the_form_token(business):
    r = business.post("/settings/reminders/feed", data={"resource": ""})
    assert r.status_code == 403


def test_a_feed_address_leaves_no_token_in_the_access_log(business):
    from test_attacks_host import access_log_after
    path = make_feed(business)
    read(path)
    fetch("/%63alendar/" + path.rsplit("/", 1)[1])
    text = access_log_after("/readyz?after=" + uuid.uuid4().hex)
    assert path.rsplit("/", 1)[1] not in text
    assert "/calendar/…" in text
