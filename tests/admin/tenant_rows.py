"""One row of every model registered in admin, per company: the data of the admin tenancy test.

``FACTORIES`` maps each registered model to a factory ``(company) -> row`` that builds the row
inside the company's location (asking ``company.get(OtherModel)`` for what it hangs on), or to
``GLOBAL`` for data that belongs to no tenant and that only superusers may see in admin.
A model registered in admin without an entry here fails the tenancy test: add its factory.

Every name a company's rows carry holds its marker ("Alpha" or "Zeta"), so another company's
row that leaks into a page shows up as the word in the HTML, not only as a primary key.
"""

from collections import defaultdict
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from django_q.models import Failure, OrmQ, Schedule, Success

from accounts.models import Location, Membership, Role, Team
from agents.models import Agent, RoundRobinPointer
from analytics.models import ManualEffortEstimate, OperationErrorCount
from campaigns.models import Call, CallEvent, CallingSettings, Campaign, CampaignContact, DoNotCallEntry
from leads.import_models import LeadImport, LeadImportRow
from leads.models import (
    ConsentChange,
    InboundSMS,
    Lead,
    LeadAssignment,
    LeadCall,
    Message,
    MessageTemplate,
    ScoringConfig,
    SenderPace,
    StageChange,
    Tag,
)
from notifications.models import Notification
from operations.models import BulkOperation, BulkOperationItem
from tests import factories
from tickets.models import Comment, Ticket, TicketAssignment
from webhooks.models import Webhook, WebhookDelivery

User = get_user_model()
GLOBAL = "global"
"""Not tenant data (groups, the task queue): a staff member who is not a superuser gets a 403."""


class Company:
    """A location and, on demand, one row of every model, each built once."""

    def __init__(self, marker: str):
        self.marker = marker
        self.slug = marker.lower()
        self.rows = {}
        self.created = defaultdict(set)
        """model → primary keys of every row saved while this company was built."""

    def get(self, model):
        if model not in self.rows:
            self.rows[model] = FACTORIES[model](self)
        return self.rows[model]

    @property
    def location(self) -> Location:
        return self.get(Location)

    def build(self) -> "Company":
        with _recording(self.created):
            for model, factory in FACTORIES.items():
                if factory is not GLOBAL:
                    self.get(model)
        return self


@contextmanager
def _recording(rows):
    def record(sender, instance, created=False, **kwargs):
        if created:
            rows[type(instance)].add(instance.pk)

    post_save.connect(record, weak=False, dispatch_uid="tenant-rows")
    try:
        yield
    finally:
        post_save.disconnect(dispatch_uid="tenant-rows")


def _user(c: Company, suffix: str):
    return factories.make_user(
        f"{c.slug}_{suffix}", location=c.location, role=Role.AGENT, first_name=c.marker, last_name=suffix
    )


def _lead(c: Company) -> Lead:
    lead = factories.make_lead(
        c.location,
        first_name=c.marker,
        owner=c.get(Agent),
        team=c.get(Team),
        last_operation=c.get(BulkOperation),
    )
    lead.tags.add(c.get(Tag))
    return lead


def _call(c: Company) -> Call:
    call = Call.objects.create(
        campaign=c.get(Campaign), contact=c.get(CampaignContact), attempt=1, backend="fake", call_sid=f"{c.slug}-sid"
    )
    CallEvent.objects.create(call=call, status="queued", payload={"by": c.marker})
    return call


FACTORIES = {
    Group: GLOBAL,
    InboundSMS: GLOBAL,
    SenderPace: GLOBAL,
    Schedule: GLOBAL,
    Success: GLOBAL,
    Failure: GLOBAL,
    OrmQ: GLOBAL,
    Location: lambda c: factories.make_location(f"{c.marker} Co", slug=f"{c.slug}-co"),
    User: lambda c: _user(c, "member"),
    Membership: lambda c: Membership.objects.get(user=c.get(User)),
    Team: lambda c: factories.make_team(c.location, f"{c.marker} Team"),
    Agent: lambda c: factories.make_agent(c.location, user=_user(c, "agent"), team=c.get(Team)),
    RoundRobinPointer: lambda c: RoundRobinPointer.objects.create(
        location=c.location, scope=f"{c.slug}-scope", last_agent=c.get(Agent)
    ),
    Tag: lambda c: factories.make_tag(c.location, f"{c.slug}-tag"),
    BulkOperation: lambda c: BulkOperation.objects.create(
        location=c.location,
        created_by=c.get(User),
        target="leads",
        operation_type=f"{c.slug}_type",
        status="completed",
        total=1,
    ),
    BulkOperationItem: lambda c: BulkOperationItem.objects.create(
        operation=c.get(BulkOperation), object_id=c.get(Lead).pk, status="succeeded"
    ),
    ManualEffortEstimate: lambda c: ManualEffortEstimate.objects.create(
        location=c.location, target="leads", operation_type=f"{c.slug}_type", seconds_per_item=30
    ),
    OperationErrorCount: lambda c: OperationErrorCount.objects.create(
        operation=c.get(BulkOperation),
        location=c.location,
        created_by=c.get(User),
        target="leads",
        operation_type=f"{c.slug}_type",
        operation_created_at=c.get(BulkOperation).created_at,
        message=f"{c.marker} error",
        count=1,
    ),
    Lead: _lead,
    ConsentChange: lambda c: ConsentChange.objects.create(
        lead=c.get(Lead), do_not_contact=True, reason=f"{c.marker} replied STOP"
    ),
    LeadCall: lambda c: LeadCall.objects.create(
        lead=c.get(Lead),
        call_id=c.get(Call).pk,
        campaign_id=c.get(Campaign).pk,
        campaign_name=f"{c.marker} campaign",
        outcome="Answered",
        called_at=c.get(Call).created_at,
    ),
    StageChange: lambda c: StageChange.objects.create(
        lead=c.get(Lead), from_stage="new", to_stage="contacted", changed_by=c.get(User), operation=c.get(BulkOperation)
    ),
    LeadAssignment: lambda c: LeadAssignment.objects.create(
        lead=c.get(Lead),
        to_agent=c.get(Agent),
        reason=f"{c.marker} start",
        assigned_by=c.get(User),
        operation=c.get(BulkOperation),
    ),
    MessageTemplate: lambda c: MessageTemplate.objects.create(
        location=c.location, name=f"{c.marker} template", body="Hello", created_by=c.get(User)
    ),
    Message: lambda c: Message.objects.create(
        lead=c.get(Lead),
        template=c.get(MessageTemplate),
        operation=c.get(BulkOperation),
        channel="sms",
        to="+14155550100",
        body=f"{c.marker} hello",
    ),
    ScoringConfig: lambda c: ScoringConfig.objects.create(location=c.location),
    LeadImport: lambda c: LeadImport.objects.create(
        location=c.location, created_by=c.get(User), file_name=f"{c.marker} leads.csv", operation=c.get(BulkOperation)
    ),
    LeadImportRow: lambda c: LeadImportRow.objects.create(
        lead_import=c.get(LeadImport), row_number=2, cells=[c.marker], values={"first_name": c.marker}, lead=c.get(Lead)
    ),
    Ticket: lambda c: factories.make_ticket(
        c.location, subject=f"{c.marker} ticket", assignee=c.get(Agent), last_operation=c.get(BulkOperation)
    ),
    Comment: lambda c: Comment.objects.create(
        ticket=c.get(Ticket), author=c.get(User), body=f"{c.marker} note", operation=c.get(BulkOperation)
    ),
    TicketAssignment: lambda c: TicketAssignment.objects.create(
        ticket=c.get(Ticket),
        to_agent=c.get(Agent),
        reason=f"{c.marker} start",
        assigned_by=c.get(User),
        operation=c.get(BulkOperation),
    ),
    Campaign: lambda c: Campaign.objects.create(
        location=c.location, created_by=c.get(User), name=f"{c.marker} campaign", agent=c.get(Agent)
    ),
    CampaignContact: lambda c: CampaignContact.objects.create(
        campaign=c.get(Campaign), phone="+14155552671", name=f"{c.marker} contact", lead=c.get(Lead)
    ),
    Call: _call,
    Webhook: lambda c: Webhook.objects.create(
        location=c.location, url=f"https://{c.slug}.example.com/hooks", events=["campaign.completed"], secret="whsec_x"
    ),
    WebhookDelivery: lambda c: WebhookDelivery.objects.create(
        webhook=c.get(Webhook), event="campaign.completed", payload={"data": {"name": f"{c.marker} campaign"}}
    ),
    DoNotCallEntry: lambda c: DoNotCallEntry.objects.create(
        location=c.location, phone="+14155552671", reason=f"{c.marker} asked not to be called", added_by=c.get(User)
    ),
    CallingSettings: lambda c: CallingSettings.objects.create(location=c.location),
    Notification: lambda c: Notification.objects.create(
        recipient=c.get(User),
        location=c.location,
        operation=c.get(BulkOperation),
        kind="completed",
        text=f"{c.marker} operation completed",
    ),
}
