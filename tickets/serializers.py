"""API input and output serializers for tickets."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from rest_framework import serializers

from accounts.models import Location
from accounts.serializers import LocationField, TenantScopedPrimaryKeyField, check_same_location, resolve_location
from agents.capacity import AssignmentError
from agents.models import Agent
from tickets.assignment import assign_ticket
from tickets.models import Category, Priority, Status, Ticket
from web.api import Conflict

NUMBER_ATTEMPTS = 5
CREATE_REASON = "Created via API"


def assignee_change_refused(ticket_id: int) -> str:
    """Why an update may not change a ticket's assignee, and where to do it instead."""
    return (
        "The assignee is changed only by the ticket assign operation, which checks the agent's availability "
        "and capacity and records who assigned the ticket: use POST /api/v1/tickets/bulk-operations with "
        f'{{"ticket_ids": [{ticket_id}], "operation_type": "assign", "operation_data": {{"agent_id": ...}}}} '
        "(null unassigns)."
    )


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
        queryset=Agent.objects.select_related("user"),
        required=False,
        allow_null=True,
        help_text="On create: the agent to assign the ticket to (managers and admins; the agent must be "
        "available or busy and under capacity). On update it may only repeat the current assignee: change it "
        "with the `assign` operation of POST /api/v1/tickets/bulk-operations.",
    )
    requester_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requester_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_subject(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate_assignee(self, value):
        if self.instance is not None and getattr(value, "pk", None) != self.instance.assignee_id:
            raise serializers.ValidationError(assignee_change_refused(self.instance.pk))
        return value

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
        """The ticket, then its assignee through the assignment service; a refusal undoes both."""
        assignee = validated_data.pop("assignee", None)
        with transaction.atomic():
            ticket = create_ticket_numbered(**validated_data)
            if assignee is not None:
                try:
                    assign_ticket(
                        ticket=ticket, agent_id=assignee.pk, user=self.context["request"].user, reason=CREATE_REASON
                    )
                except AssignmentError as exc:
                    raise serializers.ValidationError({"assignee": [exc.message]}) from exc
                ticket.refresh_from_db()
        return ticket

    def update(self, instance, validated_data):
        validated_data.pop("location", None)
        validated_data.pop("assignee", None)  # validate_assignee let it through only unchanged
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        return instance
