"""Twilio's call-status webhook: signed, idempotent, forward-only."""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from campaigns import conf
from campaigns.dialer import record_call_status


def signature_is_valid(request) -> bool:
    """X-Twilio-Signature over the public URL Twilio called (PUBLIC_BASE_URL + path and query)."""
    token = conf.twilio_auth_token()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    urls = {conf.public_base_url() + request.get_full_path(), request.build_absolute_uri()}
    return any(validator.validate(url, request.POST, signature) for url in urls)


@csrf_exempt
@require_POST
def status_callback(request):
    if not signature_is_valid(request):
        return HttpResponseForbidden("Invalid signature.")
    try:
        call_id = int(request.GET.get("call_id", ""))
    except ValueError:
        call_id = None
    params = {key: request.POST.get(key) for key in request.POST}
    record_call_status(call_id=call_id, call_sid=params.get("CallSid", ""), params=params)
    return HttpResponse(status=204)
