"""test_provider_keys: every key on Settings -> Provider keys is used by the code that calls its
provider, with the server's own as the fallback, and each has a Check that makes one harmless
request and says what came back (against the fakes' own answers and error bodies)."""
import html
import os
import re
import subprocess
import sys

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.openai_fake import OpenAIFake  # noqa: E402
from conftest import DSN_APP, sql  # noqa: E402

BIN = os.environ.get("SB_BIN", "")
TWILIO_FAKE = os.environ.get("SB_TWILIO_FAKE_URL", "")
VAPI_KEY = os.environ.get("SB_VAPI_API_KEY", "")
DEEPGRAM_KEY = os.environ.get("SB_DEEPGRAM_KEY", "")
ELEVENLABS_KEY = os.environ.get("SB_ELEVENLABS_KEY", "")
OPENAI_TTS_KEY = os.environ.get("SB_OPENAI_TTS_KEY", "")
CHECK_RE = re.compile(r'<p class="flash flash-(\w+)" role="status" data-check="\w+">([^<]*)</p>')


def check(client, provider):
    """Press Check for provider; returns (kind, message) as the page shows them."""
    r = client.post_form("/settings/credentials/check", {"provider": provider})
    assert r.status_code == 200, r.text[:800]
    found = CHECK_RE.findall(r.text)
    assert len(found) == 1, r.text
    return found[0][0], html.unescape(found[0][1])


def save(client, **fields):
    r = client.post_form("/settings/credentials", fields)
    assert r.status_code == 303, r.text[:800]


@pytest.fixture
def llm():
    fake = OpenAIFake(api_key="sk-business-own-key-1234").start()
    yield fake
    fake.stop()


# ---------- Check ----------

def test_twilio_check_says_the_account_or_the_refusal(business):
    # Without a key of its own the business checks the server's account.
    kind, message = check(business, "twilio")
    assert kind == "ok"
    assert message == ("Twilio accepted the server's key (this business has saved none): "
                       "account Main account (active)")
    own = requests.post(TWILIO_FAKE + "/_fake/accounts", json={"friendly_name": "Acme Own"},
                        timeout=5).json()
    save(business, twilio_account_sid=own["sid"], twilio_auth_token=own["auth_token"])
    assert check(business, "twilio") == ("ok", "Twilio accepted the key: account Acme Own "
                                                "(active)")
    save(business, twilio_auth_token="revoked-token-0000")
    assert check(business, "twilio") == ("error", "Twilio refused the key: 401 Authenticate "
                                                   "(error 20003)")


def test_llm_check_against_the_endpoint(business, llm):
    save(business, llm_base_url=llm.url + "/v1", llm_api_key="sk-business-own-key-1234")
    assert check(business, "llm") == ("ok", "OpenAI-compatible endpoint accepted the key: "
                                            "1 model, gpt-test among them")
    save(business, llm_api_key="sk-revoked-key-9999")
    assert check(business, "llm") == (
        "error", "OpenAI-compatible endpoint refused the key: 401 invalid_api_key "
                 "(Incorrect API key provided.)")
    llm.behave("fail", fail_status=503)
    kind, message = check(business, "llm")
    assert kind == "error" and message.startswith(
        "OpenAI-compatible endpoint could not check the key now: 503")
    llm.behave("garbage")
    kind, message = check(business, "llm")
    assert kind == "error" and "not in its own format" in message


def test_llm_check_of_an_endpoint_nobody_listens_on(business):
    save(business, llm_base_url="http://127.0.0.1:9/v1", llm_api_key="sk-anything-1234")
    kind, message = check(business, "llm")
    assert kind == "error" and message.startswith("Could not reach OpenAI-compatible endpoint:")


def test_speech_checks(business):
    assert check(business, "deepgram") == (
        "info", "No Deepgram key is saved here or on the server: stream mode cannot recognize "
                "speech.")
    save(business, deepgram_api_key=DEEPGRAM_KEY)
    assert check(business, "deepgram") == ("ok", "Deepgram accepted the key: project Fake project")
    save(business, deepgram_api_key="dg-revoked-key-0000")
    assert check(business, "deepgram") == (
        "error", "Deepgram refused the key: 401 INVALID_AUTH (Invalid credentials.)")

    save(business, elevenlabs_api_key=ELEVENLABS_KEY)
    assert check(business, "elevenlabs") == (
        "ok", "ElevenLabs accepted the key: starter plan, 1200 of 30000 characters used")
    save(business, elevenlabs_api_key="el-revoked-key-0000")
    assert check(business, "elevenlabs") == (
        "error", "ElevenLabs refused the key: 401 invalid_api_key (Invalid API key)")

    save(business, openai_tts_api_key=OPENAI_TTS_KEY)
    assert check(business, "openai_tts") == (
        "ok", "OpenAI speech accepted the key: 1 model, tts-1 among them")


def test_vapi_check(business):
    assert check(business, "vapi") == ("info", "No Vapi API key is saved: nothing to check.")
    save(business, vapi_api_key=VAPI_KEY)
    assert check(business, "vapi") == ("ok", "Vapi accepted the key: 1 phone number")
    save(business, vapi_api_key="vapi-revoked-key")
    kind, message = check(business, "vapi")
    assert kind == "error" and message.startswith("Vapi refused the key: 401 Unauthorized")


def test_check_needs_a_known_provider_and_an_admin(business):
    r = business.post_form("/settings/credentials/check", {"provider": "nonsense"})
    assert r.status_code == 503
    r = business.post_form("/settings/credentials/check", {})
    assert r.status_code == 400
    r = business.post("/settings/credentials/check", data={"provider": "twilio"})
    assert r.status_code == 403


def test_the_page_says_what_calls_use(business):
    page = business.get("/settings/credentials").text
    assert "Calls use the server&#39;s account until you save your own." in page
    assert "Not set here or on the server: stream mode cannot recognize speech." in page
    save(business, deepgram_api_key=DEEPGRAM_KEY, llm_model="gpt-own-model",
         elevenlabs_voice_id="voice-own-1")
    page = business.get("/settings/credentials").text
    # Names are shown whole; keys only by their last four characters.
    assert "gpt-own-model" in page and "voice-own-1" in page
    assert DEEPGRAM_KEY not in page and "••••" + DEEPGRAM_KEY[-4:] in page


# ---------- The keys are used ----------

def chat(org_id, fake, lines, **env):
    """switchboard-chat for one conversation with the server's LLM at fake (key sk-server)."""
    full = dict(os.environ, DATABASE_URL=DSN_APP, LLM_BASE_URL=fake.url + "/v1",
                LLM_API_KEY="sk-server-key", LLM_MODEL="gpt-server", BRAIN_BUDGET_MS="3000",
                LOG_LEVEL="warn", **env)
    done = subprocess.run([os.path.join(BIN, "switchboard-chat"), "--org", org_id,
                           "--caller", "+15555550123"], input="".join(l + "\n" for l in lines),
                          capture_output=True, text=True, env=full, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_business_key_reaches_the_model_and_others_use_the_servers(business, other_business,
                                                                     llm):
    save(business, llm_api_key="sk-business-own-key-1234", llm_model="gpt-own")
    llm.script_text("We are open eight to six.")
    out = chat(business.org_id, llm, ["When are you open?"])
    assert "We are open eight to six." in out
    assert llm.authorizations() == ["Bearer sk-business-own-key-1234"]
    assert [r["model"] for r in llm.chat_requests()] == ["gpt-own"]

    llm.requests.clear()
    llm.script_text("Open eight to six.")
    out = chat(other_business.org_id, llm, ["When are you open?"])
    assert "Open eight to six." in out
    assert llm.authorizations() == ["Bearer sk-server-key"]
    assert [r["model"] for r in llm.chat_requests()] == ["gpt-server"]


def test_a_business_endpoint_is_used_with_its_own_key_only(business, llm):
    """A business's own base URL never receives the server's key."""
    save(business, llm_base_url=llm.url + "/v1")
    server = OpenAIFake().start()
    try:
        llm.script_text("Hello from the business's endpoint.")
        out = chat(business.org_id, server, ["Hi"])
        assert "Hello from the business's endpoint." in out
        assert llm.authorizations() == [None]
        assert server.chat_requests() == []
    finally:
        server.stop()


def test_a_key_that_cannot_be_opened_falls_back_to_the_server(business, owner_db, llm):
    save(business, llm_api_key="sk-business-own-key-1234")
    sql(owner_db, "UPDATE provider_credentials SET secret_enc = '\\x00'::bytea "
                  "WHERE org_id = %s AND provider = 'llm'", business.org_id)
    llm.script_text("Still here.")
    assert "Still here." in chat(business.org_id, llm, ["Hi"])
    assert llm.authorizations() == ["Bearer sk-server-key"]


# ---------- Public addresses ----------

def test_plain_http_public_address_is_warned_about_where_webhooks_are_shown(business):
    """The test stack's PUBLIC_BASE_URL is http://127.0.0.1:<port>."""
    base = os.environ.get("SB_BASE_URL", "")
    for path, address in (("/line", base + "/hooks/twilio/voice"),
                          ("/settings/vapi", base + "/hooks/vapi")):
        page = business.get(path).text
        assert address in page, path
        assert 'data-warning="plain-http"' in page, path
        assert "Twilio and Vapi need https in production" in page, path
    assert 'data-warning="plain-http"' not in business.get("/settings/credentials").text
