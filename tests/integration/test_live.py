"""test_live: live events reach a business's own pages, over nchan's server-sent events, and no
one else's: the application authorizes each subscription; a reconnect gets what it missed; the
publisher (switchboard-live) survives PostgreSQL and nginx going away."""
import json
import os
import signal
import socket
import subprocess
import time
import uuid

import psycopg2
import psycopg2.errors
import pytest

from conftest import BASE_URL, DSN_OWNER, STATE, sql

HOST, PORT = BASE_URL.split("//", 1)[1].split(":")
PORT = int(PORT)


class Subscription:
    """One EventSource connection to /live/<channel>, read by hand: the status, then events."""

    def __init__(self, channel, cookie=None, last_event_id=None, path=None):
        self.sock = socket.create_connection((HOST, PORT), timeout=5)
        headers = [f"GET {path or '/live/' + channel} HTTP/1.1", f"Host: {HOST}:{PORT}",
                   "Accept: text/event-stream", "Cache-Control: no-cache"]
        if cookie:
            headers.append(f"Cookie: sb_session={cookie}")
        if last_event_id:
            headers.append(f"Last-Event-ID: {last_event_id}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        self.headers = head.decode("latin-1").lower()

    def _until(self, sep, deadline=None):
        while sep not in self.buf:
            if deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the stream")
            self.buf += chunk
        part, self.buf = self.buf.split(sep, 1)
        return part

    def events(self, seconds):
        """Every event (id, data as JSON) that arrives within seconds."""
        got = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                block = self._until(b"\n\n", deadline)
            except (socket.timeout, TimeoutError):
                break
            fields = dict(line.split(": ", 1) for line in block.decode().split("\n")
                          if ": " in line and not line.startswith(":"))
            if "data" in fields:
                got.append((fields.get("id"), json.loads(fields["data"])))
        return got

    def wait_for(self, predicate, seconds=5):
        """Events up to and including the first one predicate accepts (fails after seconds)."""
        seen = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event in self.events(min(0.2, deadline - time.monotonic())):
                seen.append(event)
                if predicate(event[1]):
                    return seen
        pytest.fail(f"no matching event within {seconds} s; saw {seen}")

    def close(self):
        self.sock.close()


def new_call(db, org):
    return str(sql(db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                          to_number) VALUES (%s, 'twilio', %s, '+15555550123', '+15555550100')
                          RETURNING id""", org, "CA" + uuid.uuid4().hex)[0][0])


def session_of(client):
    return client.cookies.get("sb_session")


def test_a_business_hears_its_own_new_call_and_only_ids(business, owner_db):
    sub = Subscription(business.org_id, session_of(business))
    try:
        assert sub.status == 200 and "text/event-stream" in sub.headers
        call = new_call(owner_db, business.org_id)
        seen = sub.wait_for(lambda e: e.get("id") == call)
        event = dict(seen[-1][1])
        assert abs(event.pop("at") / 1000 - time.time()) < 60
        assert event == {"kind": "call", "id": call, "lead": None, "new": True}
        # Nothing a caller said or their number: ids and kinds only.
        assert "5555550123" not in json.dumps(seen)
    finally:
        sub.close()


def test_another_business_channel_is_refused(business, other_business, owner_db):
    sub = Subscription(other_business.org_id, session_of(business))
    try:
        assert sub.status == 403
    finally:
        sub.close()
    # And its events never reach the first business's own channel.
    mine = Subscription(business.org_id, session_of(business))
    try:
        assert mine.status == 200
        theirs = new_call(owner_db, other_business.org_id)
        ours = new_call(owner_db, business.org_id)
        seen = mine.wait_for(lambda e: e.get("id") == ours)
        assert theirs not in json.dumps(seen)
    finally:
        mine.close()


@pytest.mark.parametrize("cookie", [None, "", "garbage", "a.b.c",
                                    "eyJhbGciOiJub25lIn0.eyJvcmciOiIxIn0."])
def test_no_session_is_refused(business, cookie):
    sub = Subscription(business.org_id, cookie)
    try:
        assert sub.status == 401
    finally:
        sub.close()


def test_a_signed_out_session_is_refused(business):
    cookie = session_of(business)
    r = business.post_form("/logout")
    assert r.status_code == 303
    sub = Subscription(business.org_id, cookie)
    try:
        assert sub.status == 401
    finally:
        sub.close()


@pytest.mark.parametrize("path", [
    "/live/not-a-channel", "/live/", "/live/{org}/x", "/live/{ORG}", "/live/{org}x",
    "/_live/authorize/{org}", "/pub/{org}",
])
def test_other_addresses_name_no_channel(business, path):
    sub = Subscription(business.org_id, session_of(business),
                       path=path.format(org=business.org_id, ORG=business.org_id.upper()))
    try:
        assert sub.status == 404
    finally:
        sub.close()


def test_a_reconnect_gets_what_it_missed(business, owner_db):
    sub = Subscription(business.org_id, session_of(business))
    first = new_call(owner_db, business.org_id)
    last_id = sub.wait_for(lambda e: e.get("id") == first)[-1][0]
    sub.close()
    assert last_id

    missed = [new_call(owner_db, business.org_id) for _ in range(3)]
    time.sleep(0.5)
    back = Subscription(business.org_id, session_of(business), last_event_id=last_id)
    try:
        seen = back.wait_for(lambda e: e.get("id") == missed[-1])
        calls = [e["id"] for _, e in seen if e["kind"] == "call"]
        assert calls == missed
    finally:
        back.close()
    # A fresh subscription starts from the newest: nothing old is replayed to it.
    fresh = Subscription(business.org_id, session_of(business))
    try:
        assert fresh.events(0.5) == []
    finally:
        fresh.close()


def live_backend_pid():
    with psycopg2.connect(DSN_OWNER) as db:
        # Another role's query text is hidden from the owner; its pid and role are not.
        rows = sql(db, """SELECT pid FROM pg_stat_activity
                          WHERE usename = 'switchboard_live' AND datname = current_database()""")
    db.close()
    return rows[0][0] if rows else None


def test_the_publisher_listens_again_after_losing_postgres(business, owner_db):
    pid = live_backend_pid()
    assert pid, "switchboard-live has no connection"
    try:
        os.kill(pid, signal.SIGTERM)  # what pg_terminate_backend does
    except PermissionError:
        pytest.skip("the tests' user cannot signal the database's processes")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and live_backend_pid() in (None, pid):
        time.sleep(0.1)
    assert live_backend_pid() not in (None, pid), "switchboard-live did not reconnect"
    sub = Subscription(business.org_id, session_of(business))
    try:
        call = new_call(owner_db, business.org_id)
        sub.wait_for(lambda e: e.get("id") == call)
    finally:
        sub.close()


def nginx_command():
    pid = int(open(os.path.join(STATE, "nginx", "nginx.pid")).read())
    # The master rewrites its command line as "nginx: master process nginx -c ... -p ...".
    words = open(f"/proc/{pid}/cmdline").read().replace("\0", " ").split()
    return pid, words[words.index("process") + 1:]


def test_the_publisher_delivers_what_waited_while_nginx_was_down(business, owner_db):
    pid, command = nginx_command()
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.05)
    call = new_call(owner_db, business.org_id)
    time.sleep(1)
    subprocess.run(command, check=True)
    # nginx starts empty: a subscriber that names any earlier event id is given every
    # event the new nginx holds, so the call queued while it was down arrives however the
    # publisher's retry and this subscription are ordered.
    for _ in range(50):
        try:
            sub = Subscription(business.org_id, session_of(business), last_event_id="1:0")
            break
        except OSError:
            time.sleep(0.1)
    try:
        assert sub.status == 200
        sub.wait_for(lambda e: e.get("id") == call, seconds=10)
    finally:
        sub.close()
    assert "could not publish live events to nginx" in open(
        os.path.join(STATE, "log", "live.log")).read()


def test_the_publisher_role_reads_nothing(business):
    dsn = DSN_OWNER.replace("user=switchboard_owner", "user=switchboard_live")
    with psycopg2.connect(dsn) as db:
        for table in ("calls", "leads", "call_turns", "organizations", "users"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                sql(db, f"SELECT 1 FROM {table} LIMIT 1")
            db.rollback()
    db.close()


@pytest.mark.parametrize("payload", ["", "garbage", "not-a-uuid {\"kind\":\"call\"}",
                                     "00000000-0000-4000-8000-000000000000"])
def test_a_malformed_notification_is_dropped_and_the_next_one_still_goes(business, owner_db,
                                                                        payload):
    sub = Subscription(business.org_id, session_of(business))
    try:
        sql(owner_db, "SELECT pg_notify('org_events', %s)", payload)
        call = new_call(owner_db, business.org_id)
        seen = sub.wait_for(lambda e: e.get("id") == call)
        assert [e for _, e in seen if e.get("kind") == "call"] == [seen[-1][1]]
    finally:
        sub.close()
    assert "a live event without a business was dropped" in open(
        os.path.join(STATE, "log", "live.log")).read()
