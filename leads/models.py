import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from agents.models import AssignmentRecord


def validate_e164(value: str) -> None:
    """A phone number must already be in E.164 (+14155550123) and be a valid number."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"'{value}' is not a phone number in E.164 form: {exc}.") from exc
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
    ):
        raise ValidationError(f"'{value}' is not a valid phone number in E.164 form (e.g. +14155550123).")


def normalize_phone(value: str, region: str = "US") -> str:
    """Parse a phone number as typed and return it in E.164, or raise ValidationError."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(f"'{value}' is not a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"'{value}' is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Stage(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    QUALIFIED = "qualified", "Qualified"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    WON = "won", "Won"
    LOST = "lost", "Lost"


CLOSED_STAGES = (Stage.WON, Stage.LOST)


class Classification(models.TextChoices):
    HOT = "hot", "Hot"
    WARM = "warm", "Warm"
    COLD = "cold", "Cold"


class Timeline(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    ONE_TO_THREE = "1-3_months", "1–3 months"  # noqa: RUF001 (typographic dash in a label)
    THREE_TO_SIX = "3-6_months", "3–6 months"  # noqa: RUF001
    SIX_PLUS = "6+_months", "6+ months"
    UNKNOWN = "unknown", "Unknown"


class Tag(models.Model):
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)
    color = models.CharField(max_length=7, default="#64748b")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="unique_tag_name")]
        ordering = ["name"]

    def __str__(self):
        return self.name


class Lead(models.Model):
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="leads")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_e164], help_text="E.164")
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    area = models.CharField(max_length=120, blank=True, help_text="Where the lead is looking; {location} in messages")
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=64, blank=True)
    timeline = models.CharField(max_length=16, choices=Timeline.choices, default=Timeline.UNKNOWN)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.NEW)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    classification = models.CharField(max_length=8, choices=Classification.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="leads")
    owner = models.ForeignKey("agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads")
    do_not_contact = models.BooleanField(default=False)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    # The latest call a campaign made to the lead, as its outcome came in (see LeadCall).
    last_call_at = models.DateTimeField(null=True, blank=True)
    # db_default too: raw inserts (seed_demo's COPY) leave the column out.
    last_call_outcome = models.CharField(max_length=40, blank=True, default="", db_default="")
    last_operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["location", "-created_at", "-id"], name="lead_loc_created"),
            models.Index(fields=["location", "stage", "-created_at", "-id"], name="lead_loc_stage_created"),
            models.Index(fields=["location", "score", "id"], name="lead_loc_score"),
            models.Index(fields=["location", "classification", "-created_at"], name="lead_loc_class"),
            models.Index(fields=["location", "owner", "-created_at"], name="lead_loc_owner"),
            models.Index(fields=["location", "last_name", "first_name", "id"], name="lead_loc_name"),
            models.Index(fields=["location", "email"], name="lead_loc_email"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StageChange(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage.choices)
    to_stage = models.CharField(max_length=16, choices=Stage.choices)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.lead_id}: {self.from_stage} → {self.to_stage}"


class LeadAssignment(AssignmentRecord):
    """The assignment audit trail: every change of a lead's owner, and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")

    def __str__(self):
        return f"{self.lead_id}: {self.from_agent_id} → {self.to_agent_id}"


class LeadCall(models.Model):
    """A campaign's call to the lead, written when its outcome is known: the lead's call timeline.

    The campaign is named by id and name only (campaigns build on leads, not the other way round);
    one row per call, so an outcome reported twice is recorded once.
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="calls")
    call_id = models.PositiveBigIntegerField(unique=True, help_text="The campaign call (campaigns.Call) it records")
    campaign_id = models.PositiveBigIntegerField()
    campaign_name = models.CharField(max_length=200)
    outcome = models.CharField(max_length=40)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    called_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["lead", "-called_at"], name="lead_call_timeline")]

    def __str__(self):
        return f"{self.lead_id}: {self.outcome} ({self.campaign_name})"


class TemplateCategory(models.TextChoices):
    GENERAL = "general", "General"
    WELCOME = "welcome", "Welcome"
    FOLLOWUP = "followup", "Follow-up"
    REENGAGEMENT = "reengagement", "Re-engagement"
    APPOINTMENT = "appointment", "Appointment"


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class MessageTemplate(models.Model):
    """A reusable message with placeholders ({first_name}, …), validated when saved."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="message_templates")
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=16, choices=TemplateCategory.choices, default=TemplateCategory.GENERAL)
    subject = models.CharField(max_length=200, blank=True, help_text="Email subject; placeholders allowed")
    body = models.TextField(max_length=5000)
    usage_count = models.PositiveIntegerField(default=0, help_text="Messages rendered from this template")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="unique_template_name")]
        ordering = ["category", "name"]

    def __str__(self):
        return self.name


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class DeliveryStatus(models.TextChoices):
    """What the carrier reported after the provider accepted an SMS (Twilio's status callbacks)."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent to carrier"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"


# A callback only ever moves a message forward: the three final statuses share the last rank.
DELIVERY_RANK = {"queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4, "failed": 4}


class Message(models.Model):
    """One message to one lead by one operation: the unique pair makes sending exactly-once."""

    operation = models.ForeignKey(
        "operations.BulkOperation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="messages")
    template = models.ForeignKey(MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    provider_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_after = models.DateTimeField(
        null=True, blank=True, help_text="Held until then: outside the lead's local hours when it was queued"
    )
    delivery_status = models.CharField(max_length=12, choices=DeliveryStatus.choices, blank=True)
    delivery_error = models.CharField(max_length=200, blank=True, help_text="The carrier's error code, if any")
    delivery_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["operation", "lead"], name="unique_message_per_operation")]
        indexes = [models.Index(fields=["status", "operation"], name="message_status_op")]

    def __str__(self):
        return f"{self.channel} to lead {self.lead_id} ({self.status})"


class ScoringConfig(models.Model):
    """Per-location weights (points at most per rule, summing to 100) and thresholds."""

    location = models.OneToOneField("accounts.Location", on_delete=models.CASCADE, related_name="scoring_config")
    budget_weight = models.PositiveSmallIntegerField(default=30)
    timeline_weight = models.PositiveSmallIntegerField(default=25)
    engagement_weight = models.PositiveSmallIntegerField(default=20)
    completeness_weight = models.PositiveSmallIntegerField(default=15)
    source_weight = models.PositiveSmallIntegerField(default=10)
    budget_for_full_points = models.DecimalField(max_digits=12, decimal_places=2, default=500000)
    hot_threshold = models.PositiveSmallIntegerField(default=70, validators=[MaxValueValidator(100)])
    warm_threshold = models.PositiveSmallIntegerField(default=40, validators=[MaxValueValidator(100)])
    source_values = models.JSONField(
        default=dict, blank=True, help_text='Share of the source points per source, e.g. {"referral": 1.0}'
    )
    default_budget = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Used for leads without a budget"
    )
    default_timeline = models.CharField(
        max_length=16, choices=Timeline.choices, blank=True, help_text="Used for leads with an unknown timeline"
    )

    def __str__(self):
        return f"Scoring of {self.location}"

    def clean(self):
        total = (
            self.budget_weight
            + self.timeline_weight
            + self.engagement_weight
            + self.completeness_weight
            + self.source_weight
        )
        if total != 100:
            raise ValidationError(f"The weights must add up to 100 (they add up to {total}).")
        if self.warm_threshold > self.hot_threshold:
            raise ValidationError("The warm threshold must not be above the hot threshold.")


class InboundSMS(models.Model):
    """An SMS a person sent to our number, recorded once per Twilio MessageSid (webhooks repeat)."""

    message_sid = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32)
    body = models.TextField(max_length=1600, blank=True)
    keyword = models.CharField(max_length=16, blank=True, help_text="STOP, START, … when the body is one")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound SMS"
        verbose_name_plural = "inbound SMS"

    def __str__(self):
        return f"{self.from_number}: {self.keyword or self.body[:40]}"


class ConsentChange(models.Model):
    """The audit trail of a lead's do-not-contact flag: who or what set or cleared it, and when."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consent_changes")
    do_not_contact = models.BooleanField(help_text="The flag's value after the change")
    reason = models.CharField(max_length=200)
    inbound = models.ForeignKey(InboundSMS, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.lead_id}: do not contact = {self.do_not_contact}"


class SenderPace(models.Model):
    """When a sending number may send its next SMS (leads/sending_rate.py): every worker takes its
    send slots from this one row per number, locked, so the rate holds across workers and machines."""

    sender = models.CharField(max_length=32, unique=True, help_text="The sending number (or the backend's name)")
    next_slot_at = models.DateTimeField(help_text="The earliest moment the next SMS from this number may go")

    class Meta:
        verbose_name = "SMS sender pace"

    def __str__(self):
        return f"{self.sender}: next at {self.next_slot_at:%Y-%m-%d %H:%M:%S}"


# The lead import models live in their own module; importing them here registers them with the app.
from leads.import_models import LeadImport, LeadImportRow  # noqa: E402, F401
