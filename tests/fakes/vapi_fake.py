"""vapi_fake: Vapi on both sides of the wire (PROTOCOLS.md §5): a driver that plays Vapi's server
messages of a call against our server URL, and Vapi's REST API for placing outbound calls.

VapiAuth is how the driver authenticates its messages, as an organization's vapi_settings row
configures it: the secret verbatim in a header (X-Vapi-Secret), a Bearer credential, or an HMAC
signature (algorithm, headers, payload format, encoding, prefix, base64 secret; §5.3). With
include_timestamp false no timestamp is sent and "{timestamp}." / "{timestamp}" are dropped from
the payload format (so the default format signs the body alone).

A Vapi credential is a VapiAuth under an id: the driver holds the phone number's (auth) and the
organization's others (credentials, by id). Authentication is per server object (§5.3): the
assistant's events go to assistant.server (its credentialId's authentication) when it has one,
else to the phone number's server; a tool call goes to the tool's own server first, then the
assistant's, then the phone number's, so a tool whose server names no credentialId is called
with no authentication at all, as Vapi calls it.

validate_assistant() (vapi_schema.py) refuses a transient assistant as Vapi does (§5.5): a
model Vapi does not know (provider "openai" takes only its enum of OpenAI ids; any other
OpenAI-compatible model is "custom-llm" with a url), a transferCall with a "function" key, a
server object with properties Vapi no longer has or a credentialId the organization does not
hold, a tool result without name or toolCallId. What it refuses is kept in VapiDriver.refusals
(and, for POST /call, answered 400), and a refused assistant-request ends the call there.

VapiCall builds one call's messages in Vapi's shapes: every message carries the Call object, the
customer and the phone number, and a timestamp in milliseconds that rises strictly within the
call. What was said (final transcripts) and the tool calls with their results are kept, so
conversation-update and end-of-call-report carry the conversation so far, in Vapi's message form
(bot/user/tool_calls/tool_call_result), the OpenAI form, and the "AI: …\\nUser: …" transcript.

VapiDriver POSTs {"message": …} to the server URL (compact JSON, as signed) and keeps what came
back; play_inbound_call() and play_outbound_call() play a whole call. A script is a list of
  ("assistant", text) / ("user", text)   speech-update started, a partial transcript,
                                         speech-update stopped, the final transcript,
                                         conversation-update
  ("tool", name, args[, shape])           tool-calls; the server's results join the conversation
  ("function", name, parameters)         the legacy function-call
  ("hang",)                              hang

VapiFake serves GET /phone-number (the key's organization's numbers), GET /phone-number/{id}
(200 and the number when the key's organization has it, 404 when not, 401 for a bad key), POST
/call (Bearer private key) and GET /call/{id}: 401, 400 and 404 in NestJS's
error body ({"message","error","statusCode"}), 201 and the Call object (status "queued") on
success. Behaviours: the common ones; fail answers NestJS's body for fail_status. Numbers in
invalid_numbers are refused with 400. Control, without authentication: GET /_fake/calls (the
accepted calls, each with the request body under "request"), GET /_fake/requests, GET
/_fake/playbacks (each played call: call_id, done, the messages' types and answers), POST
/_fake/phone_numbers {"api_key": key, "ids": […]} (another organization with that private key,
or the main one, has these numbers; the main one always has fake-phone-number-1), POST
/_fake/behave, POST /_fake/reset, POST /_fake/invalid_numbers {"numbers": […]}, POST
/_fake/credentials {id: VapiAuth.as_dict(), …} (the organization's credentials), and POST
/_fake/server {"url", "auth": VapiAuth.as_dict(), "script": [["user", "text"], …],
"ended_reason", "report_shape", "recording_url", "our_number", "delay_ms"}: after each accepted
POST /call a background thread waits delay_ms (default 300, so the caller has stored the call's
id) and plays the outbound call, same id, against url: status-update queued, ringing,
in-progress, the script, status-update ended, end-of-call-report.

Run standalone: python3 -m tests.fakes.vapi_fake --port N [--api-key KEY].
"""
import argparse
import base64
import copy
import hashlib
import hmac
import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from http import HTTPStatus

from tests.fakes.fakebase import FakeProvider, Reply, serve_until_interrupted
from tests.fakes.vapi_schema import E164, result_problems, validate_assistant  # noqa: F401

CALL_PATH = re.compile(r"^/call(?:/([^/]+))?/?$")
NUMBER_PATH = re.compile(r"^/phone-number/([^/]+)/?$")
MAIN_NUMBER = "fake-phone-number-1"
PLACEHOLDER = re.compile(rb"\{(timestamp|body|method|url|svix-id)\}")
INVALID_KEY = ("Invalid Key. Hot tip, you may be using the private key instead of the public "
               "key, or vice versa.")
BAD_NUMBER = "customer.number must be a valid phone number in the E.164 format"


def iso8601(epoch):
    """Epoch seconds as Vapi writes times: 2024-05-01T12:00:00.123Z."""
    t = datetime.fromtimestamp(epoch, timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def tool_call_id():
    return "call_" + secrets.token_urlsafe(18).replace("-", "x").replace("_", "y")


def compact(value):
    return json.dumps(value, separators=(",", ":"))


class VapiAuth:
    """How the driver authenticates server messages, mirroring our vapi_settings table."""

    def __init__(self, method="secret", secret="vapi-server-secret", header=None,
                 bearer_prefix=True, algorithm="sha256", timestamp_header="x-timestamp",
                 include_timestamp=True, payload_format="{timestamp}.{body}", encoding="hex",
                 prefix="", secret_is_base64=False, message_id_header="svix-id"):
        assert method in ("secret", "bearer", "hmac"), method
        assert algorithm in ("sha1", "sha256", "sha512"), algorithm
        assert encoding in ("hex", "base64"), encoding
        self.method = method
        self.secret = secret
        self.header = header
        self.bearer_prefix = bearer_prefix
        self.algorithm = algorithm
        self.timestamp_header = timestamp_header
        self.include_timestamp = include_timestamp
        self.payload_format = payload_format
        self.encoding = encoding
        self.prefix = prefix
        self.secret_is_base64 = secret_is_base64
        self.message_id_header = message_id_header

    def signature(self, body, url, method="POST", timestamp=None, svix_id=""):
        """The HMAC signature header's value for body (bytes), prefix included."""
        fmt = self.payload_format.encode()
        if not self.include_timestamp:
            fmt = fmt.replace(b"{timestamp}.", b"").replace(b"{timestamp}", b"")
        values = {b"timestamp": str(timestamp).encode(), b"body": body,
                  b"method": method.encode(), b"url": url.encode(), b"svix-id": svix_id.encode()}
        payload = PLACEHOLDER.sub(lambda m: values[m.group(1)], fmt)
        key = base64.b64decode(self.secret) if self.secret_is_base64 else self.secret.encode()
        digest = hmac.new(key, payload, getattr(hashlib, self.algorithm)).digest()
        encoded = digest.hex() if self.encoding == "hex" else base64.b64encode(digest).decode()
        return self.prefix + encoded

    def headers(self, body, url, method="POST", timestamp=None):
        """The authentication headers Vapi sends with body (bytes) POSTed to url."""
        if self.method == "secret":
            return {self.header or "X-Vapi-Secret": self.secret}
        if self.method == "bearer":
            return {self.header or "Authorization":
                    ("Bearer " if self.bearer_prefix else "") + self.secret}
        timestamp = int(time.time()) if timestamp is None else timestamp
        svix_id = "msg_" + secrets.token_hex(12)
        out = {self.header or "x-signature":
               self.signature(body, url, method, timestamp, svix_id),
               self.message_id_header or "svix-id": svix_id}
        if self.include_timestamp:
            out[self.timestamp_header] = str(timestamp)
        return out

    def as_dict(self):
        return {"method": self.method, "secret": self.secret, "header": self.header,
                "bearer_prefix": self.bearer_prefix, "algorithm": self.algorithm,
                "timestamp_header": self.timestamp_header,
                "include_timestamp": self.include_timestamp,
                "payload_format": self.payload_format, "encoding": self.encoding,
                "prefix": self.prefix, "secret_is_base64": self.secret_is_base64,
                "message_id_header": self.message_id_header}

    @classmethod
    def from_dict(cls, d):
        return cls(**(d or {}))


class NoAuth:
    """What a server object without a credentialId gets: no authentication headers at all."""

    method = "none"

    def headers(self, body, url, method="POST", timestamp=None):
        return {}


NO_AUTH = NoAuth()

def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string"


class VapiCall:
    """One call's server messages, shaped as Vapi sends them (current shapes by default)."""

    def __init__(self, our_number, customer_number, call_id=None, direction="inbound",
                 phone_number_id=None, assistant_id=None, vapi_org_id=None, customer_name=None):
        assert direction in ("inbound", "outbound"), direction
        self.our_number = our_number
        self.customer_number = customer_number
        self.id = call_id or str(uuid.uuid4())
        self.direction = direction
        self.phone_number_id = phone_number_id or str(uuid.uuid4())
        self.started = time.time()
        self.server_url = None          # where the tools' server points, once known
        self.system_prompt = None       # the assistant's prompt, once the server has given it
        self.assistant = None           # the transient assistant Vapi accepted for the call
        self.turn = 0
        self.said = []                  # Vapi's message form: bot, user, tool_calls, results
        self.openai = []                # the same in the OpenAI form
        self._last_ms = 0
        self.customer = {"number": customer_number}
        if customer_name:
            self.customer["name"] = customer_name
        now = iso8601(self.started)
        self.call = {
            "id": self.id, "orgId": vapi_org_id or str(uuid.uuid4()), "createdAt": now,
            "updatedAt": now, "type": direction + "PhoneCall", "status": "queued",
            "phoneNumberId": self.phone_number_id, "customer": dict(self.customer),
            "phoneCallProvider": "twilio", "phoneCallTransport": "pstn",
            "phoneCallProviderId": "CA" + uuid.uuid4().hex,
        }
        if assistant_id:
            self.call["assistantId"] = assistant_id

    def _now_ms(self):
        self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
        return self._last_ms

    def _since_start(self, ms):
        return round(ms / 1000 - self.started, 3)

    def message(self, type_, **fields):
        """A server message of type_ with the common keys and fields; the Call as it is now."""
        phone = {"id": self.phone_number_id}
        if self.our_number:
            phone["number"] = self.our_number
        msg = {"type": type_, "timestamp": self._now_ms(), "call": copy.deepcopy(self.call),
               "customer": dict(self.customer), "phoneNumber": phone}
        msg.update(fields)
        return msg

    def assistant_request(self):
        return self.message("assistant-request")

    def status_update(self, status, ended_reason=None):
        self.call["status"] = status
        self.call["updatedAt"] = iso8601(time.time())
        fields = {"status": status}
        if ended_reason:
            self.call["endedReason"] = ended_reason
            fields["endedReason"] = ended_reason
        return self.message("status-update", **fields)

    def transcript(self, role, text, final=True, literal_type=False):
        """A transcript message; a final one joins the conversation."""
        assert role in ("assistant", "user"), role
        kind = "final" if final else "partial"
        type_ = 'transcript[transcriptType="final"]' if literal_type and final else "transcript"
        msg = self.message(type_, role=role, transcriptType=kind, transcript=text)
        if final:
            ms = msg["timestamp"]
            duration = 250 * max(1, len(text.split()))
            self.said.append({"role": "bot" if role == "assistant" else "user", "message": text,
                              "time": ms - duration, "endTime": ms,
                              "secondsFromStart": self._since_start(ms - duration),
                              "duration": duration})
            self.openai.append({"role": role, "content": text})
        return msg

    def speech_update(self, status, role, turn):
        return self.message("speech-update", status=status, role=role, turn=turn)

    def conversation(self):
        """Vapi's messages of the conversation so far, and the same in the OpenAI form."""
        messages, openai = copy.deepcopy(self.said), copy.deepcopy(self.openai)
        if self.system_prompt:
            messages.insert(0, {"role": "system", "message": self.system_prompt,
                                "time": int(self.started * 1000), "secondsFromStart": 0})
            openai.insert(0, {"role": "system", "content": self.system_prompt})
        return messages, openai

    def transcript_text(self):
        lines = ["%s: %s" % ("AI" if m["role"] == "bot" else "User", m["message"])
                 for m in self.said if m["role"] in ("bot", "user")]
        return "".join(line + "\n" for line in lines)

    def conversation_update(self, messages=None):
        if messages is None:
            messages, openai = self.conversation()
        else:
            openai = [{"role": "assistant" if m.get("role") == "bot" else m.get("role"),
                       "content": m.get("message", "")} for m in messages]
        return self.message("conversation-update", messages=messages,
                            messagesOpenAIFormatted=openai)

    def hang(self):
        return self.message("hang")

    def tool_calls(self, calls, shape="openapi"):
        """A tool-calls message for calls [(name, args)] in shape; returns it and the ids."""
        assert shape in ("openapi", "string", "flat", "parameters"), shape
        ids, items, with_tools, openai_calls = [], [], [], []
        for name, args in calls:
            cid = tool_call_id()
            ids.append(cid)
            if shape == "openapi":
                item = {"id": cid, "type": "function",
                        "function": {"name": name, "arguments": args}}
            elif shape == "string":
                item = {"id": cid, "type": "function",
                        "function": {"name": name, "arguments": compact(args)}}
            elif shape == "flat":
                item = {"id": cid, "name": name, "arguments": args}
            else:
                item = {"id": cid, "name": name, "parameters": args}
            items.append(item)
            tool = copy.deepcopy(self.tool_config(name)) or {
                "type": "function", "function": {"name": name, "parameters": {
                    "type": "object",
                    "properties": {k: {"type": json_type(v)} for k, v in (args or {}).items()}}},
                "messages": []}
            tool["toolCall"] = copy.deepcopy(item)
            with_tools.append(tool)
            openai_calls.append({"id": cid, "type": "function",
                                 "function": {"name": name, "arguments": compact(args)}})
        msg = self.message("tool-calls", toolCallList=items, toolWithToolCallList=with_tools)
        ms = msg["timestamp"]
        self.said.append({"role": "tool_calls", "toolCalls": copy.deepcopy(openai_calls),
                          "message": "", "time": ms, "secondsFromStart": self._since_start(ms)})
        self.openai.append({"role": "assistant", "tool_calls": openai_calls})
        return msg, ids

    def tool_config(self, name):
        """The function tool name as the accepted assistant declared it, or None."""
        model = (self.assistant or {}).get("model") or {}
        return next((t for t in model.get("tools") or [] if isinstance(t, dict) and
                     t.get("type") == "function" and
                     (t.get("function") or {}).get("name") == name), None)

    def tool_result(self, call_id, name, result):
        """Record the server's answer to a tool call, as Vapi adds it to the conversation."""
        ms = self._now_ms()
        self.said.append({"role": "tool_call_result", "toolCallId": call_id, "name": name,
                          "result": result, "time": ms, "secondsFromStart": self._since_start(ms)})
        self.openai.append({"role": "tool", "tool_call_id": call_id, "content": result})

    def function_call(self, name, parameters, as_string=False):
        return self.message("function-call", functionCall={
            "name": name, "parameters": compact(parameters) if as_string else parameters})

    def end_of_call_report(self, shape="current", ended_reason="customer-ended-call",
                           summary=None, recording_url=None, stereo_recording_url=None,
                           cost=0.1234, structured_data=None, success_evaluation=None,
                           started_at=None, ended_at=None):
        """The report of the call as said so far; current (artifact, analysis) or legacy."""
        assert shape in ("current", "legacy"), shape
        messages, openai = self.conversation()
        transcript = self.transcript_text()
        if summary is None:
            first = next((m["message"] for m in self.said if m["role"] == "user"), None)
            summary = ("The customer called about: %s" % first) if first else \
                "The call ended before the customer said anything."
        self.call["endedReason"] = ended_reason
        if shape == "legacy":
            fields = {"endedReason": ended_reason, "summary": summary, "transcript": transcript,
                      "messages": messages}
            if recording_url:
                fields["recordingUrl"] = recording_url
            if stereo_recording_url:
                fields["stereoRecordingUrl"] = stereo_recording_url
            return self.message("end-of-call-report", **fields)
        start = started_at or iso8601(self.started)
        end = ended_at or iso8601(time.time())
        artifact = {"transcript": transcript, "messages": messages,
                    "messagesOpenAIFormatted": openai}
        recording = {}
        if recording_url:
            artifact["recordingUrl"] = recording_url
            recording["mono"] = {"combinedUrl": recording_url}
        if stereo_recording_url:
            artifact["stereoRecordingUrl"] = stereo_recording_url
            recording["stereoUrl"] = stereo_recording_url
        if recording:
            artifact["recording"] = recording
        analysis = {"summary": summary}
        if structured_data is not None:
            analysis["structuredData"] = structured_data
        if success_evaluation is not None:
            analysis["successEvaluation"] = success_evaluation
        parts = [("transport", 0.1), ("transcriber", 0.15), ("model", 0.3), ("voice", 0.3)]
        costs = [{"type": kind, "cost": round(cost * share, 6)} for kind, share in parts]
        costs.append({"type": "vapi", "cost": round(cost - sum(c["cost"] for c in costs), 6)})
        return self.message("end-of-call-report", endedReason=ended_reason, cost=cost,
                            costs=costs, startedAt=start, endedAt=end,
                            durationSeconds=round(max(0.0, time.time() - self.started), 3),
                            artifact=artifact, analysis=analysis)


class VapiResponse:
    """What one delivery got back."""

    def __init__(self, status, text, elapsed_ms, headers, message_type=None):
        self.status = status
        self.text = text
        self.elapsed_ms = elapsed_ms
        self.headers = headers
        self.message_type = message_type
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "VapiResponse(%s %d %r)" % (self.message_type, self.status, self.text[:200])


def tamper_with(body):
    """body with its last letter or digit changed, so it stays JSON but not what was signed."""
    b = bytearray(body)
    for i in range(len(b) - 1, -1, -1):
        c = chr(b[i])
        if c.isascii() and c.isalpha():
            b[i] = ord(c.swapcase())
            return bytes(b)
        if c.isdigit():
            b[i] = ord(str((int(c) + 1) % 10))
            return bytes(b)
    return bytes(b) + b" "


class VapiDriver:
    """Plays Vapi against a server URL: each message a POST, each answer a VapiResponse."""

    def __init__(self, server_url, auth, timeout=10.0, credentials=None):
        self.server_url = server_url    # the phone number's server, authenticated with auth
        self.auth = auth
        self.credentials = dict(credentials or {})  # the organization's: id -> VapiAuth
        self.timeout = timeout
        self.responses = []
        self.refusals = []              # what Vapi would refuse: {"what", "status", "messages"}

    def route(self, call, tool=None):
        """Where a message of call goes and how it is authenticated (§5.3): the tool's server
        (for tool-calls of tool), the assistant's, else the phone number's."""
        servers = []
        if tool is not None:
            servers.append((call.tool_config(tool) or {}).get("server"))
        servers.append((call.assistant or {}).get("server"))
        for server in servers:
            if isinstance(server, dict) and server.get("url"):
                cid = server.get("credentialId")
                return server["url"], self.credentials[cid] if cid else NO_AUTH
        return self.server_url, self.auth

    def send(self, message, *, auth=None, timestamp=None, raw_body=None, tamper=False,
             url=None):
        """POST {"message": message} (or raw_body) to url (the phone number's server) with
        auth's headers; tamper changes a body byte after signing. Returns what it answered."""
        body = raw_body if raw_body is not None else compact({"message": message}).encode()
        target_url = url or self.server_url
        headers = {"Content-Type": "application/json", "User-Agent": "Vapi-fake"}
        headers.update((auth or self.auth).headers(body, target_url, "POST", timestamp))
        if tamper:
            body = tamper_with(body)
        url = urllib.parse.urlsplit(target_url)
        conn_class = (http.client.HTTPSConnection if url.scheme == "https"
                      else http.client.HTTPConnection)
        conn = conn_class(url.hostname, url.port, timeout=self.timeout)
        target = (url.path or "/") + ("?" + url.query if url.query else "")
        began = time.monotonic()
        try:
            conn.request("POST", target, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            got = VapiResponse(resp.status, text, (time.monotonic() - began) * 1000,
                               dict(resp.getheaders()),
                               message.get("type") if isinstance(message, dict) else None)
        finally:
            conn.close()
        self.responses.append(got)
        return got

    def send_for(self, call, message, tool=None):
        """Send message of call where Vapi sends it (see route())."""
        url, auth = self.route(call, tool)
        return self.send(message, url=url, auth=auth)

    def play_script(self, call, script):
        """The script's turns and tool calls (see the module's comment); returns the answers."""
        out = []
        for item in script:
            kind = item[0]
            if kind in ("assistant", "user"):
                text = item[1]
                words = text.split()
                partial = " ".join(words[:max(1, len(words) // 2)])
                turn = call.turn
                call.turn += 1
                out.append(self.send_for(call, call.speech_update("started", kind, turn)))
                out.append(self.send_for(call, call.transcript(kind, partial, final=False)))
                out.append(self.send_for(call, call.speech_update("stopped", kind, turn)))
                out.append(self.send_for(call, call.transcript(kind, text)))
                out.append(self.send_for(call, call.conversation_update()))
            elif kind == "tool":
                name, args = item[1], item[2]
                shape = item[3] if len(item) > 3 else "openapi"
                msg, ids = call.tool_calls([(name, args)], shape)
                got = self.send_for(call, msg, tool=name)
                out.append(got)
                if got.status == 200:
                    problems = result_problems(got.json, ids)
                    if problems:
                        self.refusals.append({"what": "tool-calls", "status": 400,
                                              "messages": problems})
                results = (got.json or {}).get("results") if isinstance(got.json, dict) else None
                for r in results if isinstance(results, list) else []:
                    if isinstance(r, dict) and r.get("toolCallId") in ids:
                        answer = r.get("result", r.get("error", ""))
                        call.tool_result(r["toolCallId"], name,
                                         answer if isinstance(answer, str) else compact(answer))
                out.append(self.send_for(call, call.conversation_update()))
            elif kind == "function":
                out.append(self.send_for(call, call.function_call(item[1], item[2])))
            elif kind == "hang":
                out.append(self.send_for(call, call.hang()))
            else:
                raise ValueError("unknown script item %r" % (item,))
        return out

    def _finish(self, call, report_shape, ended_reason, recording_url):
        return [self.send_for(call, call.status_update("ended", ended_reason)),
                self.send_for(call, call.end_of_call_report(report_shape, ended_reason,
                                                  recording_url=recording_url))]

    def play_inbound_call(self, call, script, report_shape="current",
                          ended_reason="customer-ended-call", recording_url=None):
        """assistant-request, ringing, in-progress, the script, ended, end-of-call-report."""
        call.server_url = call.server_url or self.server_url
        out = [self.send(call.assistant_request())]
        assistant = (out[0].json or {}).get("assistant") if isinstance(out[0].json, dict) else None
        if assistant is not None:
            problems = validate_assistant(assistant, self.credentials)
            if problems:
                # Vapi ends the call: the assistant it was handed is not one it runs.
                self.refusals.append({"what": "assistant", "status": 400, "messages": problems})
                return out
            call.assistant = assistant
        model = assistant.get("model") if isinstance(assistant, dict) else None
        prompts = model.get("messages") if isinstance(model, dict) else None
        if isinstance(prompts, list) and prompts and isinstance(prompts[0], dict) and \
                isinstance(prompts[0].get("content"), str):
            call.system_prompt = prompts[0]["content"]
        out.append(self.send_for(call, call.status_update("ringing")))
        out.append(self.send_for(call, call.status_update("in-progress")))
        out += self.play_script(call, script)
        return out + self._finish(call, report_shape, ended_reason, recording_url)

    def play_outbound_call(self, call, script, report_shape="current",
                           ended_reason="customer-ended-call", recording_url=None):
        """queued, ringing, in-progress, the script, ended, end-of-call-report."""
        call.server_url = call.server_url or self.server_url
        out = [self.send(call.status_update(s)) for s in ("queued", "ringing", "in-progress")]
        out += self.play_script(call, script)
        return out + self._finish(call, report_shape, ended_reason, recording_url)


def nest_error(status, message=None):
    """NestJS's error body as Vapi answers it, as a Reply."""
    if status == 500 and message is None:
        return Reply.of_json({"message": "Internal server error", "statusCode": 500}, 500)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if message is None:
        message = "ThrottlerException: Too Many Requests" if status == 429 else phrase
    return Reply.of_json({"message": message, "error": phrase, "statusCode": status}, status)


class VapiFake(FakeProvider):
    """Vapi's REST API: POST /call (Bearer private key)."""

    name = "vapi"

    def __init__(self, api_key="vapi-private-key", org_id=None):
        super().__init__()
        self.api_key = api_key
        self.org_id = org_id or str(uuid.uuid4())
        self.calls = []                 # Call objects, each with the request body as "request"
        self.invalid_numbers = set()
        self.server = None              # the /_fake/server configuration
        self.playbacks = []
        self.credentials = {}           # the organization's credentials: id -> VapiAuth
        self.orgs = {}                  # private key -> (org id, {number id, …}), main one too
        self._reset_orgs()

    def _reset_orgs(self):
        self.orgs = {self.api_key: (self.org_id, {MAIN_NUMBER})}

    def _number(self, org_id, number_id):
        return {"id": number_id, "orgId": org_id, "provider": "twilio",
                "number": "+1500555%04d" % (int(hashlib.sha256(number_id.encode())
                                                .hexdigest(), 16) % 10000),
                "createdAt": iso8601(0), "updatedAt": iso8601(0)}

    def _org_of(self, req):
        """The (org id, numbers) of the request's Bearer key, or None."""
        auth = next((v for k, v in req.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = auth.partition(" ")
        if scheme != "Bearer":
            return None
        with self._lock:
            for key, org in self.orgs.items():
                if hmac.compare_digest(token.strip().encode(), key.encode()):
                    return org[0], set(org[1])
        return None

    def error_reply(self, status):
        return nest_error(status, INVALID_KEY if status == 401 else None)

    def records(self, request):
        return not request.path.startswith("/_fake/")

    # The protocol.
    def handle(self, req):
        path = urllib.parse.urlsplit(req.path).path
        if path == "/phone-number" and req.method == "GET":
            # The organization's numbers: a key check.
            org = self._org_of(req)
            if org is None:
                return nest_error(401, INVALID_KEY)
            return Reply.of_json([self._number(org[0], n) for n in sorted(org[1])])
        m = NUMBER_PATH.match(path)
        if m and req.method == "GET":
            # Only the organization that has a number can read it.
            org = self._org_of(req)
            if org is None:
                return nest_error(401, INVALID_KEY)
            number_id = urllib.parse.unquote(m.group(1))
            if number_id not in org[1]:
                return nest_error(404, "Couldn't Find phoneNumber")
            return Reply.of_json(self._number(org[0], number_id))
        m = CALL_PATH.match(path)
        if not m:
            return nest_error(404, "Cannot %s %s" % (req.method, path))
        if not self._authorized(req):
            return nest_error(401, INVALID_KEY)
        if m.group(1):
            if req.method != "GET":
                return nest_error(404, "Cannot %s %s" % (req.method, path))
            with self._lock:
                found = next((c for c in self.calls if c["id"] == m.group(1)), None)
            if found is None:
                return nest_error(404, "Call not found")
            return Reply.of_json({k: v for k, v in found.items() if k != "request"})
        if req.method == "GET":
            with self._lock:
                return Reply.of_json([{k: v for k, v in c.items() if k != "request"}
                                      for c in self.calls])
        if req.method != "POST":
            return nest_error(404, "Cannot %s %s" % (req.method, path))
        return self._create_call(req)

    def _authorized(self, req):
        auth = next((v for k, v in req.headers.items() if k.lower() == "authorization"), "")
        scheme, _, token = auth.partition(" ")
        return scheme == "Bearer" and hmac.compare_digest(token.strip().encode(),
                                                          self.api_key.encode())

    def _create_call(self, req):
        try:
            body = json.loads(req.body or b"")
        except ValueError as e:
            return nest_error(400, "Unexpected token in JSON at position %d"
                              % getattr(e, "pos", 0))
        if not isinstance(body, dict):
            return nest_error(400, ["property body must be an object"])
        problems = []
        if not isinstance(body.get("assistantId"), str) and \
                not isinstance(body.get("assistant"), dict):
            problems.append("Need Either `assistantId` Or `assistant`.")
        if not isinstance(body.get("phoneNumberId"), str) or not body["phoneNumberId"]:
            problems.append("phoneNumberId must be a string")
        customer = body.get("customer")
        number = customer.get("number") if isinstance(customer, dict) else None
        if not isinstance(number, str) or not E164.match(number) or \
                number in self.invalid_numbers:
            problems.append(BAD_NUMBER)
        if isinstance(body.get("assistant"), dict):
            with self._lock:
                held = set(self.credentials)
            problems += validate_assistant(body["assistant"], held)
        if problems:
            return nest_error(400, problems)
        now = iso8601(time.time())
        call = {"id": str(uuid.uuid4()), "orgId": self.org_id, "createdAt": now,
                "updatedAt": now, "type": "outboundPhoneCall", "status": "queued",
                "phoneNumberId": body["phoneNumberId"], "customer": customer,
                "phoneCallProvider": "twilio", "phoneCallTransport": "pstn"}
        for key in ("assistantId", "assistant", "assistantOverrides"):
            if key in body:
                call[key] = body[key]
        with self._lock:
            self.calls.append(dict(call, request=body))
            server = self.server
        if server:
            threading.Thread(target=self._play, args=(server, call), daemon=True).start()
        return Reply.of_json(call, 201)

    def _play(self, server, created):
        """Play the accepted outbound call created against the configured server URL."""
        record = {"call_id": created["id"], "done": False, "error": None, "responses": []}
        with self._lock:
            self.playbacks.append(record)
        if self._stopping.wait(server.get("delay_ms", 300) / 1000):
            return
        call = VapiCall(server.get("our_number"), created["customer"]["number"],
                        call_id=created["id"], direction="outbound",
                        phone_number_id=created["phoneNumberId"],
                        assistant_id=created.get("assistantId"), vapi_org_id=self.org_id,
                        customer_name=created["customer"].get("name"))
        with self._lock:
            held = dict(self.credentials)
        driver = VapiDriver(server["url"], VapiAuth.from_dict(server.get("auth")),
                            credentials=held)
        try:
            driver.play_outbound_call(call, [tuple(i) for i in server.get("script") or []],
                                      server.get("report_shape", "current"),
                                      server.get("ended_reason", "customer-ended-call"),
                                      server.get("recording_url"))
        except (OSError, http.client.HTTPException, ValueError) as e:
            record["error"] = "%s: %s" % (type(e).__name__, e)
        with self._lock:
            record["responses"] = [{"type": r.message_type, "status": r.status, "body": r.text}
                                   for r in driver.responses]
            record["done"] = True

    def wait_played(self, count=1, timeout=10.0):
        """Wait until count playbacks are done; returns the playback records."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                done = [p for p in self.playbacks if p["done"]]
            if len(done) >= count:
                return done
            if time.monotonic() > end:
                raise TimeoutError("%d of %d playbacks done" % (len(done), count))
            time.sleep(0.02)

    # Steering and inspection over HTTP, for a fake run as its own process.
    def _control(self, req):
        path = urllib.parse.urlsplit(req.path).path
        try:
            v = req.json() if req.method == "POST" else None
        except ValueError:
            return nest_error(400, "control body is not JSON")
        v = v if isinstance(v, dict) else {}
        if path == "/_fake/calls" and req.method == "GET":
            with self._lock:
                return Reply.of_json(self.calls)
        if path == "/_fake/requests" and req.method == "GET":
            with self._lock:
                return Reply.of_json([{"method": r.method, "path": r.path, "headers": r.headers,
                                       "body": r.body.decode("utf-8", "replace")}
                                      for r in self.requests])
        if path == "/_fake/playbacks" and req.method == "GET":
            with self._lock:
                return Reply.of_json(copy.deepcopy(self.playbacks))
        if path == "/_fake/behave" and req.method == "POST":
            self.behave(v.get("behaviour", "normal"), v.get("delay_ms", 0),
                        v.get("fail_status", 500))
            return Reply.of_json({"behaviour": self.behaviour, "fail_status": self.fail_status})
        if path == "/_fake/invalid_numbers" and req.method == "POST":
            with self._lock:
                self.invalid_numbers.update(v.get("numbers", []))
                return Reply.of_json(sorted(self.invalid_numbers))
        if path == "/_fake/server" and req.method == "POST":
            if not isinstance(v.get("url"), str):
                return nest_error(400, "url must be a string")
            try:
                VapiAuth.from_dict(v.get("auth"))
            except (TypeError, AssertionError) as e:
                return nest_error(400, "auth: %s" % e)
            with self._lock:
                self.server = v
            return Reply.of_json(v)
        if path == "/_fake/credentials" and req.method == "POST":
            try:
                made = {k: VapiAuth.from_dict(d) for k, d in v.items()}
            except (TypeError, AssertionError) as e:
                return nest_error(400, "credentials: %s" % e)
            with self._lock:
                self.credentials.update(made)
                return Reply.of_json(sorted(self.credentials))
        if path == "/_fake/phone_numbers" and req.method == "POST":
            key, ids = v.get("api_key"), v.get("ids")
            if not isinstance(key, str) or not key or not isinstance(ids, list) or \
                    not all(isinstance(i, str) for i in ids):
                return nest_error(400, "api_key (a string) and ids (strings) are required")
            with self._lock:
                org_id, held = self.orgs.get(key, (str(uuid.uuid4()), set()))
                self.orgs[key] = (org_id, held | set(ids))
                return Reply.of_json({"orgId": org_id, "ids": sorted(self.orgs[key][1])})
        if path == "/_fake/reset" and req.method == "POST":
            with self._lock:
                self._reset_orgs()
                self.requests.clear()
                self.calls.clear()
                self.invalid_numbers.clear()
                self.playbacks.clear()
                self.credentials.clear()
                self.server = None
            self.behave("normal")
            return Reply.of_json({"reset": True})
        return nest_error(404, "Cannot %s %s" % (req.method, path))

    def _reply(self, req):
        # Steering requests are answered whatever the behaviour under test.
        if req.path.startswith("/_fake/"):
            return self._control(req)
        return super()._reply(req)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--api-key", default="vapi-private-key")
    args = ap.parse_args()
    fake = VapiFake(args.api_key).start(args.port)
    serve_until_interrupted(fake)


if __name__ == "__main__":
    main()
