"""test_page_leads.py: the leads list (filters, search, sorting, pages, CSV) and a lead's page and actions."""
import csv
import io
import json
import os
import re
import time
import uuid

import pytest

from conftest import sql

LEAD_ROW_RE = re.compile(r'<tr data-lead="([0-9a-f-]{36})">')


def add_lead(db, org_id, phone, name=None, status="new", temperature=None, score=None,
             value_cents=None, summary=None, minutes_ago=0, email=None):
    """Insert a lead for org_id as the schema owner; returns its id."""
    return str(sql(db, """
        INSERT INTO leads (org_id, phone, name, status, temperature, score, value_cents,
                           summary, email, updated_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, now() - make_interval(mins => %s))
        RETURNING id""", org_id, phone, name, status, temperature, score, value_cents, summary,
        email, minutes_ago)[0][0])


def save_page(name, html):
    """Keep a rendered page in the test output, for looking at."""
    with open(os.path.join(os.environ.get("SB_OUTPUT", "/tmp"), name), "w") as out:
        out.write(html)


def listed(client, query=""):
    """The ids of the leads the list shows, in order."""
    r = client.get("/leads" + query)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    return LEAD_ROW_RE.findall(r.text)


def lead_state(db, lead_id):
    return sql(db, "SELECT status, (SELECT count(*) FROM lead_notes WHERE lead_id = %s), "
                   "(SELECT count(*) FROM jobs WHERE payload ->> 'lead_id' = %s::text) "
                   "FROM leads WHERE id = %s", lead_id, lead_id, lead_id)[0]


@pytest.fixture
def leads(business, owner_db):
    """A small varied set of leads, by a short name."""
    org = business.org_id
    return {
        "ann": add_lead(owner_db, org, "+15550001001", "Ann Archer", "new", "hot", 90, 50000,
                        "Burst pipe under the kitchen sink", minutes_ago=5),
        "bob": add_lead(owner_db, org, "+15550001002", "Bob Baker", "contacted", "warm", 60, 12000,
                        "Quote for a water heater", minutes_ago=50),
        "cy": add_lead(owner_db, org, "+15550001003", "Cy Carter", "qualified", "hot", 75, None,
                       "Drain cleaning, flexible time", minutes_ago=30),
        "dee": add_lead(owner_db, org, "+15550001004", "Dee Dunn", "booked", "cold", 20, 8000,
                        "Asked about prices only", minutes_ago=10),
        "eve": add_lead(owner_db, org, "+15550001005", None, "lost", None, None, None, None,
                        minutes_ago=90),
        "fay": add_lead(owner_db, org, "+15550001006", "Fay 100% Fixit_Co", "converted", "warm",
                        40, 99900, "Repeat customer", minutes_ago=70),
    }


def test_list_shows_every_lead_newest_first(business, leads):
    r = business.get("/leads")
    assert r.status_code == 200
    save_page("leads.html", r.text)
    assert "6 leads" in r.text
    assert LEAD_ROW_RE.findall(r.text) == [leads[k] for k in ("ann", "dee", "cy", "bob", "fay", "eve")]
    assert "Unknown caller" in r.text and "$500.00" in r.text
    assert 'class="badge badge-hot">Hot<' in r.text


@pytest.mark.parametrize("status,expected", [
    ("new", ["ann"]), ("contacted", ["bob"]), ("qualified", ["cy"]), ("booked", ["dee"]),
    ("converted", ["fay"]), ("lost", ["eve"]),
])
def test_filter_by_each_status(business, leads, status, expected):
    assert listed(business, f"?status={status}") == [leads[k] for k in expected]


@pytest.mark.parametrize("temperature,expected", [
    ("hot", ["ann", "cy"]), ("warm", ["bob", "fay"]), ("cold", ["dee"]),
])
def test_filter_by_each_temperature(business, leads, temperature, expected):
    assert listed(business, f"?temperature={temperature}") == [leads[k] for k in expected]


def test_filters_combine(business, leads):
    assert listed(business, "?status=qualified&temperature=hot") == [leads["cy"]]
    assert listed(business, "?status=new&temperature=cold") == []
    assert listed(business, "?status=contacted&temperature=warm&q=heater") == [leads["bob"]]
    r = business.get("/leads?status=new&temperature=cold")
    assert "No leads match these filters" in r.text
    # The chosen filters stay chosen in the form.
    r = business.get("/leads?status=qualified&temperature=hot")
    assert '<option value="qualified" selected>' in r.text
    assert '<option value="hot" selected>' in r.text


def test_unknown_filter_values_are_ignored(business, leads):
    assert len(listed(business, "?status=nonsense&temperature=boiling&sort=evil&dir=sideways")) == 6
    assert business.get("/leads?page=-3").status_code == 200
    assert business.get("/leads?page=abc").status_code == 200


def test_search_name_phone_summary(business, leads):
    assert listed(business, "?q=archer") == [leads["ann"]]
    assert listed(business, "?q=WATER+HEATER") == [leads["bob"]]
    assert listed(business, "?q=%2B15550001003") == [leads["cy"]]
    # A number however it is typed: its digits match the stored number's.
    assert listed(business, "?q=555-000-1004") == [leads["dee"]]
    assert listed(business, "?q=%28555%29+0001005") == [leads["eve"]]
    # LIKE wildcards are taken literally.
    assert listed(business, "?q=100%25") == [leads["fay"]]
    assert listed(business, "?q=t_C") == [leads["fay"]]
    assert listed(business, "?q=5_5") == []
    assert listed(business, "?q=%25%25%25") == []
    assert listed(business, "?q=zzzz") == []
    r = business.get("/leads?q=%3Cscript%3Ex")
    assert "&lt;script&gt;x" in r.text and "<script>x" not in r.text


@pytest.mark.parametrize("query,expected", [
    ("?sort=score&dir=desc", ["ann", "cy", "bob", "fay", "dee", "eve"]),
    ("?sort=score&dir=asc", ["eve", "dee", "fay", "bob", "cy", "ann"]),
    ("?sort=name", ["ann", "bob", "cy", "dee", "fay", "eve"]),
    ("?sort=name&dir=desc", ["eve", "fay", "dee", "cy", "bob", "ann"]),
    ("?sort=updated&dir=asc", ["eve", "fay", "bob", "cy", "dee", "ann"]),
])
def test_sorting(business, leads, query, expected):
    assert listed(business, query) == [leads[k] for k in expected]


@pytest.mark.parametrize("query", ["?sort=value&dir=desc", "?sort=value"])
def test_sorting_by_value_puts_unknown_values_last(business, leads, query):
    order = listed(business, query)
    assert order[:4] == [leads[k] for k in ("fay", "ann", "bob", "dee")]
    assert set(order[4:]) == {leads["cy"], leads["eve"]}
    assert listed(business, "?sort=value&dir=asc")[2:] == [leads[k] for k in ("dee", "bob", "ann", "fay")]


def test_sort_links_flip_and_keep_filters(business, leads):
    r = business.get("/leads?status=new&sort=score&dir=desc")
    assert 'sort=score&amp;dir=asc' in r.text
    assert 'status=new&amp;temperature=&amp;q=&amp;sort=name&amp;dir=asc' in r.text
    assert 'aria-sort="descending"' in r.text


def test_pagination(business, owner_db):
    sql(owner_db, """INSERT INTO leads (org_id, phone, name, updated_at)
                     SELECT %s, '+1555100' || lpad(i::text, 4, '0'), 'Page Lead ' || i,
                            now() - make_interval(mins => i)
                     FROM generate_series(1, 120) i""", business.org_id)
    r = business.get("/leads")
    first = LEAD_ROW_RE.findall(r.text)
    assert len(first) == 50 and "120 leads" in r.text and "Leads 1–50" in r.text
    assert "page=2" in r.text and '<span class="disabled">Previous</span>' in r.text
    second = listed(business, "?page=2")
    third = business.get("/leads?page=3")
    assert len(second) == 50 and not set(first) & set(second)
    assert len(LEAD_ROW_RE.findall(third.text)) == 20 and "Leads 101–120" in third.text
    assert '<span class="disabled">Next</span>' in third.text and "page=2" in third.text
    assert "Page Lead 120" in third.text and "120 leads" in third.text
    beyond = business.get("/leads?page=9")
    assert LEAD_ROW_RE.findall(beyond.text) == [] and "120 leads" in beyond.text


def read_csv(response):
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_csv_exports_every_matching_row(business, owner_db, leads):
    sql(owner_db, """INSERT INTO leads (org_id, phone, name, status, temperature)
                     SELECT %s, '+1555200' || lpad(i::text, 4, '0'), 'Bulk ' || i, 'qualified', 'hot'
                     FROM generate_series(1, 70) i""", business.org_id)
    r = business.get("/leads.csv?status=qualified&temperature=hot")
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and re.search(r'filename="leads-\d{4}-\d\d-\d\d\.csv"', disposition)
    rows = read_csv(r)
    assert rows[0][:4] == ["Name", "Phone", "Email", "Status"]
    assert len(rows) == 1 + 71  # every match, not one page of 50
    assert {row[3] for row in rows[1:]} == {"qualified"}
    assert "Cy Carter" in [row[0] for row in rows[1:]]
    everything = read_csv(business.get("/leads.csv"))
    assert len(everything) == 1 + 76


def test_csv_quoting_and_formula_neutralisation(business, owner_db):
    org = business.org_id
    add_lead(owner_db, org, "+15550009001", '=HYPERLINK("http://evil.test","x")', summary="-2+3",
             email="@SUM(A1)")
    add_lead(owner_db, org, "5550009002", 'Smith, "Junior"', summary="line one\nline two")
    add_lead(owner_db, org, "5550009003", "+cmd|' /C calc'!A0", summary="@risk")
    rows = read_csv(business.get("/leads.csv?sort=name"))
    by_phone = {row[1]: row for row in rows[1:]}
    evil = by_phone["'+15550009001"]
    assert evil[0] == '\'=HYPERLINK("http://evil.test","x")'
    assert evil[2] == "'@SUM(A1)" and evil[7] == "'-2+3"
    assert by_phone["5550009002"][0] == 'Smith, "Junior"'
    assert by_phone["5550009002"][7] == "line one\nline two"
    assert by_phone["5550009003"][0] == "'+cmd|' /C calc'!A0" and by_phone["5550009003"][7] == "'@risk"
    raw = business.get("/leads.csv").content.decode("utf-8-sig")
    assert '"Smith, ""Junior"""' in raw
    assert raw.endswith("\r\n")


def test_csv_of_another_business_shows_nothing_of_it(business, other_business, owner_db):
    add_lead(owner_db, other_business.org_id, "+15550007777", "Their Secret Lead")
    rows = read_csv(business.get("/leads.csv"))
    assert rows[1:] == []
    assert "Their Secret Lead" not in business.get("/leads?q=secret").text


def test_lead_page_shows_calls_appointments_messages_notes_jobs(business, owner_db, leads):
    org, lead = business.org_id, leads["ann"]
    call = sql(owner_db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                            to_number, status, summary, lead_id, duration_seconds, booked)
                            VALUES (%s, 'twilio', 'CA' || md5(random()::text), '+15550001001',
                                    '+15550000000', 'completed', 'Pipe <b>burst</b> call', %s, 125, true)
                            RETURNING id""", org, lead)[0][0]
    sql(owner_db, """INSERT INTO appointments (org_id, lead_id, customer_name, starts_at, ends_at)
                     VALUES (%s, %s, 'Ann Archer', '2031-03-04 15:00+00', '2031-03-04 16:00+00')""",
        org, lead)
    sql(owner_db, """INSERT INTO notifications (org_id, channel, purpose, to_address, body, status,
                                                error, lead_id)
                     VALUES (%s, 'sms', 'confirmation', '+15550001001', 'See you Tuesday', 'failed',
                             'carrier rejected', %s)""", org, lead)
    sql(owner_db, "INSERT INTO lead_notes (org_id, lead_id, body) VALUES (%s, %s, 'Gate code 1234')",
        org, lead)
    r = business.get(f"/leads/{lead}")
    assert r.status_code == 200
    page = r.text
    save_page("lead.html", page)
    assert "Ann Archer" in page and "Burst pipe under the kitchen sink" in page
    assert f'href="/calls/{call}"' in page and "Pipe &lt;b&gt;burst&lt;/b&gt; call" in page
    assert "2 min 5 s" in page and ">Booked<" in page
    assert "Mar 4, 2031 10:00 AM" in page  # in the business's time zone, New York
    assert "See you Tuesday" in page and "carrier rejected" in page
    assert "Gate code 1234" in page
    assert "No call-backs or text messages queued" in page
    # Another lead's page shows none of it.
    other = business.get(f"/leads/{leads['bob']}").text
    assert "See you Tuesday" not in other and "Gate code 1234" not in other


def test_status_change_is_stored_and_shown(business, owner_db, leads):
    lead = leads["ann"]
    r = business.post_form(f"/leads/{lead}/status", {"status": "qualified"})
    assert r.status_code == 303 and r.headers["Location"] == f"/leads/{lead}"
    assert lead_state(owner_db, lead)[0] == "qualified"
    page = business.get(f"/leads/{lead}").text
    assert 'id="lead-status">Qualified<' in page
    assert '<option value="qualified" selected>' in page
    audit = sql(owner_db, "SELECT action, detail FROM audit_log WHERE org_id = %s AND target = %s",
                business.org_id, lead)
    assert audit == [("lead.status", {"status": "qualified"})]
    assert listed(business, "?status=qualified") == [lead, leads["cy"]]


@pytest.mark.parametrize("status", ["won", "", "NEW", "new' OR 1=1"])
def test_invalid_status_is_refused(business, owner_db, leads, status):
    lead = leads["bob"]
    r = business.post_form(f"/leads/{lead}/status", {"status": status})
    assert r.status_code == 422
    assert "choose one of the statuses in the list" in r.text
    assert lead_state(owner_db, lead)[0] == "contacted"


def test_note_is_stored_and_shown_escaped(business, owner_db, leads):
    lead = leads["cy"]
    r = business.post_form(f"/leads/{lead}/notes", {"note_body": "  <script>alert(1)</script> & call at 5  "})
    assert r.status_code == 303
    stored = sql(owner_db, "SELECT body, user_id IS NOT NULL FROM lead_notes WHERE lead_id = %s", lead)
    assert stored == [("<script>alert(1)</script> & call at 5", True)]
    page = business.get(f"/leads/{lead}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; call at 5" in page
    assert "<script>alert(1)" not in page
    assert business.email in page


@pytest.mark.parametrize("body,message", [
    ("", "A note is required"), ("   ", "A note is required"),
    ("x" * 2001, "keep it to 2000 characters"),
])
def test_invalid_note_is_refused(business, owner_db, leads, body, message):
    lead = leads["cy"]
    r = business.post_form(f"/leads/{lead}/notes", {"note_body": body})
    assert r.status_code == 422
    assert message in r.text and "has-error" in r.text
    assert lead_state(owner_db, lead)[1] == 0
    if body.strip():
        assert body.strip() in r.text  # what was typed is shown again


def test_note_of_2000_characters_is_accepted(business, owner_db, leads):
    r = business.post_form(f"/leads/{leads['cy']}/notes", {"note_body": "é" * 2000})
    assert r.status_code == 303
    assert lead_state(owner_db, leads["cy"])[1] == 1


def jobs_of(db, lead):
    return sql(db, "SELECT kind, payload, status FROM jobs WHERE payload ->> 'lead_id' = %s "
                   "ORDER BY created_at", lead)


def test_callback_and_sms_enqueue_jobs(business, owner_db, leads):
    lead = leads["dee"]
    # A call-back needs a number to call from (the business answers in gather mode, through
    # the stack's Twilio fake).
    number = "+1555%07d" % (uuid.uuid4().int % 10 ** 7)
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())", business.org_id, number)
    r = business.post_form(f"/leads/{lead}/callback", {"callback_body": "About the quote"})
    assert r.status_code == 303
    r = business.post_form(f"/leads/{lead}/sms", {"sms_body": "Hi Dee, <b>we</b> can come Friday."})
    assert r.status_code == 303
    jobs = jobs_of(owner_db, lead)
    [(call_id,)] = sql(owner_db, "SELECT id::text FROM calls WHERE lead_id = %s", lead)
    assert [(kind, payload) for kind, payload, _ in jobs] == [
        ("lead.callback", {"lead_id": lead, "call_id": call_id, "to": "+15550001004",
                           "body": "About the quote"}),
        ("sms.send", {"lead_id": lead, "to": "+15550001004",
                      "body": "Hi Dee, <b>we</b> can come Friday."}),
    ]
    # The runner carries out both at once: the call through Twilio, the text only logged
    # (texting is off).
    for _ in range(200):
        statuses = [status for _, _, status in jobs_of(owner_db, lead)]
        if statuses == ["done", "done"]:
            break
        time.sleep(0.1)
    assert statuses == ["done", "done"]
    page = business.get(f"/leads/{lead}").text
    assert "Call back" in page and "Text message" in page
    assert "Hi Dee, &lt;b&gt;we&lt;/b&gt; can come Friday." in page
    assert page.count(">Done<") == 1 and 'data-call-status="initiated"' in page
    # A text that was only logged is never shown as done, and says why.
    assert ">Logged, not sent<" in page
    assert "Not sent: text messages are off for this business; nothing was sent" in page
    # An empty call-back reason is fine: the call itself is the action.
    assert business.post_form(f"/leads/{lead}/callback", {"callback_body": ""}).status_code == 303
    assert len(jobs_of(owner_db, lead)) == 3


def test_job_states_are_shown_honestly(business, owner_db, leads):
    org, lead = business.org_id, leads["ann"]

    def job(kind, status, attempts=0, last_error=None, body="msg"):
        # Queued ones are due later, so the stack's job runner leaves them as they are.
        sql(owner_db, """INSERT INTO jobs (org_id, kind, payload, status, attempts, last_error,
                                           locked_by, locked_at, finished_at, run_at)
                         VALUES (%s, %s, %s::jsonb, %s, %s, %s,
                                 CASE WHEN %s = 'running' THEN 'runner-1' END,
                                 CASE WHEN %s = 'running' THEN now() END,
                                 CASE WHEN %s IN ('done', 'failed', 'dead') THEN now() END,
                                 now() + CASE WHEN %s = 'queued' THEN interval '1 hour'
                                              ELSE interval '0' END)""",
            org, kind, json.dumps({"lead_id": lead, "to": "+15550001001", "body": body}), status,
            attempts, last_error, status, status, status, status)

    job("sms.send", "queued", body="waiting one")
    job("sms.send", "queued", attempts=2, last_error="provider timeout", body="retry one")
    job("lead.callback", "running", attempts=1, body="running one")
    job("sms.send", "done", attempts=1, body="done one")
    job("sms.send", "failed", attempts=1, last_error="number is a landline", body="failed one")
    job("lead.callback", "dead", attempts=5, last_error="no answer <again>", body="dead one")
    page = business.get(f"/leads/{lead}").text
    for label in (">Queued<", ">Retrying<", ">Running<", ">Done<", ">Failed<", ">Dead<"):
        assert label in page, label
    assert "Attempt 2 of 5 failed" in page and "Last error: provider timeout" in page
    assert "Last error: number is a landline" in page and "will not be tried again" in page
    assert "Gave up after 5 attempts" in page and "no answer &lt;again&gt;" in page


@pytest.mark.parametrize("body,message", [
    ("", "A message is required"), ("x" * 481, "keep it to 480 characters"),
])
def test_invalid_sms_is_refused(business, owner_db, leads, body, message):
    lead = leads["dee"]
    r = business.post_form(f"/leads/{lead}/sms", {"sms_body": body})
    assert r.status_code == 422 and message in r.text
    assert jobs_of(owner_db, lead) == []
    if body:
        assert body in r.text


def test_too_long_callback_is_refused(business, owner_db, leads):
    r = business.post_form(f"/leads/{leads['dee']}/callback", {"callback_body": "y" * 481})
    assert r.status_code == 422 and "keep it to 480 characters" in r.text
    assert jobs_of(owner_db, leads["dee"]) == []


def test_sms_of_480_characters_is_accepted(business, owner_db, leads):
    assert business.post_form(f"/leads/{leads['dee']}/sms", {"sms_body": "z" * 480}).status_code == 303
    assert len(jobs_of(owner_db, leads["dee"])) == 1


def test_sms_to_opted_out_number_is_refused(business, owner_db, leads):
    lead = leads["bob"]
    sql(owner_db, "INSERT INTO opt_outs (org_id, phone, reason) VALUES (%s, '+15550001002', 'STOP')",
        business.org_id)
    page = business.get(f"/leads/{lead}").text
    assert "opted out of text messages" in page
    r = business.post_form(f"/leads/{lead}/sms", {"sms_body": "Special offer!"})
    assert r.status_code == 422
    assert "this number has opted out of text messages (it replied STOP), so nothing was sent" in r.text
    assert "Special offer!" in r.text
    assert jobs_of(owner_db, lead) == []
    # Other numbers can still be texted.
    other = add_lead(owner_db, business.org_id, "+15550001999", "Other")
    assert business.post_form(f"/leads/{other}/sms", {"sms_body": "Hello"}).status_code == 303


def test_unreachable_number_is_refused(business, owner_db):
    lead = add_lead(owner_db, business.org_id, "anonymous", "Withheld")
    r = business.post_form(f"/leads/{lead}/sms", {"sms_body": "Hi"})
    assert r.status_code == 422 and "cannot receive text messages" in r.text
    r = business.post_form(f"/leads/{lead}/callback", {"callback_body": ""})
    assert r.status_code == 422 and "cannot be called back" in r.text
    assert jobs_of(owner_db, lead) == []


@pytest.mark.parametrize("action,data", [
    ("status", {"status": "lost"}), ("notes", {"note_body": "forged"}),
    ("callback", {"callback_body": "forged"}), ("sms", {"sms_body": "forged"}),
])
def test_forged_or_missing_csrf_changes_nothing(business, owner_db, leads, action, data):
    lead = leads["ann"]
    before = lead_state(owner_db, lead)
    r = business.post(f"/leads/{lead}/{action}", data={**data, "csrf": "0" * 64})
    assert r.status_code == 403
    r = business.post(f"/leads/{lead}/{action}", data=data)
    assert r.status_code == 403
    assert lead_state(owner_db, lead) == before == ("new", 0, 0)


@pytest.mark.parametrize("action,data", [
    ("status", {"status": "lost"}), ("notes", {"note_body": "intrusion"}),
    ("callback", {"callback_body": "intrusion"}), ("sms", {"sms_body": "intrusion"}),
])
def test_another_business_lead_is_not_found(business, other_business, owner_db, action, data):
    theirs = add_lead(owner_db, other_business.org_id, "+15550008888", "Their Lead", "booked")
    assert business.get(f"/leads/{theirs}").status_code == 404
    r = business.post_form(f"/leads/{theirs}/{action}", data)
    assert r.status_code == 404
    assert lead_state(owner_db, theirs) == ("booked", 0, 0)
    assert other_business.get(f"/leads/{theirs}").status_code == 200


def test_unknown_and_malformed_ids(business):
    assert business.get("/leads/00000000-0000-0000-0000-000000000000").status_code == 404
    assert business.get("/leads/not-a-uuid").status_code == 404
    assert business.get("/leads").status_code == 200


def test_signed_out_visitor_is_sent_to_login():
    from conftest import Client
    c = Client()
    for path in ("/leads", "/leads.csv"):
        r = c.get(path, allow_redirects=False)
        assert r.status_code in (302, 303)
        assert "/login" in r.headers["Location"]


def test_a_large_business_lists_and_counts_capped(business, owner_db):
    # Speed itself is measured by tests/bench/run pages; this proves the large-list paths.
    sql(owner_db, """
        INSERT INTO leads (org_id, phone, name, status, temperature, score, value_cents, summary,
                           updated_at)
        SELECT %s, '+1555' || lpad(i::text, 7, '0'),
               (ARRAY['Smith', 'Jones', 'Garcia', 'Nguyen', 'Brown'])[1 + i %% 5] || ' ' || i,
               (ARRAY['new', 'contacted', 'qualified', 'booked', 'converted', 'lost'])[1 + i %% 6],
               (ARRAY['hot', 'warm', 'cold'])[1 + i %% 3], i %% 101, (i %% 900) * 1000,
               'Caller asked about ' || (ARRAY['a leak', 'a water heater', 'drain cleaning',
                                              'a quote'])[1 + i %% 4],
               now() - make_interval(secs => i)
        FROM generate_series(1, 20000) i""", business.org_id)
    sql(owner_db, "ANALYZE leads")
    for page in ["/leads", "/leads?status=qualified&temperature=hot", "/leads?q=smith",
                 "/leads?q=heater&sort=score", "/leads?sort=value&dir=asc&page=40",
                 "/leads?sort=name", "/leads?q=5550001234", "/leads?status=lost&sort=score&dir=asc"]:
        assert business.get(page).status_code == 200, page
    assert "More than 10,000 leads" in business.get("/leads").text
