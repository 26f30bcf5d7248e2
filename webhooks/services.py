"""Webhook writes: create (with a new signing secret), update, delete."""

import secrets

from django.core.exceptions import ValidationError

from webhooks import destinations
from webhooks.models import Event, Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


def create_webhook(*, location, user, url: str, events: list[str], is_active: bool = True) -> Webhook:
    """A webhook with a new secret; the caller shows the secret once (it is never shown again)."""
    return Webhook.objects.create(
        location=location, url=url, events=events, is_active=is_active, secret=new_secret(), created_by=user
    )


def update_webhook(*, webhook: Webhook, **fields) -> Webhook:
    for name, value in fields.items():
        setattr(webhook, name, value)
    webhook.save(update_fields=[*fields, "updated_at"])
    return webhook


def validate_url(url: str) -> str:
    """The URL a webhook may be saved with: http(s), and a destination the SSRF guard allows."""
    try:
        destinations.check_url(url)
    except destinations.DestinationRefused as exc:
        raise ValidationError(str(exc)) from None
    return url


def validate_events(events) -> list[str]:
    """At least one known event name, each once, in the order of Event."""
    if not isinstance(events, list) or not all(isinstance(event, str) for event in events):
        raise ValidationError("Give a list of event names.")
    unknown = [event for event in events if event not in Event.values]
    if unknown:
        raise ValidationError(f"Unknown events: {', '.join(unknown[:5])}. Known: {', '.join(Event.values)}.")
    if not events:
        raise ValidationError("Choose at least one event.")
    return [event for event in Event.values if event in events]
