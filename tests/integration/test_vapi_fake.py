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
from tests.fakes.vapi_fake import (VapiAuth, VapiCall, VapiDriver, VapiFake,  # noqa: E402
                                   validate_assistant)

KEY = "vapi-private-key"
EXAMPLE = b'{"message":{"type":"status-update","status":"ended"}}'


class Receiver(FakeProvider):
    """A server URL in miniature: answers assistant-request and tool-calls, keeps the rest."""

    name = "receiver"
    assistant = {"model": {"provider": "openai", "model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": "You answer for Acme."}]}}
    named_results = True

    def handle(self, request):
        message = request.json()["message"]
        if message["type"] == "assistant-request":
            return Reply.of_json({"assistant": self.assistant})
        if message["type"] == "tool-calls":
            return Reply.of_json({"results": [
                dict({"toolCallId": c["id"], "result": "Booked."},
                     **({"name": c.get("name") or c["function"]["name"]}
                        if self.named_results else {}))
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


def assistant_with(**parts):
    a = {"name": "Acme", "model": {"provider": "openai", "model": "gpt-4o-mini", "tools": []}}
    a.update(parts)
    return a


def test_the_assistant_is_refused_as_vapi_refuses_it():
    ok = assistant_with(server={"url": "https://x.test/hooks/vapi", "credentialId": "cred-1"})
    assert validate_assistant(ok, {"cred-1"}) == []
    custom = assistant_with(model={"provider": "custom-llm", "url": "https://llm.test/v1",
                                   "model": "llama-3.1-8b"})
    assert validate_assistant(custom, set()) == []
    assert validate_assistant(assistant_with(model={"provider": "openai", "model": "gpt-test"}),
                              set())
    assert validate_assistant(assistant_with(model={"provider": "openai",
                                                    "model": "openai/gpt-4o-mini"}), set())
    assert validate_assistant(assistant_with(model={"provider": "custom-llm",
                                                    "model": "llama"}), set())
    old_transfer = {"type": "transferCall", "function": {"name": "transfer_to_human"},
                    "destinations": [{"type": "number", "number": "+15555550199"}]}
    [problem] = validate_assistant(assistant_with(model={
        "provider": "openai", "model": "gpt-4o", "tools": [old_transfer]}), set())
    assert problem == "assistant.model.tools.0.property function should not exist"
    del old_transfer["function"]
    assert validate_assistant(assistant_with(model={
        "provider": "openai", "model": "gpt-4o", "tools": [old_transfer]}), set()) == []
    assert validate_assistant(ok, set()) == [
        "assistant.server.credentialId: Couldn't find credential cred-1"]
    assert validate_assistant(assistant_with(server={"url": "https://x.test", "secret": "s"}),
                              set()) == ["assistant.server.property secret should not exist"]


def test_a_refused_assistant_ends_the_call_and_is_kept(receiver):
    receiver.assistant = assistant_with(model={"provider": "openai", "model": "gpt-test"})
    driver = VapiDriver(receiver.url + "/hooks/vapi", VapiAuth())
    out = driver.play_inbound_call(VapiCall("+15551230000", "+15557654321"), [("user", "Hi")])
    assert len(out) == 1 and [m["type"] for m in receiver.messages()] == ["assistant-request"]
    [refusal] = driver.refusals
    assert refusal["what"] == "assistant" and refusal["status"] == 400
    assert refusal["messages"][0].startswith("assistant.model.model must be one of")


def test_tool_calls_carry_the_authentication_of_the_server_they_go_to(receiver):
    """A tool's own server without a credentialId is called with no authentication; the
    assistant's server with one carries that credential's; without either, the number's."""
    hook = receiver.url + "/hooks/vapi"
    cred = VapiAuth("hmac", "c" * 32)
    tool = {"type": "function", "function": {"name": "book_appointment"}}
    for tool_server, assistant_server, want in (
            ({"url": hook}, {"url": hook, "credentialId": "cred-1"}, "none"),
            (None, {"url": hook, "credentialId": "cred-1"}, "hmac"),
            ({"url": hook, "credentialId": "cred-1"}, None, "hmac"),
            (None, None, "secret")):
        t = dict(tool, **({"server": tool_server} if tool_server else {}))
        receiver.assistant = assistant_with(
            model={"provider": "openai", "model": "gpt-4o-mini", "tools": [t]},
            **({"server": assistant_server} if assistant_server else {}))
        driver = VapiDriver(hook, VapiAuth(), credentials={"cred-1": cred})
        receiver.requests.clear()
        driver.play_inbound_call(VapiCall("+15551230000", "+15557654321"),
                                 [("tool", "book_appointment", {"service": "Boiler"})])
        assert driver.refusals == []
        [req] = [r for r in receiver.received() if r.json()["message"]["type"] == "tool-calls"]
        got = ("hmac" if header(req, "x-signature") else
               "secret" if header(req, "X-Vapi-Secret") else "none")
        assert got == want, (tool_server, assistant_server)
        if got == "hmac":
            assert header(req, "x-signature") == cred.signature(
                req.body, hook, timestamp=header(req, "x-timestamp"),
                svix_id=header(req, "svix-id"))


def test_a_tool_result_without_a_name_is_refused(receiver):
    receiver.named_results = False
    driver = VapiDriver(receiver.url + "/hooks/vapi", VapiAuth())
    driver.play_inbound_call(VapiCall("+15551230000", "+15557654321"),
                             [("tool", "book_appointment", {"service": "Boiler"})])
    [refusal] = driver.refusals
    assert refusal["what"] == "tool-calls" and refusal["messages"] == [
        "results.0.name must be a string"]


def test_the_message_id_header_is_the_one_configured():
    auth = VapiAuth("hmac", "k", payload_format="{svix-id}.{body}", include_timestamp=False,
                    message_id_header="webhook-id")
    h = auth.headers(b"{}", "u")
    assert "svix-id" not in h and h["webhook-id"].startswith("msg_")
    assert h["x-signature"] == hmac.new(b"k", (h["webhook-id"] + ".{}").encode(),
                                        hashlib.sha256).hexdigest()


def test_a_transient_assistant_vapi_refuses_is_a_400(vapi):
    bad = dict(CALL, assistant=assistant_with(model={"provider": "openai",
                                                     "model": "gpt-test"}))
    del bad["assistantId"]
    r = post_call(vapi, bad)
    assert r.status_code == 400 and r.json()["message"][0].startswith("assistant.model.model")
    good = dict(bad, assistant=assistant_with(server={"url": "https://x.test/hooks/vapi",
                                                      "credentialId": "cred-1"}))
    assert post_call(vapi, good).status_code == 400
    requests.post(vapi.url + "/_fake/credentials", timeout=5,
                  json={"cred-1": VapiAuth("bearer", "t" * 24).as_dict()})
    assert post_call(vapi, good).status_code == 201
