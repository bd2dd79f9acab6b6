"""test_testcall: the dashboard's test call, end to end: the page hands out a call and a token,
and a WebSocket client playing the browser talks to the receptionist through nginx's /media/browser
in 16 kHz PCM, with flite's voice as the caller and the worker's own recognizer listening.
"""
import asyncio
import json
import math
import os
import struct
import subprocess
import tempfile
import time
import wave

import pytest
import websockets

from conftest import BASE_URL, sql

FRAME = 640                          # 20 ms of 16 kHz 16-bit PCM
SAID = "I need a plumber tomorrow"
CONTENT_WORDS = ("need", "plumber", "tomorrow")
PROTOCOL = ["switchboard-browser"]     # the subprotocol a test call names


def flite_pcm16k(text):
    """flite's voice saying text, as 16 kHz 16-bit little-endian PCM. flite speaks 8 kHz: each
    new sample between two is interpolated with a windowed sinc, as a resampler would."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "said.wav")
        subprocess.run(["flite", "-t", text, "-o", path], check=True)
        with wave.open(path) as w:
            rate, frames = w.getframerate(), w.readframes(w.getnframes())
    if rate == 16000:
        return frames
    assert rate == 8000, rate
    x = struct.unpack("<%dh" % (len(frames) // 2), frames)
    taps = 16
    weights = [math.sin(math.pi * (k + 0.5)) / (math.pi * (k + 0.5)) *
               (0.5 + 0.5 * math.cos(math.pi * (k + 0.5) / taps)) for k in range(-taps, taps)]
    out = []
    for i, sample in enumerate(x):
        between = sum(weights[j] * x[i - k] for j, k in enumerate(range(-taps, taps))
                      if 0 <= i - k < len(x))
        out += [sample, max(-32768, min(32767, int(round(between))))]
    return struct.pack("<%dh" % len(out), *out)


def silence(ms):
    return b"\0\0" * (16 * ms)


def start_call(client):
    r = client.post_form("/test-call", headers={"Accept": "application/json"})
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.json()


def ws_url_through_nginx(start):
    """The URL the page gives the browser, which is nginx's own address here."""
    assert start["ws_url"] == BASE_URL.replace("http://", "ws://") + "/media/browser"
    return start["ws_url"]


async def receive_until(ws, done, events, limit=60):
    """Append what arrives to events, ("audio", bytes) or (speaker, text), until done(events)."""
    deadline = time.monotonic() + limit
    while not done(events):
        msg = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
        if isinstance(msg, bytes):
            events.append(("audio", len(msg)))
        else:
            event = json.loads(msg)
            if event["event"] == "transcript":
                events.append((event["speaker"], event["text"]))
    return events


def spoken(events):
    """The transcripts, without the audio."""
    return [e for e in events if e[0] != "audio"]


def greeted(events):
    return any(e[0] == "assistant" for e in events)


def answered(events):
    """The caller was heard, and a reply after it has begun to play."""
    kinds = [e[0] for e in events]
    if "caller" not in kinds:
        return False
    after = kinds[kinds.index("caller"):]
    return "assistant" in after and "audio" in after[after.index("assistant"):]


def audio_between(events, first, then):
    """Bytes of audio after the first event of kind first and before the next of kind then."""
    kinds = [e[0] for e in events]
    start = kinds.index(first)
    end = kinds.index(then, start + 1) if then in kinds[start + 1:] else len(events)
    return sum(e[1] for e in events[start:end] if e[0] == "audio")


async def send_audio(ws, pcm):
    for i in range(0, len(pcm), FRAME):
        await ws.send(pcm[i:i + FRAME])


async def conversation(start):
    async with websockets.connect(ws_url_through_nginx(start), subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps({"event": "start", "token": start["token"]}))
        events = await receive_until(ws, greeted, [])
        await send_audio(ws, silence(500) + flite_pcm16k(SAID) + silence(1500))
        return await receive_until(ws, answered, events)


def words_heard(text):
    return sum(1 for w in CONTENT_WORDS if w in text.lower())


def wait_for(check, limit=20):
    deadline = time.monotonic() + limit
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()


def test_page_offers_a_test_call(business):
    r = business.get("/test-call")
    assert r.status_code == 200
    assert "Start test call" in r.text
    assert 'href="/test-call"' in r.text and "Test call</a>" in r.text
    # The dashboard's header points there too.
    assert 'class="btn" href="/test-call"' in business.get("/").text


def test_start_without_csrf_is_refused(business, owner_db):
    r = business.post("/test-call", data={"csrf": "0" * 64}, headers={"Accept": "application/json"})
    assert r.status_code == 403
    assert sql(owner_db, "SELECT count(*) FROM calls WHERE org_id = %s", business.org_id)[0][0] == 0


def test_signed_out_gets_no_call(owner_db):
    import requests
    r = requests.post(BASE_URL + "/test-call", data={"csrf": "x"}, allow_redirects=False)
    assert r.status_code in (303, 401, 403)


def test_talk_to_the_receptionist(business, owner_db):
    start = start_call(business)
    call_id = start["call_id"]
    row = sql(owner_db, "SELECT org_id::text, provider, direction, status FROM calls WHERE id = %s",
              call_id)
    assert row == [(business.org_id, "browser", "inbound", "queued")]

    events = asyncio.run(conversation(start))
    said = spoken(events)

    # The receptionist speaks first, with the business's greeting, in audio and in words.
    greeting = said[0]
    assert greeting[0] == "assistant" and greeting[1]
    assert audio_between(events, "assistant", "caller") > 16000 * 2   # over a second of speech
    # The caller's words were recognized and answered, spoken aloud.
    callers = [text for speaker, text in said if speaker == "caller"]
    assert len(callers) == 1 and words_heard(callers[0]) >= 2, said
    reply = [e for e in events[events.index(("caller", callers[0])):] if e[0] == "assistant"]
    assert reply and audio_between(events[events.index(reply[0]):], "assistant", "caller") > 0

    # Everything said is stored with the call, and the call ended when the socket closed.
    def turns():
        return sql(owner_db, "SELECT speaker, text FROM call_turns WHERE call_id = %s ORDER BY seq",
                   call_id)
    # The reply is stored once the brain's turn ends, which may be after its first words played.
    assert wait_for(lambda: len(turns()) >= 3), turns()
    turns = turns()
    assert turns[0] == ("assistant", greeting[1])
    assert any(s == "caller" and words_heard(t) >= 2 for s, t in turns), turns
    assert any(s == "assistant" for s, _ in turns[1:])
    assert wait_for(lambda: sql(owner_db, "SELECT status FROM calls WHERE id = %s",
                                call_id)[0][0] == "completed")

    # The owner finds it among the calls, with its transcript.
    assert call_id in business.get("/calls").text
    page = business.get("/calls/" + call_id).text
    assert callers[0] in page


async def refused(url, first):
    """Open a stream, send first (a message or a list of them) and return how it closed."""
    async with websockets.connect(url, subprotocols=PROTOCOL) as ws:
        for msg in first if isinstance(first, list) else [first]:
            await ws.send(msg)
        try:
            while True:
                msg = await asyncio.wait_for(ws.recv(), 20)
                # Nothing is said on a refused stream.
                assert not isinstance(msg, str) or json.loads(msg)["event"] != "transcript", msg
        except websockets.ConnectionClosed as closed:
            return closed.code


def test_bad_token_is_refused(business, owner_db):
    start = start_call(business)
    url = ws_url_through_nginx(start)
    forged = start["token"][:-4] + ("0000" if not start["token"].endswith("0000") else "1111")
    assert asyncio.run(refused(url, json.dumps({"event": "start", "token": forged}))) == 1008
    assert asyncio.run(refused(url, json.dumps({"event": "start"}))) == 1008
    # Audio before the start is refused too.
    assert asyncio.run(refused(url, silence(20))) == 1008
    assert sql(owner_db, "SELECT count(*) FROM call_turns WHERE call_id = %s",
               start["call_id"])[0][0] == 0
    assert sql(owner_db, "SELECT status FROM calls WHERE id = %s", start["call_id"])[0][0] == "queued"


async def garbage_beside_a_good_call(good, bad_urls_and_messages):
    async with websockets.connect(ws_url_through_nginx(good), subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps({"event": "start", "token": good["token"]}))
        greeting = spoken(await receive_until(ws, greeted, []))
        codes = []
        for url, messages in bad_urls_and_messages:
            codes.append(await close_code_after(url, messages))
        # The good call still hears and answers.
        await send_audio(ws, silence(300) + flite_pcm16k(SAID) + silence(1500))
        turn = spoken(await receive_until(ws, answered, []))
    return greeting, codes, turn


async def close_code_after(url, messages):
    async with websockets.connect(url, subprotocols=PROTOCOL, max_size=None) as ws:
        for msg in messages:
            await ws.send(msg)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 20)
        except websockets.ConnectionClosed as closed:
            return closed.code


def test_garbage_closes_only_that_connection(business):
    good = start_call(business)

    def started(*messages):
        """A stream of its own started test call, then messages."""
        bad = start_call(business)
        return (ws_url_through_nginx(bad),
                [json.dumps({"event": "start", "token": bad["token"]})] + list(messages))

    url = ws_url_through_nginx(good)
    greeting, codes, turn = asyncio.run(garbage_beside_a_good_call(good, [
        (url, ["this is not json"]),
        (url, [json.dumps({"event": "dance"})]),
        started(b"\x01\x02\x03"),                       # half a sample
        started(b"\0" * 100000),                          # three seconds in one message
        started("x" * 20000),                             # an oversized text message
        started(json.dumps({"event": "start", "token": good["token"]})),  # a second start
    ]))
    assert greeting[0][0] == "assistant"
    assert codes == [1007, 1007, 1003, 1009, 1009, 1008]
    assert any(s == "caller" for s, _ in turn) and any(s == "assistant" for s, _ in turn)
