"""test_sms_jobs: the job runner texts customers through Twilio (the stack's Twilio fake), and
every message is recorded with what became of it: sent once from the business's number, only
logged with texting off, skipped for a number that opted out, failed with Twilio's reason, retried
with backoff when Twilio has a server error, and never sent twice when a job is claimed again."""
import html
import json
import os
import random
import time

import pytest
import requests

from conftest import sql

FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
SETTLED = ("done", "failed", "dead")


@pytest.fixture(autouse=True)
def twilio():
    """The stack's Twilio fake, answering normally and with nothing recorded."""
    assert FAKE, "scripts/test starts a Twilio fake and exports SB_TWILIO_FAKE_URL"
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()
    yield FAKE
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()


def fake(method, what, value=None):
    r = requests.request(method, FAKE + "/_fake/" + what, json=value, timeout=10)
    r.raise_for_status()
    return r.json()


def texts_to(number):
    return [m for m in fake("GET", "messages") if m["to"] == number]


def new_number():
    return "+1555%07d" % random.randrange(10 ** 7)


@pytest.fixture
def texting(business, owner_db):
    """The business with texting on and two active numbers (and an older inactive one): the
    oldest active number is the one messages come from."""
    org = business.org_id
    sql(owner_db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", org)
    numbers = [new_number() for _ in range(3)]
    for age, (e164, active) in enumerate(zip(numbers, (False, True, True))):
        sql(owner_db, """INSERT INTO phone_numbers (org_id, e164, active, created_at, verified_at)
                         VALUES (%s, %s, %s, now() - make_interval(days => %s), now())""",
            org, e164, active, 10 - age)
    business.from_number = numbers[1]
    return business


def book_with_confirmation(app_db, org, to, delay_seconds=0):
    """An appointment and its confirmation job, in one transaction, as lib/domain/booking.c queues it."""
    body = "Your Drain cleaning appointment with Test Business is booked for Friday at 10 AM. " \
           "Reply STOP to opt out."
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (org,))
        cur.execute("""INSERT INTO appointments (org_id, customer_name, customer_phone, starts_at,
                                                 ends_at)
                       VALUES (%s, 'Pat Caller', %s, now() + interval '3 days',
                               now() + interval '3 days 1 hour') RETURNING id""", (org, to))
        appointment = str(cur.fetchone()[0])
        payload = {"appointment_id": appointment, "to": to, "body": body,
                   "purpose": "confirmation"}
        cur.execute("SELECT jobs_enqueue('sms.send', %s::jsonb, "
                    "now() + make_interval(secs => %s), %s)",
                    (json.dumps(payload), delay_seconds, "confirmation:" + appointment))
        job = str(cur.fetchone()[0])
    app_db.commit()
    return job, appointment, body


def wait_job(db, job, until=lambda status, attempts: status in SETTLED, timeout=20):
    """Wait for the runner to take the job as far as until(); returns (status, attempts,
    last_error, run_at is in the future)."""
    end = time.monotonic() + timeout
    while True:
        row = sql(db, "SELECT status, attempts, last_error, run_at > now() FROM jobs WHERE id = %s",
                  job)[0]
        if until(row[0], row[1]):
            return row
        assert time.monotonic() < end, "job %s stayed %r" % (job, row)
        time.sleep(0.1)


def notifications_of(db, job):
    return sql(db, """SELECT status, to_address, body, coalesce(error, ''), provider_message_id,
                             purpose, appointment_id::text, lead_id::text, sent_at IS NOT NULL
                      FROM notifications WHERE job_id = %s ORDER BY created_at""", job)


def add_lead(db, org, phone, name="Lee Lead"):
    return str(sql(db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, %s) RETURNING id",
                   org, phone, name)[0][0])


def lead_sms_job(client, db, lead, body):
    """Text a lead from its page; returns the job the page queued."""
    r = client.post_form(f"/leads/{lead}/sms", {"sms_body": body})
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return str(sql(db, "SELECT id FROM jobs WHERE kind = 'sms.send' AND payload ->> 'lead_id' = %s",
                   lead)[0][0])


def test_booking_confirmation_is_sent_once_from_the_business_number(texting, owner_db, app_db):
    to = new_number()
    job, appointment, body = book_with_confirmation(app_db, texting.org_id, to)
    assert wait_job(owner_db, job)[:3] == ("done", 1, None)
    sent = texts_to(to)
    assert [(m["from"], m["body"]) for m in sent] == [(texting.from_number, body)]
    assert notifications_of(owner_db, job) == [
        ("sent", to, body, "", sent[0]["sid"], "confirmation", appointment, None, True)]
    assert sent[0]["sid"].startswith("SM")
    # The booking's dedupe key queues one confirmation per appointment.
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (texting.org_id,))
        cur.execute("SELECT jobs_enqueue('sms.send', '{}', now(), %s)", ("confirmation:" + appointment,))
        assert cur.fetchone()[0] is None
    app_db.commit()


def test_texting_off_only_logs(business, owner_db, app_db):
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", business.org_id,
        new_number())
    to = new_number()
    job, appointment, body = book_with_confirmation(app_db, business.org_id, to)
    assert wait_job(owner_db, job)[:3] == ("done", 1, None)
    assert texts_to(to) == []
    assert notifications_of(owner_db, job) == [
        ("logged", to, body, "text messages are off for this business; nothing was sent", None,
         "confirmation", appointment, None, False)]


def test_opted_out_number_is_skipped(texting, owner_db, app_db):
    to = new_number()
    # Stored as the customer typed it; the digits are the same number.
    sql(owner_db, "INSERT INTO opt_outs (org_id, phone, reason) VALUES (%s, %s, 'STOP')",
        texting.org_id, "1 (%s) %s-%s" % (to[2:5], to[5:8], to[8:]))
    job, _, _ = book_with_confirmation(app_db, texting.org_id, to)
    assert wait_job(owner_db, job)[:3] == ("done", 1, None)
    assert texts_to(to) == []
    rows = notifications_of(owner_db, job)
    assert [(r[0], r[3]) for r in rows] == [
        ("skipped", "the number opted out of text messages (it replied STOP)")]


def test_lead_text_is_sent_and_shown_under_messages(texting, owner_db):
    to = new_number()
    lead = add_lead(owner_db, texting.org_id, to)
    job = lead_sms_job(texting, owner_db, lead, "Hi Lee, we can come Friday morning.")
    assert wait_job(owner_db, job)[0] == "done"
    assert [m["body"] for m in texts_to(to)] == ["Hi Lee, we can come Friday morning."]
    page = html.unescape(texting.get(f"/leads/{lead}").text)
    messages = page[page.index("<h2>Messages</h2>"):]
    actions = page[page.index("<h2>Actions</h2>"):page.index("<h2>Notes</h2>")]
    assert ">Sent<" in actions and ">Done<" not in actions and ">Logged, not sent<" not in page
    assert "Hi Lee, we can come Friday morning." in messages and ">Sent<" in messages


def test_twilio_refusal_fails_the_job_with_its_message_on_the_lead_page(texting, owner_db):
    to = new_number()
    fake("POST", "invalid_numbers", {"numbers": [to]})
    lead = add_lead(owner_db, texting.org_id, to)
    job = lead_sms_job(texting, owner_db, lead, "Your quote is ready.")
    status, attempts, error, _ = wait_job(owner_db, job)
    reason = "Invalid 'To' Phone Number: %s (Twilio error 21211)" % to
    assert (status, attempts, error) == ("failed", 1, reason)
    assert texts_to(to) == []
    assert [(r[0], r[3]) for r in notifications_of(owner_db, job)] == [("failed", reason)]
    page = html.unescape(texting.get(f"/leads/{lead}").text)
    assert ">Failed<" in page and "Last error: " + reason in page
    messages = page[page.index("<h2>Messages</h2>"):]
    assert "Your quote is ready." in messages and reason in messages


def test_twilio_server_error_retries_with_backoff(texting, owner_db):
    to = new_number()
    fake("POST", "behave", {"behaviour": "fail", "fail_status": 500})
    lead = add_lead(owner_db, texting.org_id, to)
    job = lead_sms_job(texting, owner_db, lead, "Running ten minutes late.")
    status, attempts, error, later = wait_job(owner_db, job, lambda s, n: s == "queued" and n == 1)
    assert (status, attempts, later) == ("queued", 1, True)
    assert error == "Internal Server Error (Twilio error 20500)"
    assert [(r[0], r[3]) for r in notifications_of(owner_db, job)] == [("failed", error)]
    page = html.unescape(texting.get(f"/leads/{lead}").text)
    assert ">Retrying<" in page and "Attempt 1 of 5 failed" in page
    # Twilio recovers; the next attempt (brought forward) sends it, once.
    fake("POST", "behave", {"behaviour": "normal"})
    sql(owner_db, "UPDATE jobs SET run_at = now() WHERE id = %s", job)
    assert wait_job(owner_db, job)[:2] == ("done", 2)
    assert [m["body"] for m in texts_to(to)] == ["Running ten minutes late."]
    assert [r[0] for r in notifications_of(owner_db, job)] == ["failed", "sent"]


def crash_and_requeue(db, job):
    """As if the runner died holding the job: running, locked long ago, then released."""
    sql(db, """UPDATE jobs SET status = 'running', locked_by = 'crashed-runner',
                               locked_at = now() - interval '10 minutes', finished_at = NULL
               WHERE id = %s""", job)
    sql(db, "SELECT jobs_requeue_stale(interval '5 minutes')")


def test_job_claimed_again_after_a_crash_is_not_sent_twice(texting, owner_db, app_db):
    to = new_number()
    job, _, body = book_with_confirmation(app_db, texting.org_id, to)
    assert wait_job(owner_db, job)[0] == "done"
    crash_and_requeue(owner_db, job)
    assert wait_job(owner_db, job, lambda s, n: s in SETTLED and n == 2)[:2] == ("done", 2)
    assert [m["body"] for m in texts_to(to)] == [body]
    assert [r[0] for r in notifications_of(owner_db, job)] == ["sent"]


def test_crash_while_sending_is_not_sent_again(texting, owner_db, app_db):
    """The runner asked Twilio and died before hearing back: Twilio may have the message, so the
    job fails rather than risk a second text."""
    to = new_number()
    # Due later, so nothing runs it while the dead attempt's traces are arranged.
    job, appointment, body = book_with_confirmation(app_db, texting.org_id, to, 3600)
    sql(owner_db, """INSERT INTO notifications (org_id, channel, purpose, to_address, body, status,
                                                appointment_id, job_id)
                     VALUES (%s, 'sms', 'confirmation', %s, %s, 'queued', %s, %s)""",
        texting.org_id, to, body, appointment, job)
    crash_and_requeue(owner_db, job)
    status, attempts, error, _ = wait_job(owner_db, job, lambda s, n: s in SETTLED and n >= 1)
    assert status == "failed" and "not sent again" in error
    assert texts_to(to) == []
    assert [(r[0], r[3]) for r in notifications_of(owner_db, job)] == [("failed", error)]
