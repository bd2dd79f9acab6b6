"""test_alerts: the owner's alerts keep the promise of Settings -> Notifications: every new
booking, urgent call, hot lead and missed call, each on or off per channel (text, email), to
each recipient, held through quiet hours, saying why they were sent with a link to the call,
never twice when the analysis runs again. Also the daily summary and the information email."""
import datetime
import email
import email.policy
import json
import os
import time
import uuid
import zoneinfo

import pytest
import requests

from conftest import sql

FAKE = os.environ.get("SB_SMTP_FAKE_URL", "")
SETTLED = ("done", "failed", "dead")


@pytest.fixture(autouse=True)
def relay():
    assert FAKE
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()
    yield
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()


def mails_to(address):
    got = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    return [email.message_from_string(m["data"], policy=email.policy.default)
            for m in got if address in m["rcpt_tos"]]


def phone():
    return "+1555%07d" % (uuid.uuid4().int % 10 ** 7)


def address():
    return f"owner-{uuid.uuid4().hex[:8]}@example.test"


@pytest.fixture
def shop(business, owner_db):
    org = business.org_id
    business.number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        org, business.number)
    sql(owner_db, "INSERT INTO services (org_id, name, price_cents, keywords) VALUES "
                  "(%s, 'Drain cleaning', 14900, ARRAY['drain', 'clog', 'clogged']), "
                  "(%s, 'Emergency plumbing', 30000, ARRAY['burst', 'flood', 'flooding'])",
        org, org)
    return business


def channels(db, org, sms=None, mail=None):
    """Alert settings: sms / mail are (recipients, set of kinds) or None for none."""
    sql(db, "DELETE FROM alert_channels WHERE org_id = %s", org)
    for channel, setting in (("sms", sms), ("email", mail)):
        if setting is None:
            continue
        recipients, kinds = setting
        sql(db, """INSERT INTO alert_channels (org_id, channel, recipients, on_booking, on_urgent,
                                               on_hot_lead, on_missed_call)
                   VALUES (%s, %s, %s, %s, %s, %s, %s)""", org, channel, recipients,
            "booking" in kinds, "urgent" in kinds, "hot" in kinds, "missed" in kinds)


def wait_job(db, job, timeout=30):
    end = time.monotonic() + timeout
    while True:
        (status, error), = sql(db, "SELECT status, last_error FROM jobs WHERE id = %s", job)
        if status in SETTLED:
            assert status == "done", (status, error)
            return
        assert time.monotonic() < end, (status, error)
        time.sleep(0.1)


def analyze(db, org, call_id):
    (job,), = sql(db, "INSERT INTO jobs (org_id, kind, payload) VALUES (%s, 'call.analyze', %s) "
                      "RETURNING id", org, json.dumps({"call_id": call_id}))
    wait_job(db, str(job))


def call(db, shop, kind):
    """A finished call of kind 'missed', 'urgent' or 'booked', analyzed: its id."""
    caller = phone()
    status, turns, state = "completed", [], {}
    if kind == "missed":
        status = "no-answer"
    elif kind == "urgent":
        turns = [("caller", "A pipe burst and the basement is flooding, please hurry")]
        state = {"urgent": True, "name": "Sam Storm"}
    else:
        # Each booking an hour of its own, so bookings of one test never overlap.
        starts = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                  + datetime.timedelta(days=3, hours=uuid.uuid4().int % 2000))
        (appt,), = sql(db, """INSERT INTO appointments (org_id, customer_name, customer_phone,
                                                       starts_at, ends_at)
                              VALUES (%s, 'Pat Lee', %s, %s, %s) RETURNING id""",
                       shop.org_id, caller, starts, starts + datetime.timedelta(hours=1))
        turns = [("caller", "My kitchen drain is clogged, can you come? Thanks, that's great")]
        state = {"name": "Pat Lee", "phone": caller, "phone_confirmed": True,
                 "appointment_id": str(appt), "starts_at": int(starts.timestamp())}
    (call_id,), = sql(db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                                                to_number, status, started_at, answered_at,
                                                ended_at, duration_seconds)
                             VALUES (%s, 'twilio', %s, %s, %s, %s, now() - interval '3 minutes',
                                     now() - interval '3 minutes', now(), 120) RETURNING id""",
                      shop.org_id, "CA" + uuid.uuid4().hex, caller, shop.number, status)
    call_id = str(call_id)
    for seq, (speaker, text) in enumerate(turns):
        sql(db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
                "VALUES (%s, %s, %s, %s, %s)", shop.org_id, call_id, seq, speaker, text)
    sql(db, "INSERT INTO call_sessions (org_id, call_id, state) VALUES (%s, %s, %s)",
        shop.org_id, call_id, json.dumps(state))
    analyze(db, shop.org_id, call_id)
    return call_id


def text_alerts(db, call_id):
    return [r[0] for r in sql(db, """SELECT payload FROM jobs WHERE kind = 'sms.send'
                                     AND payload->>'purpose' = 'owner_alert'
                                     AND payload->>'call_id' = %s ORDER BY created_at""", call_id)]


def mail_jobs(db, call_id):
    return sql(db, """SELECT id, payload, run_at > now() + interval '1 minute' FROM jobs
                      WHERE kind = 'mail.send' AND payload->>'call_id' = %s
                      ORDER BY created_at""", call_id)


def settle_mail(db, call_id):
    for job, _, _ in mail_jobs(db, call_id):
        wait_job(db, str(job))


def test_each_kind_goes_only_where_it_is_switched_on(shop, owner_db):
    boss = address()
    channels(owner_db, shop.org_id, sms=([phone()], {"urgent"}), mail=([boss], {"missed"}))
    missed = call(owner_db, shop, "missed")
    urgent = call(owner_db, shop, "urgent")
    booked = call(owner_db, shop, "booked")
    settle_mail(owner_db, missed)
    # Missed: email only.
    assert text_alerts(owner_db, missed) == []
    (msg,) = mails_to(boss)
    assert str(msg["Subject"]).startswith("Missed call: ")
    body = msg.get_body(("plain",)).get_content()
    assert f"/calls/{missed}" in body
    assert "ask for an email about every missed call" in body
    assert f'href="http://' in msg.get_body(("html",)).get_content()
    assert msg["List-Unsubscribe"] is None  # an alert the owner asked for
    # Urgent: text only, saying why, with the link.
    (text,) = text_alerts(owner_db, urgent)
    assert text["body"].startswith("Urgent call: Sam Storm")
    assert f"/calls/{urgent}" in text["body"]
    assert "you asked for a text about every urgent call" in text["body"]
    assert mail_jobs(owner_db, urgent) == []
    # Booked and hot: neither is switched on anywhere.
    assert text_alerts(owner_db, booked) == [] and mail_jobs(owner_db, booked) == []
    # Switched on, the next booking is emailed; "hot lead" is off, so it says booking only.
    channels(owner_db, shop.org_id, mail=([boss], {"booking"}))
    booked = call(owner_db, shop, "booked")
    settle_mail(owner_db, booked)
    msg = mails_to(boss)[-1]
    assert str(msg["Subject"]).startswith("New booking: Pat Lee")
    assert "Hot lead" not in str(msg["Subject"])
    assert "every new booking." in msg.get_body(("plain",)).get_content()
    # Both on: one message per recipient naming both reasons.
    channels(owner_db, shop.org_id, sms=([phone()], {"booking", "hot"}))
    booked = call(owner_db, shop, "booked")
    (text,) = text_alerts(owner_db, booked)
    assert text["body"].startswith("New booking, hot lead: Pat Lee")
    assert "every new booking and every hot lead" in text["body"]


def test_every_recipient_gets_one_and_a_rerun_sends_nothing_more(shop, owner_db):
    a, b = address(), address()
    numbers = [phone(), phone()]
    channels(owner_db, shop.org_id, sms=(numbers, {"urgent"}), mail=([a, b], {"urgent"}))
    urgent = call(owner_db, shop, "urgent")
    settle_mail(owner_db, urgent)
    assert sorted(t["to"] for t in text_alerts(owner_db, urgent)) == sorted(numbers)
    assert len(mails_to(a)) == 1 and len(mails_to(b)) == 1
    analyze(owner_db, shop.org_id, urgent)
    settle_mail(owner_db, urgent)
    assert len(text_alerts(owner_db, urgent)) == 2
    assert len(mails_to(a)) == 1 and len(mails_to(b)) == 1
    rows = sql(owner_db, """SELECT to_address, status, purpose FROM notifications
                            WHERE call_id = %s AND channel = 'email'""", urgent)
    assert sorted(rows) == sorted([(a, "sent", "alert"), (b, "sent", "alert")])


def test_quiet_hours_hold_alerts_until_they_end(shop, owner_db):
    boss = address()
    channels(owner_db, shop.org_id, sms=([phone()], {"missed"}), mail=([boss], {"missed"}))
    tz = zoneinfo.ZoneInfo("America/New_York")
    now = datetime.datetime.now(tz)
    start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
    end = (now + datetime.timedelta(hours=2)).strftime("%H:%M")
    sql(owner_db, "UPDATE organizations SET timezone = 'America/New_York', quiet_start = %s, "
                  "quiet_end = %s WHERE id = %s", start, end, shop.org_id)
    missed = call(owner_db, shop, "missed")
    (job, _, later), = mail_jobs(owner_db, missed)
    assert later
    (due,), = sql(owner_db, "SELECT run_at FROM jobs WHERE id = %s", job)
    expected = (now + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)
    assert abs((due - expected).total_seconds()) < 120
    (text_due,), = sql(owner_db, """SELECT run_at FROM jobs WHERE kind = 'sms.send'
                                    AND payload->>'call_id' = %s""", missed)
    assert abs((text_due - due).total_seconds()) < 5
    time.sleep(1)
    assert mails_to(boss) == []
    # Outside the quiet hours an alert goes at once.
    start = (now + datetime.timedelta(hours=1)).strftime("%H:%M")
    end = (now + datetime.timedelta(hours=3)).strftime("%H:%M")
    sql(owner_db, "UPDATE organizations SET quiet_start = %s, quiet_end = %s WHERE id = %s",
        start, end, shop.org_id)
    missed = call(owner_db, shop, "missed")
    (job, _, later), = mail_jobs(owner_db, missed)
    assert not later
    wait_job(owner_db, str(job))
    assert len(mails_to(boss)) == 1


def test_settings_page_says_exactly_what_will_be_sent(shop, owner_db):
    boss = address()
    r = shop.post_form("/settings/notifications", {
        "sms_recipients": "+15550104444, +15550105555", "sms_on_urgent": "1",
        "sms_on_hot_lead": "1", "email_recipients": boss, "email_on_missed_call": "1",
        "quiet_start": "22:00", "quiet_end": "07:00", "summary_hour": "18"})
    assert r.status_code == 303, r.text[:500]
    page = shop.get("/settings/notifications").text
    assert ("A text to +15550104444, +15550105555 about every urgent call and every hot lead, "
            "saying why it was sent, with a link to the call. Texts are switched off above, "
            "so these are only logged, not sent.") in page
    assert f"An email to {boss} about every missed call" in page
    assert "Quiet hours 22:00 to 07:00 (America/New_York): an alert that comes up then is held, " \
           "and sent at 07:00." in page
    assert f"A daily summary is emailed to {boss} at 18:00" in page
    assert "on a day with no calls none is sent" in page
    rows = sql(owner_db, """SELECT channel, recipients, on_booking, on_urgent, on_hot_lead,
                                   on_missed_call FROM alert_channels WHERE org_id = %s
                            ORDER BY channel""", shop.org_id)
    assert rows == [("email", [boss], False, False, False, True),
                    ("sms", ["+15550104444", "+15550105555"], False, True, True, False)]


@pytest.mark.parametrize("form, message", [
    ({"quiet_start": "22:00"}, "quiet hours need a start and an end"),
    ({"quiet_start": "25:00", "quiet_end": "07:00"}, "a time such as 22:00"),
    ({"email_recipients": "a@example.test, evil@example.test\r\nBcc: x@example.test"},
     "enter an email address"),
    ({"email_recipients": ",".join(f"a{i}@example.test" for i in range(11))},
     "at most 10 recipients"),
    ({"summary_hour": "24"}, ""),
])
def test_settings_bad_input_changes_nothing(shop, owner_db, form, message):
    r = shop.post_form("/settings/notifications", form)
    assert r.status_code == 422
    assert message in r.text
    assert sql(owner_db, "SELECT count(*) FROM alert_channels WHERE org_id = %s",
               shop.org_id) == [(0,)]


def test_email_settings_refuse_header_injection(shop, owner_db):
    r = shop.post_form("/settings/email", {"mail_sender_name": "Acme\r\nBcc: x@example.test",
                                           "mail_reply_to": "a@b.test>, c@d.test",
                                           "info_logo_url": "javascript:alert(1)"})
    assert r.status_code == 422
    assert "one line of text" in r.text and "an https:// address of an image" in r.text
    (row,), = [sql(owner_db, "SELECT mail_sender_name, mail_reply_to FROM organizations "
                             "WHERE id = %s", shop.org_id)]
    assert row == (None, None)


# ---------- The daily summary ----------

def summary_day(db, org):
    """Ask for the summary now, as the runner does when the business's hour comes."""
    tz = "America/New_York"
    hour = datetime.datetime.now(zoneinfo.ZoneInfo(tz)).hour
    sql(db, "UPDATE organizations SET timezone = %s, summary_hour = %s WHERE id = %s",
        tz, hour, org)
    sql(db, "SELECT mail_summary_schedule()")
    sql(db, "SELECT mail_summary_schedule()")
    jobs = sql(db, "SELECT id FROM jobs WHERE org_id = %s AND kind = 'mail.summary'", org)
    assert len(jobs) == 1  # once a day however often it is asked
    wait_job(db, str(jobs[0][0]))
    for (job,) in sql(db, "SELECT id FROM jobs WHERE org_id = %s AND kind = 'mail.send' "
                          "AND payload->>'purpose' = 'daily_summary'", org):
        wait_job(db, str(job))


def test_daily_summary_counts_the_day_once(shop, owner_db):
    boss = address()
    channels(owner_db, shop.org_id, mail=([boss], set()))
    call(owner_db, shop, "missed")
    call(owner_db, shop, "booked")
    call(owner_db, shop, "urgent")
    summary_day(owner_db, shop.org_id)
    (msg,) = mails_to(boss)
    assert str(msg["Subject"]).startswith("Your day: 3 calls")
    text = msg.get_body(("plain",)).get_content()
    assert "Calls answered: 2" in text
    assert "Bookings: 1, worth $149.00" in text
    assert "Missed calls: 1 (0 texted back)" in text
    assert "Sam Storm" in text  # a lead to call back
    assert msg["List-Unsubscribe"] is not None
    summary_day(owner_db, shop.org_id)
    assert len(mails_to(boss)) == 1


def test_no_summary_on_a_day_without_calls_unless_asked(shop, owner_db):
    boss = address()
    channels(owner_db, shop.org_id, mail=([boss], set()))
    summary_day(owner_db, shop.org_id)
    assert mails_to(boss) == []
    other = address()
    channels(owner_db, shop.org_id, mail=([other], set()))
    sql(owner_db, "UPDATE organizations SET summary_on_quiet_days = true WHERE id = %s",
        shop.org_id)
    sql(owner_db, "DELETE FROM jobs WHERE org_id = %s AND kind = 'mail.summary'", shop.org_id)
    summary_day(owner_db, shop.org_id)
    (msg,) = mails_to(other)
    assert "No calls" in str(msg["Subject"])


# ---------- Send info ----------

def test_send_info_from_a_lead_is_branded_escaped_and_recorded(shop, owner_db):
    sql(owner_db, """UPDATE organizations SET info_subject = 'About us <b>', info_body = %s,
                     info_logo_url = 'https://example.test/logo.png?a=1&b=2' WHERE id = %s""",
        "We fix drains.\n\n<script>alert(1)</script> & more", shop.org_id)
    (lead,), = sql(owner_db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, 'Kim') "
                             "RETURNING id", shop.org_id, phone())
    to = address()
    r = shop.post_form(f"/leads/{lead}/info", {"email": to})
    assert r.status_code == 303, r.text[:500]
    (job,), = sql(owner_db, "SELECT id FROM jobs WHERE kind = 'mail.send' "
                            "AND payload->>'lead_id' = %s", str(lead))
    wait_job(owner_db, str(job))
    (msg,) = mails_to(to)
    assert str(msg["Subject"]) == "About us <b>"
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert 'src="https://example.test/logo.png?a=1&amp;b=2"' in html
    assert "We fix drains." in msg.get_body(("plain",)).get_content()
    assert msg["List-Unsubscribe"] is not None
    # Recorded on the lead: its email saved, the message on its page.
    assert sql(owner_db, "SELECT email FROM leads WHERE id = %s", lead) == [(to,)]
    assert sql(owner_db, "SELECT purpose, status FROM notifications WHERE lead_id = %s",
               lead) == [("info", "sent")]


@pytest.mark.parametrize("bad", ["not-an-email", "a@b.test\r\nBcc: x@y.test", "a@b.test, c@d.test",
                                 ""])
def test_send_info_refuses_a_bad_address(shop, owner_db, bad):
    (lead,), = sql(owner_db, "INSERT INTO leads (org_id, phone) VALUES (%s, %s) RETURNING id",
                   shop.org_id, phone())
    r = shop.post_form(f"/leads/{lead}/info", {"email": bad})
    assert r.status_code == 422
    assert sql(owner_db, "SELECT count(*) FROM jobs WHERE kind = 'mail.send' "
                         "AND payload->>'lead_id' = %s", str(lead)) == [(0,)]


def test_send_info_cannot_reach_another_business_lead(shop, other_business, owner_db):
    (lead,), = sql(owner_db, "INSERT INTO leads (org_id, phone) VALUES (%s, %s) RETURNING id",
                   other_business.org_id, phone())
    r = shop.post_form(f"/leads/{lead}/info", {"email": address()})
    assert r.status_code == 404
