from django.conf import settings
from django.db import models

from agents.models import AssignmentRecord


class Status(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Category(models.TextChoices):
    GENERAL = "general", "General"
    BILLING = "billing", "Billing"
    TECHNICAL = "technical", "Technical"
    ACCOUNT = "account", "Account"
    FEATURE_REQUEST = "feature_request", "Feature request"


class TicketQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(is_deleted=False)


class Ticket(models.Model):
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="tickets")
    number = models.PositiveIntegerField(help_text="Sequential per location")
    subject = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.GENERAL)
    assignee = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    requester_name = models.CharField(max_length=200, blank=True)
    requester_email = models.EmailField(blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["location", "number"], name="unique_ticket_number")]
        indexes = [
            models.Index(fields=["location", "is_deleted", "-created_at", "-id"], name="ticket_loc_created"),
            models.Index(fields=["location", "status", "-created_at"], name="ticket_loc_status"),
            models.Index(fields=["location", "priority", "-created_at"], name="ticket_loc_priority"),
            models.Index(fields=["location", "assignee", "-created_at"], name="ticket_loc_assignee"),
        ]

    def __str__(self):
        return f"#{self.number} {self.subject}"


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment on #{self.ticket_id}"


class TicketAssignment(AssignmentRecord):
    """The ticket assignment audit trail: every change of a ticket's assignee, and why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")

    def __str__(self):
        return f"#{self.ticket_id}: {self.from_agent_id} → {self.to_agent_id}"
