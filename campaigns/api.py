"""REST endpoints of the seed, under /api/v1/campaigns."""

from django.conf import settings as django_settings
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.policy import Action
from accounts.selectors import default_location_for, locations_for
from campaigns import selectors, services
from campaigns.importing import ContactFileError, parse_contact_file
from campaigns.serializers import (
    CallFilterInput,
    CallOutput,
    CampaignDetailOutput,
    CampaignOutput,
    CampaignSettingsSerializer,
    ContactFilterInput,
    ContactOutput,
    CreateCampaignInput,
    CreateCampaignOutput,
    PreviewOutput,
    StateFilterInput,
)
from web.api import ApiPagination, Conflict

PREVIEW_SAMPLE = 10


def read_upload(upload) -> bytes:
    limit = getattr(django_settings, "MAX_UPLOAD_SIZE", 20 * 1024 * 1024)
    if upload.size > limit:
        raise serializers.ValidationError({"file": f"The file is larger than {limit // (1024 * 1024)} MB."})
    return upload.read()


def validated_settings(*, raw: dict, user, location=None) -> dict:
    serializer = CampaignSettingsSerializer(data=raw, context={"user": user, "location": location})
    if not serializer.is_valid():
        raise serializers.ValidationError({"settings": serializer.errors})
    return serializer.validated_data


def create_from_upload(*, upload, settings: dict, user, idempotency_key: str = ""):
    """Shared by the API and the create page: validated settings + file -> (campaign, result).

    Raises services.AlreadyCreated when this user's form with ``idempotency_key`` made one before."""
    try:
        return services.create_campaign(
            location=settings["location"],
            user=user,
            file_bytes=read_upload(upload),
            filename=upload.name or "",
            name=settings["name"],
            agent=settings["agent"],
            timezone_name=settings["timezone"],
            default_region=settings["default_region"],
            scheduled_start_time=settings["scheduled_start_time"],
            pacing_seconds=settings["pacing"]["delay_seconds"],
            max_concurrent_calls=settings["pacing"]["max_concurrent_calls"],
            business_hours=dict(settings["business_hours"]),
            retry_policy=dict(settings["retry_policy"]),
            call=dict(settings["call"]),
            idempotency_key=idempotency_key,
        )
    except ContactFileError as exc:
        raise serializers.ValidationError({"file": str(exc)}) from exc


def preview_of(*, upload, default_region: str) -> dict:
    try:
        result = parse_contact_file(read_upload(upload), filename=upload.name or "", default_region=default_region)
    except ContactFileError as exc:
        raise serializers.ValidationError({"file": str(exc)}) from exc
    return {
        "contacts": len(result.contacts),
        "duplicates": result.duplicates,
        "duplicate_rows": result.duplicate_rows[:100],
        "errors": [error.as_dict() for error in result.errors],
        "phone_column": result.phone_column,
        "name_column": result.name_column,
        "file_format": result.file_format,
        "sample": [
            {"row": c.row, "phone": c.phone, "name": c.name, "metadata": c.metadata}
            for c in result.contacts[:PREVIEW_SAMPLE]
        ],
    }


def _settings_location(raw: dict, user):
    """The location named by the settings' location_id (else the user's first): None when not theirs."""
    location_id = raw.get("location_id")
    if not location_id:
        return default_location_for(user)
    try:
        return locations_for(user).filter(pk=int(location_id)).first()
    except (TypeError, ValueError, OverflowError):
        return None


class CampaignCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CreateCampaignInput},
        responses={201: CreateCampaignOutput},
        summary="Create a draft campaign from a contact file (CSV, XLSX, XLS, TXT) and settings (JSON).",
    )
    def post(self, request):
        data = CreateCampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        settings = validated_settings(raw=data.validated_data["settings"], user=request.user)
        policy.require(request.user, Action.CAMPAIGN_CREATE, settings["location"])
        campaign, result = create_from_upload(upload=data.validated_data["file"], settings=settings, user=request.user)
        body = {
            "campaign_id": campaign.pk,
            "contacts_imported": len(result.contacts),
            "duplicates": result.duplicates,
            "errors": [error.as_dict() for error in result.errors],
        }
        return Response(CreateCampaignOutput(body).data, status=status.HTTP_201_CREATED)


class CampaignPreviewApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CreateCampaignInput},
        responses={200: PreviewOutput},
        summary="Parse a contact file without creating anything: counts, duplicates, errors, a sample.",
    )
    def post(self, request):
        data = CreateCampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        location = _settings_location(data.validated_data["settings"], request.user)
        policy.require(request.user, Action.CAMPAIGN_CREATE, location)  # previewing is a step of creating
        region = str(data.validated_data["settings"].get("default_region") or "US")
        region = CampaignSettingsSerializer().validate_default_region(region)
        return Response(PreviewOutput(preview_of(upload=data.validated_data["file"], default_region=region)).data)


class CampaignListApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[StateFilterInput],
        responses={200: CampaignOutput(many=True)},
        summary="The campaigns of your locations, newest first, optionally of one state.",
    )
    def get(self, request):
        filters = StateFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        campaigns = selectors.campaigns_for(user=request.user, state=filters.validated_data.get("state", ""))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(campaigns, request, view=self)
        return paginator.get_paginated_response(CampaignOutput(page, many=True).data)


class CampaignDetailApi(APIView):
    @extend_schema(responses={200: CampaignDetailOutput}, summary="One campaign with its settings and stats.")
    def get(self, request, campaign_id: int):
        campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
        context = {"status_counts": selectors.contact_status_counts(campaign=campaign)}
        return Response(CampaignDetailOutput(campaign, context=context).data)

    @extend_schema(responses={204: None, 409: None}, summary="Delete a campaign that is not running.")
    def delete(self, request, campaign_id: int):
        campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
        policy.require(request.user, Action.CAMPAIGN_DELETE, campaign.location)
        try:
            services.delete_campaign(campaign_id=campaign.pk)
        except services.IllegalTransition as exc:
            raise Conflict(str(exc)) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignContactsApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[ContactFilterInput],
        responses={200: ContactOutput(many=True)},
        summary="A campaign's contacts, optionally of one state (pending, calling, completed, failed).",
    )
    def get(self, request, campaign_id: int):
        campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
        filters = ContactFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data.get("state") or filters.validated_data.get("status") or ""
        contacts = selectors.contacts_of(campaign=campaign, status=wanted)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(contacts, request, view=self)
        return paginator.get_paginated_response(ContactOutput(page, many=True).data)


class CampaignCallsApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[CallFilterInput],
        responses={200: CallOutput(many=True)},
        summary="A campaign's call attempts, newest first, each with its status history.",
    )
    def get(self, request, campaign_id: int):
        campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
        filters = CallFilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        calls = selectors.calls_of(campaign=campaign, status=filters.validated_data.get("status", ""))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(calls, request, view=self)
        return paginator.get_paginated_response(CallOutput(page, many=True).data)


class CampaignActionApi(APIView):
    """start (draft -> pending -> running at the scheduled time), pause, resume (a paused or failed campaign)."""

    action_name = ""
    actions = {
        "start": services.start_campaign,
        "pause": services.pause_campaign,
        "resume": services.resume_campaign,
    }
    # Resuming a paused campaign starts its calls again: the policy's campaign.start.
    permissions = {"start": Action.CAMPAIGN_START, "pause": Action.CAMPAIGN_PAUSE, "resume": Action.CAMPAIGN_START}

    @extend_schema(request=None, responses={200: CampaignOutput, 409: None})
    def post(self, request, campaign_id: int):
        campaign = selectors.campaign_for(user=request.user, campaign_id=campaign_id)
        policy.require(request.user, self.permissions[self.action_name], campaign.location)
        try:
            with transaction.atomic():
                campaign = self.actions[self.action_name](campaign_id=campaign.pk)
        except services.IllegalTransition as exc:
            raise Conflict(str(exc)) from exc
        campaign.refresh_from_db()
        return Response(CampaignOutput(campaign).data)


class CampaignStartApi(CampaignActionApi):
    action_name = "start"


class CampaignPauseApi(CampaignActionApi):
    action_name = "pause"


class CampaignResumeApi(CampaignActionApi):
    action_name = "resume"
