"""test_page_appointments: the lists, cancel, and reschedule decided by the exclusion constraint."""
import datetime
import re
import uuid
from zoneinfo import ZoneInfo

from conftest import sql

ZONE = ZoneInfo("America/New_York")   # the time zone signup() gives a business
FORGED_CSRF = "0" * 64


def weekday_ahead(isoweekday, weeks=2):
    """A local date of the business, `weeks` weeks or more ahead, on the given ISO weekday."""
    day = datetime.datetime.now(ZONE).date() + datetime.timedelta(weeks=weeks)
    return day + datetime.timedelta(days=(isoweekday - day.isoweekday()) % 7)


def local(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def clock(t):
    """A time as the pages print it: 9:05 AM."""
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def slot_label(t):
    return f"{t:%a}, {t:%b} {t.day}, {clock(t)}"


def add_appointment(db, org_id, name, starts, minutes=60, status="scheduled", phone="+15550100"):
    return str(sql(db, "INSERT INTO appointments (org_id, customer_name, customer_phone, "
                       "starts_at, ends_at, status) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                   org_id, name, phone, starts, starts + datetime.timedelta(minutes=minutes),
                   status)[0][0])


def appointment(db, appointment_id):
    return sql(db, "SELECT starts_at, ends_at, status FROM appointments WHERE id = %s",
               appointment_id)[0]


def test_upcoming_and_past_in_the_business_time_zone(business, owner_db):
    soon = local(weekday_ahead(2), 14, 30)
    add_appointment(owner_db, business.org_id, "Ada Upcoming",
                    soon.astimezone(datetime.timezone.utc))
    earlier = (datetime.datetime.now(ZONE).replace(second=0, microsecond=0)
               - datetime.timedelta(days=3))
    add_appointment(owner_db, business.org_id, "Bob Past", earlier, 30, "completed")
    page = business.get("/appointments?view=list")
    assert page.status_code == 200
    upcoming, past = page.text.split("<h2>Past</h2>")
    assert "Ada Upcoming" in upcoming and "Bob Past" in past
    assert f"{soon:%a}, {soon:%b} {soon.day}, {soon.year}" in upcoming
    assert f"{clock(soon)} – {clock(soon + datetime.timedelta(hours=1))}" in upcoming
    assert clock(earlier) in past and "badge-completed" in past
    assert "America/New_York" in page.text
    # Only open upcoming appointments can be moved or cancelled.
    assert upcoming.count("/reschedule") == 1 and "/reschedule" not in past


def test_past_list_is_paginated(business, owner_db):
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=60)
    for i in range(25):
        add_appointment(owner_db, business.org_id, f"Past customer {i:02d}",
                        start + datetime.timedelta(days=i), 30, "completed")
    first = business.get("/appointments?view=list").text
    assert len(re.findall(r"Past customer \d\d", first)) == 20
    assert "Past customer 24" in first and "Past customer 04" not in first
    assert 'href="/appointments?view=list&amp;past=2&amp;upcoming=1"' in first
    second = business.get("/appointments?view=list&past=2").text
    assert sorted(re.findall(r"Past customer \d\d", second)) == [
        f"Past customer {i:02d}" for i in range(5)]
    assert 'href="/appointments?view=list&amp;past=1&amp;upcoming=1"' in second
    assert business.get("/appointments?view=list&past=999&upcoming=junk").status_code == 200


def test_cancel_is_stored_and_shown(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Cara Cancel", local(weekday_ahead(3), 10))
    r = business.post_form(f"/appointments/{aid}/cancel")
    assert r.status_code == 303 and r.headers["Location"] == "/appointments"
    assert appointment(owner_db, aid)[2] == "cancelled"
    page = business.get("/appointments?view=list").text
    assert "Cancelled the appointment of Cara Cancel" in page and "badge-cancelled" in page
    assert f"/appointments/{aid}/reschedule" not in page
    # Cancelling twice changes nothing and says why.
    r = business.post_form(f"/appointments/{aid}/cancel")
    assert r.status_code == 303 and appointment(owner_db, aid)[2] == "cancelled"
    assert business.get(f"/appointments/{aid}/reschedule").status_code == 409


def test_reschedule_keeps_the_length(business, owner_db):
    old = local(weekday_ahead(1), 9)
    aid = add_appointment(owner_db, business.org_id, "Dan Move", old, 90)
    form = business.get(f"/appointments/{aid}/reschedule")
    assert form.status_code == 200
    assert f'value="{old:%Y-%m-%d}"' in form.text and 'value="09:00"' in form.text
    assert "90 min" in form.text
    new_day = weekday_ahead(4)
    r = business.post_form(f"/appointments/{aid}/reschedule",
                           {"date": f"{new_day:%Y-%m-%d}", "time": "13:15"})
    assert r.status_code == 303, r.text[:400]
    starts, ends, status = appointment(owner_db, aid)
    assert starts == local(new_day, 13, 15)
    assert ends - starts == datetime.timedelta(minutes=90) and status == "scheduled"
    assert r.headers["Location"] == f"/appointments?view=day&date={new_day:%Y-%m-%d}"
    assert "Moved the appointment of Dan Move" in business.get(r.headers["Location"]).text


def test_reschedule_collision_offers_the_three_nearest_free_times(business, owner_db):
    day = weekday_ahead(2)                              # a Tuesday: open 09:00-17:00
    moving = add_appointment(owner_db, business.org_id, "Eve Move", local(weekday_ahead(1), 9))
    add_appointment(owner_db, business.org_id, "Busy One", local(day, 10), 60)
    add_appointment(owner_db, business.org_id, "Busy Two", local(day, 11), 60)
    # A cancelled booking does not hold its time.
    add_appointment(owner_db, business.org_id, "Gone", local(day, 12), 60, "cancelled")
    before = appointment(owner_db, moving)
    r = business.post_form(f"/appointments/{moving}/reschedule",
                           {"date": f"{day:%Y-%m-%d}", "time": "10:30"})
    assert r.status_code == 409
    assert "That time overlaps another appointment" in r.text
    time_field = r.text[r.text.index('<label for="time">'):r.text.index('class="form-actions"')]
    assert "That time overlaps another appointment" in time_field
    # Nearest first, either side of 10:30, inside business hours, clear of both bookings.
    wanted = [local(day, 9), local(day, 12), local(day, 12, 15)]
    labels = re.findall(r'name="slot" value="([^"]+)">([^<]+)</button>', time_field)
    assert labels == [(f"{t:%Y-%m-%dT%H:%M}", slot_label(t)) for t in wanted]
    assert f'value="{day:%Y-%m-%d}"' in r.text and 'value="10:30"' in r.text
    assert appointment(owner_db, moving) == before
    # One click on an offered time books it.
    r = business.post_form(f"/appointments/{moving}/reschedule", {"slot": f"{day:%Y-%m-%d}T12:00"})
    assert r.status_code == 303
    assert appointment(owner_db, moving)[0] == local(day, 12)


def test_free_times_respect_business_hours(business, owner_db):
    sql(owner_db, "UPDATE organizations SET business_hours = %s WHERE id = %s",
        '{"mon":[],"tue":[["09:00","10:00"]],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]}',
        business.org_id)
    day = weekday_ahead(2, weeks=3)
    moving = add_appointment(owner_db, business.org_id, "Fay Move", local(weekday_ahead(4), 15), 60)
    add_appointment(owner_db, business.org_id, "Busy", local(day, 9), 60)
    r = business.post_form(f"/appointments/{moving}/reschedule",
                           {"date": f"{day:%Y-%m-%d}", "time": "09:00"})
    assert r.status_code == 409
    # Only Tuesdays at 09:00 fit: a week either side first, then two weeks (which of a pair
    # comes first depends on a daylight-saving change between them).
    offered = re.findall(r'name="slot" value="([^"]+)"', r.text)
    tuesday = [f"{day + datetime.timedelta(weeks=w):%Y-%m-%d}T09:00" for w in (-2, -1, 1, 2)]
    assert len(offered) == 3
    assert set(offered[:2]) == {tuesday[1], tuesday[2]} and offered[2] in (tuesday[0], tuesday[3])


def test_reschedule_bad_input_keeps_what_was_typed(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Gus Typo", local(weekday_ahead(1), 9))
    before = appointment(owner_db, aid)
    yesterday = datetime.datetime.now(ZONE).date() - datetime.timedelta(days=1)
    cases = [
        ({"date": "", "time": "10:00"}, "date", "Date is required"),
        ({"date": "2031-02-30", "time": "10:00"}, "date", "enter a date like"),
        ({"date": "next tuesday", "time": "10:00"}, "date", "enter a date like"),
        ({"date": f"{weekday_ahead(2):%Y-%m-%d}", "time": ""}, "time", "Time is required"),
        ({"date": f"{weekday_ahead(2):%Y-%m-%d}", "time": "25:00"}, "time", "enter a time like"),
        ({"date": f"{weekday_ahead(2):%Y-%m-%d}", "time": "9am"}, "time", "enter a time like"),
        ({"date": f"{yesterday:%Y-%m-%d}", "time": "10:00"}, "time", "choose a time in the future"),
    ]
    for typed, field, message in cases:
        r = business.post_form(f"/appointments/{aid}/reschedule", typed)
        assert r.status_code == 422, typed
        start = r.text.index(f'<label for="{field}">')
        assert message in r.text[start:r.text.index("</div>", start)], typed
        for value in typed.values():
            assert f'value="{value}"' in r.text, typed
    assert appointment(owner_db, aid) == before


def test_html_in_names_is_escaped(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "<script>alert(1)</script>",
                          local(weekday_ahead(1), 9), phone="<b>5</b>")
    for path in ("/appointments?view=list", f"/appointments/{aid}/reschedule",
                 f"/appointments?view=week&date={weekday_ahead(1):%Y-%m-%d}"):
        page = business.get(path).text
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>5</b>" not in business.get("/appointments?view=list").text


def test_forged_or_missing_csrf_changes_nothing(business, owner_db):
    aid = add_appointment(owner_db, business.org_id, "Hal Safe", local(weekday_ahead(1), 9))
    before = appointment(owner_db, aid)
    move = {"date": f"{weekday_ahead(3):%Y-%m-%d}", "time": "11:00"}
    assert business.post(f"/appointments/{aid}/cancel",
                         data={"csrf": FORGED_CSRF}).status_code == 403
    assert business.post(f"/appointments/{aid}/cancel", data={"confirm": "1"}).status_code == 403
    assert business.post(f"/appointments/{aid}/reschedule",
                         data=dict(move, csrf=FORGED_CSRF)).status_code == 403
    assert business.post(f"/appointments/{aid}/reschedule", data=move).status_code == 403
    assert appointment(owner_db, aid) == before


def test_another_business_appointments_are_not_found(business, other_business, owner_db):
    theirs = add_appointment(owner_db, other_business.org_id, "Their Customer",
                             local(weekday_ahead(1), 9))
    before = appointment(owner_db, theirs)
    move = {"date": f"{weekday_ahead(3):%Y-%m-%d}", "time": "11:00"}
    assert business.post_form(f"/appointments/{theirs}/cancel").status_code == 404
    assert business.get(f"/appointments/{theirs}/reschedule").status_code == 404
    assert business.post_form(f"/appointments/{theirs}/reschedule", move).status_code == 404
    assert business.post_form(f"/appointments/{theirs}/reschedule", {}).status_code == 404
    assert "Their Customer" not in business.get("/appointments?view=list").text
    assert "Their Customer" not in business.get(
        f"/appointments?view=week&date={weekday_ahead(1):%Y-%m-%d}").text
    assert appointment(owner_db, theirs) == before
    # Their bookings neither block ours nor show up among our free times.
    mine = add_appointment(owner_db, business.org_id, "Mine", local(weekday_ahead(4), 9))
    r = business.post_form(f"/appointments/{mine}/reschedule",
                           {"date": f"{weekday_ahead(1):%Y-%m-%d}", "time": "09:00"})
    assert r.status_code == 303
    assert business.get(f"/appointments/{uuid.uuid4()}/reschedule").status_code == 404


def audit_rows(db, org_id, target):
    return sql(db, "SELECT action, user_id IS NOT NULL, detail FROM audit_log "
                   "WHERE org_id = %s AND target = %s ORDER BY created_at, action",
               org_id, target)


def test_cancel_and_reschedule_are_in_the_audit_log(business, owner_db, other_business):
    moved = add_appointment(owner_db, business.org_id, "Ann Audit", local(weekday_ahead(1), 9))
    r = business.post_form(f"/appointments/{moved}/reschedule",
                           {"date": f"{weekday_ahead(4):%Y-%m-%d}", "time": "11:00"})
    assert r.status_code == 303, r.text[:400]
    rows = audit_rows(owner_db, business.org_id, moved)
    assert [(action, by_user) for action, by_user, _ in rows] == [("appointment.reschedule", True)]
    assert rows[0][2]["to"].startswith(f"{weekday_ahead(4):%Y-%m-%d}")

    cancelled = add_appointment(owner_db, business.org_id, "Ben Audit", local(weekday_ahead(3), 10))
    assert business.post_form(f"/appointments/{cancelled}/cancel").status_code == 303
    assert [row[:2] for row in audit_rows(owner_db, business.org_id, cancelled)] == [
        ("appointment.cancel", True)]

    # Nothing is logged for what was refused: another business's appointment, a second cancel.
    theirs = add_appointment(owner_db, other_business.org_id, "Theirs", local(weekday_ahead(3), 12))
    assert business.post_form(f"/appointments/{theirs}/cancel").status_code == 404
    assert business.post_form(f"/appointments/{cancelled}/cancel").status_code == 303
    assert sql(owner_db, "SELECT count(*) FROM audit_log WHERE target IN (%s, %s)",
               theirs, cancelled)[0][0] == 1
