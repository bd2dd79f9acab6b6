"""test_page_settings.py: every settings section saves, refuses bad input, hides secrets and keeps tenants apart."""
import base64
import hashlib
import html
import json
import os
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import login, sql, stack_secret

FORGED = "0" * 64


def org_row(db, org_id):
    rows = sql(db, """SELECT name, timezone, business_hours, greeting, voice_personality,
                             call_mode, sms_enabled, alert_phone, alert_email, transfer_phone
                      FROM organizations WHERE id = %s""", org_id)
    return rows[0]


def audit(db, org_id, action):
    return sql(db, "SELECT user_id::text, target, detail FROM audit_log "
                   "WHERE org_id = %s AND action = %s ORDER BY created_at", org_id, action)


def owner_id(db, org_id):
    return str(sql(db, "SELECT id FROM users WHERE org_id = %s AND role = 'owner'", org_id)[0][0])


def scrypt_hash(password):
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=16384, r=8, p=1, dklen=32)
    return "scrypt$16384$8$1$%s$%s" % (base64.b64encode(salt).decode(), base64.b64encode(key).decode())


@pytest.fixture
def member(business, owner_db):
    """A member (not admin) of business, signed in."""
    email = f"member-{uuid.uuid4().hex[:10]}@example.test"
    sql(owner_db, "INSERT INTO users (org_id, email, password_hash, role) VALUES (%s, %s, %s, 'member')",
        business.org_id, email, scrypt_hash("member password 1"))
    return login(email, "member password 1")


# ---------- Business ----------

def test_business_saves_and_shows(business, owner_db):
    r = business.post_form("/settings/business", {"name": "Ace Plumbing & Sons", "timezone": "Europe/Berlin"})
    assert r.status_code == 303 and r.headers["Location"] == "/settings"
    page = business.get("/settings")
    assert page.status_code == 200
    assert 'value="Ace Plumbing &amp; Sons"' in page.text
    assert 'value="Europe/Berlin"' in page.text
    row = org_row(owner_db, business.org_id)
    assert (row[0], row[1]) == ("Ace Plumbing & Sons", "Europe/Berlin")
    entries = audit(owner_db, business.org_id, "settings.business")
    assert len(entries) == 1
    assert entries[0][0] == owner_id(owner_db, business.org_id)
    assert entries[0][2] == {"name": "Ace Plumbing & Sons", "timezone": "Europe/Berlin",
                             "business_kind": "other"}


def test_changing_the_kind_adds_starters_and_keeps_the_owners_edits(owner_db):
    from conftest import signup
    shop = signup(kind="plumber")
    org = shop.org_id
    # The owner's own edits: a repriced starter, a deactivated one, an answer rewritten, a
    # service and an answer of their own, and a greeting in their own words.
    sql(owner_db, "UPDATE services SET price_cents = 9900, keywords = '{clog}' "
                  "WHERE org_id = %s AND name = 'Drain cleaning'", org)
    sql(owner_db, "UPDATE services SET active = false WHERE org_id = %s "
                  "AND name = 'Leak repair'", org)
    sql(owner_db, "INSERT INTO services (org_id, name, price_cents) VALUES "
                  "(%s, 'Furnace tune-up', 12000)", org)
    sql(owner_db, "UPDATE knowledge_entries SET answer = 'Our own answer.' WHERE org_id = %s "
                  "AND question = 'Are you licensed and insured?'", org)
    sql(owner_db, "INSERT INTO knowledge_entries (org_id, question, answer) VALUES "
                  "(%s, 'Do you service boilers?', 'Yes, gas and oil boilers.')", org)
    sql(owner_db, "UPDATE organizations SET greeting = 'Hi, Ace here!' WHERE id = %s", org)
    services = lambda: sorted(sql(owner_db, "SELECT name, price_cents, active, "
                                            "array_to_string(keywords, '|') "
                                            "FROM services WHERE org_id = %s", org))
    answers = lambda: sorted(sql(owner_db, "SELECT question, answer FROM knowledge_entries "
                                           "WHERE org_id = %s", org))
    before_services, before_answers = services(), answers()
    page = shop.get("/settings").text
    assert '<option value="plumber" selected>' in page

    r = shop.post_form("/settings/business", {"name": org_row(owner_db, org)[0],
                                              "timezone": "America/New_York",
                                              "business_kind": "hvac"})
    assert r.status_code == 303, r.text[:500]
    after_services, after_answers = services(), answers()
    # Everything the business had is there, unchanged; the new kind's starters were added.
    assert set(before_services) <= set(after_services)
    assert set(before_answers) <= set(after_answers)
    assert len(after_services) > len(before_services)
    names = [s[0].lower() for s in after_services]
    assert len(names) == len(set(names))
    assert sql(owner_db, "SELECT business_kind, greeting FROM organizations WHERE id = %s",
               org)[0] == ("hvac", "Hi, Ace here!")
    assert '<option value="hvac" selected>' in shop.get("/settings").text

    # Back again: nothing is duplicated, nothing removed.
    r = shop.post_form("/settings/business", {"name": org_row(owner_db, org)[0],
                                              "timezone": "America/New_York",
                                              "business_kind": "plumber"})
    assert r.status_code == 303
    assert services() == after_services and answers() == after_answers

    r = shop.post_form("/settings/business", {"name": "X", "timezone": "UTC",
                                              "business_kind": "spaceship"})
    assert r.status_code == 422 and "choose the kind of business" in r.text


def test_a_kind_change_updates_a_greeting_the_owner_never_wrote(owner_db):
    from conftest import signup
    shop = signup(kind="plumber")
    name = org_row(owner_db, shop.org_id)[0]
    r = shop.post_form("/settings/business", {"name": name, "timezone": "America/New_York",
                                              "business_kind": "dental"})
    assert r.status_code == 303
    (greeting,) = sql(owner_db, "SELECT greeting FROM organizations WHERE id = %s",
                      shop.org_id)[0]
    assert greeting == f"Thanks for calling {name}. How may I help you today?"


def test_business_bad_input_keeps_what_was_typed(business, owner_db):
    before = org_row(owner_db, business.org_id)
    r = business.post_form("/settings/business", {"name": "<b>Bold</b> Co", "timezone": "Mars/Olympus_Mons"})
    assert r.status_code == 422
    assert "choose a time zone such as America/New_York" in r.text
    assert 'value="Mars/Olympus_Mons"' in r.text
    assert "&lt;b&gt;Bold&lt;/b&gt; Co" in r.text and "<b>Bold</b>" not in r.text
    r = business.post_form("/settings/business", {"name": "  ", "timezone": "UTC"})
    assert r.status_code == 422
    assert "Business name is required" in r.text
    r = business.post_form("/settings/business", {"name": "x" * 201, "timezone": "UTC"})
    assert r.status_code == 422 and "keep it to 200 characters" in r.text
    assert org_row(owner_db, business.org_id) == before
    assert audit(owner_db, business.org_id, "settings.business") == []


# ---------- Phone numbers ----------

def test_phone_add_and_remove(business, owner_db):
    r = business.post_form("/settings/phones", {"e164": "+1 (555) 010-2030", "label": "Main <line>"})
    assert r.status_code == 303
    page = business.get("/settings/phones")
    assert "+15550102030" in page.text
    assert "Main &lt;line&gt;" in page.text
    rows = sql(owner_db, "SELECT id::text, e164, label FROM phone_numbers WHERE org_id = %s", business.org_id)
    assert [(e, l) for _, e, l in rows] == [("+15550102030", "Main <line>")]
    assert audit(owner_db, business.org_id, "settings.phone_add")[0][2] == {"e164": "+15550102030"}
    # A typed number is stored, not routed, until verified on the Phone line page.
    assert "not routed (no call, text or call-back) until it is verified" in page.text
    assert 'data-state="unverified"' in page.text and 'href="/line">Verify it on Phone line' in page.text
    assert '<a href="/line">Phone line</a>' in page.text
    sql(owner_db, "UPDATE phone_numbers SET connection = 'platform', verified_at = now(), "
                  "twilio_number_sid = %s, twilio_account_sid = %s WHERE id = %s",
        "PN" + "1" * 32, "AC" + "2" * 32, rows[0][0])
    page = business.get("/settings/phones").text
    assert 'data-state="verified"' in page and "bought through Switchboard" in page
    r = business.post_form(f"/settings/phones/{rows[0][0]}/delete")
    assert r.status_code == 303
    assert sql(owner_db, "SELECT 1 FROM phone_numbers WHERE org_id = %s", business.org_id) == []
    assert '<td class="nowrap mono">+15550102030' not in business.get("/settings/phones").text
    assert len(audit(owner_db, business.org_id, "settings.phone_remove")) == 1


@pytest.mark.parametrize("typed", ["5550102030", "+1555", "+1234567890123456", "+0123456789", "+1555abc1234"])
def test_phone_bad_e164(business, owner_db, typed):
    r = business.post_form("/settings/phones", {"e164": typed, "label": "Front desk"})
    assert r.status_code == 422
    assert "enter the number in international form" in r.text
    assert f'value="{html.escape(typed)}"' in r.text
    assert 'value="Front desk"' in r.text
    assert sql(owner_db, "SELECT 1 FROM phone_numbers WHERE org_id = %s", business.org_id) == []


def test_phone_duplicate(business, other_business, owner_db):
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, '+15550109999')", other_business.org_id)
    r = business.post_form("/settings/phones", {"e164": "+1 555 010 9999"})
    assert r.status_code == 422
    assert "already in use by another business" in r.text
    assert 'value="+1 555 010 9999"' in r.text
    assert sql(owner_db, "SELECT org_id::text FROM phone_numbers WHERE e164 = '+15550109999'") == \
        [(other_business.org_id,)]
    assert business.post_form("/settings/phones", {"e164": "+15550108888"}).status_code == 303
    r = business.post_form("/settings/phones", {"e164": "+15550108888"})
    assert r.status_code == 422 and "already on your account" in r.text
    assert sql(owner_db, "SELECT count(*) FROM phone_numbers WHERE org_id = %s", business.org_id) == [(1,)]


# ---------- Business hours ----------

def hours_form(**days):
    data = {}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        span = days.get(day)
        data[f"{day}_from"] = span[0] if span else "09:00"
        data[f"{day}_to"] = span[1] if span else "17:00"
        if span:
            data[f"{day}_open"] = "1"
    return data


def test_hours_save_and_show(business, owner_db):
    data = hours_form(mon=("08:00", "12:30"), tue=("09:00", "17:00"), sat=("10:00", "24:00"))
    r = business.post_form("/settings/hours", data)
    assert r.status_code == 303
    hours = org_row(owner_db, business.org_id)[2]
    assert hours == {"mon": [["08:00", "12:30"]], "tue": [["09:00", "17:00"]], "wed": [], "thu": [],
                     "fri": [], "sat": [["10:00", "24:00"]], "sun": []}
    page = business.get("/settings/hours").text
    assert 'name="mon_from" type="time" value="08:00"' in page
    assert 'name="mon_to" type="time" value="12:30"' in page
    assert 'id="mon_open" name="mon_open" type="checkbox" value="1" checked' in page
    assert 'id="wed_open" name="wed_open" type="checkbox" value="1" >' in page
    assert audit(owner_db, business.org_id, "settings.hours")[0][2] == hours


def test_hours_bad_input(business, owner_db):
    before = org_row(owner_db, business.org_id)[2]
    data = hours_form(mon=("17:00", "09:00"), tue=("9am", "25:00"))
    data["wed_from"], data["wed_to"] = "18:00", "08:00"  # closed: not checked
    r = business.post_form("/settings/hours", data)
    assert r.status_code == 422
    assert "the closing time must be after the opening time" in r.text
    assert "enter the opening time as HH:MM" in r.text
    assert "enter the closing time as HH:MM" in r.text
    assert r.text.count('class="field-error"') == 3
    assert 'name="mon_from" type="time" value="17:00"' in r.text
    assert 'name="tue_from" type="time" value="9am"' in r.text
    assert 'name="wed_to" type="time" value="08:00"' in r.text
    assert org_row(owner_db, business.org_id)[2] == before


# ---------- Receptionist ----------

def test_receptionist_saves_and_escapes(business, owner_db):
    greeting = "Hi! <script>alert('x')</script> & welcome"
    # Stream mode needs speech recognition: the business's own Deepgram key here.
    assert business.post_form("/settings/credentials",
                              {"deepgram_api_key": "dg-own-key-12345678"}).status_code == 303
    r = business.post_form("/settings/receptionist", {
        "greeting": greeting, "voice_personality": "Warm, brief", "call_mode": "stream",
        "transfer_phone": "+44 20 7946 0958"})
    assert r.status_code == 303
    row = org_row(owner_db, business.org_id)
    assert row[3:6] == (greeting, "Warm, brief", "stream")
    assert row[9] == "+442079460958"
    page = business.get("/settings/receptionist").text
    assert "<script>alert" not in page
    assert "Hi! &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; welcome" in page
    assert '<option value="stream" selected>' in page
    assert 'value="+442079460958"' in page
    r = business.post_form("/settings/receptionist", {
        "greeting": greeting, "voice_personality": "Warm, brief", "call_mode": "gather",
        "transfer_phone": ""})
    assert r.status_code == 303
    assert org_row(owner_db, business.org_id)[9] is None
    assert len(audit(owner_db, business.org_id, "settings.receptionist")) == 2


def test_receptionist_bad_input(business, owner_db):
    before = org_row(owner_db, business.org_id)
    r = business.post_form("/settings/receptionist", {
        "greeting": "g" * 501, "voice_personality": "", "call_mode": "telepathy",
        "transfer_phone": "call me"})
    assert r.status_code == 422
    assert "keep it to 500 characters" in r.text
    assert "Voice personality is required" in r.text
    assert "choose gather, stream or vapi" in r.text
    assert "enter the number in international form" in r.text
    assert "g" * 501 in r.text and 'value="call me"' in r.text
    r = business.post_form("/settings/receptionist", {
        "greeting": "Hello", "voice_personality": "p" * 501, "call_mode": "vapi"})
    assert r.status_code == 422 and "keep it to 500 characters" in r.text
    assert "p" * 501 in r.text
    assert '<option value="vapi" selected>' in r.text
    assert org_row(owner_db, business.org_id) == before


# ---------- Notifications ----------

def test_notifications_save(business, owner_db):
    # Texts go out through the server's Twilio account from a verified number.
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, random_e164())
    r = business.post_form("/settings/notifications", {
        "sms_enabled": "1", "sms_recipients": "+15550104444", "sms_on_urgent": "1",
        "email_recipients": "boss@example.test", "email_on_booking": "1"})
    assert r.status_code == 303
    row = org_row(owner_db, business.org_id)
    assert row[6:9] == (True, "+15550104444", "boss@example.test")
    page = business.get("/settings/notifications").text
    assert 'name="sms_enabled" type="checkbox" value="1" checked' in page
    assert 'value="+15550104444"' in page and 'value="boss@example.test"' in page
    r = business.post_form("/settings/notifications", {"sms_recipients": "",
                                                       "email_recipients": ""})
    assert r.status_code == 303
    assert org_row(owner_db, business.org_id)[6:9] == (False, None, None)
    assert 'value="1" checked' not in business.get("/settings/notifications").text
    details = [d for _, _, d in audit(owner_db, business.org_id, "settings.notifications")]
    assert [d["sms_enabled"] for d in details] == [True, False]


def test_notifications_bad_input(business, owner_db):
    before = org_row(owner_db, business.org_id)
    r = business.post_form("/settings/notifications", {
        "sms_enabled": "1", "sms_recipients": "555-0100", "email_recipients": "not-an-email"})
    assert r.status_code == 422
    assert "enter the number in international form" in r.text
    assert "enter an email address like name@example.com" in r.text
    assert 'value="555-0100"' in r.text and 'value="not-an-email"' in r.text
    assert 'value="1" checked' in r.text
    assert org_row(owner_db, business.org_id) == before


# ---------- Knowledge base ----------

def entries(db, org_id):
    return sql(db, "SELECT id::text, question, answer FROM knowledge_entries WHERE org_id = %s", org_id)


def test_knowledge_add_edit_delete(business, owner_db):
    r = business.post_form("/settings/knowledge", {
        "question": "Do you <i>park</i>?", "answer": "Yes & free <script>x()</script>"})
    assert r.status_code == 303
    [(entry_id, q, a)] = entries(owner_db, business.org_id)
    assert (q, a) == ("Do you <i>park</i>?", "Yes & free <script>x()</script>")
    page = business.get("/settings/knowledge").text
    assert "Do you &lt;i&gt;park&lt;/i&gt;?" in page
    assert "Yes &amp; free &lt;script&gt;x()&lt;/script&gt;" in page
    assert "<script>x()" not in page and "<i>park" not in page
    edit = business.get(f"/settings/knowledge/{entry_id}")
    assert edit.status_code == 200 and 'value="Do you &lt;i&gt;park&lt;/i&gt;?"' in edit.text
    r = business.post_form(f"/settings/knowledge/{entry_id}", {"question": "Parking?", "answer": "Street only."})
    assert r.status_code == 303
    assert entries(owner_db, business.org_id) == [(entry_id, "Parking?", "Street only.")]
    assert "Street only." in business.get("/settings/knowledge").text
    r = business.post_form(f"/settings/knowledge/{entry_id}/delete")
    assert r.status_code == 303
    assert entries(owner_db, business.org_id) == []
    actions = sql(owner_db, "SELECT action FROM audit_log WHERE org_id = %s AND action LIKE 'settings.knowledge%%' "
                            "ORDER BY created_at", business.org_id)
    assert [a for (a,) in actions] == ["settings.knowledge_add", "settings.knowledge_edit",
                                       "settings.knowledge_delete"]


def test_knowledge_bad_input(business, owner_db):
    r = business.post_form("/settings/knowledge", {"question": "q" * 301, "answer": ""})
    assert r.status_code == 422
    assert "keep it to 300 characters" in r.text and "Answer is required" in r.text
    assert "q" * 301 in r.text
    r = business.post_form("/settings/knowledge", {"question": "", "answer": "a" * 2001})
    assert r.status_code == 422
    assert "Question is required" in r.text and "keep it to 2000 characters" in r.text
    assert entries(owner_db, business.org_id) == []
    assert business.post_form("/settings/knowledge", {"question": "Q1", "answer": "A1"}).status_code == 303
    [(entry_id, _, _)] = entries(owner_db, business.org_id)
    r = business.post_form(f"/settings/knowledge/{entry_id}", {"question": "<b>new</b>", "answer": " "})
    assert r.status_code == 422
    assert "Answer is required" in r.text and 'value="&lt;b&gt;new&lt;/b&gt;"' in r.text
    assert entries(owner_db, business.org_id) == [(entry_id, "Q1", "A1")]


def test_other_business_ids_are_not_found(business, other_business, owner_db):
    [(kid,)] = sql(owner_db, "INSERT INTO knowledge_entries (org_id, question, answer) "
                             "VALUES (%s, 'Theirs?', 'Yes.') RETURNING id::text", other_business.org_id)
    [(pid,)] = sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, '+15550107777') "
                             "RETURNING id::text", other_business.org_id)
    [(cid,)] = sql(owner_db, "INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint) "
                             "VALUES (%s, 'twilio', 'auth_token', '\\x00', 'abcd') RETURNING id::text",
                   other_business.org_id)
    assert business.get(f"/settings/knowledge/{kid}").status_code == 404
    assert business.post_form(f"/settings/knowledge/{kid}", {"question": "Mine", "answer": "Now"}).status_code == 404
    assert business.post_form(f"/settings/knowledge/{kid}", {"question": "", "answer": ""}).status_code == 404
    assert business.post_form(f"/settings/knowledge/{kid}/delete").status_code == 404
    assert business.post_form(f"/settings/phones/{pid}/delete").status_code == 404
    assert business.post_form(f"/settings/credentials/{cid}/delete").status_code == 404
    assert "Theirs?" not in business.get("/settings/knowledge").text
    assert "+15550107777" not in business.get("/settings/phones").text
    assert "••••abcd" not in business.get("/settings/credentials").text
    assert entries(owner_db, other_business.org_id) == [(kid, "Theirs?", "Yes.")]
    assert sql(owner_db, "SELECT count(*) FROM phone_numbers WHERE id = %s", pid) == [(1,)]
    assert sql(owner_db, "SELECT count(*) FROM provider_credentials WHERE id = %s", cid) == [(1,)]
    assert business.get("/settings/knowledge/not-a-uuid").status_code == 404


# ---------- Provider credentials ----------

def credentials(db, org_id):
    rows = sql(db, "SELECT provider, name, secret_enc, secret_hint, id::text FROM provider_credentials "
                   "WHERE org_id = %s", org_id)
    return {(p, n): (bytes(enc), hint, cid) for p, n, enc, hint, cid in rows}


def unseal(key, enc, org, provider, name):
    """A secret as lib/infra/crypto.c seals it: version 2, the key's id, nonce, ciphertext and tag,
    bound to the organization, provider and name (and the header)."""
    assert enc[0] == 2
    bound = ("switchboard credential\n%s\n%s\n%s" % (org, provider, name)).encode()
    return AESGCM(key).decrypt(enc[5:17], enc[17:], enc[:5] + bound)


def test_credentials_stored_encrypted_and_never_shown(business, owner_db):
    secrets = {
        "twilio_account_sid": "AC" + "0123456789abcdef" * 2,
        "twilio_auth_token": "tw-secret-token-9f3e1234",
        "vapi_api_key": "vapi-key-77c1aa",
        "vapi_server_secret": "vapi-server-secret-5b5b",
        "llm_base_url": "https://llm.example.test/v1",
        "llm_api_key": "sk-llm-0000abcd",
        "deepgram_api_key": "dg-key-1111wxyz",
        "elevenlabs_api_key": "el-key-2222QRST",
    }
    r = business.post_form("/settings/credentials", secrets)
    assert r.status_code == 303, r.text[:500]
    stored = credentials(owner_db, business.org_id)
    assert set(stored) == {("twilio", "account_sid"), ("twilio", "auth_token"), ("vapi", "api_key"),
                           ("vapi", "server_secret"), ("llm", "base_url"), ("llm", "api_key"),
                           ("deepgram", "api_key"), ("elevenlabs", "api_key")}
    key = bytes.fromhex(stack_secret("ENCRYPTION_KEY"))
    field_of = {("twilio", "account_sid"): "twilio_account_sid", ("twilio", "auth_token"): "twilio_auth_token",
                ("vapi", "api_key"): "vapi_api_key", ("vapi", "server_secret"): "vapi_server_secret",
                ("llm", "base_url"): "llm_base_url", ("llm", "api_key"): "llm_api_key",
                ("deepgram", "api_key"): "deepgram_api_key", ("elevenlabs", "api_key"): "elevenlabs_api_key"}
    page = business.get("/settings/credentials").text
    for ident, (enc, hint, _) in stored.items():
        secret = secrets[field_of[ident]]
        assert secret.encode() not in enc
        plain = unseal(key, enc, business.org_id, *ident)
        assert plain.decode() == secret
        with pytest.raises(Exception):
            unseal(key, enc, str(uuid.uuid4()), *ident)
        assert hint == secret[-4:]
        if ident in (("twilio", "account_sid"), ("llm", "base_url")):
            # Not secrets: shown whole, so the owner sees what calls use.
            assert secret in page
        else:
            assert "••••" + hint in page
            assert secret not in page
    detail = audit(owner_db, business.org_id, "settings.credentials")[0][2]
    assert len(detail["saved"]) == 8
    everything = json.dumps(sql(owner_db, "SELECT detail FROM audit_log WHERE org_id = %s", business.org_id))
    for secret in secrets.values():
        assert secret not in everything

    # An empty field replaces nothing; a filled one replaces only itself.
    r = business.post_form("/settings/credentials", {"twilio_auth_token": "tw-new-token-abcd5678",
                                                     "vapi_api_key": ""})
    assert r.status_code == 303
    again = credentials(owner_db, business.org_id)
    assert again[("vapi", "api_key")] == stored[("vapi", "api_key")]
    assert again[("twilio", "auth_token")][1] == "5678"
    enc = again[("twilio", "auth_token")][0]
    assert unseal(key, enc, business.org_id, "twilio", "auth_token") == b"tw-new-token-abcd5678"
    r = business.post_form("/settings/credentials", {})
    assert r.status_code == 303
    assert credentials(owner_db, business.org_id) == again

    # Removing one key leaves the others.
    cid = again[("deepgram", "api_key")][2]
    assert business.post_form(f"/settings/credentials/{cid}/delete").status_code == 303
    assert ("deepgram", "api_key") not in credentials(owner_db, business.org_id)
    assert len(credentials(owner_db, business.org_id)) == 7


def test_credentials_bad_input(business, owner_db):
    r = business.post_form("/settings/credentials", {
        "twilio_account_sid": "XY123", "twilio_auth_token": "short", "llm_base_url": "ftp://x",
        "vapi_api_key": "has a space in it", "deepgram_api_key": "dg-valid-key-123456"})
    assert r.status_code == 422
    assert "an account SID is AC followed by 32 letters and digits" in r.text
    assert "this is too short to be a key" in r.text
    assert "enter an address that starts with https://" in r.text
    assert "remove the spaces" in r.text
    assert 'value="XY123"' in r.text and 'value="ftp://x"' in r.text
    assert "dg-valid-key-123456" not in r.text and "has a space in it" not in r.text
    assert credentials(owner_db, business.org_id) == {}


def test_a_mode_that_cannot_work_is_refused_with_the_fix(business, owner_db):
    form = {"greeting": "Hello", "voice_personality": "Warm", "call_mode": "stream"}
    r = business.post_form("/settings/receptionist", form)
    assert r.status_code == 422
    assert ("Stream mode needs speech recognition: add a Deepgram key under Provider keys, "
            "or choose gather mode.") in r.text
    assert org_row(owner_db, business.org_id)[5] == "gather"
    # Vapi needs a server URL reachable over https; the test server is plain http.
    r = business.post_form("/settings/receptionist", dict(form, call_mode="vapi"))
    assert r.status_code == 422
    assert "Vapi mode needs a server URL Vapi can reach over https" in r.text
    assert org_row(owner_db, business.org_id)[5] == "gather"
    # A Deepgram key removed after stream mode was chosen: the page says the mode cannot work.
    sql(owner_db, "UPDATE organizations SET call_mode = 'stream' WHERE id = %s", business.org_id)
    page = business.get("/settings/receptionist").text
    assert "The saved call mode cannot work now: Stream mode needs speech recognition" in page


def test_texts_on_without_a_way_to_send_them_are_refused(business, owner_db):
    r = business.post_form("/settings/notifications", {"sms_enabled": "1"})
    assert r.status_code == 422
    assert "Texts need a verified number to send from: connect one under Phone line" in r.text
    assert org_row(owner_db, business.org_id)[6] is False
    # A typed number is not verified, so it sends nothing either.
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)", business.org_id,
        random_e164())
    assert business.post_form("/settings/notifications", {"sms_enabled": "1"}).status_code == 422
    sql(owner_db, "UPDATE phone_numbers SET verified_at = now() WHERE org_id = %s",
        business.org_id)
    assert business.post_form("/settings/notifications", {"sms_enabled": "1"}).status_code == 303
    assert org_row(owner_db, business.org_id)[6] is True


# ---------- CSRF and roles ----------

VALID_POSTS = [
    ("/settings/business", {"name": "Changed", "timezone": "UTC"}),
    ("/settings/phones", {"e164": "+15550106666"}),
    ("/settings/hours", {"mon_open": "1", "mon_from": "07:00", "mon_to": "08:00"}),
    ("/settings/receptionist", {"greeting": "Changed", "voice_personality": "Changed", "call_mode": "vapi"}),
    ("/settings/notifications", {"sms_enabled": "1", "email_recipients": "x@example.test"}),
    ("/settings/knowledge", {"question": "Changed?", "answer": "Changed."}),
    ("/settings/credentials", {"deepgram_api_key": "dg-changed-key-0001"}),
]


def snapshot(db, org_id):
    return (org_row(db, org_id),
            sql(db, "SELECT e164 FROM phone_numbers WHERE org_id = %s ORDER BY e164", org_id),
            entries(db, org_id),
            credentials(db, org_id),
            sql(db, "SELECT count(*) FROM audit_log WHERE org_id = %s", org_id))


def random_e164():
    return "+1555%07d" % (uuid.uuid4().int % 10000000)


def existing_ids(business, owner_db):
    [(kid,)] = sql(owner_db, "INSERT INTO knowledge_entries (org_id, question, answer) "
                             "VALUES (%s, 'Kept?', 'Kept.') RETURNING id::text", business.org_id)
    [(pid,)] = sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s) "
                             "RETURNING id::text", business.org_id, random_e164())
    [(cid,)] = sql(owner_db, "INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint) "
                             "VALUES (%s, 'vapi', 'api_key', '\\x00', 'zzzz') RETURNING id::text", business.org_id)
    return [(f"/settings/knowledge/{kid}", {"question": "Changed?", "answer": "Changed."}),
            (f"/settings/knowledge/{kid}/delete", {}),
            (f"/settings/phones/{pid}/delete", {}),
            (f"/settings/credentials/{cid}/delete", {})]


def test_forged_or_missing_csrf_changes_nothing(business, owner_db):
    posts = VALID_POSTS + existing_ids(business, owner_db)
    before = snapshot(owner_db, business.org_id)
    for path, data in posts:
        r = business.post(path, data=dict(data, csrf=FORGED))
        assert r.status_code == 403, path
        r = business.post(path, data=data or {"confirm": "1"})
        assert r.status_code == 403, path
    assert snapshot(owner_db, business.org_id) == before


def test_member_can_look_but_not_change(member, business, owner_db):
    posts = VALID_POSTS + existing_ids(business, owner_db)
    before = snapshot(owner_db, business.org_id)
    for path in ("/settings", "/settings/phones", "/settings/hours", "/settings/receptionist",
                 "/settings/notifications", "/settings/knowledge", "/settings/credentials"):
        r = member.get(path)
        assert r.status_code == 200, path
        assert "Only owners and admins can change settings." in r.text
    for path, data in posts:
        r = member.post_form(path, data)
        assert r.status_code == 403, path
    assert snapshot(owner_db, business.org_id) == before


def test_settings_pages_render_for_owner(business):
    for path, heading in (("/settings", "Settings"), ("/settings/phones", "Phone numbers"),
                          ("/settings/hours", "Business hours"), ("/settings/receptionist", "Receptionist"),
                          ("/settings/notifications", "Notifications"),
                          ("/settings/knowledge", "Knowledge base"), ("/settings/credentials", "Provider keys")):
        r = business.get(path)
        assert r.status_code == 200, path
        assert f"<h1>{heading}</h1>" in r.text
        assert 'class="active"' in r.text
        assert "Only owners and admins" not in r.text
        assert 'name="csrf" value="%s"' % business.csrf in r.text
