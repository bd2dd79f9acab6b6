"""test_practice: Settings -> Practice calls plays simulated callers made from the business's own
services, hours and knowledge against its receptionist as a job, shows who got what with each
transcript, and leaves nothing the dashboard counts: no call, lead, appointment or text."""
import html
import re
import time

from conftest import signup, sql


def counts(db, org):
    return sql(db, """SELECT (SELECT count(*) FROM calls WHERE org_id = $1),
                             (SELECT count(*) FROM leads WHERE org_id = $1),
                             (SELECT count(*) FROM appointments WHERE org_id = $1),
                             (SELECT count(*) FROM notifications WHERE org_id = $1),
                             (SELECT count(*) FROM call_sessions WHERE org_id = $1),
                             (SELECT count(*) FROM jobs WHERE org_id = $1
                                AND kind <> 'practice.run')""".replace("$1", "%s"), *[org] * 6)[0]


def run_practice(client, db, timeout=20):
    r = client.post_form("/settings/practice")
    assert r.status_code == 303, (r.status_code, r.text[:500])
    assert r.headers["Location"] == "/settings/practice"
    deadline = time.time() + timeout
    while time.time() < deadline:
        rows = sql(db, "SELECT id, status, callers, passed, wall_ms FROM practice_runs "
                       "WHERE org_id = %s ORDER BY created_at DESC LIMIT 1", client.org_id)
        if rows and rows[0][1] in ("done", "failed"):
            return rows[0]
        time.sleep(0.2)
    raise AssertionError("the practice run did not finish")


def test_practice_run_plays_callers_and_keeps_nothing(owner_db):
    client = signup(kind="plumber")
    sql(owner_db, "INSERT INTO knowledge_entries (org_id, question, answer) VALUES "
                  "(%s, 'Do you offer financing?', 'Yes, we offer financing on jobs over "
                  "$1,000 through our partner bank.')", client.org_id)
    before = counts(owner_db, client.org_id)

    page = client.get("/settings/practice")
    assert page.status_code == 200
    assert "No practice calls yet" in page.text
    assert 'href="/settings/practice"' in client.get("/settings").text

    run_id, status, callers, passed, wall_ms = run_practice(client, owner_db)
    assert status == "done"
    assert callers >= 15
    # Twenty callers in seconds, not minutes.
    assert wall_ms < 10000, wall_ms
    calls = sql(owner_db, "SELECT goal, passed, verdict, transcript FROM practice_calls "
                          "WHERE run_id = %s ORDER BY seq", run_id)
    assert len(calls) == callers
    goals = " | ".join(c[0] for c in calls)
    assert "Ask the price of" in goals and "Book " in goals and "emergency" in goals.lower()
    assert "Do you offer financing?" in goals and "Leave a message" in goals
    for goal, ok, verdict, transcript in calls:
        assert transcript[0]["speaker"] == "assistant" and len(transcript) >= 3, goal
    by_goal = {c[0]: c for c in calls}
    assert by_goal['Ask "Do you offer financing?"'][1], by_goal['Ask "Do you offer financing?"']
    assert by_goal["Leave a message for the owner"][1]
    booked = [c for c in calls if c[0].startswith("Book ") and c[1]]
    assert booked, [(c[0], c[2]) for c in calls if c[0].startswith("Book ")]
    assert all("the time read back" in c[2] for c in booked)
    # The kind's reasonable starter setup should get nearly everyone what they called for.
    assert passed >= callers * 0.7, [(c[0], c[2]) for c in calls if not c[1]]

    # Nothing the dashboard counts was left behind.
    assert counts(owner_db, client.org_id) == before

    page = client.get("/settings/practice").text
    assert f"{passed} of {callers}" in page
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "Receptionist" in text and "Caller" in text
    assert "Do you offer financing?" in text


def test_practice_run_is_per_business(owner_db, other_business):
    client = signup(kind="dental")
    run_id = run_practice(client, owner_db)[0]
    page = other_business.get("/settings/practice").text
    assert "No practice calls yet" in page
    assert not sql(owner_db, "SELECT 1 FROM practice_calls WHERE run_id = %s "
                             "AND org_id <> %s", run_id, client.org_id)


def sql_count(org):
    import psycopg2
    from conftest import DSN_OWNER
    with psycopg2.connect(DSN_OWNER) as db:
        return sql(db, "SELECT count(*) FROM practice_runs WHERE org_id = %s", org)[0][0]


def test_start_needs_csrf(business):
    r = business.post("/settings/practice", data={"csrf": "0" * 64})
    assert r.status_code in (400, 403)
    assert not sql_count(business.org_id)


def test_a_run_that_never_finished_stops_the_waiting(business, owner_db):
    sql(owner_db, "INSERT INTO practice_runs (org_id, status, created_at) VALUES "
                  "(%s, 'running', now() - interval '10 minutes')", business.org_id)
    page = business.get("/settings/practice").text
    assert "The run failed: the run did not finish" in page
    assert 'data-poll="1"' not in page
    # A new run can be started over it.
    r = business.post_form("/settings/practice")
    assert r.status_code == 303
    assert sql(owner_db, "SELECT count(*) FROM practice_runs WHERE org_id = %s",
               business.org_id)[0][0] == 2
