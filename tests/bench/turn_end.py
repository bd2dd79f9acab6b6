"""turn_end: how soon the receptionist answers once the caller stops, over a realistic booking
conversation, and whether it ever starts while the caller is still mid-sentence. Run by
tests/bench/run turn-end on its own stack; prints figures, never fails.

Scripted callers book a drain cleaning with a plumbing business: an open request after "How can
I help you today?", their name after "May I have your name?", a phone number, a time ("Tomorrow
at 2"), the address, a yes to "Shall I book that?", then a question of their own ("What are your
hours?"). Half the calls say it straight; the other half pause 500-800 ms mid-sentence and go
on ("I need a plumber for [700 ms] my kitchen sink", a number in three bursts, "Tomorrow at
[800 ms] 2"). Two brains, each for ROUNDS rounds: the rules engine with no LLM, and the LLM
(OpenAI fake, first token LLM_FIRST_TOKEN_MS) with VOICE_PREEMPT on. The Deepgram fake behaves
as Deepgram does with the worker's endpointing=300 and utterance_end_ms=1000: interim results
while the caller speaks, the final 300 ms after the last word (sooner when the worker sends
Finalize), UtteranceEnd after it; each stretch of speech between pauses is its own utterance.

Per turn kind and overall: the caller's view (last spoken frame sent -> first reply frame
received) as p50/p95, how many turns were answered, and how many replies began before the
caller's last burst of the turn had ended (mid-sentence; must be 0). Once per brain the words
the worker stored (call_turns) are checked against what the callers said, and in the rules
brain each turn against the question it answers.
"""
import os
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
import voice_latency as vl  # noqa: E402
from tests.fakes import deepgram_fake as dgf  # noqa: E402
from tests.fakes.mulaw import tone  # noqa: E402
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from tests.fakes.twilio_fake import MediaStreamsCaller  # noqa: E402

CALLS = int(os.environ.get("TURN_END_CALLS", "4"))
ROUNDS = int(os.environ.get("TURN_END_ROUNDS", "2"))
FIRST_TOKEN_MS = int(os.environ.get("LLM_FIRST_TOKEN_MS", "300"))
TOKEN_MS = 25
ENDPOINTING_MS = 300
LLM_REPLY = "Certainly. Could you tell me a little more about that?"

# A turn: its kind, a word the receptionist's question before it holds (rules engine), and what
# the caller says: strings are stretches of speech, numbers pauses (ms) between them.
# Each call books its own hour, so that no call finds its time taken by another.
HOURS = ["2", "3", "4", "1"]


def straight_call(hour):
    return [
        ("open", "help", ["I need a plumber"]),
        ("name", "name", ["Dana Whitfield"]),
        ("phone", "number", ["555 201 7788"]),
        ("time", "when", ["Tomorrow at " + hour]),
        ("address", "address", ["12 Elm Street"]),
        ("yes/no", "shall i book", ["Yes, please"]),
        ("question", "anything else", ["What are your hours?"]),
    ]


def pausing_call(hour):
    return [
        ("open", "help", ["I need a plumber for", 700, "my kitchen sink"]),
        ("name", "name", ["My name is", 600, "Dana Whitfield"]),
        ("phone", "number", ["555", 500, "201", 500, "7788"]),
        ("time", "when", ["Tomorrow at", 800, hour]),
        ("address", "address", ["12 Elm Street"]),
        ("yes/no", "shall i book", ["Yes, please"]),
        ("question", "anything else", ["What are your", 600, "hours?"]),
    ]


KINDS = ["open", "name", "phone", "time", "address", "yes/no", "question"]


def speech_ms(text):
    """About how long saying text takes: some 14 characters a second, a word at least."""
    return max(300, 70 * len(text))


class _CallTalk(dgf._Talk):
    """A Deepgram connection that says its own call's script: calls run at once, and the fake's
    shared script would hand one call's words to another."""

    def next_utterance(self, on_burst):
        if on_burst and self.script:
            return self.script.pop(0)
        return None

    def spoken_at(self):
        pass


class PerCallDeepgram(dgf.DeepgramFake):
    """The Deepgram fake with a script per connection, in the order the connections open."""

    def __init__(self):
        super().__init__()
        self.call_scripts = []

    async def _conversation(self, ws):
        import urllib.parse
        url = urllib.parse.urlsplit(ws.path)
        s = dgf.Session(ws.path, dict(urllib.parse.parse_qsl(url.query)),
                        dict(ws.request_headers.raw_items()), ws.dg_request_id, time.monotonic())
        with self._lock:
            self.sessions.append(s)
            n = len(self.sessions) - 1
        talk = _CallTalk(self, ws, s)
        talk.script = list(self.call_scripts[n]) if n < len(self.call_scripts) else []
        await talk.run()


def script_of(turns):
    return [{"text": part} for _, _, parts in turns for part in parts if isinstance(part, str)]


def one_call(c, turns, out):
    """Say each turn once the last reply has played out; out gets one record per turn."""
    c.wait_for(lambda: c.media_in, timeout=20)
    vl.played_out(c)
    for kind, _, parts in turns:
        start = time.monotonic()
        last = None
        for part in parts:
            if isinstance(part, str):
                last = c.play(tone(speech_ms(part), freq=300, amplitude=9000))
            else:
                c.silence(part)
        rec = {"kind": kind, "pausing": len(parts) > 1, "ms": None, "mid": False}
        if not last.done.wait(15):
            out.append(rec)
            continue
        try:
            first = c.wait_for(lambda: c.first_media_after(start), timeout=last.ended_at - start
                               + 10)
            if first < last.ended_at:
                rec["mid"] = True
            else:
                rec["ms"] = (first - last.ended_at) * 1000
        except TimeoutError:
            pass
        out.append(rec)
        vl.played_out(c)


def check_transcripts(db, calls):
    """What the worker stored of each call against what was said; mismatches printed."""
    said_ok = said_all = asked_ok = asked_all = 0
    problems = []
    with db.cursor() as cur:
        for call_id, turns, rules in calls:
            cur.execute("SELECT speaker, text FROM call_turns WHERE call_id = %s ORDER BY seq",
                        (call_id,))
            rows = cur.fetchall()
            caller = [i for i, r in enumerate(rows) if r[0] == "caller"]
            for k, (kind, asked, parts) in enumerate(turns):
                want = " ".join(p for p in parts if isinstance(p, str))
                said_all += 1
                got = rows[caller[k]][1] if k < len(caller) else None
                if got == want:
                    said_ok += 1
                else:
                    problems.append("%s: said %r, stored %r" % (kind, want, got))
                if not rules or k >= len(caller):
                    continue
                asked_all += 1
                before = [r[1] for r in rows[:caller[k]] if r[0] == "assistant"]
                question = before[-1] if before else ""
                if asked in question.lower():
                    asked_ok += 1
                else:
                    problems.append("%s: the receptionist had asked %r" % (kind, question))
    print("   transcripts: %d of %d turns stored as said" % (said_ok, said_all)
          + ("; %d of %d answered the question they were meant to" % (asked_ok, asked_all)
             if asked_all else ""))
    for p in problems[:8]:
        print("     " + p)


def mode(db, rules, show):
    dg = PerCallDeepgram().start()
    dg.final_delay_ms = ENDPOINTING_MS
    convs = [(straight_call if i % 2 == 0 else pausing_call)(HOURS[i % len(HOURS)])
             for i in range(CALLS)]
    with db.cursor() as cur:
        # The last round's bookings would take this round's times.
        cur.execute("DELETE FROM appointments WHERE org_id = %s", (vl.ORG,))
    dg.call_scripts = [script_of(t) for t in convs]
    llm = OpenAIFake().start()
    for _ in range(CALLS * len(KINDS) * 3 + 20):
        llm.script_text(LLM_REPLY, first_token_ms=FIRST_TOKEN_MS, token_ms=TOKEN_MS)
    settings = {"VOICE_PREEMPT": "1"}
    if rules:
        settings["LLM_BASE_URL"] = ""
    proc = vl.restart_worker(dg, llm, None, **settings)
    records, calls, threads, callers = [], [], [], []
    try:
        for i, turns in enumerate(convs):
            call_id, call_sid = vl.new_call(db)
            c = MediaStreamsCaller("ws://%s/media/stream" % vl.VOICE,
                                   {"token": vl.token(call_id), "call_id": call_id},
                                   call_sid=call_sid).connect()
            callers.append(c)
            # The recognizer's connections must open in the order of the scripts.
            dg.wait_session(i + 1, timeout=20)
            calls.append((call_id, turns, rules))
            out = []
            records.append(out)
            t = threading.Thread(target=one_call, args=(c, turns, out))
            t.start()
            threads.append(t)
        for t in threads:
            t.join()
    finally:
        for c in callers:
            c.hangup()
        time.sleep(0.5)
        proc.terminate()
        proc.wait(10)
        dg.stop()
        llm.stop()
    rows = [r for out in records for r in out]
    print("-- %s: %d calls at once (%d straight, %d pausing mid-sentence), %d turns each; "
          "endpointing %d ms, silence window %d ms" % (
              "rules engine, no LLM" if rules else
              "LLM fake (first token %d ms, a token every %d ms), VOICE_PREEMPT=1"
              % (FIRST_TOKEN_MS, TOKEN_MS),
              CALLS, (CALLS + 1) // 2, CALLS // 2, len(KINDS), ENDPOINTING_MS, vl.SILENCE_MS))
    print("   last spoken frame -> first reply frame, by what the caller said:")
    for kind in KINDS:
        for pausing in (False, True):
            sel = [r for r in rows if r["kind"] == kind and r["pausing"] == pausing]
            if not sel:
                continue
            print("     %-21s %s  answered %d/%d  mid-sentence %d" % (
                kind + (" (pauses)" if pausing else ""), vl.fmt([r["ms"] for r in sel]),
                sum(1 for r in sel if r["ms"] is not None or r["mid"]), len(sel),
                sum(1 for r in sel if r["mid"])))
    mid = sum(1 for r in rows if r["mid"])
    print("     %-21s %s  answered %d/%d  mid-sentence %d" % (
        "all turns", vl.fmt([r["ms"] for r in rows]),
        sum(1 for r in rows if r["ms"] is not None or r["mid"]), len(rows), mid))
    p50 = vl.pct([r["ms"] for r in rows], 50)
    print("   target: p50 <= 300 ms and no reply mid-sentence: %s" % (
        "met" if p50 is not None and p50 <= 300 and mid == 0 else
        "MISSED (p50 %s ms, %d mid-sentence)" % ("%.0f" % p50 if p50 is not None else "-", mid)))
    if show:
        check_transcripts(db, calls)
    sys.stdout.flush()


def main():
    db = psycopg2.connect(vl.DSN_OWNER)
    db.autocommit = True
    for r in range(ROUNDS):
        print("== round %d of %d" % (r + 1, ROUNDS))
        mode(db, True, r == 0)
        mode(db, False, r == 0)
    db.close()


if __name__ == "__main__":
    main()
