"""test_http: the FastCGI front as a client sees it through nginx: routing, limits, errors,
request ids, health checks, and responders that survive crashes and database restarts."""
import http.client
import os
import signal
import subprocess
import time

import requests

from conftest import BASE_URL, STATE, Client, url, sql


def fcgi_children():
    """Pids of the live responders (children of the switchboard-fcgi parent)."""
    parent = int(open(os.path.join(STATE, "run", "fcgi.pid")).read())
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    return parent, sorted(int(p) for p in out.split())


def fcgi_log():
    return open(os.path.join(STATE, "log", "fcgi.log")).read()


def test_healthz_answers():
    r = requests.get(url("/healthz"))
    assert r.status_code == 200
    assert r.text == "ok\n"


def test_readyz_checks_the_database():
    r = requests.get(url("/readyz"))
    assert r.status_code == 200
    assert r.text == "ready\n"


def test_readyz_is_503_when_a_migration_is_missing(owner_db):
    newest = sql(owner_db, "SELECT max(version) FROM schema_migrations")[0][0]
    sql(owner_db, "DELETE FROM schema_migrations WHERE version = %s", newest)
    try:
        r = requests.get(url("/readyz"))
        assert r.status_code == 503
        assert "migrations" in r.text
    finally:
        sql(owner_db, "INSERT INTO schema_migrations (version) VALUES (%s)", newest)
    assert requests.get(url("/readyz")).status_code == 200


def test_unknown_path_is_404_with_a_readable_page():
    r = requests.get(url("/no/such/page"))
    assert r.status_code == 404
    assert "text/html" in r.headers["Content-Type"]
    assert "there is no page at this address" in r.text


def test_unknown_path_is_json_for_json_clients():
    r = requests.get(url("/api/nothing"), headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json() == {"error": "there is no page at this address", "status": 404}


def test_wrong_method_is_405_with_allow():
    r = requests.delete(url("/login"))
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST"
    r = requests.post(url("/healthz"))
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET"


def test_head_is_answered_like_get_without_a_body():
    r = requests.head(url("/healthz"))
    assert r.status_code == 200
    assert r.content == b""


def test_oversized_body_is_413():
    r = requests.post(url("/login"), data={"email": "x" * (2 << 20)})
    assert r.status_code == 413
    assert "larger than" in r.text


def test_malformed_form_is_400():
    r = requests.post(url("/login"), data="email=%zz&password=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert "malformed" in r.text


def test_form_route_refuses_other_media_types_with_415():
    r = requests.post(url("/login"), data='{"email": "a"}',
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 415
    assert r.json()["error"] == "send the form as application/x-www-form-urlencoded"


def test_malformed_query_string_is_400():
    # Sent raw: an HTTP library would re-escape the broken escape.
    host, port = BASE_URL.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/login?next=%zz")
    r = conn.getresponse()
    assert r.status == 400
    assert b"query string is malformed" in r.read()


def test_non_uuid_ids_are_404_not_500():
    for path in ["/calls/1", "/calls/'%20OR%201=1", "/leads/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"]:
        assert requests.get(url(path), allow_redirects=False).status_code == 404


def test_request_id_is_in_the_header_and_on_the_log_line():
    r = requests.get(url("/no/such/thing"))
    rid = r.headers["X-Request-Id"]
    assert len(rid) == 32
    time.sleep(0.1)
    assert any(rid in line and "status=404" in line for line in fcgi_log().splitlines())


def test_every_answer_has_a_distinct_request_id():
    ids = {requests.get(url("/healthz")).headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20


def test_static_files_are_served_by_nginx():
    r = requests.get(url("/static/app.css"))
    assert r.status_code == 200
    assert "text/css" in r.headers["Content-Type"]
    assert "X-Request-Id" not in r.headers


def test_security_headers():
    r = requests.get(url("/login"))
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    policy = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
    # An error page carries the policy too.
    assert "Content-Security-Policy" in requests.get(url("/no-such-page")).headers


def test_hostile_requests_never_crash_a_responder():
    parent, before = fcgi_children()
    hostile = [
        ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, b"\x00\xff%00=%%%"),
        ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"}, b"&" * 100000),
        ("POST", "/login", {"Content-Type": "application/x-www-form-urlencoded"},
         b"email=" + b"%41" * 200000),
        ("GET", "/login?" + "a=1&" * 5000, {}, b""),
        ("GET", "/" + "x/" * 2000, {}, b""),
        ("POST", "/signup", {"Content-Type": "application/x-www-form-urlencoded"},
         b"business=%F0%28%8C%BC&email=\xc3\x28@x.y&password=" + b"p" * 300),
        ("GET", "/", {"Cookie": "sb_session=" + "a" * 5000}, b""),
        ("GET", "/", {"Cookie": "sb_session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}, b""),
    ]
    for method, path, headers, body in hostile:
        r = requests.request(method, url(path), headers=headers, data=body, allow_redirects=False)
        assert r.status_code < 500, (path[:40], r.status_code)
    parent_after, after = fcgi_children()
    assert parent_after == parent
    assert after == before


def test_large_bodies_always_get_their_whole_answer():
    # A body read only in part must not make the connection reset before the answer is sent.
    guest = Client()
    body = f"csrf={guest.form_token()}&email=" + "a" * 900000
    for _ in range(30):
        r = guest.post("/login", data=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 422
        assert "</html>" in r.text


def test_a_crashed_responder_is_replaced():
    parent, before = fcgi_children()
    victim = before[0]
    os.kill(victim, signal.SIGSEGV)
    deadline = time.time() + 10
    while time.time() < deadline:
        _, now = fcgi_children()
        if victim not in now and len(now) == len(before):
            break
        time.sleep(0.1)
    _, now = fcgi_children()
    assert victim not in now
    assert len(now) == len(before)
    for _ in range(20):
        assert requests.get(url("/readyz")).status_code == 200
    assert "died from signal 11" in fcgi_log()


def test_responders_survive_a_database_restart():
    parent, before = fcgi_children()
    pg_bin = os.environ["SB_PG_BIN"]
    data = os.path.join(STATE, "pg", "data")
    cmd = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    subprocess.run(cmd + [f"{pg_bin}/pg_ctl", "-D", data, "-m", "fast", "-w", "restart",
                          "-l", os.path.join(STATE, "log", "postgresql.log"),
                          "-o", f"-c listen_addresses='' -k {os.path.join(STATE, 'pg', 'sock')} "
                          "-c fsync=off -c max_connections=200 -c jit=off"],
                   check=True, capture_output=True)
    # Every responder reconnects on its next request; none of them dies.
    for _ in range(40):
        assert requests.get(url("/readyz")).status_code == 200
    assert fcgi_children() == (parent, before)
