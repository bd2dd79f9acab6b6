"""voice_latency: how long the voice worker takes to answer a turn, with instant and with realistic
provider fakes. Run by tests/bench/run voice-latency on its own stack; prints figures, never fails.

Each scenario restarts the worker against a Deepgram fake, an OpenAI fake (the LLM brain) and the
bench's Twilio fake, then holds a few calls at a time: the caller speaks (a loud burst the
Deepgram fake turns into a scripted utterance), waits for the reply to play out, and speaks
again. Per turn it takes the caller's view (last spoken frame sent -> first reply frame
received) and the worker's own record in call_turns (stt_ms, brain_first_token_ms,
tts_first_audio_ms, total_ms = end-of-turn decision -> first reply frame sent).
"""
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.deepgram_fake import DeepgramFake  # noqa: E402
from tests.fakes.mulaw import tone  # noqa: E402
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from tests.fakes.tts_fake import TtsFake  # noqa: E402
from tests.fakes.twilio_fake import MediaStreamsCaller  # noqa: E402

BIN = os.environ["SB_BIN"]
STATE = os.environ["SB_STATE"]
VOICE = "127.0.0.1:" + os.environ["SB_VOICE_PORT"]
ORG = os.environ["SB_BENCH_ORG"]
TWILIO_URL = os.environ["SB_TWILIO_URL"]
DSN_OWNER = os.environ["DSN_OWNER"]
CALLS = int(os.environ.get("VOICE_LATENCY_CALLS", "6"))
AT_ONCE = int(os.environ.get("VOICE_LATENCY_AT_ONCE", "3"))
TURNS = int(os.environ.get("VOICE_LATENCY_TURNS", "5"))
SILENCE_MS = 500
UTTERANCE = "What are your hours on Saturday?"
# The first clause is one token, so the first clause is due as soon as the first token is.
REPLY = "Certainly. We are open Saturday from nine to one."

SCENARIOS = [
    # name, recognition final after the last word, LLM first token, LLM per token, TTS first
    # audio (None: flite, the worker's built-in voice)
    # The fake's final cannot come before it has seen quiet frames (0 would end a burst after
    # every loud frame): 60 ms is the soonest that keeps a spoken phrase whole.
    ("instant", 60, 0, 0, None),
    ("instant-tts", 60, 0, 0, 0),
    ("realistic", 150, 350, 25, 150),
]


def pct(values, p):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt(values):
    v = [x for x in values if x is not None]
    if not v:
        return "no samples"
    return "p50 %5.0f  p95 %5.0f  max %5.0f ms  (n=%d)" % (pct(v, 50), pct(v, 95), max(v), len(v))


def restart_worker(deepgram, llm, tts, log_path=None, **settings):
    """The stack's worker replaced by one on these fakes, with more settings; logs to log_path
    (the stack's voice.log when None)."""
    path = os.path.join(STATE, "run", "voice.pid")
    try:
        pid = int(open(path).read())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
    except (OSError, ValueError):
        pass
    env = dict(os.environ, VOICE_LISTEN=VOICE, DEEPGRAM_URL=deepgram.url + "/v1/listen",
               DEEPGRAM_API_KEY=deepgram.api_key, LLM_BASE_URL=llm.url + "/v1",
               LLM_API_KEY="bench-key", TWILIO_API_BASE=TWILIO_URL,
               TWILIO_ACCOUNT_SID="AC" + "0" * 31 + "1", TWILIO_AUTH_TOKEN="twilio-test-token",
               VOICE_SILENCE_MS=str(SILENCE_MS), LOG_LEVEL="warn")
    env.update(settings)
    if tts:
        # A worker that predates TTS_PROVIDER ignores these and speaks with flite.
        env.update(TTS_PROVIDER="elevenlabs", ELEVENLABS_URL=tts.url,
                   ELEVENLABS_API_KEY=tts.eleven_key)
    log = open(log_path or os.path.join(STATE, "log", "voice.log"), "ab")
    proc = subprocess.Popen([os.path.join(BIN, "switchboard-voice")], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    with open(path, "w") as f:
        f.write(str(proc.pid))
    import requests
    for _ in range(100):
        try:
            if requests.get("http://%s/healthz" % VOICE, timeout=1).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError("voice worker did not start")


def new_call(db):
    """A call row in progress: (its id, its CallSid, which the stream's start must carry)."""
    with db.cursor() as cur:
        cur.execute("INSERT INTO calls (org_id, provider, provider_call_id, from_number, to_number, "
                    "status) VALUES (%s, 'twilio', 'CA' || md5(random()::text), '+15551230000', "
                    "'+15005550006', 'in-progress') RETURNING id, provider_call_id", (ORG,))
        row = cur.fetchone()
        return str(row[0]), row[1]


def token(call_id):
    # media_token_make's format, as tests/integration/test_voice.py makes it.
    import hashlib
    import hmac
    body = "%s.%s.%d" % (call_id, ORG, int(time.time()) + 3600)
    mac = hmac.new(os.environ["MEDIA_TOKEN_SECRET"].encode(),
                   ("switchboard-media-v2\nstream\n" + body).encode(),
                   hashlib.sha256).hexdigest()
    return body + "." + mac


def played_out(c, quiet_s=0.6, timeout=30):
    """Wait until the worker's audio has stopped arriving and has all been played."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with c._lock:
            last = c.media_in[-1][0] if c.media_in else 0
        if time.monotonic() - last > quiet_s and c.queued_ms() == 0:
            return
        time.sleep(0.02)


def one_call(db, caller_ms, call_ids, lock):
    call_id, call_sid = new_call(db)
    with lock:
        call_ids.append(call_id)
    c = MediaStreamsCaller("ws://%s/media/stream" % VOICE,
                           {"token": token(call_id), "call_id": call_id},
                           call_sid=call_sid).connect()
    try:
        c.wait_for(lambda: c.media_in, timeout=15)
        played_out(c)
        for _ in range(TURNS):
            p = c.play(tone(900, freq=300, amplitude=9000))
            c.silence(SILENCE_MS + 2500)
            p.done.wait(5)
            try:
                first = c.wait_for(lambda: c.first_media_after(p.ended_at), timeout=10)
                with lock:
                    caller_ms.append((first - p.ended_at) * 1000)
            except TimeoutError:
                with lock:
                    caller_ms.append(None)
            played_out(c)
    finally:
        c.hangup()


def scenario(db, name, final_ms, first_token_ms, token_ms, tts_ms):
    dg = DeepgramFake().start()
    dg.final_delay_ms = final_ms
    dg.script([UTTERANCE] * (CALLS * TURNS + 10))
    llm = OpenAIFake().start()
    for _ in range(CALLS * TURNS * 3 + 20):
        llm.script_text(REPLY, first_token_ms=first_token_ms, token_ms=token_ms)
    tts = None
    if tts_ms is not None:
        tts = TtsFake().start()
        tts.first_byte_ms = tts_ms
    proc = restart_worker(dg, llm, tts)
    caller_ms, call_ids, lock = [], [], threading.Lock()
    try:
        for start in range(0, CALLS, AT_ONCE):
            threads = [threading.Thread(target=one_call, args=(db, caller_ms, call_ids, lock))
                       for _ in range(min(AT_ONCE, CALLS - start))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(10)
        dg.stop()
        llm.stop()
        if tts:
            tts.stop()
    with db.cursor() as cur:
        cur.execute("SELECT stt_ms, brain_first_token_ms, tts_first_audio_ms, total_ms "
                    "FROM call_turns t WHERE call_id = ANY(%s::uuid[]) AND speaker = 'assistant' "
                    "AND seq > (SELECT min(seq) FROM call_turns g WHERE g.call_id = t.call_id "
                    "AND g.speaker = 'assistant')", (call_ids,))
        rows = cur.fetchall()
    print("-- %s fakes: recognition final %d ms after the last word, LLM first token %d ms then "
          "a token every %d ms, speech synthesis %s" % (
              name, final_ms, first_token_ms, token_ms,
              "flite (built in)" if tts_ms is None else
              "ElevenLabs fake, first audio %d ms after the request" % tts_ms))
    print("   %d calls, %d at a time, %d turns each; silence window %d ms"
          % (CALLS, AT_ONCE, TURNS, SILENCE_MS))
    print("   caller: last spoken frame -> first reply frame  %s" % fmt(caller_ms))
    print("   worker total_ms (end of turn -> first frame)     %s" % fmt([r[3] for r in rows]))
    print("     stt_ms                                         %s" % fmt([r[0] for r in rows]))
    print("     brain_first_token_ms                           %s" % fmt([r[1] for r in rows]))
    print("     tts_first_audio_ms                             %s" % fmt([r[2] for r in rows]))
    total = pct([r[3] for r in rows], 95)
    if name.startswith("instant"):
        print("   target: worker's own part p95 <= 20 ms: %s" %
              ("met" if total is not None and total <= 20 else "MISSED (p95 %s ms)" % total))
    else:
        unavoidable = first_token_ms + (tts_ms or 0)
        print("   target: p95 <= LLM first token %d + TTS first audio %d + 50 = %d ms: %s" % (
            first_token_ms, tts_ms or 0, unavoidable + 50,
            "met" if total is not None and total <= unavoidable + 50 else
            "MISSED (p95 %s ms)" % total))
    sys.stdout.flush()


def main():
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    names = os.environ.get("VOICE_LATENCY_SCENARIOS", "instant instant-tts realistic").split()
    for s in SCENARIOS:
        if s[0] in names:
            scenario(db, *s)
    db.close()


if __name__ == "__main__":
    main()
