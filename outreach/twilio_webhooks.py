"""Twilio's signed webhooks: where Twilio reaches this site, and the X-Twilio-Signature check."""

from twilio.request_validator import RequestValidator

from outreach.conf import public_base_url


def signature_is_valid(request, *, auth_token: str) -> bool:
    """X-Twilio-Signature over the public URL Twilio called (PUBLIC_BASE_URL + path and query)."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not auth_token or not signature:
        return False
    validator = RequestValidator(auth_token)
    urls = {public_base_url() + request.get_full_path(), request.build_absolute_uri()}
    return any(validator.validate(url, request.POST, signature) for url in urls)
