"""test_conversations: callers of eight kinds of business talk to the rules receptionist through
the real stack, and what they wanted is checked in PostgreSQL.

Each business signs up with its kind (which seeds its services and answers), answers in gather
mode, and gets its hours, time zone and on-call line. Every call is played as Twilio plays it:
the signed voice webhook, one signed turn per caller utterance through nginx, the `completed`
status callback, then the post-call analysis. A call passes only when the caller reached the
goal, without partial credit (see score()). The test fails on any appointment at a time other
than the one read back and accepted, on "booked" said without a committed appointment, and when
the share of callers reaching their goal falls below tests/conversations/RATCHET. A report per
kind of business and per kind of scenario, with every failure's transcript, is written to
$SB_OUTPUT/conversations.md.
"""
import datetime
import json
import os
import random
import re
import statistics
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import psycopg2
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from callers import KINDS, Caller, Persona, times_in  # noqa: E402
from tests.fakes.twilio_signature import twilio_sign  # noqa: E402

BASE_URL = os.environ.get("SB_BASE_URL", "http://127.0.0.1:8080")
DSN_OWNER = os.environ.get("SB_DSN_OWNER", "")
TOKEN = os.environ.get("SB_TWILIO_AUTH_TOKEN", "")
OUTPUT = os.environ.get("SB_OUTPUT", os.path.join(HERE, "..", "output"))
SEED = int(os.environ.get("SB_CONVERSATION_SEED", "7"))
RATCHET = os.path.join(HERE, "RATCHET")
PLAN = ["book", "book", "book", "book_multi", "book_correct", "book_tricky_name",
        "price_then_book", "info", "info", "emergency", "message", "off_topic", "hang_up",
        "reschedule", "cancel"]
# "booked" in any reply claims a booking, except where it speaks of times already taken.
BOOKED_RE = re.compile(r"(?<!already )(?<!fully )\bbooked\b(?! up)", re.I)


def sql(db, query, *params):
    with db.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else []


def post(path, params):
    """A signed webhook. nginx limits webhooks per address (HOOK_RATE); eight callers at once
    can pass it, and a refused delivery never reached Switchboard, so it is sent again."""
    target = BASE_URL + path
    sig = twilio_sign(TOKEN, target, params)
    for _ in range(50):
        r = requests.post(target, data=params, headers={"X-Twilio-Signature": sig},
                          timeout=30, allow_redirects=False)
        if r.status_code != 429:
            return r
        time.sleep(0.1)
    return r


def spoken(r):
    assert r.status_code == 200, (r.status_code, r.text[:300])
    doc = ET.fromstring(r.content)
    gather = doc.find("Gather")
    action = gather.get("action")[len(BASE_URL):] if gather is not None else None
    return " ".join(s.text or "" for s in doc.iter("Say")), action, [c.tag for c in doc]


def signup_post(form):
    """POST the sign-up form as a browser does: with the pre-session token its page set."""
    browser = requests.Session()
    browser.get(BASE_URL + "/signup", timeout=30)
    return browser.post(BASE_URL + "/signup", data=dict(form, csrf=browser.cookies.get("sb_form")),
                        allow_redirects=False, timeout=30)


def make_business(db, kind):
    """Sign a business of kind up through the sign-up form, then set it up for calls."""
    spec = KINDS[kind]
    tag = uuid.uuid4().hex[:8]
    email = f"owner-{kind}-{tag}@example.test"
    r = signup_post({
        "business": spec["name"], "email": email, "password": "correct horse battery",
        "timezone": spec["tz"], "business_kind": kind})
    assert r.status_code == 303, (r.status_code, r.text[:500])
    (org,), = sql(db, "SELECT org_id FROM users WHERE email = %s", email)
    number = "+1555" + str(random.Random(f"{SEED}-{kind}-{tag}").randrange(2000000, 9999999))
    sql(db, """UPDATE organizations SET call_mode = 'gather', business_hours = %s,
                      transfer_phone = %s WHERE id = %s""",
        json.dumps(spec["hours"]), spec["transfer"], org)
    sql(db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        org, number)
    services = {n: {"id": str(i), "cents": c, "minutes": m} for i, n, c, m in sql(
        db, "SELECT id, name, price_cents, duration_minutes FROM services WHERE org_id = %s",
        org)}
    facts = sql(db, "SELECT question, answer FROM knowledge_entries WHERE org_id = %s "
                    "ORDER BY question", org)
    return dict(kind=kind, org=str(org), number=number, services=services, facts=facts,
                spec=spec)


def personas_for(biz, now):
    out = []
    for i, scenario in enumerate(PLAN):
        rnd = random.Random(f"{SEED}-{biz['kind']}-{i}")
        if scenario == "info":
            scenario = rnd.choice(["price", "hours", "fact"])
        if scenario == "emergency" and not biz["spec"]["emergencies"]:
            scenario = "book"
        p = Persona(i, biz["kind"], scenario, biz["spec"], biz["services"], now, rnd)
        if scenario in ("fact", "book") and biz["facts"]:
            p.fact = rnd.choice(biz["facts"])
        out.append(p)
    return out


def arrange_existing(db, biz, p, now):
    """A booking the caller made earlier: two to six days ahead, two hours after opening."""
    from callers import open_span
    starts = []
    for ahead in range(2, 9):
        day = now.date() + datetime.timedelta(days=ahead)
        span = open_span(biz["spec"], day)
        if span:
            starts += [span[0] + datetime.timedelta(minutes=120 + 30 * k) for k in range(8)]
    sid = biz["services"][p.service]["id"]
    for at in starts:
        try:
            sql(db, """INSERT INTO appointments (org_id, service_id, customer_name,
                       customer_phone, starts_at, ends_at) VALUES (%s, %s, %s, %s, %s, %s)""",
                biz["org"], sid, p.name, p.booked_from, at,
                at + datetime.timedelta(minutes=p.minutes))
            p.existing = at
            return
        except psycopg2.Error:
            continue


def play(db, biz, p):
    """One call from start to the post-call analysis. Returns the result dict for scoring."""
    now = datetime.datetime.now(ZoneInfo(biz["spec"]["tz"]))
    if p.scenario in ("reschedule", "cancel"):
        arrange_existing(db, biz, p, now)
    caller = Caller(p, now)
    sid = "CA" + uuid.uuid4().hex
    base = {"CallSid": sid, "AccountSid": "AC" + uuid.uuid4().hex, "From": p.caller_id,
            "To": biz["number"], "ApiVersion": "2010-04-01", "Direction": "inbound"}
    text, action, tags = spoken(post("/hooks/twilio/voice", dict(base, CallStatus="ringing")))
    transcript = [("receptionist", text)]
    said = caller.opening()
    started = time.time()
    while said is not None and action:
        transcript.append(("caller", said))
        text, action, tags = spoken(post(action, dict(base, CallStatus="in-progress",
                                                      SpeechResult=said, Confidence="0.92")))
        transcript.append(("receptionist", text))
        if "Dial" in tags:
            caller.events.append("transferred")
        said = caller.answer(text) if action else None
    seconds = str(max(1, int(time.time() - started)) + 10 * len(transcript))
    r = post("/hooks/twilio/status", dict(base, CallStatus="completed", CallDuration=seconds))
    assert r.status_code == 204, (r.status_code, r.text[:300])
    (call_id,), = sql(db, "SELECT id FROM calls WHERE provider_call_id = %s", sid)
    for _ in range(100):
        rows = sql(db, "SELECT status FROM jobs WHERE kind = 'call.analyze' AND dedupe_key = %s",
                   f"analyze:{call_id}")
        if rows and rows[0][0] in ("done", "dead"):
            break
        time.sleep(0.05)
    return dict(persona=p, caller=caller, transcript=transcript, call_id=str(call_id), now=now,
                tags=tags)


def score(db, biz, res):
    """(passed, why, violations): the goal reached or not, and hard rule breaks."""
    p, c = res["persona"], res["caller"]
    tz = ZoneInfo(biz["spec"]["tz"])
    said = [t for s, t in res["transcript"] if s == "receptionist"]
    heard = " ".join(said)
    appts = sql(db, """SELECT a.starts_at, a.status, s.name, a.customer_name, a.customer_phone,
                              a.call_id::text
                       FROM appointments a LEFT JOIN services s ON s.id = a.service_id
                       WHERE a.org_id = %s
                         AND (a.call_id = %s OR a.customer_phone IN (%s, %s, %s))""",
                biz["org"], res["call_id"], p.phone, p.caller_id, p.booked_from)
    mine = [a for a in appts if a[5] == res["call_id"]]
    active = [a for a in appts if a[1] in ("scheduled", "confirmed")]
    violations = []
    for a in mine:
        if c.accepted is None or a[0] != c.accepted:
            violations.append(f"booked {a[0].astimezone(tz)} but the caller accepted "
                              f"{c.accepted}")
    if any(BOOKED_RE.search(t) for t in said) and not mine and p.scenario not in (
            "reschedule",):
        violations.append("said booked without a committed appointment")
    lead = sql(db, """SELECT name, temperature, summary, status FROM leads
                      WHERE org_id = %s AND phone IN (%s, %s)""",
               biz["org"], p.phone, p.caller_id)
    lead = lead[0] if lead else None
    s = p.scenario

    def booking_ok(rows, accepted):
        if len(rows) != 1:
            return False, f"{len(rows)} appointments"
        start, _, service, name, phone, _ = rows[0]
        if accepted is None or start != accepted:
            return False, f"appointment at {start.astimezone(tz)}, accepted {accepted}"
        if not p.window.holds(start.astimezone(tz)) and s != "emergency":
            return False, f"{start.astimezone(tz)} is outside {p.window.words!r}"
        if service != p.service:
            return False, f"service {service!r}, wanted {p.service!r}"
        if (name or "").lower() != p.name.lower():
            return False, f"name {name!r}, caller is {p.name!r}"
        if phone != (p.booked_from if s == "reschedule" else p.phone):
            return False, f"phone {phone}, caller gave {p.phone}"
        return True, "booked"

    if s in ("book", "book_multi", "book_correct", "book_tricky_name", "price_then_book"):
        ok, why = booking_ok(mine, c.accepted)
        if ok and getattr(c, "price_asked", False):
            price = price_text(p.price)
            ok = price in heard
            why = why if ok else f"price {price} not said when asked mid-booking"
        if ok and s == "price_then_book":
            price = price_text(p.price)
            ok = any(price in t for t in c.info_heard)
            why = why if ok else f"price {price} not said"
        return ok, why, violations
    if s == "reschedule":
        ok, why = booking_ok(active, c.accepted)
        return ok, why, violations
    if s == "cancel":
        ok = not active and any(a[1] == "cancelled" for a in appts)
        return ok, "cancelled" if ok else f"{len(active)} active appointments", violations
    if s == "price":
        price = price_text(p.price)
        ok = any(price in t for t in c.info_heard)
        return ok, f"price {price} said" if ok else f"price {price} not said", violations
    if s == "hours":
        q = c.hours_q
        spans = biz["spec"]["hours"][{"weekday": "mon", "saturday": "sat",
                                      "friday_close": "fri"}[q]]
        want = (clock_text(spans[-1][1] if q == "friday_close" else spans[0][0]) if spans
                else "closed")
        ok = any(want.lower() in t.lower() for t in c.info_heard)
        return ok, f"hours ({want}) said" if ok else f"{want} not said", violations
    if s == "fact":
        ok = any(p.fact[1][:40] in t for t in c.info_heard)
        return ok, "answered" if ok else "the answer was not said", violations
    if s == "emergency":
        hot = lead is not None and lead[1] == "hot"
        if biz["spec"]["transfer"]:
            offered = "transferred" in c.events or "transfer" in heard.lower()
            return hot and offered, f"hot={hot} transfer offered={offered}", violations
        soon = [t for ts in c.offers for t in ts[:1]] + [a[0] for a in mine]
        fast = any(t - res["now"] < datetime.timedelta(days=2) for t in soon)
        return hot and fast, f"hot={hot} soonest offered={fast}", violations
    if s == "message":
        words = p.message.split()[2:5]
        ok = lead is not None and (lead[0] or "").lower() == p.name.lower() and \
            all(w.lower() in (lead[2] or "").lower() for w in words)
        return ok, f"lead {lead[:1] if lead else None}" if not ok else "message kept", violations
    if s == "off_topic":
        first = c.info_heard[0] if c.info_heard else ""
        ok = bool(re.search(r"outside|not something|can't help with|not able to help|"
                            r"don't know", first, re.I)) and not times_in(
            first, biz["spec"]["tz"], res["now"]) and "book" not in first.lower() and not mine
        return ok, "politely declined" if ok else "not declined as off topic", violations
    if s == "hang_up":
        ok = lead is not None and (lead[0] or "").lower() == p.name.lower() and not mine
        return ok, f"lead name {lead[0] if lead else None}", violations
    return False, "unknown scenario", violations


def price_text(cents):
    if cents == 0:
        return "free"
    d, c = divmod(cents, 100)
    return f"${d:,}" + (f".{c:02d}" if c else "")


def clock_text(hm):
    h, m = map(int, hm.split(":"))
    return f"{h % 12 or 12}{':%02d' % m if m else ''} {'AM' if h < 12 else 'PM'}"


def run_business(kind):
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    try:
        biz = make_business(db, kind)
        now = datetime.datetime.now(ZoneInfo(biz["spec"]["tz"]))
        out = []
        for p in personas_for(biz, now):
            res = play(db, biz, p)
            res["passed"], res["why"], res["violations"] = score(db, biz, res)
            out.append(res)
        return out
    finally:
        db.close()


def report(results, share):
    lines = [f"# Conversations: {sum(r['passed'] for r in results)} of {len(results)} callers "
             f"reached their goal ({share:.0%}), seed {SEED}", ""]

    def table(title, key):
        lines.extend([f"## Per {title}", "", f"| {title} | passed | median turns |",
                      "|---|---|---|"])
        groups = {}
        for r in results:
            groups.setdefault(key(r), []).append(r)
        for k in sorted(groups):
            g = groups[k]
            turns = statistics.median(sum(1 for s, _ in r["transcript"] if s == "caller")
                                      for r in g)
            lines.append(f"| {k} | {sum(r['passed'] for r in g)}/{len(g)} | {turns} |")
        lines.append("")

    table("kind of business", lambda r: r["persona"].kind)
    table("scenario", lambda r: r["persona"].scenario)
    lines.extend(["## Failures", ""])
    every = os.environ.get("SB_CONVERSATION_ALL") == "1"  # every transcript, for reading
    for r in results:
        if r["passed"] and not r["violations"] and not every:
            continue
        p = r["persona"]
        lines.append(f"### {p.describe()}")
        lines.append(f"why: {r['why']}; {'; '.join(r['violations'] + r['caller'].events)}")
        lines.append("")
        for who, text in r["transcript"]:
            lines.append(f"- **{who}**: {text}")
        lines.append("")
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, "conversations.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return "\n".join(lines)


def test_callers_reach_their_goals():
    started = time.time()
    with ThreadPoolExecutor(max_workers=len(KINDS)) as pool:
        results = [r for rs in pool.map(run_business, list(KINDS)) for r in rs]
    share = sum(r["passed"] for r in results) / len(results)
    text = report(results, share)
    print(text.split("## Failures")[0])
    print(f"{len(results)} calls in {time.time() - started:.0f}s")
    with open(RATCHET) as f:
        floor = float(f.read().split()[0])
    broken = [(r["persona"].describe(), v) for r in results for v in r["violations"]]
    assert not broken, broken
    assert share >= floor, f"{share:.2%} of callers reached their goal, below {floor:.2%}"


def test_sign_up_asks_the_kind_and_seeds_the_business():
    db = psycopg2.connect(DSN_OWNER)
    db.autocommit = True
    try:
        form = {"business": "Kind Test Dental", "email": f"kind-{uuid.uuid4().hex[:8]}@x.test",
                "password": "correct horse battery", "timezone": "America/Chicago"}
        page = requests.get(BASE_URL + "/signup", timeout=30)
        assert '<select id="business_kind" name="business_kind" required>' in page.text
        assert '<option value="">Choose one</option>' in page.text and " selected" not in page.text
        r = signup_post(form)
        assert r.status_code == 422 and "Choose the kind of business" in r.text
        assert not sql(db, "SELECT 1 FROM users WHERE email = %s", form["email"])
        r = signup_post(dict(form, business_kind="dental"))
        assert r.status_code == 303
        (org, kind, greeting), = sql(db, """SELECT o.id, o.business_kind, o.greeting
                                           FROM organizations o JOIN users u ON u.org_id = o.id
                                           WHERE u.email = %s""", form["email"])
        assert kind == "dental" and greeting.startswith("Thanks for calling Kind Test Dental.")
        services = dict(sql(db, "SELECT name, price_cents FROM services WHERE org_id = %s", org))
        assert services["Cleaning and checkup"] == 12000 and len(services) == 5
        assert len(sql(db, "SELECT 1 FROM knowledge_entries WHERE org_id = %s", org)) == 3
    finally:
        db.close()
