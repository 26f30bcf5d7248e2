"""API input and output serializers for tickets."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from rest_framework import serializers

from accounts.models import Agent, Location
from accounts.serializers import LocationField, TenantScopedPrimaryKeyField, check_same_location, resolve_location
from config.api import Conflict
from tickets.models import Category, Priority, Status, Ticket, TicketAssignment

NUMBER_ATTEMPTS = 5


class TicketOutputSerializer(serializers.ModelSerializer):
    assignee_name = serializers.SerializerMethodField()
    requester_email = serializers.CharField(read_only=True, help_text="An email address, or empty")
    comment_count = serializers.IntegerField(
        read_only=True, default=None, allow_null=True, help_text="Only on the detail endpoint"
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "location",
            "number",
            "subject",
            "description",
            "status",
            "priority",
            "category",
            "assignee",
            "assignee_name",
            "requester_name",
            "requester_email",
            "comment_count",
            "created_at",
            "updated_at",
        ]

    def get_assignee_name(self, ticket) -> str | None:
        return ticket.assignee.display_name if ticket.assignee_id else None


def create_ticket_numbered(*, location: Location, **fields) -> Ticket:
    """Create a ticket with the next number of its location (max + 1), safe under concurrency.

    The location row lock serialises numbering on PostgreSQL (SQLite's IMMEDIATE transactions
    already do); a unique-constraint clash from any other writer is retried.
    """
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                Location.objects.select_for_update().filter(pk=location.pk).first()
                last = Ticket.objects.filter(location=location).aggregate(last=Max("number"))["last"] or 0
                return Ticket.objects.create(location=location, number=last + 1, **fields)
        except IntegrityError:
            continue
    raise Conflict("Could not assign a ticket number; please retry.")


class TicketInputSerializer(serializers.Serializer):
    """Create (POST), full update (PUT) or partial update (PATCH) of one ticket."""

    location = LocationField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    assignee = TenantScopedPrimaryKeyField(
        queryset=Agent.objects.select_related("user"), required=False, allow_null=True
    )
    requester_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requester_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_subject(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate(self, attrs):
        if self.instance is not None:
            if attrs.get("location") not in (None, self.instance.location):
                raise serializers.ValidationError({"location": "A ticket cannot move to another location."})
            location = self.instance.location
        else:
            location = resolve_location(self, attrs)
        attrs["location"] = location
        check_same_location(location, assignee=attrs.get("assignee"))
        return attrs

    def create(self, validated_data):
        with transaction.atomic():
            ticket = create_ticket_numbered(**validated_data)
            if ticket.assignee_id:
                self._record_assignment(ticket, None, "Created via API")
        return ticket

    def update(self, instance, validated_data):
        validated_data.pop("location", None)
        old_assignee_id = instance.assignee_id
        for field, value in validated_data.items():
            setattr(instance, field, value)
        with transaction.atomic():
            instance.save()
            if instance.assignee_id != old_assignee_id:
                self._record_assignment(instance, old_assignee_id, "Updated via API")
        return instance

    def _record_assignment(self, ticket: Ticket, from_agent_id: int | None, reason: str) -> None:
        TicketAssignment.objects.create(
            ticket=ticket,
            from_agent_id=from_agent_id,
            to_agent_id=ticket.assignee_id,
            reason=reason,
            strategy="manual",
            assigned_by=self.context["request"].user,
        )
