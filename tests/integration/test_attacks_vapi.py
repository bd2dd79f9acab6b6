"""test_attacks_vapi: attacks on Vapi's server URL (/hooks/vapi) and its settings, each replayed
against the running stack: a secret header every request carries with a known value, headers a
proxy sets, guessable secrets, and an answer that told a customer's number from anyone else's."""
import json
import os
import random
import re
import statistics
import sys
import uuid

import pytest
import requests

from conftest import BASE_URL, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.vapi_fake import VapiAuth, VapiCall, VapiDriver  # noqa: E402

HOOK = BASE_URL + "/hooks/vapi"
NOT_IN_SERVICE = {"error": "Sorry, this number is not in service."}
FORM = {
    "auth_method": "secret", "auth_header": "", "bearer_prefix": "1", "hmac_algorithm": "sha256",
    "hmac_timestamp_header": "x-timestamp", "hmac_include_timestamp": "1",
    "hmac_payload_format": "{timestamp}.{body}", "hmac_message_id_header": "svix-id",
    "hmac_encoding": "hex", "hmac_prefix": "", "timestamp_window_seconds": "300",
    "outbound_assistant_id": "", "phone_number_id": "", "voice_provider": "11labs",
    "voice_id": "burt", "credential_id": "",
}


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def add_number(db, org_id, number):
    """number as one of the business's lines that routes calls: verified where the schema
    tells verified lines from typed ones."""
    [(verifies,)] = sql(db, "SELECT count(*) FROM information_schema.columns WHERE "
                            "table_name = 'phone_numbers' AND column_name = 'verified_at'")
    sql(db, "INSERT INTO phone_numbers (org_id, e164%s) VALUES (%%s, %%s%s)"
        % ((", verified_at", ", now()") if verifies else ("", "")), org_id, number)


@pytest.fixture
def shop(business, owner_db):
    """A business in Vapi mode with a number."""
    business.number = phone()
    add_number(owner_db, business.org_id, business.number)
    sql(owner_db, "UPDATE organizations SET call_mode = 'vapi' WHERE id = %s", business.org_id)
    return business


def store_secret(client, secret):
    """The server secret through the Provider keys page (which takes 8 characters and more)."""
    r = client.post_form("/settings/credentials", {"vapi_server_secret": secret})
    assert r.status_code == 303, r.text[:300]


def nothing_stored(db, call):
    assert sql(db, "SELECT count(*) FROM calls WHERE provider_call_id = %s", call.id) == [(0,)]
    assert sql(db, "SELECT count(*) FROM webhook_events WHERE event_key LIKE %s",
               call.id + ":%") == [(0,)]


def bare_post(message, **headers):
    """A request with no authentication but what a client sends anyway."""
    return requests.post(HOOK, data=json.dumps({"message": message}).encode(), timeout=10,
                         headers=dict({"Content-Type": "application/json"}, **headers))


# ---------- (a) the header that carries the secret ----------

def test_content_type_as_the_secret_header_lets_nothing_through(shop, owner_db):
    """The attack: header Content-Type, secret application/json. Every JSON request carries it,
    so an unauthenticated request got in. Now such a header is refused when the message comes,
    even when it is already in the table."""
    store_secret(shop, "application/json")
    sql(owner_db, "INSERT INTO vapi_settings (org_id, auth_method, auth_header) "
                  "VALUES (%s, 'secret', 'Content-Type')", shop.org_id)
    call = VapiCall(shop.number, phone())
    for message in (call.status_update("in-progress"),
                    call.tool_calls([("take_message", {"message": "hi"})])[0]):
        r = bare_post(message)
        assert r.status_code == 401, r.text[:300]
    r = bare_post(call.assistant_request())
    assert r.status_code == 200 and r.json() == NOT_IN_SERVICE
    nothing_stored(owner_db, call)


@pytest.mark.parametrize("header", ["Content-Type", "User-Agent", "Host", "Accept",
                                    "X-Forwarded-For", "X-Forwarded-Proto", "X-Real-IP",
                                    "X-Request-Id"])
def test_the_settings_refuse_a_header_anyone_or_a_proxy_fills(header, shop, owner_db):
    r = shop.post_form("/settings/vapi", dict(FORM, auth_header=header))
    assert r.status_code == 422
    assert "X-Vapi-Secret" in r.text  # the message says what is allowed
    assert re.search(r"proxies set this header|a header of your own that starts with X-",
                     r.text)
    assert sql(owner_db, "SELECT count(*) FROM vapi_settings WHERE org_id = %s",
               shop.org_id) == [(0,)]


@pytest.mark.parametrize("header", ["X-Real-IP", "X-Forwarded-Proto", "X-Request-Id"])
def test_a_proxy_header_in_the_table_is_refused_when_a_message_comes(header, shop, owner_db):
    """A header the proxy in front fills with a value the attacker knows (its own address, the
    scheme) opened the door the same way."""
    value = {"X-Real-IP": "127.0.0.1", "X-Forwarded-Proto": "http",
             "X-Request-Id": "0" * 32}[header]
    store_secret(shop, value + "-padding")
    sql(owner_db, "INSERT INTO vapi_settings (org_id, auth_method, auth_header) "
                  "VALUES (%s, 'secret', %s)", shop.org_id, header)
    call = VapiCall(shop.number, phone())
    r = bare_post(call.status_update("in-progress"), **{header: value + "-padding"})
    assert r.status_code == 401
    nothing_stored(owner_db, call)


@pytest.mark.parametrize("header", ["X-Vapi-Secret", "Authorization", "X-Our-Own-Secret"])
def test_the_allowed_headers_are_kept_and_work(header, shop, owner_db):
    secret = "s" * 12 + uuid.uuid4().hex
    r = shop.post_form("/settings/vapi", dict(FORM, auth_header=header, server_secret=secret))
    assert r.status_code == 303, r.text[:2000]
    call = VapiCall(shop.number, phone())
    d = VapiDriver(HOOK, VapiAuth("secret", secret, header=header))
    assert d.send(call.status_update("in-progress")).status == 200


def test_a_secret_is_generated_here_and_shown_once(shop, owner_db):
    r = shop.post_form("/settings/vapi", {"action": "generate_secret"})
    assert r.status_code == 200
    [secret] = re.findall(r"<strong>([0-9a-f]{64})</strong>", r.text)  # 32 random bytes
    assert "shown only this once" in r.text
    again = shop.get("/settings/vapi").text
    assert secret not in again and "Saved" in again
    [(hint,)] = sql(owner_db, "SELECT secret_hint FROM provider_credentials WHERE org_id = %s "
                              "AND provider = 'vapi' AND name = 'server_secret'", shop.org_id)
    assert hint == secret[-4:]
    [(details,)] = sql(owner_db, "SELECT detail::text FROM audit_log WHERE org_id = %s "
                                 "AND action = 'settings.vapi_secret'", shop.org_id)
    assert secret not in details
    # It is the secret now: Vapi's messages carrying it get in, the old one does not.
    call = VapiCall(shop.number, phone())
    assert VapiDriver(HOOK, VapiAuth("secret", secret)).send(
        call.status_update("in-progress")).status == 200
    second = shop.post_form("/settings/vapi", {"action": "generate_secret"}).text
    [newer] = re.findall(r"<strong>([0-9a-f]{64})</strong>", second)
    assert newer != secret
    assert VapiDriver(HOOK, VapiAuth("secret", secret)).send(
        call.status_update("ringing")).status == 401


@pytest.mark.parametrize("secret", ["application/json", "password123", "x" * 23])
def test_a_typed_secret_shorter_than_24_characters_is_refused(secret, shop, owner_db):
    r = shop.post_form("/settings/vapi", dict(FORM, server_secret=secret))
    assert r.status_code == 422 and "at least 24 characters" in r.text
    assert secret not in r.text  # a secret is never put back into the page
    assert sql(owner_db, "SELECT count(*) FROM provider_credentials WHERE org_id = %s",
               shop.org_id) == [(0,)]


def test_the_page_recommends_hmac_with_a_timestamp(shop):
    page = shop.get("/settings/vapi").text
    assert "Recommended: HMAC with a timestamp" in page
    assert "Generate a new server secret" in page


# ---------- (b) one answer for a stranger's number and a bad secret ----------

def answers(number, message_of, auth, n):
    """n deliveries of message_of(call) for number: (status, body) of each, and the times."""
    seen, times = set(), []
    d = VapiDriver(HOOK, auth)
    for _ in range(n):
        r = d.send(message_of(VapiCall(number, phone())))
        seen.add((r.status, r.text))
        times.append(r.elapsed_ms)
    return seen, times


@pytest.mark.parametrize("kind", ["assistant-request", "status-update", "tool-calls"])
def test_an_unknown_number_and_a_bad_secret_get_the_same_answer(kind, shop, owner_db):
    """The attack: the hook answered a number nobody has here differently from a customer's
    number with a wrong secret, so anyone could tell which numbers are customers'."""
    store_secret(shop, "the-real-secret-" + uuid.uuid4().hex)
    message_of = {"assistant-request": lambda c: c.assistant_request(),
                  "status-update": lambda c: c.status_update("in-progress"),
                  "tool-calls": lambda c: c.tool_calls([("take_message", {"message": "x"})])[0]
                  }[kind]
    wrong = VapiAuth("secret", "a-guess-" + uuid.uuid4().hex)
    stranger = phone()
    # Warm both paths, then interleave, so the machine's load falls on both alike.
    answers(shop.number, message_of, wrong, 2)
    answers(stranger, message_of, wrong, 2)
    known, unknown, known_ms, unknown_ms = set(), set(), [], []
    for _ in range(8):
        a, ta = answers(shop.number, message_of, wrong, 1)
        b, tb = answers(stranger, message_of, wrong, 1)
        known |= a
        unknown |= b
        known_ms += ta
        unknown_ms += tb
    assert len(known) == 1 and known == unknown, (known, unknown)
    [(status, _)] = known
    assert status == (200 if kind == "assistant-request" else 401)
    # The same work is done either way: the timings are of one class.
    fast, slow = sorted([statistics.median(known_ms), statistics.median(unknown_ms)])
    assert slow - fast < max(25.0, fast), (known_ms, unknown_ms)


def test_a_number_without_a_secret_answers_like_a_stranger(business, owner_db):
    number = phone()
    add_number(owner_db, business.org_id, number)
    auth = VapiAuth("secret", "a-guess-" + uuid.uuid4().hex)
    for message_of in (lambda c: c.assistant_request(), lambda c: c.hang()):
        ours, _ = answers(number, message_of, auth, 1)
        theirs, _ = answers(phone(), message_of, auth, 1)
        assert ours == theirs


# ---------- (c) a Vapi phone number id is one the business's own key can read ----------

VAPI_FAKE = os.environ.get("SB_VAPI_FAKE_URL", "")


def vapi_account(client, number_ids):
    """A Vapi account of client's with these phone numbers; its key saved on Provider keys."""
    key = "vapi-key-" + uuid.uuid4().hex
    r = requests.post(VAPI_FAKE + "/_fake/phone_numbers", json={"api_key": key, "ids": number_ids},
                      timeout=10)
    assert r.status_code == 200, r.text
    r = client.post_form("/settings/credentials", {"vapi_api_key": key})
    assert r.status_code == 303, r.text[:300]
    return key


def vapi_row(db, org_id):
    rows = sql(db, "SELECT phone_number_id, phone_number_checked_at IS NOT NULL "
                   "FROM vapi_settings WHERE org_id = %s", org_id)
    return rows[0] if rows else None


@pytest.mark.skipif(not VAPI_FAKE, reason="needs the stack's Vapi fake")
def test_another_business_s_vapi_number_id_is_refused_and_routes_nothing(
        business, other_business, owner_db):
    """The attack: business B types business A's Vapi phone number id (ids show up in logs and
    screenshots) and so receives A's Vapi traffic. Now B's own Vapi key must read the id."""
    ours, theirs = "pn-" + uuid.uuid4().hex, "pn-" + uuid.uuid4().hex
    vapi_account(business, [ours])
    vapi_account(other_business, [theirs])
    secret_a, secret_b = "secret-a-" + uuid.uuid4().hex, "secret-b-" + uuid.uuid4().hex
    store_secret(business, secret_a)
    store_secret(other_business, secret_b)
    r = other_business.post_form("/settings/vapi", dict(FORM, phone_number_id=ours))
    assert r.status_code == 422
    assert "your Vapi account has no phone number with this id" in r.text.replace("&#39;", "'")
    assert vapi_row(owner_db, other_business.org_id) in (None, (None, False))
    # Its own number is read by its own key, and saved checked.
    r = other_business.post_form("/settings/vapi", dict(FORM, phone_number_id=theirs))
    assert r.status_code == 303, r.text[:2000]
    assert vapi_row(owner_db, other_business.org_id) == (theirs, True)
    r = business.post_form("/settings/vapi", dict(FORM, phone_number_id=ours))
    assert r.status_code == 303, r.text[:2000]
    assert vapi_row(owner_db, business.org_id) == (ours, True)
    # A's traffic, named by A's id alone, reaches A and never B.
    call = VapiCall(None, phone(), phone_number_id=ours)
    assert VapiDriver(HOOK, VapiAuth("secret", secret_b)).send(
        call.status_update("in-progress")).status == 401
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE provider_call_id = %s AND org_id = %s",
               call.id, other_business.org_id) == [(0,)]
    assert VapiDriver(HOOK, VapiAuth("secret", secret_a)).send(
        call.status_update("in-progress")).status == 200
    assert sql(owner_db, "SELECT org_id::text FROM calls WHERE provider_call_id = %s",
               call.id) == [(business.org_id,)]


@pytest.mark.skipif(not VAPI_FAKE, reason="needs the stack's Vapi fake")
def test_a_vapi_number_id_is_refused_without_a_key_or_with_a_bad_one(business, owner_db):
    number_id = "pn-" + uuid.uuid4().hex
    r = business.post_form("/settings/vapi", dict(FORM, phone_number_id=number_id))
    assert r.status_code == 422 and "save your Vapi API key" in r.text
    r = business.post_form("/settings/credentials", {"vapi_api_key": "not-a-key-of-vapi-s"})
    assert r.status_code == 303
    r = business.post_form("/settings/vapi", dict(FORM, phone_number_id=number_id))
    assert r.status_code == 422 and "Vapi refused your API key" in r.text
    assert vapi_row(owner_db, business.org_id) in (None, (None, False))


def test_an_unchecked_vapi_number_id_routes_nowhere(business, owner_db):
    """An id written without the check (as a typed one would be) tells no message whose it is."""
    secret = "secret-" + uuid.uuid4().hex
    store_secret(business, secret)
    number_id = "pn-" + uuid.uuid4().hex
    sql(owner_db, "INSERT INTO vapi_settings (org_id, phone_number_id) VALUES (%s, %s) "
                  "ON CONFLICT (org_id) DO UPDATE SET phone_number_id = EXCLUDED.phone_number_id",
        business.org_id, number_id)
    assert sql(owner_db, "SELECT vapi_org_for(NULL, %s, NULL)", number_id) == [(None,)]
    call = VapiCall(None, phone(), phone_number_id=number_id)
    assert VapiDriver(HOOK, VapiAuth("secret", secret)).send(
        call.status_update("in-progress")).status == 401
    nothing_stored(owner_db, call)
    # Checked, it routes; changed later without a check, it stops.
    sql(owner_db, "UPDATE vapi_settings SET phone_number_checked_at = now() WHERE org_id = %s",
        business.org_id)
    [(org,)] = sql(owner_db, "SELECT vapi_org_for(NULL, %s, NULL)::text", number_id)
    assert org == business.org_id
    sql(owner_db, "UPDATE vapi_settings SET phone_number_id = %s WHERE org_id = %s",
        "pn-" + uuid.uuid4().hex, business.org_id)
    assert sql(owner_db, "SELECT count(*) FROM vapi_settings WHERE org_id = %s "
                         "AND phone_number_checked_at IS NOT NULL", business.org_id) == [(0,)]
