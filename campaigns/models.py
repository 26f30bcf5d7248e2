import datetime

from django.conf import settings
from django.db import models

from outreach.hours import CONTACT_WINDOW


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


# The state machine: every allowed move, nothing else.
TRANSITIONS = {
    CampaignState.DRAFT: {CampaignState.PENDING},
    CampaignState.PENDING: {CampaignState.RUNNING, CampaignState.FAILED},
    CampaignState.RUNNING: {CampaignState.PAUSED, CampaignState.COMPLETED, CampaignState.FAILED},
    CampaignState.PAUSED: {CampaignState.RUNNING, CampaignState.FAILED},
    CampaignState.COMPLETED: set(),
    CampaignState.FAILED: {CampaignState.RUNNING},  # resumed once the cause is fixed
}


def default_business_days() -> list[int]:
    return [1, 2, 3, 4, 5]


def default_backoff_hours() -> list[float]:
    return [1, 4, 24]


def default_retryable_outcomes() -> list[str]:
    return ["no-answer", "busy", "failed"]


class CallMode(models.TextChoices):
    SCRIPT = "script", "Speak the agent's script"
    CONNECT = "connect", "Connect to a free agent"


class OnMachine(models.TextChoices):
    VOICEMAIL = "voicemail", "Leave a voicemail message"
    HANG_UP = "hang_up", "Hang up"


class CallOutcome(models.TextChoices):
    """What a call a machine answered came to (set when Twilio asks what to do on answer)."""

    VOICEMAIL_LEFT = "voicemail_left", "Voicemail left"
    MACHINE_HUNG_UP = "machine_hung_up", "Machine answered: hung up"


# The curated voices, each with the one language it speaks (None: any of LANGUAGES).
VOICES = {
    "alice": None,
    "Polly.Joanna": "en-US",
    "Polly.Matthew": "en-US",
    "Polly.Amy": "en-GB",
    "Polly.Brian": "en-GB",
    "Polly.Lucia": "es-ES",
    "Polly.Mia": "es-MX",
    "Polly.Lea": "fr-FR",
    "Polly.Vicki": "de-DE",
}
LANGUAGES = {
    "en-US": "English (US)",
    "en-GB": "English (UK)",
    "es-ES": "Spanish (Spain)",
    "es-MX": "Spanish (Mexico)",
    "fr-FR": "French",
    "de-DE": "German",
}


class Campaign(models.Model):
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="campaigns")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    name = models.CharField(max_length=200)
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaigns"
    )
    state = models.CharField(max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT)
    timezone = models.CharField(max_length=64, default="UTC")
    default_region = models.CharField(max_length=2, default="US")
    scheduled_start_time = models.DateTimeField(null=True, blank=True)
    pacing_seconds = models.PositiveIntegerField(default=10)
    max_concurrent_calls = models.PositiveIntegerField(default=1)
    business_hours_enabled = models.BooleanField(default=True)
    business_days = models.JSONField(default=default_business_days)  # ISO weekdays, 1 = Monday
    business_start = models.TimeField(default=datetime.time(9, 0))
    business_end = models.TimeField(default=datetime.time(17, 0))
    max_retries = models.PositiveIntegerField(default=3)
    backoff_hours = models.JSONField(default=default_backoff_hours)
    retryable_outcomes = models.JSONField(default=default_retryable_outcomes)
    # What an answered call does (campaigns.call_modes): speak the script, or bridge to a free agent.
    call_mode = models.CharField(max_length=16, choices=CallMode.choices, default=CallMode.SCRIPT)
    prompt_text = models.TextField(blank=True, help_text="The script spoken in script mode; {first_name} etc.")
    voice = models.CharField(max_length=32, choices=[(v, v) for v in VOICES], default="alice")
    language = models.CharField(max_length=8, choices=list(LANGUAGES.items()), default="en-US")
    machine_detection = models.BooleanField(default=False)
    on_machine = models.CharField(max_length=16, choices=OnMachine.choices, default=OnMachine.HANG_UP)
    voicemail_text = models.TextField(blank=True)
    settings_snapshot = models.JSONField(default=dict, blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    import_errors = models.JSONField(default=list, blank=True)
    duplicates_skipped = models.PositiveIntegerField(default=0)

    # Counters, bumped in the same transaction as the change they count.
    total_contacts = models.PositiveIntegerField(default=0)
    calls_made = models.PositiveIntegerField(default=0)
    completed_contacts = models.PositiveIntegerField(default=0)
    failed_contacts = models.PositiveIntegerField(default=0)
    answered_calls = models.PositiveIntegerField(default=0)
    total_talk_seconds = models.PositiveBigIntegerField(default=0)
    consecutive_errors = models.PositiveIntegerField(default=0)
    last_called_at = models.DateTimeField(null=True, blank=True)
    next_call_at = models.DateTimeField(null=True, blank=True)  # pacing: no call starts before this
    failure_reason = models.TextField(blank=True)
    # The one-time key of the create form that made it: the same form sent twice makes one campaign.
    idempotency_key = models.CharField(max_length=100, blank=True, default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["location", "state"]), models.Index(fields=["state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_campaign_idempotency_key",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def finished_contacts(self) -> int:
        return self.completed_contacts + self.failed_contacts

    @property
    def progress_percent(self) -> int:
        return round(100 * self.finished_contacts / self.total_contacts) if self.total_contacts else 0

    @property
    def success_rate(self) -> float | None:
        """Answered contacts among the finished ones, in percent; None before any finished."""
        finished = self.finished_contacts
        return round(100 * self.completed_contacts / finished, 1) if finished else None

    @property
    def average_duration_seconds(self) -> int | None:
        return round(self.total_talk_seconds / self.answered_calls) if self.answered_calls else None

    @property
    def average_duration_display(self) -> str:
        seconds = self.average_duration_seconds
        return "—" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


class ContactStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CALLING = "calling", "Calling"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class CampaignContact(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    phone = models.CharField(max_length=20)
    name = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    row_number = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ContactStatus.choices, default=ContactStatus.PENDING)
    outcome = models.CharField(max_length=20, blank=True)  # last terminal call status
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_called_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    current_call = models.ForeignKey("Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The lead the contact was made from (the leads' add_to_campaign); calls' outcomes are written to it.
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_contacts"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phone"], name="unique_campaign_phone"),
            models.UniqueConstraint(
                fields=["campaign", "lead"], condition=models.Q(lead__isnull=False), name="unique_campaign_lead"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "next_attempt_at"]),
            models.Index(fields=["status", "locked_until"]),
        ]

    def __str__(self):
        return f"{self.name or self.phone}"


class CallStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    INITIATED = "initiated", "Initiated"
    RINGING = "ringing", "Ringing"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no-answer", "No answer"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


TERMINAL_CALL_STATUSES = {
    CallStatus.COMPLETED,
    CallStatus.BUSY,
    CallStatus.NO_ANSWER,
    CallStatus.FAILED,
    CallStatus.CANCELED,
}
# A call's state only moves forward along this order; terminal states share the last rank.
CALL_STATUS_RANK = {
    CallStatus.QUEUED: 0,
    CallStatus.INITIATED: 1,
    CallStatus.RINGING: 2,
    CallStatus.IN_PROGRESS: 3,
    **{status: 4 for status in TERMINAL_CALL_STATUSES},
}


class Call(models.Model):
    """One dial attempt of one contact."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="calls")
    contact = models.ForeignKey(CampaignContact, on_delete=models.CASCADE, related_name="calls")
    attempt = models.PositiveIntegerField()
    backend = models.CharField(max_length=20)
    placed_by = models.CharField(max_length=120, blank=True)  # host:pid of the dialing worker
    call_sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.QUEUED)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # What the provider said when asked about a call whose final callback never came.
    provider_status = models.CharField(max_length=32, blank=True)
    provider_checked_at = models.DateTimeField(null=True, blank=True)
    # Connect mode: the agent reserved for this call when it was placed (free again once it ends).
    agent = models.ForeignKey("agents.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    answered_by = models.CharField(max_length=32, blank=True)  # Twilio's AnsweredBy (machine detection)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["contact", "attempt"], name="unique_call_attempt")]

    def __str__(self):
        return f"{self.call_sid or self.pk} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_CALL_STATUSES

    @property
    def simulated(self) -> bool:
        """Placed by the simulated backend: its outcome is made up, not a real call's."""
        return self.backend == "simulated"


class CallEvent(models.Model):
    """A status callback as received; (call, status) is unique, so a repeat is recognised."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["call", "status"], name="unique_call_event")]

    def __str__(self):
        return f"{self.call_id}: {self.status}"


class DialerLease(models.Model):
    """Which dialer loop owns one of a campaign's loop slots, until when.

    Bounds the loops per campaign: a loop runs only while it holds its slot's lease, hands
    the lease to the task it re-enqueues, and the minute tick restarts only expired slots.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="dialer_leases")
    slot = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "slot"], name="unique_dialer_slot")]

    def __str__(self):
        return f"{self.campaign_id}/{self.slot}: {self.holder} until {self.expires_at}"


class CallingSettings(models.Model):
    """A company's calling rules: the callee-local hours and the region numbers are read in."""

    location = models.OneToOneField("accounts.Location", on_delete=models.CASCADE, related_name="calling_settings")
    window_start = models.TimeField(default=CONTACT_WINDOW[0], help_text="No call before this, in the callee's time")
    window_end = models.TimeField(default=CONTACT_WINDOW[1], help_text="No call from this time on, callee's time")
    default_region = models.CharField(
        max_length=2, default="US", help_text="Region of numbers typed without a country code (ISO 3166, e.g. US)"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "calling settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_start__lt=models.F("window_end")), name="window_start_before_end"
            )
        ]

    def __str__(self):
        return f"{self.location}: {self.window_start:%H:%M}-{self.window_end:%H:%M}"

    @classmethod
    def region_for(cls, location_id: int) -> str:
        """The region a company's numbers without a country code are read in (US without settings)."""
        return cls.objects.filter(location_id=location_id).values_list("default_region", flat=True).first() or "US"

    def clean(self):
        import phonenumbers
        from django.core.exceptions import ValidationError

        errors = {}
        if self.window_start is not None and self.window_end is not None and self.window_start >= self.window_end:
            errors["window_end"] = "The calling window must end after it starts."
        self.default_region = (self.default_region or "").upper()
        if self.default_region not in phonenumbers.SUPPORTED_REGIONS:
            errors["default_region"] = f"'{self.default_region}' is not a known region code (e.g. US, GB, DE)."
        if errors:
            raise ValidationError(errors)


class DoNotCallEntry(models.Model):
    """A number of a company that is never dialled (checked at import and again at dial time)."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="do_not_call")
    phone = models.CharField(max_length=20, help_text="E.164")
    reason = models.CharField(max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "do-not-call number"
        constraints = [models.UniqueConstraint(fields=["location", "phone"], name="unique_do_not_call_number")]

    def __str__(self):
        return self.phone

    def clean(self):
        """The number in E.164, read in the company's region (as the page and the API read it)."""
        from django.core.exceptions import ValidationError

        from campaigns.importing import normalize_number

        if self.phone and self.location_id:
            try:
                self.phone = normalize_number(self.phone, CallingSettings.region_for(self.location_id))
            except ValueError as exc:
                raise ValidationError({"phone": str(exc)}) from exc
