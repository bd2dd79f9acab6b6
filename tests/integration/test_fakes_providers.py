"""test_fakes_providers: the Deepgram, TTS and Twilio fakes speak their providers' protocols, and
the Media Streams driver plays Twilio's part on a stream (PROTOCOLS.md §3, §4, §8, §9)."""
import asyncio
import base64
import json
import os
import sys
import time

import pytest
import requests
import websockets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes import mulaw  # noqa: E402
from tests.fakes.deepgram_fake import DeepgramFake  # noqa: E402
from tests.fakes.tts_fake import TtsFake  # noqa: E402
from tests.fakes.twilio_fake import MediaStreamsCaller, TwilioFake  # noqa: E402
from tests.fakes.wsbase import WsServer  # noqa: E402

LISTEN = "/v1/listen?encoding=mulaw&sample_rate=8000&channels=1&model=nova-2&punctuate=true" \
         "&interim_results=true&endpointing=200&utterance_end_ms=1000"


# Deepgram ---------------------------------------------------------------------------------------

def connect(url, **kwargs):
    """Open a WebSocket and close it again; raises what the handshake raised."""
    async def go():
        ws = await websockets.connect(url, **kwargs)
        await ws.close()
    asyncio.run(go())


@pytest.fixture
def dg():
    f = DeepgramFake(api_key="dg-key").start()
    yield f
    f.stop()


class Listener:
    """A Deepgram client on its own loop: sends audio frames on a schedule, collects replies."""

    def __init__(self, url, key="dg-key"):
        self.url, self.key = url, key
        self.got = []           # (t, text)
        self.sent = []          # (t just before sending, "audio"|"text", loud)
        self.close = None

    def run(self, plan, linger=1.0):
        """plan: list of (bytes | str, pause_s). Sends each, then listens linger seconds more."""
        asyncio.run(self._run(plan, linger))
        return self

    async def _run(self, plan, linger):
        async with websockets.connect(self.url + LISTEN, ping_interval=None,
                                      extra_headers={"Authorization": "Token " + self.key}) as ws:
            reader = asyncio.ensure_future(self._read(ws))
            for data, pause in plan:
                loud = isinstance(data, bytes) and mulaw.rms(data) > 1000
                self.sent.append((time.monotonic(), "audio" if isinstance(data, bytes) else data,
                                  loud))
                try:
                    await ws.send(data)
                except websockets.ConnectionClosed:
                    break
                if pause:
                    await asyncio.sleep(pause)
            try:
                await asyncio.wait_for(asyncio.shield(reader), linger)
            except asyncio.TimeoutError:
                reader.cancel()
            self.close = (ws.close_code, ws.close_reason)

    async def _read(self, ws):
        try:
            async for msg in ws:
                self.got.append((time.monotonic(), msg))
        except websockets.ConnectionClosed:
            pass
        self.close = (ws.close_code, ws.close_reason)

    def messages(self, type_=None):
        out = []
        for t, text in self.got:
            m = json.loads(text)
            if type_ is None or m["type"] == type_:
                out.append((t, m))
        return out


def frames(audio, pace=0.02):
    """Audio as 20 ms binary frames with a real-time pause after each."""
    return [(audio[i:i + 160], pace) for i in range(0, len(audio), 160)]


def test_deepgram_refuses_a_wrong_key_at_the_handshake(dg):
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
        connect(dg.url + LISTEN,
                                       extra_headers={"Authorization": "Token wrong"})
    assert e.value.status_code == 401
    r = requests.get(dg.url.replace("ws:", "http:") + LISTEN,
                     headers={"Authorization": "Token wrong", "Connection": "Upgrade",
                              "Upgrade": "websocket"})
    assert r.status_code == 401
    assert r.json()["err_code"] == "INVALID_AUTH" and r.json()["request_id"]
    assert dg.received("/v1/listen")[0].headers["Authorization"] == "Token wrong"
    assert dg.sessions == []


def test_deepgram_transcribes_a_burst_after_its_last_loud_frame(dg):
    dg.script(["I need a plumber tomorrow morning"])
    audio = mulaw.silence(300) + mulaw.tone(1000) + mulaw.silence(700)
    c = Listener(dg.url).run(frames(audio))
    first_loud = next(t for t, _, loud in c.sent if loud)
    last_loud = [t for t, _, loud in c.sent if loud][-1]
    results = c.messages("Results")
    interims = [(t, m) for t, m in results if not m["is_final"]]
    [(t_final, final)] = [(t, m) for t, m in results if m["is_final"]]
    text = final["channel"]["alternatives"][0]["transcript"]
    assert text == "I need a plumber tomorrow morning"
    assert final["speech_final"] and not final["from_finalize"]
    assert interims and all(first_loud < t < t_final for t, _ in interims)
    for _, m in interims:
        assert text.startswith(m["channel"]["alternatives"][0]["transcript"])
        assert not m["speech_final"]
    assert t_final >= last_loud + dg.final_delay_ms / 1000
    words = final["channel"]["alternatives"][0]["words"]
    assert [w["punctuated_word"] for w in words] == text.split()
    assert 0.25 <= final["start"] <= 0.35 and 0.9 <= final["duration"] <= 1.1
    [(t_end, end)] = c.messages("UtteranceEnd")
    assert t_end >= t_final and end["channel"] == [0, 1]
    session = dg.sessions[0]
    assert session.query["encoding"] == "mulaw" and len(session.audio) == len(audio)
    assert dg.unspoken() == []


def test_deepgram_separates_bursts_of_audio_sent_faster_than_real_time(dg):
    dg.script(["yes", "on tuesday please"])
    audio = mulaw.tone(500) + mulaw.silence(500) + mulaw.tone(600) + mulaw.silence(500)
    c = Listener(dg.url).run([(audio, 0.5), ('{"type":"CloseStream"}', 0)])
    finals = [m["channel"]["alternatives"][0]["transcript"]
              for _, m in c.messages("Results") if m["is_final"]]
    assert finals == ["yes", "on tuesday please"]
    types = [m["type"] for _, m in c.messages()]
    assert types[-1] == "Metadata"
    assert c.messages("Metadata")[0][1]["duration"] == pytest.approx(2.1)
    assert c.close[0] == 1000


def test_deepgram_speaks_at_a_scripted_audio_time(dg):
    dg.script([{"text": "my number is five five five", "at_ms": 1000}])
    c = Listener(dg.url).run(frames(mulaw.silence(1200)), linger=0.5)
    [(t_final, final)] = [(t, m) for t, m in c.messages("Results") if m["is_final"]]
    assert final["channel"]["alternatives"][0]["transcript"] == "my number is five five five"
    sent_second = c.sent[1000 // 20 - 1][0]
    assert t_final >= sent_second
    assert any(not m["is_final"] for _, m in c.messages("Results"))


def test_deepgram_finalize_flushes_the_burst_in_progress(dg):
    dg.script(["cancel my appointment"])
    c = Listener(dg.url).run(frames(mulaw.tone(400)) + [('{"type":"Finalize"}', 0)], linger=0.5)
    finals = [m for _, m in c.messages("Results") if m["is_final"]]
    assert finals[0]["from_finalize"] and finals[0]["is_final"]
    assert finals[0]["channel"]["alternatives"][0]["transcript"] == "cancel my appointment"


def test_deepgram_keepalive_holds_the_socket_and_silence_closes_it(dg):
    dg.idle_timeout_s = 0.6
    keepalives = [('{"type":"KeepAlive"}', 0.2)] * 6
    c = Listener(dg.url).run(keepalives, linger=2.0)
    assert c.got == []
    session = dg.sessions[0]
    last_keepalive = session.received[-1][0]
    assert session.closed_at - last_keepalive >= 0.6
    assert c.close == (1011, "NET-0001")


def test_deepgram_stall_drop_and_garble(dg):
    dg.script(["hello", "hello again", "and again"])
    dg.behave("stall")
    c = Listener(dg.url).run(frames(mulaw.tone(300) + mulaw.silence(400)), linger=0.3)
    assert c.got == [] and c.close[0] is None
    dg.behave("drop", after_ms=200)
    c = Listener(dg.url).run(frames(mulaw.tone(300) + mulaw.silence(400)), linger=0.5)
    assert c.close[0] == 1006
    dg.behave("garble")
    c = Listener(dg.url).run(frames(mulaw.tone(300) + mulaw.silence(400)), linger=0.5)
    assert c.got
    with pytest.raises(ValueError):
        json.loads(c.got[0][1])


def test_deepgram_fail_and_hang_at_the_handshake(dg):
    dg.behave("fail", fail_status=503)
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
        connect(dg.url + LISTEN,
                                       extra_headers={"Authorization": "Token dg-key"})
    assert e.value.status_code == 503
    dg.behave("hang")
    with pytest.raises(asyncio.TimeoutError):
        connect(dg.url + LISTEN, open_timeout=0.3,
                                       extra_headers={"Authorization": "Token dg-key"})


# Text to speech ---------------------------------------------------------------------------------

@pytest.fixture
def tts():
    f = TtsFake(eleven_key="el-key", openai_key="sk-key").start()
    f.pace = 0
    yield f
    f.stop()


def eleven(tts, text="Hello there", key="el-key", fmt="ulaw_8000", **kwargs):
    return requests.post(tts.url + "/v1/text-to-speech/voice123/stream",
                         params={"output_format": fmt}, headers={"xi-api-key": key},
                         json={"text": text, "model_id": "eleven_flash_v2_5"} if text is not None
                         else {"model_id": "eleven_flash_v2_5"}, **kwargs)


def test_elevenlabs_refuses_a_wrong_key_and_a_bad_request(tts):
    r = eleven(tts, key="nope")
    assert r.status_code == 401 and r.json()["detail"]["status"] == "invalid_api_key"
    r = eleven(tts, text=None)
    assert r.status_code == 422
    [d] = r.json()["detail"]
    assert d["loc"] == ["body", "text"] and d["msg"] and d["type"]
    r = eleven(tts, fmt="bogus_1")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "output_format"]


def test_elevenlabs_streams_mulaw_in_proportion_to_the_text(tts):
    text = "Your plumber arrives at nine."
    tts.pace = 8.0
    r = eleven(tts, text=text, stream=True)
    assert r.status_code == 200 and r.headers["Transfer-Encoding"] == "chunked"
    chunks = [c for c in r.raw.stream(1024, decode_content=False)]
    audio = b"".join(chunks)
    assert len(audio) == 8 * 60 * len(text)
    assert len(chunks) > 1 and max(len(c) for c in chunks) <= 1024
    assert mulaw.rms(audio) > 1000
    [s] = tts.streams
    assert s["text"] == text and s["voice_id"] == "voice123" and s["format"] == "ulaw_8000"
    assert s["first_byte_at"] - s["arrived_at"] >= 0.15
    assert s["bytes_sent"] == len(audio) and not s["cut"]
    assert tts.received("/v1/text-to-speech/")[0].headers["xi-api-key"] == "el-key"


def test_openai_speech_streams_24khz_pcm(tts):
    url = tts.url + "/v1/audio/speech"
    body = {"model": "tts-1", "input": "One moment please.", "voice": "alloy",
            "response_format": "pcm"}
    r = requests.post(url, json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    r = requests.post(url, json={"model": "tts-1", "voice": "alloy"},
                      headers={"Authorization": "Bearer sk-key"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "input"
    r = requests.post(url, json=body, headers={"Authorization": "Bearer sk-key"})
    assert r.status_code == 200
    assert len(r.content) == 24000 * 2 * 60 * len(body["input"]) // 1000
    assert mulaw.rms_pcm16(r.content) > 1000


def test_tts_fails_mid_stream_after_n_bytes(tts):
    tts.behave("cut", cut_after=3000)
    got = bytearray()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        r = eleven(tts, text="This sentence will not finish.", stream=True)
        assert r.status_code == 200
        for c in r.iter_content(None):
            got.extend(c)
    assert 0 < len(got) <= 3000
    assert tts.streams[-1]["cut"] and tts.streams[-1]["bytes_sent"] == 3000


def test_tts_fail_answers_in_each_providers_error_form(tts):
    tts.behave("fail", fail_status=429)
    r = eleven(tts)
    assert r.status_code == 429 and r.json()["detail"]["status"] == "too_many_concurrent_requests"
    r = requests.post(tts.url + "/v1/audio/speech", headers={"Authorization": "Bearer sk-key"},
                      json={"model": "tts-1", "input": "hi", "voice": "alloy"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limit_exceeded"


# Twilio REST ------------------------------------------------------------------------------------

@pytest.fixture
def tw():
    f = TwilioFake().start()
    yield f
    f.stop()


def tw_post(tw, what, data, auth=None):
    return requests.post("%s/2010-04-01/Accounts/%s/%s" % (tw.url, tw.account_sid, what),
                         data=data, auth=auth or (tw.account_sid, tw.auth_token))


def test_twilio_refuses_wrong_credentials(tw):
    r = tw_post(tw, "Messages.json", {"To": "+15551234567", "From": "+15557654321", "Body": "x"},
                auth=(tw.account_sid, "wrong"))
    assert r.status_code == 401
    assert r.json() == {"code": 20003, "message": "Authenticate", "status": 401,
                        "more_info": "https://www.twilio.com/docs/errors/20003"}
    assert tw.messages == []


def test_twilio_sends_a_message(tw):
    r = tw_post(tw, "Messages.json", {"To": "+15551234567", "From": "+15557654321",
                                      "Body": "Your appointment is confirmed."})
    assert r.status_code == 201
    m = r.json()
    assert m["sid"].startswith("SM") and len(m["sid"]) == 34 and m["status"] == "queued"
    assert m["to"] == "+15551234567" and m["from"] == "+15557654321"
    assert m["direction"] == "outbound-api" and m["num_segments"] == "1"
    assert m["account_sid"] == tw.account_sid and m["error_code"] is None
    assert tw.messages[0]["params"]["Body"] == "Your appointment is confirmed."
    assert requests.get(tw.url + m["uri"], auth=(tw.account_sid, tw.auth_token)).json()["sid"] \
        == m["sid"]


def test_twilio_message_errors(tw):
    tw.unsubscribed.add("+15550000001")
    cases = [({"To": "555", "From": "+15557654321", "Body": "x"}, 21211),
             ({"To": "+15550000001", "From": "+15557654321", "Body": "x"}, 21610),
             ({"To": "+15551234567", "From": "+15557654321"}, 21602),
             ({"From": "+15557654321", "Body": "x"}, 21604)]
    for data, code in cases:
        r = tw_post(tw, "Messages.json", data)
        assert r.status_code == 400 and r.json()["code"] == code, data
        assert r.json()["more_info"].endswith(str(code))
    assert tw.messages == []


def test_twilio_places_and_redirects_calls(tw):
    r = tw_post(tw, "Calls.json", {"To": "+15551234567", "From": "+15557654321",
                                   "Url": "https://example.test/voice"})
    assert r.status_code == 201
    call = r.json()
    assert call["sid"].startswith("CA") and call["status"] == "queued"
    assert call["direction"] == "outbound-api" and call["to"] == "+15551234567"
    r = tw_post(tw, "Calls.json", {"To": "+15551234567", "From": "+15557654321"})
    assert r.status_code == 400 and r.json()["code"] == 21205
    live = tw.live_call()
    r = tw_post(tw, "Calls/%s.json" % live, {"Url": "https://example.test/turn", "Method": "POST"})
    assert r.status_code == 200 and r.json()["status"] == "in-progress"
    assert tw.updates[0]["params"]["Url"] == "https://example.test/turn"
    r = tw_post(tw, "Calls/%s.json" % live, {"Status": "completed"})
    assert r.json()["status"] == "completed"
    r = tw_post(tw, "Calls/CA%s.json" % ("f" * 32), {"Status": "completed"})
    assert r.status_code == 404 and r.json()["code"] == 20404


def test_twilio_rate_limit_and_server_error(tw):
    for status, code in ((429, 20429), (500, 20500)):
        tw.behave("fail", fail_status=status)
        r = tw_post(tw, "Messages.json", {"To": "+15551234567", "From": "+15557654321",
                                          "Body": "x"})
        assert r.status_code == status and r.json()["code"] == code


# Media Streams driver ---------------------------------------------------------------------------

class EchoStream:
    """A tiny bidirectional stream server: replies with audio and a mark once the caller speaks."""

    def __init__(self, reply_ms, clear_after_s=None):
        self.reply_ms = reply_ms
        self.clear_after_s = clear_after_s
        self.got = []           # (t, message)
        self.reply_started_at = None
        self.mark_sent_at = None
        self.echo_at = None
        self.reply_audio = mulaw.tone(reply_ms, freq=800)
        self.server = WsServer(self.handler).start()
        self.url = "ws://127.0.0.1:%d/media/" % self.server.port

    async def handler(self, ws):
        sid = None
        loud = 0
        async for text in ws:
            m = json.loads(text)
            self.got.append((time.monotonic(), m))
            if m["event"] == "start":
                sid = m["streamSid"]
            elif m["event"] == "media":
                if mulaw.rms(base64.b64decode(m["media"]["payload"])) > 1000:
                    loud += 1
                if loud == 5 and self.mark_sent_at is None:
                    self.reply_started_at = time.monotonic()
                    for i in range(0, len(self.reply_audio), 640):
                        payload = base64.b64encode(self.reply_audio[i:i + 640]).decode()
                        await ws.send(json.dumps({"event": "media", "streamSid": sid,
                                                  "media": {"payload": payload}}))
                    await ws.send(json.dumps({"event": "mark", "streamSid": sid,
                                              "mark": {"name": "reply-1"}}))
                    self.mark_sent_at = time.monotonic()
                    if self.clear_after_s is not None:
                        await asyncio.sleep(self.clear_after_s)
                        await ws.send(json.dumps({"event": "clear", "streamSid": sid}))
            elif m["event"] == "mark":
                self.echo_at = time.monotonic()

    def events(self, name):
        return [m for _, m in self.got if m["event"] == name]

    def stop(self):
        self.server.stop()


def test_media_streams_driver_speaks_twilio_and_echoes_marks_after_playback():
    server = EchoStream(reply_ms=400)
    caller = MediaStreamsCaller(server.url, custom_parameters={"call": "c-1", "token": "t"})
    try:
        caller.connect()
        caller.silence(100)
        said = caller.play(mulaw.tone(300))
        caller.silence(200)
        assert said.done.wait(5)
        echo = caller.wait_mark("reply-1", timeout=5)
        assert not echo[2]
        caller.wait_for(lambda: server.echo_at, timeout=2)
        assert server.echo_at - server.reply_started_at >= 0.4
        assert caller.received_audio() == server.reply_audio
        assert caller.first_media_after(said.started_at) is not None
        caller.dtmf("0")
        caller.wait_for(lambda: server.events("dtmf"), timeout=2)
        caller.hangup()
        caller.wait_for(lambda: server.events("stop"), timeout=2)
    finally:
        caller.close()
        server.stop()
    msgs = [m for _, m in server.got]
    assert msgs[0] == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    start = msgs[1]
    assert start["event"] == "start" and start["sequenceNumber"] == "1"
    assert start["start"]["customParameters"] == {"call": "c-1", "token": "t"}
    assert start["start"]["callSid"] == caller.call_sid == msgs[-1]["stop"]["callSid"]
    assert start["start"]["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                             "channels": 1}
    seqs = [int(m["sequenceNumber"]) for m in msgs[1:]]
    assert seqs == list(range(1, len(seqs) + 1))
    media = server.events("media")
    assert [m["media"]["chunk"] for m in media[:3]] == ["1", "2", "3"]
    assert [m["media"]["timestamp"] for m in media[:3]] == ["0", "20", "40"]
    inbound = b"".join(base64.b64decode(m["media"]["payload"]) for m in media)
    assert all(len(base64.b64decode(m["media"]["payload"])) == 160 for m in media)
    assert mulaw.tone(300) in inbound
    assert server.events("dtmf")[0]["dtmf"] == {"track": "inbound_track", "digit": "0"}
    assert server.events("mark")[0]["mark"] == {"name": "reply-1"}
    assert all(m["streamSid"] == caller.stream_sid for m in msgs[1:])
    assert caller.errors == []


def test_media_streams_driver_clear_flushes_audio_and_echoes_pending_marks():
    server = EchoStream(reply_ms=5000, clear_after_s=0.2)
    caller = MediaStreamsCaller(server.url)
    try:
        caller.connect()
        caller.play(mulaw.tone(200))
        echo = caller.wait_mark("reply-1", timeout=4)
        assert echo[2]
        [(t_clear, discarded)] = caller.clears
        assert discarded > 8000 * 4
        assert caller.queued_ms() == 0
        caller.wait_for(lambda: server.echo_at, timeout=2)
        assert server.echo_at - server.mark_sent_at < 4
    finally:
        caller.close()
        server.stop()
