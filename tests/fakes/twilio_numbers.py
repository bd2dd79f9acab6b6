"""twilio_numbers: the accounts and phone numbers part of the Twilio fake (PROTOCOLS.md §4.6).

TwilioAccountsMixin gives TwilioFake several accounts, each with its own SID and auth token, and
the phone number resources of each:
  GET  /2010-04-01/Accounts/{Sid}/AvailablePhoneNumbers/{Country}/Local.json?AreaCode=415
       numbers that may be bought ({"available_phone_numbers": [...], "uri": ...}); US only
  POST .../IncomingPhoneNumbers.json              buy (PhoneNumber or AreaCode) -> 201 the number;
                                                  a number any account holds -> 400 code 21422
  GET  .../IncomingPhoneNumbers.json?PhoneNumber= the account's numbers (paged list shape)
  GET  .../IncomingPhoneNumbers/{PNSid}.json      one of them
  POST .../IncomingPhoneNumbers/{PNSid}.json      configure (VoiceUrl, StatusCallback, SmsUrl, ...)
Refused as Twilio refuses: a number of another account is 404 (20404), a URL that is not http(s)
400 (21502), a method other than GET or POST 400 (21503), a FriendlyName over 64 characters 400
(21406), an AreaCode that is not three digits 400 (21451), an unknown country 404 (20404).

Available numbers are made up per area code: +1{area}555{0100..0199}, less those any account
holds or that were made unavailable (POST /_fake/unavailable). Control endpoints:
  POST /_fake/accounts {"friendly_name"?, "sid"?, "auth_token"?} -> {"sid", "auth_token"}
  POST /_fake/numbers {"account_sid", "phone_number"} -> the number JSON (an account's own number)
  GET  /_fake/numbers            every held number with its account and configuration
  GET  /_fake/number_updates     every configuration request: {"sid", "account_sid", "params"}
  POST /_fake/unavailable {"numbers": [...]}
"""
import email.utils
import fnmatch
import re
import secrets
import urllib.parse
import uuid

API = "/2010-04-01"
AVAILABLE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/AvailablePhoneNumbers/([^/]+)/Local\.json$")
INCOMING = re.compile(r"^/2010-04-01/Accounts/([^/]+)/IncomingPhoneNumbers(?:/([^/]+))?\.json$")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SETTABLE = ("VoiceUrl", "VoiceMethod", "VoiceFallbackUrl", "VoiceFallbackMethod",
            "StatusCallback", "StatusCallbackMethod", "SmsUrl", "SmsMethod", "SmsFallbackUrl",
            "SmsFallbackMethod", "FriendlyName", "VoiceCallerIdLookup")
URLS = ("VoiceUrl", "VoiceFallbackUrl", "StatusCallback", "SmsUrl", "SmsFallbackUrl")
METHODS = ("VoiceMethod", "VoiceFallbackMethod", "StatusCallbackMethod", "SmsMethod",
           "SmsFallbackMethod")
PLACES = {"415": ("San Francisco", "CA", "SNFCCA21", "94103", 37.77, -122.41),
          "212": ("New York", "NY", "NWYRCYZN01", "10001", 40.75, -73.99)}


def now_rfc2822():
    return email.utils.formatdate(usegmt=True).replace("GMT", "+0000")


def friendly(e164):
    """(415) 555-0100 for +14155550100, as Twilio names US numbers."""
    d = e164[2:]
    return "(%s) %s-%s" % (d[:3], d[3:6], d[6:]) if e164.startswith("+1") and len(d) == 10 \
        else e164


class TwilioAccountsMixin:
    """Accounts and phone numbers; mixed into TwilioFake, which calls these from handle()."""

    def _init_accounts(self):
        self.accounts = {self.account_sid: {"auth_token": self.auth_token,
                                            "friendly_name": "Main account"}}
        self.numbers = {}          # PN sid -> number record (with "account_sid")
        self.number_updates = []
        self.unavailable = set()

    def _reset_accounts(self):
        self.accounts = {self.account_sid: self.accounts[self.account_sid]}
        self.numbers.clear()
        self.number_updates.clear()
        self.unavailable.clear()

    def add_account(self, friendly_name="Subaccount", sid=None, auth_token=None):
        """A new account; returns (sid, auth_token)."""
        sid = sid or "AC" + uuid.uuid4().hex
        token = auth_token or secrets.token_hex(16)
        with self._lock:
            self.accounts[sid] = {"auth_token": token, "friendly_name": friendly_name}
        return sid, token

    def add_number(self, account_sid, phone_number):
        """A number account_sid already holds (bought elsewhere); returns its JSON."""
        with self._lock:
            return self._public(self._hold(account_sid, phone_number))

    def token_of(self, account_sid):
        with self._lock:
            a = self.accounts.get(account_sid)
            return a["auth_token"] if a else None

    # The protocol.
    def handle_numbers(self, req, path, account, twilio_error, reply_json):
        """Answer an AvailablePhoneNumbers or IncomingPhoneNumbers request of account (already
        authenticated as its own), or None when path is neither."""
        url = urllib.parse.urlsplit(req.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query,
                                                           keep_blank_values=True).items()}
        m = AVAILABLE.match(path)
        if m:
            if req.method != "GET":
                return twilio_error(405, 20004, "Method not allowed")
            return self._available(m.group(2), query, path, twilio_error, reply_json)
        m = INCOMING.match(path)
        if not m:
            return None
        item = m.group(2)
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        params = {k: v[0] for k, v in form.items()}
        if item:
            with self._lock:
                number = self.numbers.get(item)
                if number is None or number["account_sid"] != account:
                    return twilio_error(404, 20404, "The requested resource %s was not found"
                                        % path)
                if req.method == "GET":
                    return reply_json(self._public(number), 200)
                if req.method == "POST":
                    return self._configure(number, params, twilio_error, reply_json)
            return twilio_error(405, 20004, "Method not allowed")
        if req.method == "GET":
            return self._list(account, query, path, reply_json)
        if req.method == "POST":
            return self._buy(account, params, twilio_error, reply_json)
        return twilio_error(405, 20004, "Method not allowed")

    def _held(self, e164):
        return any(n["phone_number"] == e164 for n in self.numbers.values())

    def _candidates(self, area_code):
        return ["+1%s555%04d" % (area_code, i) for i in range(100, 200)]

    def _available(self, country, query, path, twilio_error, reply_json):
        if country != "US":
            return twilio_error(404, 20404, "The requested resource %s was not found" % path)
        area = query.get("AreaCode", "415") or "415"
        if not re.match(r"^[2-9][0-9]{2}$", area):
            return twilio_error(400, 21451, "Invalid area code: %s" % area)
        try:
            size = max(1, min(int(query.get("PageSize", "50")), 1000))
        except ValueError:
            return twilio_error(400, 20001, "Invalid PageSize")
        locality, region, rate_center, postal, lat, lon = PLACES.get(
            area, ("Springfield", "IL", "SPFD", "62701", 39.78, -89.65))
        with self._lock:
            free = [n for n in self._candidates(area)
                    if not self._held(n) and n not in self.unavailable][:size]
        return reply_json({
            "available_phone_numbers": [{
                "friendly_name": friendly(n), "phone_number": n, "lata": "722",
                "locality": locality, "rate_center": rate_center, "latitude": "%.6f" % lat,
                "longitude": "%.6f" % lon, "region": region, "postal_code": postal,
                "iso_country": "US", "address_requirements": "none", "beta": False,
                "capabilities": {"voice": True, "SMS": True, "MMS": True}} for n in free],
            "uri": path + ("?" + urllib.parse.urlencode(query) if query else ""),
        }, 200)

    def _hold(self, account, e164):
        """Make e164 account's (the lock is held); returns the record."""
        pn = "PN" + uuid.uuid4().hex
        stamp = now_rfc2822()
        number = {
            "sid": pn, "account_sid": account, "phone_number": e164,
            "friendly_name": friendly(e164), "origin": "twilio",
            "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
            "voice_url": "", "voice_method": "POST", "voice_fallback_url": "",
            "voice_fallback_method": "POST", "voice_application_sid": "", "trunk_sid": None,
            "sms_url": "", "sms_method": "POST", "sms_fallback_url": "", "sms_fallback_method": "POST",
            "sms_application_sid": "", "status_callback": "", "status_callback_method": "POST",
            "voice_caller_id_lookup": False, "status": "in-use", "api_version": "2010-04-01",
            "date_created": stamp, "date_updated": stamp,
            "uri": "%s/Accounts/%s/IncomingPhoneNumbers/%s.json" % (API, account, pn),
        }
        self.numbers[pn] = number
        return number

    @staticmethod
    def _public(number):
        return dict(number)

    def _buy(self, account, p, twilio_error, reply_json):
        e164, area = p.get("PhoneNumber"), p.get("AreaCode")
        if not e164 and not area:
            return twilio_error(400, 21421, "PhoneNumber or AreaCode is required")
        with self._lock:
            if e164:
                if not E164.match(e164):
                    return twilio_error(400, 21421, "PhoneNumber is invalid: %s" % e164)
                if self._held(e164) or e164 in self.unavailable:
                    return twilio_error(400, 21422, "PhoneNumber requested is not available")
            else:
                if not re.match(r"^[2-9][0-9]{2}$", area):
                    return twilio_error(400, 21451, "Invalid area code: %s" % area)
                e164 = next((n for n in self._candidates(area)
                             if not self._held(n) and n not in self.unavailable), None)
                if not e164:
                    return twilio_error(400, 21452, "No numbers found in area code %s" % area)
            for name in URLS:
                if p.get(name) and not p[name].startswith(("http://", "https://")):
                    return twilio_error(400, 21502, "%s is not a valid URL: %s"
                                        % (name, p[name]))
            number = self._hold(account, e164)
            self._apply(number, p)
            return reply_json(self._public(number), 201)

    def _list(self, account, query, path, reply_json):
        want = query.get("PhoneNumber")
        try:
            size = max(1, min(int(query.get("PageSize", "50")), 1000))
        except ValueError:
            size = 50
        with self._lock:
            mine = [self._public(n) for n in self.numbers.values()
                    if n["account_sid"] == account and
                    (not want or fnmatch.fnmatchcase(n["phone_number"], want)) and
                    (not query.get("FriendlyName") or
                     n["friendly_name"] == query["FriendlyName"])]
        page = mine[:size]
        uri = path + ("?" + urllib.parse.urlencode(query) if query else "")
        return reply_json({"incoming_phone_numbers": page, "page": 0, "page_size": size,
                           "start": 0, "end": max(0, len(page) - 1), "uri": uri,
                           "first_page_uri": uri, "next_page_uri": None,
                           "previous_page_uri": None}, 200)

    def _apply(self, number, p):
        for name in SETTABLE:
            if name in p:
                key = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
                value = p[name]
                if name == "VoiceCallerIdLookup":
                    value = value.lower() == "true"
                number[key] = value
        number["date_updated"] = now_rfc2822()

    def _configure(self, number, p, twilio_error, reply_json):
        for name in URLS:
            if p.get(name) and not p[name].startswith(("http://", "https://")):
                return twilio_error(400, 21502, "%s is not a valid URL: %s" % (name, p[name]))
        for name in METHODS:
            if name in p and p[name].upper() not in ("GET", "POST"):
                return twilio_error(400, 21503, "%s must be GET or POST" % name)
        if len(p.get("FriendlyName", "")) > 64:
            return twilio_error(400, 21406, "FriendlyName is longer than 64 characters")
        self._apply(number, p)
        self.number_updates.append({"sid": number["sid"], "account_sid": number["account_sid"],
                                    "params": p})
        return reply_json(self._public(number), 200)

    # Steering.
    def control_numbers(self, req, path, twilio_error, reply_json):
        """Answer a /_fake/ request about accounts and numbers, or None when it is another."""
        if path == "/_fake/accounts" and req.method == "POST":
            v = req.json() or {}
            sid, token = self.add_account(v.get("friendly_name", "Subaccount"), v.get("sid"),
                                          v.get("auth_token"))
            return reply_json({"sid": sid, "auth_token": token}, 201)
        if path == "/_fake/numbers" and req.method == "POST":
            v = req.json() or {}
            if v.get("account_sid") not in self.accounts or not E164.match(
                    v.get("phone_number") or ""):
                return twilio_error(400, 20001, "account_sid and phone_number are required")
            with self._lock:
                if self._held(v["phone_number"]):
                    return twilio_error(400, 21422, "PhoneNumber requested is not available")
            return reply_json(self.add_number(v["account_sid"], v["phone_number"]), 201)
        if path == "/_fake/numbers" and req.method == "GET":
            with self._lock:
                return reply_json([self._public(n) for n in self.numbers.values()], 200)
        if path == "/_fake/number_updates" and req.method == "GET":
            with self._lock:
                return reply_json(list(self.number_updates), 200)
        if path == "/_fake/unavailable" and req.method == "POST":
            with self._lock:
                self.unavailable.update((req.json() or {}).get("numbers", []))
                return reply_json(sorted(self.unavailable), 200)
        return None
