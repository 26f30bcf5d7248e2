"""Every registered admin page opens; history is read-only; staff see only their own tenant."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from agents.models import RoundRobinPointer
from leads.models import LeadAssignment, StageChange
from operations.models import BulkOperation, BulkOperationItem
from tests import factories
from tickets.models import Comment, TicketAssignment


@pytest.fixture
def superuser(db):
    return factories.make_user("root", is_superuser=True, is_staff=True)


@pytest.fixture
def one_of_everything(location, superuser, agent):
    team = factories.make_team(location, "Sales East")
    tag = factories.make_tag(location, "vip")
    lead = factories.make_lead(location, owner=agent, team=team, phone="+14155552671")
    lead.tags.add(tag)
    StageChange.objects.create(lead=lead, from_stage="new", to_stage="contacted", changed_by=superuser)
    LeadAssignment.objects.create(lead=lead, to_agent=agent, reason="test", assigned_by=superuser)
    ticket = factories.make_ticket(location, number=1, assignee=agent)
    Comment.objects.create(ticket=ticket, author=superuser, body="Hello")
    TicketAssignment.objects.create(ticket=ticket, to_agent=agent, reason="test", assigned_by=superuser)
    RoundRobinPointer.objects.create(location=location, scope="all", last_agent=agent)
    operation = BulkOperation.objects.create(
        location=location, created_by=superuser, target="leads", operation_type="update_stage", total=1
    )
    BulkOperationItem.objects.create(operation=operation, object_id=lead.pk, status="failed", error_message="x")
    return lead


def _admin_urls(model, model_admin, request):
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    obj = model_admin.get_queryset(request).first()
    change = reverse(f"{prefix}_change", args=[obj.pk]) if obj is not None else None
    return reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add"), change


def test_every_registered_admin_page_opens(one_of_everything, superuser, client_for):
    client = client_for(superuser)
    opened = []
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        changelist, add, change = _admin_urls(model, model_admin, request)
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "abc"}).status_code == 200, changelist
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        assert client.get(add).status_code == expected_add, add
        if change:
            assert client.get(change).status_code == 200, change
            opened.append(model._meta.label)
    assert {
        "accounts.Location",
        "accounts.Membership",
        "accounts.Team",
        "agents.Agent",
        "auth.User",
        "leads.Lead",
        "leads.Tag",
        "leads.StageChange",
        "leads.LeadAssignment",
        "tickets.Ticket",
        "tickets.Comment",
        "tickets.TicketAssignment",
        "agents.RoundRobinPointer",
        "operations.BulkOperation",
        "operations.BulkOperationItem",
    } <= set(opened)


@pytest.mark.parametrize("model", [StageChange, LeadAssignment, TicketAssignment, BulkOperationItem])
def test_history_is_read_only(model, one_of_everything, superuser, client_for):
    client = client_for(superuser)
    obj = model.objects.first()
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert client.get(reverse(f"{prefix}_add")).status_code == 403
    assert client.get(reverse(f"{prefix}_delete", args=[obj.pk])).status_code == 403
    page = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    before = model.objects.values().get(pk=obj.pk)
    client.post(reverse(f"{prefix}_change", args=[obj.pk]), {})
    assert model.objects.values().get(pk=obj.pk) == before


def test_unfinished_operation_cannot_be_deleted_finished_one_can(one_of_everything, superuser, client_for):
    client = client_for(superuser)
    operation = BulkOperation.objects.get()
    url = reverse("admin:operations_bulkoperation_delete", args=[operation.pk])
    assert client.get(url).status_code == 403
    operation.status = "completed"
    operation.completed_at = timezone.now()
    operation.save()
    assert client.get(url).status_code == 200


def test_comment_added_in_admin_is_authored_by_the_admin(location, superuser, client_for):
    ticket = factories.make_ticket(location, number=5)
    response = client_for(superuser).post(
        reverse("admin:tickets_comment_add"), {"ticket": ticket.pk, "body": "Called back"}
    )
    assert response.status_code == 302
    assert Comment.objects.get().author == superuser


def test_staff_member_sees_only_their_locations_leads(location, other_location, client_for):
    staff = factories.make_user("staffer", location=location, role=Role.MANAGER, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_lead"))
    mine = factories.make_lead(location, first_name="Mine")
    theirs = factories.make_lead(other_location, first_name="Theirs")
    client = client_for(staff)
    page = client.get(reverse("admin:leads_lead_changelist"))
    assert page.status_code == 200
    assert b"Mine Example" in page.content
    assert b"Theirs Example" not in page.content
    assert client.get(reverse("admin:leads_lead_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:leads_lead_change", args=[theirs.pk])).status_code == 302
    assert Membership.objects.filter(user=staff).count() == 1


@pytest.mark.parametrize("app_label", ["accounts", "agents", "leads", "tickets", "operations"])
def test_every_model_of_the_domain_apps_has_an_admin(app_label):
    from django.apps import apps

    missing = [m._meta.label for m in apps.get_app_config(app_label).get_models() if not admin.site.is_registered(m)]
    assert missing == []
