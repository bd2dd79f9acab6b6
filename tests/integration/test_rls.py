"""test_rls: proves tenant isolation: the web front's role (switchboard_web, SB_DSN_APP) sees, changes and creates rows of the org in app.org_id only, and cannot get around that.

Every table with an org_id column is found in information_schema, so a table
added later is covered without editing this file (rls_helpers builds its test
rows from the catalog).
"""

import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql

from rls_helpers import (app_may, build_order, connect_app, connect_owner,
                         drop_orgs, expect_error, foreign_keys, have_dsns,
                         insert_row, make_row, new_org, set_org,
                         tenant_tables)

RLS_REFUSAL = "row-level security"
NO_PRIVILEGE = "permission denied"

# Entry points the web front's role must be able to call (later migrations may
# add more, each granted explicitly).
APP_FUNCTIONS = {
    "app_org_id", "org_for_number", "auth_user_by_email", "auth_login_failed",
    "auth_login_succeeded", "signup_organization", "invite_accept",
    "webhook_event_record", "webhook_event_answer", "jobs_enqueue",
    "invite_by_token", "call_by_provider_id",
    "vapi_org_for", "google_channel_find",
}
# Internals the app must not call directly, and the job runner's own functions
# (sql/016_roles_per_program.sql; test_attacks_db covers the other roles).
OWNER_ONLY_FUNCTIONS = {
    "revoke_public_execute", "set_updated_at", "notify_org_event",
    "organizations_validate", "jobs_claim", "jobs_requeue_stale",
    "webhook_events_prune", "jobs_finish", "jobs_fail",
    "organizations_first_resource", "appointments_fill",
    "google_appointment_changed", "google_schedule",
}


def pytest_generate_tests(metafunc):
    if "table" not in metafunc.fixturenames:
        return
    tables = []
    if have_dsns():
        conn = connect_owner()
        try:
            tables = tenant_tables(conn.cursor())
        finally:
            conn.close()
    metafunc.parametrize("table", tables)


@pytest.fixture(scope="module")
def world():
    """Organizations A and B with one row of their own in every tenant table,
    committed by the owner; deleted (by cascade) afterwards."""
    owner = connect_owner(autocommit=True)
    cur = owner.cursor()
    org_a = new_org(cur, "rls-A")
    org_b = new_org(cur, "rls-B")
    try:
        rows = {org_a: {}, org_b: {}}
        order = build_order(cur, tenant_tables(cur))
        for table in order:
            for org in (org_a, org_b):
                rows[org][table] = insert_row(
                    cur, table, make_row(cur, table, org, rows[org]))
        yield {"A": org_a, "B": org_b, "rows": rows, "owner": owner}
    finally:
        owner.close()
        drop_orgs([org_a, org_b])


@pytest.fixture
def app():
    conn = connect_app()
    yield conn
    conn.rollback()
    conn.close()


def _count(cur, table, where=sql.SQL("true"), params=()):
    cur.execute(sql.SQL("SELECT count(*) FROM {} WHERE ").format(
        sql.Identifier(table)) + where, params)
    return cur.fetchone()[0]


def _owner_count(world, table, org):
    return _count(world["owner"].cursor(), table,
                  sql.SQL("org_id = %s"), (org,))


def test_every_tenant_table_found_and_protected(world):
    cur = world["owner"].cursor()
    tables = tenant_tables(cur)
    for expected in ("users", "invites", "phone_numbers", "calls", "call_turns",
                     "call_sessions", "webhook_events", "leads", "lead_notes",
                     "services", "appointments", "knowledge_entries",
                     "notifications", "opt_outs", "jobs",
                     "calendar_connections", "provider_credentials",
                     "call_a_b_tests", "call_responses", "audit_log"):
        assert expected in tables
    cur.execute("""
        SELECT c.relname FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace
          AND c.relname = ANY(%s)
          AND (NOT c.relrowsecurity
               OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
        """, (tables + ["organizations"],))
    assert cur.fetchall() == []


def test_other_org_rows_invisible(world, app, table):
    cur = app.cursor()
    set_org(cur, world["A"])
    b_row = world["rows"][world["B"]][table]
    assert _count(cur, table, sql.SQL("org_id = %s"), (world["B"],)) == 0
    assert _count(cur, table, sql.SQL("id = %s"), (b_row["id"],)) == 0
    # Everything visible is A's, and all of A's is visible.
    assert _count(cur, table) == _owner_count(world, table, world["A"]) >= 1
    assert _count(cur, table, sql.SQL("org_id IS DISTINCT FROM %s"),
                  (world["A"],)) == 0


def test_update_of_other_org_changes_nothing(world, app, table):
    b_row = world["rows"][world["B"]][table]
    statement = sql.SQL("UPDATE {} SET org_id = org_id WHERE id = %s").format(
        sql.Identifier(table))
    cur = app.cursor()
    set_org(cur, world["A"])
    if app_may(cur, table, "UPDATE"):
        cur.execute(statement, (b_row["id"],))
        assert cur.rowcount == 0
        # An unfiltered UPDATE reaches A's rows only.
        cur.execute(sql.SQL("UPDATE {} SET org_id = org_id").format(
            sql.Identifier(table)))
        assert cur.rowcount == _owner_count(world, table, world["A"])
        app.rollback()
    else:
        expect_error(app, statement, (b_row["id"],),
                     psycopg2.errors.InsufficientPrivilege, NO_PRIVILEGE)


def test_delete_of_other_org_removes_nothing(world, app, table):
    b_row = world["rows"][world["B"]][table]
    statement = sql.SQL("DELETE FROM {} WHERE id = %s").format(
        sql.Identifier(table))
    cur = app.cursor()
    set_org(cur, world["A"])
    if app_may(cur, table, "DELETE"):
        cur.execute(statement, (b_row["id"],))
        assert cur.rowcount == 0
        app.commit()
    else:
        expect_error(app, statement, (b_row["id"],),
                     psycopg2.errors.InsufficientPrivilege, NO_PRIVILEGE)
    owner_cur = world["owner"].cursor()
    assert _count(owner_cur, table, sql.SQL("id = %s"), (b_row["id"],)) == 1


def test_insert_for_other_org_refused(world, app, table):
    owner_cur = world["owner"].cursor()
    row = make_row(owner_cur, table, world["B"], world["rows"][world["B"]])
    names = list(row)
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(names)))
    expected = RLS_REFUSAL if app_may(owner_cur, table, "INSERT", names) else NO_PRIVILEGE
    set_org(app.cursor(), world["A"])
    expect_error(app, statement, [row[n] for n in names],
                 psycopg2.errors.InsufficientPrivilege, expected)


def test_moving_a_row_to_other_org_refused(world, app, table):
    a_row = world["rows"][world["A"]][table]
    statement = sql.SQL("UPDATE {} SET org_id = %s WHERE id = %s").format(
        sql.Identifier(table))
    cur = app.cursor()
    expected = RLS_REFUSAL if app_may(cur, table, "UPDATE") else NO_PRIVILEGE
    set_org(cur, world["A"])
    expect_error(app, statement, (world["B"], a_row["id"]),
                 psycopg2.errors.InsufficientPrivilege, expected)


def test_reference_to_other_org_row_refused(world, app, table):
    """A's row may not point at B's rows: foreign keys skip RLS, so the
    schema must refuse this itself (composite (org_id, id) keys)."""
    owner_cur = world["owner"].cursor()
    if not app_may(owner_cur, table, "INSERT"):
        return
    for ref, pairs in foreign_keys(owner_cur, table):
        links = [(local, remote) for local, remote in pairs if local != "org_id"]
        if ref == "organizations" or not links:
            continue
        # A fresh B row with nothing attached, so only the foreign key can
        # object (not, say, a unique key the existing B row already uses).
        b_parent = insert_row(owner_cur, ref, make_row(
            owner_cur, ref, world["B"], world["rows"][world["B"]]))
        row = make_row(owner_cur, table, world["A"], world["rows"][world["A"]])
        for local, remote in links:
            row[local] = b_parent[remote]
        names = list(row)
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ").join(sql.Placeholder() * len(names)))
        set_org(app.cursor(), world["A"])
        expect_error(app, statement, [row[n] for n in names],
                     psycopg2.errors.ForeignKeyViolation, "violates foreign key")


def test_nothing_visible_without_org(world, app, table):
    cur = app.cursor()
    assert _count(cur, table) == 0
    app.rollback()
    set_org(cur, None)  # app.org_id = '' counts as unset
    assert _count(cur, table) == 0


def test_organizations_isolated(world, app):
    cur = app.cursor()
    assert _count(cur, "organizations") == 0
    app.rollback()
    set_org(cur, world["A"])
    cur.execute("SELECT id FROM organizations")
    assert [r[0] for r in cur.fetchall()] == [world["A"]]
    cur.execute("UPDATE organizations SET name = 'taken over' WHERE id = %s",
                (world["B"],))
    assert cur.rowcount == 0
    app.rollback()
    set_org(cur, world["A"])
    expect_error(app, "UPDATE organizations SET id = %s WHERE id = %s",
                 (world["B"], world["A"]), psycopg2.errors.InsufficientPrivilege,
                 RLS_REFUSAL)
    set_org(cur, world["A"])
    expect_error(app, "INSERT INTO organizations (name) VALUES ('intruder')", (),
                 psycopg2.errors.InsufficientPrivilege, NO_PRIVILEGE)
    set_org(cur, world["A"])
    expect_error(app, "DELETE FROM organizations WHERE id = %s", (world["B"],),
                 psycopg2.errors.InsufficientPrivilege, NO_PRIVILEGE)


@pytest.mark.parametrize("statement, message", [
    ("ALTER TABLE calls ADD COLUMN intruder int", "must be owner"),
    ("ALTER TABLE calls DISABLE ROW LEVEL SECURITY", "must be owner"),
    ("ALTER TABLE calls NO FORCE ROW LEVEL SECURITY", "must be owner"),
    ("DROP POLICY tenant_isolation ON calls", "must be owner"),
    ("CREATE POLICY open ON calls USING (true)", "must be owner"),
    ("DROP TABLE calls", "must be owner"),
    ("DROP TABLE organizations CASCADE", "must be owner"),
    ("TRUNCATE calls", NO_PRIVILEGE),
    ("ALTER FUNCTION app_org_id() OWNER TO switchboard_web", "must be owner"),
    ("CREATE TABLE public.intruder (id int)", NO_PRIVILEGE),
])
def test_app_cannot_change_schema(app, statement, message):
    expect_error(app, statement, (), psycopg2.errors.InsufficientPrivilege,
                 message)


def test_app_cannot_pass_on_privileges(app):
    """GRANT without the grant option only warns; check it granted nothing."""
    cur = app.cursor()
    cur.execute("GRANT SELECT, INSERT ON calls TO PUBLIC")
    cur.execute("SELECT has_table_privilege('public', 'calls', 'SELECT')")
    assert cur.fetchone()[0] is False
    app.rollback()


@pytest.mark.parametrize("switch_off", [
    "SET row_security = off",
    "SELECT set_config('row_security', 'off', false)",
])
def test_app_cannot_switch_row_security_off(world, app, switch_off):
    """With row_security off a query that RLS would filter fails outright
    for a role without BYPASSRLS, instead of seeing every row."""
    cur = app.cursor()
    cur.execute(switch_off)
    set_org(cur, world["A"])
    expect_error(app, "SELECT count(*) FROM calls", (),
                 psycopg2.errors.InsufficientPrivilege,
                 "query would be affected by row-level security policy")
    cur.execute(switch_off)
    expect_error(app, "SELECT count(*) FROM leads", (),
                 psycopg2.errors.InsufficientPrivilege,
                 "query would be affected by row-level security policy")


def test_app_role_is_plain_and_owns_nothing(app):
    cur = app.cursor()
    cur.execute("""SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb
                   FROM pg_roles WHERE rolname = 'switchboard_web'""")
    assert cur.fetchone() == (False, False, False, False)
    cur.execute("SELECT count(*) FROM pg_tables WHERE tableowner = 'switchboard_web'")
    assert cur.fetchone()[0] == 0
    for catalog, owner_column in (("pg_class", "relowner"), ("pg_proc", "proowner"),
                                  ("pg_namespace", "nspowner"), ("pg_type", "typowner")):
        cur.execute(f"SELECT count(*) FROM {catalog} "
                    f"WHERE {owner_column} = 'switchboard_web'::regrole")
        assert cur.fetchone()[0] == 0, catalog
    cur.execute("""SELECT count(*) FROM pg_database
                   WHERE datname = current_database()
                     AND datdba = 'switchboard_web'::regrole""")
    assert cur.fetchone()[0] == 0
    cur.execute("SELECT pg_has_role('switchboard_web', 'switchboard_owner', 'MEMBER')")
    assert cur.fetchone()[0] is False


def test_app_executes_only_functions_granted_to_it(owner_db):
    cur = owner_db.cursor()
    own_functions = """
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'e')"""
    # Nothing of ours is callable through PUBLIC: every grant is deliberate.
    cur.execute(own_functions +
                " AND has_function_privilege('public', p.oid, 'EXECUTE')")
    assert cur.fetchall() == []
    cur.execute(own_functions +
                " AND has_function_privilege('switchboard_web', p.oid, 'EXECUTE')")
    callable_by_app = {r[0] for r in cur.fetchall()}
    assert APP_FUNCTIONS <= callable_by_app
    assert not OWNER_ONLY_FUNCTIONS & callable_by_app


def test_security_definer_functions_are_pinned(owner_db):
    """Each SECURITY DEFINER function is the owner's and fixes search_path,
    so a caller cannot slip its own objects in front of ours."""
    cur = owner_db.cursor()
    cur.execute("""
        SELECT p.proname, pg_get_userbyid(p.proowner), p.proconfig
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef""")
    found = cur.fetchall()
    assert {name for name, _, _ in found} >= {
        "org_for_number", "auth_user_by_email", "auth_login_failed",
        "auth_login_succeeded", "signup_organization", "invite_accept",
        "jobs_claim", "jobs_requeue_stale", "webhook_event_record",
        "webhook_event_answer"}
    for name, owner, config in found:
        assert owner == "switchboard_owner", name
        assert config and "search_path=public, pg_temp" in config, name
    cur.execute("""
        SELECT p.proname FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef
          AND has_function_privilege('public', p.oid, 'EXECUTE')""")
    assert cur.fetchall() == []
