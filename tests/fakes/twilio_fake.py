"""twilio_fake: Twilio's REST API for messages and calls (PROTOCOLS.md §4), and a Media Streams
driver that plays the part of Twilio on a stream's WebSocket (PROTOCOLS.md §3).

TwilioFake serves
  POST /2010-04-01/Accounts/{AccountSid}/Messages.json      send an SMS (To, From, Body)
  POST /2010-04-01/Accounts/{AccountSid}/Calls.json         place a call (To, From, Url|Twiml)
  POST /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json   hang up or redirect (Status, Url, Twiml)
  GET  .../Messages/{Sid}.json, .../Calls/{Sid}.json        fetch one
  GET  .../Recordings/{Sid}[.wav|.mp3]                      a recording's audio (PROTOCOLS.md §1.4)
with HTTP Basic auth AccountSid:AuthToken (401 and code 20003 otherwise), form parameters checked
as Twilio does, 201 and Twilio's JSON on success, Twilio's error body
({"code","message","more_info","status"}) on failure. Numbers in invalid_numbers are refused with
21211, numbers in unsubscribed (they texted STOP) with 21610. live_call() makes an inbound call
in progress that the code under test can redirect. Behaviours: the common ones; fail answers
Twilio's error body for fail_status (429 → 20429, 500 → 20500, 503 → 20503).
Every request is recorded (requests), every accepted message (messages) and call (calls, updates).
add_recording() keeps a recording of a call, as Twilio does when a call is recorded: its address
(RecordingUrl, without an extension) answers a short WAV, or with ".mp3" a short MP3, a Range
request only the bytes asked for (206), and any other recording 404 (code 20404).

MediaStreamsCaller connects to a WebSocket URL as Twilio does for <Connect><Stream>: connected,
start (customParameters, callSid, streamSid), then 160-byte mu-law media frames every 20 ms in
real time (the audio given to play(), silence otherwise), dtmf, stop. It keeps the audio and marks
the server sends back, plays that audio on a real-time clock, echoes each mark once the audio
queued before it has played, and on clear empties the queue and echoes pending marks at once.
Everything is stamped with time.monotonic() so a test can measure, for example, the end of the
caller's audio to the first reply media frame.

Several accounts, each with its own SID and auth token, and their phone numbers (search, buy,
list, configure) come from TwilioAccountsMixin (tests/fakes/twilio_numbers.py, which lists its
endpoints and control requests); every account is refused every other account's resources.

Run the REST fake standalone: python3 -m tests.fakes.twilio_fake --port N [--sid AC.. --token T].
It then also answers, without authentication, GET /_fake/messages (the accepted messages: sid,
to, from, body, params, account_sid), GET /_fake/calls (the calls placed or live: sid, to, from,
account_sid, params), GET /_fake/requests (method, path, body of each API request), POST
/_fake/behave ({"behaviour": "fail", "fail_status": 500}), POST /_fake/invalid_numbers and
/_fake/unsubscribed ({"numbers": [...]}, added to those sets), POST /_fake/recordings
({"call_sid": "CA..."}, answers {"sid", "url"}) and POST /_fake/reset.
"""
import argparse
import asyncio
import base64
import email.utils
import hashlib
import hmac
import io
import json
import math
import re
import threading
import time
import urllib.parse
import uuid
import wave

import websockets

from tests.fakes.fakebase import FakeProvider, Reply, serve_until_interrupted
from tests.fakes.mulaw import SILENCE
from tests.fakes.twilio_numbers import TwilioAccountsMixin

API = "/2010-04-01"
ROUTE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)(?:/([^/]+))?\.json$")
ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(?:AvailablePhoneNumbers|IncomingPhoneNumbers)"
                          r"[^?]*$")
ACCOUNT_RESOURCE = re.compile(r"^/2010-04-01/Accounts/([^/]+)\.json$")
RECORDING = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Recordings/(RE[0-9a-f]{32})(\.wav|\.mp3)?$")
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
ERRORS = {400: 20001, 401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}
MESSAGES = {400: "Bad request", 401: "Authenticate", 404: "The requested resource was not found",
            429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
# The only audio Media Streams carry (PROTOCOLS.md §3.1).
MULAW_8K_MONO = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}


def sid(prefix):
    return prefix + uuid.uuid4().hex


def recording_wav(seconds=0.5):
    """A real WAV as Twilio keeps recordings: 8 kHz, 16-bit mono, a quiet 440 Hz tone."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(int(2000 * math.sin(2 * math.pi * 440 * i / 8000))
                               .to_bytes(2, "little", signed=True)
                               for i in range(int(8000 * seconds))))
    return out.getvalue()


def recording_mp3(frames=20):
    """A real MP3: MPEG-1 Layer III frames of silence (128 kbit/s, 44.1 kHz, mono). Each frame is
    its 4-byte header and 413 bytes of zeros: side information saying nothing is coded."""
    return (bytes([0xFF, 0xFB, 0x90, 0xC0]) + bytes(413)) * frames


RECORDING_AUDIO = {".wav": (recording_wav(), "audio/x-wav"),
                   ".mp3": (recording_mp3(), "audio/mpeg")}


def twilio_error(status, code, message):
    """Twilio's error body and status as a Reply."""
    return Reply.of_json({"code": code, "message": message,
                          "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                          "status": status}, status)


class TwilioFake(TwilioAccountsMixin, FakeProvider):
    name = "twilio"

    def __init__(self, account_sid="AC" + "0" * 31 + "1", auth_token="twilio-test-token"):
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.invalid_numbers = set()
        self.unsubscribed = set()
        self.messages = []
        self.calls = {}
        self.updates = []
        self.recordings = {}
        self._init_accounts()

    def error_reply(self, status):
        return twilio_error(status, ERRORS.get(status, 20001), MESSAGES.get(status, "Error"))

    def live_call(self, to="+15005550006", from_="+15551230000", call_sid=None):
        """An inbound call in progress (Twilio made it when the caller dialled); returns its sid."""
        call_sid = call_sid or sid("CA")
        with self._lock:
            self.calls[call_sid] = self._call_json(call_sid, {"To": to, "From": from_},
                                                   "in-progress", "inbound")
        return call_sid

    def add_recording(self, call_sid=None, account_sid=None):
        """Keep a recording of call_sid in account_sid (the main account when None); returns
        (RecordingSid, RecordingUrl as Twilio sends it)."""
        rsid = sid("RE")
        account = account_sid or self.account_sid
        with self._lock:
            self.recordings[rsid] = {"sid": rsid, "call_sid": call_sid or sid("CA"),
                                     "account_sid": account}
        return rsid, "%s%s/Accounts/%s/Recordings/%s" % (self.url, API, account, rsid)

    # The protocol.
    def handle(self, req):
        url = urllib.parse.urlsplit(req.path)
        rec = RECORDING.match(url.path)
        if rec:
            return self._recording(req, *rec.groups(), path=url.path)
        own = ACCOUNT_RESOURCE.match(url.path)
        if own:
            return self._account(req, own.group(1), url.path)
        m = ROUTE.match(url.path)
        numbers = ACCOUNT_PATH.match(url.path) if not m else None
        if not m and not numbers:
            return twilio_error(404, 20404, "The requested resource %s was not found" % url.path)
        user = self._authorized(req)
        if not user:
            reply = twilio_error(401, 20003, "Authenticate")
            reply.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return reply
        account = (m or numbers).group(1)
        # One account's credentials never reach another's resources.
        if account != user:
            return twilio_error(404, 20404, "The requested resource %s was not found" % url.path)
        if numbers:
            ctype = next((v for k, v in req.headers.items() if k.lower() == "content-type"), "")
            if req.method == "POST" and not ctype.startswith("application/x-www-form-urlencoded"):
                return twilio_error(400, 20001, "Bad request: form-encoded parameters expected")
            found = self.handle_numbers(req, url.path, account, twilio_error, Reply.of_json)
            return found or twilio_error(404, 20404, "The requested resource %s was not found"
                                         % url.path)
        kind, item = m.group(2), m.group(3)
        ctype = next((v for k, v in req.headers.items() if k.lower() == "content-type"), "")
        if req.method == "POST" and not ctype.startswith("application/x-www-form-urlencoded"):
            return twilio_error(400, 20001, "Bad request: form-encoded parameters expected")
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        params = {k: v[0] for k, v in form.items()}
        if req.method == "GET" and item:
            return self._fetch(kind, item, url.path)
        if req.method != "POST":
            return twilio_error(405, 20004, "Method not allowed")
        if kind == "Messages" and not item:
            return self._send_message(params, form, account)
        if kind == "Calls" and not item:
            return self._create_call(params, form, account)
        if kind == "Calls":
            return self._update_call(item, params, url.path)
        return twilio_error(405, 20004, "Method not allowed")

    def _account(self, req, account, path):
        """GET /2010-04-01/Accounts/{sid}.json: the account resource (a key check)."""
        user = self._authorized(req)
        if not user:
            reply = twilio_error(401, 20003, "Authenticate")
            reply.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return reply
        if account != user:
            return twilio_error(404, 20404, "The requested resource %s was not found" % path)
        if req.method != "GET":
            return twilio_error(405, 20004, "Method not allowed")
        with self._lock:
            info = dict(self.accounts.get(account, {}))
        return Reply.of_json({"sid": account, "friendly_name": info.get("friendly_name", ""),
                              "status": info.get("status", "active"), "type": "Full",
                              "uri": "%s/Accounts/%s.json" % (API, account)})

    def _recording(self, req, account, rsid, extension, path):
        user = self._authorized(req)
        if not user:
            reply = twilio_error(401, 20003, "Authenticate")
            reply.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return reply
        with self._lock:
            known = self.recordings.get(rsid, {}).get("account_sid") == account
        if account != user or not known:
            return twilio_error(404, 20404, "The requested resource %s was not found" % path)
        if req.method not in ("GET", "HEAD"):
            return twilio_error(405, 20004, "Method not allowed")
        audio, content_type = RECORDING_AUDIO[extension or ".wav"]
        asked = next((v for k, v in req.headers.items() if k.lower() == "range"), "")
        m = RANGE.match(asked.strip())
        if not m or int(m.group(1)) >= len(audio):
            return Reply(body=audio, content_type=content_type)
        first = int(m.group(1))
        last = min(int(m.group(2)) if m.group(2) else len(audio) - 1, len(audio) - 1)
        return Reply(status=206, body=audio[first:last + 1], content_type=content_type,
                     headers={"Content-Range": "bytes %d-%d/%d" % (first, last, len(audio))})

    def _authorized(self, req):
        auth = next((v for k, v in req.headers.items() if k.lower() == "authorization"), "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        token = self.token_of(user)
        return user if token and hmac.compare_digest(password, token) else None

    def _refuse_number(self, to):
        if not E164.match(to) or to in self.invalid_numbers:
            return twilio_error(400, 21211, "Invalid 'To' Phone Number: %s" % to)
        return None

    def _send_message(self, p, form, account=None):
        account = account or self.account_sid
        if not p.get("To"):
            return twilio_error(400, 21604, "A 'To' phone number is required.")
        if not p.get("From") and not p.get("MessagingServiceSid"):
            return twilio_error(400, 21603, "A 'From' phone number is required.")
        if not p.get("Body") and not p.get("MediaUrl") and not p.get("ContentSid"):
            return twilio_error(400, 21602, "Message body is required.")
        body = p.get("Body", "")
        if len(body) > 1600:
            return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 "
                                "character limit.")
        refused = self._refuse_number(p["To"])
        if refused:
            return refused
        if p["To"] in self.unsubscribed:
            return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
        msid = sid("SM")
        msg = {
            "account_sid": account, "api_version": "2010-04-01", "body": body,
            "date_created": now, "date_sent": None, "date_updated": now,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": p.get("From"), "messaging_service_sid": p.get("MessagingServiceSid"),
            "num_media": str(len(form.get("MediaUrl", []))),
            "num_segments": str(max(1, math.ceil(len(body) / 160))), "price": None,
            "price_unit": "USD", "sid": msid, "status": "queued",
            "subresource_uris": {"media": "%s/Accounts/%s/Messages/%s/Media.json"
                                 % (API, account, msid)},
            "to": p["To"], "uri": "%s/Accounts/%s/Messages/%s.json" % (API, account, msid),
        }
        with self._lock:
            self.messages.append(dict(msg, params=p, form=form))
        return Reply.of_json(msg, 201)

    def _call_json(self, csid, p, status, direction, account=None):
        account = account or self.account_sid
        now = email.utils.formatdate(usegmt=True).replace("GMT", "+0000")
        base = "%s/Accounts/%s/Calls/%s" % (API, account, csid)
        return {
            "account_sid": account, "annotation": None, "answered_by": None,
            "api_version": "2010-04-01", "caller_name": None, "date_created": now,
            "date_updated": now, "direction": direction, "duration": None, "end_time": None,
            "forwarded_from": None, "from": p["From"], "from_formatted": p["From"],
            "group_sid": None, "parent_call_sid": None, "phone_number_sid": None, "price": None,
            "price_unit": "USD", "queue_time": "0", "sid": csid, "start_time": None,
            "status": status, "to": p["To"], "to_formatted": p["To"], "trunk_sid": None,
            "uri": base + ".json",
            "subresource_uris": {"notifications": base + "/Notifications.json",
                                 "recordings": base + "/Recordings.json",
                                 "streams": base + "/Streams.json"},
        }

    def _create_call(self, p, form, account=None):
        if not p.get("To"):
            return twilio_error(400, 21201, "No 'To' number is specified")
        if not p.get("From"):
            return twilio_error(400, 21213, "No 'From' number is specified")
        if not (p.get("Url") or p.get("Twiml") or p.get("ApplicationSid")):
            return twilio_error(400, 21205, "A 'Url', 'Twiml' or 'ApplicationSid' parameter is "
                                "required.")
        if p.get("Url") and not p["Url"].startswith(("http://", "https://")):
            return twilio_error(400, 21205, "Url is not a valid URL: %s" % p["Url"])
        refused = self._refuse_number(p["To"])
        if refused:
            return refused
        csid = sid("CA")
        call = self._call_json(csid, p, "queued", "outbound-api", account)
        with self._lock:
            self.calls[csid] = dict(call, params=p, form=form)
        return Reply.of_json(call, 201)

    def _update_call(self, csid, p, path):
        with self._lock:
            call = self.calls.get(csid)
            if call is None:
                return twilio_error(404, 20404, "The requested resource %s was not found" % path)
            status = p.get("Status")
            if status and status not in ("completed", "canceled"):
                return twilio_error(400, 21218, "Invalid Status: %s" % status)
            if (p.get("Url") or p.get("Twiml")) and call["status"] not in ("in-progress",
                                                                          "queued", "ringing"):
                return twilio_error(400, 21220, "Call is not in-progress. Cannot redirect.")
            if status:
                call["status"] = status
            self.updates.append({"sid": csid, "params": p, "at": time.monotonic()})
            public = {k: v for k, v in call.items() if k not in ("params", "form")}
        return Reply.of_json(public, 200)

    def _fetch(self, kind, item, path):
        with self._lock:
            if kind == "Calls":
                found = self.calls.get(item)
            else:
                found = next((m for m in self.messages if m["sid"] == item), None)
        if found is None:
            return twilio_error(404, 20404, "The requested resource %s was not found" % path)
        return Reply.of_json({k: v for k, v in found.items() if k not in ("params", "form")})

    # Steering and inspection over HTTP, for a fake run as its own process.
    def _control(self, req):
        path = urllib.parse.urlsplit(req.path).path
        answered = self.control_numbers(req, path, twilio_error, Reply.of_json)
        if answered:
            return answered
        if path == "/_fake/messages" and req.method == "GET":
            with self._lock:
                return Reply.of_json([{"sid": m["sid"], "to": m["to"], "from": m["from"],
                                       "body": m["body"], "params": m["params"],
                                       "account_sid": m["account_sid"]}
                                      for m in self.messages])
        if path == "/_fake/calls" and req.method == "GET":
            with self._lock:
                return Reply.of_json([{"sid": c["sid"], "to": c["to"], "from": c["from"],
                                       "account_sid": c["account_sid"],
                                       "params": c.get("params", {})}
                                      for c in self.calls.values()])
        if path == "/_fake/requests" and req.method == "GET":
            with self._lock:
                return Reply.of_json([{"method": r.method, "path": r.path,
                                       "body": r.body.decode("utf-8", "replace")}
                                      for r in self.requests
                                      if not r.path.startswith("/_fake/")])
        if path == "/_fake/behave" and req.method == "POST":
            v = req.json() or {}
            self.behave(v.get("behaviour", "normal"), v.get("delay_ms", 0),
                        v.get("fail_status", 500))
            return Reply.of_json({"behaviour": self.behaviour, "fail_status": self.fail_status})
        if path in ("/_fake/invalid_numbers", "/_fake/unsubscribed") and req.method == "POST":
            numbers = self.invalid_numbers if path.endswith("invalid_numbers") else self.unsubscribed
            with self._lock:
                numbers.update((req.json() or {}).get("numbers", []))
                return Reply.of_json(sorted(numbers))
        if path == "/_fake/recordings" and req.method == "POST":
            v = req.json() or {}
            rsid, rurl = self.add_recording(v.get("call_sid"), v.get("account_sid"))
            return Reply.of_json({"sid": rsid, "url": rurl})
        if path == "/_fake/reset" and req.method == "POST":
            with self._lock:
                self.recordings.clear()
                self.requests.clear()
                self.messages.clear()
                self.calls.clear()
                self.updates.clear()
                self.invalid_numbers.clear()
                self.unsubscribed.clear()
                self._reset_accounts()
            self.behave("normal")
            return Reply.of_json({"reset": True})
        return twilio_error(404, 20404, "The requested resource %s was not found" % path)

    def _reply(self, req):
        # Steering requests are answered whatever the behaviour under test.
        if req.path.startswith("/_fake/"):
            return self._control(req)
        return super()._reply(req)


def stream_signature(auth_token, url):
    """X-Twilio-Signature of a WebSocket handshake: HMAC-SHA1 over the URL (no parameters)."""
    digest = hmac.new(auth_token.encode(), url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Played:
    """Caller audio given to MediaStreamsCaller.play(): when it was queued and fully sent."""

    def __init__(self, nbytes):
        self.nbytes = nbytes
        self.queued_at = time.monotonic()
        self.started_at = None
        self.ended_at = None
        self.done = threading.Event()


class MediaStreamsCaller:
    """Plays Twilio on a Media Streams WebSocket. connect() opens it; the methods are thread-safe.

    Observations (all times time.monotonic()):
      events       (t, "sent"|"received", message) every JSON message either way
      media_in     (t, bytes) the audio the server sent, in order
      marks_in     (t, name) marks the server sent; marks_echoed (t, name, cleared)
      clears       (t, bytes of queued audio discarded)
      errors       (t, code, detail): 31950 binary frame, 31951 bad JSON, event or streamSid
    """

    FRAME = 160

    def __init__(self, url, custom_parameters=None, account_sid="AC" + "0" * 31 + "1",
                 call_sid=None, stream_sid=None, auth_token=None, continuous=True,
                 media_format=None):
        self.url = url
        self.custom_parameters = dict(custom_parameters or {})
        self.account_sid = account_sid
        self.call_sid = call_sid or sid("CA")
        self.stream_sid = stream_sid or sid("MZ")
        self.auth_token = auth_token
        self.continuous = continuous
        # What the start message says the audio is; Twilio always sends this one.
        self.media_format = dict(media_format or MULAW_8K_MONO)
        self.events = []
        self.media_in = []
        self.marks_in = []
        self.marks_echoed = []
        self.clears = []
        self.errors = []
        self.frames_sent = 0
        self.started_at = None
        self.close_code = None
        self.close_reason = None
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._queue = bytearray()
        self._plays = []            # [Played, bytes of it still queued]
        self._seq = 0
        self._playhead = 0.0        # when the server's queued audio will have finished playing
        self._pending_marks = []
        self._loop = None
        self._ws = None
        self._thread = None

    # Driving.
    def connect(self, timeout=5.0):
        """Open the socket and send connected and start; media frames follow every 20 ms."""
        ready = threading.Event()
        failure = []

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self._open())
            except Exception as e:     # the handshake's failure is the caller's to see
                failure.append(e)
                ready.set()
                self.closed.set()
                return
            ready.set()
            self._loop.run_until_complete(self._run())
            self._loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("media stream did not open")
        if failure:
            raise failure[0]
        return self

    def play(self, audio):
        """Queue mu-law 8 kHz caller audio after what is queued; returns its Played record."""
        p = Played(len(audio))
        with self._lock:
            self._queue.extend(audio)
            self._plays.append([p, len(audio)])
        if not audio:
            p.ended_at = time.monotonic()
            p.done.set()
        return p

    def silence(self, ms):
        """Queue ms of caller silence (mu-law 0xFF)."""
        return self.play(bytes([SILENCE]) * (8 * ms))

    def dtmf(self, digit):
        self._call(self._send_event({"event": "dtmf", "streamSid": self.stream_sid,
                                     "dtmf": {"track": "inbound_track", "digit": str(digit)}}))

    def hangup(self, timeout=5.0):
        """Send stop and close the socket, as Twilio does when the caller hangs up."""
        if not self.closed.is_set():
            self._call(self._stop())
        self.closed.wait(timeout)
        if self._thread:
            self._thread.join(timeout)

    close = hangup

    # Observing.
    def received_audio(self):
        with self._lock:
            return b"".join(b for _, b in self.media_in)

    def heard_audio(self, since=0.0):
        """The server's audio as the caller heard it, from media that arrived after since: all
        of it in order, less what each clear discarded before it could play."""
        with self._lock:
            events = [(t, audio, 0) for t, audio in self.media_in if t > since] + \
                     [(t, None, n) for t, n in self.clears if t > since]
        heard = bytearray()
        for _, audio, discarded in sorted(events, key=lambda e: e[0]):
            if audio is not None:
                heard.extend(audio)
            elif discarded:
                del heard[-discarded:]
        return bytes(heard)

    def first_media_after(self, t):
        """Arrival time of the first media frame the server sent after t, or None."""
        with self._lock:
            return next((at for at, _ in self.media_in if at > t), None)

    def queued_ms(self):
        """Milliseconds of the server's audio still waiting to be played."""
        with self._lock:
            return max(0.0, self._playhead - time.monotonic()) * 1000

    def wait_for(self, predicate, timeout=5.0):
        """Poll predicate() until true; returns its value, or raises TimeoutError."""
        end = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > end:
                raise TimeoutError("condition not met within %.1f s" % timeout)
            time.sleep(0.005)

    def wait_mark(self, name, timeout=5.0):
        """Wait for the echo of mark name; returns (t, name, cleared)."""
        def echoed():
            with self._lock:
                return next((e for e in self.marks_echoed if e[1] == name), None)
        return self.wait_for(echoed, timeout)

    # The loop.
    def _call(self, coro):
        if self._loop is None or self.closed.is_set():
            coro.close()
            return
        asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _open(self):
        headers = {}
        if self.auth_token:
            headers["X-Twilio-Signature"] = stream_signature(self.auth_token, self.url)
        self._ws = await websockets.connect(self.url, extra_headers=headers, max_size=2 ** 22,
                                            ping_interval=None)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.started_at = time.monotonic()
        await self._send_event({"event": "start", "streamSid": self.stream_sid, "start": {
            "accountSid": self.account_sid, "streamSid": self.stream_sid,
            "callSid": self.call_sid, "tracks": ["inbound"],
            "customParameters": self.custom_parameters,
            "mediaFormat": self.media_format}})

    async def _run(self):
        pump = asyncio.ensure_future(self._pump())
        try:
            async for msg in self._ws:
                self._receive(msg)
        except websockets.ConnectionClosed:
            pass
        pump.cancel()
        self.close_code, self.close_reason = self._ws.close_code, self._ws.close_reason
        self.closed.set()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if others:
            await asyncio.wait(others, timeout=2)

    async def _send(self, message):
        # Compact, as Twilio writes its messages.
        text = json.dumps(message, separators=(",", ":"))
        await self._ws.send(text)
        with self._lock:
            self.events.append((time.monotonic(), "sent", message))

    async def _send_event(self, message):
        # In Twilio's order: event, sequenceNumber, then the rest as given.
        self._seq += 1
        ordered = {"event": message["event"], "sequenceNumber": str(self._seq)}
        ordered.update(message)
        await self._send(ordered)

    async def _stop(self):
        try:
            await self._send_event({"event": "stop", "streamSid": self.stream_sid,
                                    "stop": {"accountSid": self.account_sid,
                                             "callSid": self.call_sid}})
            await self._ws.close()
        except websockets.ConnectionClosed:
            pass

    async def _pump(self):
        """20 ms frames on an absolute clock, so the caller's audio stays in real time."""
        t0 = time.monotonic()
        chunk = 0
        while True:
            due = t0 + chunk * 0.02
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            with self._lock:
                frame = bytes(self._queue[:self.FRAME])
                del self._queue[:self.FRAME]
                finished = self._consume(len(frame))
            if not frame and not self.continuous:
                chunk += 1
                continue
            frame = frame + bytes([SILENCE]) * (self.FRAME - len(frame))
            chunk += 1
            try:
                await self._send_event({"event": "media", "media": {
                    "track": "inbound", "chunk": str(chunk), "timestamp": str((chunk - 1) * 20),
                    "payload": base64.b64encode(frame).decode()}, "streamSid": self.stream_sid})
            except websockets.ConnectionClosed:
                return
            now = time.monotonic()
            self.frames_sent = chunk
            for p in finished:
                p.ended_at = now
                p.done.set()

    def _consume(self, n):
        """Account n sent bytes against the queued plays; returns the plays now fully sent."""
        finished = []
        now = time.monotonic()
        while n and self._plays:
            entry = self._plays[0]
            if entry[0].started_at is None:
                entry[0].started_at = now
            take = min(n, entry[1])
            entry[1] -= take
            n -= take
            if entry[1] == 0:
                finished.append(self._plays.pop(0)[0])
        return finished

    # What the server sends.
    def _receive(self, msg):
        now = time.monotonic()
        if isinstance(msg, bytes):
            self.errors.append((now, 31950, "binary frame of %d bytes" % len(msg)))
            return
        try:
            m = json.loads(msg)
        except ValueError:
            self.errors.append((now, 31951, "not JSON: %r" % msg[:80]))
            return
        if not isinstance(m, dict):
            self.errors.append((now, 31951, "not an object: %r" % msg[:80]))
            return
        with self._lock:
            self.events.append((now, "received", m))
        event = m.get("event")
        if event not in ("media", "mark", "clear"):
            self.errors.append((now, 31951, "unknown event %r" % event))
            return
        if m.get("streamSid") != self.stream_sid:
            self.errors.append((now, 31951, "streamSid %r is not this stream's"
                                % m.get("streamSid")))
            return
        if event == "media":
            try:
                audio = base64.b64decode(m["media"]["payload"], validate=True)
            except (KeyError, TypeError, ValueError):
                self.errors.append((now, 31951, "media without a base64 payload"))
                return
            with self._lock:
                self.media_in.append((now, audio))
                self._playhead = max(self._playhead, now) + len(audio) / 8000
        elif event == "mark":
            name = (m.get("mark") or {}).get("name")
            if not isinstance(name, str):
                self.errors.append((now, 31951, "mark without a name"))
                return
            with self._lock:
                self.marks_in.append((now, name))
                due = self._playhead
                token = object()
                self._pending_marks.append((token, name))
            self._loop.call_later(max(0.0, due - now), self._mark_played, token)
        else:
            with self._lock:
                discarded = int(max(0.0, self._playhead - now) * 8000)
                self._playhead = now
                self.clears.append((now, discarded))
                pending, self._pending_marks = self._pending_marks, []
            for _, name in pending:
                self._echo(name, True)

    def _mark_played(self, token):
        with self._lock:
            entry = next((e for e in self._pending_marks if e[0] is token), None)
            if entry is None:
                return
            self._pending_marks.remove(entry)
        self._echo(entry[1], False)

    def _echo(self, name, cleared):
        with self._lock:
            self.marks_echoed.append((time.monotonic(), name, cleared))
        if not self.closed.is_set():
            asyncio.ensure_future(self._safe(self._send_event(
                {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})))

    async def _safe(self, coro):
        try:
            await coro
        except websockets.ConnectionClosed:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sid", default="AC" + "0" * 31 + "1")
    ap.add_argument("--token", default="twilio-test-token")
    args = ap.parse_args()
    fake = TwilioFake(args.sid, args.token).start(args.port)
    serve_until_interrupted(fake)


if __name__ == "__main__":
    main()
