"""Admin asks the policy table (accounts/policy.py) per object; owners and assignees are the assignment service's."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Membership, Role
from campaigns.models import Campaign
from leads.models import Lead
from tests import factories


def _staff(location, role, username="staffer"):
    staff = factories.make_user(username, location=location, role=role, is_staff=True)
    staff.user_permissions.add(*Permission.objects.all())
    return staff


@pytest.fixture
def campaign(location, manager):
    return Campaign.objects.create(location=location, created_by=manager, name="Spring calls")


def _campaign_form(campaign, **changes):
    return {
        "location": campaign.location_id,
        "name": campaign.name,
        "timezone": "UTC",
        "default_region": "US",
        "pacing_seconds": 10,
        "max_concurrent_calls": 1,
        "max_retries": 3,
        "business_days": "[1, 2, 3, 4, 5]",
        "business_start": "09:00",
        "business_end": "17:00",
        "total_talk_seconds": 0,
        "backoff_hours": "[1, 4, 24]",
        "retryable_outcomes": '["busy", "no-answer"]',
        "duplicates_skipped": 0,
        "total_contacts": 0,
        "calls_made": 0,
        "completed_contacts": 0,
        "failed_contacts": 0,
        "answered_calls": 0,
        "consecutive_errors": 0,
        "call_mode": "script",
        "voice": "alice",
        "language": "en-US",
        "on_machine": "hang_up",
        **changes,
    }


def test_an_agent_may_look_at_a_campaign_in_admin_but_not_edit_or_delete_it(location, campaign, client_for):
    client = client_for(_staff(location, Role.AGENT))
    change = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change, _campaign_form(campaign, name="Renamed")).status_code == 403
    assert client.get(reverse("admin:campaigns_campaign_delete", args=[campaign.pk])).status_code == 403
    client.post(
        reverse("admin:campaigns_campaign_changelist"),
        {"action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"},
    )
    assert Campaign.objects.get(pk=campaign.pk).name == "Spring calls"
    assert client.get(reverse("admin:campaigns_campaign_add")).status_code == 403


def test_a_manager_edits_and_deletes_a_campaign_in_admin(location, campaign, client_for):
    client = client_for(_staff(location, Role.MANAGER))
    change = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    response = client.post(change, _campaign_form(campaign, name="Renamed"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Campaign.objects.get(pk=campaign.pk).name == "Renamed"
    client.post(reverse("admin:campaigns_campaign_delete", args=[campaign.pk]), {"post": "yes"})
    assert not Campaign.objects.filter(pk=campaign.pk).exists()


def test_the_policy_is_asked_in_the_objects_own_location(location, other_location, client_for):
    """Manager in one location, agent in another: capacity only changes where they manage."""
    staff = _staff(location, Role.MANAGER)
    Membership.objects.create(user=staff, location=other_location, role=Role.AGENT)
    managed = factories.make_agent(location, max_capacity=30)
    elsewhere = factories.make_agent(other_location, max_capacity=30)
    client = client_for(staff)
    url = reverse("admin:agents_agent_changelist")

    def edit_capacity(agent, capacity):
        return client.post(
            url,
            {
                "form-TOTAL_FORMS": 1,
                "form-INITIAL_FORMS": 1,
                "form-0-id": agent.pk,
                "form-0-max_capacity": capacity,
                "form-0-availability": "available",
                "_save": "Save",
            },
        )

    assert edit_capacity(managed, 40).status_code == 302
    managed.refresh_from_db()
    assert managed.max_capacity == 40
    assert edit_capacity(elsewhere, 99).status_code == 403
    elsewhere.refresh_from_db()
    assert elsewhere.max_capacity == 30
    change = reverse("admin:agents_agent_change", args=[elsewhere.pk])
    assert b'name="_save"' not in client.get(change).content


@pytest.mark.parametrize(("role", "allowed"), [(Role.MANAGER, False), (Role.ADMIN, True)])
def test_only_an_admin_of_the_location_changes_its_memberships(location, role, allowed, client_for):
    staff = _staff(location, role)
    membership = Membership.objects.get(user=staff)
    response = client_for(staff).post(
        reverse("admin:accounts_membership_change", args=[membership.pk]),
        {"user": staff.pk, "location": location.pk, "role": Role.ADMIN},
    )
    assert response.status_code == (302 if allowed else 403)
    membership.refresh_from_db()
    assert membership.role == (Role.ADMIN if allowed else role)


def test_a_user_page_shows_only_the_memberships_of_the_staff_members_locations(location, other_location, client_for):
    member = factories.make_user("both", location=location, role=Role.AGENT)
    Membership.objects.create(user=member, location=other_location, role=Role.ADMIN)
    staff = _staff(location, Role.ADMIN)
    page = client_for(staff).get(reverse("admin:auth_user_change", args=[member.pk]))
    assert page.status_code == 200
    [memberships] = [f.formset for f in page.context["inline_admin_formsets"] if f.formset.model is Membership]
    assert [m.location for m in memberships.get_queryset()] == [location]
    assert other_location.name not in page.content.decode()
    form = page.context["adminform"].form
    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(form.fields)


def test_lead_owner_is_read_only_in_admin_and_points_to_the_assign_endpoint(location, agent, client_for):
    lead = factories.make_lead(location, first_name="Ann")
    client = client_for(_staff(location, Role.ADMIN))
    change = reverse("admin:leads_lead_change", args=[lead.pk])
    page = client.get(change)
    assert "owner" not in page.context["adminform"].form.fields
    assert "/api/v1/leads/{id}/assign" in page.content.decode()
    response = client.post(
        change,
        {
            "location": location.pk,
            "first_name": "Ann",
            "stage": "new",
            "timeline": "unknown",
            "owner": agent.pk,
            "stage_changes-TOTAL_FORMS": 0,
            "stage_changes-INITIAL_FORMS": 0,
            "assignments-TOTAL_FORMS": 0,
            "assignments-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Lead.objects.get(pk=lead.pk).owner is None
    added = client.post(
        reverse("admin:leads_lead_add"),
        {
            "location": location.pk,
            "first_name": "Bo",
            "stage": "new",
            "timeline": "unknown",
            "owner": agent.pk,
            "stage_changes-TOTAL_FORMS": 0,
            "stage_changes-INITIAL_FORMS": 0,
            "assignments-TOTAL_FORMS": 0,
            "assignments-INITIAL_FORMS": 0,
        },
    )
    assert added.status_code == 302
    assert Lead.objects.get(first_name="Bo").owner is None


def test_ticket_assignee_is_read_only_in_admin(location, agent, client_for):
    ticket = factories.make_ticket(location, subject="Broken")
    client = client_for(_staff(location, Role.ADMIN))
    page = client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200
    assert "assignee" not in page.context["adminform"].form.fields
    assert "assignment service" in page.content.decode()
    add = client.get(reverse("admin:tickets_ticket_add"))
    assert add.status_code == 200
    assert "assignee" not in add.context["adminform"].form.fields
