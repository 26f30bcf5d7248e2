"""What agents work on: each target app registers its kind of work item when it is ready.

The agents app imports no target app; leads and tickets call `register` in `AppConfig.ready`,
and capacity (load), the assignment trail pages and performance read what they registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class WorkKind:
    name: str  # "leads": the key of an AgentLoad's counts, and of `open_<name>` in the API
    noun: str  # "lead"
    records: Callable[[], QuerySet]  # every record of the kind (the trail page scopes it by location)
    open_items: Callable[[], QuerySet]  # the records that count towards an agent's load
    owner_field: str  # the foreign key to Agent on a record
    trail: type[Model]  # the AssignmentRecord subclass of the kind
    trail_field: str  # the trail's foreign key to the record
    # (agent ids, since) -> {agent id: agents.performance.Performance}; one kind (leads) has it
    performance: Callable[[list[int], datetime], dict] | None = None


KINDS: dict[str, WorkKind] = {}


def register(kind: WorkKind) -> None:
    KINDS[kind.name] = kind
