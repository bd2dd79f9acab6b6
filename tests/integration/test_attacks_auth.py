"""test_attacks_auth.py: attacks on signing in, performed against the running stack."""
import base64
import hashlib
import os
import re
import statistics
import time
import uuid

import psycopg2
import pytest

from conftest import BASE_URL, DSN_OWNER, Client, PASSWORD, login, signup, sql


@pytest.mark.parametrize("next_path", [
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\\\\evil.example",
    "/ok\\..\\..\\evil",
    "https://evil.example/",
    "evil.example",
    "/\x7f/evil.example",
])
def test_sign_in_never_redirects_to_another_site(next_path):
    owner = signup()
    c = Client()
    r = c.post_guest("/login", {"email": owner.email, "password": PASSWORD, "next": next_path})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_sign_in_goes_back_to_a_local_page():
    owner = signup()
    c = Client()
    r = c.post_guest("/login", {"email": owner.email, "password": PASSWORD,
                                "next": "/leads?status=new"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/leads?status=new"


def test_the_sign_in_page_does_not_carry_a_foreign_next():
    # The reported attack: /login?next=/%09/evil.example decodes to "/<tab>/evil.example",
    # which a browser reads as //evil.example.
    r = Client().get("/login?next=/%09/evil.example")
    assert r.status_code == 200
    assert "evil.example" not in r.text


# --- Throttling instead of lockout -------------------------------------------------------------

WRONG = "not the password at all"
CSRF_FIELD_RE = re.compile(r'name="csrf" value="[0-9a-f]+"')


@pytest.fixture(autouse=True)
def no_earlier_failures(owner_db):
    """Every test here starts and ends with no sign-in failures counted against this address,
    so one test's attack neither helps nor hinders the next (or another file's)."""
    sql(owner_db, "DELETE FROM sign_in_throttle")
    yield
    sql(owner_db, "DELETE FROM sign_in_throttle")


def attempt(client, email, password):
    return client.post_guest("/login", {"email": email, "password": password})


def fail_five_times(client, email):
    for _ in range(5):
        r = attempt(client, email, WRONG)
        assert r.status_code == 422 and "do not match an account" in r.text, r.status_code


def test_failures_slow_down_the_next_try_with_growing_waits_and_never_lock(owner_db):
    owner = signup()
    attacker = Client()
    fail_five_times(attacker, owner.email)
    waits = []
    for expected in (1, 2, 4):
        # Even the right password is not checked while the wait runs.
        r = attempt(attacker, owner.email, PASSWORD)
        assert r.status_code == 429, r.status_code
        assert r.headers["Retry-After"] == str(expected)
        assert f"Wait {expected} second" in r.text and "not checked" in r.text
        assert "sb_session" not in r.headers.get("Set-Cookie", "")
        waits.append(expected)
        time.sleep(expected + 0.3)
        r = attempt(attacker, owner.email, WRONG)
        assert r.status_code == 422, (expected, r.status_code)
    assert waits == [1, 2, 4]
    # Nothing about the account itself was locked.
    assert sql(owner_db, "SELECT locked_until FROM users WHERE email = %s", owner.email) == [(None,)]
    # The owner's own browser (signed in before) gets in at once.
    assert login(owner.email, PASSWORD, client=device_only(owner)).get("/").status_code == 200


def device_only(client):
    """A new browser session that kept only the known-device cookie of client's browser."""
    c = Client()
    c.cookies.set("sb_device", client.cookies.get("sb_device"))
    return c


def test_a_known_device_signs_in_through_an_attack_from_anywhere(owner_db):
    owner = signup()
    assert owner.cookies.get("sb_device"), "a sign-in remembers the browser"
    attacker = Client()
    fail_five_times(attacker, owner.email)
    assert attempt(attacker, owner.email, PASSWORD).status_code == 429
    # Failures from many other addresses, against the account as a whole.
    sql(owner_db, "INSERT INTO sign_in_throttle (key_hash, failures, last_failure_at) "
        "VALUES (sign_in_key('account', lower(%s)), 1000, now()) ON CONFLICT (key_hash) "
        "DO UPDATE SET failures = 1000, last_failure_at = now()", owner.email)
    assert attempt(Client(), owner.email, PASSWORD).status_code == 429

    home = device_only(owner)
    r = attempt(home, owner.email, PASSWORD)
    assert r.status_code == 303 and "sb_session" in r.headers.get("Set-Cookie", "")

    # A forged or borrowed device cookie is a stranger's browser.
    user, issued, nonce, mac = owner.cookies.get("sb_device").split(".")
    other = signup()
    forged = [
        f"{user}.{issued}.{nonce}.{'0' * len(mac)}",
        f"{user}.{int(issued) + 1}.{nonce}.{mac}",
        other.cookies.get("sb_device"),
    ]
    for cookie in forged:
        c = Client()
        c.cookies.set("sb_device", cookie)
        assert attempt(c, owner.email, PASSWORD).status_code == 429, cookie


def test_a_stolen_device_cookie_is_throttled_on_its_own():
    owner = signup()
    thief = device_only(owner)
    fail_five_times(thief, owner.email)
    r = attempt(thief, owner.email, PASSWORD)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"


def test_the_known_device_cookie_is_signed_and_kept_from_scripts():
    c = Client()
    owner = signup()
    r = attempt(c, owner.email, PASSWORD)
    cookies = [h for h in r.raw.headers.getlist("Set-Cookie") if h.startswith("sb_device=")]
    assert len(cookies) == 1
    flags = cookies[0].split("; ")
    assert "HttpOnly" in flags and "SameSite=Lax" in flags
    assert any(f.startswith("Max-Age=") and int(f[8:]) >= 30 * 86400 for f in flags)
    user_id = sql_one("SELECT id::text FROM users WHERE email = %s", owner.email)
    assert c.cookies.get("sb_device").startswith(user_id + ".")


def sql_one(query, *params):
    with psycopg2.connect(DSN_OWNER) as db, db.cursor() as cur:
        cur.execute(query, params)
        value = cur.fetchone()[0]
    db.close()
    return value


# --- Nothing tells which emails have an account -------------------------------------------------

def normalized(r, *emails):
    """An answer as an outsider sees it, minus what differs by design: CSRF tokens, the email
    the form echoes back, invitation tokens and ids, the request id, when the page was made."""
    text = CSRF_FIELD_RE.sub('name="csrf" value="TOKEN"', r.text)
    for email in emails:
        text = text.replace(email, "EMAIL")
    text = re.sub(r"/invite/[0-9a-f]{64}", "/invite/TOKEN", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "ID", text)
    text = re.sub(r'data-live-made="[0-9]+"', 'data-live-made="TIME"', text)
    headers = {k: v for k, v in r.headers.items()
               if k.lower() not in ("date", "x-request-id", "content-length")}
    return r.status_code, headers, text


def median_seconds(post, rounds):
    times = []
    for _ in range(rounds):
        start = time.monotonic()
        post()
        times.append(time.monotonic() - start)
    return statistics.median(times)


def assert_similar_time(a, b):
    ratio = max(a, b) / max(min(a, b), 1e-6)
    assert ratio < 3, (a, b)


def test_sign_in_answers_alike_for_a_wrong_password_and_no_such_account():
    owner = signup()
    nobody = f"nobody-{uuid.uuid4().hex[:10]}@example.test"
    c = Client()
    known = attempt(c, owner.email, WRONG)
    unknown = attempt(c, nobody, WRONG)
    assert known.status_code == unknown.status_code == 422
    assert normalized(known, owner.email) == normalized(unknown, nobody)
    assert known.content.replace(owner.email.encode(), b"E") == \
        unknown.content.replace(nobody.encode(), b"E")
    slow_known = median_seconds(lambda: attempt(c, owner.email, WRONG), 3)
    slow_unknown = median_seconds(lambda: attempt(c, nobody, WRONG), 3)
    assert_similar_time(slow_known, slow_unknown)
    # The fifth failure, and the try right after it: the slowing down looks the same too.
    answers = {}
    for email in (owner.email, nobody):
        answers[email] = (attempt(c, email, WRONG), attempt(c, email, WRONG))
    (known5, known), (unknown5, unknown) = answers[owner.email], answers[nobody]
    assert known5.status_code == unknown5.status_code == 422
    assert known.status_code == unknown.status_code == 429
    assert normalized(known, owner.email) == normalized(unknown, nobody)


def signup_answer(client, email, business):
    return client.post_guest("/signup", {"business": business, "email": email,
                                         "password": "a new password 1",
                                         "timezone": "America/New_York", "business_kind": "plumber"})


def test_sign_up_with_a_taken_email_answers_as_a_new_one_and_creates_nothing(owner_db):
    owner = signup()
    stored = sql(owner_db, "SELECT password_hash, org_id FROM users WHERE email = %s", owner.email)
    fresh = f"new-{uuid.uuid4().hex[:10]}@example.test"
    c = Client()
    c.form_token()
    taken = signup_answer(c, owner.email, "Taken Email Plumbing")
    new = signup_answer(c, fresh, "Taken Email Plumbing")
    assert taken.status_code == new.status_code == 303
    assert taken.headers["Location"] == new.headers["Location"] == "/login"
    assert normalized(taken) == normalized(new)
    assert taken.content == new.content
    assert "sb_session" not in taken.headers.get("Set-Cookie", "")
    # The taken email's account is untouched, and no business was made for it.
    assert sql(owner_db, "SELECT password_hash, org_id FROM users WHERE email = %s",
               owner.email) == stored
    assert sql(owner_db, "SELECT count(*) FROM organizations WHERE name = 'Taken Email Plumbing'") \
        == [(1,)]
    slow_taken = median_seconds(lambda: signup_answer(c, owner.email, "Taken Again"), 3)
    slow_new = median_seconds(
        lambda: signup_answer(c, f"n-{uuid.uuid4().hex[:10]}@example.test", "New Again"), 3)
    assert_similar_time(slow_taken, slow_new)


def test_inviting_an_email_with_an_account_elsewhere_answers_as_a_new_one(owner_db):
    inviter = signup()
    elsewhere = signup()
    fresh = f"new-{uuid.uuid4().hex[:10]}@example.test"

    def invite_and_revoke(email):
        r = inviter.post_form("/team/invite", {"email": email, "role": "member", "name": ""})
        invite_id = sql(owner_db, "SELECT id FROM invites WHERE org_id = %s AND email = %s",
                        inviter.org_id, email)[0][0]
        assert inviter.post_form(f"/team/invites/{invite_id}/revoke").status_code == 303
        inviter.get("/team")  # shows and so clears the flash
        return r

    existing = invite_and_revoke(elsewhere.email)
    new = invite_and_revoke(fresh)
    assert existing.status_code == new.status_code == 200
    assert normalized(existing, elsewhere.email) == normalized(new, fresh)


# --- Sign-in, sign-up and invitations refuse forged forms ---------------------------------------

def test_sign_in_without_the_form_token_is_refused():
    owner = signup()
    cases = [
        ({}, {}),                                        # no token, no cookie
        ({"csrf": "0" * 64}, {}),                        # a token but no cookie
        ({}, {"sb_form": "1" * 64}),                     # a cookie but no token
        ({"csrf": "0" * 64}, {"sb_form": "1" * 64}),     # the two differ
    ]
    for extra, cookies in cases:
        c = Client()
        for name, value in cookies.items():
            c.cookies.set(name, value)
        r = c.post("/login", data={"email": owner.email, "password": PASSWORD, **extra})
        assert r.status_code == 403, (extra, cookies, r.status_code)
        assert "sb_session" not in r.headers.get("Set-Cookie", "")


def test_a_form_sent_from_another_site_is_refused():
    owner = signup()
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"},
                    {"Origin": "null"}):
        r = Client().post_guest("/login", {"email": owner.email, "password": PASSWORD},
                                headers=headers)
        assert r.status_code == 403, headers
        assert "sb_session" not in r.headers.get("Set-Cookie", "")
    # The site's own pages send these too, and pass.
    same = {"Sec-Fetch-Site": "same-origin", "Origin": BASE_URL}
    r = Client().post_guest("/login", {"email": owner.email, "password": PASSWORD}, headers=same)
    assert r.status_code == 303


def test_sign_up_and_invitations_without_the_form_token_change_nothing(owner_db):
    email = f"forged-{uuid.uuid4().hex[:10]}@example.test"
    r = Client().post("/signup", data={"business": "Forged Plumbing", "email": email,
                                       "password": PASSWORD, "timezone": "America/New_York"})
    assert r.status_code == 403
    assert sql(owner_db, "SELECT count(*) FROM users WHERE email = %s", email) == [(0,)]

    owner = signup()
    r = owner.post_form("/team/invite", {"email": email, "role": "member", "name": ""})
    token = re.search(r"/invite/([0-9a-f]{64})", r.text).group(1)
    guest = Client()
    assert guest.get(f"/invite/{token}").status_code == 200
    r = guest.post(f"/invite/{token}", data={"password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 403
    r = guest.post(f"/invite/{token}", data={"password": PASSWORD, "password_confirm": PASSWORD,
                                             "csrf": "0" * 64})
    assert r.status_code == 403
    assert sql(owner_db, "SELECT count(*) FROM users WHERE email = %s", email) == [(0,)]
    assert sql(owner_db, "SELECT accepted_at FROM invites WHERE email = %s", email) == [(None,)]
    # The same browser with its token gets in.
    r = guest.post_guest(f"/invite/{token}", {"password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 303


# --- Password hashes ----------------------------------------------------------------------------

def scrypt_n(stored):
    return int(stored.split("$")[1])


def give_an_old_hash(owner_db, email):
    """Store PASSWORD for email under a cheaper scrypt cost than the stack's; returns
    (that hash, the stack's N)."""
    configured = scrypt_n(sql(owner_db, "SELECT password_hash FROM users WHERE email = %s",
                              email)[0][0])
    # N=16384 was the old cost; a test stack may run with that as its setting, so go lower then.
    old_n = 16384 if configured > 16384 else 1024
    salt = os.urandom(16)
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=old_n, r=8, p=1, dklen=32,
                         maxmem=64 << 20)
    old = f"scrypt${old_n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    sql(owner_db, "UPDATE users SET password_hash = %s WHERE email = %s", old, email)
    return old, configured


def test_an_account_with_an_old_hash_answers_as_slowly_as_no_account(owner_db):
    owner = signup()
    give_an_old_hash(owner_db, owner.email)
    nobody = f"nobody-{uuid.uuid4().hex[:10]}@example.test"
    c = Client()
    c.form_token()
    slow_old = median_seconds(lambda: attempt(c, owner.email, WRONG), 3)
    slow_nobody = median_seconds(lambda: attempt(c, nobody, WRONG), 3)
    assert_similar_time(slow_old, slow_nobody)


def test_a_weaker_password_hash_is_made_again_at_sign_in(owner_db):
    owner = signup()
    old, configured = give_an_old_hash(owner_db, owner.email)

    assert login(owner.email, PASSWORD).get("/").status_code == 200
    stored = sql(owner_db, "SELECT password_hash FROM users WHERE email = %s", owner.email)[0][0]
    assert stored != old and stored.startswith(f"scrypt${configured}$8$1$")
    # The new hash holds the same password, and a current one is left alone.
    assert login(owner.email, PASSWORD).get("/").status_code == 200
    assert sql(owner_db, "SELECT password_hash FROM users WHERE email = %s",
               owner.email)[0][0] == stored
