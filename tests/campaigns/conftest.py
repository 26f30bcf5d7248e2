"""Campaign fixtures: a controlled clock (a Monday morning in New York) and campaign builders."""

import datetime
import zoneinfo

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from campaigns import dialer, services
from campaigns.telephony import SimulatedBackend, TwilioBackend
from tests.campaigns.fake_twilio import FakeTwilioHttp

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Monday 23 November 2026, 10:00 in New York: inside default business hours (Mon-Fri 09-17).
MONDAY_10AM = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)

NY_NUMBERS = ["+12125550101", "+12125550102", "+12125550103", "+12125550104", "+12125550105"]


def csv_of(numbers, header="phone") -> bytes:
    return (header + "\n" + "\n".join(numbers) + "\n").encode()


@pytest.fixture
def t0():
    return MONDAY_10AM


@pytest.fixture
def make_campaign(location, manager):
    """make_campaign(numbers=..., **settings) -> a draft campaign of `location`."""

    def make(numbers=None, **kwargs):
        kwargs.setdefault("timezone_name", "America/New_York")
        kwargs.setdefault("pacing_seconds", 10)
        campaign, _ = services.create_campaign(
            location=location,
            user=manager,
            file_bytes=csv_of(numbers or NY_NUMBERS),
            filename="contacts.csv",
            **kwargs,
        )
        return campaign

    return make


@pytest.fixture
def running_campaign(make_campaign, t0):
    """running_campaign(**settings) -> a campaign started at t0."""

    def make(numbers=None, **kwargs):
        campaign = make_campaign(numbers, **kwargs)
        services.start_campaign(campaign_id=campaign.pk, now=t0)
        campaign.refresh_from_db()
        return campaign

    return make


def sim(*outcomes) -> SimulatedBackend:
    """The simulated backend, outcomes scripted, callbacks delivered at once (at the dialer's `now`)."""
    return SimulatedBackend(seconds=0, script=list(outcomes))


TOKEN = "test-auth-token"
CALLBACK_PATH = "/api/v1/campaigns/webhooks/status"


@pytest.fixture
def twilio(settings):
    """(the Twilio backend, the fake Twilio API behind it)."""
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.PUBLIC_BASE_URL = "https://ops.example.com"
    http = FakeTwilioHttp()
    backend = TwilioBackend(client=Client(settings.TWILIO_ACCOUNT_SID, TOKEN, http_client=http))
    return backend, http


@pytest.fixture
def placed_call(twilio, running_campaign, t0):
    backend, _ = twilio
    campaign = running_campaign(["+12125550101", "+12125550102"], retry_policy={"max_retries": 1})
    return dialer.dial_next(campaign_id=campaign.pk, now=t0, backend=backend).call


def post_status(client, call, status, signature=None, **extra):
    """Twilio's status callback for `call`, signed as Twilio signs it."""
    params = {"CallSid": call.call_sid, "CallStatus": status, "AccountSid": "AC" + "0" * 32, **extra}
    url = f"https://ops.example.com{CALLBACK_PATH}?call_id={call.pk}"
    signature = signature or RequestValidator(TOKEN).compute_signature(url, params)
    return client.post(f"{CALLBACK_PATH}?call_id={call.pk}", params, HTTP_X_TWILIO_SIGNATURE=signature)
