"""test_page_settings_scheduling: Settings → Resources and Closed dates, a service's buffer and who
can do it, the booking window on the hours page; each field stored and then obeyed by booking."""
import datetime
import json
import re
import uuid

from conftest import sql
from test_page_appointments import FORGED_CSRF, local, weekday_ahead
from test_page_appointments_calendar import add_resource, new_form, resource_of


def resources(db, org_id):
    return sql(db, "SELECT name, kind, hours, active FROM resources WHERE org_id = %s "
                   "ORDER BY position, created_at", org_id)


def add_service(db, org_id, name, minutes=60, buffer=0):
    return str(sql(db, "INSERT INTO services (org_id, name, duration_minutes, buffer_minutes) "
                       "VALUES (%s, %s, %s, %s) RETURNING id", org_id, name, minutes,
                   buffer)[0][0])


def booked(db, org_id):
    return sql(db, "SELECT customer_name, starts_at, r.name FROM appointments a "
                   "JOIN resources r ON r.id = a.resource_id WHERE a.org_id = %s "
                   "AND a.status <> 'cancelled' ORDER BY starts_at", org_id)


def resource_form(name, kind="person", mode="business", spans=None, services=()):
    data = {"name": name, "kind": kind, "hours_mode": mode}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data[f"{day}_spans"] = (spans or {}).get(day, "")
    data["service"] = list(services)
    return data


def test_add_rename_and_give_a_resource_hours_with_a_break(business, owner_db):
    page = business.get("/settings/resources")
    assert page.status_code == 200 and business.org_id and "Resources" in page.text
    r = business.post_form("/settings/resources", {"name": "Dr. Ruiz", "kind": "person"})
    assert r.status_code == 303
    rid = r.headers["Location"].rsplit("/", 1)[1]
    assert resource_of(owner_db, business.org_id, "Dr. Ruiz") == rid
    r = business.post_form(f"/settings/resources/{rid}", resource_form(
        "Dr. Ruiz-Lopez", "room", "own", {"tue": "09:00-12:00, 13:00-17:00", "wed": "10:00 – 14:00"}))
    assert r.status_code == 303, r.text[:800]
    name, kind, hours, active = resources(owner_db, business.org_id)[1]
    assert (name, kind, active) == ("Dr. Ruiz-Lopez", "room", True)
    assert hours["tue"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert hours["wed"] == [["10:00", "14:00"]] and hours["mon"] == []
    form = business.get(f"/settings/resources/{rid}").text
    assert 'value="09:00-12:00, 13:00-17:00"' in form
    # The break is obeyed: a booking on that resource at 12:00 is refused, with the reason.
    tuesday = weekday_ahead(2)
    r = new_form(business, name="Lu Lunch", phone="+15550201111", resource_id=rid,
                 date=f"{tuesday:%Y-%m-%d}", time="12:00")
    assert r.status_code == 409 and "break" in r.text
    r = new_form(business, name="Lu Lunch", phone="+15550201111", resource_id=rid,
                 date=f"{tuesday:%Y-%m-%d}", time="13:00")
    assert r.status_code == 303
    # Back to the business's hours: NULL again.
    r = business.post_form(f"/settings/resources/{rid}", resource_form("Dr. Ruiz-Lopez"))
    assert r.status_code == 303 and resources(owner_db, business.org_id)[1][2] is None


def test_resource_form_bad_input(business, other_business, owner_db):
    rid = add_resource(owner_db, business.org_id, "Bay 1")
    cases = [
        (resource_form("", "person"), "required"),
        (resource_form("x" * 201), "200"),
        (resource_form("Bay 1", "spaceship"), "choose a person"),
        (resource_form("Bay 1", mode="own", spans={"mon": "9-5"}), "HH:MM"),
        (resource_form("Bay 1", mode="own", spans={"mon": "17:00-09:00"}), "close after"),
        (resource_form("Bay 1", mode="own", spans={"mon": "09:00-13:00, 12:00-17:00"}),
         "must not overlap"),
        (resource_form("Bay 1", mode="own", spans={"mon": "<script>alert(1)</script>"}),
         "09:00-12:00"),
    ]
    before = resources(owner_db, business.org_id)
    for data, message in cases:
        r = business.post_form(f"/settings/resources/{rid}", data)
        assert r.status_code == 422, data
        assert message in r.text, (data, message)
        assert "<script>alert(1)</script>" not in r.text
    assert resources(owner_db, business.org_id) == before
    # Two resources cannot share a name.
    r = business.post_form("/settings/resources", {"name": "bay 1", "kind": "room"})
    assert r.status_code == 422 and "already has this name" in r.text
    add_resource(owner_db, business.org_id, "Bay 2")
    r = business.post_form(f"/settings/resources/{rid}", resource_form("BAY 2"))
    assert r.status_code == 422 and "already has this name" in r.text
    theirs = resource_of(owner_db, other_business.org_id)
    assert business.get(f"/settings/resources/{theirs}").status_code == 404
    assert business.post_form(f"/settings/resources/{theirs}",
                              resource_form("Mine now")).status_code == 404
    assert business.post_form(f"/settings/resources/{theirs}/deactivate").status_code == 404
    assert business.get(f"/settings/resources/{uuid.uuid4()}").status_code == 404
    assert business.post(f"/settings/resources/{rid}",
                         data=dict(resource_form("Forged"), csrf=FORGED_CSRF)).status_code == 403
    assert business.post("/settings/resources", data={"name": "No token"}).status_code == 403
    assert resources(owner_db, other_business.org_id)[0][0] != "Mine now"


def test_deactivate_takes_no_new_bookings_and_the_last_one_stays(business, owner_db):
    main = resource_of(owner_db, business.org_id)
    r = business.post_form(f"/settings/resources/{main}/deactivate")
    assert r.status_code == 303 and resources(owner_db, business.org_id)[0][3] is True
    assert "needs one active resource" in business.get("/settings/resources").text
    van = add_resource(owner_db, business.org_id, "Van C")
    assert business.post_form(f"/settings/resources/{van}/deactivate").status_code == 303
    assert [row[3] for row in resources(owner_db, business.org_id)] == [True, False]
    day = weekday_ahead(3)
    r = new_form(business, name="Vic Van", phone="+15550202222", resource_id=van,
                 date=f"{day:%Y-%m-%d}", time="10:00")
    assert r.status_code == 422
    assert business.post_form(f"/settings/resources/{van}/activate").status_code == 303
    r = new_form(business, name="Vic Van", phone="+15550202222", resource_id=van,
                 date=f"{day:%Y-%m-%d}", time="10:00")
    assert r.status_code == 303 and booked(owner_db, business.org_id)[0][2] == "Van C"


def test_which_services_a_resource_can_do_is_obeyed(business, owner_db):
    main = resource_of(owner_db, business.org_id)
    chair = add_resource(owner_db, business.org_id, "Chair Two")
    color = add_service(owner_db, business.org_id, "Colour")
    # Everyone could; the first resource no longer can: only Chair Two can now.
    r = business.post_form(f"/settings/resources/{main}",
                           resource_form(resources(owner_db, business.org_id)[0][0]))
    assert r.status_code == 303, r.text[:600]
    assert sql(owner_db, "SELECT resource_id::text FROM service_resources WHERE service_id = %s",
               color) == [(chair,)]
    form = business.get(f"/settings/resources/{chair}").text
    assert re.search(rf'value="{color}" checked', form)
    day = weekday_ahead(2)
    add_appointment_on = sql(owner_db, "INSERT INTO appointments (org_id, customer_name, "
                                       "starts_at, ends_at, resource_id) VALUES "
                                       "(%s, 'Busy Chair', %s, %s, %s)", business.org_id,
                             local(day, 10), local(day, 11), chair)
    del add_appointment_on
    # The first resource is free at 10:00 but cannot do it; Chair Two is busy: refused.
    r = new_form(business, name="Cole", phone="+15550203333", service_id=color,
                 date=f"{day:%Y-%m-%d}", time="10:00")
    assert r.status_code == 409
    r = new_form(business, name="Cole", phone="+15550203333", service_id=color,
                 date=f"{day:%Y-%m-%d}", time="11:00")
    assert r.status_code == 303 and booked(owner_db, business.org_id)[-1][2] == "Chair Two"
    # Nobody else can do it, so Chair Two cannot give it up.
    r = business.post_form(f"/settings/resources/{chair}", resource_form("Chair Two"))
    assert r.status_code == 422 and "nobody else can do Colour" in r.text


def test_service_buffer_and_who_can_do_it(business, other_business, owner_db):
    main = resource_of(owner_db, business.org_id)
    van = add_resource(owner_db, business.org_id, "Van D")
    r = business.post_form("/services/new", {"name": "Drain clear", "price": "120",
                                             "duration": "60", "keywords": "drain",
                                             "buffer": "30", "resources_shown": "1",
                                             "resource": [van]})
    assert r.status_code == 303, r.text[:800]
    sid, buffer = sql(owner_db, "SELECT id::text, buffer_minutes FROM services "
                                "WHERE org_id = %s AND name = 'Drain clear'", business.org_id)[0]
    assert buffer == 30
    assert sql(owner_db, "SELECT resource_id::text FROM service_resources "
                         "WHERE service_id = %s", sid) == [(van,)]
    form = business.get(f"/services/{sid}/edit").text
    assert 'value="30"' in form and re.search(rf'value="{van}" checked', form)
    assert not re.search(rf'value="{main}" checked', form)
    # The buffer holds the half hour after it on the van.
    day = weekday_ahead(4)
    assert new_form(business, name="Dee", phone="+15550204444", service_id=sid,
                    date=f"{day:%Y-%m-%d}", time="10:00").status_code == 303
    r = new_form(business, name="Ed", phone="+15550205555", service_id=sid,
                 date=f"{day:%Y-%m-%d}", time="11:00")
    assert r.status_code == 409
    assert new_form(business, name="Ed", phone="+15550205555", service_id=sid,
                    date=f"{day:%Y-%m-%d}", time="11:30").status_code == 303
    # Everyone ticked is stored as everyone (and takes resources added later).
    edit = {"name": "Drain clear", "price": "120", "duration": "60", "keywords": "drain",
            "buffer": "0", "resources_shown": "1", "resource": [main, van]}
    assert business.post_form(f"/services/{sid}/edit", edit).status_code == 303
    assert sql(owner_db, "SELECT count(*) FROM service_resources WHERE service_id = %s",
               sid)[0][0] == 0
    bad = [({"buffer": "-5"}, 422), ({"buffer": "lots"}, 422), ({"resource": []}, 422),
           ({"resource": [resource_of(owner_db, other_business.org_id)]}, 404),
           ({"resource": ["nope"]}, 404)]
    for change, status in bad:
        r = business.post_form(f"/services/{sid}/edit", dict(edit, **change))
        assert r.status_code == status, change
    assert sql(owner_db, "SELECT buffer_minutes FROM services WHERE id = %s", sid)[0][0] == 0


def test_closed_dates_for_the_business_and_one_resource(business, other_business, owner_db):
    main = resource_of(owner_db, business.org_id)
    chair = add_resource(owner_db, business.org_id, "Chair E")
    assert business.get("/settings/closures").status_code == 200
    day = weekday_ahead(3)
    r = business.post_form("/settings/closures", {"resource_id": "", "first_day": f"{day:%Y-%m-%d}",
                                                  "last_day": "", "reason": "Founders Day"})
    assert r.status_code == 303
    page = business.get("/settings/closures").text
    assert "Founders Day" in page and "The whole business" in page
    r = new_form(business, name="Hol", phone="+15550206666", date=f"{day:%Y-%m-%d}", time="10:00")
    assert r.status_code == 409 and "Founders Day" in r.text
    # Part of a day for one resource: the other still takes bookings then.
    other = weekday_ahead(4)
    r = business.post_form("/settings/closures", {
        "resource_id": chair, "first_day": f"{other:%Y-%m-%d}", "from_time": "09:00",
        "to_time": "12:00", "reason": "Dentist"})
    assert r.status_code == 303
    starts, ends = sql(owner_db, "SELECT starts_at, ends_at FROM closures WHERE resource_id = %s",
                       chair)[0]
    assert (starts, ends) == (local(other, 9), local(other, 12))
    r = new_form(business, name="Ines", phone="+15550207777", resource_id=chair,
                 date=f"{other:%Y-%m-%d}", time="10:00")
    assert r.status_code == 409 and "Dentist" in r.text
    assert new_form(business, name="Ines", phone="+15550207777", resource_id=main,
                    date=f"{other:%Y-%m-%d}", time="10:00").status_code == 303
    # Removing it opens the day again.
    cid = sql(owner_db, "SELECT id::text FROM closures WHERE reason = 'Founders Day' "
                        "AND org_id = %s", business.org_id)[0][0]
    assert business.post_form(f"/settings/closures/{cid}/delete").status_code == 303
    assert new_form(business, name="Hol", phone="+15550206666", date=f"{day:%Y-%m-%d}",
                    time="10:00").status_code == 303
    # Another business's closure or resource: not found.
    theirs = str(sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at) VALUES "
                               "(%s, now(), now() + interval '1 day') RETURNING id",
                     other_business.org_id)[0][0])
    assert business.post_form(f"/settings/closures/{theirs}/delete").status_code == 404
    r = business.post_form("/settings/closures", {"resource_id": resource_of(
        owner_db, other_business.org_id), "first_day": f"{day:%Y-%m-%d}"})
    assert r.status_code == 404
    assert sql(owner_db, "SELECT count(*) FROM closures WHERE id = %s", theirs)[0][0] == 1


def test_closed_dates_bad_input(business, owner_db):
    day = weekday_ahead(3)
    cases = [
        ({"first_day": ""}, "required"),
        ({"first_day": "2031-02-29"}, "enter a date like"),
        ({"first_day": f"{day:%Y-%m-%d}", "last_day": "someday"}, "enter a date like"),
        ({"first_day": f"{day:%Y-%m-%d}",
          "last_day": f"{day - datetime.timedelta(days=1):%Y-%m-%d}"}, "comes before"),
        ({"first_day": f"{day:%Y-%m-%d}", "from_time": "13:00", "to_time": "12:00"}, "must end"),
        ({"first_day": f"{day:%Y-%m-%d}", "from_time": "1pm"}, "enter a time like"),
        ({"first_day": f"{day:%Y-%m-%d}", "last_day": f"{day.replace(year=day.year + 2):%Y-%m-%d}"},
         "at most a year"),
        ({"first_day": f"{day:%Y-%m-%d}", "reason": "x" * 201}, "200"),
    ]
    for data, message in cases:
        r = business.post_form("/settings/closures", data)
        assert r.status_code == 422, data
        assert message in r.text, data
    assert business.post_form("/settings/closures", {"first_day": f"{day:%Y-%m-%d}",
                                                     "resource_id": "1 OR 1=1"}).status_code == 404
    assert business.post("/settings/closures",
                         data={"first_day": f"{day:%Y-%m-%d}", "csrf": FORGED_CSRF}).status_code == 403
    assert sql(owner_db, "SELECT count(*) FROM closures WHERE org_id = %s", business.org_id)[0][0] == 0


def test_minimum_notice_and_horizon_are_saved_and_obeyed(business, owner_db):
    page = business.get("/settings/hours").text
    assert 'name="notice_minutes"' in page and 'value="60"' in page
    r = business.post_form("/settings/hours/booking", {"notice_minutes": "10080",
                                                        "horizon_days": "30"})
    assert r.status_code == 303
    assert sql(owner_db, "SELECT min_notice_minutes, horizon_days FROM organizations "
                         "WHERE id = %s", business.org_id) == [(10080, 30)]
    soon = datetime.date.today() + datetime.timedelta(days=1)
    while soon.isoweekday() > 5:
        soon += datetime.timedelta(days=1)
    r = new_form(business, name="Sue Soon", phone="+15550208888", date=f"{soon:%Y-%m-%d}",
                 time="12:00")
    assert r.status_code == 409 and "notice" in r.text
    far = weekday_ahead(2, weeks=6)
    r = new_form(business, name="Fay Far", phone="+15550209999", date=f"{far:%Y-%m-%d}",
                 time="12:00")
    assert r.status_code == 409 and "ahead" in r.text
    for bad in ({"notice_minutes": "-1", "horizon_days": "10"},
                {"notice_minutes": "60", "horizon_days": "0"},
                {"notice_minutes": "60", "horizon_days": "9999"},
                {"notice_minutes": "soon", "horizon_days": "10"},
                {"notice_minutes": "", "horizon_days": "30"}):
        r = business.post_form("/settings/hours/booking", bad)
        assert r.status_code == 422, bad
        assert "nothing was saved" in r.text
    assert sql(owner_db, "SELECT min_notice_minutes, horizon_days FROM organizations "
                         "WHERE id = %s", business.org_id) == [(10080, 30)]
    assert business.post("/settings/hours/booking", data={
        "notice_minutes": "0", "horizon_days": "60", "csrf": FORGED_CSRF}).status_code == 403
    audit = sql(owner_db, "SELECT detail FROM audit_log WHERE org_id = %s "
                          "AND action = 'settings.booking_window'", business.org_id)
    assert audit == [({"min_notice_minutes": 10080, "horizon_days": 30},)]
    assert json.dumps(audit)


def test_business_hours_take_a_lunch_break(business, owner_db):
    data = {}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data.update({f"{day}_from": "09:00", f"{day}_to": "17:00", f"{day}_break_from": "",
                     f"{day}_break_to": ""})
    data.update({"tue_open": "1", "wed_open": "1", "tue_break_from": "12:00",
                 "tue_break_to": "13:00"})
    r = business.post_form("/settings/hours", data)
    assert r.status_code == 303
    hours = sql(owner_db, "SELECT business_hours FROM organizations WHERE id = %s",
                business.org_id)[0][0]
    assert hours["tue"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert hours["wed"] == [["09:00", "17:00"]]
    page = business.get("/settings/hours").text
    assert 'name="tue_break_from" type="time" value="12:00"' in page
    assert 'name="tue_to" type="time" value="17:00"' in page
    tuesday = weekday_ahead(2)
    r = new_form(business, name="Lou", phone="+15550301111", date=f"{tuesday:%Y-%m-%d}",
                 time="12:15", minutes="30")
    assert r.status_code == 409 and "break" in r.text
    # A break outside the day, backwards, or half typed: refused, nothing saved.
    for start, end in (("08:00", "10:00"), ("14:00", "13:00"), ("12:00", ""), ("noon", "13:00")):
        bad = dict(data, tue_break_from=start, tue_break_to=end)
        r = business.post_form("/settings/hours", bad)
        assert r.status_code == 422 and "a break is two times" in r.text, (start, end)
    assert sql(owner_db, "SELECT business_hours FROM organizations WHERE id = %s",
               business.org_id)[0][0] == hours


def test_switches_and_removals_need_the_csrf_token(business, owner_db):
    van = add_resource(owner_db, business.org_id, "Van F")
    cid = str(sql(owner_db, "INSERT INTO closures (org_id, starts_at, ends_at, reason) VALUES "
                            "(%s, now() + interval '1 day', now() + interval '2 days', 'Keep') "
                            "RETURNING id", business.org_id)[0][0])
    for path in (f"/settings/resources/{van}/deactivate", f"/settings/resources/{van}/activate",
                 f"/settings/closures/{cid}/delete"):
        assert business.post(path, data={"csrf": FORGED_CSRF}).status_code == 403, path
        assert business.post(path, data={"x": "1"}).status_code == 403, path
    assert business.post_form(f"/settings/closures/{uuid.uuid4()}/delete").status_code == 404
    assert business.post_form("/settings/resources/not-a-uuid/activate").status_code == 404
    assert resources(owner_db, business.org_id)[-1][3] is True
    assert sql(owner_db, "SELECT reason FROM closures WHERE id = %s", cid) == [("Keep",)]
