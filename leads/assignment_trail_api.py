"""GET /api/v1/leads/{id}/assignments: a lead's assignment trail, newest first.

Whoever may read the lead (the lead detail API's rule: a member of its location) reads its trail;
another company's lead is a 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from leads.models import LeadAssignment
from leads.selectors import assignment_history, lead_for
from web.api import ApiPagination


class AgentRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class LeadAssignmentOutput(serializers.ModelSerializer):
    from_agent = AgentRef(allow_null=True, help_text="Who had the lead before (null: nobody)")
    to_agent = AgentRef(allow_null=True, help_text="Who has it after (null: unassigned)")
    assigned_by = serializers.CharField(source="assigned_by.username", allow_null=True, default=None)
    operation_id = serializers.UUIDField(allow_null=True, help_text="The bulk operation that made the change")

    class Meta:
        model = LeadAssignment
        fields = ["id", "from_agent", "to_agent", "reason", "strategy", "assigned_by", "operation_id", "assigned_at"]


class LeadAssignmentsApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        responses={200: LeadAssignmentOutput(many=True)},
        summary="A lead's assignment trail: every change of its agent, why and by whom, newest first.",
    )
    def get(self, request, lead_id: int):
        lead = lead_for(user=request.user, lead_id=lead_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(assignment_history(lead=lead), request, view=self)
        return paginator.get_paginated_response(LeadAssignmentOutput(page, many=True).data)
