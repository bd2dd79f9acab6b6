"""test_email: the job runner sends a business's email over SMTP to the stack's mail relay fake
(STARTTLS with a test CA, AUTH): one message per job with Date, Message-ID, the business's
sender name and reply-to, text and HTML; recorded in notifications; retried on a 4xx reply, a
stalled relay or a dropped connection, not on a 5xx; never sent twice; List-Unsubscribe with a
one-click POST that needs no sign-in and ends that address's non-alert mail; a message carrying
a one-time link is sealed in its job, and one that does not open fails cleanly."""
import email
import email.policy
import json
import os
import re
import time
import uuid

import pytest
import requests

from conftest import sql, url

FAKE = os.environ.get("SB_SMTP_FAKE_URL", "")
SETTLED = ("done", "failed", "dead")


@pytest.fixture(autouse=True)
def relay():
    assert FAKE, "scripts/test starts the mail relay fake and exports SB_SMTP_FAKE_URL"
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()
    yield FAKE
    requests.post(FAKE + "/_fake/reset", timeout=10).raise_for_status()


def rule(stage, action, **kw):
    requests.post(FAKE + "/_fake/rule", json={"stage": stage, "action": action, **kw},
                  timeout=10).raise_for_status()


def mails_to(address):
    got = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    return [m for m in got if address in m["rcpt_tos"]]


def parsed(message):
    return email.message_from_string(message["data"], policy=email.policy.default)


def new_address():
    return f"pat-{uuid.uuid4().hex[:10]}@example.test"


def enqueue(app_db, org, payload, dedupe=None):
    """A mail.send job as mail_enqueue() queues it, in the business's transaction."""
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (org,))
        cur.execute("SELECT jobs_enqueue('mail.send', %s::jsonb, now(), %s)",
                    (json.dumps(payload), dedupe))
        job = cur.fetchone()[0]
    app_db.commit()
    return job and str(job)


def wait_job(db, job, until=lambda status, attempts: status in SETTLED, timeout=30):
    end = time.monotonic() + timeout
    while True:
        row = sql(db, "SELECT status, attempts, last_error FROM jobs WHERE id = %s", job)[0]
        if until(row[0], row[1]):
            return row
        assert time.monotonic() < end, "job %s stayed %r" % (job, row)
        time.sleep(0.1)


def rows_of(db, job):
    return sql(db, """SELECT status, channel, to_address, subject, coalesce(error, ''),
                             provider_message_id FROM notifications
                      WHERE job_id = %s ORDER BY created_at""", job)


def payload(to, **kw):
    base = {"to": to, "subject": "Your quote from us", "text": "Hello,\nthe quote is $120.\n",
            "html": "<html><body><p>Hello, the quote is <b>$120</b>.</p></body></html>",
            "purpose": "info", "unsubscribable": False}
    base.update(kw)
    return base


def test_message_goes_out_once_over_starttls_with_auth(business, owner_db, app_db):
    sql(owner_db, """UPDATE organizations SET mail_sender_name = 'Zoë''s Plumbing',
                     mail_reply_to = 'office@zoe.example' WHERE id = %s""", business.org_id)
    to = new_address()
    subject = "Devis pour la réparation de votre chauffe-eau — rendez-vous confirmé demain"
    job = enqueue(app_db, business.org_id, payload(to, subject=subject, purpose="alert"))
    assert wait_job(owner_db, job) == ("done", 1, None)
    sent = mails_to(to)
    assert len(sent) == 1
    m = sent[0]
    assert m["tls"] is True and m["auth_user"] == "switchboard"
    assert m["mail_from"] == "noreply@switchboard.test"
    msg = parsed(m)
    assert str(msg["Subject"]) == subject
    assert msg["From"].addresses[0].display_name == "Zoë's Plumbing"
    assert msg["From"].addresses[0].addr_spec == "noreply@switchboard.test"
    assert str(msg["Reply-To"]) == "office@zoe.example"
    assert str(msg["To"]) == to
    assert re.fullmatch(r"<[0-9a-f-]{36}@switchboard\.test>", str(msg["Message-ID"]))
    assert msg["Date"].datetime.timestamp() == pytest.approx(time.time(), abs=120)
    assert msg["List-Unsubscribe"] is None
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content() .replace("\r\n", "\n") == "Hello,\nthe quote is $120.\n"
    assert "<b>$120</b>" in html.get_content()
    # Every header is ASCII, every line ends in CRLF and none is longer than 78.
    head = m["data"].split("\r\n\r\n", 1)[0]
    assert head.isascii()
    assert all(len(line) <= 78 for line in m["data"].split("\r\n"))
    assert "\n" not in m["data"].replace("\r\n", "")
    msgid = str(msg["Message-ID"]).strip("<>")
    assert rows_of(owner_db, job) == [("sent", "email", to, subject, "", msgid)]


def test_unsubscribable_mail_has_one_click_link_that_ends_that_address_mail(
        business, owner_db, app_db):
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to, purpose="daily_summary",
                                                   unsubscribable=True))
    assert wait_job(owner_db, job)[0] == "done"
    msg = parsed(mails_to(to)[0])
    assert str(msg["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(http\S+/u/([0-9a-f]{64}))>", str(msg["List-Unsubscribe"]))
    assert link, msg["List-Unsubscribe"]
    assert link.group(1) in msg.get_body(("plain",)).get_content()
    token = link.group(2)
    # Only the link's hash is stored.
    assert sql(owner_db, "SELECT count(*) FROM mail_unsubscribe_links WHERE token_hash = %s",
               token) == [(0,)]
    # A scanner that follows the link changes nothing; the provider's POST, with no session,
    # unsubscribes.
    r = requests.get(url(f"/u/{token}"), timeout=10)
    assert r.status_code == 200 and "Unsubscribe" in r.text
    assert sql(owner_db, "SELECT count(*) FROM mail_unsubscribes WHERE org_id = %s",
               business.org_id) == [(0,)]
    r = requests.post(url(f"/u/{token}"), data={"List-Unsubscribe": "One-Click"},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 200 and "unsubscribed" in r.text.lower()
    assert sql(owner_db, "SELECT address FROM mail_unsubscribes WHERE org_id = %s",
               business.org_id) == [(to,)]
    # The link is a secret: the access log shows "/u/…" instead.
    log = os.path.join(os.environ["SB_STATE"], "log", "nginx-access.log")
    deadline = time.monotonic() + 5
    while "/u/" not in open(log, errors="replace").read() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = open(log, errors="replace").read()
    assert token not in text
    assert "/u/\u2026" in text or "/u/…" in text
    # Again: the same answer, nothing more.
    r = requests.post(url(f"/u/{token}"), data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 200
    # The next summary to that address is skipped; an alert the owner asked for still goes.
    job = enqueue(app_db, business.org_id, payload(to.upper(), purpose="daily_summary",
                                                   unsubscribable=True))
    assert wait_job(owner_db, job)[0] == "done"
    assert [r[0] for r in rows_of(owner_db, job)] == ["skipped"]
    job = enqueue(app_db, business.org_id, payload(to, purpose="alert"))
    assert wait_job(owner_db, job)[0] == "done"
    assert len(mails_to(to)) == 2


def test_unknown_or_malformed_unsubscribe_link_is_not_found(business, owner_db):
    r = requests.post(url("/u/" + "ab" * 32), data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert r.status_code == 404 and "not known" in r.text
    for bad in ("xyz", "AB" * 32, "ab" * 31 + "%0d%0a"):
        r = requests.post(url("/u/" + bad), data={"List-Unsubscribe": "One-Click"}, timeout=10)
        assert r.status_code == 404
    assert sql(owner_db, "SELECT count(*) FROM mail_unsubscribes WHERE org_id = %s",
               business.org_id) == [(0,)]


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data"])
def test_4xx_is_retried_and_then_sent_once(business, owner_db, app_db, stage):
    rule(stage, "refuse", code=451, times=1)
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to))
    status, attempts, error = wait_job(owner_db, job, lambda s, n: n >= 1 and s != "running")
    assert (status, attempts) == ("queued", 1)
    assert "451" in error
    assert mails_to(to) == []
    assert [(r[0], "451" in r[4]) for r in rows_of(owner_db, job)] == [("failed", True)]
    sql(owner_db, "UPDATE jobs SET run_at = now() WHERE id = %s", job)
    assert wait_job(owner_db, job)[:2] == ("done", 2)
    assert len(mails_to(to)) == 1
    assert [r[0] for r in rows_of(owner_db, job)] == ["failed", "sent"]


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data"])
def test_5xx_is_not_retried(business, owner_db, app_db, stage):
    rule(stage, "refuse", code=550)
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to))
    status, attempts, error = wait_job(owner_db, job)
    assert (status, attempts) == ("failed", 1)
    assert "550" in error
    assert mails_to(to) == []
    assert [(r[0], "550" in r[4]) for r in rows_of(owner_db, job)] == [("failed", True)]


def test_stalled_relay_times_out_and_is_retried(business, owner_db, app_db):
    rule("data", "stall", seconds=8, times=1)
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to))
    status, attempts, error = wait_job(owner_db, job, lambda s, n: n >= 1 and s != "running")
    assert (status, attempts) == ("queued", 1)
    assert "timeout" in error.lower() or "timed out" in error.lower()
    sql(owner_db, "UPDATE jobs SET run_at = now() WHERE id = %s", job)
    assert wait_job(owner_db, job)[:2] == ("done", 2)
    assert len(mails_to(to)) == 1


def test_dropped_connection_is_retried(business, owner_db, app_db):
    rule("rcpt", "drop", times=1)
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to))
    status, attempts, error = wait_job(owner_db, job, lambda s, n: n >= 1 and s != "running")
    assert (status, attempts) == ("queued", 1), error
    assert "could not reach the mail relay" in error or "answered" in error
    sql(owner_db, "UPDATE jobs SET run_at = now() WHERE id = %s", job)
    assert wait_job(owner_db, job)[:2] == ("done", 2)
    assert len(mails_to(to)) == 1


def test_job_run_again_never_sends_twice(business, owner_db, app_db):
    to = new_address()
    job = enqueue(app_db, business.org_id, payload(to))
    assert wait_job(owner_db, job)[0] == "done"
    sql(owner_db, """UPDATE jobs SET status = 'running', locked_by = 'crashed-runner',
                               locked_at = now() - interval '10 minutes', finished_at = NULL
               WHERE id = %s""", job)
    sql(owner_db, "SELECT jobs_requeue_stale(interval '5 minutes')")
    assert wait_job(owner_db, job, lambda s, n: s in SETTLED and n == 2)[:2] == ("done", 2)
    assert len(mails_to(to)) == 1
    assert [r[0] for r in rows_of(owner_db, job)] == ["sent"]
    # The same dedupe key queues nothing the second time.
    assert enqueue(app_db, business.org_id, payload(to), dedupe="k1")
    assert enqueue(app_db, business.org_id, payload(to), dedupe="k1") is None


def test_hostile_subject_cannot_add_a_header(business, owner_db, app_db):
    to = new_address()
    subject = "Hello\r\nBcc: victim@example.test\r\n\r\n<script>x</script>"
    job = enqueue(app_db, business.org_id, payload(to, subject=subject))
    assert wait_job(owner_db, job)[0] == "done"
    m = mails_to(to)[0]
    assert m["rcpt_tos"] == [to]
    msg = parsed(m)
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["Subject"]) and "Bcc:" in str(msg["Subject"])


@pytest.mark.parametrize("bad", [
    {"to": "a@b.test\r\nRCPT TO:<x@y.test>"},
    {"to": "two@a.test, three@b.test"},
    {"to": "nobody"},
    {"subject": None},
    {"call_id": "not-a-uuid"},
])
def test_bad_job_input_fails_cleanly(business, owner_db, app_db, bad):
    p = {**payload(new_address()), **bad}
    p = {k: v for k, v in p.items() if v is not None}
    job = enqueue(app_db, business.org_id, p)
    status, attempts, error = wait_job(owner_db, job)
    assert (status, attempts) == ("failed", 1)
    assert "needs one valid address" in error
    # Nothing went out but the owner's own verification email from signing up.
    assert [m for m in requests.get(FAKE + "/_fake/messages", timeout=10).json()
            if business.email not in m["rcpt_tos"]] == []


def test_a_sealed_message_that_does_not_open_fails_cleanly(business, owner_db, app_db):
    # The owner's verification email from signing up carries a one-time link: queued sealed.
    sealed = sql(owner_db, "SELECT payload->>'sealed' FROM jobs WHERE org_id = %s "
                 "AND kind = 'mail.send' AND payload->>'purpose' = 'verify_email'",
                 business.org_id)[0][0]
    assert sealed and sealed.startswith("\\x"), sealed
    flipped = sealed[:-2] + ("00" if sealed[-2:] != "00" else "11")
    to = new_address()
    # Changed, not hex, not sealed, not a string, and a real one moved to another recipient:
    # each fails at once with the reason; the clear text beside it is never sent instead.
    for bad in (flipped, "\\xzz", "not sealed at all", "", 5, sealed):
        job = enqueue(app_db, business.org_id,
                      {**payload(to, purpose="verify_email"), "sealed": bad})
        status, attempts, error = wait_job(owner_db, job)
        assert (status, attempts) == ("failed", 1), (bad, status, attempts, error)
        assert "does not open" in error and "nothing was sent" in error
        assert rows_of(owner_db, job) == []
    assert mails_to(to) == []
