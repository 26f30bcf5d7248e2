"""API input and output serializers for leads and tags."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework import serializers

from accounts.models import Team
from accounts.serializers import LocationField, TenantScopedPrimaryKeyField, check_same_location, resolve_location
from agents.models import Agent
from leads.assignment import AssignmentError, assign_lead
from leads.models import Classification, Lead, Stage, Tag, Timeline, normalize_phone
from leads.scoring import config_for
from leads.services import record_stage_changes

API_REASON = "Updated via API"
CREATE_REASON = "Created via API"


def owner_change_refused(lead_id: int) -> str:
    """Why an update may not change a lead's owner, and where to do it instead."""
    return (
        "The owner is changed only by the assignment endpoints, which check the agent's availability and "
        f"capacity and record who assigned the lead and why: use POST /api/v1/leads/{lead_id}/assign for an "
        f"unassigned lead, PUT /api/v1/leads/{lead_id}/reassign (with a reason) for an assigned one, or "
        'POST /api/v1/leads/bulk-update with {"updates": {"agent_id": null}} to unassign.'
    )


def classification_for(score: int, location) -> str:
    """hot / warm / cold by the location's scoring thresholds (70 / 40 unless configured)."""
    config = config_for(location)
    if score >= config.hot_threshold:
        return Classification.HOT
    return Classification.WARM if score >= config.warm_threshold else Classification.COLD


class TagOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "location", "name", "color", "created_at"]


class TagInputSerializer(serializers.Serializer):
    location = LocationField(required=False, allow_null=True)
    name = serializers.CharField(max_length=64)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#rrggbb")

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("A tag needs a name.")
        return value

    def validate(self, attrs):
        location = self.instance.location if self.instance else resolve_location(self, attrs)
        attrs["location"] = location
        name = attrs.get("name")
        if (
            name
            and Tag.objects.filter(location=location, name__iexact=name)
            .exclude(pk=getattr(self.instance, "pk", None))
            .exists()
        ):
            raise serializers.ValidationError({"name": f"A tag named '{name}' already exists in this location."})
        return attrs

    def create(self, validated_data):
        try:
            with transaction.atomic():
                return Tag.objects.create(**validated_data)
        except IntegrityError as exc:
            raise serializers.ValidationError({"name": "A tag with this name already exists."}) from exc

    def update(self, instance, validated_data):
        validated_data.pop("location", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise serializers.ValidationError({"name": "A tag with this name already exists."}) from exc
        return instance


class LeadTagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class LeadOutputSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="An email address, or empty")
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", default=None, read_only=True, allow_null=True)
    tags = LeadTagSerializer(many=True, read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "location",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "budget",
            "area",
            "source",
            "timeline",
            "stage",
            "score",
            "classification",
            "tags",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "do_not_contact",
            "last_contacted_at",
            "last_call_at",
            "last_call_outcome",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "last_call_at": {"help_text": "When a campaign last called the lead (its outcome known)"},
            "last_call_outcome": {"help_text": "How that call ended: Answered, No answer, Busy, Failed, Canceled"},
        }

    def get_owner_name(self, lead) -> str | None:
        return lead.owner.display_name if lead.owner_id else None


class LeadInputSerializer(serializers.Serializer):
    """Create (POST), full update (PUT) or partial update (PATCH) of one lead."""

    location = LocationField(required=False, allow_null=True)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="As typed; stored in E.164 (US by default)"
    )
    budget = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True)
    area = serializers.CharField(max_length=120, required=False, allow_blank=True)
    source = serializers.CharField(max_length=64, required=False, allow_blank=True)
    timeline = serializers.ChoiceField(choices=Timeline.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    score = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        required=False,
        allow_blank=True,
        help_text="Derived from score when omitted, by the location's thresholds (default hot >= 70, warm >= 40)",
    )
    tags = TenantScopedPrimaryKeyField(queryset=Tag.objects.all(), many=True, required=False)
    owner = TenantScopedPrimaryKeyField(
        queryset=Agent.objects.select_related("user"),
        required=False,
        allow_null=True,
        help_text="On create: the agent to assign the lead to, through the assignment service (managers and "
        "admins; the agent must be available or busy and under capacity). On update it may only repeat the "
        "current owner: change it with POST /api/v1/leads/{id}/assign or PUT /api/v1/leads/{id}/reassign.",
    )
    team = TenantScopedPrimaryKeyField(queryset=Team.objects.all(), required=False, allow_null=True)
    do_not_contact = serializers.BooleanField(required=False)

    def validate_first_name(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value.strip()

    def validate_phone(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        if not re.fullmatch(r"[0-9+().\-\s/x]+", value):
            raise serializers.ValidationError(f"'{value}' is not a phone number.")
        try:
            return normalize_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def validate_owner(self, value):
        if self.instance is not None and getattr(value, "pk", None) != self.instance.owner_id:
            raise serializers.ValidationError(owner_change_refused(self.instance.pk))
        return value

    def validate(self, attrs):
        if self.instance is not None:
            if attrs.get("location") not in (None, self.instance.location):
                raise serializers.ValidationError({"location": "A lead cannot move to another location."})
            location = self.instance.location
        else:
            location = resolve_location(self, attrs)
        attrs["location"] = location
        check_same_location(location, owner=attrs.get("owner"), team=attrs.get("team"), tags=attrs.get("tags", []))
        if "score" in attrs and not attrs.get("classification"):
            score = attrs["score"]
            attrs["classification"] = "" if score is None else classification_for(score, location)
        return attrs

    def create(self, validated_data):
        """The lead, then its owner through the assignment service; a refusal undoes both."""
        tags = validated_data.pop("tags", [])
        owner = validated_data.pop("owner", None)
        user = self.context["request"].user
        with transaction.atomic():
            lead = Lead.objects.create(**validated_data)
            lead.tags.set(tags)
            if owner is not None:
                try:
                    assign_lead(lead=lead, user=user, agent_id=owner.pk, notes=CREATE_REASON)
                except AssignmentError as exc:
                    raise serializers.ValidationError({"owner": [exc.message]}) from exc
                lead.refresh_from_db()
        return lead

    def update(self, instance, validated_data):
        tags = validated_data.pop("tags", None)
        validated_data.pop("location", None)
        validated_data.pop("owner", None)  # validate_owner let it through only unchanged
        user = self.context["request"].user
        old_stage = instance.stage
        for field, value in validated_data.items():
            setattr(instance, field, value)
        with transaction.atomic():
            instance.save()
            if tags is not None:
                instance.tags.set(tags)
            if instance.stage != old_stage:
                record_stage_changes(
                    changes=[(instance.pk, old_stage, instance.stage)], reason=API_REASON, user=user, operation=None
                )
        return instance
