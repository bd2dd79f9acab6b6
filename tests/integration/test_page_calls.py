"""test_page_calls: the calls list (filters, pages, speed), a call's page and its recording.

The media store fake (tests/fakes/media_store.py) plays the provider: the
recording route must fetch from it on the server and pass the audio on, to the business's
own users only.
"""
import html
import os
import re
import sys
import uuid

import pytest

from conftest import Client, signup, sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.media_store import WAV, MediaStore  # noqa: E402

CALL_LINK = re.compile(r'href="/calls/([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def recordings():
    """Base URL of the recording store, running for this module."""
    store = MediaStore()
    yield store.url
    store.stop()


def add_call(db, org_id, **fields):
    """Insert a call for org_id (defaults for what the test does not care about); its id."""
    row = {"provider": "twilio", "provider_call_id": "CA" + uuid.uuid4().hex,
           "from_number": "+15555550100", "to_number": "+15555550199",
           "status": "completed", "direction": "inbound"}
    row.update(fields)
    names = ", ".join(["org_id"] + list(row))
    marks = ", ".join(["%s"] * (len(row) + 1))
    return str(sql(db, f"INSERT INTO calls ({names}) VALUES ({marks}) RETURNING id",
                   org_id, *row.values())[0][0])


def listed(page_html):
    return CALL_LINK.findall(page_html)


# ---------- the list ----------

def test_list_is_newest_first(business, owner_db):
    old = add_call(owner_db, business.org_id, started_at="2025-01-01 10:00Z")
    new = add_call(owner_db, business.org_id, started_at="2025-01-03 10:00Z")
    mid = add_call(owner_db, business.org_id, started_at="2025-01-02 10:00Z")
    r = business.get("/calls")
    assert r.status_code == 200
    assert listed(r.text) == [new, mid, old]
    assert "3 calls" in r.text


def test_empty_list(business):
    r = business.get("/calls")
    assert r.status_code == 200
    assert "No calls yet" in r.text


def test_filters_work_and_combine(business, owner_db):
    o = business.org_id
    booked_in = add_call(owner_db, o, booked=True, started_at="2025-03-05 15:00Z")
    missed_in = add_call(owner_db, o, status="missed", started_at="2025-03-06 15:00Z")
    out_done = add_call(owner_db, o, direction="outbound", started_at="2025-03-07 15:00Z")
    out_booked = add_call(owner_db, o, direction="outbound", booked=True,
                          started_at="2025-03-20 15:00Z")
    failed = add_call(owner_db, o, status="failed", started_at="2025-04-02 15:00Z")

    def ids(query):
        r = business.get("/calls?" + query)
        assert r.status_code == 200, (query, r.status_code)
        return set(listed(r.text))

    assert ids("status=missed") == {missed_in}
    assert ids("status=failed") == {failed}
    assert ids("direction=outbound") == {out_done, out_booked}
    assert ids("direction=inbound") == {booked_in, missed_in, failed}
    assert ids("booked=yes") == {booked_in, out_booked}
    assert ids("booked=no") == {missed_in, out_done, failed}
    assert ids("from=2025-03-01&to=2025-03-31") == {booked_in, missed_in, out_done, out_booked}
    assert ids("direction=outbound&booked=yes") == {out_booked}
    assert ids("direction=outbound&booked=no&from=2025-03-01&to=2025-03-10") == {out_done}
    assert ids("status=completed&booked=yes&direction=inbound") == {booked_in}
    assert ids("status=missed&direction=outbound") == set()
    # Blank fields are "any", as the form sends them.
    assert len(ids("from=&to=&status=&direction=&booked=")) == 5
    r = business.get("/calls?status=missed&direction=outbound")
    assert "No calls match these filters" in r.text
    # The form shows the filters in force.
    r = business.get("/calls?status=missed&booked=no&from=2025-03-01")
    assert '<option value="missed" selected>' in r.text
    assert '<option value="no" selected>' in r.text
    assert 'value="2025-03-01"' in r.text


def test_dates_are_the_business_days(business, owner_db):
    # 23:30 on March 10 in New York (the business's zone) is already March 11 in UTC.
    late = add_call(owner_db, business.org_id, started_at="2025-03-10 23:30 America/New_York")
    early = add_call(owner_db, business.org_id, started_at="2025-03-11 00:30 America/New_York")
    r = business.get("/calls?from=2025-03-10&to=2025-03-10")
    assert listed(r.text) == [late]
    r = business.get("/calls?from=2025-03-11&to=2025-03-11")
    assert listed(r.text) == [early]


@pytest.mark.parametrize("query, message", [
    ("status=bogus", "Choose a status from the list"),
    ("status=%3Cscript%3E", "Choose a status from the list"),
    ("direction=sideways", "Direction is inbound or outbound"),
    ("booked=maybe", "Booked is yes or no"),
    ("from=2025-02-30", "Enter the start date as YYYY-MM-DD"),
    ("from=yesterday", "Enter the start date as YYYY-MM-DD"),
    ("to=2025-13-01", "Enter the end date as YYYY-MM-DD"),
    ("from=2025-03-10&to=2025-03-01", "The end date is before the start date"),
    ("page=0", "Pages run from 1 to 200"),
    ("page=abc", "Pages run from 1 to 200"),
    ("page=201", "Pages run from 1 to 200"),
    ("page=99999999999999999999999", "Pages run from 1 to 200"),
])
def test_invalid_filters_get_a_message(business, owner_db, query, message):
    add_call(owner_db, business.org_id)
    r = business.get("/calls?" + query)
    assert r.status_code == 400
    assert message in r.text
    assert "Check the filters" in r.text
    assert "field-error" in r.text or "flash-error" in r.text
    assert not listed(r.text)


def test_typed_filter_values_come_back_escaped(business):
    r = business.get("/calls", params={"from": '"><script>alert(1)</script>'})
    assert r.status_code == 400
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text or "&#x3c;script" in r.text.lower()


def test_pagination_keeps_the_filters(business, owner_db):
    o = business.org_id
    sql(owner_db, "INSERT INTO calls (org_id, provider, provider_call_id, from_number, "
        "to_number, status, started_at) "
        "SELECT %s, 'twilio', 'CA-page-' || i, '+15555550100', '+15555550199', 'missed', "
        "       timestamptz '2025-05-01 12:00Z' + i * interval '1 minute' "
        "FROM generate_series(1, 120) i", o)
    for _ in range(7):
        add_call(owner_db, o, status="completed", started_at="2025-05-01 13:00Z")
    first = business.get("/calls?status=missed")
    assert first.status_code == 200
    assert "120 calls" in first.text
    assert "Page 1 of 3" in first.text
    page1 = listed(first.text)
    assert len(page1) == 50
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    assert html.unescape(next_link) == "/calls?status=missed&page=2"
    second = business.get(html.unescape(next_link))
    page2 = listed(second.text)
    assert len(page2) == 50
    prev_link = re.search(r'<a href="([^"]+)" rel="prev">', second.text).group(1)
    assert html.unescape(prev_link) == "/calls?status=missed"
    third = business.get(html.unescape(re.search(r'<a href="([^"]+)" rel="next">',
                                                 second.text).group(1)))
    page3 = listed(third.text)
    assert len(page3) == 20
    assert 'rel="next"' not in third.text
    assert len(set(page1 + page2 + page3)) == 120
    started = sql(owner_db, "SELECT id::text FROM calls WHERE org_id = %s AND status = 'missed' "
                  "ORDER BY started_at DESC, id DESC", o)
    assert page1 + page2 + page3 == [s[0] for s in started]
    # Every filter rides along, in a fixed order.
    r = business.get("/calls?booked=no&status=missed&from=2025-04-01&to=2025-06-01"
                     "&direction=inbound")
    link = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', r.text).group(1))
    assert link == ("/calls?from=2025-04-01&to=2025-06-01&status=missed&direction=inbound"
                    "&booked=no&page=2")
    # A page past the end says so instead of showing nothing.
    r = business.get("/calls?status=missed&page=9")
    assert r.status_code == 200
    assert "past the last one" in r.text


def test_list_escapes_lead_names(business, owner_db):
    lead = str(sql(owner_db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, %s) "
                   "RETURNING id", business.org_id, "+15555550111",
                   "<b>Bobby</b> Tables")[0][0])
    add_call(owner_db, business.org_id, lead_id=lead, from_number="+15555550111")
    r = business.get("/calls")
    assert "&lt;b&gt;Bobby&lt;/b&gt; Tables" in r.text
    assert "<b>Bobby</b>" not in r.text


def test_list_shows_only_the_own_business(business, other_business, owner_db):
    mine = add_call(owner_db, business.org_id)
    theirs = add_call(owner_db, other_business.org_id)
    r = business.get("/calls")
    assert listed(r.text) == [mine]
    assert theirs not in r.text


def test_list_needs_a_session():
    r = Client().get("/calls", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/login")


# ---------- one call ----------

def test_call_page_shows_everything(business, owner_db, recordings):
    o = business.org_id
    lead = str(sql(owner_db, "INSERT INTO leads (org_id, phone, name, status) "
                   "VALUES (%s, '+15555550123', 'Maria Lopez', 'booked') RETURNING id", o)[0][0])
    call = add_call(owner_db, o, from_number="+15555550123", status="transferred",
                    started_at="2025-03-04 19:05:00Z", answered_at="2025-03-04 19:05:02Z",
                    ended_at="2025-03-04 19:07:24Z", duration_seconds=142,
                    summary="Kitchen sink drains slowly; booked a drain cleaning.",
                    sentiment_label="positive", sentiment_score=0.6, urgency="high",
                    value_cents=14900, booked=True, ended_reason="caller-hung-up",
                    recording_status="completed",
                    recording_url=recordings + "/good/RE123",
                    transfer_to="+15555550177", transferred_at="2025-03-04 19:06:10Z",
                    lead_id=lead)
    turns = [
        (0, "assistant", "Thanks for calling Acme, how can I help?", None, 2),
        (1, "caller", "My sink is <script>alert('x')</script> slow & smelly.", None, 6),
        (2, "assistant", "I can book a drain cleaning for tomorrow at nine in the morning.",
         "I can book a drain cleaning", 11),
        (3, "system", "book_appointment", None, 14),
    ]
    for seq, speaker, text, played, secs in reversed(turns):
        sql(owner_db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text, "
            "played_text, started_at) VALUES (%s, %s, %s, %s, %s, %s, "
            "timestamptz '2025-03-04 19:05:00Z' + %s * interval '1 second')",
            o, call, seq, speaker, text, played, secs)
    r = business.get(f"/calls/{call}")
    assert r.status_code == 200
    page = r.text
    # Turns in order, whatever order they were written in.
    positions = [page.index(html.escape(t[2], quote=False).split("&")[0][:20])
                 for t in turns]
    assert positions == sorted(positions)
    assert "turn turn-caller" in page and "turn turn-assistant" in page
    assert "turn turn-system" in page
    assert "0:06" in page
    # What the caller heard, when barge-in cut the reply short.
    assert "the caller heard only" in page and "I can book a drain cleaning”" in page
    # The caller's words are text, never markup.
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(" in page and "slow &amp; smelly" in page
    for shown in ["Kitchen sink drains slowly; booked a drain cleaning.", "Positive", "0.60",
                  "High", "$149.00", "Caller hung up", "Transferred to",
                  "+15555550177", "2:22", "Ready", "Mar 4, 2025 2:05 PM", "Transferred"]:
        assert shown in page, shown
    assert f'<a href="/leads/{lead}">Maria Lopez</a>' in page
    assert f'<audio controls preload="none" src="/calls/{call}/recording">' in page
    # The provider's address never reaches the browser.
    assert recordings not in page and "RE123" not in page


def test_call_page_without_analysis(business, owner_db):
    call = add_call(owner_db, business.org_id, status="missed", recording_status="pending")
    r = business.get(f"/calls/{call}")
    assert r.status_code == 200
    assert "No summary yet" in r.text
    assert "Nothing was said on this call" in r.text
    assert "Waiting for the provider" in r.text
    assert "<audio" not in r.text
    assert "Not transferred" in r.text
    assert "None yet" in r.text


def test_summary_is_escaped(business, owner_db):
    call = add_call(owner_db, business.org_id, summary='<img src=x onerror="alert(1)">',
                    ended_reason="<i>gone</i>")
    r = business.get(f"/calls/{call}")
    assert "<img src=x" not in r.text and "&lt;img src=x" in r.text
    assert "<i>gone" not in r.text


def test_other_business_call_is_not_found(business, other_business, owner_db):
    theirs = add_call(owner_db, other_business.org_id, summary="their secret summary")
    r = business.get(f"/calls/{theirs}")
    assert r.status_code == 404
    assert "their secret summary" not in r.text
    assert other_business.get(f"/calls/{theirs}").status_code == 200


@pytest.mark.parametrize("path", ["/calls/not-a-uuid", "/calls/12345",
                                  "/calls/00000000-0000-0000-0000-00000000000g",
                                  "/calls/not-a-uuid/recording"])
def test_non_uuid_id_is_not_found(business, path):
    assert business.get(path).status_code == 404


def test_unknown_call_is_not_found(business):
    assert business.get(f"/calls/{uuid.uuid4()}").status_code == 404


# ---------- the recording ----------

def test_recording_streams_from_the_provider(business, owner_db, recordings):
    call = add_call(owner_db, business.org_id, recording_status="completed",
                    recording_url=recordings + "/good/RE1")
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "audio/wav"
    assert r.content == WAV
    assert recordings not in str(r.headers)
    assert f"call-{call}.wav" in r.headers.get("Content-Disposition", "")


def test_recording_is_for_the_business_only(business, other_business, owner_db, recordings):
    call = add_call(owner_db, business.org_id, recording_status="completed",
                    recording_url=recordings + "/good/RE2")
    r = other_business.get(f"/calls/{call}/recording")
    assert r.status_code == 404
    assert r.content != WAV
    r = Client().get(f"/calls/{call}/recording", allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/login")
    assert r.content != WAV


@pytest.mark.parametrize("fields", [
    {"recording_status": "none"},
    {"recording_status": "pending", "recording_url": "/good/RE3"},
    {"recording_status": "failed", "recording_url": "/good/RE4"},
    {"recording_status": "completed"},
])
def test_no_completed_recording_is_not_found(business, owner_db, recordings, fields):
    if "recording_url" in fields:
        fields = dict(fields, recording_url=recordings + fields["recording_url"])
    call = add_call(owner_db, business.org_id, **fields)
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 404
    assert "no recording" in r.text


# A page where audio should be is streamed on as audio, never as a page: test_recordings.py.
@pytest.mark.parametrize("where", ["/broken/RE5", "/missing/RE7", "closed-port"])
def test_provider_failure_is_a_clear_502(business, owner_db, recordings, where):
    if where == "closed-port":
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        target = f"http://127.0.0.1:{s.getsockname()[1]}/RE8"
        s.close()
    else:
        target = recordings + where
    call = add_call(owner_db, business.org_id, recording_status="completed",
                    recording_url=target)
    r = business.get(f"/calls/{call}/recording")
    assert r.status_code == 502
    assert "phone provider" in r.text
    assert target not in r.text


# ---------- large businesses (speed itself is measured by tests/bench/run pages) ----------

def test_the_count_is_capped_for_a_large_business(owner_db):
    client = signup()
    sql(owner_db, "INSERT INTO calls (org_id, provider, provider_call_id, direction, "
        "from_number, to_number, status, started_at) "
        "SELECT %s, 'twilio', 'CA-many-' || i || '-' || %s, 'inbound', '+15550000000', "
        "       '+15555550100', 'completed', now() - i * interval '1 minute' "
        "FROM generate_series(1, 10050) i", client.org_id, client.org_id)
    r = client.get("/calls")
    assert r.status_code == 200
    assert "More than 10,000 calls" in r.text


# ---------- reply latency ----------

def add_turn(db, org_id, call, seq, speaker, text, stt=None, brain=None, tts=None, total=None):
    sql(db, "INSERT INTO call_turns (org_id, call_id, seq, speaker, text, stt_ms, "
        "brain_first_token_ms, tts_first_audio_ms, total_ms) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        org_id, call, seq, speaker, text, stt, brain, tts, total)


def turn_blocks(page_html):
    """Each turn's HTML, in order."""
    return re.findall(r'<div class="turn turn-\w+">(.*?)</div>', page_html, re.S)


def test_call_page_shows_each_reply_latency_and_a_summary(business, owner_db):
    o = business.org_id
    call = add_call(owner_db, o)
    add_turn(owner_db, o, call, 0, "assistant", "Thanks for calling, how can I help?")
    add_turn(owner_db, o, call, 1, "caller", "I need a <b>plumber</b> & fast", stt=999,
             total=999)
    add_turn(owner_db, o, call, 2, "assistant", "I can send someone <today>.",
             stt=150, brain=180, tts=82, total=412)
    add_turn(owner_db, o, call, 3, "caller", "John Smith")
    add_turn(owner_db, o, call, 4, "assistant", "Thanks, John.", stt=90, brain=400, tts=70,
             total=980)
    add_turn(owner_db, o, call, 5, "caller", "Bye")
    add_turn(owner_db, o, call, 6, "assistant", "Goodbye.", total=300)
    r = business.get(f"/calls/{call}")
    assert r.status_code == 200
    turns = turn_blocks(r.text)
    assert len(turns) == 7
    # The greeting was never timed: it shows no figures. Caller turns never show any.
    assert " ms" not in turns[0] and " ms" not in turns[1] and "999" not in r.text
    assert "412 ms · recognition 150 · brain 180 · speech 82" in turns[2]
    assert "980 ms · recognition 90 · brain 400 · speech 70" in turns[4]
    # Only the figures stored are shown.
    assert ">300 ms</span>" in turns[6]
    # The words around the figures stay text.
    assert "&lt;b&gt;plumber&lt;/b&gt; &amp; fast" in turns[1]
    assert "I can send someone &lt;today&gt;." in turns[2]
    # Median and slowest over the three timed replies.
    assert "Reply time: median 412 ms · slowest 980 ms (3 replies)" in r.text


def test_call_page_without_timed_replies_shows_no_latency(business, owner_db):
    o = business.org_id
    call = add_call(owner_db, o)
    add_turn(owner_db, o, call, 0, "assistant", "Thanks for calling, how can I help?")
    add_turn(owner_db, o, call, 1, "caller", "What are your hours?")
    add_turn(owner_db, o, call, 2, "assistant", "We are open from eight to six.")
    r = business.get(f"/calls/{call}")
    assert r.status_code == 200
    assert "Reply time" not in r.text
    assert "turn-latency" not in r.text and "recognition" not in r.text


def test_median_of_an_even_number_of_replies(business, owner_db):
    o = business.org_id
    call = add_call(owner_db, o)
    add_turn(owner_db, o, call, 0, "assistant", "One.", total=400)
    add_turn(owner_db, o, call, 1, "assistant", "Two.", total=500)
    r = business.get(f"/calls/{call}")
    assert "Reply time: median 450 ms · slowest 500 ms (2 replies)" in r.text
