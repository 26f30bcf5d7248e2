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
from dataclasses import dataclass

from django.utils import timezone

from campaigns import call_modes, conf
from campaigns.models import Call, CallStatus
from outreach import conf as outreach_conf

log = logging.getLogger(__name__)


class TelephonyError(Exception):
    """The backend could not place the call, or could not be asked about one."""


@dataclass(frozen=True)
class ProviderCall:
    """What the provider says of a call when asked (Twilio's `calls(sid).fetch()`)."""

    status: str
    duration: int | None = None

    @property
    def no_call_happened(self) -> bool:
        """The provider confirms nobody was called: failed or canceled without a second of duration."""
        return self.status in (CallStatus.FAILED, CallStatus.CANCELED) and not self.duration


class TwilioBackend:
    name = "twilio"

    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from twilio.rest import Client

            if not outreach_conf.twilio_account_sid() or not outreach_conf.twilio_auth_token():
                raise TelephonyError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not configured.")
            self._client = Client(outreach_conf.twilio_account_sid(), outreach_conf.twilio_auth_token())
        return self._client

    def place_call(self, *, call: Call, to: str, callback_url: str) -> str:
        from twilio.base.exceptions import TwilioException

        from_number = outreach_conf.twilio_from_number()
        if not from_number:
            raise TelephonyError("TWILIO_FROM_NUMBER is not configured.")
        extra = {}
        machine_detection = call_modes.machine_detection_param(call.campaign)
        if machine_detection:
            extra["machine_detection"] = machine_detection
        try:
            created = self.client.calls.create(
                to=to,
                from_=from_number,
                url=call_modes.webhook_url(call, "answered"),  # what to do on answer: call_modes.answered
                method="POST",
                status_callback=callback_url,
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                status_callback_method="POST",
                time_limit=conf.call_time_limit_minutes() * 60,
                **extra,
            )
        except TwilioException as exc:
            raise TelephonyError(str(exc)) from exc
        except Exception as exc:  # network errors surface from requests, not as TwilioException
            raise TelephonyError(f"Twilio could not be reached: {exc}") from exc
        return created.sid

    def after_placed(self, *, call_id: int, call_sid: str, report_status, now=None) -> None:
        """Twilio reports the call's progress itself, through the status webhook."""

    def fetch_call(self, *, call_sid: str) -> ProviderCall | None:
        """Ask Twilio what became of a call; None when Twilio has no such call."""
        from twilio.base.exceptions import TwilioRestException

        try:
            fetched = self.client.calls(call_sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise TelephonyError(str(exc)) from exc
        except TelephonyError:
            raise
        except Exception as exc:  # network errors surface from requests
            raise TelephonyError(f"Twilio could not be reached: {exc}") from exc
        return ProviderCall(status=str(fetched.status or ""), duration=_int_or_none(fetched.duration))


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Outcome mix of the simulator: roughly what outbound campaigns see.
SIMULATED_OUTCOMES = (
    (CallStatus.COMPLETED, 0.6),
    (CallStatus.NO_ANSWER, 0.2),
    (CallStatus.BUSY, 0.1),
    (CallStatus.FAILED, 0.1),
)


SIMULATED_MACHINE_SHARE = 0.25  # answered calls a machine picks up, when the campaign detects machines

SIMULATED_CALLS: dict[str, dict] = {}
"""The simulator's own record of its calls (this process's): call sid -> the final callback it sends."""
SIMULATED_CALLS_KEPT = 100_000


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
        to, detecting = (
            Call.objects.filter(pk=call_id).values_list("contact__phone", "campaign__machine_detection").first()
        )
        events = simulated_events(call_sid=call_sid, to=to, outcome=outcome, rng=self.rng, machine_detection=detecting)
        SIMULATED_CALLS[call_sid] = events[-1]
        if len(SIMULATED_CALLS) > SIMULATED_CALLS_KEPT:
            SIMULATED_CALLS.pop(next(iter(SIMULATED_CALLS)))
        if self.seconds <= 0:
            simulate_call(
                call_id=call_id, call_sid=call_sid, seconds=0, events=events, report_status=report_status, now=now
            )
            return
        thread = threading.Thread(
            target=_simulate_in_thread,
            kwargs={
                "call_id": call_id,
                "call_sid": call_sid,
                "seconds": self.seconds,
                "events": events,
                "report_status": report_status,
            },
            name=f"simulated-call-{call_id}",
            daemon=True,
        )
        thread.start()

    def fetch_call(self, *, call_sid: str) -> ProviderCall | None:
        """From the simulator's own record: a call this process did not simulate never happened."""
        final = SIMULATED_CALLS.get(call_sid)
        if final is None:
            return None
        return ProviderCall(status=final["CallStatus"], duration=_int_or_none(final.get("CallDuration")))


def _simulate_in_thread(**kwargs) -> None:
    from django.db import connections

    try:
        simulate_call(**kwargs)
    except Exception:
        log.exception("simulated call %s failed", kwargs.get("call_id"))
    finally:
        connections.close_all()  # this thread's own connections


def simulated_events(
    *, call_sid: str, to: str, outcome: str = "", rng: random.Random | None = None, machine_detection: bool = False
) -> list[dict]:
    """The callbacks one simulated call sends, in order, shaped like Twilio's.

    With machine detection, an answered call says who answered (AnsweredBy), a machine 1 time in
    SIMULATED_MACHINE_SHARE, and the answer is handled as Twilio's answer webhook would be."""
    rng = rng or random.Random()
    if not outcome:
        outcome = rng.choices([o for o, _ in SIMULATED_OUTCOMES], weights=[w for _, w in SIMULATED_OUTCOMES])[0]
    base = {"CallSid": call_sid, "To": to, "From": outreach_conf.twilio_from_number() or "+15005550006"}
    events = [{**base, "CallStatus": CallStatus.INITIATED}]
    if outcome != CallStatus.FAILED:
        events.append({**base, "CallStatus": CallStatus.RINGING})
    if outcome == CallStatus.COMPLETED:
        if machine_detection:
            machine = rng.random() < SIMULATED_MACHINE_SHARE
            base["AnsweredBy"] = "machine_end_beep" if machine else "human"
        events.append({**base, "CallStatus": CallStatus.IN_PROGRESS})
        events.append({**base, "CallStatus": outcome, "CallDuration": str(int(rng.lognormvariate(4.6, 0.6)) + 5)})
    else:
        events.append({**base, "CallStatus": outcome, "CallDuration": "0"})
    return events


def simulate_call(*, call_id: int, call_sid: str, seconds: float, events: list[dict], report_status, now=None) -> None:
    """Send one simulated call's callbacks to `report_status`, `seconds` apart in all (at `now` when given)."""
    pause = seconds / max(len(events) - 1, 1)
    for index, params in enumerate(events):
        if index and pause:
            time.sleep(pause)
        if params["CallStatus"] == CallStatus.IN_PROGRESS and "AnsweredBy" in params:
            call = Call.objects.select_related("campaign__location", "contact__lead").filter(pk=call_id).first()
            if call is not None:
                call_modes.answered(call, answered_by=params["AnsweredBy"])
        report_status(call_id=call_id, call_sid=call_sid, params=params, now=now or timezone.now())


def backend_named(name: str):
    """The backend a call was placed with, to ask about that call."""
    if name == "twilio":
        return TwilioBackend()
    if name == "simulated":
        return SimulatedBackend()
    raise TelephonyError(f"Unknown TELEPHONY_BACKEND {name!r} (use 'simulated' or 'twilio').")


def get_backend():
    return backend_named(conf.telephony_backend())
