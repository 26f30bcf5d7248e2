"""Twilio's SMS webhooks: replies people send (STOP, START, …) and delivery status callbacks.

Both are signed by Twilio (X-Twilio-Signature, checked as for calls in outreach.twilio_webhooks):
a request without a valid signature is a 403 and changes nothing.
"""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from leads import consent, messaging
from outreach import conf as outreach_conf
from outreach.twilio_webhooks import signature_is_valid

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt
@require_POST
def inbound_sms(request):
    """An SMS to our number: recorded once per MessageSid; STOP and START change do-not-contact."""
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    if not sid:
        return HttpResponse("MessageSid is required.", status=400, content_type="text/plain")
    consent.receive_sms(
        message_sid=sid,
        from_number=request.POST.get("From", ""),
        to_number=request.POST.get("To", ""),
        body=request.POST.get("Body", ""),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")  # no automatic reply from us


@csrf_exempt
@require_POST
def sms_status(request):
    """Twilio's status callback for one SMS we sent (?message_id=…): forward-only, idempotent."""
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    try:
        message_id = int(request.GET.get("message_id", ""))
    except ValueError:
        return HttpResponse(status=204)  # signed but not for a message of ours: nothing to record
    messaging.record_delivery(
        message_id=message_id,
        message_sid=request.POST.get("MessageSid") or request.POST.get("SmsSid") or "",
        status=request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or "",
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
