"""test_schema: the guarantees the schema itself gives: no double bookings, unique leads, sane prices, once-only webhooks, a job queue that never double-claims, the auth functions and an idempotent demo seed."""

import base64
import datetime
import json
import hashlib
import hmac
import pathlib
import select
import threading
import uuid

import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql

from rls_helpers import (DEMO_ORG_ID, claim_jobs, connect_app, connect_jobs, connect_owner,
                         drop_orgs, new_org, set_org, tenant_tables, token)

ROOT = pathlib.Path(__file__).resolve().parents[2]
UTC = datetime.timezone.utc


@pytest.fixture
def orgs():
    """Creates organizations on demand (committed) and deletes them after."""
    made = []
    owner = connect_owner(autocommit=True)

    def make():
        made.append(new_org(owner.cursor(), "schema"))
        return made[-1]

    yield make
    owner.close()
    drop_orgs(made)


@pytest.fixture
def app(orgs, app_db):
    """conftest's app_db, set up after (so torn down before) orgs: deleting
    an org must not wait behind the test's still-open transaction."""
    return app_db


@pytest.fixture
def runner(orgs):
    """A connection as the job runner's role (the only one that claims and finishes jobs),
    set up after orgs for the same reason as app."""
    conn = connect_jobs()
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture
def owner():
    conn = connect_owner(autocommit=True)
    yield conn
    conn.close()


def _book(cur, org, starts, hours=1.0, status="scheduled"):
    cur.execute("""INSERT INTO appointments (org_id, customer_name, starts_at,
                                            ends_at, status)
                   VALUES (%s, 'Test Caller', %s, %s, %s) RETURNING id""",
                (org, starts, starts + datetime.timedelta(hours=hours), status))
    return cur.fetchone()[0]


SLOT = datetime.datetime(2031, 3, 4, 15, 0, tzinfo=UTC)


def test_overlapping_appointment_refused(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    _book(cur, org, SLOT)
    app.commit()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.ExclusionViolation):
        _book(cur, org, SLOT + datetime.timedelta(minutes=30))
    app.rollback()
    set_org(cur, org)
    # Half-open ranges: back-to-back bookings do not collide.
    _book(cur, org, SLOT + datetime.timedelta(hours=1))
    _book(cur, org, SLOT - datetime.timedelta(hours=1))
    app.commit()
    # Another business may book the same hour.
    other = orgs()
    set_org(cur, other)
    _book(cur, other, SLOT)
    app.commit()


def test_slot_of_cancelled_appointment_can_be_rebooked(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    first = _book(cur, org, SLOT)
    cur.execute("UPDATE appointments SET status = 'cancelled' WHERE id = %s", (first,))
    second = _book(cur, org, SLOT + datetime.timedelta(minutes=15))
    app.commit()
    assert second != first
    # Reviving the cancelled one would now double-book.
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.ExclusionViolation):
        cur.execute("UPDATE appointments SET status = 'scheduled' WHERE id = %s",
                    (first,))
    app.rollback()


def test_concurrent_bookings_of_one_slot_one_wins(orgs):
    """Two transactions booking the same hour: the second waits for the
    first and fails when it commits; it never double-books."""
    org = orgs()
    one, two = connect_app(), connect_app()
    try:
        c1, c2 = one.cursor(), two.cursor()
        set_org(c1, org)
        set_org(c2, org)
        _book(c1, org, SLOT)
        outcome = {}

        def second():
            try:
                _book(c2, org, SLOT + datetime.timedelta(minutes=10))
                outcome["ok"] = True
            except psycopg2.errors.ExclusionViolation:
                outcome["ok"] = False
            two.rollback()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive(), "the second booking should wait for the first"
        one.commit()
        thread.join(10)
        assert outcome == {"ok": False}
    finally:
        one.close()
        two.close()


def _race_for_one_slot(org, resources, racers=50):
    """racers connections of the web front's role insert the same hour at once, racer i on
    resources[i % len]; returns how many committed."""
    start = threading.Barrier(racers)
    won, lost = [], []

    def attempt(i):
        conn = connect_app()
        try:
            cur = conn.cursor()
            start.wait()
            # Inserts waiting on each other's uncommitted rows may deadlock; PostgreSQL then
            # aborts one, which changed nothing and tries again (as booking_book does).
            for _ in range(20):
                set_org(cur, org)
                try:
                    cur.execute("""INSERT INTO appointments (org_id, customer_name, starts_at,
                                                            ends_at, resource_id)
                                   VALUES (%s, 'Racer', %s, %s, %s)""",
                                (org, SLOT, SLOT + datetime.timedelta(hours=1),
                                 resources[i % len(resources)]))
                    conn.commit()
                    won.append(i)
                    return
                except psycopg2.errors.ExclusionViolation:
                    conn.rollback()
                    lost.append(i)
                    return
                except psycopg2.errors.DeadlockDetected:
                    conn.rollback()
        finally:
            conn.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(won) + len(lost) == racers
    return len(won)


def test_fifty_concurrent_bookings_one_per_resource(orgs, owner):
    """50 at one hour: one resource takes one appointment; three resources take three, and
    the constraint is per resource, not per business."""
    cur = owner.cursor()
    single = orgs()
    cur.execute("SELECT id FROM resources WHERE org_id = %s", (single,))
    assert _race_for_one_slot(single, [cur.fetchone()[0]]) == 1
    clinic = orgs()
    cur.execute("SELECT id FROM resources WHERE org_id = %s", (clinic,))
    chairs = [cur.fetchone()[0]]
    for name in ("Chair 2", "Chair 3"):
        cur.execute("INSERT INTO resources (org_id, name, kind) VALUES (%s, %s, 'room') "
                    "RETURNING id", (clinic, name))
        chairs.append(cur.fetchone()[0])
    assert _race_for_one_slot(clinic, chairs) == 3
    cur.execute("""SELECT resource_id, count(*) FROM appointments WHERE org_id = %s
                   GROUP BY resource_id""", (clinic,))
    assert sorted(n for _, n in cur.fetchall()) == [1, 1, 1]


def test_appointment_without_resource_takes_the_first(app, orgs, owner):
    """A business with one resource books as it always did: no resource named, the first
    active one, and blocked_until follows the service's buffer."""
    org = orgs()
    cur = owner.cursor()
    cur.execute("INSERT INTO services (org_id, name, duration_minutes, buffer_minutes) "
                "VALUES (%s, 'Cleaning', 60, 15) RETURNING id", (org,))
    service = cur.fetchone()[0]
    cur.execute("SELECT id FROM resources WHERE org_id = %s", (org,))
    (first,), = cur.fetchall()
    c = app.cursor()
    set_org(c, org)
    c.execute("""INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, service_id)
                 VALUES (%s, 'Plain', %s, %s, %s) RETURNING resource_id, blocked_until""",
              (org, SLOT, SLOT + datetime.timedelta(hours=1), service))
    assert c.fetchone() == (first, SLOT + datetime.timedelta(minutes=75))
    app.commit()
    # The buffer holds: the next starts no sooner than 15 minutes after.
    set_org(c, org)
    with pytest.raises(psycopg2.errors.ExclusionViolation):
        _book(c, org, SLOT + datetime.timedelta(minutes=70))
    app.rollback()


def test_resource_hours_and_kind_checked(app, orgs):
    org = orgs()
    cur = app.cursor()
    for hours, kind in (('{"mon":[["10:00","09:00"]]}', "person"),
                        ('{"someday":[]}', "person"), ('[]', "person"),
                        ('{"mon":[["09:00","17:00"]]}', "spaceship")):
        set_org(cur, org)
        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("INSERT INTO resources (org_id, name, kind, hours) "
                        "VALUES (%s, 'Bad', %s, %s)", (org, kind, hours))
        app.rollback()


def test_appointment_must_end_after_start(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.CheckViolation):
        _book(cur, org, SLOT, hours=0)


def test_leads_unique_per_org_and_phone(app, orgs):
    org, other = orgs(), orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("INSERT INTO leads (org_id, phone) VALUES (%s, '+15555550111')", (org,))
    app.commit()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.UniqueViolation):
        cur.execute("INSERT INTO leads (org_id, phone) VALUES (%s, '+15555550111')",
                    (org,))
    app.rollback()
    # The upsert the call pipeline uses.
    set_org(cur, org)
    cur.execute("""INSERT INTO leads (org_id, phone, name) VALUES (%s, '+15555550111', 'Ann')
                   ON CONFLICT (org_id, phone) DO UPDATE SET name = EXCLUDED.name
                   RETURNING name""", (org,))
    assert cur.fetchone()[0] == "Ann"
    set_org(cur, other)
    cur.execute("INSERT INTO leads (org_id, phone) VALUES (%s, '+15555550111')", (other,))
    app.commit()


@pytest.mark.parametrize("column, value", [
    ("score", 101), ("score", -1), ("status", "maybe"), ("temperature", "lukewarm"),
    ("value_cents", -5),
])
def test_lead_checks(app, orgs, column, value):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(sql.SQL("INSERT INTO leads (org_id, phone, {}) VALUES (%s, %s, %s)")
                    .format(sql.Identifier(column)), (org, "+15555550112", value))


def test_lead_search_finds_name_phone_and_summary(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""INSERT INTO leads (org_id, phone, name, summary)
                   VALUES (%s, '+15555550113', 'Gwendolyn Marsh', 'Leaking faucet in the kitchen')""",
                (org,))
    for needle in ("gwendolyn", "550113", "FAUCET"):
        cur.execute("SELECT count(*) FROM leads WHERE search_text ILIKE '%%' || %s || '%%'",
                    (needle,))
        assert cur.fetchone()[0] == 1, needle


@pytest.mark.parametrize("price, minutes", [(-1, 60), (100, 0), (100, -30)])
def test_service_price_and_duration_checked(app, orgs, price, minutes):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute("""INSERT INTO services (org_id, name, price_cents, duration_minutes)
                       VALUES (%s, 'Drain cleaning', %s, %s)""", (org, price, minutes))


def test_service_names_unique_ignoring_case(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""INSERT INTO services (org_id, name, price_cents) VALUES
                   (%s, 'Drain cleaning', 0)""", (org,))
    with pytest.raises(psycopg2.errors.UniqueViolation):
        cur.execute("""INSERT INTO services (org_id, name, price_cents) VALUES
                       (%s, 'DRAIN Cleaning', 14900)""", (org,))


def test_knowledge_full_text_search(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""INSERT INTO knowledge_entries (org_id, question, answer) VALUES
                   (%s, 'Which payment methods do you accept?', 'Cash, checks and cards.')""",
                (org,))
    cur.execute("""SELECT answer FROM knowledge_entries
                   WHERE search @@ plainto_tsquery('english', 'can I pay with a card')""")
    assert cur.fetchall() == []
    cur.execute("""SELECT answer FROM knowledge_entries
                   WHERE search @@ websearch_to_tsquery('english', 'cards or payment')""")
    assert cur.fetchall() == [("Cash, checks and cards.",)]


def test_call_turn_sequence_unique_per_call(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""INSERT INTO calls (org_id, provider, provider_call_id, from_number, to_number)
                   VALUES (%s, 'twilio', %s, '+15555550114', '+15555550100') RETURNING id""",
                (org, token("CA")))
    call = cur.fetchone()[0]
    cur.execute("""INSERT INTO call_turns (org_id, call_id, seq, speaker, text)
                   VALUES (%s, %s, 0, 'assistant', 'Hello')""", (org, call))
    with pytest.raises(psycopg2.errors.UniqueViolation):
        cur.execute("""INSERT INTO call_turns (org_id, call_id, seq, speaker, text)
                       VALUES (%s, %s, 0, 'caller', 'Hi')""", (org, call))


def test_provider_call_id_unique_per_provider(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    sid = token("CA")
    insert = """INSERT INTO calls (org_id, provider, provider_call_id, from_number, to_number)
                VALUES (%s, %s, %s, '+15555550115', '+15555550100')"""
    cur.execute(insert, (org, "twilio", sid))
    cur.execute(insert, (org, "telnyx", sid))
    with pytest.raises(psycopg2.errors.UniqueViolation):
        cur.execute(insert, (org, "twilio", sid))


def test_webhook_event_recorded_once(app, orgs):
    org = orgs()
    cur = app.cursor()
    key = token("evt")
    cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)", (key, org))
    assert cur.fetchall() == [(True, None, None, None)]
    cur.execute("SELECT webhook_event_answer('twilio', %s, %s, 200, 'text/xml', '<Response/>')",
                (key, org))
    assert cur.fetchone()[0] is True
    app.commit()
    cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)", (key, org))
    assert cur.fetchall() == [(False, 200, "text/xml", "<Response/>")]
    # The first answer sticks.
    cur.execute("SELECT webhook_event_answer('twilio', %s, %s, 500, 'text/plain', 'oops')",
                (key, org))
    assert cur.fetchone()[0] is False
    cur.execute("SELECT * FROM webhook_event_record('twilio', %s, %s)", (key, org))
    assert cur.fetchall() == [(False, 200, "text/xml", "<Response/>")]
    # Same key from another provider is another event.
    cur.execute("SELECT inserted FROM webhook_event_record('vapi', %s, %s)", (key, org))
    assert cur.fetchone()[0] is True
    app.commit()
    set_org(cur, org)
    cur.execute("SELECT count(*) FROM webhook_events WHERE event_key = %s", (key,))
    assert cur.fetchone()[0] == 2


def test_webhook_event_for_unknown_number(app, owner):
    key = token("evt")
    cur = app.cursor()
    try:
        cur.execute("SELECT inserted FROM webhook_event_record('twilio', %s, NULL)", (key,))
        assert cur.fetchone()[0] is True
        cur.execute("SELECT webhook_event_answer('twilio', %s, NULL, 404, 'text/plain', 'unknown number')",
                    (key,))
        app.commit()
        cur.execute("SELECT * FROM webhook_event_record('twilio', %s, NULL)", (key,))
        assert cur.fetchall() == [(False, 404, "text/plain", "unknown number")]
        # Rows of no org are not readable directly by the app.
        cur.execute("SELECT count(*) FROM webhook_events WHERE event_key = %s", (key,))
        assert cur.fetchone()[0] == 0
        app.rollback()
    finally:
        owner.cursor().execute("DELETE FROM webhook_events WHERE event_key = %s", (key,))


def test_webhook_duplicate_delivery_waits_for_first(orgs):
    """A retry arriving while the first delivery is still being handled waits
    for it and then sees inserted = false with the first answer."""
    org = orgs()
    key = token("evt")
    first, retry = connect_app(), connect_app()
    try:
        first.cursor().execute("SELECT * FROM webhook_event_record('vapi', %s, %s)",
                               (key, org))
        seen = []

        def deliver_again():
            cur = retry.cursor()
            cur.execute("SELECT * FROM webhook_event_record('vapi', %s, %s)", (key, org))
            seen.extend(cur.fetchall())
            retry.commit()

        thread = threading.Thread(target=deliver_again)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()
        first.cursor().execute(
            "SELECT webhook_event_answer('vapi', %s, %s, 200, 'application/json', '{}')",
            (key, org))
        first.commit()
        thread.join(10)
        assert seen == [(False, 200, "application/json", "{}")]
    finally:
        first.close()
        retry.close()


def _add_jobs(owner, org, count, kind="test.claim"):
    """Due jobs older than anything real, so jobs_claim reaches them first."""
    cur = owner.cursor()
    cur.execute("""INSERT INTO jobs (org_id, kind, run_at)
                   SELECT %s, %s, now() - interval '100 years' + g * interval '1 second'
                   FROM generate_series(1, %s) g RETURNING id""", (org, kind, count))
    return {r[0] for r in cur.fetchall()}


def test_jobs_claim_skips_jobs_locked_by_another_runner(owner, orgs):
    org = orgs()
    mine = _add_jobs(owner, org, 10)
    one, two = connect_jobs(), connect_jobs()
    try:
        c1, c2 = one.cursor(), two.cursor()
        got1 = set(claim_jobs(c1, "runner-1", 5, ["test.claim"]))
        # Runner 1 has not committed; runner 2 must neither wait nor take them.
        c2.execute("SET LOCAL statement_timeout = '5s'")
        got2 = set(claim_jobs(c2, "runner-2", 5, ["test.claim"]))
        assert got1 <= mine and got2 <= mine
        assert len(got1) == 5 and len(got2) == 5
        assert not got1 & got2
        set_org(c1, org)
        c1.execute("SELECT DISTINCT status, locked_by, attempts FROM jobs WHERE id = ANY(%s)",
                    (list(got1),))
        assert c1.fetchall() == [("running", "runner-1", 1)]
    finally:
        # Rolled back: the claims never happened, so no job is left running.
        one.rollback()
        two.rollback()
        one.close()
        two.close()


def test_jobs_claim_concurrent_runners_never_share_a_job(owner, orgs):
    org = orgs()
    mine = _add_jobs(owner, org, 60)
    claimed = {"runner-a": [], "runner-b": []}
    foreign = []
    guard = threading.Lock()
    start = threading.Barrier(2)
    errors = []

    def run(name):
        conn = connect_jobs()
        try:
            cur = conn.cursor()
            start.wait()
            while True:
                ids = claim_jobs(cur, name, 3, ["test.claim"])
                conn.commit()
                with guard:
                    claimed[name].extend(i for i in ids if i in mine)
                    foreign.extend(i for i in ids if i not in mine)
                if not any(i in mine for i in ids):
                    return
        except Exception as e:  # reported by the main thread
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in claimed]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        # Jobs of other orgs reached once ours ran out are put back as found.
        if foreign:
            owner.cursor().execute(
                """UPDATE jobs SET status = 'queued', locked_by = NULL,
                          locked_at = NULL, attempts = attempts - 1
                   WHERE id = ANY(%s)""", (foreign,))
    assert not errors
    a, b = set(claimed["runner-a"]), set(claimed["runner-b"])
    assert len(a) == len(claimed["runner-a"]) and len(b) == len(claimed["runner-b"])
    assert not a & b
    assert a | b == mine
    cur = owner.cursor()
    cur.execute("SELECT id, status, attempts, locked_by FROM jobs WHERE org_id = %s", (org,))
    for job, status, attempts, locked_by in cur.fetchall():
        assert (status, attempts) == ("running", 1)
        assert locked_by == ("runner-a" if job in a else "runner-b")


def test_jobs_retry_backoff_dead_letter_and_stale_requeue(owner, orgs, runner):
    org = orgs()
    cur = runner.cursor()
    set_org(cur, org)
    cur.execute("SELECT jobs_enqueue('sms.send', '{\"to\":\"+15555550116\"}', NULL, 'appt-1')")
    job = cur.fetchone()[0]
    cur.execute("SELECT jobs_enqueue('sms.send', '{}', NULL, 'appt-1')")
    assert cur.fetchone()[0] is None, "same dedupe key enqueued twice"
    runner.commit()
    ocur = owner.cursor()

    def claim_as_runner():
        # Claim this job only (jobs_claim may take any org's due jobs).
        ocur.execute("""UPDATE jobs SET status = 'running', locked_by = 'runner-t',
                               locked_at = now(), attempts = attempts + 1
                        WHERE id = %s""", (job,))

    claim_as_runner()
    set_org(cur, org)
    cur.execute("SELECT jobs_fail(%s, 'provider timeout', true)", (job,))
    assert cur.fetchone()[0] == "queued"
    cur.execute("SELECT run_at > now() + interval '20 seconds', locked_by FROM jobs WHERE id = %s",
                (job,))
    assert cur.fetchone() == (True, None)
    runner.commit()

    # A runner that died mid-job: requeued, then dead once attempts run out.
    ocur.execute("UPDATE jobs SET max_attempts = 2 WHERE id = %s", (job,))
    claim_as_runner()
    ocur.execute("UPDATE jobs SET locked_at = now() - interval '1000 years 1 day' WHERE id = %s",
                 (job,))
    ocur.execute("SELECT jobs_requeue_stale(interval '1000 years')")
    assert ocur.fetchone()[0] >= 1
    ocur.execute("SELECT status, attempts, finished_at IS NOT NULL FROM jobs WHERE id = %s", (job,))
    assert ocur.fetchone() == ("dead", 2, True)

    ocur.execute("""UPDATE jobs SET status = 'queued', max_attempts = 5, finished_at = NULL
                    WHERE id = %s""", (job,))
    claim_as_runner()
    set_org(cur, org)
    cur.execute("SELECT jobs_fail(%s, 'invalid number', false)", (job,))
    assert cur.fetchone()[0] == "failed"
    cur.execute("SELECT jobs_finish(%s)", (job,))
    assert cur.fetchone()[0] is False, "only a running job can finish"
    runner.commit()
    claim_as_runner()
    set_org(cur, org)
    cur.execute("SELECT jobs_finish(%s)", (job,))
    assert cur.fetchone()[0] is True
    cur.execute("SELECT status, last_error FROM jobs WHERE id = %s", (job,))
    assert cur.fetchone() == ("done", None)
    runner.commit()


def test_org_for_number_finds_active_verified_numbers_only(app, orgs, owner):
    org = orgs()
    number = "+1555" + str(uuid.uuid4().int)[:7]
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s) RETURNING id",
                (org, number))
    number_id = cur.fetchone()[0]
    app.commit()
    # Typed in, so unverified: it routes nothing, and the application cannot say otherwise.
    cur.execute("SELECT * FROM org_for_number(%s)", (number,))
    assert cur.fetchall() == []
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("UPDATE phone_numbers SET verified_at = now() WHERE id = %s", (number_id,))
    app.rollback()
    owner.cursor().execute("UPDATE phone_numbers SET verified_at = now() WHERE id = %s",
                           (number_id,))
    cur.execute("SELECT * FROM org_for_number(%s)", (number,))
    assert cur.fetchall() == [(org, number_id)]
    set_org(cur, org)
    cur.execute("UPDATE phone_numbers SET active = false WHERE id = %s", (number_id,))
    app.commit()
    cur.execute("SELECT * FROM org_for_number(%s)", (number,))
    assert cur.fetchall() == []
    cur.execute("SELECT * FROM org_for_number('+19999999999')")
    assert cur.fetchall() == []


def test_signup_login_lockout(app, owner):
    email = f"{token()}@Example.test"
    cur = app.cursor()
    cur.execute("SELECT * FROM signup_organization('Signup Test Co', 'America/Chicago', %s, 'h1')",
                (email,))
    org, user = cur.fetchone()
    app.commit()
    try:
        org_name = f"Duplicate {token()}"
        with pytest.raises(psycopg2.errors.UniqueViolation):
            cur.execute("SELECT * FROM signup_organization(%s, NULL, %s, 'h2')",
                        (org_name, email.upper()))
        app.rollback()
        ocur = owner.cursor()
        ocur.execute("SELECT count(*) FROM organizations WHERE name = %s", (org_name,))
        assert ocur.fetchone()[0] == 0, "a failed signup left an organization behind"

        with pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute("SELECT * FROM signup_organization('X', 'Mars/Olympus', %s, 'h')",
                        (f"{token()}@example.test",))
        app.rollback()

        cur.execute("SELECT * FROM auth_user_by_email(%s)", (email.lower(),))
        assert cur.fetchall() == [(user, org, "h1", "owner", 1, 0, None)]
        cur.execute("SELECT * FROM auth_user_by_email('nobody@example.test')")
        assert cur.fetchall() == []

        for _ in range(2):
            cur.execute("SELECT auth_login_failed(%s, 3, interval '15 minutes')", (user,))
            assert cur.fetchone()[0] is None
        cur.execute("SELECT auth_login_failed(%s, 3, interval '15 minutes')", (user,))
        locked_until = cur.fetchone()[0]
        cur.execute("SELECT now()")
        now = cur.fetchone()[0]
        assert locked_until - now == datetime.timedelta(minutes=15)
        cur.execute("SELECT failed_logins, locked_until FROM auth_user_by_email(%s)", (email,))
        assert cur.fetchone() == (0, locked_until)
        cur.execute("SELECT auth_login_failed(%s, 3, interval '15 minutes')", (user,))
        assert cur.fetchone()[0] == locked_until
        cur.execute("SELECT auth_login_succeeded(%s)", (user,))
        cur.execute("SELECT failed_logins, locked_until FROM auth_user_by_email(%s)", (email,))
        assert cur.fetchone() == (0, None)
        app.commit()
        set_org(cur, org)
        cur.execute("SELECT timezone, role, last_login_at IS NOT NULL FROM organizations, users")
        assert cur.fetchall() == [("America/Chicago", "owner", True)]
        app.rollback()
    finally:
        drop_orgs([org])


def test_invite_accept(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    email = f"{token()}@example.test"
    cur.execute("""INSERT INTO invites (org_id, email, role, token_hash, expires_at)
                   VALUES (%s, %s, 'admin', 'hash-ok-' || %s, now() + interval '1 day'),
                          (%s, %s, 'member', 'hash-old-' || %s, now() - interval '1 minute')""",
                (org, email, org, org, f"late-{email}", org))
    app.commit()
    cur.execute("SELECT * FROM invite_accept(%s, 'pw-hash')", (f"hash-ok-{org}",))
    rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][0] == org
    user = rows[0][1]
    cur.execute("SELECT * FROM invite_accept(%s, 'pw-hash')", (f"hash-ok-{org}",))
    assert cur.fetchall() == [], "an invitation works once"
    cur.execute("SELECT * FROM invite_accept(%s, 'pw-hash')", (f"hash-old-{org}",))
    assert cur.fetchall() == [], "an expired invitation does not work"
    cur.execute("SELECT * FROM invite_accept('no-such-token', 'pw-hash')")
    assert cur.fetchall() == []
    app.commit()
    set_org(cur, org)
    cur.execute("SELECT id, email, role FROM users")
    assert cur.fetchall() == [(user, email, "admin")]
    cur.execute("SELECT accepted_at IS NOT NULL FROM invites WHERE email = %s", (email,))
    assert cur.fetchone()[0] is True


@pytest.mark.parametrize("column, value", [
    ("timezone", "Atlantis/Capital"),
    ("business_hours", '{"mon":[["17:00","08:00"]]}'),
    ("business_hours", '{"monday":[["08:00","17:00"]]}'),
    ("business_hours", '{"mon":[["8:00","17:00"]]}'),
    ("business_hours", '{"mon":["08:00","17:00"]}'),
    ("business_hours", '[]'),
    ("call_mode", "carrier-pigeon"),
    ("transfer_phone", "555-0199"),
    ("retention_days", -1),
])
def test_organization_settings_validated(app, orgs, column, value):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    with pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute(sql.SQL("UPDATE organizations SET {} = %s").format(
            sql.Identifier(column)), (value,))


def test_organization_settings_accepted(app, orgs):
    org = orgs()
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""UPDATE organizations SET timezone = 'Europe/Berlin',
                   business_hours = '{"mon":[["08:00","12:00"],["13:00","24:00"]],"sun":[]}',
                   call_mode = 'stream', transfer_phone = '+4930123456'""")
    assert cur.rowcount == 1


def test_call_and_appointment_changes_notify_dashboard(owner, orgs, app):
    org = orgs()
    owner.cursor().execute("LISTEN org_events")
    cur = app.cursor()
    set_org(cur, org)
    cur.execute("""INSERT INTO calls (org_id, provider, provider_call_id, from_number, to_number)
                   VALUES (%s, 'twilio', %s, '+15555550117', '+15555550100') RETURNING id""",
                (org, token("CA")))
    call = cur.fetchone()[0]
    _book(cur, org, SLOT)
    cur.execute("""INSERT INTO call_turns (org_id, call_id, seq, speaker, text)
                   VALUES (%s, %s, 0, 'caller', 'hello'), (%s, %s, 1, 'caller', 'again')""",
                (org, call, org, call))
    app.commit()
    events = []
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=5)
    while len(events) < 3 and datetime.datetime.now() < deadline:
        select.select([owner], [], [], 0.5)
        owner.poll()
        for n in owner.notifies:
            if n.channel == "org_events":
                org_id, event = n.payload.split(" ", 1)
                assert org_id == str(org)
                event = json.loads(event)
                assert isinstance(event.pop("at"), int)
                events.append(event)
        owner.notifies.clear()
    assert {"kind": "call", "id": str(call), "lead": None, "new": True} in events
    assert any(e["kind"] == "booking" and e["new"] for e in events)
    # Identical notifications of one transaction arrive once: two turns, one event.
    assert events.count({"kind": "turn", "call": str(call)}) == 1
    # Only ids go out: nothing a caller said or their number.
    assert "hello" not in json.dumps(events) and "5550117" not in json.dumps(events)


def _demo_snapshot(cur):
    """Row count and content checksum of the demo org's rows in every table."""
    snapshot = {}
    for table in tenant_tables(cur) + ["organizations"]:
        key = "id" if table == "organizations" else "org_id"
        cur.execute(sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) "
                            "FROM {} t WHERE {} = %s").format(
                                sql.Identifier(table), sql.Identifier(key)),
                    (DEMO_ORG_ID,))
        snapshot[table] = cur.fetchone()
    return snapshot


def test_demo_seed_loads_twice_without_changes(owner):
    script = (ROOT / "sql" / "demo" / "acme.sql").read_text()
    cur = owner.cursor()
    cur.execute(script)
    first = _demo_snapshot(cur)
    cur.execute(script)
    assert _demo_snapshot(cur) == first
    assert first["organizations"][0] == 1
    for table, minimum in (("services", 5), ("knowledge_entries", 4), ("calls", 5),
                           ("call_turns", 10), ("leads", 5), ("appointments", 3),
                           ("phone_numbers", 1), ("users", 1)):
        assert first[table][0] >= minimum, table


def test_demo_owner_can_log_in(owner, app):
    owner.cursor().execute((ROOT / "sql" / "demo" / "acme.sql").read_text())
    cur = app.cursor()
    cur.execute("SELECT org_id, password_hash, role FROM auth_user_by_email('OWNER@acme.test')")
    org, stored, role = cur.fetchone()
    assert (str(org), role) == (DEMO_ORG_ID, "owner")
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    salt, key = base64.b64decode(salt), base64.b64decode(key)
    assert len(salt) == 16 and len(key) == 32
    derived = hashlib.scrypt(b"demo-password", salt=salt, n=16384, r=8, p=1, dklen=32)
    assert hmac.compare_digest(derived, key)
    cur.execute("SELECT * FROM org_for_number('+15555550100')")
    assert str(cur.fetchone()[0]) == DEMO_ORG_ID
    set_org(cur, org)
    cur.execute("""SELECT name, timezone, transfer_phone, business_hours -> 'sat',
                          business_hours -> 'sun' FROM organizations""")
    assert cur.fetchone() == ("Acme Plumbing & Heating", "America/New_York",
                              "+15555550199", [["09:00", "13:00"]], [])
    cur.execute("""SELECT count(*) FROM appointments
                   WHERE status <> 'cancelled' AND starts_at > now()""")
    assert cur.fetchone()[0] >= 2
