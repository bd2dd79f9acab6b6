"""rls_helpers: connections, fresh organizations and a generic row factory for the schema and RLS tests.

The row factory reads the catalog, so a table added by a later migration is
covered without touching the tests: it fills every NOT NULL column that has
no default from the column's type (a few column names get values that pass
their CHECK constraints) and points required foreign keys at rows of the
same organization created earlier.
"""

import datetime
import hashlib
import os
import random
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras
import pytest
from psycopg2 import sql

DEMO_ORG_ID = "ac3e0000-0000-4000-8000-000000000001"

psycopg2.extras.register_uuid()


def _dsn(variable):
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} is not set")
    return value


def connect_owner(autocommit=False):
    """A new connection as switchboard_owner; the caller closes it."""
    conn = psycopg2.connect(_dsn("SB_DSN_OWNER"))
    conn.autocommit = autocommit
    return conn


def connect_app(autocommit=False):
    """A new connection as the web front's role, switchboard_web; the caller closes it."""
    conn = psycopg2.connect(_dsn("SB_DSN_APP"))
    conn.autocommit = autocommit
    return conn


def connect_voice(autocommit=False):
    """A new connection as the voice worker's role, switchboard_voice; the caller closes it."""
    conn = psycopg2.connect(_dsn("SB_DSN_VOICE"))
    conn.autocommit = autocommit
    return conn


def connect_jobs(autocommit=False):
    """A new connection as the job runner's role, switchboard_jobs; the caller closes it."""
    conn = psycopg2.connect(_dsn("SB_DSN_JOBS"))
    conn.autocommit = autocommit
    return conn


def have_dsns():
    return bool(os.environ.get("SB_DSN_OWNER") and os.environ.get("SB_DSN_APP"))


def set_org(cur, org_id):
    """Sets app.org_id for the current transaction, as the application does."""
    cur.execute("SELECT set_config('app.org_id', %s, true)",
                ("" if org_id is None else str(org_id),))


def token(prefix="t"):
    """A fresh lower-case word: unique, and valid for the provider/kind checks."""
    return prefix + uuid.uuid4().hex[:12]


def new_org(owner_cur, name_prefix="test"):
    """Inserts an organization with a unique name and returns its id."""
    owner_cur.execute("INSERT INTO organizations (name) VALUES (%s) RETURNING id",
                      (f"{name_prefix}-{uuid.uuid4().hex[:8]}",))
    return owner_cur.fetchone()[0]


def drop_orgs(org_ids):
    """Deletes organizations (and, by cascade, all their rows) as the owner."""
    org_ids = [o for o in org_ids if o is not None]
    if not org_ids:
        return
    conn = connect_owner(autocommit=True)
    try:
        cur = conn.cursor()
        # Fail loudly rather than hang behind a test's unfinished transaction.
        cur.execute("SET lock_timeout = '10s'")
        cur.execute("DELETE FROM organizations WHERE id = ANY(%s)",
                              (list(org_ids),))
    finally:
        conn.close()


def tenant_tables(cur):
    """Names of every base table in public with an org_id column, sorted."""
    cur.execute("""
        SELECT c.table_name
        FROM information_schema.columns c
        JOIN information_schema.tables t
          ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND c.column_name = 'org_id'
          AND t.table_type = 'BASE TABLE'
        ORDER BY 1""")
    return [r[0] for r in cur.fetchall()]


def columns(cur, table):
    """[(name, data_type, udt_name, nullable, has_default, generated)] in order."""
    cur.execute("""
        SELECT column_name, data_type, udt_name, is_nullable = 'YES',
               column_default IS NOT NULL OR is_identity = 'YES',
               is_generated = 'ALWAYS'
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s
        ORDER BY ordinal_position""", (table,))
    return cur.fetchall()


def foreign_keys(cur, table):
    """[(referenced_table, [(local_column, referenced_column), …])] of table."""
    cur.execute("""
        SELECT con.oid, con.confrelid::regclass::text,
               array_agg(la.attname::text ORDER BY k.ord),
               array_agg(ra.attname::text ORDER BY k.ord)
        FROM pg_constraint con
        CROSS JOIN LATERAL unnest(con.conkey, con.confkey)
                   WITH ORDINALITY AS k(local_num, ref_num, ord)
        JOIN pg_attribute la ON la.attrelid = con.conrelid AND la.attnum = k.local_num
        JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.ref_num
        WHERE con.contype = 'f' AND con.conrelid = %s::regclass
        GROUP BY con.oid, con.confrelid
        ORDER BY con.oid""", (f"public.{table}",))
    return [(ref, list(zip(local, remote))) for _, ref, local, remote in cur.fetchall()]


def _required_parents(cur, table):
    """Tenant tables that table needs a row of first (NOT NULL foreign keys)."""
    nullable = {c[0]: c[3] for c in columns(cur, table)}
    parents = []
    for ref, pairs in foreign_keys(cur, table):
        links = [local for local, _ in pairs if local != "org_id"]
        if ref != "organizations" and links and not any(nullable[c] for c in links):
            parents.append(ref)
    return parents


def build_order(cur, tables):
    """tables sorted so every table comes after the tables it requires."""
    needs = {t: set(_required_parents(cur, t)) - {t} for t in tables}
    order, done = [], set()
    while len(order) < len(tables):
        ready = [t for t in tables if t not in done and needs[t] <= done]
        if not ready:
            raise AssertionError(f"foreign-key cycle among {set(tables) - done}")
        for t in sorted(ready):
            order.append(t)
            done.add(t)
    return order


def _value_for(name, data_type, udt_name, slot):
    """A value for a required column, chosen to pass the schema's checks.
    slot is the row's random hour-long time slot, so time ranges (bookings)
    of different test rows do not collide."""
    now = datetime.datetime.now(datetime.timezone.utc)
    by_name = {
        "email": lambda: f"{token()}@test.invalid",
        "e164": lambda: "+1555" + str(uuid.uuid4().int)[:7],
        "speaker": lambda: "caller",
        "channel": lambda: "sms",
        "variant": lambda: "a",
        "token_hash": lambda: uuid.uuid4().hex * 2,
        "code_hash": lambda: uuid.uuid4().hex * 2,
        "purpose": lambda: "verify_email",
        "starts_at": lambda: slot,
        "ends_at": lambda: slot + datetime.timedelta(hours=1),
        "token_sha256": lambda: hashlib.sha256(token().encode()).hexdigest(),
        "offered_times": lambda: [slot],
        "reminder": lambda: "first",
    }
    if name in by_name:
        return by_name[name]()
    if data_type in ("text", "character varying") or udt_name == "citext":
        return token()
    if data_type in ("integer", "bigint", "smallint"):
        return 1
    if data_type in ("real", "double precision", "numeric"):
        return 0.5
    if data_type == "boolean":
        return False
    if data_type in ("jsonb", "json"):
        return "{}"
    if data_type.startswith("timestamp") or data_type == "date":
        return now
    if data_type == "interval":
        return datetime.timedelta(hours=1)
    if data_type == "bytea":
        return psycopg2.Binary(b"\x00")
    if data_type == "uuid":
        return uuid.uuid4()
    if data_type == "ARRAY":
        return []
    if data_type == "inet":
        return "127.0.0.1"
    raise AssertionError(f"rls_helpers: no test value for column {name} of type "
                         f"{data_type}/{udt_name}; teach _value_for()")


def make_row(cur, table, org_id, parents):
    """Column values for a new row of table in org_id.

    parents maps a table name to a row (dict) of that table in the same org;
    required foreign keys point there. Columns with a default are left to it,
    except 'active', set false so partial "one active per org" indexes never
    stop a second test row.
    """
    cols = columns(cur, table)
    slot = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            + datetime.timedelta(hours=random.randint(24, 24 * 365 * 100)))
    row = {}
    for ref, pairs in foreign_keys(cur, table):
        if ref == "organizations" or ref not in parents:
            continue
        for local, remote in pairs:
            if local != "org_id":
                row[local] = parents[ref][remote]
    for name, data_type, udt_name, nullable, has_default, generated in cols:
        if generated or name in row:
            continue
        if name == "org_id":
            row[name] = org_id
        elif name == "active":
            row[name] = False
        elif not nullable and not has_default:
            row[name] = _value_for(name, data_type, udt_name, slot)
    return row


def insert_row(cur, table, row):
    """INSERT row into table; returns the stored row as a dict."""
    names = list(row)
    cur.execute(
        sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING *").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, names)),
            sql.SQL(", ").join(sql.Placeholder() * len(names))),
        [row[n] for n in names])
    desc = [d[0] for d in cur.description]
    return dict(zip(desc, cur.fetchone()))


def app_may(cur, table, privilege, columns=None):
    """Whether the web front's role (what SB_DSN_APP connects as) holds privilege on table, or,
    with columns, on each of them (a table may grant a statement on some columns only, as
    phone_numbers does)."""
    if columns:
        cur.execute("SELECT bool_and(has_column_privilege('switchboard_web', %s, c, %s)) "
                    "FROM unnest(%s::text[]) c", (f"public.{table}", privilege, list(columns)))
        return cur.fetchone()[0]
    cur.execute("SELECT has_table_privilege('switchboard_web', %s, %s)",
                (f"public.{table}", privilege))
    return cur.fetchone()[0]


def expect_error(conn, statement, params, error_class, message_part):
    """Runs statement, expecting it to fail with error_class whose message
    contains message_part; rolls the transaction back either way."""
    cur = conn.cursor()
    try:
        with pytest.raises(error_class) as caught:
            cur.execute(statement, params)
        assert message_part in str(caught.value), str(caught.value)
    finally:
        conn.rollback()


def claim_jobs(cur, worker, limit, kinds):
    """Calls jobs_claim as the job runner does (only the given kinds) and returns the ids."""
    cur.execute("SELECT id FROM jobs_claim(%s, %s, %s::text[])", (worker, limit, list(kinds)))
    return [r[0] for r in cur.fetchall()]
