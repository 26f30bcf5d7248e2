"""Delivery of each SMS from Twilio's signed status callbacks: recorded forward-only, shown and counted."""

from leads.models import Message
from tests.factories import make_lead
from tests.leads.twilio_fake import ACCOUNT, BASE, STATUS_PATH, post_signed


def send_sms(run_op, manager, location, phones):
    leads = [make_lead(location, first_name=f"L{i}", phone=phone) for i, phone in enumerate(phones)]
    operation = run_op(
        manager, location, "message", {"channel": "sms", "body": "Hi {first_name}"}, [x.pk for x in leads]
    )
    return operation, leads


def status(client, message, value, *, sid=None, signature=None, **extra):
    params = {"MessageSid": sid or message.provider_id, "MessageStatus": value, "AccountSid": ACCOUNT, **extra}
    return post_signed(client, f"{STATUS_PATH}?message_id={message.pk}", params, signature=signature)


def test_each_sms_is_sent_with_its_status_callback_url_and_its_sid_is_stored(twilio_sms, run_op, manager, location):
    operation, (lead,) = send_sms(run_op, manager, location, ["+14155550123"])
    (request,) = twilio_sms
    message = Message.objects.get(operation=operation, lead=lead)
    assert request["uri"].endswith("/Messages.json")
    assert request["data"]["StatusCallback"] == f"{BASE}{STATUS_PATH}?message_id={message.pk}"
    assert message.provider_id == request["sid"] and message.delivery_status == ""


def test_callbacks_move_delivery_forward_only_and_once(client, twilio_sms, run_op, manager, location):
    operation, _ = send_sms(run_op, manager, location, ["+14155550123"])
    message = Message.objects.get(operation=operation)
    for value in ("queued", "sent", "delivered", "delivered", "sent", "queued", "undelivered", "failed"):
        assert status(client, message, value).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == "delivered" and message.delivery_updated_at is not None


def test_an_undelivered_report_keeps_the_carrier_error(client, twilio_sms, run_op, manager, location):
    operation, _ = send_sms(run_op, manager, location, ["+14155550123"])
    message = Message.objects.get(operation=operation)
    status(client, message, "sent")
    status(client, message, "undelivered", ErrorCode="30003")
    status(client, message, "delivered")  # late and contradictory: a final status stays
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("undelivered", "30003")


def test_a_forged_or_misaddressed_callback_changes_nothing(client, twilio_sms, run_op, manager, location):
    operation, _ = send_sms(run_op, manager, location, ["+14155550123"])
    message = Message.objects.get(operation=operation)
    assert status(client, message, "delivered", signature="forged").status_code == 403
    assert status(client, message, "delivered", sid="SMsomeoneelse").status_code == 204
    assert post_signed(client, f"{STATUS_PATH}?message_id=x", {"MessageStatus": "sent"}).status_code == 204
    message.refresh_from_db()
    assert message.delivery_status == ""


def test_the_operation_counts_and_shows_delivery_per_record(
    client, twilio_sms, run_op, manager, location, api_for, client_for
):
    operation, leads = send_sms(run_op, manager, location, ["+14155550121", "+14155550122", "+14155550123"])
    delivered, undelivered, silent = (Message.objects.get(operation=operation, lead=lead) for lead in leads)
    status(client, delivered, "delivered")
    status(client, undelivered, "undelivered", ErrorCode="30005")
    status(client, silent, "sent")

    detail = api_for(manager).get(f"/api/v1/bulk-operations/{operation.pk}").json()
    assert detail["figures"] == {
        "delivered": 1,
        "undelivered": 1,
        "delivery_failed": 0,
        "awaiting_report": 1,
        "held": 0,
    }
    items = api_for(manager).get(f"/api/v1/bulk-operations/{operation.pk}/items?status=succeeded").json()["items"]
    assert {item["object_id"]: item["note"] for item in items} == {
        leads[0].pk: "Delivered",
        leads[1].pk: "Undelivered (error 30005)",
        leads[2].pk: "Sent, no delivery report yet",
    }
    page = client_for(manager).get(f"/operations/{operation.pk}/?status=succeeded").content.decode()
    assert "Delivered: <strong>1</strong>" in page and "Undelivered (error 30005)" in page


def test_other_operations_have_no_figures(api_for, run_op, manager, location):
    lead = make_lead(location)
    operation = run_op(manager, location, "change_stage", {"stage": "contacted"}, [lead.pk])
    detail = api_for(manager).get(f"/api/v1/bulk-operations/{operation.pk}").json()
    assert detail["figures"] == {}
