"""Placeholder rendering that cannot be abused, and the message operation's exactly-once sending."""

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from leads import messaging, services
from leads.models import Message, MessageStatus, MessageTemplate
from operations.models import ItemStatus
from tests.factories import make_lead


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "leads.messaging.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return tmp_path / "sms.jsonl"


def sms_lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_render_fills_the_six_placeholders(location):
    lead = make_lead(
        location,
        first_name="Ana",
        last_name="Diaz",
        email="ana@example.com",
        phone="+14155550123",
        budget=Decimal("450000"),
        area="Austin",
    )
    text = "Hi {first_name} {last_name} ({email}, {phone}): {budget} in {location}. {{literal}}"
    assert messaging.render(text, lead) == (
        "Hi Ana Diaz (ana@example.com, +14155550123): $450,000 in Austin. {literal}"
    )


def test_missing_values_fall_back(location):
    lead = make_lead(location, first_name="Bo", budget=None, area="")
    assert messaging.render("{budget} in {location}", lead) == "your budget in your area"


@pytest.mark.parametrize(
    "text",
    [
        "{first_name.__class__}",
        "{first_name.__class__.__init__.__globals__}",
        "{0}",
        "{}",
        "{email!r}",
        "{email:>1000000}",
        "{first_name:{email}}",
        "{first_name[0]}",
        "{settings.SECRET_KEY}",
        "{first_name",
        "first_name}",
        "{{first_name}",
        "{lead}",
    ],
)
def test_template_injection_is_a_validation_error(text, location):
    with pytest.raises(messaging.TemplateError):
        messaging.validate(text)
    template = MessageTemplate(location=location, name="x", body=text)
    with pytest.raises(ValidationError) as error:
        services.save_template(template=template)
    assert "body" in error.value.message_dict
    assert not MessageTemplate.objects.exists()


def test_escaped_braces_are_literal_text(location):
    lead = make_lead(location, first_name="Cy")
    assert messaging.render("{{first_name.__class__}} {{0}} {first_name}", lead) == "{first_name.__class__} {0} Cy"


def test_message_operation_with_injected_body_is_refused(run_op, manager, location):
    from operations import engine
    from operations.errors import InvalidInput

    lead = make_lead(location)
    with pytest.raises(InvalidInput) as error:
        engine.create_operation(
            user=manager,
            location=location,
            target="leads",
            operation_type="message",
            params={"channel": "sms", "body": "{email!r}"},
            ids=[lead.pk],
        )
    assert "body" in {e["field"] for e in error.value.errors}


def test_sms_operation_sends_once_per_lead_and_skips_dnc_and_missing_phone(run_op, manager, location, sms_file):
    ok = make_lead(location, first_name="Ana", phone="+14155550123")
    dnc = make_lead(location, phone="+14155550124", do_not_contact=True)
    no_phone = make_lead(location, phone="")
    template = MessageTemplate.objects.create(location=location, name="Hi", body="Hi {first_name}!")
    op = run_op(
        manager, location, "message", {"channel": "sms", "template_id": template.pk}, [ok.pk, dnc.pk, no_phone.pk]
    )

    items = {i.object_id: (i.status, i.error_message) for i in op.items.all()}
    assert items == {
        ok.pk: (ItemStatus.SUCCEEDED, ""),
        dnc.pk: (ItemStatus.SKIPPED, "Do not contact"),
        no_phone.pk: (ItemStatus.SKIPPED, "No phone number"),
    }
    assert [(line["lead_id"], line["body"]) for line in sms_lines(sms_file)] == [(ok.pk, "Hi Ana!")]
    sent = Message.objects.get(operation=op, lead=ok)
    assert (sent.status, sent.provider_id) == (MessageStatus.SENT, f"file-{sent.pk}")
    assert Message.objects.get(operation=op, lead=dnc).status == MessageStatus.SKIPPED
    template.refresh_from_db()
    assert template.usage_count == 1 and template.last_used_at is not None


def test_email_operation_goes_through_django_mail(run_op, manager, location):
    lead = make_lead(location, first_name="Eve", email="eve@example.com")
    op = run_op(
        manager,
        location,
        "message",
        {"channel": "email", "subject": "For {first_name}", "body": "Hello {first_name}"},
        [lead.pk],
    )
    assert op.successful == 1
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [(["eve@example.com"], "For Eve", "Hello Eve")]
    assert Message.objects.get(operation=op).provider_id.startswith("<")


class FlakySMS:
    """Refuses one number, like a provider rejecting an invalid destination."""

    def send(self, message):
        if message.to.endswith("9"):
            raise messaging.SMSError("Invalid 'To' number")
        return f"SM{message.pk}"

    def was_sent(self, message):
        return None


def test_provider_failure_fails_that_lead_only(run_op, manager, location, settings):
    settings.SMS_BACKEND = "tests.leads.test_messaging.FlakySMS"
    good = make_lead(location, phone="+14155550123")
    bad = make_lead(location, phone="+14155550129")
    op = run_op(manager, location, "message", {"channel": "sms", "body": "Hi"}, [good.pk, bad.pk])

    assert (op.successful, op.failed) == (1, 1)
    assert op.items.get(object_id=bad.pk).error_message == "Sending failed: Invalid 'To' number"
    assert Message.objects.get(lead=bad).status == MessageStatus.FAILED


def test_outbox_never_sends_a_claimed_message_twice(manager, location, sms_file):
    leads = [make_lead(location, phone=f"+1415555012{i}") for i in range(3)]
    for lead in leads:
        Message.objects.create(lead=lead, channel="sms", to=lead.phone, body="x")
    claimed = messaging._claim(None, 2)
    assert len(claimed) == 2
    # A second outbox run meanwhile sends only the one not claimed.
    assert messaging.send_queued() == 1
    assert len(sms_lines(sms_file)) == 1


def test_stale_sending_message_is_reconciled_not_resent(manager, location, sms_file):
    lead = make_lead(location, phone="+14155550123")
    message = Message.objects.create(lead=lead, channel="sms", to=lead.phone, body="x")
    [claimed] = messaging._claim(None, 1)
    messaging.FileSMSBackend().send(claimed)  # sent, then the worker "died" before recording it
    lost = Message.objects.create(
        lead=make_lead(location, phone="+14155550124"), channel="sms", to="+14155550124", body="y"
    )
    messaging._claim(None, 1)  # claimed, never sent

    assert messaging.reconcile_stale(stale_seconds=0) == 2
    message.refresh_from_db()
    lost.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert lost.status == MessageStatus.QUEUED
    messaging.send_queued()
    assert sorted(line["message_id"] for line in sms_lines(sms_file)) == [message.pk, lost.pk]


def test_twilio_backend_uses_official_client(location):
    from twilio.rest import Client

    requests = []

    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class FakeHttp(TwilioHttpClient):
        def request(self, method, url, params=None, data=None, headers=None, **kwargs):
            requests.append((method, url, dict(data or {})))
            return Response(201, json.dumps({"sid": "SM123", "status": "queued"}))

    client = Client("ACtest", "token", http_client=FakeHttp())
    lead = make_lead(location, phone="+14155550123")
    message = Message.objects.create(lead=lead, channel="sms", to=lead.phone, body="Hi")
    assert messaging.TwilioSMSBackend(client=client).send(message) == "SM123"
    method, url, data = requests[0]
    assert method == "POST" and url.endswith("/Messages.json")
    assert data["To"] == "+14155550123" and data["Body"] == "Hi"
