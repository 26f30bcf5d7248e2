"""Forged Twilio status callbacks: 403 (or another 4xx) and nothing changes.

tests/campaigns/test_webhook.py covers a made-up signature, no signature, and a signature over
other parameters. Added: another account's token, a genuine signature replayed on another call,
no token configured, junk in the signature header and the query, wrong methods, a huge body.
"""

import datetime
import json
import zoneinfo

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from campaigns import dialer
from campaigns import services as campaigns
from campaigns.models import Call, CallEvent, CampaignContact
from campaigns.telephony import TwilioBackend

TOKEN = "test-auth-token"
CALLBACK = "/api/v1/campaigns/webhooks/status"
PUBLIC = "https://ops.example.com"
MONDAY_10AM = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


class TwilioApi(HttpClient):
    """Twilio's REST API as far as Calls.create goes."""

    def __init__(self):
        super().__init__(logger=None, is_async=False)
        self.created = 0

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, **kwargs):
        self.created += 1
        sid = f"CA{self.created:032d}"
        return Response(201, json.dumps({"sid": sid, "status": "queued", "to": data["To"], "from": data["From"]}))


@pytest.fixture
def calls(settings, location, manager):
    """Two calls placed through the Twilio backend, both queued, their contacts calling."""
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.PUBLIC_BASE_URL = PUBLIC
    backend = TwilioBackend(client=Client(settings.TWILIO_ACCOUNT_SID, TOKEN, http_client=TwilioApi()))
    campaign, _ = campaigns.create_campaign(
        location=location,
        user=manager,
        file_bytes=b"phone\n+12125550101\n+12125550102\n",
        filename="c.csv",
        timezone_name="America/New_York",
        max_concurrent_calls=2,
    )
    campaigns.start_campaign(campaign_id=campaign.pk, now=MONDAY_10AM)
    placed = [
        dialer.dial_next(campaign_id=campaign.pk, now=MONDAY_10AM + datetime.timedelta(seconds=30 * n), backend=backend)
        for n in range(2)
    ]
    return [result.call for result in placed]


def state() -> list:
    return [
        sorted(Call.objects.values_list("pk", "status", "duration_seconds")),
        CallEvent.objects.count(),
        sorted(CampaignContact.objects.values_list("pk", "status", "outcome")),
    ]


def signed(url_query: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(f"{PUBLIC}{CALLBACK}?{url_query}", params)


def completed(call) -> dict:
    return {"CallSid": call.call_sid, "CallStatus": "completed", "CallDuration": "60", "AccountSid": "AC" + "0" * 32}


def test_the_genuine_callback_is_accepted(client, calls):
    """The control: a correctly signed callback does change the call."""
    params = completed(calls[0])
    response = client.post(
        f"{CALLBACK}?call_id={calls[0].pk}", params, HTTP_X_TWILIO_SIGNATURE=signed(f"call_id={calls[0].pk}", params)
    )
    assert response.status_code == 204
    assert Call.objects.get(pk=calls[0].pk).status == "completed"


def test_a_signature_made_with_another_accounts_token_is_refused(client, calls):
    params = completed(calls[0])
    before = state()
    signature = signed(f"call_id={calls[0].pk}", params, token="someone-elses-token")
    response = client.post(f"{CALLBACK}?call_id={calls[0].pk}", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert state() == before


def test_a_genuine_signature_replayed_on_another_call_is_refused(client, calls):
    first, second = calls
    params = {**completed(first), "CallSid": second.call_sid}
    before = state()
    # Signed for the first call's URL, sent to the second's: the URL is part of what is signed.
    signature = signed(f"call_id={first.pk}", params)
    response = client.post(f"{CALLBACK}?call_id={second.pk}", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert state() == before


def test_without_a_configured_token_every_callback_is_refused(client, calls, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    params = completed(calls[0])
    before = state()
    signature = signed(f"call_id={calls[0].pk}", params, token="")
    response = client.post(f"{CALLBACK}?call_id={calls[0].pk}", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize(
    "signature",
    ["", " ", "A" * 10_000, "\u00e9t\u00e9", "sig1,sig2", "=" * 28],
    ids=["empty", "blank", "10-kb", "non-ascii", "list", "padding"],
)
def test_junk_in_the_signature_header_is_refused(signature, client, calls):
    before = state()
    response = client.post(f"{CALLBACK}?call_id={calls[0].pk}", completed(calls[0]), HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403
    assert state() == before


@pytest.mark.parametrize("call_id", ["abc", "-1", str(2**70), "", "1e3", "{second}&call_id={second}x"])
def test_a_signed_callback_with_a_junk_call_id_is_no_500_and_reaches_no_other_call(call_id, client, calls):
    """Only Twilio can sign; still, a junk query is answered, and only the signed CallSid's call may change."""
    first, second = calls
    call_id = call_id.format(second=second.pk)
    params = completed(first)
    response = client.post(
        f"{CALLBACK}?call_id={call_id}", params, HTTP_X_TWILIO_SIGNATURE=signed(f"call_id={call_id}", params)
    )
    assert response.status_code == 204
    assert Call.objects.get(pk=second.pk).status == "queued"
    assert not CallEvent.objects.filter(call=second).exists()


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_other_methods_are_refused(method, client, calls):
    before = state()
    response = getattr(client, method)(f"{CALLBACK}?call_id={calls[0].pk}&CallStatus=completed")
    assert response.status_code == 405
    assert state() == before


def test_a_huge_unsigned_body_is_a_4xx(client, calls, settings):
    before = state()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        f"{CALLBACK}?call_id={calls[0].pk}",
        f"CallStatus=completed&Padding={padding}",
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert 400 <= response.status_code < 500
    assert state() == before
