"""Quiet hours: an SMS reaches a lead only 08:00-21:00 in the lead's own time (the calls' rule, outreach.hours)."""

import datetime

import pytest
from django.utils import timezone

from leads import tasks
from leads.models import Message, MessageStatus
from operations.models import ItemStatus
from tests.factories import make_lead

UTC = datetime.UTC
NOON_UTC = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # 07:00 in New York, 12:00 in London


@pytest.fixture
def clock(monkeypatch, settings):
    settings.SMS_QUIET_HOURS = True
    now = {"value": NOON_UTC}
    monkeypatch.setattr(timezone, "now", lambda: now["value"])
    return now


def test_an_sms_outside_the_leads_hours_is_held_until_they_open(clock, twilio_sms, run_op, manager, location):
    new_york = make_lead(location, phone="+12125550101")
    london = make_lead(location, phone="+442079460123")
    operation = run_op(manager, location, "message", {"channel": "sms", "body": "Hi"}, [new_york.pk, london.pk])

    assert [request["data"]["To"] for request in twilio_sms] == [london.phone]
    held = operation.items.get(object_id=new_york.pk)
    assert held.status == ItemStatus.SUCCEEDED
    assert held.error_message == "Held for the lead's quiet hours until 2026-11-23 08:00 America/New_York"
    message = Message.objects.get(operation=operation, lead=new_york)
    assert (message.status, message.send_after) == (
        MessageStatus.QUEUED,
        datetime.datetime(2026, 11, 23, 13, 0, tzinfo=UTC),
    )

    clock["value"] = datetime.datetime(2026, 11, 23, 12, 59, tzinfo=UTC)
    tasks.run_outbox()
    assert len(twilio_sms) == 1  # still 07:59 in New York

    clock["value"] = datetime.datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    tasks.run_outbox()
    assert [request["data"]["To"] for request in twilio_sms] == [london.phone, new_york.phone]
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT


def test_email_is_not_held(clock, run_op, manager, location):
    from django.core import mail

    lead = make_lead(location, phone="+12125550101", email="ny@example.com")
    operation = run_op(manager, location, "message", {"channel": "email", "subject": "S", "body": "Hi"}, [lead.pk])
    assert operation.items.get().error_message == "" and len(mail.outbox) == 1
