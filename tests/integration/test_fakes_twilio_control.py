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
                                                 "Body": "Hello"}}]
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
