"""test_attacks_media: attacks on nginx's /media/ and the voice worker behind it, each shown to
fail: a test call's token opening a Twilio media stream whose CallSid the attacker chooses, a
Twilio stream's token opening a test call, sockets that never start or go quiet, and more
connections from one address than nginx allows.

The stack's voice worker gives way to one that talks to fakes of Deepgram and Twilio's REST API
but keeps the stack's MEDIA_TOKEN_SECRET, so the tokens the application hands out are good here.
"""
import asyncio
import json
import os
import time

import pytest
import websockets

from conftest import BASE_URL
from test_testcall import PROTOCOL, start_call, ws_url_through_nginx
from test_voice import (ACME, CALL_SIDS, MEDIA_URL, Worker, acme, new_call,  # noqa: F401
                        start_stack_worker, stop_stack_worker, token)
from tests.fakes.deepgram_fake import DeepgramFake
from tests.fakes.twilio_fake import MediaStreamsCaller, TwilioFake

STACK_SECRET = os.environ.get("MEDIA_TOKEN_SECRET", "")
BROWSER_URL = BASE_URL.replace("http://", "ws://") + "/media/browser"
MEDIA_CONN = int(os.environ.get("MEDIA_CONN", "20"))     # what scripts/test sets


class StackSecretWorker(Worker):
    def env(self):
        return {**super().env(), "MEDIA_TOKEN_SECRET": STACK_SECRET}


def stack_token(call_id, org_id=ACME):
    """A stream token as the stack's own voice webhook makes it."""
    return token(call_id, org_id, secret=STACK_SECRET)


@pytest.fixture(scope="module")
def fakes():
    dg = DeepgramFake().start()
    tw = TwilioFake().start()
    stop_stack_worker()
    worker = StackSecretWorker(dg, tw)
    worker.start()
    yield dg, tw, worker
    worker.stop()
    dg.stop()
    tw.stop()
    start_stack_worker()


def restarted(worker, **settings):
    worker.stop()
    worker.extra = {k: str(v) for k, v in settings.items()}
    worker.start()


def refused_stream(c, tw, sid, why):
    """0 pressed at once; the stream is closed as a policy violation (the reason saying why),
    hears nothing, and moves no call."""
    c.dtmf(0)
    assert c.closed.wait(5)
    assert c.close_code == 1008, (c.close_code, c.close_reason)
    assert why in c.close_reason, c.close_reason
    assert not c.media_in
    time.sleep(0.5)
    assert not [u for u in tw.updates if u["sid"] == sid]


# A test call's token -------------------------------------------------------------------------

def test_a_test_call_token_opens_no_twilio_stream(fakes, business):
    """The attack: a signed-in user's test call token, and a stream start naming someone else's
    live CallSid, then 0 pressed to have the platform's Twilio account dial the transfer phone
    into that call."""
    _, tw, _ = fakes
    start = start_call(business)
    victim = tw.live_call()
    before = len(tw.updates)
    c = MediaStreamsCaller(MEDIA_URL, {"token": start["token"], "call_id": start["call_id"]},
                           call_sid=victim).connect()
    try:
        refused_stream(c, tw, victim, "token refused")
    finally:
        c.hangup()
    assert len(tw.updates) == before


def test_a_callsid_other_than_the_calls_own_is_refused(fakes, acme):
    """Even a good stream token moves only its own call: the CallSid comes from the call's row,
    and a start naming another (or a path such as ../) closes the stream."""
    _, tw, _ = fakes
    victim = tw.live_call()
    before = len(tw.updates)
    for claimed in (victim, "CA" + "0" * 32, "CA../Messages", "CA" + "0" * 30 + "/.."):
        call_id = new_call(acme)
        c = MediaStreamsCaller(MEDIA_URL, {"token": stack_token(call_id), "call_id": call_id},
                               call_sid=claimed).connect()
        try:
            # The token is good: it is the CallSid that is refused.
            refused_stream(c, tw, claimed, "callSid")
        finally:
            c.hangup()
    assert len(tw.updates) == before


def test_the_calls_own_callsid_still_transfers(fakes, acme):
    """The control: the same steps with the row's CallSid reach Twilio for that call only."""
    _, tw, _ = fakes
    acme.cursor().execute("UPDATE organizations SET transfer_phone = '+15557654321' WHERE id = %s",
                          (ACME,))
    sid = tw.live_call()
    call_id = new_call(acme, call_sid=sid)
    c = MediaStreamsCaller(MEDIA_URL, {"token": stack_token(call_id), "call_id": call_id},
                           call_sid=sid).connect()
    try:
        c.wait_for(lambda: c.media_in, timeout=10)
        c.dtmf(0)
        update = c.wait_for(lambda: [u for u in tw.updates if u["sid"] == sid], timeout=10)
        assert "<Dial>+15557654321</Dial>" in update[0]["params"].get("Twiml", "")
    finally:
        c.hangup()


async def close_code(url, messages, subprotocols=None, **kw):
    async with websockets.connect(url, subprotocols=subprotocols, **kw) as ws:
        for m in messages:
            await ws.send(m)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 20)
        except websockets.ConnectionClosed as closed:
            return closed.code, closed.reason


def test_a_stream_token_opens_no_test_call(fakes, business, owner_db):
    call_id = new_call(owner_db)
    start = {"event": "start", "token": stack_token(call_id)}
    code, _ = asyncio.run(close_code(BROWSER_URL, [json.dumps(start)], PROTOCOL))
    assert code == 1008
    # A browser token of the right kind still opens its test call.
    good = start_call(business)

    async def greeted():
        async with websockets.connect(ws_url_through_nginx(good), subprotocols=PROTOCOL) as ws:
            await ws.send(json.dumps({"event": "start", "token": good["token"]}))
            while True:
                msg = await asyncio.wait_for(ws.recv(), 20)
                if isinstance(msg, str) and json.loads(msg)["event"] == "transcript":
                    return json.loads(msg)["speaker"]
    assert asyncio.run(greeted()) == "assistant"


# Idle sockets ---------------------------------------------------------------------------------

async def held_open_for(url, messages=(), subprotocols=None, limit=20):
    """Seconds until the server closed a socket that sent messages and then nothing."""
    t0 = time.monotonic()
    async with websockets.connect(url, subprotocols=subprotocols, ping_interval=None) as ws:
        for m in messages:
            await ws.send(m)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), limit)
        except websockets.ConnectionClosed:
            return time.monotonic() - t0, ws.close_code
        except asyncio.TimeoutError:
            return None, None


def test_a_stream_that_never_starts_is_closed_within_10_s(fakes):
    connected = json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})

    async def both():
        return await asyncio.gather(held_open_for(MEDIA_URL),
                                    held_open_for(MEDIA_URL, [connected]),
                                    held_open_for(BROWSER_URL, subprotocols=PROTOCOL))
    for seconds, code in asyncio.run(both()):
        assert seconds is not None, "still open after 20 s"
        assert 9 <= seconds <= 12.5, seconds
        assert code == 1008


def test_a_quiet_stream_is_closed(fakes, acme):
    _, _, worker = fakes
    restarted(worker, MEDIA_IDLE_TIMEOUT_MS=2000)
    try:
        call_id = new_call(acme)
        # Twilio sends a frame every 20 ms; this caller sends none after its start.
        c = MediaStreamsCaller(MEDIA_URL, {"token": stack_token(call_id), "call_id": call_id},
                               call_sid=CALL_SIDS[call_id], continuous=False).connect()
        t0 = time.monotonic()
        try:
            assert c.closed.wait(20)
            assert c.close_code == 1008
            assert time.monotonic() - t0 >= 1.5
        finally:
            c.hangup()
        # One that keeps talking is not.
        call_id = new_call(acme)
        c = MediaStreamsCaller(MEDIA_URL, {"token": stack_token(call_id), "call_id": call_id},
                               call_sid=CALL_SIDS[call_id]).connect()
        try:
            assert not c.closed.wait(4)
        finally:
            c.hangup()
    finally:
        restarted(worker)


# Connections from one address -----------------------------------------------------------------

async def open_many(n):
    """Open n sockets to /media/stream; returns (open sockets, HTTP statuses of refusals)."""
    opened, statuses = [], []
    for _ in range(n):
        try:
            opened.append(await websockets.connect(MEDIA_URL, ping_interval=None))
        except websockets.InvalidStatusCode as e:
            statuses.append(e.status_code)
    return opened, statuses


async def greeted_from(local_host, call_id):
    """A Twilio stream of call_id from another client address hears its greeting."""
    async with websockets.connect(MEDIA_URL, local_addr=(local_host, 0)) as ws:
        sid, stream = CALL_SIDS[call_id], "MZ" + "1" * 32
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": stream,
                                  "start": {"streamSid": stream, "callSid": sid,
                                            "accountSid": "AC" + "0" * 31 + "1",
                                            "tracks": ["inbound"],
                                            "customParameters": {"token": stack_token(call_id),
                                                                 "call_id": call_id},
                                            "mediaFormat": {"encoding": "audio/x-mulaw",
                                                            "sampleRate": 8000, "channels": 1}}}))
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if msg.get("event") == "media":
                return True


def test_one_address_holds_a_bounded_number_of_media_sockets(fakes, acme):
    call_id = new_call(acme)

    async def attack():
        opened, statuses = await open_many(MEDIA_CONN + 5)
        try:
            # Another caller, from another address, is still served meanwhile.
            other = await greeted_from("127.0.0.2", call_id)
        finally:
            await asyncio.gather(*(ws.close() for ws in opened))
        return len(opened), statuses, other

    n_open, statuses, other = asyncio.run(attack())
    assert n_open <= MEDIA_CONN
    assert len(statuses) >= 5 and set(statuses) == {429}
    assert other
