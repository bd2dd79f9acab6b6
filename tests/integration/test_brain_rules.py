"""test_brain_rules.py: the built-in receptionist, talked to as text through switchboard-chat.

Each test makes its own plumbing business (like the demo's) with the owner DSN, then holds a
conversation with build/bin/switchboard-chat line by line, as a caller would, and checks what a
caller hears and what the owner finds in the database afterwards.
"""
import datetime
import json
import os
import subprocess
import tempfile
import uuid
import zoneinfo

import psycopg2
import pytest

from conftest import DSN_APP, DSN_OWNER

BIN = os.environ.get("SB_BIN", os.path.join(os.path.dirname(__file__), "../../build/bin"))
TZ = "America/New_York"
TRANSFER = "+15555550199"
CALLER = "+15550101234"
HOURS = ('{"mon":[["08:00","18:00"]],"tue":[["08:00","18:00"]],"wed":[["08:00","18:00"]],'
         '"thu":[["08:00","18:00"]],"fri":[["08:00","18:00"]],"sat":[["09:00","13:00"]],'
         '"sun":[]}')


def monday_morning():
    """9 AM on a Monday a week or more ahead, in the business's timezone."""
    zone = zoneinfo.ZoneInfo(TZ)
    day = datetime.datetime.now(zone).date() + datetime.timedelta(days=7)
    day += datetime.timedelta(days=(7 - day.weekday()) % 7)
    return datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)


NOW = monday_morning()
TUESDAY_2PM = NOW + datetime.timedelta(days=1, hours=5)


def owner(query, *params):
    with psycopg2.connect(DSN_OWNER) as db, db.cursor() as cur:
        cur.execute(query, params)
        rows = cur.fetchall() if cur.description else []
    db.close()
    return rows


@pytest.fixture
def org():
    """A plumbing business with services, prices, hours, a knowledge entry and a transfer line."""
    org_id = str(uuid.uuid4())
    owner("""INSERT INTO organizations (id, name, timezone, business_hours, greeting, call_mode,
                                        transfer_phone)
             VALUES (%s, %s, %s, %s, %s, 'stream', %s)""",
          org_id, "Brook Plumbing", TZ, HOURS,
          "Thanks for calling Brook Plumbing. How can I help you today?", TRANSFER)
    for name, cents, minutes, keywords in [
            ("Drain cleaning", 14900, 60, "{drain,clog,clogged,sink,slow}"),
            ("Water heater repair", 28900, 90, "{water heater,hot water,heater,tank}"),
            ("Emergency leak repair", 34900, 60, "{leak,leaking,flood,flooding,burst,pipe}")]:
        owner("""INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords)
                 VALUES (%s, %s, %s, %s, %s)""", org_id, name, cents, minutes, keywords)
    owner("""INSERT INTO knowledge_entries (org_id, question, answer)
             VALUES (%s, 'Do you guarantee your work? What is the warranty?',
                     'All of our labor is guaranteed for one full year.')""", org_id)
    yield org_id
    owner("DELETE FROM organizations WHERE id = %s", org_id)


def new_call(org_id):
    return str(owner("""INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                                          to_number, status)
                        VALUES (%s, 'twilio', %s, %s, '+15555550100', 'in-progress')
                        RETURNING id""", org_id, "CA" + uuid.uuid4().hex, CALLER)[0][0])


def book_slot(org_id, starts, minutes=60):
    owner("""INSERT INTO appointments (org_id, customer_name, starts_at, ends_at)
             VALUES (%s, 'Someone Else', %s, %s)""",
          org_id, starts, starts + datetime.timedelta(minutes=minutes))


def appointments(org_id):
    return owner("""SELECT a.id::text, customer_name, customer_phone, address, starts_at,
                           s.name
                    FROM appointments a LEFT JOIN services s ON s.id = a.service_id
                    WHERE a.org_id = %s AND customer_name <> 'Someone Else'""", org_id)


class Chat:
    """A caller on the line: say() writes one line and returns the one reply to it."""

    def __init__(self, org_id, call_id=None, caller=CALLER):
        args = [os.path.join(BIN, "switchboard-chat"), "--org", org_id,
                "--now", str(int(NOW.timestamp()))]
        if caller:
            args += ["--caller", caller]
        if call_id:
            args += ["--call", call_id]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=dict(os.environ, DATABASE_URL=DSN_APP))
        self.greeting = self.reply()
        self.replies = []

    def reply(self):
        line = self.proc.stdout.readline().decode()
        assert line.startswith("receptionist: "), (line, self.stderr())
        text = line[len("receptionist: "):].rstrip("\n")
        assert text.strip(), "an empty reply"
        return text

    def say(self, text):
        data = text.encode() if isinstance(text, str) else text
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()
        r = self.reply()
        self.replies.append(r)
        return r

    def end(self):
        """Hang up (or see the receptionist hang up): the session state it printed last."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        out = self.proc.stdout.read()  # through the buffer readline() may have filled
        assert self.proc.wait(timeout=60) == 0, self.stderr()
        return json.loads(out.decode().strip().splitlines()[-1])

    def stderr(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def said(reply, *words):
    return all(w.lower() in reply.lower() for w in words)


def test_a_full_booking_ends_with_an_appointment_and_only_then_says_booked(org):
    call_id = new_call(org)
    c = Chat(org, call_id)
    assert "Brook Plumbing" in c.greeting
    assert said(c.say("Hi, my kitchen sink is clogged and I need someone to come out"),
                "drain cleaning", "name")
    assert said(c.say("this is John Smith"), "John", "555-010-1234", "best number")
    assert said(c.say("no, it's 555 222 3333"), "555-222-3333")
    c.say("tomorrow at 2 pm")
    r = c.say("12 Elm Street")
    assert said(r, "drain cleaning", "John Smith", "2 PM", "12 Elm Street")
    assert "booked" not in " ".join(c.replies).lower().replace("shall i book", "")
    assert appointments(org) == []
    r = c.say("yes please")
    assert said(r, "booked", "2 PM")
    rows = appointments(org)
    assert len(rows) == 1
    _, name, phone, address, starts, service = rows[0]
    assert (name, phone, address, service) == ("John Smith", "+15552223333", "12 Elm Street",
                                               "Drain cleaning")
    assert starts == TUESDAY_2PM
    assert said(c.say("no thanks, that's all"), "goodbye")
    state = c.end()
    assert state["appointment_id"] == rows[0][0]
    # Every utterance is in call_turns, in order, and the session is saved.
    turns = owner("SELECT seq, speaker, text FROM call_turns WHERE call_id = %s ORDER BY seq",
                  call_id)
    assert [t[0] for t in turns] == list(range(len(turns)))
    assert [t[1] for t in turns[:3]] == ["assistant", "caller", "assistant"]
    assert turns[3][2] == "this is John Smith"
    assert len(turns) == 1 + 2 * 7
    saved = owner("SELECT state FROM call_sessions WHERE call_id = %s", call_id)[0][0]
    assert saved["appointment_id"] == rows[0][0]


def test_a_time_taken_while_confirming_is_never_called_booked(org):
    c = Chat(org)
    c.say("I need a drain cleaning, my name is Ana Lopez")
    c.say("yes")
    c.say("tomorrow at 2 pm")
    assert said(c.say("40 Oak Avenue"), "shall i book")
    book_slot(org, TUESDAY_2PM)  # someone else takes it between read-back and yes
    r = c.say("yes")
    assert "booked" not in r.lower()
    assert said(r, "taken")
    assert appointments(org) == []
    assert said(c.say("the first one"), "it is")
    r = c.say("yes")
    assert said(r, "booked")
    assert len(appointments(org)) == 1
    c.end()


def test_price_and_hours_questions_mid_booking_keep_the_booking(org):
    c = Chat(org)
    c.say("I'd like to book a water heater repair")
    assert said(c.say("my name's Ana"), "best number")
    r = c.say("how much is a drain cleaning?")
    assert said(r, "$149", "best number")
    r = c.say("are you open Saturday?")
    assert said(r, "Saturday", "9 AM", "1 PM", "best number")
    assert said(c.say("are you open on Sunday?"), "closed")
    r = c.say("do you guarantee your work?")
    assert said(r, "guaranteed for one full year")
    c.say("yes")
    c.say("tomorrow at 2 pm")
    r = c.say("12 Elm Street")
    assert said(r, "water heater repair", "Ana")
    assert said(c.say("yes"), "booked")
    rows = appointments(org)
    assert [r[5] for r in rows] == ["Water heater repair"]
    c.end()


def test_an_emergency_offers_a_transfer_and_transfers_on_yes(org):
    c = Chat(org)
    r = c.say("Help, a pipe burst and my basement is flooding!")
    assert said(r, "urgent", "transfer")
    c.say("yes, please")
    state = c.end()
    assert state["transfer_to"] == TRANSFER
    assert state["urgent"] is True


def test_a_gas_smell_gets_safety_advice_and_declining_the_transfer_keeps_booking(org):
    c = Chat(org)
    r = c.say("I think there's a gas smell near my water heater")
    assert said(r, "leave the building", "transfer")
    r = c.say("no, just send someone")
    assert said(r, "name")
    state = c.end()
    assert state["urgent"] is True and "transfer_to" not in state


def test_a_taken_time_offers_three_alternatives(org):
    book_slot(org, TUESDAY_2PM)
    c = Chat(org)
    c.say("my drain is clogged, this is Bob Jones")
    c.say("yes")
    r = c.say("can you come tomorrow at 2 pm?")
    assert said(r, "taken")
    state = c.end()
    offered = state["alternatives"]
    assert len(offered) == 3
    assert int(TUESDAY_2PM.timestamp()) not in offered
    assert r.count(" PM") + r.count(" AM") >= 4  # the taken time and three others


def test_the_caller_picks_an_alternative_by_its_time(org):
    book_slot(org, TUESDAY_2PM)
    c = Chat(org)
    c.say("my drain is clogged, this is Bob Jones")
    c.say("yes")
    r = c.say("tomorrow at 2 pm")
    assert "3 PM" in r
    assert said(c.say("the 3 o'clock"), "3 PM it is")
    state = c.end()
    assert state["starts_at"] == int((TUESDAY_2PM + datetime.timedelta(hours=1)).timestamp())


def test_a_message_is_taken(org):
    c = Chat(org, caller=None)
    assert said(c.say("I just want to leave a message for the owner"), "message")
    r = c.say("please tell Dana the invoice for last week is wrong")
    assert said(r, "message", "who")
    assert said(c.say("Ana Lopez"), "number")
    assert said(c.say("555 222 3333"), "Ana", "555-222-3333")
    assert said(c.say("no, that's it"), "goodbye")
    state = c.end()
    assert state["message"] == "please tell Dana the invoice for last week is wrong"
    assert (state["name"], state["phone"]) == ("Ana Lopez", "+15552223333")
    assert appointments(org) == []


def test_a_need_no_service_names_offers_the_services(org):
    c = Chat(org)
    r = c.say("I need a plumber")
    assert said(r, "drain cleaning") and "catch that" not in r
    assert said(c.say("my sink is clogged"), "drain cleaning", "name")


def test_a_business_without_services_takes_the_need_as_a_message():
    org_id = owner("INSERT INTO organizations (name) VALUES ('No Services Yet') RETURNING id")[0][0]
    try:
        c = Chat(str(org_id))
        assert said(c.say("I need a plumber"), "message", "who")
        assert said(c.say("John Smith"), "John")
        assert c.end()["message"] == "I need a plumber"
    finally:
        owner("DELETE FROM organizations WHERE id = %s", org_id)


def test_two_silences_in_a_row_end_the_call(org):
    c = Chat(org)
    r = c.say("")
    assert said(r, "still there")
    r = c.say("")
    assert said(r, "goodbye")
    state = c.end()  # the receptionist hung up: no more lines are read
    assert state["silences"] == 2


def test_a_silence_then_speech_carries_on(org):
    c = Chat(org)
    c.say("")
    assert said(c.say("my sink is clogged"), "drain cleaning")
    assert said(c.say(""), "still there", "name")
    assert said(c.say("Ana"), "Ana")
    c.end()


def test_nonsense_and_hostile_input_get_a_sensible_reply(org):
    call_id = new_call(org)
    c = Chat(org, call_id)
    lines = [
        b"asdkjh qwe zzz",
        b"x" * 200000,
        b"'; DROP TABLE appointments; -- ",
        b"Robert'); DELETE FROM call_turns;--",
        b"\x01\x02\x1b[31m\x7f hello \x00 there",
        b"\xff\xfe\xc3(\xe2\x82 broken utf-8",
        "ñandú 😀 ☎ 東京".encode(),
        b"%s%s%n%x%d",
        b"? ? ? ?",
        b"tomorrow at 99:99 on the 45th of Smarch",
        b"my name is " + b"A" * 5000,
        b"0" * 500,
    ]
    for line in lines:
        r = c.say(line)
        assert len(r) < 2000
    assert said(c.say("my sink is clogged"), "drain cleaning")
    c.end()
    assert owner("SELECT count(*) FROM appointments WHERE org_id = %s", org)[0][0] == 0
    turns = owner("SELECT text FROM call_turns WHERE call_id = %s AND speaker = 'caller'",
                  call_id)
    assert len(turns) == len(lines) + 1
    assert all(len(t[0]) <= 1000 and "\x01" not in t[0] for t in turns)


def test_another_organizations_call_is_not_reachable(org):
    """The chat runs as the app role: a call id from elsewhere shows nothing of it."""
    other = str(uuid.uuid4())
    owner("INSERT INTO organizations (id, name, timezone) VALUES (%s, 'Other Co', %s)",
          other, TZ)
    try:
        call_id = new_call(other)
        owner("INSERT INTO call_sessions (org_id, call_id, state) VALUES (%s, %s, %s)",
              other, call_id, '{"name": "Secret Person"}')
        c = Chat(org, call_id)
        c.say("hello")
        state = c.end()
        assert "Secret Person" not in json.dumps(state)
    finally:
        owner("DELETE FROM organizations WHERE id = %s", other)


@pytest.fixture
def clinic():
    """A dental clinic: patients come in, so no address is asked; no on-call line."""
    org_id = str(uuid.uuid4())
    owner("""INSERT INTO organizations (id, name, timezone, business_hours, greeting, call_mode,
                                        business_kind)
             VALUES (%s, 'Bright Smile Dental', %s, %s, 'Thanks for calling Bright Smile.',
                     'stream', 'dental')""", org_id, TZ, HOURS)
    for name, cents, minutes, keywords in [
            ("Cleaning and checkup", 12000, 60, "{cleaning,checkup,exam}"),
            ("Teeth whitening", 35000, 90, "{whitening,whiten}"),
            ("Emergency dental visit", 15000, 30, "{toothache,pain,swollen,swelling}")]:
        owner("""INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords)
                 VALUES (%s, %s, %s, %s, %s)""", org_id, name, cents, minutes, keywords)
    yield org_id
    owner("DELETE FROM organizations WHERE id = %s", org_id)


def offered(reply):
    """The times offered in a reply, as the receptionist said them ("9 AM", "10:30 AM")."""
    import re
    return re.findall(r"at (\d{1,2}(?::\d\d)? [AP]M)", reply)


def test_a_patient_comes_in_and_the_first_one_is_the_first_offer_not_1_oclock(clinic):
    c = Chat(clinic, new_call(clinic))
    assert said(c.say("Hi, I need a cleaning"), "cleaning and checkup", "name")
    r = c.say("Ana Lopez")
    assert said(r, "555-010-1234")
    r = c.say("Yes that's right")
    assert said(r, "come in") and "come out" not in r and "address" not in r
    r = c.say("tomorrow morning")
    times = offered(r)
    assert len(times) >= 2, r
    r = c.say("the first one")
    assert said(r, f"{times[0]} it is", "Ana Lopez", "Shall I book") and "address" not in r
    r = c.say("yes")
    assert said(r, "booked", times[0])
    [(_, name, phone, address, starts, service)] = appointments(clinic)
    assert (name, phone, address, service) == ("Ana Lopez", CALLER, None, "Cleaning and checkup")
    assert starts.astimezone(zoneinfo.ZoneInfo(TZ)).strftime("%-I:%M %p").replace(":00", "") \
        == times[0]
    assert c.end()["name"] == "Ana Lopez"


def test_offers_are_kept_while_the_caller_gives_a_name_and_a_corrected_surname(clinic):
    c = Chat(clinic, new_call(clinic))
    r = c.say("Can I get a cleaning as soon as possible?")
    times = offered(r)
    assert times and said(r, "Which one")
    r = c.say("Sure, first let me give you my name, it's Ana Lopes")
    assert said(r, "Ana")
    r = c.say("yes")
    assert said(r, *times)
    r = c.say("the later one")
    assert said(r, f"{times[-1]} it is", "Ana Lopes")
    r = c.say("No, it's Lopez, L-O-P-E-Z")
    assert said(r, "Ana Lopez", times[-1], "Shall I book")
    c.say("yes")
    [(_, name, _, _, _, _)] = appointments(clinic)
    assert name == "Ana Lopez"


def test_a_toothache_with_a_swollen_face_gets_the_soonest_times(clinic):
    c = Chat(clinic, new_call(clinic))
    r = c.say("I have a terrible toothache and my face is swollen")
    assert said(r, "urgent", "emergency dental visit")
    c.say("Sam Ortiz")
    r = c.say("yes")
    assert said(r, "as soon as we can") and offered(r)
    assert c.end()["urgent"] is True


def test_a_caller_cancels_the_appointment_found_by_caller_id(clinic):
    (svc,), = owner("SELECT id FROM services WHERE org_id = %s AND name = 'Teeth whitening'",
                    clinic)
    starts = NOW + datetime.timedelta(days=2, hours=1)
    owner("""INSERT INTO appointments (org_id, service_id, customer_name, customer_phone,
                                       starts_at, ends_at)
             VALUES (%s, %s, 'Ana Lopez', %s, %s, %s)""",
          clinic, svc, CALLER, starts, starts + datetime.timedelta(minutes=90))
    c = Chat(clinic, new_call(clinic))
    r = c.say("Hi, I need to cancel my appointment")
    assert said(r, "teeth whitening", "10 AM", "cancel it?")
    r = c.say("yes please")
    assert said(r, "cancelled")
    assert owner("SELECT status FROM appointments WHERE org_id = %s", clinic) == [("cancelled",)]


def test_ok_book_that_after_a_price_books_that_service(clinic):
    c = Chat(clinic, new_call(clinic))
    assert said(c.say("How much is teeth whitening?"), "$350")
    assert said(c.say("OK, book that"), "teeth whitening", "name")
    assert said(c.say("It's Hope Price"), "Hope") and "$" not in c.replies[-1]
    c.say("yes")
    r = c.say("next week sometime")
    assert offered(r), r
