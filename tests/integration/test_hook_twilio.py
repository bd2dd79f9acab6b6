"""test_hook_twilio: Twilio's voice and status webhooks, signed as Twilio signs them: the TwiML a
caller's call gets in stream and gather mode, the call rows it leaves, and every refusal."""
import hashlib
import hmac
import os
import random
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import BASE_URL, STATE, sql, stack_secret

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
VOICE = "/hooks/twilio/voice"
STATUS = "/hooks/twilio/status"


def media_token_check(token, now=None):
    """The voice worker's check of a stream token, re-done here: (call_id, org_id) or None."""
    parts = token.split(".")
    if len(parts) != 4:
        return None
    call_id, org_id, expires, mac = parts
    body = f"{call_id}.{org_id}.{expires}"
    want = hmac.new(stack_secret("MEDIA_TOKEN_SECRET").encode(),
                    ("switchboard-media-v2\nstream\n" + body).encode(),
                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, mac) or int(expires) <= (now or time.time()):
        return None
    return call_id, org_id


def call_sid():
    return "CA" + uuid.uuid4().hex


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def post(path, params, token=None, signature=None, sign_url=None, headers=None):
    """POST a form to path as Twilio would: signed over the public URL unless told otherwise."""
    target = BASE_URL + path
    h = dict(headers or {})
    if signature is None:
        signature = twilio_sign(token or TOKEN, sign_url or target, params)
    if signature is not False:
        h["X-Twilio-Signature"] = signature
    return requests.post(target, data=params, headers=h, timeout=30, allow_redirects=False)


def twiml(r):
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert r.headers["Content-Type"].startswith("text/xml")
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response>')
    return ET.fromstring(r.content)


def voice_params(to, sid=None, status="ringing", **extra):
    p = {"CallSid": sid or call_sid(), "AccountSid": "AC" + uuid.uuid4().hex, "From": "+15551230001",
         "To": to, "CallStatus": status, "ApiVersion": "2010-04-01", "Direction": "inbound"}
    p.update(extra)
    return p


def calls_of(db, sid):
    return sql(db, "SELECT id, org_id, provider, direction, from_number, to_number, status, "
                   "answered_at, ended_at, duration_seconds, phone_number_id "
                   "FROM calls WHERE provider_call_id = %s", sid)


def events_of(db, sid):
    return sql(db, "SELECT event_key, org_id FROM webhook_events "
                   "WHERE provider = 'twilio' AND event_key LIKE %s", f"%:{sid}%")


@pytest.fixture
def number(business, owner_db):
    """The business's Twilio number: (e164, phone_numbers.id)."""
    e164 = phone()
    row = sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now()) RETURNING id",
              business.org_id, e164)
    return e164, str(row[0][0])


def set_mode(db, org_id, mode, greeting=None):
    sql(db, "UPDATE organizations SET call_mode = %s, greeting = coalesce(%s, greeting) "
            "WHERE id = %s", mode, greeting, org_id)


def test_the_token_is_configured():
    assert TOKEN, "scripts/test exports SB_TWILIO_AUTH_TOKEN"


def test_stream_mode_connects_the_call_to_the_voice_worker(business, number, owner_db):
    set_mode(owner_db, business.org_id, "stream")
    params = voice_params(number[0])
    doc = twiml(post(VOICE, params))

    assert [child.tag for child in doc] == ["Connect", "Redirect"]
    stream = doc.find("Connect/Stream")
    assert stream.get("url") == "ws" + BASE_URL[len("http"):] + "/media/"
    given = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert set(given) == {"token", "call_id"}
    redirect = doc.find("Redirect")
    assert redirect.get("method") == "POST" and redirect.text == BASE_URL + VOICE

    rows = calls_of(owner_db, params["CallSid"])
    assert len(rows) == 1
    call_id, org_id, provider, direction, frm, to, status, answered, ended, _, number_id = rows[0]
    assert str(call_id) == given["call_id"] and str(org_id) == business.org_id
    assert (provider, direction, frm, to, status) == ("twilio", "inbound", "+15551230001",
                                                      number[0], "in-progress")
    assert answered is not None and ended is None and str(number_id) == number[1]
    # The worker accepts the token for this call of this business, and only while it is fresh.
    assert media_token_check(given["token"]) == (given["call_id"], business.org_id)
    assert media_token_check(given["token"], now=time.time() + 5 * 86400) is None
    forged = given["token"][:-1] + ("0" if given["token"][-1] != "0" else "1")
    assert media_token_check(forged) is None


def test_gather_mode_greets_and_listens(business, number, owner_db):
    greeting = "Hi & welcome to <Bob's> \"Plumbing\""
    set_mode(owner_db, business.org_id, "gather", greeting)
    params = voice_params(number[0])
    r = post(VOICE, params)
    doc = twiml(r)

    gather = doc.find("Gather")
    assert gather is not None and doc.find("Connect") is None
    assert gather.get("input") == "speech"
    assert gather.get("action") == BASE_URL + "/hooks/twilio/turn"
    assert gather.get("method") == "POST"
    assert gather.find("Say").text == greeting
    assert "&amp; welcome to &lt;Bob" in r.text
    (call_id, *_), = calls_of(owner_db, params["CallSid"])
    # What the caller heard is the first line of the call's transcript.
    turns = sql(owner_db, "SELECT speaker, text FROM call_turns WHERE call_id = %s ORDER BY seq",
                call_id)
    assert turns == [("assistant", greeting)]


def test_an_unknown_number_is_told_it_is_not_in_service(owner_db):
    params = voice_params(phone())
    doc = twiml(post(VOICE, params))

    assert [child.tag for child in doc] == ["Say", "Hangup"]
    assert "not in service" in doc.find("Say").text
    assert calls_of(owner_db, params["CallSid"]) == []
    events = events_of(owner_db, params["CallSid"])
    assert len(events) == 1 and events[0][1] is None
    log = open(os.path.join(STATE, "log", "fcgi.log")).read()
    assert f"call to a number no business has: number={params['To']}" in log


def test_a_number_typed_in_by_hand_routes_nothing(business, owner_db):
    typed = phone()
    assert business.post_form("/settings/phones", {"e164": typed}).status_code == 303
    assert sql(owner_db, "SELECT verified_at FROM phone_numbers WHERE e164 = %s", typed) == [(None,)]
    for mode in ("stream", "gather"):
        set_mode(owner_db, business.org_id, mode)
        params = voice_params(typed)
        doc = twiml(post(VOICE, params))
        assert [child.tag for child in doc] == ["Say", "Hangup"]
        assert "not in service" in doc.find("Say").text
        assert calls_of(owner_db, params["CallSid"]) == []
        assert events_of(owner_db, params["CallSid"])[0][1] is None
    # Its status callbacks are nobody's either.
    params = voice_params(typed, status="completed", CallDuration="5")
    assert post(STATUS, params).status_code == 204
    assert calls_of(owner_db, params["CallSid"]) == []


def test_another_business_adding_a_verified_number_gets_nothing(business, number,
                                                                 other_business, owner_db):
    r = other_business.post_form("/settings/phones", {"e164": number[0]})
    assert r.status_code == 422
    assert sql(owner_db, "SELECT org_id::text, verified_at IS NOT NULL FROM phone_numbers "
                         "WHERE e164 = %s", number[0]) == [(business.org_id, True)]
    params = voice_params(number[0])
    twiml(post(VOICE, params))
    assert [str(row[1]) for row in calls_of(owner_db, params["CallSid"])] == [business.org_id]


@pytest.mark.parametrize("how", ["missing", "garbage", "other token", "other url", "changed form"])
def test_a_request_not_signed_by_twilio_is_refused_and_stores_nothing(how, business, number,
                                                                       owner_db):
    params = voice_params(number[0])
    if how == "missing":
        r = post(VOICE, params, signature=False)
    elif how == "garbage":
        r = post(VOICE, params, signature="not-a-signature")
    elif how == "other token":
        r = post(VOICE, params, token="0" * 32)
    elif how == "other url":
        r = post(VOICE, params, sign_url=BASE_URL + STATUS)
    else:
        r = post(VOICE, params, signature=twilio_sign(TOKEN, BASE_URL + VOICE,
                                                      dict(params, From="+15559999999")))
    assert r.status_code == 403
    assert calls_of(owner_db, params["CallSid"]) == []
    assert events_of(owner_db, params["CallSid"]) == []


def test_the_status_callback_is_signed_too(business, number, owner_db):
    params = voice_params(number[0], status="completed", CallDuration="5")
    assert post(STATUS, params, signature=False).status_code == 403
    assert post(STATUS, params, token="wrong").status_code == 403
    assert calls_of(owner_db, params["CallSid"]) == []


@pytest.mark.parametrize("mode", ["stream", "gather"])
def test_a_retried_delivery_gets_the_identical_answer_and_one_call(mode, business, number,
                                                                   owner_db):
    set_mode(owner_db, business.org_id, mode)
    params = voice_params(number[0])
    first = post(VOICE, params)
    again = post(VOICE, params)

    twiml(first)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert len(calls_of(owner_db, params["CallSid"])) == 1
    assert len(events_of(owner_db, params["CallSid"])) == 1
    if mode == "gather":
        (call_id, *_), = calls_of(owner_db, params["CallSid"])
        assert len(sql(owner_db, "SELECT 1 FROM call_turns WHERE call_id = %s", call_id)) == 1


@pytest.mark.parametrize("mode", ["stream", "gather"])
def test_retries_arriving_together_get_one_answer_and_one_call(mode, business, number,
                                                               owner_db):
    """Deliveries of one request at once: the later ones wait for the first's commit and
    replay its answer, so one call, one greeting, one event and identical TwiML."""
    set_mode(owner_db, business.org_id, mode)
    params = voice_params(number[0])
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: post(VOICE, params), range(4)))

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    twiml(answers[0])
    (call_id, *_), = calls_of(owner_db, params["CallSid"])
    assert len(events_of(owner_db, params["CallSid"])) == 1
    turns = sql(owner_db, "SELECT count(*) FROM call_turns WHERE call_id = %s", call_id)
    assert turns == [(1 if mode == "gather" else 0,)]


def test_a_new_call_s_greeting_starts_the_session_its_turns_read(business, number, owner_db):
    """A new call's greeting is stored with nothing read first: the session it starts is the
    one the next turn reads (the caller's number, the question to ask again, what was said).
    Twilio coming back for the same call greets it again in the same session."""
    greeting = "Thanks for calling Quill Plumbing. How can I help you today?"
    set_mode(owner_db, business.org_id, "gather", greeting)
    sid = call_sid()
    doc = twiml(post(VOICE, voice_params(number[0], sid=sid, From="+15557654321")))
    assert doc.find("Gather/Say").text == greeting
    (call_id, *_), = calls_of(owner_db, sid)
    state, = sql(owner_db, "SELECT state FROM call_sessions WHERE call_id = %s", call_id)[0]
    assert state == {"phone": "+15557654321", "prompt": "How can I help you today?",
                     "history": [{"speaker": "assistant", "text": greeting}]}

    doc = twiml(post(VOICE, voice_params(number[0], sid=sid, status="in-progress",
                                         From="+15557654321")))
    assert doc.find("Gather/Say").text == greeting
    state, = sql(owner_db, "SELECT state FROM call_sessions WHERE call_id = %s", call_id)[0]
    assert [h["text"] for h in state["history"]] == [greeting, greeting]
    turns = sql(owner_db, "SELECT seq, speaker FROM call_turns WHERE call_id = %s ORDER BY seq",
                call_id)
    assert turns == [(0, "assistant"), (1, "assistant")]


def test_a_reconnect_of_the_stream_resumes_the_same_call(business, number, owner_db):
    set_mode(owner_db, business.org_id, "stream")
    sid = call_sid()
    first = twiml(post(VOICE, voice_params(number[0], sid=sid)))
    # The stream ended; the TwiML after </Connect> brings Twilio back with the call in progress.
    again = twiml(post(VOICE, voice_params(number[0], sid=sid, status="in-progress")))

    def given(doc):
        return {p.get("name"): p.get("value") for p in doc.findall("Connect/Stream/Parameter")}

    assert given(again)["call_id"] == given(first)["call_id"]
    assert media_token_check(given(again)["token"]) == (given(first)["call_id"], business.org_id)
    rows = calls_of(owner_db, sid)
    assert len(rows) == 1 and rows[0][6] == "in-progress"


def test_completed_status_sets_the_duration_once(business, number, owner_db):
    set_mode(owner_db, business.org_id, "stream")
    params = voice_params(number[0])
    twiml(post(VOICE, params))
    done = dict(params, CallStatus="completed", CallDuration="42", SequenceNumber="3",
                CallbackSource="call-progress-events")

    r = post(STATUS, done)
    assert r.status_code == 204 and r.content == b""
    (row,) = calls_of(owner_db, params["CallSid"])
    assert row[6] == "completed" and row[9] == 42 and row[8] is not None
    # A repeat of the same event changes nothing; a late, earlier event does not undo the end.
    assert post(STATUS, dict(done, CallDuration="99")).status_code == 204
    assert post(STATUS, dict(params, CallStatus="ringing", SequenceNumber="1")).status_code == 204
    (again,) = calls_of(owner_db, params["CallSid"])
    assert again[6] == "completed" and again[9] == 42 and again[8] == row[8]
    assert len(events_of(owner_db, params["CallSid"])) == 3


def test_an_unanswered_outbound_call_is_missed(business, number, owner_db):
    sid = call_sid()
    customer = phone()
    sql(owner_db, "INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number, "
                  "to_number, status) VALUES (%s, 'twilio', %s, 'outbound', %s, %s, 'queued')",
        business.org_id, sid, number[0], customer)
    params = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": number[0],
              "To": customer, "Direction": "outbound-api", "ApiVersion": "2010-04-01"}

    assert post(STATUS, dict(params, CallStatus="ringing")).status_code == 204
    assert calls_of(owner_db, sid)[0][6] == "ringing"
    assert post(STATUS, dict(params, CallStatus="no-answer")).status_code == 204
    (row,) = calls_of(owner_db, sid)
    assert row[6] == "missed" and row[7] is None and row[8] is not None


def test_a_caller_who_hangs_up_before_the_answer_is_a_missed_call(business, number, owner_db):
    params = voice_params(number[0], status="canceled")
    assert post(STATUS, params).status_code == 204
    (row,) = calls_of(owner_db, params["CallSid"])
    assert str(row[1]) == business.org_id
    assert (row[3], row[6]) == ("inbound", "missed")


@pytest.mark.parametrize("path,change", [
    (VOICE, {"CallSid": None}),
    (VOICE, {"CallSid": "CA123"}),
    (VOICE, {"CallSid": "XX" + "0" * 32}),
    (VOICE, {"To": None}),
    (VOICE, {"From": ""}),
    (VOICE, {"To": "+1" * 40}),
    (STATUS, {"CallStatus": None}),
    (STATUS, {"CallStatus": "exploded"}),
    (STATUS, {"CallDuration": "forty"}),
    (STATUS, {"CallDuration": "-1"}),
])
def test_a_malformed_form_is_refused_and_stores_nothing(path, change, business, number, owner_db):
    params = voice_params(number[0], status="completed")
    sid = params["CallSid"]
    for name, value in change.items():
        if value is None:
            params.pop(name)
        else:
            params[name] = value
    r = post(path, params)
    assert r.status_code == 400, r.text
    assert "error" in r.json()
    assert calls_of(owner_db, sid) == []
    assert events_of(owner_db, sid) == []


def test_a_broken_form_or_another_media_type_is_refused(number):
    body = "CallSid=%ZZ&To=" + number[0]
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": twilio_sign(TOKEN, BASE_URL + VOICE, {})}
    assert requests.post(BASE_URL + VOICE, data=body, headers=headers).status_code == 400
    headers["Content-Type"] = "application/json"
    assert requests.post(BASE_URL + VOICE, data="{}", headers=headers).status_code == 415
