"""Replies by SMS: a signed STOP opts the lead out (the next bulk SMS skips it), START opts back in."""

import pytest

from leads.models import ConsentChange, InboundSMS, Lead, Message, MessageStatus
from operations.models import ItemStatus
from tests.factories import make_lead
from tests.leads.twilio_fake import SENDER, reply

PHONE = "+14155550123"


def sms(run_op, manager, location, leads):
    return run_op(manager, location, "message", {"channel": "sms", "body": "Hi {first_name}"}, [x.pk for x in leads])


def test_stop_makes_the_next_bulk_sms_skip_the_lead_as_opted_out(client, twilio_sms, run_op, manager, location):
    stopper = make_lead(location, first_name="Ana", phone=PHONE)
    other = make_lead(location, first_name="Bo", phone="+14155550124")

    response = reply(client, "  stop ", sid="SMreply1", from_number=PHONE)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert Lead.objects.get(pk=stopper.pk).do_not_contact is True
    operation = sms(run_op, manager, location, [stopper, other])
    items = {item.object_id: (item.status, item.error_message) for item in operation.items.all()}
    assert items == {stopper.pk: (ItemStatus.SKIPPED, "Opted out"), other.pk: (ItemStatus.SUCCEEDED, "")}
    assert [request["data"]["To"] for request in twilio_sms] == [other.phone]
    assert Message.objects.get(operation=operation, lead=stopper).status == MessageStatus.SKIPPED


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT"])
def test_every_opt_out_keyword_sets_do_not_contact_with_an_audit_entry(client, twilio_sms, location, word):
    lead = make_lead(location, phone=PHONE)
    reply(client, word, sid=f"SM-{word}", from_number=PHONE)
    lead.refresh_from_db()
    assert lead.do_not_contact is True
    (change,) = ConsentChange.objects.filter(lead=lead)
    assert change.do_not_contact is True and change.reason == f"Opted out by SMS reply {word.upper()}"
    assert change.inbound.message_sid == f"SM-{word}"


def test_the_lead_page_shows_the_opt_out(client, client_for, twilio_sms, manager, location):
    lead = make_lead(location, phone=PHONE)
    reply(client, "STOP", sid="SMpage", from_number=PHONE)
    page = client_for(manager).get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert "Opted out by SMS reply STOP" in page.content.decode()


def test_a_forged_reply_is_refused_and_changes_nothing(client, twilio_sms, location):
    lead = make_lead(location, phone=PHONE)
    assert reply(client, "STOP", sid="SMforged", from_number=PHONE, signature="forged").status_code == 403
    unsigned = client.post("/api/v1/leads/webhooks/sms", {"MessageSid": "SMx", "From": PHONE, "To": SENDER})
    assert unsigned.status_code == 403
    assert Lead.objects.get(pk=lead.pk).do_not_contact is False
    assert not InboundSMS.objects.exists() and not ConsentChange.objects.exists()


def test_a_signature_without_a_token_configured_is_refused(client, twilio_sms, settings, location):
    lead = make_lead(location, phone=PHONE)
    signed = reply(client, "STOP", sid="SMsigned", from_number=PHONE)  # signed with the test token
    assert signed.status_code == 200
    settings.TWILIO_AUTH_TOKEN = ""
    assert reply(client, "START", sid="SMnotoken", from_number=PHONE).status_code == 403
    assert Lead.objects.get(pk=lead.pk).do_not_contact is True


def test_start_and_unstop_clear_do_not_contact_and_the_lead_gets_sms_again(
    client, twilio_sms, run_op, manager, location
):
    lead = make_lead(location, phone=PHONE)
    reply(client, "STOP", sid="SM1", from_number=PHONE)
    reply(client, "Start", sid="SM2", from_number=PHONE)
    assert Lead.objects.get(pk=lead.pk).do_not_contact is False
    reply(client, "QUIT", sid="SM3", from_number=PHONE)
    reply(client, "unstop", sid="SM4", from_number=PHONE)
    assert Lead.objects.get(pk=lead.pk).do_not_contact is False
    assert list(ConsentChange.objects.filter(lead=lead).order_by("id").values_list("do_not_contact", flat=True)) == [
        True,
        False,
        True,
        False,
    ]
    operation = sms(run_op, manager, location, [lead])
    assert operation.items.get().status == ItemStatus.SUCCEEDED and len(twilio_sms) == 1


def test_the_same_reply_twice_does_nothing_more(client, twilio_sms, location):
    lead = make_lead(location, phone=PHONE)
    assert reply(client, "STOP", sid="SMtwice", from_number=PHONE).status_code == 200
    Lead.objects.filter(pk=lead.pk).update(do_not_contact=False)  # cleared by hand meanwhile
    assert reply(client, "STOP", sid="SMtwice", from_number=PHONE).status_code == 200
    assert Lead.objects.get(pk=lead.pk).do_not_contact is False  # the repeat did not set it again
    assert InboundSMS.objects.count() == 1 and ConsentChange.objects.count() == 1


def test_stop_reaches_every_location_and_no_other_number(client, twilio_sms, location, other_location):
    here = make_lead(location, phone=PHONE)
    there = make_lead(other_location, phone=PHONE)
    bystander = make_lead(location, phone="+14155550199")
    reply(client, "STOP", sid="SMall", from_number=PHONE)
    flags = dict(Lead.objects.values_list("pk", "do_not_contact"))
    assert (flags[here.pk], flags[there.pk], flags[bystander.pk]) == (True, True, False)


def test_a_reply_to_another_number_or_an_ordinary_reply_changes_nothing(client, twilio_sms, location):
    lead = make_lead(location, phone=PHONE)
    reply(client, "STOP", sid="SMelsewhere", from_number=PHONE, to="+15005550001")
    reply(client, "Please stop by tomorrow", sid="SMchat", from_number=PHONE)
    assert Lead.objects.get(pk=lead.pk).do_not_contact is False
    assert InboundSMS.objects.count() == 2 and not ConsentChange.objects.exists()


def test_hand_set_do_not_contact_keeps_its_own_reason(twilio_sms, run_op, manager, location):
    lead = make_lead(location, phone=PHONE, do_not_contact=True)
    operation = sms(run_op, manager, location, [lead])
    assert operation.items.get().error_message == "Do not contact"
