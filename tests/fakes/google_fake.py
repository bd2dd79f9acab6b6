"""google_fake: Google OAuth 2.0 and Calendar v3 on loopback (PROTOCOLS.md §10).

OAuth (GOOGLE_AUTH_URL = <fake>/o/oauth2/v2/auth, GOOGLE_OAUTH_URL = <fake>):
  GET  /o/oauth2/v2/auth   checks response_type=code, client_id and redirect_uri, then answers
                           302 to redirect_uri?code=…&state=… (consent "approve") or
                           redirect_uri?error=access_denied&state=… (consent "deny"): the user's
                           click on Google's consent screen, made by the fake.
  POST /token              form: authorization_code (a code works once, with its redirect_uri)
                           or refresh_token; client_id/client_secret in the form or HTTP Basic.
                           Errors are RFC 6749 bodies with 400/401: invalid_grant for a used,
                           unknown or revoked code or refresh token.
  POST /revoke?token=…     200 and the grant ends (its access tokens stop working, its refresh
                           token gets invalid_grant); unknown token: 400 invalid_token.
Calendar (GOOGLE_API_URL = <fake>/calendar/v3, Bearer access token, else 401):
  events insert (client-chosen base32hex id; a taken id 409 duplicate), patch (nested objects
  merge), delete (204; already deleted 410; unknown 404), list (pageToken, maxResults ≤ 2500,
  syncToken with nextSyncToken on the last page, showDeleted, privateExtendedProperty, timeMin
  and timeMax; an expired sync token 410 fullSyncRequired), freeBusy, events/watch (then a
  "sync" notification) and channels/stop (204; unknown 404). Every change to a calendar, ours or
  one made through the control API as the owner would in Google, sends "exists" to the
  calendar's channels: an empty-body POST with the X-Goog-* headers.

Behaviours: the common ones (fakebase), limited to paths under "only" when given, for "times"
requests when given (then back to normal). fail answers Google's error envelope; with
fail_status 429 or 403 its reason is rateLimitExceeded.

Control, without authentication (JSON); the calendar controls act on "account" (in the body or
the query; the last consent's account when absent):
  GET  /_fake/requests               what came in (method, path, headers, body)
  POST /_fake/behave                 {"behaviour", "delay_ms", "fail_status", "times", "only"}
  POST /_fake/consent                {"answer": "approve" | "deny", "account": "who@x"}: the
                                     next consent's answer and Google account (each account
                                     has calendars of its own; "primary" is its main one)
  POST /_fake/token_lifetime         {"seconds": n}  expires_in of the next access tokens
  POST /_fake/revoke                 revoke the account's grants, as the owner removing
                                     Switchboard's access in the Google account would
  GET  /_fake/events?calendar=ID     every event of a calendar, cancelled ones included
  POST /_fake/events                 {"calendar", "event"} an owner's own event; or
                                     {"calendar", "count", "start"} that many hour-long events
  POST /_fake/events/shift           {"calendar", "seconds"} every live event moved by that much
  POST /_fake/events/CAL/ID          {"…"} the owner changes an event (merged as patch)
  POST /_fake/events/CAL/ID/delete   the owner deletes an event
  POST /_fake/expire_sync            {"calendar"} every sync token of it now gets 410
  GET  /_fake/channels               the open watch channels
  POST /_fake/notify                 {"channel_id", "token", "state"} send one notification
                                     (a token given overrides the channel's, for a forgery)
  POST /_fake/reset                  forget everything

Run standalone: python3 -m tests.fakes.google_fake --port N [--client-id ID --client-secret S].
"""
import argparse
import base64
import binascii
import copy
import http.client
import json
import re
import secrets
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from email.utils import formatdate

from tests.fakes.fakebase import FakeProvider, Reply, serve_until_interrupted

API = "/calendar/v3"
EVENTS_PATH = re.compile(r"^/calendar/v3/calendars/([^/]+)/events(?:/([^/]+))?$")
WATCH_PATH = re.compile(r"^/calendar/v3/calendars/([^/]+)/events/watch$")
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
CONTROL_EVENT = re.compile(r"^/_fake/events/([^/]+)/([^/]+?)(/delete)?$")
SYNC_FORBIDDEN = ("iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty",
                  "timeMin", "timeMax", "updatedMin")


def rfc3339(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (int(epoch * 1000) % 1000)


def parse_time(text):
    """An RFC 3339 dateTime or an all-day date as epoch seconds; None when unreadable."""
    if not isinstance(text, str):
        return None
    try:
        if len(text) == 10:
            return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def event_time(when):
    if not isinstance(when, dict):
        return None
    return parse_time(when.get("dateTime") or when.get("date"))


def google_error(status, reason, message, domain="global", **extra):
    err = {"domain": domain, "reason": reason, "message": message}
    err.update(extra)
    return Reply.of_json({"error": {"errors": [err], "code": status, "message": message}}, status)


def oauth_error(status, error, description):
    return Reply.of_json({"error": error, "error_description": description}, status)


def encode_token(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def decode_token(text):
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        return value if isinstance(value, dict) else None
    except (ValueError, binascii.Error):
        return None


def merge(into, change):
    """events.patch: nested objects merge, everything else (arrays too) is replaced; null
    deletes a key."""
    for k, v in change.items():
        if v is None:
            into.pop(k, None)
        elif isinstance(v, dict) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = copy.deepcopy(v)


class GoogleFake(FakeProvider):
    name = "google"

    def __init__(self, client_id="fake-client-id", client_secret="fake-client-secret"):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.reset()

    def reset(self):
        with self._lock:
            self.requests = []
            self.consent = "approve"
            self.account = "owner@example.com"   # whom the next consent signs in as
            self.token_lifetime = 3599
            self.codes = {}          # code -> {redirect_uri, scope, used}
            self.grants = {}         # refresh token -> {"revoked": bool}
            self.access = {}         # access token -> (refresh token, expires epoch)
            # "account/calendar id" -> {"events": {id: event}, "seq": n, "generation": n}
            self.calendars = {}
            self.channels = {}       # id -> channel dict (+ "calendar", "messages")
            self.behaviour, self.delay_ms, self.fail_status = "normal", 0, 500
            self.times = None
            self.only = ""

    # Behaviours, limited in paths and count.
    def _reply(self, req):
        if req.path.startswith("/_fake/"):
            return self._control(req)
        with self._lock:
            behaviour = self.behaviour
            if behaviour != "normal" and not req.path.startswith(self.only):
                behaviour = "normal"
            if behaviour != "normal" and self.times is not None:
                self.times -= 1
                if self.times <= 0:
                    self.behaviour, self.times = "normal", None
        if behaviour == "hang":
            self._stopping.wait()
            return None
        if behaviour == "slow":
            time.sleep(self.delay_ms / 1000)
        if behaviour == "fail":
            return self.error_reply(self.fail_status)
        if behaviour == "garbage":
            return self.garbage_reply()
        return self.handle(req)

    def behave_limited(self, behaviour, delay_ms=0, fail_status=500, times=None, only=""):
        with self._lock:
            self.behaviour, self.delay_ms, self.fail_status = behaviour, delay_ms, fail_status
            self.times = times
            self.only = only or ""

    def records(self, request):
        return not request.path.startswith("/_fake/")

    def error_reply(self, status):
        if status in (403, 429):
            return google_error(status, "rateLimitExceeded", "Rate Limit Exceeded",
                                domain="usageLimits")
        return google_error(status, "backendError", "Backend Error")

    # OAuth.
    def handle(self, req):
        parsed = urllib.parse.urlsplit(req.path)
        path, query = parsed.path, urllib.parse.parse_qs(parsed.query)
        if path == "/o/oauth2/v2/auth" and req.method == "GET":
            return self.authorize(query)
        if path == "/token" and req.method == "POST":
            return self.token(req)
        if path == "/revoke" and req.method == "POST":
            return self.revoke((query.get("token") or [""])[0])
        if not path.startswith(API + "/"):
            return google_error(404, "notFound", "Not Found")
        who = self.authenticate(req)
        if who is None:
            return google_error(401, "authError", "Invalid Credentials", locationType="header",
                                location="Authorization")
        return self.calendar(req, path, query, who)

    def authorize(self, query):
        one = {k: v[0] for k, v in query.items()}
        redirect = one.get("redirect_uri", "")
        if one.get("client_id") != self.client_id or not redirect.startswith("http"):
            return Reply(status=400, body=b"Error 400: invalid_request", content_type="text/html")
        if one.get("response_type") != "code":
            return Reply(status=400, body=b"Error 400: unsupported_response_type",
                         content_type="text/html")
        answer = {"state": one.get("state", "")}
        if self.consent == "deny":
            answer = {"error": "access_denied", **answer}
        else:
            code = "4/0" + secrets.token_urlsafe(24)
            with self._lock:
                self.codes[code] = {"redirect_uri": redirect, "scope": one.get("scope", ""),
                                    "used": False, "account": self.account}
            answer = {"code": code, **answer, "scope": one.get("scope", "")}
        sep = "&" if "?" in redirect else "?"
        return Reply(status=302, body=b"", content_type="text/html",
                     headers={"Location": redirect + sep + urllib.parse.urlencode(answer)})

    def client_ok(self, req, form):
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return False
        else:
            cid, secret = form.get("client_id", ""), form.get("client_secret", "")
        return cid == self.client_id and secret == self.client_secret

    def new_access(self, refresh):
        token = "ya29." + secrets.token_urlsafe(32)
        self.access[token] = (refresh, time.time() + self.token_lifetime)
        return token

    def token(self, req):
        ctype = req.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "Bad Request")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(req.body.decode("utf-8", "replace")).items()}
        if not self.client_ok(req, form):
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                code = self.codes.get(form.get("code", ""))
                if not code or code["used"] or code["redirect_uri"] != form.get("redirect_uri"):
                    return oauth_error(400, "invalid_grant", "Bad Request")
                code["used"] = True
                refresh = "1//0" + secrets.token_urlsafe(32)
                self.grants[refresh] = {"revoked": False, "account": code["account"]}
                return Reply.of_json({"access_token": self.new_access(refresh),
                                      "expires_in": self.token_lifetime,
                                      "refresh_token": refresh, "scope": code["scope"],
                                      "token_type": "Bearer"})
            if grant == "refresh_token":
                g = self.grants.get(form.get("refresh_token", ""))
                if not g or g["revoked"]:
                    return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
                return Reply.of_json({"access_token": self.new_access(form["refresh_token"]),
                                      "expires_in": self.token_lifetime,
                                      "scope": "https://www.googleapis.com/auth/calendar.events",
                                      "token_type": "Bearer"})
        return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant))

    def revoke(self, token):
        with self._lock:
            refresh = token if token in self.grants else (self.access.get(token) or (None,))[0]
            if not refresh or self.grants[refresh]["revoked"]:
                return oauth_error(400, "invalid_token", "Token expired or revoked")
            self.grants[refresh]["revoked"] = True
        return Reply.of_json({})

    def authenticate(self, req):
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        with self._lock:
            found = self.access.get(auth[7:])
            if not found or found[1] < time.time() or self.grants[found[0]]["revoked"]:
                return None
        return self.grants[found[0]]["account"]

    # Calendar.
    def cal(self, cid):
        return self.calendars.setdefault(cid, {"events": {}, "seq": 0, "generation": 0})

    def touch(self, c, event):
        c["seq"] += 1
        event["_seq"] = c["seq"]
        event["updated"] = rfc3339(time.time())
        event["etag"] = '"%d"' % (time.time_ns() // 1000)

    @staticmethod
    def public(event):
        return {k: v for k, v in event.items() if not k.startswith("_")}

    def calendar(self, req, path, query, account):
        one = {k: v[0] for k, v in query.items()}
        if path == API + "/freeBusy" and req.method == "POST":
            return self.freebusy(req, account)
        if path == API + "/channels/stop" and req.method == "POST":
            return self.stop_channel(req)
        m = WATCH_PATH.match(path)
        if m and req.method == "POST":
            return self.watch(req, account + "/" + urllib.parse.unquote(m.group(1)))
        m = EVENTS_PATH.match(path)
        if not m:
            return google_error(404, "notFound", "Not Found")
        cid = account + "/" + urllib.parse.unquote(m.group(1))
        eid = urllib.parse.unquote(m.group(2)) if m.group(2) else None
        try:
            body = json.loads(req.body) if req.body else {}
        except ValueError:
            return google_error(400, "parseError", "Parse Error")
        if eid is None and req.method == "GET":
            return self.list_events(cid, one, query)
        if eid is None and req.method == "POST":
            if not isinstance(body, dict):
                return google_error(400, "invalid", "Invalid value")
            return self.insert(cid, body)
        if eid is not None and req.method == "PATCH":
            if not isinstance(body, dict):
                return google_error(400, "invalid", "Invalid value")
            return self.patch(cid, eid, body)
        if eid is not None and req.method == "DELETE":
            return self.delete(cid, eid)
        if eid is not None and req.method == "GET":
            with self._lock:
                e = self.cal(cid)["events"].get(eid)
                return Reply.of_json(self.public(e)) if e else google_error(404, "notFound",
                                                                           "Not Found")
        return google_error(405, "methodNotAllowed", "Method Not Allowed")

    def insert(self, cid, body, notify=True):
        eid = body.get("id") or secrets.token_hex(13)
        if not isinstance(eid, str) or not EVENT_ID.match(eid):
            return google_error(400, "invalid", "Invalid resource id value.")
        if event_time(body.get("start")) is None or event_time(body.get("end")) is None:
            return google_error(400, "required", "Missing end time.")
        with self._lock:
            c = self.cal(cid)
            if eid in c["events"]:
                return google_error(409, "duplicate", "The requested identifier already exists.")
            event = copy.deepcopy(body)
            event.update({"kind": "calendar#event", "id": eid, "status": "confirmed",
                          "htmlLink": "https://www.google.com/calendar/event?eid=" + eid,
                          "created": rfc3339(time.time())})
            self.touch(c, event)
            c["events"][eid] = event
            answer = self.public(event)
        if notify:
            self.changed(cid)
        return Reply.of_json(answer)

    def patch(self, cid, eid, body, notify=True):
        with self._lock:
            event = self.cal(cid)["events"].get(eid)
            if not event:
                return google_error(404, "notFound", "Not Found")
            merge(event, body)
            event["id"] = eid
            self.touch(self.cal(cid), event)
            answer = self.public(event)
        if notify:
            self.changed(cid)
        return Reply.of_json(answer)

    def delete(self, cid, eid, notify=True):
        with self._lock:
            c = self.cal(cid)
            event = c["events"].get(eid)
            if not event:
                return google_error(404, "notFound", "Not Found")
            if event["status"] == "cancelled":
                return google_error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            self.touch(c, event)
        if notify:
            self.changed(cid)
        return Reply(status=204, body=b"", content_type="application/json")

    def list_events(self, cid, one, query):
        try:
            limit = min(int(one.get("maxResults", 250)), 2500)
        except ValueError:
            return google_error(400, "invalid", "Invalid value for: maxResults")
        with self._lock:
            c = self.cal(cid)
            if "pageToken" in one:
                page = decode_token(one["pageToken"])
                if not page or page.get("cal") != cid:
                    return google_error(400, "invalid", "Invalid page token value.")
            else:
                page = {"cal": cid, "since": 0, "upto": c["seq"], "offset": 0,
                        "deleted": one.get("showDeleted") == "true",
                        "xp": query.get("privateExtendedProperty", []),
                        "min": parse_time(one.get("timeMin")), "max": parse_time(one.get("timeMax"))}
                if "syncToken" in one:
                    if any(k in one for k in SYNC_FORBIDDEN):
                        return google_error(400, "invalid", "Sync token cannot be used with "
                                            "other filters.")
                    if one.get("showDeleted") == "false":
                        return google_error(400, "invalid", "showDeleted=false is not allowed "
                                            "with a sync token.")
                    sync = decode_token(one["syncToken"])
                    if not sync or sync.get("cal") != cid:
                        return google_error(400, "invalid", "Invalid sync token value.")
                    if sync.get("gen") != c["generation"]:
                        return google_error(410, "fullSyncRequired", "Sync token is no longer "
                                            "valid, a full sync is required.", domain="calendar",
                                            locationType="parameter", location="syncToken")
                    page.update(since=sync["seq"], deleted=True)
            chosen = []
            for e in c["events"].values():
                if e["_seq"] <= page["since"] or e["_seq"] > page["upto"]:
                    continue
                if e["status"] == "cancelled" and not page["deleted"]:
                    continue
                props = (e.get("extendedProperties") or {}).get("private") or {}
                if any(props.get(x.partition("=")[0]) != x.partition("=")[2] for x in page["xp"]):
                    continue
                if page["min"] is not None and (event_time(e.get("end")) or 0) <= page["min"]:
                    continue
                if page["max"] is not None and (event_time(e.get("start")) or 0) >= page["max"]:
                    continue
                chosen.append(e)
            chosen.sort(key=lambda e: e["_seq"])
            items = chosen[page["offset"]:page["offset"] + limit]
            answer = {"kind": "calendar#events", "etag": '"%d"' % c["seq"], "summary": cid.partition("/")[2],
                      "updated": rfc3339(time.time()), "timeZone": "UTC",
                      "accessRole": "owner", "defaultReminders": [],
                      "items": [self.public(e) for e in items]}
            if page["offset"] + limit < len(chosen):
                answer["nextPageToken"] = encode_token(dict(page, offset=page["offset"] + limit))
            else:
                answer["nextSyncToken"] = encode_token({"cal": cid, "seq": page["upto"],
                                                        "gen": c["generation"]})
        return Reply.of_json(answer)

    def freebusy(self, req, account):
        try:
            body = json.loads(req.body)
            lo, hi = parse_time(body["timeMin"]), parse_time(body["timeMax"])
            items = [i["id"] for i in body.get("items", [])]
        except (ValueError, KeyError, TypeError):
            return google_error(400, "badRequest", "Bad Request")
        if lo is None or hi is None:
            return google_error(400, "badRequest", "Bad Request")
        answer = {"kind": "calendar#freeBusy", "timeMin": body["timeMin"],
                  "timeMax": body["timeMax"], "calendars": {}}
        with self._lock:
            for cid in items:
                key = account + "/" + cid
                if key not in self.calendars:
                    answer["calendars"][cid] = {"errors": [{"domain": "global",
                                                            "reason": "notFound"}], "busy": []}
                    continue
                busy = []
                for e in self.calendars[key]["events"].values():
                    s, t = event_time(e.get("start")), event_time(e.get("end"))
                    if e["status"] == "cancelled" or e.get("transparency") == "transparent":
                        continue
                    if s is not None and t is not None and s < hi and t > lo:
                        busy.append({"start": rfc3339(max(s, lo)), "end": rfc3339(min(t, hi))})
                answer["calendars"][cid] = {"busy": sorted(busy, key=lambda b: b["start"])}
        return Reply.of_json(answer)

    def watch(self, req, cid):
        try:
            body = json.loads(req.body)
            cid_ok = isinstance(body["id"], str) and 0 < len(body["id"]) <= 64
            address = body["address"]
        except (ValueError, KeyError, TypeError):
            return google_error(400, "badRequest", "Bad Request")
        if not cid_ok or body.get("type") != "web_hook" or not str(address).startswith("http"):
            return google_error(400, "badRequest", "Bad Request")
        with self._lock:
            if body["id"] in self.channels:
                return google_error(400, "channelIdNotUnique", "Channel id not unique")
            expiration = body.get("expiration") or int((time.time() + 7 * 86400) * 1000)
            channel = {"kind": "api#channel", "id": body["id"],
                       "resourceId": secrets.token_urlsafe(20),
                       "resourceUri": "https://www.googleapis.com/calendar/v3/calendars/"
                                      + urllib.parse.quote(cid.partition("/")[2], safe="")
                                      + "/events?alt=json",
                       "expiration": str(int(expiration))}
            if body.get("token") is not None:
                channel["token"] = body["token"]
            self.channels[body["id"]] = dict(channel, calendar=cid, address=address, messages=0)
        self.send_later(body["id"], "sync")
        return Reply.of_json(channel)

    def stop_channel(self, req):
        try:
            body = json.loads(req.body)
            cid, rid = body["id"], body["resourceId"]
        except (ValueError, KeyError, TypeError):
            return google_error(400, "badRequest", "Bad Request")
        with self._lock:
            ch = self.channels.get(cid)
            if not ch or ch["resourceId"] != rid:
                return google_error(404, "notFound", f"Channel '{cid}' not found for project")
            del self.channels[cid]
        return Reply(status=204, body=b"", content_type="application/json")

    # Push notifications.
    def changed(self, cid):
        with self._lock:
            ids = [i for i, ch in self.channels.items() if ch["calendar"] == cid]
        for i in ids:
            self.send_later(i, "exists")

    def send_later(self, channel_id, state, token=None):
        threading.Thread(target=self.send, args=(channel_id, state, token), daemon=True).start()

    def send(self, channel_id, state, token=None):
        """POST one notification of channel_id; returns the status our endpoint answered."""
        with self._lock:
            ch = self.channels.get(channel_id)
            if not ch:
                return None
            ch["messages"] += 1
            headers = {"X-Goog-Channel-ID": ch["id"], "X-Goog-Message-Number": str(ch["messages"]),
                       "X-Goog-Resource-ID": ch["resourceId"],
                       "X-Goog-Resource-URI": ch["resourceUri"],
                       "X-Goog-Resource-State": state,
                       "X-Goog-Channel-Expiration": formatdate(int(ch["expiration"]) / 1000,
                                                               usegmt=True),
                       "Content-Length": "0"}
            token = ch.get("token") if token is None else token
            if token is not None:
                headers["X-Goog-Channel-Token"] = token
            address = ch["address"]
        # http.client keeps the headers' case as Google writes them (urllib would not).
        target = urllib.parse.urlsplit(address)
        conn = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=10)
        try:
            conn.request("POST", target.path + ("?" + target.query if target.query else ""),
                         body=b"", headers=headers)
            return conn.getresponse().status
        except OSError:
            return 0
        finally:
            conn.close()

    # Steering.
    def _control(self, req):
        parsed = urllib.parse.urlsplit(req.path)
        path, query = parsed.path, {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        try:
            body = json.loads(req.body) if req.body else {}
        except ValueError:
            return Reply.of_json({"error": "control body is not JSON"}, 400)
        if not isinstance(body, dict):
            return Reply.of_json({"error": "control body is not a JSON object"}, 400)
        if path == "/_fake/requests":
            with self._lock:
                return Reply.of_json([{"method": r.method, "path": r.path, "headers": r.headers,
                                       "body": r.body.decode("utf-8", "replace")}
                                      for r in self.requests])
        if path == "/_fake/reset":
            self.reset()
            return Reply.of_json({"reset": True})
        if path == "/_fake/behave":
            self.behave_limited(body.get("behaviour", "normal"), body.get("delay_ms", 0),
                                body.get("fail_status", 500), body.get("times"),
                                body.get("only", ""))
            return Reply.of_json({"behaviour": self.behaviour})
        if path == "/_fake/consent":
            self.consent = body.get("answer", "approve")
            self.account = body.get("account", self.account)
            return Reply.of_json({"consent": self.consent, "account": self.account})
        if path == "/_fake/token_lifetime":
            self.token_lifetime = int(body.get("seconds", 3599))
            return Reply.of_json({"seconds": self.token_lifetime})
        account = body.get("account") or query.get("account") or self.account
        if path == "/_fake/revoke":
            with self._lock:
                mine = [g for g in self.grants.values() if g["account"] == account]
                for g in mine:
                    g["revoked"] = True
            return Reply.of_json({"revoked": len(mine)})
        if path == "/_fake/events" and req.method == "GET":
            with self._lock:
                c = self.cal(account + "/" + query.get("calendar", "primary"))
                return Reply.of_json([self.public(e) for e in c["events"].values()])
        if path == "/_fake/events" and req.method == "POST":
            cid = account + "/" + body.get("calendar", "primary")
            if "count" in body:
                return self.bulk(cid, int(body["count"]), float(body.get("start", time.time())))
            return self.insert(cid, body.get("event", {}))
        if path == "/_fake/events/shift":
            return self.shift(account + "/" + body.get("calendar", "primary"),
                              int(body.get("seconds", 3600)))
        m = CONTROL_EVENT.match(path)
        if m:
            cid = account + "/" + urllib.parse.unquote(m.group(1))
            eid = urllib.parse.unquote(m.group(2))
            return self.delete(cid, eid) if m.group(3) else self.patch(cid, eid, body)
        if path == "/_fake/expire_sync":
            with self._lock:
                self.cal(account + "/" + body.get("calendar", "primary"))["generation"] += 1
            return Reply.of_json({"expired": True})
        if path == "/_fake/channels":
            with self._lock:
                return Reply.of_json([c for c in self.channels.values()
                                      if c["calendar"].startswith(account + "/")])
        if path == "/_fake/notify":
            status = self.send(body.get("channel_id", ""), body.get("state", "exists"),
                               body.get("token"))
            return Reply.of_json({"status": status})
        return Reply.of_json({"error": "no such control"}, 404)

    def shift(self, cid, seconds):
        """Move every live event of a calendar by seconds, as one change each."""
        with self._lock:
            c = self.cal(cid)
            moved = 0
            for e in c["events"].values():
                if e["status"] == "cancelled":
                    continue
                for edge in ("start", "end"):
                    t = event_time(e.get(edge))
                    if t is not None and "dateTime" in e[edge]:
                        e[edge] = {"dateTime": rfc3339(t + seconds)}
                self.touch(c, e)
                moved += 1
        self.changed(cid)
        return Reply.of_json({"moved": moved})

    def bulk(self, cid, count, start):
        """count hour-long owner's events an hour apart from start, one notification for all."""
        with self._lock:
            c = self.cal(cid)
            for i in range(count):
                eid = secrets.token_hex(13)
                s = start + i * 3600
                event = {"kind": "calendar#event", "id": eid, "status": "confirmed",
                         "summary": f"Busy {i}", "created": rfc3339(time.time()),
                         "start": {"dateTime": rfc3339(s)},
                         "end": {"dateTime": rfc3339(s + 3600)}}
                self.touch(c, event)
                c["events"][eid] = event
        self.changed(cid)
        return Reply.of_json({"created": count})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--client-id", default="fake-client-id")
    ap.add_argument("--client-secret", default="fake-client-secret")
    args = ap.parse_args()
    fake = GoogleFake(args.client_id, args.client_secret).start(args.port)
    serve_until_interrupted(fake, f"google fake listening on {fake.url}")


if __name__ == "__main__":
    main()
