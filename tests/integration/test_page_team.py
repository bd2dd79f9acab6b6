"""test_page_team.py: the team page, invitations, the account page, and sign-in protection."""
import hashlib
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import requests

from conftest import PASSWORD, Client, login, signup, sql, url

TOKEN_RE = re.compile(r"/invite/([0-9a-f]{64})")
NEW_PASSWORD = "a much longer new secret"


def fresh_email(kind="member"):
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.test"


def invite(owner, email, role="member", name=""):
    """Invite email through the team page; returns the one-time token the page shows."""
    r = owner.post_form("/team/invite", {"email": email, "role": role, "name": name})
    assert r.status_code == 200, (r.status_code, r.text[:800])
    m = TOKEN_RE.search(r.text)
    assert m, "the page shows no invitation link"
    return m.group(1)


def accept(token, password=PASSWORD):
    """Accept an invitation in a new browser; returns that signed-in Client."""
    c = Client()
    r = c.post_guest(f"/invite/{token}", {"password": password, "password_confirm": password})
    assert r.status_code == 303, (r.status_code, r.text[:800])
    assert r.headers["Location"] == "/"
    c.refresh_csrf()
    return c


def add_member(owner, role="member"):
    """A teammate who accepted an invitation: (Client, email, user id)."""
    email = fresh_email(role)
    c = accept(invite(owner, email, role))
    c.email = email
    c.org_id = owner.org_id
    return c


def user_id_of(db, email):
    rows = sql(db, "SELECT id FROM users WHERE email = %s", email)
    return str(rows[0][0]) if rows else None


def role_of(db, email):
    rows = sql(db, "SELECT role FROM users WHERE email = %s", email)
    return rows[0][0] if rows else None


def replay(cookie, path="/"):
    """GET path in a second, unrelated browser that carries only a copied session cookie."""
    return requests.get(url(path), headers={"Cookie": f"sb_session={cookie}"},
                        allow_redirects=False, timeout=30)


def test_invite_accept_then_member_signs_in_and_sees_dashboard(business, owner_db):
    email = fresh_email()
    r = business.get("/team")
    assert r.status_code == 200 and "Invite a teammate" in r.text
    token = invite(business, email, "member", "Sam Member")
    # Only the hash is stored; the logged email does not carry a working link either.
    rows = sql(owner_db, "SELECT token_hash, role, expires_at - now() FROM invites "
               "WHERE org_id = %s AND email = %s", business.org_id, email)
    assert len(rows) == 1
    assert rows[0][0] == hashlib.sha256(token.encode()).hexdigest() and rows[0][1] == "member"
    assert 6.9 < rows[0][2].total_seconds() / 86400 <= 7
    mails = sql(owner_db, "SELECT channel, status, purpose, body FROM notifications "
                "WHERE org_id = %s AND to_address = %s", business.org_id, email)
    assert [m[:3] for m in mails] == [("email", "logged", "invite")]
    assert token not in mails[0][3]
    assert token not in str(sql(owner_db, "SELECT * FROM invites WHERE email = %s", email))
    page = business.get("/team").text
    assert email in page and "pending" in page

    guest = Client()
    form = guest.get(f"/invite/{token}")
    assert form.status_code == 200
    assert email in form.text and "Join " in form.text
    short = guest.post_guest(f"/invite/{token}", {"password": "short", "password_confirm": "short"})
    assert short.status_code == 422 and "Use at least 10 characters" in short.text
    differ = guest.post_guest(f"/invite/{token}",
                              {"password": PASSWORD, "password_confirm": "x" + PASSWORD})
    assert differ.status_code == 422 and "The two passwords do not match" in differ.text
    assert user_id_of(owner_db, email) is None

    member = accept(token)
    dash = member.get("/")
    assert dash.status_code == 200 and "Dashboard" in dash.text and email in dash.text
    assert role_of(owner_db, email) == "member"
    assert sql(owner_db, "SELECT org_id::text FROM users WHERE email = %s", email)[0][0] == business.org_id
    assert sql(owner_db, "SELECT accepted_at IS NOT NULL FROM invites WHERE token_hash = %s",
               hashlib.sha256(token.encode()).hexdigest()) == [(True,)]

    again = login(email, PASSWORD)
    assert again.get("/").status_code == 200
    team = business.get("/team").text
    assert "Sam Member" in team and "No invitations are waiting" in team


def test_invite_form_validation(business, owner_db):
    before = sql(owner_db, "SELECT count(*) FROM invites WHERE org_id = %s", business.org_id)
    cases = [
        ({"email": "", "role": "member"}, "email", "Email is required"),
        ({"email": "<b>not-an-email", "role": "member"}, "email", "enter an email address"),
        ({"email": business.email, "role": "member"}, "email", "already on your team"),
        ({"email": fresh_email(), "role": "owner"}, "role", "Choose admin or member"),
        ({"email": fresh_email(), "role": "member", "name": "n" * 121}, "name", "keep it to 120"),
    ]
    for data, field, message in cases:
        r = business.post_form("/team/invite", data)
        assert r.status_code == 422, (data, r.status_code)
        assert message in r.text, (data, r.text[:2000])
        assert "has-error" in r.text
    typed = business.post_form("/team/invite", {"email": "<b>bad", "name": "<i>Typed</i>",
                                                "role": "admin"})
    assert typed.status_code == 422
    assert 'value="&lt;i&gt;Typed&lt;/i&gt;"' in typed.text and "<i>Typed" not in typed.text
    assert "&lt;b&gt;bad" in typed.text
    assert re.search(r'<option value="admin" selected>', typed.text)
    assert sql(owner_db, "SELECT count(*) FROM invites WHERE org_id = %s", business.org_id) == before


def test_html_in_a_name_is_shown_escaped(business):
    email = fresh_email()
    accept(invite(business, email, name="<script>alert(1)</script>"))
    page = business.get("/team").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_members_get_403_on_team_changes(business, owner_db):
    member = add_member(business)
    pending = fresh_email("pending")
    invite(business, pending)
    invite_id = str(sql(owner_db, "SELECT id FROM invites WHERE email = %s", pending)[0][0])
    owner_id = user_id_of(owner_db, business.email)

    page = member.get("/team")
    assert page.status_code == 200
    assert "Invite a teammate" not in page.text and "/team/users/" not in page.text
    assert "Only the owner or an admin" in page.text
    attempts = [
        ("/team/invite", {"email": fresh_email(), "role": "admin"}),
        (f"/team/users/{owner_id}/role", {"role": "member"}),
        (f"/team/users/{owner_id}/remove", {}),
        (f"/team/users/{user_id_of(owner_db, member.email)}/role", {"role": "admin"}),
        (f"/team/invites/{invite_id}/revoke", {}),
    ]
    for path, data in attempts:
        r = member.post_form(path, data)
        assert r.status_code == 403, (path, r.status_code)
        assert "owner or an admin" in r.text
    assert role_of(owner_db, business.email) == "owner"
    assert role_of(owner_db, member.email) == "member"
    assert sql(owner_db, "SELECT count(*) FROM invites WHERE org_id = %s AND accepted_at IS NULL",
               business.org_id) == [(1,)]

    services = member.post_form("/services/new", {"name": "Drain cleaning", "price": "149",
                                                  "duration_minutes": "60"})
    if services.status_code not in (404, 405):
        assert services.status_code == 403
        assert sql(owner_db, "SELECT count(*) FROM services WHERE org_id = %s",
                   business.org_id) == [(0,)]


def test_expired_reused_and_unknown_tokens_are_refused(business, owner_db):
    expired_email = fresh_email("late")
    expired = invite(business, expired_email)
    sql(owner_db, "UPDATE invites SET expires_at = now() - interval '1 minute' WHERE email = %s",
        expired_email)
    guest = Client()
    r = guest.get(f"/invite/{expired}")
    assert r.status_code == 410 and "This invitation has expired" in r.text
    assert 'name="password"' not in r.text
    r = guest.post_guest(f"/invite/{expired}", {"password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 410 and "expired" in r.text
    assert "sb_session" not in r.headers.get("Set-Cookie", "")
    assert user_id_of(owner_db, expired_email) is None
    assert "expired" in business.get("/team").text

    used_email = fresh_email("used")
    used = invite(business, used_email)
    accept(used)
    r = Client().get(f"/invite/{used}")
    assert r.status_code == 410 and "already been used" in r.text
    r = Client().post_guest(f"/invite/{used}", {"password": "another password 1",
                                                "password_confirm": "another password 1"})
    assert r.status_code == 410 and "already been used" in r.text
    assert "sb_session" not in r.headers.get("Set-Cookie", "")
    assert sql(owner_db, "SELECT count(*) FROM users WHERE email = %s", used_email) == [(1,)]

    r = Client().get("/invite/" + "ab" * 32)
    assert r.status_code == 404 and "not valid" in r.text
    for bad in ("abc", "AB" * 32, "ab" * 33, "zz" * 32):
        assert Client().get(f"/invite/{bad}").status_code == 404, bad


def test_reinvite_replaces_the_link_and_revoke_kills_it(business, owner_db):
    email = fresh_email()
    first = invite(business, email, "member")
    second = invite(business, email, "admin")
    assert Client().get(f"/invite/{first}").status_code == 404
    assert Client().get(f"/invite/{second}").status_code == 200
    assert sql(owner_db, "SELECT role FROM invites WHERE email = %s", email) == [("admin",)]

    invite_id = str(sql(owner_db, "SELECT id FROM invites WHERE email = %s", email)[0][0])
    r = business.post_form(f"/team/invites/{invite_id}/revoke")
    assert r.status_code == 303 and r.headers["Location"] == "/team"
    assert "was revoked" in business.get("/team").text
    assert sql(owner_db, "SELECT count(*) FROM invites WHERE email = %s", email) == [(0,)]
    assert Client().get(f"/invite/{second}").status_code == 404
    assert business.post_form(f"/team/invites/{invite_id}/revoke").status_code == 404


def test_roles_and_removal_rules(business, owner_db):
    owner_id = user_id_of(owner_db, business.email)
    admin = add_member(business, "member")
    admin_id = user_id_of(owner_db, admin.email)
    r = business.post_form(f"/team/users/{admin_id}/role", {"role": "admin"})
    assert r.status_code == 303
    assert "is now an admin" in business.get("/team").text
    assert role_of(owner_db, admin.email) == "admin"

    # An admin runs the team but cannot touch an owner or hand out ownership.
    member = add_member(admin, "member")
    member_id = user_id_of(owner_db, member.email)
    assert admin.post_form(f"/team/users/{member_id}/role", {"role": "owner"}).status_code == 403
    assert admin.post_form(f"/team/users/{owner_id}/role", {"role": "member"}).status_code == 403
    assert admin.post_form(f"/team/users/{owner_id}/remove").status_code == 403
    assert role_of(owner_db, business.email) == "owner"
    assert admin.post_form(f"/team/users/{member_id}/role", {"role": "bogus"}).status_code == 422

    # The last owner stays an owner and on the team.
    r = business.post_form(f"/team/users/{owner_id}/role", {"role": "admin"})
    assert r.status_code == 409 and "at least one owner" in r.text
    assert role_of(owner_db, business.email) == "owner"
    r = business.post_form(f"/team/users/{owner_id}/remove")
    assert r.status_code == 409 and "cannot remove yourself" in r.text
    assert admin.post_form(f"/team/users/{admin_id}/remove").status_code == 409

    # With a second owner, the first may step down.
    assert business.post_form(f"/team/users/{admin_id}/role", {"role": "owner"}).status_code == 303
    assert business.post_form(f"/team/users/{owner_id}/role", {"role": "member"}).status_code == 303
    assert role_of(owner_db, business.email) == "member"
    assert role_of(owner_db, admin.email) == "owner"
    assert business.post_form(f"/team/users/{member_id}/role", {"role": "admin"}).status_code == 403

    # Removing a teammate ends their sessions at once.
    r = admin.post_form(f"/team/users/{member_id}/remove")
    assert r.status_code == 303
    assert "was removed from the team" in admin.get("/team").text
    assert user_id_of(owner_db, member.email) is None
    gone = member.get("/", allow_redirects=False)
    assert gone.status_code == 303 and gone.headers["Location"].startswith("/login")
    assert sql(owner_db, "SELECT count(*) FROM audit_log WHERE org_id = %s AND action = 'team.remove'",
               business.org_id) == [(1,)]


def test_password_change(business, owner_db):
    old_cookie = business.cookies.get("sb_session")
    stored = sql(owner_db, "SELECT password_hash, session_version FROM users WHERE email = %s",
                 business.email)[0]
    page = business.get("/account")
    assert page.status_code == 200 and business.email in page.text and "Change password" in page.text

    wrong = business.post_form("/account/password", {"current_password": "not my password",
                                                     "new_password": NEW_PASSWORD,
                                                     "confirm_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.text
    short = business.post_form("/account/password", {"current_password": PASSWORD,
                                                     "new_password": "short",
                                                     "confirm_password": "short"})
    assert short.status_code == 422 and "Use at least 10 characters" in short.text
    differ = business.post_form("/account/password", {"current_password": PASSWORD,
                                                      "new_password": NEW_PASSWORD,
                                                      "confirm_password": NEW_PASSWORD + "!"})
    assert differ.status_code == 422 and "do not match" in differ.text
    empty = business.post_form("/account/password", {"new_password": NEW_PASSWORD,
                                                     "confirm_password": NEW_PASSWORD})
    assert empty.status_code == 422 and "Enter your current password" in empty.text
    assert sql(owner_db, "SELECT password_hash, session_version FROM users WHERE email = %s",
               business.email)[0] == stored
    assert replay(old_cookie).status_code == 200

    ok = business.post_form("/account/password", {"current_password": PASSWORD,
                                                  "new_password": NEW_PASSWORD,
                                                  "confirm_password": NEW_PASSWORD})
    assert ok.status_code == 303 and ok.headers["Location"] == "/account"
    new_cookie = business.cookies.get("sb_session")
    assert new_cookie and new_cookie != old_cookie
    after = sql(owner_db, "SELECT password_hash, session_version FROM users WHERE email = %s",
                business.email)[0]
    assert after[0] != stored[0] and after[1] == stored[1] + 1

    stale = replay(old_cookie)
    assert stale.status_code == 303 and stale.headers["Location"].startswith("/login")
    assert replay(new_cookie).status_code == 200
    assert "Your password was changed" in business.get("/account").text

    refused = Client().post_guest("/login", {"email": business.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert login(business.email, NEW_PASSWORD).get("/").status_code == 200


def test_logout_makes_a_copied_cookie_useless(business):
    cookie = business.cookies.get("sb_session")
    assert replay(cookie).status_code == 200
    r = business.post_form("/logout")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    stale = replay(cookie, "/team")
    assert stale.status_code == 303 and stale.headers["Location"].startswith("/login")


def test_forged_or_missing_csrf_is_403_and_changes_nothing(business, owner_db):
    member = add_member(business)
    member_id = user_id_of(owner_db, member.email)
    before = sql(owner_db, "SELECT password_hash, session_version FROM users WHERE email = %s",
                 business.email)
    invites = sql(owner_db, "SELECT count(*) FROM invites WHERE org_id = %s", business.org_id)
    forged = "0" * 32
    # None sends no csrf field at all; "" an empty one (a form with no other field needs one).
    for csrf in (forged, None):
        data = {"email": fresh_email(), "role": "member"}
        if csrf:
            data["csrf"] = csrf
        assert business.post("/team/invite", data=data).status_code == 403
        data = {"role": "admin"}
        if csrf:
            data["csrf"] = csrf
        assert business.post(f"/team/users/{member_id}/role", data=data).status_code == 403
        data = {"csrf": csrf or ""}
        assert business.post(f"/team/users/{member_id}/remove", data=data).status_code == 403
        data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD}
        if csrf:
            data["csrf"] = csrf
        assert business.post("/account/password", data=data).status_code == 403
    # Another user's real token is as good as a forged one.
    r = business.post("/team/users/%s/role" % member_id, data={"role": "admin", "csrf": member.csrf})
    assert r.status_code == 403
    assert role_of(owner_db, member.email) == "member"
    assert sql(owner_db, "SELECT password_hash, session_version FROM users WHERE email = %s",
               business.email) == before
    assert sql(owner_db, "SELECT count(*) FROM invites WHERE org_id = %s", business.org_id) == invites


def test_another_business_ids_are_404(business, other_business, owner_db):
    theirs = add_member(other_business)
    their_id = user_id_of(owner_db, theirs.email)
    their_owner = user_id_of(owner_db, other_business.email)
    invite(other_business, fresh_email("theirs"))
    their_invite = str(sql(owner_db, "SELECT id FROM invites WHERE org_id = %s AND accepted_at IS NULL",
                           other_business.org_id)[0][0])
    for path, data in [(f"/team/users/{their_id}/role", {"role": "admin"}),
                       (f"/team/users/{their_owner}/role", {"role": "member"}),
                       (f"/team/users/{their_id}/remove", {}),
                       (f"/team/users/{their_owner}/remove", {}),
                       (f"/team/invites/{their_invite}/revoke", {}),
                       (f"/team/users/{uuid.uuid4()}/remove", {}),
                       (f"/team/users/{str(uuid.uuid4()).upper()}/role", {"role": "admin"})]:
        r = business.post_form(path, data)
        assert r.status_code == 404, (path, r.status_code)
    assert role_of(owner_db, theirs.email) == "member"
    assert role_of(owner_db, other_business.email) == "owner"
    assert sql(owner_db, "SELECT count(*) FROM invites WHERE id = %s", their_invite) == [(1,)]
    page = business.get("/team").text
    assert theirs.email not in page and other_business.email not in page
    assert business.post_form("/team/users/not-a-uuid/remove").status_code == 404


def test_owner_guard_in_the_database(owner_db):
    owner = signup()
    try:
        sql(owner_db, "UPDATE users SET role = 'admin' WHERE email = %s", owner.email)
        raise AssertionError("the last owner was demoted")
    except psycopg2.errors.CheckViolation as e:
        assert "at least one owner" in str(e)
    # Deleting the whole business still takes its owner with it.
    sql(owner_db, "DELETE FROM organizations WHERE id = %s", owner.org_id)
    assert sql(owner_db, "SELECT count(*) FROM users WHERE email = %s", owner.email) == [(0,)]


# Last in the file: the burst spends the sign-in allowance of this address for a few seconds.
def test_nginx_limits_a_burst_of_login_posts():
    token = Client().form_token()

    def post(_):
        try:
            return requests.post(url("/login"), data={"email": "nobody@example.test",
                                                      "password": "guess guess", "csrf": token},
                                 cookies={"sb_form": token},
                                 allow_redirects=False, timeout=60).status_code
        except requests.RequestException as e:
            return repr(e)

    with ThreadPoolExecutor(max_workers=150) as pool:
        codes = list(pool.map(post, range(150)))
    assert codes.count(429) > 0, codes
    assert set(codes) <= {422, 429}, codes
    # Viewing the sign-in page is not limited.
    assert requests.get(url("/login"), timeout=30).status_code == 200

