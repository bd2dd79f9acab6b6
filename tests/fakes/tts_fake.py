"""tts_fake: streaming text-to-speech as ElevenLabs and OpenAI serve it (PROTOCOLS.md §9).

  POST /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000   (ElevenLabs, xi-api-key)
  POST /v1/text-to-speech/{voice_id}?output_format=...                (ElevenLabs, whole body)
  POST /v1/audio/speech  (and OpenRouter's /api/v1/audio/speech)      (OpenAI, Bearer)
  GET  /v1/user          the ElevenLabs account of the key (a key check)
  GET  /v1/models        OpenAI's model list (a key check)

The audio is a 400 Hz tone whose length is ms_per_char (60) per character of the text, in the
asked format (ulaw_8000, pcm_<rate>; OpenAI pcm = 24 kHz 16-bit little-endian mono, or wav),
sent chunked in chunk_bytes (1024) pieces, pace times faster than real time (2.0; 0 = at once),
first_byte_ms (150) after the request arrived. A wrong key gets the provider's 401 body; a bad
request ElevenLabs' 422 body ({"detail":[{"loc","msg","type"}]}) or OpenAI's 400 error.

Behaviours: the common ones (normal, slow, fail, garbage, hang; fail answers in the provider's own
error form) and cut: the stream starts normally and the connection is closed after cut_after
bytes of audio, without the chunked terminator, as a provider dying mid-sentence does.
Every request is recorded (requests) and every stream's outcome (streams).

Run standalone: python3 -m tests.fakes.tts_fake --port N [--eleven-key K] [--openai-key K]
    [--first-byte-ms MS] [--pace X] [--chunk-bytes N]
"""
import argparse
import json
import re
import struct
import time
import urllib.parse
import uuid

from tests.fakes.fakebase import FakeProvider, Reply, serve_until_interrupted
from tests.fakes.mulaw import tone, tone_pcm16

ELEVEN_PATH = re.compile(r"^/v1/text-to-speech/([^/]+?)(/stream)?$")
OPENAI_PATHS = ("/v1/audio/speech", "/api/v1/audio/speech")
OPENAI_VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage",
                 "shimmer", "verse", "marin", "cedar")
PCM_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


class Stream(Reply):
    """A 200 answer whose body is audio sent chunked over time (see TtsFake._send_stream)."""

    def __init__(self, audio, bytes_per_s, content_type, record):
        super().__init__(status=200, body=b"", content_type=content_type)
        self.audio, self.bytes_per_s, self.record = audio, bytes_per_s, record


class TtsFake(FakeProvider):
    name = "tts"

    def __init__(self, eleven_key="el-test-key", openai_key="sk-test-key"):
        super().__init__()
        self.eleven_key = eleven_key
        self.openai_key = openai_key
        self.ms_per_char = 60
        self.chunk_bytes = 1024
        self.pace = 2.0
        self.first_byte_ms = 150
        self.cut_after = 0
        self.streams = []

    def behave(self, behaviour, delay_ms=0, fail_status=500, cut_after=0):
        if behaviour == "cut":
            self.behaviour, self.delay_ms, self.cut_after = "cut", delay_ms, cut_after
            return
        super().behave(behaviour, delay_ms, fail_status)

    # The protocol.
    def handle(self, req):
        url = urllib.parse.urlsplit(req.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        m = ELEVEN_PATH.match(url.path)
        if req.method == "POST" and m:
            return self._eleven(req, m.group(1), bool(m.group(2)), query)
        if req.method == "POST" and url.path in OPENAI_PATHS:
            return self._openai(req)
        if req.method == "GET" and url.path == "/v1/user":
            if _header(req, "xi-api-key") != self.eleven_key:
                return Reply.of_json({"detail": {"status": "invalid_api_key",
                                                 "message": "Invalid API key"}}, 401)
            return Reply.of_json({"user_id": "fake-user", "first_name": "Fake",
                                  "subscription": {"tier": "starter", "status": "active",
                                                   "character_count": 1200,
                                                   "character_limit": 30000}})
        if req.method == "GET" and url.path == "/v1/models":
            if _header(req, "Authorization") != "Bearer " + self.openai_key:
                return _openai_error(401, "Incorrect API key provided: sk-wr***ng.",
                                     "invalid_request_error", None, "invalid_api_key")
            return Reply.of_json({"object": "list", "data": [
                {"id": "tts-1", "object": "model", "created": 0, "owned_by": "openai"}]})
        return Reply.of_json({"detail": "Not Found"}, 404)

    def _eleven(self, req, voice_id, streaming, query):
        if _header(req, "xi-api-key") != self.eleven_key:
            return Reply.of_json({"detail": {"status": "invalid_api_key",
                                             "message": "Invalid API key"}}, 401)
        try:
            body = json.loads(req.body)
        except ValueError as e:
            return _unprocessable(["body", 0], str(e), "value_error.jsondecode")
        if not isinstance(body, dict) or "text" not in body:
            return _unprocessable(["body", "text"], "field required", "value_error.missing")
        text = body["text"]
        if not isinstance(text, str) or not text.strip():
            return _unprocessable(["body", "text"], "ensure this value has at least 1 characters",
                                  "value_error.any_str.min_length")
        fmt = query.get("output_format", "mp3_44100_128")
        ms = self.ms_per_char * len(text)
        if fmt == "ulaw_8000":
            audio, rate, ctype = tone(ms), 8000, "audio/basic"
        elif fmt.startswith("pcm_") and fmt[4:].isdigit() and int(fmt[4:]) in PCM_RATES:
            rate = int(fmt[4:])
            audio, rate, ctype = tone_pcm16(ms, rate), rate * 2, "audio/pcm"
        else:
            return _unprocessable(["query", "output_format"],
                                  "this fake streams ulaw_8000 and pcm_<rate> only, not %r" % fmt,
                                  "value_error")
        record = {"provider": "elevenlabs", "voice_id": voice_id, "text": text, "format": fmt,
                  "model_id": body.get("model_id"), "streaming": streaming}
        return Stream(audio, rate, ctype, record)

    def _openai(self, req):
        if _header(req, "Authorization") != "Bearer " + self.openai_key:
            return _openai_error(401, "Incorrect API key provided. You can find your API key at "
                                 "https://platform.openai.com/account/api-keys.",
                                 "invalid_request_error", None, "invalid_api_key")
        try:
            body = json.loads(req.body)
        except ValueError:
            return _openai_error(400, "We could not parse the JSON body of your request.",
                                 "invalid_request_error", None, None)
        if not isinstance(body, dict):
            return _openai_error(400, "Invalid body.", "invalid_request_error", None, None)
        for name in ("model", "input", "voice"):
            if name not in body:
                return _openai_error(400, "Missing required parameter: '%s'." % name,
                                     "invalid_request_error", name, "missing_required_parameter")
        text, voice = body["input"], body["voice"]
        if not isinstance(text, str) or not text or len(text) > 4096:
            return _openai_error(400, "'input' must be a string of 1 to 4096 characters.",
                                 "invalid_request_error", "input", None)
        if not (voice in OPENAI_VOICES or isinstance(voice, dict) and "id" in voice):
            return _openai_error(400, "Invalid value for 'voice'.", "invalid_request_error",
                                 "voice", "invalid_value")
        speed = body.get("speed", 1.0)
        if not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
            return _openai_error(400, "'speed' must be between 0.25 and 4.0.",
                                 "invalid_request_error", "speed", None)
        fmt = body.get("response_format", "mp3")
        pcm = tone_pcm16(int(self.ms_per_char * len(text) / speed), 24000)
        if fmt == "pcm":
            audio, ctype = pcm, "audio/pcm"
        elif fmt == "wav":
            audio, ctype = _wav(pcm, 24000), "audio/wav"
        else:
            return _openai_error(400, "This fake produces response_format pcm or wav, not %r."
                                 % fmt, "invalid_request_error", "response_format", None)
        record = {"provider": "openai", "voice": voice, "text": text, "format": fmt,
                  "model": body["model"], "streaming": True}
        return Stream(audio, 48000, ctype, record)

    def error_reply(self, status, req=None):
        if req is not None and urllib.parse.urlsplit(req.path).path in OPENAI_PATHS:
            kind = "requests" if status == 429 else "server_error"
            return _openai_error(status, "The fake was told to fail.", kind, None,
                                 "rate_limit_exceeded" if status == 429 else None)
        detail = "too_many_concurrent_requests" if status == 429 else "internal_server_error"
        return Reply.of_json({"detail": {"status": detail,
                                         "message": "The fake was told to fail."}}, status)

    def garbage_reply(self):
        return Reply(body=b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")

    # Serving: the common behaviours, plus streamed bodies and the cut.
    def _reply(self, req):
        if self.behaviour == "fail":
            return self.error_reply(self.fail_status, req)
        if self.behaviour == "cut":
            return self.handle(req)
        return super()._reply(req)

    def write_reply(self, h, reply, arrived):
        if isinstance(reply, Stream):
            self._send_stream(h, reply, arrived)
        else:
            super().write_reply(h, reply, arrived)

    def _send_stream(self, h, reply, arrived):
        rec = dict(reply.record, bytes_sent=0, audio_bytes=len(reply.audio), cut=False,
                   arrived_at=arrived, first_byte_at=None, ended_at=None)
        with self._lock:
            self.streams.append(rec)
        extra = self.delay_ms if self.behaviour == "slow" else 0
        wait = arrived + (self.first_byte_ms + extra) / 1000 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        limit = self.cut_after if self.behaviour == "cut" else None
        try:
            h.send_response(200)
            h.send_header("Content-Type", reply.content_type)
            h.send_header("Transfer-Encoding", "chunked")
            h.send_header("request-id", uuid.uuid4().hex)
            h.end_headers()
            t0 = time.monotonic()
            sent = 0
            while sent < len(reply.audio):
                chunk = reply.audio[sent:sent + self.chunk_bytes]
                if limit is not None and sent + len(chunk) > limit:
                    chunk = chunk[:max(limit - sent, 0)]
                    if chunk:
                        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        sent += len(chunk)
                    rec["bytes_sent"], rec["cut"] = sent, True
                    h.wfile.flush()
                    h.close_connection = True
                    return
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                h.wfile.flush()
                if rec["first_byte_at"] is None:
                    rec["first_byte_at"] = time.monotonic()
                sent += len(chunk)
                rec["bytes_sent"] = sent
                if self.pace > 0:
                    due = t0 + sent / reply.bytes_per_s / self.pace
                    if due > time.monotonic():
                        time.sleep(due - time.monotonic())
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        finally:
            rec["ended_at"] = time.monotonic()


def _header(req, name):
    for k, v in req.headers.items():
        if k.lower() == name.lower():
            return v
    return None


def _unprocessable(loc, msg, kind):
    return Reply.of_json({"detail": [{"loc": loc, "msg": msg, "type": kind}]}, 422)


def _openai_error(status, message, kind, param, code):
    return Reply.of_json({"error": {"message": message, "type": kind, "param": param,
                                    "code": code}}, status)


def _wav(pcm, rate):
    head = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm))
    return head + pcm


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--eleven-key", default="el-test-key")
    ap.add_argument("--openai-key", default="sk-test-key")
    ap.add_argument("--first-byte-ms", type=int, default=150)
    ap.add_argument("--pace", type=float, default=2.0, help="times faster than real time (0: "
                    "all at once)")
    ap.add_argument("--chunk-bytes", type=int, default=1024, help="audio bytes a chunk")
    args = ap.parse_args()
    fake = TtsFake(args.eleven_key, args.openai_key)
    fake.first_byte_ms, fake.pace = args.first_byte_ms, args.pace
    fake.chunk_bytes = max(args.chunk_bytes, 1)
    fake.start(args.port)
    serve_until_interrupted(fake)


if __name__ == "__main__":
    main()
