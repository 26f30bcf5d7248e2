"""Twilio's signed webhooks: where Twilio reaches this site, and the X-Twilio-Signature check."""

import os

from django.conf import settings
from twilio.request_validator import RequestValidator


def public_base_url() -> str:
    """Where Twilio reaches this site, for callback URLs (e.g. https://ops.example.com)."""
    return str(getattr(settings, "PUBLIC_BASE_URL", os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))).rstrip(
        "/"
    )


def signature_is_valid(request, *, auth_token: str) -> bool:
    """X-Twilio-Signature over the public URL Twilio called (PUBLIC_BASE_URL + path and query)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not auth_token or not signature:
        return False
    validator = RequestValidator(auth_token)
    urls = {public_base_url() + request.get_full_path(), request.build_absolute_uri()}
    return any(validator.validate(url, request.POST, signature) for url in urls)
