"""test_attacks_auth.py: attacks on signing in, performed against the running stack."""
import pytest

from conftest import Client, PASSWORD, signup


@pytest.mark.parametrize("next_path", [
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\\\\evil.example",
    "/ok\\..\\..\\evil",
    "https://evil.example/",
    "evil.example",
    "/\x7f/evil.example",
])
def test_sign_in_never_redirects_to_another_site(next_path):
    owner = signup()
    c = Client()
    r = c.post("/login", data={"email": owner.email, "password": PASSWORD, "next": next_path})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_sign_in_goes_back_to_a_local_page():
    owner = signup()
    c = Client()
    r = c.post("/login", data={"email": owner.email, "password": PASSWORD,
                               "next": "/leads?status=new"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/leads?status=new"


def test_the_sign_in_page_does_not_carry_a_foreign_next():
    # The reported attack: /login?next=/%09/evil.example decodes to "/<tab>/evil.example",
    # which a browser reads as //evil.example.
    r = Client().get("/login?next=/%09/evil.example")
    assert r.status_code == 200
    assert "evil.example" not in r.text
