"""What an answered campaign call does: speak the agent's script, or bridge the callee to a free
agent; and on an answering machine, leave a voicemail message or hang up.

Twilio asks the answer webhook (campaigns.webhooks.answered) what to do once the callee picks up,
saying who answered (AnsweredBy) when machine detection is on. The TwiML is built with the
library's VoiceResponse, which XML-escapes every text, and the script is filled by the messages'
renderer (leads.messaging), so a contact's name can neither break the XML nor reach anything but
the six placeholders. In connect mode the agent is reserved when the call is placed (the dialer
places no call while nobody is free), so an answered call always has someone to be bridged to.
"""

from django.db.models import QuerySet
from django.urls import reverse
from twilio.twiml.voice_response import Dial, VoiceResponse

from agents.capacity import free_agent
from agents.models import Agent
from campaigns.models import LANGUAGES, VOICES, Call, CallMode, CallOutcome, Campaign, CampaignContact, OnMachine
from leads import messaging
from outreach.conf import public_base_url

# Twilio's AnsweredBy values that mean no person picked up.
MACHINE_ANSWERS = {"machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"}
DIAL_TIMEOUT_SECONDS = 20


def voice_language_error(voice: str, language: str) -> str:
    """Why this voice cannot speak this language ("" when it can)."""
    spoken = VOICES.get(voice)
    if spoken and spoken != language:
        return f"The voice {voice} speaks {LANGUAGES[spoken]} ({spoken}) only."
    return ""


def machine_detection_param(campaign: Campaign) -> str | None:
    """calls.create's machine_detection: wait for the beep to leave a message, else decide at once."""
    if not campaign.machine_detection:
        return None
    return "DetectMessageEnd" if campaign.on_machine == OnMachine.VOICEMAIL else "Enable"


def webhook_url(call: Call, name: str) -> str:
    """Where Twilio reaches one of this call's webhooks (`status-callback`, `answered`, `whisper`)."""
    return f"{public_base_url()}{reverse(f'campaigns-api:{name}')}?call_id={call.pk}"


def reserve_agent(campaign: Campaign) -> Agent | None:
    """The free agent a connect-mode call of the campaign will be bridged to (call under the campaign's lock)."""
    on_a_call: QuerySet = Call.objects.filter(agent__isnull=False, ended_at__isnull=True).values_list(
        "agent_id", flat=True
    )
    return free_agent(location_id=campaign.location_id, busy=on_a_call)


def contact_values(contact: CampaignContact) -> dict[str, str]:
    """The placeholder values of a contact: its lead's, or those its file row gave."""
    if contact.lead is not None:
        return messaging.lead_values(contact.lead)
    first, _, last = (contact.name or "").strip().partition(" ")
    meta = contact.metadata or {}
    raw = {"first_name": first, "last_name": last, "phone": contact.phone}
    return messaging.with_fallbacks({**raw, **{k: meta.get(k) for k in ("email", "budget", "location")}})


def script_of(call: Call) -> str:
    """What script mode speaks: the campaign's prompt text filled for the contact, or a greeting."""
    campaign = call.campaign
    if campaign.prompt_text:
        return messaging.fill(campaign.prompt_text, contact_values(call.contact))
    agent = campaign.agent.display_name if campaign.agent else "a call"
    return f"Hello, this is {agent} from {campaign.location.name}."


def answered(call: Call, *, answered_by: str = "") -> str:
    """The TwiML for the answered call, and its outcome recorded when a machine answered."""
    campaign = call.campaign
    response = VoiceResponse()
    outcome = ""
    if campaign.machine_detection and answered_by in MACHINE_ANSWERS:
        if campaign.on_machine == OnMachine.VOICEMAIL and campaign.voicemail_text:
            response.say(messaging.fill(campaign.voicemail_text, contact_values(call.contact)), **_voice(campaign))
            outcome = CallOutcome.VOICEMAIL_LEFT
        else:
            outcome = CallOutcome.MACHINE_HUNG_UP
        response.hangup()
    elif campaign.call_mode == CallMode.CONNECT and call.agent is not None:
        dial = Dial(timeout=DIAL_TIMEOUT_SECONDS)
        dial.number(call.agent.phone, url=webhook_url(call, "whisper"), method="POST")
        response.append(dial)
    else:
        response.say(script_of(call), **_voice(campaign))
    Call.objects.filter(pk=call.pk).update(answered_by=answered_by[:32], outcome=outcome)
    return str(response)


def whisper(call: Call) -> str:
    """What the agent hears before being bridged: who the caller is, and for which campaign."""
    who = call.contact.name or call.contact.phone
    response = VoiceResponse()
    response.say(f"Campaign call: {who}, for {call.campaign.name}.", **_voice(call.campaign))
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def nothing() -> str:
    """An empty response: a whisper that says nothing (the bridge goes ahead)."""
    return str(VoiceResponse())


def _voice(campaign: Campaign) -> dict:
    return {"voice": campaign.voice, "language": campaign.language}
