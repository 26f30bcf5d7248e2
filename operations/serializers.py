"""Input and output shapes of the bulk-operations API.

The ticket endpoints keep seed 003's field names exactly (ticket_ids, operation_data,
total_tickets, …); the generic endpoints use target-neutral names.
"""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.serializers import LocationField
from operations.models import BulkOperation, BulkOperationItem, OperationStatus
from operations.registry import get_type, targets, types_for
from operations.selectors import estimate_completion


@extend_schema_field(OpenApiTypes.DATETIME)
class EstimatedCompletionField(serializers.Field):
    """From the operation's own rate once it runs, before that from recent similar ones."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, operation):
        value = estimate_completion(operation)
        return serializers.DateTimeField().to_representation(value) if value else None


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo is a 400 and not silently ignored."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _refuse_nul(value) -> None:
    # PostgreSQL stores no U+0000 in jsonb (nor in text): refused as bad input, not a 500.
    if _holds_nul(value):
        raise serializers.ValidationError("Null characters are not allowed.")


def _metadata_field() -> serializers.DictField:
    return serializers.DictField(required=False, default=dict, validators=[_refuse_nul])


def _ids_field(noun: str, *, required: bool = True) -> serializers.ListField:
    return serializers.ListField(
        required=required,
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        max_length=settings.BULK_MAX_IDS,
        error_messages={
            "max_length": f"At most {settings.BULK_MAX_IDS:,} {noun} per operation.",
            "empty": f"Select at least one {noun[:-1]}.",
        },
    )


class TicketBulkCreateInput(StrictSerializer):
    ticket_ids = _ids_field("tickets")
    operation_type = serializers.ChoiceField(choices=[])
    operation_data = serializers.DictField(required=False, default=dict)
    metadata = _metadata_field()
    location = LocationField(required=False, allow_null=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operation_type"].choices = [(t.key, t.label) for t in types_for("tickets")]


class TicketBulkCreateOutput(serializers.Serializer):
    operation_id = serializers.CharField(source="pk")
    status = serializers.CharField()
    ticket_count = serializers.IntegerField(source="total")
    created_at = serializers.DateTimeField()
    estimated_completion = EstimatedCompletionField()


class TicketErrorOutput(serializers.Serializer):
    ticket_id = serializers.IntegerField(source="object_id")
    error_message = serializers.CharField()


class TicketBulkStatusOutput(serializers.Serializer):
    operation_id = serializers.CharField(source="pk")
    status = serializers.CharField()
    operation_type = serializers.CharField()
    total_tickets = serializers.IntegerField(source="total")
    processed_tickets = serializers.IntegerField(source="processed")
    successful_tickets = serializers.IntegerField(source="successful")
    failed_tickets = serializers.IntegerField(source="failed")
    skipped_tickets = serializers.IntegerField(source="skipped")
    progress_percentage = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    estimated_completion = EstimatedCompletionField()
    metadata = serializers.DictField()
    errors = serializers.SerializerMethodField()

    def get_errors(self, operation) -> list[dict]:
        failed = operation.items.filter(status="failed").order_by("pk")[: self.context.get("error_limit", 100)]
        return TicketErrorOutput(failed, many=True).data


class TicketBulkCancelOutput(serializers.Serializer):
    operation_id = serializers.CharField(source="pk")
    status = serializers.CharField()
    processed_tickets = serializers.IntegerField(source="processed")
    cancelled_at = serializers.DateTimeField(allow_null=True)


class TicketBulkListItemOutput(serializers.Serializer):
    operation_id = serializers.CharField(source="pk")
    status = serializers.CharField()
    operation_type = serializers.CharField()
    total_tickets = serializers.IntegerField(source="total")
    processed_tickets = serializers.IntegerField(source="processed")
    successful_tickets = serializers.IntegerField(source="successful")
    failed_tickets = serializers.IntegerField(source="failed")
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


def _offset_field() -> serializers.IntegerField:
    # Bounded by the databases' 64-bit OFFSET: a larger one is a 400, not a 500.
    return serializers.IntegerField(min_value=0, max_value=2**63 - 1, default=0)


class ListQueryInput(StrictSerializer):
    status = serializers.ChoiceField(choices=OperationStatus.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)
    offset = _offset_field()


class TicketBulkListOutput(serializers.Serializer):
    operations = TicketBulkListItemOutput(many=True)
    total = serializers.IntegerField()
    has_more = serializers.BooleanField()


# --- Generic -------------------------------------------------------------------------


class BulkCreateInput(StrictSerializer):
    target = serializers.ChoiceField(choices=[])
    operation_type = serializers.CharField(max_length=64)
    parameters = serializers.DictField(required=False, default=dict)
    ids = _ids_field("records", required=False)
    filters = serializers.DictField(
        required=False, validators=[_refuse_nul], help_text='The list page\'s filters, e.g. {"stage": "new"}'
    )
    metadata = _metadata_field()
    location = LocationField(required=False, allow_null=True)
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True)
    draft = serializers.BooleanField(default=False)
    filter_resolution = serializers.ChoiceField(
        choices=["now", "at_start"],
        default="now",
        help_text="With filters on a scheduled or draft operation: 'now' acts on the records matching now "
        "(IDs frozen); 'at_start' on whatever matches when it starts (the count may change).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(t.key, t.label) for t in targets()]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if ("ids" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError({"ids": ["Give either ids or filters (not both)."]})
        if attrs.get("draft") and attrs.get("scheduled_for"):
            raise serializers.ValidationError({"scheduled_for": ["A draft is not scheduled; start it later."]})
        return attrs


class BulkUpdateInput(StrictSerializer):
    parameters = serializers.DictField(required=False, help_text="All of the type's parameters, validated anew")
    scheduled_for = serializers.DateTimeField(required=False, help_text="A new start time, in the future")
    status = serializers.ChoiceField(
        choices=["scheduled", "pending"], required=False, help_text="A draft only: schedule it, or run it now"
    )


class BulkOperationOutput(serializers.ModelSerializer):
    operation_id = serializers.CharField(source="pk")
    created_by = serializers.CharField(source="created_by.username")
    progress_percentage = serializers.IntegerField()
    estimated_completion = EstimatedCompletionField()
    items_per_second = serializers.FloatField(allow_null=True)
    results_url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(
        help_text="Where to download the file this operation wrote (an export), once completed, if you may; else null."
    )
    filter_resolution = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="For a filter selection: 'now' (the records matching when it was made) or 'at_start' "
        "(whatever matches when it starts; until then total is the count at scheduling); null for IDs.",
    )
    figures = serializers.SerializerMethodField(
        help_text="What the type counts beyond the item statuses, e.g. an SMS operation's delivered, "
        "undelivered, delivery_failed, awaiting_report and held messages; {} for other types."
    )

    class Meta:
        model = BulkOperation
        fields = [
            "operation_id",
            "location",
            "target",
            "operation_type",
            "status",
            "parameters",
            "selection",
            "filter_resolution",
            "metadata",
            "error_message",
            "total",
            "processed",
            "successful",
            "failed",
            "skipped",
            "progress_percentage",
            "items_per_second",
            "created_by",
            "created_at",
            "scheduled_for",
            "started_at",
            "completed_at",
            "cancelled_at",
            "estimated_completion",
            "retry_of",
            "undo_of",
            "results_url",
            "file_url",
            "figures",
        ]

    def get_results_url(self, operation) -> str:
        return f"/api/v1/bulk-operations/{operation.pk}/results.csv"

    def get_figures(self, operation) -> dict[str, int]:
        try:
            op_type = get_type(operation.target, operation.operation_type)
        except LookupError:
            return {}
        return {key: count for key, _, count in op_type.figures(operation)}

    def get_file_url(self, operation) -> str | None:
        request = self.context.get("request")
        try:
            op_type = get_type(operation.target, operation.operation_type)
        except LookupError:
            return None
        if request is None or not op_type.produces_file or not op_type.may_download(request.user, operation):
            return None
        return f"/api/v1/bulk-operations/{operation.pk}/file" if op_type.result_file(operation) else None


class BulkOperationItemOutput(serializers.ModelSerializer):
    note = serializers.CharField(
        default="", help_text="What the type heard about the record since, e.g. an SMS's delivery"
    )
    label = serializers.CharField(
        default="", help_text="The record's name (a lead's full name, a ticket's number and subject); '' once gone"
    )
    change = serializers.CharField(
        default="",
        help_text="What the operation changed on the record, as the live page shows it ('New → Won'); "
        "'' unless the item succeeded",
    )

    class Meta:
        model = BulkOperationItem
        fields = ["object_id", "status", "error_message", "before", "processed_at", "note", "label", "change"]


class BulkOperationItemListOutput(serializers.Serializer):
    items = BulkOperationItemOutput(many=True)
    total = serializers.IntegerField()
    has_more = serializers.BooleanField()


class ItemsQueryInput(StrictSerializer):
    status = serializers.ChoiceField(choices=["pending", "succeeded", "failed", "skipped"], required=False)
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
    offset = _offset_field()


class BulkOperationListOutput(serializers.Serializer):
    operations = BulkOperationOutput(many=True)
    total = serializers.IntegerField()
    has_more = serializers.BooleanField()


class GenericListQueryInput(ListQueryInput):
    target = serializers.CharField(required=False, max_length=32)
    operation_type = serializers.CharField(required=False, max_length=64)
    mine = serializers.BooleanField(required=False, default=False)


class OperationTypeOutput(serializers.Serializer):
    target = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    reversible = serializers.BooleanField()
