"""test_availability: one availability for every door: the dashboard's reschedule and the Vapi
tools refuse a closed day, a break, a holiday, short notice and a time too far ahead, and say why;
a move the owner makes is texted to the customer."""
import datetime
import json
from zoneinfo import ZoneInfo

from conftest import sql
from test_hook_vapi import driver, new_call, results_of, shop  # noqa: F401 (a fixture)

ZONE = ZoneInfo("America/New_York")   # the time zone signup() gives a business
LUNCH = json.dumps({d: [["09:00", "12:00"], ["13:00", "17:00"]]
                    for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []})


def weekday_ahead(isoweekday, weeks=2):
    day = datetime.datetime.now(ZONE).date() + datetime.timedelta(weeks=weeks)
    return day + datetime.timedelta(days=(isoweekday - day.isoweekday()) % 7)


def local(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def add_appointment(db, org_id, starts, phone="+15550100"):
    return str(sql(db, "INSERT INTO appointments (org_id, customer_name, customer_phone, "
                       "starts_at, ends_at) VALUES (%s, 'Gail Move', %s, %s, %s) RETURNING id",
                   org_id, phone, starts, starts + datetime.timedelta(hours=1))[0][0])


def starts_of(db, appointment_id):
    return sql(db, "SELECT starts_at FROM appointments WHERE id = %s", appointment_id)[0][0]


def texts(db, org_id, appointment_id):
    return sql(db, "SELECT payload ->> 'purpose', payload ->> 'to', payload ->> 'body' FROM jobs "
                   "WHERE org_id = %s AND kind = 'sms.send' "
                   "AND payload ->> 'appointment_id' = %s ORDER BY created_at",
               org_id, appointment_id)


def reschedule(business, aid, day, clock):
    return business.post_form(f"/appointments/{aid}/reschedule",
                              {"date": f"{day:%Y-%m-%d}", "time": clock})


def time_field(html):
    return html[html.index('<label for="time">'):html.index('class="form-actions"')]


def test_reschedule_refuses_closed_times_and_says_why(business, owner_db):
    org = business.org_id
    sql(owner_db, "UPDATE organizations SET business_hours = %s WHERE id = %s", LUNCH, org)
    aid = add_appointment(owner_db, org, local(weekday_ahead(1), 9))
    before = starts_of(owner_db, aid)
    saturday = weekday_ahead(6)
    r = reschedule(business, aid, saturday, "10:00")
    assert r.status_code == 409
    assert "We&#39;re closed on Saturdays. Choose another time." in time_field(r.text) or \
        "We're closed on Saturdays. Choose another time." in time_field(r.text)
    # The nearest free times are still offered, none of them on the Saturday.
    offered = [v for v in time_field(r.text).split('name="slot" value="')[1:]]
    assert len(offered) == 3 and not any(v.startswith(f"{saturday:%Y-%m-%d}") for v in offered)
    r = reschedule(business, aid, weekday_ahead(3), "12:15")
    assert r.status_code == 409
    assert "lunch break" in time_field(r.text) and "1 PM" in time_field(r.text)
    holiday = weekday_ahead(4)
    sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at, reason) "
                  "VALUES (%s, %s, %s, 'the holiday')",
        org, local(holiday, 0), local(holiday + datetime.timedelta(days=1), 0))
    r = reschedule(business, aid, holiday, "10:00")
    assert r.status_code == 409
    assert f"closed on {holiday:%B} {holiday.day} for the holiday" in time_field(r.text)
    sql(owner_db, "UPDATE organizations SET horizon_days = 30 WHERE id = %s", org)
    r = reschedule(business, aid, weekday_ahead(2, weeks=6), "10:00")
    assert r.status_code == 409 and "We book up to 30 days ahead." in time_field(r.text)
    # Nothing moved and nobody was texted about any of it.
    assert starts_of(owner_db, aid) == before
    assert texts(owner_db, org, aid) == []


def test_an_owner_move_texts_the_customer(business, owner_db):
    org = business.org_id
    aid = add_appointment(owner_db, org, local(weekday_ahead(1), 9), phone="+15555550123")
    new_day = weekday_ahead(2)
    r = reschedule(business, aid, new_day, "14:00")
    assert r.status_code == 303, r.text[:400]
    assert starts_of(owner_db, aid) == local(new_day, 14)
    [(purpose, to, body)] = texts(owner_db, org, aid)
    assert (purpose, to) == ("appointment_moved", "+15555550123")
    assert "has been moved to" in body and "2 PM" in body and "Reply STOP" in body
    assert business.post_form(f"/appointments/{aid}/cancel").status_code == 303
    assert [t[0] for t in texts(owner_db, org, aid)] == ["appointment_moved",
                                                         "appointment_cancelled"]


def test_vapi_tools_say_why_a_time_cannot_be_booked(shop, owner_db):  # noqa: F811
    org = shop.org_id
    day = (datetime.datetime.now(ZoneInfo("America/New_York")) + datetime.timedelta(days=3)).date()
    sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at, reason) "
                  "VALUES (%s, %s, %s, 'the holiday')",
        org, local(day, 0), local(day + datetime.timedelta(days=1), 0))
    sql(owner_db, "UPDATE organizations SET min_notice_minutes = 120 WHERE id = %s", org)
    soon = (datetime.datetime.now(ZONE) + datetime.timedelta(minutes=40)).replace(
        second=0, microsecond=0)
    d, call = driver(), new_call(shop)
    d.send(call.assistant_request())
    msg, ids = call.tool_calls([
        ("book_appointment", {"service": "Drain cleaning", "start": local(day, 10).isoformat(),
                              "customer_name": "Jane Doe"}),
        ("check_availability", {"service": "Drain cleaning", "start": soon.isoformat()}),
    ])
    answers = results_of(d.send(msg), ids)
    booked, checked = (answers[i][1] for i in ids)
    assert f"We're closed on {day:%B} {day.day} for the holiday." in booked
    assert "Nothing was booked" in booked and "The nearest free times are " in booked
    assert "We need at least 2 hours' notice." in checked
    assert sql(owner_db, "SELECT count(*) FROM appointments WHERE org_id = %s", org)[0][0] == 0
