"""REST endpoints for the current user and their locations."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from accounts.selectors import locations_for
from accounts.serializers import LocationOutputSerializer, MeOutputSerializer
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
