"""test_hook_vapi: Vapi's server URL (/hooks/vapi) driven by the Vapi fake's driver through nginx:
the transient assistant, tool calls in every argument shape answered from the booking code, the
call kept current while it goes, the end-of-call report in both shapes filed as a lead by the
same post-call pipeline, every authentication method, and every refusal."""
import base64
import datetime
import json
import os
import random
import re
import sys
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
import requests

from conftest import BASE_URL, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.vapi_fake import (VapiAuth, VapiCall, VapiDriver, VapiResponse,  # noqa: E402
                                   validate_assistant)

HOOK = BASE_URL + "/hooks/vapi"
SECRET = "vapi-server-secret-" + uuid.uuid4().hex[:8]
TZ = "America/New_York"
OPEN_EVERY_DAY = json.dumps({d: [["08:00", "18:00"]]
                             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
TOOLS = {"check_availability", "book_appointment", "lookup_service", "answer_from_knowledge",
         "transfer_to_human", "take_message"}
GREETING = "Thanks for calling Bluepipe Plumbing, how can I help?"
NOT_IN_SERVICE = {"error": "Sorry, this number is not in service."}


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


@pytest.fixture
def shop(business, owner_db):
    """A business in Vapi mode with a number, hours every day, priced services, one knowledge
    entry, a transfer phone and its Vapi server secret stored through the settings page."""
    org = business.org_id
    business.number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", org, business.number)
    sql(owner_db, """UPDATE organizations SET call_mode = 'vapi', timezone = %s,
                     business_hours = %s, greeting = %s, voice_personality = 'Warm and brief.',
                     transfer_phone = '+15555550199' WHERE id = %s""",
        TZ, OPEN_EVERY_DAY, GREETING, org)
    for name, cents, minutes, words in (("Drain cleaning", 14900, 60, ["drain", "clog"]),
                                        ("Water heater repair", 28950, 90, ["heater", "hot"])):
        sql(owner_db, "INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords)"
                      " VALUES (%s, %s, %s, %s, %s)", org, name, cents, minutes, words)
    sql(owner_db, "INSERT INTO knowledge_entries (org_id, question, answer) VALUES (%s, %s, %s)",
        org, "Do you serve Springfield?", "Yes, we serve Springfield and every town within 20 miles.")
    r = business.post_form("/settings/credentials", {"vapi_server_secret": SECRET})
    assert r.status_code == 303, r.text[:300]
    return business


def settings(db, org, **columns):
    """The organization's vapi_settings row with these columns."""
    names = ", ".join(columns)
    marks = ", ".join(["%s"] * len(columns))
    sql(db, f"INSERT INTO vapi_settings (org_id, {names}) VALUES (%s, {marks})",
        org, *columns.values())


def driver(auth=None, credentials=None):
    return VapiDriver(HOOK, auth or VapiAuth("secret", SECRET), credentials=credentials)


def new_call(shop, **kw):
    return VapiCall(shop.number, kw.pop("customer", None) or phone(), **kw)


def call_row(db, vapi_id):
    rows = sql(db, """SELECT id, org_id, provider, direction, from_number, to_number, status,
                             ended_reason, summary, cost_cents, recording_url, recording_status,
                             transfer_to, duration_seconds, answered_at, ended_at
                      FROM calls WHERE provider = 'vapi' AND provider_call_id = %s""", vapi_id)
    assert len(rows) <= 1
    if not rows:
        return None
    keys = ("id", "org_id", "provider", "direction", "from", "to", "status", "ended_reason",
            "summary", "cost_cents", "recording_url", "recording_status", "transfer_to",
            "duration", "answered_at", "ended_at")
    return dict(zip(keys, rows[0]))


def turns(db, call_id):
    return sql(db, "SELECT speaker, text FROM call_turns WHERE call_id = %s ORDER BY seq", call_id)


def events(db, vapi_id):
    return sql(db, "SELECT event_key FROM webhook_events WHERE provider = 'vapi' "
                   "AND event_key LIKE %s", vapi_id + ":%")


def state(db, call_id):
    rows = sql(db, "SELECT state FROM call_sessions WHERE call_id = %s", call_id)
    return rows[0][0] if rows else {}


def in_two_days(hour):
    day = datetime.datetime.now(ZoneInfo(TZ)) + datetime.timedelta(days=2)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def results_of(resp, ids):
    """The tool results of a tool-calls answer, checked to be Vapi's shape: {id: (key, line)}."""
    assert resp.status == 200, resp
    assert set(resp.json) == {"results"}
    out = {}
    for item in resp.json["results"]:
        assert isinstance(item["name"], str)  # Vapi's ToolCallResult requires it
        key = "result" if "result" in item else "error"
        assert isinstance(item[key], str) and "\n" not in item[key] and "\r" not in item[key]
        out[item["toolCallId"]] = (key, item[key])
    assert set(out) == set(ids)
    return out


def wait_job(db, org, kind, key):
    status = error = None
    for _ in range(100):
        rows = sql(db, "SELECT status, last_error FROM jobs WHERE org_id = %s AND kind = %s "
                       "AND dedupe_key = %s", org, kind, key)
        if rows:
            status, error = rows[0]
            if status in ("done", "failed", "dead"):
                break
        time.sleep(0.1)
    assert status == "done", (status, error)


# ---------- assistant-request ----------

def test_assistant_request_hands_vapi_the_business_receptionist(shop, owner_db):
    call = new_call(shop)
    r = driver().send(call.assistant_request())

    assert r.status == 200 and r.headers["Content-Type"].startswith("application/json")
    a = r.json["assistant"]
    assert a["firstMessage"] == GREETING
    assert a["name"] and len(a["name"]) <= 40  # Vapi's limit
    assert a["model"]["provider"] == "openai" and a["model"]["model"] == "gpt-4o-mini"
    assert validate_assistant(a, set()) == []
    # Without a Vapi credential named, no server is named either: Vapi uses the phone
    # number's, whose credential already authenticated this request.
    assert "server" not in a
    [system] = a["model"]["messages"]
    prompt = system["content"]
    assert system["role"] == "system"
    for words in ("Drain cleaning: $149, 60 minutes", "Water heater repair: $289.50, 90 minutes",
                  "Warm and brief.", "Do you serve Springfield?", "Yes, we serve Springfield",
                  call.customer_number):
        assert words in prompt, words
    assert "open" in prompt.lower()  # the hours sentence
    tools = {t["function"]["name"]: t for t in a["model"]["tools"] if t["type"] == "function"}
    assert set(tools) == TOOLS - {"transfer_to_human"}
    # The business takes transfers: only Vapi can move the caller, so that tool is Vapi's own,
    # in today's schema (destinations, no function), and the prompt names it.
    [transfer] = [t for t in a["model"]["tools"] if t["type"] == "transferCall"]
    assert "function" not in transfer
    [dest] = transfer["destinations"]
    assert dest["type"] == "number" and dest["number"] == "+15555550199" and dest["message"]
    assert dest["description"] and dest["transferPlan"] == {"mode": "blind-transfer"}
    assert "call transferCall" in prompt
    for t in tools.values():
        # A tool's own server without the credential would be called unauthenticated.
        assert t["type"] == "function" and "server" not in t
        assert t["function"]["parameters"]["type"] == "object"
    assert set(tools["book_appointment"]["function"]["parameters"]["properties"]["service"]
               ["enum"]) == {"Drain cleaning", "Water heater repair"}
    assert a["voice"] == {"provider": "11labs", "voiceId": "burt"}
    assert {"tool-calls", "end-of-call-report", "status-update", "conversation-update",
            "hang", "speech-update"} <= set(a["serverMessages"])
    assert any(t.startswith("transcript") for t in a["serverMessages"])
    assert a["artifactPlan"] == {"recordingEnabled": True}

    row = call_row(owner_db, call.id)
    assert (row["provider"], row["direction"], row["from"], row["to"], row["status"]) == \
        ("vapi", "inbound", call.customer_number, shop.number, "ringing")
    assert str(row["org_id"]) == shop.org_id


def test_the_voice_comes_from_the_vapi_settings(shop, owner_db):
    settings(owner_db, shop.org_id, voice_provider="openai", voice_id="alloy")
    r = driver().send(new_call(shop).assistant_request())
    assert r.json["assistant"]["voice"] == {"provider": "openai", "voiceId": "alloy"}


def test_an_unknown_number_gets_the_error_form_and_nothing_is_stored(owner_db):
    call = VapiCall(phone(), phone())
    r = driver().send(call.assistant_request())
    assert r.status == 200
    assert r.json == NOT_IN_SERVICE
    assert call_row(owner_db, call.id) is None and events(owner_db, call.id) == []


def test_an_unverified_number_is_an_unknown_number(shop, owner_db):
    """Typed in by hand, even by a business set up for Vapi: it routes nothing."""
    typed = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)", shop.org_id, typed)
    call = VapiCall(typed, phone())
    r = driver().send(call.assistant_request())
    assert r.status == 200
    assert r.json == {"error": "Sorry, this number is not in service."}
    assert call_row(owner_db, call.id) is None and events(owner_db, call.id) == []


def test_a_retried_assistant_request_gets_the_same_answer_and_one_call(shop, owner_db):
    d, call = driver(), new_call(shop)
    msg = call.assistant_request()
    first, again = d.send(msg), d.send(msg)
    assert first.status == again.status == 200 and first.text == again.text
    assert len(events(owner_db, call.id)) == 1
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE provider_call_id = %s",
               call.id) == [(1,)]


# ---------- a whole call ----------

@pytest.mark.parametrize("shape", ["openapi", "string", "flat", "parameters"])
def test_a_vapi_call_that_books_becomes_a_booked_lead(shape, shop, owner_db):
    start = in_two_days(14)
    customer = phone()
    call = new_call(shop, customer=customer, customer_name="Jane Doe")
    script = [
        ("assistant", GREETING),
        ("user", "My kitchen sink is clogged, can someone come in two days at 2?"),
        ("tool", "check_availability", {"start": start.isoformat(), "service": "Drain cleaning"},
         shape),
        ("assistant", "That time is free. May I have your name?"),
        ("user", "Jane Doe, 12 Elm Street."),
        ("tool", "book_appointment", {"service": "Drain cleaning", "start": start.isoformat(),
                                      "customer_name": "Jane Doe", "address": "12 Elm Street",
                                      "notes": "kitchen sink clogged"}, shape),
        ("assistant", "You're booked for drain cleaning. Thanks for calling!"),
        ("user", "Thanks, bye."),
    ]
    out = driver().play_inbound_call(call, script, recording_url="http://127.0.0.1:9/recordings/r.wav")
    assert all(resp.status == 200 for resp in out), [r for r in out if r.status != 200]

    tool_answers = [resp for resp in out if resp.message_type == "tool-calls"]
    checked, booked = [next(iter(resp.json["results"])) for resp in tool_answers]
    assert "is free" in checked["result"] and "\n" not in checked["result"]
    assert booked["result"].startswith("Booked: Drain cleaning on ")
    [(name, cust_phone, address, starts_at, service, appt_call)] = sql(owner_db, """
        SELECT a.customer_name, a.customer_phone, a.address, a.starts_at, s.name, a.call_id
        FROM appointments a JOIN services s ON s.id = a.service_id WHERE a.org_id = %s""",
        shop.org_id)
    assert (name, cust_phone, address, service) == ("Jane Doe", customer, "12 Elm Street",
                                                    "Drain cleaning")
    assert starts_at == start

    row = call_row(owner_db, call.id)
    assert appt_call == row["id"]
    assert row["status"] == "completed" and row["ended_reason"] == "customer-ended-call"
    assert row["cost_cents"] == 12 and row["duration"] is not None
    assert row["answered_at"] is not None and row["ended_at"] is not None
    assert (row["recording_url"], row["recording_status"]) == ("http://127.0.0.1:9/recordings/r.wav",
                                                               "processing")
    said = [(s, t) for s, t in turns(owner_db, row["id"])]
    assert said == [("assistant", GREETING),
                    ("caller", "My kitchen sink is clogged, can someone come in two days at 2?"),
                    ("assistant", "That time is free. May I have your name?"),
                    ("caller", "Jane Doe, 12 Elm Street."),
                    ("assistant", "You're booked for drain cleaning. Thanks for calling!"),
                    ("caller", "Thanks, bye.")]
    kept = state(owner_db, row["id"])
    assert kept["appointment_id"] and kept["name"] == "Jane Doe" and kept["phone"] == customer
    assert sql(owner_db, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'recording.check'"
                         " AND dedupe_key = %s", shop.org_id, f"recording:{row['id']}") == [(1,)]

    # The same post-call pipeline as a Twilio call: our analysis files the booked lead.
    wait_job(owner_db, shop.org_id, "call.analyze", f"analyze:{row['id']}")
    [(lead_status, lead_name, last_call)] = sql(owner_db, """
        SELECT status, name, last_call_id FROM leads WHERE org_id = %s AND phone = %s""",
        shop.org_id, customer)
    assert (lead_status, lead_name, last_call) == ("booked", "Jane Doe", row["id"])
    assert sql(owner_db, "SELECT booked FROM calls WHERE id = %s", row["id"]) == [(True,)]
    page = shop.get("/leads").text
    assert "Jane Doe" in page


def test_turns_are_current_while_the_call_goes(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    d.send(call.status_update("in-progress"))
    assert call_row(owner_db, call.id)["status"] == "in-progress"
    d.send(call.transcript("user", "Hello th", final=False))
    row = call_row(owner_db, call.id)
    assert turns(owner_db, row["id"]) == []
    d.send(call.transcript("user", "Hello there, my heater broke."))
    d.send(call.transcript("assistant", "Sorry to hear that.", literal_type=True))
    assert turns(owner_db, row["id"]) == [("caller", "Hello there, my heater broke."),
                                          ("assistant", "Sorry to hear that.")]
    # The conversation, sent again and again, adds each turn once.
    d.send(call.conversation_update())
    d.send(call.transcript("user", "Can you come today?"))
    d.send(call.conversation_update())
    d.send(call.conversation_update())
    assert turns(owner_db, row["id"]) == [("caller", "Hello there, my heater broke."),
                                          ("assistant", "Sorry to hear that."),
                                          ("caller", "Can you come today?")]
    assert d.send(call.speech_update("started", "assistant", 3)).status == 200
    assert d.send(call.hang()).status == 200
    assert turns(owner_db, row["id"])[-1][0] == "system"


def test_an_outbound_call_updates_its_row_and_its_status_only_moves_forward(shop, owner_db):
    vapi_id, customer = str(uuid.uuid4()), phone()
    settings(owner_db, shop.org_id, phone_number_id="pn-" + uuid.uuid4().hex)
    [(pn,)] = sql(owner_db, "SELECT phone_number_id FROM vapi_settings WHERE org_id = %s",
                  shop.org_id)
    [(row_id,)] = sql(owner_db, """INSERT INTO calls (org_id, provider, provider_call_id, direction,
                                       from_number, to_number, status)
                                   VALUES (%s, 'vapi', %s, 'outbound', %s, %s, 'initiated')
                                   RETURNING id""", shop.org_id, vapi_id, shop.number, customer)
    call = VapiCall(None, customer, call_id=vapi_id, direction="outbound", phone_number_id=pn)
    d = driver()
    seen = []
    for status in ("queued", "ringing", "in-progress"):
        assert d.send(call.status_update(status)).status == 200
        seen.append(call_row(owner_db, vapi_id)["status"])
    assert seen == ["queued", "ringing", "in-progress"]
    d.send(call.status_update("ended", "customer-ended-call"))
    d.send(call.status_update("ringing"))  # late and out of order
    row = call_row(owner_db, vapi_id)
    assert (row["id"], row["status"], row["direction"]) == (row_id, "completed", "outbound")
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE provider_call_id = %s",
               vapi_id) == [(1,)]


@pytest.mark.parametrize("reason,status", [
    ("customer-did-not-answer", "missed"), ("customer-busy", "missed"),
    ("pipeline-error-openai-llm-failed", "failed"), ("assistant-request-failed", "failed"),
    ("assistant-forwarded-call", "transferred"), ("assistant-said-end-call-phrase", "completed"),
    ("silence-timed-out", "completed")])
def test_the_ended_reason_maps_to_our_status(reason, status, shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    assert d.send(call.end_of_call_report(ended_reason=reason)).status == 200
    row = call_row(owner_db, call.id)
    assert (row["status"], row["ended_reason"]) == (status, reason)
    # However it ended, the call goes through the post-call pipeline: a missed caller is a lead.
    wait_job(owner_db, shop.org_id, "call.analyze", f"analyze:{row['id']}")
    assert sql(owner_db, "SELECT 1 FROM leads WHERE org_id = %s AND phone = %s", shop.org_id,
               call.customer_number)


# ---------- tool calls ----------

def test_a_taken_time_answers_with_the_three_nearest_free_slots(shop, owner_db):
    start = in_two_days(14)
    sql(owner_db, "INSERT INTO appointments (org_id, customer_name, starts_at, ends_at) "
                  "VALUES (%s, 'Someone Else', %s, %s)",
        shop.org_id, start, start + datetime.timedelta(hours=1))
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    msg, ids = call.tool_calls([("book_appointment", {"service": "Drain cleaning",
                                                      "start": start.isoformat(),
                                                      "customer_name": "Jane Doe"})])
    [(key, line)] = results_of(d.send(msg), ids).values()
    assert key == "result"
    assert line.startswith("That time is taken")
    assert "The nearest free times are " in line
    # Three spoken times, then their start values to book one of them.
    spoken, starts = line.split("The nearest free times are ")[1].split(". To book one")
    assert " and " in spoken and spoken.count(" at ") == 3
    assert len(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", starts)) == 3
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s",
               shop.org_id) == [(1,)]


def test_several_tool_calls_are_each_answered_under_their_own_id(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    msg, ids = call.tool_calls([("lookup_service", {"query": "my drain is clogged"}),
                                ("answer_from_knowledge", {"question": "Do you serve Springfield?"}),
                                ("take_message", {"message": "Call me back\nabout the heater",
                                                  "name": "Bob"}),
                                ("no_such_tool", {}),
                                # "whenever" now reads as the soonest free time.
                                ("check_availability", {"start": 5})])
    got = results_of(d.send(msg), ids)
    service, knowledge, message, unknown, unreadable = (got[i] for i in ids)
    assert service[0] == "result" and json.loads(service[1])["name"] == "Drain cleaning"
    assert knowledge[0] == "result" and "Springfield" in knowledge[1]
    assert message[0] == "result"
    assert unknown == ("error", "there is no such tool")
    assert unreadable[0] == "error", unreadable
    kept = state(owner_db, call_row(owner_db, call.id)["id"])
    assert kept["message"] == "Call me back\nabout the heater" and kept["name"] == "Bob"


def test_a_transfer_is_kept_on_the_call(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    d.send(call.status_update("in-progress"))
    msg, ids = call.tool_calls([("transfer_to_human", {"reason": "wants a person"})])
    [(key, line)] = results_of(d.send(msg), ids).values()
    assert key == "result" and json.loads(line)["transferring"] is True
    assert call_row(owner_db, call.id)["transfer_to"] == "+15555550199"
    d.send(call.status_update("forwarding"))
    assert call_row(owner_db, call.id)["status"] == "transferred"
    d.send(call.end_of_call_report(ended_reason="customer-ended-call"))
    assert call_row(owner_db, call.id)["status"] == "transferred"


def test_without_a_transfer_phone_the_transfer_tool_says_nobody_can_take_it(shop, owner_db):
    sql(owner_db, "UPDATE organizations SET transfer_phone = NULL WHERE id = %s", shop.org_id)
    d, call = driver(), new_call(shop)
    a = d.send(call.assistant_request()).json["assistant"]
    tools = {t["function"]["name"]: t for t in a["model"]["tools"]}
    assert tools["transfer_to_human"]["type"] == "function"
    assert "call transfer_to_human" in a["model"]["messages"][0]["content"]
    msg, ids = call.tool_calls([("transfer_to_human", {})])
    [(key, line)] = results_of(d.send(msg), ids).values()
    assert key == "result" and json.loads(line)["transferring"] is False
    r = d.send(call.message("transfer-destination-request"))
    assert r.status == 200 and r.json["error"] and "destination" not in r.json
    assert call_row(owner_db, call.id)["transfer_to"] is None


def test_vapi_asks_where_to_transfer_and_the_forwarded_call_says_where_it_went(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    d.send(call.status_update("in-progress"))
    r = d.send(call.message("transfer-destination-request"))
    assert r.status == 200
    assert r.json["destination"]["type"] == "number"
    assert r.json["destination"]["number"] == "+15555550199"
    assert r.json["message"]["type"] == "request-start" and r.json["message"]["message"]
    assert call_row(owner_db, call.id)["transfer_to"] == "+15555550199"
    forwarded = call.status_update("forwarding")
    forwarded["destination"] = {"type": "number", "number": "+15555550123"}
    d.send(forwarded)
    row = call_row(owner_db, call.id)
    assert row["status"] == "transferred" and row["transfer_to"] == "+15555550123"


def test_argument_shapes_that_are_not_objects_get_an_error_and_still_200(shop):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    msg, ids = call.tool_calls([("lookup_service", {"query": "drain"})], shape="string")
    msg["toolCallList"][0]["function"]["arguments"] = "{not json"
    [(key, line)] = results_of(d.send(msg), ids).values()
    assert key == "error" and "JSON" in line
    msg, ids = call.tool_calls([("lookup_service", {"query": "drain"})], shape="flat")
    msg["toolCallList"][0]["arguments"] = [1, 2]
    assert results_of(d.send(msg), ids)[ids[0]][0] == "error"
    # The tool config's toolCall when there is no toolCallList.
    msg, ids = call.tool_calls([("lookup_service", {"query": "drain"})])
    del msg["toolCallList"]
    assert results_of(d.send(msg), ids)[ids[0]][0] == "result"


def test_the_legacy_function_call_gets_a_result(shop):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    for as_string in (False, True):
        r = d.send(call.function_call("lookup_service", {"query": "water heater"}, as_string))
        assert r.status == 200 and set(r.json) == {"result"}
        assert json.loads(r.json["result"])["name"] == "Water heater repair"


def test_a_retried_tool_call_replays_and_books_once(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    start = in_two_days(10).isoformat()
    msg, ids = call.tool_calls([("book_appointment", {"service": "Drain cleaning", "start": start,
                                                      "customer_name": "Ann Lee"})])
    first, again = d.send(msg), d.send(msg)
    assert first.text == again.text and "Booked" in first.text
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s",
               shop.org_id) == [(1,)]


# ---------- end-of-call reports ----------

def test_a_duplicate_end_of_call_report_changes_nothing(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.play_inbound_call(call, [("user", "My drain is slow."), ("assistant", "We can help.")])
    row = call_row(owner_db, call.id)
    report = call.end_of_call_report(summary="A new summary", cost=9.99)
    before = (call_row(owner_db, call.id), turns(owner_db, row["id"]), None,
              events(owner_db, call.id))
    first = d.send(report)
    after_first = (call_row(owner_db, call.id), turns(owner_db, row["id"]))
    again = d.send(report)
    assert first.status == again.status == 200 and first.text == again.text
    assert (call_row(owner_db, call.id), turns(owner_db, row["id"])) == after_first
    assert after_first[1] == before[1]  # the turns were all stored already
    assert after_first[0]["cost_cents"] == 999
    assert len(events(owner_db, call.id)) == len(before[3]) + 1


def test_a_legacy_report_is_read_from_the_top_level_fields(shop, owner_db):
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    call.transcript("assistant", GREETING)
    call.transcript("user", "Is it $149?")
    r = d.send(call.end_of_call_report(shape="legacy", summary="Asked about the price.",
                                       recording_url="http://127.0.0.1:9/recordings/legacy.wav"))
    assert r.status == 200
    row = call_row(owner_db, call.id)
    assert row["summary"] == "Asked about the price."
    assert (row["recording_url"], row["recording_status"]) == \
        ("http://127.0.0.1:9/recordings/legacy.wav", "processing")
    assert turns(owner_db, row["id"]) == [("assistant", GREETING), ("caller", "Is it $149?")]


def test_a_report_for_a_call_never_seen_creates_it(shop, owner_db):
    call = new_call(shop)
    call.transcript("user", "I need a plumber tomorrow.")
    call.transcript("assistant", "Sure, what time?")
    r = driver().send(call.end_of_call_report(summary="Wants a plumber tomorrow."))
    assert r.status == 200
    row = call_row(owner_db, call.id)
    assert (row["status"], row["from"], row["to"], row["summary"]) == \
        ("completed", call.customer_number, shop.number, "Wants a plumber tomorrow.")
    assert turns(owner_db, row["id"]) == [("caller", "I need a plumber tomorrow."),
                                          ("assistant", "Sure, what time?")]
    wait_job(owner_db, shop.org_id, "call.analyze", f"analyze:{row['id']}")
    assert sql(owner_db, "SELECT count(*) FROM leads WHERE org_id = %s AND phone = %s",
               shop.org_id, call.customer_number) == [(1,)]


def test_a_report_with_missing_or_odd_fields_is_stored_as_far_as_it_goes(shop, owner_db):
    d, call = driver(), new_call(shop)
    call.transcript("user", "Hello?")
    msg = call.end_of_call_report(recording_url="javascript:alert(1)", cost=0.5)
    msg.update(cost="a lot", startedAt="yesterday", endedAt="2020-13-45T99:00:00Z",
               durationSeconds=-5, endedReason=12345)
    msg["analysis"] = "not an object"
    msg["artifact"]["messages"] = [None, 7, "text", {"role": "user"},
                                   {"role": "user", "message": 42},
                                   {"role": "user", "message": "Hello?", "time": "noon"}]
    r = d.send(msg)
    assert r.status == 200, r
    row = call_row(owner_db, call.id)
    # A reason that is not text gives way to the one the Call object carries.
    assert (row["status"], row["ended_reason"]) == ("completed", "customer-ended-call")
    assert row["cost_cents"] is None and row["recording_url"] is None
    assert row["recording_status"] == "none" and row["duration"] is None
    assert turns(owner_db, row["id"]) == [("caller", "Hello?")]

    # A report with nothing but its type and the call.
    bare = new_call(shop)
    r = d.send({"type": "end-of-call-report", "call": {"id": bare.id},
                "phoneNumber": {"number": shop.number}})
    assert r.status == 200
    assert call_row(owner_db, bare.id)["status"] == "completed"

    # Times the wrong way round are kept as far as the table allows.
    odd = new_call(shop)
    msg = odd.end_of_call_report(started_at="2030-01-01T10:00:00Z",
                                 ended_at="2030-01-01T09:00:00.5+00:00")
    assert d.send(msg).status == 200
    row = call_row(owner_db, odd.id)
    assert row["ended_at"] >= datetime.datetime(2030, 1, 1, 10, tzinfo=datetime.timezone.utc)


# ---------- authentication ----------

AUTH_CASES = {
    "secret, another header": (dict(auth_method="secret", auth_header="X-Our-Secret"),
                               VapiAuth("secret", SECRET, header="X-Our-Secret")),
    "bearer": (dict(auth_method="bearer"), VapiAuth("bearer", SECRET)),
    "bearer without prefix": (dict(auth_method="bearer", bearer_prefix=False,
                                   auth_header="X-Vapi-Secret"),
                              VapiAuth("bearer", SECRET, header="X-Vapi-Secret",
                                       bearer_prefix=False)),
    "hmac default": (dict(auth_method="hmac"), VapiAuth("hmac", SECRET)),
    "hmac sha512 base64 prefix": (
        dict(auth_method="hmac", hmac_algorithm="sha512", hmac_encoding="base64",
             hmac_prefix="sha512=", auth_header="X-Hub-Signature"),
        VapiAuth("hmac", SECRET, algorithm="sha512", encoding="base64", prefix="sha512=",
                 header="X-Hub-Signature")),
    "hmac sha1 url method svix": (
        dict(auth_method="hmac", hmac_algorithm="sha1",
             hmac_payload_format="{method} {url} {svix-id} {timestamp} {body}",
             hmac_timestamp_header="X-Sent-At"),
        VapiAuth("hmac", SECRET, algorithm="sha1", timestamp_header="X-Sent-At",
                 payload_format="{method} {url} {svix-id} {timestamp} {body}")),
    "hmac without timestamp": (dict(auth_method="hmac", hmac_include_timestamp=False),
                               VapiAuth("hmac", SECRET, include_timestamp=False)),
}


@pytest.mark.parametrize("case", sorted(AUTH_CASES))
def test_each_authentication_method_is_accepted(case, shop, owner_db):
    columns, auth = AUTH_CASES[case]
    settings(owner_db, shop.org_id, **columns)
    call = new_call(shop)
    r = driver(auth).send(call.assistant_request())
    assert r.status == 200 and "assistant" in r.json, r
    # The secret verbatim in X-Vapi-Secret is what the other methods are not.
    if case != "bearer without prefix":
        other = new_call(shop)
        refused(owner_db, other, driver().send(other.assistant_request()))


def test_hmac_accepts_a_base64_secret_and_a_timestamp_in_milliseconds(shop, owner_db):
    raw = base64.b64encode(os.urandom(24)).decode()
    r = shop.post_form("/settings/credentials", {"vapi_server_secret": raw})
    assert r.status_code == 303
    settings(owner_db, shop.org_id, auth_method="hmac", hmac_secret_is_base64=True)
    auth = VapiAuth("hmac", raw, secret_is_base64=True)
    call = new_call(shop)
    assert driver(auth).send(call.assistant_request(),
                             timestamp=int(time.time() * 1000)).status == 200


def refused(owner_db, call, resp):
    """resp is the one answer of a refusal: the error form Vapi says to the caller for an
    assistant-request, else 401."""
    if resp.message_type == "assistant-request":
        assert resp.status == 200 and resp.json == NOT_IN_SERVICE, resp
    else:
        assert resp.status == 401, resp
        assert resp.json and resp.json.get("error")
    assert call_row(owner_db, call.id) is None and events(owner_db, call.id) == []


@pytest.mark.parametrize("how", ["wrong secret", "no header", "wrong bearer", "bearer as secret"])
def test_a_wrong_secret_or_bearer_is_refused_and_stores_nothing(how, shop, owner_db):
    if how in ("wrong bearer", "bearer as secret"):
        settings(owner_db, shop.org_id, auth_method="bearer")
    auth = {"wrong secret": VapiAuth("secret", SECRET + "x"),
            "no header": VapiAuth("secret", SECRET, header="X-Something-Else"),
            "wrong bearer": VapiAuth("bearer", "not-" + SECRET),
            "bearer as secret": VapiAuth("bearer", SECRET, bearer_prefix=False,
                                         header="Authorization")}[how]
    call = new_call(shop)
    for msg in (call.assistant_request(), call.status_update("in-progress"),
                call.end_of_call_report()):
        refused(owner_db, call, driver(auth).send(msg))


@pytest.mark.parametrize("how", ["tampered body", "other secret", "stale", "future", "no timestamp",
                                 "timestamp not a number"])
def test_a_bad_hmac_signature_or_timestamp_is_refused(how, shop, owner_db):
    settings(owner_db, shop.org_id, auth_method="hmac", timestamp_window_seconds=60)
    call = new_call(shop)
    auth, d = VapiAuth("hmac", SECRET), driver(VapiAuth("hmac", SECRET))
    msg = call.tool_calls([("book_appointment", {"service": "Drain cleaning",
                                                 "start": in_two_days(9).isoformat(),
                                                 "customer_name": "Eve"})])[0]
    if how == "tampered body":
        resp = d.send(msg, tamper=True)
    elif how == "other secret":
        resp = d.send(msg, auth=VapiAuth("hmac", "another-secret-entirely"))
    elif how == "stale":
        resp = d.send(msg, timestamp=int(time.time()) - 120)
    elif how == "future":
        resp = d.send(msg, timestamp=int(time.time() * 1000) + 120000)
    else:
        body = json.dumps({"message": msg}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        headers.update(auth.headers(body, HOOK))
        if how == "no timestamp":
            del headers["x-timestamp"]
        else:
            headers["x-timestamp"] = "soon"
        r = requests.post(HOOK, data=body, headers=headers, timeout=10)
        resp = VapiResponse(r.status_code, r.text, 0, dict(r.headers))
    refused(owner_db, call, resp)
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s",
               shop.org_id) == [(0,)]


def test_a_business_without_a_stored_secret_is_refused(business, owner_db):
    number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", business.org_id,
        number)
    call = VapiCall(number, phone())
    refused(owner_db, call, driver().send(call.assistant_request()))


def test_a_message_for_no_business_is_refused(owner_db):
    call = VapiCall(phone(), phone())
    refused(owner_db, call, driver().send(call.status_update("in-progress")))


def test_another_business_secret_does_not_open_this_one(shop, other_business, owner_db):
    other_secret = "other-vapi-secret-" + uuid.uuid4().hex[:6]
    assert other_business.post_form("/settings/credentials",
                                    {"vapi_server_secret": other_secret}).status_code == 303
    call = new_call(shop)
    refused(owner_db, call, driver(VapiAuth("secret", other_secret)).send(call.assistant_request()))


# ---------- hostile requests ----------

def test_malformed_json_is_a_400(shop, owner_db):
    d = driver()
    for body in (b"{not json", b"[1, 2]", b'{"message": "hi"}', b'{"message": {"type": 5}}', b""):
        r = d.send({}, raw_body=body)
        assert r.status == 400, (body, r)
    r = requests.post(HOOK, data=b'{"message":{}}', headers={"Content-Type": "text/plain"},
                      timeout=10)
    assert r.status_code == 415


def test_hostile_values_never_fail_the_server(shop, owner_db):
    d, call = driver(), new_call(shop)
    assert d.send(call.assistant_request()).status == 200
    huge = "x" * 100000
    messages = [
        call.transcript("user", huge),
        dict(call.status_update("in-progress"), status={"not": "a status"}),
        dict(call.status_update("ended"), endedReason=huge),
        dict(call.conversation_update(), messages={"role": "user"}),
        dict(call.conversation_update(), messages=[{"role": "user", "message": huge}] * 3),
        dict(call.speech_update("started", "user", 0), status=[1]),
        dict(call.tool_calls([("take_message", {"message": "hi"})])[0], toolCallList={"a": 1}),
        dict(call.tool_calls([("take_message", {"message": huge})])[0]),
        dict(call.tool_calls([("book_appointment", {"service": 5, "start": [1],
                                                    "customer_name": huge})])[0]),
        dict(call.end_of_call_report(), artifact=[], cost=1e308, durationSeconds="long"),
        dict(call.end_of_call_report(), customer="nobody", phoneNumber=7, timestamp="now"),
        {"type": "some-new-type", "call": {"id": call.id}, "phoneNumber": {"number": shop.number}},
        {"type": "x" * 5000, "phoneNumber": {"number": shop.number}},
    ]
    for msg in messages:
        r = d.send(msg)
        assert r.status == 200, (str(msg)[:200], r)
    row = call_row(owner_db, call.id)
    stored = turns(owner_db, row["id"])
    assert all(len(text) <= 4000 for _, text in stored)
    assert row["status"] == "completed"
    # A call id longer than Vapi's is refused before anything is read.
    long_id = VapiCall(shop.number, phone(), call_id="c" * 500)
    assert d.send(long_id.assistant_request()).status == 400
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE provider_call_id = %s",
               "c" * 500) == [(0,)]


# ---------- the assistant's server and its credential ----------

def test_a_whole_call_runs_through_the_assistant_server_and_its_credential(shop, owner_db):
    """With the business's Vapi credential named in the settings, the assistant's server
    carries it and Vapi signs every tool call and event with it: a booking call goes through
    as the fake plays it, with nothing refused on either side."""
    cred = "cred-" + uuid.uuid4().hex[:12]
    settings(owner_db, shop.org_id, auth_method="hmac", credential_id=cred)
    hmac_auth = VapiAuth("hmac", SECRET)
    d = driver(hmac_auth, credentials={cred: hmac_auth})
    call = new_call(shop)
    start = in_two_days(10)
    out = d.play_inbound_call(call, [
        ("assistant", GREETING), ("user", "Can you clean my drain in two days at ten?"),
        ("tool", "book_appointment", {"service": "Drain cleaning", "start": start.isoformat(),
                                      "customer_name": "Rita Moss"})])
    assert d.refusals == []
    assert call.assistant["server"] == {"url": HOOK, "credentialId": cred, "timeoutSeconds": 20}
    assert all(r.status == 200 for r in out), [r for r in out if r.status != 200]
    booked = [r for r in out if r.message_type == "tool-calls"][0]
    [(key, line)] = [(k, v) for k, v in (("result" if "result" in i else "error",
                                          i.get("result", i.get("error")))
                                         for i in booked.json["results"])]
    assert key == "result" and line.startswith("Booked"), line
    assert booked.json["results"][0]["name"] == "book_appointment"
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s",
               shop.org_id) == [(1,)]


def test_a_tool_server_without_the_credential_would_be_refused(shop, owner_db):
    """What the assistant no longer does: a tool with a server of its own and no credentialId
    is called with no authentication, and such a call is refused."""
    call = new_call(shop)
    d = driver()
    d.send(call.assistant_request())
    msg, _ = call.tool_calls([("take_message", {"message": "call me"})])
    r = d.send(msg, auth=VapiAuth("secret", "", header="X-Unused"))
    assert r.status == 401


def test_the_settings_page_keeps_the_credential_and_the_message_id_header(shop, owner_db):
    form = {"auth_method": "hmac", "auth_header": "", "bearer_prefix": "1",
            "hmac_algorithm": "sha256", "hmac_timestamp_header": "x-timestamp",
            "hmac_include_timestamp": "1", "hmac_payload_format": "{svix-id}.{timestamp}.{body}",
            "hmac_message_id_header": "webhook-id", "hmac_encoding": "hex", "hmac_prefix": "",
            "timestamp_window_seconds": "300", "outbound_assistant_id": "",
            "phone_number_id": "", "voice_provider": "11labs", "voice_id": "burt",
            "credential_id": "cred-abc_123"}
    r = shop.post_form("/settings/vapi", form)
    assert r.status_code == 303, r.text[:2000]
    assert sql(owner_db, "SELECT credential_id, hmac_message_id_header FROM vapi_settings "
                         "WHERE org_id = %s", shop.org_id) == [("cred-abc_123", "webhook-id")]
    page = shop.get("/settings/vapi").text
    assert 'value="cred-abc_123"' in page and 'value="webhook-id"' in page
    auth = VapiAuth("hmac", SECRET, payload_format="{svix-id}.{timestamp}.{body}",
                    message_id_header="webhook-id")
    call = new_call(shop)
    r = driver(auth).send(call.assistant_request())
    assert r.status == 200 and r.json["assistant"]["server"]["credentialId"] == "cred-abc_123"
    # The same signature with the message id under svix-id is not what the settings say.
    svix = VapiAuth("hmac", SECRET, payload_format="{svix-id}.{timestamp}.{body}")
    refused(owner_db, new_call(shop), driver(svix).send(new_call(shop).status_update("ringing")))
    r = shop.post_form("/settings/vapi", dict(form, credential_id="no spaces please",
                                              hmac_message_id_header="a b"))
    assert r.status_code == 422
    assert "paste the credential" in r.text and "like svix-id" in r.text
