"""REST: seed 004's POST /api/v1/leads/bulk-update, and message templates CRUD.

bulk-update turns each field to update into one lead operation on the engine (stage →
change_stage, agent_id / team_id → assign, add_tags, remove_tags). Up to
BULK_UPDATE_SYNC_LIMIT leads are run inside the request and answered with per-lead results
(200); larger selections answer 202 with the queued operations, to follow on
/api/v1/bulk-operations/{id}.
"""

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.policy import Action
from accounts.selectors import locations_for
from accounts.serializers import LocationField, resolve_location
from leads import messaging, services
from leads.models import Lead, MessageTemplate, Stage, TemplateCategory
from operations import engine
from operations.serializers import BulkOperationOutput, StrictSerializer

BULK_UPDATE_SYNC_LIMIT = 100


class BulkUpdateInput(StrictSerializer):
    class Updates(serializers.Serializer):
        stage = serializers.ChoiceField(choices=Stage.choices, required=False)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        agent_id = serializers.IntegerField(required=False, allow_null=True, help_text="Owner; null unassigns")
        team_id = serializers.IntegerField(required=False, allow_null=True)
        add_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, min_length=1)
        remove_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, min_length=1)

        def validate(self, attrs):
            if not set(attrs) - {"reason"}:
                raise serializers.ValidationError("Give at least one field to update.")
            if "agent_id" in attrs and "team_id" in attrs:
                raise serializers.ValidationError("Give agent_id or team_id, not both.")
            return attrs

    lead_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False, max_length=100_000
    )
    updates = Updates()
    location = LocationField(required=False, allow_null=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        raw = self.initial_data.get("updates") if isinstance(self.initial_data, dict) else None
        unknown = sorted(set(raw) - set(self.Updates().fields)) if isinstance(raw, dict) else []
        if unknown:
            raise serializers.ValidationError({"updates": {name: ["Unknown field."] for name in unknown}})
        return attrs


def _operations_for(updates: dict) -> list[tuple[str, str, dict]]:
    """(field, operation type, parameters) for each field to update."""
    reason = updates.get("reason", "")
    plan = []
    if "stage" in updates:
        plan.append(("stage", "change_stage", {"stage": updates["stage"], "reason": reason}))
    if "agent_id" in updates:
        plan.append(("agent_id", "assign", {"agent_id": updates["agent_id"], "reason": reason}))
    if "team_id" in updates:
        plan.append(("team_id", "assign", {"team_id": updates["team_id"], "reason": reason}))
    for field in ("add_tags", "remove_tags"):
        if field in updates:
            plan.append((field, field, {"tags": updates[field]}))
    return plan


class FieldOutcomeOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["succeeded", "skipped", "failed"])
    error = serializers.CharField()


class LeadResultOutput(serializers.Serializer):
    lead_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["succeeded", "skipped", "failed"])
    fields = serializers.DictField(child=FieldOutcomeOutput(), help_text="Updated field → its outcome")


class BulkUpdateSummaryOutput(serializers.Serializer):
    total = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkUpdateOutput(serializers.Serializer):
    synchronous = serializers.BooleanField()
    operations = BulkOperationOutput(many=True)
    summary = BulkUpdateSummaryOutput(required=False, help_text="Synchronous answers only")
    results = LeadResultOutput(many=True, required=False, help_text="Synchronous answers only")


class LeadBulkUpdateApi(APIView):
    @extend_schema(
        request=BulkUpdateInput,
        responses={200: BulkUpdateOutput, 202: BulkUpdateOutput, 429: None},
        description=(
            "Update several fields of many leads. Each field becomes one bulk operation. Up to "
            f"{BULK_UPDATE_SYNC_LIMIT} leads: run now, 200 with per-lead results. More: 202 with the "
            "queued operations (follow them on /api/v1/bulk-operations/{id})."
        ),
    )
    def post(self, request):
        data = BulkUpdateInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        location = resolve_location(data, values)
        ids = list(dict.fromkeys(values["lead_ids"]))
        synchronous = len(ids) <= BULK_UPDATE_SYNC_LIMIT
        plan = _operations_for(values["updates"])
        with transaction.atomic():  # all of them or none (a refusal of one undoes the others)
            operations = [
                (
                    field,
                    services.create_lead_operation(
                        user=request.user,
                        location=location,
                        operation_type=op_type,
                        params=params,
                        ids=ids,
                        description=f"bulk-update {field}",
                    ),
                )
                for field, op_type, params in plan
            ]
        if not synchronous:
            body = {
                "synchronous": False,
                "operations": BulkOperationOutput([op for _, op in operations], many=True).data,
            }
            return Response(body, status=status.HTTP_202_ACCEPTED)
        for _, operation in operations:
            engine.run_operation(operation.pk)
            operation.refresh_from_db()
        results = {pk: {"lead_id": pk, "fields": {}} for pk in ids}
        for field, operation in operations:
            for object_id, item_status, error in operation.items.values_list("object_id", "status", "error_message"):
                results[object_id]["fields"][field] = {"status": item_status, "error": error}
        summary = {"total": len(ids), "succeeded": 0, "skipped": 0, "failed": 0}
        for result in results.values():
            statuses = {outcome["status"] for outcome in result["fields"].values()}
            result["status"] = (
                "failed" if "failed" in statuses else "succeeded" if "succeeded" in statuses else "skipped"
            )
            summary[result["status"]] += 1
        return Response(
            {
                "synchronous": True,
                "operations": BulkOperationOutput([op for _, op in operations], many=True).data,
                "summary": summary,
                "results": list(results.values()),
            }
        )


# --- Message templates -----------------------------------------------------------------


class TemplateSerializer(serializers.ModelSerializer):
    location = LocationField(required=False, allow_null=True, write_only=True)
    location_id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=TemplateCategory.choices, default=TemplateCategory.GENERAL)

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "location",
            "location_id",
            "name",
            "category",
            "subject",
            "body",
            "usage_count",
            "last_used_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["usage_count", "last_used_at", "created_at", "updated_at"]
        validators = []  # the name clash is checked in validate(), per location

    def _placeholders(self, value):
        try:
            messaging.validate(value)
        except messaging.TemplateError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_body(self, value):
        return self._placeholders(value)

    def validate_subject(self, value):
        return self._placeholders(value)

    def validate(self, attrs):
        location = self.instance.location if self.instance else resolve_location(self, attrs)
        attrs.pop("location", None)
        name = attrs.get("name", self.instance.name if self.instance else "")
        clash = MessageTemplate.objects.filter(location=location, name__iexact=name)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"name": ["A template with this name exists already."]})
        attrs["location"] = location
        return attrs


def _templates(user):
    return MessageTemplate.objects.filter(location__in=locations_for(user))


class TemplateListQueryInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=TemplateCategory.choices, required=False)


class MessageTemplateListApi(APIView):
    @extend_schema(parameters=[TemplateListQueryInput], responses=TemplateSerializer(many=True))
    def get(self, request):
        query = TemplateListQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        templates = _templates(request.user)
        if category := query.validated_data.get("category"):
            templates = templates.filter(category=category)
        return Response(TemplateSerializer(templates, many=True).data)

    @extend_schema(request=TemplateSerializer, responses={201: TemplateSerializer})
    def post(self, request):
        serializer = TemplateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        policy.require(request.user, Action.TEMPLATE_EDIT, serializer.validated_data["location"])
        template = serializer.save(created_by=request.user)
        return Response(TemplateSerializer(template).data, status=status.HTTP_201_CREATED)


class MessageTemplateDetailApi(APIView):
    def _get(self, request, pk) -> MessageTemplate:
        template = _templates(request.user).filter(pk=pk).first()
        if template is None:
            raise NotFound("Message template not found.")
        return template

    @extend_schema(responses=TemplateSerializer)
    def get(self, request, pk):
        return Response(TemplateSerializer(self._get(request, pk)).data)

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    def _editable(self, request, pk) -> MessageTemplate:
        template = self._get(request, pk)
        policy.require(request.user, Action.TEMPLATE_EDIT, template.location)
        return template

    def _update(self, request, pk, *, partial):
        serializer = TemplateSerializer(
            self._editable(request, pk), data=request.data, partial=partial, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        return Response(TemplateSerializer(serializer.save()).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        self._editable(request, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplatePreviewInput(serializers.Serializer):
    lead_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class MessageTemplatePreviewApi(APIView):
    @extend_schema(
        request=TemplatePreviewInput,
        responses=inline_serializer(
            "TemplatePreviewOutput", {"subject": serializers.CharField(), "body": serializers.CharField()}
        ),
    )
    def post(self, request, pk):
        template = MessageTemplateDetailApi()._get(request, pk)
        data = TemplatePreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        lead = Lead.objects.filter(pk=data.validated_data["lead_id"], location=template.location).first()
        if lead is None:
            raise NotFound("Lead not found.")
        try:
            rendered = {
                "subject": messaging.render(template.subject, lead),
                "body": messaging.render(template.body, lead),
            }
        except messaging.TemplateError as exc:  # stored before its placeholders were checked: never rendered
            raise serializers.ValidationError({"template": [str(exc)]}) from None
        return Response(rendered)
