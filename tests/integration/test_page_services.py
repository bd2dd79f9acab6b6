"""test_page_services: the services list, its create, edit and (de)activate forms, bad input."""
import html
import uuid

import pytest

from conftest import PASSWORD, login, sql

FORGED_CSRF = "0" * 64


def add_service(db, org_id, name, price_cents=10000, minutes=60, keywords=(), active=True):
    return str(sql(db, "INSERT INTO services (org_id, name, price_cents, duration_minutes, "
                       "keywords, active) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                   org_id, name, price_cents, minutes, list(keywords), active)[0][0])


def services_of(db, org_id):
    return sql(db, "SELECT name, price_cents, duration_minutes, keywords, active FROM services "
                   "WHERE org_id = %s ORDER BY name", org_id)


def form(**changes):
    data = {"name": "Drain cleaning", "price": "149.50", "duration": "90",
            "keywords": "drain, clog"}
    data.update(changes)
    return data


def add_member(db, owner):
    """A member of owner's business who signs in with the owner's password."""
    email = f"member-{uuid.uuid4().hex[:10]}@example.test"
    sql(db, "INSERT INTO users (org_id, email, password_hash, role) "
            "SELECT org_id, %s, password_hash, 'member' FROM users WHERE lower(email) = lower(%s)",
        email, owner.email)
    return login(email, PASSWORD)


def test_create_is_stored_and_listed(business, owner_db):
    r = business.post_form("/services/new", form(keywords=" Drain, CLOG ,drain,, Pipe  "))
    assert r.status_code == 303 and r.headers["Location"] == "/services"
    assert services_of(owner_db, business.org_id) == [
        ("Drain cleaning", 14950, 90, ["drain", "clog", "pipe"], True)]
    page = business.get("/services")
    assert page.status_code == 200
    assert "Drain cleaning" in page.text and "$149.50" in page.text
    assert "90 min" in page.text and "drain, clog, pipe" in page.text
    assert "badge-active" in page.text and 'href="/services/new"' in page.text
    assert "Service created." in page.text


def test_new_form_and_whole_price(business, owner_db):
    r = business.get("/services/new")
    assert r.status_code == 200 and 'name="csrf"' in r.text and 'action="/services/new"' in r.text
    assert business.post_form("/services/new", form(price="149", keywords="")).status_code == 303
    assert services_of(owner_db, business.org_id) == [("Drain cleaning", 14900, 90, [], True)]


def test_edit_shows_values_and_stores_changes(business, owner_db):
    sid = add_service(owner_db, business.org_id, "Leak repair", 9900, 45, ["leak"])
    r = business.get(f"/services/{sid}/edit")
    assert r.status_code == 200
    assert 'value="Leak repair"' in r.text and 'value="99.00"' in r.text
    assert 'value="45"' in r.text and 'value="leak"' in r.text
    r = business.post_form(f"/services/{sid}/edit", form(name="Leak repair (urgent)",
                                                         price="120", duration="30",
                                                         keywords="Leak, burst"))
    assert r.status_code == 303
    assert services_of(owner_db, business.org_id) == [
        ("Leak repair (urgent)", 12000, 30, ["leak", "burst"], True)]
    assert "Leak repair (urgent)" in business.get("/services").text


def test_deactivate_and_activate(business, owner_db):
    sid = add_service(owner_db, business.org_id, "Boiler service")
    assert business.post_form(f"/services/{sid}/deactivate").status_code == 303
    assert services_of(owner_db, business.org_id)[0][4] is False
    page = business.get("/services").text
    assert "badge-inactive" in page and f"/services/{sid}/activate" in page
    assert business.post_form(f"/services/{sid}/activate").status_code == 303
    assert services_of(owner_db, business.org_id)[0][4] is True


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Name is required"),
    ("name", "x" * 81, "keep it to 80 characters"),
    ("price", "", "Price is required"),
    ("price", "-5", "non-negative amount"),
    ("price", "cheap", "amount like 149 or 149.50"),
    ("price", "1.234", "at most two digits after the point"),
    ("duration", "4", "enter a whole number from 5 to 1440"),
    ("duration", "1441", "enter a whole number from 5 to 1440"),
    ("duration", "1.5", "enter a whole number from 5 to 1440"),
    ("duration", "", "Duration is required"),
    ("keywords", ",".join(f"word{i}" for i in range(21)), "use at most 20 keywords"),
    ("keywords", "k" * 41, "keep each keyword to 40 characters"),
])
def test_each_invalid_field_has_its_message_and_keeps_the_form(business, owner_db, field, value,
                                                                message):
    typed = form(name="Gutter <clean>", keywords="roof, gutter")
    typed[field] = value
    r = business.post_form("/services/new", typed)
    assert r.status_code == 422
    assert message in r.text
    # The message sits inside the field that failed, and the rest is what the user typed.
    start = r.text.index(f'<label for="{field}">')
    assert message in r.text[start:r.text.index("</div>", start)]
    for name, typed_value in typed.items():
        assert f'value="{html.escape(typed_value.strip(), quote=True)}"' in r.text
    assert services_of(owner_db, business.org_id) == []


def test_duplicate_name_any_case(business, owner_db):
    add_service(owner_db, business.org_id, "Drain cleaning")
    other = add_service(owner_db, business.org_id, "Leak repair")
    r = business.post_form("/services/new", form(name="DRAIN cleaning"))
    assert r.status_code == 422 and "another service already has this name" in r.text
    assert 'value="DRAIN cleaning"' in r.text
    r = business.post_form(f"/services/{other}/edit", form(name="drain Cleaning"))
    assert r.status_code == 422 and "another service already has this name" in r.text
    assert [s[0] for s in services_of(owner_db, business.org_id)] == ["Drain cleaning",
                                                                      "Leak repair"]


def test_same_name_in_another_business_is_fine(business, other_business, owner_db):
    add_service(owner_db, other_business.org_id, "Drain cleaning")
    assert business.post_form("/services/new", form()).status_code == 303


def test_html_is_escaped(business, owner_db):
    name = "<b>Bold</b> & <script>alert(1)</script>"
    assert business.post_form("/services/new", form(name=name,
                                                    keywords="<i>x</i>")).status_code == 303
    page = business.get("/services").text
    assert "<script>alert(1)</script>" not in page and "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "&lt;i&gt;x&lt;/i&gt;" in page
    sid = sql(owner_db, "SELECT id FROM services WHERE org_id = %s", business.org_id)[0][0]
    edit = business.get(f"/services/{sid}/edit").text
    assert "<script>alert(1)</script>" not in edit and "&lt;script&gt;" in edit


def test_forged_or_missing_csrf_is_refused(business, owner_db):
    sid = add_service(owner_db, business.org_id, "Boiler service")
    before = services_of(owner_db, business.org_id)
    assert business.post("/services/new", data=form(csrf=FORGED_CSRF)).status_code == 403
    assert business.post("/services/new", data=form()).status_code == 403
    assert business.post(f"/services/{sid}/edit",
                         data=form(csrf=FORGED_CSRF)).status_code == 403
    assert business.post(f"/services/{sid}/deactivate",
                         data={"csrf": FORGED_CSRF}).status_code == 403
    assert services_of(owner_db, business.org_id) == before


def test_member_sees_the_list_but_cannot_change_it(business, owner_db):
    sid = add_service(owner_db, business.org_id, "Boiler service")
    member = add_member(owner_db, business)
    page = member.get("/services")
    assert page.status_code == 200 and "Boiler service" in page.text
    assert 'href="/services/new"' not in page.text and f"/services/{sid}/edit" not in page.text
    assert f"/services/{sid}/deactivate" not in page.text
    before = services_of(owner_db, business.org_id)
    assert member.get("/services/new").status_code == 403
    assert member.get(f"/services/{sid}/edit").status_code == 403
    assert member.post_form("/services/new", form()).status_code == 403
    assert member.post_form(f"/services/{sid}/edit", form()).status_code == 403
    assert member.post_form(f"/services/{sid}/deactivate").status_code == 403
    assert member.post_form(f"/services/{sid}/activate").status_code == 403
    assert services_of(owner_db, business.org_id) == before


def test_another_business_services_are_not_found(business, other_business, owner_db):
    theirs = add_service(owner_db, other_business.org_id, "Their service", 5000, 30, ["theirs"])
    before = services_of(owner_db, other_business.org_id)
    assert business.get(f"/services/{theirs}/edit").status_code == 404
    assert business.post_form(f"/services/{theirs}/edit", form()).status_code == 404
    assert business.post_form(f"/services/{theirs}/edit", form(name="")).status_code == 404
    assert business.post_form(f"/services/{theirs}/deactivate").status_code == 404
    assert business.post_form(f"/services/{theirs}/activate").status_code == 404
    assert "Their service" not in business.get("/services").text
    assert services_of(owner_db, other_business.org_id) == before
    assert services_of(owner_db, business.org_id) == []


def test_unknown_and_malformed_ids(business):
    assert business.get(f"/services/{uuid.uuid4()}/edit").status_code == 404
    assert business.get("/services/not-a-uuid/edit").status_code == 404


def test_service_changes_are_in_the_audit_log(business, owner_db):
    def audit(target):
        return sql(owner_db, "SELECT action, user_id IS NOT NULL, detail FROM audit_log "
                             "WHERE org_id = %s AND target = %s ORDER BY created_at, action",
                   business.org_id, target)

    assert business.post_form("/services/new", form()).status_code == 303
    sid = str(sql(owner_db, "SELECT id FROM services WHERE org_id = %s", business.org_id)[0][0])
    assert business.post_form(f"/services/{sid}/edit", form(price="175")).status_code == 303
    assert business.post_form(f"/services/{sid}/deactivate").status_code == 303
    assert business.post_form(f"/services/{sid}/activate").status_code == 303
    rows = audit(sid)
    assert [(action, by_user) for action, by_user, _ in rows] == [
        ("service.create", True), ("service.update", True), ("service.deactivate", True),
        ("service.activate", True)]
    assert rows[0][2]["price_cents"] == "14950" and rows[1][2]["price_cents"] == "17500"
    # A form that is refused changes nothing and logs nothing.
    assert business.post_form(f"/services/{sid}/edit", form(price="abc")).status_code == 422
    assert len(audit(sid)) == 4
