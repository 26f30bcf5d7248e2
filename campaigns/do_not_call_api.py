"""The do-not-call list over the API: /api/v1/do-not-call (list, add) and /api/v1/do-not-call/{id} (read, delete)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts import policy
from accounts.policy import Action
from accounts.serializers import LocationField, resolve_location
from campaigns import do_not_call, selectors
from campaigns.models import DoNotCallEntry
from web.api import ApiPagination


class DoNotCallOutput(serializers.ModelSerializer):
    location_id = serializers.IntegerField()
    added_by = serializers.CharField(source="added_by.username", allow_null=True, default=None)

    class Meta:
        model = DoNotCallEntry
        fields = ["id", "location_id", "phone", "reason", "added_by", "created_at"]


class DoNotCallInput(serializers.Serializer):
    phone = serializers.CharField(
        max_length=40, help_text="The number; E.164 (+14155550123) or as dialled in the company's region"
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    location = LocationField(required=False, allow_null=True)


class DoNotCallFilterInput(serializers.Serializer):
    phone = serializers.CharField(required=False, max_length=40, help_text="Numbers containing these digits")


class DoNotCallListApi(generics.GenericAPIView):
    queryset = DoNotCallEntry.objects.none()  # names the model for the schema; rows come from the selector
    serializer_class = DoNotCallOutput
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[DoNotCallFilterInput],
        responses={200: DoNotCallOutput(many=True)},
        summary="The do-not-call numbers of your locations, newest first.",
    )
    def get(self, request):
        filters = DoNotCallFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = selectors.do_not_call_for(user=request.user, phone=filters.validated_data.get("phone", ""))
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(DoNotCallOutput(page, many=True).data)

    @extend_schema(
        request=DoNotCallInput,
        responses={201: DoNotCallOutput},
        summary="Put a number on the do-not-call list (managers and admins).",
        description="The number is normalised to E.164 with the company's region; an invalid number, or one "
        "already on the list, is a 400 on `phone`. It is never dialled again: running campaigns skip it.",
    )
    def post(self, request):
        data = DoNotCallInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        location = resolve_location(data, data.validated_data)
        policy.require(request.user, Action.DO_NOT_CALL_EDIT, location)
        try:
            entry = do_not_call.add_number(
                location=location,
                phone=data.validated_data["phone"],
                reason=data.validated_data["reason"],
                user=request.user,
            )
        except ValueError as exc:  # AlreadyListed too
            raise serializers.ValidationError({"phone": str(exc)}) from exc
        return Response(DoNotCallOutput(entry).data, status=status.HTTP_201_CREATED)


class DoNotCallDetailApi(generics.GenericAPIView):
    serializer_class = DoNotCallOutput

    def get_queryset(self):
        return selectors.do_not_call_for(user=self.request.user)

    @extend_schema(responses={200: DoNotCallOutput}, summary="One do-not-call number.")
    def get(self, request, pk: int):
        return Response(DoNotCallOutput(self.get_object()).data)

    @extend_schema(responses={204: None}, summary="Take a number off the do-not-call list (managers and admins).")
    def delete(self, request, pk: int):
        entry = self.get_object()
        policy.require(request.user, Action.DO_NOT_CALL_EDIT, entry.location)
        do_not_call.remove_number(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)
