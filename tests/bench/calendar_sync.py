"""calendar_sync: how long one Google Calendar sync takes for 1,000 changed events (new, then
moved), from the sync job queued to busy time stored. Run by tests/bench/run calendar-sync on its
own stack with the Google fake; prints figures, never fails.

The demo business connects through the real OAuth flow; its push notifications are then refused
(the channel token is changed) so that each measured sync is the one job this script queues.
"""
import os
import sys
import time
import urllib.parse

import psycopg2
import requests

BASE = os.environ["SB_BASE_URL"]
FAKE = os.environ["SB_GOOGLE_FAKE_URL"]
DSN = os.environ["SB_DSN_OWNER"]
ACCOUNT = "bench@example.com"
COUNT = int(os.environ.get("CALENDAR_EVENTS", "1000"))


def query(sql, *params):
    with psycopg2.connect(DSN) as db, db.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall() if cur.description else []
    db.close()
    return rows


def sign_in():
    s = requests.Session()
    s.get(BASE + "/login")
    r = s.post(BASE + "/login", data={"email": "owner@acme.test", "password": "demo-password",
                                     "csrf": s.cookies.get("sb_form")}, allow_redirects=False)
    assert r.status_code == 303, r.status_code
    return s


def connect(s):
    requests.post(FAKE + "/_fake/consent", json={"answer": "approve", "account": ACCOUNT})
    consent = s.get(BASE + "/settings/calendar/connect", allow_redirects=False).headers["Location"]
    back = requests.get(consent, allow_redirects=False).headers["Location"]
    parts = urllib.parse.urlsplit(back)
    r = s.get(BASE + parts.path + "?" + parts.query, allow_redirects=False)
    assert r.status_code == 303, r.status_code


def wait(what, check, timeout=60):
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            sys.exit(f"calendar-sync: timed out waiting for {what}")
        time.sleep(0.01)


def org():
    return query("SELECT id FROM organizations WHERE id IN "
                 "(SELECT org_id FROM users WHERE email = 'owner@acme.test')")[0][0]


def timed_sync(org_id, expect):
    """Queue one sync and time it until the calendar's busy time is what expect() wants."""
    start = time.monotonic()
    query("INSERT INTO jobs (org_id, kind, payload) VALUES (%s, 'google.sync', "
          "'{\"calendar_id\": \"primary\"}'); NOTIFY jobs", org_id)
    wait("the sync", lambda: query(
        "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'google.sync' "
        "AND status IN ('queued', 'running')", org_id)[0][0] == 0 and expect())
    return (time.monotonic() - start) * 1000


def main():
    s = sign_in()
    connect(s)
    org_id = org()
    wait("the first sync", lambda: query("SELECT sync_token IS NOT NULL FROM google_calendars "
                                         "WHERE org_id = %s", org_id) == [(True,)])
    wait("the watch channel", lambda: query("SELECT channel_id IS NOT NULL FROM google_calendars "
                                            "WHERE org_id = %s", org_id) == [(True,)])
    query("UPDATE google_calendars SET channel_token = 'refused' WHERE org_id = %s", org_id)
    # Connecting queued the events of the demo's upcoming appointments: let them finish first.
    wait("the connect's jobs", lambda: query(
        "SELECT count(*) FROM jobs WHERE org_id = %s AND status IN ('queued', 'running')",
        org_id)[0][0] == 0, timeout=300)
    busy = lambda: query("SELECT count(*), min(starts_at) FROM busy_blocks "
                         "WHERE org_id = %s AND source = 'google'", org_id)[0]
    requests.post(FAKE + "/_fake/events", json={"account": ACCOUNT, "count": COUNT,
                                                "start": time.time() + 86400})
    ms = timed_sync(org_id, lambda: busy()[0] == COUNT)
    print(f"{COUNT} new events: one incremental sync in {ms:.0f} ms")
    first = busy()[1]
    requests.post(FAKE + "/_fake/events/shift", json={"account": ACCOUNT, "seconds": 1800})
    ms = timed_sync(org_id, lambda: busy()[1] != first)
    print(f"{COUNT} moved events: one incremental sync in {ms:.0f} ms")
    query("UPDATE google_calendars SET sync_token = NULL WHERE org_id = %s", org_id)
    ms = timed_sync(org_id, lambda: query("SELECT sync_token IS NOT NULL FROM google_calendars "
                                          "WHERE org_id = %s", org_id) == [(True,)])
    print(f"full sync of {COUNT} events: {ms:.0f} ms")


if __name__ == "__main__":
    main()
