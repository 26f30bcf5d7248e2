"""Campaign settings, read here once: Django settings first, then the environment."""

import os

from django.conf import settings


def _get(name: str, default: str) -> str:
    return str(getattr(settings, name, os.environ.get(name, default)))


def telephony_backend() -> str:
    """'simulated' (default, no account needed) or 'twilio'."""
    return _get("TELEPHONY_BACKEND", "simulated").lower()


def simulated_call_seconds() -> float:
    """Real seconds a simulated call takes before its outcome arrives (0 = at once)."""
    return float(_get("SIMULATED_CALL_SECONDS", "3"))


def dialer_slice_seconds() -> float:
    """How long one dialer task loops before it re-enqueues itself (keep below Q_CLUSTER timeout)."""
    return float(_get("DIALER_SLICE_SECONDS", "20"))


def call_lock_minutes() -> int:
    """A contact locked for a call longer than this is freed by the watchdog."""
    return int(_get("CALL_LOCK_MINUTES", "5"))


def max_consecutive_call_errors() -> int:
    """After this many calls in a row that the backend could not place, the campaign fails."""
    return int(_get("CAMPAIGN_MAX_CONSECUTIVE_ERRORS", "5"))


def dialer_loops_max() -> int:
    """At most this many dialer loops run for one campaign; each holds a qcluster worker while it runs."""
    return int(_get("DIALER_LOOPS_MAX", "1"))


def call_time_limit_minutes() -> int:
    """The longest a call may last (passed to Twilio as time_limit); an answered call stays locked that long."""
    return int(_get("CALL_TIME_LIMIT_MINUTES", "60"))
