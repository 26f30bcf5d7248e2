"""A local fake of Twilio's REST API for the official library: Calls.create and Calls(sid).fetch;
and Twilio's side of the voice webhooks: asking a URL for TwiML, signed as Twilio signs.

Passed to ``twilio.rest.Client`` as its ``http_client``: no account, no network. It records every
request and keeps each created call, whose state a test sets as Twilio would report it.
"""

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator

CALL_URI = re.compile(r"/Calls/(?P<sid>[^/]+)\.json$")


class FakeTwilioHttp(HttpClient):
    def __init__(self):
        super().__init__(logger=None, is_async=False)
        self.requests = []
        self.calls: dict[str, dict] = {}  # sid -> {"status", "duration"} as Twilio would answer
        self.unreachable = False  # every request fails as if Twilio could not be reached

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, **kwargs):
        self.requests.append({"method": method, "uri": uri, "data": data})
        if self.unreachable:
            raise ConnectionError("connection refused")
        if method == "POST" and uri.endswith("/Calls.json"):
            sid = f"CA{len(self.calls) + 1:032d}"
            self.calls[sid] = {"status": "queued", "duration": None}
            return Response(201, json.dumps({"sid": sid, "status": "queued", "to": data["To"], "from": data["From"]}))
        match = CALL_URI.search(uri)
        if method == "GET" and match:
            call = self.calls.get(match["sid"])
            if call is None:
                body = {"code": 20404, "message": "The requested resource was not found", "status": 404}
                return Response(404, json.dumps(body))
            return Response(200, json.dumps({"sid": match["sid"], **call}))
        return Response(400, json.dumps({"code": 20001, "message": f"not faked: {method} {uri}", "status": 400}))

    def fetches(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "GET"]

    def creates(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST"]

    def created(self, index: int = -1) -> dict:
        """The parameters of a Calls.create request (the last one by default)."""
        return self.creates()[index]["data"]


def ask_for_twiml(client, url: str, params: dict, *, auth_token: str) -> ET.Element:
    """POST `params` to the webhook at the absolute `url` as Twilio does (signed); the TwiML it answers."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    parts = urlsplit(url)
    response = client.post(f"{parts.path}?{parts.query}", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 (this site's own answer)
