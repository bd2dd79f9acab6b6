"""test_hook_twilio_sms: texts customers send to a business's number (/hooks/twilio/sms), signed as
Twilio signs them (PROTOCOLS.md §4.5): STOP and its kin opt the sender out of that business's
texts, and the next text to them is not sent; START opts back in; HELP is answered; "C" and "R"
answering a confirmation are kept as requests; anything else is kept for the owner; every text
is taken once; a number no business has verified takes nothing."""
import json
import os
import random
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from conftest import BASE_URL, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
SMS = "/hooks/twilio/sms"


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


def message_sid():
    return "SM" + uuid.uuid4().hex


def text(to, frm, body, sid=None, token=None, **extra):
    """POST an inbound text as Twilio does (its captured parameter order); returns the answer."""
    sid = sid or message_sid()
    params = {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
              "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
              "FromCity": "", "Body": body, "FromCountry": "US", "To": to, "ToZip": "",
              "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + uuid.uuid4().hex,
              "From": frm, "ApiVersion": "2010-04-01"}
    params.update(extra)
    target = BASE_URL + SMS
    return requests.post(target, data=params, timeout=30, allow_redirects=False,
                         headers={"X-Twilio-Signature": twilio_sign(token or TOKEN, target,
                                                                    params)})


def reply_of(r):
    """The text of the <Message> answered, or None for an empty <Response/>."""
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/xml")
    assert r.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response')
    doc = ET.fromstring(r.content)
    assert doc.tag == "Response"
    found = doc.find("Message")
    return None if found is None else found.text


@pytest.fixture
def line(business, owner_db):
    """The business's verified number, texting on."""
    business.number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, business.number)
    sql(owner_db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", business.org_id)
    return business


def opted_out(db, org, number):
    return sql(db, "SELECT 1 FROM opt_outs WHERE org_id = %s AND phone = %s", org, number) != []


def kept(db, org):
    return sql(db, "SELECT kind, from_number, to_number, body, appointment_id::text "
                   "FROM inbound_messages WHERE org_id = %s ORDER BY created_at", org)


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop \n", "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                  "END", "QUIT"])
def test_stop_words_opt_the_sender_out(line, owner_db, body):
    customer = phone()
    assert reply_of(text(line.number, customer, body)) is None
    assert opted_out(owner_db, line.org_id, customer)
    assert [k[0] for k in kept(owner_db, line.org_id)] == ["opt_out"]


def test_a_sentence_with_stop_in_it_is_a_message(line, owner_db):
    customer = phone()
    assert reply_of(text(line.number, customer, "Stop please, I found another plumber")) is None
    assert not opted_out(owner_db, line.org_id, customer)
    assert kept(owner_db, line.org_id) == [
        ("message", customer, line.number, "Stop please, I found another plumber", None)]


def test_opt_out_type_from_a_messaging_service_counts(line, owner_db):
    customer = phone()
    reply_of(text(line.number, customer, "arrête", OptOutType="STOP"))
    assert opted_out(owner_db, line.org_id, customer)


@pytest.mark.parametrize("word", ["START", "yes", "UNSTOP"])
def test_start_words_opt_back_in(line, owner_db, word):
    customer = phone()
    reply_of(text(line.number, customer, "STOP"))
    assert opted_out(owner_db, line.org_id, customer)
    assert reply_of(text(line.number, customer, word)) is None
    assert not opted_out(owner_db, line.org_id, customer)
    assert [k[0] for k in kept(owner_db, line.org_id)] == ["opt_out", "opt_in"]


def test_help_answers_with_the_business_name_and_number(line, owner_db):
    sql(owner_db, "UPDATE organizations SET name = 'Bob & Sons <Plumbing>' WHERE id = %s",
        line.org_id)
    r = text(line.number, phone(), "help")
    assert "Bob &amp; Sons &lt;Plumbing&gt;" in r.text
    assert reply_of(r) == "Bob & Sons <Plumbing>: call us at %s. Reply STOP to opt out." % \
        line.number


def confirmation_sent(db, org, to):
    """An appointment and its confirmation text, as the sms.send job records it."""
    [(appointment,)] = sql(db, """INSERT INTO appointments (org_id, customer_name, customer_phone,
                                                            starts_at, ends_at)
                                  VALUES (%s, 'Pat', %s, now() + interval '2 days',
                                          now() + interval '2 days 1 hour') RETURNING id::text""",
                           org, to)
    sql(db, """INSERT INTO notifications (org_id, channel, purpose, to_address, body, status,
                                          appointment_id)
               VALUES (%s, 'sms', 'confirmation', %s, 'Booked. Reply C to cancel, R to reschedule.',
                       'sent', %s)""", org, to, appointment)
    return appointment


def appointment_of(db, appointment):
    """Its status, service name and the day and time a text names."""
    [row] = sql(db, """SELECT a.status, coalesce(s.name, 'appointment'),
                              to_char(a.starts_at AT TIME ZONE o.timezone,
                                      'Dy, Mon FMDD "at" FMHH12:MI AM')
                       FROM appointments a JOIN organizations o ON o.id = a.org_id
                       LEFT JOIN services s ON s.id = a.service_id WHERE a.id = %s""",
                appointment)
    return row


def with_service(db, org, appointment, name="Drain cleaning"):
    [(service,)] = sql(db, "INSERT INTO services (org_id, name) VALUES (%s, %s) RETURNING id",
                       org, name)
    sql(db, "UPDATE appointments SET service_id = %s WHERE id = %s", service, appointment)


def test_c_answering_a_confirmation_cancels_the_appointment(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    with_service(owner_db, line.org_id, appointment)
    _, service, when = appointment_of(owner_db, appointment)
    sid = message_sid()
    first = text(line.number, customer, "C", sid=sid)
    assert reply_of(first) == ("Your Drain cleaning on %s is cancelled. Call us at %s to book "
                               "again." % (when, line.number))
    assert appointment_of(owner_db, appointment)[0] == "cancelled"
    assert kept(owner_db, line.org_id) == [
        ("cancel_request", customer, line.number, "C", appointment)]
    # Audited as the dashboard's Cancel is, by no person of the business.
    audits = sql(owner_db, "SELECT user_id, detail->>'message_sid' FROM audit_log "
                           "WHERE org_id = %s AND action = 'appointment.cancel' AND target = %s",
                 line.org_id, appointment)
    assert audits == [(None, sid)]
    # Twilio's retry is answered alike and cancels nothing more.
    again = text(line.number, customer, "C", sid=sid)
    assert again.text == first.text
    assert len(kept(owner_db, line.org_id)) == 1
    assert len(sql(owner_db, "SELECT 1 FROM audit_log WHERE org_id = %s AND action = "
                             "'appointment.cancel'", line.org_id)) == 1
    # A second "C" of the customer's is answered the same, the appointment cancelled already.
    assert reply_of(text(line.number, customer, "c")) == reply_of(first)
    # "C" is no opt-out (CANCEL is).
    assert not opted_out(owner_db, line.org_id, customer)


def test_r_answering_a_confirmation_offers_free_times(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    sid = message_sid()
    first = text(line.number, customer, " r ", sid=sid)
    times = offered(owner_db, line.org_id, customer)
    assert len(times) == 3
    when = say(zone_of(owner_db, line), starts(owner_db, appointment))
    assert reply_of(first) == ("To move your appointment on %s, pick a time: %s. Reply 1, 2 or "
                               "3, or call us at %s." % (when, choices(owner_db, line, times),
                                                         line.number))
    # Twilio's retry is answered alike and offers nothing new.
    assert text(line.number, customer, " r ", sid=sid).text == first.text
    assert len(sql(owner_db, "SELECT 1 FROM reschedule_offers WHERE org_id = %s",
                   line.org_id)) == 1
    assert appointment_of(owner_db, appointment)[0] == "scheduled"
    assert kept(owner_db, line.org_id) == [
        ("reschedule_request", customer, line.number, " r ", appointment)]


def test_c_for_an_appointment_that_is_over_is_a_message(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    sql(owner_db, "UPDATE appointments SET starts_at = now() - interval '2 hours', "
                  "ends_at = now() - interval '1 hour' WHERE id = %s", appointment)
    assert reply_of(text(line.number, customer, "C")) is None
    assert appointment_of(owner_db, appointment)[0] == "scheduled"
    assert kept(owner_db, line.org_id) == [("message", customer, line.number, "C", None)]


def test_c_from_another_number_cancels_nothing(line, owner_db):
    appointment = confirmation_sent(owner_db, line.org_id, phone())
    assert reply_of(text(line.number, phone(), "C")) is None
    assert appointment_of(owner_db, appointment)[0] == "scheduled"


def test_a_lone_letter_answering_nothing_is_a_message(line, owner_db):
    customer = phone()
    reply_of(text(line.number, customer, "C"))
    assert kept(owner_db, line.org_id) == [("message", customer, line.number, "C", None)]


def test_each_text_is_taken_once(line, owner_db):
    customer, sid = phone(), message_sid()
    first = text(line.number, customer, "HELP", sid=sid)
    again = text(line.number, customer, "HELP", sid=sid)
    assert again.text == first.text
    assert len(kept(owner_db, line.org_id)) == 1


def test_an_unverified_number_takes_nothing(business, other_business, owner_db):
    typed = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)",
        business.org_id, typed)
    customer = phone()
    assert reply_of(text(typed, customer, "STOP")) is None
    assert reply_of(text(typed, customer, "HELP")) is None
    assert not opted_out(owner_db, business.org_id, customer)
    assert kept(owner_db, business.org_id) == []


def test_an_opt_out_is_per_business(line, other_business, owner_db):
    other = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        other_business.org_id, other)
    customer = phone()
    reply_of(text(line.number, customer, "STOP"))
    assert opted_out(owner_db, line.org_id, customer)
    assert not opted_out(owner_db, other_business.org_id, customer)


def test_refusals(line, owner_db):
    assert text(line.number, phone(), "STOP", token="not-the-token").status_code == 403
    r = text(line.number, phone(), "STOP", sid="XX" + uuid.uuid4().hex)
    assert r.status_code == 400
    assert kept(owner_db, line.org_id) == []


def wait_job(db, job, timeout=20):
    end = time.monotonic() + timeout
    while True:
        [(status,)] = sql(db, "SELECT status FROM jobs WHERE id = %s", job)
        if status in ("done", "failed", "dead"):
            return status
        assert time.monotonic() < end, "job %s stayed %s" % (job, status)
        time.sleep(0.1)


def test_stop_by_text_stops_the_next_text(line, owner_db, app_db):
    assert FAKE, "scripts/test starts a Twilio fake and exports SB_TWILIO_FAKE_URL"
    customer = phone()
    reply_of(text(line.number, customer, "STOP"))
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (line.org_id,))
        cur.execute("SELECT jobs_enqueue('sms.send', %s::jsonb, now(), NULL)",
                    (json.dumps({"to": customer, "body": "Your appointment is tomorrow.",
                                 "purpose": "reminder"}),))
        job = str(cur.fetchone()[0])
    app_db.commit()
    assert wait_job(owner_db, job) == "done"
    assert sql(owner_db, "SELECT status, error FROM notifications WHERE job_id = %s", job) == [
        ("skipped", "the number opted out of text messages (it replied STOP)")]
    sent = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    assert [m for m in sent if m["to"] == customer] == []
    # START by text: the next one goes.
    reply_of(text(line.number, customer, "START"))
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (line.org_id,))
        cur.execute("SELECT jobs_enqueue('sms.send', %s::jsonb, now(), NULL)",
                    (json.dumps({"to": customer, "body": "Welcome back.", "purpose": "reminder"}),))
        job = str(cur.fetchone()[0])
    app_db.commit()
    assert wait_job(owner_db, job) == "done"
    sent = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    assert [(m["to"], m["from"], m["body"]) for m in sent if m["to"] == customer] == [
        (customer, line.number, "Welcome back.")]


def offered(db, org, customer):
    """The times of the latest offer to customer, as UTC datetimes."""
    rows = sql(db, "SELECT offered_times FROM reschedule_offers WHERE org_id = %s AND phone = %s "
                   "ORDER BY created_at DESC LIMIT 1", org, customer)
    return [t.astimezone(timezone.utc) for t in rows[0][0]] if rows else []


def say(zone, t):
    """A moment as a text says it: "Tuesday, March 3 at 2:30 PM" (2 PM on the hour)."""
    t = t.astimezone(ZoneInfo(zone))
    hour = t.hour % 12 or 12
    clock = "%d:%02d" % (hour, t.minute) if t.minute else "%d" % hour
    return "%s, %s %d at %s %s" % (t.strftime("%A"), t.strftime("%B"), t.day, clock,
                                   "AM" if t.hour < 12 else "PM")


def zone_of(db, biz):
    return sql(db, "SELECT timezone FROM organizations WHERE id = %s", biz.org_id)[0][0]


def choices(db, biz, times):
    zone = zone_of(db, biz)
    return "; ".join("%d) %s" % (i + 1, say(zone, t)) for i, t in enumerate(times))


def starts(db, appointment):
    [(t,)] = sql(db, "SELECT starts_at FROM appointments WHERE id = %s", appointment)
    return t.astimezone(timezone.utc)


def test_a_digit_moves_the_appointment_to_that_time(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    reply_of(text(line.number, customer, "R"))
    times = offered(owner_db, line.org_id, customer)
    sid = message_sid()
    r = text(line.number, customer, "2", sid=sid)
    assert reply_of(r) == ("Done: your appointment is moved to %s. Reply C to cancel." %
                           say(zone_of(owner_db, line), times[1]))
    assert starts(owner_db, appointment) == times[1]
    assert appointment_of(owner_db, appointment)[0] == "scheduled"
    # Audited as a move by no person of the business, by the customer's text.
    assert sql(owner_db, "SELECT user_id, detail->>'by', detail->>'message_sid' FROM audit_log "
                         "WHERE org_id = %s AND action = 'appointment.reschedule' AND target = %s",
               line.org_id, appointment) == [(None, "customer text", sid)]
    assert kept(owner_db, line.org_id)[-1] == (
        "reschedule_choice", customer, line.number, "2", appointment)
    # Twilio's retry moves nothing more; a second digit is an ordinary message.
    assert text(line.number, customer, "2", sid=sid).text == r.text
    assert reply_of(text(line.number, customer, "3")) is None
    assert starts(owner_db, appointment) == times[1]
    assert kept(owner_db, line.org_id)[-1][0] == "message"
    # The owner sees it on the Messages page.
    page = line.get("/messages")
    assert page.status_code == 200 and "moved by text" in page.text
    # No text of the owner's kind goes out for a move the customer made.
    assert sql(owner_db, "SELECT 1 FROM jobs WHERE org_id = %s AND payload->>'purpose' = "
                         "'appointment_moved'", line.org_id) == []


def test_a_time_taken_meanwhile_gets_fresh_choices(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    before = starts(owner_db, appointment)
    reply_of(text(line.number, customer, "R"))
    times = offered(owner_db, line.org_id, customer)
    # Time 1 is taken in the owner's outside calendar meanwhile.
    sql(owner_db, """INSERT INTO busy_blocks (org_id, source_calendar, external_id, starts_at,
                                              ends_at)
                     VALUES (%s, 'primary', %s, %s, %s + interval '1 minute')""",
        line.org_id, uuid.uuid4().hex, times[0], times[0])
    answer = reply_of(text(line.number, customer, "1"))
    fresh = offered(owner_db, line.org_id, customer)
    assert times[0] not in fresh and len(fresh) >= 1
    words = ["Reply 1", "Reply 1 or 2", "Reply 1, 2 or 3"][len(fresh) - 1]
    assert answer == "Sorry, that time was just taken. %s to move your appointment: %s." % (
        words, choices(owner_db, line, fresh))
    assert starts(owner_db, appointment) == before
    assert kept(owner_db, line.org_id)[-1][0] == "reschedule_request"
    assert reply_of(text(line.number, customer, "1")).startswith("Done: ")
    assert starts(owner_db, appointment) == fresh[0]


def test_odd_digits_move_nothing(line, other_business, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    before = starts(owner_db, appointment)
    # A digit with no offer, or a number not offered, is a message.
    for body in ("1", "4", "0", "11", "-1", "1 2", "\u0661", "3" * 2000):
        assert reply_of(text(line.number, customer, body)) is None
    reply_of(text(line.number, customer, "R"))
    # Another number, or the customer texting another business, moves nothing here.
    assert reply_of(text(line.number, phone(), "1")) is None
    theirs = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        other_business.org_id, theirs)
    assert reply_of(text(theirs, customer, "1")) is None
    assert starts(owner_db, appointment) == before
    # An offer too old to answer is over.
    sql(owner_db, "UPDATE reschedule_offers SET created_at = now() - interval '3 hours' "
                  "WHERE org_id = %s", line.org_id)
    assert reply_of(text(line.number, customer, "1")) is None
    assert starts(owner_db, appointment) == before
    # A cancelled appointment's offer moves nothing.
    reply_of(text(line.number, customer, "R"))
    reply_of(text(line.number, customer, "C"))
    assert reply_of(text(line.number, customer, "1")) == (
        "That appointment can no longer be moved by text. Call us at %s." % line.number)
    assert appointment_of(owner_db, appointment)[0] == "cancelled"
    assert starts(owner_db, appointment) == before


def test_r_answering_a_reminder_offers_times_too(line, owner_db):
    customer = phone()
    appointment = confirmation_sent(owner_db, line.org_id, customer)
    sql(owner_db, "UPDATE notifications SET purpose = 'reminder' WHERE appointment_id = %s",
        appointment)
    assert "Reply 1, 2 or 3" in reply_of(text(line.number, customer, "R"))

