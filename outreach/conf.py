"""The settings of reaching people through Twilio, read here once (Django settings first, then the
environment): the account both the SMS sender (leads) and the dialer (campaigns) use, and where
Twilio reaches this site for its callbacks."""

import os

from django.conf import settings


def _get(name: str, default: str) -> str:
    return str(getattr(settings, name, os.environ.get(name, default)))


def public_base_url() -> str:
    """Where Twilio reaches this site, for callback URLs (e.g. https://ops.example.com)."""
    return _get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def twilio_account_sid() -> str:
    return _get("TWILIO_ACCOUNT_SID", "")


def twilio_auth_token() -> str:
    return _get("TWILIO_AUTH_TOKEN", "")


def twilio_from_number() -> str:
    """The one sender number: SMS go out from it and calls are placed from it."""
    return _get("TWILIO_FROM_NUMBER", "")
