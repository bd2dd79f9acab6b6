"""test_attacks_db: each program's database role is held to its own work: the web role claims no job and reads no other business's rows, the voice role reads no password, the job runner calls no sign-in look-up, and the leads view leaks nothing.

Each test performs the attack on the running stack's database and shows that it fails; the
roles come from sql/016_roles_per_program.sql and scripts/stack.sh.
"""

import os

import psycopg2
import psycopg2.errors
import pytest

from conftest import DEMO_EMAIL, STATE
from rls_helpers import (connect_app, connect_jobs, connect_owner, connect_voice, drop_orgs,
                         expect_error, new_org, set_org, token)

DENIED = psycopg2.errors.InsufficientPrivilege
PROGRAM_ROLES = ("switchboard_web", "switchboard_voice", "switchboard_jobs")
# Functions that read or change users before anyone is signed in: the web front's only.
SIGN_IN_LOOKUPS = [
    ("SELECT * FROM auth_user_by_email(%s)", (DEMO_EMAIL,)),
    ("SELECT auth_login_failed(gen_random_uuid(), 5, interval '1 minute')", ()),
    ("SELECT auth_login_succeeded(gen_random_uuid())", ()),
    ("SELECT * FROM invite_by_token('0')", ()),
    ("SELECT * FROM invite_accept('0', 'x')", ()),
    ("SELECT * FROM signup_organization('intruder', NULL, 'x@example.test', 'x')", ()),
]
# What only the job runner does: claim and release any business's jobs.
JOB_RUNNER_ONLY = [
    ("SELECT * FROM jobs_claim('intruder', 100, ARRAY['sms.send', 'lead.callback'])", ()),
    ("SELECT jobs_requeue_stale(interval '0 seconds')", ()),
    ("SELECT webhook_events_prune(interval '0 seconds')", ()),
]


@pytest.fixture(scope="module")
def world():
    """Businesses A and B; B has a queued job, a lead and a user with a password hash."""
    owner = connect_owner(autocommit=True)
    cur = owner.cursor()
    org_a, org_b = new_org(cur, "attack-A"), new_org(cur, "attack-B")
    marker = token("secret")
    try:
        cur.execute("""INSERT INTO jobs (org_id, kind, payload, run_at)
                       VALUES (%s, 'test.attack', '{}', now() - interval '1 day')
                       RETURNING id""", (org_b,))
        job_b = cur.fetchone()[0]
        cur.execute("""INSERT INTO leads (org_id, name, phone, summary)
                       VALUES (%s, %s, '+15555550142', %s)""", (org_b, marker, marker))
        cur.execute("""INSERT INTO users (org_id, email, password_hash, role)
                       VALUES (%s, %s, %s, 'owner')""",
                    (org_b, f"{marker}@example.test", f"scrypt${marker}"))
        yield {"A": org_a, "B": org_b, "job_b": job_b, "marker": marker}
    finally:
        owner.close()
        drop_orgs([org_a, org_b])


@pytest.fixture
def web():
    conn = connect_app()
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture
def voice():
    conn = connect_voice()
    yield conn
    conn.rollback()
    conn.close()


@pytest.fixture
def jobs():
    conn = connect_jobs()
    yield conn
    conn.rollback()
    conn.close()


def current_user(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT current_user")
        return cur.fetchone()[0]


def test_each_dsn_is_its_programs_role(web, voice, jobs):
    assert current_user(web) == "switchboard_web"
    assert current_user(voice) == "switchboard_voice"
    assert current_user(jobs) == "switchboard_jobs"


def test_each_program_connects_as_its_own_role():
    """The running programs were started with their own DSNs (scripts/stack.sh)."""
    for program, role in (("fcgi", "switchboard_web"), ("voice", "switchboard_voice"),
                          ("jobs", "switchboard_jobs")):
        with open(os.path.join(STATE, "run", f"{program}.pid")) as f:
            pid = f.read().strip()
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
        assert f"user={role}".encode() in env[b"DATABASE_URL"], (program, env[b"DATABASE_URL"])


@pytest.mark.parametrize("statement, params", JOB_RUNNER_ONLY)
def test_web_cannot_claim_jobs(world, web, statement, params):
    expect_error(web, statement, params, DENIED, "permission denied for function")


@pytest.mark.parametrize("statement, params", JOB_RUNNER_ONLY)
def test_voice_cannot_claim_jobs(world, voice, statement, params):
    expect_error(voice, statement, params, DENIED, "permission denied for function")


def test_web_cannot_read_or_finish_another_businesss_jobs(world, web):
    cur = web.cursor()
    for org in (None, world["A"]):
        set_org(cur, org)
        cur.execute("SELECT count(*) FROM jobs WHERE id = %s OR org_id = %s",
                    (world["job_b"], world["B"]))
        assert cur.fetchone()[0] == 0
    web.rollback()
    set_org(cur, world["A"])
    expect_error(web, "UPDATE jobs SET status = 'done' WHERE id = %s", (world["job_b"],),
                 DENIED, "permission denied for table jobs")
    set_org(cur, world["A"])
    expect_error(web, "SELECT jobs_finish(%s)", (world["job_b"],), DENIED,
                 "permission denied for function jobs_finish")


def test_jobs_role_claims_jobs(world, jobs):
    """The job runner's role can do its work: here it claims a kind no runner knows."""
    cur = jobs.cursor()
    cur.execute("SELECT count(*) FROM jobs_claim('attack-test', 10, ARRAY[%s])",
                (token("test.none"),))
    assert cur.fetchone()[0] == 0


@pytest.mark.parametrize("statement, params", SIGN_IN_LOOKUPS)
def test_jobs_cannot_call_sign_in_lookups(jobs, statement, params):
    expect_error(jobs, statement, params, DENIED, "permission denied for function")


@pytest.mark.parametrize("statement, params", SIGN_IN_LOOKUPS)
def test_voice_cannot_call_sign_in_lookups(voice, statement, params):
    expect_error(voice, statement, params, DENIED, "permission denied for function")


@pytest.mark.parametrize("table", ["users", "invites", "audit_log", "webhook_events"])
def test_voice_and_jobs_cannot_read_users_or_invitations(world, voice, jobs, table):
    """Not even their own business's: a password hash or an invitation is the web front's."""
    for conn in (voice, jobs):
        set_org(conn.cursor(), world["B"])
        expect_error(conn, f"SELECT * FROM {table}", (), DENIED,
                     f"permission denied for table {table}")


def test_voice_cannot_read_password_hashes(world, voice):
    set_org(voice.cursor(), world["B"])
    expect_error(voice, "SELECT password_hash FROM users WHERE org_id = %s", (world["B"],),
                 DENIED, "permission denied for table users")
    # Nor through a join from a table it may read.
    set_org(voice.cursor(), world["B"])
    expect_error(voice, """SELECT u.password_hash FROM organizations o
                           JOIN users u ON u.org_id = o.id""", (), DENIED,
                 "permission denied for table users")


def test_web_role_reads_its_own_business_only(world, web):
    """Signed in to A, the web role sees A's users and none of B's (row-level security)."""
    cur = web.cursor()
    set_org(cur, world["A"])
    cur.execute("SELECT count(*) FROM users WHERE email = %s",
                (f"{world['marker']}@example.test",))
    assert cur.fetchone()[0] == 0


def test_leads_view_reads_with_the_readers_rights(owner_db):
    cur = owner_db.cursor()
    cur.execute("SELECT reloptions FROM pg_class WHERE oid = 'org_leads'::regclass")
    assert "security_invoker=true" in (cur.fetchone()[0] or [])
    for role in ("switchboard_voice", "switchboard_jobs"):
        cur.execute("SELECT has_table_privilege(%s, 'org_leads', 'SELECT')", (role,))
        assert cur.fetchone()[0] is False, role


@pytest.mark.parametrize("org", [None, "A"])
def test_leads_view_shows_no_other_business_even_to_a_failing_condition(world, web, org):
    """The view was read with its owner's rights and is no security barrier, so a condition of
    the reader's own could run on every business's leads before the view's filter: a cast
    that fails printed another business's lead in its error, with or without app.org_id.
    Under the reader's row-level security that condition only ever sees the reader's rows."""
    cur = web.cursor()
    set_org(cur, world[org] if org else None)
    # Plans that read the whole table, as an attacker would choose.
    cur.execute("SET LOCAL enable_indexscan = off")
    cur.execute("SET LOCAL enable_bitmapscan = off")
    for column in ("name", "summary"):
        cur.execute(f"SELECT count(*) FROM org_leads WHERE {column}::int > 0")
        assert cur.fetchone()[0] == 0
    cur.execute("SELECT count(*) FROM org_leads WHERE org_id = %s", (world["B"],))
    assert cur.fetchone()[0] == 0


def test_no_role_defines_functions_of_its_own(web, voice, jobs):
    """pg_temp is the one schema a program role could create in; without TEMP it cannot
    bring a function that prints the rows it is shown."""
    for conn in (web, voice, jobs):
        expect_error(conn, """CREATE FUNCTION pg_temp.leak(text) RETURNS boolean
                              LANGUAGE sql COST 0.0001 AS 'SELECT true'""", (), DENIED,
                     "permission denied to create temporary tables")


def test_program_roles_are_plain_members_of_nothing_and_own_nothing(owner_db):
    cur = owner_db.cursor()
    for role in PROGRAM_ROLES:
        cur.execute("""SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
                              rolreplication
                       FROM pg_roles WHERE rolname = %s""", (role,))
        assert cur.fetchone() == (True, False, False, False, False, False), role
        cur.execute("SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole", (role,))
        assert cur.fetchone()[0] == 0, role
        for catalog, column in (("pg_class", "relowner"), ("pg_proc", "proowner"),
                                ("pg_namespace", "nspowner"), ("pg_type", "typowner")):
            cur.execute(f"SELECT count(*) FROM {catalog} WHERE {column} = %s::regrole", (role,))
            assert cur.fetchone()[0] == 0, (role, catalog)
    # The old shared role logs in no more and holds nothing.
    cur.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'switchboard_app'")
    assert cur.fetchone()[0] is False
    cur.execute("""SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
                   WHERE a.grantee = 'switchboard_app'::regrole""")
    assert cur.fetchone()[0] == 0
    cur.execute("""SELECT count(*) FROM pg_proc p, aclexplode(p.proacl) a
                   WHERE a.grantee = 'switchboard_app'::regrole""")
    assert cur.fetchone()[0] == 0


def test_security_definer_functions_each_belong_to_one_program(owner_db):
    """Every SECURITY DEFINER function reads across businesses; each is callable by the one
    program it was written for (hooks and sign-in: web; job queue: jobs), never by voice."""
    cur = owner_db.cursor()
    cur.execute("""SELECT p.oid::regprocedure::text,
                          has_function_privilege('switchboard_web', p.oid, 'EXECUTE'),
                          has_function_privilege('switchboard_voice', p.oid, 'EXECUTE'),
                          has_function_privilege('switchboard_jobs', p.oid, 'EXECUTE')
                   FROM pg_proc p
                   WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef""")
    for name, web_may, voice_may, jobs_may in cur.fetchall():
        assert not voice_may, name
        assert not (web_may and jobs_may), name


@pytest.mark.parametrize("org", [None, "A"])
def test_lead_search_finds_no_other_businesss_leads(world, web, org):
    """org_leads_matching() reads leads with the owner's rights (for the trigram index): it
    must return only the current business's ids, and nothing without one."""
    cur = web.cursor()
    set_org(cur, world[org] if org else None)
    cur.execute("SELECT count(*) FROM org_leads_matching(%s, '')", (f"%{world['marker']}%",))
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT count(*) FROM org_leads_matching('', '%5555550142%')")
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT count(*) FROM org_leads_matching('', '')")
    assert cur.fetchone()[0] == 0


def test_lead_search_finds_its_own_businesss_leads(world, web):
    cur = web.cursor()
    set_org(cur, world["B"])
    cur.execute("SELECT count(*) FROM org_leads_matching(%s, '')", (f"%{world['marker']}%",))
    assert cur.fetchone()[0] == 1


def test_only_the_web_role_searches_leads(voice, jobs):
    for conn in (voice, jobs):
        expect_error(conn, "SELECT * FROM org_leads_matching(%s, '')", ("%a%",), DENIED,
                     "permission denied for function")
