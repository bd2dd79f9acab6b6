"""test_voice: live calls through nginx's /media/ to switchboard-voice, as Twilio's Media Streams
would hold them, with the Deepgram fake hearing the caller and the Twilio fake taking redirects.

The caller's speech is loud audio bursts: the Deepgram fake turns each burst into the next scripted
utterance, and the worker's own voice activity detection hears them as speech.
"""
import hashlib
import hmac
import os
import signal
import subprocess
import time
import uuid

import psycopg2
import pytest

from conftest import BASE_URL, DSN_APP, DSN_OWNER, ROOT, STATE, sql
from tests.fakes.deepgram_fake import DeepgramFake
from tests.fakes.mulaw import tone
from tests.fakes.twilio_fake import MediaStreamsCaller, TwilioFake

BIN = os.environ.get("SB_BIN", "")
VOICE_URL = os.environ.get("SB_VOICE_URL", "")
SECRET = "voice-test-media-secret-0123456789abcdef"
MEDIA_URL = BASE_URL.replace("http://", "ws://") + "/media/stream"
ACME = "ac3e0000-0000-4000-8000-000000000001"


def token(call_id, org_id, expires=None):
    body = "%s.%s.%d" % (call_id, org_id, expires or int(time.time()) + 600)
    mac = hmac.new(SECRET.encode(), ("switchboard-media-v1\n" + body).encode(),
                   hashlib.sha256).hexdigest()
    return body + "." + mac


def speech(ms):
    """A loud burst standing for a spoken phrase."""
    return tone(ms, freq=300, amplitude=9000)


class Worker:
    """The stack's voice worker replaced by one pointed at the fakes, on the same port."""

    def __init__(self, deepgram, twilio):
        self.deepgram, self.twilio = deepgram, twilio
        self.proc = None
        self.log = open(os.path.join(STATE, "log", "voice-test.log"), "ab")

    def env(self):
        return {"PATH": os.environ["PATH"], "DATABASE_URL": DSN_APP,
                "VOICE_LISTEN": VOICE_URL.replace("http://", ""),
                "PUBLIC_BASE_URL": BASE_URL, "MEDIA_TOKEN_SECRET": SECRET,
                "DEEPGRAM_URL": self.deepgram.url + "/v1/listen",
                "DEEPGRAM_API_KEY": self.deepgram.api_key,
                "TWILIO_ACCOUNT_SID": self.twilio.account_sid,
                "TWILIO_AUTH_TOKEN": self.twilio.auth_token,
                "TWILIO_API_BASE": self.twilio.url, "VOICE_SILENCE_MS": "500"}

    def start(self):
        self.proc = subprocess.Popen([os.path.join(BIN, "switchboard-voice")], env=self.env(),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        with open(os.path.join(STATE, "run", "voice.pid"), "w") as f:
            f.write(str(self.proc.pid))
        import requests
        for _ in range(100):
            try:
                if requests.get(VOICE_URL + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError("voice worker did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def stop_stack_worker():
    path = os.path.join(STATE, "run", "voice.pid")
    try:
        pid = int(open(path).read())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


@pytest.fixture(scope="module")
def fakes():
    dg = DeepgramFake().start()
    tw = TwilioFake().start()
    stop_stack_worker()
    worker = Worker(dg, tw)
    worker.start()
    yield dg, tw, worker
    worker.stop()
    dg.stop()
    tw.stop()


@pytest.fixture(scope="module")
def acme():
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    if not sql(db, "SELECT 1 FROM organizations WHERE id = %s", ACME):
        with open(os.path.join(ROOT, "sql", "demo", "acme.sql")) as f:
            with db.cursor() as cur:
                cur.execute(f.read())
    yield db
    db.close()


def new_call(db, org_id=ACME):
    return str(sql(db, "INSERT INTO calls (org_id, provider, provider_call_id, from_number, "
                       "to_number, status) VALUES (%s, 'twilio', %s, '+15551230000', "
                       "'+15005550006', 'in-progress') RETURNING id",
                   org_id, "CA" + uuid.uuid4().hex)[0][0])


def caller(call_id, tok=None, **kw):
    return MediaStreamsCaller(MEDIA_URL, {"token": tok or token(call_id, ACME), "call_id": call_id},
                              **kw).connect()


def turns(db, call_id):
    return sql(db, "SELECT seq, speaker, text, played_text, total_ms FROM call_turns "
                   "WHERE call_id = %s ORDER BY seq", call_id)


def test_valid_token_hears_the_greeting(fakes, acme):
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        c.wait_for(lambda: len(c.received_audio()) > 8000, timeout=10)
        c.wait_for(lambda: c.marks_echoed, timeout=15)
        assert not c.errors
    finally:
        c.hangup()


def test_bad_token_closes_the_stream(fakes, acme):
    call_id = new_call(acme)
    c = caller(call_id, tok=token(call_id, ACME)[:-4] + "0000")
    assert c.closed.wait(5)
    assert c.close_code == 1008
    assert not c.media_in


def test_malformed_frames_leave_other_calls_alone(fakes, acme):
    good = caller(new_call(acme))
    bad = caller(new_call(acme))
    try:
        async def garbage():
            ws = bad._ws
            await ws.send("{not json")
            await ws.send(b"\x00\x01binary")
            await ws.send('{"event":"media","streamSid":"MZother","media":{"payload":"AAAA"}}')
            await ws.send('{"event":"media","streamSid":"%s","media":{"payload":"***"}}'
                          % bad.stream_sid)
            await ws.send('[1,2,3]')
            await ws.send("x" * 70000)
        bad._call(garbage())
        assert bad.closed.wait(5)
        assert bad.close_code == 1009
        good.wait_for(lambda: len(good.received_audio()) > 8000, timeout=10)
    finally:
        good.hangup()
        bad.hangup()


def test_out_of_order_events_before_start_are_ignored(fakes, acme):
    import asyncio
    import websockets

    async def talk():
        async with websockets.connect(MEDIA_URL) as ws:
            await ws.send('{"event":"media","streamSid":"MZx","media":{"payload":"AAAA"}}')
            await ws.send('{"event":"stop","streamSid":"MZx"}')
            await ws.send('{"event":"connected","protocol":"Call","version":"1.0.0"}')
            await ws.send('{"event":"start","streamSid":"MZx","start":{"customParameters":{}}}')
            await asyncio.wait_for(ws.wait_closed(), 5)
            return ws.close_code
    assert asyncio.run(talk()) == 1008
    c = caller(new_call(acme))
    try:
        c.wait_for(lambda: len(c.received_audio()) > 8000, timeout=10)
    finally:
        c.hangup()


def say(c, ms=900, then_ms=900):
    p = c.play(speech(ms))
    c.silence(then_ms)
    return p


def test_a_turn_is_answered_and_stored_with_its_latency(fakes, acme):
    dg, _, _ = fakes
    dg.script(["What are your hours?"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        c.wait_for(lambda: c.marks_echoed, timeout=15)
        heard = len(c.received_audio())
        p = say(c)
        p.done.wait(5)
        c.wait_for(lambda: len(c.received_audio()) > heard + 4000, timeout=15)
        rows = c.wait_for(lambda: [r for r in turns(acme, call_id)
                                   if r[1] == "assistant" and r[3]], timeout=30)
        assert any(r[1] == "caller" and "hours" in r[2].lower() for r in turns(acme, call_id))
        assert rows[-1][4] is not None
    finally:
        c.hangup()


def test_barge_in_clears_and_truncates_the_stored_turn(fakes, acme):
    dg, _, _ = fakes
    dg.script(["Tell me everything about your water heater services and prices please",
               "Actually, never mind that"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        c.wait_for(lambda: c.marks_echoed, timeout=15)
        say(c, 1500)
        n = len(c.received_audio())
        c.wait_for(lambda: len(c.received_audio()) > n + 2400, timeout=20)
        p = c.play(speech(1200))
        c.silence(800)
        c.wait_for(lambda: c.clears, timeout=10)
        print("clear after caller speech start: %.0f ms" % ((c.clears[0][0] - p.started_at) * 1000))
        rows = c.wait_for(lambda: [r for r in turns(acme, call_id) if r[1] == "assistant"
                                   and r[3] is not None and r[3] != r[2]], timeout=30)
        assert len(rows[0][3]) < len(rows[0][2])
    finally:
        c.hangup()


def test_a_backchannel_does_not_interrupt(fakes, acme):
    dg, _, _ = fakes
    dg.script(["How much does a drain cleaning cost and how long does it take", "yeah"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        c.wait_for(lambda: c.marks_echoed, timeout=15)
        say(c, 1500)
        n = len(c.received_audio())
        c.wait_for(lambda: len(c.received_audio()) > n + 2400, timeout=20)
        c.play(speech(300))
        c.silence(1500)
        time.sleep(2.5)
        assert not c.clears
    finally:
        c.hangup()


def test_sigkill_mid_call_resumes_with_history(fakes, acme):
    dg, _, worker = fakes
    dg.script(["What are your hours?"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        c.wait_for(lambda: c.marks_echoed, timeout=15)
        say(c)
        c.wait_for(lambda: any(r[1] == "caller" for r in turns(acme, call_id)), timeout=20)
        worker.kill()
        assert c.closed.wait(5)
    finally:
        c.hangup()
    worker.start()
    before = turns(acme, call_id)
    c2 = caller(call_id)
    try:
        c2.wait_for(lambda: len(c2.received_audio()) > 4000, timeout=15)
        assert turns(acme, call_id)[:len(before)] == before
        assert any(r[1] == "caller" and "hours" in r[2].lower() for r in before)
    finally:
        c2.hangup()


def test_press_zero_redirects_the_call_to_a_person(fakes, acme):
    _, tw, _ = fakes
    acme.cursor().execute("UPDATE organizations SET transfer_phone = '+15557654321' WHERE id = %s",
                          (ACME,))
    call_id = new_call(acme)
    call_sid = tw.live_call()
    c = caller(call_id, call_sid=call_sid)
    try:
        c.wait_for(lambda: c.media_in, timeout=15)
        c.dtmf(0)
        c.wait_for(lambda: tw.updates, timeout=10)
        assert "+15557654321" in str(tw.updates[-1])
    finally:
        c.hangup()
