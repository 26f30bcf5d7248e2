"""Calls that do the job, against the fake Twilio: the script spoken, the bridge to a free agent
with a whisper, and answering machines (detection on or off; voicemail or hang up)."""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agents.models import Availability
from campaigns import dialer, services
from campaigns.models import Call, Campaign, CampaignContact, ContactStatus
from campaigns.telephony import SimulatedBackend
from tests import factories
from tests.campaigns.conftest import TOKEN, post_status
from tests.campaigns.fake_twilio import ask_for_twiml

pytestmark = pytest.mark.django_db

BASE = "https://ops.example.com/api/v1/campaigns/webhooks"


def campaign_with(running_campaign, **call):
    """A running campaign whose settings' `call` group is `call`."""
    return running_campaign(["+12125550101", "+12125550102"], call=call, retry_policy={"max_retries": 0})


def answer(client, call, http, **params):
    """Twilio asks the call's Url (from its Calls.create) what to do now that it was answered."""
    url = http.created()["Url"]
    assert url == f"{BASE}/answered?call_id={call.pk}"
    params = {"CallSid": call.call_sid, "CallStatus": "in-progress", **params}
    return ask_for_twiml(client, url, params, auth_token=TOKEN)


def dial(campaign, twilio, t0):
    backend, _ = twilio
    return dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend)


def test_script_mode_speaks_the_prompt_filled_for_the_contact_xml_escaped_in_the_chosen_voice(
    client, twilio, location, manager, t0
):
    backend, http = twilio
    campaign, _ = services.create_campaign(
        location=location,
        user=manager,
        file_bytes=b'phone,name,email\n+12125550111,"Ann </Say><Dial>+1900 & co",ann@example.com\n',
        filename="contacts.csv",
        timezone_name="America/New_York",
        call={
            "mode": "script",
            "prompt_text": "Hi {first_name}, we'll write to {email}.",
            "voice": "Polly.Amy",
            "language": "en-GB",
        },
    )
    services.start_campaign(campaign_id=campaign.pk, now=t0)
    call = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call
    assert "Twiml" not in http.created() and "MachineDetection" not in http.created()

    twiml = answer(client, call, http)

    (say,) = list(twiml)
    assert say.tag == "Say" and say.attrib == {"voice": "Polly.Amy", "language": "en-GB"}
    assert say.text == "Hi Ann, we'll write to ann@example.com."
    assert twiml.find("Dial") is None  # the name's markup stayed text

    leaky = factories.make_lead(campaign.location, first_name="<Hangup/>&", phone="+12125550112")
    CampaignContact.objects.filter(pk=call.contact_id).update(lead=leaky)
    (say,) = list(answer(client, call, http))
    assert say.text == "Hi <Hangup/>&, we'll write to " + leaky.email + "."


def test_without_a_prompt_the_script_is_the_greeting(client, twilio, running_campaign, t0):
    _, http = twilio
    call = dial(campaign_with(running_campaign), twilio, t0).call
    (say,) = list(answer(client, call, http))
    assert say.text == f"Hello, this is a call from {call.campaign.location.name}."


@pytest.fixture
def phone_agent(make_agents):
    """make_phone_agent(**fields) -> an available agent with a phone, unless told otherwise."""

    def make(phone="+12125550199", **fields):
        (agent,) = make_agents(1, phone=phone, **fields)
        return agent

    return make


def test_connect_mode_bridges_the_answered_call_to_a_free_agent_who_hears_a_whisper(
    client, twilio, running_campaign, phone_agent, t0
):
    _, http = twilio
    agent = phone_agent()
    call = dial(campaign_with(running_campaign, mode="connect"), twilio, t0).call
    assert call.agent == agent

    twiml = answer(client, call, http)

    (dial_verb,) = list(twiml)
    assert dial_verb.tag == "Dial"
    (number,) = list(dial_verb)
    assert number.text == "+12125550199"
    whisper_url = f"{BASE}/whisper?call_id={call.pk}"
    assert number.attrib["url"] == whisper_url
    agent_leg = {"CallSid": "CAagentleg", "ParentCallSid": call.call_sid, "CallStatus": "in-progress"}
    (say,) = list(ask_for_twiml(client, whisper_url, agent_leg, auth_token=TOKEN))
    assert say.text == f"Campaign call: +12125550101, for {call.campaign.name}."


def test_connect_mode_places_no_call_while_no_agent_is_free_and_dials_once_one_is(
    twilio, running_campaign, phone_agent, t0
):
    _, http = twilio
    phone_agent(availability=Availability.AWAY)
    phone_agent(phone="+12125550198", max_capacity=0)  # at capacity: seed 004's rule
    phone_agent(phone="")  # nobody to ring
    busy = phone_agent(phone="+12125550197")
    campaign = running_campaign(["+12125550101", "+12125550102"], call={"mode": "connect"}, max_concurrent_calls=2)
    first = dial(campaign, twilio, t0).call
    assert first.agent == busy  # the only free one

    later = t0 + datetime.timedelta(minutes=1)
    result = dialer.dial_next(campaign_id=campaign.pk, now=later, backend=twilio[0])

    assert (result.call, result.reason) == (None, "no agent free") and result.wait_seconds > 0
    assert len(http.creates()) == 1  # nothing placed
    waiting = CampaignContact.objects.get(campaign=campaign, phone="+12125550102")
    assert (waiting.status, waiting.attempts) == (ContactStatus.PENDING, 0)

    params = {"CallSid": first.call_sid, "CallStatus": "completed", "CallDuration": "30"}
    dialer.record_call_status(call_id=first.pk, params=params, now=later)  # the agent is free again
    second = dialer.dial_next(campaign_id=campaign.pk, now=later + datetime.timedelta(minutes=1), backend=twilio[0])
    assert second.call is not None and second.call.agent == busy and len(http.creates()) == 2


def test_machine_detection_on_leaves_the_voicemail_and_records_it(client, twilio, running_campaign, t0):
    _, http = twilio
    campaign = campaign_with(
        running_campaign, machine_detection=True, on_machine="voicemail", voicemail_text="Call us back, {first_name}."
    )
    call = dial(campaign, twilio, t0).call
    assert http.created()["MachineDetection"] == "DetectMessageEnd"  # wait for the beep

    twiml = answer(client, call, http, AnsweredBy="machine_end_beep")

    assert [verb.tag for verb in twiml] == ["Say", "Hangup"]
    assert twiml[0].text == "Call us back, there."
    post_status(client, call, "completed", CallDuration="12", AnsweredBy="machine_end_beep")
    call.refresh_from_db()
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (call.answered_by, call.outcome) == ("machine_end_beep", "voicemail_left")
    assert (contact.status, contact.outcome) == (ContactStatus.COMPLETED, "voicemail_left")
    assert (contact.campaign.completed_contacts, contact.campaign.answered_calls) == (1, 0)  # nobody talked


def test_machine_detection_on_hangs_up_on_a_machine_and_records_it(client, twilio, running_campaign, t0):
    _, http = twilio
    campaign = campaign_with(running_campaign, machine_detection=True, on_machine="hang_up")
    call = dial(campaign, twilio, t0).call
    assert http.created()["MachineDetection"] == "Enable"

    twiml = answer(client, call, http, AnsweredBy="machine_start")

    assert [verb.tag for verb in twiml] == ["Hangup"]
    post_status(client, call, "completed", CallDuration="3")
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (Call.objects.get(pk=call.pk).outcome, contact.outcome) == ("machine_hung_up", "machine_hung_up")
    assert contact.status == ContactStatus.FAILED  # nobody reached (max_retries 0)


def test_a_machine_hang_up_is_retried_when_the_campaign_says_so(client, twilio, running_campaign, t0):
    _, http = twilio
    campaign = running_campaign(
        ["+12125550101"],
        call={"machine_detection": True},
        retry_policy={"max_retries": 1, "retryable_outcomes": ["machine_hung_up"]},
    )
    call = dial(campaign, twilio, t0).call
    answer(client, call, http, AnsweredBy="machine_end_silence")
    post_status(client, call, "completed", CallDuration="3")
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (contact.status, contact.outcome) == (ContactStatus.PENDING, "machine_hung_up")


def test_a_person_answering_with_detection_on_hears_the_script(client, twilio, running_campaign, t0):
    _, http = twilio
    campaign = campaign_with(running_campaign, machine_detection=True, prompt_text="Hello {first_name}.")
    call = dial(campaign, twilio, t0).call
    (say,) = list(answer(client, call, http, AnsweredBy="human"))
    assert say.text == "Hello there."
    post_status(client, call, "completed", CallDuration="40")
    contact = CampaignContact.objects.get(pk=call.contact_id)
    assert (contact.status, contact.outcome) == (ContactStatus.COMPLETED, "completed")
    assert contact.campaign.answered_calls == 1


def test_machine_detection_off_asks_twilio_for_none_and_speaks_the_script_to_whoever_answers(
    client, twilio, running_campaign, t0
):
    _, http = twilio
    campaign = campaign_with(running_campaign, machine_detection=False, prompt_text="Hello.")
    call = dial(campaign, twilio, t0).call
    assert "MachineDetection" not in http.created()
    (say,) = list(answer(client, call, http, AnsweredBy="machine_start"))
    assert say.text == "Hello."
    assert Call.objects.get(pk=call.pk).outcome == ""


def test_an_unsigned_answer_request_is_refused(client, twilio, running_campaign, t0):
    call = dial(campaign_with(running_campaign), twilio, t0).call
    response = client.post(f"/api/v1/campaigns/webhooks/answered?call_id={call.pk}", {"CallSid": call.call_sid})
    assert response.status_code == 403
    forged = client.post(
        f"/api/v1/campaigns/webhooks/whisper?call_id={call.pk}",
        {"ParentCallSid": call.call_sid},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert forged.status_code == 403


def test_an_agent_phone_must_be_e164(make_agents):
    (agent,) = make_agents(1)
    for bad in ("212-555-0199", "+1212555", "0049 30 1234567"):
        agent.phone = bad
        with pytest.raises(ValidationError) as raised:
            agent.full_clean()
        assert "phone" in raised.value.message_dict
    agent.phone = "+12125550199"
    agent.full_clean()


def test_the_agents_api_shows_an_agents_phone(api_for, manager, phone_agent):
    agent = phone_agent()
    (row,) = api_for(manager).get("/api/v1/agents").json()["results"]
    assert (row["id"], row["phone"]) == (agent.pk, "+12125550199")


def test_the_create_page_sets_the_call_settings_and_names_a_bad_one(client_for, manager):
    client = client_for(manager)
    page = client.get("/campaigns/new/").content.decode()
    assert 'name="call_mode"' in page and "Polly.Joanna" in page and 'name="voicemail_text"' in page
    form = {
        "call_mode": "connect",
        "voice": "Polly.Lea",
        "language": "fr-FR",
        "machine_detection": "on",
        "on_machine": "voicemail",
        "voicemail_text": "",
        "pacing_seconds": "10",
        "max_retries": "1",
        "backoff_hours": "1",
    }
    refused = client.post("/campaigns/new/", {**form, "file": SimpleUploadedFile("c.csv", b"+12125550101\n")})
    assert refused.status_code == 400 and "Write the voicemail message" in refused.content.decode()
    assert not Campaign.objects.exists()

    form["voicemail_text"] = "Rappelez-nous, {first_name}."
    client.post("/campaigns/new/", {**form, "file": SimpleUploadedFile("c.csv", b"+12125550101\n")})
    campaign = Campaign.objects.get()
    assert (campaign.call_mode, campaign.voice, campaign.language) == ("connect", "Polly.Lea", "fr-FR")
    assert (campaign.machine_detection, campaign.on_machine) == (True, "voicemail")
    assert campaign.settings_snapshot["call"]["voicemail_text"] == "Rappelez-nous, {first_name}."


def test_a_voicemail_left_for_a_leads_contact_reaches_the_lead_as_such(client, twilio, running_campaign, t0):
    _, http = twilio
    campaign = campaign_with(
        running_campaign, machine_detection=True, on_machine="voicemail", voicemail_text="Hi {first_name}."
    )
    call = dial(campaign, twilio, t0).call
    lead = factories.make_lead(campaign.location, first_name="Bea", phone=call.contact.phone)
    CampaignContact.objects.filter(pk=call.contact_id).update(lead=lead)

    assert answer(client, call, http, AnsweredBy="machine_end_beep")[0].text == "Hi Bea."
    post_status(client, call, "completed", CallDuration="12")

    lead.refresh_from_db()
    assert lead.last_call_outcome == "Voicemail left"


class _Rng(random.Random):
    """A random source whose first random() is `first` (0.0 picks a machine, 0.99 a person)."""

    def __init__(self, first: float):
        super().__init__(0)
        self.first = [first]

    def random(self):
        return self.first.pop() if self.first else super().random()


@pytest.mark.parametrize(
    ("draw", "answered_by", "outcome"), [(0.0, "machine_end_beep", "voicemail_left"), (0.99, "human", "completed")]
)
def test_the_simulator_answers_with_a_machine_or_a_person_when_the_campaign_detects_machines(
    running_campaign, t0, draw, answered_by, outcome
):
    campaign = campaign_with(running_campaign, machine_detection=True, on_machine="voicemail", voicemail_text="Hi.")
    backend = SimulatedBackend(seconds=0, script=["completed"], rng=_Rng(draw))
    call = dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call
    call.refresh_from_db()
    assert (call.status, call.answered_by) == ("completed", answered_by)
    assert CampaignContact.objects.get(pk=call.contact_id).outcome == outcome
