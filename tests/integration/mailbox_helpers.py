"""mailbox_helpers.py: the emails Switchboard sent to an address, for tests that follow a link.

They are read from the mail relay fake the stack starts (SB_SMTP_FAKE_URL, tests/fakes/smtp_fake.py):
what arrived over SMTP, after the job runner sent it."""
import email
import email.policy
import os
import time

import requests

FAKE = os.environ.get("SB_SMTP_FAKE_URL", "")
# The link each purpose's email carries.
LINKS = {"password_reset": "/password/reset/", "verify_email": "/verify-email/"}


def _text(data):
    """The plain-text body of a raw message."""
    message = email.message_from_string(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body else ""


def all_for(address, purpose, db=None):
    """The texts of every email of purpose (its link) that reached address, oldest first."""
    assert FAKE, "scripts/test starts the mail relay fake and exports SB_SMTP_FAKE_URL"
    got = requests.get(FAKE + "/_fake/messages", timeout=10).json()
    texts = []
    for m in got:
        if address.lower() not in [r.lower() for r in m["rcpt_tos"]]:
            continue
        text = _text(m["data"])
        if LINKS[purpose] in text:
            texts.append(text)
    return texts


def wait_for(address, purpose, db=None, count=1, timeout=20):
    """The text of the newest email of purpose for address, once at least count have arrived."""
    deadline = time.monotonic() + timeout
    while True:
        texts = all_for(address, purpose)
        if len(texts) >= count:
            return texts[-1]
        assert time.monotonic() < deadline, f"no {purpose} email reached {address}"
        time.sleep(0.2)
