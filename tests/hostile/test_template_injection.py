"""Format-string tricks in message templates: refused at every entry point, or sent as literal text.

tests/leads/test_messaging.py covers messaging.validate() and save_template() over the classic
injections ({0}, {email!r}, {first_name.__class__}, ...), escaped braces in render(), and one
injected body on the engine; tests/leads/test_template_pages.py the template page's body field.
Added here: the cases they leave out, through the API, the builder and the sent messages, and a
template stored before it was ever checked.
"""

import json

import pytest

from leads import messaging
from leads.models import Message, MessageTemplate
from operations import engine
from operations.models import BulkOperation
from tests.factories import make_lead

INJECTIONS = [
    "{first_name:>99999999}",  # a 100 MB string if it were ever formatted
    "{first_name!s}",
    "{{{first_name.__class__}}}",  # the middle pair is a real placeholder, with an attribute
    "{first_name.__class__.__mro__[1].__subclasses__}",
    "}{",
    "{{first_name}}}",
    "{0:{0}}",
]


@pytest.fixture
def lead(location):
    return make_lead(location, first_name="Cy", phone="+14155550123")


def assert_refused(response, field: str):
    assert response.status_code == 400
    assert len(response.content) < 5000  # the message names the placeholder, it never renders it
    body = response.json()
    assert field in [error["field"] for error in body["errors"]], body


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize("field", ["body", "subject"])
def test_the_template_api_refuses_it_in_body_and_subject(text, field, api_for, manager):
    payload = {"name": "T", "body": "Hi", "subject": "", field: text}
    assert_refused(api_for(manager).post("/api/v1/message-templates", payload, format="json"), field)
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize("field", ["body", "subject"])
def test_an_ad_hoc_message_operation_refuses_it(text, field, api_for, manager, lead):
    parameters = {"channel": "email", "subject": "Hello", "body": "Hi", field: text}
    body = {"target": "leads", "operation_type": "message", "parameters": parameters, "ids": [lead.pk]}
    assert_refused(api_for(manager).post("/api/v1/bulk-operations", body, format="json"), field)
    assert not BulkOperation.objects.exists()


@pytest.mark.parametrize("text", INJECTIONS)
def test_the_builder_refuses_to_run_it(text, client_for, manager, lead):
    data = {
        "operation_type": "message",
        "method": "ids",
        "pasted_ids": str(lead.pk),
        "params-channel": "email",
        "params-subject": text,
        "params-body": "Hi",
        "action": "run",
    }
    response = client_for(manager).post("/leads/bulk/", data)
    assert response.status_code == 400
    assert any("subject" in error for error in response.context["errors"])
    assert not BulkOperation.objects.exists()


@pytest.mark.parametrize("text", INJECTIONS)
def test_the_template_page_refuses_it_in_the_subject(text, client_for, manager):
    response = client_for(manager).post(
        "/leads/bulk/templates/new/", {"name": "T", "category": "general", "subject": text, "body": "Hi"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["subject"]
    assert not MessageTemplate.objects.exists()


LITERALS = [
    ("{{}}", "{}"),
    ("{{{first_name}}}", "{Cy}"),
    ("{{{{first_name}}}}", "{{first_name}}"),
    ("{{first_name.__class__}}", "{first_name.__class__}"),
    ("{{0}} {{email!r}}", "{0} {email!r}"),
]


@pytest.mark.parametrize(("text", "sent"), LITERALS)
def test_escaped_braces_are_sent_as_literal_text(text, sent, settings, tmp_path, manager, location, lead):
    settings.SMS_BACKEND = "leads.messaging.FileSMSBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    operation, _ = engine.create_operation(
        user=manager,
        location=location,
        target="leads",
        operation_type="message",
        params={"channel": "sms", "body": text},
        ids=[lead.pk],
    )
    engine.run_operation(operation.pk)
    assert Message.objects.get(lead=lead).body == sent
    lines = [json.loads(line) for line in (tmp_path / "sms.jsonl").read_text().splitlines()]
    assert [line["body"] for line in lines] == [sent]


@pytest.fixture
def unchecked_template(location):
    """A template stored without its placeholders being checked (bulk_create skips every check)."""
    (template,) = MessageTemplate.objects.bulk_create(
        [MessageTemplate(location=location, name="Legacy", subject="{email!r}", body="{first_name.__class__}")]
    )
    with pytest.raises(messaging.TemplateError):
        messaging.validate(template.body)
    return template


def test_previewing_an_unchecked_template_through_the_api_is_a_400(api_for, manager, lead, unchecked_template):
    response = api_for(manager).post(
        f"/api/v1/message-templates/{unchecked_template.pk}/preview", {"lead_id": lead.pk}, format="json"
    )
    assert_refused(response, "template")
    assert "{email!r}: conversions and format specs are not allowed" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_previewing_an_unchecked_template_on_its_page_shows_why(htmx, client_for, manager, lead, unchecked_template):
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client_for(manager).get(
        f"/leads/bulk/templates/{unchecked_template.pk}/preview/", {"lead": lead.pk}, **extra
    )
    assert response.status_code == 400
    assert "This template cannot be rendered" in response.content.decode()
    assert "<class" not in response.content.decode()


def test_sending_with_an_unchecked_template_is_refused(api_for, manager, lead, unchecked_template):
    parameters = {"channel": "email", "template_id": unchecked_template.pk}
    body = {"target": "leads", "operation_type": "message", "parameters": parameters, "ids": [lead.pk]}
    response = api_for(manager).post("/api/v1/bulk-operations", body, format="json")
    assert response.status_code == 400
    assert not Message.objects.exists()
