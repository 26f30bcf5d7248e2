"""Agent capacity: load (open work items of every registered kind), utilisation, room, and locking agents.

An agent's load is the number of open work items assigned to them, over every kind registered
in `agents.work` (leads not won/lost, tickets not resolved/closed and not deleted). An agent has
room while load < max_capacity. Whoever assigns work locks the agents first (`lock_agents`, in
pk order), then reads their loads: on PostgreSQL the read after the lock sees every assignment
committed before it, so two assigners can never both fill an agent's last slot.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from agents.models import Agent, Availability
from agents.work import KINDS

# Direct assignment (one chosen agent) may go to someone busy; automatic strategies only
# pick agents who are available. Away and offline agents receive no new work at all.
DIRECT_AVAILABILITIES = (Availability.AVAILABLE, Availability.BUSY)
AUTOMATIC_AVAILABILITIES = (Availability.AVAILABLE,)


def _count_of(queryset: QuerySet, owner_field: str) -> Coalesce:
    counted = (
        queryset.filter(**{owner_field: OuterRef("pk")})
        .order_by()
        .values(owner_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_load(queryset: QuerySet[Agent]) -> QuerySet[Agent]:
    """Annotate `open_<kind>` for every registered kind, and their sum `load`, in the same single query."""
    counts = {f"open_{kind.name}": _count_of(kind.open_items(), kind.owner_field) for kind in KINDS.values()}
    load = sum((Coalesce(name, 0) for name in counts), Value(0))
    return queryset.annotate(**counts).annotate(load=load)


@dataclass
class AgentLoad:
    agent_id: int
    max_capacity: int
    open_items: dict[str, int] = field(default_factory=dict)  # per registered kind ("leads", "tickets")

    @property
    def open_leads(self) -> int:
        return self.open_items.get("leads", 0)

    @property
    def open_tickets(self) -> int:
        return self.open_items.get("tickets", 0)

    @property
    def load(self) -> int:
        return sum(self.open_items.values())

    @property
    def remaining(self) -> int:
        """Free slots; 0 (never negative) when the agent is at or over capacity."""
        return max(self.max_capacity - self.load, 0)

    @property
    def has_room(self) -> bool:
        return self.load < self.max_capacity

    @property
    def over_capacity(self) -> bool:
        return self.load > self.max_capacity

    @property
    def utilisation(self) -> float | None:
        """load / max_capacity; None for an agent with no capacity at all."""
        if self.max_capacity == 0:
            return None
        return self.load / self.max_capacity


def load_of(agent: Agent) -> AgentLoad:
    return loads_for([agent.pk])[agent.pk]


def loads_for(agent_ids) -> dict[int, AgentLoad]:
    """The loads of many agents with one aggregate query."""
    names = [f"open_{name}" for name in KINDS]
    rows = with_load(Agent.objects.filter(pk__in=list(agent_ids))).values("pk", "max_capacity", *names)
    return {
        row["pk"]: AgentLoad(row["pk"], row["max_capacity"], {name: row[f"open_{name}"] for name in KINDS})
        for row in rows
    }


def lock_agents(agent_ids) -> list[Agent]:
    """SELECT … FOR UPDATE the agents in pk order (inside the caller's transaction).

    Every assigner locks the records it assigns first, then the agents, always in pk order,
    so assigners wait for each other instead of deadlocking.
    """
    return list(
        Agent.objects.filter(pk__in=list(agent_ids))
        .select_related("user")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


class Room:
    """The remaining capacity of locked agents, kept up to date while a batch places work."""

    def __init__(self, loads: dict[int, AgentLoad]):
        self.loads = loads

    def has_room(self, agent_id: int) -> bool:
        load = self.loads.get(agent_id)
        return load is not None and load.has_room

    def remaining(self, agent_id: int) -> int:
        load = self.loads.get(agent_id)
        return load.remaining if load is not None else 0

    def take(self, agent_id: int, *, kind: str) -> None:
        """One more open item of `kind` (a registered name: "leads", "tickets") for the agent."""
        self._bump(agent_id, kind, 1)

    def release(self, agent_id: int, *, kind: str) -> None:
        self._bump(agent_id, kind, -1)

    def _bump(self, agent_id: int, kind: str, delta: int) -> None:
        load = self.loads.get(agent_id)
        if load is not None:
            load.open_items[kind] = load.open_items.get(kind, 0) + delta


def free_agent(*, location_id: int, busy) -> Agent | None:
    """The least-loaded agent of a location who takes automatic work now and can be phoned, locked.

    Available, with a phone, with room under their capacity (load read after the lock), and not in
    `busy`: a queryset of agent ids, evaluated after the lock so that it sees every reservation
    committed before (call in a transaction). None when nobody is free.
    """
    candidates = Agent.objects.filter(location_id=location_id, availability__in=AUTOMATIC_AVAILABILITIES)
    agents = lock_agents(candidates.exclude(phone="").values_list("pk", flat=True))
    taken = set(busy)
    loads = loads_for(a.pk for a in agents if a.pk not in taken)
    free = [a for a in agents if a.pk in loads and a.availability in AUTOMATIC_AVAILABILITIES and loads[a.pk].has_room]
    return min(free, key=lambda a: (loads[a.pk].load, a.pk), default=None)


def attach_metrics(agents) -> list[Agent]:
    """Set `.capacity` (AgentLoad) and `.performance` on each agent: three queries in all."""
    from agents.performance import performance_for

    agents = list(agents)
    loads = loads_for(a.pk for a in agents)
    performance = performance_for(a.pk for a in agents)
    for agent in agents:
        agent.capacity = loads[agent.pk]
        agent.performance = performance[agent.pk]
    return agents


def update_capacity(*, agent: Agent, max_capacity: int | None = None, availability: str | None = None) -> list[str]:
    """Change an agent's maximum capacity and/or availability; return warnings.

    Lowering the capacity below the current load is allowed, and flagged: the agent takes
    no new work until their load is under it again.
    """
    with transaction.atomic():
        (locked,) = lock_agents([agent.pk])
        fields = ["updated_at"]
        if max_capacity is not None:
            locked.max_capacity = max_capacity
            fields.append("max_capacity")
        if availability is not None:
            locked.availability = availability
            fields.append("availability")
        locked.save(update_fields=fields)
        load = loads_for([locked.pk])[locked.pk]
    agent.max_capacity, agent.availability = locked.max_capacity, locked.availability
    if load.over_capacity:
        return [
            f"The capacity ({load.max_capacity}) is below the current load ({load.load}): "
            f"{agent.display_name} takes no new work until under it."
        ]
    return []


def full_message(agent: Agent, load: AgentLoad) -> str:
    return f"{agent.display_name} is at capacity ({load.load}/{load.max_capacity})."


def unavailable_message(agent: Agent) -> str:
    return f"{agent.display_name} is {agent.get_availability_display().lower()} and takes no new work."


class AssignmentError(Exception):
    """An assignment that the rules refuse; `code` says which rule."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def direct_assignee(*, agent_id: int, current_id: int | None, location_id: int, noun: str) -> Agent:
    """The agent one record may be given to by hand, locked with its current one (call in a transaction).

    Refused with AssignmentError: an agent of another location, the current one again, an away or
    offline agent, or one at capacity (load read after the lock).
    """
    agents = {a.pk: a for a in lock_agents({agent_id, current_id} - {None})}
    agent = agents.get(agent_id)
    if agent is None or agent.location_id != location_id:
        raise AssignmentError(f"No such agent in this {noun}'s location.", "agent")
    if current_id == agent.pk:
        raise AssignmentError(f"This {noun} is already assigned to {agent.display_name}.", "same_agent")
    if agent.availability not in DIRECT_AVAILABILITIES:
        raise AssignmentError(unavailable_message(agent), "unavailable")
    load = loads_for([agent.pk])[agent.pk]
    if not load.has_room:
        raise AssignmentError(full_message(agent, load), "full")
    return agent
