"""Twilio's webhooks of a campaign call, all signed: the call-status callback (idempotent,
forward-only), what to do when the callee answers, and the whisper an agent hears before a bridge."""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns import call_modes
from campaigns.dialer import record_call_status
from campaigns.models import Call
from outreach import conf as outreach_conf
from outreach.twilio_webhooks import signature_is_valid


def _call_id(request) -> int | None:
    try:
        return int(request.GET.get("call_id", ""))
    except ValueError:
        return None


@csrf_exempt
@require_POST
def status_callback(request):
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    params = {key: request.POST.get(key) for key in request.POST}
    record_call_status(call_id=_call_id(request), call_sid=params.get("CallSid", ""), params=params)
    return HttpResponse(status=204)


def _signed_call(request, sid_param: str) -> Call | None:
    """The call a signed TwiML request is about (None: unknown, or another call's sid in `sid_param`)."""
    call = (
        Call.objects.select_related("campaign__location", "campaign__agent__user", "contact__lead", "agent")
        .filter(pk=_call_id(request))
        .first()
    )
    if call is None or call.call_sid != request.POST.get(sid_param, call.call_sid):
        return None
    return call


def _twiml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml")


@csrf_exempt
@require_POST
def answered(request):
    """The callee picked up (AnsweredBy says who when machine detection is on): speak, bridge or hang up."""
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    call = _signed_call(request, "CallSid")
    if call is None:
        return _twiml(call_modes.hang_up())
    return _twiml(call_modes.answered(call, answered_by=request.POST.get("AnsweredBy", "")))


@csrf_exempt
@require_POST
def whisper(request):
    """The agent picked up (on the call's child leg): tell them who they are about to talk to."""
    if not signature_is_valid(request, auth_token=outreach_conf.twilio_auth_token()):
        return HttpResponseForbidden("Invalid signature.")
    call = _signed_call(request, "ParentCallSid")
    return _twiml(call_modes.whisper(call) if call is not None else call_modes.nothing())
