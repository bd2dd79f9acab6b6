"""test_tenancy: a signed-in user of business A walks every route of cgi/routes.c with the ids
of business B's rows. Every answer is 404 (never 500), nothing of B changes, and no list page
shows anything of B."""
import hashlib
import os
import re
import uuid

import pytest

from conftest import ROOT, sql

# Which table a route's ":id" names, by the route's path prefix. A new route with an id must
# be added here, or test_every_route_with_an_id_is_covered fails.
ID_TABLES = [
    ("/calls/", "calls"),
    ("/leads/", "leads"),
    ("/appointments/", "appointments"),
    ("/services/", "services"),
    ("/settings/knowledge/", "knowledge_entries"),
    ("/settings/phones/", "phone_numbers"),
    ("/line/", "phone_numbers"),
    ("/settings/credentials/", "provider_credentials"),
    ("/team/users/", "users"),
    ("/team/invites/", "invites"),
    ("/settings/resources/", "resources"),
    ("/settings/closures/", "closures"),
]

MARK = "Zebraquux"  # a word only business B's rows contain


def routes():
    """(method, pattern, flags) of every row of the route table."""
    text = open(os.path.join(ROOT, "cgi", "routes.c")).read()
    return re.findall(r'\{\s*"(GET|POST|PUT|DELETE)",\s*"([^"]+)",\s*\w+,\s*([^}]*)\}', text)


def table_for(pattern):
    for prefix, table in ID_TABLES:
        if pattern.startswith(prefix):
            return table
    return None


def digest(db, org_id):
    """A fingerprint of every row business B has in every tenant table."""
    tables = [t for (t,) in sql(db, "SELECT table_name FROM information_schema.columns "
                                    "WHERE column_name = 'org_id' AND table_schema = 'public' "
                                    "ORDER BY table_name")]
    h = hashlib.sha256()
    for t in tables:
        rows = sql(db, f"SELECT t::text FROM {t} t WHERE org_id = %s ORDER BY t::text", org_id)
        h.update(repr((t, rows)).encode())
    h.update(repr(sql(db, "SELECT o::text FROM organizations o WHERE id = %s", org_id)).encode())
    return h.hexdigest()


@pytest.fixture
def b_rows(owner_db, other_business):
    """One row of each kind an id route can name, in business B, all marked with MARK."""
    org = other_business.org_id
    ids = {}

    def one(query, *params):
        return str(sql(owner_db, query, *params)[0][0])

    ids["services"] = one("INSERT INTO services (org_id, name, price_cents, duration_minutes) "
                          "VALUES (%s, %s, 10000, 60) RETURNING id", org, f"{MARK} service")
    ids["leads"] = one("INSERT INTO leads (org_id, phone, name, summary, status) "
                       "VALUES (%s, '+15550001111', %s, %s, 'new') RETURNING id", org, f"{MARK} lead", MARK)
    ids["calls"] = one("INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number, "
                       "to_number, status, started_at, summary, lead_id) VALUES (%s, 'twilio', %s, "
                       "'inbound', '+15550001111', '+15550002222', 'completed', now(), %s, %s) RETURNING id",
                       org, "CA" + uuid.uuid4().hex, MARK, ids["leads"])
    sql(owner_db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text) VALUES (%s, %s, 1, 'caller', %s)",
        org, ids["calls"], f"{MARK} speaking")
    ids["appointments"] = one("INSERT INTO appointments (org_id, lead_id, service_id, customer_name, "
                              "customer_phone, starts_at, ends_at, status) VALUES (%s, %s, %s, %s, "
                              "'+15550001111', now() + interval '3 days', now() + interval '3 days 1 hour', "
                              "'scheduled') RETURNING id", org, ids["leads"], ids["services"], f"{MARK} customer")
    sql(owner_db, "INSERT INTO inbound_messages (org_id, provider_message_id, from_number, to_number, "
                  "body) VALUES (%s, %s, '+15550001111', '+15550002222', %s)",
        org, "SM" + uuid.uuid4().hex, f"{MARK} text")
    ids["knowledge_entries"] = one("INSERT INTO knowledge_entries (org_id, question, answer) "
                                   "VALUES (%s, %s, %s) RETURNING id", org, f"{MARK} question?", MARK)
    # A number no other business holds (numbers are unique across businesses).
    ids["phone_numbers"] = one("INSERT INTO phone_numbers (org_id, e164, label) "
                               "SELECT %s, n, %s FROM (SELECT '+1555' || lpad((random() * 1e7)::int::text, 7, '0') "
                               "AS n FROM generate_series(1, 20)) c "
                               "WHERE NOT EXISTS (SELECT 1 FROM phone_numbers p WHERE p.e164 = c.n) "
                               "LIMIT 1 RETURNING id", org, MARK)
    ids["provider_credentials"] = one("INSERT INTO provider_credentials (org_id, provider, name, secret_enc, "
                                      "secret_hint) VALUES (%s, 'twilio', 'auth_token', '\\x00', 'zzzz') "
                                      "RETURNING id", org)
    ids["users"] = one("INSERT INTO users (org_id, email, password_hash, role, name) VALUES "
                       "(%s, %s, 'scrypt$x', 'member', %s) RETURNING id", org,
                       f"member-{uuid.uuid4().hex[:8]}@b.test", MARK)
    ids["invites"] = one("INSERT INTO invites (org_id, email, role, token_hash, expires_at) VALUES "
                         "(%s, %s, 'member', %s, now() + interval '7 days') RETURNING id", org,
                         f"invitee-{uuid.uuid4().hex[:8]}@b.test", uuid.uuid4().hex)
    ids["resources"] = one("INSERT INTO resources (org_id, name, kind) VALUES (%s, %s, 'room') "
                           "RETURNING id", org, f"{MARK} chair")
    ids["closures"] = one("INSERT INTO closures (org_id, starts_at, ends_at, reason) VALUES "
                          "(%s, now() + interval '10 days', now() + interval '11 days', %s) "
                          "RETURNING id", org, MARK)
    return ids


# Routes whose :id is a business, not a row: nginx's auth_request asks whether the session may
# follow that business's live events (403 for another's); tests/integration/test_live.py covers it.
BUSINESS_ID_ROUTES = {"/_live/authorize/:id"}


def test_every_route_with_an_id_is_covered():
    uncovered = [p for _, p, _ in routes()
                 if ":id" in p and table_for(p) is None and p not in BUSINESS_ID_ROUTES]
    assert uncovered == []


def test_other_business_ids_are_404_on_every_route(business, other_business, owner_db, b_rows):
    before = digest(owner_db, other_business.org_id)
    walked = 0
    for method, pattern, flags in routes():
        table = table_for(pattern)
        if ":id" not in pattern or table is None:
            continue
        path = pattern.replace(":id", b_rows[table])
        if method == "GET":
            r = business.get(path, allow_redirects=False)
        else:
            # A plausible form, so validation cannot be what refuses it.
            r = business.post_form(path, {"status": "lost", "body": "x", "name": "x", "role": "admin",
                                          "question": "q", "answer": "a", "date": "2030-01-02",
                                          "time": "10:00", "price": "1", "duration": "30"})
        assert r.status_code == 404, (method, pattern, r.status_code)
        walked += 1
    assert walked >= 10
    assert digest(owner_db, other_business.org_id) == before


def test_list_pages_show_nothing_of_the_other_business(business, b_rows):
    shown = 0
    for method, pattern, flags in routes():
        if method != "GET" or ":" in pattern or "R_AUTH" not in flags:
            continue
        r = business.get(pattern, allow_redirects=False)
        assert r.status_code in (200, 303), (pattern, r.status_code)
        assert MARK not in r.text, pattern
        shown += 1
    assert shown >= 8
    # Searches and exports too (a search page shows the searched word back, not B's rows).
    for path in ["/leads?q=" + MARK, "/leads.csv", "/leads.csv?q=" + MARK, "/calls?status=completed"]:
        r = business.get(path, allow_redirects=False)
        assert r.status_code == 200, path
        assert f"{MARK} lead" not in r.text and "+15550001111" not in r.text, path
