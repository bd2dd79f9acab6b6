"""test_page_messages: the Messages page and a lead's texts show the texts customers sent to the
business's numbers, newest first, with the sender's lead, and nothing of another business's."""
import html
import uuid

import pytest

from conftest import sql
from test_hook_twilio_sms import confirmation_sent, phone, text


@pytest.fixture
def line(business, owner_db):
    """The business's verified number, texting on."""
    business.number = phone()
    sql(owner_db, "INSERT INTO phone_numbers (org_id, e164, verified_at) VALUES (%s, %s, now())",
        business.org_id, business.number)
    sql(owner_db, "UPDATE organizations SET sms_enabled = true WHERE id = %s", business.org_id)
    return business


def page_text(client, path):
    r = client.get(path, allow_redirects=False)
    assert r.status_code == 200, (path, r.status_code)
    return html.unescape(r.text)


def test_the_owner_reads_texts_sent_to_their_number(line, other_business, owner_db):
    customer, stranger = phone(), phone()
    [(lead,)] = sql(owner_db, "INSERT INTO leads (org_id, phone, name) VALUES (%s, %s, %s) "
                              "RETURNING id::text", line.org_id, customer, "Dana Reyes")
    first = "Is the 3pm slot free on Friday? <b>" + uuid.uuid4().hex[:6]
    second = "Also: the gate code is 4411 " + uuid.uuid4().hex[:6]
    text(line.number, customer, first)
    text(line.number, stranger, second)
    text(line.number, customer, "STOP")
    page = page_text(line, "/messages")
    assert 'href="/messages"' in page
    # Newest first, the sender, the text (escaped), and the lead linked where there is one.
    assert page.index(second) < page.index(first)
    assert customer in page and stranger in page
    assert f'href="/leads/{lead}">Dana Reyes</a>' in page
    assert "<b>" + first[-6:] not in line.get("/messages").text
    # Opt-outs are Twilio's to confirm, not the owner's to read.
    assert "STOP" not in page.split("<table")[-1]
    # The lead's page shows that lead's texts, not the other sender's.
    lead_page = page_text(line, f"/leads/{lead}")
    assert first in lead_page and second not in lead_page
    # Another business sees none of it, on its list or through its lead of the same number.
    assert first not in page_text(other_business, "/messages")
    assert second not in page_text(other_business, "/messages")
    [(their_lead,)] = sql(owner_db, "INSERT INTO leads (org_id, phone) VALUES (%s, %s) "
                                    "RETURNING id::text", other_business.org_id, customer)
    assert first not in page_text(other_business, f"/leads/{their_lead}")
    assert other_business.get(f"/leads/{lead}").status_code == 404


def test_a_reschedule_request_shows_as_asked_to_reschedule(line, owner_db):
    customer = phone()
    confirmation_sent(owner_db, line.org_id, customer)
    text(line.number, customer, "R")
    page = page_text(line, "/messages")
    assert "asked to reschedule" in page and customer in page


def test_no_texts_yet(business):
    assert "No texts yet" in page_text(business, "/messages")
