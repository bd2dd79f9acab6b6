"""test_brain_llm: the LLM engine answers with the business's tools and data, books through the
booking code, and whenever the model fails, is slow or talks nonsense the rules engine answers the
same turn (switchboard-chat against the chat-completions fake)."""
import datetime
import json
import os
import re
import subprocess
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from conftest import DSN_APP, sql  # noqa: E402

BIN = os.environ.get("SB_BIN", "")
CALLER = "+15555550123"
TZ = "America/New_York"
OPEN_EVERY_DAY = json.dumps({d: [["08:00", "18:00"]]
                             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
TOOLS = {"check_availability", "book_appointment", "lookup_service", "answer_from_knowledge",
         "transfer_to_human", "take_message", "end_call"}


@pytest.fixture
def shop(owner_db):
    """A business open every day 8 to 6 with three priced services; returns its id."""
    tag = uuid.uuid4().hex[:8]
    [(org_id,)] = sql(owner_db, """
        INSERT INTO organizations (name, timezone, business_hours, greeting, voice_personality,
                                   transfer_phone)
        VALUES (%s, %s, %s, 'Thanks for calling Brightwater Plumbing, how can I help?',
                'Warm and brief.', '+15555550199') RETURNING id""",
                      f"Brightwater Plumbing {tag}", TZ, OPEN_EVERY_DAY)
    for name, cents, minutes, keywords in (("Drain cleaning", 14900, 60, "{drain,clog,sink}"),
                                           ("Water heater repair", 28950, 90, "{heater,hot}"),
                                           ("Furnace tune-up", 12900, 60, "{furnace,heat}")):
        sql(owner_db, "INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords)"
                      " VALUES (%s, %s, %s, %s, %s)", org_id, name, cents, minutes, keywords)
    return str(org_id)


@pytest.fixture
def llm():
    fake = OpenAIFake().start()
    yield fake
    fake.stop()


def chat(org_id, fake, lines, budget_ms=1500):
    """Run switchboard-chat for one conversation; returns (replies, final state)."""
    env = dict(os.environ, DATABASE_URL=DSN_APP, LLM_BASE_URL=fake.url + "/v1",
               LLM_API_KEY="sk-test", LLM_MODEL="gpt-test", BRAIN_BUDGET_MS=str(budget_ms),
               LOG_LEVEL="warn")
    done = subprocess.run([os.path.join(BIN, "switchboard-chat"), "--org", org_id,
                           "--caller", CALLER], input="".join(l + "\n" for l in lines),
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    replies = [l[len("receptionist: "):] for l in out if l.startswith("receptionist: ")]
    assert len(replies) == len(lines) + 1, done.stdout + done.stderr  # the greeting first
    return replies[1:], json.loads(out[-1])


def two_days_at_two():
    day = datetime.datetime.now(ZoneInfo(TZ)) + datetime.timedelta(days=2)
    return day.replace(hour=14, minute=0, second=0, microsecond=0)


def tool_results(request):
    return [json.loads(m["content"]) for m in request["messages"] if m["role"] == "tool"]


def test_scripted_tool_calls_book_the_appointment(shop, llm, owner_db):
    start = two_days_at_two().isoformat()
    llm.script_tool_calls([("check_availability", {"start": start, "service": "Drain cleaning"})])
    llm.script_tool_calls([("book_appointment", {"service": "Drain cleaning", "start": start,
                                                 "customer_name": "Jane Doe",
                                                 "address": "12 Elm Street",
                                                 "notes": "kitchen sink clogged"})],
                          text="Let me book that.")
    llm.script_text("You're all set for drain cleaning. See you then!")
    replies, state = chat(shop, llm, ["My kitchen sink is clogged, can someone come in two days"
                                      " at 2? I'm Jane Doe at 12 Elm Street."])

    assert replies == ["Let me book that. You're all set for drain cleaning. See you then!"]
    [(name, phone, address, starts_at, service)] = sql(owner_db, """
        SELECT a.customer_name, a.customer_phone, a.address, a.starts_at, s.name
        FROM appointments a JOIN services s ON s.id = a.service_id WHERE a.org_id = %s""", shop)
    assert (name, phone, address, service) == ("Jane Doe", CALLER, "12 Elm Street",
                                               "Drain cleaning")
    assert starts_at == two_days_at_two()
    assert state["appointment_id"]

    first, second, third = llm.chat_requests()
    assert first["messages"][-1]["content"].startswith("My kitchen sink is clogged")
    [checked] = tool_results(second)
    assert checked["free"] is True
    [checked, booked] = tool_results(third)
    assert booked["booked"] is True and booked["time"]
    # What a tool answers may be read aloud: no appointment id, no uuid anywhere.
    assert "appointment_id" not in booked
    for request in (second, third):
        for m in request["messages"]:
            if m["role"] == "tool":
                assert not UUID_RE.search(m["content"]), m["content"]
    assert booked["say"].startswith("You're booked for Drain cleaning on ")
    assert booked["price"] == "$149"
    # The greeting, the caller, then each tool round as the protocol repeats it.
    assert [m["role"] for m in third["messages"]] == ["system", "assistant", "user", "assistant",
                                                      "tool", "assistant", "tool"]


@pytest.mark.parametrize("shape,usage", [("no_index", "no_choices"), ("repeated", "none"),
                                         ("openai", "no_choices")])
def test_tool_calls_in_every_streamed_shape_are_run_once_each(shape, usage, shop, llm):
    """Servers that leave out index, repeat id and name on every fragment, or send the usage
    chunk with no choices key: each call is run once, under its own id and name."""
    start = two_days_at_two().isoformat()
    llm.script_tool_calls([("check_availability", {"start": start, "service": "Drain cleaning"}),
                           ("lookup_service", {"query": "drain"})], shape=shape, usage=usage)
    llm.script_text("Two days at 2 is free; drain cleaning is $149.", usage=usage)
    replies, _ = chat(shop, llm, ["Is two days at 2 free for a drain cleaning, and how much?"])

    assert replies == ["Two days at 2 is free; drain cleaning is $149."]
    first, second = llm.chat_requests()
    [asked] = [m for m in second["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
    assert [c["function"]["name"] for c in asked["tool_calls"]] == ["check_availability",
                                                                    "lookup_service"]
    assert len({c["id"] for c in asked["tool_calls"]}) == 2
    assert json.loads(asked["tool_calls"][0]["function"]["arguments"])["start"] == start
    answered = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in answered] == [c["id"] for c in asked["tool_calls"]]
    checked, found = tool_results(second)
    assert checked["free"] is True
    assert "error" not in found


def test_a_taken_time_is_not_booked_and_alternatives_are_offered(shop, llm, owner_db):
    start = two_days_at_two()
    sql(owner_db, """INSERT INTO appointments (org_id, customer_name, starts_at, ends_at)
                     VALUES (%s, 'Someone Else', %s, %s)""",
        shop, start, start + datetime.timedelta(hours=1))
    llm.script_tool_calls([("book_appointment", {"service": "Drain cleaning",
                                                 "start": start.isoformat(),
                                                 "customer_name": "Jane Doe"})])
    llm.script_text("That time is taken. I have 3 PM instead. Would that work?")
    replies, state = chat(shop, llm, ["Book a drain cleaning in two days at 2, I'm Jane Doe"])

    assert replies == ["That time is taken. I have 3 PM instead. Would that work?"]
    assert "appointment_id" not in state
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s", shop) == [(1,)]
    [result] = tool_results(llm.chat_requests()[1])
    assert result["booked"] is False and result["free_starts"]


def test_prompt_and_tools_carry_the_business(shop, llm):
    llm.script_text("Drain cleaning is $149.")
    replies, _ = chat(shop, llm, ["How much is a drain cleaning?"])

    assert replies == ["Drain cleaning is $149."]
    [request] = llm.chat_requests()
    assert request["model"] == "gpt-test" and request["stream"] is True
    system = request["messages"][0]
    assert system["role"] == "system"
    for fact in ("Brightwater Plumbing", "Drain cleaning: $149", "Water heater repair: $289.50",
                 "Furnace tune-up: $129", CALLER, "Warm and brief.", "how can I help?"):
        assert fact in system["content"], fact
    assert {t["function"]["name"] for t in request["tools"]} == TOOLS
    book = next(t["function"] for t in request["tools"]
                if t["function"]["name"] == "book_appointment")
    assert set(book["parameters"]["properties"]["service"]["enum"]) == {
        "Drain cleaning", "Water heater repair", "Furnace tune-up"}
    assert request["messages"][-1] == {"role": "user", "content": "How much is a drain cleaning?"}


def test_conversation_history_is_sent_on_the_next_turn(shop, llm):
    llm.script_text("Sure, what is the problem?")
    llm.script_text("Our drain cleaning is $149.")
    replies, _ = chat(shop, llm, ["Hi, I need a plumber", "My sink is clogged"])

    assert replies == ["Sure, what is the problem?", "Our drain cleaning is $149."]
    second = llm.chat_requests()[1]["messages"]
    assert [(m["role"], m["content"]) for m in second[1:]] == [
        ("assistant", "Thanks for calling Brightwater Plumbing, how can I help?"),
        ("user", "Hi, I need a plumber"), ("assistant", "Sure, what is the problem?"),
        ("user", "My sink is clogged")]


def test_a_transfer_hands_the_call_over(shop, llm):
    llm.script_tool_calls([("transfer_to_human", {"reason": "asked for a person"})],
                          text="Connecting you now.")
    replies, state = chat(shop, llm, ["Can I talk to a person?"])

    assert replies == ["Connecting you now."]
    assert state["transfer_to"] == "+15555550199"
    assert len(llm.chat_requests()) == 1


def test_end_call_then_the_goodbye(shop, llm):
    llm.script_tool_calls([("end_call", {})])
    llm.script_text("Thanks for calling Brightwater. Goodbye!")
    replies, _ = chat(shop, llm, ["That's all, thanks"])

    assert replies == ["Thanks for calling Brightwater. Goodbye!"]
    [result] = tool_results(llm.chat_requests()[1])
    assert result == {"ok": True}


FAILURES = {
    "server error": lambda f: f.behave("fail", fail_status=500),
    "rate limited": lambda f: f.behave("fail", fail_status=429),
    "slower than the budget": lambda f: f.behave("slow", delay_ms=4000),
    "stalls mid-stream": lambda f: f.script_text("Drain cleaning is. " * 3, first_token_ms=0,
                                                 token_ms=1500),
    "garbage stream": lambda f: f.behave("garbage"),
    "truncated stream": lambda f: f.script_text("Drain cleaning costs about", truncate_after=4),
    "error event": lambda f: f.script_text("Drain", error_event=True),
    "garbled tool arguments": lambda f: f.script_tool_calls([("lookup_service",
                                                              '{"query": "drain')]),
    "unknown tool": lambda f: f.script_tool_calls([("delete_everything", {})]),
    "empty answer": lambda f: f.script_text(""),
    "tools forever": lambda f: [f.script_tool_calls([("lookup_service", {"query": "drain"})])
                                for _ in range(3)],
}


@pytest.mark.parametrize("failure", FAILURES)
def test_rules_engine_answers_when_the_llm_fails(shop, llm, owner_db, failure):
    FAILURES[failure](llm)
    replies, state = chat(shop, llm, ["How much is a drain cleaning?"], budget_ms=1000)

    assert llm.chat_requests(), "the LLM was asked first"
    [reply] = replies
    assert "$149" in reply and "Drain cleaning is." not in reply
    assert "appointment_id" not in state
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s", shop) == [(0,)]


def test_the_prompt_speaks_the_kind_of_business(shop, llm, owner_db):
    sql(owner_db, "UPDATE organizations SET business_kind = 'plumber' WHERE id = %s", shop)
    llm.script_text("Sorry to hear that.")
    chat(shop, llm, ["Hello?"])
    system = llm.chat_requests()[0]["messages"][0]["content"]
    assert "trade: Plumbing" in system and "the address where the work is" in system
    assert '"burst pipe"' in system and "as soon as possible" in system

    sql(owner_db, "UPDATE organizations SET business_kind = 'dental' WHERE id = %s", shop)
    llm.script_text("Sorry to hear that.")
    chat(shop, llm, ["Hello?"])
    system = llm.chat_requests()[-1]["messages"][0]["content"]
    assert "trade: Dental clinic" in system and "never ask for their address" in system
    assert "the address where the work is" not in system
    assert '"knocked out"' in system and '"burst pipe"' not in system


def test_as_soon_as_possible_looks_from_now(shop, llm, owner_db):
    """The soonest free starts come first, not those around the middle of two weeks."""
    llm.script_tool_calls([("check_availability", {"start": "as soon as possible",
                                                   "service": "Drain cleaning"})])
    llm.script_text("The soonest I have is tomorrow.")
    chat(shop, llm, ["I need someone as soon as possible"])
    [checked] = tool_results(llm.chat_requests()[1])
    starts = [datetime.datetime.fromisoformat(s["start"]) for s in checked["free_starts"]]
    assert starts, checked
    now = datetime.datetime.now(ZoneInfo(TZ))
    # Open 8 to 6 every day: the soonest free start is within a day.
    assert min(starts) - now < datetime.timedelta(days=1), checked
    assert starts == sorted(starts) or min(starts) == starts[0]
