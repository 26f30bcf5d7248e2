"""REST endpoints for the current user, their locations and the agents of those locations."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.capacity import attach_metrics, update_capacity
from accounts.models import Availability, Membership
from accounts.policy import Action
from accounts.selectors import agents_for, locations_for, teams_for
from accounts.serializers import (
    AgentCapacityInputSerializer,
    AgentCapacityOutputSerializer,
    AgentCapacityUpdateOutputSerializer,
    LocationOutputSerializer,
    MeOutputSerializer,
)
from web.api import ApiPagination


class MeApi(APIView):
    @extend_schema(responses=MeOutputSerializer, summary="The authenticated user and their memberships")
    def get(self, request):
        user = request.user
        memberships = Membership.objects.filter(user=user).select_related("location").order_by("location__name")
        data = {
            "id": user.pk,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "is_superuser": user.is_superuser,
            "memberships": memberships,
        }
        return Response(MeOutputSerializer(data).data)


class LocationListApi(generics.ListAPIView):
    """The locations (tenants) you belong to, with your role in each."""

    serializer_class = LocationOutputSerializer
    pagination_class = ApiPagination
    filter_backends = []

    def get_queryset(self):
        return locations_for(self.request.user).order_by("name")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["roles"] = dict(Membership.objects.filter(user=self.request.user).values_list("location_id", "role"))
        return context


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
