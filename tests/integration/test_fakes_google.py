"""test_fakes_google: the Google fake speaks OAuth and Calendar v3 as PROTOCOLS.md §10 says:
paging and sync tokens, the 410 body, private extended properties, freeBusy, channels, tokens
that expire or are revoked, and the behaviours tests steer it with."""
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.google_fake import GoogleFake  # noqa: E402

CB = "http://127.0.0.1:9/cb"


@pytest.fixture
def google():
    fake = GoogleFake("cid", "csecret").start()
    yield fake
    fake.stop()


def grant(fake):
    """Consent and code exchange; returns the token answer and Bearer headers."""
    r = requests.get(fake.url + "/o/oauth2/v2/auth", allow_redirects=False, params={
        "response_type": "code", "client_id": "cid", "redirect_uri": CB, "state": "s.1",
        "scope": "https://www.googleapis.com/auth/calendar.events", "access_type": "offline"})
    assert r.status_code == 302
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
    assert q["state"] == "s.1"
    t = requests.post(fake.url + "/token", data={
        "grant_type": "authorization_code", "code": q["code"], "redirect_uri": CB,
        "client_id": "cid", "client_secret": "csecret"})
    assert t.status_code == 200
    assert requests.post(fake.url + "/token", data={
        "grant_type": "authorization_code", "code": q["code"], "redirect_uri": CB,
        "client_id": "cid", "client_secret": "csecret"}).json()["error"] == "invalid_grant"
    return t.json(), {"Authorization": "Bearer " + t.json()["access_token"]}


def api(fake, path):
    return fake.url + "/calendar/v3" + path


def event(i, **extra):
    e = {"start": {"dateTime": f"2030-01-0{1 + i % 9}T10:00:00Z"},
         "end": {"dateTime": f"2030-01-0{1 + i % 9}T11:00:00Z"}}
    e.update(extra)
    return e


def test_oauth_codes_refresh_revocation_and_denial(google):
    tokens, auth = grant(google)
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
    bad = requests.post(google.url + "/token", data={"grant_type": "refresh_token",
                        "refresh_token": tokens["refresh_token"], "client_id": "cid",
                        "client_secret": "wrong"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    fresh = requests.post(google.url + "/token", auth=("cid", "csecret"), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert fresh.status_code == 200 and "refresh_token" not in fresh.json()
    assert requests.post(google.url + "/revoke", params={"token": tokens["refresh_token"]}).status_code == 200
    again = requests.post(google.url + "/token", auth=("cid", "csecret"), data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 400 and again.json() == {
        "error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    assert requests.get(api(google, "/calendars/primary/events"), headers=auth).status_code == 401
    assert requests.post(google.url + "/revoke", params={"token": "nope"}).json()["error"] == "invalid_token"
    google.consent = "deny"
    r = requests.get(google.url + "/o/oauth2/v2/auth", allow_redirects=False, params={
        "response_type": "code", "client_id": "cid", "redirect_uri": CB, "state": "x"})
    assert r.headers["Location"] == CB + "?error=access_denied&state=x"


def test_expired_access_token_is_refused(google):
    google.token_lifetime = 0
    _, auth = grant(google)
    time.sleep(0.05)
    r = requests.get(api(google, "/calendars/primary/events"), headers=auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == 401


def test_pages_sync_tokens_deletions_and_410(google):
    _, auth = grant(google)
    for i in range(5):
        assert requests.post(api(google, "/calendars/primary/events"), json=event(i),
                             headers=auth).status_code == 200
    seen, token, page = [], None, {}
    while True:
        page = requests.get(api(google, "/calendars/primary/events"), headers=auth,
                            params={"maxResults": 2, **({"pageToken": token} if token else {})}).json()
        seen += [e["id"] for e in page["items"]]
        assert ("nextPageToken" in page) != ("nextSyncToken" in page)
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(seen) == 5
    sync = page["nextSyncToken"]
    assert requests.delete(api(google, f"/calendars/primary/events/{seen[0]}"), headers=auth).status_code == 204
    assert requests.delete(api(google, f"/calendars/primary/events/{seen[0]}"), headers=auth).status_code == 410
    assert requests.delete(api(google, "/calendars/primary/events/zzzzz"), headers=auth).status_code == 404
    changes = requests.get(api(google, "/calendars/primary/events"), headers=auth,
                           params={"syncToken": sync}).json()
    assert [(e["id"], e["status"]) for e in changes["items"]] == [(seen[0], "cancelled")]
    assert requests.get(api(google, "/calendars/primary/events"), headers=auth).json()["items"].__len__() == 4
    assert len(requests.get(api(google, "/calendars/primary/events"), headers=auth,
                            params={"showDeleted": "true"}).json()["items"]) == 5
    refused = requests.get(api(google, "/calendars/primary/events"), headers=auth,
                           params={"syncToken": sync, "timeMin": "2030-01-01T00:00:00Z"})
    assert refused.status_code == 400
    google.calendars[google.account + "/primary"]["generation"] += 1
    gone = requests.get(api(google, "/calendars/primary/events"), headers=auth,
                        params={"syncToken": sync})
    assert gone.status_code == 410
    assert gone.json() == {"error": {"errors": [{
        "domain": "calendar", "reason": "fullSyncRequired",
        "message": "Sync token is no longer valid, a full sync is required.",
        "locationType": "parameter", "location": "syncToken"}], "code": 410,
        "message": "Sync token is no longer valid, a full sync is required."}}


def test_ids_private_properties_patch_and_freebusy(google):
    _, auth = grant(google)
    mine = event(0, id="sb0123456789", extendedProperties={"private": {"sb": "1", "sb_booking": "b_42"}})
    assert requests.post(api(google, "/calendars/primary/events"), json=mine, headers=auth).status_code == 200
    dup = requests.post(api(google, "/calendars/primary/events"), json=mine, headers=auth)
    assert dup.status_code == 409 and dup.json()["error"]["errors"][0]["reason"] == "duplicate"
    assert requests.post(api(google, "/calendars/primary/events"), json=event(1, id="UPPER"),
                         headers=auth).status_code == 400
    requests.post(api(google, "/calendars/primary/events"), json=event(2), headers=auth)
    found = requests.get(api(google, "/calendars/primary/events"), headers=auth,
                         params={"privateExtendedProperty": "sb_booking=b_42"}).json()["items"]
    assert [e["id"] for e in found] == ["sb0123456789"]
    patched = requests.patch(api(google, "/calendars/primary/events/sb0123456789"), headers=auth,
                             json={"summary": "x", "extendedProperties": {"private": {"sb_booking": None}}}).json()
    assert patched["summary"] == "x" and patched["extendedProperties"]["private"] == {"sb": "1"}
    fb = requests.post(api(google, "/freeBusy"), headers=auth, json={
        "timeMin": "2030-01-01T00:00:00Z", "timeMax": "2030-01-02T00:00:00Z",
        "items": [{"id": "primary"}, {"id": "x@group.calendar.google.com"}]}).json()
    assert fb["kind"] == "calendar#freeBusy"
    assert fb["calendars"]["primary"]["busy"] == [{"start": "2030-01-01T10:00:00.000Z",
                                                   "end": "2030-01-01T11:00:00.000Z"}]
    assert fb["calendars"]["x@group.calendar.google.com"]["errors"][0]["reason"] == "notFound"


def test_watch_notifies_and_channels_stop(google):
    _, auth = grant(google)
    got = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(({k: v for k, v in self.headers.raw_items()},
                        self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *a):
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{hook.server_address[1]}/hooks/google"
    ch = requests.post(api(google, "/calendars/primary/events/watch"), headers=auth, json={
        "id": "chan-1", "type": "web_hook", "address": address, "token": "tok",
        "expiration": 1426325213000}).json()
    assert ch["kind"] == "api#channel" and ch["expiration"] == "1426325213000"
    requests.post(api(google, "/calendars/primary/events"), json=event(0), headers=auth)
    deadline = time.time() + 5
    while len(got) < 2 and time.time() < deadline:
        time.sleep(0.05)
    states = sorted((h["X-Goog-Message-Number"], h["X-Goog-Resource-State"]) for h, _ in got)
    assert states == [("1", "sync"), ("2", "exists")]
    headers, body = got[0]
    assert body == b"" and headers["X-Goog-Channel-ID"] == "chan-1"
    assert headers["X-Goog-Channel-Token"] == "tok" and headers["X-Goog-Resource-ID"] == ch["resourceId"]
    assert requests.post(api(google, "/channels/stop"), headers=auth,
                         json={"id": "chan-1", "resourceId": ch["resourceId"]}).status_code == 204
    assert requests.post(api(google, "/channels/stop"), headers=auth,
                         json={"id": "chan-1", "resourceId": ch["resourceId"]}).status_code == 404
    hook.shutdown()


def test_behaviours_limited_to_a_path_and_a_count(google):
    _, auth = grant(google)
    google.behave_limited("fail", fail_status=429, times=1, only="/calendar/v3/calendars")
    r = requests.get(api(google, "/calendars/primary/events"), headers=auth)
    assert r.status_code == 429 and r.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert requests.get(api(google, "/calendars/primary/events"), headers=auth).status_code == 200
    google.behave_limited("garbage", only="/calendar/v3")
    r = requests.get(api(google, "/calendars/primary/events"), headers=auth)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    google.behave_limited("slow", delay_ms=300, only="/token")
    start = time.time()
    requests.post(google.url + "/token", data={})
    assert time.time() - start >= 0.3
