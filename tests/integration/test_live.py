"""test_live: live events reach a business's own pages, over switchboard-live's server-sent
events through nginx, and no one else's: the application authorizes each stream; a reconnect
gets what it missed, or a resync; switchboard-live survives PostgreSQL, nginx and itself going
away, hostile requests and a reader that stops reading."""
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

import live_process
from conftest import BASE_URL, DSN_OWNER, STATE, sql

HOST, PORT = BASE_URL.split("//", 1)[1].split(":")
PORT = int(PORT)


class Subscription:
    """One EventSource connection to /live/<channel>, read by hand: the status, then events."""

    def __init__(self, channel, cookie=None, last_event_id=None, path=None, extra=()):
        self.sock = socket.create_connection((HOST, PORT), timeout=5)
        headers = [f"GET {path or '/live/' + channel} HTTP/1.1", f"Host: {HOST}:{PORT}",
                   "Accept: text/event-stream", "Cache-Control: no-cache"]
        if cookie:
            headers.append(f"Cookie: sb_session={cookie}")
        if last_event_id is not None:
            headers.append(f"Last-Event-ID: {last_event_id}")
        headers.extend(extra)
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode("latin-1"))
        self.buf = b""
        self.named = []   # (event, id, data) of the events that have a name (resync)
        self.last_id = None
        self.raw = b""
        self.chunked = False
        head = self._until(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])
        self.headers = head.decode("latin-1").lower()
        # nginx sends the stream chunked: the events are read from the chunks' contents.
        self.chunked = "transfer-encoding: chunked" in self.headers
        self.raw, self.buf = self.buf, b""
        self._dechunk()

    def _dechunk(self):
        if not self.chunked:
            self.buf += self.raw
            self.raw = b""
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                return
            self.buf += rest[:size]
            self.raw = rest[size + 2:]

    def _until(self, sep, deadline=None):
        while sep not in self.buf:
            if deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the stream")
            self.raw += chunk
            self._dechunk()
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
            if "id" in fields:
                self.last_id = fields["id"].strip()
            if "data" in fields and "event" in fields:
                self.named.append((fields["event"], fields.get("id"), json.loads(fields["data"])))
            elif "data" in fields:
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


def wait_until_live_ran(business, seconds):
    """Wait until switchboard-live has run seconds: a page made before it started may have
    missed changes it never heard, and gets a resync (the boot is in a stream's first id)."""
    probe = Subscription(business.org_id, session_of(business))
    probe.events(0.3)
    probe.close()
    boot_s = int(probe.last_id.split("-")[0]) / 1e6
    time.sleep(max(0.0, boot_s + seconds - time.time()))


def test_a_first_stream_gets_what_was_committed_since_its_page_was_made(business, owner_db):
    org = business.org_id
    wait_until_live_ran(business, 6)
    page = business.get("/calls")
    assert page.status_code == 200
    made = int(page.text.split('data-live-made="', 1)[1].split('"', 1)[0])
    assert abs(made / 1000 - time.time()) < 60
    # Committed after the page was made, before its stream opens.
    call = new_call(owner_db, org)
    time.sleep(0.3)
    sub = Subscription(org, session_of(business), path=f"/live/{org}?since={made}")
    try:
        assert sub.status == 200
        seen = sub.wait_for(lambda e: e.get("id") == call, seconds=2)
        assert [e["id"] for _, e in seen if e["kind"] == "call"][-1] == call
        assert sub.named == []
        # And the stream goes on with what comes next.
        after = new_call(owner_db, org)
        sub.wait_for(lambda e: e.get("id") == after)
    finally:
        sub.close()
    # A reconnect's id wins over since: nothing before it is replayed.
    back = Subscription(org, session_of(business), last_event_id=sub.last_id,
                        path=f"/live/{org}?since={made}")
    try:
        assert back.status == 200
        assert back.events(0.5) == [] and back.named == []
    finally:
        back.close()


def test_odd_since_values_get_a_clean_answer(business, owner_db):
    org = business.org_id
    wait_until_live_ran(business, 6)
    call = new_call(owner_db, org)
    time.sleep(0.3)
    now = int(time.time() * 1000)
    cases = [
        ("garbage", []), ("", []), ("-5", []), ("1e3", []), (f"{now}.5", []),
        (f"%00{now}", []), (f"{now}%0d%0aX-Live-Org:%20x", []),
        ("9" * 16, []), ("9" * 3000, []),                     # more digits than a time has
        (str(now + 86400000), []),                              # from the future: as now
        ("0", ["resync"]), (str(now - 3600000), ["resync"]),    # older than what is kept
    ]
    for since, want in cases:
        sub = Subscription(org, session_of(business), path=f"/live/{org}?since={since}")
        try:
            assert sub.status == 200, since
            got = sub.events(0.4)
            assert [name for name, _, _ in sub.named] == want, (since, sub.named)
            assert got == [], (since, got)
        finally:
            sub.close()
    # Straight to the socket, as only nginx should: no header value makes it stop serving.
    for since in ["12abc", "-1", "9" * 20, "9" * 15, "", " 1", "1" * 1000]:
        s, status, _ = live_process.request(
            STATE, f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}\r\n"
            f"X-Live-Since: {since}")
        s.close()
        assert status == 200, since
    # The one change of this test was committed before every one of those streams, and none
    # had it; a page made before it does.
    sub = Subscription(org, session_of(business), path=f"/live/{org}?since={now - 1000}")
    try:
        sub.wait_for(lambda e: e.get("id") == call, seconds=2)
    finally:
        sub.close()


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


def test_a_reconnect_after_nginx_restarts_gets_what_it_missed(business, owner_db):
    sub = Subscription(business.org_id, session_of(business))
    first = new_call(owner_db, business.org_id)
    last_id = sub.wait_for(lambda e: e.get("id") == first)[-1][0]
    pid, command = nginx_command()
    os.kill(pid, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}"):
        time.sleep(0.05)
    sub.close()
    # switchboard-live keeps the business's events while nginx is away.
    call = new_call(owner_db, business.org_id)
    subprocess.run(command, check=True)
    for _ in range(50):
        try:
            back = Subscription(business.org_id, session_of(business), last_event_id=last_id)
            break
        except OSError:
            time.sleep(0.1)
    try:
        assert back.status == 200
        seen = back.wait_for(lambda e: e.get("id") == call)
        assert [e["id"] for _, e in seen if e["kind"] == "call"] == [call]
        assert back.named == []
    finally:
        back.close()


def test_after_switchboard_live_restarts_an_old_id_gets_a_resync(business, owner_db):
    sub = Subscription(business.org_id, session_of(business))
    first = new_call(owner_db, business.org_id)
    last_id = sub.wait_for(lambda e: e.get("id") == first)[-1][0]
    sub.close()
    live_process.restart(STATE)
    back = Subscription(business.org_id, session_of(business), last_event_id=last_id)
    try:
        assert back.status == 200
        deadline = time.monotonic() + 5
        while not back.named and time.monotonic() < deadline:
            back.events(0.2)
        assert [name for name, _, _ in back.named] == ["resync"]
        # The resync carries an id of the new boot, so the next reconnect resumes from it.
        assert back.named[0][1].split("-")[0] != last_id.split("-")[0]
        call = new_call(owner_db, business.org_id)
        back.wait_for(lambda e: e.get("id") == call)
    finally:
        back.close()


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


def resync_or_events(sub, seconds=1.0):
    got = sub.events(seconds)
    return [name for name, _, _ in sub.named], got


def test_odd_resume_headers_get_a_clean_answer_and_others_keep_streaming(
        business, other_business, owner_db):
    """Conditional headers and ids no event has (what made nchan 1.3.6 abort its workers)."""
    theirs = Subscription(other_business.org_id, session_of(other_business))
    assert theirs.status == 200
    mine = Subscription(business.org_id, session_of(business))
    call = new_call(owner_db, business.org_id)
    real = mine.wait_for(lambda e: e.get("id") == call)[-1][0]
    mine.close()
    boot, seq = real.split("-")
    date = "Mon, 07 Dec 2026 10:00:00 GMT"
    cases = [
        ([f"If-Modified-Since: {date}", "If-None-Match: -1"], None, None),
        ([f"If-Modified-Since: {date}", 'If-None-Match: "x"'], "1:0", None),
        ([], "1:0", None),
        ([], "0-0", None),
        ([], f"{boot}-{int(seq) + 1000}", None),          # from the future
        ([], f"{int(boot) - 1}-{seq}", None),             # an earlier boot
        ([], "99999999999999999999999-1", None),
        ([], "-1", None),
        ([], "garbage\x01\x7f", None),
        ([], "x" * 6000, None),
        ([], "", f"/live/{business.org_id}?last_event_id=1:0"),
        ([], None, f"/live/{business.org_id}?last_event_id={boot}-{int(seq) + 5}"),
        ([], None, f"/live/{business.org_id}?last_event_id=" + "9" * 3000),
    ]
    for extra, last, path in cases:
        sub = Subscription(business.org_id, session_of(business), last_event_id=last,
                           path=path, extra=extra)
        try:
            assert sub.status == 200, (extra, last, path)
            named, got = resync_or_events(sub, 0.3)
            assert got == []
            # A fresh stream starts at the newest; any id it cannot resume from, a resync.
            assert named == ([] if last is None and path is None else ["resync"]), \
                (extra, last, path, named)
        finally:
            sub.close()
    # The stack kept serving the other business's stream all along, and serves new ones.
    call = new_call(owner_db, other_business.org_id)
    theirs.wait_for(lambda e: e.get("id") == call)
    theirs.close()
    again = Subscription(business.org_id, session_of(business), last_event_id=real)
    try:
        call = new_call(owner_db, business.org_id)
        again.wait_for(lambda e: e.get("id") == call)
    finally:
        again.close()


def test_a_browser_cannot_name_the_business_itself(business, other_business, owner_db):
    """X-Live-Org is nginx's to set: a browser's own is never passed on."""
    sub = Subscription(business.org_id, session_of(business),
                       extra=[f"X-Live-Org: {other_business.org_id}"])
    try:
        assert sub.status == 200
        theirs = new_call(owner_db, other_business.org_id)
        ours = new_call(owner_db, business.org_id)
        seen = sub.wait_for(lambda e: e.get("id") == ours)
        assert theirs not in json.dumps(seen)
    finally:
        sub.close()


def test_the_live_socket_refuses_what_did_not_come_through_nginx(business):
    org = business.org_id
    sock = os.path.join(STATE, "run", "live.sock")
    # Only the stack's user and its group (nginx's) may connect at all.
    assert oct(os.stat(sock).st_mode & 0o777) == "0o660"
    cases = [
        (f"GET /live/{org} HTTP/1.1\r\nHost: live", 403),                          # no business
        (f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org.upper()}", 403),
        (f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: "
         "00000000-0000-4000-8000-000000000000", 403),                              # another
        (f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}x", 403),
        (f"GET /live/nothing HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}", 404),
        (f"POST /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}\r\n"
         "Content-Length: 0", 405),
    ]
    for head, want in cases:
        s, status, _ = live_process.request(STATE, head)
        s.close()
        assert status == want, (head, status)
    # Headers larger than nginx ever sends are refused or cut, and the socket still serves.
    for head in [f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}\r\n"
                 "X-Junk: " + "a" * 20000,
                 "GET /" + "a" * 20000 + " HTTP/1.1\r\nHost: live",
                 "\x00\xff garbage"]:
        try:
            s, status, _ = live_process.request(STATE, head)
            s.close()
            assert status is None or 400 <= status < 500, status
        except (ConnectionError, socket.timeout):
            pass
    s, status, _ = live_process.request(
        STATE, f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}")
    s.close()
    assert status == 200
    assert "a live stream was asked for without nginx's check" in open(
        os.path.join(STATE, "log", "live.log")).read()


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])


def test_a_reader_that_stops_reading_is_cut_and_costs_no_memory(business, owner_db):
    org = business.org_id
    pid = live_process.pid(STATE)
    # A reader that never reads, with the smallest receive buffer it can have.
    slow, status, _ = live_process.request(
        STATE, f"GET /live/{org} HTTP/1.1\r\nHost: live\r\nX-Live-Org: {org}")
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    assert status == 200
    # And one through nginx that keeps up.
    fast = Subscription(org, session_of(business))
    before = rss_kib(pid)
    padding = "p" * 900
    with psycopg2.connect(DSN_OWNER) as db:
        for batch in range(40):
            with db.cursor() as cur:
                cur.execute("""SELECT pg_notify('org_events', %s || ' ' || json_build_object(
                                   'kind', 'change', 'n', n, 'pad', %s)::text)
                               FROM generate_series(%s, %s) AS n""",
                            (org, padding, batch * 100, batch * 100 + 99))
            db.commit()
            fast.events(0.05)
    db.close()
    after = rss_kib(pid)
    # 4,000 events of 1 KB (4 MB) went by: the buffer keeps 200 of them, nothing per reader.
    assert after - before < 2048, (before, after)
    # The slow reader was cut: what it is sent ends, and well before all 4 MB.
    slow.settimeout(10)
    total = 0
    while True:
        chunk = slow.recv(65536)
        if not chunk:
            break
        total += len(chunk)
    slow.close()
    assert total < 2 * 1024 * 1024, total
    assert "its reader fell a whole buffer behind" in open(
        os.path.join(STATE, "log", "live.log")).read()
    # The reader that kept up is still streaming.
    call = new_call(owner_db, org)
    fast.wait_for(lambda e: e.get("id") == call)
    fast.close()
