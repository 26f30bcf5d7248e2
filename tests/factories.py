"""Plain factory functions shared by the tests: each makes one valid record (or file)."""

import io
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from openpyxl import Workbook

from accounts.models import Location, Membership, Role, Team
from agents.models import Agent
from campaigns.models import Campaign, CampaignContact
from leads.import_models import LeadImport, LeadImportRow
from leads.models import Lead, Tag
from operations import engine
from operations.models import BulkOperation
from tickets.models import Ticket

_seq = itertools.count(1)


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The tests' hasher (see conftest): Django's PBKDF2 format at one iteration."""

    iterations = 1


def make_location(name: str | None = None, **fields) -> Location:
    n = next(_seq)
    name = name or f"Location {n}"
    return Location.objects.create(name=name, slug=fields.pop("slug", f"location-{n}"), **fields)


def make_user(username: str | None = None, *, location: Location | None = None, role: str = Role.AGENT, **fields):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(username=username, password=fields.pop("password", "pw"), **fields)
    if location is not None:
        Membership.objects.create(user=user, location=location, role=role)
    return user


def make_team(location: Location, name: str | None = None) -> Team:
    return Team.objects.create(location=location, name=name or f"Team {next(_seq)}")


def make_agent(location: Location, user=None, **fields) -> Agent:
    user = user or make_user(location=location, role=Role.AGENT)
    return Agent.objects.create(location=location, user=user, **fields)


def make_tag(location: Location, name: str | None = None) -> Tag:
    return Tag.objects.create(location=location, name=name or f"tag{next(_seq)}")


def make_lead(location: Location, **fields) -> Lead:
    n = next(_seq)
    fields.setdefault("first_name", f"Lead{n}")
    fields.setdefault("last_name", "Example")
    fields.setdefault("email", f"lead{n}@example.com")
    return Lead.objects.create(location=location, **fields)


def make_ticket(location: Location, **fields) -> Ticket:
    n = next(_seq)
    fields.setdefault("number", n)
    fields.setdefault("subject", f"Ticket {n}")
    return Ticket.objects.create(location=location, **fields)


def xlsx_bytes(rows) -> bytes:
    """An XLSX workbook whose first sheet holds rows."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Valid parameters of every registered operation type, by (target, key). A type added to a
# registry without an entry here makes the tests that enumerate the registry fail, saying so.
OPERATION_PARAMS = {
    ("leads", "score"): {"budget": "250000.00", "timeline": "immediate"},
    ("leads", "message"): {"channel": "sms", "body": "Hello {first_name}"},
    ("leads", "add_tags"): {"tags": ["vip", "spring"]},
    ("leads", "remove_tags"): {"tags": ["vip"]},
    ("leads", "change_stage"): {"stage": "qualified", "reason": "Called back"},
    ("leads", "assign"): {"agent_id": None, "reason": "Rebalance"},
    ("leads", "export"): {"format": "csv", "fields": ["id", "email", "stage"]},
    ("tickets", "update_status"): {"status": "resolved"},
    ("tickets", "update_priority"): {"priority": "high"},
    ("tickets", "update_category"): {"category": "billing"},
    ("tickets", "assign"): {"agent_id": None},
    ("tickets", "add_comment"): {"body": "Looked into it", "is_internal": True},
    ("tickets", "delete"): {},
    ("lead_import_rows", "lead_import"): {},
    # Parameters naming a record of the location: made for the location the operation acts in.
    ("leads", "add_to_campaign"): lambda location: {"campaign_id": make_campaign(location).pk},
}


def operation_params(target: str, key: str, location: Location | None = None) -> dict:
    """Valid raw parameters of one registered type (see OPERATION_PARAMS); some need the `location`."""
    try:
        params = OPERATION_PARAMS[(target, key)]
    except KeyError:
        raise AssertionError(
            f"No sample parameters for the operation type {target}/{key}: add them to tests/factories.OPERATION_PARAMS"
        ) from None
    if callable(params):
        assert location is not None, f"The sample parameters of {target}/{key} name a record: pass the location"
        return params(location)
    return dict(params)


def make_campaign(location: Location, **fields) -> Campaign:
    """A draft campaign of `location` with one contact of its own (+12125550100)."""
    n = next(_seq)
    fields.setdefault("name", f"Campaign {n}")
    campaign = Campaign.objects.create(location=location, total_contacts=1, **fields)
    CampaignContact.objects.create(campaign=campaign, phone="+12125550100")
    return campaign


def make_record(target: str, location: Location, *, agent: Agent | None = None):
    """One record of a registered target (leads, tickets…), owned by / assigned to `agent`.

    Leads carry the tag "vip", so the sample tag operations change them.
    """
    if target == "leads":
        lead = make_lead(location, owner=agent, phone=f"+1415555{next(_seq) % 10000:04d}")
        lead.tags.add(Tag.objects.get_or_create(location=location, name="vip")[0])
        return lead
    if target == "tickets":
        return make_ticket(location, assignee=agent)
    if target == "lead_import_rows":
        return make_import_row(location)
    raise AssertionError(f"No factory for target '{target}': add it to tests/factories.make_record")


def make_import_row(location: Location, **values) -> LeadImportRow:
    """One row of a new lead import (a draft) of `location`: a lead that does not exist yet."""
    n = next(_seq)
    values = {"first_name": f"Imported{n}", "email": f"imported{n}@example.com", **values}
    lead_import = LeadImport.objects.create(
        location=location,
        created_by=make_user(location=location, role=Role.MANAGER),
        file_name=f"import{n}.csv",
        options={"headers": list(values), "match_on": "email_or_phone", "on_duplicate": "skip"},
    )
    return LeadImportRow.objects.create(
        lead_import=lead_import, row_number=2, cells=list(values.values()), values=values
    )


def make_operation(
    user,
    location: Location,
    ids: list | None = None,
    *,
    target: str = "tickets",
    operation_type: str = "update_status",
    params: dict | None = None,
    **kwargs,
) -> BulkOperation:
    """An operation made by the engine as the API makes it (validated, items snapshotted, queued), not run.

    `params` default to the type's sample parameters (OPERATION_PARAMS); other keywords
    (filters, draft, metadata, scheduled_for, idempotency_key…) go to engine.create_operation.
    """
    if params is None:
        params = operation_params(target, operation_type, location)
    operation, created = engine.create_operation(
        user=user, location=location, target=target, operation_type=operation_type, params=params, ids=ids, **kwargs
    )
    assert created or kwargs.get("idempotency_key"), "create_operation returned an earlier operation"
    return operation


def run_to_end(operation: BulkOperation) -> BulkOperation:
    """Run `operation` to the end in this process (as a worker would, without one) and reload it."""
    engine.run_operation(operation.pk)
    operation.refresh_from_db()
    return operation
