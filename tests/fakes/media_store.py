"""media_store: a phone provider's store of recordings at signed public addresses (as Vapi hands
out in its end-of-call reports), for the tests of fetching and checking recordings.

The first part of the path says what the store answers:
  /good/...       200, a short 8 kHz WAV (WAV)
  /slow/...       the same WAV after `slow_seconds` (a provider having a slow day)
  /html/...       200, an HTML page (a sign-in wall, not audio)
  /broken/...     500
  /forbidden/...  403, as a store refusing an expired signature
  anything else   404
Every request's Authorization header (or None) is kept in authorizations: no credentials may
ever reach such a store; paths keeps every path asked for, and in_flight counts the requests
being answered right now.

A test stack trusts recordings from one loopback origin only (RECORDING_ORIGINS): scripts/test
names its port in SB_MEDIA_STORE_PORT, and a store made without a port listens there. A store
made with port=0 listens anywhere else, as a host no provider would name.
"""
import io
import os
import threading
import time
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_wav(frames=bytes(range(256)) * 16):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(frames)
    return out.getvalue()


WAV = make_wav()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.authorizations.append(self.headers.get("Authorization"))
        self.server.paths.append(self.path)
        with self.server.lock:
            self.server.in_flight += 1
        try:
            self.route()
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def route(self):
        if self.path.startswith("/slow/"):
            time.sleep(self.server.slow_seconds)
            self.answer(200, "audio/wav", WAV)
        elif self.path.startswith("/good/"):
            self.answer(200, "audio/wav", WAV)
        elif self.path.startswith("/html/"):
            self.answer(200, "text/html", b"<html>sign in</html>")
        elif self.path.startswith("/broken/"):
            self.answer(500, "text/plain", b"internal error")
        elif self.path.startswith("/forbidden/"):
            self.answer(403, "application/xml", b"<Error>AccessDenied</Error>")
        else:
            self.answer(404, "application/xml", b"<Error>NoSuchKey</Error>")

    def answer(self, status, content_type, body):
        try:
            self._answer(status, content_type, body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting

    def _answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class MediaStore:
    """The store on a loopback port: url is its base address; stop() when done. port None is
    the stack's trusted port (SB_MEDIA_STORE_PORT, else any free one); slow_seconds is how long
    /slow/ takes."""

    def __init__(self, port=None, slow_seconds=3.0):
        if port is None:
            port = int(os.environ.get("SB_MEDIA_STORE_PORT", "0"))
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.authorizations = []
        self._server.paths = []
        self._server.lock = threading.Lock()
        self._server.in_flight = 0
        self._server.slow_seconds = slow_seconds
        self.authorizations = self._server.authorizations
        self.paths = self._server.paths
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def in_flight(self):
        return self._server.in_flight

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
