"""test_voice_preempt: preemptive generation on live calls: the LLM is asked while the caller
pauses, and a turn that ends on the same words is answered by that request, never by one that
answers other words.

The Deepgram fake's own endpointing is held back (final_delay_ms) so that, as with Deepgram's
300 ms endpointing, the worker's Finalize at a 200 ms pause settles the words and the 1.5 s
silence window ends a turn that may be whole; the model's first token takes FIRST_TOKEN_MS.
"""
import datetime
import json
import os
import subprocess
import time
from zoneinfo import ZoneInfo

import pytest

from conftest import sql
from test_voice import (Worker, acme, caller, finished_replies, greeted, new_call,  # noqa: F401
                        speech, start_stack_worker, stop_stack_worker, turns, BIN)
from tests.fakes.deepgram_fake import DeepgramFake
from tests.fakes.openai_fake import OpenAIFake
from tests.fakes.twilio_fake import TwilioFake

SILENCE_MS = 1500
FIRST_TOKEN_MS = 1000


class TimedOpenAIFake(OpenAIFake):
    """The OpenAI fake, noting when each chat request arrived."""

    def __init__(self):
        super().__init__()
        self.arrivals = []

    def handle(self, request):
        if request.path.endswith("/chat/completions"):
            self.arrivals.append(time.monotonic())
        return super().handle(request)


def settings(llm, **more):
    return {"LLM_BASE_URL": llm.url + "/v1", "LLM_API_KEY": "sk-test", "LLM_MODEL": "gpt-test",
            "BRAIN_BUDGET_MS": "8000", "VOICE_SILENCE_MS": str(SILENCE_MS), "LOG_LEVEL": "info",
            **more}


@pytest.fixture(scope="module")
def stack():
    dg = DeepgramFake().start()
    # No speech_final of the recognizer's own: the pause's Finalize settles the words.
    dg.final_delay_ms = 5000
    tw = TwilioFake().start()
    llm = TimedOpenAIFake().start()
    stop_stack_worker()
    worker = Worker(dg, tw)
    worker.extra = settings(llm)
    worker.start()
    yield dg, worker, llm
    worker.stop()
    llm.stop()
    dg.stop()
    tw.stop()
    start_stack_worker()


def last_user(request):
    return [m["content"] for m in request["messages"] if m["role"] == "user"][-1]


def replies_after_greeting(db, call_id):
    """The receptionist's replies heard to their end (the greeting's is not stored as one)."""
    return [r for r in finished_replies(db, call_id) if r[0] > 0]


def talk(c, *parts):
    """Speech bursts with the silences between them (ms); returns the last burst's Played."""
    p = None
    for i, part in enumerate(parts):
        if i % 2 == 0:
            p = c.play(speech(part))
        else:
            c.silence(part)
    c.silence(SILENCE_MS + 2000)
    return p


def test_a_pause_that_ends_the_turn_is_answered_by_the_request_made_in_it(stack, acme):
    dg, _, llm = stack
    answer = "We can send a plumber today. What is the address?"
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        before = len(llm.chat_requests())
        llm.script_text(answer, first_token_ms=FIRST_TOKEN_MS)
        dg.script(["I need a plumber"])
        p = talk(c, 900)
        reply = c.wait_for(lambda: replies_after_greeting(acme, call_id), timeout=30)[-1]
        assert reply[2] == reply[3] == answer
        # One request for the turn, made in the pause: none after the turn ended.
        asked = llm.chat_requests()[before:]
        assert [last_user(r) for r in asked] == ["I need a plumber"]
        p.done.wait(5)
        assert llm.arrivals[-1] - p.ended_at < SILENCE_MS / 1000
        # The reply began sooner after the turn's end than the model takes to say a word.
        assert reply[4] is not None and reply[4] < FIRST_TOKEN_MS
        heard = c.first_media_after(p.ended_at)
        assert heard - p.ended_at < (SILENCE_MS + FIRST_TOKEN_MS) / 1000
        callers = [r[2] for r in turns(acme, call_id) if r[1] == "caller"]
        assert callers == ["I need a plumber"]
        assert [r[2] for r in turns(acme, call_id) if r[1] == "assistant"][-1] == answer
    finally:
        c.hangup()


def test_a_caller_who_goes_on_after_the_pause_is_answered_on_all_of_it(stack, acme):
    dg, _, llm = stack
    early = "A plumber can come out to you today."
    whole = "We can clear that kitchen sink today. May I have your name?"
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        before = len(llm.chat_requests())
        llm.script_text(early)
        llm.script_text(whole, first_token_ms=300)
        dg.script(["I need a plumber", "for my kitchen sink"])
        talk(c, 900, 700, 900)
        reply = c.wait_for(lambda: replies_after_greeting(acme, call_id), timeout=30)[-1]
        assert reply[2] == reply[3] == whole
        asked = [last_user(r) for r in llm.chat_requests()[before:]]
        # The pause's request was made, and dropped; the reply is the one asked on all of it.
        assert asked[0] == "I need a plumber"
        assert asked[-1] == "I need a plumber for my kitchen sink"
        said = [r for r in turns(acme, call_id)]
        assert [r[2] for r in said if r[1] == "caller"] == ["I need a plumber for my kitchen sink"]
        assert not [r for r in said if r[1] == "assistant" and early in (r[2] + (r[3] or ""))]
        assert len(replies_after_greeting(acme, call_id)) == 1
    finally:
        c.hangup()


def test_a_number_read_out_in_groups_is_not_answered_between_them(stack, acme):
    # The LLM's questions leave no expectation of a number: part of one must still wait. The
    # pauses are longer than this module's silence window and shorter than its hold.
    dg, _, llm = stack
    answer = "Thank you. What's the address?"
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        before = len(llm.chat_requests())
        llm.script_text(answer, first_token_ms=300)
        dg.script(["555", "201", "7788"])
        talk(c, 500, SILENCE_MS + 300, 500, SILENCE_MS + 300, 700)
        reply = c.wait_for(lambda: replies_after_greeting(acme, call_id), timeout=30)[-1]
        assert reply[2] == reply[3] == answer
        callers = [r[2] for r in turns(acme, call_id) if r[1] == "caller"]
        assert callers == ["555 201 7788"]
        # Nothing was asked of the model, nor said, before the whole number.
        assert [last_user(r) for r in llm.chat_requests()[before:]] == ["555 201 7788"]
        assert len(replies_after_greeting(acme, call_id)) == 1
    finally:
        c.hangup()


def a_free_afternoon():
    """A weekday afternoon a fortnight or so away, in Acme's time zone, no other test's."""
    day = datetime.datetime.now(ZoneInfo("America/New_York")) + datetime.timedelta(days=15)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day.replace(hour=16, minute=0, second=0, microsecond=0)


def test_a_tool_asked_for_in_the_pause_is_run_once_by_the_turn(stack, acme):
    dg, _, llm = stack
    start = a_free_afternoon()
    book = ("book_appointment", {"service": "Drain cleaning", "start": start.isoformat(),
                                 "customer_name": "Jordan Ellis", "address": "12 Elm Street"})
    call_id = new_call(acme)
    c = caller(call_id)
    try:
        greeted(c)
        before = len(llm.chat_requests())
        llm.script_tool_calls([book])      # the pause's request: dropped, its tool never run
        llm.script_tool_calls([book])      # the turn's own
        llm.script_text("You're booked for drain cleaning. Anything else?")
        dg.script(["Book a drain cleaning for Jordan Ellis at 12 Elm Street"])
        p = talk(c, 900)
        c.wait_for(lambda: len(llm.chat_requests()) > before, timeout=10)
        time.sleep(0.4)
        booked = "SELECT count(*) FROM appointments WHERE call_id = %s"
        p.done.wait(5)
        if time.monotonic() < p.ended_at + SILENCE_MS / 1000 - 0.2:
            # The pause's answer has come, the turn has not ended: nothing is booked.
            assert sql(acme, booked, call_id)[0][0] == 0
        reply = c.wait_for(lambda: replies_after_greeting(acme, call_id), timeout=30)[-1]
        assert reply[2] == "You're booked for drain cleaning. Anything else?"
        assert sql(acme, booked, call_id)[0][0] == 1
        asked = llm.chat_requests()[before:]
        assert len(asked) == 3
        assert last_user(asked[0]) == last_user(asked[1])
        assert [m["role"] for m in asked[2]["messages"]][-2:] == ["assistant", "tool"]
        # The turn's own booking found the time free: no dry run had taken it.
        assert json.loads(asked[2]["messages"][-1]["content"])["booked"] is True
    finally:
        c.hangup()


def test_without_preempt_the_model_is_asked_once_the_turn_is_over(stack, acme):
    dg, worker, llm = stack
    worker.stop()
    worker.extra = settings(llm, VOICE_PREEMPT="0")
    worker.start()
    try:
        answer = "We can send a plumber today. What is the address?"
        call_id = new_call(acme)
        c = caller(call_id)
        try:
            greeted(c)
            before = len(llm.chat_requests())
            llm.script_text(answer, first_token_ms=300)
            dg.script(["I need a plumber"])
            p = talk(c, 900)
            reply = c.wait_for(lambda: replies_after_greeting(acme, call_id), timeout=30)[-1]
            assert reply[2] == reply[3] == answer
            assert [last_user(r) for r in llm.chat_requests()[before:]] == ["I need a plumber"]
            p.done.wait(5)
            # Asked only after the silence window ran out, not in the pause.
            assert llm.arrivals[-1] - p.ended_at > (SILENCE_MS - 300) / 1000
            assert reply[4] >= 300
        finally:
            c.hangup()
    finally:
        worker.stop()
        worker.extra = settings(llm)
        worker.start()


def test_a_preempt_setting_that_is_not_a_boolean_stops_the_worker(stack):
    env = dict(stack[1].env(), VOICE_PREEMPT="sometimes", VOICE_LISTEN="127.0.0.1:1")
    run = subprocess.run([os.path.join(BIN, "switchboard-voice")], env=env, capture_output=True,
                         timeout=20)
    assert run.returncode != 0
    assert b"VOICE_PREEMPT must be true or false" in run.stderr
