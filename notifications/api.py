"""REST endpoints: /api/v1/notifications, one's own only; mark one or all read."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import services
from notifications.selectors import notifications_for, unread_count
from notifications.serializers import NotificationOutput, NotificationQueryInput, ReadAllOutput
from web.api import ApiPagination

ABOUT = (
    "The signed-in user's notifications, newest first: an operation they started completed "
    "(`completed`, `completed_with_failures`), `failed`, or was `cancelled` by someone else. "
    'Live: WebSocket `/ws/notifications/` sends `{type: "notifications", unread, latest}`.'
)


class NotificationsApi(APIView):
    pagination_class = ApiPagination

    @extend_schema(
        parameters=[NotificationQueryInput],
        responses={200: NotificationOutput(many=True)},
        summary="My notifications",
        description=ABOUT,
    )
    def get(self, request):
        query = NotificationQueryInput(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        notifications = notifications_for(request.user)
        if "unread" in query.validated_data:
            notifications = notifications.filter(read_at__isnull=query.validated_data["unread"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(notifications.order_by("-created_at", "-pk"), request, self)
        return paginator.get_paginated_response(NotificationOutput(page, many=True).data)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses=NotificationOutput, summary="Mark one notification read")
    def post(self, request, notification_id):
        notification = notifications_for(request.user).filter(pk=notification_id).first()
        if notification is None:
            raise NotFound("Notification not found.")
        return Response(NotificationOutput(services.mark_read(notification)).data)


class NotificationsReadAllApi(APIView):
    @extend_schema(request=None, responses=ReadAllOutput, summary="Mark all my notifications read")
    def post(self, request):
        marked = services.mark_all_read(user=request.user)
        return Response(ReadAllOutput({"marked": marked, "unread": unread_count(request.user.pk)}).data)
