"""voice_preempt: reply latency after the caller stops, with preemptive generation on and off in
one run. Run by tests/bench/run voice-preempt on its own stack; prints figures, never fails.

The model's first token takes LLM_FIRST_TOKEN_MS. Calls run one at a time (the figure is the
wait, not the scale); each turn the caller says "I need a plumber" (words that may be all of
it, so the turn ends on the 500 ms silence window), and every third turn the caller pauses
400 ms in the middle and goes on ("... for my kitchen sink"), so a draft made in that pause is
dropped. The Deepgram fake's own final comes 300 ms after the last word, as Deepgram's
endpointing=300 would, so the worker's Finalize at a 200 ms pause settles the words first.
Per mode: the caller's view (last spoken frame -> first reply frame), the worker's total_ms
(end of turn -> first reply frame), the model requests made, and the drafts the worker used
and dropped (its log's "preemptive answers used=N dropped=N" lines, one per call).
"""
import os
import re
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import voice_latency as vl  # noqa: E402
from tests.fakes.deepgram_fake import DeepgramFake  # noqa: E402
from tests.fakes.mulaw import tone  # noqa: E402
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from tests.fakes.twilio_fake import MediaStreamsCaller  # noqa: E402

CALLS = int(os.environ.get("VOICE_PREEMPT_CALLS", "4"))
TURNS = int(os.environ.get("VOICE_PREEMPT_TURNS", "6"))
ROUNDS = int(os.environ.get("VOICE_PREEMPT_ROUNDS", "2"))
FIRST_TOKEN_MS = int(os.environ.get("LLM_FIRST_TOKEN_MS", "300"))
TOKEN_MS = 25
REPLY = "Certainly. A plumber can come out today. What is the address?"
PAUSE_MS = 400


def one_call(db, caller_ms, call_ids):
    call_id, call_sid = vl.new_call(db)
    call_ids.append(call_id)
    c = MediaStreamsCaller("ws://%s/media/stream" % vl.VOICE,
                           {"token": vl.token(call_id), "call_id": call_id},
                           call_sid=call_sid).connect()
    try:
        c.wait_for(lambda: c.media_in, timeout=15)
        vl.played_out(c)
        for turn in range(TURNS):
            if turn % 3 == 2:
                c.play(tone(700, freq=300, amplitude=9000))
                c.silence(PAUSE_MS)
            p = c.play(tone(900, freq=300, amplitude=9000))
            c.silence(vl.SILENCE_MS + 2500)
            p.done.wait(10)
            try:
                first = c.wait_for(lambda: c.first_media_after(p.ended_at), timeout=10)
                caller_ms.append((first - p.ended_at) * 1000)
            except TimeoutError:
                caller_ms.append(None)
            vl.played_out(c)
    finally:
        c.hangup()


def mode(db, preempt):
    dg = DeepgramFake().start()
    dg.final_delay_ms = 300
    script = []
    for turn in range(TURNS):
        script += ["I need a plumber", "for my kitchen sink"] if turn % 3 == 2 else \
            ["I need a plumber"]
    dg.script(script * CALLS + ["I need a plumber"] * 10)
    llm = OpenAIFake().start()
    for _ in range(CALLS * TURNS * 3 + 20):
        llm.script_text(REPLY, first_token_ms=FIRST_TOKEN_MS, token_ms=TOKEN_MS)
    log_path = os.path.join(vl.STATE, "log", "voice-preempt-%d.log" % preempt)
    open(log_path, "w").close()
    try:
        proc = vl.restart_worker(dg, llm, None, log_path=log_path, LOG_LEVEL="info",
                                 VOICE_PREEMPT="1" if preempt else "0")
    except RuntimeError:
        print(open(log_path).read()[-2000:])
        raise
    caller_ms, call_ids = [], []
    try:
        for _ in range(CALLS):
            one_call(db, caller_ms, call_ids)
        time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(10)
        requests = len(llm.chat_requests())
        dg.stop()
        llm.stop()
    used = dropped = 0
    with open(log_path) as f:
        for m in re.finditer(r"preemptive answers used=(\d+) dropped=(\d+)", f.read()):
            used += int(m.group(1))
            dropped += int(m.group(2))
    with db.cursor() as cur:
        cur.execute("SELECT total_ms FROM call_turns t WHERE call_id = ANY(%s::uuid[]) "
                    "AND speaker = 'assistant' AND seq > 0", (call_ids,))
        totals = [r[0] for r in cur.fetchall()]
    turns = CALLS * TURNS
    print("-- VOICE_PREEMPT=%d: %d calls x %d turns, LLM first token %d ms then a token every "
          "%d ms, flite, silence window %d ms" % (preempt, CALLS, TURNS, FIRST_TOKEN_MS,
                                                   TOKEN_MS, vl.SILENCE_MS))
    print("   caller: last spoken frame -> first reply frame  %s" % vl.fmt(caller_ms))
    print("   worker total_ms (end of turn -> first frame)     %s" % vl.fmt(totals))
    print("   model requests %d for %d turns; drafts used %d, dropped %d"
          % (requests, turns, used, dropped))
    sys.stdout.flush()
    return vl.pct(caller_ms, 50)


def main():
    db = psycopg2.connect(vl.DSN_OWNER)
    db.autocommit = True
    for r in range(ROUNDS):
        print("== round %d of %d" % (r + 1, ROUNDS))
        on = mode(db, True)
        off = mode(db, False)
        if on and off:
            print("   caller's p50 with preemption: %.0f ms, %.0f ms less than without (%.2fx)"
                  % (on, off - on, on / off))
    db.close()


if __name__ == "__main__":
    main()
