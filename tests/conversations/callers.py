"""callers: the people who call the businesses, and how each answers what the receptionist asks.

A persona has a goal (book, ask a price, ask the hours, ask a question the business answers,
report an emergency, leave a message, go off topic, hang up midway, move or cancel a booking)
and the facts a caller knows (name, number, the need in their own words, a preferred time in
natural words with the window it means, an address when the business comes to them). Caller
reads the receptionist's last reply, decides what was asked, and answers it the way people do:
several facts at once, out of order, correcting itself, picking an offered time by its place
in the list or its clock time. Everything random comes from one seeded random.Random, so a run
is repeatable.
"""
import datetime
import re
from zoneinfo import ZoneInfo

# Each kind: a business name, its time zone, hours, an on-call line or none, whether it goes to
# the caller, and per starter service (lib/domain/business_kind.c) how callers say they need it.
KINDS = {
    "plumber": dict(
        name="Brookside Plumbing", tz="America/New_York", on_site=True,
        transfer="+15555550101",
        hours={d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} |
        {"sat": [["09:00", "13:00"]], "sun": []},
        needs={
            "Drain cleaning": ["my kitchen sink is clogged", "the bathroom drain is really slow",
                               "my toilet keeps backing up"],
            "Water heater repair": ["I have no hot water", "my water heater is making noises"],
            "Leak repair": ["there's a leak under my sink", "a pipe is dripping in the basement"],
        },
        emergencies=["a pipe burst and water is everywhere", "my basement is flooding",
                     "I smell gas near the water heater"]),
    "hvac": dict(
        name="Summit Heating and Air", tz="America/Chicago", on_site=True,
        transfer="+15555550102",
        hours={d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} |
        {"sat": [["08:00", "14:00"]], "sun": []},
        needs={
            "AC repair": ["my air conditioner is blowing warm air", "the AC stopped cooling"],
            "Furnace repair": ["my furnace is making a banging noise",
                               "the furnace keeps shutting off"],
            "Seasonal tune-up": ["I'd like a tune-up before winter",
                                 "I want to schedule maintenance on my system"],
        },
        emergencies=["we have no heat and there's a baby at home",
                     "the carbon monoxide alarm is going off"]),
    "cleaning": dict(
        name="Sparkle House Cleaning", tz="America/Denver", on_site=True, transfer=None,
        hours={d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")} |
        {"sun": []},
        needs={
            "Standard cleaning": ["I'd like a regular house cleaning",
                                  "I need someone to clean my house"],
            "Deep cleaning": ["I want a deep clean of my apartment",
                              "I need a thorough top to bottom clean"],
            "Move-out cleaning": ["I'm moving out and need the place cleaned for the landlord"],
            "Carpet cleaning": ["my carpets have some bad stains"],
        },
        emergencies=["my basement flooded and there's water damage everywhere"]),
    "dental": dict(
        name="Bright Smile Dental", tz="America/Los_Angeles", on_site=False, transfer=None,
        hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "fri")} |
        {"thu": [["10:00", "19:00"]], "sat": [], "sun": []},
        needs={
            "Cleaning and checkup": ["I need a cleaning", "it's time for my six month checkup",
                                     "I'd like to get my teeth cleaned"],
            "Teeth whitening": ["I'd like to get my teeth whitened",
                                "I'm interested in whitening"],
            "Filling": ["I think I have a cavity", "I lost a filling"],
        },
        emergencies=["I have a terrible toothache and my face is swollen",
                     "my son knocked out a tooth playing soccer"]),
    "salon": dict(
        name="Velvet Hair Studio", tz="America/New_York", on_site=False, transfer=None,
        hours={d: [["09:00", "19:00"]] for d in ("tue", "wed", "thu", "fri")} |
        {"sat": [["09:00", "17:00"]], "mon": [], "sun": []},
        needs={
            "Women's haircut": ["I need a haircut", "I'd like a trim"],
            "Men's haircut": ["I need a men's haircut", "I want a fade"],
            "Hair color": ["I'd like to get my hair colored", "I need my roots done"],
            "Blowout": ["I'd like a blowout for a wedding"],
        },
        emergencies=[]),
    "auto_repair": dict(
        name="Route 9 Auto Repair", tz="America/Phoenix", on_site=False,
        transfer="+15555550106",
        hours={d: [["07:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")} |
        {"sat": [["08:00", "12:00"]], "sun": []},
        needs={
            "Oil change": ["I need an oil change", "my car is due for an oil change"],
            "Brake service": ["my brakes are squeaking", "the brakes are grinding"],
            "Diagnostic check": ["my check engine light came on",
                                 "the car is making a strange noise"],
            "Tire rotation": ["I'd like my tires rotated"],
        },
        emergencies=["my brakes failed on the highway", "my car is smoking and I'm stranded"]),
    "law_office": dict(
        name="Harper and Cole Law", tz="America/Chicago", on_site=False,
        transfer="+15555550107",
        hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} |
        {"sat": [], "sun": []},
        needs={
            "Estate planning": ["I need to make a will", "I want to set up a trust"],
            "Divorce consultation": ["I'm going through a divorce",
                                     "I need help with a custody question"],
            "Traffic violation defense": ["I got a speeding ticket"],
            "Initial consultation": ["I'd like a consultation with a lawyer"],
        },
        emergencies=["my husband was just arrested", "I have a court hearing tomorrow "
                     "and my lawyer quit"]),
    "veterinary": dict(
        name="Meadow Lane Veterinary", tz="America/Los_Angeles", on_site=False,
        transfer="+15555550108",
        hours={d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} |
        {"sat": [["09:00", "13:00"]], "sun": []},
        needs={
            "Wellness exam": ["my dog needs his annual checkup", "my cat is due for a wellness exam"],
            "Vaccinations": ["my puppy needs his shots", "my dog needs a rabies booster"],
            "Sick visit": ["my cat has been vomiting", "my dog is limping and not eating"],
            "Spay or neuter": ["I need to get my cat spayed"],
        },
        emergencies=["my dog ate a whole bar of chocolate", "my cat was hit by a car"]),
}

FIRST = ["Ana", "John", "Maria", "David", "Keisha", "Tom", "Priya", "Luis", "Emily", "Sam",
         "Grace", "Omar", "Linda", "Chen", "Rosa", "Mike", "Fatima", "Peter", "Nora", "Jamal"]
LAST = ["Lopez", "Smith", "Garcia", "Nguyen", "Johnson", "Patel", "Brown", "Kim", "Walker",
        "Rivera", "Okafor", "Murphy", "Schmidt", "Davis", "Martin", "Clark"]
# Surnames that are also words the receptionist listens for.
TRICKY_NAMES = [("Alan", "Price"), ("Hope", "Daniels"), ("Rose", "Miller"), ("Carl", "Booker")]
STREETS = ["Maple Street", "Oak Avenue", "Cedar Lane", "Pine Road", "Elm Street", "Birch Drive",
           "Willow Court", "Lakeview Boulevard"]
OFF_TOPIC = ["Do you sell concert tickets?", "Can you recommend a good pizza place nearby?",
             "What's the weather going to be like this weekend?",
             "Can you help me with my taxes?"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

SCENARIO_KINDS = ["book", "book_multi", "book_correct", "book_tricky_name", "price_then_book",
                  "price", "hours", "fact", "emergency", "message", "off_topic", "hang_up",
                  "reschedule", "cancel"]


def clock(h, m):
    return datetime.time(h, m)


def parse_hm(s):
    h, m = s.split(":")
    return int(h), int(m)


class Window:
    """A preference in words and the span it means: starts in [start, end) are inside."""

    def __init__(self, words, start, end, exact=None):
        self.words, self.start, self.end, self.exact = words, start, end, exact

    def holds(self, t):
        return self.start <= t < self.end


def open_span(biz, day):
    """(open, close) datetimes of the business on date day, or None when closed."""
    spans = biz["hours"].get(DAY_KEYS[day.weekday()]) or []
    if not spans:
        return None
    tz = ZoneInfo(biz["tz"])
    o, c = parse_hm(spans[0][0]), parse_hm(spans[-1][1])
    return (datetime.datetime.combine(day, clock(*o), tz),
            datetime.datetime.combine(day, clock(*c), tz))


def preferences(biz, now, rnd, minutes=60):
    """Every preference this business can serve, as Windows: natural words and their span."""
    tz = ZoneInfo(biz["tz"])
    today = now.date()
    out = []
    dur = datetime.timedelta(minutes=minutes)

    def at(day, h, m=0):
        return datetime.datetime.combine(day, clock(h, m), tz)

    tomorrow = today + datetime.timedelta(days=1)
    span = open_span(biz, tomorrow)
    if span and span[0].hour < 11:
        out.append(Window(rnd.choice(["tomorrow morning", "tomorrow in the morning",
                                      "sometime tomorrow morning"]),
                          span[0], at(tomorrow, 12)))
        out.append(Window(rnd.choice(["first thing tomorrow", "first thing tomorrow morning"]),
                          span[0], span[0] + datetime.timedelta(hours=2)))
    if span:
        out.append(Window("tomorrow afternoon", max(at(tomorrow, 12), span[0]), span[1]))
    for ahead in range(2, 7):
        day = today + datetime.timedelta(days=ahead)
        span = open_span(biz, day)
        if not span:
            continue
        name = WEEKDAYS[day.weekday()].capitalize()
        if span[1].hour >= 15:
            out.append(Window(rnd.choice([f"{name} afternoon", f"on {name} afternoon",
                                          f"{name} after lunch"]),
                              max(at(day, 12), span[0]), span[1]))
        out.append(Window(rnd.choice([f"any time {name}", f"{name} works, any time",
                                      f"sometime on {name}"]), span[0], span[1]))
        if span[0].hour <= 9:
            out.append(Window(f"{name} before 11", span[0], at(day, 11)))
        h = rnd.choice([10, 11, 14, 15])
        if span[0] <= at(day, h) and at(day, h) + dur <= span[1]:
            spoken = rnd.choice({10: ["10 AM", "10 in the morning", "ten", "10:00"],
                                 11: ["11 in the morning", "11 AM", "eleven"],
                                 14: ["2 PM", "2 in the afternoon", "two", "2"],
                                 15: ["3 o'clock", "3 PM", "three in the afternoon"]}[h])
            words = rnd.choice([f"{name} at {spoken}", f"{name} around {spoken}",
                                f"at {spoken} on {name}"])
            out.append(Window(words, at(day, h - 1), at(day, h + 2), exact=at(day, h)))
        if span[0].hour < 11 and ahead <= 6:
            out.append(Window(rnd.choice([f"{name} morning", f"this {name} morning",
                                          f"{name} in the morning"]),
                              span[0], min(at(day, 12), span[1])))
        if span[1] - at(day, 16) >= dur:
            out.append(Window(f"{name} after work", at(day, 16), span[1]))
    out.append(Window(rnd.choice(["as soon as possible", "the earliest you have",
                                  "whenever you have the first opening"]),
                      now, now + datetime.timedelta(days=5)))
    monday = today + datetime.timedelta(days=7 - today.weekday())
    out.append(Window(rnd.choice(["next week sometime", "sometime next week"]),
                      datetime.datetime.combine(monday, clock(0, 0), tz),
                      datetime.datetime.combine(monday + datetime.timedelta(days=7),
                                                clock(0, 0), tz)))
    return out


def spoken_digits(e164, rnd):
    d = e164[2:]
    style = rnd.randrange(3)
    if style == 0:
        return f"{d[:3]}-{d[3:6]}-{d[6:]}"
    if style == 1:
        return f"{d[:3]} {d[3:6]} {d[6:]}"
    return " ".join(DIGITS[int(c)] for c in d)


class Persona:
    """One caller and what they want; the scoring reads the same fields."""

    def __init__(self, index, kind, scenario, biz, services, now, rnd):
        self.index, self.kind, self.scenario, self.rnd = index, kind, scenario, rnd
        self.biz = biz
        first, last = (rnd.choice(TRICKY_NAMES) if scenario == "book_tricky_name"
                       else (rnd.choice(FIRST), rnd.choice(LAST)))
        self.first, self.last = first, last
        self.caller_id = "+1555" + "".join(rnd.choice("23456789") for _ in range(7))
        self.other_number = rnd.random() < 0.25 and scenario.startswith("book")
        self.phone = ("+1555" + "".join(rnd.choice("23456789") for _ in range(7))
                      if self.other_number else self.caller_id)
        wanted = rnd.choice(sorted(biz["needs"]))
        self.service = wanted
        self.need = rnd.choice(biz["needs"][wanted])
        self.minutes = services[wanted]["minutes"]
        self.price = services[wanted]["cents"]
        others = [s for s in sorted(biz["needs"]) if s != wanted]
        self.first_service = rnd.choice(others) if scenario == "book_correct" else None
        self.address = (f"{rnd.randrange(12, 2400)} {rnd.choice(STREETS)}"
                        if biz["on_site"] else None)
        prefs = preferences(biz, now, rnd, self.minutes)
        self.prefs = prefs
        self.window = rnd.choice(prefs)
        self.first_window = rnd.choice([p for p in prefs if p.words != self.window.words] or
                                       prefs) if scenario == "book_correct" else None
        self.correction = (rnd.choice(["name", "time", "service", "service_early"])
                           if scenario == "book_correct" else None)
        self.style = rnd.choice(["ordinal", "clock", "relative"])
        self.emergency = rnd.choice(biz["emergencies"]) if biz["emergencies"] else None
        self.off_topic = rnd.choice(OFF_TOPIC)
        self.message = rnd.choice(["please ask Dana to call me about the invoice",
                                   "tell the owner I'm returning his call about the quote",
                                   "I need a copy of my last receipt for my records"])
        # Some callers give two facts in one breath, ask something on the way, or correct
        # themselves mid-sentence.
        self.together = rnd.random() < 0.35
        self.detour = scenario == "book" and rnd.random() < 0.5
        self.inline_fix = scenario in ("book", "book_multi") and rnd.random() < 0.3
        self.fact = None       # (question, answer): set by the runner from the knowledge base
        self.existing = None   # a datetime: set by the runner for reschedule and cancel
        # Some call about a booking made from another phone: found by name, not caller ID.
        self.booked_from = ("+1555" + "".join(rnd.choice("23456789") for _ in range(7))
                            if scenario in ("reschedule", "cancel") and rnd.random() < 0.4
                            else self.caller_id)

    @property
    def name(self):
        return f"{self.first} {self.last}"

    @property
    def wants_booking(self):
        return self.scenario.startswith("book") or self.scenario in ("price_then_book",
                                                                     "reschedule")

    def describe(self):
        return (f"#{self.index} {self.kind}/{self.scenario}: {self.name} ({self.phone}) wants "
                f"{self.service} {self.window.words!r}"
                + (f" at {self.address}" if self.address else ""))


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WHEN_RE = re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
                     r"(" + "|".join(MONTHS) + r") (\d{1,2}) at (\d{1,2})(?::(\d\d))? (AM|PM)")


def times_in(text, tz, now):
    """Every moment the receptionist named ("Tuesday, March 3 at 2:30 PM"), in order."""
    out = []
    for m in WHEN_RE.finditer(text):
        month = MONTHS.index(m.group(2)) + 1
        h = int(m.group(4)) % 12 + (12 if m.group(6) == "PM" else 0)
        year = now.year + (1 if month < now.month - 1 else 0)
        out.append(datetime.datetime(year, month, int(m.group(3)), h, int(m.group(5) or 0),
                                     tzinfo=ZoneInfo(tz)))
    return out


def classify(reply):
    """What the receptionist's reply asks for, from its last question (or what it did)."""
    r = reply.lower()
    tail = r[max(r.rfind(". ", 0, len(r) - 2), r.rfind("! ", 0, len(r) - 2)) + 1:]
    if re.search(r"\b(is|you're|are) (all )?booked\b|you're all set", r):
        return "booked"
    if re.search(r"\bis moved to\b|\bis now on\b|\bmoved your\b", r):
        return "moved"
    if re.search(r"\bis cancelled\b|\bhas been cancelled\b", r):
        return "cancelled"
    if "connecting you" in r or "connect you" in r or "please hold" in r:
        return "transferring"
    if "transfer you" in r or "put you through" in r:
        return "transfer_offer"
    if "goodbye" in r:
        return "goodbye"
    if "shall i book" in r or "make sure i have this right" in r:
        return "readback"
    if "cancel" in tail and "?" in tail:
        return "confirm_cancel"
    if WHEN_RE.search(reply) and ("which one" in tail or "would that work" in tail or
                              "work for you" in tail):
        return "offer"
    if ("your name" in tail or "who should i say" in tail or "name, please" in tail or
            "what name" in tail):
        return "ask_name"
    if "is that the best number" in tail or "is that the right number" in tail:
        return "ask_phone_confirm"
    if "number" in tail:
        return "ask_phone"
    if "address" in tail:
        return "ask_address"
    if "message" in tail or "pass on" in tail:
        return "ask_message"
    if ("when would you like" in tail or "soonest" in tail or "another day" in tail or
            "what day" in tail or "what time" in tail or "another time" in tail):
        return "ask_time"
    if "help you with" in tail and "anything else" not in tail and "we do" in r:
        return "ask_service"
    if "is that for" in tail or "which service" in tail:
        return "ask_service"
    if "anything else" in tail or "would you like to book" in tail or "something i can" in tail:
        return "anything_else"
    if "help you" in tail:
        return "open"
    return "other"


def say_clock(t):
    h = t.hour % 12 or 12
    return f"{h}:{t.minute:02d}" if t.minute else f"{h}"


class Caller:
    """Plays one persona: opening() is the first thing said, answer(reply) each next one (None
    to hang up). It keeps what it agreed to: accepted (the read-back time said yes to)."""

    def __init__(self, p, now):
        self.p, self.now, self.rnd = p, now, p.rnd
        self.tz = p.biz["tz"]
        self.accepted = None         # the read-back time the caller said yes to
        self.booked_said = []        # times in every "booked" the receptionist said
        self.offers = []             # every list of offered times
        self.events = []             # what went wrong, in words, for the report
        self.told = set()            # facts already given
        self.asked = {}              # how often each kind of question came
        self.corrected = False
        self.phase = "start"
        self.info_heard = []
        self.hangup_after = 2 if p.scenario == "hang_up" else None
        self.turns = 0

    # -- the facts in the caller's words ------------------------------------------------
    def name_words(self):
        p = self.p
        if p.scenario == "book_correct" and p.correction == "name" and not self.corrected:
            return self.rnd.choice(["It's " + p.first + " " + p.last[:-1] + "z",
                                    "My name is " + p.first + " " + p.last[:-1] + "s"])
        return self.rnd.choice([f"{p.first} {p.last}", f"It's {p.first} {p.last}",
                                f"My name is {p.first} {p.last}", f"This is {p.first} {p.last}",
                                f"{p.first} {p.last}, thanks", f"Yeah it's {p.first} {p.last}",
                                f"{p.last}. {p.first} {p.last}.",
                                f"Sure, {p.first} {p.last}"])

    def phone_words(self):
        return self.rnd.choice(["It's ", "", "Sure, it's ", "You can reach me at "]) + \
            spoken_digits(self.p.phone, self.rnd)

    def time_words(self):
        p = self.p
        w = p.first_window if (p.correction == "time" and not self.corrected) else p.window
        return self.rnd.choice(["", "How about ", "Do you have anything ", "I was hoping for ",
                                "Maybe "]) + w.words

    def need_words(self):
        p = self.p
        if p.correction in ("service", "service_early") and not self.corrected:
            return p.biz["needs"][p.first_service][0]
        return p.need

    def yes(self):
        return self.rnd.choice(["Yes", "Yes that's right", "Yeah that's right", "Sounds good",
                                "Yep, that's correct", "Perfect, yes", "That works",
                                "Mm-hm", "Uh yeah, that's fine", "Yes please", "Correct",
                                "Yeah go ahead"])

    # -- the call -------------------------------------------------------------------------
    def opening(self):
        p, r = self.p, self.rnd
        s = p.scenario
        if s == "price" or s == "price_then_book":
            return r.choice([f"Hi, how much is {p.service.lower()}?",
                             f"What do you charge for {p.service.lower()}?",
                             f"Hi, I was wondering what the price is for {p.service.lower()}",
                             f"How much would it cost? {p.need}"])
        if s == "hours":
            self.hours_q = r.choice(["weekday", "saturday", "friday_close"])
            return {"weekday": r.choice(["What are your hours?", "What hours are you open?"]),
                    "saturday": "Are you open on Saturday?",
                    "friday_close": "What time do you close on Friday?"}[self.hours_q]
        if s == "fact":
            return p.fact[0].split("?")[0] + "?"
        if s == "emergency":
            return r.choice(["Hi, ", "Please help, ", "Hello, this is urgent, "]) + p.emergency
        if s == "message":
            return r.choice(["Hi, can I leave a message?",
                             "Hello, I'd like to leave a message for the owner"])
        if s == "off_topic":
            return p.off_topic
        if s == "reschedule":
            return r.choice(["Hi, I need to move my appointment",
                             "I have an appointment and need to reschedule it"])
        if s == "cancel":
            return r.choice(["Hi, I need to cancel my appointment",
                             "I'd like to cancel my appointment please"])
        if s == "book_multi":
            self.told |= {"name", "need", "time"}
            parts = [f"Hi, this is {p.first} {p.last}", self.need_words(),
                     f"could you do {p.window.words}?"]
            if p.address and r.random() < 0.5:
                parts.insert(2, f"I'm at {p.address}")
                self.told.add("address")
            return ", ".join(parts)
        self.told.add("need")
        if s == "book" and r.random() < 0.25:
            self.told.add("time")
            return r.choice(["Hi, do you have anything ", "Hello, could I get in "]) + \
                p.window.words + "? " + self.need_words()
        return r.choice(["Hi, ", "Hello, ", "Yeah hi, ", "Um so, ", ""]) + self.need_words() + \
            r.choice(["", ", can I book an appointment?", ". I'd like to schedule something.",
                      " and I need someone to look at it"] if p.biz["on_site"] else
                     ["", ", can I book an appointment?", ". I'd like to come in."])

    def pick(self, times):
        """Words choosing one of the offered times inside the window, or None."""
        p = self.p
        inside = [i for i, t in enumerate(times) if p.window.holds(t)]
        if p.scenario == "emergency" and times:
            inside = [0]
        if not inside:
            return None, None
        i = inside[0] if p.window.exact is None else min(
            inside, key=lambda k: abs((times[k] - p.window.exact).total_seconds()))
        if p.style == "relative" and len(inside) > 1 and p.window.exact is None:
            i = inside[-1] if self.rnd.random() < 0.5 else inside[0]
        t = times[i]
        self.chosen = t
        n = len(times)
        if p.style == "ordinal":
            word = ["first", "second", "third", "fourth"][i] if i < n - 1 or n == 1 else "last"
            return t, self.rnd.choice([f"The {word} one", f"Let's do the {word} one",
                                       f"I'll take the {word} one please"])
        if p.style == "relative" and n == 2:
            return t, self.rnd.choice(["The earlier one" if i == 0 else "The later one"])
        c = say_clock(t)
        return t, self.rnd.choice([f"The {c} o'clock" if not t.minute else f"The {c} one",
                                   f"{c} works", f"Let's do {c}", f"The one at {c}",
                                   f"I'll take {c}", f"{c} please", f"Um, {c} I guess"])

    def answer(self, reply):
        p, r = self.p, self.rnd
        self.turns += 1
        kind = classify(reply)
        self.asked[kind] = self.asked.get(kind, 0) + 1
        times = times_in(reply, self.tz, self.now)
        if kind == "booked":
            self.booked_said += times[:1]
        if self.hangup_after is not None and self.turns > self.hangup_after:
            return None
        # Patience: the same question three times running, or any one seven times in a call.
        self.recent = (getattr(self, "recent", []) + [kind])[-3:]
        if (len(self.recent) == 3 and len(set(self.recent)) == 1 and kind != "offer") or \
                self.asked[kind] > 6:
            self.events.append(f"asked {kind} again and again; hung up")
            return None
        if self.turns > 18:
            self.events.append("too long; hung up")
            return None
        if p.scenario in ("price", "price_then_book", "hours", "fact") and self.phase == "start":
            self.info_heard.append(reply)
            self.phase = "asked"
            if p.scenario == "price_then_book":
                self.told.add("need")
                return r.choice(["OK, book that", "Great, can I book that?",
                                 "Okay, let's book it"])
            return r.choice(["Great, thanks. That's all, bye!", "OK thank you, bye",
                             "Thanks, that's everything. Goodbye"])
        if p.scenario == "off_topic" and self.phase == "start":
            self.info_heard.append(reply)
            self.phase = "asked"
            return "Oh OK, never mind then. Bye"
        if kind == "goodbye" or kind == "transferring":
            return None
        if kind == "transfer_offer":
            if p.scenario == "emergency" and r.random() < 0.4:
                return r.choice(["No, just send someone as soon as you can",
                                 "No thanks, I just need the earliest appointment"])
            return r.choice(["Yes please", "Yes, put me through"])
        if kind in ("booked", "moved", "cancelled"):
            self.phase = kind
            return r.choice(["No, that's all, thank you", "That's it, thanks. Bye",
                             "No thanks, bye"])
        if kind == "readback":
            return self.check_readback(reply, times)
        if kind == "confirm_cancel":
            return self.yes()
        if kind == "offer" and "name" not in self.told and p.wants_booking and r.random() < 0.5:
            # They answer with their name first; the offer must still stand afterwards.
            self.told.add("name")
            return r.choice([f"Sure, first let me give you my name, it's {p.first} {p.last}",
                             f"Hold on. My name is {p.first} {p.last} by the way"])
        if kind == "offer":
            # What is on offer follows "I have"; a time named before it was just refused.
            cut = max(reply.find("I have"), reply.find("have is"))
            times = times_in(reply[cut:], self.tz, self.now) if cut >= 0 else times
            self.offers.append(times)
            t, words = self.pick(times)
            if words:
                return words
            self.refused = getattr(self, "refused", 0) + 1
            if self.refused >= 2:
                # Nothing when they wanted it: they try another day, as people do.
                others = [w for w in p.prefs if w.words != p.window.words]
                if others:
                    p.window = r.choice(others)
                    self.events.append(f"changed the preference to {p.window.words!r}")
                    self.refused = 0
                    return "OK, what about " + p.window.words + "?"
            return r.choice(["None of those work for me. ", "Hmm, those don't work. "]) + \
                "Do you have anything " + p.window.words + "?"
        if kind == "ask_name" and p.correction == "service_early" and not self.corrected:
            self.corrected = True
            return (f"Oh wait, actually I need {p.service.lower()}, not "
                    f"{p.first_service.lower()}. It's {p.first} {p.last}")
        if kind == "ask_name":
            self.told.add("name")
            if p.together and "phone" not in self.told:
                self.told.add("phone")
                return self.name_words() + ", and my number is " + spoken_digits(p.phone, r)
            return self.name_words()
        if kind == "ask_phone_confirm":
            if p.phone != p.caller_id:
                return "No, use " + spoken_digits(p.phone, r)
            return self.yes()
        if kind == "ask_phone":
            return self.phone_words()
        if kind == "ask_address":
            if p.address:
                return r.choice(["", "It's ", "The address is "]) + p.address
            return "Wait, don't I come to you?"
        if kind == "ask_message":
            if p.scenario == "message":
                self.told.add("message")
                return p.message
            return "No, I wanted to book an appointment"
        if kind == "ask_time":
            if p.detour and "detour" not in self.told:
                self.told.add("detour")
                q = p.fact[0].split("?")[0] + "?" if p.fact else "Are you open on Saturday?"
                if r.random() < 0.3:
                    q = "How much will that be?"
                    self.price_asked = True
                return "Before that, quick question. " + q
            if p.inline_fix and "inline_fix" not in self.told:
                self.told.add("inline_fix")
                other = r.choice([w for w in p.prefs if w.words != p.window.words] or [p.window])
                return other.words + ", no sorry, " + p.window.words
            if p.together and p.address and "address" not in self.told:
                self.told.add("address")
                return self.time_words() + ". The address is " + p.address
            return self.time_words()
        if kind == "ask_service":
            return self.need_words()
        if kind in ("anything_else", "open"):
            if p.scenario == "message" and "message" not in self.told:
                return "I'd like to leave a message"
            if p.wants_booking and not self.booked_said and self.phase != "moved":
                if "time" not in self.told:
                    self.told.add("time")
                    return f"I'd like to book {p.service.lower()} for {p.window.words}"
                return f"I'd like to book {p.service.lower()}, please"
            if p.scenario == "cancel" and self.phase != "cancelled":
                return "I want to cancel my appointment"
            return r.choice(["No, that's all. Bye", "No thanks, goodbye"])
        return self.fallback()

    def fallback(self):
        p = self.p
        if p.scenario == "message":
            return p.message
        if p.wants_booking:
            return p.need + ", " + p.window.words
        return "Sorry, what?"

    def check_readback(self, reply, times):
        p = self.p
        if not times:
            self.events.append("read-back without a time")
            return "What time was that?"
        t = times[0]
        low = reply.lower()
        if p.correction and not self.corrected:
            self.corrected = True
            if p.correction == "name":
                return f"No, it's {p.last}, " + "-".join(p.last.upper())
            if p.correction == "time":
                return "No, " + p.window.words
            return f"Actually the {p.service.lower()}, not the {p.first_service.lower()}"
        if p.service.lower() not in low:
            return f"No, I wanted {p.service.lower()}"
        chosen = getattr(self, "chosen", None)
        if chosen and t != chosen and p.window.holds(chosen):
            self.events.append(f"read back {t}, but the caller chose {chosen}")
            return "No, I said " + say_clock(chosen)
        if p.scenario != "emergency" and not p.window.holds(t):
            return "No, I wanted " + p.window.words
        self.accepted = t
        return self.yes()
