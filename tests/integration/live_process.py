"""live_process: restart the stack's switchboard-live as it runs (the integration and browser
tests), and speak to its socket directly, as only nginx should.
    python3 live_process.py restart STATE_DIR"""
import os
import signal
import socket
import subprocess
import sys
import time


def pid(state):
    return int(open(os.path.join(state, "run", "live.pid")).read())


def running(p):
    """True while process p exists and is not a zombie; it may vanish while this reads."""
    try:
        with open(f"/proc/{p}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def restart(state):
    """Stop switchboard-live and start it again with the same settings; returns the new pid
    once its socket answers. Its event buffers and boot epoch are new."""
    old = pid(state)
    env = dict(kv.split("=", 1) for kv in
               open(f"/proc/{old}/environ", "rb").read().decode().split("\0") if "=" in kv)
    exe = os.readlink(f"/proc/{old}/exe")
    os.kill(old, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and running(old):
        time.sleep(0.02)
    log = open(os.path.join(state, "log", "live.log"), "ab")
    new = subprocess.Popen([exe], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                           start_new_session=True).pid
    with open(os.path.join(state, "run", "live.pid"), "w") as f:
        f.write(f"{new}\n")
    path = os.path.join(state, "run", "live.sock")
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
            return new
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("switchboard-live did not come back")


def request(state, head):
    """Send head (the request's lines, without the blank line) to the socket; returns the
    socket, connected, and the status line's code (None when it closed without one)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(os.path.join(state, "run", "live.sock"))
    s.sendall(head.encode("latin-1") + b"\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    status = int(buf.split(b" ", 2)[1]) if buf.startswith(b"HTTP/1.") else None
    return s, status, buf


if __name__ == "__main__" and sys.argv[1:2] == ["restart"]:
    print(restart(sys.argv[2]))
