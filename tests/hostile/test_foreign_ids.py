"""IDs of Other Co's records wherever Demo Realty's manager may give an ID: refused, never acted on or shown.

Already covered elsewhere, so not repeated here: record details and updates (tests/api/test_tenancy.py),
operation ids on the API, pages and WebSocket, campaign ids, export downloads, template pages,
a foreign agent on /leads/{id}/assign, bulk-update's agent_id, the ticket bulk pages' agent.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns import services as campaigns
from campaigns.models import Campaign
from leads.models import Lead, MessageTemplate
from operations import engine
from operations.models import BulkOperation
from tests import factories
from tickets.models import Ticket

SECRET = "Zanzibar-Secret"


@pytest.fixture
def theirs(other_location, outsider):
    """Other Co's records, each with a name that must never show up for Demo Realty."""
    agent = factories.make_agent(other_location, user=outsider)
    lead = factories.make_lead(other_location, first_name=SECRET, email="secret@other.example", owner=agent)
    return {
        "agent": agent,
        "team": factories.make_team(other_location, SECRET),
        "tag": factories.make_tag(other_location, SECRET.lower()),
        "lead": lead,
        "ticket": factories.make_ticket(other_location, subject=SECRET),
        "template": MessageTemplate.objects.create(location=other_location, name=SECRET, body=SECRET + " {first_name}"),
        "user": outsider,
    }


@pytest.fixture
def mine(location, agent):
    return {
        "lead": factories.make_lead(location, first_name="Ana"),
        "ticket": factories.make_ticket(location, subject="Printer"),
        "agent": agent,
    }


def error_fields(response, status=400) -> set:
    assert response.status_code == status, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert SECRET not in response.content.decode()
    return {error["field"] for error in response.json()["errors"]}


def assert_untouched(mine, theirs):
    assert not BulkOperation.objects.exists()
    assert Lead.objects.get(pk=mine["lead"].pk).owner_id is None
    assert Lead.objects.get(pk=theirs["lead"].pk).owner_id == theirs["agent"].pk
    assert Ticket.objects.get(pk=mine["ticket"].pk).assignee_id is None


# --- Parameters naming another tenant's record -------------------------------------------------


def test_a_message_operation_with_their_template_is_refused(api_for, manager, mine, theirs):
    body = {
        "target": "leads",
        "operation_type": "message",
        "parameters": {"channel": "sms", "template_id": theirs["template"].pk},
        "ids": [mine["lead"].pk],
    }
    assert error_fields(api_for(manager).post("/api/v1/bulk-operations", body, format="json")) == {"template_id"}
    assert_untouched(mine, theirs)


def test_a_ticket_assign_operation_to_their_agent_is_refused(api_for, manager, mine, theirs):
    body = {
        "ticket_ids": [mine["ticket"].pk],
        "operation_type": "assign",
        "operation_data": {"agent_id": theirs["agent"].pk},
    }
    assert error_fields(api_for(manager).post("/api/v1/tickets/bulk-operations", body, format="json")) == {"agent_id"}
    assert_untouched(mine, theirs)


def test_an_operation_in_their_location_is_refused(api_for, manager, mine, theirs, other_location):
    body = {
        "target": "tickets",
        "operation_type": "update_status",
        "parameters": {"status": "closed"},
        "ids": [theirs["ticket"].pk],
        "location": other_location.pk,
    }
    assert error_fields(api_for(manager).post("/api/v1/bulk-operations", body, format="json")) == {"location"}
    assert Ticket.objects.get(pk=theirs["ticket"].pk).status == "open"
    assert_untouched(mine, theirs)


def test_bulk_update_to_their_team_is_refused(api_for, manager, mine, theirs):
    body = {"lead_ids": [mine["lead"].pk], "updates": {"team_id": theirs["team"].pk}}
    assert error_fields(api_for(manager).post("/api/v1/leads/bulk-update", body, format="json")) == {"team_id"}
    assert Lead.objects.get(pk=mine["lead"].pk).team_id is None
    assert_untouched(mine, theirs)


@pytest.mark.parametrize(
    ("strategy", "field", "record"), [("manual", "agent_id", "agent"), ("round_robin", "team_id", "team")]
)
def test_bulk_assign_to_their_agent_or_team_is_refused(strategy, field, record, api_for, manager, mine, theirs):
    body = {"lead_ids": [mine["lead"].pk], "strategy": strategy, field: theirs[record].pk}
    assert error_fields(api_for(manager).post("/api/v1/leads/bulk-assign", body, format="json")) == {field}
    assert_untouched(mine, theirs)


def test_reassign_to_their_agent_is_refused(api_for, manager, location, mine, theirs):
    lead = factories.make_lead(location, owner=mine["agent"])
    body = {"agent_id": theirs["agent"].pk, "reason": "Moving on"}
    response = api_for(manager).put(f"/api/v1/leads/{lead.pk}/reassign", body, format="json")
    assert error_fields(response) == {"agent_id"}
    assert Lead.objects.get(pk=lead.pk).owner_id == mine["agent"].pk


def test_a_template_in_their_location_is_refused(api_for, manager, other_location, mine, theirs):
    body = {"name": "Mine", "body": "Hi {first_name}", "location": other_location.pk}
    assert error_fields(api_for(manager).post("/api/v1/message-templates", body, format="json")) == {"location"}
    assert not MessageTemplate.objects.filter(location=other_location, name="Mine").exists()


def test_a_campaign_in_their_location_is_refused(api_for, manager, other_location, theirs):
    response = api_for(manager).post(
        "/api/v1/campaigns/create",
        {
            "file": SimpleUploadedFile("c.csv", b"phone\n+12125550101\n"),
            "settings": f'{{"location_id": {other_location.pk}}}',
        },
        format="multipart",
    )
    assert error_fields(response) == {"settings.location_id"}
    assert not Campaign.objects.exists()


# --- Selections naming another tenant's records --------------------------------------------------


@pytest.mark.parametrize(
    ("target", "filters"),
    [
        ("leads", {"owner": "agent"}),
        ("leads", {"tag": "tag"}),
        ("leads", {"team": "team"}),
        ("tickets", {"assignee": "agent"}),
    ],
    ids=["lead-owner", "lead-tag", "lead-team", "ticket-assignee"],
)
def test_a_filter_on_their_agent_tag_or_team_is_refused(target, filters, api_for, manager, mine, theirs):
    key, record = next(iter(filters.items()))
    operation_type, parameters = ("change_stage", {"stage": "won"}) if target == "leads" else ("delete", {})
    body = {
        "target": target,
        "operation_type": operation_type,
        "parameters": parameters,
        "filters": {key: theirs[record].pk},
    }
    assert error_fields(api_for(manager).post("/api/v1/bulk-operations", body, format="json")) == {f"filters.{key}"}
    assert_untouched(mine, theirs)


def test_their_lead_emails_in_an_uploaded_file_match_nothing(client_for, manager, mine, theirs):
    ids = f"{theirs['lead'].email}\n{theirs['lead'].pk}\n{mine['lead'].pk}\n".encode()
    response = client_for(manager).post(
        "/leads/bulk/count/",
        {
            "operation_type": "change_stage",
            "method": "file",
            "params-stage": "won",
            "upload": SimpleUploadedFile("i.csv", ids),
        },
    )
    assert response.context["count"] == 1
    assert response.context["selection"].ids == [mine["lead"].pk]
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(("field", "record"), [("params-template", "template"), ("params-agent", "agent")])
def test_the_builder_refuses_their_template_or_agent(field, record, client_for, manager, mine, theirs):
    data = {
        "operation_type": "message" if record == "template" else "assign",
        "method": "ids",
        "pasted_ids": str(mine["lead"].pk),
        "params-channel": "sms",
        "params-assign_to": "agent",
        field: theirs[record].pk,
        "action": "run",
    }
    response = client_for(manager).post("/leads/bulk/", data)
    assert response.status_code == 400
    assert response.context["params_form"].errors[field.removeprefix("params-")]
    assert SECRET not in response.content.decode()
    assert_untouched(mine, theirs)


# --- Reads naming another tenant's records ---------------------------------------------------------


def test_previewing_a_template_against_their_lead_is_a_404(api_for, manager, location, theirs):
    template = MessageTemplate.objects.create(location=location, name="Hi", body="Hi {first_name} {email}")
    response = api_for(manager).post(
        f"/api/v1/message-templates/{template.pk}/preview", {"lead_id": theirs["lead"].pk}, format="json"
    )
    assert error_fields(response, status=404) == set()


def test_their_contact_inside_my_campaign_url_is_a_404(client_for, manager, location, outsider, other_location):
    mine, _ = campaigns.create_campaign(
        location=location, user=manager, file_bytes=b"phone\n+12125550101\n", filename="a.csv"
    )
    their_campaign, _ = campaigns.create_campaign(
        location=other_location,
        user=outsider,
        file_bytes=f"phone,name\n+12125550102,{SECRET}\n".encode(),
        filename="b.csv",
    )
    contact = their_campaign.contacts.get()
    response = client_for(manager).get(f"/campaigns/{mine.pk}/contacts/{contact.pk}/")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()


def test_analytics_for_their_user_is_refused_and_shows_none_of_their_figures(api_for, client_for, manager, theirs):
    operation, _ = engine.create_operation(
        user=theirs["user"],
        location=theirs["ticket"].location,
        target="tickets",
        operation_type="update_status",
        params={"status": "closed"},
        ids=[theirs["ticket"].pk],
    )
    engine.run_operation(operation.pk)
    response = api_for(manager).get("/api/v1/bulk-operations/analytics", {"user": theirs["user"].pk})
    assert error_fields(response) == {"user"}
    page = client_for(manager).get("/analytics/", {"user": theirs["user"].pk})
    assert page.status_code == 200
    assert page.context["figures"]["summary"]["total_operations"] == 0


@pytest.mark.parametrize("url", ["/api/v1/bulk-operations/analytics?user={}", "/analytics/?user={}"])
def test_a_user_id_beyond_64_bits_is_refused_not_a_500(url, api_for, client_for, manager, location):
    client = api_for(manager) if url.startswith("/api/") else client_for(manager)
    response = client.get(url.format(2**70))
    if url.startswith("/api/"):
        assert error_fields(response) == {"user"}
    else:
        assert response.status_code == 200 and "user" in response.context["errors"]
