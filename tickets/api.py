"""REST endpoints for tickets: list (filtered), create, retrieve and update, per tenant.

Soft-deleted tickets are not listed and read as 404.
"""

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import policy
from accounts.policy import Action
from accounts.selectors import location_ids
from tickets.filters import TicketFilter
from tickets.models import Ticket
from tickets.operation_types import TICKETS
from tickets.serializers import TicketInputSerializer, TicketOutputSerializer
from web.api import ApiPagination


def _tickets_for(user):
    return Ticket.objects.alive().filter(location_id__in=location_ids(user)).select_related("assignee__user")


def _check_can_edit_ticket(user, ticket: Ticket) -> None:
    """The bulk operations' rule (the tickets target's): agents change theirs and unassigned ones."""
    if not TICKETS.may_edit(user, ticket):
        raise PermissionDenied("Agents may only update tickets assigned to them or unassigned.")


UPDATE_ASSIGNEE_NOTE = (
    "The assignee cannot be changed here: a body naming another assignee (or null for an assigned ticket) is "
    "a 400 on `assignee` pointing to the `assign` operation of POST /api/v1/tickets/bulk-operations, which "
    "checks the agent's availability and capacity and keeps the assignment trail. Repeating the current "
    "assignee is fine."
)


class TicketListCreateApi(generics.ListAPIView):
    serializer_class = TicketOutputSerializer
    pagination_class = ApiPagination
    filterset_class = TicketFilter

    def get_queryset(self):
        return _tickets_for(self.request.user)

    @extend_schema(
        request=TicketInputSerializer,
        responses={201: TicketOutputSerializer, 409: None},
        summary="Create a ticket",
        description="With `assignee`, the new ticket is assigned through the assignment service: only managers "
        "and admins may name an assignee (403), and an assignee who is away, offline or at capacity is a 400 on "
        "`assignee` (nothing is created).",
    )
    def post(self, request):
        serializer = TicketInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("assignee") is not None:
            policy.require(request.user, Action.ASSIGN, serializer.validated_data["location"])
        ticket = serializer.save()
        return Response(TicketOutputSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailApi(generics.RetrieveAPIView):
    serializer_class = TicketOutputSerializer

    def get_queryset(self):
        return _tickets_for(self.request.user).annotate(comment_count=Count("comments"))

    def _update(self, request, *, partial: bool):
        ticket = self.get_object()
        _check_can_edit_ticket(request.user, ticket)
        serializer = TicketInputSerializer(
            ticket, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(TicketOutputSerializer(self.get_queryset().get(pk=ticket.pk)).data)

    @extend_schema(
        request=TicketInputSerializer,
        responses=TicketOutputSerializer,
        summary="Replace a ticket's fields",
        description=UPDATE_ASSIGNEE_NOTE,
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        request=TicketInputSerializer,
        responses=TicketOutputSerializer,
        summary="Update some of a ticket's fields",
        description=UPDATE_ASSIGNEE_NOTE,
    )
    def patch(self, request, pk):
        return self._update(request, partial=True)
