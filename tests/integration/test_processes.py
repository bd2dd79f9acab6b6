"""test_processes: every Switchboard program starts, connects, logs, refuses a bad
configuration with one clear line, and stops cleanly on SIGTERM."""
import os
import signal
import socket
import subprocess
import tempfile
import time

import requests

from conftest import DSN_APP, STATE, url

BIN = os.environ.get("SB_BIN", "")
VOICE_URL = os.environ.get("SB_VOICE_URL", "")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def log_of(name):
    return open(os.path.join(STATE, "log", f"{name}.log")).read()


def base_env(**extra):
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": DSN_APP}
    env.update(extra)
    return env


def start(program, env):
    return subprocess.Popen([os.path.join(BIN, program)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for_line(proc, needle, timeout=10):
    """Read the program's output until a line holds needle; returns everything read."""
    seen = []
    deadline = time.time() + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line:
            seen.append(line)
            if needle in line:
                return "".join(seen)
        else:
            time.sleep(0.05)
    raise AssertionError(f"no line with {needle!r} in {''.join(seen)!r}")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    rest = proc.stdout.read() or ""
    return rc, rest


def test_the_stack_programs_are_running_and_logged_their_start():
    assert "job runner started" in log_of("jobs")
    assert "voice worker listening" in log_of("voice")
    assert "responder ready" in log_of("fcgi")


def test_voice_worker_answers_its_health_check():
    assert requests.get(VOICE_URL + "/healthz").text == "ok\n"


def test_nginx_passes_media_paths_to_the_voice_worker():
    # A plain GET (no WebSocket upgrade) reaches the worker, which knows no such page.
    r = requests.get(url("/media/nothing"))
    assert r.status_code == 404
    assert "X-Request-Id" not in r.headers


def test_missing_required_setting_stops_start_up_with_one_line():
    for program in ["switchboard-fcgi", "switchboard-jobs", "switchboard-voice"]:
        p = subprocess.run([os.path.join(BIN, program)], env={"PATH": os.environ["PATH"]},
                           capture_output=True, text=True, timeout=10)
        assert p.returncode == 1, program
        lines = p.stderr.strip().splitlines()
        assert lines == ["fatal: missing required setting DATABASE_URL "
                         "(libpq connection string for the switchboard_app role)"], (program, lines)


def test_fcgi_refuses_a_short_session_secret():
    p = subprocess.run([os.path.join(BIN, "switchboard-fcgi")],
                       env=base_env(SESSION_SECRET="short"), capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert p.stderr.strip() == "fatal: setting SESSION_SECRET must be at least 32 characters"


def test_bad_number_setting_is_named():
    p = subprocess.run([os.path.join(BIN, "switchboard-jobs")],
                       env=base_env(JOBS_POLL_MS="soon"), capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert "JOBS_POLL_MS" in p.stderr and "soon" in p.stderr


def test_config_file_is_read(tmp_path):
    conf = tmp_path / "switchboard.conf"
    conf.write_text(f"DATABASE_URL={DSN_APP}\nJOBS_POLL_MS=20\n")
    proc = start("switchboard-jobs", {"PATH": os.environ["PATH"], "CONFIG_FILE": str(conf)})
    wait_for_line(proc, "job runner started")
    rc, rest = stop(proc)
    assert rc == 0
    assert "job runner stopped" in rest


def test_job_runner_stops_cleanly():
    proc = start("switchboard-jobs", base_env())
    wait_for_line(proc, "job runner started")
    rc, rest = stop(proc)
    assert rc == 0
    assert "job runner stopped" in rest


def test_voice_worker_stops_cleanly():
    port = free_port()
    proc = start("switchboard-voice", base_env(VOICE_LISTEN=f"127.0.0.1:{port}"))
    wait_for_line(proc, "voice worker listening")
    assert requests.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    rc, rest = stop(proc)
    assert rc == 0
    assert "voice worker stopped" in rest


def test_fcgi_starts_its_responders_and_stops_them_all():
    sock = os.path.join(tempfile.mkdtemp(), "fcgi.sock")
    proc = start("switchboard-fcgi", base_env(SESSION_SECRET="s" * 40, FCGI_SOCKET=sock,
                                              FCGI_WORKERS="3"))
    wait_for_line(proc, "with 3 responders")
    time.sleep(0.3)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 3
    rc, _ = stop(proc)
    assert rc == 0
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    assert not os.path.exists(sock)


def test_fcgi_keeps_a_pool_of_its_own_for_webhooks():
    where = tempfile.mkdtemp()
    pages, hooks = os.path.join(where, "fcgi.sock"), os.path.join(where, "fcgi-hooks.sock")
    proc = start("switchboard-fcgi", base_env(SESSION_SECRET="s" * 40, FCGI_SOCKET=pages,
                                              FCGI_WORKERS="3", FCGI_HOOK_SOCKET=hooks,
                                              FCGI_HOOK_WORKERS="2"))
    seen = wait_for_line(proc, f"listening on {hooks} with 2 responders")
    assert f"listening on {pages} with 3 responders" in seen
    time.sleep(0.3)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                              text=True).stdout.split()
    assert len(children) == 5
    # A responder of either pool that dies is replaced in its own pool.
    os.kill(int(children[-1]), signal.SIGKILL)
    time.sleep(1.5)
    now = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                         text=True).stdout.split()
    assert len(now) == 5 and children[-1] not in now
    for path in (pages, hooks):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.close()
    rc, _ = stop(proc)
    assert rc == 0
    assert not os.path.exists(pages) and not os.path.exists(hooks)


def test_the_hook_pool_needs_a_socket_of_its_own():
    sock = os.path.join(tempfile.mkdtemp(), "fcgi.sock")
    p = subprocess.run([os.path.join(BIN, "switchboard-fcgi")],
                       env=base_env(SESSION_SECRET="s" * 40, FCGI_SOCKET=sock,
                                    FCGI_HOOK_SOCKET=sock),
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert "FCGI_HOOK_SOCKET must differ from FCGI_SOCKET" in p.stderr


def test_the_stack_runs_a_webhook_pool():
    log = log_of("fcgi")
    assert "fcgi-hooks.sock with " in log
    assert os.path.exists(os.path.join(STATE, "run", "fcgi-hooks.sock"))
