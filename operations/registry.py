"""Targets (kinds of records) and operation types, declared by domain apps.

Each domain app declares, in its `operation_types.py`, one `Target` for its records and
one `OperationType` subclass per action. The engine knows no domain model by name: it
looks both up here by key.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.urls import reverse
from rest_framework import serializers

from accounts.models import Membership
from accounts.selectors import membership_for
from operations.errors import InvalidInput
from web.list_filters import ListFilterForm


@dataclass(frozen=True)
class Outcome:
    """What happened to one record: `status` is an ItemStatus value."""

    status: str
    error: str = ""
    before: dict | None = None


@dataclass(frozen=True)
class Planned:
    """What a type would do to one record (its preview): an ItemStatus value, why, and before → after."""

    status: str
    reason: str = ""
    before: str = ""
    after: str = ""


@dataclass
class ExecutionContext:
    operation: Any
    membership: Membership | None
    params: dict
    # Filled by the engine for the chunk: any state an apply() wants to share.
    extra: dict = field(default_factory=dict)

    @property
    def user(self):
        return self.operation.created_by

    @property
    def location(self):
        return self.operation.location


@dataclass(frozen=True)
class Target:
    """A kind of record bulk operations act on.

    - `records(location)`: every record of the location an operation may act on.
    - `allowed(membership)`: a Q of the records this member may change, or None for all.
    - `filter_form`: the list's filter form (a ListFilterForm), and `select(location=, filters=)`
      the records its cleaned data matches: what "all N matching" selects. None: by ID only.
    """

    key: str
    label: str
    model: type[models.Model]
    records: Callable[[Any], models.QuerySet]
    allowed: Callable[[Membership], models.Q | None]
    filter_form: type[ListFilterForm] | None = None
    select: Callable[..., models.QuerySet] | None = None
    # A field pasted or uploaded values may name records by besides their IDs (leads: "email").
    match_field: str = ""
    # The pages of the records: the list (a URL name) and one record's (a URL name taking its id).
    list_url_name: str = ""
    detail_url_name: str = ""
    not_found_message: str = "Record not found"
    forbidden_message: str = "Insufficient permissions to update record"
    singular: str = "record"
    # A record's name on result rows (a lead's full name, a ticket's subject).
    record_name: Callable[[Any], str] = str

    @property
    def list_url(self) -> str:
        return reverse(self.list_url_name) if self.list_url_name else ""

    def record_url(self, pk) -> str:
        return reverse(self.detail_url_name, args=[pk]) if self.detail_url_name else ""

    def matching(self, location, filters: dict) -> models.QuerySet:
        """The records a filters dict (the API's, a stored selection) selects.

        Validated as the list validates its query string; errors are the API's 400.
        """
        try:
            cleaned = self.filter_form.clean_filters(filters or {}, location=location)
        except DjangoValidationError as exc:
            raise InvalidInput.from_detail({"filters": exc.message_dict}) from None
        return self.select(location=location, filters=cleaned)

    def may_edit(self, user, record) -> bool:
        """The one "may this member change this record" rule: bulk operations and the record API ask it."""
        membership = membership_for(user, record.location)
        if membership is None:
            return False
        rule = self.allowed(membership)
        return rule is None or self.model._default_manager.filter(rule, pk=record.pk).exists()


def own_or_nobodys(agent_field: str) -> Callable[[Membership], models.Q | None]:
    """A target's `allowed`: managers and admins change every record; agents theirs and nobody's.

    `agent_field` names the record's agent (a lead's owner, a ticket's assignee).
    """

    def allowed(membership: Membership) -> models.Q | None:
        if membership.is_manager:
            return None
        return models.Q(**{f"{agent_field}__isnull": True}) | models.Q(
            **{f"{agent_field}__user_id": membership.user_id}
        )

    return allowed


@dataclass(frozen=True)
class ResultFile:
    """A file an operation produced for download (an export), as its type describes it.

    `file` opens with `.open("rb")`; `page_url` is where the pages download it (a session view).
    """

    file: Any
    filename: str
    content_type: str
    format_label: str
    rows: int | None
    page_url: str

    @property
    def size(self) -> int:
        return self.file.size


class OperationType:
    """One bulk action. Subclasses set the class attributes and implement apply()."""

    key: ClassVar[str]
    label: ClassVar[str]
    target: ClassVar[str]
    description: ClassVar[str] = ""
    reversible: ClassVar[bool] = False
    # Records are locked (SELECT … FOR UPDATE) before apply(); False for read-only types.
    locks_records: ClassVar[bool] = True
    # The policy action (accounts.policy.Action) that creating one of these needs.
    create_action: ClassVar[str] = "operation.create"

    class Params(serializers.Serializer):
        """The parameters this type takes; override with the type's own fields."""

    # The pages' parameter form: None for the one operations.params_forms generates from Params; a type
    # sets its own (an operations.params_forms.ParamsForm) only for a richer widget than that one.
    form_class: ClassVar[type | None] = None

    def params_form(self, data=None, *, location):
        """The parameter form every page shows for this type (prefix "params")."""
        from operations.params_forms import OperationParamsForm

        return (self.form_class or OperationParamsForm)(data, op_type=self, location=location)

    def describe_parameters(self, params, *, location) -> list[tuple[str, str]]:
        """(label, shown value) of stored parameters: the live page, admin and history show these."""
        from operations.params_forms import describe_parameters

        return describe_parameters(op_type=self, params=params, location=location)

    def question(self, records: str, params: dict) -> str:
        """The confirm step's question ("Delete 12 tickets?"); "" leaves it to the parameter form."""
        return ""

    def preview(self, records: list, ctx: "ExecutionContext") -> dict[int, Planned]:
        """The dry run (never writes): by default every record changes as change() says."""
        from operations.models import ItemStatus

        return {record.pk: Planned(ItemStatus.SUCCEEDED, "", *self.change(record, ctx)) for record in records}

    def change(self, record, ctx: "ExecutionContext") -> tuple[str, str]:
        """One record's (before, after) as text; by default no before, and the parameters as after."""
        shown = self.describe_parameters(ctx.params, location=ctx.location)
        return "", "; ".join(f"{label}: {value}" for label, value in shown) or self.label

    def recorded_changes(self, operation, befores: dict[int, dict | None]) -> dict[int, tuple[str, str]]:
        """After the run, the (before, after) text of the records it changed, as the preview said it.

        Read from what the succeeded items stored (`befores`: their before-values by object id) and
        the parameters, never from the records (they may have changed or gone since): the live page,
        the results CSV and the items API all show this. By default, change() without a record.
        """
        ctx = ExecutionContext(operation, None, operation.parameters)
        before, after = self.change(None, ctx)
        return dict.fromkeys(befores, (before, after))

    def queryset(self, target: Target, location, *, undo: bool) -> models.QuerySet:
        """The records this type may act on; a soft-delete type widens it for its undo."""
        return target.records(location)

    def validate(self, data: dict, *, location, user) -> dict:
        """Validate raw parameters with the type's Params; raise InvalidInput with field errors.

        The one place a type's (DRF) serializer errors become the engine's InvalidInput.
        """
        serializer = self.Params(data=data or {}, context={"location": location, "user": user})
        if not serializer.is_valid():
            raise InvalidInput.from_detail(serializer.errors)
        return _jsonable(serializer.validated_data)

    def apply(self, records: list, ctx: ExecutionContext) -> dict[int, Outcome]:
        """Apply the change to a chunk of records; return an Outcome per record id."""
        raise NotImplementedError

    def undo(self, records: list, befores: dict[int, dict], ctx: ExecutionContext) -> dict[int, Outcome]:
        """Restore `befores` on records not changed since; only for reversible types."""
        raise NotImplementedError(f"{self.key} cannot be undone")

    def finish(self, operation) -> None:
        """Called once when the operation completes (e.g. to close an export file)."""

    # A type whose operations produce a file to download (an export) sets this and the two below.
    produces_file: ClassVar[bool] = False

    def result_file(self, operation) -> ResultFile | None:
        """The finished operation's file, or None while there is none (not done, cancelled, deleted)."""
        return None

    def may_download(self, user, operation) -> bool:
        """Whether user may download the operation's file; the engine knows no policy of its own."""
        return False

    # A type that hears back about records after they were processed (an SMS's delivery) names
    # the column its record_notes fill on the operation page and in the items API ("Delivery").
    record_note_label: ClassVar[str] = ""

    def figures(self, operation) -> list[tuple[str, str, int]]:
        """(key, label, count) the type counts beyond the item statuses, e.g. SMS delivered."""
        return []

    def record_notes(self, operation, object_ids: list[int]) -> dict[int, str]:
        """What the type has heard about these records since (e.g. "Delivered"), by object id."""
        return {}


def _jsonable(value):
    """Validated data as JSON-storable values (model instances become their pk)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value


_targets: dict[str, Target] = {}
_types: dict[tuple[str, str], OperationType] = {}


def register_target(target: Target) -> Target:
    _targets[target.key] = target
    return target


def register(cls: type[OperationType]) -> type[OperationType]:
    """Class decorator: make an operation type available to the engine."""
    _types[(cls.target, cls.key)] = cls()
    return cls


def unregister(cls: type[OperationType]) -> None:
    """Take a type out of the registry again (a test's throwaway type)."""
    _types.pop((cls.target, cls.key), None)


def get_target(key: str) -> Target:
    try:
        return _targets[key]
    except KeyError:
        raise LookupError(f"Unknown target '{key}'") from None


def get_type(target: str, key: str) -> OperationType:
    try:
        return _types[(target, key)]
    except KeyError:
        raise LookupError(f"Unknown operation type '{key}' for {target}") from None


def targets() -> list[Target]:
    return list(_targets.values())


def types_for(target: str) -> list[OperationType]:
    return [op_type for (target_key, _), op_type in _types.items() if target_key == target]
