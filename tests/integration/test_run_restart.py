"""test_run_restart: Ctrl-C on scripts/run stops every server (PostgreSQL too), leaves no pid
file and says nothing crashed; the next run comes straight back with the data kept.

scripts/run is started as `make run` starts it, but on a state directory and ports of its own
(VAR_DIR, HTTP_PORT, VOICE_PORT), so a developer's var/ and port 8080 are left alone. Ctrl-C
is what the terminal does: SIGINT to the whole foreground process group.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

from conftest import DEMO_EMAIL, DEMO_PASSWORD, ROOT, free_port

START_TIMEOUT = 180


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has ended; only its parent has not collected it yet.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def port_open(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Run:
    """One scripts/run in a process group of its own, its output in a file."""

    def __init__(self, var, http_port, voice_port, name):
        self.var = var
        self.http_port = http_port
        self.base = f"http://127.0.0.1:{http_port}"
        self.log_path = os.path.join(os.path.dirname(var), name + ".out")
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
               "VAR_DIR": var, "HTTP_PORT": str(http_port), "VOICE_PORT": str(voice_port)}
        if os.environ.get("SB_BIN"):
            env["SB_BUILD"] = os.path.dirname(os.environ["SB_BIN"])
        self.env = env
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([os.path.join(ROOT, "scripts", "run")], env=env,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "scripts/run ended:\n" + self.output()
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError("scripts/run did not become ready:\n" + self.output())

    def ctrl_c(self, timeout=60):
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log.close()

    def abandon(self):
        """After a failure: stop what is left so the machine is clean."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def pid_files(var):
    return sorted(glob.glob(os.path.join(var, "run", "*.pid")) +
                  glob.glob(os.path.join(var, "nginx", "*.pid")) +
                  glob.glob(os.path.join(var, "pg", "data", "postmaster.pid")))


def server_pids(var):
    """Every process of the running stack: scripts/run, the four programs, nginx, the
    postmaster and the mail relay fake."""
    pids = {}
    for path in pid_files(var):
        with open(path) as f:
            pids[path] = int(f.readline())
    return pids


def sign_in(base):
    s = requests.Session()
    s.get(base + "/login", timeout=30)  # sets the sign-in form's pre-session token
    r = s.post(base + "/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD,
                                      "csrf": s.cookies.get("sb_form")},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    return s


def owner_psql(var, sql):
    dsn = f"host={os.path.realpath(os.path.join(var, 'pg', 'sock'))} dbname=switchboard " \
          "user=switchboard_owner"
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def assert_all_stopped(run, pids, status):
    out = run.output()
    assert status == 0, f"scripts/run exited {status}:\n{out}"
    for word in ("crash", "stopped by itself", "died from signal", "did not stop", "Error",
                 "stack.sh: line", "No such file"):
        assert word not in out, f"{word!r} in the output of scripts/run:\n{out}"
    still = {path: pid for path, pid in pids.items() if alive(pid)}
    assert not still, f"still running after Ctrl-C: {still}"
    assert pid_files(run.var) == [], "pid files left behind"
    assert not port_open(run.http_port), "nginx still listens"
    with open(os.path.join(run.var, "log", "fcgi.log"), errors="replace") as f:
        assert "died from signal" not in f.read()


def test_ctrl_c_stops_everything_and_the_next_run_keeps_the_data():
    top = tempfile.mkdtemp(prefix="switchboard-run-")
    # The postgres user must reach the cluster inside it (scripts/run runs PostgreSQL as it).
    os.chmod(top, 0o755)
    var = os.path.join(top, "var")
    http_port, voice_port = free_port(), free_port()
    run = None
    try:
        run = Run(var, http_port, voice_port, "first")
        run.wait_ready()
        pids = server_pids(var)
        # run, fcgi, jobs, voice, live, nginx, the postmaster, the mail relay fake
        assert len(pids) == 8, pids
        session = sign_in(run.base)
        owner_psql(var, "CREATE TABLE restart_probe (note text); "
                        "INSERT INTO restart_probe VALUES ('kept')")
        assert_all_stopped(run, pids, run.ctrl_c())

        run = Run(var, http_port, voice_port, "second")
        run.wait_ready()
        pids = server_pids(var)
        assert len(pids) == 8, pids
        # A second run on the same state refuses, and leaves the first one running.
        second = subprocess.run([os.path.join(ROOT, "scripts", "run")], env=run.env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0 and "already running" in second.stderr, second
        assert all(alive(pid) for pid in pids.values())
        assert requests.get(run.base + "/readyz", timeout=10).status_code == 200
        assert owner_psql(var, "SELECT note FROM restart_probe") == "kept"
        # The same secrets: a session from the first run is still signed in.
        r = session.get(run.base + "/", allow_redirects=False, timeout=30)
        assert r.status_code == 200, r.status_code
        assert run.output().count("applied migration") == 0, "the second run migrated again"
        assert_all_stopped(run, pids, run.ctrl_c())
        run = None
    finally:
        if run is not None:
            run.abandon()
        # Whatever is left of PostgreSQL after a failure must not outlive the test.
        if os.path.exists(os.path.join(var, "pg", "data", "postmaster.pid")):
            pg_bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
            cmd = [os.path.join(pg_bin, "pg_ctl"), "-D", os.path.join(var, "pg", "data"),
                   "-m", "immediate", "-w", "stop"]
            if os.getuid() == 0:
                cmd = ["runuser", "-u", "postgres", "--"] + cmd
            subprocess.run(cmd, capture_output=True)
        shutil.rmtree(top, ignore_errors=True)
