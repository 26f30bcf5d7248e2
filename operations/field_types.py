"""The one reusable operation type that sets one field of every record to a chosen value."""

from collections import defaultdict
from functools import cached_property
from typing import ClassVar

from django.utils import timezone

from operations.models import ItemStatus
from operations.registry import ExecutionContext, OperationType, Outcome, Planned


class SetFieldType(OperationType):
    """Sets a field to a parameter's value with one UPDATE per value; undo restores it.

    Subclasses name the field and the parameter (`field_name`, `param`), or override field()
    and value() when they depend on the parameters. Records already holding the value are
    skipped; undo skips records whose field no longer holds the value this operation set
    (changed since), saying what it is now. `written()` is the hook for history rows.
    """

    field_name: ClassVar[str]
    param: ClassVar[str]
    reversible = True

    def field(self, ctx: ExecutionContext) -> str:
        return self.field_name

    def value(self, ctx: ExecutionContext):
        return ctx.params[self.param]

    @cached_property
    def _choices(self) -> dict:
        declared = self.Params().fields.get(getattr(self, "param", ""))
        return {str(key): label for key, label in (getattr(declared, "choices", None) or {}).items()}

    def describe(self, value, ctx: ExecutionContext) -> str:
        """A value as text: a choice by its label, nothing as "none"."""
        if value in (None, ""):
            return "none"
        return str(self._choices.get(str(value), value))

    def written(self, changes: list[tuple[int, object, object]], ctx: ExecutionContext) -> None:
        """Hook: called after the UPDATEs with the (record id, old, new) changes."""

    def preview(self, records, ctx):
        field, value = self.field(ctx), self.value(ctx)
        plans = {}
        for record in records:
            current = getattr(record, field)
            if current == value:
                plans[record.pk] = Planned(ItemStatus.SKIPPED, f"Already {self.describe(value, ctx)}")
            else:
                plans[record.pk] = Planned(
                    ItemStatus.SUCCEEDED, "", self.describe(current, ctx), self.describe(value, ctx)
                )
        return plans

    def recorded_changes(self, operation, befores):
        ctx = ExecutionContext(operation, None, operation.parameters)
        field, value = self.field(ctx), self.value(ctx)
        return {
            pk: (self.describe(before[field], ctx), self.describe(value, ctx))
            for pk, before in befores.items()
            if before and field in before
        }

    def apply(self, records, ctx):
        field, value = self.field(ctx), self.value(ctx)
        outcomes, changes = {}, []
        for record in records:
            current = getattr(record, field)
            if current == value:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, f"Already {self.describe(value, ctx)}")
            else:
                changes.append((record.pk, current, value))
                outcomes[record.pk] = Outcome(ItemStatus.SUCCEEDED, before={field: current})
        self._write(records, changes, field, ctx)
        return outcomes

    def undo(self, records, befores, ctx):
        field, set_value = self.field(ctx), self.value(ctx)
        outcomes, changes = {}, []
        for record in records:
            before = befores.get(record.pk) or {}
            current = getattr(record, field)
            if field not in before:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
            elif current != set_value:
                outcomes[record.pk] = Outcome(
                    ItemStatus.SKIPPED, f"Changed since the operation (now {self.describe(current, ctx)})"
                )
            else:
                changes.append((record.pk, current, before[field]))
                outcomes[record.pk] = Outcome(ItemStatus.SUCCEEDED, before={field: current})
        self._write(records, changes, field, ctx)
        return outcomes

    def _write(self, records, changes, field: str, ctx: ExecutionContext) -> None:
        """One UPDATE per new value; records which operation changed them when the model tracks it."""
        if not changes:
            return
        model = records[0].__class__
        names = {f.name for f in model._meta.get_fields()}
        extra = {"last_operation": ctx.operation} if "last_operation" in names else {}
        if "updated_at" in names:
            extra["updated_at"] = timezone.now()
        by_value = defaultdict(list)
        for pk, _, new in changes:
            by_value[new].append(pk)
        for new, pks in by_value.items():
            model.objects.filter(pk__in=pks).update(**{field: new}, **extra)
        self.written(changes, ctx)
