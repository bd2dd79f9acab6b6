"""test_page_dashboard: the dashboard's figures, chart, events and live updates, on set-up data."""
import html
import json
import re
import time
import uuid

import pytest

from conftest import Client, signup, sql

# Local midnight is 10:00 UTC there, so a UTC day and the business's day never line up.
TZ = "Pacific/Kiritimati"
JSON = {"Accept": "application/json"}

STAT_RE = re.compile(r'data-stat="([a-z_]+)">([^<]*)<')
RECT = r'x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="([0-9.]+)"/>'
DAY_RE = re.compile(r'<g class="day" data-day="([0-9-]+)" data-calls="([0-9]+)" '
                    r'data-bookings="([0-9]+)"><title>[^<]*</title>'
                    r'<rect class="bar" ' + RECT + r'<rect class="bar-alt" ' + RECT)
EVENT_RE = re.compile(r'<tr><td class="nowrap"><time datetime="([^"]+)">[^<]*</time></td>'
                      r'<td><span class="badge [a-z-]+">([^<]*)</span></td><td>(.*?)</td></tr>',
                      re.S)


def local_midnight(db):
    """The start of today in TZ, as PostgreSQL sees it."""
    return sql(db, "SELECT date_trunc('day', now() AT TIME ZONE %s) AT TIME ZONE %s", TZ, TZ)[0][0]


def local_today(db, days_back=0):
    return sql(db, "SELECT to_char((now() AT TIME ZONE %s)::date - %s, 'YYYY-MM-DD')",
               TZ, days_back)[0][0]


def add_call(db, org, started_at, status="completed", direction="inbound", booked=False,
             duration=None, from_number="+15550001111", lead_id=None):
    return str(sql(db, """
        INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number, to_number,
                           status, started_at, duration_seconds, booked, lead_id)
        VALUES (%s, 'twilio', %s, %s, %s, '+15550009999', %s, %s, %s, %s, %s) RETURNING id""",
        org, "CA" + uuid.uuid4().hex, direction, from_number, status, started_at, duration,
        booked, lead_id)[0][0])


def add_appointment(db, org, created_at, hour, status="scheduled", name="Pat Customer"):
    return str(sql(db, """
        INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, status, created_at)
        VALUES (%s, %s, date_trunc('day', now()) + interval '3 days' + make_interval(hours => %s),
                date_trunc('day', now()) + interval '3 days'
                    + make_interval(hours => %s, mins => 30),
                %s, %s) RETURNING id""", org, name, hour, hour, status, created_at)[0][0])


def add_lead(db, org, value_cents=None, status="new", name=None, created_at=None):
    return str(sql(db, """
        INSERT INTO leads (org_id, phone, name, status, value_cents, created_at)
        VALUES (%s, %s, %s, %s, %s, coalesce(%s, now())) RETURNING id""",
        org, "+1555" + str(uuid.uuid4().int)[:7], name, status, value_cents, created_at)[0][0])


def stats(page):
    return dict(STAT_RE.findall(page))


def chart_days(page):
    return [(d, int(c), int(b), float(hc), float(hb)) for d, c, b, hc, hb in DAY_RE.findall(page)]


@pytest.fixture
def shop():
    """A business in TZ, with its owner signed in."""
    return signup(timezone=TZ)


@pytest.fixture
def arranged(shop, other_business, owner_db):
    """Calls, bookings and leads around the business's local midnight, and noise elsewhere."""
    org, db = shop.org_id, owner_db
    midnight = local_midnight(db)
    sec = "interval '1 second'"
    at = lambda s: sql(db, f"SELECT %s::timestamptz + %s * {sec}", midnight, s)[0][0]
    add_call(db, org, at(10), booked=True, duration=120)
    add_call(db, org, at(20), duration=60)
    add_call(db, org, at(30), status="missed")
    add_call(db, org, at(40), status="no-answer", direction="outbound")
    # Just before local midnight: yesterday's, though in UTC it is the same date as today's.
    add_call(db, org, at(-30), booked=True, duration=300)
    # Outside the 30 days: counts nowhere.
    add_call(db, org, at(-31 * 86400), booked=True, duration=999)
    add_appointment(db, org, at(50), 9)
    add_appointment(db, org, at(55), 10, status="cancelled")
    add_appointment(db, org, at(-20), 11)
    add_lead(db, org, 100000, "new")
    add_lead(db, org, 23450, "qualified")
    add_lead(db, org, None, "contacted")
    add_lead(db, org, 50000, "lost")
    add_lead(db, org, 70000, "converted")

    other = other_business.org_id
    lead = add_lead(db, other, 9900000, "new", name="Other Shop Secret")
    for s in range(5):
        add_call(db, other, at(60 + s), booked=True, duration=30, from_number="+19990000000",
                 lead_id=lead)
    add_appointment(db, other, at(70), 9, name="Other Shop Customer")
    return shop


def test_figures_follow_the_local_day(arranged):
    r = arranged.get("/")
    assert r.status_code == 200
    s = stats(r.text)
    assert s["calls_today"] == "4"
    assert s["booked_today"] == "1"
    assert s["missed_today"] == "1"
    # Answered inbound calls in 30 days: today's two and yesterday's one; two of them booked.
    assert s["success_rate"] == "67%"
    assert "2 of 3 answered calls booked" in r.text
    assert s["pipeline_value"] == "$1,234.50"
    assert s["avg_duration"] == "2m 40s"


def test_chart_has_thirty_days_with_the_right_bars(arranged, owner_db):
    page = arranged.get("/").text
    days = chart_days(page)
    assert len(days) == 30
    assert [d[0] for d in days] == [local_today(owner_db, 29 - i) for i in range(30)]
    by_day = {d[0]: d for d in days}
    today, yesterday = by_day[local_today(owner_db)], by_day[local_today(owner_db, 1)]
    assert (today[1], today[2]) == (4, 1)
    assert (yesterday[1], yesterday[2]) == (1, 1)
    assert sum(d[1] for d in days) == 5 and sum(d[2] for d in days) == 2
    # Bars scale with the counts: today's calls bar is four times yesterday's, empty days flat.
    assert today[3] == pytest.approx(4 * yesterday[3], rel=0.02)
    assert today[4] == pytest.approx(yesterday[4], rel=0.02) and today[4] > 0
    assert all(d[3] == 0 and d[4] == 0 for d in days if d[1] == 0 and d[2] == 0)
    svg = re.search(r"<svg viewBox=\"0 0 720 240\".*?</svg>", page, re.S).group(0)
    assert re.search(r'<text class="label"[^>]*text-anchor="end">0</text>', svg)
    assert re.search(r'<text class="label"[^>]*text-anchor="end">4</text>', svg)
    # A date under every seventh day, the last one today.
    assert len(re.findall(r'text-anchor="middle">[A-Z][a-z]{2} [0-9]{1,2}</text>', svg)) == 5


def test_events_newest_first_linked_and_escaped(shop, owner_db):
    org, db = shop.org_id, owner_db
    minutes = lambda m: sql(db, "SELECT now() - make_interval(secs => %s)", m * 60)[0][0]
    lead = add_lead(db, org, 5000, name="<script>alert(1)</script>", created_at=minutes(50))
    call = add_call(db, org, minutes(40), lead_id=lead, duration=75, booked=True)
    sql(db, "INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, created_at) "
        "VALUES (%s, '<b>Bold</b> & Co', now() + interval '1 day', now() + interval '25 hours', "
        "%s)",
        org, minutes(30))
    sql(db, "INSERT INTO notifications (org_id, channel, purpose, to_address, body, status, "
        "lead_id, created_at) "
        "VALUES (%s, 'sms', 'confirmation', '+15550001111', 'x', 'logged', %s, %s)",
        org, lead, minutes(20))
    page = shop.get("/").text
    events = EVENT_RE.findall(page)
    assert [e[1] for e in events] == ["Message", "Booking", "Call", "New lead"]
    assert [e[0] for e in events] == sorted((e[0] for e in events), reverse=True)
    assert f'href="/leads/{lead}">Text to +15550001111</a>' in events[0][2]
    assert 'href="/appointments">Appointment booked for &lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>' \
        in events[1][2]
    assert f'href="/calls/{call}">Call from &lt;script&gt;alert(1)&lt;/script&gt;</a>' \
        in events[2][2]
    assert "completed, 1m 15s, booked" in events[2][2]
    assert f'href="/leads/{lead}">New lead: &lt;script&gt;' in events[3][2]
    assert "<script>alert" not in page and "<b>Bold" not in page

    # Only the ten newest, whatever the kind.
    for m in range(12):
        add_call(db, org, minutes(10 - m * 0.5))
    events = EVENT_RE.findall(shop.get("/").text)
    assert len(events) == 10 and all(e[1] == "Call" for e in events)


def test_live_reflects_a_call_inserted_after_the_page_loaded(shop, owner_db):
    page = shop.get("/").text
    # The page is kept current by live events (static/live.js); the JSON read stays.
    assert 'data-live-region="dashboard"' in page
    assert '<script src="/static/live.js" defer></script>' in page
    version = shop.get("/dashboard/live", headers=JSON).json()["version"]

    r = shop.get("/dashboard/live?v=" + version, headers=JSON)
    assert r.status_code == 200 and r.json() == {"version": version, "changed": False}
    assert "no-store" in r.headers.get("Cache-Control", "")

    call = add_call(owner_db, shop.org_id, sql(owner_db, "SELECT now()")[0][0],
                    from_number="+15557654321")
    started = time.monotonic()
    data = shop.get("/dashboard/live?v=" + version, headers=JSON).json()
    assert time.monotonic() - started < 1.0
    assert data["changed"] is True and data["version"] != version
    assert data["figures"]["calls_today"] == {"value": 1, "text": "1"}
    assert data["events"][0]["link"] == f"/calls/{call}"
    assert data["events"][0]["title"] == "Call from +15557654321"
    assert len(data["days"]) == 30 and data["days"][-1]["calls"] == 1
    assert data["chart_svg"].startswith("<svg ")

    # A booking shows up the same way.
    add_appointment(owner_db, shop.org_id, sql(owner_db, "SELECT now()")[0][0], 9)
    later = shop.get("/dashboard/live?v=" + data["version"], headers=JSON).json()
    assert later["changed"] is True and later["figures"]["booked_today"]["value"] == 1
    assert later["events"][0]["kind"] == "booking"


def test_counts_follow_changes_to_calls_and_bookings(shop, owner_db, app_db):
    """The figures are kept by triggers: updates, cancellations and deletions move them too."""
    org, db = shop.org_id, owner_db
    now = sql(db, "SELECT now()")[0][0]
    call = add_call(db, org, now, status="ringing")
    booking = add_appointment(db, org, now, 9)
    live = lambda: shop.get("/dashboard/live", headers=JSON).json()["figures"]
    assert live()["calls_today"]["value"] == 1 and live()["success_rate"]["answered"] == 0

    # As the application would, under the business's row-level security.
    sql(app_db, "SELECT set_config('app.org_id', %s, true)", org)
    sql(app_db, "UPDATE calls SET status = 'completed', booked = true, duration_seconds = 90 "
        "WHERE id = %s", call)
    app_db.commit()
    f = live()
    assert (f["success_rate"]["booked"], f["success_rate"]["answered"]) == (1, 1)
    assert f["avg_duration"]["text"] == "1m 30s" and f["booked_today"]["value"] == 1

    sql(db, "UPDATE appointments SET status = 'cancelled' WHERE id = %s", booking)
    sql(db, "UPDATE calls SET status = 'missed', booked = false, duration_seconds = NULL "
        "WHERE id = %s", call)
    f = live()
    assert f["booked_today"]["value"] == 0 and f["missed_today"]["value"] == 1
    assert f["avg_duration"]["text"] == "–"

    sql(db, "DELETE FROM calls WHERE id = %s", call)
    assert live()["calls_today"]["value"] == 0
    assert sql(db, "SELECT sum(calls), sum(missed), sum(bookings) FROM dashboard_buckets "
               "WHERE org_id = %s", org)[0] == (0, 0, 0)


def test_signed_out_requests_are_refused():
    guest = Client()
    # Session.get follows redirects unless told not to.
    r = guest.get("/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    r = guest.get("/dashboard/live", headers=JSON)
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["error"]


def test_nothing_of_another_business_shows(arranged, other_business):
    page = arranged.get("/").text
    assert "Other Shop" not in page and "+19990000000" not in page
    live = arranged.get("/dashboard/live", headers=JSON)
    assert "Other Shop" not in live.text and "+19990000000" not in live.text
    assert live.json()["figures"]["pipeline_value"]["value"] == 123450
    # The other business sees its own figures only.
    s = stats(other_business.get("/").text)
    assert s["pipeline_value"] == "$99,000"
    assert "Pat Customer" not in other_business.get("/").text


def test_empty_business_shows_dashes_and_an_empty_list(shop):
    page = shop.get("/").text
    s = stats(page)
    assert s["calls_today"] == "0" and s["pipeline_value"] == "$0"
    assert s["success_rate"] == "–" and s["avg_duration"] == "–"
    assert "Nothing yet" in page
    assert len(chart_days(page)) == 30
    data = shop.get("/dashboard/live", headers=JSON).json()
    assert data["events"] == [] and json.dumps(data)
    assert html.unescape(page).count('class="day"') == 30

# Speed with a large business is measured by tests/bench/run pages, not here.


SETUP_RE = re.compile(r'<li data-done="(yes|no)">(?:<span class="badge badge-ok">Done</span> )?'
                      r'([^<:]*)(?::\s*<a href="([^"]+)">([^<]*)</a>)?')


def setup_items(page):
    """The set-up checklist as {label: (done, link)}, or None when it is not shown."""
    if 'id="setup-checklist"' not in page:
        return None
    return {label: (done == "yes", href or None) for done, label, href, _ in SETUP_RE.findall(page)}


def test_setup_checklist_until_everything_is_done(shop, owner_db):
    org = shop.org_id
    items = setup_items(shop.get("/").text)
    assert items == {
        "Kind of business chosen": (True, None),
        "Opening hours set": (False, "/settings/hours"),
        "At least one service": (False, "/services"),
        "A connected, verified phone line": (False, "/line"),
        "A real test call received on that line": (False, "/line"),
        "A call mode that works": (True, None),
        "A first practice run": (False, "/settings/practice"),
    }
    # Each item is done by what its page does.
    r = shop.post_form("/settings/hours", {"mon_open": "1", "mon_from": "08:00", "mon_to": "16:00"})
    assert r.status_code == 303
    sql(owner_db, "INSERT INTO services (org_id, name, price_cents, duration_minutes) "
                  "VALUES (%s, 'Drain cleaning', 14900, 60)", org)
    e164 = "+1555%07d" % (uuid.uuid4().int % 10000000)
    # A typed number is not a connected line.
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164) VALUES (%s, %s)", org, e164)
    items = setup_items(shop.get("/").text)
    assert items["Opening hours set"][0] and items["At least one service"][0]
    assert not items["A connected, verified phone line"][0]
    sql(owner_db, "UPDATE phone_numbers SET verified_at = now() WHERE e164 = %s", e164)
    items = setup_items(shop.get("/").text)
    assert items["A connected, verified phone line"][0]
    assert items["A real test call received on that line"] == (False, "/line")
    # A call to another number is not the test call.
    add_call(owner_db, org, "now()")
    assert not setup_items(shop.get("/").text)["A real test call received on that line"][0]
    sql(owner_db, "UPDATE calls SET to_number = %s WHERE org_id = %s", e164, org)
    # Stream mode without speech recognition is a mode that cannot work.
    sql(owner_db, "UPDATE organizations SET call_mode = 'stream' WHERE id = %s", org)
    page = shop.get("/").text
    assert setup_items(page) == {
        "Kind of business chosen": (True, None),
        "Opening hours set": (True, None), "At least one service": (True, None),
        "A connected, verified phone line": (True, None),
        "A real test call received on that line": (True, None),
        "A call mode that works": (False, "/settings/receptionist"),
        "A first practice run": (False, "/settings/practice")}
    assert "Stream mode needs speech recognition" in page
    sql(owner_db, "UPDATE organizations SET call_mode = 'gather' WHERE id = %s", org)
    # A finished practice run is the last item.
    sql(owner_db, "INSERT INTO practice_runs (org_id, status, callers, passed, finished_at) "
                  "VALUES (%s, 'done', 20, 20, now())", org)
    assert setup_items(shop.get("/").text) is None


def test_the_owners_test_calls_and_practice_calls_count_nowhere(shop, owner_db):
    """A browser test call, what it books, and a practice run move none of the figures."""
    org, db = shop.org_id, owner_db
    live = lambda: shop.get("/dashboard/live", headers=JSON).json()["figures"]
    now = sql(db, "SELECT now()")[0][0]
    (call,) = sql(db, """INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                             to_number, status, started_at, duration_seconds, booked)
                         VALUES (%s, 'browser', %s, %s, 'Test call', 'completed', %s, 75, true)
                         RETURNING id""", org, str(uuid.uuid4()), shop.email, now)[0]
    (booking,) = sql(db, """INSERT INTO appointments (org_id, call_id, customer_name, starts_at,
                                ends_at) VALUES (%s, %s, 'Owner Testing', now() + interval '1 day',
                                now() + interval '25 hours') RETURNING id""", org, call)[0]
    f = live()
    assert f["calls_today"]["value"] == 0 and f["booked_today"]["value"] == 0
    assert f["success_rate"]["answered"] == 0 and f["avg_duration"]["text"] == "–"
    sql(db, "UPDATE calls SET status = 'transferred' WHERE id = %s", call)
    sql(db, "UPDATE appointments SET status = 'cancelled' WHERE id = %s", booking)
    sql(db, "DELETE FROM calls WHERE id = %s", call)
    assert sql(db, "SELECT coalesce(sum(calls), 0), coalesce(sum(bookings), 0) "
                   "FROM dashboard_buckets WHERE org_id = %s", org)[0] == (0, 0)

    # A real call still counts.
    add_call(db, org, now, duration=60)
    assert live()["calls_today"]["value"] == 1
