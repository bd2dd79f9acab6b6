"""test_vapi_fake: the Vapi fake on its own, without the stack: the signatures of PROTOCOLS.md
§5.3, the message shapes of §5.2, the REST /call endpoint of §5.5, and outbound playback."""
import base64
import hashlib
import hmac
import json
import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.fakebase import FakeProvider, Reply  # noqa: E402
from tests.fakes.vapi_fake import VapiAuth, VapiCall, VapiDriver, VapiFake  # noqa: E402

KEY = "vapi-private-key"
EXAMPLE = b'{"message":{"type":"status-update","status":"ended"}}'


class Receiver(FakeProvider):
    """A server URL in miniature: answers assistant-request and tool-calls, keeps the rest."""

    name = "receiver"

    def handle(self, request):
        message = request.json()["message"]
        if message["type"] == "assistant-request":
            return Reply.of_json({"assistant": {"model": {"messages": [
                {"role": "system", "content": "You answer for Acme."}]}}})
        if message["type"] == "tool-calls":
            return Reply.of_json({"results": [{"toolCallId": c["id"], "result": "Booked."}
                                              for c in message["toolCallList"]]})
        return Reply.of_json({})

    def messages(self):
        return [r.json()["message"] for r in self.received()]


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def vapi():
    f = VapiFake(KEY).start()
    yield f
    f.stop()


def header(request, name):
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)


def test_hmac_of_the_worked_example():
    h = VapiAuth("hmac", "testsecret").headers(EXAMPLE, "https://x.test/hooks/vapi",
                                               timestamp=1700000000)
    assert h["x-signature"] == "8654f5c074448b90a9de7fe1ea2ddf1ddd9983b7451eb3de10ffabea88c50dc6"
    assert h["x-timestamp"] == "1700000000"


def test_hmac_options_change_the_signature_as_configured():
    raw = base64.b64encode(b"raw key bytes").decode()
    auth = VapiAuth("hmac", raw, header="X-Sig", algorithm="sha512", timestamp_header="X-Ts",
                    payload_format="{method} {url} {svix-id} {timestamp} {body}",
                    encoding="base64", prefix="sha512=", secret_is_base64=True)
    h = auth.headers(b"{}", "https://x.test/h", timestamp=42)
    payload = ("POST https://x.test/h %s 42 {}" % h["svix-id"]).encode()
    want = base64.b64encode(hmac.new(b"raw key bytes", payload, hashlib.sha512).digest())
    assert h["X-Sig"] == "sha512=" + want.decode() and h["X-Ts"] == "42"
    assert h["svix-id"].startswith("msg_")
    bare = VapiAuth("hmac", "s", algorithm="sha1", include_timestamp=False)
    h = bare.headers(b"{}", "u", timestamp=42)
    assert h["x-signature"] == hmac.new(b"s", b"{}", hashlib.sha1).hexdigest()
    assert "x-timestamp" not in h


def test_secret_and_bearer_headers():
    assert VapiAuth().headers(b"", "u") == {"X-Vapi-Secret": "vapi-server-secret"}
    assert VapiAuth("bearer", "tok").headers(b"", "u") == {"Authorization": "Bearer tok"}
    assert VapiAuth("bearer", "tok", header="X-Vapi-Secret", bearer_prefix=False) \
        .headers(b"", "u") == {"X-Vapi-Secret": "tok"}
    auth = VapiAuth("hmac", "k", prefix="v1=")
    assert VapiAuth.from_dict(json.loads(json.dumps(auth.as_dict()))).as_dict() == auth.as_dict()


def test_signed_body_arrives_as_signed_and_tamper_breaks_it(receiver):
    auth = VapiAuth("hmac", "testsecret")
    driver = VapiDriver(receiver.url + "/hooks/vapi", auth)
    call = VapiCall("+15551230000", "+15557654321")
    got = driver.send(call.status_update("ended", "customer-ended-call"), timestamp=1700000000)
    assert got.status == 200 and got.json == {}
    req = receiver.received()[-1]
    assert header(req, "x-signature") == auth.signature(req.body, driver.server_url,
                                                          timestamp=1700000000,
                                                          svix_id=header(req, "svix-id"))
    driver.send(call.hang(), tamper=True)
    req = receiver.received()[-1]
    assert req.json()["message"]["type"] == "hang"
    assert header(req, "x-signature") != auth.signature(req.body, driver.server_url,
                                                          timestamp=header(req, "x-timestamp"),
                                                          svix_id=header(req, "svix-id"))


def arguments_of(item):
    """The tool call's name and arguments, read as PROTOCOLS.md §5.2 says a parser must."""
    fn = item.get("function") or {}
    name = fn.get("name") or item.get("name")
    args = fn.get("arguments", item.get("arguments", item.get("parameters")))
    return name, json.loads(args) if isinstance(args, str) else args


@pytest.mark.parametrize("shape", ["openapi", "string", "flat", "parameters"])
def test_tool_call_shapes_parse(shape):
    call = VapiCall("+15551230000", "+15557654321")
    args = {"service": "Drain cleaning", "start": "2030-01-07T09:00:00"}
    msg, ids = call.tool_calls([("book_appointment", args), ("lookup_service", {"q": "x"})],
                               shape)
    assert msg["type"] == "tool-calls" and len(ids) == 2 and ids[0].startswith("call_")
    assert [i["id"] for i in msg["toolCallList"]] == ids
    assert arguments_of(msg["toolCallList"][0]) == ("book_appointment", args)
    assert [t["toolCall"] for t in msg["toolWithToolCallList"]] == msg["toolCallList"]
    assert msg["toolWithToolCallList"][0]["function"]["name"] == "book_appointment"
    if shape == "string":
        assert isinstance(msg["toolCallList"][0]["function"]["arguments"], str)


def test_messages_carry_the_call_and_rising_timestamps():
    call = VapiCall("+15551230000", "+15557654321", customer_name="Jane", assistant_id="a1")
    first, second = call.assistant_request(), call.hang()
    assert second["timestamp"] > first["timestamp"]
    assert first["call"]["id"] == call.id and first["call"]["type"] == "inboundPhoneCall"
    assert first["customer"] == {"number": "+15557654321", "name": "Jane"}
    assert first["phoneNumber"]["number"] == "+15551230000"
    literal = call.transcript("user", "Hello", literal_type=True)
    assert literal["type"] == 'transcript[transcriptType="final"]'
    legacy = call.function_call("take_message", {"text": "hi"}, as_string=True)
    assert json.loads(legacy["functionCall"]["parameters"]) == {"text": "hi"}


def test_end_of_call_report_shapes():
    call = VapiCall("+15551230000", "+15557654321")
    call.transcript("assistant", "Acme Plumbing, how can I help?")
    call.transcript("user", "My sink is blocked.")
    report = call.end_of_call_report(recording_url="https://r.test/a.wav", structured_data={})
    assert report["endedReason"] == "customer-ended-call"
    art = report["artifact"]
    assert art["transcript"] == "AI: Acme Plumbing, how can I help?\nUser: My sink is blocked.\n"
    assert [m["role"] for m in art["messages"]] == ["bot", "user"]
    assert art["recordingUrl"] == "https://r.test/a.wav"
    assert art["recording"]["mono"]["combinedUrl"] == "https://r.test/a.wav"
    assert report["analysis"]["summary"] and report["analysis"]["structuredData"] == {}
    assert report["startedAt"].endswith("Z") and report["costs"]
    legacy = call.end_of_call_report("legacy", recording_url="https://r.test/a.wav")
    assert "artifact" not in legacy and "analysis" not in legacy
    assert legacy["recordingUrl"] == "https://r.test/a.wav"
    assert legacy["transcript"] == art["transcript"] and legacy["summary"]


def test_inbound_call_plays_in_order_and_keeps_tool_results(receiver):
    driver = VapiDriver(receiver.url + "/hooks/vapi", VapiAuth())
    call = VapiCall("+15551230000", "+15557654321")
    script = [("assistant", "Acme, how can I help?"), ("user", "Book me in please"),
              ("tool", "book_appointment", {"service": "Boiler"}, "flat")]
    responses = driver.play_inbound_call(call, script, recording_url="https://r.test/a.wav")
    assert all(r.status == 200 for r in responses)
    types = [m["type"] for m in receiver.messages()]
    assert types[:3] == ["assistant-request", "status-update", "status-update"]
    assert types[3:8] == ["speech-update", "transcript", "speech-update", "transcript",
                          "conversation-update"]
    assert types[-4:] == ["tool-calls", "conversation-update", "status-update",
                          "end-of-call-report"]
    assert all(header(r, "X-Vapi-Secret") == "vapi-server-secret" for r in receiver.received())
    report = receiver.messages()[-1]
    roles = [m["role"] for m in report["artifact"]["messages"]]
    assert roles == ["system", "bot", "user", "tool_calls", "tool_call_result"]
    assert report["artifact"]["messages"][-1]["result"] == "Booked."
    assert receiver.messages()[-2]["endedReason"] == "customer-ended-call"


def post_call(vapi, body, key=KEY):
    return requests.post(vapi.url + "/call", json=body, timeout=5,
                         headers={"Authorization": "Bearer " + key})


CALL = {"assistantId": "asst-1", "phoneNumberId": "pn-1",
        "customer": {"number": "+15557654321", "name": "Jane"}}


def test_create_call_answers_as_vapi(vapi):
    r = post_call(vapi, CALL)
    assert r.status_code == 201
    call = r.json()
    assert call["status"] == "queued" and call["type"] == "outboundPhoneCall"
    assert call["assistantId"] == "asst-1" and call["customer"]["number"] == "+15557654321"
    assert {"id", "orgId", "createdAt", "updatedAt"} <= set(call)
    listed = requests.get(vapi.url + "/_fake/calls", timeout=5).json()
    assert [c["id"] for c in listed] == [call["id"]] and listed[0]["request"] == CALL

    r = post_call(vapi, dict(CALL, customer={"number": "5557654321"}))
    assert r.status_code == 400
    assert r.json() == {"message": ["customer.number must be a valid phone number in the E.164 "
                                    "format"], "error": "Bad Request", "statusCode": 400}
    requests.post(vapi.url + "/_fake/invalid_numbers", json={"numbers": ["+15550001111"]})
    assert post_call(vapi, dict(CALL, customer={"number": "+15550001111"})).status_code == 400
    assert post_call(vapi, {"customer": {"number": "+15557654321"}}).status_code == 400

    r = post_call(vapi, CALL, key="wrong")
    assert r.status_code == 401 and r.json()["error"] == "Unauthorized"
    assert r.json()["message"].startswith("Invalid Key.")

    requests.post(vapi.url + "/_fake/behave", json={"behaviour": "fail", "fail_status": 503})
    r = post_call(vapi, CALL)
    assert r.status_code == 503 and r.json()["statusCode"] == 503
    requests.post(vapi.url + "/_fake/behave", json={"behaviour": "fail", "fail_status": 500})
    assert post_call(vapi, CALL).json() == {"message": "Internal server error",
                                            "statusCode": 500}
    requests.post(vapi.url + "/_fake/reset")
    assert requests.get(vapi.url + "/_fake/calls", timeout=5).json() == []


def test_accepted_call_is_played_against_the_server(vapi, receiver):
    auth = VapiAuth("bearer", "srv-secret")
    requests.post(vapi.url + "/_fake/server", timeout=5, json={
        "url": receiver.url + "/hooks/vapi", "auth": auth.as_dict(), "delay_ms": 0,
        "script": [["assistant", "Hi, this is Acme calling back."], ["user", "Thanks!"]],
        "ended_reason": "assistant-ended-call"})
    call_id = post_call(vapi, CALL).json()["id"]
    vapi.wait_played(1)
    played = requests.get(vapi.url + "/_fake/playbacks", timeout=5).json()
    assert played[0]["call_id"] == call_id and played[0]["error"] is None
    messages = receiver.messages()
    assert {m["call"]["id"] for m in messages} == {call_id}
    assert messages[0]["call"]["type"] == "outboundPhoneCall"
    statuses = [m["status"] for m in messages if m["type"] == "status-update"]
    assert statuses == ["queued", "ringing", "in-progress", "ended"]
    report = messages[-1]
    assert report["type"] == "end-of-call-report"
    assert report["endedReason"] == "assistant-ended-call"
    assert report["artifact"]["transcript"] == "AI: Hi, this is Acme calling back.\nUser: Thanks!\n"
    assert all(header(r, "Authorization") == "Bearer srv-secret" for r in receiver.received())
