"""REST endpoints for the agents of the user's locations: load, capacity, availability, performance."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.policy import Action
from accounts.selectors import locations_for, teams_for
from agents.capacity import attach_metrics, update_capacity
from agents.models import Availability
from agents.selectors import agents_for
from agents.serializers import (
    AgentCapacityInputSerializer,
    AgentCapacityOutputSerializer,
    AgentCapacityUpdateOutputSerializer,
)
from web.api import ApiPagination


def _user_locations(request):
    return locations_for(request.user) if request else None


def _user_teams(request):
    return teams_for(request.user) if request else None


class AgentFilter(django_filters.FilterSet):
    location = django_filters.ModelChoiceFilter(queryset=_user_locations)
    team = django_filters.ModelChoiceFilter(queryset=_user_teams)
    availability = django_filters.ChoiceFilter(choices=Availability.choices)


class AgentListApi(generics.ListAPIView):
    """Agents with their load (open leads + open tickets), capacity, utilisation and performance."""

    serializer_class = AgentCapacityOutputSerializer
    pagination_class = ApiPagination
    filterset_class = AgentFilter

    def get_queryset(self):
        return agents_for(self.request.user).order_by("user__username", "id")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        agents = attach_metrics(page if page is not None else queryset)
        data = self.get_serializer(agents, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class AgentDetailApi(generics.RetrieveAPIView):
    serializer_class = AgentCapacityOutputSerializer

    def get_queryset(self):
        return agents_for(self.request.user)

    def get_object(self):
        (agent,) = attach_metrics([super().get_object()])
        return agent


class AgentCapacityApi(APIView):
    @extend_schema(
        request=AgentCapacityInputSerializer,
        responses=AgentCapacityUpdateOutputSerializer,
        summary="Change an agent's maximum capacity and/or availability",
        description="Managers and admins change both; an agent may change their own availability. "
        "A capacity below the current load is accepted and flagged in `warnings`.",
    )
    def put(self, request, pk):
        agent = agents_for(request.user).filter(pk=pk).first()
        if agent is None:
            raise NotFound("Agent not found.")
        data = AgentCapacityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "max_capacity" in data.validated_data:
            policy.require(request.user, Action.CAPACITY_CHANGE, agent.location)
        if "availability" in data.validated_data:
            policy.require(request.user, Action.AVAILABILITY_CHANGE, agent.location, owner_id=agent.user_id)
        warnings = update_capacity(agent=agent, **data.validated_data)
        (agent,) = attach_metrics([agent])
        agent.warnings = warnings
        return Response(AgentCapacityUpdateOutputSerializer(agent).data)
