"""Telephony backends: Twilio (official library) and a simulator, the default.

Both report call progress through dialer.record_call_status: Twilio via the signed status
webhook, the simulator by calling the same function (which the dialer hands it as
`report_status`) with the same parameters.
"""

import logging
import random
import threading
import time
import uuid

from django.utils import timezone

from campaigns import conf
from campaigns.models import Call, CallStatus

log = logging.getLogger(__name__)


class TelephonyError(Exception):
    """The backend could not place the call."""


class TwilioBackend:
    name = "twilio"

    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from twilio.rest import Client

            if not conf.twilio_account_sid() or not conf.twilio_auth_token():
                raise TelephonyError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not configured.")
            self._client = Client(conf.twilio_account_sid(), conf.twilio_auth_token())
        return self._client

    def place_call(self, *, call: Call, to: str, callback_url: str) -> str:
        from twilio.base.exceptions import TwilioException

        from_number = conf.twilio_from_number()
        if not from_number:
            raise TelephonyError("TWILIO_FROM_NUMBER is not configured.")
        agent = call.campaign.settings_snapshot.get("agent_snapshot") or {}
        greeting = f"Hello, this is {agent.get('name') or 'a call'} from {call.campaign.location.name}."
        try:
            created = self.client.calls.create(
                to=to,
                from_=from_number,
                twiml=f"<Response><Say>{_xml_escape(greeting)}</Say></Response>",
                status_callback=callback_url,
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                status_callback_method="POST",
                time_limit=conf.call_time_limit_minutes() * 60,
            )
        except TwilioException as exc:
            raise TelephonyError(str(exc)) from exc
        except Exception as exc:  # network errors surface from requests, not as TwilioException
            raise TelephonyError(f"Twilio could not be reached: {exc}") from exc
        return created.sid

    def after_placed(self, *, call_id: int, call_sid: str, report_status, now=None) -> None:
        """Twilio reports the call's progress itself, through the status webhook."""


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Outcome mix of the simulator: roughly what outbound campaigns see.
SIMULATED_OUTCOMES = (
    (CallStatus.COMPLETED, 0.6),
    (CallStatus.NO_ANSWER, 0.2),
    (CallStatus.BUSY, 0.1),
    (CallStatus.FAILED, 0.1),
)


class SimulatedBackend:
    """Places no real call: Twilio-shaped status callbacks are fed to the same code the webhook
    uses, from a thread of the dialing worker over SIMULATED_CALL_SECONDS (or at once when 0).

    A thread rather than a task: dialer loops keep workers busy, and a queued callback would
    wait behind them. A callback lost with its worker is what the watchdog is for.
    """

    name = "simulated"

    def __init__(self, *, seconds: float | None = None, script=None, rng: random.Random | None = None):
        """`script`: outcomes to use in order (then random ones), for demos and tests."""
        self.seconds = conf.simulated_call_seconds() if seconds is None else seconds
        self.script = list(script or [])
        self.rng = rng

    def place_call(self, *, call: Call, to: str, callback_url: str) -> str:
        return f"SIM{uuid.uuid4().hex}"

    def after_placed(self, *, call_id: int, call_sid: str, report_status, now=None) -> None:
        """Feed the call's status callbacks to `report_status` (dialer.record_call_status)."""
        outcome = self.script.pop(0) if self.script else ""
        if self.seconds <= 0:
            simulate_call(
                call_id=call_id,
                call_sid=call_sid,
                seconds=0,
                outcome=outcome,
                report_status=report_status,
                now=now,
                rng=self.rng,
            )
            return
        thread = threading.Thread(
            target=_simulate_in_thread,
            kwargs={
                "call_id": call_id,
                "call_sid": call_sid,
                "seconds": self.seconds,
                "outcome": outcome,
                "report_status": report_status,
            },
            name=f"simulated-call-{call_id}",
            daemon=True,
        )
        thread.start()


def _simulate_in_thread(**kwargs) -> None:
    from django.db import connections

    try:
        simulate_call(**kwargs)
    except Exception:
        log.exception("simulated call %s failed", kwargs.get("call_id"))
    finally:
        connections.close_all()  # this thread's own connections


def simulated_events(*, call_sid: str, to: str, outcome: str = "", rng: random.Random | None = None) -> list[dict]:
    """The callbacks one simulated call sends, in order, shaped like Twilio's."""
    rng = rng or random.Random()
    if not outcome:
        outcome = rng.choices([o for o, _ in SIMULATED_OUTCOMES], weights=[w for _, w in SIMULATED_OUTCOMES])[0]
    base = {"CallSid": call_sid, "To": to, "From": conf.twilio_from_number() or "+15005550006"}
    events = [{**base, "CallStatus": CallStatus.INITIATED}]
    if outcome != CallStatus.FAILED:
        events.append({**base, "CallStatus": CallStatus.RINGING})
    if outcome == CallStatus.COMPLETED:
        events.append({**base, "CallStatus": CallStatus.IN_PROGRESS})
        events.append({**base, "CallStatus": outcome, "CallDuration": str(int(rng.lognormvariate(4.6, 0.6)) + 5)})
    else:
        events.append({**base, "CallStatus": outcome, "CallDuration": "0"})
    return events


def simulate_call(
    *,
    call_id: int,
    call_sid: str,
    seconds: float,
    report_status,
    outcome: str = "",
    now=None,
    rng: random.Random | None = None,
) -> None:
    """Send one simulated call's callbacks to `report_status`, `seconds` apart in all (at `now` when given)."""
    call = Call.objects.filter(pk=call_id).select_related("contact").first()
    if call is None:
        return
    events = simulated_events(call_sid=call_sid, to=call.contact.phone, outcome=outcome, rng=rng)
    pause = seconds / max(len(events) - 1, 1)
    for index, params in enumerate(events):
        if index and pause:
            time.sleep(pause)
        report_status(call_id=call_id, call_sid=call_sid, params=params, now=now or timezone.now())


def get_backend():
    name = conf.telephony_backend()
    if name == "twilio":
        return TwilioBackend()
    if name == "simulated":
        return SimulatedBackend()
    raise TelephonyError(f"Unknown TELEPHONY_BACKEND {name!r} (use 'simulated' or 'twilio').")
