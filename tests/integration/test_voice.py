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
import requests
import pytest

from conftest import BASE_URL, DSN_APP, DSN_OWNER, ROOT, STATE, sql
from tests.fakes.deepgram_fake import DeepgramFake
from tests.fakes.mulaw import tone
from tests.fakes.openai_fake import OpenAIFake
from tests.fakes.tts_fake import TtsFake
from tests.fakes.twilio_fake import MediaStreamsCaller, TwilioFake

BIN = os.environ.get("SB_BIN", "")
VOICE_URL = os.environ.get("SB_VOICE_URL", "")
SECRET = "voice-test-media-secret-0123456789abcdef"
MEDIA_URL = BASE_URL.replace("http://", "ws://") + "/media/stream"
ACME = "ac3e0000-0000-4000-8000-000000000001"


def token(call_id, org_id, expires=None, kind="stream", secret=None):
    """A media token as lib/domain/media_token makes it: kind "stream" for a Twilio stream,
    "browser" for a test call; made with secret, or this module's worker's."""
    body = "%s.%s.%d" % (call_id, org_id, expires or int(time.time()) + 600)
    text = "switchboard-media-v2\n%s\n%s" % (kind, body)
    mac = hmac.new((secret or SECRET).encode(), text.encode(), hashlib.sha256).hexdigest()
    return body + "." + mac


def speech(ms):
    """A loud burst standing for a spoken phrase."""
    return tone(ms, freq=300, amplitude=9000)


class Worker:
    """The stack's voice worker replaced by one pointed at the fakes, on the same port."""

    def __init__(self, deepgram, twilio):
        self.deepgram, self.twilio = deepgram, twilio
        self.extra = {}             # more settings, for the tests that change them
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
                "TWILIO_API_BASE": self.twilio.url, "VOICE_SILENCE_MS": "500",
                "ENCRYPTION_KEY": os.environ.get("ENCRYPTION_KEY", ""), **self.extra}

    def start(self):
        self.proc = subprocess.Popen([os.path.join(BIN, "switchboard-voice")], env=self.env(),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        with open(os.path.join(STATE, "run", "voice.pid"), "w") as f:
            f.write(str(self.proc.pid))
        import requests
        # A loaded machine can take seconds to start a program: wait up to 20 s.
        for _ in range(400):
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


def voice_up():
    try:
        return requests.get(VOICE_URL + "/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def start_stack_worker():
    """A voice worker as the stack starts it (the environment scripts/test runs pytest in),
    put back after a module replaced it, for the tests that come after."""
    with open(os.path.join(STATE, "log", "voice.log"), "ab") as log:
        proc = subprocess.Popen([os.path.join(os.environ.get("SB_BIN", ""), "switchboard-voice")],
                                stdout=log, stderr=subprocess.STDOUT)
    with open(os.path.join(STATE, "run", "voice.pid"), "w") as f:
        f.write(str(proc.pid))
    for _ in range(400):
        if voice_up():
            return proc
        time.sleep(0.05)
    raise RuntimeError("voice worker did not start")


def worker_on_fakes(worker_class=Worker):
    """Fakes of Deepgram and Twilio with a voice worker of worker_class talking to them in place
    of the stack's, yielded as (deepgram, twilio, worker); the stack's worker is back after."""
    dg = DeepgramFake().start()
    tw = TwilioFake().start()
    stop_stack_worker()
    worker = worker_class(dg, tw)
    worker.start()
    yield dg, tw, worker
    worker.stop()
    dg.stop()
    tw.stop()
    start_stack_worker()


@pytest.fixture(scope="module")
def fakes():
    yield from worker_on_fakes()


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


CALL_SIDS = {}                          # call id -> the CallSid of its row


def new_call(db, org_id=ACME, call_sid=None):
    """A Twilio call row in progress, with call_sid (a new one when None) as its CallSid."""
    call_sid = call_sid or "CA" + uuid.uuid4().hex
    call_id = str(sql(db, "INSERT INTO calls (org_id, provider, provider_call_id, from_number, "
                          "to_number, status) VALUES (%s, 'twilio', %s, '+15551230000', "
                          "'+15005550006', 'in-progress') RETURNING id",
                      org_id, call_sid)[0][0])
    CALL_SIDS[call_id] = call_sid
    return call_id


def caller(call_id, tok=None, **kw):
    """Twilio streaming call_id, with the CallSid of its row unless call_sid says otherwise."""
    kw.setdefault("call_sid", CALL_SIDS.get(call_id))
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


def test_recognition_asks_for_a_phone_model_and_ends_with_close_stream(fakes, acme):
    dg, _, worker = fakes
    before = len(dg.sessions)
    c = caller(new_call(acme))
    try:
        s = dg.wait_session(before + 1, timeout=10)
        # A model for 8 kHz telephone audio, as DEEPGRAM_MODEL says by default.
        assert s.query.get("model") == "nova-2-phonecall"
        c.wait_for(lambda: len(c.received_audio()) > 8000, timeout=10)
        # Recognition opens only once the call's session is read, and the greeting can arrive
        # before the caller's first 40 ms do: what is measured is a second of the caller.
        audio = lambda: [m for _, kind, m in list(s.received) if kind == "audio"]
        c.wait_for(lambda: sum(len(m) for m in audio()) >= 8000, timeout=5)
        # Audio goes to the recognizer 40 ms a piece (more only when sending fell behind).
        pieces = sorted(len(m) for m in audio())
        assert pieces and pieces[len(pieces) // 2] <= 320, pieces[-20:]
    finally:
        c.hangup()
    # The call over, the worker ends the stream with CloseStream, and Deepgram closes it.
    c.wait_for(lambda: s.close_stream_at and s.closed_at, timeout=5)
    assert s.close_code == 1000
    logged = lambda: "speech recognition closed the stream: code=1000" in open(
        os.path.join(STATE, "log", "voice-test.log"), errors="replace").read()
    c.wait_for(logged, timeout=5)


def test_audio_other_than_mulaw_8k_mono_is_refused(fakes, acme):
    for media_format in ({"encoding": "audio/x-alaw", "sampleRate": 8000, "channels": 1},
                         {"encoding": "audio/x-mulaw", "sampleRate": 16000, "channels": 1},
                         {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 2}):
        call_id = new_call(acme)
        c = caller(call_id, media_format=media_format)
        assert c.closed.wait(5)
        assert c.close_code == 1003, media_format
        assert "audio/x-mulaw" in c.close_reason
        assert not c.media_in
        assert not turns(acme, call_id)


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


def into_reply(c, since, seconds):
    """Wait until the reply to what was said after since has been playing for seconds."""
    started = c.wait_for(lambda: c.first_media_after(since), timeout=20)
    time.sleep(max(0.0, started + seconds - time.monotonic()))


def test_barge_in_clears_within_100_ms_and_truncates_the_stored_turn(fakes, acme):
    dg, _, _ = fakes
    dg.script(["Tell me everything about your water heater services and prices please",
               "Actually, never mind that"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        asked = time.monotonic()
        say(c, 1500)
        into_reply(c, asked, 1.0)
        p = c.play(speech(1200))
        c.silence(800)
        cleared = c.wait_for(lambda: [t for t, _ in list(c.clears) if p.started_at and
                                      t > p.started_at], timeout=10)[0]
        # Both times are the caller's own clock: its first frame of speech left, the clear
        # came in. The bot went quiet before a tenth of a second of the caller's speech.
        print("clear %.0f ms after the caller's first frame of speech"
              % ((cleared - p.started_at) * 1000))
        assert cleared - p.started_at < 0.100
        rows = c.wait_for(lambda: [r for r in turns(acme, call_id) if r[1] == "assistant"
                                   and r[3] is not None and r[3] != r[2]], timeout=30)
        assert len(rows[0][3]) < len(rows[0][2])
        assert rows[0][2].startswith(rows[0][3])
        c.wait_for(lambda: any(r[1] == "caller" and r[2] == "Actually, never mind that"
                               for r in turns(acme, call_id)), timeout=20)
    finally:
        c.hangup()


def test_a_backchannel_does_not_interrupt(fakes, acme, eleven):
    dg, _, _ = fakes
    dg.script(["How much does a drain cleaning cost and how long does it take", "yeah"])
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        before = len(finished_replies(acme, call_id))
        spoken = len(eleven.streams)
        asked = time.monotonic()
        say(c, 1500)
        into_reply(c, asked, 1.0)
        c.play(speech(300))
        c.silence(1500)
        reply = c.wait_for(lambda: finished_replies(acme, call_id)[before:], timeout=40)[-1]
        quiet(c)
        # The "yeah" silenced the bot at once, and the reply went on from where it was cut:
        # the caller heard every clause to its end, and the stored turn is the whole reply.
        assert [t for t, _ in c.clears if t > asked]
        assert reply[3] == reply[2]
        clauses = [s["text"] for s in eleven.streams[spoken:]]
        assert " ".join(clauses) == reply[2]
        want = sum(len(tone(eleven.ms_per_char * len(t))) for t in clauses)
        assert abs(len(c.heard_audio(asked)) - want) <= 400     # 50 ms, at the cut
        # The backchannel was not a turn of its own.
        assert [r[2] for r in turns(acme, call_id) if r[1] == "caller"] == \
            ["How much does a drain cleaning cost and how long does it take"]
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
    call_sid = tw.live_call()
    call_id = new_call(acme, call_sid=call_sid)
    c = caller(call_id, call_sid=call_sid)
    try:
        c.wait_for(lambda: c.media_in, timeout=15)
        c.dtmf(0)
        c.wait_for(lambda: tw.updates, timeout=10)
        assert "+15557654321" in str(tw.updates[-1])
    finally:
        c.hangup()


def finished_replies(db, call_id):
    """The receptionist's replies that were played to their end (or cut), in order."""
    return [r for r in turns(db, call_id) if r[1] == "assistant" and r[3] is not None]


def state(db, call_id):
    rows = sql(db, "SELECT state FROM call_sessions WHERE call_id = %s", call_id)
    return rows[0][0] if rows else {}


def quiet(c):
    """Wait until the receptionist's audio has all played."""
    c.wait_for(lambda: c.queued_ms() < 1, timeout=30)


def converse(c, dg, db, call_id, line):
    """Say line once the receptionist is quiet; returns its answer after the answer has played."""
    quiet(c)
    before = len(finished_replies(db, call_id))
    dg.script([line])
    say(c)
    return c.wait_for(lambda: finished_replies(db, call_id)[before:], timeout=40)[-1]


def greeted(c):
    c.wait_for(lambda: c.marks_echoed, timeout=15)
    quiet(c)


# What the caller answers to each question of the receptionist (the session's pending slot).
BOOKING_ANSWERS = {
    "anything_else": "Hi, I'd like to book an appointment please",
    "service": "My kitchen sink drain is clogged",
    "name": "My name is Jordan Ellis",
    "phone_confirm": "Yes",
    "time": "Next Wednesday at 10 AM",
    "alternative": "The first one",
    "address": "It's 12 Elm Street",
    "confirm": "Yes please",
}


def test_a_full_booking_call_books_and_stores_every_utterance(fakes, acme):
    dg, tw, _ = fakes
    call_sid = tw.live_call()
    call_id = new_call(acme, call_sid=call_sid)
    c = caller(call_id, call_sid=call_sid)
    said, asked = [], []
    try:
        greeted(c)
        for _ in range(12):
            pending = state(acme, call_id).get("pending") or "anything_else"
            if pending == "anything_else" and state(acme, call_id).get("appointment_id"):
                break
            asked.append(pending)
            said.append(BOOKING_ANSWERS[pending])
            converse(c, dg, acme, call_id, said[-1])
        said.append("No, that's all, thank you")
        goodbye = converse(c, dg, acme, call_id, said[-1])
        assert "goodbye" in goodbye[2].lower()
        c.wait_for(lambda: any("Hangup" in str(u["params"]) for u in tw.updates
                               if u["sid"] == call_sid), timeout=10)
    finally:
        c.hangup()
    asked_slots = [p for p in asked if p in ("service", "name", "phone_confirm", "time",
                                             "address", "confirm")]
    assert asked_slots == ["service", "name", "phone_confirm", "time", "address", "confirm"]
    booked = sql(acme, "SELECT customer_name, customer_phone, address FROM appointments "
                       "WHERE call_id = %s", call_id)
    assert booked == [("Jordan Ellis", "+15551230000", "12 Elm Street")]
    rows = turns(acme, call_id)
    assert [r[2] for r in rows if r[1] == "caller"] == said
    assert rows[0][1] == "assistant" and "Acme" in rows[0][2]
    assert sum(1 for r in rows if r[1] == "assistant") == len(said) + 1


def test_recognition_dying_mid_call_moves_the_call_to_gather_mode(fakes, acme):
    dg, tw, _ = fakes
    call_sid = tw.live_call()
    call_id = new_call(acme, call_sid=call_sid)
    c = caller(call_id, call_sid=call_sid)
    try:
        greeted(c)
        dg.behave("drop")
        say(c)
        update = c.wait_for(lambda: [u for u in tw.updates if u["sid"] == call_sid],
                            timeout=15)[-1]
        assert update["params"]["Url"] == BASE_URL + "/hooks/twilio/voice?mode=gather"
    finally:
        dg.behave("normal")
        c.hangup()


def speaking_through(worker, tts, settings):
    """Restart the worker with settings to speak through tts; yield tts; restore the worker."""
    worker.stop()
    worker.extra = settings
    worker.start()
    yield tts
    worker.stop()
    worker.extra = {}
    worker.start()


@pytest.fixture
def eleven(fakes):
    """The worker speaking through the ElevenLabs fake."""
    tts = TtsFake().start()
    yield from speaking_through(fakes[2], tts, {
        "TTS_PROVIDER": "elevenlabs", "ELEVENLABS_URL": tts.url,
        "ELEVENLABS_API_KEY": tts.eleven_key, "ELEVENLABS_VOICE_ID": "voice-test"})
    tts.stop()


@pytest.fixture
def openai_tts(fakes):
    """The worker speaking through the OpenAI speech fake."""
    tts = TtsFake().start()
    yield from speaking_through(fakes[2], tts, {
        "TTS_PROVIDER": "openai", "OPENAI_TTS_URL": tts.url + "/v1",
        "OPENAI_TTS_API_KEY": tts.openai_key, "OPENAI_TTS_VOICE": "coral"})
    tts.stop()


GREETING = ("Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. "
            "How can I help you today?")


def test_elevenlabs_speaks_the_replies(fakes, acme, eleven):
    dg, _, _ = fakes
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        spoken = eleven.streams[0]
        assert (spoken["provider"], spoken["voice_id"], spoken["format"], spoken["text"]) == \
            ("elevenlabs", "voice-test", "ulaw_8000", GREETING)
        # The caller hears the provider's own audio, all of it, and nothing else.
        assert c.received_audio() == tone(eleven.ms_per_char * len(GREETING))
        reply = converse(c, dg, acme, call_id, "What are your hours?")
        assert reply[3] == reply[2]
        assert [s["text"] for s in eleven.streams[1:]] and \
            " ".join(s["text"] for s in eleven.streams[1:]) == reply[2]
    finally:
        c.hangup()


def test_openai_speech_is_resampled_for_the_phone(fakes, acme, openai_tts):
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        spoken = openai_tts.streams[0]
        assert (spoken["provider"], spoken["voice"], spoken["format"], spoken["text"]) == \
            ("openai", "coral", "pcm", GREETING)
        # 24 kHz PCM arrives as 8 kHz mu-law of the same length: a third of the samples.
        want = 8 * openai_tts.ms_per_char * len(GREETING)
        assert abs(len(c.received_audio()) - want) < 160
    finally:
        c.hangup()


def test_synthesis_failing_mid_sentence_is_finished_by_flite(fakes, acme, eleven):
    dg, _, _ = fakes
    eleven.behave("cut", cut_after=4000)
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        assert eleven.streams[0]["cut"] and eleven.streams[0]["bytes_sent"] == 4000
        greeting = c.received_audio()
        provider_part = tone(eleven.ms_per_char * len(GREETING))[:4000]
        assert greeting[:4000] == provider_part
        # flite said the rest of the sentence: more audio, not the provider's tone.
        assert len(greeting) > 4000 + 8000
        assert greeting[4000:8000] != tone(eleven.ms_per_char * len(GREETING))[4000:8000]
        # The call goes on, in flite's voice, without asking the provider again.
        reply = converse(c, dg, acme, call_id, "What are your hours?")
        assert reply[3] == reply[2]
        assert len(eleven.streams) == 1
    finally:
        c.hangup()


def test_keys_pressed_enter_the_callback_number(fakes, acme):
    dg, _, _ = fakes
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        converse(c, dg, acme, call_id, "I need my kitchen drain unclogged")
        converse(c, dg, acme, call_id, "My name is Sam Carter")
        assert state(acme, call_id)["pending"] == "phone_confirm"
        converse(c, dg, acme, call_id, "No")
        assert state(acme, call_id)["pending"] == "phone"
        quiet(c)
        before = len(finished_replies(acme, call_id))
        for digit in "5552223333#":
            c.dtmf(digit)
        reply = c.wait_for(lambda: finished_replies(acme, call_id)[before:], timeout=30)[-1]
        assert "555-222-3333" in reply[2]
        assert state(acme, call_id)["phone"] == "+15552223333"
        assert [r[2] for r in turns(acme, call_id) if r[1] == "caller"][-1] == "5552223333"
    finally:
        c.hangup()


@pytest.fixture
def llm(fakes):
    """The worker answering through the OpenAI fake (the LLM engine, with its tools)."""
    fake = OpenAIFake().start()
    yield from speaking_through(fakes[2], fake, {
        "LLM_BASE_URL": fake.url + "/v1", "LLM_API_KEY": "sk-test", "LLM_MODEL": "gpt-test",
        "BRAIN_BUDGET_MS": "8000"})
    fake.stop()


def marks_since(c, since, prefix):
    return [(t, name) for t, name in list(c.marks_in) if t > since and name.startswith(prefix)]


def held_tool(c, dg, table, line):
    """Say line while table is locked, so the tool that reads it waits; the lock goes once the
    receptionist has said something. Returns (when line was said, the filler's audio)."""
    lock = psycopg2.connect(DSN_OWNER)
    try:
        with lock.cursor() as cur:
            cur.execute("LOCK TABLE %s IN ACCESS EXCLUSIVE MODE" % table)
        quiet(c)
        asked = time.monotonic()
        dg.script([line])
        say(c)
        t, _ = c.wait_for(lambda: marks_since(c, asked, "f"), timeout=20)[0]
    finally:
        lock.rollback()
        lock.close()
    filler = b"".join(b for at, b in list(c.media_in) if asked < at <= t)
    return asked, filler


def test_a_slow_tool_gets_a_filler_before_the_answer(fakes, acme, llm):
    dg, _, _ = fakes
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        llm.script_tool_calls([("check_availability", {"start": "tomorrow at 2 pm"})])
        llm.script_text("Tomorrow at two is free. Shall I book it?")
        asked, schedule = held_tool(c, dg, "appointments", "Is tomorrow at 2 pm free?")
        reply = c.wait_for(lambda: [r for r in finished_replies(acme, call_id)
                                    if r[2].startswith("Tomorrow")], timeout=30)[-1]
        # The filler played first and is not part of what the receptionist answered.
        assert marks_since(c, asked, "f")[0][0] < marks_since(c, asked, "c")[0][0]
        assert reply[3] == reply[2] == "Tomorrow at two is free. Shall I book it?"
        assert len(llm.chat_requests()) == 2

        llm.script_tool_calls([("answer_from_knowledge", {"question": "Do you fix boilers?"})])
        llm.script_text("Yes, we service every make of boiler.")
        _, lookup = held_tool(c, dg, "knowledge_entries", "Do you fix boilers?")
        c.wait_for(lambda: [r for r in finished_replies(acme, call_id)
                            if r[2].startswith("Yes, we")], timeout=30)
        # Another sentence for a tool that is not about the schedule.
        assert len(schedule) > 8000 and len(lookup) > 8000 and schedule != lookup
    finally:
        c.hangup()


def test_a_slow_model_without_a_tool_gets_no_filler(fakes, acme, llm):
    dg, _, _ = fakes
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        llm.script_text("We are open from eight to six on weekdays.", first_token_ms=1500)
        quiet(c)
        asked = time.monotonic()
        dg.script(["When are you open?"])
        say(c)
        reply = c.wait_for(lambda: [r for r in finished_replies(acme, call_id)
                                    if r[2].startswith("We are open")], timeout=30)[-1]
        assert reply[3] == reply[2]
        assert not marks_since(c, asked, "f")
    finally:
        c.hangup()


# ---------- A business's own speech keys ----------

def seal(org_id, value):
    """A provider secret sealed as Switchboard seals it: AES-256-GCM, the business as AAD."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = os.urandom(12)
    key = bytes.fromhex(os.environ["ENCRYPTION_KEY"])
    return nonce + AESGCM(key).encrypt(nonce, value.encode(), org_id.encode())


def header(request, name):
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)


def test_a_business_own_deepgram_and_elevenlabs_keys_are_used(fakes, acme):
    dg, _, worker = fakes
    [(org,)] = sql(acme, "INSERT INTO organizations (name, timezone, greeting) VALUES "
                         "('Own Keys Plumbing', 'America/New_York', 'Thanks for calling Own "
                         "Keys Plumbing.') RETURNING id::text")
    for provider, name, value in (("deepgram", "api_key", "dg-own-key-1234"),
                                  ("elevenlabs", "api_key", "el-own-key-5678"),
                                  ("elevenlabs", "voice_id", "own-voice")):
        sql(acme, "INSERT INTO provider_credentials (org_id, provider, name, secret_enc, "
                  "secret_hint) VALUES (%s, %s, %s, %s, %s)", org, provider, name,
            seal(org, value), value[-4:])
    tts = TtsFake(eleven_key="el-own-key-5678").start()
    # The server itself speaks with flite: only the business's key can reach the fake.
    restore = speaking_through(worker, tts, {"ELEVENLABS_URL": tts.url})
    next(restore)
    server_key = dg.api_key
    try:
        dg.api_key = "dg-own-key-1234"
        call_id = new_call(acme, org)
        c = caller(call_id, tok=token(call_id, org))
        try:
            greeted(c)
            spoken = tts.streams[0]
            assert (spoken["voice_id"], spoken["text"]) == \
                ("own-voice", "Thanks for calling Own Keys Plumbing.")
            assert header(tts.received("/v1/text-to-speech")[0], "xi-api-key") == \
                "el-own-key-5678"
            c.wait_for(lambda: dg.requests, timeout=5)
            assert header(dg.requests[-1], "Authorization") == "Token dg-own-key-1234"
        finally:
            c.hangup()

        # A business without keys of its own: the server's Deepgram key, the server's voice.
        dg.api_key = server_key
        heard = len(dg.requests)
        call_id = new_call(acme)
        c = caller(call_id)
        try:
            greeted(c)
            c.wait_for(lambda: len(dg.requests) > heard, timeout=5)
            assert header(dg.requests[-1], "Authorization") == "Token " + server_key
            assert len(tts.streams) == 1
        finally:
            c.hangup()
    finally:
        dg.api_key = server_key
        for _ in restore:
            pass
        tts.stop()
