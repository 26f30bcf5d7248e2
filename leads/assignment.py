"""Assigning leads to agents: single assign and reassign, and the bulk strategies.

Every path locks the leads first (pk order), then the agents it may assign to (pk order,
agents.capacity.lock_agents), then the round-robin pointer, and reads the agents' loads
only after that: nothing is ever assigned beyond an agent's capacity, also when several
operations and workers assign at once. Every change writes a LeadAssignment row (who,
when, from, to, why, strategy, operation) in the same transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone
from rest_framework import serializers

from accounts.models import Team
from agents.capacity import (
    AUTOMATIC_AVAILABILITIES,
    DIRECT_AVAILABILITIES,
    AssignmentError,
    Room,
    direct_assignee,
    full_message,
    loads_for,
    lock_agents,
    unavailable_message,
)
from agents.models import Agent, RoundRobinPointer
from agents.performance import performance_for
from leads.models import CLOSED_STAGES, Lead, LeadAssignment
from operations.models import ItemStatus
from operations.registry import Outcome

ALL_FULL = "All eligible agents are at capacity"
NO_AGENTS = "No available agent to assign to"


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin"
    CAPACITY_BASED = "capacity_based", "Most remaining capacity"
    PERFORMANCE_BASED = "performance_based", "Best performance with room"
    MANUAL = "manual", "One chosen agent"


AUTOMATIC_STRATEGIES = (Strategy.ROUND_ROBIN, Strategy.CAPACITY_BASED, Strategy.PERFORMANCE_BASED)


# --- Single lead ---------------------------------------------------------------------


def assign_lead(
    *,
    lead: Lead,
    user,
    agent_id: int | None = None,
    strategy: str = Strategy.MANUAL,
    team_id: int | None = None,
    notes: str = "",
) -> LeadAssignment:
    """Assign an unassigned lead to a chosen agent, or to one picked by an automatic strategy."""
    with transaction.atomic():
        lead = _lock_lead(lead.pk)
        if lead.owner_id is not None:
            raise AssignmentError(
                f"This lead is already assigned to {lead.owner.display_name}; reassign it with a reason.",
                "already_assigned",
            )
        if agent_id is None:
            if strategy not in AUTOMATIC_STRATEGIES:
                raise AssignmentError("Choose an agent, or an automatic strategy.", "agent_required")
            outcome = place_leads(
                leads=[lead], location=lead.location, user=user, strategy=strategy, team_id=team_id, reason=notes
            )[lead.pk]
            if outcome.status != ItemStatus.SUCCEEDED:
                raise AssignmentError(outcome.error, "full" if outcome.error == ALL_FULL else "no_agent")
            return LeadAssignment.objects.filter(lead=lead).order_by("-pk").first()
        return _assign_to(lead=lead, agent_id=agent_id, user=user, reason=notes, strategy=Strategy.MANUAL)


def reassign_lead(*, lead: Lead, agent_id: int, reason: str, user, notes: str = "") -> LeadAssignment:
    """Move a lead to another agent: a reason is required, the previous agent is recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError("A reason is required to reassign a lead.", "reason_required")
    if notes.strip():
        reason = f"{reason} ({notes.strip()})"
    with transaction.atomic():
        lead = _lock_lead(lead.pk)
        return _assign_to(lead=lead, agent_id=agent_id, user=user, reason=reason, strategy="reassign")


def _lock_lead(lead_id: int) -> Lead:
    # No select_related: after waiting for the lock PostgreSQL re-reads the lead row but not
    # the joined rows, so a joined owner could be stale (seen as None with owner_id set).
    return Lead.objects.select_for_update().get(pk=lead_id)


def _assign_to(*, lead: Lead, agent_id: int, user, reason: str, strategy: str) -> LeadAssignment:
    # The previous owner is locked too (see place_leads).
    agent = direct_assignee(agent_id=agent_id, current_id=lead.owner_id, location_id=lead.location_id, noun="lead")
    previous = lead.owner_id
    lead.owner = agent
    lead.save(update_fields=["owner", "updated_at"])
    return LeadAssignment.objects.create(
        lead=lead, from_agent_id=previous, to_agent=agent, reason=reason[:500], strategy=strategy, assigned_by=user
    )


# --- Many leads ----------------------------------------------------------------------


def bulk_assign(
    *,
    lead_ids: list[int],
    location,
    user,
    strategy: str,
    agent_id: int | None = None,
    team_id: int | None = None,
    reason: str = "",
    include_assigned: bool = False,
) -> dict[int, Outcome]:
    """Assign a small batch synchronously, in one transaction; an Outcome per lead id."""
    with transaction.atomic():
        leads = list(
            Lead.objects.filter(location=location, pk__in=lead_ids).order_by("pk").select_for_update(of=("self",))
        )
        outcomes = {pk: Outcome(ItemStatus.FAILED, "Lead not found") for pk in lead_ids}
        outcomes.update(
            place_leads(
                leads=leads,
                location=location,
                user=user,
                strategy=strategy,
                agent_id=agent_id,
                team_id=team_id,
                reason=reason,
                include_assigned=include_assigned,
            )
        )
    return outcomes


def place_leads(
    *,
    leads: list[Lead],
    location,
    user,
    strategy: str,
    agent_id: int | None = None,
    team_id: int | None = None,
    reason: str = "",
    include_assigned: bool = False,
    operation=None,
) -> dict[int, Outcome]:
    """Place already-locked leads with a strategy; the core of bulk assign and the engine type."""
    plan = _plan_placements(
        leads=leads,
        location=location,
        strategy=strategy,
        agent_id=agent_id,
        team_id=team_id,
        include_assigned=include_assigned,
        lock=True,
    )
    if plan.chooser is not None:
        plan.chooser.done()
    _write(plan.placed, user=user, reason=reason, strategy=strategy, operation=operation)
    return plan.outcomes


@dataclass
class _Placements:
    outcomes: dict[int, Outcome]
    placed: dict[int, list[Lead]] = field(default_factory=dict)  # agent id -> the leads it gets
    chooser: "_Chooser | None" = None


def _plan_placements(
    *,
    leads: list[Lead],
    location,
    strategy: str,
    agent_id: int | None,
    team_id: int | None,
    include_assigned: bool,
    lock: bool,
) -> _Placements:
    """Which agent gets each lead, as the strategy picks within capacity. With lock (running), the
    agents and the round-robin pointer are locked; without (the preview), only read, nothing written."""
    outcomes: dict[int, Outcome] = {}
    todo = []
    names = _names({lead.owner_id for lead in leads if lead.owner_id is not None and not include_assigned})
    for lead in leads:
        if lead.owner_id is not None and not include_assigned:
            outcomes[lead.pk] = Outcome(ItemStatus.SKIPPED, f"Already assigned to {names[lead.owner_id]}")
        else:
            todo.append(lead)
    if not todo:
        return _Placements(outcomes)

    def fetch(agent_ids) -> list[Agent]:
        if lock:
            return lock_agents(agent_ids)
        return list(Agent.objects.filter(pk__in=list(agent_ids)).select_related("user").order_by("pk"))

    # The previous owners are locked too: the audit rows reference them, and that foreign key
    # check must not wait for an agent another assigner holds (a deadlock).
    owners = {lead.owner_id for lead in todo} - {None}
    if strategy == Strategy.MANUAL:
        locked = fetch(owners | ({agent_id} if agent_id else set()))
        agents = [a for a in locked if a.pk == agent_id and a.location_id == location.pk]
        if not agents:
            return _Placements(
                outcomes | {lead.pk: Outcome(ItemStatus.FAILED, "No such agent in this location") for lead in todo}
            )
        if agents[0].availability not in DIRECT_AVAILABILITIES:
            message = unavailable_message(agents[0])
            return _Placements(outcomes | {lead.pk: Outcome(ItemStatus.FAILED, message) for lead in todo})
    else:
        eligible = Agent.objects.filter(location=location, availability__in=AUTOMATIC_AVAILABILITIES)
        if team_id is not None:
            eligible = eligible.filter(team_id=team_id)
        locked = fetch(owners | set(eligible.values_list("pk", flat=True)))
        # Re-checked on the locked (current) rows: availability may have changed meanwhile.
        agents = [
            a
            for a in locked
            if a.location_id == location.pk
            and a.availability in AUTOMATIC_AVAILABILITIES
            and (team_id is None or a.team_id == team_id)
        ]
        if not agents:
            return _Placements(outcomes | {lead.pk: Outcome(ItemStatus.FAILED, NO_AGENTS) for lead in todo})

    room = Room(loads_for(a.pk for a in locked))
    choose = _chooser(strategy, agents, room, location=location, team_id=team_id, lock=lock)
    placed: dict[int, list[Lead]] = defaultdict(list)
    for lead in todo:
        chosen = choose(exclude=lead.owner_id)
        if chosen is None:
            if strategy == Strategy.MANUAL and lead.owner_id == agents[0].pk:
                outcomes[lead.pk] = Outcome(ItemStatus.SKIPPED, f"Already assigned to {agents[0].display_name}")
            elif strategy == Strategy.MANUAL:
                load = room.loads[agents[0].pk]
                outcomes[lead.pk] = Outcome(ItemStatus.FAILED, full_message(agents[0], load))
            else:
                outcomes[lead.pk] = Outcome(ItemStatus.FAILED, ALL_FULL)
            continue
        if lead.stage not in CLOSED_STAGES:
            room.take(chosen, kind="leads")
            if lead.owner_id is not None:
                room.release(lead.owner_id, kind="leads")
        placed[chosen].append(lead)
        outcomes[lead.pk] = Outcome(ItemStatus.SUCCEEDED, before={"owner_id": lead.owner_id})
    return _Placements(outcomes, placed, choose)


def _write(placed: dict[int, list[Lead]], *, user, reason: str, strategy: str, operation=None) -> None:
    now = timezone.now()
    extra = {"last_operation": operation} if operation is not None else {}
    rows = []
    for agent_id, leads in placed.items():
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(owner_id=agent_id, updated_at=now, **extra)
        rows.extend(
            LeadAssignment(
                lead=lead,
                from_agent_id=lead.owner_id,
                to_agent_id=agent_id,
                reason=reason[:500],
                strategy=strategy,
                assigned_by=user,
                operation=operation,
            )
            for lead in leads
        )
    rows.sort(key=lambda row: row.lead_id)
    LeadAssignment.objects.bulk_create(rows)


def _names(agent_ids) -> dict[int, str]:
    names = {pk: f"agent {pk}" for pk in agent_ids}
    if names:
        names.update({a.pk: a.display_name for a in Agent.objects.filter(pk__in=names).select_related("user")})
    return names


# --- Strategies ----------------------------------------------------------------------


class _Chooser:
    """Picks the agent for the next lead, among locked agents with room; None if none has room."""

    def __init__(self, agents: list[Agent], room: Room):
        self.agents = agents
        self.room = room

    def __call__(self, *, exclude: int | None) -> int | None:
        candidates = [a for a in self.agents if a.pk != exclude and self.room.has_room(a.pk)]
        return self.pick(candidates) if candidates else None

    def pick(self, candidates: list[Agent]) -> int:
        raise NotImplementedError

    def done(self) -> None:
        """Persist any state (the round-robin pointer)."""


class _Manual(_Chooser):
    def pick(self, candidates):
        return candidates[0].pk


class _CapacityBased(_Chooser):
    def pick(self, candidates):
        return max(candidates, key=lambda a: (self.room.remaining(a.pk), -a.pk)).pk


class _PerformanceBased(_Chooser):
    def __init__(self, agents, room):
        super().__init__(agents, room)
        self.performance = performance_for(a.pk for a in agents)

    def rank(self, agent: Agent) -> tuple:
        perf = self.performance[agent.pk]
        response = perf.median_first_response
        return (
            perf.score is None,
            -(perf.score or 0),
            response is None,
            response.total_seconds() if response else 0,
            -self.room.remaining(agent.pk),
            agent.pk,
        )

    def pick(self, candidates):
        return min(candidates, key=self.rank).pk


class _RoundRobin(_Chooser):
    """The next agent after the pointer, in pk order, skipping the full ones (without lock, the
    preview's: the pointer is only read, and done() writes nothing)."""

    def __init__(self, agents, room, *, location, team_id, lock: bool = True):
        super().__init__(agents, room)
        scope = "all" if team_id is None else f"team:{team_id}"
        if lock:
            self.pointer = _lock_pointer(location, scope)
            self.last = self.pointer.last_agent_id
        else:
            self.pointer = None
            self.last = (
                RoundRobinPointer.objects.filter(location=location, scope=scope)
                .values_list("last_agent_id", flat=True)
                .first()
            )
        self.changed = False

    def pick(self, candidates):
        after = [a for a in candidates if self.last is not None and a.pk > self.last]
        chosen = (after or candidates)[0].pk
        self.last, self.changed = chosen, True
        return chosen

    def done(self):
        if self.changed and self.pointer is not None:
            self.pointer.last_agent_id = self.last
            self.pointer.save(update_fields=["last_agent", "updated_at"])


def _chooser(strategy: str, agents: list[Agent], room: Room, *, location, team_id, lock: bool = True) -> _Chooser:
    if strategy == Strategy.ROUND_ROBIN:
        return _RoundRobin(agents, room, location=location, team_id=team_id, lock=lock)
    if strategy == Strategy.CAPACITY_BASED:
        return _CapacityBased(agents, room)
    if strategy == Strategy.PERFORMANCE_BASED:
        return _PerformanceBased(agents, room)
    if strategy == Strategy.MANUAL:
        return _Manual(agents, room)
    raise ValueError(f"Unknown strategy {strategy!r}")


def _lock_pointer(location, scope: str) -> RoundRobinPointer:
    """The pointer row, created on first use, locked FOR UPDATE."""
    pointers = RoundRobinPointer.objects.select_for_update()
    pointer = pointers.filter(location=location, scope=scope).first()
    if pointer is None:
        RoundRobinPointer.objects.bulk_create(
            [RoundRobinPointer(location=location, scope=scope)], ignore_conflicts=True
        )
        pointer = pointers.get(location=location, scope=scope)
    return pointer


# --- Undo (for the bulk operation type) ---------------------------------------------------


def undo_placements(*, leads: list[Lead], befores: dict[int, dict], operation, user) -> dict[int, Outcome]:
    """Give leads back to their previous owners where this operation's assignment still holds.

    The previous owner must still have room: a lead that cannot go back fails, saying so.
    """
    set_by_undone = dict(
        LeadAssignment.objects.filter(operation_id=operation.undo_of_id, lead__in=leads)
        .order_by("lead_id", "pk")
        .values_list("lead_id", "to_agent_id")
    )
    outcomes: dict[int, Outcome] = {}
    todo = []
    for lead in leads:
        if lead.owner_id != set_by_undone.get(lead.pk):
            outcomes[lead.pk] = Outcome(ItemStatus.SKIPPED, "Reassigned since; left as it is")
        else:
            todo.append(lead)
    targets = {(befores.get(lead.pk) or {}).get("owner_id") for lead in todo} - {None}
    agents = {agent.pk: agent for agent in lock_agents(targets | {lead.owner_id for lead in todo} - {None})}
    room = Room(loads_for(agents))
    placed: dict[int | None, list[Lead]] = defaultdict(list)
    for lead in todo:
        target = (befores.get(lead.pk) or {}).get("owner_id")
        if target is not None and lead.stage not in CLOSED_STAGES:
            if target not in agents:
                outcomes[lead.pk] = Outcome(ItemStatus.FAILED, "The previous agent no longer exists")
                continue
            if not room.has_room(target):
                outcomes[lead.pk] = Outcome(ItemStatus.FAILED, full_message(agents[target], room.loads[target]))
                continue
            room.take(target, kind="leads")
        placed[target].append(lead)
        outcomes[lead.pk] = Outcome(ItemStatus.SUCCEEDED)
    _write(placed, user=user, reason=f"Undo of operation {operation.undo_of_id}", strategy="undo", operation=operation)
    return outcomes


# --- The lead `assign` bulk operation type (leads/operation_types.py) ---------------------


class AssignParams(serializers.Serializer):
    """Parameters of the lead `assign` operation.

    With `strategy`, leads are placed within capacity (team_id scopes the automatic
    strategies; manual needs agent_id). Without it: agent_id (placed within that agent's
    capacity; null unassigns) or team_id (sets the lead's team).
    """

    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    agent_id = serializers.IntegerField(required=False, allow_null=True, help_text="Assign to this agent")
    team_id = serializers.IntegerField(required=False, allow_null=True, help_text="Or: assign to this team")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    include_assigned = serializers.BooleanField(
        required=False, help_text="With a strategy: also move leads that have an owner (default: skip them)"
    )

    def validate(self, data):
        location = self.context["location"]
        strategy = data.get("strategy")
        if not strategy:
            data.pop("strategy", None)
            if ("agent_id" in data) == ("team_id" in data):
                raise serializers.ValidationError("Give either agent_id or team_id (null to unassign), or a strategy.")
        elif strategy == Strategy.MANUAL and not data.get("agent_id"):
            raise serializers.ValidationError({"agent_id": ["The manual strategy needs agent_id."]})
        elif strategy != Strategy.MANUAL and data.get("agent_id"):
            raise serializers.ValidationError({"agent_id": ["agent_id goes with the manual strategy only."]})
        if data.get("agent_id") and not Agent.objects.filter(pk=data["agent_id"], location=location).exists():
            raise serializers.ValidationError({"agent_id": ["No such agent in this location."]})
        if data.get("team_id") and not Team.objects.filter(pk=data["team_id"], location=location).exists():
            raise serializers.ValidationError({"team_id": ["No such team in this location."]})
        return data


def uses_capacity(params: dict) -> bool:
    """Whether an `assign` operation places leads with agents (rather than unassigning or setting a team)."""
    return bool(params.get("strategy")) or params.get("agent_id") is not None


def apply_operation(records: list[Lead], ctx) -> dict[int, Outcome]:
    params = ctx.params
    strategy = params.get("strategy") or Strategy.MANUAL
    return place_leads(
        leads=records,
        location=ctx.location,
        user=ctx.user,
        strategy=strategy,
        agent_id=params.get("agent_id"),
        team_id=params.get("team_id"),
        reason=params.get("reason", ""),
        include_assigned=params.get("include_assigned", not params.get("strategy")),
        operation=ctx.operation,
    )


def undo_operation(records: list[Lead], befores: dict[int, dict], ctx) -> dict[int, Outcome]:
    return undo_placements(leads=records, befores=befores, operation=ctx.operation, user=ctx.user)


def preview_operation(records: list[Lead], ctx) -> dict[int, tuple[str, str, str, str]]:
    """(status, reason, before, after) per lead: the agent each lead would get, as the strategy picks
    them now (within capacity, the round-robin rotation where it stands); reads only, locks nothing.

    The run decides again with the agents locked: loads may change meanwhile.
    """
    params = ctx.params
    plan = _plan_placements(
        leads=records,
        location=ctx.location,
        strategy=params.get("strategy") or Strategy.MANUAL,
        agent_id=params.get("agent_id"),
        team_id=params.get("team_id"),
        include_assigned=params.get("include_assigned", not params.get("strategy")),
        lock=False,
    )
    gets = {lead.pk: agent_id for agent_id, leads in plan.placed.items() for lead in leads}
    names = _names({lead.owner_id for lead in records if lead.owner_id} | set(plan.placed))
    plans = {}
    for lead in records:
        before = names[lead.owner_id] if lead.owner_id else "unassigned"
        outcome = plan.outcomes[lead.pk]
        after = names[gets[lead.pk]] if lead.pk in gets else before
        plans[lead.pk] = (outcome.status, outcome.error, before, after)
    return plans
