"""push.py: many open dashboards hold live-event streams while calls come in (tests/bench/run push).

Signs up BUSINESSES businesses through the sign-up page, opens CLIENTS server-sent-event
subscriptions spread over them (what each open dashboard holds), then commits CALLS_PER_SECOND
new calls for SECONDS, round robin over the businesses, and reports how long each call took
from its commit to every subscriber of its business, and how fast /readyz answered meanwhile
(a responder that a tab held would show there), and the memory of nginx and switchboard-live. Prints figures; never fails on them.
    python3 push.py BASE_URL DSN_OWNER STATE_DIR
with PUSH_CLIENTS (500), PUSH_BUSINESSES (10), PUSH_RATE (calls a second, 20) and
PUSH_SECONDS (15) in the environment. With PUSH_FETCH=1 each subscriber also does what an open
dashboard does on an event: it fetches the dashboard page again, and the figure is then the time
from the commit to that fresh page.
"""
import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid

import psycopg2
import requests

BASE, DSN, STATE = sys.argv[1], sys.argv[2], sys.argv[3]
CLIENTS = int(os.environ.get("PUSH_CLIENTS", "500"))
BUSINESSES = int(os.environ.get("PUSH_BUSINESSES", "10"))
RATE = int(os.environ.get("PUSH_RATE", "20"))
SECONDS = int(os.environ.get("PUSH_SECONDS", "15"))
FETCH = os.environ.get("PUSH_FETCH", "0") == "1"
HOST, PORT = BASE.split("//", 1)[1].split(":")
PORT = int(PORT)


def signup():
    """A new business; returns (org id, session cookie)."""
    tag = uuid.uuid4().hex[:10]
    email = f"push-{tag}@bench.test"
    s = requests.Session()
    form = s.get(BASE + "/login")
    token = s.cookies.get("sb_form")
    s.post(BASE + "/signup", allow_redirects=False, data={
        "csrf": token, "business": f"Push Bench {tag}", "email": email,
        "password": "bench-password", "timezone": "America/New_York", "business_kind": "other"})
    r = s.post(BASE + "/login", allow_redirects=False,
               data={"csrf": token, "email": email, "password": "bench-password"})
    assert r.status_code == 303, (r.status_code, form.status_code)
    page = s.get(BASE + "/").text
    org = re.search(r'data-live-channel="([0-9a-f-]{36})"', page).group(1)
    return org, s.cookies.get("sb_session")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))]


def ms(values):
    if not values:
        return "none"
    return (f"p50 {percentile(values, 50) * 1000:.1f} ms  p99 {percentile(values, 99) * 1000:.1f} ms"
            f"  max {max(values) * 1000:.1f} ms  (n={len(values)})")


arrivals = {}      # call id -> [arrival times]
fetched = {}       # call id -> [times the fresh dashboard had come]
fetch_failures = 0
fetches = set()
opened = 0
closed = 0


async def fetch_dashboard(cookie, call):
    """What static/live.js does on an event: fetch the page again (the dashboard, here)."""
    global fetch_failures
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write((f"GET / HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nAccept: text/html\r\n"
                  f"Cookie: sb_session={cookie}\r\nConnection: close\r\n\r\n").encode())
    page = await reader.read()
    writer.close()
    if b" 200 " in page.split(b"\r\n", 1)[0] and b'data-stat="calls_today"' in page:
        fetched.setdefault(call, []).append(time.time())
    else:
        fetch_failures += 1


async def subscribe(org, cookie, ready):
    global opened, closed
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write((f"GET /live/{org} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
                  f"Accept: text/event-stream\r\nCookie: sb_session={cookie}\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        print("  a subscription was refused:", head.split(b"\r\n", 1)[0].decode())
        return
    opened += 1
    ready.release()
    try:
        while True:
            block = await reader.readuntil(b"\n\n")
            now = time.time()
            for line in block.decode().split("\n"):
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                    if event.get("kind") == "call" and event.get("new"):
                        arrivals.setdefault(event["id"], []).append(now)
                        if FETCH:
                            task = asyncio.get_running_loop().create_task(
                                fetch_dashboard(cookie, event["id"]))
                            fetches.add(task)
                            task.add_done_callback(fetches.discard)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        closed += 1
    finally:
        writer.close()


async def readyz_probe(stop, out, interval=0.05):
    while not stop.is_set():
        start = time.monotonic()
        reader, writer = await asyncio.open_connection(HOST, PORT)
        writer.write(f"GET /readyz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        body = await reader.read()
        out.append((time.monotonic() - start, body.split(b" ", 2)[1] == b"200"))
        writer.close()
        await asyncio.sleep(interval)


def nginx_rss_kib(state):
    """Resident memory of nginx's master and workers, KiB (shared memory counted once it is
    touched, in each process that touched it)."""
    pid = open(f"{state}/nginx/nginx.pid").read().strip()
    pids = [pid] + subprocess.run(["pgrep", "-P", pid], capture_output=True,
                                  text=True).stdout.split()
    total = 0
    for p in pids:
        for line in open(f"/proc/{p}/status"):
            if line.startswith("VmRSS"):
                total += int(line.split()[1])
    return total, len(pids)


def live_rss_kib(state):
    """Resident memory of switchboard-live, which holds the streams, KiB."""
    pid = open(f"{state}/run/live.pid").read().strip()
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])


def commit_calls(orgs, commits):
    db = psycopg2.connect(DSN)
    cur = db.cursor()
    interval = 1.0 / RATE
    next_at = time.monotonic()
    for i in range(RATE * SECONDS):
        org = orgs[i % len(orgs)]
        cur.execute("""INSERT INTO calls (org_id, provider, provider_call_id, from_number,
                       to_number, status) VALUES (%s, 'twilio', %s, '+15555550100',
                       '+15555550199', 'in-progress') RETURNING id""",
                    (org, "CA" + uuid.uuid4().hex))
        call = str(cur.fetchone()[0])
        db.commit()
        commits[call] = (time.time(), org)
        next_at += interval
        time.sleep(max(0, next_at - time.monotonic()))
    db.close()


async def main(state=STATE):
    businesses = [signup() for _ in range(BUSINESSES)]
    per_org = {org: 0 for org, _ in businesses}
    probe = []
    stop = asyncio.Event()
    task = asyncio.create_task(readyz_probe(stop, probe))
    await asyncio.sleep(3)
    stop.set()
    await task
    print(f"  /readyz with no stream open: {ms([t for t, _ in probe])}")
    rss_before, nproc = nginx_rss_kib(state)
    live_before = live_rss_kib(state)

    ready = asyncio.Semaphore(0)
    subs = []
    for i in range(CLIENTS):
        org, cookie = businesses[i % len(businesses)]
        per_org[org] += 1
        subs.append(asyncio.create_task(subscribe(org, cookie, ready)))
    for _ in range(CLIENTS):
        await asyncio.wait_for(ready.acquire(), 30)
    rss_open, _ = nginx_rss_kib(state)
    live_open = live_rss_kib(state)
    print(f"  {opened} streams open over {len(businesses)} businesses")

    probe = []
    stop = asyncio.Event()
    task = asyncio.create_task(readyz_probe(stop, probe))
    commits = {}
    orgs = [org for org, _ in businesses]
    await asyncio.to_thread(commit_calls, orgs, commits)
    await asyncio.sleep(2)
    if fetches:
        await asyncio.wait(list(fetches), timeout=30)
    stop.set()
    await task
    rss_during, _ = nginx_rss_kib(state)
    live_during = live_rss_kib(state)

    latencies, missing = [], 0
    for call, (at, org) in commits.items():
        got = arrivals.get(call, [])
        missing += per_org[org] - len(got)
        latencies.extend(t - at for t in got)
    print(f"  {len(commits)} calls committed at {RATE}/s for {SECONDS} s: "
          f"{len(latencies)} deliveries, {missing} missing, {closed} streams closed")
    print(f"  commit to subscriber: {ms(latencies)}")
    if FETCH:
        pages = [t - commits[call][0] for call, times in fetched.items() for t in times]
        print(f"  commit to a fresh dashboard page in every tab: {ms(pages)}, "
              f"{fetch_failures} fetches failed")
    bad = sum(1 for _, ok in probe if not ok)
    print(f"  /readyz while the calls came in: {ms([t for t, _ in probe])}, {bad} not 200")
    print(f"  nginx resident memory ({nproc} processes): {rss_before} KiB before, "
          f"{rss_open} KiB with the streams open, {rss_during} KiB after the calls")
    print(f"  switchboard-live resident memory: {live_before} KiB before, {live_open} KiB with "
          f"the streams open, {live_during} KiB after the calls")
    for s in subs:
        s.cancel()
    await asyncio.gather(*subs, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main())
