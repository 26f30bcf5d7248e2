"""SMS length: GSM-7 / UCS-2 segment counting, the SMS_MAX_SEGMENTS limit, and what the preview shows."""

import pytest

from leads import sms_segments
from leads.models import MessageTemplate
from operations.models import BulkOperation, ItemStatus
from tests.factories import make_lead

BUILDER = "/leads/bulk/"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),  # 2 x 153
        ("a" * 307, "GSM-7", 307, 3),
        ("Precio: 300.000 € {ok} ñ", "GSM-7", 27, 1),  # € { } are two septets each, ñ one
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "[", "GSM-7", 154, 1),
        ("😀" + "a" * 68, "UCS-2", 70, 1),  # one emoji switches to UCS-2 and takes two units
        ("😀" + "a" * 69, "UCS-2", 71, 2),
        ("😀" + "a" * 132, "UCS-2", 134, 2),  # 2 x 67
        ("😀" + "a" * 133, "UCS-2", 135, 3),
        ("Łódź" + "a" * 66, "UCS-2", 70, 1),  # a letter outside GSM-7 does too
    ],
)
def test_segment_counts_on_known_strings(text, encoding, units, segments):
    counted = sms_segments.count(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_a_pair_is_never_split_across_segments():
    # 152 septets then an escape pair: the pair does not fit in the first 153, so it opens segment 2.
    assert sms_segments.count("a" * 152 + "€" + "a" * 10).segments == 2
    assert sms_segments.count("a" * 66 + "😀" + "a" * 10).segments == 2


def api_create(api, lead, parameters):
    return api.post(
        "/api/v1/bulk-operations",
        {"target": "leads", "operation_type": "message", "parameters": parameters, "ids": [lead.pk]},
        format="json",
    )


def test_the_api_refuses_an_sms_over_the_maximum(api_for, manager, location, settings):
    settings.SMS_MAX_SEGMENTS = 2
    lead = make_lead(location, phone="+14155550123")
    api = api_for(manager)
    response = api_create(api, lead, {"channel": "sms", "body": "a" * 307})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "body",
            "message": "Too long for SMS even before placeholders are filled in: "
            "307 characters, GSM-7, 3 segments; at most 2 segments allowed.",
        }
    ]
    assert api_create(api, lead, {"channel": "sms", "body": "a" * 306}).status_code == 201
    assert api_create(api, lead, {"channel": "email", "subject": "Hi", "body": "a" * 307}).status_code == 201


def test_the_api_refuses_a_template_over_the_maximum(api_for, manager, location, settings):
    settings.SMS_MAX_SEGMENTS = 1
    lead = make_lead(location, phone="+14155550123")
    template = MessageTemplate.objects.create(location=location, name="Long", body="😀" * 40)
    response = api_create(api_for(manager), lead, {"channel": "sms", "template_id": template.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "template_id"
    assert "40 characters, UCS-2, 2 segments; at most 1 segment allowed" in response.json()["errors"][0]["message"]
    assert not BulkOperation.objects.exists()


def test_the_builder_form_refuses_an_sms_over_the_maximum(client_for, manager, location, settings):
    settings.SMS_MAX_SEGMENTS = 1
    lead = make_lead(location, phone="+14155550123")
    data = {
        "operation_type": "message",
        "method": "ids",
        "action": "run",
        "pasted_ids": str(lead.pk),
        "params-channel": "sms",
        "params-body": "a" * 161,
    }
    response = client_for(manager).post(BUILDER, data)
    assert response.status_code in (200, 400)
    assert "2 segments; at most 1 segment allowed" in response.content.decode()
    assert not BulkOperation.objects.exists()


def test_a_lead_whose_filled_in_sms_is_too_long_is_skipped(run_op, manager, location, settings, twilio_sms):
    settings.SMS_MAX_SEGMENTS = 1
    short = make_lead(location, first_name="Al", phone="+14155550121")
    long = make_lead(location, first_name="B" * 100, phone="+14155550122")
    operation = run_op(
        manager, location, "message", {"channel": "sms", "body": "a" * 100 + " {first_name}"}, [short.pk, long.pk]
    )
    assert operation.items.get(object_id=short.pk).status == ItemStatus.SUCCEEDED
    skipped = operation.items.get(object_id=long.pk)
    assert skipped.status == ItemStatus.SKIPPED
    assert skipped.error_message == ("Too long for SMS: 201 characters, GSM-7, 2 segments; at most 1 segment allowed.")
    assert len(twilio_sms) == 1


def preview(client, data):
    base = {"operation_type": "message", "method": "ids"}
    return client.post(BUILDER + "preview/", {**base, **data}, HTTP_HX_REQUEST="true")


def test_the_preview_shows_each_sms_length_and_each_email_subject(client_for, manager, location):
    lead = make_lead(location, first_name="Ana", phone="+14155550123")
    client = client_for(manager)
    sms = preview(client, {"params-channel": "sms", "params-body": "Hola {first_name} 😀", "pasted_ids": str(lead.pk)})
    assert sms.context["preview"].sample[0].after == "Hola Ana 😀\n\n[10 characters, UCS-2, 1 segment]"
    email = preview(
        client,
        {
            "params-channel": "email",
            "params-subject": "For {first_name}",
            "params-body": "Hi",
            "pasted_ids": str(lead.pk),
        },
    )
    assert email.context["preview"].sample[0].after == "Subject: For Ana\n\nHi"
    assert "Subject: For Ana" in email.content.decode()


def test_the_operation_page_names_the_template(client_for, run_op, manager, location):
    lead = make_lead(location, phone="+14155550123")
    template = MessageTemplate.objects.create(location=location, name="Spring open house", body="Hi {first_name}")
    operation = run_op(manager, location, "message", {"channel": "sms", "template_id": template.pk}, [lead.pk])
    page = client_for(manager).get(f"/operations/{operation.pk}/").content.decode()
    assert "Spring open house" in page
    assert "Template id" not in page and f"#{template.pk}" not in page


def test_the_sms_count_endpoint_counts_text_and_templates(client_for, manager, location, outsider, settings):
    settings.SMS_MAX_SEGMENTS = 1
    client = client_for(manager)
    counted = client.get("/leads/bulk/sms-count/", {"text": "a" * 161}).json()
    assert counted == {
        "text": "161 characters, GSM-7, 2 segments (before placeholders are filled in); at most 1 allowed",
        "too_long": True,
    }
    template = MessageTemplate.objects.create(location=location, name="T", body="Hi {first_name} 😀")
    counted = client.get("/leads/bulk/sms-count/", {"template": template.pk}).json()
    assert counted["text"].startswith("5 characters, UCS-2, 1 segment") and counted["too_long"] is False
    assert client_for(outsider).get("/leads/bulk/sms-count/", {"template": template.pk}).status_code == 404


def test_the_preview_says_which_sms_will_be_held_for_quiet_hours(client_for, manager, location, settings, monkeypatch):
    from django.utils import timezone

    from tests.leads.test_messaging_quiet_hours import NOON_UTC

    settings.SMS_QUIET_HOURS = True
    monkeypatch.setattr(timezone, "now", lambda: NOON_UTC)
    lead = make_lead(location, phone="+12125550101")
    response = client_for(manager).post(
        "/leads/bulk/preview/",
        {
            "operation_type": "message",
            "method": "ids",
            "params-channel": "sms",
            "params-body": "Hi",
            "pasted_ids": lead.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.context["preview"].reasons == [
        ("succeeded", "Held for the lead's quiet hours until 2026-11-23 08:00 America/New_York", 1)
    ]
