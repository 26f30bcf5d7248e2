"""The lead operation type campaigns add: add_to_campaign (leads become a campaign's contacts).

It lives here, not in leads/, because campaigns build on leads; the registry finds this module
as it finds every app's operation_types.
"""

from rest_framework import serializers

from accounts.policy import Action
from campaigns import from_leads
from campaigns.models import Campaign
from leads import services as lead_services
from leads.operation_types import LeadOperationType
from operations.models import ItemStatus
from operations.registry import Outcome, Planned, register


class AddToCampaignParams(serializers.Serializer):
    campaign_id = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.filter(state__in=from_leads.OPEN_STATES),
        allow_null=True,
        default=None,
        label="Campaign",
        help_text="A campaign of this company that has not finished (draft, pending, running or paused)",
        error_messages={"does_not_exist": "No such campaign in this company, or it has finished."},
    )
    new_campaign_name = serializers.CharField(
        max_length=200,
        allow_blank=True,
        default="",
        label="Or a new draft campaign",
        help_text="Its name: a draft campaign with the company's defaults is made for these leads",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "location" in self.context:  # Validating: only the company's own campaigns exist.
            self.fields["campaign_id"].queryset = Campaign.objects.filter(
                location=self.context["location"], state__in=from_leads.OPEN_STATES
            )

    def validate(self, data):
        data["new_campaign_name"] = data.get("new_campaign_name", "").strip()
        if (data.get("campaign_id") is None) == (not data["new_campaign_name"]):
            raise serializers.ValidationError({"campaign_id": ["Choose a campaign, or name a new draft campaign."]})
        return data


@register
class AddToCampaign(LeadOperationType):
    key = "add_to_campaign"
    label = "Add to campaign"
    description = (
        "Add leads to a call campaign as contacts; leads without a valid phone, marked do-not-contact,"
        " on the do-not-call list or in the campaign already are skipped. Each call's outcome is"
        " written to the lead. Undo removes the contacts not dialled yet."
    )
    create_action = Action.CAMPAIGN_EDIT.value  # adding contacts edits the campaign: managers and admins
    reversible = True
    Params = AddToCampaignParams
    record_note_label = "Call"

    def question(self, records, params):
        if params.get("new_campaign_name"):
            return f"Add {records} to a new draft campaign “{params['new_campaign_name']}”?"
        chosen = params.get("campaign_id")  # the form's cleaned campaign, or its id
        name = Campaign.objects.filter(pk=getattr(chosen, "pk", chosen)).values_list("name", flat=True).first()
        return f"Add {records} to the campaign “{name}”?" if name else ""

    def preview(self, records, ctx):
        if ctx.params.get("new_campaign_name"):
            campaign = from_leads.new_draft(location=ctx.location, name=ctx.params["new_campaign_name"])
        else:
            campaign = Campaign.objects.filter(pk=ctx.params["campaign_id"], location=ctx.location).first()
        if campaign is None:
            return {lead.pk: Planned(ItemStatus.FAILED, "The campaign no longer exists") for lead in records}
        plans = from_leads.plan(campaign=campaign, leads=records)
        return {
            lead.pk: Planned(ItemStatus.SKIPPED, plan.skip, lead.phone)
            if plan.skip
            else Planned(ItemStatus.SUCCEEDED, "", "", _added(plan.phone, campaign.name))
            for lead in records
            for plan in [plans[lead.pk]]
        }

    def recorded_changes(self, operation, befores):
        """The contact each lead became, as the preview said it."""
        campaign_id = operation.parameters.get("campaign_id")
        name = operation.parameters.get("new_campaign_name") or (
            Campaign.objects.filter(pk=campaign_id).values_list("name", flat=True).first() or f"#{campaign_id}"
        )
        return {pk: ("", _added(before["phone"], name)) for pk, before in befores.items() if before}

    def apply(self, records, ctx):
        campaign = _campaign_for_update(ctx, create=True)
        refused = _refusal(campaign)
        if refused:
            return {lead.pk: Outcome(ItemStatus.FAILED, refused) for lead in records}
        plans = from_leads.plan(campaign=campaign, leads=records)
        added = from_leads.add_leads(campaign=campaign, leads=records, plans=plans)
        lead_services.touch_leads(ids=list(added), operation=ctx.operation)
        return {
            lead.pk: Outcome(
                ItemStatus.SUCCEEDED,
                before={"contact_id": added[lead.pk].pk, "phone": added[lead.pk].phone},
            )
            if lead.pk in added
            else Outcome(ItemStatus.SKIPPED, plans[lead.pk].skip)
            for lead in records
        }

    def undo(self, records, befores, ctx):
        campaign = _campaign_for_update(ctx, create=False)
        if campaign is None:
            return {lead.pk: Outcome(ItemStatus.SKIPPED, "The campaign no longer exists") for lead in records}
        contact_ids = {lead.pk: (befores.get(lead.pk) or {}).get("contact_id") for lead in records}
        removed = from_leads.take_back(campaign=campaign, contact_ids={c for c in contact_ids.values() if c})
        outcomes = {}
        for lead in records:
            contact_id = contact_ids[lead.pk]
            if contact_id is None:
                outcomes[lead.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
            elif contact_id in removed:
                outcomes[lead.pk] = Outcome(ItemStatus.SUCCEEDED, before={"removed_contact_id": contact_id})
            else:
                outcomes[lead.pk] = Outcome(ItemStatus.SKIPPED, "Already dialled (or removed): the contact stays")
        lead_services.touch_leads(
            ids=[pk for pk, outcome in outcomes.items() if outcome.status == ItemStatus.SUCCEEDED],
            operation=ctx.operation,
        )
        return outcomes

    def record_notes(self, operation, object_ids):
        """Each lead's contact in the campaign: pending, calling, or how its calls ended."""
        if operation.undo_of_id:
            return {}
        campaign_id = operation.parameters.get("campaign_id")
        if campaign_id is None:  # the draft it made, if it made it yet
            campaign_id = from_leads.made_draft_id(operation=operation)
        return from_leads.contact_notes(campaign_id=campaign_id, lead_ids=object_ids) if campaign_id else {}


def _campaign_for_update(ctx, *, create: bool) -> Campaign | None:
    """The chosen campaign, or the new draft the operation (or the one it undoes) made; made now if asked."""
    if ctx.params.get("campaign_id") is not None:
        return from_leads.open_campaign_for_update(campaign_id=ctx.params["campaign_id"], location=ctx.location)
    name = ctx.params["new_campaign_name"] if create else ""
    return from_leads.draft_for_update(operation=ctx.operation, create_named=name)


def _added(phone: str, campaign_name: str) -> str:
    return f"Contact {phone} of {campaign_name}"


def _refusal(campaign: Campaign | None) -> str:
    """Why the campaign takes no contacts now ("" when it does)."""
    if campaign is None:
        return "The campaign no longer exists"
    if campaign.state not in from_leads.OPEN_STATES:
        return f"The campaign “{campaign.name}” has finished ({campaign.get_state_display().lower()})"
    return ""
