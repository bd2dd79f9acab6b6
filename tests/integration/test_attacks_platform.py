"""test_attacks_platform: what one stranger or one slow provider could do to every business.

Each test performs the attack against the running stack and shows it fails: recording plays
from a slow provider hold no responder (nginx streams them); unsigned and oversized Twilio
bodies are refused before a field is parsed; provider webhooks have responders of their own,
so a caller's turn answers while every page responder is held; and a recording address
pointing at loopback or a cloud metadata service is never fetched, by the job runner or the
dashboard.
"""
import http.client
import multiprocessing
import os
import socket
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from conftest import BASE_URL, STATE, sql
from test_hook_twilio_turn import Call, shop  # noqa: F401  (shop is a fixture)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.media_store import WAV, MediaStore  # noqa: E402
from tests.fakes.vapi_fake import VapiAuth, VapiCall, VapiDriver  # noqa: E402

TURN = "/hooks/twilio/turn"
VAPI_SECRET = "vapi-server-secret-" + uuid.uuid4().hex[:8]
HOST, PORT = urlsplit(BASE_URL).hostname, urlsplit(BASE_URL).port
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def store():
    """The media store the stack trusts (RECORDING_ORIGINS names its port), answering /slow/
    after three seconds."""
    s = MediaStore(slow_seconds=3.0)
    yield s
    s.stop()


@pytest.fixture
def elsewhere():
    """A store on another loopback port: what an attacker would point a recording at."""
    s = MediaStore(port=0)
    yield s
    s.stop()


def add_call(db, org_id, **fields):
    row = {"provider": "vapi", "provider_call_id": str(uuid.uuid4()),
           "from_number": "+15555550123", "to_number": "+15555550100",
           "status": "completed", "direction": "inbound", "recording_status": "completed",
           "started_at": "2025-03-04 19:05:00Z"}
    row.update(fields)
    names = ", ".join(["org_id"] + list(row))
    marks = ", ".join(["%s"] * (len(row) + 1))
    return str(sql(db, f"INSERT INTO calls ({names}) VALUES ({marks}) RETURNING id",
                   org_id, *row.values())[0][0])


def timed(fn, *args, **kwargs):
    start = time.monotonic()
    out = fn(*args, **kwargs)
    return out, time.monotonic() - start


def raw_post(path, body, headers, source="127.0.0.1"):
    """POST from a loopback source address of our choosing (nginx limits hooks per address)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30, source_address=(source, 0))
    try:
        conn.request("POST", path, body=body, headers=dict(headers,
                                                           **{"Content-Length": str(len(body))}))
        r = conn.getresponse()
        return r.status, r.read()
    except (ConnectionError, OSError):
        return 0, b""  # nginx may close on a refused body before it is all sent
    finally:
        conn.close()


# ---------- recording plays hold no responder ----------

def test_twenty_slow_recording_plays_leave_the_dashboard_answering(business, owner_db, store):
    calls = [add_call(owner_db, business.org_id,
                      recording_url=f"{store.url}/slow/{uuid.uuid4().hex}.wav")
             for _ in range(20)]
    with ThreadPoolExecutor(20) as pool:
        plays = [pool.submit(business.get, f"/calls/{c}/recording") for c in calls]
        deadline = time.monotonic() + 10
        while store.in_flight < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        # All twenty are waiting on the provider at once: four responders could not do that.
        assert store.in_flight == 20
        r, took = timed(business.get, "/calls")
        assert r.status_code == 200 and took < 1.0, took
        for play in plays:
            r = play.result()
            assert r.status_code == 200 and r.content == WAV
            assert r.headers["Content-Type"] == "audio/wav"
            assert store.url not in str(r.headers) and "X-Recording" not in str(r.headers)


def test_a_page_where_audio_should_be_is_never_served_as_a_page(business, owner_db, store):
    call = add_call(owner_db, business.org_id, recording_url=store.url + "/html/RE6")
    r = business.get(f"/calls/{call}/recording")
    assert r.headers["Content-Type"] == "audio/wav"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in r.headers


def test_the_browser_s_cookie_never_reaches_the_provider(business, owner_db, store):
    call = add_call(owner_db, business.org_id, recording_url=store.url + "/good/RE9.wav")
    before = len(store.paths)
    r = business.get(f"/calls/{call}/recording", headers={"Range": "bytes=0-99"})
    assert r.status_code in (200, 206)
    assert store.paths[before:] == ["/good/RE9.wav"]
    assert store.authorizations[before:] == [None]
    # The location nginx streams from is reachable through the responder only.
    r = requests.get(BASE_URL + "/_recording/", timeout=10)
    assert r.status_code in (404, 502) and r.content != WAV


# ---------- strangers' bodies on the Twilio hooks ----------

def test_an_unsigned_hook_body_is_refused_before_it_is_parsed():
    # A broken %-escape would be a 400 from the parser and a JSON body a 415: the 403 shows the
    # missing signature was seen first.
    assert raw_post(TURN, b"a=%zz&" * 1000, FORM)[0] == 403
    assert raw_post(TURN, b'{"a": 1}', {"Content-Type": "application/json"})[0] == 403
    assert raw_post(TURN, b"a&" * 30000, FORM)[0] == 403


def test_too_many_fields_are_refused_before_the_signature_is_checked():
    status, body = raw_post(TURN, b"&".join(b"f%d=1" % i for i in range(250)),
                            dict(FORM, **{"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"}))
    assert status == 413 and b"more than 200 fields" in body


def test_a_body_larger_than_twilio_sends_is_refused_unread():
    big = b"a=" + b"x" * (70 * 1024)
    assert raw_post(TURN, big, dict(FORM, **{"X-Twilio-Signature": "c2ln"}))[0] == 413
    assert raw_post(TURN, b"a=" + b"x" * (1 << 20), FORM)[0] in (0, 403, 413)


# ---------- provider webhooks have responders of their own ----------

def pool_size(socket_name):
    with open(os.path.join(STATE, "log", "fcgi.log")) as f:
        for line in reversed(f.read().splitlines()):
            if f"run/{socket_name} with " in line:
                return int(line.split(" with ")[1].split()[0])
    pytest.fail(f"no pool on {socket_name} in fcgi.log")


def hold_responders(count):
    """Connections to the page responders' socket that never finish a request: each holds one
    responder, as a request stuck on something slow would."""
    held = []
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX)
        s.connect(os.path.join(STATE, "run", "fcgi.sock"))
        s.sendall(b"\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        held.append(s)
    return held


def test_a_caller_is_answered_while_every_page_responder_is_held(shop):  # noqa: F811
    assert pool_size("fcgi-hooks.sock") >= 2
    held = hold_responders(pool_size("fcgi.sock") + 1)
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            requests.get(BASE_URL + "/readyz", timeout=1)
        call = Call(shop)
        doc, took = timed(call.start)
        assert doc.find("Gather") is not None and took < 1.0, took
        doc, took = timed(call.say, "How much is drain cleaning?")
        assert "149" in "".join(say.text or "" for say in doc.iter("Say")) and took < 1.0
    finally:
        for s in held:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if requests.get(BASE_URL + "/readyz", timeout=1).status_code == 200:
                break
        except requests.exceptions.RequestException:
            pass
    assert requests.get(BASE_URL + "/readyz", timeout=5).status_code == 200


def flood(stop, source, sent, refused):
    """Unsigned bodies to the turn hook, from one address, until stop is set, counting those
    sent and those the responders refused (403). Runs in a process of its own, so the flood's
    own work never slows the client that times the turns."""
    bodies = [b"SpeechResult=" + b"a&" * 30000, b"a=" + b"x" * (1 << 20)]
    i = 0
    while not stop.is_set():
        status = raw_post(TURN, bodies[i % 2], FORM, source=source)[0]
        with sent.get_lock():
            sent.value += 1
        if status == 403:
            with refused.get_lock():
                refused.value += 1
        i += 1


def test_a_gather_turn_answers_within_100ms_through_plays_and_a_flood(
        business, shop, owner_db, store):  # noqa: F811
    call = Call(shop)
    call.start()
    quiet = [timed(call.say, "How much is drain cleaning?")[1] for _ in range(3)]
    calls = [add_call(owner_db, business.org_id,
                      recording_url=f"{store.url}/slow/{uuid.uuid4().hex}.wav")
             for _ in range(20)]
    forked = multiprocessing.get_context("fork")
    stop, sent, refused = forked.Event(), forked.Value("i", 0), forked.Value("i", 0)
    floods = [forked.Process(target=flood, args=(stop, f"127.0.0.{n}", sent, refused),
                             daemon=True) for n in range(2, 6)]
    for p in floods:
        p.start()
    try:
        with ThreadPoolExecutor(20) as pool:
            plays = [pool.submit(business.get, f"/calls/{c}/recording") for c in calls]
            deadline = time.monotonic() + 10
            while store.in_flight < 20 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert store.in_flight == 20
            times = []
            for _ in range(7):
                doc, took = timed(call.say, "How much is drain cleaning?")
                assert "149" in "".join(say.text or "" for say in doc.iter("Say"))
                times.append(took)
            assert store.in_flight > 0, "the plays ended before the turns were measured"
            assert all(p.result().status_code == 200 for p in plays)
    finally:
        stop.set()
        for p in floods:
            p.join(timeout=30)
    # The flood reached the hook responders and was refused there, unparsed.
    assert refused.value >= 20, (refused.value, sent.value)
    assert statistics.median(times) < 0.1, (times, quiet)
    assert max(times) < 0.5, (times, quiet)


# ---------- recording addresses that are not the providers' ----------

@pytest.fixture
def vapi_shop(business, owner_db):
    """The business answering on Vapi, with a number and its server secret."""
    business.number = "+1555" + uuid.uuid4().int.__str__()[:7]
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)",
        business.org_id, business.number)
    sql(owner_db, "UPDATE organizations SET call_mode = 'vapi' WHERE id = %s", business.org_id)
    r = business.post_form("/settings/credentials", {"vapi_server_secret": VAPI_SECRET})
    assert r.status_code == 303, r.text[:300]
    return business


def report_recording(shop_, url):
    """An end-of-call report naming url as the recording; the call's row id."""
    d = VapiDriver(BASE_URL + "/hooks/vapi", VapiAuth("secret", VAPI_SECRET))
    call = VapiCall(shop_.number, "+15551230002")
    assert d.send(call.assistant_request()).status == 200
    call.transcript("user", "Hello?")
    assert d.send(call.end_of_call_report(recording_url=url)).status == 200
    return call.id


def settled(db, provider_call_id, timeout=20):
    """The call's recording status once its recording.check job is done with it."""
    end = time.monotonic() + timeout
    while True:
        (call, status), = sql(db, "SELECT id, recording_status FROM calls "
                                  "WHERE provider_call_id = %s", provider_call_id)
        jobs = sql(db, "SELECT status FROM jobs WHERE dedupe_key = %s", f"recording:{call}")
        if jobs and jobs[0][0] in ("done", "failed", "dead"):
            return str(call), status
        assert time.monotonic() < end, (status, jobs)
        time.sleep(0.1)


def test_a_report_naming_loopback_is_never_fetched(vapi_shop, owner_db, store, elsewhere):
    for url in [f"{elsewhere.url}/good/a.wav",
                f"{store.url}@{elsewhere.url[len('http://'):]}/good/b.wav",
                f"{store.url}\\@{elsewhere.url[len('http://'):]}/good/c.wav",
                f"http://localhost:{elsewhere.url.rsplit(':', 1)[1]}/good/d.wav"]:
        call, status = settled(owner_db, report_recording(vapi_shop, url))
        assert status == "failed", url
        # Marked completed by hand, the player refuses it too.
        sql(owner_db, "UPDATE calls SET recording_status = 'completed', recording_url = %s "
                      "WHERE id = %s", url, call)
        r = vapi_shop.get(f"/calls/{call}/recording")
        assert r.status_code == 502 and "phone provider" in r.text
    assert elsewhere.paths == []


def test_a_report_naming_the_metadata_service_is_never_fetched(vapi_shop, owner_db):
    for url in ["http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://[fd00:ec2::254]/latest/meta-data/", "http://metadata.google.internal/"]:
        call, status = settled(owner_db, report_recording(vapi_shop, url))
        assert status == "failed"
        (error,) = sql(owner_db, "SELECT coalesce(last_error, '') FROM jobs "
                                 "WHERE dedupe_key = %s", f"recording:{call}")[0]
        assert "169.254" not in error
        sql(owner_db, "UPDATE calls SET recording_status = 'completed' WHERE id = %s", call)
        r, took = timed(vapi_shop.get, f"/calls/{call}/recording")
        assert r.status_code == 502 and took < 1.0


def test_twilio_credentials_never_leave_for_another_host(business, owner_db, elsewhere):
    account = os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    path = f"/2010-04-01/Accounts/{account}/Recordings/RE{uuid.uuid4().hex}"
    call = add_call(owner_db, business.org_id, provider="twilio",
                    provider_call_id="CA" + uuid.uuid4().hex, recording_url=elsewhere.url + path)
    assert business.get(f"/calls/{call}/recording").status_code == 502
    assert elsewhere.authorizations == []
