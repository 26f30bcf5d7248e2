"""API input and output shapes; the settings serializer also validates the create page."""

import json
import zoneinfo

import phonenumbers
from rest_framework import serializers

from accounts.selectors import default_location_for, locations_for
from agents.selectors import agents_for
from campaigns.call_modes import voice_language_error
from campaigns.models import (
    LANGUAGES,
    VOICES,
    Call,
    CallEvent,
    CallMode,
    CallOutcome,
    CallStatus,
    Campaign,
    CampaignContact,
    CampaignState,
    ContactStatus,
    OnMachine,
)
from leads.messaging import TemplateError
from leads.messaging import validate as validate_template

RETRYABLE_CHOICES = [
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.CANCELED,
    CallOutcome.MACHINE_HUNG_UP,
]


class PacingSerializer(serializers.Serializer):
    delay_seconds = serializers.IntegerField(min_value=5, max_value=60, default=10)
    max_concurrent_calls = serializers.IntegerField(min_value=1, max_value=20, default=1)


class BusinessHoursSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(default=True)
    days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), default=[1, 2, 3, 4, 5], max_length=7
    )
    start_time = serializers.TimeField(default="09:00", format="%H:%M")
    end_time = serializers.TimeField(default="17:00", format="%H:%M")

    def validate(self, attrs):
        if attrs["enabled"] and not attrs["days"]:
            raise serializers.ValidationError({"days": "Pick at least one day."})
        if attrs["start_time"] >= attrs["end_time"]:
            raise serializers.ValidationError({"end_time": "Business hours must end after they start."})
        attrs["days"] = sorted(set(attrs["days"]))
        return attrs


class RetryPolicySerializer(serializers.Serializer):
    max_retries = serializers.IntegerField(min_value=0, max_value=10, default=3)
    backoff_hours = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=24 * 14), default=[1, 4, 24], min_length=1, max_length=10
    )
    retryable_outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=RETRYABLE_CHOICES), default=["no-answer", "busy", "failed"]
    )


def _template(value: str) -> str:
    try:
        validate_template(value)
    except TemplateError as exc:
        raise serializers.ValidationError(str(exc)) from exc
    return value


class CallSettingsSerializer(serializers.Serializer):
    """What an answered call does (campaigns.call_modes)."""

    mode = serializers.ChoiceField(choices=CallMode.choices, default=CallMode.SCRIPT)
    prompt_text = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        default="",
        help_text="Script mode: spoken on answer; {first_name}, {last_name}, {email}, {phone}, {budget}, {location}",
    )
    voice = serializers.ChoiceField(choices=list(VOICES), default="alice")
    language = serializers.ChoiceField(choices=list(LANGUAGES.items()), default="en-US")
    machine_detection = serializers.BooleanField(default=False)
    on_machine = serializers.ChoiceField(choices=OnMachine.choices, default=OnMachine.HANG_UP)
    voicemail_text = serializers.CharField(max_length=1000, allow_blank=True, default="")

    def validate_prompt_text(self, value):
        return _template(value)

    def validate_voicemail_text(self, value):
        return _template(value)

    def validate(self, attrs):
        error = voice_language_error(attrs["voice"], attrs["language"])
        if error:
            raise serializers.ValidationError({"voice": error})
        if attrs["machine_detection"] and attrs["on_machine"] == OnMachine.VOICEMAIL and not attrs["voicemail_text"]:
            raise serializers.ValidationError({"voicemail_text": "Write the voicemail message to leave on a machine."})
        return attrs


class CampaignSettingsSerializer(serializers.Serializer):
    """The `settings` of a new campaign, in the seed's snapshot shape."""

    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    location_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    agent_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    timezone = serializers.CharField(max_length=64, default="UTC")
    default_region = serializers.CharField(max_length=2, min_length=2, default="US")
    scheduled_start_time = serializers.DateTimeField(required=False, allow_null=True, default=None)
    pacing = PacingSerializer()
    business_hours = BusinessHoursSerializer()
    retry_policy = RetryPolicySerializer()
    call = CallSettingsSerializer()

    def to_internal_value(self, data):
        # An omitted group still gets its defaults, validated like a given one.
        if hasattr(data, "items"):
            data = {**data}
            for group in ("pacing", "business_hours", "retry_policy", "call"):
                data.setdefault(group, {})
        return super().to_internal_value(data)

    def validate_timezone(self, value):
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(f"Unknown time zone {value!r}.") from exc
        return value

    def validate_default_region(self, value):
        value = value.upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise serializers.ValidationError(f"Unknown region {value!r} (use a country code such as US, GB, DE).")
        return value

    def validate(self, attrs):
        user = self.context["user"]
        locations = locations_for(user)
        if attrs.get("location_id"):
            location = locations.filter(pk=attrs["location_id"]).first()
            if location is None:
                raise serializers.ValidationError({"location_id": "Unknown location."})
        else:
            location = self.context.get("location") or default_location_for(user)
        if location is None:
            raise serializers.ValidationError({"location_id": "You are not a member of any location."})
        attrs["location"] = location
        attrs["agent"] = None
        if attrs.get("agent_id"):
            attrs["agent"] = agents_for(user).filter(pk=attrs["agent_id"], location=location).first()
            if attrs["agent"] is None:
                raise serializers.ValidationError({"agent_id": "Unknown agent for this location."})
        return attrs


class JSONSettingsField(serializers.JSONField):
    """Accepts the settings as a JSON object or, in a multipart form, as a JSON string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except json.JSONDecodeError as exc:
                raise serializers.ValidationError(f"settings is not valid JSON: {exc.msg}.") from exc
        if not isinstance(data, dict):
            raise serializers.ValidationError("settings must be a JSON object.")
        return data


class CreateCampaignInput(serializers.Serializer):
    file = serializers.FileField()
    settings = JSONSettingsField(required=False, default=dict)


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField()
    value = serializers.CharField()
    message = serializers.CharField()


class CreateCampaignOutput(serializers.Serializer):
    campaign_id = serializers.IntegerField()
    contacts_imported = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    errors = RowErrorOutput(many=True)


class PreviewOutput(serializers.Serializer):
    contacts = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    duplicate_rows = serializers.ListField(child=serializers.IntegerField())
    errors = RowErrorOutput(many=True)
    phone_column = serializers.CharField()
    name_column = serializers.CharField()
    file_format = serializers.CharField()
    sample = serializers.ListField(child=serializers.DictField())


class CampaignStatsOutput(serializers.Serializer):
    total_contacts = serializers.IntegerField()
    pending = serializers.IntegerField()
    calling = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    calls_made = serializers.IntegerField()
    progress_percent = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    average_duration_seconds = serializers.IntegerField(allow_null=True)
    last_called_at = serializers.DateTimeField(allow_null=True)


class CampaignOutput(serializers.ModelSerializer):
    agent_id = serializers.IntegerField(allow_null=True)
    settings = serializers.JSONField(source="settings_snapshot")
    progress_percent = serializers.IntegerField()
    success_rate = serializers.FloatField(allow_null=True)
    average_duration_seconds = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "state",
            "location_id",
            "agent_id",
            "timezone",
            "scheduled_start_time",
            "settings",
            "total_contacts",
            "completed_contacts",
            "failed_contacts",
            "calls_made",
            "progress_percent",
            "success_rate",
            "average_duration_seconds",
            "last_called_at",
            "failure_reason",
            "created_at",
            "started_at",
            "completed_at",
        ]


class CampaignDetailOutput(CampaignOutput):
    stats = serializers.SerializerMethodField()
    import_errors = serializers.JSONField()

    class Meta(CampaignOutput.Meta):
        fields = [*CampaignOutput.Meta.fields, "stats", "import_errors", "duplicates_skipped", "source_filename"]

    def get_stats(self, campaign) -> dict:
        counts = self.context["status_counts"]
        return CampaignStatsOutput(
            {
                "total_contacts": campaign.total_contacts,
                **counts,
                "calls_made": campaign.calls_made,
                "progress_percent": campaign.progress_percent,
                "success_rate": campaign.success_rate,
                "average_duration_seconds": campaign.average_duration_seconds,
                "last_called_at": campaign.last_called_at,
            }
        ).data


class ContactOutput(serializers.ModelSerializer):
    class Meta:
        model = CampaignContact
        fields = [
            "id",
            "phone",
            "name",
            "metadata",
            "row_number",
            "status",
            "outcome",
            "attempts",
            "duration_seconds",
            "last_called_at",
            "next_attempt_at",
            "lead",
        ]
        extra_kwargs = {
            "lead": {"help_text": "The lead the contact was added from (add_to_campaign); null if imported"}
        }


class CallEventOutput(serializers.ModelSerializer):
    class Meta:
        model = CallEvent
        fields = ["status", "received_at"]


class CallOutput(serializers.ModelSerializer):
    """One call attempt with its status history (the callbacks as received, oldest first)."""

    contact_id = serializers.IntegerField()
    phone = serializers.CharField(source="contact.phone")
    events = CallEventOutput(many=True, read_only=True, help_text="Status callbacks in the order received")

    class Meta:
        model = Call
        fields = [
            "id",
            "contact_id",
            "phone",
            "attempt",
            "backend",
            "call_sid",
            "status",
            "duration_seconds",
            "error_message",
            "provider_status",
            "provider_checked_at",
            "created_at",
            "answered_at",
            "ended_at",
            "events",
        ]


class CallFilterInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=CallStatus.choices, required=False)


class StateFilterInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=CampaignState.choices, required=False)


class ContactFilterInput(serializers.Serializer):
    state = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
    status = serializers.ChoiceField(choices=ContactStatus.choices, required=False)
