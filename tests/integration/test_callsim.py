"""test_callsim: scripts/callsim calling a business in stream mode through nginx, as someone
trying their receptionist without a phone line would: the signed webhook, the media stream, each
turn answered and timed, the receptionist's audio recorded.

With recognition (the Deepgram fake behind a voice worker started here, as test_voice does) the
call goes through; with the stack's own worker, which has no recognition configured, callsim
says why nothing is heard and exits cleanly.
"""
import os
import random
import re
import struct
import subprocess
import sys
import wave

import pytest

from conftest import BASE_URL, ROOT, sql, stack_secret
from test_voice import Worker, start_stack_worker, stop_stack_worker, voice_up

sys.path.insert(0, ROOT)
from tests.fakes.deepgram_fake import DeepgramFake  # noqa: E402
from tests.fakes.mulaw import rms_pcm16  # noqa: E402
from tests.fakes.twilio_fake import TwilioFake  # noqa: E402

CALLSIM = os.path.join(ROOT, "scripts", "callsim")
TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
TURN_LINE = re.compile(r"^turn (\d+) .*: reply after (\d+) ms", re.M)


class RecognizingWorker(Worker):
    """test_voice's worker (the Deepgram and Twilio fakes), checking the stack's own media
    tokens: the ones the voice webhook hands callsim."""

    def env(self):
        return dict(super().env(), MEDIA_TOKEN_SECRET=stack_secret("MEDIA_TOKEN_SECRET"))


@pytest.fixture(scope="module")
def stack_worker():
    """The stack's own voice worker (no recognition configured), put back if a test before
    replaced it, and left running for the tests after this module."""
    if not voice_up():
        start_stack_worker()
    yield
    if not voice_up():
        start_stack_worker()


@pytest.fixture(scope="module")
def recognizing(stack_worker):
    dg = DeepgramFake().start()
    # One flite phrase is one burst: the worker's own end of speech (its 500 ms silence window,
    # then Finalize) comes before the fake would end a burst at a pause between words.
    dg.final_delay_ms = 900
    tw = TwilioFake().start()
    stop_stack_worker()
    worker = RecognizingWorker(dg, tw)
    worker.start()
    yield dg
    worker.stop()
    dg.stop()
    tw.stop()
    start_stack_worker()


@pytest.fixture
def streaming(business, owner_db):
    """A business answering in stream mode, with a number and a service: its number."""
    number = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
    sql(owner_db, "UPDATE organizations SET call_mode = 'stream' WHERE id = %s", business.org_id)
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, number)
    sql(owner_db, "INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords) "
                  "VALUES (%s, 'Drain cleaning', 14900, 60, %s)",
        business.org_id, ["plumber", "drain", "sink"])
    return number


def callsim(*args, timeout=180):
    return subprocess.run([CALLSIM, "--url", BASE_URL, "--from", "+15555550123",
                           "--auth-token", TOKEN, *args],
                          capture_output=True, text=True, timeout=timeout)


def tone_wav(path, ms, rate=16000, channels=2, freq=300, amplitude=9000):
    """A loud burst standing for a spoken phrase, at a rate and width callsim must convert."""
    import math
    n = rate * ms // 1000
    frames = []
    for i in range(n):
        s = int(amplitude * math.sin(2 * math.pi * freq * i / rate))
        frames.extend([s] * channels)
    frames.extend([0] * (rate // 5) * channels)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<%dh" % len(frames), *frames))


def wav_audio(path):
    with wave.open(path, "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        return w.readframes(w.getnframes())


def test_without_recognition_callsim_says_why_and_exits(stack_worker, streaming, tmp_path):
    out = str(tmp_path / "reply.wav")
    r = callsim("--to", streaming, "--say", "I need a plumber", "--timeout", "4",
                "--record", out)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "no greeting within 4 s" in r.stderr
    assert "DEEPGRAM_API_KEY" in r.stderr and "gather mode" in r.stderr
    assert "call CA" in r.stdout and "/media/" in r.stdout
    # Nothing was heard, and the recording says so rather than being missing.
    assert wav_audio(out) == b""


def test_a_business_in_gather_mode_is_reported(stack_worker, business, owner_db):
    number = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, number)
    r = callsim("--to", number, "--say", "Hello")
    assert r.returncode == 1
    assert "gather mode" in r.stderr and "call mode to stream" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_wrong_auth_token_is_refused_clearly(stack_worker, streaming):
    r = subprocess.run([CALLSIM, "--url", BASE_URL, "--from", "+15555550123", "--to", streaming,
                        "--auth-token", "not-the-token", "--say", "Hello"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "refused the signature (403)" in r.stderr


def test_a_missing_wav_fails_before_calling(streaming, owner_db):
    r = callsim("--to", streaming, "--wav", "/nonexistent/caller.wav")
    assert r.returncode == 1
    assert "/nonexistent/caller.wav: no such file" in r.stderr
    assert not sql(owner_db, "SELECT 1 FROM calls WHERE to_number = %s", streaming)


# The worker with recognition replaces the stack's until the module ends: these tests come last.

def test_a_call_is_answered_turn_by_turn_and_recorded(recognizing, streaming, owner_db,
                                                      tmp_path):
    recognizing.script(["I need a plumber", "My name is John Smith"])
    burst = str(tmp_path / "name.wav")
    tone_wav(burst, 900)
    out = str(tmp_path / "reply.wav")
    r = callsim("--to", streaming, "--say", "I need a plumber", "--wav", burst, "--record", out)
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "greeting: first audio" in r.stdout
    # A latency line for each turn, in order, and the summary over them.
    assert [int(n) for n, _ in TURN_LINE.findall(r.stdout)] == [1, 2]
    assert '"I need a plumber"' in r.stdout and "name.wav" in r.stdout
    assert "2 turns answered: median" in r.stdout
    # The receptionist was recorded: the greeting and the replies are audible in the file.
    audio = wav_audio(out)
    assert len(audio) > 2 * 8000 * 2
    assert rms_pcm16(audio) > 100
    # The call was the business's, and the worker heard both turns.
    said = [t for (t,) in sql(owner_db, "SELECT t.text FROM call_turns t JOIN calls c "
                                        "ON c.id = t.call_id WHERE c.to_number = %s "
                                        "AND t.speaker = 'caller' ORDER BY t.seq", streaming)]
    assert said == ["I need a plumber", "My name is John Smith"]


MID_SENTENCE = re.compile(r"^replies started mid-sentence: (\d+)$", re.M)


def test_a_caller_who_pauses_mid_sentence_is_not_answered_mid_sentence(recognizing, streaming,
                                                                       owner_db):
    # Each stretch of speech is one burst to the recognizer: it hears the words before a pause
    # on their own, as a real one settles them when the worker asks at a pause.
    recognizing.script(["I need a plumber for", "my kitchen sink",
                        "My name is", "Dana Whitfield",
                        "555", "201", "7788"])
    r = callsim("--to", streaming,
                "--say", "I need a plumber for [700 ms] my kitchen sink",
                "--say", "My name is [600 ms] Dana Whitfield",
                "--say", "five five five [500 ms] two zero one [500 ms] seven seven eight eight")
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stderr
    assert [int(n) for n, _ in TURN_LINE.findall(r.stdout)] == [1, 2, 3]
    assert MID_SENTENCE.findall(r.stdout) == ["0"]
    assert "(mid-sentence)" not in r.stdout
    # Each turn reached the receptionist whole, as one utterance.
    said = [t for (t,) in sql(owner_db, "SELECT t.text FROM call_turns t JOIN calls c "
                                        "ON c.id = t.call_id WHERE c.to_number = %s "
                                        "AND t.speaker = 'caller' ORDER BY t.seq", streaming)]
    assert said == ["I need a plumber for my kitchen sink", "My name is Dana Whitfield",
                    "555 201 7788"]
