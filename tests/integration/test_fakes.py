"""test_fakes: the common behaviours every provider fake offers tests (normal, slow, fail,
garbage, hang) and the record of what it received."""
import os
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from tests.fakes.fakebase import FakeProvider, Reply  # noqa: E402


class EchoProvider(FakeProvider):
    name = "echo"

    def handle(self, request):
        return Reply.of_json({"path": request.path, "got": request.body.decode()})


@pytest.fixture
def fake():
    f = EchoProvider().start()
    yield f
    f.stop()


def test_normal_answers_and_records(fake):
    r = requests.post(fake.url + "/v1/x", data="hello", headers={"X-Key": "k"})
    assert r.json() == {"path": "/v1/x", "got": "hello"}
    [seen] = fake.received("/v1/")
    assert seen.method == "POST" and seen.body == b"hello" and seen.headers["X-Key"] == "k"


def test_slow_waits_before_answering(fake):
    fake.behave("slow", delay_ms=300)
    t = time.monotonic()
    assert requests.get(fake.url + "/").status_code == 200
    assert time.monotonic() - t >= 0.3


def test_fail_uses_the_providers_error_form(fake):
    fake.behave("fail", fail_status=429)
    r = requests.get(fake.url + "/")
    assert r.status_code == 429
    assert r.json()["error"]["status"] == 429


def test_garbage_is_not_json(fake):
    fake.behave("garbage")
    r = requests.get(fake.url + "/")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


def test_hang_never_answers(fake):
    fake.behave("hang")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(fake.url + "/", timeout=0.3)
