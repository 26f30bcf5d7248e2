"""Twilio as the SMS tests meet it: the official library over a recording HTTP client, and signed webhooks."""

import itertools
import json

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from leads.messaging import TwilioSMSBackend

TOKEN = "test-auth-token"
ACCOUNT = "AC" + "0" * 32
SENDER = "+15005550006"
BASE = "https://ops.example.com"
INBOUND_PATH = "/api/v1/leads/webhooks/sms"
STATUS_PATH = "/api/v1/leads/webhooks/sms-status"


class RecordingTwilioHttp(HttpClient):
    """Twilio's REST API as far as Messages.create goes: answers like Twilio, records the requests."""

    requests: list = []
    _sids = itertools.count(1)

    def __init__(self):
        super().__init__(logger=None, is_async=False)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, **kwargs):
        sid = f"SM{next(self._sids):032d}"
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "sid": sid})
        return Response(201, json.dumps({"sid": sid, "status": "queued", "to": data["To"], "from": data["From"]}))


class RecordingTwilioSMSBackend(TwilioSMSBackend):
    def __init__(self):
        super().__init__(client=Client(ACCOUNT, TOKEN, http_client=RecordingTwilioHttp()))


@pytest.fixture
def twilio_sms(settings):
    """SMS go to the recording Twilio; webhooks are signed with TOKEN for BASE."""
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_FROM_NUMBER = SENDER
    settings.PUBLIC_BASE_URL = BASE
    settings.SMS_BACKEND = "tests.leads.twilio_fake.RecordingTwilioSMSBackend"
    RecordingTwilioHttp.requests = []
    return RecordingTwilioHttp.requests


def post_signed(client, path: str, params: dict, *, signature: str | None = None):
    """POST params to path as Twilio does, signed over BASE + path (query included)."""
    signature = signature or RequestValidator(TOKEN).compute_signature(BASE + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def reply(client, body: str, *, sid: str, from_number: str, to: str = SENDER, signature: str | None = None):
    params = {"MessageSid": sid, "AccountSid": ACCOUNT, "From": from_number, "To": to, "Body": body}
    return post_signed(client, INBOUND_PATH, params, signature=signature)
