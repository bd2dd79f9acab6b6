"""fakebase: the common ground of every provider fake (Twilio, Vapi, Telnyx, the LLM, speech).

A fake is a real HTTP server on a loopback port that speaks one provider's wire protocol (see
PROTOCOLS.md). Tests steer it through its behaviour, which every fake obeys the same way:
  normal   answer as the provider does
  slow     answer as the provider does, after delay_ms
  fail     answer with the provider's own error form and status (fail_status, default 500)
  garbage  answer 200 with a body that is not what the protocol promises
  hang     accept the request and never answer (until the fake stops)
Every request a fake receives is recorded (method, path, headers, body) for assertions.

A provider's fake subclasses FakeProvider and implements handle(request) -> Reply, plus the
provider's error body in error_reply(). Run one in-process with start() / stop(), or as a
separate process: python3 -m tests.fakes.<name> --port N.
"""
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)

    @classmethod
    def of_json(cls, value, status=200):
        return cls(status=status, body=json.dumps(value).encode())


class FakeProvider:
    """A provider on loopback. Subclasses implement handle() and error_reply()."""

    name = "provider"

    def __init__(self):
        self.requests = []
        self.behaviour = "normal"
        self.delay_ms = 0
        self.fail_status = 500
        self._lock = threading.Lock()
        self._server = None
        self._stopping = threading.Event()

    # What a subclass provides.
    def handle(self, request):
        raise NotImplementedError("each provider's fake answers its own protocol")

    def error_reply(self, status):
        return Reply.of_json({"error": {"message": "fake failure", "status": status}}, status)

    def garbage_reply(self):
        return Reply(body=b"{\"truncated\": ", content_type="application/json")

    # Steering.
    def behave(self, behaviour, delay_ms=0, fail_status=500):
        assert behaviour in ("normal", "slow", "fail", "garbage", "hang"), behaviour
        self.behaviour, self.delay_ms, self.fail_status = behaviour, delay_ms, fail_status

    def received(self, path_prefix=""):
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    # Serving.
    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port=0):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, self.path, dict(self.headers), body)
                if fake.records(req):
                    with fake._lock:
                        fake.requests.append(req)
                reply = fake._reply(req)
                if reply is None:
                    self.close_connection = True
                    return
                fake.write_reply(self, reply, arrived)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def records(self, request):
        """Whether request goes into the record; a fake's own steering requests need not."""
        return True

    def write_reply(self, handler, reply, arrived):
        """Write reply on handler (a BaseHTTPRequestHandler). A fake whose protocol streams
        its answers overrides this for its own reply types; arrived is when the request came."""
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        for k, v in reply.headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(reply.body)

    def stop(self):
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def _reply(self, req):
        behaviour = self.behaviour
        if behaviour == "hang":
            self._stopping.wait()
            return None
        if behaviour == "slow":
            time.sleep(self.delay_ms / 1000)
        if behaviour == "fail":
            return self.error_reply(self.fail_status)
        if behaviour == "garbage":
            return self.garbage_reply()
        return self.handle(req)


def serve_until_interrupted(fake, banner=None):
    """For a fake run as its own process: say where it listens, then serve until Ctrl-C."""
    print(banner or fake.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()
