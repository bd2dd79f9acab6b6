"""test_recordings: a call's recording from the provider's word to the owner's player.

Twilio's recording status callback (signed, in any order, repeated) moves a call's recording
through processing to completed or failed, and the call page shows each; the recording route
fetches the audio from the Twilio fake with the account's credentials and passes it on, to play
or to download, without the provider's address ever reaching the browser. The recording.check
job settles a recording reported by address only (as Vapi reports one) against a small
recording host in this file, which also shows that no credentials ever go anywhere but Twilio.
"""
import json
import os
import sys
import time
import uuid

import pytest
import requests

from conftest import BASE_URL, Client, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.media_store import WAV, MediaStore  # noqa: E402
from tests.fakes.twilio_fake import recording_mp3  # noqa: E402
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
TWILIO = os.environ.get("SB_TWILIO_FAKE_URL", "")
ACCOUNT = os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
HOOK = "/hooks/twilio/recording"
SETTLED = ("done", "failed", "dead")


@pytest.fixture(scope="module")
def host():
    """The recording host, running for this module: (base URL, the store)."""
    store = MediaStore()
    yield store.url, store
    store.stop()


def twilio_recording(call_sid):
    """A recording the Twilio fake keeps for call_sid: (RecordingSid, RecordingUrl)."""
    r = requests.post(TWILIO + "/_fake/recordings", json={"call_sid": call_sid}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["sid"], r.json()["url"]


def twilio_requests(path_part):
    r = requests.get(TWILIO + "/_fake/requests", timeout=10)
    return [q for q in r.json() if path_part in q["path"]]


def add_call(db, org_id, **fields):
    """A call of org_id as the call hooks leave it; returns (id, provider call id)."""
    row = {"provider": "twilio", "provider_call_id": "CA" + uuid.uuid4().hex,
           "from_number": "+15555550123", "to_number": "+15555550100",
           "status": "completed", "direction": "inbound", "recording_status": "pending",
           "started_at": "2025-03-04 19:05:00Z"}
    row.update(fields)
    names = ", ".join(["org_id"] + list(row))
    marks = ", ".join(["%s"] * (len(row) + 1))
    call = sql(db, f"INSERT INTO calls ({names}) VALUES ({marks}) RETURNING id",
               org_id, *row.values())[0][0]
    return str(call), row["provider_call_id"]


def recording_of(db, call):
    return sql(db, "SELECT recording_status, recording_url FROM calls WHERE id = %s", call)[0]


def callback(call_sid, recording_sid, status, url=None, signature=None, **extra):
    """POST the recording status callback as Twilio does, signed over the public URL."""
    params = {"AccountSid": ACCOUNT, "CallSid": call_sid, "RecordingSid": recording_sid,
              "RecordingStatus": status, "RecordingChannels": "1",
              "RecordingSource": "OutboundAPI", "RecordingStartTime":
              "Tue, 04 Mar 2025 19:05:01 +0000", "ErrorCode": "0"}
    if url is not None:
        params["RecordingUrl"] = url
    if status == "completed":
        params["RecordingDuration"] = "142"
    params.update(extra)
    params = {k: v for k, v in params.items() if v is not None}
    target = BASE_URL + HOOK
    headers = {}
    if signature is None:
        signature = twilio_sign(TOKEN, target, params)
    if signature is not False:
        headers["X-Twilio-Signature"] = signature
    return requests.post(target, data=params, headers=headers, timeout=30,
                         allow_redirects=False)


def recording_card(page):
    """The Recording card of a call's page."""
    start = page.index("<h2>Recording</h2>")
    return page[start:page.index("<h2>Transcript</h2>", start)]


def events_of(db, key_part):
    return sql(db, "SELECT event_key FROM webhook_events WHERE provider = 'twilio' "
                   "AND event_key LIKE %s", "%" + key_part + "%")


# ---------- Twilio's recording status callback ----------

def test_a_recording_goes_from_processing_to_the_player(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid, rurl = twilio_recording(call_sid)

    page = business.get(f"/calls/{call}").text
    assert "Waiting for the provider" in recording_card(page)

    assert callback(call_sid, rsid, "in-progress", rurl).status_code == 204
    assert recording_of(owner_db, call)[0] == "processing"
    card = recording_card(business.get(f"/calls/{call}").text)
    assert "Processing" in card and "<audio" not in card

    assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    assert recording_of(owner_db, call) == ("completed", rurl)
    page = business.get(f"/calls/{call}").text
    card = recording_card(page)
    assert "Ready" in card
    assert f'<audio controls preload="none" src="/calls/{call}/recording">' in card
    assert f'href="/calls/{call}/recording?download=1"' in card and ">Download</a>" in card
    # Only Switchboard's own address reaches the browser.
    assert TWILIO not in page and rsid not in page and "twilio.com" not in page

    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.content == recording_mp3()
    assert r.headers["Content-Disposition"].startswith("inline")
    assert TWILIO not in str(r.headers) and rsid not in str(r.headers)
    # Fetched as MP3, with the account's credentials (the fake refuses any other request).
    assert any(q["path"].endswith(rsid + ".mp3") for q in twilio_requests(rsid))


def test_the_download_is_a_named_file(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id, from_number="+15555550123")
    rsid, rurl = twilio_recording(call_sid)
    assert callback(call_sid, rsid, "completed", rurl).status_code == 204

    r = business.get(f"/calls/{call}/recording?download=1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.content == recording_mp3()
    # The business is in New York: 19:05 UTC is 2:05 PM there.
    assert r.headers["Content-Disposition"] == \
        'attachment; filename="call-2025-03-04-1405-15555550123.mp3"'
    assert business.get(f"/calls/{call}/recording?download=yes").status_code == 400


def test_an_outbound_call_is_named_by_the_number_called(business, owner_db, host):
    base, _ = host
    call, _ = add_call(owner_db, business.org_id, direction="outbound", provider="vapi",
                       from_number="+15555550100", to_number="+15555550177",
                       recording_status="completed", recording_url=base + "/good/a.wav")
    r = business.get(f"/calls/{call}/recording?download=1")
    assert r.status_code == 200 and r.content == WAV
    assert r.headers["Content-Type"] == "audio/wav"
    assert r.headers["Content-Disposition"] == \
        'attachment; filename="call-2025-03-04-1405-15555550177.wav"'


@pytest.mark.parametrize("status", ["absent", "failed"])
def test_no_recording_is_shown_failed(business, owner_db, status):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid = "RE" + uuid.uuid4().hex
    assert callback(call_sid, rsid, "in-progress").status_code == 204
    assert callback(call_sid, rsid, status).status_code == 204
    assert recording_of(owner_db, call) == ("failed", None)
    card = recording_card(business.get(f"/calls/{call}").text)
    assert 'badge-failed">Failed' in card and "<audio" not in card
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 404 and "no recording" in r.text


def test_callbacks_out_of_order_never_go_back(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid, rurl = twilio_recording(call_sid)
    assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    assert callback(call_sid, rsid, "in-progress", rurl).status_code == 204
    assert recording_of(owner_db, call) == ("completed", rurl)
    # A second recording of the call that came to nothing leaves the first one playable.
    other = "RE" + uuid.uuid4().hex
    assert callback(call_sid, other, "absent").status_code == 204
    assert callback(call_sid, other, "completed",
                    rurl.replace(rsid, other)).status_code == 204
    assert recording_of(owner_db, call) == ("completed", rurl)
    assert business.get(f"/calls/{call}/recording").content == recording_mp3()


def test_a_recording_that_failed_first_can_still_complete(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id)
    first = "RE" + uuid.uuid4().hex
    rsid, rurl = twilio_recording(call_sid)
    assert callback(call_sid, first, "absent").status_code == 204
    assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    assert recording_of(owner_db, call) == ("completed", rurl)


def test_a_repeated_callback_is_taken_once(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid, rurl = twilio_recording(call_sid)
    for _ in range(3):
        assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    assert events_of(owner_db, rsid) == [(f"recording:{rsid}:completed",)]
    assert recording_of(owner_db, call) == ("completed", rurl)


def test_a_recording_of_an_unknown_call_is_acknowledged_and_not_stored(owner_db):
    rsid = "RE" + uuid.uuid4().hex
    r = callback("CA" + uuid.uuid4().hex, rsid, "completed",
                 f"{TWILIO}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rsid}")
    assert r.status_code == 204
    assert events_of(owner_db, rsid) == []


@pytest.mark.parametrize("signature", [False, "wrong", "token"])
def test_a_callback_not_signed_by_twilio_is_refused(business, owner_db, signature):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid = "RE" + uuid.uuid4().hex
    url = f"{TWILIO}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rsid}"
    if signature == "token":
        params = {"CallSid": call_sid, "RecordingSid": rsid, "RecordingStatus": "completed",
                  "RecordingUrl": url}
        signature = twilio_sign("not-the-token", BASE_URL + HOOK, params)
    r = callback(call_sid, rsid, "completed", url, signature=signature)
    assert r.status_code == 403
    assert recording_of(owner_db, call) == ("pending", None)
    assert events_of(owner_db, rsid) == []


@pytest.mark.parametrize("change", [
    {"CallSid": None}, {"CallSid": "CA123"}, {"RecordingSid": None},
    {"RecordingSid": "RE" + "z" * 32}, {"RecordingStatus": None},
    {"RecordingStatus": "done"}, {"RecordingUrl": None}, {"RecordingUrl": "ftp://x/RE1"},
    {"RecordingUrl": "https://api.twilio.com/a b"},
    {"RecordingUrl": "https://api.twilio.com/" + "a" * 3000},
])
def test_bad_input_is_a_400_and_changes_nothing(business, owner_db, change):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid = "RE" + uuid.uuid4().hex
    params = {"CallSid": call_sid, "RecordingSid": rsid, "RecordingStatus": "completed",
              "RecordingUrl": f"{TWILIO}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{rsid}"}
    params.update(change)
    r = callback(params.pop("CallSid"), params.pop("RecordingSid"),
                 params.pop("RecordingStatus"), params.pop("RecordingUrl"))
    assert r.status_code == 400
    assert recording_of(owner_db, call) == ("pending", None)


# ---------- the recording route ----------

def test_another_business_cannot_have_the_recording(business, other_business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id)
    rsid, rurl = twilio_recording(call_sid)
    assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    for path in [f"/calls/{call}/recording", f"/calls/{call}/recording?download=1"]:
        r = other_business.get(path)
        assert r.status_code == 404
        assert r.content != recording_mp3() and TWILIO not in r.text
        r = Client().get(path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    assert business.get(f"/calls/{call}/recording").status_code == 200


def test_credentials_go_to_twilio_only(business, owner_db, host):
    base, server = host
    # A Twilio call whose recording is somewhere else: fetched, but without the account.
    call, _ = add_call(owner_db, business.org_id, recording_status="completed",
                       recording_url=base + "/good/elsewhere")
    before = len(server.authorizations)
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 200 and r.content == WAV
    assert server.authorizations[before:] == [None]
    # A Vapi call naming a recording at the Twilio host: Twilio refuses it without credentials.
    _, rurl = twilio_recording("CA" + uuid.uuid4().hex)
    call, _ = add_call(owner_db, business.org_id, provider="vapi",
                       provider_call_id=str(uuid.uuid4()), recording_status="completed",
                       recording_url=rurl)
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 502 and "phone provider" in r.text


# ---------- the recording.check job ----------

def check_job(db, org_id, call, max_attempts=5):
    """The recording.check job as the Vapi report queues it; returns its id."""
    return str(sql(db, "INSERT INTO jobs (org_id, kind, payload, dedupe_key, max_attempts) "
                       "VALUES (%s, 'recording.check', %s, %s, %s) RETURNING id",
                   org_id, json.dumps({"call_id": call}), f"recording:{call}",
                   max_attempts)[0][0])


def wait_job(db, job, until=lambda status, attempts: status in SETTLED, timeout=20):
    """Wait for the runner to take the job as far as until(); (status, attempts, last_error,
    whether it runs again later)."""
    end = time.monotonic() + timeout
    while True:
        row = sql(db, "SELECT status, attempts, last_error, run_at > now() FROM jobs "
                      "WHERE id = %s", job)[0]
        if until(row[0], row[1]):
            return row
        assert time.monotonic() < end, f"job {job} stayed {row!r}"
        time.sleep(0.1)


def vapi_call(db, org_id, url):
    """A Vapi call whose end-of-call report gave a recording address."""
    call, _ = add_call(db, org_id, provider="vapi", provider_call_id=str(uuid.uuid4()),
                       recording_status="processing", recording_url=url)
    return call


def test_the_check_completes_a_recording_that_is_audio(business, owner_db, host):
    base, server = host
    call = vapi_call(owner_db, business.org_id, base + "/good/" + uuid.uuid4().hex + "-mono.wav")
    before = len(server.authorizations)
    assert wait_job(owner_db, check_job(owner_db, business.org_id, call))[0] == "done"
    assert recording_of(owner_db, call)[0] == "completed"
    assert server.authorizations[before:] == [None]
    card = recording_card(business.get(f"/calls/{call}").text)
    assert "Ready" in card and f'src="/calls/{call}/recording"' in card and base not in card
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 200 and r.headers["Content-Type"] == "audio/wav"
    assert r.content == WAV


@pytest.mark.parametrize("where", ["/missing/", "/forbidden/", "/html/"])
def test_the_check_fails_a_recording_that_is_not_there(business, owner_db, host, where):
    base, _ = host
    call = vapi_call(owner_db, business.org_id, base + where + uuid.uuid4().hex + ".wav")
    assert wait_job(owner_db, check_job(owner_db, business.org_id, call))[0] == "done"
    assert recording_of(owner_db, call)[0] == "failed"
    card = recording_card(business.get(f"/calls/{call}").text)
    assert 'badge-failed">Failed' in card and "<audio" not in card


def test_the_check_retries_a_provider_error_then_gives_up(business, owner_db, host):
    base, _ = host
    call = vapi_call(owner_db, business.org_id, base + "/broken/" + uuid.uuid4().hex)
    status, attempts, error, later = wait_job(
        owner_db, check_job(owner_db, business.org_id, call),
        until=lambda status, attempts: attempts >= 1 and status == "queued")
    assert later and "HTTP 500" in error
    assert recording_of(owner_db, call)[0] == "processing"

    call = vapi_call(owner_db, business.org_id, base + "/broken/" + uuid.uuid4().hex)
    status, attempts, error, _ = wait_job(owner_db, check_job(owner_db, business.org_id, call,
                                                              max_attempts=1))
    assert status == "dead" and "HTTP 500" in error
    assert recording_of(owner_db, call)[0] == "failed"


def test_the_check_fetches_a_twilio_recording_with_the_account(business, owner_db):
    call, call_sid = add_call(owner_db, business.org_id, recording_status="processing")
    rsid, rurl = twilio_recording(call_sid)
    sql(owner_db, "UPDATE calls SET recording_url = %s WHERE id = %s", rurl, call)
    assert wait_job(owner_db, check_job(owner_db, business.org_id, call))[0] == "done"
    assert recording_of(owner_db, call)[0] == "completed"


def test_the_check_leaves_a_settled_recording_alone(business, owner_db, host):
    base, _ = host
    call, call_sid = add_call(owner_db, business.org_id)
    rsid, rurl = twilio_recording(call_sid)
    assert callback(call_sid, rsid, "completed", rurl).status_code == 204
    sql(owner_db, "UPDATE calls SET recording_url = %s WHERE id = %s",
        base + "/missing/" + uuid.uuid4().hex, call)
    assert wait_job(owner_db, check_job(owner_db, business.org_id, call))[0] == "done"
    assert recording_of(owner_db, call)[0] == "completed"


def test_a_check_without_a_call_fails(business, owner_db):
    job = str(sql(owner_db, "INSERT INTO jobs (org_id, kind, payload) "
                            "VALUES (%s, 'recording.check', '{\"call_id\": \"x\"}') RETURNING id",
                  business.org_id)[0][0])
    status, _, error, _ = wait_job(owner_db, job)
    assert status == "failed" and "call_id" in error


def test_another_business_cannot_check_a_recording(business, other_business, owner_db, host):
    base, _ = host
    call = vapi_call(owner_db, business.org_id, base + "/good/" + uuid.uuid4().hex)
    assert wait_job(owner_db, check_job(owner_db, other_business.org_id, call))[0] == "done"
    assert recording_of(owner_db, call)[0] == "processing"

