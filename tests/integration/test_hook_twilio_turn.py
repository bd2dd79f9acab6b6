"""test_hook_twilio_turn: a gather-mode call, turn by turn, as Twilio drives it: the voice webhook
greets, each <Gather> posts the caller's words (or silence) to the turn hook, and the TwiML that
comes back says, listens, transfers or hangs up. Requests are signed as Twilio signs them. The
LLM's slow and failing days are played through switchboard-chat on a call of the same kind,
since the stack's own processes run on the rules engine."""
import datetime
import json
import os
import socket
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest

from conftest import BASE_URL, DSN_APP, sql
from test_hook_twilio import call_sid, phone, post, twiml, voice_params

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402
from test_hook_twilio import TOKEN  # noqa: E402

VOICE = "/hooks/twilio/voice"
TURN = "/hooks/twilio/turn"
TZ = "America/New_York"
CALLER = "+15551230001"
TRANSFER = "+15555550199"
OPEN_EVERY_DAY = json.dumps({d: [["08:00", "18:00"]]
                             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
BIN = os.environ.get("SB_BIN", "")


@pytest.fixture
def shop(business, owner_db):
    """The signed-up business as a plumber answering in gather mode: open every day 8 to 6,
    three priced services, a warranty answer and an on-call line. Returns its Twilio number."""
    sql(owner_db, """UPDATE organizations SET call_mode = 'gather', timezone = %s,
                            business_hours = %s, transfer_phone = %s,
                            greeting = 'Thanks for calling Brook Plumbing. How can I help you?'
                     WHERE id = %s""", TZ, OPEN_EVERY_DAY, TRANSFER, business.org_id)
    for name, cents, minutes, keywords in [
            ("Drain cleaning", 14900, 60, "{drain,clog,clogged,sink,slow}"),
            ("Water heater repair", 28900, 90, "{water heater,hot water,heater,tank}"),
            ("Emergency leak repair", 34900, 60, "{leak,leaking,flood,flooding,burst,pipe}")]:
        sql(owner_db, """INSERT INTO services (org_id, name, price_cents, duration_minutes,
                                               keywords) VALUES (%s, %s, %s, %s, %s)""",
            business.org_id, name, cents, minutes, keywords)
    sql(owner_db, """INSERT INTO knowledge_entries (org_id, question, answer)
                     VALUES (%s, 'Do you guarantee your work? What is the warranty?',
                             'All of our labor is guaranteed for one full year.')""",
        business.org_id)
    e164 = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, e164)
    return e164


def path_of(action):
    assert action.startswith(BASE_URL + TURN), action
    return action[len(BASE_URL):]


def spoken(doc):
    """What the caller hears from a TwiML document: every <Say>, in order."""
    return " ".join(say.text or "" for say in doc.iter("Say"))


class Call:
    """A caller on a gather-mode call: start() is Twilio calling the voice webhook, say() one
    <Gather> result posted to the action URL the last answer gave."""

    def __init__(self, number, caller=CALLER):
        self.sid = call_sid()
        self.number = number
        self.caller = caller
        self.account = "AC" + uuid.uuid4().hex
        self.action = None
        self.docs = []

    def params(self, status="in-progress", **extra):
        return voice_params(self.number, sid=self.sid, status=status, From=self.caller,
                            AccountSid=self.account, **extra)

    def answer(self, response):
        doc = twiml(response)
        gather = doc.find("Gather")
        self.action = path_of(gather.get("action")) if gather is not None else None
        self.docs.append(doc)
        return doc

    def start(self, query=""):
        return self.answer(post(VOICE + query, self.params(status="ringing")))

    def turn_params(self, speech):
        if speech is None:  # Twilio's empty result carries no SpeechResult at all
            return self.params()
        return self.params(SpeechResult=speech, Confidence="0.91")

    def say(self, speech):
        assert self.action, "the call is over"
        return self.answer(post(self.action, self.turn_params(speech)))

    def call_id(self, db):
        (row,) = sql(db, "SELECT id FROM calls WHERE provider_call_id = %s", self.sid)
        return str(row[0])

    def turns(self, db, speaker=None):
        return sql(db, """SELECT speaker, text FROM call_turns WHERE call_id = %s
                          AND (%s::text IS NULL OR speaker = %s) ORDER BY seq""",
                   self.call_id(db), speaker, speaker)


def said(doc, *words):
    text = spoken(doc).lower()
    return all(w.lower() in text for w in words)


def listens(doc):
    gather = doc.find("Gather")
    return (gather is not None and gather.get("input") == "speech" and
            gather.get("method") == "POST" and gather.get("speechTimeout") == "auto" and
            gather.get("actionOnEmptyResult") == "true" and gather.find("Say") is not None)


def appointments(db, org_id):
    return sql(db, """SELECT a.customer_name, a.customer_phone, a.address, a.starts_at, s.name
                      FROM appointments a LEFT JOIN services s ON s.id = a.service_id
                      WHERE a.org_id = %s""", org_id)


def turn_events(db, sid):
    return sql(db, "SELECT event_key, org_id, response_status FROM webhook_events "
                   "WHERE provider = 'twilio' AND event_key LIKE %s", f"turn:{sid}:%")


def test_a_whole_booking_by_phone_says_booked_only_once_the_appointment_exists(
        business, shop, owner_db):
    call = Call(shop)
    doc = call.start()
    assert listens(doc) and said(doc, "Brook Plumbing")

    assert said(call.say("Hi, my kitchen sink is clogged and I need someone to come out"),
                "drain cleaning", "name")
    assert said(call.say("this is John Smith"), "John", "555-123-0001")
    call.say("yes")
    call.say("tomorrow at 2 pm")
    doc = call.say("12 Elm Street")
    assert said(doc, "drain cleaning", "John Smith", "2 PM", "12 Elm Street", "shall i book")
    assert all(listens(d) for d in call.docs)
    heard = " ".join(spoken(d).lower() for d in call.docs).replace("shall i book", "")
    assert "booked" not in heard
    assert appointments(owner_db, business.org_id) == []

    doc = call.say("yes please")
    assert said(doc, "booked", "2 PM") and listens(doc)
    # By the time Twilio has the words, the appointment is there.
    [(name, number, address, starts, service)] = appointments(owner_db, business.org_id)
    tomorrow = datetime.datetime.now(ZoneInfo(TZ)).date() + datetime.timedelta(days=1)
    assert (name, number, address, service) == ("John Smith", CALLER, "12 Elm Street",
                                                "Drain cleaning")
    assert starts == datetime.datetime(tomorrow.year, tomorrow.month, tomorrow.day, 14,
                                       tzinfo=ZoneInfo(TZ))

    doc = call.say("no thanks, that's all")
    assert said(doc, "goodbye")
    assert [child.tag for child in doc] == ["Say", "Hangup"]
    turns = call.turns(owner_db)
    assert [speaker for speaker, _ in turns] == ["assistant"] + ["caller", "assistant"] * 7
    assert turns[1] == ("caller", "Hi, my kitchen sink is clogged and I need someone to come out")
    # Each listen posts to an address of its own.
    actions = [d.find("Gather").get("action") for d in call.docs if d.find("Gather") is not None]
    assert len(set(actions)) == len(actions)


def test_a_price_and_an_hours_question_are_answered_from_the_business(shop):
    call = Call(shop)
    call.start()
    doc = call.say("how much is a drain cleaning?")
    assert said(doc, "$149") and listens(doc)
    doc = call.say("what are your hours on Saturday?")
    assert said(doc, "Saturday", "8 AM", "6 PM") and listens(doc)
    doc = call.say("do you guarantee your work?")
    assert said(doc, "guaranteed for one full year")


def test_an_emergency_is_transferred_to_the_on_call_phone(shop, owner_db):
    call = Call(shop)
    call.start()
    doc = call.say("Help, a pipe burst and my basement is flooding!")
    assert said(doc, "urgent", "transfer") and listens(doc)
    doc = call.say("yes, please")
    assert [child.tag for child in doc] == ["Say", "Dial"]
    assert said(doc, "connecting")
    assert [n.text for n in doc.findall("Dial/Number")] == [TRANSFER]
    (status, transfer_to, transferred_at), = sql(
        owner_db, "SELECT status, transfer_to, transferred_at FROM calls "
                  "WHERE provider_call_id = %s", call.sid)
    assert (status, transfer_to) == ("transferred", TRANSFER) and transferred_at is not None


def test_two_silences_end_the_call_politely(business, shop, owner_db):
    call = Call(shop)
    call.start()
    first = call.action
    doc = call.say(None)
    assert said(doc, "still there") and listens(doc)
    # The same empty form again, but to the new listen's address: a second silence, not a retry.
    assert call.action != first
    doc = call.say(None)
    assert [child.tag for child in doc] == ["Say", "Hangup"]
    [(name,)] = sql(owner_db, "SELECT name FROM organizations WHERE id = %s", business.org_id)
    assert said(doc, "goodbye", "call " + name)
    assert call.turns(owner_db, "caller") == []
    assert len(call.turns(owner_db, "assistant")) == 3


def test_a_silence_then_speech_carries_the_call_on(shop):
    call = Call(shop)
    call.start()
    call.say("")
    assert said(call.say("my sink is clogged"), "drain cleaning")


def test_a_retried_turn_gets_the_same_answer_and_is_taken_once(shop, owner_db):
    call = Call(shop)
    call.start()
    params = call.turn_params("my sink is clogged")
    first = post(call.action, params)
    again = post(call.action, params)
    assert said(twiml(first), "drain cleaning")
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert call.turns(owner_db, "caller") == [("caller", "my sink is clogged")]
    assert len(call.turns(owner_db)) == 3
    assert len(turn_events(owner_db, call.sid)) == 1


def test_retries_arriving_together_take_the_turn_once(shop, owner_db):
    call = Call(shop)
    call.start()
    params = call.turn_params("my sink is clogged")
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda _: post(call.action, params), range(3)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert call.turns(owner_db, "caller") == [("caller", "my sink is clogged")]


@pytest.mark.parametrize("how", ["missing", "other token", "other turn", "changed words"])
def test_a_turn_not_signed_by_twilio_is_refused_and_stores_nothing(how, shop, owner_db):
    call = Call(shop)
    call.start()
    params = call.turn_params("book me in for tomorrow")
    if how == "missing":
        r = post(call.action, params, signature=False)
    elif how == "other token":
        r = post(call.action, params, token="0" * 32)
    elif how == "other turn":
        r = post(TURN + "?turn=7", params, sign_url=BASE_URL + call.action)
    else:
        r = post(call.action, params, signature=twilio_sign(
            TOKEN, BASE_URL + call.action, dict(params, SpeechResult="cancel everything")))
    assert r.status_code == 403
    assert call.turns(owner_db, "caller") == []
    assert turn_events(owner_db, call.sid) == []


def test_a_turn_of_an_unknown_call_gets_a_goodbye(shop, owner_db):
    params = voice_params(shop, status="in-progress", SpeechResult="hello?", Confidence="0.8")
    doc = twiml(post(TURN + "?turn=3", params))
    assert [child.tag for child in doc] == ["Say", "Hangup"]
    assert "goodbye" in spoken(doc).lower()
    assert sql(owner_db, "SELECT 1 FROM calls WHERE provider_call_id = %s",
               params["CallSid"]) == []
    [(_, org_id, status)] = turn_events(owner_db, params["CallSid"])
    assert org_id is None and status == 200


@pytest.mark.parametrize("query,change", [
    ("?turn=x1", {}),
    ("?turn=", {}),
    ("?turn=12345678901", {}),
    ("", {"CallSid": "CA123"}),
    ("", {"From": ""}),
])
def test_a_malformed_turn_is_refused(query, change, shop, owner_db):
    call = Call(shop)
    call.start()
    params = dict(call.turn_params("hello"), **change)
    r = post(TURN + query, params)
    assert r.status_code == 400 and "error" in r.json()
    assert call.turns(owner_db, "caller") == []


def test_hostile_words_are_answered_as_twiml_and_crash_nothing(business, shop, owner_db):
    call = Call(shop)
    call.start()
    hostile = [
        "x" * 60000,  # near the 64 KB a Twilio hook takes (test_attacks_platform.py)
        "\x01\x02\x1b[31m\x7f hello \x0b there",
        "</Say><Hangup/></Gather><Dial>+15550000000</Dial>",
        "]]> & &amp; \"quotes\" 'single' <![CDATA[",
        "'; DROP TABLE appointments; --",
        "ñandú 😀 ☎ 東京",
        "%s%s%n%x%d",
        "my name is " + "A" * 5000,
    ]
    for words in hostile:
        doc = call.say(words)
        assert listens(doc), spoken(doc)
        assert doc.find("Dial") is None and doc.find("Hangup") is None
        assert len(spoken(doc)) < 2000
    # A NUL is not text: the form is refused, and the call goes on.
    r = post(call.action, call.turn_params("a\x00b"))
    assert r.status_code == 400
    assert said(call.say("my sink is clogged"), "drain cleaning")
    callers = call.turns(owner_db, "caller")
    assert len(callers) == len(hostile) + 1
    assert all(len(text) <= 1000 and "\x01" not in text for _, text in callers)
    assert appointments(owner_db, business.org_id) == []


def test_a_streaming_call_handed_over_carries_on_in_gather_mode(business, shop, owner_db):
    sql(owner_db, "UPDATE organizations SET call_mode = 'stream' WHERE id = %s", business.org_id)
    call = Call(shop)
    doc = call.start()
    assert doc.find("Connect/Stream") is not None
    call_id = call.call_id(owner_db)
    # The voice worker greeted the caller and heard them before its recognition failed.
    for seq, speaker, text in [(0, "assistant", "Thanks for calling Brook Plumbing."),
                               (1, "caller", "hi there")]:
        sql(owner_db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
                      "VALUES (%s, %s, %s, %s, %s)", business.org_id, call_id, seq, speaker, text)

    doc = call.answer(post(VOICE + "?mode=gather", call.params()))
    assert listens(doc) and spoken(doc) == "Sorry, let's continue."
    assert call.action.startswith(TURN + "?turn=")
    assert said(call.say("my sink is clogged"), "drain cleaning")
    assert call.call_id(owner_db) == call_id
    turns = call.turns(owner_db)
    assert turns[2:4] == [("assistant", "Sorry, let's continue."),
                          ("caller", "my sink is clogged")]
    assert [speaker for speaker, _ in turns[4:]] == ["assistant"]


def test_a_call_handed_over_before_a_word_was_said_is_greeted(business, shop, owner_db):
    sql(owner_db, "UPDATE organizations SET call_mode = 'stream' WHERE id = %s", business.org_id)
    call = Call(shop)
    call.start()
    doc = call.answer(post(VOICE + "?mode=gather", call.params()))
    assert listens(doc) and said(doc, "Brook Plumbing")
    assert call.turns(owner_db) == [("assistant", spoken(doc))]


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


LLM_TROUBLE = {
    "twenty seconds slow": lambda f: f.behave("slow", delay_ms=20000),
    "never answers": lambda f: f.behave("hang"),
    "overloaded": lambda f: f.behave("fail", fail_status=503),
    "down": None,
}


@pytest.mark.parametrize("trouble", LLM_TROUBLE)
def test_a_slow_or_failed_llm_never_holds_up_the_turn(trouble, business, shop, owner_db):
    """The brain the turn hook runs, with an LLM configured that is in trouble: the rules engine
    answers the same turn, well before Twilio's 15 seconds would run out."""
    call = Call(shop)
    call.start()
    assert said(call.say("my sink is clogged"), "drain cleaning")
    fake = OpenAIFake().start()
    try:
        if LLM_TROUBLE[trouble]:
            LLM_TROUBLE[trouble](fake)
            base = fake.url + "/v1"
        else:
            base = closed_port_url() + "/v1"
        env = dict(os.environ, DATABASE_URL=DSN_APP, LLM_BASE_URL=base, LLM_API_KEY="sk-test",
                   LLM_MODEL="gpt-test", BRAIN_BUDGET_MS="1000", LOG_LEVEL="warn")
        done = subprocess.run([os.path.join(BIN, "switchboard-chat"), "--org", business.org_id,
                               "--caller", CALLER, "--call", call.call_id(owner_db)],
                              input="how much is a drain cleaning?\n", capture_output=True,
                              text=True, env=env, timeout=60)
        asked = fake.chat_requests()
    finally:
        fake.stop()
    assert done.returncode == 0, done.stderr
    replies = [l[len("receptionist: "):] for l in done.stdout.splitlines()
               if l.startswith("receptionist: ")]
    assert len(replies) == 2 and "$149" in replies[1]
    if LLM_TROUBLE[trouble]:
        assert asked, "the LLM was asked first"
    # The call goes on by Twilio where the other process left it.
    assert said(call.say("this is Ana Lopez"), "Ana")
    callers = [text for _, text in call.turns(owner_db, "caller")]
    assert callers == ["my sink is clogged", "how much is a drain cleaning?", "this is Ana Lopez"]
