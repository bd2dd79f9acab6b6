"""test_phone_lines: the Phone line page connects a number the three verified ways, through nginx
against the stack's Twilio fake: bought from the platform's account, found in the business's own
account (whose token then signs its webhooks), or a platform number the business's existing line
forwards to (verified by the check call coming back). Each way points the number's webhooks here
through Twilio's API, and no number routes a call before it is verified."""
import base64
import hashlib
import json
import os
import random
import re
import sys
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import BASE_URL, login, signup, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
VOICE = "/hooks/twilio/voice"
OFFERED = re.compile(r'name="phone_number" value="(\+[0-9]+)"')


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def fake(method, what, value=None):
    r = requests.request(method, FAKE + "/_fake/" + what, json=value, timeout=10)
    assert r.status_code < 300, (r.status_code, r.text)
    return r.json()


def voice(to, frm=None, token=None, **extra):
    """A signed inbound call to to, as Twilio posts it; returns the TwiML document."""
    params = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + uuid.uuid4().hex,
              "From": frm or phone(), "To": to, "CallStatus": "ringing",
              "ApiVersion": "2010-04-01", "Direction": "inbound"}
    params.update(extra)
    target = BASE_URL + VOICE
    r = requests.post(target, data=params, timeout=30, allow_redirects=False,
                      headers={"X-Twilio-Signature": twilio_sign(token or TOKEN, target, params)})
    return r, params


def answered(r):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return ET.fromstring(r.content)


def routed_to(db, params):
    return [str(o) for (o,) in sql(db, "SELECT org_id FROM calls WHERE provider_call_id = %s",
                                   params["CallSid"])]


def row(db, e164):
    rows = sql(db, """SELECT org_id::text, connection, verified_at IS NOT NULL, twilio_number_sid,
                             twilio_account_sid, coalesce(forwarded_from, ''),
                             webhooks_set_at IS NOT NULL
                      FROM phone_numbers WHERE e164 = %s""", e164)
    return rows[0] if rows else None


def hooks_set(sid, account):
    """The fake's record of our configuration of number sid, through account."""
    updates = [u for u in fake("GET", "number_updates") if u["sid"] == sid]
    assert len(updates) >= 1
    u = updates[-1]
    assert u["account_sid"] == account
    assert u["params"] == {"VoiceUrl": BASE_URL + "/hooks/twilio/voice", "VoiceMethod": "POST",
                           "StatusCallback": BASE_URL + "/hooks/twilio/status",
                           "StatusCallbackMethod": "POST",
                           "SmsUrl": BASE_URL + "/hooks/twilio/sms", "SmsMethod": "POST"}
    held = [n for n in fake("GET", "numbers") if n["sid"] == sid][0]
    assert held["voice_url"] == BASE_URL + "/hooks/twilio/voice"
    assert held["sms_url"] == BASE_URL + "/hooks/twilio/sms"
    return held


def offered(db, page):
    """The numbers a search page offers that no business has yet (the fake forgets what it sold
    when another test file resets it)."""
    taken = {e for (e,) in sql(db, "SELECT e164 FROM phone_numbers")}
    return [n for n in OFFERED.findall(page.text) if n not in taken]


def flash_of(r):
    """The flash message a redirect set (the cookie holds kind=text, percent-encoded)."""
    cookie = r.cookies.get("sb_flash") or ""
    return requests.utils.unquote(cookie)


@pytest.fixture(autouse=True)
def stack_fake():
    assert FAKE, "scripts/test starts a Twilio fake and exports SB_TWILIO_FAKE_URL"
    assert TOKEN


def test_the_page_shows_the_webhook_addresses_and_the_three_ways(business):
    page = business.get("/line")
    assert page.status_code == 200
    for path in ("/hooks/twilio/voice", "/hooks/twilio/status", "/hooks/twilio/sms"):
        assert BASE_URL + path in page.text
    assert 'action="/line/search"' in page.text and 'action="/line/own"' in page.text
    assert "No numbers yet" in page.text


def test_a_member_sees_the_page_but_connects_nothing(business, owner_db):
    email = f"member-{uuid.uuid4().hex[:10]}@example.test"
    salt = os.urandom(16)
    key = hashlib.scrypt(b"member password 1", salt=salt, n=16384, r=8, p=1, dklen=32)
    sql(owner_db, "INSERT INTO users (org_id, email, password_hash, role) "
                  "VALUES (%s, %s, %s, 'member')", business.org_id, email,
        "scrypt$16384$8$1$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(key).decode()))
    member = login(email, "member password 1")
    page = member.get("/line")
    assert page.status_code == 200 and "Only owners and admins" in page.text
    assert 'action="/line/search"' not in page.text
    r = member.post_form("/line/search", {"purpose": "buy", "area_code": "415"})
    assert r.status_code == 403


def test_way_one_a_platform_number_is_bought_configured_and_routes(business, other_business,
                                                                    owner_db):
    page = business.post_form("/line/search", {"purpose": "buy", "area_code": "415"})
    assert page.status_code == 200, page.text[:300]
    numbers = offered(owner_db, page)
    assert numbers and all(n.startswith("+1415") for n in numbers)
    e164 = numbers[0]
    # Nothing routes before it is bought.
    r, params = voice(e164)
    assert "not in service" in answered(r).find("Say").text

    r = business.post_form("/line/buy", {"phone_number": e164})
    assert r.status_code == 303 and r.headers["Location"] == "/line"
    assert "answers calls now" in flash_of(r)
    org, connection, verified, pn, account, _, hooks = row(owner_db, e164)
    assert (org, connection, verified, hooks) == (business.org_id, "platform", True, True)
    held = hooks_set(pn, account)
    assert held["phone_number"] == e164
    assert "verified" in business.get("/line").text

    r, params = voice(e164)
    answered(r)
    assert routed_to(owner_db, params) == [business.org_id]
    # The platform never sells it twice: another business is refused, and gets nothing.
    r = other_business.post_form("/line/buy", {"phone_number": e164})
    assert r.status_code == 303 and "not available" in flash_of(r)
    assert row(owner_db, e164)[0] == business.org_id
    audit = sql(owner_db, "SELECT action, detail FROM audit_log WHERE org_id = %s "
                          "AND action LIKE 'line.%%'", business.org_id)
    assert audit == [("line.buy", {"e164": e164})]


def test_a_bad_area_code_is_refused(business):
    r = business.post_form("/line/search", {"purpose": "buy", "area_code": "41"})
    assert r.status_code == 422 and "three digits" in r.text


@pytest.fixture
def own_account():
    """An account of the business's own at Twilio, holding one number: (sid, token, e164)."""
    acct = fake("POST", "accounts", {"friendly_name": "Own"})
    e164 = phone()
    fake("POST", "numbers", {"account_sid": acct["sid"], "phone_number": e164})
    return acct["sid"], acct["auth_token"], e164


def save_keys(client, sid, token):
    r = client.post_form("/settings/credentials", {"twilio_account_sid": sid,
                                                    "twilio_auth_token": token})
    assert r.status_code == 303, r.text[:300]


def test_way_two_a_number_of_the_business_own_account(business, other_business, own_account,
                                                       owner_db, app_db):
    sid, token, e164 = own_account
    r = business.post_form("/line/own")
    assert r.status_code == 422 and "Provider keys" in r.text
    save_keys(business, sid, token)
    page = business.post_form("/line/own")
    assert page.status_code == 200
    assert OFFERED.findall(page.text) == [e164]

    # Another business cannot claim it: its account (here: none saved) does not list it.
    r = other_business.post_form("/line/claim", {"phone_number": e164})
    assert r.status_code == 303 and "Provider keys" in flash_of(r)
    other = fake("POST", "accounts", {})
    save_keys(other_business, other["sid"], other["auth_token"])
    r = other_business.post_form("/line/claim", {"phone_number": e164})
    assert r.status_code == 303 and "does not hold" in flash_of(r)
    assert row(owner_db, e164) is None

    r = business.post_form("/line/claim", {"phone_number": e164})
    assert r.status_code == 303 and "connected" in flash_of(r)
    org, connection, verified, pn, account, _, hooks = row(owner_db, e164)
    assert (org, connection, verified, account, hooks) == (business.org_id, "own_account", True,
                                                          sid, True)
    hooks_set(pn, sid)

    # Its webhooks are signed with the business's token, not the server's.
    r, params = voice(e164)
    assert r.status_code == 403
    r, params = voice(e164, token=token)
    answered(r)
    assert routed_to(owner_db, params) == [business.org_id]

    # Texts from it go through the business's own account.
    sql(owner_db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", business.org_id)
    customer = phone()
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (business.org_id,))
        cur.execute("SELECT jobs_enqueue('sms.send', %s::jsonb, now(), NULL)",
                    (json.dumps({"to": customer, "body": "Hello from your own account."}),))
        job = str(cur.fetchone()[0])
    app_db.commit()
    end = time.monotonic() + 20
    while sql(owner_db, "SELECT status FROM jobs WHERE id = %s", job)[0][0] not in ("done",
                                                                                  "failed",
                                                                                  "dead"):
        assert time.monotonic() < end
        time.sleep(0.1)
    sent = [m for m in fake("GET", "messages") if m["to"] == customer]
    assert [(m["from"], m["account_sid"]) for m in sent] == [(e164, sid)]

    # And so do call-backs.
    lead_phone = phone()
    [(lead,)] = sql(owner_db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, 'Dee') "
                              "RETURNING id::text", business.org_id, lead_phone)
    assert business.post_form(f"/leads/{lead}/callback", {"callback_body": ""}).status_code == 303
    end = time.monotonic() + 20
    while not [c for c in fake("GET", "calls") if c["to"] == lead_phone]:
        assert time.monotonic() < end, sql(owner_db, "SELECT status, last_error FROM jobs "
                                                     "WHERE payload ->> 'lead_id' = %s", lead)
        time.sleep(0.1)
    placed = [c for c in fake("GET", "calls") if c["to"] == lead_phone]
    assert [(c["from"], c["account_sid"]) for c in placed] == [(e164, sid)]


def test_a_verified_claim_beats_a_number_someone_else_typed(business, other_business,
                                                            own_account, owner_db):
    sid, token, e164 = own_account
    assert other_business.post_form("/settings/phones", {"e164": e164}).status_code == 303
    r, params = voice(e164)
    assert "not in service" in answered(r).find("Say").text
    save_keys(business, sid, token)
    assert business.post_form("/line/claim", {"phone_number": e164}).status_code == 303
    assert row(owner_db, e164)[:3] == (business.org_id, "own_account", True)
    r, params = voice(e164, token=token)
    answered(r)
    assert routed_to(owner_db, params) == [business.org_id]


def test_way_three_forwarding_is_verified_by_the_check_call(business, owner_db):
    existing = phone()
    page = business.post_form("/line/search", {"purpose": "forward", "area_code": "212",
                                               "forwarded_from": existing})
    assert page.status_code == 200, page.text[:300]
    assert 'action="/line/forward"' in page.text
    platform = offered(owner_db, page)[0]
    r = business.post_form("/line/forward", {"phone_number": platform,
                                             "forwarded_from": existing})
    assert r.status_code == 303 and "Call me to check" in flash_of(r)
    org, connection, verified, pn, account, forwarded_from, hooks = row(owner_db, platform)
    assert (org, connection, verified, forwarded_from, hooks) == (
        business.org_id, "forwarding", False, existing, True)
    hooks_set(pn, account)
    page = business.get("/line").text
    assert "not verified: routes nothing" in page and "Call me to check" in page

    # Not verified: a caller reaching it directly gets nothing, nor does a look-alike check call.
    r, params = voice(platform)
    assert "not in service" in answered(r).find("Say").text
    assert routed_to(owner_db, params) == []
    r, params = voice(platform, frm=platform, ForwardedFrom=existing)
    assert "not in service" in answered(r).find("Say").text
    assert row(owner_db, platform)[2] is False

    [(number_id,)] = sql(owner_db, "SELECT id::text FROM phone_numbers WHERE e164 = %s", platform)
    r = business.post_form(f"/line/{number_id}/check")
    assert r.status_code == 303 and "calling your existing number" in flash_of(r)
    placed = [c for c in fake("GET", "calls") if c["to"] == existing]
    assert len(placed) == 1 and placed[0]["from"] == platform
    assert placed[0]["account_sid"] == account and "<Say>" in placed[0]["params"]["Twiml"]
    assert "waiting for the check call" in business.get("/line").text

    # A call from someone else is still not the check.
    r, params = voice(platform)
    assert "not in service" in answered(r).find("Say").text
    # The check call comes back through the forwarding: From the platform number itself.
    r, params = voice(platform, frm=platform, ForwardedFrom=existing)
    assert "forwarding" in answered(r).find("Say").text.lower()
    assert row(owner_db, platform)[2] is True
    # Its status callback makes no call (no lead, no missed-call text to ourselves).
    done = dict(params, CallStatus="completed", CallDuration="4")
    target = BASE_URL + "/hooks/twilio/status"
    r = requests.post(target, data=done, timeout=30,
                      headers={"X-Twilio-Signature": twilio_sign(TOKEN, target, done)})
    assert r.status_code == 204 and routed_to(owner_db, params) == []
    r, params = voice(platform)
    answered(r)
    assert routed_to(owner_db, params) == [business.org_id]
    r = business.post_form(f"/line/{number_id}/check")
    assert r.status_code == 303 and "already verified" in flash_of(r)


def test_webhooks_are_set_again_on_request(business, owner_db):
    page = business.post_form("/line/search", {"purpose": "buy", "area_code": "312"})
    e164 = offered(owner_db, page)[0]
    assert business.post_form("/line/buy", {"phone_number": e164}).status_code == 303
    [(number_id, pn, account)] = sql(owner_db, "SELECT id::text, twilio_number_sid, "
                                               "twilio_account_sid FROM phone_numbers "
                                               "WHERE e164 = %s", e164)
    before = len([u for u in fake("GET", "number_updates") if u["sid"] == pn])
    r = business.post_form(f"/line/{number_id}/webhooks")
    assert r.status_code == 303 and "point here" in flash_of(r)
    assert len([u for u in fake("GET", "number_updates") if u["sid"] == pn]) == before + 1
    hooks_set(pn, account)
    # Another business's number is not found.
    other = signup()
    assert other.post_form(f"/line/{number_id}/webhooks").status_code == 404
    assert other.post_form(f"/line/{number_id}/check").status_code == 404


def recording_callback(call_sid, rsid, url, token):
    params = {"AccountSid": "AC" + uuid.uuid4().hex, "CallSid": call_sid, "RecordingSid": rsid,
              "RecordingUrl": url, "RecordingStatus": "completed", "RecordingDuration": "12",
              "RecordingChannels": "1", "RecordingSource": "OutboundAPI", "ErrorCode": "0"}
    target = BASE_URL + "/hooks/twilio/recording"
    return requests.post(target, data=params, timeout=30,
                         headers={"X-Twilio-Signature": twilio_sign(token, target, params)})


def test_recordings_of_an_own_account_number(business, own_account, owner_db):
    """The recording callback names no number: its call tells whose account signs it, and the
    recording is fetched with the business's own keys."""
    sid, token, e164 = own_account
    save_keys(business, sid, token)
    assert business.post_form("/line/claim", {"phone_number": e164}).status_code == 303
    r, params = voice(e164, token=token)
    answered(r)
    [(call_id,)] = sql(owner_db, "SELECT id::text FROM calls WHERE provider_call_id = %s",
                       params["CallSid"])
    rec = fake("POST", "recordings", {"call_sid": params["CallSid"], "account_sid": sid})
    assert ("/Accounts/%s/" % sid) in rec["url"]
    assert recording_callback(params["CallSid"], rec["sid"], rec["url"], TOKEN).status_code == 403
    assert recording_callback(params["CallSid"], rec["sid"], rec["url"], token).status_code == 204
    r = business.get(f"/calls/{call_id}/recording")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"] == "audio/mpeg"
