"""test_attacks_limits: what one business can spend on the platform's account, do to another
business through shared queues and keys, and keep: daily caps and allowed countries for texts and
call-backs, fair job claiming, webhook event keys per business, sealed secrets bound to their row
and key (and key rotation), and retention applied."""
import json
import os
import subprocess
import time
import uuid

import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from conftest import DSN_APP, ROOT, STATE, sql, stack_secret
from rls_helpers import connect_jobs

TWILIO_FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
SETTLED = ("done", "failed", "dead")
BIN = os.environ.get("SB_BIN", os.path.join(ROOT, "build", "bin"))


def e164(prefix="+1555"):
    return prefix + "%07d" % (uuid.uuid4().int % 10 ** 7)


def fake_messages_to(number):
    r = requests.get(TWILIO_FAKE + "/_fake/messages", timeout=10)
    r.raise_for_status()
    return [m for m in r.json() if m["to"] == number]


def texting(db, org):
    """org texts from a verified number of its own."""
    sql(db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", org)
    sql(db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        org, e164())


def queue_text(db, org, to, body="Your appointment is tomorrow at 10 AM.", run_at="now()"):
    return str(sql(db, "INSERT INTO jobs (org_id, kind, payload, run_at) "
                       f"VALUES (%s, 'sms.send', %s, {run_at}) RETURNING id",
                   org, json.dumps({"to": to, "body": body, "purpose": "reminder"}))[0][0])


def wait_job(db, job, timeout=30):
    end = time.monotonic() + timeout
    while True:
        row = sql(db, "SELECT status, coalesce(last_error, '') FROM jobs WHERE id = %s", job)[0]
        if row[0] in SETTLED:
            return row
        assert time.monotonic() < end, "job %s stayed %r" % (job, row)
        time.sleep(0.1)


def notification_of(db, job):
    return sql(db, "SELECT status, coalesce(error, '') FROM notifications WHERE job_id = %s", job)


# ---------- Daily limits and allowed countries ----------

def test_texts_past_the_daily_limit_are_not_sent(business, owner_db):
    org = business.org_id
    texting(owner_db, org)
    sql(owner_db, "UPDATE organizations SET sms_daily_limit = 2 WHERE id = %s", org)
    numbers = [e164() for _ in range(3)]
    jobs = []
    for to in numbers:
        jobs.append(queue_text(owner_db, org, to))
        wait_job(owner_db, jobs[-1])
    assert [notification_of(owner_db, j)[0][0] for j in jobs] == ["sent", "sent", "limited"]
    status, error = wait_job(owner_db, jobs[2])
    assert status == "failed" and error.startswith("daily limit reached")
    assert "2 texts a day" in notification_of(owner_db, jobs[2])[0][1]
    assert fake_messages_to(numbers[2]) == []
    assert len(fake_messages_to(numbers[0])) == 1
    assert sql(owner_db, "SELECT used FROM daily_usage WHERE org_id = %s AND channel = 'sms'",
               org) == [(2,)]


def test_the_server_ceiling_bounds_every_business(business, app_db):
    """Whatever a business sets, the server's ceiling (passed by notify.c and callback.c) wins."""
    with app_db.cursor() as cur:
        cur.execute("SELECT set_config('app.org_id', %s, true)", (business.org_id,))
        cur.execute("SELECT * FROM usage_take('call', '+15551230000', 1)")
        assert cur.fetchone() == (None, None)
        cur.execute("SELECT * FROM usage_take('call', '+15551230001', 1)")
        refusal, reason = cur.fetchone()
        assert refusal == "limit" and "1 calls a day" in reason
    app_db.rollback()


def test_a_text_abroad_is_refused_until_the_country_is_allowed(business, owner_db):
    org = business.org_id
    texting(owner_db, org)
    uk = e164("+44770")
    job = queue_text(owner_db, org, uk)
    status, error = wait_job(owner_db, job)
    assert status == "failed" and "outside the countries" in error and "+1" in error
    assert notification_of(owner_db, job)[0][0] == "skipped"
    assert fake_messages_to(uk) == []
    r = business.post_form("/settings/limits", {"sms_daily_limit": "200", "call_daily_limit": "50",
                                                "calling_codes": "+1, +44", "retention_days": "365"})
    assert r.status_code == 303, r.text[:500]
    assert sql(owner_db, "SELECT allowed_calling_codes FROM organizations WHERE id = %s",
               org) == [(["1", "44"],)]
    job = queue_text(owner_db, org, uk)
    assert wait_job(owner_db, job)[0] == "done"
    assert len(fake_messages_to(uk)) == 1


def test_limits_form_refuses_what_the_server_does_not_allow(business, owner_db):
    before = sql(owner_db, "SELECT sms_daily_limit, call_daily_limit, allowed_calling_codes, "
                           "retention_days FROM organizations WHERE id = %s", business.org_id)
    for bad in ({"sms_daily_limit": "1000000"}, {"call_daily_limit": "-1"},
                {"calling_codes": "+0"}, {"calling_codes": "UK"}, {"retention_days": "99999"}):
        form = dict({"sms_daily_limit": "10", "call_daily_limit": "5", "calling_codes": "+1",
                     "retention_days": "30"}, **bad)
        r = business.post_form("/settings/limits", form)
        assert r.status_code == 422, bad
    assert sql(owner_db, "SELECT sms_daily_limit, call_daily_limit, allowed_calling_codes, "
                         "retention_days FROM organizations WHERE id = %s",
               business.org_id) == before
    page = business.get("/settings").text
    assert 'name="sms_daily_limit"' in page and 'value="+1"' in page


def test_call_backs_past_the_limit_or_abroad_are_not_placed(business, owner_db):
    org = business.org_id
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        org, e164())
    sql(owner_db, "UPDATE organizations SET call_daily_limit = 1 WHERE id = %s", org)

    def call_back(phone):
        lead = str(sql(owner_db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, 'Lee') "
                                 "RETURNING id", org, phone)[0][0])
        r = business.post_form(f"/leads/{lead}/callback", {"callback_body": ""})
        assert r.status_code == 303, r.text[:500]
        (job,) = sql(owner_db, "SELECT id::text FROM jobs WHERE kind = 'lead.callback' "
                               "AND payload ->> 'lead_id' = %s", lead)[0]
        status, error = wait_job(owner_db, job)
        call = sql(owner_db, "SELECT status, provider_call_id, coalesce(ended_reason, '') "
                             "FROM calls WHERE lead_id = %s", lead)[0]
        return status, error, call

    status, _, call = call_back(e164("+44770"))
    assert status == "failed" and call[0] == "failed" and call[1] is None
    assert "outside the countries" in call[2] and call[2].endswith("not placed")
    status, _, call = call_back(e164())
    assert status == "done" and call[1] is not None
    status, error, call = call_back(e164())
    assert status == "failed" and error.startswith("daily limit reached")
    assert call[0] == "failed" and call[1] is None and "1 calls a day" in call[2]


# ---------- Fair claiming ----------

def test_a_backlog_of_one_business_does_not_delay_another(business, other_business, owner_db):
    a, b = business.org_id, other_business.org_id
    texting(owner_db, a)
    texting(owner_db, b)
    try:
        # Older than B's reminder: claimed by due time alone, all 2,000 would go first.
        sql(owner_db, """INSERT INTO jobs (org_id, kind, payload, run_at)
                         SELECT %s, 'sms.send',
                                jsonb_build_object('to', '+1555' || lpad(i::text, 7, '0'),
                                                   'body', 'Sale! ' || i),
                                now() - interval '1 hour' + make_interval(secs => i / 1000.0)
                         FROM generate_series(1, 2000) i""", a)
        reminder = queue_text(owner_db, b, e164())
        assert wait_job(owner_db, reminder, timeout=60)[0] == "done"
        assert notification_of(owner_db, reminder)[0][0] == "sent"
        (before,) = sql(owner_db, """SELECT count(*) FROM jobs WHERE org_id = %s
                                     AND finished_at <= (SELECT finished_at FROM jobs
                                                         WHERE id = %s)""", a, reminder)[0]
        assert before <= 20, before
    finally:
        sql(owner_db, "DELETE FROM jobs WHERE org_id = %s AND status = 'queued'", a)


# ---------- Webhook event keys ----------

def test_an_event_key_of_one_business_is_not_anothers(business, other_business, app_db):
    key = "CA" + uuid.uuid4().hex + ":completed"
    with app_db.cursor() as cur:
        # A pre-records the key another business will receive, with an answer of its choosing.
        cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)", (key, business.org_id))
        assert cur.fetchone()[0] is True
        cur.execute("SELECT webhook_event_answer('twilio', %s, %s, 200, 'text/xml', "
                    "'<Response><Dial>+19005550000</Dial></Response>')", (key, business.org_id))
        assert cur.fetchone()[0] is True
        app_db.commit()
        # B's identical key is B's own first delivery, answered by B's handler.
        cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)",
                    (key, other_business.org_id))
        assert cur.fetchall() == [(True, None, None, None)]
        # A cannot answer for B either, and an event of no business is neither's.
        cur.execute("SELECT webhook_event_answer('twilio', %s, NULL, 200, 'text/xml', 'x')", (key,))
        assert cur.fetchone()[0] is False
        cur.execute("SELECT * FROM webhook_event_record('twilio', %s, NULL)", (key,))
        assert cur.fetchone()[0] is True
        cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)", (key, business.org_id))
        assert cur.fetchall() == [(False, 200, "text/xml",
                                   "<Response><Dial>+19005550000</Dial></Response>")]
    app_db.rollback()


# ---------- Sealed secrets ----------

def binding(org, provider, name):
    return ("switchboard credential\n%s\n%s\n%s" % (org, provider, name)).encode()


def unseal(key_hex, enc, org, provider, name):
    enc = bytes(enc)
    assert enc[0] == 2
    return AESGCM(bytes.fromhex(key_hex)).decrypt(enc[5:17], enc[17:], enc[:5] + binding(org, provider, name))


def stored(db, org, provider, name):
    rows = sql(db, "SELECT secret_enc FROM provider_credentials WHERE org_id = %s AND provider = %s "
                   "AND name = %s", org, provider, name)
    return bytes(rows[0][0]) if rows else None


def put(db, org, provider, name, enc):
    sql(db, """INSERT INTO provider_credentials (org_id, provider, name, secret_enc, secret_hint)
               VALUES (%s, %s, %s, %s, 'xxxx')
               ON CONFLICT (org_id, provider, name) DO UPDATE SET secret_enc = EXCLUDED.secret_enc""",
        org, provider, name, enc)


def callback_problem(client, db):
    """What the lead page says about placing a call-back (the Vapi API key is opened for it)."""
    lead = str(sql(db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, 'Lee') "
                       "RETURNING id", client.org_id, e164())[0][0])
    return "no Vapi API key is saved" in client.get(f"/leads/{lead}").text


def vapi_mode(client, db):
    sql(db, "UPDATE organizations SET call_mode = 'vapi' WHERE id = %s", client.org_id)
    sql(db, "INSERT INTO vapi_settings (org_id, outbound_assistant_id, phone_number_id) "
            "VALUES (%s, 'asst-1', %s)", client.org_id, str(uuid.uuid4()))


def test_a_sealed_secret_moved_to_another_row_does_not_open(business, other_business, owner_db):
    a, b = business.org_id, other_business.org_id
    vapi_mode(business, owner_db)
    vapi_mode(other_business, owner_db)
    r = business.post_form("/settings/credentials", {"vapi_api_key": "vapi-key-of-a-1234",
                                                     "vapi_server_secret": "server-secret-of-a"})
    assert r.status_code == 303
    sealed = stored(owner_db, a, "vapi", "api_key")
    assert unseal(stack_secret("ENCRYPTION_KEY"), sealed, a, "vapi", "api_key") == b"vapi-key-of-a-1234"
    assert not callback_problem(business, owner_db)
    # Another business's row: B cannot use A's key.
    put(owner_db, b, "vapi", "api_key", sealed)
    assert callback_problem(other_business, owner_db)
    # Another name of the same business: the server secret does not pass for the API key.
    put(owner_db, a, "vapi", "api_key", stored(owner_db, a, "vapi", "server_secret"))
    assert callback_problem(business, owner_db)


def rotate(key, old=""):
    env = dict(os.environ, DATABASE_URL=DSN_APP, ENCRYPTION_KEY=key, ENCRYPTION_KEYS_OLD=old)
    run = subprocess.run([os.path.join(BIN, "switchboard-rotate-keys")], env=env,
                         capture_output=True, text=True, timeout=120)
    return run.returncode, dict(kv.split("=") for kv in run.stdout.split())


def test_rotation_reseals_every_secret_and_the_old_key_can_go(business, owner_db):
    org, old, new = business.org_id, stack_secret("ENCRYPTION_KEY"), os.urandom(32).hex()
    assert business.post_form("/settings/credentials",
                              {"vapi_api_key": "vapi-key-rotated-1"}).status_code == 303
    # A secret sealed before secrets named their key and row: bound to the organization only.
    nonce = os.urandom(12)
    legacy = nonce + AESGCM(bytes.fromhex(old)).encrypt(nonce, b"legacy-token-5678", org.encode())
    put(owner_db, org, "twilio", "auth_token", legacy)
    # Rows other tests left unreadable on purpose are reported, never changed: count them.
    _, tally = rotate(old)
    unreadable = int(tally["unopened"])
    try:
        code, tally = rotate(new, old)
        assert int(tally["unopened"]) == unreadable and int(tally["resealed"]) >= 2
        assert code == (1 if unreadable else 0)
        assert unseal(new, stored(owner_db, org, "vapi", "api_key"), org, "vapi",
                      "api_key") == b"vapi-key-rotated-1"
        assert unseal(new, stored(owner_db, org, "twilio", "auth_token"), org, "twilio",
                      "auth_token") == b"legacy-token-5678"
        # Everything opens with the new key alone: the old one can be removed.
        _, tally = rotate(new)
        assert int(tally["unopened"]) == unreadable and tally["resealed"] == "0"
        # Without the key it was sealed with, a secret is reported and left as it is.
        code, tally = rotate(old)
        assert code == 1 and int(tally["unopened"]) >= unreadable + 2
    finally:
        # Back to the key the running stack uses, for the tests after this one.
        _, tally = rotate(old, new)
        assert int(tally["unopened"]) == unreadable, tally
    assert unseal(old, stored(owner_db, org, "vapi", "api_key"), org, "vapi",
                  "api_key") == b"vapi-key-rotated-1"


# ---------- Retention ----------

def add_call(db, org, ended_days_ago, recording="https://api.twilio.com/rec/RE1"):
    call = str(sql(db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                                             to_number, status, started_at, ended_at, summary,
                                             recording_url, recording_status)
                          VALUES (%s, 'twilio', %s, %s, '+15550000000', 'completed',
                                  now() - make_interval(days => %s) - interval '5 minutes',
                                  now() - make_interval(days => %s), 'Wants a quote.',
                                  %s, 'completed') RETURNING id""",
                   org, "CA" + uuid.uuid4().hex, e164(), ended_days_ago, ended_days_ago,
                   recording)[0][0])
    for seq, (speaker, text) in enumerate((("assistant", "Thanks for calling."),
                                           ("caller", "My drain is clogged, I'm Pat."))):
        sql(db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) "
                "VALUES (%s, %s, %s, %s, %s)", org, call, seq, speaker, text)
    # The receptionist's memory of the call holds the caller's words too.
    sql(db, "INSERT INTO call_sessions (org_id, call_id, state) VALUES (%s, %s, %s)", org, call,
        json.dumps({"name": "Pat", "history": [{"speaker": "caller",
                                                "text": "My drain is clogged, I'm Pat."}]}))
    return call


def kept(db, call):
    row = sql(db, "SELECT summary, recording_url, recording_status FROM calls WHERE id = %s", call)[0]
    turns = sql(db, "SELECT count(*) FROM call_turns WHERE call_id = %s", call)[0][0]
    sessions = sql(db, "SELECT count(*) FROM call_sessions WHERE call_id = %s", call)[0][0]
    return row + (turns, sessions)


def test_the_daily_job_applies_retention_and_prunes_old_events_and_jobs(business, app_db, owner_db):
    org = business.org_id
    sql(owner_db, "UPDATE organizations SET retention_days = 7 WHERE id = %s", org)
    old, recent = add_call(owner_db, org, 10), add_call(owner_db, org, 2)
    old_job = str(sql(owner_db, """INSERT INTO jobs (org_id, kind, status, finished_at, created_at)
                                   VALUES (%s, 'sms.send', 'done', now() - interval '40 days',
                                           now() - interval '40 days') RETURNING id""", org)[0][0])
    new_job = str(sql(owner_db, """INSERT INTO jobs (org_id, kind, status, finished_at)
                                   VALUES (%s, 'sms.send', 'done', now()) RETURNING id""", org)[0][0])
    sql(owner_db, "INSERT INTO daily_usage (org_id, channel, day, used) "
                  "VALUES (%s, 'sms', current_date - 40, 200), (%s, 'sms', current_date, 3)", org, org)
    # The dashboard's counts: three slots of a quarter hour two days ago, two of one today.
    counts = "SELECT slot, calls, answered, duration_sum FROM dashboard_buckets " \
             "WHERE org_id = %s AND bucket = %s ORDER BY slot"
    (past, today), = sql(owner_db, "SELECT date_bin('15 minutes', now() - interval '2 days', "
                         "timestamptz '2000-01-01 00:00+00'), date_bin('15 minutes', now(), "
                         "timestamptz '2000-01-01 00:00+00')")
    sql(owner_db, "DELETE FROM dashboard_buckets WHERE org_id = %s AND bucket IN (%s, %s)",
        org, past, today)
    for bucket, slot, n in ((past, 0, 2), (past, 3, 5), (past, 7, 1), (today, 1, 4), (today, 2, 6)):
        sql(owner_db, "INSERT INTO dashboard_buckets (org_id, bucket, slot, calls, answered, "
                      "duration_sum) VALUES (%s, %s, %s, %s, %s, %s)", org, bucket, slot, n, n, 60 * n)
    keys = {k: "evt-" + uuid.uuid4().hex for k in ("old", "old-nobody", "new")}
    for k, owner, age in (("old", org, 40), ("old-nobody", None, 40), ("new", org, 1)):
        sql(owner_db, "INSERT INTO webhook_events (org_id, provider, event_key, received_at) "
                      "VALUES (%s, 'twilio', %s, now() - make_interval(days => %s))", owner, keys[k], age)

    # Scheduling retention is the job runner's (its own database role, sql/016).
    runner = connect_jobs()
    try:
        with runner.cursor() as cur:
            cur.execute("SELECT retention_schedule()")
            cur.execute("SELECT retention_schedule()")
            assert cur.fetchone()[0] == 0  # once a day
        runner.commit()
    finally:
        runner.close()
    (job,) = sql(owner_db, "SELECT id::text FROM jobs WHERE org_id = %s AND kind = 'retention.prune'",
                 org)[0]
    assert wait_job(owner_db, job, timeout=60)[0] == "done"

    assert kept(owner_db, old) == (None, None, "none", 0, 0)
    assert kept(owner_db, recent) == ("Wants a quote.", "https://api.twilio.com/rec/RE1", "completed", 2,
                                      1)
    assert sql(owner_db, "SELECT id::text FROM jobs WHERE id IN (%s, %s)", old_job, new_job) == [(new_job,)]
    left = {k for k, v in keys.items()
            if sql(owner_db, "SELECT 1 FROM webhook_events WHERE event_key = %s", v)}
    assert left == {"new"}
    assert sql(owner_db, "SELECT used FROM daily_usage WHERE org_id = %s", org) == [(3,)]
    # A day gone by is one row a quarter hour, its sums kept; today's slots are left alone.
    assert sql(owner_db, counts, org, past) == [(0, 8, 8, 480)]
    assert sql(owner_db, counts, org, today) == [(1, 4, 4, 240), (2, 6, 6, 360)]


def test_keep_nothing_drops_the_transcript_after_the_analysis(business, owner_db):
    org = business.org_id
    r = business.post_form("/settings/limits", {"sms_daily_limit": "200", "call_daily_limit": "50",
                                                "calling_codes": "+1", "retention_days": "0"})
    assert r.status_code == 303, r.text[:500]
    call = add_call(owner_db, org, 0, recording=None)
    (caller,) = sql(owner_db, "SELECT from_number FROM calls WHERE id = %s", call)[0]
    job = str(sql(owner_db, "INSERT INTO jobs (org_id, kind, payload) VALUES (%s, 'call.analyze', %s) "
                            "RETURNING id", org, json.dumps({"call_id": call}))[0][0])
    assert wait_job(owner_db, job)[0] == "done"
    # The analysis ran on the transcript (the caller is a lead), then nothing of it was kept.
    assert sql(owner_db, "SELECT count(*) FROM leads WHERE org_id = %s AND phone = %s",
               org, caller) == [(1,)]
    assert kept(owner_db, call) == (None, None, "none", 0, 0)
    # A recording reported later is not stored either.
    sql(owner_db, "UPDATE calls SET recording_url = 'https://api.twilio.com/rec/RE2', "
                  "recording_status = 'completed' WHERE id = %s", call)
    assert kept(owner_db, call)[1:3] == (None, "none")
    sql(owner_db, "UPDATE calls SET recording_status = 'processing' WHERE id = %s", call)
    assert kept(owner_db, call)[1:3] == (None, "none")
