"""django-q2 task entry points: thin wrappers around webhooks.delivery."""

from webhooks import delivery


def deliver(delivery_id: str) -> str | None:
    return delivery.attempt(delivery_id)


def deliver_due() -> int:
    return delivery.deliver_due()
