"""Seed 004's assignment endpoints: assign, reassign and bulk-assign leads, with capacity rules."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.models import Team
from accounts.policy import Action
from accounts.selectors import locations_for
from accounts.serializers import LocationField, resolve_location
from agents.capacity import attach_metrics
from agents.models import Agent
from agents.serializers import AgentCapacityOutputSerializer
from leads import assignment
from leads.assignment import AUTOMATIC_STRATEGIES, AssignmentError, Strategy
from leads.models import Lead
from operations import engine
from operations.serializers import BulkOperationOutput, StrictSerializer
from web.api import Conflict

# Up to this many leads are assigned in the request; more run as a bulk operation.
SYNC_LIMIT = getattr(settings, "BULK_ASSIGN_SYNC_LIMIT", 500)


def _managed_lead(request, lead_id: int, action: Action) -> Lead:
    lead = (
        Lead.objects.filter(pk=lead_id, location__in=locations_for(request.user))
        .select_related("location", "owner__user")
        .first()
    )
    if lead is None:
        raise NotFound("Lead not found.")
    policy.require(request.user, action, lead.location)
    return lead


def _check_team(team_id, location) -> None:
    if team_id is not None and not Team.objects.filter(pk=team_id, location=location).exists():
        raise serializers.ValidationError({"team_id": ["No such team in this location."]})


def _raise(exc: AssignmentError):
    if exc.code == "agent":
        raise serializers.ValidationError({"agent_id": [exc.message]})
    if exc.code in ("reason_required", "agent_required"):
        raise serializers.ValidationError({"reason" if exc.code == "reason_required" else "agent_id": [exc.message]})
    raise Conflict(exc.message)


class AssignmentOutput(serializers.Serializer):
    assignment_id = serializers.IntegerField(source="pk")
    lead_id = serializers.IntegerField()
    previous_agent_id = serializers.IntegerField(source="from_agent_id", allow_null=True)
    agent = AgentCapacityOutputSerializer(source="to_agent", help_text="The new agent, with their load after it")
    reason = serializers.CharField()
    strategy = serializers.CharField()
    assigned_by = serializers.CharField(source="assigned_by.username", allow_null=True)
    assigned_at = serializers.DateTimeField()


def _assignment_response(row) -> Response:
    attach_metrics([row.to_agent])
    return Response(AssignmentOutput(row).data)


# An id is positive and fits a 64-bit column: another number is a 400 (SQLite cannot even bind it).
MAX_ID = 2**63 - 1


class LeadAssignInput(serializers.Serializer):
    agent_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="The agent; or use a strategy"
    )
    strategy = serializers.ChoiceField(
        choices=Strategy.choices, required=False, help_text="Without agent_id: an automatic strategy picks"
    )
    team_id = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="Pick within this team"
    )
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        agent_id, strategy = attrs.get("agent_id"), attrs.get("strategy")
        if agent_id is None and strategy not in AUTOMATIC_STRATEGIES:
            raise serializers.ValidationError({"agent_id": ["Give agent_id, or an automatic strategy."]})
        if agent_id is not None and strategy not in (None, Strategy.MANUAL):
            raise serializers.ValidationError({"strategy": ["With agent_id the strategy is manual."]})
        return attrs


class LeadAssignApi(APIView):
    @extend_schema(
        request=LeadAssignInput,
        responses={200: AssignmentOutput, 409: None},
        summary="Assign an unassigned lead, checking the agent's availability and capacity",
        description="409 when the agent is at capacity, away or offline, or the lead is already assigned "
        "(use reassign).",
    )
    def post(self, request, lead_id):
        lead = _managed_lead(request, lead_id, Action.ASSIGN)
        data = LeadAssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        _check_team(params.get("team_id"), lead.location)
        try:
            row = assignment.assign_lead(
                lead=lead,
                user=request.user,
                agent_id=params.get("agent_id"),
                strategy=params.get("strategy") or Strategy.MANUAL,
                team_id=params.get("team_id"),
                notes=params["notes"],
            )
        except AssignmentError as exc:
            _raise(exc)
        return _assignment_response(row)


class LeadReassignInput(serializers.Serializer):
    agent_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=400)
    notes = serializers.CharField(max_length=90, required=False, allow_blank=True, default="")


class LeadReassignApi(APIView):
    @extend_schema(
        request=LeadReassignInput,
        responses={200: AssignmentOutput, 409: None},
        summary="Reassign a lead: a reason is required, the previous agent is recorded",
        description="409 when the new agent is at capacity, away or offline, or already owns the lead.",
    )
    def put(self, request, lead_id):
        lead = _managed_lead(request, lead_id, Action.REASSIGN)
        data = LeadReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        try:
            row = assignment.reassign_lead(
                lead=lead,
                agent_id=params["agent_id"],
                reason=params["reason"],
                notes=params["notes"],
                user=request.user,
            )
        except AssignmentError as exc:
            _raise(exc)
        return _assignment_response(row)


class BulkAssignInput(StrictSerializer):
    lead_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1)
    strategy = serializers.ChoiceField(choices=Strategy.choices)
    agent_id = serializers.IntegerField(required=False, allow_null=True, help_text="For the manual strategy")
    team_id = serializers.IntegerField(required=False, allow_null=True, help_text="Only agents of this team")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    include_assigned = serializers.BooleanField(default=False, help_text="Also move leads that have an owner")
    location = LocationField(required=False)

    def validate_lead_ids(self, value):
        if len(value) > settings.BULK_MAX_IDS:
            raise serializers.ValidationError(f"At most {settings.BULK_MAX_IDS:,} leads per request.")
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["strategy"] == Strategy.MANUAL and not attrs.get("agent_id"):
            raise serializers.ValidationError({"agent_id": ["The manual strategy needs agent_id."]})
        if attrs["strategy"] != Strategy.MANUAL and attrs.get("agent_id"):
            raise serializers.ValidationError({"agent_id": ["agent_id goes with the manual strategy only."]})
        attrs["location"] = resolve_location(self, attrs)
        if (
            attrs.get("agent_id")
            and not Agent.objects.filter(pk=attrs["agent_id"], location=attrs["location"]).exists()
        ):
            raise serializers.ValidationError({"agent_id": ["No such agent in this location."]})
        _check_team(attrs.get("team_id"), attrs["location"])
        return attrs


class BulkAssignResultOutput(serializers.Serializer):
    lead_id = serializers.IntegerField()
    status = serializers.CharField(help_text="succeeded, failed or skipped")
    agent_id = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class BulkAssignOutput(serializers.Serializer):
    strategy = serializers.CharField()
    total = serializers.IntegerField()
    assigned = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkAssignResultOutput(many=True)
    agents = AgentCapacityOutputSerializer(many=True, help_text="The agents who received leads, after it")


class BulkAssignApi(APIView):
    throttle_scope = "bulk_create"

    @extend_schema(
        request=BulkAssignInput,
        responses={200: BulkAssignOutput, 202: BulkOperationOutput, 429: None},
        summary="Assign many leads with a strategy: round_robin, capacity_based, performance_based or manual",
        description=f"Up to {SYNC_LIMIT} leads are assigned at once and answered per lead (200); larger "
        "batches run as a bulk operation (202, the operation: progress, cancel, undo). Nothing is assigned "
        "beyond an agent's capacity: leads no agent can take fail with 'All eligible agents are at capacity'.",
    )
    def post(self, request):
        data = BulkAssignInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        params = dict(data.validated_data)
        location = params.pop("location")
        policy.require(request.user, Action.ASSIGN, location)
        lead_ids = params.pop("lead_ids")
        if len(lead_ids) > SYNC_LIMIT:
            return self._as_operation(request, location, lead_ids, params)

        outcomes = assignment.bulk_assign(lead_ids=lead_ids, location=location, user=request.user, **params)
        owners = dict(Lead.objects.filter(pk__in=lead_ids, location=location).values_list("pk", "owner_id"))
        results = [
            {
                "lead_id": pk,
                "status": outcome.status,
                "agent_id": owners.get(pk) if outcome.status == "succeeded" else None,
                "error": outcome.error,
            }
            for pk, outcome in outcomes.items()
        ]
        receiving = {row["agent_id"] for row in results if row["agent_id"]}
        agents = attach_metrics(Agent.objects.filter(pk__in=receiving).select_related("user", "team").order_by("pk"))
        body = {
            "strategy": params["strategy"],
            "total": len(results),
            "assigned": sum(row["status"] == "succeeded" for row in results),
            "skipped": sum(row["status"] == "skipped" for row in results),
            "failed": sum(row["status"] == "failed" for row in results),
            "results": results,
            "agents": agents,
        }
        return Response(BulkAssignOutput(body).data)

    def _as_operation(self, request, location, lead_ids, params) -> Response:
        operation, _ = engine.create_operation(
            user=request.user,
            location=location,
            target="leads",
            operation_type="assign",
            params={key: value for key, value in params.items() if value is not None},
            ids=lead_ids,
            metadata={"description": f"Bulk assign ({params['strategy']}) of {len(lead_ids):,} leads"},
        )
        return Response(BulkOperationOutput(operation).data, status=status.HTTP_202_ACCEPTED)
