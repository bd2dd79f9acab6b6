"""mailbox_helpers.py: the emails Switchboard sent to an address, for tests that follow a link.

The text is read from the mail.send jobs Switchboard queued (what the job runner hands to SMTP)."""
import time

from conftest import sql


def all_for(address, purpose, db):
    """The texts of every email of purpose queued for address, oldest first."""
    rows = sql(db, "SELECT payload->>'text' FROM jobs WHERE kind = 'mail.send' "
               "AND lower(payload->>'to') = lower(%s) AND payload->>'purpose' = %s "
               "ORDER BY created_at, id", address, purpose)
    return [text for (text,) in rows]


def wait_for(address, purpose, db, timeout=10):
    """The text of the newest email of purpose for address, waiting for it to be queued."""
    deadline = time.monotonic() + timeout
    while True:
        texts = all_for(address, purpose, db)
        if texts:
            return texts[-1]
        assert time.monotonic() < deadline, f"no {purpose} email for {address}"
        time.sleep(0.1)
