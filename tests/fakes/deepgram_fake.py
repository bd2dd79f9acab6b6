"""deepgram_fake: Deepgram live speech-to-text over WebSocket (PROTOCOLS.md §8), answering with
scripted transcripts timed against the audio it receives.

GET /v1/projects (plain HTTP, the same key) lists the key's projects: a key check.
The handshake is GET /v1/listen?encoding=mulaw&sample_rate=8000&model=...&... with
`Authorization: Token <key>` (or `Bearer <key>`); a wrong key is refused with 401 and Deepgram's
error body, a request without a model with 400 (Deepgram would fall back to its general model,
which hears 8 kHz telephone audio worse). Binary frames are audio; text frames are KeepAlive,
Finalize and CloseStream; a session records when CloseStream came (close_stream_at).

A test scripts what the caller "says" with script([...]); each utterance is
  {"text": "book a plumber"}                 spoken on the next speech burst, or
  {"text": "tuesday", "at_ms": 2400}         spoken once 2400 ms of audio has arrived.
A speech burst is a run of 20 ms frames louder than speech_threshold (RMS on the 16-bit scale).
While a burst arrives the fake sends interim Results (is_final false) every interim_ms of audio,
when interim_results=true; final_delay_ms (default 150) of wall time after the burst's last loud
frame, once a quiet frame after it has arrived (a recognizer cannot know the speech ended before
it hears the pause, however the audio is chunked), it sends the final Results (is_final and
speech_final true), then UtteranceEnd when utterance_end_ms was asked for. When audio arrives faster than real time, end_silence_ms of quiet
audio also ends a burst (the final still waits for final_delay_ms after the last loud frame
arrived). A burst with no scripted utterance left to say gets no Results. The script is shared
by the fake's connections in order, so a reconnecting client hears the rest of it.

Behaviours (behave()): normal; slow (every message delay_ms later); fail (handshake refused with
fail_status and Deepgram's error body); garbage or garble (non-JSON text instead of each message);
hang (the handshake is never answered); stall (stop answering: read audio, send nothing, never
time out); drop (close the TCP connection abruptly, without a close frame). stall, drop and garble
begin once after_ms of audio has arrived on a connection (0: at once).
No audio and no text message for idle_timeout_s (10) closes with 1011 and "NET-0001".

Run standalone: python3 -m tests.fakes.deepgram_fake --port N [--key K]
"""
import argparse
import asyncio
import datetime
import hashlib
import http
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed
from websockets.legacy.server import WebSocketServerProtocol

from tests.fakes.fakebase import Request, serve_until_interrupted
from tests.fakes.mulaw import rms, rms_pcm16
from tests.fakes.wsbase import WsServer

ENCODINGS = ("linear16", "mulaw", "alaw", "flac", "opus", "ogg-opus", "speex", "amr-nb", "amr-wb",
             "g729")
BEHAVIOURS = ("normal", "slow", "fail", "garbage", "hang", "stall", "drop", "garble")
MODEL = {"name": "2-general-nova", "version": "2024-01-09.29447", "arch": "nova-2"}
MODEL_UUID = "c0d1a568-ce81-4fea-97e7-bd45cb1fdf3c"


@dataclass
class Session:
    """One connection as the fake saw it. Times are time.monotonic()."""

    path: str
    query: dict
    headers: dict
    request_id: str
    opened_at: float
    audio: bytearray = field(default_factory=bytearray)
    received: list = field(default_factory=list)   # (t, "audio"|"text", bytes|str)
    sent: list = field(default_factory=list)       # (t, text as sent)
    close_code: int = None
    close_reason: str = None
    closed_at: float = None
    close_stream_at: float = None   # when the client sent CloseStream

    def messages(self, type_=None):
        """The JSON messages sent, optionally only those of one type, as (t, dict)."""
        out = []
        for t, text in self.sent:
            try:
                m = json.loads(text)
            except ValueError:
                continue
            if type_ is None or m.get("type") == type_:
                out.append((t, m))
        return out

    def transcripts(self, final=None):
        """(t, transcript, message) of Results; final True/False keeps only finals/interims."""
        out = []
        for t, m in self.messages("Results"):
            if final is None or m["is_final"] == final:
                out.append((t, m["channel"]["alternatives"][0]["transcript"], m))
        return out

    def audio_ms(self):
        rate = int(self.query.get("sample_rate", 8000))
        width = 2 if self.query.get("encoding") == "linear16" else 1
        return len(self.audio) * 1000 / (rate * width)


class _Burst:
    def __init__(self, start_ms, utterance):
        self.start_ms = start_ms
        self.utterance = utterance
        self.last_loud_ms = start_ms
        self.last_loud_wall = time.monotonic()
        self.last_interim_ms = start_ms
        self.interims = 0


class DeepgramFake:
    name = "deepgram"

    def __init__(self, api_key="dg-test-key"):
        self.api_key = api_key
        self.final_delay_ms = 150
        self.interim_ms = 250
        self.end_silence_ms = 300
        self.speech_threshold = 1000.0
        self.idle_timeout_s = 10.0
        self.idle_close = (1011, "NET-0001")
        self.behaviour = "normal"
        self.delay_ms = 0
        self.fail_status = 500
        self.after_ms = 0
        self.requests = []
        self.sessions = []
        self._script = []
        self._lock = threading.Lock()
        self._ws = None

    # Steering.
    def behave(self, behaviour, delay_ms=0, fail_status=500, after_ms=0):
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviour, self.delay_ms = behaviour, delay_ms
        self.fail_status, self.after_ms = fail_status, after_ms

    def script(self, utterances):
        """Replace what the caller will say: a list of {"text", optional "at_ms"} (or strings)."""
        with self._lock:
            self._script = [u if isinstance(u, dict) else {"text": u} for u in utterances]

    def unspoken(self):
        with self._lock:
            return list(self._script)

    def received(self, path_prefix=""):
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def wait_session(self, n=1, timeout=5.0):
        """Wait until n connections were opened; returns the nth Session."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.sessions) >= n:
                    return self.sessions[n - 1]
            time.sleep(0.01)
        raise TimeoutError("no deepgram session %d" % n)

    # Serving.
    @property
    def url(self):
        return "ws://127.0.0.1:%d" % self._ws.port

    def start(self, port=0):
        fake = self

        class Connection(WebSocketServerProtocol):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.extra_headers = []     # the handshake reads this list after process_request
                self.dg_request_id = str(uuid.uuid4())

            async def process_request(self, path, headers):
                return await fake._handshake(self, path, headers)

        self._ws = WsServer(self._conversation, create_protocol=Connection).start(port)
        return self

    def stop(self):
        if self._ws:
            self._ws.stop()

    # The handshake.
    async def _handshake(self, conn, path, headers):
        with self._lock:
            self.requests.append(Request("GET", path, dict(headers.raw_items()), b""))
        rid = conn.dg_request_id
        conn.extra_headers.append(("dg-request-id", rid))
        if self.behaviour == "hang":
            await self._ws.stopping.wait()
            return _refuse(503, rid, "SERVICE_UNAVAILABLE", "Shutting down.")
        if self.behaviour == "fail":
            return _refuse(self.fail_status, rid, "INTERNAL_SERVER_ERROR"
                           if self.fail_status >= 500 else "Bad Request", "Fake failure.")
        url = urllib.parse.urlsplit(path)
        if url.path.rstrip("/") == "/v1/projects":
            return self._projects(rid, headers)
        if url.path.rstrip("/") != "/v1/listen":
            return _refuse(404, rid, "NOT_FOUND", "Not found.")
        scheme, _, key = headers.get("Authorization", "").partition(" ")
        if scheme not in ("Token", "Bearer", "token", "bearer") or key != self.api_key:
            return _refuse(401, rid, "INVALID_AUTH", "Invalid credentials.")
        query = dict(urllib.parse.parse_qsl(url.query))
        if not query.get("model"):
            return _refuse(400, rid, "Bad Request",
                           "The fake expects a `model` (a telephone model for phone calls).")
        encoding = query.get("encoding")
        if encoding is not None and encoding not in ENCODINGS:
            return _refuse(400, rid, "Bad Request", "Invalid encoding `%s`." % encoding)
        if encoding is not None and "sample_rate" not in query:
            return _refuse(400, rid, "Bad Request",
                           "Raw audio needs `sample_rate` along with `encoding`.")
        if encoding not in ("mulaw", "linear16"):
            return _refuse(400, rid, "Bad Request",
                           "The fake understands encoding=mulaw or linear16 only.")
        return None

    def _projects(self, rid, headers):
        """GET /v1/projects, answered before any WebSocket upgrade."""
        scheme, _, key = headers.get("Authorization", "").partition(" ")
        if scheme not in ("Token", "Bearer", "token", "bearer") or key != self.api_key:
            return _refuse(401, rid, "INVALID_AUTH", "Invalid credentials.")
        body = json.dumps({"projects": [{"project_id": "fake-project-1",
                                         "name": "Fake project"}]}).encode()
        return http.HTTPStatus(200), [("Content-Type", "application/json"),
                                      ("dg-request-id", rid)], body

    # The conversation.
    async def _conversation(self, ws):
        url = urllib.parse.urlsplit(ws.path)
        s = Session(ws.path, dict(urllib.parse.parse_qsl(url.query)),
                    dict(ws.request_headers.raw_items()), ws.dg_request_id, time.monotonic())
        with self._lock:
            self.sessions.append(s)
        await _Talk(self, ws, s).run()


def _refuse(status, request_id, code, message):
    body = json.dumps({"err_code": code, "err_msg": message, "request_id": request_id}).encode()
    headers = [("Content-Type", "application/json"), ("dg-error", message),
               ("dg-request-id", request_id)]
    return http.HTTPStatus(status), headers, body


class _Talk:
    """One connection's audio analysis, script, timers and outgoing queue."""

    def __init__(self, fake, ws, session):
        self.fake, self.ws, self.s = fake, ws, session
        q = session.query
        self.linear = q.get("encoding") == "linear16"
        rate = int(q.get("sample_rate", 8000))
        self.frame_bytes = rate // 50 * (2 if self.linear else 1)
        self.interim = q.get("interim_results") == "true"
        self.vad_events = q.get("vad_events") == "true"
        self.utterance_end = "utterance_end_ms" in q
        self.pending = []           # (due, seq, message dict)
        self.seq = 0
        self.rest = b""
        self.audio_ms = 0.0
        self.burst = None
        self.at_interims = 0
        self.last_heard = time.monotonic()
        self.closing = False

    # Steering that begins after after_ms of audio.
    def mode(self):
        b = self.fake.behaviour
        if b in ("stall", "drop", "garble") and self.audio_ms < self.fake.after_ms:
            return "normal"
        return b

    async def run(self):
        ws, s = self.ws, self.s
        try:
            while not self.closing:
                timeout = self.next_deadline() - time.monotonic()
                try:
                    msg = await asyncio.wait_for(ws.recv(), max(timeout, 0))
                except asyncio.TimeoutError:
                    msg = None
                now = time.monotonic()
                if msg is not None:
                    self.last_heard = now
                    if isinstance(msg, bytes):
                        s.received.append((now, "audio", msg))
                        if not msg:
                            await self.close_stream()
                            break
                        s.audio.extend(msg)
                        self.hear(msg)
                    else:
                        s.received.append((now, "text", msg))
                        await self.control(msg)
                if self.closing:
                    break
                mode = self.mode()
                if mode == "drop":
                    ws.transport.abort()
                    s.close_code, s.closed_at = 1006, time.monotonic()
                    return
                self.tick()
                if mode != "stall":
                    await self.flush()
                    if time.monotonic() - self.last_heard >= self.fake.idle_timeout_s:
                        code, reason = self.fake.idle_close
                        # Recorded before the closing handshake: the client may see the close
                        # and be read back before this coroutine runs again.
                        s.closed_at = time.monotonic()
                        await ws.close(code, reason)
                        break
        except ConnectionClosed:
            pass
        s.close_code = ws.close_code
        s.close_reason = ws.close_reason
        s.closed_at = s.closed_at or time.monotonic()

    def next_deadline(self):
        now = time.monotonic()
        if self.mode() == "stall":
            return now + 0.05
        t = self.last_heard + self.fake.idle_timeout_s
        if self.pending:
            t = min(t, self.pending[0][0])
        if self.burst and self.audio_ms > self.burst.last_loud_ms:
            t = min(t, self.burst.last_loud_wall + self.fake.final_delay_ms / 1000)
        return max(t, now)

    # Audio.
    def hear(self, data):
        data = self.rest + data
        n = len(data) - len(data) % self.frame_bytes
        self.rest = data[n:]
        for i in range(0, n, self.frame_bytes):
            frame = data[i:i + self.frame_bytes]
            level = rms_pcm16(frame) if self.linear else rms(frame)
            self.frame(level > self.fake.speech_threshold)

    def frame(self, loud):
        before = self.audio_ms
        self.audio_ms += 20
        b = self.burst
        if loud:
            if b is None:
                b = self.burst = _Burst(before, self.next_utterance(on_burst=True))
                if self.vad_events:
                    self.send({"type": "SpeechStarted", "channel": [0], "timestamp": before / 1000})
            b.last_loud_ms, b.last_loud_wall = self.audio_ms, time.monotonic()
        if b is not None:
            due = self.audio_ms - b.last_interim_ms >= self.fake.interim_ms
            if b.utterance and self.interim and due:
                b.last_interim_ms = self.audio_ms
                b.interims += 1
                self.send(self.results(b.utterance, b.interims, b.start_ms, self.audio_ms, False))
            if not loud and self.audio_ms - b.last_loud_ms >= self.fake.end_silence_ms:
                self.end_burst()
        self.spoken_at()

    def next_utterance(self, on_burst):
        with self.fake._lock:
            script = self.fake._script
            if script and (("at_ms" not in script[0]) == on_burst):
                return script.pop(0)
        return None

    def spoken_at(self):
        """Utterances scripted at an audio time: interims over the 600 ms before, then final."""
        with self.fake._lock:
            head = self.fake._script[0] if self.fake._script else None
        if head is None or "at_ms" not in head:
            return
        at = head["at_ms"]
        start = max(at - 600, 0)
        if self.audio_ms >= at:
            self.next_utterance(on_burst=False)
            self.at_interims = 0
            self.final(head, start, at, time.monotonic())
        elif self.interim and \
                self.audio_ms >= start + (self.at_interims + 1) * self.fake.interim_ms:
            self.at_interims += 1
            self.send(self.results(head, self.at_interims, start, self.audio_ms, False))

    def tick(self):
        """Wall-clock endpointing: a burst ends final_delay_ms after its last loud frame, once
        quiet audio has followed it."""
        b = self.burst
        if b and self.audio_ms > b.last_loud_ms and \
                time.monotonic() - b.last_loud_wall >= self.fake.final_delay_ms / 1000:
            self.end_burst()

    def end_burst(self, from_finalize=False):
        b, self.burst = self.burst, None
        if b.utterance:
            due = time.monotonic() if from_finalize else b.last_loud_wall
            self.final(b.utterance, b.start_ms, b.last_loud_ms, due, from_finalize)
        return b.utterance is not None

    def final(self, utterance, start_ms, end_ms, spoken_wall, from_finalize=False):
        due = spoken_wall + (0 if from_finalize else self.fake.final_delay_ms / 1000)
        m = self.results(utterance, None, start_ms, end_ms, True, from_finalize)
        self.send(m, due)
        if self.utterance_end and not from_finalize:
            self.send({"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": end_ms / 1000},
                      due)

    def results(self, utterance, interims, start_ms, end_ms, final, from_finalize=False):
        words = utterance["text"].split()
        if not final:
            words = words[:max(1, min(interims, len(words) - 1))]
        span = max(end_ms - start_ms, 20) / 1000
        step = span / max(len(words), 1)
        start = start_ms / 1000
        word_list = [{"word": w.strip(".,?!").lower(), "start": round(start + i * step, 3),
                      "end": round(start + (i + 1) * step, 3), "confidence": 0.98,
                      "punctuated_word": w} for i, w in enumerate(words)]
        return {
            "type": "Results", "channel_index": [0, 1], "duration": round(span, 3),
            "start": round(start, 3), "is_final": final,
            "speech_final": final and not from_finalize,
            "from_finalize": from_finalize,
            "channel": {"alternatives": [{"transcript": " ".join(words),
                                          "confidence": 0.98 if words else 0.0,
                                          "words": word_list}]},
            "metadata": {"request_id": self.s.request_id, "model_uuid": MODEL_UUID,
                         "model_info": MODEL},
        }

    # Control messages.
    async def control(self, text):
        try:
            kind = json.loads(text).get("type")
        except (ValueError, AttributeError):
            return
        if kind == "Finalize":
            self.finalize()
        elif kind == "CloseStream":
            self.s.close_stream_at = time.monotonic()
            await self.close_stream()

    def finalize(self):
        now = time.monotonic()
        self.pending = [(min(d, now), q, m) for d, q, m in self.pending]
        if not (self.burst and self.end_burst(from_finalize=True)):
            self.burst = None
            empty = self.results({"text": ""}, None, self.audio_ms, self.audio_ms, True, True)
            self.send(empty, now)

    async def close_stream(self):
        if self.mode() == "stall":
            return
        if self.burst:
            self.end_burst()
        now = time.monotonic()
        self.pending = [(min(d, now), q, m) for d, q, m in self.pending]
        created = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
        self.send({"type": "Metadata", "transaction_key": "deprecated",
                   "request_id": self.s.request_id,
                   "sha256": hashlib.sha256(bytes(self.s.audio)).hexdigest(),
                   "created": created.replace("+00:00", "Z"),
                   "duration": round(self.audio_ms / 1000, 3), "channels": 1,
                   "models": [MODEL_UUID], "model_info": {MODEL_UUID: MODEL}}, now)
        await self.flush()
        await self.ws.close(1000, "")
        self.closing = True

    # Sending.
    def send(self, message, due=None):
        if due is None:
            due = time.monotonic()
        if self.fake.behaviour == "slow":
            due += self.fake.delay_ms / 1000
        self.seq += 1
        self.pending.append((due, self.seq, message))
        self.pending.sort(key=lambda p: (p[0], p[1]))

    async def flush(self):
        now = time.monotonic()
        while self.pending and self.pending[0][0] <= now:
            _, _, message = self.pending.pop(0)
            text = json.dumps(message)
            if self.mode() in ("garble", "garbage"):
                text = "<html>upstream " + text[: len(text) // 3]
            await self.ws.send(text)
            self.s.sent.append((time.monotonic(), text))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", default="dg-test-key")
    ap.add_argument("--say", action="append", default=[],
                    help="an utterance spoken on the next speech burst (repeatable)")
    args = ap.parse_args()
    fake = DeepgramFake(args.key)
    fake.script(args.say)
    fake.start(args.port)
    serve_until_interrupted(fake)


if __name__ == "__main__":
    main()
