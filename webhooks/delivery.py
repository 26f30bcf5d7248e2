"""Delivering an event to a webhook: the signed POST, the tries with backoff, redelivery.

A delivery is claimed with a conditional UPDATE (pending and due → due again only after the
claim expires), so any number of workers may sweep at once and a worker that dies mid-send
leaves the delivery to be tried again when its claim runs out.
"""

import hashlib
import hmac
import http.client
import json
import logging
import socket
import time
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from webhooks import destinations
from webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

DELIVER_TASK = "webhooks.tasks.deliver"
TIMEOUT_SECONDS = 5
# Pauses after the 1st, 2nd, … failed try: 7 tries over 68 minutes, then the delivery fails.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=20),
    timedelta(minutes=30),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is left alone this long (longer than one try can take).
CLAIM = timedelta(seconds=60)
USER_AGENT = "BulkOps-Webhooks/1.0"
RESPONSE_EXCERPT = 500


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def enqueue(delivery_id) -> None:
    async_task(DELIVER_TASK, str(delivery_id), task_name=f"webhook-delivery-{delivery_id}"[:100])


def enqueue_on_commit(delivery_id) -> None:
    transaction.on_commit(lambda: enqueue(delivery_id))


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST body to url over a connection to a guard-checked address; (status code, response excerpt).

    No redirect is followed (a 3xx is an answer like any other). Raises DestinationRefused, or
    OSError / http.client.HTTPException when the receiver cannot be reached.
    """
    scheme, host, port, path = destinations.parse(url)
    addresses = destinations.resolve(host, port)
    connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    connection = connection_class(host, port, timeout=TIMEOUT_SECONDS)
    # Connect to a checked address while Host, SNI and the certificate check use the name.
    connection._create_connection = lambda _address, timeout, source: _connect(addresses, port, timeout, source)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        return response.status, excerpt
    finally:
        connection.close()


def _connect(addresses: list[str], port: int, timeout: float, source) -> socket.socket:
    """A connection to the first of the checked addresses that answers (never to a new lookup)."""
    error = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source)
        except OSError as exc:
            error = exc
    raise error


def attempt(delivery_id) -> str | None:
    """Try one due, pending delivery once; its new status, or None when it was not ours to try."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + CLAIM, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:  # its webhook was deleted meanwhile
        return None
    webhook = delivery.webhook
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Delivery": str(delivery.pk),
        "X-Signature": signature(webhook.secret, timestamp, body),
    }
    code, error = None, ""
    if not webhook.is_active:
        error = "The webhook was deactivated."
    else:
        try:
            code, excerpt = post(webhook.url, body, headers)
        except destinations.DestinationRefused as exc:
            error = f"Refused: {exc}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"Could not reach the receiver: {exc or type(exc).__name__}"
        else:
            if not 200 <= code < 300:
                error = f"The receiver answered {code}: {excerpt}".strip()
    return _record(delivery, code=code, error=error, final=not webhook.is_active)


def _record(delivery: WebhookDelivery, *, code: int | None, error: str, final: bool) -> str:
    now = timezone.now()
    fields = {"response_code": code, "last_error": error[:2000]}
    if not error:
        fields |= {"status": DeliveryStatus.SUCCEEDED, "next_attempt_at": None}
    elif final or delivery.attempts >= MAX_ATTEMPTS:
        fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        fields |= {"next_attempt_at": now + BACKOFF[delivery.attempts - 1]}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields, updated_at=now)
    if error:
        logger.info("Webhook delivery %s (try %s) failed: %s", delivery.pk, delivery.attempts, error)
    return fields.get("status", DeliveryStatus.PENDING)


def deliver_due(*, limit: int = 500) -> int:
    """The sweep: queue every pending delivery whose next try has come (a try claims it first)."""
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for delivery_id in ids:
        enqueue(delivery_id)
    return len(ids)


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """A new delivery of the same event and body (a new first try, a fresh set of retries)."""
    copy = WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        payload=delivery.payload,
        next_attempt_at=timezone.now(),
        redelivery_of=delivery,
    )
    enqueue_on_commit(copy.pk)
    return copy
