"""Twilio's call-status webhook: signed, idempotent, forward-only."""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns.dialer import record_call_status
from outreach import conf as outreach_conf
from outreach.twilio_webhooks import signature_is_valid


@csrf_exempt
@require_POST
def status_callback(request):
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    try:
        call_id = int(request.GET.get("call_id", ""))
    except ValueError:
        call_id = None
    params = {key: request.POST.get(key) for key in request.POST}
    record_call_status(call_id=call_id, call_sid=params.get("CallSid", ""), params=params)
    return HttpResponse(status=204)
