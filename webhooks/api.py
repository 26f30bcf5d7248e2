"""REST endpoints: /api/v1/webhooks (create, list, update, delete) and each webhook's delivery log."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import policy
from accounts.policy import Action
from accounts.serializers import resolve_location
from web.api import ApiPagination, Conflict
from webhooks import delivery, services
from webhooks.models import Webhook
from webhooks.selectors import deliveries_of, webhooks_for
from webhooks.serializers import (
    DeliveryOutput,
    DeliveryQueryInput,
    WebhookCreatedOutput,
    WebhookInput,
    WebhookOutput,
    WebhookUpdateInput,
)

SIGNATURE_NOTE = (
    "Every delivery is a POST with a JSON body `{event, created_at, data}` (`data`: the object as this API "
    'shows it) and the header `X-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed with '
    "the webhook's secret. A delivery that does not get a 2xx within 5 s is tried again after 1, 2, 5, 10, "
    "20 and 30 minutes (7 tries over 68 minutes)."
)


def _webhook(request, webhook_id) -> Webhook:
    webhook = webhooks_for(request.user).filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound("Webhook not found.")
    return webhook


class WebhooksApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(responses={200: WebhookOutput(many=True)}, summary="List webhooks", description=SIGNATURE_NOTE)
    def get(self, request):
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(webhooks_for(request.user).order_by("-created_at", "-pk"), request, self)
        return paginator.get_paginated_response(WebhookOutput(page, many=True).data)

    @extend_schema(
        request=WebhookInput,
        responses={201: WebhookCreatedOutput},
        summary="Create a webhook",
        description="The answer holds the signing `secret`, shown this once. " + SIGNATURE_NOTE,
    )
    def post(self, request):
        data = WebhookInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        location = resolve_location(data, values)
        policy.require(request.user, Action.WEBHOOK_MANAGE, location)
        webhook = services.create_webhook(
            location=location,
            user=request.user,
            url=values["url"],
            events=values["events"],
            is_active=values["is_active"],
        )
        return Response(WebhookCreatedOutput(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    @extend_schema(responses=WebhookOutput, summary="One webhook (without its secret)")
    def get(self, request, webhook_id):
        return Response(WebhookOutput(_webhook(request, webhook_id)).data)

    def _update(self, request, webhook_id, *, partial: bool):
        webhook = _webhook(request, webhook_id)
        data = WebhookUpdateInput(data=request.data, partial=partial, context={"request": request})
        data.is_valid(raise_exception=True)
        services.update_webhook(webhook=webhook, **data.validated_data)
        return Response(WebhookOutput(webhook).data)

    @extend_schema(request=WebhookUpdateInput, responses=WebhookOutput, summary="Replace a webhook's url and events")
    def put(self, request, webhook_id):
        return self._update(request, webhook_id, partial=False)

    @extend_schema(
        request=WebhookUpdateInput,
        responses=WebhookOutput,
        summary="Change some of a webhook's fields",
        description="`is_active: false` stops new deliveries and the retries of pending ones.",
    )
    def patch(self, request, webhook_id):
        return self._update(request, webhook_id, partial=True)

    @extend_schema(responses={204: None}, summary="Delete a webhook and its delivery log")
    def delete(self, request, webhook_id):
        _webhook(request, webhook_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveriesApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[DeliveryQueryInput],
        responses={200: DeliveryOutput(many=True)},
        summary="A webhook's delivery log, newest first",
    )
    def get(self, request, webhook_id):
        webhook = _webhook(request, webhook_id)
        query = DeliveryQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(deliveries_of(webhook, query.validated_data.get("status")), request, self)
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)


class WebhookDeliveryDetailApi(APIView):
    @extend_schema(responses=DeliveryOutput, summary="One delivery with its body")
    def get(self, request, webhook_id, delivery_id):
        return Response(DeliveryOutput(_delivery(request, webhook_id, delivery_id)).data)


def _delivery(request, webhook_id, delivery_id):
    found = deliveries_of(_webhook(request, webhook_id)).filter(pk=delivery_id).first()
    if found is None:
        raise NotFound("Delivery not found.")
    return found


class WebhookRedeliverApi(APIView):
    @extend_schema(
        request=None,
        responses={202: DeliveryOutput, 409: None},
        summary="Send a delivery's event again",
        description="A new delivery of the same body (a new signature and a fresh set of tries); 409 when the "
        "webhook is inactive.",
    )
    def post(self, request, webhook_id, delivery_id):
        original = _delivery(request, webhook_id, delivery_id)
        if not original.webhook.is_active:
            raise Conflict("This webhook is inactive: activate it to redeliver.")
        with transaction.atomic():
            copy = delivery.redeliver(original)
        return Response(DeliveryOutput(copy).data, status=status.HTTP_202_ACCEPTED)
