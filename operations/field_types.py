"""A reusable operation type: set one field of every record to a chosen value."""

from typing import ClassVar

from django.utils import timezone

from operations.models import ItemStatus
from operations.registry import ExecutionContext, OperationType, Outcome


class SetFieldType(OperationType):
    """Sets `field` to the `param` parameter with one UPDATE per chunk; undo restores it.

    Records already holding the value are skipped. Undo skips records whose field no
    longer holds the value this operation set (changed since), saying what it is now.
    """

    field: ClassVar[str]
    param: ClassVar[str]
    reversible = True

    def new_value(self, ctx: ExecutionContext):
        return ctx.params[self.param]

    def describe(self, value) -> str:
        return "none" if value in (None, "") else str(value)

    def apply(self, records, ctx):
        value = self.new_value(ctx)
        outcomes, changed = {}, []
        for record in records:
            current = getattr(record, self.field)
            if current == value:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, f"Already {self.describe(value)}")
            else:
                changed.append(record.pk)
                outcomes[record.pk] = Outcome(ItemStatus.SUCCEEDED, before={self.field: current})
        if changed:
            self.write(records[0].__class__, changed, {self.field: value}, ctx)
        return outcomes

    def undo(self, records, befores, ctx):
        set_value = self.new_value(ctx)
        outcomes, by_value = {}, {}
        for record in records:
            before = befores.get(record.pk) or {}
            current = getattr(record, self.field)
            if self.field not in before:
                outcomes[record.pk] = Outcome(ItemStatus.SKIPPED, "Nothing recorded to restore")
            elif current != set_value:
                outcomes[record.pk] = Outcome(
                    ItemStatus.SKIPPED, f"Changed since the operation (now {self.describe(current)})"
                )
            else:
                by_value.setdefault(before[self.field], []).append(record.pk)
                outcomes[record.pk] = Outcome(ItemStatus.SUCCEEDED, before={self.field: current})
        for value, pks in by_value.items():
            self.write(records[0].__class__, pks, {self.field: value}, ctx)
        return outcomes

    def write(self, model, pks: list[int], values: dict, ctx: ExecutionContext) -> None:
        """One UPDATE; records which operation changed them when the model tracks it."""
        extra = {}
        field_names = {f.name for f in model._meta.get_fields()}
        if "last_operation" in field_names:
            extra["last_operation"] = ctx.operation
        if "updated_at" in field_names:
            extra["updated_at"] = timezone.now()
        model.objects.filter(pk__in=pks).update(**values, **extra)
