"""test_reminders: the texts that remind a customer of an appointment. The job runner's scan
(reminders_schedule(), also run here by hand to be quick) queues each due reminder once per
appointment, reminder and start time, however often it runs and however many runners race; the
reminder.send job texts it through the Twilio fake once even when run again; a cancelled
appointment gets none, a moved one gets its own for its new time, an opted-out number none; the
times are the business's own (Settings, Reminders), with an off switch; and a reminder whose
moment had passed at booking time by more than 15 minutes is not sent late."""
import json
import os
import random
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import requests

from conftest import DSN_OWNER, sql

FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")


def phone():
    return "+1555" + "".join(random.choice("0123456789") for _ in range(7))


@pytest.fixture
def line(business, owner_db):
    """The business's verified number, texting on, and a service."""
    business.number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, business.number)
    sql(owner_db, "UPDATE organizations SET sms_enabled = true, timezone = 'America/Chicago' "
                  "WHERE id = %s", business.org_id)
    [(business.name,)] = sql(owner_db, "SELECT name FROM organizations WHERE id = %s",
                             business.org_id)
    [(business.service,)] = sql(owner_db, "INSERT INTO services (org_id, name) "
                                          "VALUES (%s, 'Drain cleaning') RETURNING id::text",
                                business.org_id)
    return business


def book(db, biz, starts_in, customer=None, booked_ago=None, service=True):
    """An appointment starting in starts_in (an SQL interval, rounded to the minute), as if
    booked booked_ago (an interval) or now; returns (id, customer, starts_at epoch)."""
    customer = customer or phone()
    [(appointment, starts)] = sql(db, """
        INSERT INTO appointments (org_id, service_id, customer_name, customer_phone, starts_at,
                                  ends_at, resource_id, blocked_until, time_set_at)
        SELECT %s, %s, 'Pat', %s, t, t + interval '10 minutes', r.id, t + interval '10 minutes',
               now() - coalesce(%s::interval, interval '0')
        FROM date_trunc('minute', now() + %s::interval) AS t,
             LATERAL (SELECT id FROM resources WHERE org_id = %s ORDER BY position LIMIT 1) r
        RETURNING id::text, extract(epoch FROM starts_at)::bigint""",
        biz.org_id, biz.service if service else None, customer, booked_ago, starts_in,
        biz.org_id)
    return appointment, customer, starts


def scan(db):
    [(n,)] = sql(db, "SELECT reminders_schedule()")
    return n


def reminder_jobs(db, appointment):
    return sql(db, "SELECT id::text, payload->>'reminder', dedupe_key FROM jobs "
                   "WHERE kind = 'reminder.send' AND payload->>'appointment_id' = %s "
                   "ORDER BY created_at", appointment)


def wait_job(db, job, timeout=30):
    end = time.monotonic() + timeout
    while True:
        [(status, error)] = sql(db, "SELECT status, last_error FROM jobs WHERE id = %s", job)
        if status in ("done", "failed", "dead"):
            return status
        assert time.monotonic() < end, "job %s stayed %s (%s)" % (job, status, error)
        time.sleep(0.1)


def texts_to(number):
    assert FAKE, "scripts/test starts a Twilio fake and exports SB_TWILIO_FAKE_URL"
    sent = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    return [m["body"] for m in sent if m["to"] == number]


def say(epoch, zone="America/Chicago"):
    """A moment as the reminder says it: "Tuesday, March 3 at 2:30 PM" (2 PM on the hour)."""
    t = datetime.fromtimestamp(epoch, ZoneInfo(zone))
    hour = t.hour % 12 or 12
    clock = "%d:%02d" % (hour, t.minute) if t.minute else "%d" % hour
    return "%s, %s %d at %s %s" % (t.strftime("%A"), t.strftime("%B"), t.day, clock,
                                   "AM" if t.hour < 12 else "PM")


def expected(biz, starts, service="Drain cleaning"):
    return ("Reminder: your %s with %s is on %s. Reply C to cancel or R to reschedule." %
            (service, biz.name, say(starts)))


def test_a_due_reminder_is_texted_exactly_once(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes")
    scan(owner_db)
    # Two runners scanning at the same moment queue it once between them.
    threads = [threading.Thread(target=lambda: scan_alone()) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    scan(owner_db)
    jobs = reminder_jobs(owner_db, appointment)
    assert [(j[1], j[2]) for j in jobs] == [
        ("first", "reminder:%s:first:%d" % (appointment, starts))]
    assert wait_job(owner_db, jobs[0][0]) == "done"
    assert texts_to(customer) == [expected(line, starts)]
    # The job run again (a runner that died after sending, say) texts nothing more.
    sql(owner_db, "UPDATE jobs SET status = 'queued', run_at = now(), finished_at = NULL "
                  "WHERE id = %s", jobs[0][0])
    assert wait_job(owner_db, jobs[0][0]) == "done"
    assert texts_to(customer) == [expected(line, starts)]
    assert sql(owner_db, "SELECT purpose, status, appointment_id::text FROM notifications "
                         "WHERE org_id = %s AND to_address = %s", line.org_id, customer) == [
        ("reminder", "sent", appointment)]
    # The job pruned by retention long before the appointment: never queued again.
    sql(owner_db, "DELETE FROM jobs WHERE id = %s", jobs[0][0])
    scan(owner_db)
    assert reminder_jobs(owner_db, appointment) == []
    assert texts_to(customer) == [expected(line, starts)]


def scan_alone():
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    try:
        scan(db)
    finally:
        db.close()


def test_no_reminder_for_a_cancelled_appointment(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes")
    sql(owner_db, "UPDATE appointments SET status = 'cancelled' WHERE id = %s", appointment)
    scan(owner_db)
    assert reminder_jobs(owner_db, appointment) == []
    # One queued before the cancellation is not sent either.
    job = queue_reminder(owner_db, line, appointment, starts)
    assert wait_job(owner_db, job) == "done"
    assert texts_to(customer) == []
    assert sql(owner_db, "SELECT 1 FROM notifications WHERE to_address = %s", customer) == []


def queue_reminder(db, biz, appointment, starts):
    [(job,)] = sql(db, """INSERT INTO jobs (org_id, kind, payload, dedupe_key)
                          VALUES (%s, 'reminder.send', %s::jsonb, %s) RETURNING id::text""",
                   biz.org_id, json.dumps({"appointment_id": appointment, "reminder": "first",
                                           "starts_at": starts}),
                   "reminder:%s:first:%d" % (appointment, starts))
    return job


def test_a_moved_appointment_gets_its_own_reminder(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes")
    # Moved after its reminder for the old time was queued: not sent for the old time.
    sql(owner_db, "UPDATE appointments SET starts_at = starts_at + interval '5 minutes', "
                  "ends_at = ends_at + interval '5 minutes', "
                  "blocked_until = blocked_until + interval '5 minutes' WHERE id = %s",
        appointment)
    old_job = queue_reminder(owner_db, line, appointment, starts)
    assert wait_job(owner_db, old_job) == "done"
    # Nothing for the old time (the job runner's own scan may already have reminded of the new
    # one: what is sent in all is checked below).
    assert expected(line, starts) not in texts_to(customer)
    # Moved now, its new time is reminded of, once.
    scan(owner_db)
    scan(owner_db)
    jobs = reminder_jobs(owner_db, appointment)
    new_starts = starts + 300
    assert [j[2] for j in jobs] == [None, "reminder:%s:first:%d" % (appointment, new_starts)]
    assert wait_job(owner_db, jobs[1][0]) == "done"
    assert texts_to(customer) == [expected(line, new_starts)]


def test_no_reminder_to_a_number_that_opted_out(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes")
    sql(owner_db, "INSERT INTO opt_outs (org_id, phone, reason) VALUES (%s, %s, 'STOP')",
        line.org_id, customer)
    scan(owner_db)
    [(job, _, _)] = reminder_jobs(owner_db, appointment)
    assert wait_job(owner_db, job) == "done"
    assert texts_to(customer) == []
    assert sql(owner_db, "SELECT status FROM notifications WHERE to_address = %s",
               customer) == [("skipped",)]


def test_a_reminder_whose_moment_passed_at_booking_is_not_sent(line, owner_db):
    # Booked 20 hours ahead: the day-ahead reminder's moment passed four hours before.
    late, _, _ = book(owner_db, line, "20 hours")
    # Booked 50 minutes ahead: the hour-ahead moment passed 10 minutes before; a little, so sent.
    soon, soon_customer, soon_starts = book(owner_db, line, "50 minutes")
    # Booked 30 minutes ahead: 30 minutes late is too late.
    sooner, _, _ = book(owner_db, line, "30 minutes")
    scan(owner_db)
    assert reminder_jobs(owner_db, late) == []
    assert reminder_jobs(owner_db, sooner) == []
    [(job, which, _)] = reminder_jobs(owner_db, soon)
    assert which == "second"
    assert wait_job(owner_db, job) == "done"
    assert texts_to(soon_customer) == [expected(line, soon_starts)]


def test_only_the_nearer_of_two_due_reminders_goes(line, owner_db):
    # Booked days ago, and the runner was away: both moments have passed; one text, not two.
    appointment, _, _ = book(owner_db, line, "40 minutes", booked_ago="3 days")
    scan(owner_db)
    assert [j[1] for j in reminder_jobs(owner_db, appointment)] == ["second"]


def settings(client, **fields):
    data = {"reminders_enabled": "1", "first_minutes": "1440", "second_minutes": "60"}
    data.update(fields)
    return client.post_form("/settings/reminders", {k: v for k, v in data.items()
                                                     if v is not None})


def test_the_times_are_the_business_own(line, owner_db):
    r = settings(line, first_minutes="120", second_minutes="off")
    assert r.status_code == 303, r.text[:500]
    assert sql(owner_db, "SELECT reminders_enabled, reminder_first_minutes, "
                         "reminder_second_minutes FROM organizations WHERE id = %s",
               line.org_id) == [(True, 120, None)]
    page = line.get("/settings/reminders")
    assert page.status_code == 200
    assert '<option value="120" selected>2 hours before</option>' in page.text
    assert '<option value="off" selected>Off</option>' in page.text
    two_hours, customer, starts = book(owner_db, line, "1 hour 55 minutes")
    day, _, _ = book(owner_db, line, "23 hours 50 minutes")
    hour, _, _ = book(owner_db, line, "50 minutes")
    scan(owner_db)
    assert reminder_jobs(owner_db, day) == []
    assert reminder_jobs(owner_db, hour) == []
    [(job, which, _)] = reminder_jobs(owner_db, two_hours)
    assert which == "first"
    assert wait_job(owner_db, job) == "done"
    assert texts_to(customer) == [expected(line, starts)]


def test_the_off_switch(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes")
    r = settings(line, reminders_enabled=None)
    assert r.status_code == 303
    # One queued before the switch went off is not sent either.
    job = queue_reminder(owner_db, line, appointment, starts)
    assert wait_job(owner_db, job) == "done"
    scan(owner_db)
    assert len(reminder_jobs(owner_db, appointment)) == 1
    assert texts_to(customer) == []


def test_no_service_names_the_appointment(line, owner_db):
    appointment, customer, starts = book(owner_db, line, "23 hours 50 minutes", service=False)
    scan(owner_db)
    [(job, _, _)] = reminder_jobs(owner_db, appointment)
    assert wait_job(owner_db, job) == "done"
    assert texts_to(customer) == [
        "Reminder: your appointment with %s is on %s. Reply C to cancel or R to reschedule." %
        (line.name, say(starts))]


@pytest.mark.parametrize("fields,field", [
    ({"first_minutes": "5"}, "first_minutes"),
    ({"first_minutes": "abc"}, "first_minutes"),
    ({"second_minutes": "99999999999999999999"}, "second_minutes"),
    ({"first_minutes": "60", "second_minutes": "60"}, "second_minutes"),
])
def test_bad_settings_are_refused_and_change_nothing(line, owner_db, fields, field):
    r = settings(line, **fields)
    assert r.status_code == 422, r.text[:300]
    assert 'class="field-error"' in r.text
    assert sql(owner_db, "SELECT reminder_first_minutes, reminder_second_minutes "
                         "FROM organizations WHERE id = %s", line.org_id) == [(1440, 60)]


def test_a_bad_job_payload_fails_cleanly(line, owner_db):
    [(job,)] = sql(owner_db, """INSERT INTO jobs (org_id, kind, payload)
                                VALUES (%s, 'reminder.send', '{"appointment_id": "x'' OR 1=1",
                                        "reminder": "first", "starts_at": "soon"}')
                                RETURNING id::text""", line.org_id)
    assert wait_job(owner_db, job) == "failed"


def test_another_business_settings_are_untouched(line, other_business, owner_db):
    settings(line, reminders_enabled=None)
    assert sql(owner_db, "SELECT reminders_enabled FROM organizations WHERE id = %s",
               other_business.org_id) == [(True,)]
