"""test_leads_pipeline: a finished call becomes a lead: Twilio's final status callback queues the
post-call analysis, which writes the call's summary, sentiment, value and classification, files
one lead per caller's number with its score and temperature (booked, or lost when the caller
declined), texts the owner about a hot lead once, texts a missed caller back once, and shows the
lead on the owner's leads page. Running the analysis again changes nothing."""
import json
import time
import uuid

import pytest

from conftest import sql
from test_hook_twilio import STATUS, call_sid, phone, post

SETTLED = ("done", "failed", "dead")


@pytest.fixture
def shop(business, owner_db):
    """The business with a Twilio number, an owner alert phone and three priced services."""
    org = business.org_id
    business.number = phone()
    business.alert_phone = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", org, business.number)
    # Texts about every hot lead to the alert phone (Settings -> Notifications).
    sql(owner_db, "INSERT INTO alert_channels (org_id, channel, recipients, on_hot_lead) "
                  "VALUES (%s, 'sms', ARRAY[%s], true)", org, business.alert_phone)
    for name, cents, words in (("Drain cleaning", 14900, ["drain", "clog", "clogged"]),
                               ("Water heater repair", 25000, ["heater", "hot water"]),
                               ("Emergency plumbing", 30000, ["burst", "flood", "flooding"])):
        sql(owner_db, "INSERT INTO services (org_id, name, price_cents, keywords) "
                      "VALUES (%s, %s, %s, %s)", org, name, cents, words)
    return business


def arrange_call(db, shop, caller, turns, state, seconds):
    """A call in progress with its turns and the brain's state, as the voice side leaves it."""
    sid = call_sid()
    (row,) = sql(db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                                           to_number, status, started_at, answered_at)
                        VALUES (%s, 'twilio', %s, %s, %s, 'in-progress',
                                now() - make_interval(secs => %s),
                                now() - make_interval(secs => %s)) RETURNING id""",
                 shop.org_id, sid, caller, shop.number, seconds, seconds)
    call_id = str(row[0])
    for seq, (speaker, text) in enumerate(turns):
        sql(db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
                "VALUES (%s, %s, %s, %s, %s)", shop.org_id, call_id, seq, speaker, text)
    if state is not None:
        sql(db, "INSERT INTO call_sessions (org_id, call_id, state) VALUES (%s, %s, %s)",
            shop.org_id, call_id, json.dumps(state))
    return sid, call_id


def complete(db, shop, sid, caller, seconds):
    """Twilio's `completed` callback, then the analysis job it queued, run to the end."""
    params = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": caller,
              "To": shop.number, "Direction": "inbound", "ApiVersion": "2010-04-01",
              "CallStatus": "completed", "CallDuration": str(seconds)}
    r = post(STATUS, params)
    assert r.status_code == 204, (r.status_code, r.text[:300])
    (call_id,) = sql(db, "SELECT id FROM calls WHERE provider_call_id = %s", sid)[0]
    jobs = sql(db, "SELECT id FROM jobs WHERE kind = 'call.analyze' AND dedupe_key = %s",
               f"analyze:{call_id}")
    assert len(jobs) == 1
    wait_job(db, str(jobs[0][0]))


def completed_call(db, shop, caller, turns, state, seconds):
    """A call held with its turns and state, then completed after seconds and analyzed: its id."""
    sid, call_id = arrange_call(db, shop, caller, turns, state, seconds)
    complete(db, shop, sid, caller, seconds)
    return call_id


def wait_job(db, job):
    status = None
    for _ in range(50):
        ((status, error),) = sql(db, "SELECT status, last_error FROM jobs WHERE id = %s", job)
        if status in SETTLED:
            break
        time.sleep(0.1)
    assert status == "done", (status, error)


def analyze_again(db, org, call_id):
    """The same analysis queued once more, as a retried or repeated job would run it."""
    (job,) = sql(db, "SELECT id FROM jobs WHERE org_id = %s AND kind = 'call.analyze' "
                     "AND dedupe_key = %s", org, f"analyze:{call_id}")[0]
    sql(db, "INSERT INTO jobs (org_id, kind, payload) VALUES (%s, 'call.analyze', %s) "
            "RETURNING id", org, json.dumps({"call_id": call_id}))
    (again,) = sql(db, "SELECT id FROM jobs WHERE org_id = %s AND kind = 'call.analyze' "
                       "AND id <> %s", org, job)[0]
    wait_job(db, str(again))


def lead_of(db, org, phone_number):
    rows = sql(db, "SELECT status, score, temperature, value_cents, summary, name, address, "
                   "last_call_id FROM leads WHERE org_id = %s AND phone = %s", org, phone_number)
    assert len(rows) == 1, rows
    return dict(zip(("status", "score", "temperature", "value", "summary", "name", "address",
                     "last_call"), rows[0]))


def call_of(db, call_id):
    (row,) = sql(db, "SELECT summary, sentiment_label, urgency, value_cents, booked, lead_id "
                     "FROM calls WHERE id = %s", call_id)
    return dict(zip(("summary", "sentiment", "urgency", "value", "booked", "lead"), row))


def owner_alerts(db, org):
    return sql(db, "SELECT payload FROM jobs WHERE org_id = %s AND kind = 'sms.send' "
                   "AND payload->>'purpose' = 'owner_alert'", org)


def test_a_booked_call_is_a_hot_booked_lead_and_the_owner_is_told_once(shop, owner_db):
    caller, callback = phone(), phone()
    starts = int(time.time()) + 3 * 86400
    state = {"name": "Pat Lee", "phone": callback, "phone_confirmed": True,
             "service_name": "Drain cleaning", "starts_at": starts, "address": "12 Elm Street",
             "appointment_id": str(uuid.uuid4()), "pending": "ended"}
    turns = [("assistant", "Thanks for calling, how can I help?"),
             ("caller", "Hi, my kitchen drain is clogged and I need someone to look at it"),
             ("assistant", "I can book drain cleaning for you."),
             ("caller", "Great, thanks, that works perfectly")]
    call_id = completed_call(owner_db, shop, caller, turns, state, 120)

    lead = lead_of(owner_db, shop.org_id, callback)
    assert lead["status"] == "booked" and lead["temperature"] == "hot"
    assert lead["score"] == 75 and lead["value"] == 14900
    assert lead["name"] == "Pat Lee" and lead["address"] == "12 Elm Street"
    assert "kitchen drain is clogged" in lead["summary"]
    assert "Booked Drain cleaning for " in lead["summary"] and " at " in lead["summary"]
    assert str(lead["last_call"]) == call_id
    call = call_of(owner_db, call_id)
    assert call["booked"] and call["sentiment"] == "positive" and call["value"] == 14900
    assert str(call["lead"]) == str(sql(owner_db, "SELECT id FROM leads WHERE org_id = %s AND "
                                                  "phone = %s", shop.org_id, callback)[0][0])
    (alert,) = owner_alerts(owner_db, shop.org_id)
    assert alert[0]["to"] == shop.alert_phone and alert[0]["body"].startswith("Hot lead: Pat Lee")

    analyze_again(owner_db, shop.org_id, call_id)
    assert lead_of(owner_db, shop.org_id, callback) == lead
    assert len(owner_alerts(owner_db, shop.org_id)) == 1
    assert sql(owner_db, "SELECT count(*) FROM leads WHERE org_id = %s", shop.org_id)[0][0] == 1

    page = shop.get("/leads")
    assert page.status_code == 200 and "Pat Lee" in page.text


def test_an_emergency_is_urgent_and_valued_at_its_service(shop, owner_db):
    caller = phone()
    state = {"name": "Sam Ortiz", "phone": caller, "urgent": True,
             "message": "Burst pipe in the basement, call back right away"}
    turns = [("caller", "I have a burst pipe and the basement is flooding"),
             ("assistant", "That sounds urgent. Let me take your details."),
             ("caller", "Sam Ortiz, please hurry")]
    call_id = completed_call(owner_db, shop, caller, turns, state, 90)

    lead = lead_of(owner_db, shop.org_id, caller)
    # An emergency is hot whatever else the call held, so the owner hears of it.
    assert lead["status"] == "new" and lead["temperature"] == "hot"
    assert lead["score"] == 70 and lead["value"] == 30000
    assert lead["summary"].startswith("Emergency.") and "Message taken" in lead["summary"]
    assert call_of(owner_db, call_id)["urgency"] == "emergency"
    assert len(owner_alerts(owner_db, shop.org_id)) == 1


def test_a_message_keeps_the_status_the_owner_set(shop, owner_db):
    caller = phone()
    sql(owner_db, "INSERT INTO leads (org_id, phone, status) VALUES (%s, %s, 'contacted')",
        shop.org_id, caller)
    state = {"name": "Lee Park", "message": "Please call me back about a quote"}
    turns = [("caller", "Can I leave a message for the owner?"),
             ("assistant", "Of course, go ahead."),
             ("caller", "Please call me back about a quote")]
    call_id = completed_call(owner_db, shop, caller, turns, state, 60)

    lead = lead_of(owner_db, shop.org_id, caller)
    assert lead["status"] == "contacted" and lead["name"] == "Lee Park"
    # Nothing matched a service: the call has no value (not a guess at one).
    assert lead["value"] is None and lead["score"] == 10 and lead["temperature"] == "cold"
    assert call_of(owner_db, call_id)["value"] is None
    assert "Message taken: Please call me back about a quote" in lead["summary"]
    assert sql(owner_db, "SELECT count(*) FROM leads WHERE org_id = %s", shop.org_id)[0][0] == 1


def test_a_short_hang_up_is_a_cold_lead(shop, owner_db):
    caller = phone()
    call_id = completed_call(owner_db, shop, caller,
                             [("assistant", "Thanks for calling, how can I help?"),
                              ("caller", "hello?")], None, 5)

    lead = lead_of(owner_db, shop.org_id, caller)
    assert lead["status"] == "new" and lead["score"] == 0 and lead["temperature"] == "cold"
    assert "Hung up" in lead["summary"] and '"hello?"' in lead["summary"]
    assert call_of(owner_db, call_id)["sentiment"] == "neutral"
    page = shop.get("/leads")
    assert page.status_code == 200 and "Hung up" in page.text


def status_callback(shop, sid, caller, status, seconds=0):
    params = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": caller,
              "To": shop.number, "Direction": "inbound", "ApiVersion": "2010-04-01",
              "CallStatus": status, "CallDuration": str(seconds)}
    r = post(STATUS, params)
    assert r.status_code == 204, (r.status_code, r.text[:300])


def analyzed(db, sid):
    """The id of Twilio's call sid, once the analysis its final status queued has run."""
    (call_id,) = sql(db, "SELECT id FROM calls WHERE provider_call_id = %s", sid)[0]
    (job,) = sql(db, "SELECT id FROM jobs WHERE kind = 'call.analyze' AND dedupe_key = %s",
                 f"analyze:{call_id}")[0]
    wait_job(db, str(job))
    return call_id


def test_a_missed_call_is_a_lead_and_the_caller_is_texted_back_once(shop, owner_db):
    sql(owner_db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", shop.org_id)
    caller, sid = phone(), call_sid()

    status_callback(shop, sid, caller, "ringing")
    status_callback(shop, sid, caller, "no-answer")
    status_callback(shop, sid, caller, "no-answer")  # Twilio retries: nothing twice

    call_id = analyzed(owner_db, sid)
    lead = lead_of(owner_db, shop.org_id, caller)
    assert lead["status"] == "new" and "Missed call" in lead["summary"]
    (call_type,) = sql(owner_db, "SELECT call_type FROM calls WHERE id = %s", call_id)[0]
    assert call_type == "missed"
    texts = sql(owner_db, "SELECT id, payload FROM jobs WHERE org_id = %s AND kind = 'sms.send' "
                          "AND payload->>'purpose' = 'missed_call'", shop.org_id)
    assert len(texts) == 1
    payload = texts[0][1]
    assert payload["to"] == caller and "missed your call" in payload["body"]
    ((name,),) = sql(owner_db, "SELECT name FROM organizations WHERE id = %s", shop.org_id)
    assert name in payload["body"]
    wait_job(owner_db, str(texts[0][0]))
    sent = sql(owner_db, "SELECT status FROM notifications WHERE org_id = %s "
                         "AND purpose = 'missed_call' AND to_address = %s", shop.org_id, caller)
    assert [s for (s,) in sent] == ["sent"]

    analyze_again(owner_db, shop.org_id, str(call_id))
    assert len(sql(owner_db, "SELECT 1 FROM jobs WHERE org_id = %s AND kind = 'sms.send' "
                             "AND payload->>'purpose' = 'missed_call'", shop.org_id)) == 1


def test_no_text_back_when_the_business_does_not_text(shop, owner_db):
    caller, sid = phone(), call_sid()

    status_callback(shop, sid, caller, "busy")

    analyzed(owner_db, sid)
    assert lead_of(owner_db, shop.org_id, caller)["status"] == "new"
    assert not sql(owner_db, "SELECT 1 FROM jobs WHERE org_id = %s AND kind = 'sms.send' "
                             "AND payload->>'purpose' = 'missed_call'", shop.org_id)


def test_a_call_is_classified_and_a_second_call_is_a_returning_customer(shop, owner_db):
    caller = phone()
    call_id = completed_call(owner_db, shop, caller,
                             [("assistant", "Thanks for calling, how can I help?"),
                              ("caller", "my kitchen drain is clogged"),
                              ("assistant", "I can book a drain cleaning. What's your name?"),
                              ("caller", "Dana Lee")],
                             {"name": "Dana Lee", "message": "call me about the drain"}, 60)
    (row,) = sql(owner_db, "SELECT call_type, customer_type, call_purpose FROM calls "
                           "WHERE id = %s", call_id)
    assert row == ("message", "new", "Drain cleaning")

    call2 = completed_call(owner_db, shop, caller,
                           [("assistant", "Thanks for calling, how can I help?"),
                            ("caller", "do you work on weekends?"),
                            ("assistant", "We're open Monday to Friday."),
                            ("caller", "ok thanks")], {}, 40)
    (row,) = sql(owner_db, "SELECT call_type, customer_type, call_purpose FROM calls "
                           "WHERE id = %s", call2)
    assert row[0] == "question" and row[1] == "returning"
    assert row[2].startswith("do you work on weekends")


def test_a_caller_who_declines_is_a_lost_lead_unless_the_owner_moved_it(shop, owner_db):
    caller = phone()
    turns = [("assistant", "Thanks for calling, how can I help?"),
             ("caller", "how much is a water heater repair?"),
             ("assistant", "Water heater repair is $250."),
             ("caller", "that's too expensive, never mind")]
    completed_call(owner_db, shop, caller, turns, {}, 45)
    assert lead_of(owner_db, shop.org_id, caller)["status"] == "lost"

    caller2 = phone()
    sql(owner_db, "INSERT INTO leads (org_id, phone, status) VALUES (%s, %s, 'qualified')",
        shop.org_id, caller2)
    completed_call(owner_db, shop, caller2, turns, {}, 45)
    assert lead_of(owner_db, shop.org_id, caller2)["status"] == "qualified"


def test_the_appointment_booked_on_a_call_is_on_the_callers_lead(shop, owner_db):
    caller = phone()
    starts = int(time.time()) + 2 * 86400
    sid, call_id = arrange_call(owner_db, shop, caller,
                                [("caller", "My drain is clogged, can you come Tuesday?")],
                                None, 90)
    (service,) = sql(owner_db, "SELECT id FROM services WHERE org_id = %s AND name = "
                               "'Drain cleaning'", shop.org_id)[0]
    (appointment,) = sql(owner_db, """INSERT INTO appointments (org_id, service_id, call_id,
                                        customer_name, customer_phone, starts_at, ends_at)
                                      VALUES (%s, %s, %s, 'Ana Ruiz', %s, to_timestamp(%s),
                                              to_timestamp(%s) + interval '1 hour')
                                      RETURNING id""",
                         shop.org_id, service, call_id, caller, starts, starts)[0]
    sql(owner_db, "INSERT INTO call_sessions (org_id, call_id, state) VALUES (%s, %s, %s)",
        shop.org_id, call_id, json.dumps({"name": "Ana Ruiz", "appointment_id": str(appointment),
                                          "starts_at": starts, "service_name": "Drain cleaning"}))

    complete(owner_db, shop, sid, caller, 90)

    (lead_id,) = sql(owner_db, "SELECT id FROM leads WHERE org_id = %s AND phone = %s",
                     shop.org_id, caller)[0]
    assert sql(owner_db, "SELECT lead_id FROM appointments WHERE id = %s",
               appointment)[0][0] == lead_id
    page = shop.get(f"/leads/{lead_id}")
    assert page.status_code == 200
    assert "No appointments booked" not in page.text and "Drain cleaning" in page.text


def test_a_silent_caller_adds_nothing_to_the_pipeline(shop, owner_db):
    caller = phone()
    sid, call_id = arrange_call(owner_db, shop, caller,
                                [("assistant", "Thanks for calling, how can I help?"),
                                 ("caller", "what's the weather like on the weekend?")],
                                None, 20)

    complete(owner_db, shop, sid, caller, 20)

    assert lead_of(owner_db, shop.org_id, caller)["value"] is None
    assert sql(owner_db, "SELECT coalesce(sum(value_cents), 0) FROM leads WHERE org_id = %s",
               shop.org_id)[0][0] == 0


def test_the_owners_browser_test_call_is_nobodys_lead(shop, owner_db):
    sid = str(uuid.uuid4())
    (call_id,) = sql(owner_db, """INSERT INTO calls (org_id, provider, provider_call_id,
                                      from_number, to_number, status, duration_seconds)
                                  VALUES (%s, 'browser', %s, 'owner@example.test', 'Test call',
                                          'completed', 60) RETURNING id""",
                     shop.org_id, sid)[0]
    sql(owner_db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) VALUES "
                  "(%s, %s, 0, 'caller', 'My pipe burst, the basement is flooding')",
        shop.org_id, call_id)
    (job,) = sql(owner_db, "INSERT INTO jobs (org_id, kind, payload) VALUES "
                           "(%s, 'call.analyze', %s) RETURNING id",
                 shop.org_id, json.dumps({"call_id": str(call_id)}))[0]
    wait_job(owner_db, str(job))

    call = call_of(owner_db, str(call_id))
    assert call["summary"] and call["lead"] is None
    assert sql(owner_db, "SELECT count(*) FROM leads WHERE org_id = %s", shop.org_id)[0][0] == 0
    assert not owner_alerts(owner_db, shop.org_id)
