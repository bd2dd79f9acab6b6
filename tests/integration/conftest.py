"""conftest.py: fixtures for tests that drive the running stack through nginx and PostgreSQL.

scripts/test starts the stack and exports:
  SB_BASE_URL   http://127.0.0.1:<port>, nginx in front of everything
  SB_DSN_OWNER  libpq DSN of the schema owner (for arranging data and checking results)
  SB_DSN_APP    libpq DSN of the application role (row-level security applies)
  SB_STATE      the stack's state directory (logs in $SB_STATE/log, pids in $SB_STATE/run)
  SB_ROOT       the checkout
"""
import os
import re
import socket
import time
import uuid

import psycopg2
import pytest
import requests

BASE_URL = os.environ.get("SB_BASE_URL", "http://127.0.0.1:8080")
DSN_OWNER = os.environ.get("SB_DSN_OWNER", "")
DSN_APP = os.environ.get("SB_DSN_APP", "")
STATE = os.environ.get("SB_STATE", "")
ROOT = os.environ.get("SB_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
DEMO_EMAIL = "owner@acme.test"
DEMO_PASSWORD = "demo-password"
PASSWORD = "correct horse battery"

CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def url(path):
    return BASE_URL + path


def stack_secret(name):
    """The stack's setting name from its secrets.env (as scripts/test wrote it)."""
    with open(os.path.join(STATE, "secrets.env")) as f:
        for line in f:
            if line.startswith(name + "="):
                return line.strip().split("=", 1)[1]
    pytest.fail(f"no {name} in secrets.env")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def csrf_of(html):
    """The CSRF token a signed-in page carries in its forms."""
    m = CSRF_RE.search(html)
    assert m, "page has no csrf field"
    return m.group(1)


class Client(requests.Session):
    """A browser-like session with relative paths and the CSRF token. POSTs do not follow
    redirects (tests look at the 303); GETs follow them, as requests.Session.get always asks,
    unless called with allow_redirects=False."""

    def __init__(self):
        super().__init__()
        self.csrf = None
        self.org_id = None
        self.email = None

    def request(self, method, path, *args, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        target = path if path.startswith("http") else url(path)
        return super().request(method, target, *args, **kwargs)

    def post_form(self, path, data=None, **kwargs):
        """POST a form with this session's CSRF token added."""
        data = dict(data or {})
        data.setdefault("csrf", self.csrf)
        return self.post(path, data=data, **kwargs)

    def form_token(self):
        """The pre-session token signed-out forms carry (sign-in, sign-up, invitations): the
        sb_form cookie, fetched with the sign-in page when this client has none yet."""
        if not self.cookies.get("sb_form"):
            r = self.get("/login")
            assert r.status_code == 200, r.status_code
        token = self.cookies.get("sb_form")
        assert token, "the sign-in page set no form token"
        return token

    def post_guest(self, path, data=None, **kwargs):
        """POST a signed-out form (sign-in, sign-up, invitation) with its pre-session token."""
        data = dict(data or {})
        data.setdefault("csrf", self.form_token())
        return self.post(path, data=data, **kwargs)

    def refresh_csrf(self):
        r = self.get("/")
        assert r.status_code == 200, r.status_code
        self.csrf = csrf_of(r.text)
        return self.csrf


def login(email, password, client=None):
    """Sign in through the sign-in page; returns the signed-in Client (client, when given: one
    that carries a known-device cookie, say)."""
    c = client or Client()
    r = c.post_guest("/login", {"email": email, "password": password})
    assert r.status_code == 303, (r.status_code, r.text[:500])
    c.email = email
    c.refresh_csrf()
    with psycopg2.connect(DSN_OWNER) as db, db.cursor() as cur:
        cur.execute("SELECT org_id FROM users WHERE lower(email) = lower(%s)", (email,))
        c.org_id = str(cur.fetchone()[0])
    db.close()
    return c


def signup(business=None, email=None, password=PASSWORD, timezone="America/New_York",
           kind="other", verified=True):
    """Create a new business of a kind through the sign-up page ("other" starts with no
    services or answers); returns its owner's signed-in Client. Unless verified is False the
    owner's email is then marked verified, as if the emailed link had been opened, so the
    business may connect a phone line."""
    tag = uuid.uuid4().hex[:10]
    business = business or f"Test Business {tag}"
    email = email or f"owner-{tag}@example.test"
    c = Client()
    r = c.post_guest("/signup", {"business": business, "email": email, "password": password,
                                 "timezone": timezone, "business_kind": kind})
    # Sign-up never signs in (a taken email must answer the same): it sends one to sign in.
    assert r.status_code == 303, (r.status_code, r.text[:800])
    assert r.headers["Location"] == "/login"
    if verified:
        with psycopg2.connect(DSN_OWNER) as db, db.cursor() as cur:
            cur.execute("UPDATE users SET email_verified_at = now() "
                        "WHERE lower(email) = lower(%s)", (email,))
        db.close()
    settle_mail(email)
    return login(email, password, client=c)


def settle_mail(address, timeout=20):
    """Wait until the email queued for address (a sign-up's verification link) was sent or
    given up, so that it reaches the mail relay fake before the test itself starts, not in the
    middle of a test that steers the relay."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with psycopg2.connect(DSN_OWNER) as db, db.cursor() as cur:
            cur.execute("SELECT count(*) FROM jobs WHERE kind = 'mail.send' "
                        "AND lower(payload->>'to') = lower(%s) "
                        "AND status NOT IN ('done', 'failed', 'dead')", (address,))
            pending = cur.fetchone()[0]
        db.close()
        if not pending:
            return
        time.sleep(0.1)


@pytest.fixture
def owner_db():
    """A connection as the schema owner (sees every organization); autocommit."""
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    yield db
    db.close()


@pytest.fixture
def app_db():
    """A connection as the application role (row-level security applies)."""
    db = psycopg2.connect(DSN_APP)
    yield db
    db.rollback()
    db.close()


@pytest.fixture
def business():
    """A fresh business with its owner signed in (a Client with .csrf and .org_id)."""
    return signup()


@pytest.fixture
def other_business():
    """A second, unrelated business, for proving isolation."""
    return signup()


def sql(db, query, *params):
    """Run a query as the given connection and return all rows (or [] for no result)."""
    with db.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else []
