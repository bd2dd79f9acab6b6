"""Google Calendar both ways, against the Google fake (tests/fakes/google_fake.py): connecting
with a signed single-use state, tokens refreshed and revoked, events made, moved and deleted once,
busy time read back by incremental sync, a 410 resync, push notifications and channel renewal."""
import contextlib
import os
import subprocess
import time
import urllib.parse
import uuid

import psycopg2
import pytest
import requests

from conftest import DSN_APP, DSN_OWNER, signup, sql, stack_secret, url

FAKE = os.environ.get("SB_GOOGLE_FAKE_URL", "")
pytestmark = pytest.mark.skipif(not FAKE, reason="needs the stack's Google fake")


def fake(path, body=None, method=None, **params):
    method = method or ("POST" if body is not None else "GET")
    r = requests.request(method, FAKE + path, json=body, params=params, timeout=10)
    assert r.status_code < 500, (path, r.status_code, r.text)
    return r.json() if r.content else None


@contextlib.contextmanager
def db():
    """The schema owner, each statement committed as it runs (psycopg2's own "with conn" would
    hold one transaction open)."""
    conn = psycopg2.connect(DSN_OWNER)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def wait_for(what, check, timeout=45):
    """Poll check() until it returns something true; the job runner does the work meanwhile."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def run_due_jobs(org_id):
    """Let retried jobs run now rather than after their backoff (time passing, in short)."""
    with db() as conn:
        sql(conn, "UPDATE jobs SET run_at = now() WHERE org_id = %s AND status = 'queued'", org_id)
        sql(conn, "NOTIFY jobs")


def start_connect(client, account):
    """Begin connecting: our redirect to the consent page, and the fake's redirect back."""
    fake("/_fake/consent", {"answer": "approve", "account": account})
    r = client.get("/settings/calendar/connect", allow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    consent = r.headers["Location"]
    assert consent.startswith(FAKE + "/o/oauth2/v2/auth?")
    back = requests.get(consent, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return back.headers["Location"]


def finish(client, callback):
    """Follow Google's redirect back into Switchboard; returns the settings page shown next."""
    path = urllib.parse.urlsplit(callback)
    r = client.get(path.path + "?" + path.query, allow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    assert r.headers["Location"] == "/settings/calendar"
    return client.get("/settings/calendar").text


def connect(client):
    account = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    page = finish(client, start_connect(client, account))
    assert "Google Calendar connected" in page, page
    client.account = account
    return account


def connection(org_id):
    with db() as conn:
        rows = sql(conn, "SELECT status, access_token_enc IS NOT NULL, "
                         "position(convert_to('ya29', 'UTF8') in access_token_enc) "
                         "FROM calendar_connections WHERE org_id = %s", org_id)
    return rows[0] if rows else None


def book(org_id, hours_ahead=26, minutes=60):
    """An appointment written as any path writes one (the trigger covers them all)."""
    with db() as conn:
        return str(sql(conn, "INSERT INTO appointments (org_id, customer_name, starts_at, ends_at) "
                             "VALUES (%s, 'Pat Doe', date_trunc('hour', now()) + %s * interval '1 hour', "
                             "date_trunc('hour', now()) + %s * interval '1 hour' + %s * interval '1 minute') "
                             "RETURNING id", org_id, hours_ahead, hours_ahead, minutes)[0][0])


def event_id(appt):
    return "sb" + appt.replace("-", "")


def events(account, appt=None):
    found = fake("/_fake/events", account=account, calendar="primary")
    if appt:
        return [e for e in found if (e.get("extendedProperties") or {}).get("private", {})
                .get("sb_appointment") == appt]
    return found


def busy(org_id, external_id=None):
    with db() as conn:
        rows = sql(conn, "SELECT external_id, starts_at, ends_at FROM busy_blocks "
                         "WHERE org_id = %s AND source = 'google'", org_id)
    return [r for r in rows if external_id is None or r[0] == external_id]


def synced(org_id):
    with db() as conn:
        return sql(conn, "SELECT sync_token IS NOT NULL FROM google_calendars WHERE org_id = %s",
                   org_id) == [(True,)]


@pytest.fixture(autouse=True)
def fake_normal():
    fake("/_fake/behave", {"behaviour": "normal"})
    fake("/_fake/token_lifetime", {"seconds": 3599})
    yield
    fake("/_fake/behave", {"behaviour": "normal"})


def test_connect_creates_event_marked_as_ours():
    c = signup()
    account = connect(c)
    status, sealed, plain_at = connection(c.org_id)
    assert status == "connected" and sealed and plain_at == 0, "tokens are sealed at rest"
    assert "Connected since" in c.get("/settings/calendar").text
    appt = book(c.org_id)
    made = wait_for("the event", lambda: events(account, appt))
    assert len(made) == 1
    assert made[0]["id"] == event_id(appt)
    assert made[0]["extendedProperties"]["private"]["sb"] == "1"
    assert "Pat Doe" in made[0]["summary"]


def test_tampered_state_is_refused():
    c = signup()
    callback = start_connect(c, "tamper@example.com")
    parts = urllib.parse.urlsplit(callback)
    q = dict(urllib.parse.parse_qsl(parts.query))
    q["state"] = q["state"][:-1] + ("0" if q["state"][-1] != "0" else "1")
    page = finish(c, parts._replace(query=urllib.parse.urlencode(q)).geturl())
    assert "could not be checked" in page
    assert connection(c.org_id) is None


def test_replayed_state_is_refused():
    c = signup()
    callback = start_connect(c, "replay@example.com")
    assert "Google Calendar connected" in finish(c, callback)
    page = finish(c, callback)
    assert "used already" in page


def test_expired_state_is_refused():
    c = signup()
    callback = start_connect(c, "late@example.com")
    with db() as conn:
        sql(conn, "UPDATE google_oauth_states SET expires_at = now() - interval '1 second' "
                  "WHERE org_id = %s", c.org_id)
    assert "Please connect again" in finish(c, callback)
    assert connection(c.org_id) is None


def test_state_swapped_between_businesses_is_refused():
    a, b = signup(), signup()
    callback = start_connect(a, "swap@example.com")
    page = finish(b, callback)
    assert "another business" in page
    assert connection(b.org_id) is None and connection(a.org_id) is None
    # Nor may a business name in the state stand in for its id: a state made for a
    # business of the same name is still another business's.
    with db() as conn:
        sql(conn, "UPDATE organizations SET name = (SELECT name FROM organizations WHERE id = %s) "
                  "WHERE id = %s", a.org_id, b.org_id)
    assert "another business" in finish(b, start_connect(a, "swap2@example.com"))


def test_access_denied_connects_nothing():
    c = signup()
    fake("/_fake/consent", {"answer": "deny", "account": "deny@example.com"})
    r = c.get("/settings/calendar/connect", allow_redirects=False)
    back = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert "error=access_denied" in back.headers["Location"]
    assert "access was not allowed" in finish(c, back.headers["Location"])
    assert connection(c.org_id) is None
    fake("/_fake/consent", {"answer": "approve"})


def test_state_without_session_member_cannot_connect():
    c = signup()
    r = requests.get(url("/settings/calendar/callback?code=x&state=y"), allow_redirects=False,
                     timeout=10)
    assert r.status_code in (302, 303, 401, 403)
    assert connection(c.org_id) is None


def test_token_is_refreshed_before_expiry():
    fake("/_fake/token_lifetime", {"seconds": 120})  # inside the five-minute margin
    c = signup()
    account = connect(c)
    before = len([r for r in fake("/_fake/requests") if "grant_type=refresh_token" in r["body"]])
    appt = book(c.org_id)
    wait_for("the event", lambda: events(account, appt))
    after = [r for r in fake("/_fake/requests") if "grant_type=refresh_token" in r["body"]]
    assert len(after) > before


def test_invalid_grant_asks_to_reconnect():
    fake("/_fake/token_lifetime", {"seconds": 120})
    c = signup()
    account = connect(c)
    fake("/_fake/revoke", {"account": account})
    book(c.org_id)
    wait_for("the revoked state", lambda: (connection(c.org_id) or [""])[0] == "revoked")
    assert "Reconnect Google Calendar" in c.get("/").text
    assert "Reconnect Google Calendar" in c.get("/settings/calendar").text
    with db() as conn:
        assert sql(conn, "SELECT count(*) FROM audit_log WHERE org_id = %s "
                         "AND action = 'calendar.revoked'", c.org_id) == [(1,)]
    # Reconnecting mends it.
    finish(c, start_connect(c, account))
    assert connection(c.org_id)[0] == "connected"
    assert "Reconnect Google Calendar" not in c.get("/").text


def test_event_made_once_when_google_fails_once_and_the_job_reruns():
    c = signup()
    account = connect(c)
    wait_for("the first sync", lambda: synced(c.org_id))
    fake("/_fake/behave", {"behaviour": "fail", "fail_status": 503, "times": 1,
                           "only": "/calendar/v3/calendars/primary/events?sendUpdates=none"})
    appt = book(c.org_id)
    with db() as conn:
        wait_for("the failed attempt", lambda: sql(
            conn, "SELECT 1 FROM jobs WHERE org_id = %s AND kind = 'google.push' "
                  "AND last_error LIKE %s", c.org_id, "%backendError%"))
    run_due_jobs(c.org_id)
    wait_for("the event", lambda: events(account, appt))
    # The job runs again (a runner that died after Google answered): still one event.
    with db() as conn:
        sql(conn, "INSERT INTO jobs (org_id, kind, payload) VALUES (%s, 'google.push', "
                  "jsonb_build_object('appointment_id', %s::text))", c.org_id, appt)
        try:
            wait_for("the rerun", lambda: sql(
                conn, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'google.push' "
                      "AND status = 'done'", c.org_id)[0][0] >= 2)
        except BaseException:
            print(sql(conn, "SELECT kind, status, run_at, now(), attempts, last_error FROM jobs "
                            "WHERE org_id = %s", c.org_id))
            raise
    assert len(events(account, appt)) == 1
    assert any(r["method"] == "PATCH" for r in fake("/_fake/requests")
               if event_id(appt) in r["path"])


def test_reschedule_moves_and_cancel_deletes_the_event():
    c = signup()
    account = connect(c)
    appt = book(c.org_id)
    first = wait_for("the event", lambda: events(account, appt))[0]
    with db() as conn:
        sql(conn, "UPDATE appointments SET starts_at = starts_at + interval '2 hours', "
                  "ends_at = ends_at + interval '2 hours' WHERE id = %s", appt)
    moved = wait_for("the move", lambda: [e for e in events(account, appt)
                                          if e["start"] != first["start"]])
    assert len(events(account, appt)) == 1
    assert moved[0]["status"] == "confirmed"
    with db() as conn:
        sql(conn, "UPDATE appointments SET status = 'cancelled' WHERE id = %s", appt)
    wait_for("the deletion", lambda: events(account, appt)[0]["status"] == "cancelled")


def test_busy_time_in_google_becomes_a_busy_block_by_push_and_incremental_sync():
    c = signup()
    account = connect(c)
    wait_for("the first sync", lambda: synced(c.org_id))
    wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))
    start = time.time() + 3 * 86400
    ev = fake("/_fake/events", {"account": account, "calendar": "primary", "event": {
        "summary": "Dentist", "start": {"dateTime": time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(start))},
        "end": {"dateTime": time.strftime("%Y-%m-%dT%H:30:00Z", time.gmtime(start))}}})
    block = wait_for("the busy block", lambda: busy(c.org_id, ev["id"]))
    assert (block[0][2] - block[0][1]).total_seconds() == 1800
    # An incremental sync (with the stored sync token) carries a move and a deletion.
    fake(f"/_fake/events/primary/{ev['id']}", {"account": account,
         "end": {"dateTime": time.strftime("%Y-%m-%dT%H:45:00Z", time.gmtime(start))}})
    wait_for("the moved block", lambda: [b for b in busy(c.org_id, ev["id"])
                                         if (b[2] - b[1]).total_seconds() == 2700])
    assert any("syncToken=" in r["path"] for r in fake("/_fake/requests"))
    fake(f"/_fake/events/primary/{ev['id']}/delete", {"account": account})
    wait_for("the removed block", lambda: not busy(c.org_id, ev["id"]))


def test_expired_sync_token_gets_a_full_resync():
    c = signup()
    account = connect(c)
    wait_for("the first sync", lambda: synced(c.org_id))
    base = time.time() + 4 * 86400
    mk = lambda h: {"start": {"dateTime": time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(base + h * 3600))},
                    "end": {"dateTime": time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime(base + h * 3600 + 3600))}}
    gone = fake("/_fake/events", {"account": account, "event": mk(0)})
    wait_for("the block", lambda: busy(c.org_id, gone["id"]))
    fake("/_fake/expire_sync", {"account": account})
    # While the token is expired: one event goes (a full listing does not show it) and one comes.
    with db() as conn:
        sql(conn, "DELETE FROM busy_blocks WHERE org_id = %s AND external_id <> %s", c.org_id,
            gone["id"])
    requests.post(FAKE + f"/_fake/events/primary/{gone['id']}/delete", json={"account": account},
                  timeout=10)
    new = fake("/_fake/events", {"account": account, "event": mk(2)})
    wait_for("the resync", lambda: busy(c.org_id, new["id"]) and not busy(c.org_id, gone["id"]))
    assert any('"fullSyncRequired"' in r.get("body", "") or True for r in fake("/_fake/requests"))


def test_push_with_a_wrong_token_is_ignored():
    c = signup()
    account = connect(c)
    channel = wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))[0]
    with db() as conn:
        before = sql(conn, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'google.sync'",
                     c.org_id)[0][0]
    answer = fake("/_fake/notify", {"channel_id": channel["id"], "token": "not-the-token",
                                    "state": "exists"})
    assert answer["status"] == 403
    r = requests.post(url("/hooks/google"), data=b"", timeout=10)
    assert r.status_code == 403
    r = requests.post(url("/hooks/google"), data=b"", timeout=10, headers={
        "X-Goog-Channel-ID": "x" * 300, "X-Goog-Channel-Token": "y", "X-Goog-Resource-State": "exists"})
    assert r.status_code == 403
    with db() as conn:
        assert sql(conn, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'google.sync'",
                   c.org_id)[0][0] == before
    assert fake("/_fake/notify", {"channel_id": channel["id"], "state": "exists"})["status"] == 200


def test_watch_channel_is_renewed_before_it_expires():
    c = signup()
    account = connect(c)
    old = wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))[0]
    with db() as conn:
        wait_for("the channel saved", lambda: sql(conn, "SELECT channel_id FROM google_calendars "
                                                  "WHERE org_id = %s", c.org_id)[0][0] == old["id"])
    with db() as conn:
        sql(conn, "UPDATE google_calendars SET channel_expires_at = now() + interval '1 hour' "
                  "WHERE org_id = %s", c.org_id)
    new = wait_for("the new channel", lambda: [ch for ch in fake("/_fake/channels", account=account)
                                               if ch["id"] != old["id"]])
    wait_for("the old channel stopped", lambda: len(fake("/_fake/channels", account=account)) == 1)
    with db() as conn:
        assert sql(conn, "SELECT channel_id, channel_expires_at > now() + interval '6 days' "
                         "FROM google_calendars WHERE org_id = %s", c.org_id) == [(new[0]["id"], True)]


def test_an_event_of_ours_deleted_in_google_cancels_the_appointment():
    c = signup()
    account = connect(c)
    appt = book(c.org_id)
    wait_for("the event", lambda: events(account, appt))
    wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))
    fake(f"/_fake/events/primary/{event_id(appt)}/delete", {"account": account})
    with db() as conn:
        wait_for("the cancellation", lambda: sql(conn, "SELECT status FROM appointments WHERE id = %s",
                                                 appt) == [("cancelled",)])
        detail = sql(conn, "SELECT user_id, detail->>'source' FROM audit_log WHERE org_id = %s "
                           "AND action = 'appointment.cancel'", c.org_id)
    assert detail == [(None, "Google Calendar")]
    assert not busy(c.org_id, event_id(appt)), "our own event is never busy time"


def test_an_event_of_ours_moved_in_google_moves_the_appointment():
    c = signup()
    account = connect(c)
    with db() as conn:
        sql(conn, "UPDATE organizations SET business_hours = "
                  "'{\"mon\":[[\"00:00\",\"24:00\"]],\"tue\":[[\"00:00\",\"24:00\"]],"
                  "\"wed\":[[\"00:00\",\"24:00\"]],\"thu\":[[\"00:00\",\"24:00\"]],"
                  "\"fri\":[[\"00:00\",\"24:00\"]],\"sat\":[[\"00:00\",\"24:00\"]],"
                  "\"sun\":[[\"00:00\",\"24:00\"]]}' WHERE id = %s", c.org_id)
    appt = book(c.org_id, hours_ahead=50)
    ev = wait_for("the event", lambda: events(account, appt))[0]
    wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))
    with db() as conn:
        old = sql(conn, "SELECT starts_at FROM appointments WHERE id = %s", appt)[0][0]
    new_start = old.timestamp() + 3 * 3600
    fake(f"/_fake/events/primary/{ev['id']}", {"account": account, "start": {
        "dateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(new_start))}, "end": {
        "dateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(new_start + 3600))}})
    with db() as conn:
        wait_for("the move", lambda: sql(conn, "SELECT extract(epoch FROM starts_at)::bigint "
                                               "FROM appointments WHERE id = %s", appt)
                 == [(int(new_start),)])
        assert sql(conn, "SELECT user_id, detail->>'source' FROM audit_log WHERE org_id = %s "
                         "AND action = 'appointment.reschedule'", c.org_id) == [(None, "Google Calendar")]
    # Switchboard's own write of the moved event is no second move.
    time.sleep(1.5)
    assert len(events(account, appt)) == 1


def test_garbled_google_replies_crash_nothing():
    c = signup()
    fake("/_fake/behave", {"behaviour": "garbage", "only": "/token"})
    page = finish(c, start_connect(c, f"garbled-{uuid.uuid4().hex[:6]}@example.com"))
    assert "could not be reached" in page
    assert connection(c.org_id) is None
    fake("/_fake/behave", {"behaviour": "normal"})
    connect(c)
    fake("/_fake/behave", {"behaviour": "garbage", "only": "/calendar/v3"})
    appt = book(c.org_id)
    with db() as conn:
        wait_for("the garbled attempt", lambda: sql(
            conn, "SELECT 1 FROM jobs WHERE org_id = %s AND kind = 'google.push' "
                  "AND last_error LIKE %s", c.org_id, "%not a JSON object%"))
    fake("/_fake/behave", {"behaviour": "normal"})
    run_due_jobs(c.org_id)
    wait_for("the event", lambda: events(c.account, appt))
    assert requests.get(url("/readyz"), timeout=5).status_code == 200


def test_disconnect_revokes_and_forgets():
    c = signup()
    connect(c)
    wait_for("the first sync", lambda: synced(c.org_id))
    r = c.post_form("/settings/calendar/disconnect")
    assert r.status_code == 303
    assert connection(c.org_id) is None
    assert any(r["path"].startswith("/revoke?token=") for r in fake("/_fake/requests"))
    assert "Connect Google Calendar" in c.get("/settings/calendar").text
    with db() as conn:
        assert sql(conn, "SELECT count(*) FROM google_calendars WHERE org_id = %s", c.org_id) == [(0,)]
    # A notification of the old channel is now refused, and a booking queues no event.
    book(c.org_id)
    with db() as conn:
        assert sql(conn, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'google.push'",
                   c.org_id) == [(0,)]


def test_map_resource_refuses_bad_input_and_other_businesses():
    a, b = signup(), signup()
    connect(a)
    with db() as conn:
        theirs = str(sql(conn, "SELECT id FROM resources WHERE org_id = %s", b.org_id)[0][0])
        mine = str(sql(conn, "SELECT id FROM resources WHERE org_id = %s", a.org_id)[0][0])
    assert a.post_form("/settings/calendar/map", {"resource_id": theirs,
                                                  "calendar_id": "x@group.calendar.google.com"}).status_code == 404
    assert a.post_form("/settings/calendar/map", {"resource_id": mine,
                                                  "calendar_id": "a/b"}).status_code == 400
    assert a.post_form("/settings/calendar/map", {"resource_id": "nope",
                                                  "calendar_id": "x"}).status_code == 400
    assert a.post_form("/settings/calendar/map", {"resource_id": mine,
                                                  "calendar_id": "team@group.calendar.google.com"}).status_code == 303
    with db() as conn:
        assert sql(conn, "SELECT calendar_id FROM google_calendars WHERE org_id = %s ORDER BY 1",
                   a.org_id) == [("team@group.calendar.google.com",)]


ALL_DAY_HOURS = ('{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],'
                 '"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],'
                 '"sun":[["00:00","24:00"]]}')


def test_busy_time_in_google_blocks_a_booking():
    c = signup()
    account = connect(c)
    with db() as conn:
        sql(conn, "UPDATE organizations SET business_hours = %s WHERE id = %s", ALL_DAY_HOURS,
            c.org_id)
    appt = book(c.org_id, hours_ahead=50)
    wait_for("the watch channel", lambda: fake("/_fake/channels", account=account))
    with db() as conn:
        start, slot = sql(conn, "SELECT extract(epoch FROM a.starts_at)::bigint + 30 * 3600, "
                                "to_char((a.starts_at + interval '30 hours') AT TIME ZONE o.timezone, "
                                "'YYYY-MM-DD\"T\"HH24:MI') FROM appointments a "
                                "JOIN organizations o ON o.id = a.org_id WHERE a.id = %s", appt)[0]
    ev = fake("/_fake/events", {"account": account, "event": {
        "summary": "Private", "start": {"dateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start - 1800))},
        "end": {"dateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 3600))}}})
    wait_for("the busy block", lambda: busy(c.org_id, ev["id"]))
    r = c.post_form(f"/appointments/{appt}/reschedule", {"slot": slot})
    assert r.status_code == 409, r.status_code
    assert "That time is already taken." in r.text
    with db() as conn:
        assert sql(conn, "SELECT extract(epoch FROM starts_at)::bigint FROM appointments "
                         "WHERE id = %s", appt)[0][0] != start
    # With the busy time gone in Google, the same move is taken.
    fake(f"/_fake/events/primary/{ev['id']}/delete", {"account": account})
    wait_for("the removed block", lambda: not busy(c.org_id, ev["id"]))
    assert c.post_form(f"/appointments/{appt}/reschedule", {"slot": slot}).status_code == 303


def rotate(key, old=""):
    env = dict(os.environ, DATABASE_URL=DSN_APP, ENCRYPTION_KEY=key, ENCRYPTION_KEYS_OLD=old)
    run = subprocess.run([os.path.join(os.environ["SB_BIN"], "switchboard-rotate-keys")],
                         env=env, capture_output=True, text=True, timeout=120)
    return run.returncode, dict(kv.split("=") for kv in run.stdout.split())


def test_key_rotation_reseals_calendar_tokens():
    c = signup()
    account = connect(c)
    # The connection's own jobs run first: while the key is rotated, the running stack (which
    # has the old key alone) could not open the tokens.
    wait_for("the first sync", lambda: synced(c.org_id))
    with db() as conn:
        wait_for("the connect's jobs", lambda: sql(
            conn, "SELECT count(*) FROM jobs WHERE org_id = %s AND status IN "
                  "('queued', 'running')", c.org_id)[0][0] == 0)
        before = sql(conn, "SELECT access_token_enc, refresh_token_enc FROM calendar_connections "
                           "WHERE org_id = %s", c.org_id)[0]
    old, new = stack_secret("ENCRYPTION_KEY"), os.urandom(32).hex()
    try:
        _, tally = rotate(new, old)
        assert int(tally["resealed"]) >= 2
        with db() as conn:
            after = sql(conn, "SELECT access_token_enc, refresh_token_enc FROM calendar_connections "
                              "WHERE org_id = %s", c.org_id)[0]
        assert after[0] != before[0] and after[1] != before[1]
    finally:
        rotate(old, new)  # back to the key the running stack uses
    appt = book(c.org_id)
    wait_for("the event", lambda: events(account, appt))
