"""The lead page explains the score and lists the lead's messages; the list's bulk bar opens the builder."""

from decimal import Decimal

from leads.models import Message
from tests.factories import make_lead


def test_lead_page_explains_score_rule_by_rule(client_for, manager, location):
    lead = make_lead(location, budget=Decimal("250000"), timeline="immediate", source="referral", score=50)
    response = client_for(manager).get(f"/leads/{lead.pk}/")
    assert response.status_code == 200
    text = response.text
    assert "Score explained" in text
    assert "15 / 30" in text  # half the budget for full points
    assert "25 / 25" in text  # immediate timeline
    assert "10 / 10" in text  # referral


def test_lead_page_lists_messages(client_for, manager, location):
    lead = make_lead(location)
    Message.objects.create(lead=lead, channel="sms", to="+14155550123", body="Hello there", status="sent")
    assert "Hello there" in client_for(manager).get(f"/leads/{lead.pk}/").text


def test_outsider_cannot_see_lead_page_panels(client_for, outsider, location):
    lead = make_lead(location)
    assert client_for(outsider).get(f"/leads/{lead.pk}/").status_code == 404


def test_bulk_bar_sends_selection_to_builder(client_for, manager, location):
    make_lead(location)
    text = client_for(manager).get("/leads/").text
    assert 'action="/operations/leads/bulk/"' in text
    lead = make_lead(location)
    response = client_for(manager).get("/leads/bulk/", {"ids": [lead.pk], "operation_type": "add_tags"})
    form = response.context["form"]
    assert form.initial["method"] == "list" and form.initial["ids"] == str(lead.pk)
    assert 'name="params-tags"' in response.text
