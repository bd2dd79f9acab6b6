"""test_attacks_host: another local user of the machine gets nothing from the stack: no way into PostgreSQL, none to the FastCGI responders, no log or secret to read, and the access log keeps no invitation token.

Checks the stack scripts/stack.sh started for this run ($SB_STATE). The tests that act as
another user run as `nobody` and need root.
"""

import os
import pathlib
import pwd
import stat
import subprocess
import time

import pytest
import requests

from conftest import STATE, url
from rls_helpers import token

pytestmark = pytest.mark.skipif(not STATE, reason="SB_STATE is not set")


def state(*parts):
    return pathlib.Path(STATE, *parts)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def as_nobody(*command):
    if os.getuid() != 0:
        pytest.skip("acting as another user needs root")
    return subprocess.run(["runuser", "-u", "nobody", "--", *command], capture_output=True,
                          text=True, timeout=30)


def hba_rules():
    lines = state("pg", "data", "pg_hba.conf").read_text().splitlines()
    return [line.split() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_pg_hba_trusts_no_one():
    rules = hba_rules()
    assert rules, "pg_hba.conf has no rule"
    for rule in rules:
        assert rule[0] == "local", rule  # no TCP at all
        assert rule[3] == "peer", rule
        assert "trust" not in rule, rule
    text = state("pg", "data", "pg_hba.conf").read_text()
    assert "trust" not in text.replace("trusts", "")
    assert mode(state("pg", "data", "pg_hba.conf")) & 0o077 == 0


def test_pg_ident_maps_only_the_stack_user_and_postgres():
    users = set()
    for line in state("pg", "data", "pg_ident.conf").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            users.add(line.split()[1])
    assert users <= {"postgres", pwd.getpwuid(os.getuid()).pw_name}, users


def test_postgres_socket_directory_is_closed():
    sock = state("pg", "sock")
    assert mode(sock) == 0o700, oct(mode(sock))
    if os.getuid() == 0:
        assert os.stat(sock).st_uid == pwd.getpwnam("postgres").pw_uid


@pytest.mark.parametrize("role", ["postgres", "switchboard_owner", "switchboard_web"])
def test_another_local_user_cannot_connect(role):
    """With trust and an open socket any local user was the superuser."""
    sock = os.path.realpath(state("pg", "sock"))
    out = as_nobody("psql", "-X", "-At", f"host={sock} dbname=switchboard user={role}",
                    "-c", "SELECT current_user")
    assert out.returncode != 0, out.stdout
    assert role not in out.stdout


def test_the_stack_user_cannot_pose_as_the_superuser():
    """Running the stack as root maps root to the application's roles, not to postgres."""
    if os.getuid() != 0:
        pytest.skip("the user who owns the cluster is its superuser")
    sock = os.path.realpath(state("pg", "sock"))
    out = subprocess.run(["psql", "-X", "-At", f"host={sock} dbname=postgres user=postgres",
                          "-c", "SELECT 1"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "Peer authentication failed" in out.stderr, out.stderr


@pytest.mark.parametrize("name", ["fcgi.sock", "fcgi-hooks.sock"])
def test_fastcgi_socket_is_nginxs_alone(name):
    sock = state("run", name)
    assert stat.S_ISSOCK(os.stat(sock).st_mode)
    assert mode(sock) == 0o660, oct(mode(sock))
    assert mode(state("run")) & 0o007 == 0, oct(mode(state("run")))
    # Another user cannot open it, so cannot send requests around nginx's limits.
    out = as_nobody("python3", "-c", "import socket, sys; s = socket.socket(socket.AF_UNIX); "
                    "s.connect(sys.argv[1]); print('connected')", str(sock))
    assert out.returncode != 0 and "connected" not in out.stdout
    assert "Permission denied" in out.stderr, out.stderr


def test_logs_and_secrets_are_not_for_other_users():
    log = state("log")
    assert mode(log) & 0o007 == 0, oct(mode(log))
    files = [p for p in log.iterdir() if p.is_file()]
    assert any(p.name == "nginx-access.log" for p in files), files
    for p in files:
        assert mode(p) & 0o137 == 0, (p.name, oct(mode(p)))  # at most 0640
    assert mode(state("secrets.env")) == 0o600
    out = as_nobody("cat", str(log / "fcgi.log"))
    assert out.returncode != 0


def test_nothing_in_the_state_directory_is_world_writable():
    for root, dirs, files in os.walk(STATE):
        for name in dirs + files:
            p = os.path.join(root, name)
            if os.path.islink(p):
                continue
            assert mode(p) & 0o002 == 0, (p, oct(mode(p)))


def access_log_after(marker_request):
    """The access log's text once the marker request's line is in it."""
    log = state("log", "nginx-access.log")
    requests.get(url(marker_request), timeout=10)
    deadline = time.time() + 5
    while time.time() < deadline:
        text = log.read_text(errors="replace")
        if marker_request in text:
            return text
        time.sleep(0.05)
    pytest.fail("the access log did not get the marker request")


@pytest.mark.parametrize("path", ["/invite/{}", "//invite/{}", "/%69nvite/{}",
                                  "/invite/{}?next=/"])
def test_an_invitation_link_leaves_no_token_in_the_access_log(path):
    secret = token("invite")
    r = requests.get(url(path.format(secret)), timeout=10, allow_redirects=False)
    assert r.status_code < 500
    # The accept form posts back to the link's address, and says so in its Referer.
    requests.post(url("/login"), data={"email": "x@example.test", "password": "x"},
                  headers={"Referer": url(path.format(secret))}, timeout=10,
                  allow_redirects=False)
    text = access_log_after(f"/readyz?after={token('probe')}")
    assert secret not in text
    assert "/invite/…" in text


def test_other_addresses_are_logged_as_they_were():
    marker = token("probe")
    text = access_log_after(f"/readyz?probe={marker}")
    assert f"GET /readyz?probe={marker} HTTP/1.1" in text
