"""test_callback: "Call back" on a lead or a missed call places the call through Twilio's Calls API
or Vapi's POST /call (the stack's fakes), the call row goes pending -> initiated -> the provider's
statuses, a configuration that can never work is a message on the page instead of a job, provider
errors are shown and retried only when that can help; and the Vapi settings form."""
import os
import re
import sys
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import BASE_URL, ROOT, login, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

TWILIO_FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
VAPI_FAKE = os.environ.get("SB_VAPI_FAKE_URL", "")
VAPI_KEY = os.environ.get("SB_VAPI_API_KEY", "")
TWILIO_TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")


def e164():
    return "+1555%07d" % (uuid.uuid4().int % 10 ** 7)


def fake(base, path, body=None):
    r = requests.post(base + path, json=body, timeout=10) if body is not None \
        else requests.get(base + path, timeout=10)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


@pytest.fixture(autouse=True)
def fakes_reset():
    """Each test starts and ends with both fakes answering normally."""
    fake(TWILIO_FAKE, "/_fake/reset", {})
    fake(VAPI_FAKE, "/_fake/reset", {})
    yield
    fake(TWILIO_FAKE, "/_fake/reset", {})
    fake(VAPI_FAKE, "/_fake/reset", {})


def add_lead(db, org_id, name="Dee Dunn", status="new"):
    phone = e164()
    lead = str(sql(db, "INSERT INTO leads (org_id, phone, name, status) VALUES (%s, %s, %s, %s) "
                       "RETURNING id", org_id, phone, name, status)[0][0])
    return lead, phone


def add_number(db, org_id):
    number = e164()
    sql(db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", org_id, number)
    return number


def calls_of(db, lead):
    return sql(db, "SELECT id::text, provider, provider_call_id, direction, from_number, to_number, "
                   "status, coalesce(ended_reason, '') FROM calls WHERE lead_id = %s "
                   "ORDER BY created_at", lead)


def jobs_of(db, lead):
    return sql(db, "SELECT id::text, status, attempts, coalesce(last_error, ''), payload FROM jobs "
                   "WHERE kind = 'lead.callback' AND payload ->> 'lead_id' = %s ORDER BY created_at",
               lead)


def wait_job(db, lead, done=lambda job: job[1] in ("done", "failed", "dead"), timeout=20):
    """The lead's only call-back job once done(job) holds for it."""
    end = time.monotonic() + timeout
    while True:
        jobs = jobs_of(db, lead)
        if len(jobs) == 1 and done(jobs[0]):
            return jobs[0]
        assert time.monotonic() < end, jobs
        time.sleep(0.05)


def call_back(client, lead, reason=""):
    return client.post_form(f"/leads/{lead}/callback", {"callback_body": reason})


def twilio_call_requests(to):
    """The Calls API requests the Twilio fake got for number to, each as parsed form pairs."""
    out = []
    for r in fake(TWILIO_FAKE, "/_fake/requests"):
        if r["method"] == "POST" and r["path"].endswith("/Calls.json"):
            pairs = urllib.parse.parse_qsl(r["body"], keep_blank_values=True)
            if dict(pairs).get("To") == to:
                out.append(pairs)
    return out


def twilio_status(sid, business_number, lead_phone, status, **extra):
    """A signed status callback of an outbound call, as Twilio posts it."""
    params = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": business_number,
              "To": lead_phone, "CallStatus": status, "ApiVersion": "2010-04-01",
              "Direction": "outbound-api", "CallbackSource": "call-progress-events", **extra}
    target = BASE_URL + "/hooks/twilio/status"
    r = requests.post(target, data=params, timeout=30,
                      headers={"X-Twilio-Signature": twilio_sign(TWILIO_TOKEN, target, params)})
    assert r.status_code in (200, 204), (r.status_code, r.text[:300])


def vapi_setup(client, assistant="asst-outbound-1", number_id=None, key=VAPI_KEY,
               secret="vapi-server-secret-1234"):
    """A business in the vapi call mode, configured through its own settings pages."""
    number_id = str(uuid.uuid4()) if number_id is None else number_id
    keys = {"vapi_server_secret": secret}
    if key:
        keys["vapi_api_key"] = key
        # The id is saved only when the business's own key reads it at Vapi.
        assert requests.post(VAPI_FAKE + "/_fake/phone_numbers", timeout=10,
                             json={"api_key": key, "ids": [number_id]}).status_code == 200
    assert client.post_form("/settings/credentials", keys).status_code == 303
    r = client.post_form("/settings/vapi", dict(VAPI_FORM, outbound_assistant_id=assistant,
                                               phone_number_id=number_id))
    assert r.status_code == 303, r.text[:2000]
    # The receptionist page refuses Vapi mode while the server's address is plain http, as it
    # is on the test stack (Vapi cannot reach it): the mode is set straight in the database.
    import psycopg2
    from conftest import DSN_OWNER
    with psycopg2.connect(DSN_OWNER) as db:
        sql(db, "UPDATE organizations SET call_mode = 'vapi', greeting = 'Hello from Acme.', "
                "voice_personality = 'friendly' WHERE id = %s", client.org_id)
    db.close()
    return number_id


VAPI_FORM = {
    "auth_method": "secret", "auth_header": "", "bearer_prefix": "1", "hmac_algorithm": "sha256",
    "hmac_timestamp_header": "x-timestamp", "hmac_include_timestamp": "1",
    "hmac_payload_format": "{timestamp}.{body}", "hmac_encoding": "hex", "hmac_prefix": "",
    "timestamp_window_seconds": "300", "outbound_assistant_id": "", "phone_number_id": "",
    "voice_provider": "11labs", "voice_id": "burt",
}


# ---------- Twilio ----------

def test_twilio_callback_places_the_call_and_follows_its_statuses(business, owner_db):
    number = add_number(owner_db, business.org_id)
    lead, phone = add_lead(owner_db, business.org_id)
    r = call_back(business, lead, "About the quote")
    assert r.status_code == 303 and r.headers["Location"] == f"/leads/{lead}"
    [(call_id, provider, _, direction, from_, to, status, _)] = calls_of(owner_db, lead)
    assert (provider, direction, from_, to) == ("twilio", "outbound", number, phone)
    assert status in ("pending", "initiated")
    job = wait_job(owner_db, lead)
    assert job[1] == "done" and job[4]["call_id"] == call_id

    [pairs] = twilio_call_requests(phone)
    form = dict(pairs)
    assert form["From"] == number and form["To"] == phone
    assert form["Url"] == BASE_URL + "/hooks/twilio/voice"
    assert form["StatusCallback"] == BASE_URL + "/hooks/twilio/status"
    assert [v for k, v in pairs if k == "StatusCallbackEvent"] == \
        ["initiated", "ringing", "answered", "completed"]
    assert form["Record"] == "true"
    assert form["RecordingStatusCallback"] == BASE_URL + "/hooks/twilio/recording"
    [(_, _, sid, _, _, _, status, _)] = calls_of(owner_db, lead)
    assert status == "initiated" and re.fullmatch(r"CA[0-9a-f]{32}", sid)
    [(lead_status, contacted)] = sql(owner_db, "SELECT status, last_contacted_at IS NOT NULL "
                                               "FROM leads WHERE id = %s", lead)
    assert (lead_status, contacted) == ("contacted", True)
    page = business.get(f"/leads/{lead}").text
    assert 'data-call-status="initiated"' in page and "About the quote" in page

    twilio_status(sid, number, phone, "initiated")
    twilio_status(sid, number, phone, "ringing")
    assert calls_of(owner_db, lead)[0][6] == "ringing"
    # Answered: Twilio asks our voice webhook what to say, and the same row carries on.
    params = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": number, "To": phone,
              "CallStatus": "in-progress", "ApiVersion": "2010-04-01", "Direction": "outbound-api"}
    target = BASE_URL + "/hooks/twilio/voice"
    r = requests.post(target, data=params, timeout=30,
                      headers={"X-Twilio-Signature": twilio_sign(TWILIO_TOKEN, target, params)})
    assert r.status_code == 200 and "<Response>" in r.text
    twilio_status(sid, number, phone, "in-progress")
    assert [c[6] for c in calls_of(owner_db, lead)] == ["in-progress"]
    twilio_status(sid, number, phone, "completed", CallDuration="42")
    [(_, _, _, _, _, _, status, _)] = calls_of(owner_db, lead)
    assert status == "completed"
    assert sql(owner_db, "SELECT duration_seconds FROM calls WHERE id = %s", call_id) == [(42,)]
    assert 'data-call-status="completed"' in business.get(f"/leads/{lead}").text


def test_an_unanswered_callback_moves_on_from_initiated(business, owner_db):
    number = add_number(owner_db, business.org_id)
    lead, phone = add_lead(owner_db, business.org_id)
    assert call_back(business, lead).status_code == 303
    wait_job(owner_db, lead)
    sid = calls_of(owner_db, lead)[0][2]
    twilio_status(sid, number, phone, "ringing")
    twilio_status(sid, number, phone, "completed", CallStatus="no-answer")
    # As every unanswered Twilio call is (cgi/hook-twilio.c).
    assert calls_of(owner_db, lead)[0][6] == "missed"


def test_twilio_refusal_fails_with_its_message_and_is_not_retried(business, owner_db):
    add_number(owner_db, business.org_id)
    lead, phone = add_lead(owner_db, business.org_id)
    fake(TWILIO_FAKE, "/_fake/invalid_numbers", {"numbers": [phone]})
    assert call_back(business, lead).status_code == 303
    job = wait_job(owner_db, lead)
    message = f"Invalid 'To' Phone Number: {phone}"
    assert job[1] == "failed" and job[2] == 1 and message in job[3] and "21211" in job[3]
    [(_, _, sid, _, _, _, status, reason)] = calls_of(owner_db, lead)
    assert (sid, status) == (None, "failed") and message in reason
    assert len(twilio_call_requests(phone)) == 1
    page = business.get(f"/leads/{lead}").text
    assert "Invalid &#39;To&#39; Phone Number" in page or "Invalid &#x27;To&#x27; Phone Number" in page
    assert "will not be tried again" in page and 'data-call-status="failed"' in page
    assert sql(owner_db, "SELECT status FROM leads WHERE id = %s", lead) == [("new",)]


def test_twilio_server_error_is_retried(business, owner_db):
    add_number(owner_db, business.org_id)
    lead, phone = add_lead(owner_db, business.org_id)
    fake(TWILIO_FAKE, "/_fake/behave", {"behaviour": "fail", "fail_status": 500})
    assert call_back(business, lead).status_code == 303
    job = wait_job(owner_db, lead, lambda j: j[2] == 1 and j[1] == "queued")
    assert "Internal Server Error" in job[3]
    [(_, _, sid, _, _, _, status, _)] = calls_of(owner_db, lead)
    assert (sid, status) == (None, "pending")
    page = business.get(f"/leads/{lead}").text
    assert ">Retrying<" in page and "Internal Server Error" in page
    assert 'data-call-status="pending"' in page


# ---------- Vapi ----------

def test_vapi_callback_places_the_call_with_the_outbound_assistant(business, owner_db):
    number_id = vapi_setup(business)
    lead, phone = add_lead(owner_db, business.org_id, name="Vera Vance")
    assert call_back(business, lead, "Quote for a boiler").status_code == 303
    job = wait_job(owner_db, lead)
    assert job[1] == "done", job
    [call] = fake(VAPI_FAKE, "/_fake/calls")
    body = call["request"]
    assert body["assistantId"] == "asst-outbound-1" and body["phoneNumberId"] == number_id
    assert body["customer"] == {"number": phone, "name": "Vera Vance"}
    assert body["assistantOverrides"]["variableValues"]["callbackReason"] == "Quote for a boiler"
    [auth] = [r["headers"].get("Authorization") or r["headers"].get("authorization")
              for r in fake(VAPI_FAKE, "/_fake/requests") if r["path"] == "/call"]
    assert auth == "Bearer " + VAPI_KEY
    [(call_id, provider, vapi_id, direction, from_, to, status, _)] = calls_of(owner_db, lead)
    assert (provider, vapi_id, direction, from_, to, status) == \
        ("vapi", call["id"], "outbound", "vapi", phone, "initiated")
    assert job[4]["call_id"] == call_id
    assert sql(owner_db, "SELECT status FROM leads WHERE id = %s", lead) == [("contacted",)]


def test_vapi_callback_completes_through_the_server_messages(business, owner_db):
    number_id = vapi_setup(business, secret="vapi-server-secret-5678")
    lead, phone = add_lead(owner_db, business.org_id)
    fake(VAPI_FAKE, "/_fake/server", {
        "url": BASE_URL + "/hooks/vapi",
        "auth": {"method": "secret", "secret": "vapi-server-secret-5678"},
        "script": [["assistant", "Hi, this is Acme calling you back."], ["user", "Thanks!"]],
        "ended_reason": "customer-ended-call"})
    assert call_back(business, lead).status_code == 303
    assert wait_job(owner_db, lead)[1] == "done"
    end = time.monotonic() + 20
    while not any(p["done"] for p in fake(VAPI_FAKE, "/_fake/playbacks")):
        assert time.monotonic() < end, "the fake did not play the call"
        time.sleep(0.1)
    rows = calls_of(owner_db, lead)
    assert len(rows) == 1 and rows[0][1] == "vapi" and rows[0][2]
    assert number_id
    # The server messages moved the row on to its end.
    assert rows[0][6] == "completed", rows


def test_vapi_refusal_fails_with_its_message_and_is_not_retried(business, owner_db):
    vapi_setup(business)
    lead, phone = add_lead(owner_db, business.org_id)
    fake(VAPI_FAKE, "/_fake/invalid_numbers", {"numbers": [phone]})
    assert call_back(business, lead).status_code == 303
    job = wait_job(owner_db, lead)
    message = "customer.number must be a valid phone number in the E.164 format"
    assert job[1] == "failed" and job[2] == 1 and message in job[3]
    [(_, _, vapi_id, _, _, _, status, reason)] = calls_of(owner_db, lead)
    assert (vapi_id, status) == (None, "failed") and message in reason
    assert len([q for q in fake(VAPI_FAKE, "/_fake/requests") if q["path"] == "/call"]) == 1
    page = business.get(f"/leads/{lead}").text
    assert message in page and "will not be tried again" in page


@pytest.mark.parametrize("status,message", [(500, "Internal server error"),
                                            (429, "Too Many Requests")])
def test_vapi_server_error_and_throttling_are_retried(business, owner_db, status, message):
    vapi_setup(business)
    lead, _ = add_lead(owner_db, business.org_id)
    fake(VAPI_FAKE, "/_fake/behave", {"behaviour": "fail", "fail_status": status})
    assert call_back(business, lead).status_code == 303
    job = wait_job(owner_db, lead, lambda j: j[2] == 1 and j[1] == "queued")
    assert message in job[3]
    assert calls_of(owner_db, lead)[0][6] == "pending"
    assert ">Retrying<" in business.get(f"/leads/{lead}").text


def test_a_retried_job_never_places_the_call_twice(business, owner_db):
    """A job run again after its call was placed (the runner died before settling it)."""
    add_number(owner_db, business.org_id)
    lead, phone = add_lead(owner_db, business.org_id)
    assert call_back(business, lead).status_code == 303
    job_id = wait_job(owner_db, lead)[0]
    sql(owner_db, "UPDATE jobs SET status = 'queued', run_at = now(), finished_at = NULL "
                  "WHERE id = %s", job_id)
    job = wait_job(owner_db, lead, lambda j: j[1] == "done" and j[2] == 2)
    assert job[3] == ""
    assert len(twilio_call_requests(phone)) == 1
    assert [c[6] for c in calls_of(owner_db, lead)] == ["initiated"]


# ---------- Missing configuration ----------

def no_callback_queued(db, client, lead, message, fix_url):
    r = call_back(client, lead, "Anything")
    assert r.status_code == 422
    assert message in r.text and f'href="{fix_url}"' in r.text
    assert jobs_of(db, lead) == [] and calls_of(db, lead) == []
    page = client.get(f"/leads/{lead}").text
    assert message in page and f'href="{fix_url}"' in page


def test_no_business_number_is_a_message_not_a_job(business, owner_db):
    lead, _ = add_lead(owner_db, business.org_id)
    no_callback_queued(owner_db, business, lead, "no active, verified phone number to call from",
                       "/line")
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, active, verified_at) "
                  "VALUES (%s, %s, false, now())",
        business.org_id, e164())
    no_callback_queued(owner_db, business, lead, "no active, verified phone number to call from",
                       "/line")
    # A number typed in by hand is nobody's proof: calls never come from it.
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)",
        business.org_id, e164())
    no_callback_queued(owner_db, business, lead, "no active, verified phone number to call from",
                       "/line")


@pytest.mark.parametrize("missing,message,fix_url", [
    ("key", "no Vapi API key is saved", "/settings/credentials"),
    ("assistant", "no outbound assistant is chosen", "/settings/vapi"),
    ("number", "no Vapi phone number to call from is set", "/settings/vapi"),
])
def test_vapi_without_its_settings_is_a_message_not_a_job(business, owner_db, missing, message,
                                                          fix_url):
    # A business number does not help: in the vapi mode, Vapi places the call.
    add_number(owner_db, business.org_id)
    vapi_setup(business, assistant="" if missing == "assistant" else "asst-1",
               number_id="" if missing == "number" else None)
    if missing == "key":
        # The phone number id is checked with the key, so the key goes after it is saved.
        sql(owner_db, "DELETE FROM provider_credentials WHERE org_id = %s AND provider = 'vapi' "
                      "AND name = 'api_key'", business.org_id)
    lead, _ = add_lead(owner_db, business.org_id)
    no_callback_queued(owner_db, business, lead, message, fix_url)
    assert [q for q in fake(VAPI_FAKE, "/_fake/requests")
            if not q["path"].startswith("/phone-number/")] == []


# ---------- A missed call's page ----------

def add_missed_call(db, org_id, caller, to):
    return str(sql(db, "INSERT INTO calls (org_id, provider, provider_call_id, direction, "
                       "from_number, to_number, status) VALUES (%s, 'twilio', %s, 'inbound', %s, %s, "
                       "'missed') RETURNING id", org_id, "CA" + uuid.uuid4().hex, caller, to)[0][0])


def test_a_missed_call_is_called_back_from_its_page(business, owner_db):
    number = add_number(owner_db, business.org_id)
    caller = e164()
    call = add_missed_call(owner_db, business.org_id, caller, number)
    page = business.get(f"/calls/{call}").text
    assert f'action="/calls/{call}/callback"' in page and f"Call back {caller}" in page
    r = business.post_form(f"/calls/{call}/callback")
    assert r.status_code == 303
    [(lead,)] = sql(owner_db, "SELECT id::text FROM leads WHERE org_id = %s AND phone = %s",
                    business.org_id, caller)
    assert r.headers["Location"] == f"/leads/{lead}"
    assert sql(owner_db, "SELECT lead_id::text FROM calls WHERE id = %s", call) == [(lead,)]
    assert wait_job(owner_db, lead)[1] == "done"
    [out] = [c for c in calls_of(owner_db, lead) if c[3] == "outbound"]
    assert out[4:7] == (number, caller, "initiated")
    assert len(twilio_call_requests(caller)) == 1
    # An answered call offers no call-back.
    answered = add_missed_call(owner_db, business.org_id, e164(), number)
    sql(owner_db, "UPDATE calls SET status = 'completed' WHERE id = %s", answered)
    assert "/callback" not in business.get(f"/calls/{answered}").text


def test_a_missed_call_without_config_says_what_to_set_up(business, owner_db):
    caller = e164()
    call = add_missed_call(owner_db, business.org_id, caller, e164())
    page = business.get(f"/calls/{call}").text
    assert "no active, verified phone number to call from" in page and 'href="/line"' in page
    r = business.post_form(f"/calls/{call}/callback")
    assert r.status_code == 303
    lead = r.headers["Location"].rsplit("/", 1)[1]
    assert jobs_of(owner_db, lead) == []
    assert "no active, verified phone number to call from" in business.get(f"/leads/{lead}").text


def test_another_business_call_cannot_be_called_back(business, other_business, owner_db):
    call = add_missed_call(owner_db, other_business.org_id, e164(), e164())
    assert business.post_form(f"/calls/{call}/callback").status_code == 404
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE org_id = %s", other_business.org_id) == [(1,)]


# ---------- The Vapi settings ----------

def vapi_row(db, org_id):
    rows = sql(db, """SELECT auth_method, auth_header, bearer_prefix, hmac_algorithm,
                             hmac_timestamp_header, hmac_include_timestamp, hmac_payload_format,
                             hmac_encoding, hmac_prefix, hmac_secret_is_base64,
                             timestamp_window_seconds, outbound_assistant_id, phone_number_id,
                             voice_provider, voice_id
                      FROM vapi_settings WHERE org_id = %s""", org_id)
    return rows[0] if rows else None


def test_vapi_settings_save_and_show(business, owner_db):
    page = business.get("/settings/vapi")
    assert page.status_code == 200 and "<h1>Vapi</h1>" in page.text
    assert BASE_URL + "/hooks/vapi" in page.text and 'value="{timestamp}.{body}"' in page.text
    number_id = str(uuid.uuid4())
    # The id is one the business's own Vapi key reads.
    assert requests.post(VAPI_FAKE + "/_fake/phone_numbers", timeout=10,
                         json={"api_key": VAPI_KEY, "ids": [number_id]}).status_code == 200
    assert business.post_form("/settings/credentials", {"vapi_api_key": VAPI_KEY}) \
        .status_code == 303
    form = dict(VAPI_FORM, auth_method="hmac", auth_header="X-Signature", hmac_algorithm="sha512",
                hmac_timestamp_header="X-Timestamp", hmac_payload_format="{timestamp}:{method}:{body}",
                hmac_encoding="base64", hmac_prefix="v1=", hmac_secret_is_base64="1",
                timestamp_window_seconds="120", outbound_assistant_id="asst_9f8e-7d",
                phone_number_id=number_id, voice_provider="azure", voice_id="en-US-JennyNeural")
    del form["bearer_prefix"]
    r = business.post_form("/settings/vapi", form)
    assert r.status_code == 303 and r.headers["Location"] == "/settings/vapi"
    assert vapi_row(owner_db, business.org_id) == (
        "hmac", "X-Signature", False, "sha512", "X-Timestamp", True, "{timestamp}:{method}:{body}",
        "base64", "v1=", True, 120, "asst_9f8e-7d", number_id, "azure", "en-US-JennyNeural")
    page = business.get("/settings/vapi").text
    assert 'value="hmac" selected' in page and 'value="sha512" selected' in page
    assert 'value="base64" selected' in page and number_id in page
    assert 'id="hmac_secret_is_base64" name="hmac_secret_is_base64" type="checkbox" value="1" checked' in page
    assert 'id="bearer_prefix" name="bearer_prefix" type="checkbox" value="1" >' in page
    # Saving again updates the one row; empty ids are stored as none.
    r = business.post_form("/settings/vapi", VAPI_FORM)
    assert r.status_code == 303
    row = vapi_row(owner_db, business.org_id)
    assert row[0] == "secret" and row[1] is None and row[11] is None and row[12] is None
    assert sql(owner_db, "SELECT count(*) FROM audit_log WHERE org_id = %s AND action = 'settings.vapi'",
               business.org_id) == [(2,)]


@pytest.mark.parametrize("field,value,message", [
    ("auth_method", "oauth", "choose secret, bearer or HMAC"),
    ("auth_header", "X Vapi", "a header name is 1 to 64 letters"),
    ("auth_header", "x" * 65, "a header name is 1 to 64 letters"),
    ("hmac_algorithm", "md5", "choose SHA-256, SHA-512 or SHA-1"),
    ("hmac_timestamp_header", "", "a header name is 1 to 64 letters"),
    ("hmac_payload_format", "", "The payload format is required"),
    ("hmac_payload_format", "{timestamp}", "include {body}"),
    ("hmac_payload_format", "{timestamp}.{bodyy}", "use only {timestamp}, {body}"),
    ("hmac_payload_format", "{timestamp.{body}", "use only {timestamp}, {body}"),
    ("hmac_payload_format", "{body}", "include {timestamp}, or turn off sending a timestamp"),
    ("hmac_payload_format", "{body}" + "x" * 200, "keep it to 200 characters"),
    ("hmac_encoding", "base32", "choose hex or base64"),
    ("hmac_prefix", "sha 256=", "a prefix has no spaces"),
    ("hmac_prefix", "p" * 33, "keep it to 32 characters"),
    ("timestamp_window_seconds", "5", "enter a whole number from 10 to 3600"),
    ("timestamp_window_seconds", "soon", "enter a whole number from 10 to 3600"),
    ("outbound_assistant_id", "asst 1", "paste the assistant"),
    ("outbound_assistant_id", "a" * 129, "paste the assistant"),
    ("phone_number_id", "<script>", "paste the phone number"),
    ("voice_provider", "ElevenLabs", "a voice provider is Vapi"),
    ("voice_provider", "", "a voice provider is Vapi"),
    ("voice_id", "", "The voice is required"),
    ("voice_id", "two words", "a voice id has no spaces"),
])
def test_vapi_settings_bad_input(business, owner_db, field, value, message):
    r = business.post_form("/settings/vapi", dict(VAPI_FORM, **{field: value}))
    assert r.status_code == 422
    assert message in r.text.replace("&#39;", "'")
    assert "has-error" in r.text
    assert vapi_row(owner_db, business.org_id) is None


def test_a_vapi_number_is_one_business_s(business, other_business, owner_db):
    number_id = str(uuid.uuid4())
    # Both hold the key of one Vapi account that has the number.
    assert requests.post(VAPI_FAKE + "/_fake/phone_numbers", timeout=10,
                         json={"api_key": VAPI_KEY, "ids": [number_id]}).status_code == 200
    for client in (business, other_business):
        assert client.post_form("/settings/credentials", {"vapi_api_key": VAPI_KEY}) \
            .status_code == 303
    assert other_business.post_form("/settings/vapi", dict(VAPI_FORM, phone_number_id=number_id)) \
        .status_code == 303
    r = business.post_form("/settings/vapi", dict(VAPI_FORM, phone_number_id=number_id))
    assert r.status_code == 422 and "already set for another business" in r.text
    assert vapi_row(owner_db, business.org_id) is None
    # Its own business saves it again without complaint.
    assert other_business.post_form("/settings/vapi", dict(VAPI_FORM, phone_number_id=number_id)) \
        .status_code == 303


def test_members_cannot_change_the_vapi_settings(business, owner_db):
    email = f"member-{uuid.uuid4().hex[:10]}@example.test"
    # The member signs up through an owner-made account row (see test_page_settings).
    from test_page_settings import scrypt_hash
    sql(owner_db, "INSERT INTO users (org_id, email, password_hash, role) VALUES (%s, %s, %s, 'member')",
        business.org_id, email, scrypt_hash("member password 1"))
    member = login(email, "member password 1")
    page = member.get("/settings/vapi")
    assert page.status_code == 200 and "Only owners and admins can change settings." in page.text
    r = member.post_form("/settings/vapi", dict(VAPI_FORM, outbound_assistant_id="asst-x"))
    assert r.status_code == 403
    assert vapi_row(owner_db, business.org_id) is None
    r = business.post("/settings/vapi", data=dict(VAPI_FORM, csrf="0" * 64))
    assert r.status_code == 403
    assert vapi_row(owner_db, business.org_id) is None
