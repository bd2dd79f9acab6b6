"""test_account.py: password reset by email, two-factor sign-in (TOTP and recovery codes), the
team's two-factor requirement, and email verification before a phone line."""
import base64
import hashlib
import hmac
import os
import re
import statistics
import struct
import time
import uuid

import requests

from conftest import (BASE_URL, DEMO_EMAIL, PASSWORD, Client, csrf_of, login, signup, sql,
                      url)
import mailbox_helpers as mailbox

NEW_PASSWORD = "a brand new passphrase"
RESET_LINK = re.compile(r"/password/reset/([0-9a-f]{64})")
VERIFY_LINK = re.compile(r"/verify-email/([0-9a-f]{64})")
SECRET_RE = re.compile(r'id="secret">([A-Z2-7 ]+)<')
RECOVERY_RE = re.compile(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>")
SAME_ANSWER = "If an account uses that email"


def fresh_email(kind="owner"):
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.test"


def flash_of(r):
    """The flash message a redirect set (the cookie holds kind=text, percent-encoded)."""
    return requests.utils.unquote(r.cookies.get("sb_flash") or "")


# --- TOTP, computed here as RFC 6238 says, independently of liboath -------------------------

def totp(secret, step):
    """The 6-digit code of a base32 secret for a time step (RFC 6238, HMAC-SHA1)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


def step_now():
    return int(time.time()) // 30


def roomy_step(need=12):
    """Wait until at least need seconds are left in the current 30-second step, so that a test
    that names steps relative to now is not moved by the clock in the middle; returns it."""
    if 30 - time.time() % 30 < need:
        time.sleep(30 - time.time() % 30 + 0.2)
    return step_now()


def enrol(c, step=None):
    """Turn on two-factor sign-in for a signed-in Client; returns (secret, recovery codes)."""
    page = c.get("/account/two-factor")
    assert page.status_code == 200, page.status_code
    m = SECRET_RE.search(page.text)
    assert m, "the page shows no secret"
    secret = m.group(1).replace(" ", "")
    assert f"secret={secret}" in page.text, "the otpauth URI carries the same secret"
    s = roomy_step() if step is None else step
    r = c.post_form("/account/two-factor", {"code": totp(secret, s)})
    assert r.status_code == 200, (r.status_code, r.text[:800])
    codes = RECOVERY_RE.findall(r.text)
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    return secret, codes


def password_step(email, password=PASSWORD, client=None):
    """The first step of a sign-in; returns the Client and the answer."""
    c = client or Client()
    r = c.post_guest("/login", {"email": email, "password": password})
    return c, r


def code_step(c, code, next_path="/"):
    return c.post_guest("/login/code", {"code": code, "next": next_path})


def signed_in(c):
    r = c.get("/", allow_redirects=False)
    return r.status_code == 200


def assert_link_kept_nowhere(db, email, purpose, token):
    """The emailed token is in no job, no record of an email and no program's log: the job holds
    the text sealed, and the email's record keeps its subject and a note instead of the text."""
    jobs = sql(db, "SELECT payload ? 'sealed', payload ? 'text', payload ? 'html', "
               "payload->>'subject' FROM jobs WHERE kind = 'mail.send' "
               "AND lower(payload->>'to') = lower(%s) AND payload->>'purpose' = %s",
               email, purpose)
    assert jobs and all(j[:3] == (True, False, False) for j in jobs), jobs
    like = "%" + token + "%"
    assert sql(db, "SELECT count(*) FROM jobs WHERE payload::text LIKE %s", like) == [(0,)]
    assert sql(db, "SELECT count(*) FROM notifications n WHERE n::text LIKE %s", like) == [(0,)]
    rows = sql(db, "SELECT subject, body, status FROM notifications WHERE channel = 'email' "
               "AND lower(to_address) = lower(%s) AND purpose = %s", email, purpose)
    # (The row may still say "queued" for a moment after the relay has the message.)
    assert rows and all(r[0] == jobs[0][3] and r[1] == "(contains a one-time link; not kept)"
                        and r[2] in ("queued", "sent") for r in rows), rows
    logs = os.path.join(os.environ["SB_STATE"], "log")
    for name in os.listdir(logs):
        # The fakes' logs stand for the providers' side (the relay's copy is the email itself).
        if "fake" in name or not name.endswith(".log"):
            continue
        with open(os.path.join(logs, name), errors="replace") as f:
            assert token not in f.read(), name


# --- Password reset --------------------------------------------------------------------------

def ask_reset(email, client=None):
    c = client or Client()
    return c.post_guest("/password/forgot", {"email": email})


def test_sign_in_page_offers_forgot_password():
    page = Client().get("/login")
    assert page.status_code == 200
    assert 'href="/password/forgot"' in page.text
    assert "Forgot password?" in page.text
    form = Client().get("/password/forgot")
    assert form.status_code == 200
    assert 'action="/password/forgot"' in form.text


def test_reset_by_email_end_to_end_ends_every_session(owner_db):
    owner = signup()
    email = owner.email
    second = login(email, PASSWORD)
    assert signed_in(owner) and signed_in(second)

    r = ask_reset(email)
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert SAME_ANSWER in flash_of(r)
    # The email, as the relay received it over SMTP, carries the link.
    text = mailbox.wait_for(email, "password_reset")
    token = RESET_LINK.search(text).group(1)
    assert f"{BASE_URL}/password/reset/{token}" in text
    assert "works once" in text
    # Only its hash is stored.
    stored = sql(owner_db, "SELECT token_hash FROM account_tokens WHERE email = %s "
                 "AND purpose = 'password_reset'", email)
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert_link_kept_nowhere(owner_db, email, "password_reset", token)

    # Opening the link (as a mail scanner fetching it would) uses nothing up: only the POST that
    # sets the password does.
    for _ in range(2):
        page = Client().get(f"/password/reset/{token}")
        assert page.status_code == 200
        assert email in page.text
    assert sql(owner_db, "SELECT used_at FROM account_tokens WHERE email = %s "
               "AND purpose = 'password_reset'", email) == [(None,)]
    # The link's token is never sent to another site as a Referer.
    assert page.headers.get("Referrer-Policy") in ("no-referrer", "same-origin")
    c = Client()
    mismatch = c.post_guest(f"/password/reset/{token}",
                            {"password": NEW_PASSWORD, "password_confirm": "something else"})
    assert mismatch.status_code == 422
    assert "do not match" in mismatch.text
    short = c.post_guest(f"/password/reset/{token}", {"password": "short",
                                                       "password_confirm": "short"})
    assert short.status_code == 422
    done = c.post_guest(f"/password/reset/{token}",
                        {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert "every session" in flash_of(done)
    assert "sb_session" not in done.cookies, "a reset does not sign in by itself"
    assert sql(owner_db, "SELECT action FROM audit_log WHERE org_id = %s "
               "AND action = 'account.password_reset'", owner.org_id) == \
        [("account.password_reset",)]

    # Every session of the user ended; the old password is gone, the new one works.
    assert not signed_in(owner) and not signed_in(second)
    _, old = password_step(email, PASSWORD)
    assert old.status_code == 422
    assert signed_in(login(email, NEW_PASSWORD))

    # The link is a secret: the access log shows "/password/reset/…", in the request and in the
    # Referer of the form posted from its page.
    log = os.path.join(os.environ["SB_STATE"], "log", "nginx-access.log")
    deadline = time.monotonic() + 5
    while "/password/reset/" not in open(log, errors="replace").read() \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    referred = Client()
    referred.post_guest(f"/password/reset/{token}", {"password": "x", "password_confirm": "x"},
                        headers={"Referer": url(f"/password/reset/{token}")})
    time.sleep(0.3)
    text = open(log, errors="replace").read()
    assert token not in text
    assert "/password/reset/\u2026" in text or "/password/reset/…" in text

    # The link works once.
    again = Client().get(f"/password/reset/{token}")
    assert again.status_code == 410
    assert "already used" in again.text
    reuse = Client().post_guest(f"/password/reset/{token}", {
        "password": "yet another passphrase", "password_confirm": "yet another passphrase"})
    assert reuse.status_code == 410
    assert signed_in(login(email, NEW_PASSWORD))


def test_unknown_email_gets_the_same_answer_in_similar_time(owner_db):
    known = signup().email
    before = sql(owner_db, "SELECT count(*) FROM jobs WHERE kind = 'mail.send'")[0][0]
    answers, times = {}, {"known": [], "unknown": []}
    for i in range(3):
        for kind, email in (("known", known), ("unknown", fresh_email("nobody"))):
            c = Client()
            c.form_token()
            start = time.monotonic()
            r = ask_reset(email, c)
            times[kind].append(time.monotonic() - start)
            answers.setdefault(kind, set()).add((r.status_code, r.headers.get("Location"),
                                                 flash_of(r), len(r.content)))
    assert answers["known"] == answers["unknown"], answers
    assert len(answers["known"]) == 1
    # Each answer takes at least the floor the handler pads to, and they differ little.
    assert min(times["known"] + times["unknown"]) >= 0.25
    gap = abs(statistics.median(times["known"]) - statistics.median(times["unknown"]))
    assert gap < 0.15, times
    after = sql(owner_db, "SELECT count(*) FROM jobs WHERE kind = 'mail.send'")[0][0]
    # Only the known address got mail (three links, one email each).
    assert after - before == 3
    assert sql(owner_db, "SELECT count(*) FROM jobs WHERE kind = 'mail.send' "
               "AND payload->>'to' LIKE 'nobody-%%'")[0][0] == 0
    # And the relay received the three, and nothing for the unknown addresses.
    mailbox.wait_for(known, "password_reset", count=3)
    assert not [m for m in requests.get(mailbox.FAKE + "/_fake/messages", timeout=10).json()
                if any(r.startswith("nobody-") for r in m["rcpt_tos"])]


def test_an_expired_link_is_refused(owner_db):
    email = signup().email
    ask_reset(email)
    token = RESET_LINK.search(mailbox.wait_for(email, "password_reset")).group(1)
    sql(owner_db, "UPDATE account_tokens SET expires_at = now() - interval '1 second' "
        "WHERE email = %s AND purpose = 'password_reset'", email)
    page = Client().get(f"/password/reset/{token}")
    assert page.status_code == 410
    assert "expired" in page.text
    r = Client().post_guest(f"/password/reset/{token}",
                            {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 410
    assert signed_in(login(email, PASSWORD))


def test_reset_links_expire_in_an_hour(owner_db):
    email = signup().email
    ask_reset(email)
    rows = sql(owner_db, "SELECT extract(epoch FROM expires_at - created_at) FROM account_tokens "
               "WHERE email = %s AND purpose = 'password_reset'", email)
    assert len(rows) == 1 and 3590 <= float(rows[0][0]) <= 3610


def test_tampered_or_superseded_links_are_refused(owner_db):
    email = signup().email
    ask_reset(email)
    first = RESET_LINK.search(mailbox.wait_for(email, "password_reset")).group(1)
    tampered = first[:-1] + ("0" if first[-1] != "0" else "1")
    page = Client().get(f"/password/reset/{tampered}")
    assert page.status_code == 404
    assert "not valid" in page.text
    r = Client().post_guest(f"/password/reset/{tampered}",
                            {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert r.status_code == 404
    for bad in (first.upper(), first[:-1], first + "0", "%00" + first[3:]):
        assert Client().get(f"/password/reset/{bad}").status_code in (400, 404), bad
    # A newer link replaces the older one.
    ask_reset(email)
    newest = RESET_LINK.search(mailbox.wait_for(email, "password_reset", count=2)).group(1)
    assert newest != first
    assert Client().get(f"/password/reset/{first}").status_code == 410
    assert Client().get(f"/password/reset/{newest}").status_code == 200
    assert signed_in(login(email, PASSWORD))


def test_reset_requests_are_throttled_like_sign_in():
    email = fresh_email("flood")
    codes = [ask_reset(email).status_code for _ in range(8)]
    assert codes[0] == 303
    assert 429 in codes, codes
    r = ask_reset(email)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert "Too many reset requests" in r.text


def test_reset_forms_refuse_bad_input():
    c = Client()
    assert c.post_guest("/password/forgot", {"email": "not an email"}).status_code == 422
    assert c.post_guest("/password/forgot", {"email": ""}).status_code == 422
    assert c.post("/password/forgot", data={"email": DEMO_EMAIL, "csrf": "0" * 64}).status_code \
        == 403
    cross = c.post_guest("/password/forgot", {"email": DEMO_EMAIL},
                         headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403


# --- Two-factor sign-in ----------------------------------------------------------------------

def test_enrol_then_sign_in_with_a_code(owner_db):
    c = signup()
    page = c.get("/account")
    assert "Turn on two-factor sign-in" in page.text
    # A wrong code does not turn it on.
    bad = c.post_form("/account/two-factor", {"code": "000000"})
    assert bad.status_code == 422
    assert "not right" in bad.text
    s = roomy_step(20)
    secret, codes = enrol(c, s)
    # Sealed at rest: the secret is in no column in the clear.
    row = sql(owner_db, "SELECT secret_enc, enabled_at IS NOT NULL, last_step FROM two_factor "
              "WHERE org_id = %s", c.org_id)
    assert row and row[0][1] and row[0][2] == s
    assert secret.encode() not in bytes(row[0][0])
    assert base64.b32decode(secret) not in bytes(row[0][0])
    hashes = {h for (h,) in sql(owner_db, "SELECT code_hash FROM two_factor_recovery "
                                "WHERE org_id = %s", c.org_id)}
    assert len(hashes) == 10
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert 'class="recovery-left">10<' in c.get("/account").text

    # The password alone signs nobody in: it leads to the code.
    b, r = password_step(c.email)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/login/code")
    assert "sb_session" not in r.cookies
    assert not signed_in(b)
    form = b.get(r.headers["Location"])
    assert form.status_code == 200
    assert 'name="code"' in form.text
    wrong = code_step(b, totp(secret, s + 5))
    assert wrong.status_code == 422
    assert not signed_in(b)
    # The code of the enrolment's own step was used: the next step's is good (window +1).
    ok = code_step(b, totp(secret, s + 1))
    assert ok.status_code == 303 and ok.headers["Location"] == "/"
    assert signed_in(b)


def test_the_set_up_qr_code_is_the_signed_in_user_s_own_and_kept_by_no_cache():
    # Nobody signed in gets no picture of anyone's secret.
    r = requests.get(BASE_URL + "/account/two-factor/qr.svg", allow_redirects=False, timeout=10)
    assert r.status_code in (302, 303, 401) and "svg" not in r.headers.get("Content-Type", "")
    c = signup()
    r = c.get("/account/two-factor/qr.svg")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("image/svg+xml")
    assert r.headers["Cache-Control"] == "no-store"
    assert r.text.startswith("<svg ") and "<script" not in r.text
    # The same pending secret as the page: the picture changes with nothing but the user.
    assert c.get("/account/two-factor/qr.svg").text == r.text
    assert signup().get("/account/two-factor/qr.svg").text != r.text
    # Once it is on there is nothing left to scan.
    enrol(c)
    assert c.get("/account/two-factor/qr.svg").status_code == 404


def test_a_code_is_good_once_and_only_one_step_either_side(owner_db):
    c = signup()
    s = roomy_step(20)
    secret, _ = enrol(c, s - 1)   # one step behind, accepted at enrolment
    assert sql(owner_db, "SELECT last_step FROM two_factor WHERE org_id = %s",
               c.org_id) == [(s - 1,)]
    for too_far in (s - 2, s + 2, s + 3):
        b, _ = password_step(c.email)
        assert code_step(b, totp(secret, too_far)).status_code == 422, too_far
    b, _ = password_step(c.email)
    assert code_step(b, totp(secret, s)).status_code == 303
    # Replayed: the same code again, in another browser, is refused.
    d, _ = password_step(c.email)
    replay = code_step(d, totp(secret, s))
    assert replay.status_code == 422
    assert "used already" in replay.text
    assert not signed_in(d)
    # An older step than the last one used is refused too, though inside the window.
    e, _ = password_step(c.email)
    assert code_step(e, totp(secret, s - 1)).status_code == 422
    f, _ = password_step(c.email)
    assert code_step(f, totp(secret, s + 1)).status_code == 303


def test_recovery_codes_work_once(owner_db):
    c = signup()
    _, codes = enrol(c)
    b, _ = password_step(c.email)
    r = code_step(b, codes[3].upper().replace("-", " "))
    assert r.status_code == 303
    assert "9 are left" in flash_of(r)
    assert signed_in(b)
    d, _ = password_step(c.email)
    assert code_step(d, codes[3]).status_code == 422
    b.refresh_csrf()
    assert "<strong class=\"recovery-left\">9</strong>" in b.get("/account").text
    # New codes replace the old ones, and need the password.
    wrong = b.post_form("/account/two-factor/recovery", {"recovery_password": "wrong one"})
    assert wrong.status_code == 422
    renewed = b.post_form("/account/two-factor/recovery", {"recovery_password": PASSWORD})
    assert renewed.status_code == 200
    fresh = RECOVERY_RE.findall(renewed.text)
    assert len(fresh) == 10
    e, _ = password_step(c.email)
    assert code_step(e, codes[4]).status_code == 422
    g, _ = password_step(c.email)
    assert code_step(g, fresh[0]).status_code == 303


def test_code_guesses_are_throttled():
    c = signup()
    enrol(c)
    b, _ = password_step(c.email)
    answers = [code_step(b, f"{n:06d}").status_code for n in range(100000, 100008)]
    assert answers[0] == 422
    assert 429 in answers, answers
    r = code_step(b, "123456")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert "Too many wrong codes" in r.text


def test_the_pending_state_is_signed_short_lived_and_not_a_session():
    c = signup()
    secret, _ = enrol(c)
    # No pending state, or a forged one: back to the password.
    stranger = Client()
    r = code_step(stranger, totp(secret, step_now() + 1))
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    b, _ = password_step(c.email)
    pending = b.cookies.get("sb_pending")
    assert pending
    user, org, version, expires, mac = pending.split(".")
    assert 0 < int(expires) - time.time() <= 300
    forged = Client()
    forged.form_token()
    forged.cookies.set("sb_pending", ".".join([user, org, version, str(int(expires) + 3600),
                                                mac]), path="/login")
    assert code_step(forged, totp(secret, step_now() + 1)).status_code == 303
    assert not signed_in(forged)
    # The pending cookie opens no page.
    probe = requests.get(url("/"), headers={"Cookie": f"sb_pending={pending}"},
                         allow_redirects=False, timeout=30)
    assert probe.status_code in (302, 303)
    # Bad input to the code form.
    assert code_step(b, "").status_code == 422
    assert code_step(b, "9" * 500).status_code == 422
    assert not signed_in(b)


def test_a_password_change_during_the_code_step_starts_over():
    c = signup()
    secret, _ = enrol(c, roomy_step(20))
    b, _ = password_step(c.email)
    r = c.post_form("/account/password", {"current_password": PASSWORD,
                                          "new_password": NEW_PASSWORD,
                                          "confirm_password": NEW_PASSWORD})
    assert r.status_code == 303
    late = code_step(b, totp(secret, step_now() + 1))
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert not signed_in(b)


def test_turning_it_off_needs_the_password(owner_db):
    c = signup()
    enrol(c)
    bad = c.post_form("/account/two-factor/disable", {"disable_password": "nope nope"})
    assert bad.status_code == 422
    off = c.post_form("/account/two-factor/disable", {"disable_password": PASSWORD})
    assert off.status_code == 303
    assert sql(owner_db, "SELECT count(*) FROM two_factor WHERE org_id = %s", c.org_id) == [(0,)]
    _, r = password_step(c.email)
    assert r.status_code == 303 and r.headers["Location"] == "/"


def accept_invite(owner, role="member"):
    email = fresh_email(role)
    r = owner.post_form("/team/invite", {"email": email, "role": role, "name": ""})
    assert r.status_code == 200, r.text[:500]
    token = re.search(r"/invite/([0-9a-f]{64})", r.text).group(1)
    c = Client()
    r = c.post_guest(f"/invite/{token}", {"password": PASSWORD, "password_confirm": PASSWORD})
    assert r.status_code == 303
    c.email = email
    return c


def test_the_owner_can_require_it_of_the_team(owner_db):
    owner = signup()
    admin = accept_invite(owner, "admin")
    admin.refresh_csrf()
    # The owner goes first.
    r = owner.post_form("/team/two-factor", {"require": "yes"})
    assert r.status_code == 303
    assert "your own account first" in flash_of(r)
    assert sql(owner_db, "SELECT require_two_factor FROM organizations WHERE id = %s",
               owner.org_id) == [(False,)]
    enrol(owner)
    assert admin.post_form("/team/two-factor", {"require": "yes"}).status_code == 403
    assert owner.post_form("/team/two-factor", {"require": "maybe"}).status_code == 422
    r = owner.post_form("/team/two-factor", {"require": "yes"})
    assert r.status_code == 303
    assert sql(owner_db, "SELECT require_two_factor FROM organizations WHERE id = %s",
               owner.org_id) == [(True,)]
    assert "Required" in owner.get("/team").text

    # A member without it is sent to turn it on, and can do nothing else meanwhile.
    member, r = password_step(accept_invite(owner).email)
    assert r.status_code == 303
    page = member.get("/", allow_redirects=False)
    assert page.status_code in (302, 303)
    assert page.headers["Location"] == "/account/two-factor"
    assert member.get("/calls", allow_redirects=False).headers["Location"] == \
        "/account/two-factor"
    setup = member.get("/account/two-factor")
    assert setup.status_code == 200
    assert "requires two-factor sign-in" in setup.text
    member.csrf = csrf_of(setup.text)
    assert member.post_form("/leads/00000000-0000-4000-8000-000000000000/notes",
                            {"body": "x"}).status_code == 403
    # The admin's session from before the requirement is held to it too.
    assert admin.get("/", allow_redirects=False).headers["Location"] == "/account/two-factor"
    enrol(member)
    assert member.get("/", allow_redirects=False).status_code == 200
    # While it is required nobody turns it off.
    member.refresh_csrf()
    off = member.post_form("/account/two-factor/disable", {"disable_password": PASSWORD})
    assert off.status_code == 409
    # Optional again.
    assert owner.post_form("/team/two-factor", {"require": "no"}).status_code == 303
    assert admin.get("/", allow_redirects=False).status_code == 200


# --- Email verification before a phone line ---------------------------------------------------

def test_signup_sends_a_verification_and_the_line_waits_for_it(owner_db):
    owner = signup(verified=False)
    text = mailbox.wait_for(owner.email, "verify_email")
    token = VERIFY_LINK.search(text).group(1)
    assert sql(owner_db, "SELECT token_hash FROM account_tokens WHERE email = %s "
               "AND purpose = 'verify_email'", owner.email) == \
        [(hashlib.sha256(token.encode()).hexdigest(),)]
    page = owner.get("/")
    assert "Confirm your email address" in page.text
    assert 'action="/account/verify-email"' in page.text

    # Connecting or buying a line is refused with a clear message, and nothing is recorded.
    for path, form in (("/line/buy", {"phone_number": "+14155550100"}),
                       ("/line/forward", {"phone_number": "+14155550100",
                                          "forwarded_from": "+14155550111"}),
                       ("/line/claim", {"phone_number": "+14155550100"})):
        r = owner.post_form(path, form)
        assert r.status_code == 303, (path, r.status_code)
        assert "Verify your email address before connecting a phone line" in flash_of(r), path
    r = owner.post_form("/settings/phones", {"e164": "+14155550122", "label": "Main"})
    assert r.status_code == 422
    assert "Verify your email address" in r.text
    assert sql(owner_db, "SELECT count(*) FROM phone_numbers WHERE org_id = %s",
               owner.org_id) == [(0,)]

    # Opening the link, signed in or not (a mail scanner fetches every link of a message),
    # changes nothing: the page shows one button.
    for c in (Client(), owner):
        page = c.get(f"/verify-email/{token}", allow_redirects=False)
        assert page.status_code == 200, page.status_code
        assert 'action="/verify-email"' in page.text and owner.email in page.text
        assert f'name="token" value="{token}"' in page.text
    assert not verified(owner_db, owner.email)
    assert "Confirm your email address" in owner.get("/").text

    # A tampered link shows why it cannot be used; its form verifies nothing either.
    bad = owner.get(f"/verify-email/{token[::-1]}", allow_redirects=False)
    assert bad.status_code == 404 and "not valid" in bad.text
    assert 'action="/verify-email"' not in bad.text
    r = Client().post_guest("/verify-email", {"token": token[::-1]})
    assert r.status_code == 303 and "not valid" in flash_of(r)
    assert not verified(owner_db, owner.email)

    # The button's POST verifies, once.
    c = Client()
    c.get(f"/verify-email/{token}")
    r = c.post_guest("/verify-email", {"token": token})
    assert r.status_code == 303 and "verified" in flash_of(r)
    assert verified(owner_db, owner.email)
    assert "Confirm your email address" not in owner.get("/").text
    again = owner.get(f"/verify-email/{token}", allow_redirects=False)
    assert again.status_code == 410 and "already used" in again.text
    assert "not valid" in flash_of(Client().post_guest("/verify-email", {"token": token}))
    owner.refresh_csrf()
    r = owner.post_form("/settings/phones", {"e164": "+14155550123", "label": "Main"})
    assert r.status_code == 303, r.text[:500]


def verified(db, email):
    return sql(db, "SELECT email_verified_at IS NOT NULL FROM users WHERE lower(email) = "
               "lower(%s)", email) == [(True,)]


def test_the_verification_form_refuses_bad_input(owner_db):
    owner = signup(verified=False)
    token = VERIFY_LINK.search(mailbox.wait_for(owner.email, "verify_email")).group(1)
    assert_link_kept_nowhere(owner_db, owner.email, "verify_email", token)
    # Without the pre-session token, or with another's, or sent from another site: 403.
    assert Client().post("/verify-email", data={"token": token}).status_code == 403
    assert Client().post_guest("/verify-email", {"token": token, "csrf": "0" * 64}) \
        .status_code == 403
    cross = Client().post_guest("/verify-email", {"token": token},
                                headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    # A token that is missing or not a token: 400; a GET of a malformed link: not found.
    for bad in ({}, {"token": ""}, {"token": token.upper()}, {"token": token + "0"},
                {"token": "'; DROP TABLE users; --"}, {"token": ["a", "b"]}):
        r = Client().post_guest("/verify-email", bad)
        assert r.status_code == 400, (bad, r.status_code)
    assert Client().get("/verify-email/" + "z" * 64).status_code == 404
    assert not verified(owner_db, owner.email)


def test_resend_waits_a_minute_and_replaces_the_link(owner_db):
    owner = signup(verified=False)
    first = VERIFY_LINK.search(mailbox.wait_for(owner.email, "verify_email")).group(1)
    soon = owner.post_form("/account/verify-email")
    assert soon.status_code == 303 and "less than a minute" in flash_of(soon)
    sql(owner_db, "UPDATE account_tokens SET created_at = now() - interval '2 minutes' "
        "WHERE email = %s", owner.email)
    r = owner.post_form("/account/verify-email")
    assert r.status_code == 303 and "new link" in flash_of(r)
    newest = VERIFY_LINK.search(mailbox.wait_for(owner.email, "verify_email", count=2)).group(1)
    assert newest != first
    assert Client().get(f"/verify-email/{first}").status_code == 410
    assert "not valid" in flash_of(Client().post_guest("/verify-email", {"token": first}))
    # The link works signed out as well; the owner's session then sees it verified.
    assert Client().get(f"/verify-email/{newest}").status_code == 200
    assert "verified" in flash_of(Client().post_guest("/verify-email", {"token": newest}))
    assert "Confirm your email address" not in owner.get("/").text


def test_the_demo_and_invited_users_are_verified(owner_db):
    # Users written directly (the demo business, fixtures) are verified by default; only a
    # sign-up starts unverified.
    assert sql(owner_db, "SELECT column_default FROM information_schema.columns "
               "WHERE table_name = 'users' AND column_name = 'email_verified_at'") == [("now()",)]
    owner = signup()
    member = accept_invite(owner)
    assert sql(owner_db, "SELECT email_verified_at IS NOT NULL FROM users WHERE email = %s",
               member.email) == [(True,)]
