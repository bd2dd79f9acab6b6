"""test_fakes_twilio_control: the Twilio fake run as its own process, as scripts/test runs it for
the programs, is steered and inspected over HTTP (/_fake/...) while its API answers as before."""
import os
import socket
import subprocess
import sys
import time

import pytest
import requests

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SID, TOKEN = "AC" + "ab" * 16, "control-test-token"


@pytest.fixture
def standalone():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.twilio_fake", "--port", str(port),
                             "--sid", SID, "--token", TOKEN], cwd=ROOT, stdout=subprocess.PIPE)
    base = "http://127.0.0.1:%d" % port
    assert proc.stdout.readline().decode().strip() == base
    yield base
    proc.terminate()
    proc.wait(10)


def send(base, to, auth=(SID, TOKEN)):
    return requests.post("%s/2010-04-01/Accounts/%s/Messages.json" % (base, SID), auth=auth,
                         data={"To": to, "From": "+15557654321", "Body": "Hello"}, timeout=10)


def test_messages_and_requests_are_inspected(standalone):
    assert requests.get(standalone + "/_fake/messages", timeout=10).json() == []
    r = send(standalone, "+15551234567")
    assert r.status_code == 201
    msgs = requests.get(standalone + "/_fake/messages", timeout=10).json()
    assert msgs == [{"sid": r.json()["sid"], "to": "+15551234567", "from": "+15557654321",
                     "body": "Hello", "params": {"To": "+15551234567", "From": "+15557654321",
                                                 "Body": "Hello"}, "account_sid": SID}]
    assert send(standalone, "+15551234567", auth=(SID, "wrong")).status_code == 401
    reqs = requests.get(standalone + "/_fake/requests", timeout=10).json()
    assert [q["method"] for q in reqs] == ["POST", "POST"]
    assert all(q["path"].endswith("/Messages.json") for q in reqs)


def test_behaviour_numbers_and_reset_are_steered(standalone):
    requests.post(standalone + "/_fake/behave", json={"behaviour": "fail", "fail_status": 429},
                  timeout=10).raise_for_status()
    r = send(standalone, "+15551234567")
    assert r.status_code == 429 and r.json()["code"] == 20429
    # Steering is answered whatever the behaviour.
    requests.post(standalone + "/_fake/behave", json={"behaviour": "normal"},
                  timeout=10).raise_for_status()
    requests.post(standalone + "/_fake/invalid_numbers", json={"numbers": ["+15550000002"]},
                  timeout=10).raise_for_status()
    requests.post(standalone + "/_fake/unsubscribed", json={"numbers": ["+15550000003"]},
                  timeout=10).raise_for_status()
    assert send(standalone, "+15550000002").json()["code"] == 21211
    assert send(standalone, "+15550000003").json()["code"] == 21610
    assert send(standalone, "+15551234567").status_code == 201
    requests.post(standalone + "/_fake/reset", timeout=10).raise_for_status()
    assert requests.get(standalone + "/_fake/messages", timeout=10).json() == []
    assert requests.get(standalone + "/_fake/requests", timeout=10).json() == []
    assert send(standalone, "+15550000002").status_code == 201
    assert requests.get(standalone + "/_fake/nothing", timeout=10).status_code == 404


def api(base, path, account, token, method="GET", data=None):
    return requests.request(method, "%s/2010-04-01/Accounts/%s/%s" % (base, account, path),
                            auth=(account, token), data=data, timeout=10)


def test_accounts_are_made_and_kept_apart(standalone):
    r = requests.post(standalone + "/_fake/accounts", json={"friendly_name": "Own"}, timeout=10)
    assert r.status_code == 201
    other, other_token = r.json()["sid"], r.json()["auth_token"]
    assert other.startswith("AC") and len(other) == 34 and other_token
    # Each account's own token, and only its own resources.
    assert api(standalone, "IncomingPhoneNumbers.json", other, other_token).status_code == 200
    wrong = api(standalone, "IncomingPhoneNumbers.json", other, TOKEN)
    assert wrong.status_code == 401 and wrong.json()["code"] == 20003
    cross = requests.get("%s/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json" % (standalone, SID),
                         auth=(other, other_token), timeout=10)
    assert cross.status_code == 404 and cross.json()["code"] == 20404
    sent = requests.post("%s/2010-04-01/Accounts/%s/Messages.json" % (standalone, other),
                         auth=(other, other_token), timeout=10,
                         data={"To": "+15551234567", "From": "+15557654321", "Body": "Hi"})
    assert sent.status_code == 201 and sent.json()["account_sid"] == other


def test_numbers_are_searched_bought_listed_and_configured(standalone):
    r = api(standalone, "AvailablePhoneNumbers/US/Local.json?AreaCode=415&PageSize=3", SID, TOKEN)
    assert r.status_code == 200
    found = r.json()["available_phone_numbers"]
    assert len(found) == 3 and "uri" in r.json()
    first = found[0]
    assert set(first) >= {"friendly_name", "phone_number", "lata", "locality", "rate_center",
                          "latitude", "longitude", "region", "postal_code", "iso_country",
                          "capabilities"}
    assert first["phone_number"].startswith("+1415") and first["capabilities"] == \
        {"voice": True, "SMS": True, "MMS": True}
    assert api(standalone, "AvailablePhoneNumbers/US/Local.json?AreaCode=41", SID,
               TOKEN).status_code == 400
    assert api(standalone, "AvailablePhoneNumbers/ZZ/Local.json", SID, TOKEN).status_code == 404

    bought = api(standalone, "IncomingPhoneNumbers.json", SID, TOKEN, "POST",
                 {"PhoneNumber": first["phone_number"]})
    assert bought.status_code == 201
    number = bought.json()
    assert number["sid"].startswith("PN") and number["account_sid"] == SID
    assert number["phone_number"] == first["phone_number"]
    again = api(standalone, "IncomingPhoneNumbers.json", SID, TOKEN, "POST",
                {"PhoneNumber": first["phone_number"]})
    assert again.status_code == 400 and again.json()["code"] == 21422
    # Bought numbers are no longer offered; an area code buys the next free one.
    offered = api(standalone, "AvailablePhoneNumbers/US/Local.json?AreaCode=415", SID,
                  TOKEN).json()["available_phone_numbers"]
    assert first["phone_number"] not in [n["phone_number"] for n in offered]
    by_area = api(standalone, "IncomingPhoneNumbers.json", SID, TOKEN, "POST", {"AreaCode": "212"})
    assert by_area.status_code == 201 and by_area.json()["phone_number"].startswith("+1212")

    listed = api(standalone, "IncomingPhoneNumbers.json?PhoneNumber=%s"
                 % requests.utils.quote(first["phone_number"]), SID, TOKEN).json()
    assert [n["sid"] for n in listed["incoming_phone_numbers"]] == [number["sid"]]
    assert listed["next_page_uri"] is None and listed["page"] == 0
    assert api(standalone, "IncomingPhoneNumbers.json?PhoneNumber=%2B19999999999", SID,
               TOKEN).json()["incoming_phone_numbers"] == []

    path = "IncomingPhoneNumbers/%s.json" % number["sid"]
    bad = api(standalone, path, SID, TOKEN, "POST", {"VoiceUrl": "ftp://example.test/voice"})
    assert bad.status_code == 400 and bad.json()["code"] == 21502
    set_ = api(standalone, path, SID, TOKEN, "POST",
               {"VoiceUrl": "https://sb.test/hooks/twilio/voice", "VoiceMethod": "POST",
                "StatusCallback": "https://sb.test/hooks/twilio/status",
                "SmsUrl": "https://sb.test/hooks/twilio/sms"})
    assert set_.status_code == 200
    assert (set_.json()["voice_url"], set_.json()["status_callback"], set_.json()["sms_url"]) == \
        ("https://sb.test/hooks/twilio/voice", "https://sb.test/hooks/twilio/status",
         "https://sb.test/hooks/twilio/sms")
    updates = requests.get(standalone + "/_fake/number_updates", timeout=10).json()
    assert [u["sid"] for u in updates] == [number["sid"]]
    # Another account can neither see nor configure it.
    other = requests.post(standalone + "/_fake/accounts", json={}, timeout=10).json()
    assert api(standalone, "IncomingPhoneNumbers/%s.json" % number["sid"], other["sid"],
               other["auth_token"], "POST", {"VoiceUrl": "https://x.test/"}).status_code == 404
    # A number an account already holds, for the "own account" way.
    held = requests.post(standalone + "/_fake/numbers", timeout=10,
                         json={"account_sid": other["sid"], "phone_number": "+13125550142"})
    assert held.status_code == 201
    mine = api(standalone, "IncomingPhoneNumbers.json", other["sid"], other["auth_token"]).json()
    assert [n["phone_number"] for n in mine["incoming_phone_numbers"]] == ["+13125550142"]
    requests.post(standalone + "/_fake/reset", timeout=10).raise_for_status()
    assert requests.get(standalone + "/_fake/numbers", timeout=10).json() == []
