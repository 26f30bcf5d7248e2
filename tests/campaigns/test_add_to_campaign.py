"""Campaigns from leads: the leads' add_to_campaign operation (preview, skips with their reasons,
tenancy, roles, undo) and each call's outcome written back to the lead."""

import datetime

import pytest
from django.urls import reverse

from campaigns import dialer, services
from campaigns.models import Call, Campaign, CampaignContact, CampaignState, ContactStatus, DoNotCallEntry
from leads.models import LeadCall
from operations import engine
from operations.models import BulkOperation, OperationStatus
from operations.registry import get_type
from tests import factories
from tests.campaigns.conftest import sim

pytestmark = pytest.mark.django_db
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def leads(location):
    """Leads of every kind the operation tells apart, by what makes them so."""
    DoNotCallEntry.objects.create(location=location, phone="+12125550124", reason="asked")
    make = factories.make_lead
    return {
        "ann": make(location, first_name="Ann", phone="+12125550121"),
        "bob": make(location, first_name="Bob", phone="+12125550122"),
        "no phone": make(location, first_name="Nophone", phone=""),
        "bad phone": make(location, first_name="Badphone", phone="+15555550100"),
        "do not contact": make(location, first_name="Dnc", phone="+12125550123", do_not_contact=True),
        "listed": make(location, first_name="Listed", phone="+12125550124"),
        "already": make(location, first_name="Already", phone="+12125550101"),  # the campaign's own number
        "same number": make(location, first_name="Twin", phone="+12125550121"),  # Ann's number
    }


EXPECTED_SKIPS = {
    "no phone": "No valid phone",
    "bad phone": "No valid phone",
    "do not contact": "Do not contact",
    "listed": "On the do-not-call list",
    "already": "Number already in this campaign",
    "same number": "Number already in this campaign",
}


def _post(api, campaign, lead_ids, **extra):
    body = {
        "target": "leads",
        "operation_type": "add_to_campaign",
        "parameters": {"campaign_id": campaign.pk},
        "ids": lead_ids,
        **extra,
    }
    return api.post("/api/v1/bulk-operations", body, format="json")


def _outcomes(operation) -> dict[int, tuple[str, str]]:
    return {item.object_id: (item.status, item.error_message) for item in operation.items.all()}


def test_the_api_adds_callable_leads_as_contacts_linked_to_them_and_skips_the_rest_with_the_reason(
    api_for, manager, make_campaign, leads
):
    campaign = make_campaign()
    response = _post(api_for(manager), campaign, [lead.pk for lead in leads.values()])
    assert response.status_code == 201, response.json()
    operation = factories.run_to_end(BulkOperation.objects.get(pk=response.json()["operation_id"]))

    assert (operation.status, operation.successful, operation.skipped, operation.failed) == ("completed", 2, 6, 0)
    outcomes = _outcomes(operation)
    for name, reason in EXPECTED_SKIPS.items():
        assert outcomes[leads[name].pk] == ("skipped", reason), name
    added = CampaignContact.objects.filter(campaign=campaign, lead__isnull=False)
    assert sorted(added.values_list("lead__first_name", "phone", "name", "status")) == [
        ("Ann", "+12125550121", "Ann Example", ContactStatus.PENDING),
        ("Bob", "+12125550122", "Bob Example", ContactStatus.PENDING),
    ]
    campaign.refresh_from_db()
    assert campaign.total_contacts == 5 + 2
    assert leads["ann"].__class__.objects.get(pk=leads["ann"].pk).last_operation_id == operation.pk

    listed = api_for(manager).get(f"/api/v1/campaigns/{campaign.pk}/contacts").json()["results"]
    assert {row["phone"]: row["lead"] for row in listed} == {
        **dict.fromkeys(["+12125550101", "+12125550102", "+12125550103", "+12125550104", "+12125550105"]),
        "+12125550121": leads["ann"].pk,
        "+12125550122": leads["bob"].pk,
    }

    again = factories.run_to_end(
        BulkOperation.objects.get(pk=_post(api_for(manager), campaign, [leads["ann"].pk]).json()["operation_id"])
    )
    assert _outcomes(again)[leads["ann"].pk] == ("skipped", "Already in this campaign")
    assert CampaignContact.objects.filter(campaign=campaign).count() == 7


def test_the_bulk_flow_previews_the_skipped_by_name_and_writes_nothing(client_for, manager, make_campaign, leads):
    campaign = make_campaign(name="Spring calls")
    client = client_for(manager)
    form = client.get(reverse("operations:builder", args=["leads"]), {"operation_type": "add_to_campaign"})
    assert f'<option value="{campaign.pk}">Spring calls</option>' in form.content.decode()

    data = {
        "operation_type": "add_to_campaign",
        "method": "ids",
        "pasted_ids": " ".join(str(lead.pk) for lead in leads.values()),
        "params-campaign_id": str(campaign.pk),
    }
    response = client.post(reverse("operations:builder-preview", args=["leads"]), data)
    preview = response.context["preview"]
    assert preview.counts == {"succeeded": 2, "skipped": 6, "failed": 0}
    rows = {row.record.first_name: (row.status, row.reason) for row in preview.sample}
    assert rows["Dnc"] == ("skipped", "Do not contact")
    assert rows["Listed"] == ("skipped", "On the do-not-call list")
    assert rows["Nophone"] == ("skipped", "No valid phone")
    assert rows["Ann"] == ("succeeded", "")
    html = response.content.decode()
    assert "Add 8 leads to the campaign “Spring calls”?" in html
    assert not CampaignContact.objects.filter(lead__isnull=False).exists()


def test_another_companys_or_a_finished_campaign_is_refused_with_a_field_error(
    api_for, manager, make_campaign, leads, other_location, error_fields
):
    foreign, _ = services.create_campaign(
        location=other_location, user=None, file_bytes=b"phone\n+12125550101\n", filename="c.csv", name="Theirs"
    )
    finished = make_campaign(name="Done")
    finished.state = CampaignState.COMPLETED
    finished.save(update_fields=["state"])
    for campaign in (foreign, finished):
        response = _post(api_for(manager), campaign, [leads["ann"].pk])
        assert response.status_code == 400
        assert error_fields(response) == {"campaign_id"}
        assert response.json()["errors"][0]["message"] == "No such campaign in this company, or it has finished."
    assert not BulkOperation.objects.exists()
    assert not CampaignContact.objects.filter(lead__isnull=False).exists()


def test_agents_may_not_add_leads_to_a_campaign(api_for, client_for, agent, make_campaign, leads):
    response = _post(api_for(agent.user), make_campaign(), [leads["ann"].pk])
    assert response.status_code == 403
    page = client_for(agent.user).get(reverse("leads:list")).content.decode()
    assert 'value="add_to_campaign"' not in page


def test_a_campaign_that_finished_before_the_run_fails_the_items_and_adds_nobody(manager, make_campaign, leads):
    campaign = make_campaign()
    operation = factories.make_operation(
        manager,
        campaign.location,
        [leads["ann"].pk],
        target="leads",
        operation_type="add_to_campaign",
        params={"campaign_id": campaign.pk},
    )
    campaign.state = CampaignState.COMPLETED
    campaign.save(update_fields=["state"])
    operation = factories.run_to_end(operation)
    assert _outcomes(operation)[leads["ann"].pk] == (
        "failed",
        f"The campaign “{campaign.name}” has finished (completed)",
    )
    assert not CampaignContact.objects.filter(lead__isnull=False).exists()


def test_undo_removes_the_contacts_not_dialled_yet_and_keeps_the_dialled(manager, make_campaign, leads, t0):
    campaign = make_campaign(numbers=["+12125550101"])
    lead_ids = [leads["ann"].pk, leads["bob"].pk]
    operation = factories.run_to_end(
        factories.make_operation(
            manager,
            campaign.location,
            lead_ids,
            target="leads",
            operation_type="add_to_campaign",
            params={"campaign_id": campaign.pk},
        )
    )
    services.start_campaign(campaign_id=campaign.pk, now=t0)
    CampaignContact.objects.filter(campaign=campaign, lead__isnull=True).update(status=ContactStatus.COMPLETED)
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("no-answer"))  # Ann (the first added) is dialled

    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))

    assert _outcomes(undo) == {
        leads["ann"].pk: ("skipped", "Already dialled (or removed): the contact stays"),
        leads["bob"].pk: ("succeeded", ""),
    }
    assert list(CampaignContact.objects.filter(lead__isnull=False).values_list("lead_id", flat=True)) == [
        leads["ann"].pk
    ]
    campaign.refresh_from_db()
    assert campaign.total_contacts == 2


def test_each_calls_outcome_reaches_the_lead_once_and_shows_on_its_page_and_in_the_api(
    client_for, api_for, manager, make_campaign, leads, t0
):
    campaign = make_campaign(numbers=["+12125550101"], name="Autumn calls")
    factories.run_to_end(
        factories.make_operation(
            manager,
            campaign.location,
            [leads["ann"].pk],
            target="leads",
            operation_type="add_to_campaign",
            params={"campaign_id": campaign.pk},
        )
    )
    CampaignContact.objects.filter(campaign=campaign, lead__isnull=True).delete()
    services.start_campaign(campaign_id=campaign.pk, now=t0)
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("no-answer"))
    first = Call.objects.get()
    assert not dialer.record_call_status(call_id=first.pk, params={"CallStatus": "no-answer"}, now=t0 + SECOND)

    lead = leads["ann"].__class__.objects.get(pk=leads["ann"].pk)
    assert (lead.last_call_at, lead.last_call_outcome) == (first.created_at, "No answer")
    assert lead.last_contacted_at is None
    entry = LeadCall.objects.get(lead=lead)
    assert (entry.call_id, entry.campaign_id, entry.campaign_name, entry.outcome) == (
        first.pk,
        campaign.pk,
        "Autumn calls",
        "No answer",
    )

    CampaignContact.objects.filter(lead=lead).update(next_attempt_at=None)
    dialer.dial_next(campaign_id=campaign.pk, now=t0 + 60 * SECOND, backend=sim("completed"))
    lead.refresh_from_db()
    assert lead.last_call_outcome == "Answered" and lead.last_contacted_at is not None
    assert LeadCall.objects.filter(lead=lead).count() == 2

    shown = api_for(manager).get(f"/api/v1/leads/{lead.pk}").json()
    assert shown["last_call_outcome"] == "Answered" and shown["last_call_at"]
    page = client_for(manager).get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Autumn calls" in page and "Answered" in page and "No answer" in page
    assert reverse("campaigns:detail", args=[campaign.pk]) in page


def test_an_imported_contact_without_a_lead_writes_no_lead(running_campaign, t0, location):
    factories.make_lead(location, phone="+12125550101")
    campaign = running_campaign(["+12125550101"])
    dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=sim("completed"))
    assert Call.objects.get().status == "completed"
    assert not LeadCall.objects.exists()


def test_the_operation_page_shows_how_far_each_leads_contact_got(
    client_for, api_for, manager, make_campaign, leads, t0
):
    campaign = make_campaign(numbers=["+12125550101"])
    operation = factories.run_to_end(
        factories.make_operation(
            manager,
            campaign.location,
            [leads["ann"].pk, leads["bob"].pk],
            target="leads",
            operation_type="add_to_campaign",
            params={"campaign_id": campaign.pk},
        )
    )
    assert operation.status == OperationStatus.COMPLETED
    notes = get_type("leads", "add_to_campaign").record_notes(operation, [leads["ann"].pk, leads["bob"].pk])
    assert notes == {leads["ann"].pk: "Pending", leads["bob"].pk: "Pending"}
    items = api_for(manager).get(f"/api/v1/bulk-operations/{operation.pk}/items").json()["items"]
    assert {item["object_id"]: (item["change"], item["note"]) for item in items} == {
        leads["ann"].pk: (f"Contact +12125550121 of {campaign.name}", "Pending"),
        leads["bob"].pk: (f"Contact +12125550122 of {campaign.name}", "Pending"),
    }
    page = client_for(manager).get(reverse("operations:detail", args=[operation.pk])).content.decode()
    assert "Add to campaign" in page


def test_leads_added_to_a_running_campaign_are_dialled_unless_marked_do_not_contact_meanwhile(
    manager, running_campaign, leads, t0
):
    campaign = running_campaign(["+12125550101"], pacing_seconds=1)
    factories.run_to_end(
        factories.make_operation(
            manager,
            campaign.location,
            [leads["ann"].pk, leads["bob"].pk],
            target="leads",
            operation_type="add_to_campaign",
            params={"campaign_id": campaign.pk},
        )
    )
    leads["bob"].do_not_contact = True
    leads["bob"].save(update_fields=["do_not_contact"])

    for step in range(5):
        dialer.dial_next(campaign_id=campaign.pk, now=t0 + 10 * step * SECOND, backend=sim("completed"))

    dialled = set(Call.objects.values_list("contact__phone", flat=True))
    assert dialled == {"+12125550101", "+12125550121"}
    assert CampaignContact.objects.get(lead=leads["bob"]).outcome == "do-not-call"
    campaign.refresh_from_db()
    assert (campaign.state, campaign.total_contacts) == (CampaignState.COMPLETED, 3)
    assert LeadCall.objects.get().lead_id == leads["ann"].pk


def test_a_new_draft_campaign_is_made_once_for_the_leads_and_undo_takes_them_back(
    api_for, client_for, manager, location, leads, settings, error_fields
):
    location.timezone = "America/Chicago"
    location.save(update_fields=["timezone"])
    api = api_for(manager)
    for bad in ({}, {"campaign_id": None, "new_campaign_name": "  "}):
        response = api.post(
            "/api/v1/bulk-operations",
            {"target": "leads", "operation_type": "add_to_campaign", "parameters": bad, "ids": [leads["ann"].pk]},
            format="json",
        )
        assert response.status_code == 400 and error_fields(response) == {"campaign_id"}

    form = {
        "operation_type": "add_to_campaign",
        "method": "ids",
        "pasted_ids": " ".join(str(lead.pk) for lead in leads.values()),
        "params-new_campaign_name": "Fresh leads",
    }
    preview = client_for(manager).post(reverse("operations:builder-preview", args=["leads"]), form)
    assert preview.context["preview"].counts == {"succeeded": 3, "skipped": 5, "failed": 0}
    assert "Add 8 leads to a new draft campaign “Fresh leads”?" in preview.content.decode()
    assert not Campaign.objects.filter(name="Fresh leads").exists()  # a preview makes nothing

    settings.BULK_CHUNK_SIZE = 2  # several chunks, one campaign
    response = api.post(
        "/api/v1/bulk-operations",
        {
            "target": "leads",
            "operation_type": "add_to_campaign",
            "parameters": {"new_campaign_name": "Fresh leads"},
            "ids": [lead.pk for lead in leads.values()],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    operation = factories.run_to_end(BulkOperation.objects.get(pk=response.json()["operation_id"]))
    campaign = Campaign.objects.get(name="Fresh leads")
    assert (campaign.state, campaign.location, campaign.created_by, campaign.timezone) == (
        CampaignState.DRAFT, location, manager, "America/Chicago",
    )  # fmt: skip
    assert sorted(campaign.contacts.values_list("phone", flat=True)) == ["+12125550101", "+12125550121", "+12125550122"]
    assert (operation.successful, campaign.total_contacts) == (3, 3)
    assert get_type("leads", "add_to_campaign").record_notes(operation, [leads["ann"].pk]) == {
        leads["ann"].pk: "Pending"
    }

    undo = factories.run_to_end(engine.undo_operation(operation=operation, user=manager))
    assert undo.successful == 3 and not campaign.contacts.exists()
    assert Campaign.objects.filter(name="Fresh leads").count() == 1
