"""The bulk operations on leads (seed 000): score, message, tags, stage, assign, export.

Every type also answers `preview(records, ctx)`: what it would do to each record, as
(status, reason, before, after) without writing anything, for the bulk flow's dry run.
"""

from collections import defaultdict

from django.utils import timezone
from rest_framework import serializers

from accounts.models import Team
from agents.models import Agent
from leads import assignment, scoring, services
from leads.bulk_forms import AssignForm
from leads.forms import LeadFilterForm
from leads.models import Lead, LeadAssignment, Stage, Tag, Timeline
from leads.selectors import leads_matching
from operations.field_types import SetFieldType
from operations.models import ItemStatus
from operations.registry import OperationType, Outcome, Planned, Target, own_or_nobodys, register, register_target

LEADS = register_target(
    Target(
        key="leads",
        label="Leads",
        singular="lead",
        model=Lead,
        records=lambda location: Lead.objects.filter(location=location),
        allowed=own_or_nobodys("owner"),
        filter_form=LeadFilterForm,
        select=leads_matching,
        list_url_name="leads:list",
        detail_url_name="leads:detail",
        match_field="email",
        not_found_message="Lead not found",
        forbidden_message="Insufficient permissions to update lead",
        record_name=lambda lead: lead.full_name or lead.email or lead.phone or f"Lead {lead.pk}",
    )
)


class LeadOperationType(OperationType):
    target = "leads"


def _label(value) -> str:
    return "none" if value in (None, "") else str(value)


def _reason(ctx) -> str:
    reason = ctx.params.get("reason", "")
    if ctx.operation.undo_of_id:
        return f"Undo of operation {ctx.operation.undo_of_id}"
    return reason


@register
class ChangeStage(LeadOperationType, SetFieldType):
    key = "change_stage"
    label = "Change stage"
    description = "Move leads to another stage, with a reason; written to each lead's stage history."

    class Params(serializers.Serializer):
        stage = serializers.ChoiceField(choices=Stage.choices)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    field_name = param = "stage"

    def written(self, changes, ctx):
        services.record_stage_changes(changes=changes, reason=_reason(ctx), user=ctx.user, operation=ctx.operation)


@register
class AssignLeads(LeadOperationType, SetFieldType):
    key = "assign"
    label = "Assign"
    create_action = "assign"  # the policy's assign: managers and admins
    description = "Assign leads to an agent (owner) or a team; agent changes go to the assignment trail."
    Params = assignment.AssignParams
    form_class = AssignForm

    # Placing leads with agents (a strategy, or one agent) follows the capacity rules of
    # leads/assignment.py; unassigning and setting a team stay plain field changes.
    def apply(self, records, ctx):
        if assignment.uses_capacity(ctx.params):
            return assignment.apply_operation(records, ctx)
        return super().apply(records, ctx)

    def undo(self, records, befores, ctx):
        # Giving leads back to their previous owners (also after an unassign) is an assignment:
        # within those agents' capacity, with the trail.
        if "agent_id" in ctx.params or assignment.uses_capacity(ctx.params):
            return assignment.undo_operation(records, befores, ctx)
        return super().undo(records, befores, ctx)

    def preview(self, records, ctx):
        if assignment.uses_capacity(ctx.params):
            return {pk: Planned(*plan) for pk, plan in assignment.preview_operation(records, ctx).items()}
        return super().preview(records, ctx)

    def field(self, ctx):
        return "owner_id" if "agent_id" in ctx.params else "team_id"

    def value(self, ctx):
        return ctx.params.get("agent_id") if "agent_id" in ctx.params else ctx.params.get("team_id")

    def describe(self, value, ctx):
        if value is None:
            return "unassigned"
        names = ctx.extra.setdefault("assignee_names", {})
        if value not in names:
            model = Agent if "agent_id" in ctx.params else Team
            found = (
                model.objects.select_related("user").filter(pk=value).first()
                if model is Agent
                else (Team.objects.filter(pk=value).first())
            )
            names[value] = str(found) if found else f"#{value}"
        return names[value]

    def written(self, changes, ctx):
        if "agent_id" in ctx.params:
            services.record_assignments(changes=changes, reason=_reason(ctx), user=ctx.user, operation=ctx.operation)

    def recorded_changes(self, operation, befores):
        """Owner changes, however placed (one agent, a strategy), as the assignment trail has them."""
        owners = {pk: before["owner_id"] for pk, before in befores.items() if before and "owner_id" in before}
        if not owners:
            return super().recorded_changes(operation, befores)
        placed = dict(
            LeadAssignment.objects.filter(operation=operation, lead_id__in=owners).values_list("lead_id", "to_agent_id")
        )
        agents = Agent.objects.filter(pk__in={*owners.values(), *placed.values()} - {None}).select_related("user")
        names = {agent.pk: str(agent) for agent in agents}

        def shown(agent_id):
            return "unassigned" if agent_id is None else names.get(agent_id, f"#{agent_id}")

        return {pk: (shown(owner), shown(placed.get(pk))) for pk, owner in owners.items()}


# --- Tags -----------------------------------------------------------------------------


class TagParams(serializers.Serializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64, trim_whitespace=True), min_length=1, max_length=50
    )

    def validate_tags(self, value):
        names = list(dict.fromkeys(name.strip() for name in value if name.strip()))
        if not names:
            raise serializers.ValidationError("Give at least one tag.")
        return names


def _lead_tags(records) -> dict[int, set[int]]:
    through = Lead.tags.through
    current = defaultdict(set)
    for lead_id, tag_id in through.objects.filter(lead_id__in=[r.pk for r in records]).values_list("lead_id", "tag_id"):
        current[lead_id].add(tag_id)
    return current


def _add(pairs: list[tuple[int, int]]) -> None:
    through = Lead.tags.through
    through.objects.bulk_create([through(lead_id=a, tag_id=b) for a, b in pairs], ignore_conflicts=True)


def _remove(pairs: list[tuple[int, int]]) -> None:
    through = Lead.tags.through
    by_tag = defaultdict(list)
    for lead_id, tag_id in pairs:
        by_tag[tag_id].append(lead_id)
    for tag_id, lead_ids in by_tag.items():
        through.objects.filter(tag_id=tag_id, lead_id__in=lead_ids).delete()


class _TagType(LeadOperationType):
    reversible = True
    Params = TagParams
    adding: bool

    def _plan(self, records, tags: dict, ctx) -> dict[int, tuple[Planned, list[int]]]:
        current = _lead_tags(records)
        names = ctx.params["tags"]
        plans = {}
        for record in records:
            have = current[record.pk]
            if self.adding:
                change = [name for name in names if name.lower() not in tags or tags[name.lower()].pk not in have]
            else:
                change = [name for name in names if name.lower() in tags and tags[name.lower()].pk in have]
            ids = [tags[n.lower()].pk for n in change if n.lower() in tags]
            if not change:
                reason = "Already has these tags" if self.adding else "Has none of these tags"
                plans[record.pk] = (Planned(ItemStatus.SKIPPED, reason), ids)
            else:
                sign = "+" if self.adding else "-"
                plans[record.pk] = (
                    Planned(ItemStatus.SUCCEEDED, "", f"{len(have)} tags", ", ".join(sign + n for n in change)),
                    ids,
                )
        return plans

    def preview(self, records, ctx):
        tags = services.tags_by_name(location=ctx.location, names=ctx.params["tags"], create=False)
        return {pk: plan for pk, (plan, _) in self._plan(records, tags, ctx).items()}

    def recorded_changes(self, operation, befores):
        key, sign = ("added", "+") if self.adding else ("removed", "-")
        ids = {pk: (before or {}).get(key) or [] for pk, before in befores.items()}
        names = dict(
            Tag.objects.filter(pk__in={t for tag_ids in ids.values() for t in tag_ids}).values_list("pk", "name")
        )
        return {
            pk: ("", ", ".join(sign + names.get(tag_id, f"#{tag_id}") for tag_id in tag_ids))
            for pk, tag_ids in ids.items()
            if tag_ids
        }

    def apply(self, records, ctx):
        tags = services.tags_by_name(location=ctx.location, names=ctx.params["tags"], create=self.adding)
        outcomes, pairs = {}, []
        for pk, (plan, ids) in self._plan(records, tags, ctx).items():
            if plan.status == ItemStatus.SKIPPED:
                outcomes[pk] = Outcome(ItemStatus.SKIPPED, plan.reason)
            else:
                pairs += [(pk, tag_id) for tag_id in ids]
                outcomes[pk] = Outcome(ItemStatus.SUCCEEDED, before={"added" if self.adding else "removed": ids})
        (_add if self.adding else _remove)(pairs)
        services.touch_leads(
            ids=[pk for pk, o in outcomes.items() if o.status == ItemStatus.SUCCEEDED], operation=ctx.operation
        )
        return outcomes

    def undo(self, records, befores, ctx):
        key = "added" if self.adding else "removed"
        current = _lead_tags(records)
        outcomes, pairs = {}, []
        for record in records:
            ids = (befores.get(record.pk) or {}).get(key) or []
            if self.adding:
                restore = [tag_id for tag_id in ids if tag_id in current[record.pk]]
            else:
                restore = [tag_id for tag_id in ids if tag_id not in current[record.pk]]
            if not ids:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
            elif not restore:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, "Changed since the operation (tags already restored)")
            else:
                pairs += [(record.pk, tag_id) for tag_id in restore]
                outcomes[record.pk] = Outcome(ItemStatus.SUCCEEDED, before={key: restore})
        existing = set(Tag.objects.filter(pk__in={t for _, t in pairs}).values_list("pk", flat=True))
        pairs = [(lead, tag) for lead, tag in pairs if tag in existing]
        (_remove if self.adding else _add)(pairs)
        services.touch_leads(ids=[pk for pk, _ in pairs], operation=ctx.operation)
        return outcomes


@register
class AddTags(_TagType):
    key = "add_tags"
    label = "Add tags"
    description = "Add tags to leads; tags that do not exist yet are created."
    adding = True


@register
class RemoveTags(_TagType):
    key = "remove_tags"
    label = "Remove tags"
    description = "Remove tags from leads."
    adding = False


# --- Score ----------------------------------------------------------------------------


class ScoreParams(serializers.Serializer):
    budget = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Context: the budget assumed for leads without one",
    )
    timeline = serializers.ChoiceField(
        choices=Timeline.choices,
        required=False,
        allow_blank=True,
        help_text="Context: the timeline assumed when unknown",
    )


@register
class ScoreLeads(LeadOperationType):
    key = "score"
    label = "Score"
    description = "Score leads 0-100 with the location's transparent rules and classify hot / warm / cold."
    reversible = True
    Params = ScoreParams

    def _scores(self, records, ctx):
        config = scoring.config_for(ctx.location)
        context = {k: v for k, v in ctx.params.items() if v not in (None, "")}
        return {r.pk: scoring.explain(r, config=config, context=context) for r in records}

    def preview(self, records, ctx):
        scores = self._scores(records, ctx)
        plans = {}
        for r in records:
            new = scores[r.pk]
            before = f"{_label(r.score)} {r.classification}".strip()
            after = f"{new.score} {new.classification}"
            if (r.score, r.classification) == (new.score, new.classification):
                plans[r.pk] = Planned(ItemStatus.SKIPPED, f"Score unchanged ({after})")
            else:
                plans[r.pk] = Planned(ItemStatus.SUCCEEDED, "", before, after)
        return plans

    def recorded_changes(self, operation, befores):
        return {
            pk: (f"{_label(before['score'])} {before['classification']}".strip(), " ".join(map(str, before["set"])))
            for pk, before in befores.items()
            if before and "set" in before
        }

    def apply(self, records, ctx):
        scores = self._scores(records, ctx)
        outcomes, groups = {}, defaultdict(list)
        for r in records:
            new = scores[r.pk]
            if (r.score, r.classification) == (new.score, new.classification):
                outcomes[r.pk] = Outcome(ItemStatus.SKIPPED, f"Score unchanged ({new.score} {new.classification})")
                continue
            groups[(new.score, new.classification)].append(r.pk)
            outcomes[r.pk] = Outcome(
                ItemStatus.SUCCEEDED,
                before={"score": r.score, "classification": r.classification, "set": [new.score, new.classification]},
            )
        now = timezone.now()
        for (score, classification), pks in groups.items():
            Lead.objects.filter(pk__in=pks).update(
                score=score, classification=classification, last_operation=ctx.operation, updated_at=now
            )
        return outcomes

    def undo(self, records, befores, ctx):
        outcomes, groups = {}, defaultdict(list)
        for r in records:
            before = befores.get(r.pk) or {}
            if "set" not in before:
                outcomes[r.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
            elif [r.score, r.classification] != before["set"]:
                outcomes[r.pk] = Outcome(
                    ItemStatus.SKIPPED, f"Changed since the operation (now {_label(r.score)} {r.classification})"
                )
            else:
                groups[(before["score"], before["classification"])].append(r.pk)
                outcomes[r.pk] = Outcome(
                    ItemStatus.SUCCEEDED, before={"score": r.score, "classification": r.classification}
                )
        now = timezone.now()
        for (score, classification), pks in groups.items():
            Lead.objects.filter(pk__in=pks).update(
                score=score, classification=classification, last_operation=ctx.operation, updated_at=now
            )
        return outcomes
