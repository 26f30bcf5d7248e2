"""REST endpoints for leads and tags: list (filtered), create, retrieve and update, per tenant."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import policy
from accounts.policy import Action
from accounts.selectors import location_ids
from leads.filters import LeadFilter, TagFilter
from leads.models import Lead, Tag
from leads.operation_types import LEADS
from leads.serializers import LeadInputSerializer, LeadOutputSerializer, TagInputSerializer, TagOutputSerializer
from web.api import ApiPagination


def _leads_for(user):
    return (
        Lead.objects.filter(location_id__in=location_ids(user))
        .select_related("owner__user", "team")
        .prefetch_related("tags")
    )


def _check_can_edit_lead(user, lead: Lead) -> None:
    """The bulk operations' rule (the leads target's): agents change their own leads and unowned ones."""
    if not LEADS.may_edit(user, lead):
        raise PermissionDenied("Agents may only update leads they own or unowned ones.")


UPDATE_OWNER_NOTE = (
    "The owner cannot be changed here: a body naming another owner (or null for an assigned lead) is a 400 "
    "on `owner` pointing to POST /api/v1/leads/{id}/assign and PUT /api/v1/leads/{id}/reassign, which check "
    "the agent's availability and capacity and keep the assignment trail. Repeating the current owner is fine."
)


class LeadListCreateApi(generics.ListAPIView):
    serializer_class = LeadOutputSerializer
    pagination_class = ApiPagination
    filterset_class = LeadFilter

    def get_queryset(self):
        return _leads_for(self.request.user)

    @extend_schema(
        request=LeadInputSerializer,
        responses={201: LeadOutputSerializer},
        summary="Create a lead",
        description="With `owner`, the new lead is assigned through the assignment service, as "
        "POST /api/v1/leads/{id}/assign would: only managers and admins may name an owner (403), and an "
        "owner who is away, offline or at capacity is a 400 on `owner` (nothing is created).",
    )
    def post(self, request):
        serializer = LeadInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data.get("owner") is not None:
            policy.require(request.user, Action.ASSIGN, serializer.validated_data["location"])
        lead = serializer.save()
        return Response(
            LeadOutputSerializer(_leads_for(request.user).get(pk=lead.pk)).data, status=status.HTTP_201_CREATED
        )


class LeadDetailApi(generics.RetrieveAPIView):
    serializer_class = LeadOutputSerializer

    def get_queryset(self):
        return _leads_for(self.request.user)

    def _update(self, request, *, partial: bool):
        lead = self.get_object()
        _check_can_edit_lead(request.user, lead)
        serializer = LeadInputSerializer(
            lead, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(LeadOutputSerializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(
        request=LeadInputSerializer,
        responses=LeadOutputSerializer,
        summary="Replace a lead's fields",
        description=UPDATE_OWNER_NOTE,
    )
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(
        request=LeadInputSerializer,
        responses=LeadOutputSerializer,
        summary="Update some of a lead's fields",
        description=UPDATE_OWNER_NOTE,
    )
    def patch(self, request, pk):
        return self._update(request, partial=True)


def _tags_for(user):
    return Tag.objects.filter(location_id__in=location_ids(user)).order_by("name", "id")


class TagListCreateApi(generics.ListAPIView):
    serializer_class = TagOutputSerializer
    pagination_class = ApiPagination
    filterset_class = TagFilter

    def get_queryset(self):
        return _tags_for(self.request.user)

    @extend_schema(request=TagInputSerializer, responses={201: TagOutputSerializer}, summary="Create a tag")
    def post(self, request):
        serializer = TagInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        tag = serializer.save()
        return Response(TagOutputSerializer(tag).data, status=status.HTTP_201_CREATED)


class TagDetailApi(generics.RetrieveAPIView):
    serializer_class = TagOutputSerializer

    def get_queryset(self):
        return _tags_for(self.request.user)

    def _update(self, request, *, partial: bool):
        tag = self.get_object()
        policy.require(request.user, Action.TAG_EDIT, tag.location)
        serializer = TagInputSerializer(tag, data=request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return Response(TagOutputSerializer(serializer.save()).data)

    @extend_schema(request=TagInputSerializer, responses=TagOutputSerializer, summary="Replace a tag's fields")
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=TagInputSerializer, responses=TagOutputSerializer, summary="Update some of a tag's fields")
    def patch(self, request, pk):
        return self._update(request, partial=True)
