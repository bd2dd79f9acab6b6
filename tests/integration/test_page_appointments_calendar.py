"""test_page_appointments_calendar: the week and day views per resource, booking by hand with the
receptionist's rules, moving to a closed time, and no-shows counted on the lead and dashboard."""
import datetime
import re
import uuid

from conftest import sql
from test_page_appointments import (FORGED_CSRF, ZONE, add_appointment, appointment, clock,
                                    local, weekday_ahead)


def resource_of(db, org_id, name=None):
    """The business's first resource (every business gets one), or the one named."""
    if name:
        return str(sql(db, "SELECT id FROM resources WHERE org_id = %s AND name = %s",
                       org_id, name)[0][0])
    return str(sql(db, "SELECT id FROM resources WHERE org_id = %s ORDER BY position, "
                       "created_at LIMIT 1", org_id)[0][0])


def add_resource(db, org_id, name, hours=None):
    return str(sql(db, "INSERT INTO resources (org_id, name, hours, position) "
                       "VALUES (%s, %s, %s, 5) RETURNING id", org_id, name, hours)[0][0])


def add_lead(db, org_id, name, phone):
    return str(sql(db, "INSERT INTO leads (org_id, name, phone) VALUES (%s, %s, %s) "
                       "RETURNING id", org_id, name, phone)[0][0])


def card(html, aid):
    """The calendar card of appointment aid."""
    start = html.index(f'id="appt-{aid}"')
    return html[start:html.index("</li>", start)]


def test_week_view_shows_each_day_with_its_hours_and_appointments(business, owner_db):
    monday = weekday_ahead(1)
    aid = add_appointment(owner_db, business.org_id, "Wendy Week", local(monday + datetime.timedelta(days=2), 14))
    page = business.get(f"/appointments?view=week&date={monday + datetime.timedelta(days=3):%Y-%m-%d}")
    assert page.status_code == 200
    # The week runs Monday to Sunday around the date asked for.
    assert f"{monday:%a}, {monday:%b} {monday.day}" in page.text
    sunday = monday + datetime.timedelta(days=6)
    assert f"{sunday:%a}, {sunday:%b} {sunday.day}" in page.text
    assert page.text.count('<section class="cal-col') == 7
    # Weekdays show the business's hours, the weekend that it is closed.
    assert "9:00 AM – 5:00 PM" in page.text and "Closed</p>" in page.text
    wednesday = card(page.text, aid)
    assert "Wendy Week" in wednesday and "2:00 PM – 3:00 PM" in wednesday
    # Previous and next weeks are one click away, without JavaScript.
    prev_week = monday - datetime.timedelta(days=7)
    assert f'href="/appointments?view=week&amp;date={prev_week:%Y-%m-%d}"' in page.text
    later = business.get(f"/appointments?view=week&date={monday + datetime.timedelta(days=7):%Y-%m-%d}")
    assert "Wendy Week" not in later.text


def test_day_view_has_a_column_per_resource_and_filters_by_one(business, owner_db):
    day = weekday_ahead(2)
    main = resource_of(owner_db, business.org_id)
    chair = add_resource(owner_db, business.org_id, "Chair Two",
                         '{"tue":[["09:00","12:00"],["13:00","17:00"]]}')
    a = add_appointment(owner_db, business.org_id, "Ann Main", local(day, 10))
    b = str(sql(owner_db, "INSERT INTO appointments (org_id, customer_name, starts_at, ends_at, "
                          "resource_id) VALUES (%s, 'Bo Chair', %s, %s, %s) RETURNING id",
                business.org_id, local(day, 10), local(day, 11), chair)[0][0])
    page = business.get(f"/appointments?view=day&date={day:%Y-%m-%d}").text
    columns = page.split('<section class="cal-col')[1:]
    assert len(columns) == 2
    assert "Ann Main" in columns[0] and "Bo Chair" not in columns[0]
    assert "Chair Two" in columns[1] and "Bo Chair" in columns[1]
    # Its own hours, with the lunch break.
    assert "9:00 AM – 12:00 PM, 1:00 PM – 5:00 PM" in columns[1]
    only = business.get(f"/appointments?view=day&date={day:%Y-%m-%d}&resource={chair}").text
    assert f'id="appt-{b}"' in only and f'id="appt-{a}"' not in only
    # The week of all resources names each appointment's resource.
    week = business.get(f"/appointments?view=week&date={day:%Y-%m-%d}").text
    assert "Chair Two" in card(week, b)
    # A resource of no business, another business's, or no resource id at all: not found.
    assert business.get(f"/appointments?resource={uuid.uuid4()}").status_code == 404
    assert business.get("/appointments?resource=../../etc").status_code == 404
    del main


def test_view_with_another_business_resource_is_not_found(business, other_business, owner_db):
    theirs = resource_of(owner_db, other_business.org_id)
    add_appointment(owner_db, other_business.org_id, "Their Secret", local(weekday_ahead(1), 9))
    r = business.get(f"/appointments?view=week&date={weekday_ahead(1):%Y-%m-%d}&resource={theirs}")
    assert r.status_code == 404 and "Their Secret" not in r.text


def test_bad_dates_and_views_show_today(business):
    for query in ("date=2031-02-30", "date=tomorrow", "date=%E2%80%AE", "view=year",
                  "date=" + "9" * 500, "view=day&date=2026-1-1"):
        r = business.get(f"/appointments?{query}")
        assert r.status_code == 200, query
        assert 'class="cal cal-week"' in r.text or 'class="cal cal-day"' in r.text


def test_closed_dates_show_on_the_calendar(business, owner_db):
    day = weekday_ahead(3)
    sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at, reason) "
                  "VALUES (%s, %s, %s, 'Staff training')", business.org_id, local(day, 0),
        local(day + datetime.timedelta(days=1), 0))
    page = business.get(f"/appointments?view=day&date={day:%Y-%m-%d}").text
    assert "Closed: Staff training" in page


def new_form(business, **fields):
    data = {"lead_id": "", "name": "", "phone": "", "service_id": "", "minutes": "60",
            "date": "", "time": ""}
    data.update(fields)
    return business.post_form("/appointments/new", data)


def test_book_by_hand_for_a_new_customer_makes_a_lead(business, owner_db):
    day = weekday_ahead(2)
    form = business.get("/appointments/new")
    assert form.status_code == 200 and 'name="lead_id"' in form.text
    r = new_form(business, name="Nina New", phone="+1 (555) 010-7788",
                 date=f"{day:%Y-%m-%d}", time="11:00")
    assert r.status_code == 303, r.text[:600]
    assert r.headers["Location"] == f"/appointments?view=day&date={day:%Y-%m-%d}"
    rows = sql(owner_db, "SELECT a.customer_name, a.customer_phone, a.starts_at, a.ends_at, "
                         "l.name, l.phone FROM appointments a JOIN leads l ON l.id = a.lead_id "
                         "WHERE a.org_id = %s", business.org_id)
    assert rows == [("Nina New", "+15550107788", local(day, 11), local(day, 12), "Nina New",
                     "+15550107788")]
    page = business.get(r.headers["Location"]).text
    assert "Booked Nina New for" in page and "Nina New" in page
    # The customer is told by text, as when the receptionist books.
    assert sql(owner_db, "SELECT count(*) FROM jobs WHERE org_id = %s AND kind = 'sms.send' "
                         "AND payload ->> 'to' = '+15550107788'", business.org_id)[0][0] == 1


def test_book_by_hand_for_a_lead_with_a_service_and_resource(business, owner_db):
    day = weekday_ahead(4)
    lead = add_lead(owner_db, business.org_id, "Leo Lead", "+15550104444")
    service = str(sql(owner_db, "INSERT INTO services (org_id, name, duration_minutes) "
                                "VALUES (%s, 'Deep clean', 90) RETURNING id",
                      business.org_id)[0][0])
    van = add_resource(owner_db, business.org_id, "Van B")
    form = business.get(f"/appointments/new?lead={lead}").text
    assert f'<option value="{lead}" selected>' in form
    r = new_form(business, lead_id=lead, service_id=service, resource_id=van,
                 date=f"{day:%Y-%m-%d}", time="13:30")
    assert r.status_code == 303, r.text[:600]
    row = sql(owner_db, "SELECT lead_id, service_id, resource_id, ends_at - starts_at, "
                        "customer_name FROM appointments WHERE org_id = %s", business.org_id)[0]
    assert [str(row[0]), str(row[1]), str(row[2])] == [lead, service, van]
    assert row[3] == datetime.timedelta(minutes=90) and row[4] == "Leo Lead"


def test_book_by_hand_on_a_collision_says_why_and_offers_three_times(business, owner_db):
    day = weekday_ahead(2)
    add_appointment(owner_db, business.org_id, "Busy", local(day, 10), 60)
    r = new_form(business, name="Cal Clash", phone="+15550105555",
                 date=f"{day:%Y-%m-%d}", time="10:00")
    assert r.status_code == 409
    assert "That time overlaps another appointment" in r.text
    offered = re.findall(r'name="slot" value="([^"@]+)"', r.text)
    # Nearest first; of two as near, the earlier; inside business hours (open at 9:00).
    assert offered == [f"{day:%Y-%m-%d}T{t}" for t in ("09:00", "11:00", "11:15")]
    # What was typed is kept, so one click on an offered time books it.
    assert 'value="Cal Clash"' in r.text
    lead = sql(owner_db, "SELECT id FROM leads WHERE org_id = %s AND phone = '+15550105555'",
               business.org_id)[0][0]
    assert f'<option value="{lead}" selected>' in r.text
    r = new_form(business, lead_id=str(lead), slot=offered[0])
    assert r.status_code == 303, r.text[:600]
    assert sql(owner_db, "SELECT starts_at FROM appointments WHERE org_id = %s "
                         "AND customer_name = 'Cal Clash'", business.org_id) == [(local(day, 9),)]


def test_book_by_hand_on_a_closed_day_says_why(business, owner_db):
    saturday = weekday_ahead(6)
    r = new_form(business, name="Sam Sat", phone="+15550106666",
                 date=f"{saturday:%Y-%m-%d}", time="10:00")
    assert r.status_code == 409
    assert "closed" in r.text.lower() and "Saturday" in r.text
    assert len(re.findall(r'name="slot"', r.text)) == 3
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s",
               business.org_id)[0][0] == 0


def test_book_by_hand_bad_input(business, other_business, owner_db):
    day = weekday_ahead(2)
    good = {"name": "Bad Input", "phone": "+15550107777", "date": f"{day:%Y-%m-%d}",
            "time": "10:00"}
    cases = [
        ({"name": ""}, "name", "required"),
        ({"phone": "call me"}, "phone", ""),
        ({"date": "2031-13-01"}, "date", "enter a date like"),
        ({"time": "10"}, "time", "enter a time like"),
        ({"minutes": "99999"}, "minutes", ""),
    ]
    for change, field, message in cases:
        r = new_form(business, **dict(good, **change))
        assert r.status_code == 422, (change, r.status_code)
        assert message in r.text, change
    theirs_lead = add_lead(owner_db, other_business.org_id, "Their Lead", "+15550108888")
    theirs_service = str(sql(owner_db, "INSERT INTO services (org_id, name) VALUES (%s, 'X') "
                                       "RETURNING id", other_business.org_id)[0][0])
    assert new_form(business, **dict(good, lead_id=theirs_lead)).status_code == 404
    assert new_form(business, **dict(good, lead_id="1; DROP TABLE leads")).status_code == 404
    assert new_form(business, **dict(good, service_id=theirs_service)).status_code == 404
    theirs_resource = resource_of(owner_db, other_business.org_id)
    assert new_form(business, **dict(good, resource_id=theirs_resource)).status_code == 404
    assert new_form(business, **dict(good, resource_id="not-a-uuid")).status_code == 404
    assert new_form(business, **dict(good, slot=f"{day:%Y-%m-%d}T10:00@{theirs_resource}")
                    ).status_code == 404
    assert business.get(f"/appointments/new?lead={theirs_lead}").status_code == 404
    assert business.post("/appointments/new", data=dict(good, csrf=FORGED_CSRF)).status_code == 403
    assert business.post("/appointments/new", data=good).status_code == 403
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id IN (%s, %s)",
               business.org_id, other_business.org_id)[0][0] == 0


def test_reschedule_refuses_a_closed_saturday_and_says_why(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Sid Sat", local(weekday_ahead(1), 9))
    before = appointment(owner_db, aid)
    saturday = weekday_ahead(6)
    r = business.post_form(f"/appointments/{aid}/reschedule",
                           {"date": f"{saturday:%Y-%m-%d}", "time": "10:00"})
    assert r.status_code == 409
    assert "Saturday" in r.text
    assert len(re.findall(r'name="slot"', r.text)) == 3
    assert appointment(owner_db, aid) == before


def test_reschedule_refuses_a_holiday_with_its_reason(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Hal Holiday", local(weekday_ahead(1), 9))
    day = weekday_ahead(3)
    sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at, reason) "
                  "VALUES (%s, %s, %s, 'Founders Day')", business.org_id, local(day, 0),
        local(day + datetime.timedelta(days=1), 0))
    r = business.post_form(f"/appointments/{aid}/reschedule",
                           {"date": f"{day:%Y-%m-%d}", "time": "10:00"})
    assert r.status_code == 409 and "Founders Day" in r.text


def test_owner_move_and_cancel_text_the_customer(business, owner_db):
    moved = add_appointment(owner_db, business.org_id, "Tex Move", local(weekday_ahead(1), 9),
                            phone="+15550101234")
    r = business.post_form(f"/appointments/{moved}/reschedule",
                           {"date": f"{weekday_ahead(2):%Y-%m-%d}", "time": "15:00"})
    assert r.status_code == 303
    cancelled = add_appointment(owner_db, business.org_id, "Tex Cancel", local(weekday_ahead(3), 9),
                                phone="+15550104321")
    back = f"/appointments?view=week&date={weekday_ahead(3):%Y-%m-%d}"
    r = business.post_form(f"/appointments/{cancelled}/cancel", {"back": back})
    assert r.status_code == 303 and r.headers["Location"] == back
    purposes = sql(owner_db, "SELECT payload ->> 'to', payload ->> 'purpose' FROM jobs "
                             "WHERE org_id = %s AND kind = 'sms.send' ORDER BY created_at",
                   business.org_id)
    assert [p[0] for p in purposes] == ["+15550101234", "+15550104321"]


def test_back_never_leaves_the_appointments_page(business, owner_db):
    for back in ("https://evil.example/", "//evil.example", "/appointments/../logout",
                 "/appointments?x=1\r\nSet-Cookie: a=b", "/settings"):
        aid = add_appointment(owner_db, business.org_id, "Bea Back",
                              local(weekday_ahead(2), 9) + datetime.timedelta(days=7 * len(back)))
        r = business.post_form(f"/appointments/{aid}/cancel", {"back": back})
        assert r.status_code == 303 and r.headers["Location"] == "/appointments", back


def test_no_show_is_counted_on_the_lead_and_the_dashboard(business, owner_db):
    lead = add_lead(owner_db, business.org_id, "Nora Noshow", "+15550109999")
    # Earlier today (or this week's Monday) in the business's zone: inside this week.
    now = datetime.datetime.now(ZONE)
    start = max(now - datetime.timedelta(hours=2),
                datetime.datetime(now.year, now.month, now.day, tzinfo=ZONE)
                - datetime.timedelta(days=now.weekday()))
    aid = str(sql(owner_db, "INSERT INTO appointments (org_id, lead_id, customer_name, "
                            "starts_at, ends_at) VALUES (%s, %s, 'Nora Noshow', %s, %s) "
                            "RETURNING id", business.org_id, lead, start,
                  start + datetime.timedelta(minutes=30))[0][0])
    week = business.get(f"/appointments?view=week&date={start:%Y-%m-%d}").text
    assert f"/appointments/{aid}/no-show" in card(week, aid)
    r = business.post_form(f"/appointments/{aid}/no-show")
    assert r.status_code == 303
    assert appointment(owner_db, aid)[2] == "no_show"
    assert "badge-missed" in card(business.get(f"/appointments?view=week&date={start:%Y-%m-%d}").text, aid)
    lead_page = business.get(f"/leads/{lead}").text
    assert re.search(r'id="lead-no-shows">1 no-show<', lead_page)
    dash = business.get("/").text
    assert re.search(r'data-stat="no_shows_week">1<', dash)
    live = business.get("/dashboard/live", headers={"Accept": "application/json"})
    assert live.json()["figures"]["no_shows_week"]["value"] == 1
    # Twice, or for a time still to come: refused, nothing changes.
    assert business.post_form(f"/appointments/{aid}/no-show").status_code == 409
    future = add_appointment(owner_db, business.org_id, "Fay Future", local(weekday_ahead(2), 9))
    r = business.post_form(f"/appointments/{future}/no-show")
    assert r.status_code == 409 and appointment(owner_db, future)[2] == "scheduled"
    assert sql(owner_db, "SELECT count(*) FROM audit_log WHERE target = %s "
                         "AND action = 'appointment.no_show'", aid)[0][0] == 1


def test_no_show_hostile_input(business, other_business, owner_db):
    start = datetime.datetime.now(ZONE) - datetime.timedelta(hours=1)
    theirs = add_appointment(owner_db, other_business.org_id, "Theirs", start, 30)
    mine = add_appointment(owner_db, business.org_id, "Mine", start, 30)
    assert business.post_form(f"/appointments/{theirs}/no-show").status_code == 404
    assert business.post_form(f"/appointments/{uuid.uuid4()}/no-show").status_code == 404
    assert business.post_form("/appointments/not-an-id/no-show").status_code == 404
    assert business.post(f"/appointments/{mine}/no-show",
                         data={"csrf": FORGED_CSRF}).status_code == 403
    assert business.post(f"/appointments/{mine}/no-show", data={"x": "1"}).status_code == 403
    assert appointment(owner_db, theirs)[2] == "scheduled"
    assert appointment(owner_db, mine)[2] == "scheduled"
    assert clock(start)


def test_move_hostile_input(business, other_business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Mo Move", local(weekday_ahead(1), 9))
    before = appointment(owner_db, aid)
    theirs = resource_of(owner_db, other_business.org_id)
    day = f"{weekday_ahead(3):%Y-%m-%d}"
    path = f"/appointments/{aid}/reschedule"
    assert business.post_form(path, {"date": day, "time": "10:00",
                                     "resource_id": theirs}).status_code == 404
    assert business.post_form(path, {"slot": f"{day}T10:00@{theirs}"}).status_code == 404
    assert business.post_form(path, {"slot": f"{day}T10:00@x' OR '1'='1"}).status_code == 404
    for slot in (f"{day}T99:99", "2031-02-30T10:00", "T" * 16, f"{day}T10:00junk"):
        assert business.post_form(path, {"slot": slot}).status_code == 422, slot
    assert appointment(owner_db, aid) == before
