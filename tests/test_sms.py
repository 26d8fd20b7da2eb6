"""SMS to citizens through the gateway adapter, against FakeSmsGateway (a fake of a service
outside the machine): the acknowledgement on diarisation, retried through a gateway that times
out or fails (nothing lost), its status on the receipt page; nothing without configuration."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from eoffice.citizens.models import SmsMessage
from eoffice.citizens.sms import GatewayError, send_now
from eoffice.receipts.models import Receipt
from tests.fake_sms import FakeSmsGateway
from tests.test_receipts import diarise

SMS_KEYS = ("SMS_URL", "SMS_KEY", "SMS_SENDER", "SMS_ENTITY_ID", "SMS_TEMPLATE_ACK",
            "SMS_TEMPLATE_REPLY", "SMS_TIMEOUT_SECONDS")  # fmt: skip


@pytest.fixture
def gateway(app):
    fake = FakeSmsGateway()
    saved = {k: app.config.get(k) for k in SMS_KEYS}
    app.config.update(
        SMS_URL=fake.url, SMS_KEY="test-key", SMS_SENDER="LALDMO", SMS_ENTITY_ID="1101000000",
        SMS_TEMPLATE_ACK="1107000000000000001", SMS_TEMPLATE_REPLY="1107000000000000002",
        SMS_TIMEOUT_SECONDS=1,
    )  # fmt: skip
    yield fake
    app.config.update(saved)
    fake.close()


def diarised(c, db, **over) -> Receipt:
    assert diarise(c, **{"is_physical_only": "y", **over}).status_code == 302
    return db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))


def sms_section(c, r) -> str:
    return " ".join(c.page(f"/receipts/{r.id}").find(id="sms-h").parent.get_text(" ").split())


def test_without_configuration_nothing_is_sent_and_the_page_says_so(client, demo):
    client.login("clerk.revenue")
    r = diarised(client, demo)
    assert demo.session.scalar(select(SmsMessage.id)) is None
    assert "सेट नहीं" in sms_section(client, r)


def test_the_acknowledgement_reaches_the_gateway(app, client, demo, gateway):
    client.login("clerk.revenue")
    r = diarised(client, demo)
    m = demo.session.scalar(select(SmsMessage))
    assert m.kind == "ack" and m.status == "pending" and m.to_number == "919415012345"
    job = demo.session.execute(
        text("SELECT args FROM procrastinate_jobs WHERE task_name = 'eoffice:send_sms'")
    ).one()
    assert job.args == {"message_id": m.id}
    assert "भेजा जाना शेष" in sms_section(client, r)
    assert send_now(app, m.id)  # what the worker runs for that job
    (sent,) = gateway.requests
    assert sent["to"] == "919415012345" and sent["sender"] == "LALDMO"
    assert sent["template_id"] == "1107000000000000001" and sent["auth"] == "Bearer test-key"
    assert r.diary_number in sent["text"] and "/status" in sent["text"]
    demo.session.expire_all()
    assert demo.session.scalar(select(SmsMessage.status)) == "sent"
    assert demo.session.scalar(select(SmsMessage.gateway_id)) == "FAKE-1"
    assert "भेजा गया" in sms_section(client, r)
    # a resubmitted form (same key) does not send a second acknowledgement
    assert demo.session.scalar(select(text("count(*)")).select_from(SmsMessage)) == 1


def test_a_gateway_that_times_out_or_fails_loses_nothing(app, client, demo, gateway):
    client.login("clerk.revenue")
    r = diarised(client, demo)
    m_id = demo.session.scalar(select(SmsMessage.id))
    gateway.mode = "slow"
    with pytest.raises(GatewayError):  # the job fails, procrastinate retries it
        send_now(app, m_id)
    gateway.mode = "error"
    with pytest.raises(GatewayError):
        send_now(app, m_id)
    demo.session.expire_all()
    m = demo.session.get(SmsMessage, m_id)
    assert m.status == "pending" and m.attempts == 2 and "503" in m.last_error
    assert "2 प्रयास" in sms_section(client, r)
    gateway.mode = "ok"
    assert send_now(app, m_id)
    demo.session.expire_all()
    assert demo.session.get(SmsMessage, m_id).status == "sent"
    assert send_now(app, m_id)  # a duplicate run of the job sends nothing more
    assert len(gateway.requests) == 3


def test_the_last_try_marks_it_failed_and_the_page_says_so(app, client, demo, gateway):
    client.login("clerk.revenue")
    r = diarised(client, demo)
    m_id = demo.session.scalar(select(SmsMessage.id))
    gateway.mode = "error"
    with pytest.raises(GatewayError):
        send_now(app, m_id, last_try=True)
    assert "नहीं पहुँचा" in sms_section(client, r)


def test_no_sms_without_a_mobile(client, demo, gateway):
    client.login("clerk.revenue")
    diarised(client, demo, citizen_mobile="")
    assert demo.session.scalar(select(SmsMessage.id)) is None
