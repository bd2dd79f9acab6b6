"""openai_fake: an OpenAI-compatible chat-completions server (PROTOCOLS.md §7) for tests and bench.

POST .../chat/completions answers from a queue of scripted replies that the test sets: text, tool
calls, or both, streamed as server-sent events when the request asks for a stream (chunk objects,
OpenRouter's ": OPENROUTER PROCESSING" comments, [DONE]) or as one chat.completion object when it
does not. A scripted reply can also time its tokens (first token after N ms, then one every M
ms), be cut short, or carry an error event mid-stream. Its "shape" streams the tool calls as
other OpenAI-compatible servers do: "openai" (the default: index on every fragment, id, type and
name on the first only), "no_index" (no index anywhere: a new id starts a call, fragments without
an id continue it) or "repeated" (index, id, type and the name on every fragment); its
"usage" puts the usage chunk as "empty_choices" (the default, "choices": []), "no_choices" (no
choices key at all) or "none". The common behaviours of fakebase apply:
fail answers OpenAI's (or OpenRouter's) error body with fail_status, slow waits before
answering, garbage streams events that are not JSON, hang never answers.

Standalone: python3 -m tests.fakes.openai_fake --port N. It then also takes its script over
HTTP: POST /_fake/script (one reply object, or a list), POST /_fake/behave
({"behaviour": "fail", "delay_ms": 0, "fail_status": 500}), GET /_fake/requests.
"""
import argparse
import collections
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from tests.fakes.fakebase import FakeProvider, Reply, serve_until_interrupted

ERRORS = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


@dataclass
class StreamReply(Reply):
    """A 200 event stream written piece by piece: (pause in seconds, bytes) pairs."""
    pieces: list = field(default_factory=list)


class OpenAIFake(FakeProvider):
    name = "openai"

    def __init__(self, error_style="openai", api_key=None):
        super().__init__()
        self.error_style = error_style      # "openai" or "openrouter"
        self.api_key = api_key              # when set, GET /models wants "Bearer <api_key>"
        self.default_text = "Sorry, could you say that again?"
        self._script = collections.deque()
        self._script_lock = threading.Lock()

    # Scripting.
    def script(self, reply):
        """Queue one reply: {"text": str, "tool_calls": [{"name", "arguments", "id"?}],
        "first_token_ms": int, "token_ms": int, "truncate_after": int (chunks),
        "error_event": bool, "shape": "openai"|"no_index"|"repeated",
        "usage": "empty_choices"|"no_choices"|"none"}. arguments may be a dict or raw text (to
        send garbled JSON)."""
        with self._script_lock:
            self._script.append(dict(reply))

    def script_text(self, text, **options):
        self.script(dict(options, text=text))

    def script_tool_calls(self, calls, text="", **options):
        """calls: [(name, arguments), ...]"""
        self.script(dict(options, text=text,
                         tool_calls=[{"name": n, "arguments": a} for n, a in calls]))

    def clear_script(self):
        with self._script_lock:
            self._script.clear()

    def chat_requests(self):
        """The JSON bodies of every chat request received, oldest first."""
        return [r.json() for r in self.received() if r.path.endswith("/chat/completions")]

    def _next_reply(self):
        with self._script_lock:
            return self._script.popleft() if self._script else {"text": self.default_text}

    # The protocol.
    def authorizations(self):
        """The Authorization header of each chat request received, in order (None when absent)."""
        return [next((v for k, v in r.headers.items() if k.lower() == "authorization"), None)
                for r in self.received() if r.path.endswith("/chat/completions")]

    def handle(self, request):
        if request.method == "GET" and request.path.split("?")[0].endswith("/models"):
            return self._models(request)
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return self.error_reply(404)
        try:
            body = request.json()
            assert isinstance(body.get("messages"), list)
        except (ValueError, AssertionError, AttributeError):
            return self.error_reply(400)
        reply = self._next_reply()
        model = body.get("model") or "fake-model"
        if body.get("stream"):
            return self._stream(reply, model)
        return Reply.of_json(self._completion(reply, model))

    def _models(self, request):
        """GET {base}/models: the model list, or 401 when a key is required and not given."""
        sent = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
        if self.api_key is not None and sent != "Bearer " + self.api_key:
            return self.error_reply(401)
        return Reply.of_json({"object": "list", "data": [
            {"id": "gpt-test", "object": "model", "created": 0, "owned_by": "fake"}]})

    def error_reply(self, status):
        kind, code, message = ERRORS.get(status, ("server_error", None, "Fake failure."))
        if self.error_style == "openrouter":
            body = {"error": {"code": status, "message": message, "metadata": {"provider_name": "fake"}}}
        else:
            body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
        return Reply.of_json(body, status)

    def garbage_reply(self):
        return Reply(body=b"data: {\"choices\": [{\"delta\": \n\ndata: [DONE]\n\n",
                     content_type="text/event-stream")

    @staticmethod
    def _calls(reply):
        calls = []
        for i, call in enumerate(reply.get("tool_calls") or []):
            args = call.get("arguments", {})
            calls.append({"id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}", "index": i,
                          "name": call["name"],
                          "arguments": args if isinstance(args, str) else json.dumps(args)})
        return calls

    @staticmethod
    def _fragments(call, shape):
        """The delta.tool_calls elements that stream call, in shape (see script())."""
        args = call["arguments"]
        pieces = [args[at:at + 8] for at in range(0, len(args), 8)]
        head = {"id": call["id"], "type": "function"}
        if shape == "repeated":
            return [dict(head, index=call["index"],
                         function={"name": call["name"], "arguments": p})
                    for p in [""] + pieces]
        first = dict(head, function={"name": call["name"], "arguments": ""})
        rest = [{"function": {"arguments": p}} for p in pieces]
        if shape == "no_index":
            return [first] + rest
        assert shape == "openai", shape
        return [dict(f, index=call["index"]) for f in [first] + rest]

    def _completion(self, reply, model):
        calls = self._calls(reply)
        message = {"role": "assistant", "content": reply.get("text") or None}
        if calls:
            message["tool_calls"] = [{"id": c["id"], "type": "function",
                                      "function": {"name": c["name"], "arguments": c["arguments"]}}
                                     for c in calls]
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}

    def _stream(self, reply, model):
        created = int(time.time())

        def chunk(delta, finish=None):
            obj = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                   "model": model, "system_fingerprint": "fp_fake",
                   "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                "finish_reason": finish}]}
            return b"data: " + json.dumps(obj).encode() + b"\n\n"

        events = [b": OPENROUTER PROCESSING\n\n", chunk({"role": "assistant", "content": ""})]
        for piece in re.findall(r"\S+\s*|\s+", reply.get("text") or ""):
            events.append(chunk({"content": piece}))
        calls = self._calls(reply)
        shape = reply.get("shape", "openai")
        for c in calls:
            events += [chunk({"tool_calls": [f]}) for f in self._fragments(c, shape)]
        if reply.get("error_event"):
            events.append(b"data: " + json.dumps({"error": {
                "message": "The model produced invalid content.", "type": "server_error",
                "param": None, "code": None}}).encode() + b"\n\n")
        events.append(chunk({}, "tool_calls" if calls else "stop"))
        usage = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created,
                 "model": model, "choices": [],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        if reply.get("usage", "empty_choices") == "no_choices":
            del usage["choices"]
        if reply.get("usage", "empty_choices") != "none":
            events.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
        events.append(b"data: [DONE]\n\n")
        if reply.get("truncate_after") is not None:
            events = events[:int(reply["truncate_after"])]
        first = reply.get("first_token_ms", 0) / 1000
        step = reply.get("token_ms", 0) / 1000
        pieces = [(first if i == 2 else (step if i > 2 else 0), e) for i, e in enumerate(events)]
        return StreamReply(content_type="text/event-stream", pieces=pieces)

    # Steering over HTTP, for a fake run as its own process.
    def _control(self, request):
        if request.path == "/_fake/script" and request.method == "POST":
            value = request.json()
            for reply in value if isinstance(value, list) else [value]:
                self.script(reply)
            return Reply.of_json({"queued": len(self._script)})
        if request.path == "/_fake/behave" and request.method == "POST":
            v = request.json()
            self.behave(v.get("behaviour", "normal"), v.get("delay_ms", 0), v.get("fail_status", 500))
            return Reply.of_json({"behaviour": self.behaviour})
        if request.path == "/_fake/requests":
            return Reply.of_json(self.chat_requests())
        return self.error_reply(404)

    def _reply(self, req):
        # Steering requests are answered whatever the behaviour under test.
        if req.path.startswith("/_fake/"):
            return self._control(req)
        return super()._reply(req)

    def records(self, request):
        return not request.path.startswith("/_fake/")

    # A StreamReply is written piece by piece, unframed, and the connection closes at its end
    # (as a cut stream would).
    def write_reply(self, h, reply, arrived):
        if not isinstance(reply, StreamReply):
            super().write_reply(h, reply, arrived)
            return
        h.send_response(reply.status)
        h.send_header("Content-Type", reply.content_type)
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.close_connection = True
        for k, v in reply.headers.items():
            h.send_header(k, v)
        h.end_headers()
        try:
            for pause, piece in reply.pieces:
                if pause:
                    time.sleep(pause)
                h.wfile.write(piece)
                h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing more to send


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--errors", choices=("openai", "openrouter"), default="openai")
    args = parser.parse_args()
    fake = OpenAIFake(error_style=args.errors).start(args.port)
    serve_until_interrupted(fake, f"openai fake listening on {fake.url}/v1")


if __name__ == "__main__":
    main()
