"""test_tls: nginx as production runs it and as tests run it: with TLS_CERT_FILE the site is served
over TLS with HSTS and plain http redirects there; without it there is no TLS and no HSTS; and
nginx refuses a body over the application's BODY_LIMIT itself.

The TLS tests start an nginx of their own, from the config scripts/stack.sh renders (nginx_start),
on free ports with a self-signed certificate made here; it has no responders behind it, so what
answers is nginx alone. The other tests look at the stack scripts/test started."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import requests

from conftest import ROOT, STATE, url

# The application's default (lib/infra/conf.c); scripts/test sets no other.
STACK_BODY_LIMIT = int(os.environ.get("BODY_LIMIT", "1048576"))
TEST_BODY_LIMIT = 4096
HSTS = "max-age=31536000; includeSubDomains"

# The certificate is the test's own, so it is not verified.
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """An nginx with TLS on free ports: (http port, https port, state directory)."""
    state = str(tmp_path_factory.mktemp("tls"))
    for d in ("nginx", "log"):
        os.makedirs(os.path.join(state, d))
    cert, key = os.path.join(state, "cert.pem"), os.path.join(state, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    env = dict(os.environ, STATE=state, HTTP_PORT=str(http_port), VOICE_PORT=str(free_port()),
               TLS_PORT=str(https_port), TLS_CERT_FILE=cert, TLS_KEY_FILE=key,
               BODY_LIMIT=str(TEST_BODY_LIMIT), NGINX_ACCESS_LOG="off")
    stack = os.path.join(ROOT, "scripts", "stack.sh")
    r = subprocess.run(["bash", "-c", 'set -e; . "$1"; nginx_start', "bash", stack], env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pid_file = os.path.join(state, "nginx", "nginx.pid")
    pid = int(open(pid_file).read())
    yield http_port, https_port, state
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not os.path.exists(pid_file):
            break
        time.sleep(0.05)
    shutil.rmtree(state, ignore_errors=True)


def test_the_tls_server_sends_hsts(tls):
    _, https_port, _ = tls
    r = requests.get("https://127.0.0.1:%d/static/app.css" % https_port, verify=False,
                     timeout=10)
    assert r.status_code == 200
    assert r.headers["Strict-Transport-Security"] == HSTS
    # The site is the same as on plain http: its own headers come along.
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_plain_http_redirects_to_https(tls):
    http_port, https_port, _ = tls
    r = requests.get("http://127.0.0.1:%d/calls?page=2" % http_port, allow_redirects=False,
                     timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == "https://127.0.0.1:%d/calls?page=2" % https_port
    assert "Strict-Transport-Security" not in r.headers
    # Following it ends on the TLS server.
    r = requests.get("http://127.0.0.1:%d/static/app.css" % http_port, verify=False, timeout=10)
    assert r.status_code == 200 and r.url.startswith("https://")


def test_the_tls_site_is_one_copy_of_the_plain_one(tls):
    _, _, state = tls
    conf = open(os.path.join(state, "nginx", "nginx.conf")).read()
    site = open(os.path.join(state, "nginx", "site.conf")).read()
    assert "location /media/" in site and "location /media/" not in conf
    assert conf.count("include %s/nginx/site.conf;" % state) == 1
    # Every placeholder and mark is filled or gone (the header comment names them all).
    lines = [l for l in (conf + site).splitlines() if not l.lstrip().startswith("# ")]
    assert not re.findall(r"@[A-Z_]+@", "\n".join(lines))


def test_nginx_refuses_a_body_over_body_limit(tls):
    _, https_port, _ = tls
    post = "https://127.0.0.1:%d/login" % https_port
    r = requests.post(post, data=b"x" * (TEST_BODY_LIMIT + 1), verify=False, timeout=10)
    assert r.status_code == 413
    assert "larger than" in r.text
    # A body of the limit goes on to the (here missing) responders.
    r = requests.post(post, data=b"x" * TEST_BODY_LIMIT, verify=False, timeout=10)
    assert r.status_code == 502


def test_without_a_certificate_there_is_no_tls():
    conf = open(os.path.join(STATE, "nginx", "nginx.conf")).read()
    assert " ssl" not in conf and "Strict-Transport-Security" not in conf
    assert "listen 127.0.0.1:" in conf
    assert "client_max_body_size %d;" % STACK_BODY_LIMIT in conf
    assert not os.path.exists(os.path.join(STATE, "nginx", "site.conf"))
    r = requests.get(url("/healthz"), timeout=10)
    assert r.status_code == 200 and "Strict-Transport-Security" not in r.headers


def test_the_stack_refuses_a_body_over_body_limit_in_nginx():
    r = requests.post(url("/login"), data=b"x" * (STACK_BODY_LIMIT + 1), timeout=30)
    assert r.status_code == 413
    # nginx's words, not the responder's: the body never reached the application.
    assert r.text == "The request body is larger than this server accepts.\n"
