"""Agents (who leads and tickets are assigned to), their availability and the assignment state.

The tables were created by the accounts app and keep its names (`db_table`): moving the
models here changed no row.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from accounts.models import Location, Team


def validate_e164(value: str) -> None:
    """A valid phone number written in E.164 (+14155550123)."""
    import phonenumbers
    from django.core.exceptions import ValidationError

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
    ):
        raise ValidationError(f"{value!r} is not a valid number in E.164 (e.g. +14155550123).")


class Availability(models.TextChoices):
    AVAILABLE = "available", "Available"
    BUSY = "busy", "Busy"
    AWAY = "away", "Away"
    OFFLINE = "offline", "Offline"


class Agent(models.Model):
    """A person leads and tickets are assigned to, with a capacity of open work items."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agents")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="agents")
    max_capacity = models.PositiveIntegerField(default=50, validators=[MinValueValidator(0)])
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.AVAILABLE)
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_e164], help_text="E.164; campaign calls are bridged to it"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "accounts_agent"
        constraints = [models.UniqueConstraint(fields=["location", "user"], name="unique_agent_per_location")]
        ordering = ["user__username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.username


class AssignmentRecord(models.Model):
    """One line of an assignment audit trail: a change of who works on a record, and why.

    Leads and tickets each keep a concrete trail that adds the foreign key to its record.
    """

    from_agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    strategy = models.CharField(max_length=32, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-assigned_at", "-id"]


class RoundRobinPointer(models.Model):
    """Where round-robin assignment stopped, per location and scope ("all" or "team:<id>").

    Locked FOR UPDATE while assigning, so operations and workers share one rotation.
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    last_agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "accounts_roundrobinpointer"
        constraints = [models.UniqueConstraint(fields=["location", "scope"], name="unique_round_robin_scope")]

    def __str__(self):
        return f"{self.location} {self.scope}: after {self.last_agent_id}"
